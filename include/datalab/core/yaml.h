/*
 * yaml.h: YAML to cJSON (libyaml) and cJSON to YAML.
 *
 * The converter is iterative (no recursion on input depth) and bounded:
 * depth, node count (which caps alias expansion: a billion-laughs document
 * fails instead of growing), and input size.  Scalars resolve as Helm's
 * go-yaml does: null/~/empty, true/false (yes/no/on/off too), integers
 * (decimal, 0x, 0o), floats; quoted or !!str-tagged scalars stay strings.
 * Merge keys (<<) are honoured; on duplicate keys the last wins.
 */
#ifndef DATALAB_CORE_YAML_H
#define DATALAB_CORE_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

struct yaml_limits {
	size_t max_bytes;	/* default 64 MiB */
	int max_depth;		/* default 256 */
	size_t max_nodes;	/* default 4,000,000, aliases counted expanded */
};

/* yaml_parse: the first document of p[0..n) as a cJSON tree (an empty
 * document gives a cJSON null).  limits may be NULL for the defaults.
 * Errors carry the line and column: "line 3 column 5: ...". */
cJSON *yaml_parse(const char *p, size_t n, const struct yaml_limits *limits, struct error *err);
/* yaml_parse_all: every document, as a cJSON array (empty ones skipped). */
cJSON *yaml_parse_all(const char *p, size_t n, const struct yaml_limits *limits, struct error *err);

/* yaml_emit: block-style YAML for item (the way a values.yaml reads),
 * strings quoted when they would otherwise change type or meaning. */
int yaml_emit(struct buf *out, const cJSON *item);

#endif
