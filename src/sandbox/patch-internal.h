/*
 * patch-internal.h: what patch_apply.c (apply, managedFields) and
 * patch_fieldset.c (FieldsV1 sets, an object's set from the schema)
 * share; not for other modules.
 */
#ifndef DATALAB_SANDBOX_PATCH_INTERNAL_H
#define DATALAB_SANDBOX_PATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/sandbox/schema.h"

#define PATCH_MAX_DEPTH 64

/* a member of a field set: its path elements ("f:spec", "k:{...}") */
struct path {
	char **el;
	size_t n;
};

struct paths {
	struct path *v;
	size_t n, cap;
};

enum list_kind { LIST_ATOMIC, LIST_SET, LIST_MAP };

/* patch_paths_push: a copy of the n elements at the end */
void patch_paths_push(struct paths *ps, char *const *el, size_t n);
void patch_paths_release(struct paths *ps);
/* patch_set_members: every leaf of the FieldsV1 tree set into out */
void patch_set_members(const cJSON *set, struct paths *out);
/* patch_set_node: the node at p in set, NULL when absent */
const cJSON *patch_set_node(const cJSON *set, const struct path *p);
/* patch_set_has: p is a member (a leaf) of set */
bool patch_set_has(const cJSON *set, const struct path *p);
void patch_set_add(cJSON *set, const struct path *p);
/* patch_set_remove: drops the member and every ancestor it leaves empty */
void patch_set_remove(cJSON *set, const struct path *p);
/* patch_path_string: ".spec.containers[name=\"c\"].image", as fieldpath prints */
void patch_path_string(struct buf *b, const struct path *p);
/* patch_list_kind: how a list field merges; *keys its key fields for LIST_MAP */
enum list_kind patch_list_kind(const struct schema_field *f, const char **keys);
/* patch_is_atomic: the field is one member as a whole */
bool patch_is_atomic(const struct schema_field *f);
/* patch_item_key: "k:{...}" of an associative list item into out */
int patch_item_key(const cJSON *item, const char *keys, struct buf *out, struct error *err);
/* patch_fieldset_of: the field set an apply of obj owns (metadata the
 * server sets and status left out); NULL with err when too deep or an
 * item lacks a key */
cJSON *patch_fieldset_of(const cJSON *obj, struct error *err);

#endif
