/*
 * patch_fieldset.c: field sets for server-side apply (patch-internal.h).
 *
 * A field set is kept in its wire form, FieldsV1: a tree of objects whose
 * keys are path elements, "f:<field>", "k:{<key fields>}" for an item of
 * an associative list, "v:<json>" for an item of a set, "." for a list
 * item itself; its members are the leaves ({}).  This file reads and
 * edits such sets (members as paths, has, add, remove, fieldpath's text
 * of a path) and builds the set of an object by walking it with the
 * generated schema (schema.h), which says what a map, an atomic value and
 * each list type are.  patch_apply.c compares and records the sets.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/patch.h"
#include "datalab/sandbox/schema.h"

#include "patch-internal.h"

/* ---- paths ---- */

void patch_paths_push(struct paths *ps, char *const *el, size_t n)
{
	struct path *p;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = xreallocarray(ps->v, ps->cap, sizeof(*ps->v));
	}
	p = &ps->v[ps->n++];
	p->n = n;
	p->el = xreallocarray(NULL, n ? n : 1, sizeof(*p->el));
	for (size_t i = 0; i < n; i++)
		p->el[i] = xstrdup(el[i]);
}

void patch_paths_release(struct paths *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		for (size_t j = 0; j < ps->v[i].n; j++)
			free(ps->v[i].el[j]);
		free(ps->v[i].el);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* members: every leaf of a FieldsV1 tree */
static void members_walk(const cJSON *node, char **stack, size_t depth, struct paths *out)
{
	const cJSON *c;

	if (!node->child) {
		if (depth)
			patch_paths_push(out, stack, depth);
		return;
	}
	if (depth >= PATCH_MAX_DEPTH)
		return;
	cJSON_ArrayForEach(c, node) {
		stack[depth] = c->string;
		members_walk(c, stack, depth + 1, out);
	}
}

void patch_set_members(const cJSON *set, struct paths *out)
{
	char *stack[PATCH_MAX_DEPTH + 1];

	if (cJSON_IsObject(set))
		members_walk(set, stack, 0, out);
}

const cJSON *patch_set_node(const cJSON *set, const struct path *p)
{
	for (size_t i = 0; set && i < p->n; i++)
		set = cJSON_GetObjectItemCaseSensitive(set, p->el[i]);
	return set;
}

bool patch_set_has(const cJSON *set, const struct path *p)
{
	const cJSON *n = patch_set_node(set, p);

	return n && !n->child;
}

void patch_set_add(cJSON *set, const struct path *p)
{
	for (size_t i = 0; i < p->n; i++) {
		cJSON *c = cJSON_GetObjectItemCaseSensitive(set, p->el[i]);

		if (!c)
			c = cJSON_AddObjectToObject(set, p->el[i]);
		set = c;
	}
}

/* patch_set_remove: drops the member and every ancestor it leaves empty */
void patch_set_remove(cJSON *set, const struct path *p)
{
	cJSON *chain[PATCH_MAX_DEPTH + 1];
	size_t n = 0;

	chain[n++] = set;
	for (size_t i = 0; i < p->n && n <= PATCH_MAX_DEPTH; i++) {
		cJSON *c = cJSON_GetObjectItemCaseSensitive(chain[n - 1], p->el[i]);

		if (!c)
			return;
		chain[n++] = c;
	}
	if (chain[n - 1]->child)
		return;		/* not a member */
	for (size_t i = n - 1; i > 0; i--) {
		if (chain[i]->child)
			break;
		cJSON_Delete(cJSON_DetachItemViaPointer(chain[i - 1], chain[i]));
	}
}

/* patch_path_string: ".spec.containers[name=\"c\"].image", as fieldpath prints */
void patch_path_string(struct buf *b, const struct path *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *e = p->el[i];

		if (strncmp(e, "f:", 2) == 0) {
			buf_addf(b, ".%s", e + 2);
		} else if (strncmp(e, "v:", 2) == 0) {
			buf_addf(b, "[=%s]", e + 2);
		} else if (strncmp(e, "i:", 2) == 0) {
			buf_addf(b, "[%s]", e + 2);
		} else if (strncmp(e, "k:", 2) == 0) {
			cJSON *k = cJSON_Parse(e + 2);
			const cJSON *c;
			bool first = true;

			buf_addc(b, '[');
			cJSON_ArrayForEach(c, k) {
				char *v = cJSON_PrintUnformatted(c);

				buf_addf(b, "%s%s=%s", first ? "" : ",", c->string, v ? v : "");
				free(v);
				first = false;
			}
			buf_addc(b, ']');
			cJSON_Delete(k);
		}
	}
	if (!b->len)
		buf_addc(b, '.');
}

/* ---- walking objects with the schema ---- */

enum list_kind patch_list_kind(const struct schema_field *f, const char **keys)
{
	*keys = NULL;
	if (!f || !(f->flags & SCHEMA_REPEATED))
		return LIST_ATOMIC;
	if (f->flags & SCHEMA_LIST_MAP) {
		*keys = f->list_keys ? f->list_keys : f->merge_key;
		return *keys ? LIST_MAP : LIST_ATOMIC;
	}
	if (f->flags & SCHEMA_LIST_SET)
		return LIST_SET;
	if (f->flags & SCHEMA_LIST_ATOMIC)
		return LIST_ATOMIC;
	/* no marker: the openapi conversion's reading of the patch strategy */
	if (f->flags & SCHEMA_PATCH_MERGE) {
		*keys = f->merge_key;
		return f->merge_key ? LIST_MAP : LIST_SET;
	}
	return LIST_ATOMIC;
}

/* patch_is_atomic: the field is one member as a whole */
bool patch_is_atomic(const struct schema_field *f)
{
	const struct schema_msg *m = schema_field_msg(f);

	if (!f)
		return false;
	if (f->flags & SCHEMA_ATOMIC)
		return true;
	if (f->flags & SCHEMA_MAP)
		return false;
	if (f->type != SCHEMA_MESSAGE)
		return true;
	return m && (m->flags & SCHEMA_ATOMIC);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * patch_item_key: "k:{...}" of an associative list item, key fields sorted by
 * name.  A missing "protocol" reads as its default "TCP" (ports); another
 * missing key is an error, worded as structured-merge-diff words it.
 */
int patch_item_key(const cJSON *item, const char *keys, struct buf *out, struct error *err)
{
	size_t n;
	char **names = str_split(keys, ',', &n);
	cJSON *k = cJSON_CreateObject();
	char *txt;
	int rc = 0;

	qsort(names, n, sizeof(*names), cmp_strp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const cJSON *v = cJSON_IsObject(item) ?
			cJSON_GetObjectItemCaseSensitive(item, names[i]) : NULL;

		if (v)
			cJSON_AddItemToObject(k, names[i], cJSON_Duplicate(v, true));
		else if (strcmp(names[i], "protocol") == 0)
			cJSON_AddStringToObject(k, names[i], "TCP");
		else
			rc = error_set(err, ERR_INVALID, "associative list with keys has an element "
				       "that omits key field \"%s\" (and doesn't have default value)",
				       names[i]);
	}
	if (rc == 0) {
		txt = cJSON_PrintUnformatted(k);
		buf_addf(out, "k:%s", txt);
		free(txt);
	}
	cJSON_Delete(k);
	str_free_list(names);
	return rc;
}

/* fields the server owns, never tracked in managedFields */
static bool ignored_meta(const char *k)
{
	static const char *const names[] = {
		"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
		"deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(names); i++)
		if (strcmp(k, names[i]) == 0)
			return true;
	return false;
}

static int build_object(cJSON *node, const cJSON *v, const struct schema_msg *m, int where,
			int depth, struct error *err);

/* build_value: the members of value v of field f into node */
static int build_value(cJSON *node, const cJSON *v, const struct schema_field *f, int depth,
		       struct error *err)
{
	const cJSON *c;

	if (depth > PATCH_MAX_DEPTH)
		return error_set(err, ERR_LIMIT, "object nested too deep for apply");
	if (cJSON_IsObject(v) && !patch_is_atomic(f) && v->child) {
		if (f && (f->flags & SCHEMA_MAP)) {
			cJSON_ArrayForEach(c, v) {
				struct buf k = BUF_INIT;
				cJSON *child;

				buf_addf(&k, "f:%s", c->string);
				child = cJSON_AddObjectToObject(node, k.data);
				buf_release(&k);
				if (f->type == SCHEMA_MESSAGE && cJSON_IsObject(c) &&
				    build_object(child, c, schema_field_msg(f), 2, depth + 1, err) != 0)
					return -1;
			}
			return 0;
		}
		return build_object(node, v, f ? schema_field_msg(f) : NULL, 2, depth + 1, err);
	}
	if (cJSON_IsArray(v) && v->child) {
		const char *keys;
		enum list_kind lk = patch_list_kind(f, &keys);

		if (lk == LIST_ATOMIC)
			return 0;
		cJSON_ArrayForEach(c, v) {
			struct buf k = BUF_INIT;
			cJSON *item;

			if (lk == LIST_SET) {
				char *txt = cJSON_PrintUnformatted(c);

				buf_addf(&k, "v:%s", txt ? txt : "null");
				free(txt);
				if (!cJSON_GetObjectItemCaseSensitive(node, k.data))
					cJSON_AddObjectToObject(node, k.data);
				buf_release(&k);
				continue;
			}
			if (patch_item_key(c, keys, &k, err) != 0) {
				buf_release(&k);
				return -1;
			}
			item = cJSON_GetObjectItemCaseSensitive(node, k.data);
			if (!item)
				item = cJSON_AddObjectToObject(node, k.data);
			buf_release(&k);
			if (!cJSON_GetObjectItemCaseSensitive(item, "."))
				cJSON_AddObjectToObject(item, ".");
			if (build_object(item, c, schema_field_msg(f), 2, depth + 1, err) != 0)
				return -1;
		}
	}
	return 0;
}

/* where: 0 the root, 1 the root's metadata, 2 anywhere else */
static int build_object(cJSON *node, const cJSON *v, const struct schema_msg *m, int where,
			int depth, struct error *err)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, v) {
		const struct schema_field *f = schema_field_by_name(m, c->string);
		struct buf k = BUF_INIT;
		cJSON *child;
		int rc;

		if (where == 0 && (strcmp(c->string, "apiVersion") == 0 ||
				   strcmp(c->string, "kind") == 0 || strcmp(c->string, "status") == 0))
			continue;
		if (where == 1 && ignored_meta(c->string))
			continue;
		buf_addf(&k, "f:%s", c->string);
		child = cJSON_GetObjectItemCaseSensitive(node, k.data);
		if (!child)
			child = cJSON_AddObjectToObject(node, k.data);
		buf_release(&k);
		if (where == 0 && strcmp(c->string, "metadata") == 0 && cJSON_IsObject(c))
			rc = build_object(child, c, schema_field_msg(f), 1, depth + 1, err);
		else
			rc = build_value(child, c, f, depth + 1, err);
		if (rc != 0)
			return -1;
		/* metadata with only server fields owns nothing */
		if (where == 0 && strcmp(c->string, "metadata") == 0 && !child->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(node, child));
	}
	return 0;
}

cJSON *patch_fieldset_of(const cJSON *obj, struct error *err)
{
	const struct schema_msg *m = schema_kind_msg(json_str(obj, "apiVersion", NULL),
						     json_str(obj, "kind", NULL));
	cJSON *set = cJSON_CreateObject();

	if (build_object(set, obj, m, 0, 0, err) != 0) {
		cJSON_Delete(set);
		return NULL;
	}
	return set;
}
