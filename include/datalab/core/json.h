/*
 * json.h: small read helpers over cJSON trees.
 *
 * Paths are dot-separated object keys ("metadata.name"); a segment may be
 * a decimal array index ("spec.containers.0.image").  Keys holding dots are
 * looked up with json_get_key on the parent.
 */
#ifndef DATALAB_CORE_JSON_H
#define DATALAB_CORE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

const cJSON *json_get(const cJSON *root, const char *path);
/* json_str: the string at path, or def when absent or not a string. */
const char *json_str(const cJSON *root, const char *path, const char *def);
int64_t json_int(const cJSON *root, const char *path, int64_t def);
bool json_bool(const cJSON *root, const char *path, bool def);
/* json_get_key: exact key (case-sensitive, dots allowed). */
const cJSON *json_get_key(const cJSON *obj, const char *key);

/* json_parse: parses n bytes (need not be NUL-terminated); on failure
 * fills err with the byte offset.  Depth capped by cJSON (1000). */
cJSON *json_parse(const char *p, size_t n, struct error *err);
/* json_read_file: the JSON file at path (at most max bytes) parsed into
 * *out, which the caller frees.  A missing file is no error: 0 with *out
 * NULL.  -1 with err when it cannot be read or parsed. */
int json_read_file(const char *path, size_t max, cJSON **out, struct error *err);
/* json_print: compact (or indented) text appended to out. */
int json_print(struct buf *out, const cJSON *item, bool pretty);

/* json_set_path: creates intermediate objects; takes ownership of value.
 * Segments are split on '.', except that "\\." is a literal dot. */
int json_set_path(cJSON *root, const char *path, cJSON *value);

#endif
