/*
 * xonyxia.c: x-onyxia references resolved against the user context.
 *
 * Follows Onyxia's resolveXOnyxiaValueReference: a whole "{{path}}" (or a
 * bare "path" at the top level) yields the value found there, of any type;
 * a string mixing text and "{{path}}" parts yields a string, or undefined
 * when a part is missing or not a scalar; arrays and objects resolve
 * element by element.  Registry fragments (overwriteSchemaWith) are read
 * from one folder, and only by names that cannot leave it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/xonyxia.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"

/* One step of a context path: an object key, or an array index. */
static const cJSON *step_key(const cJSON *cur, const char *key, size_t n)
{
	const cJSON *c;

	if (!cJSON_IsObject(cur))
		return NULL;
	for (c = cur->child; c; c = c->next)
		if (c->string && strlen(c->string) == n && memcmp(c->string, key, n) == 0)
			return c;
	return NULL;
}

static const cJSON *step_index(const cJSON *cur, const char *p, size_t n)
{
	long idx = 0;

	if (!cJSON_IsArray(cur) || n == 0 || n > 9)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return NULL;
		idx = idx * 10 + (p[i] - '0');
	}
	return cJSON_GetArrayItem(cur, (int)idx);
}

const cJSON *xonyxia_lookup(const cJSON *ctx, const char *path)
{
	const cJSON *cur = ctx;
	const char *p = path, *end;
	size_t len;

	if (!ctx || !path)
		return NULL;
	len = strlen(path);
	if (len == 0 || len > XONYXIA_MAX_PATH)
		return NULL;
	end = path + len;
	while (p < end && cur) {
		if (*p == '[') {
			const char *close;

			p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;
				const char *k = p;

				while (p < end && *p != q)
					p++;
				if (p + 1 >= end || p[1] != ']')
					return NULL;
				cur = step_key(cur, k, (size_t)(p - k));
				p += 2;
			} else {
				close = memchr(p, ']', (size_t)(end - p));
				if (!close)
					return NULL;
				cur = step_index(cur, p, (size_t)(close - p));
				p = close + 1;
			}
		} else {
			const char *k = p;

			while (p < end && *p != '.' && *p != '[')
				p++;
			if (p == k)
				return NULL;
			cur = step_key(cur, k, (size_t)(p - k));
		}
		if (p < end && *p == '.') {
			p++;
			if (p == end)
				return NULL;	/* trailing dot */
		} else if (p < end && *p != '[') {
			return NULL;
		}
	}
	return cur;
}

/* The inside of "{{ ... }}", spaces trimmed, as a lookup. */
static const cJSON *lookup_span(const cJSON *ctx, const char *p, size_t n)
{
	char tmp[XONYXIA_MAX_PATH + 1];

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || n > XONYXIA_MAX_PATH)
		return NULL;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return xonyxia_lookup(ctx, tmp);
}

/* JavaScript's String(x) for the scalars a template may hold. */
static int add_scalar(struct buf *out, const cJSON *v)
{
	if (cJSON_IsString(v))
		return buf_adds(out, v->valuestring);
	if (cJSON_IsBool(v))
		return buf_adds(out, cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		char tmp[64];

		if (!isfinite(d))
			return -1;
		if (d == floor(d) && fabs(d) < 1e15)
			snprintf(tmp, sizeof(tmp), "%.0f", d);
		else {
			snprintf(tmp, sizeof(tmp), "%.15g", d);
			if (strtod(tmp, NULL) != d)
				snprintf(tmp, sizeof(tmp), "%.17g", d);
		}
		return buf_adds(out, tmp);
	}
	return -1;
}

/* A string: a whole "{{x}}" is raw; mixed text is a string template. */
static cJSON *resolve_string(const cJSON *ctx, const char *s, bool top)
{
	size_t len = strlen(s);
	const char *open = strstr(s, "{{");
	struct buf out;
	const char *p;
	cJSON *res;

	if (len > XONYXIA_MAX_TEMPLATE)
		return NULL;
	if (!open) {
		const cJSON *v;

		if (!top)
			return cJSON_CreateString(s);
		v = lookup_span(ctx, s, len);
		return v ? cJSON_Duplicate(v, true) : NULL;
	}
	if (open == s && len >= 4 && strcmp(s + len - 2, "}}") == 0 &&
	    !strstr(s + 2, "{{") && strstr(s + 2, "}}") == s + len - 2) {
		const cJSON *v = lookup_span(ctx, s + 2, len - 4);

		return v ? cJSON_Duplicate(v, true) : NULL;
	}
	buf_init(&out, XONYXIA_MAX_TEMPLATE * 4);
	p = s;
	while ((open = strstr(p, "{{")) != NULL) {
		const char *close = strstr(open + 2, "}}");
		const cJSON *v;

		if (!close)
			break;
		if (buf_add(&out, p, (size_t)(open - p)) < 0)
			goto undefined;
		v = lookup_span(ctx, open + 2, (size_t)(close - open - 2));
		if (!v || add_scalar(&out, v) < 0)
			goto undefined;
		p = close + 2;
	}
	if (buf_adds(&out, p) < 0)
		goto undefined;
	res = cJSON_CreateString(out.data);
	buf_release(&out);
	return res;
undefined:
	buf_release(&out);
	return NULL;
}

static cJSON *resolve_at(const cJSON *ctx, const cJSON *ref, bool top, int depth, size_t *budget)
{
	const cJSON *c;
	cJSON *res;

	if (depth > XONYXIA_MAX_DEPTH || *budget == 0)
		return NULL;
	(*budget)--;
	if (cJSON_IsString(ref))
		return resolve_string(ctx, ref->valuestring, top);
	if (cJSON_IsArray(ref) || cJSON_IsObject(ref)) {
		res = cJSON_IsArray(ref) ? cJSON_CreateArray() : cJSON_CreateObject();
		for (c = ref->child; c; c = c->next) {
			cJSON *v = resolve_at(ctx, c, false, depth + 1, budget);

			if (!v) {
				cJSON_Delete(res);
				return NULL;
			}
			if (cJSON_IsArray(ref))
				cJSON_AddItemToArray(res, v);
			else
				cJSON_AddItemToObject(res, c->string, v);
		}
		return res;
	}
	return ref ? cJSON_Duplicate(ref, true) : NULL;
}

cJSON *xonyxia_resolve(const cJSON *ctx, const cJSON *ref)
{
	size_t budget = XONYXIA_MAX_ELEMENTS;

	if (!ref || cJSON_IsNull(ref))
		return NULL;
	return resolve_at(ctx, ref, true, 0, &budget);
}

bool xonyxia_fragment_name_ok(const char *name)
{
	size_t n;
	const char *seg;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '/' || !str_has_suffix(name, ".json"))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || c == ':' || c == '%')
			return false;
	}
	/* No "..", ".", or empty segment anywhere. */
	seg = name;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);

		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (!slash)
			break;
		seg = slash + 1;
	}
	return true;
}

cJSON *xonyxia_fragment_load(const char *registry, const char *name, struct error *err)
{
	struct buf b;
	char *path;
	cJSON *root;

	if (!registry || !*registry)
		return error_set(err, ERR_NOT_FOUND, "no schema registry"), NULL;
	if (!xonyxia_fragment_name_ok(name))
		return error_set(err, ERR_INVALID, "unsafe schema name '%s'", name ? name : ""), NULL;
	path = file_join(registry, name);
	buf_init(&b, XONYXIA_MAX_FRAGMENT);
	if (file_read(path, &b, err) < 0) {
		free(path);
		buf_release(&b);
		return NULL;
	}
	free(path);
	root = cJSON_ParseWithLength(b.data, b.len);
	buf_release(&b);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "schema '%s' is not a JSON object", name), NULL;
	}
	return root;
}

int xonyxia_apply_schema(cJSON *node, const char *registry)
{
	cJSON *xo = cJSON_GetObjectItemCaseSensitive(node, "x-onyxia");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(xo, "overwriteSchemaWith");
	cJSON *frag, *keep = NULL, *fxo, *c;

	if (!cJSON_IsString(name))
		return 0;
	frag = xonyxia_fragment_load(registry, name->valuestring, NULL);
	if (!frag) {
		cJSON_DeleteItemFromObjectCaseSensitive(xo, "overwriteSchemaWith");
		return 0;
	}
	keep = cJSON_DetachItemFromObjectCaseSensitive(node, "x-onyxia");
	cJSON_DeleteItemFromObjectCaseSensitive(keep, "overwriteSchemaWith");
	while (node->child)
		cJSON_Delete(cJSON_DetachItemViaPointer(node, node->child));
	while (frag->child) {
		c = cJSON_DetachItemViaPointer(frag, frag->child);
		cJSON_AddItemToObject(node, c->string, c);
	}
	cJSON_Delete(frag);
	fxo = cJSON_GetObjectItemCaseSensitive(node, "x-onyxia");
	if (fxo && cJSON_IsObject(fxo)) {
		/* A fragment is not allowed to chain to another one. */
		cJSON_DeleteItemFromObjectCaseSensitive(fxo, "overwriteSchemaWith");
		for (c = keep ? keep->child : NULL; c; c = c->next)
			if (!cJSON_GetObjectItemCaseSensitive(fxo, c->string))
				cJSON_AddItemToObject(fxo, c->string, cJSON_Duplicate(c, true));
		cJSON_Delete(keep);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(node, "x-onyxia");
		if (keep)
			cJSON_AddItemToObject(node, "x-onyxia", keep);
	}
	return 1;
}

int xonyxia_slider_config(cJSON *node, const cJSON *ctx)
{
	static const char *const keys[] = { "sliderMin", "sliderMax", "sliderStep", "sliderUnit" };
	const cJSON *xo = cJSON_GetObjectItemCaseSensitive(node, "x-onyxia");
	const cJSON *which = cJSON_GetObjectItemCaseSensitive(xo, "useRegionSliderConfig");
	const cJSON *sliders, *conf;
	int done = 0;

	if (!cJSON_IsString(which))
		return 0;
	sliders = xonyxia_lookup(ctx, "region.sliders");
	conf = step_key(sliders, which->valuestring, strlen(which->valuestring));
	if (!cJSON_IsObject(conf))
		return 0;
	for (size_t i = 0; i < DL_ARRAY_LEN(keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(conf, keys[i]);

		if (!v || !(cJSON_IsNumber(v) || cJSON_IsString(v)))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(node, keys[i]);
		cJSON_AddItemToObject(node, keys[i], cJSON_Duplicate(v, false));
		done = 1;
	}
	return done;
}
