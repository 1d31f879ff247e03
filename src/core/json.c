/*
 * json.c: read helpers over cJSON trees, parsing with byte offsets in
 * errors, printing into a struct buf, and path-based setting.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"

const cJSON *json_get_key(const cJSON *obj, const char *key)
{
	const cJSON *c;

	if (!obj || !cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

static const cJSON *json_step(const cJSON *cur, const char *seg, size_t len)
{
	char key[256];
	const cJSON *c;

	if (!cur)
		return NULL;
	if (cJSON_IsArray(cur)) {
		size_t idx = 0, i;

		if (len == 0 || len > 9)
			return NULL;
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)seg[i]))
				return NULL;
			idx = idx * 10 + (size_t)(seg[i] - '0');
		}
		for (c = cur->child; c && idx; c = c->next)
			idx--;
		return c;
	}
	if (!cJSON_IsObject(cur) || len >= sizeof(key))
		return NULL;
	memcpy(key, seg, len);
	key[len] = '\0';
	return json_get_key(cur, key);
}

const cJSON *json_get(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *p = path, *dot;

	if (!path || !*path)
		return root;
	while (cur) {
		dot = strchr(p, '.');
		if (!dot)
			return json_step(cur, p, strlen(p));
		cur = json_step(cur, p, (size_t)(dot - p));
		p = dot + 1;
	}
	return NULL;
}

const char *json_str(const cJSON *root, const char *path, const char *def)
{
	const cJSON *v = json_get(root, path);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

int64_t json_int(const cJSON *root, const char *path, int64_t def)
{
	const cJSON *v = json_get(root, path);

	if (!cJSON_IsNumber(v))
		return def;
	if (v->valuedouble >= 9.2e18 || v->valuedouble <= -9.2e18)
		return def;
	return (int64_t)v->valuedouble;
}

bool json_bool(const cJSON *root, const char *path, bool def)
{
	const cJSON *v = json_get(root, path);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

cJSON *json_parse(const char *p, size_t n, struct error *err)
{
	const char *end = NULL;
	cJSON *root;
	size_t i = 0;

	while (i < n && isspace((unsigned char)p[i]))
		i++;
	if (i == n) {
		error_set(err, ERR_PARSE, "empty JSON document");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	if (!root) {
		size_t off = end && end >= p ? (size_t)(end - p) : 0;
		const char *e = cJSON_GetErrorPtr();

		if (e && e >= p && e <= p + n)
			off = (size_t)(e - p);
		error_set(err, ERR_PARSE, "malformed JSON at byte %zu", off);
		return NULL;
	}
	/* cJSON stops after the first value: anything but space after it is garbage */
	if (end) {
		size_t j = (size_t)(end - p);

		while (j < n && (isspace((unsigned char)p[j]) || p[j] == '\0'))
			j++;
		if (j < n) {
			cJSON_Delete(root);
			error_set(err, ERR_PARSE, "trailing data after JSON at byte %zu", j);
			return NULL;
		}
	}
	return root;
}

int json_read_file(const char *path, size_t max, cJSON **out, struct error *err)
{
	struct buf b;

	*out = NULL;
	if (!file_exists(path))
		return 0;
	buf_init(&b, max);
	if (file_read(path, &b, err) == 0)
		*out = json_parse(b.data, b.len, err);
	buf_release(&b);
	return *out ? 0 : -1;
}

int json_print(struct buf *out, const cJSON *item, bool pretty)
{
	char *s = pretty ? cJSON_Print(item) : cJSON_PrintUnformatted(item);
	int r;

	if (!s)
		return -1;
	r = buf_adds(out, s);
	free(s);
	return r;
}

int json_set_path(cJSON *root, const char *path, cJSON *value)
{
	struct buf seg;
	cJSON *cur = root;
	const char *p = path;

	if (!cJSON_IsObject(root) || !path || !*path) {
		cJSON_Delete(value);
		return -1;
	}
	buf_init(&seg, 4096);
	for (;;) {
		bool last;
		cJSON *next;

		buf_reset(&seg);
		while (*p && *p != '.') {
			if (*p == '\\' && p[1] == '.')
				p++;
			if (buf_addc(&seg, *p++) < 0)
				goto fail;
		}
		last = *p == '\0';
		if (!last)
			p++;
		if (!cJSON_IsObject(cur))
			goto fail;
		if (last) {
			if (cJSON_GetObjectItemCaseSensitive(cur, seg.data))
				cJSON_ReplaceItemInObjectCaseSensitive(cur, seg.data, value);
			else
				cJSON_AddItemToObject(cur, seg.data, value);
			buf_release(&seg);
			return 0;
		}
		next = cJSON_GetObjectItemCaseSensitive(cur, seg.data);
		if (!cJSON_IsObject(next)) {
			next = cJSON_CreateObject();
			if (cJSON_GetObjectItemCaseSensitive(cur, seg.data))
				cJSON_ReplaceItemInObjectCaseSensitive(cur, seg.data, next);
			else
				cJSON_AddItemToObject(cur, seg.data, next);
		}
		cur = next;
	}
fail:
	buf_release(&seg);
	cJSON_Delete(value);
	return -1;
}
