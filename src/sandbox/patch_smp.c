/*
 * patch_smp.c: strategic merge patch (patch.h), as apimachinery's
 * pkg/util/strategicpatch merges a patch into an object.
 *
 * Maps merge key by key (null deletes).  A list merges only when the Go
 * field says patchStrategy:"merge": by its patchMergeKey for lists of
 * objects (containers, env, volumes by name, ports by containerPort,
 * volumeMounts by mountPath, conditions by type...), as a union for lists
 * of scalars (finalizers); every other list is replaced.  The merge keys
 * come from the generated type table (schema.h), so they are the real
 * ones for every built-in kind.  Directives: "$patch": replace | delete |
 * merge in a map or as a list element, "$retainKeys", and beside a list
 * field f "$setElementOrder/f" and "$deleteFromPrimitiveList/f".
 * Fields the table does not know (annotations' values, a CRD-like blob)
 * merge as plain maps and replace as plain lists.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/patch.h"
#include "datalab/sandbox/schema.h"

#define MAX_DEPTH 64
#define ORDER_PREFIX "$setElementOrder/"
#define DELETE_PREFIX "$deleteFromPrimitiveList/"

struct smp {
	struct error *err;
	int depth;
};

static int smp_fail(struct smp *s, const char *fmt, const char *a, const char *b)
{
	error_set(s->err, ERR_INVALID, fmt, a, b);
	if (s->err)
		s->err->status = 422;
	return -1;
}

/* strip: a copy of a patch value without its directives, for new fields */
static cJSON *strip(const cJSON *v)
{
	cJSON *out;
	const cJSON *c;

	if (cJSON_IsObject(v)) {
		out = cJSON_CreateObject();
		cJSON_ArrayForEach(c, v) {
			if (c->string[0] == '$' || cJSON_IsNull(c))
				continue;
			cJSON_AddItemToObject(out, c->string, strip(c));
		}
		return out;
	}
	if (cJSON_IsArray(v)) {
		out = cJSON_CreateArray();
		cJSON_ArrayForEach(c, v) {
			const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "$patch"));

			if (d && cJSON_IsObject(c))
				continue;	/* {"$patch": "replace"} and deleted items */
			cJSON_AddItemToArray(out, strip(c));
		}
		return out;
	}
	return cJSON_Duplicate(v, true);
}

static int merge_map(struct smp *s, cJSON *orig, const cJSON *patch, const struct schema_msg *m);

static bool same_key(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, key);

	return x && y && cJSON_Compare(x, y, true);
}

static cJSON *find_item(cJSON *list, const cJSON *item, const char *key)
{
	cJSON *c;

	cJSON_ArrayForEach(c, list)
		if (cJSON_IsObject(c) && same_key(c, item, key))
			return c;
	return NULL;
}

static bool has_scalar(const cJSON *list, const cJSON *v)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, list)
		if (cJSON_Compare(c, v, true))
			return true;
	return false;
}

/* merge_list: a patchStrategy=merge list; orig is changed in place */
static int merge_list(struct smp *s, cJSON *orig, const cJSON *patch, const char *key,
		      const struct schema_msg *item)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, patch) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "$patch"));
		cJSON *o;

		if (!cJSON_IsObject(p) || !key) {
			/* scalars: a union, in first-seen order */
			if (!has_scalar(orig, p))
				cJSON_AddItemToArray(orig, cJSON_Duplicate(p, true));
			continue;
		}
		if (d && strcmp(d, "replace") == 0 && cJSON_GetArraySize(p) == 1)
			continue;	/* handled by the caller */
		if (!cJSON_GetObjectItemCaseSensitive(p, key)) {
			struct buf b = BUF_INIT;
			char *txt = cJSON_PrintUnformatted(p);

			buf_adds(&b, txt ? txt : "?");
			free(txt);
			smp_fail(s, "map: %s does not contain declared merge key: %s", b.data, key);
			buf_release(&b);
			return -1;
		}
		o = find_item(orig, p, key);
		if (d && strcmp(d, "delete") == 0) {
			/* every item with that key goes */
			while (o) {
				cJSON_Delete(cJSON_DetachItemViaPointer(orig, o));
				o = find_item(orig, p, key);
			}
			continue;
		}
		if (d && strcmp(d, "replace") == 0) {
			if (o)
				cJSON_ReplaceItemViaPointer(orig, o, strip(p));
			else
				cJSON_AddItemToArray(orig, strip(p));
			continue;
		}
		if (!o) {
			cJSON_AddItemToArray(orig, strip(p));
			continue;
		}
		if (merge_map(s, o, p, item) != 0)
			return -1;
	}
	return 0;
}

/* list_item_rank: the position of v (by key, or itself) in order, or -1 */
static int order_rank(const cJSON *order, const cJSON *v, const char *key)
{
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, order) {
		if (key ? cJSON_IsObject(v) && same_key(c, v, key) : cJSON_Compare(c, v, true))
			return i;
		i++;
	}
	return -1;
}

/*
 * apply_order: $setElementOrder/f.  Items the order names take its order;
 * the others (the server's own) stay after the item they followed.
 */
static void apply_order(cJSON *list, const cJSON *order, const char *key)
{
	int n = cJSON_GetArraySize(list), k = 0;
	cJSON **named, **rest, *c;
	int nn = 0, nr = 0;
	int *after;

	if (n < 2)
		return;
	named = xcalloc((size_t)n, sizeof(*named));
	rest = xcalloc((size_t)n, sizeof(*rest));
	after = xcalloc((size_t)n, sizeof(*after));
	/* split, remembering for each server item how many named items came
	 * before it in the original list */
	for (c = list->child; c; c = c->next) {
		if (order_rank(order, c, key) >= 0) {
			named[nn++] = c;
		} else {
			after[nr] = nn;
			rest[nr++] = c;
		}
	}
	/* sort the named ones by rank (insertion sort: lists are short) */
	for (int i = 1; i < nn; i++) {
		cJSON *v = named[i];
		int r = order_rank(order, v, key), j = i - 1;

		while (j >= 0 && order_rank(order, named[j], key) > r) {
			named[j + 1] = named[j];
			j--;
		}
		named[j + 1] = v;
	}
	while (list->child)
		cJSON_DetachItemViaPointer(list, list->child);
	for (int i = 0; i <= nn; i++) {
		while (k < nr && after[k] == i)
			cJSON_AddItemToArray(list, rest[k++]);
		if (i < nn)
			cJSON_AddItemToArray(list, named[i]);
	}
	free(named);
	free(rest);
	free(after);
}

/* merge_field: patch value p for key name into the map orig */
static int merge_field(struct smp *s, cJSON *orig, const cJSON *p, const struct schema_field *f,
		       const cJSON *patch)
{
	cJSON *cur = cJSON_GetObjectItemCaseSensitive(orig, p->string);
	const struct schema_msg *sub = schema_field_msg(f);

	if (cJSON_IsNull(p)) {
		cJSON_DeleteItemFromObjectCaseSensitive(orig, p->string);
		return 0;
	}
	if (cJSON_IsObject(p)) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "$patch"));

		if (d && strcmp(d, "delete") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(orig, p->string);
			return 0;
		}
		if ((d && strcmp(d, "replace") == 0) || !cJSON_IsObject(cur) ||
		    (f && (f->flags & SCHEMA_PATCH_REPLACE))) {
			if (cur)
				cJSON_ReplaceItemInObjectCaseSensitive(orig, p->string, strip(p));
			else
				cJSON_AddItemToObject(orig, p->string, strip(p));
			return 0;
		}
		/* a map field (labels) has no message: its values are plain */
		return merge_map(s, cur, p, (f && (f->flags & SCHEMA_MAP)) ? NULL : sub);
	}
	if (cJSON_IsArray(p) && cJSON_IsArray(cur) && f && (f->flags & SCHEMA_PATCH_MERGE)) {
		const cJSON *c;
		bool replace = false;

		cJSON_ArrayForEach(c, p) {
			const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "$patch"));

			if (cJSON_IsObject(c) && d && strcmp(d, "replace") == 0)
				replace = true;
		}
		if (replace) {
			cJSON_ReplaceItemInObjectCaseSensitive(orig, p->string, strip(p));
		} else if (merge_list(s, cur, p, f->merge_key, sub) != 0) {
			return -1;
		}
		cur = cJSON_GetObjectItemCaseSensitive(orig, p->string);
	} else {
		if (cur)
			cJSON_ReplaceItemInObjectCaseSensitive(orig, p->string, strip(p));
		else
			cJSON_AddItemToObject(orig, p->string, strip(p));
		cur = cJSON_GetObjectItemCaseSensitive(orig, p->string);
	}
	if (cJSON_IsArray(cur)) {
		struct buf k = BUF_INIT;
		const cJSON *order;

		buf_addf(&k, ORDER_PREFIX "%s", p->string);
		order = cJSON_GetObjectItemCaseSensitive(patch, k.data);
		if (cJSON_IsArray(order))
			apply_order(cur, order, f ? f->merge_key : NULL);
		buf_release(&k);
	}
	return 0;
}

static int merge_map(struct smp *s, cJSON *orig, const cJSON *patch, const struct schema_msg *m)
{
	const cJSON *p, *retain;

	if (++s->depth > MAX_DEPTH) {
		error_set(s->err, ERR_LIMIT, "strategic merge patch nested too deep");
		return -1;
	}
	retain = cJSON_GetObjectItemCaseSensitive(patch, "$retainKeys");
	if (retain) {
		cJSON *c = orig->child;

		if (!cJSON_IsArray(retain))
			return smp_fail(s, "invalid value for %s: %s", "$retainKeys", "not a list");
		while (c) {
			cJSON *next = c->next;

			if (!cJSON_GetObjectItemCaseSensitive(patch, c->string)) {
				bool keep = false;
				const cJSON *r;

				cJSON_ArrayForEach(r, retain)
					if (cJSON_IsString(r) && strcmp(r->valuestring, c->string) == 0)
						keep = true;
				if (!keep)
					cJSON_Delete(cJSON_DetachItemViaPointer(orig, c));
			}
			c = next;
		}
	}
	cJSON_ArrayForEach(p, patch) {
		const struct schema_field *f;

		if (p->string[0] == '$') {
			if (strncmp(p->string, DELETE_PREFIX, strlen(DELETE_PREFIX)) == 0) {
				cJSON *list = cJSON_GetObjectItemCaseSensitive(orig,
							p->string + strlen(DELETE_PREFIX));
				const cJSON *v;

				cJSON_ArrayForEach(v, p) {
					cJSON *c = list ? list->child : NULL;

					while (c) {
						cJSON *next = c->next;

						if (cJSON_Compare(c, v, true))
							cJSON_Delete(cJSON_DetachItemViaPointer(list, c));
						c = next;
					}
				}
			} else if (strcmp(p->string, "$patch") == 0 || strcmp(p->string, "$retainKeys") == 0 ||
				   strncmp(p->string, ORDER_PREFIX, strlen(ORDER_PREFIX)) == 0) {
				/* handled where they apply */
			} else {
				s->depth--;
				return smp_fail(s, "unknown patch directive %s%s", p->string, "");
			}
			continue;
		}
		f = schema_field_by_name(m, p->string);
		if (merge_field(s, orig, p, f, patch) != 0)
			return -1;
	}
	/* $setElementOrder for a list the patch did not otherwise touch */
	cJSON_ArrayForEach(p, patch) {
		cJSON *cur;
		const struct schema_field *f;
		const char *name;

		if (strncmp(p->string, ORDER_PREFIX, strlen(ORDER_PREFIX)) != 0)
			continue;
		name = p->string + strlen(ORDER_PREFIX);
		if (cJSON_GetObjectItemCaseSensitive(patch, name))
			continue;
		cur = cJSON_GetObjectItemCaseSensitive(orig, name);
		f = schema_field_by_name(m, name);
		if (cJSON_IsArray(cur) && cJSON_IsArray(p))
			apply_order(cur, p, f ? f->merge_key : NULL);
	}
	s->depth--;
	return 0;
}

int patch_strategic(cJSON **doc, const cJSON *patch, const char *kind, struct error *err)
{
	const struct schema_msg *m = schema_kind_msg(NULL, kind);
	struct smp s = { err, 0 };
	cJSON *work;
	const char *d;

	if (!kind || !m) {
		error_set(err, ERR_UNSUPPORTED, "the body of the request was in an unknown format - "
			  "accepted media types include: application/json-patch+json, "
			  "application/merge-patch+json, application/apply-patch+yaml");
		if (err)
			err->status = 415;
		return -1;
	}
	if (!cJSON_IsObject(patch)) {
		error_set(err, ERR_INVALID, "strategic merge patch must be a JSON object");
		if (err)
			err->status = 400;
		return -1;
	}
	d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(patch, "$patch"));
	if (d && strcmp(d, "replace") == 0) {
		work = strip(patch);
	} else if (d && strcmp(d, "delete") == 0) {
		work = cJSON_CreateObject();
	} else {
		work = cJSON_Duplicate(*doc, true);
		if (!cJSON_IsObject(work)) {
			cJSON_Delete(work);
			work = cJSON_CreateObject();
		}
		if (merge_map(&s, work, patch, m) != 0) {
			cJSON_Delete(work);
			return -1;
		}
	}
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
}
