/*
 * selector-internal.h: what selector.c (labels, matching) and
 * selector_fields.c (field selectors) share; not for other modules.
 */
#ifndef DATALAB_SANDBOX_SELECTOR_INTERNAL_H
#define DATALAB_SANDBOX_SELECTOR_INTERNAL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/sandbox/selector.h"

/* hostile-input caps: far above what any client sends */
#define MAX_SELECTOR_LEN (64u << 10)
#define MAX_REQUIREMENTS 1024

enum sel_op {
	OP_EQUALS,		/* = and == */
	OP_NOT_EQUALS,
	OP_IN,
	OP_NOT_IN,
	OP_EXISTS,
	OP_NOT_EXISTS,
	OP_GT,
	OP_LT,
};

struct requirement {
	char *key;
	enum sel_op op;
	char **values;		/* sorted, unique */
	size_t nvalues;
	long long num;		/* OP_GT / OP_LT */
};

struct field_def;

struct selector {
	bool fields;
	struct requirement *reqs;
	size_t n, cap;
	const struct field_def **defs;	/* fields: one per requirement */
};

struct selector *selector_alloc(bool fields);
/* selector_push: a zeroed requirement at the end */
struct requirement *selector_push(struct selector *sel);
struct selector *selector_too_long(struct error *err, const char *what);
/* selector_field_value: the string the registry's field set holds for d
 * (absent = "", bools "true"/"false"); may point into tmp */
const char *selector_field_value(const struct field_def *d, const cJSON *obj, struct buf *tmp);

#endif
