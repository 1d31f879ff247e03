/*
 * patch_apply.c: server-side apply and managedFields (patch.h).
 *
 * A field set is kept in its wire form, FieldsV1: a tree of objects whose
 * keys are path elements, "f:<field>", "k:{<key fields>}" for an item of
 * an associative list (+listType=map, or a patchMergeKey), "v:<json>" for
 * an item of a set, and "." for a list item itself; its members are the
 * leaves ({}).  The list types come from the generated table (schema.h).
 * Reading, editing and building the sets is patch_fieldset.c's; this
 * file merges values, keeps the managedFields entries and decides.
 *
 * Apply (structured-merge-diff's rules, simplified where noted):
 * 1. the applier's new set is every leaf of the applied object (minus the
 *    server's metadata fields and status);
 * 2. a member another manager owns whose value the apply would change is
 *    a conflict: an error unless force, which takes it from that manager;
 * 3. the applied object is merged into the live one (maps by key, lists by
 *    their type: by keys, as a union, or replaced whole);
 * 4. members the applier owned before and no longer applies are removed
 *    from the object unless another manager owns them or a field inside;
 * 5. the applier's Apply entry is replaced by the new set.
 * patch_record_update does the bookkeeping of plain writes: the fields a
 * write changed go to the writer's Update entry and leave everyone else's.
 * Not done: defaulting before the key computation (a port without a
 * protocol is keyed without it), and merged list order follows the live
 * object with new items appended.
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

/* ---- values at paths ---- */

static bool item_matches(const cJSON *item, const cJSON *key)
{
	const cJSON *k;

	if (!cJSON_IsObject(item))
		return false;
	cJSON_ArrayForEach(k, key) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, k->string);

		if (!v && strcmp(k->string, "protocol") == 0 && cJSON_IsString(k) &&
		    strcmp(k->valuestring, "TCP") == 0)
			continue;
		if (!v || !cJSON_Compare(v, k, true))
			return false;
	}
	return true;
}

static int index_of(const char *s)
{
	int64_t v;

	return str_parse_i64(s, &v) == 0 && v >= 0 && v < 1000000 ? (int)v : -1;
}

/* step: one path element down from v (NULL when absent) */
static cJSON *step(cJSON *v, const char *el)
{
	cJSON *c, *k;

	if (!v)
		return NULL;
	if (strcmp(el, ".") == 0)
		return v;
	if (strncmp(el, "f:", 2) == 0)
		return cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, el + 2) : NULL;
	if (!cJSON_IsArray(v))
		return NULL;
	if (strncmp(el, "i:", 2) == 0)
		return cJSON_GetArrayItem(v, index_of(el + 2));
	k = cJSON_Parse(el + 2);
	cJSON_ArrayForEach(c, v) {
		if (strncmp(el, "k:", 2) == 0 ? item_matches(c, k) : cJSON_Compare(c, k, true))
			break;
	}
	cJSON_Delete(k);
	return c;
}

static cJSON *value_at(const cJSON *obj, const struct path *p, size_t n)
{
	cJSON *v = (cJSON *)obj;

	for (size_t i = 0; v && i < n; i++)
		v = step(v, p->el[i]);
	return v;
}

/* remove_member: takes the member's value out of obj */
static void remove_member(cJSON *obj, const struct path *p)
{
	const char *last;
	cJSON *parent, *target;

	if (p->n == 0)
		return;
	last = p->el[p->n - 1];
	if (strcmp(last, ".") == 0) {		/* the list item itself */
		if (p->n < 2)
			return;
		parent = value_at(obj, p, p->n - 2);
		target = step(parent, p->el[p->n - 2]);
	} else {
		parent = value_at(obj, p, p->n - 1);
		target = step(parent, last);
	}
	if (parent && target && target != parent)
		cJSON_Delete(cJSON_DetachItemViaPointer(parent, target));
}

/* merge_apply: applied merged into live (owned; the result is returned) */
static cJSON *merge_apply(cJSON *live, const cJSON *applied, const struct schema_field *f,
			  const struct schema_msg *m, int depth)
{
	const cJSON *c;

	if (depth > PATCH_MAX_DEPTH || !live || cJSON_IsNull(applied))
		goto replace;
	if (cJSON_IsObject(applied) && cJSON_IsObject(live) && !patch_is_atomic(f)) {
		bool map = f && (f->flags & SCHEMA_MAP);

		cJSON_ArrayForEach(c, applied) {
			const struct schema_field *cf = map ? NULL : schema_field_by_name(m, c->string);
			const struct schema_msg *cm = map ? schema_field_msg(f) : schema_field_msg(cf);
			cJSON *cur = cJSON_GetObjectItemCaseSensitive(live, c->string);

			if (cur)
				cJSON_ReplaceItemInObjectCaseSensitive(live, c->string,
					merge_apply(cJSON_Duplicate(cur, true), c, cf, cm, depth + 1));
			else
				cJSON_AddItemToObject(live, c->string, cJSON_Duplicate(c, true));
		}
		return live;
	}
	if (cJSON_IsArray(applied) && cJSON_IsArray(live)) {
		const char *keys;
		enum list_kind lk = patch_list_kind(f, &keys);

		if (lk == LIST_ATOMIC)
			goto replace;
		cJSON_ArrayForEach(c, applied) {
			cJSON *hit = NULL, *l;

			cJSON_ArrayForEach(l, live) {
				if (lk == LIST_SET ? cJSON_Compare(l, c, true) : false) {
					hit = l;
					break;
				}
				if (lk == LIST_MAP) {
					struct buf a = BUF_INIT, b = BUF_INIT;
					bool same = patch_item_key(l, keys, &a, NULL) == 0 &&
						patch_item_key(c, keys, &b, NULL) == 0 && strcmp(a.data, b.data) == 0;

					buf_release(&a);
					buf_release(&b);
					if (same) {
						hit = l;
						break;
					}
				}
			}
			if (!hit)
				cJSON_AddItemToArray(live, cJSON_Duplicate(c, true));
			else if (lk == LIST_MAP)
				cJSON_ReplaceItemViaPointer(live, hit, merge_apply(cJSON_Duplicate(hit, true),
						c, NULL, schema_field_msg(f), depth + 1));
		}
		return live;
	}
replace:
	cJSON_Delete(live);
	return cJSON_Duplicate(applied, true);
}

/* ---- managedFields ---- */

struct entry {
	cJSON *json;		/* the ManagedFieldsEntry, owned */
	cJSON *set;		/* its fieldsV1, inside json */
};

struct entries {
	struct entry *v;
	size_t n;
};

static void entries_load(struct entries *es, const cJSON *obj)
{
	const cJSON *e;

	memset(es, 0, sizeof(*es));
	cJSON_ArrayForEach(e, json_get(obj, "metadata.managedFields")) {
		cJSON *dup = cJSON_Duplicate(e, true);
		cJSON *set = cJSON_GetObjectItemCaseSensitive(dup, "fieldsV1");

		if (!cJSON_IsObject(set)) {
			cJSON_DeleteItemFromObjectCaseSensitive(dup, "fieldsV1");
			set = cJSON_AddObjectToObject(dup, "fieldsV1");
		}
		es->v = xreallocarray(es->v, es->n + 1, sizeof(*es->v));
		es->v[es->n].json = dup;
		es->v[es->n++].set = set;
	}
}

static struct entry *entries_find(struct entries *es, const char *manager, const char *op)
{
	for (size_t i = 0; i < es->n; i++) {
		const cJSON *e = es->v[i].json;

		if (str_eq(json_str(e, "manager", ""), manager) &&
		    str_eq(json_str(e, "operation", ""), op) && !json_get(e, "subresource"))
			return &es->v[i];
	}
	return NULL;
}

static struct entry *entries_add(struct entries *es, const char *manager, const char *op)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "manager", manager);
	cJSON_AddStringToObject(e, "operation", op);
	es->v = xreallocarray(es->v, es->n + 1, sizeof(*es->v));
	es->v[es->n].json = e;
	es->v[es->n].set = NULL;
	return &es->v[es->n++];
}

/* entries_store: writes them to obj's metadata, dropping empty ones */
static void entries_store(struct entries *es, cJSON *obj)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *arr = cJSON_CreateArray();

	if (!meta)
		meta = cJSON_AddObjectToObject(obj, "metadata");
	for (size_t i = 0; i < es->n; i++) {
		if (es->v[i].set && es->v[i].set->child)
			cJSON_AddItemToArray(arr, es->v[i].json);
		else
			cJSON_Delete(es->v[i].json);
	}
	free(es->v);
	memset(es, 0, sizeof(*es));
	if (cJSON_GetObjectItemCaseSensitive(meta, "managedFields"))
		cJSON_ReplaceItemInObjectCaseSensitive(meta, "managedFields", arr);
	else
		cJSON_AddItemToObject(meta, "managedFields", arr);
	if (!arr->child)
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
}

static void entries_release(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		cJSON_Delete(es->v[i].json);
	free(es->v);
	memset(es, 0, sizeof(*es));
}

/* entry_set: gives e the set (owned), its time, apiVersion and type */
static void entry_set(struct entry *e, cJSON *set, const char *api_version, const char *now)
{
	static const char *const keys[] = { "apiVersion", "time", "fieldsType", "fieldsV1" };

	for (size_t i = 0; i < DL_ARRAY_LEN(keys); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(e->json, keys[i]);
	cJSON_AddStringToObject(e->json, "apiVersion", api_version ? api_version : "v1");
	if (now)
		cJSON_AddStringToObject(e->json, "time", now);
	cJSON_AddStringToObject(e->json, "fieldsType", "FieldsV1");
	cJSON_AddItemToObject(e->json, "fieldsV1", set);
	e->set = set;
}

/* manager_name: printManager: Apply managers by name, Update ones with
 * their apiVersion and time */
static void manager_name(struct buf *b, const cJSON *e)
{
	buf_addf(b, "\"%s\"", json_str(e, "manager", ""));
	if (str_eq(json_str(e, "operation", ""), "Update")) {
		buf_addf(b, " using %s", json_str(e, "apiVersion", ""));
		if (json_str(e, "time", NULL))
			buf_addf(b, " at %s", json_str(e, "time", ""));
	}
}

struct conflict {
	size_t entry;
	struct path *path;
};

static int cmp_conflict(const void *a, const void *b)
{
	const struct conflict *x = a, *y = b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int conflict_error(struct entries *es, struct conflict *cs, size_t n, cJSON **out,
			  struct error *err)
{
	struct buf msg = BUF_INIT;
	cJSON *causes = cJSON_CreateArray();

	qsort(cs, n, sizeof(*cs), cmp_conflict);
	for (size_t i = 0; i < n; i++) {
		cJSON *c = cJSON_CreateObject();
		struct buf who = BUF_INIT, field = BUF_INIT;

		manager_name(&who, es->v[cs[i].entry].json);
		patch_path_string(&field, cs[i].path);
		cJSON_AddStringToObject(c, "reason", "FieldManagerConflict");
		{
			struct buf m = BUF_INIT;

			buf_addf(&m, "conflict with %s", who.data);
			cJSON_AddStringToObject(c, "message", m.data);
			buf_release(&m);
		}
		cJSON_AddStringToObject(c, "field", field.data);
		cJSON_AddItemToArray(causes, c);
		if (n == 1) {
			buf_addf(&msg, "Apply failed with 1 conflict: conflict with %s: %s", who.data,
				 field.data);
		} else {
			if (i == 0)
				buf_addf(&msg, "Apply failed with %zu conflicts: ", n);
			if (i == 0 || cs[i].entry != cs[i - 1].entry)
				buf_addf(&msg, "%sconflicts with %s:", i ? "\n" : "", who.data);
			buf_addf(&msg, "\n- %s", field.data);
		}
		buf_release(&who);
		buf_release(&field);
	}
	error_set(err, ERR_CONFLICT, "%s", msg.data);
	if (err)
		err->status = 409;
	buf_release(&msg);
	if (out)
		*out = causes;
	else
		cJSON_Delete(causes);
	return -1;
}

/* owned_by_others: another entry owns p or something below it */
static bool owned_by_others(struct entries *es, const struct entry *self, const struct path *p)
{
	struct path item = *p;

	/* for a list item ("."), anything inside the item keeps it */
	if (item.n && strcmp(item.el[item.n - 1], ".") == 0)
		item.n--;
	for (size_t i = 0; i < es->n; i++)
		if (&es->v[i] != self && es->v[i].set && patch_set_node(es->v[i].set, &item))
			return true;
	return false;
}

static int cmp_depth_desc(const void *a, const void *b)
{
	const struct path *x = a, *y = b;

	return x->n > y->n ? -1 : x->n < y->n;
}

int patch_apply(cJSON **live, const cJSON *applied, const char *manager, bool force,
		const char *now, cJSON **conflicts, struct error *err)
{
	struct entries es;
	struct entry *self;
	struct paths newp = { 0 }, oldp = { 0 };
	struct conflict *cs = NULL;
	size_t ncs = 0;
	cJSON *newset, *merged, *oldset;
	const char *api_version = json_str(applied, "apiVersion", NULL);

	if (conflicts)
		*conflicts = NULL;
	if (!manager || !*manager) {
		error_set(err, ERR_INVALID, "PATCH, application/apply-patch+yaml requests must include "
			  "fieldManager");
		if (err)
			err->status = 400;
		return -1;
	}
	if (!cJSON_IsObject(applied)) {
		error_set(err, ERR_INVALID, "the applied configuration must be an object");
		if (err)
			err->status = 400;
		return -1;
	}
	if (json_get(applied, "metadata.managedFields")) {
		error_set(err, ERR_INVALID, "metadata.managedFields must be nil");
		if (err)
			err->status = 400;
		return -1;
	}
	newset = patch_fieldset_of(applied, err);
	if (!newset) {
		if (err)
			err->status = 422;
		return -1;
	}
	entries_load(&es, *live);
	self = entries_find(&es, manager, "Apply");
	oldset = self ? self->set : NULL;
	merged = merge_apply(*live ? cJSON_Duplicate(*live, true) : NULL, applied, NULL,
			     schema_kind_msg(api_version, json_str(applied, "kind", NULL)), 0);
	/* 2. conflicts: members of others whose value this apply changes */
	patch_set_members(newset, &newp);
	for (size_t i = 0; *live && i < newp.n; i++) {
		struct path *p = &newp.v[i];
		const cJSON *before, *after;

		if (strcmp(p->el[p->n - 1], ".") == 0)
			continue;
		before = value_at(*live, p, p->n);
		after = value_at(merged, p, p->n);
		if (before && after && cJSON_Compare(before, after, true))
			continue;
		for (size_t e = 0; e < es.n; e++) {
			if (&es.v[e] == self || !patch_set_has(es.v[e].set, p))
				continue;
			cs = xreallocarray(cs, ncs + 1, sizeof(*cs));
			cs[ncs].entry = e;
			cs[ncs++].path = p;
		}
	}
	if (ncs && !force) {
		conflict_error(&es, cs, ncs, conflicts, err);
		free(cs);
		patch_paths_release(&newp);
		cJSON_Delete(newset);
		cJSON_Delete(merged);
		entries_release(&es);
		return -1;
	}
	for (size_t i = 0; i < ncs; i++)	/* force: the fields change hands */
		patch_set_remove(es.v[cs[i].entry].set, cs[i].path);
	free(cs);
	/* 4. what the applier stopped applying, unless someone else holds it */
	patch_set_members(oldset, &oldp);
	if (oldp.n)
		qsort(oldp.v, oldp.n, sizeof(*oldp.v), cmp_depth_desc);
	for (size_t i = 0; i < oldp.n; i++) {
		if (patch_set_has(newset, &oldp.v[i]) || owned_by_others(&es, self, &oldp.v[i]))
			continue;
		remove_member(merged, &oldp.v[i]);
	}
	/* 5. the applier's entry */
	if (!self)
		self = entries_add(&es, manager, "Apply");
	entry_set(self, newset, api_version, now);
	entries_store(&es, merged);
	patch_paths_release(&newp);
	patch_paths_release(&oldp);
	cJSON_Delete(*live);
	*live = merged;
	return 0;
}

void patch_record_update(cJSON *doc, const cJSON *old, const char *manager, const char *now)
{
	struct entries es;
	struct entry *self;
	struct paths newp = { 0 }, oldp = { 0 }, changed = { 0 };
	cJSON *newset = patch_fieldset_of(doc, NULL), *oldset = old ? patch_fieldset_of(old, NULL) : NULL;

	if (!newset || !manager || !*manager) {
		cJSON_Delete(newset);
		cJSON_Delete(oldset);
		return;
	}
	/* the client may send managedFields (kubectl replace); else the old ones stay */
	entries_load(&es, json_get(doc, "metadata.managedFields") || !old ? doc : old);
	patch_set_members(newset, &newp);
	patch_set_members(oldset, &oldp);
	for (size_t i = 0; i < newp.n; i++) {
		struct path *p = &newp.v[i];
		const cJSON *a = value_at(doc, p, p->n), *b = old ? value_at(old, p, p->n) : NULL;

		if (b && (strcmp(p->el[p->n - 1], ".") == 0 || cJSON_Compare(a, b, true)))
			continue;
		patch_paths_push(&changed, p->el, p->n);
	}
	for (size_t i = 0; i < oldp.n; i++)
		if (!patch_set_has(newset, &oldp.v[i]))
			patch_paths_push(&changed, oldp.v[i].el, oldp.v[i].n);
	self = entries_find(&es, manager, "Update");
	if (changed.n) {
		for (size_t e = 0; e < es.n; e++)
			for (size_t i = 0; i < changed.n; i++)
				if (&es.v[e] != self)
					patch_set_remove(es.v[e].set, &changed.v[i]);
		if (!self) {
			self = entries_add(&es, manager, "Update");
			entry_set(self, cJSON_CreateObject(), json_str(doc, "apiVersion", NULL), now);
		} else {
			cJSON *set = cJSON_Duplicate(self->set, true);

			entry_set(self, set, json_str(doc, "apiVersion", NULL), now);
		}
		for (size_t i = 0; i < changed.n; i++) {
			if (patch_set_has(newset, &changed.v[i]))
				patch_set_add(self->set, &changed.v[i]);
			else
				patch_set_remove(self->set, &changed.v[i]);
		}
	}
	entries_store(&es, doc);
	patch_paths_release(&newp);
	patch_paths_release(&oldp);
	patch_paths_release(&changed);
	cJSON_Delete(newset);
	cJSON_Delete(oldset);
}
