/*
 * printer-internal.h: the column tables and cell helpers shared by
 * printer.c (the framework, pods and workloads) and printer_kinds.c (the
 * other built-in kinds).
 */
#ifndef DATALAB_SANDBOX_PRINTER_INTERNAL_H
#define DATALAB_SANDBOX_PRINTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/common.h"

struct col {
	const char *name, *type;
	int priority;
	const char *description;
};

typedef void cells_fn(cJSON *cells, const cJSON *obj, int64_t now);

struct printer {
	const char *group, *resource;
	const struct col *cols;
	cells_fn *fn;
};

#define NAME_COL { "Name", "string", 0, "Name must be unique within a namespace." }
#define AGE_COL { "Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." }

/* cell helpers: each appends one cell */
void printer_add_str(cJSON *cells, const char *s);
void printer_add_int(cJSON *cells, int64_t v);
void printer_add_fmt(cJSON *cells, const char *fmt, ...) DL_PRINTF(2, 3);
void printer_add_age_ts(cJSON *cells, const char *ts, int64_t now);
void printer_add_age(cJSON *cells, const cJSON *obj, int64_t now);
/* printer_add_join: a,b,c of an array's strings (or its items' field) */
void printer_add_join(cJSON *cells, const cJSON *arr, const char *field, const char *none);
void printer_add_selector(cJSON *cells, const cJSON *sel);
void printer_add_containers(cJSON *cells, const cJSON *podspec);
void printer_add_intorstr(cJSON *cells, const cJSON *v);
int64_t printer_age_of(const char *ts, int64_t now);
const char *printer_name(const cJSON *obj);
bool printer_has_condition(const cJSON *obj, const char *type);

/* the printers of printer_kinds.c */
extern const struct printer printer_more[];
extern const size_t printer_nmore;

#endif
