/*
 * index-internal.h: the libyaml cursor and the field readers of
 * helm/index, shared by index.c (cursor, fields, checks, Chart.yaml, the
 * lookups) and index_walk.c (the index document walked in steps).  Not
 * for other modules: they use helm/index.h.
 */
#ifndef DATALAB_HELM_INDEX_INTERNAL_H
#define DATALAB_HELM_INDEX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "datalab/helm/index.h"

struct yp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have;
	const struct index_limits *lim;
	struct error *err;
};

/* index_yp_open: the cursor on p[0..n), at the first document's top node;
 * -1 with err (the cursor must still be closed). */
int index_yp_open(struct yp *y, const char *p, size_t n, const struct index_limits *lim, struct error *err);
void index_yp_close(struct yp *y);
/* index_yp_next: the next event; -1 with y->err. */
int index_yp_next(struct yp *y);
yaml_event_type_t index_yp_type(const struct yp *y);
/* index_skip_node: consumes the node the cursor is on. */
int index_skip_node(struct yp *y);
bool index_scalar_is_null(const yaml_event_t *ev);
/* index_take_string: the value node as a string (NULL for null), consumed;
 * *bad when present but unusable. */
int index_take_string(struct yp *y, char **out, bool *bad);
bool index_key_is(const struct yp *y, const char *k);
/* index_take_version: one version mapping into v, consumed. */
int index_take_version(struct yp *y, struct index_version *v, bool *bad);
/* index_version_ok: v passes Helm's checks (key: its entries key, or NULL). */
bool index_version_ok(struct index_version *v, const char *key);
bool index_valid_name(const char *s);
void index_chart_release(struct index_chart *c);

#endif
