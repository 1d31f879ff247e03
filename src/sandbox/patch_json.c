/*
 * patch_json.c: JSON patch (RFC 6902) and JSON merge patch (RFC 7386)
 * (patch.h).
 *
 * Both work on a duplicate of *doc and swap it in only when every step
 * succeeded.  JSON pointers (RFC 6901) unescape "~1" to '/' and "~0" to
 * '~'; "-" names the end of an array.  Failures carry the sentences of
 * evanphx/json-patch, the library the apiserver runs, with err->status
 * 422 for an operation that does not apply and 400 for a malformed patch.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/patch.h"

#define MAX_OPS 10000

static int fail(struct error *err, int status, const char *fmt, const char *a)
{
	error_set(err, ERR_INVALID, fmt, a);
	if (err)
		err->status = status;
	return -1;
}

/* a parsed pointer: unescaped tokens */
struct pointer {
	char **tok;
	size_t n;
};

static void pointer_release(struct pointer *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->tok[i]);
	free(p->tok);
	memset(p, 0, sizeof(*p));
}

static int pointer_parse(const char *s, struct pointer *p)
{
	memset(p, 0, sizeof(*p));
	if (*s == '\0')
		return 0;
	if (*s != '/')
		return -1;
	while (*s == '/') {
		const char *end = strchr(s + 1, '/');
		size_t len = end ? (size_t)(end - s - 1) : strlen(s + 1);
		struct buf t = BUF_INIT;

		for (size_t i = 0; i < len; i++) {
			char c = s[1 + i];

			if (c == '~' && i + 1 < len && (s[2 + i] == '0' || s[2 + i] == '1')) {
				buf_addc(&t, s[2 + i] == '0' ? '~' : '/');
				i++;
			} else {
				buf_addc(&t, c);
			}
		}
		p->tok = xreallocarray(p->tok, p->n + 1, sizeof(*p->tok));
		p->tok[p->n++] = buf_take(&t, NULL);
		s += 1 + len;
	}
	return 0;
}

/* array_index: a decimal without leading zeros; -1 if not one */
static long array_index(const char *t)
{
	long v = 0;

	if (!*t || (t[0] == '0' && t[1]) )
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*t - '0');
	}
	return v;
}

/* resolve: the container of the last token (NULL if a step is missing) */
static cJSON *resolve_parent(cJSON *doc, const struct pointer *p)
{
	cJSON *cur = doc;

	for (size_t i = 0; cur && i + 1 < p->n; i++) {
		if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, p->tok[i]);
		} else if (cJSON_IsArray(cur)) {
			long idx = array_index(p->tok[i]);

			cur = idx < 0 ? NULL : cJSON_GetArrayItem(cur, (int)idx);
		} else {
			cur = NULL;
		}
	}
	return cur;
}

static cJSON *get_child(cJSON *parent, const char *tok)
{
	if (cJSON_IsObject(parent))
		return cJSON_GetObjectItemCaseSensitive(parent, tok);
	if (cJSON_IsArray(parent)) {
		long idx = array_index(tok);

		return idx < 0 ? NULL : cJSON_GetArrayItem(parent, (int)idx);
	}
	return NULL;
}

static cJSON *get_path(cJSON *doc, const struct pointer *p)
{
	return p->n == 0 ? doc : get_child(resolve_parent(doc, p), p->tok[p->n - 1]);
}

/* array_insert: Debian's cJSON 1.7.15 cJSON_InsertItemInArray leaves the
 * item out (and leaks it), so: move the tail behind the new item */
static void array_insert(cJSON *arr, int idx, cJSON *value)
{
	int size = cJSON_GetArraySize(arr);

	cJSON_AddItemToArray(arr, value);
	for (int i = idx; i < size; i++)
		cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(arr, idx));
}

/* op_add: takes value; *doc may be replaced for the root path */
static int op_add(cJSON **doc, const struct pointer *p, const char *path, cJSON *value,
		  struct error *err)
{
	cJSON *parent;
	const char *last;

	if (p->n == 0) {
		cJSON_Delete(*doc);
		*doc = value;
		return 0;
	}
	parent = resolve_parent(*doc, p);
	last = p->tok[p->n - 1];
	if (cJSON_IsObject(parent)) {
		if (cJSON_GetObjectItemCaseSensitive(parent, last))
			cJSON_ReplaceItemInObjectCaseSensitive(parent, last, value);
		else
			cJSON_AddItemToObject(parent, last, value);
		return 0;
	}
	if (cJSON_IsArray(parent)) {
		int size = cJSON_GetArraySize(parent);
		long idx = strcmp(last, "-") == 0 ? size : array_index(last);

		if (idx < 0 || idx > size) {
			cJSON_Delete(value);
			error_set(err, ERR_INVALID, "Unable to access invalid index: %ld: invalid index "
				  "referenced", idx);
			if (err)
				err->status = 422;
			return -1;
		}
		array_insert(parent, (int)idx, value);
		return 0;
	}
	cJSON_Delete(value);
	return fail(err, 422, "add operation does not apply: doc is missing path: \"%s\": "
		    "missing value", path);
}

/* op_remove: detaches and returns the value (the caller frees it) */
static cJSON *op_remove(cJSON *doc, const struct pointer *p)
{
	cJSON *parent = resolve_parent(doc, p);
	const char *last = p->n ? p->tok[p->n - 1] : "";

	if (p->n == 0)
		return NULL;
	if (cJSON_IsObject(parent))
		return cJSON_DetachItemFromObjectCaseSensitive(parent, last);
	if (cJSON_IsArray(parent)) {
		long idx = array_index(last);

		if (idx >= 0 && idx < cJSON_GetArraySize(parent))
			return cJSON_DetachItemFromArray(parent, (int)idx);
	}
	return NULL;
}

static int apply_op(cJSON **doc, const cJSON *op, struct error *err)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "op"));
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
	const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "from"));
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
	struct pointer p, f = { NULL, 0 };
	int rc = 0;

	if (!kind)
		return fail(err, 400, "Unexpected kind: %s: unknown object type", "");
	if (!path)
		return fail(err, 422, "%s operation does not apply: path is missing", kind);
	if (pointer_parse(path, &p) != 0)
		return fail(err, 422, "JSON pointer '%s' must start with '/'", path);
	if (strcmp(kind, "add") == 0 || strcmp(kind, "replace") == 0) {
		if (!value) {
			pointer_release(&p);
			return fail(err, 422, "%s operation has no value", kind);
		}
		if (strcmp(kind, "replace") == 0 && !get_path(*doc, &p))
			rc = fail(err, 422, "replace operation does not apply: doc is missing key: "
				  "%s: missing value", path);
		else
			rc = op_add(doc, &p, path, cJSON_Duplicate(value, true), err);
	} else if (strcmp(kind, "remove") == 0) {
		cJSON *gone = op_remove(*doc, &p);

		if (!gone)
			rc = fail(err, 422, "remove operation does not apply: doc is missing path: "
				  "\"%s\": missing value", path);
		cJSON_Delete(gone);
	} else if (strcmp(kind, "test") == 0) {
		const cJSON *cur = get_path(*doc, &p);

		if (!value || !cur || !cJSON_Compare(cur, value, true))
			rc = fail(err, 422, "testing value %s failed: test failed", path);
	} else if (strcmp(kind, "move") == 0 || strcmp(kind, "copy") == 0) {
		cJSON *src;
		bool move = kind[0] == 'm';

		if (!from || pointer_parse(from, &f) != 0) {
			pointer_release(&p);
			return fail(err, 422, "%s operation has no valid from", kind);
		}
		/* a value cannot move into its own child (RFC 6902 4.4) */
		if (move && f.n < p.n && strncmp(path, from, strlen(from)) == 0 &&
		    path[strlen(from)] == '/') {
			rc = fail(err, 422, "move operation does not apply: from '%s' is a prefix of "
				  "the path", from);
		} else if (!(src = get_path(*doc, &f))) {
			rc = error_set(err, ERR_INVALID, "%s operation does not apply: doc is missing "
				       "from path: %s: missing value", kind, from);
			if (err)
				err->status = 422;
		} else if (move) {
			cJSON *v = f.n ? op_remove(*doc, &f) : NULL;

			if (!f.n) {	/* moving the root: a copy of it */
				v = cJSON_Duplicate(src, true);
			}
			rc = op_add(doc, &p, path, v, err);
		} else {
			rc = op_add(doc, &p, path, cJSON_Duplicate(src, true), err);
		}
		pointer_release(&f);
	} else {
		rc = fail(err, 422, "Unexpected kind: %s: unknown object type", kind);
	}
	pointer_release(&p);
	return rc;
}

int patch_json(cJSON **doc, const cJSON *ops, struct error *err)
{
	cJSON *work;
	const cJSON *op;

	if (!cJSON_IsArray(ops))
		return fail(err, 400, "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
			    cJSON_IsObject(ops) ? "object" : "value");
	if (cJSON_GetArraySize(ops) > MAX_OPS)
		return fail(err, 400, "json patch has more than %s operations", "10000");
	work = cJSON_Duplicate(*doc, true);
	cJSON_ArrayForEach(op, ops) {
		if (!cJSON_IsObject(op)) {
			cJSON_Delete(work);
			return fail(err, 400, "json: cannot unmarshal %s into Go value of type "
				    "jsonpatch.Operation", "value");
		}
		if (apply_op(&work, op, err) != 0) {
			cJSON_Delete(work);
			return -1;
		}
	}
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
}

/* merge: RFC 7386 section 2, on target in place; returns the new value */
static cJSON *merge(cJSON *target, const cJSON *patch)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return cJSON_Duplicate(patch, true);
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
	}
	cJSON_ArrayForEach(p, patch) {
		cJSON *cur;

		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
			continue;
		}
		cur = cJSON_GetObjectItemCaseSensitive(target, p->string);
		if (cur)	/* in place, so the keys keep their order */
			cJSON_ReplaceItemInObjectCaseSensitive(target, p->string,
							      merge(cJSON_Duplicate(cur, true), p));
		else
			cJSON_AddItemToObject(target, p->string, merge(NULL, p));
	}
	return target;
}

int patch_merge(cJSON **doc, const cJSON *patch, struct error *err)
{
	cJSON *work;

	(void)err;
	work = merge(cJSON_Duplicate(*doc, true), patch);
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
}
