/*
 * selector-internal.h: what selector.c (requirements, validation,
 * matching), selector_parse.c (the label parser) and selector_fields.c
 * (field selectors) share; not for other modules.
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

/* a sorted set of strings (Go's sets.String) */
struct strset {
	char **v;
	size_t n, cap;
};

void selector_strset_add(struct strset *s, const char *v);
void selector_strset_release(struct strset *s);

struct selector *selector_alloc(bool fields);
/* selector_push: a zeroed requirement at the end */
struct requirement *selector_push(struct selector *sel);
struct selector *selector_too_long(struct error *err, const char *what);
/* selector_new_requirement: labels.NewRequirement; takes the values; on
 * error the field errors are appended to msg */
int selector_new_requirement(struct selector *sel, const char *key, enum sel_op op, struct strset *vals,
			     struct buf *msg);
/* selector_qname_errors: validation.IsQualifiedName's messages, "; "
 * joined; empty = valid */
void selector_qname_errors(const char *k, struct buf *out);
/* selector_go_quote: Go's %q of s */
void selector_go_quote(struct buf *b, const char *s);
/* selector_field_value: the string the registry's field set holds for d
 * (absent = "", bools "true"/"false"); may point into tmp */
const char *selector_field_value(const struct field_def *d, const cJSON *obj, struct buf *tmp);

#endif
