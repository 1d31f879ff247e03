/*
 * release.c: helm's release JSON into struct release, and Secret decoding.
 *
 * cJSON parses the text (its nesting limit bounds depth); fields are
 * copied out and the tree freed, except config, which is detached.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/helm/release.h"
#include "datalab/helm/semver.h"

#define MAX_JSON (64u << 20)
#define MAX_ROWS 100000

static char *dup_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) && it->valuestring ? xstrdup(it->valuestring) : NULL;
}

static long get_revision(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	int64_t v;

	if (cJSON_IsNumber(it))
		return it->valuedouble >= 0 && it->valuedouble < 1e9 ? (long)it->valuedouble : 0;
	/* helm list prints the revision as a string */
	if (cJSON_IsString(it) && str_parse_i64(it->valuestring, &v) == 0 && v >= 0 && v < 1000000000)
		return (long)v;
	return 0;
}

static bool full_core(const char *v)
{
	size_t core = strcspn(v, "-+"), dots = 0;

	for (size_t i = 0; i < core; i++)
		dots += v[i] == '.';
	return dots == 2;
}

int release_split_chart(const char *chart, char **name, char **version)
{
	struct semver sv;

	*name = *version = NULL;
	for (const char *d = chart ? strchr(chart, '-') : NULL; d; d = strchr(d + 1, '-')) {
		/* "a-1-2.0.0" is a-1 at 2.0.0, not a at 1-2.0.0: want x.y.z */
		if (d > chart && d[1] >= '0' && d[1] <= '9' &&
		    full_core(d + 1) &&
		    semver_parse(d + 1, strlen(d + 1), &sv) == 0) {
			*name = xstrndup(chart, (size_t)(d - chart));
			*version = xstrdup(d + 1);
			return 0;
		}
	}
	return -1;
}

static void fill_chart(struct release *r)
{
	if (!r->chart_name && r->chart)
		release_split_chart(r->chart, &r->chart_name, &r->chart_version);
	if (!r->chart && r->chart_name && r->chart_version)
		r->chart = xasprintf("%s-%s", r->chart_name, r->chart_version);
}

static int from_object(const cJSON *o, const char *name, struct release *r, struct error *err)
{
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(o, "info");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "chart"), "metadata");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(o, "config");

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(o))
		return error_set(err, ERR_PARSE, "helm release is not an object");
	r->name = dup_str(o, "name");
	if (!r->name && name)
		r->name = xstrdup(name);
	r->namespace = dup_str(o, "namespace");
	r->revision = get_revision(o, "revision");
	if (!r->revision)
		r->revision = get_revision(o, "version");
	r->status = dup_str(o, "status");
	r->chart = dup_str(o, "chart");
	r->app_version = dup_str(o, "app_version");
	r->updated = dup_str(o, "updated");
	r->description = dup_str(o, "description");
	r->manifest = dup_str(o, "manifest");
	r->apply_method = dup_str(o, "apply_method");
	if (cJSON_IsObject(info)) {
		if (!r->status)
			r->status = dup_str(info, "status");
		if (!r->updated)
			r->updated = dup_str(info, "last_deployed");
		if (!r->description)
			r->description = dup_str(info, "description");
		r->first_deployed = dup_str(info, "first_deployed");
		r->notes = dup_str(info, "notes");
	}
	if (cJSON_IsObject(meta)) {
		r->chart_name = dup_str(meta, "name");
		r->chart_version = dup_str(meta, "version");
		if (!r->app_version)
			r->app_version = dup_str(meta, "appVersion");
	}
	if (cJSON_IsObject(config))
		r->config = cJSON_Duplicate(config, 1);
	fill_chart(r);
	if (!r->name) {
		release_clear(r);
		return error_set(err, ERR_PARSE, "helm release has no name");
	}
	return 0;
}

static cJSON *parse_json(const char *p, size_t n, struct error *err)
{
	cJSON *root;

	if (n > MAX_JSON) {
		error_set(err, ERR_LIMIT, "helm output is over %u bytes", MAX_JSON);
		return NULL;
	}
	if (!(root = cJSON_ParseWithLength(p, n)))
		error_set(err, ERR_PARSE, "helm output is not JSON");
	return root;
}

int release_parse(const char *p, size_t n, struct release *r, struct error *err)
{
	cJSON *root = parse_json(p, n, err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!root)
		return -1;
	rc = from_object(root, NULL, r, err);
	cJSON_Delete(root);
	return rc;
}

static int parse_rows(const char *p, size_t n, const char *name, struct release **out,
		      size_t *count, struct error *err)
{
	cJSON *root = parse_json(p, n, err);
	const cJSON *it;
	size_t len, i = 0;

	*out = NULL;
	*count = 0;
	if (!root)
		return -1;
	/* helm prints [] for no releases; take null as the same */
	if (cJSON_IsNull(root)) {
		cJSON_Delete(root);
		return 0;
	}
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "helm list output is not an array");
	}
	len = (size_t)cJSON_GetArraySize(root);
	if (len > MAX_ROWS) {
		cJSON_Delete(root);
		return error_set(err, ERR_LIMIT, "helm list output has over %u rows", MAX_ROWS);
	}
	*out = xcalloc(len ? len : 1, sizeof(**out));
	cJSON_ArrayForEach(it, root) {
		if (from_object(it, name, &(*out)[i], err) != 0) {
			release_list_free(*out, i);
			*out = NULL;
			cJSON_Delete(root);
			return -1;
		}
		i++;
	}
	*count = i;
	cJSON_Delete(root);
	return 0;
}

int release_parse_list(const char *p, size_t n, struct release **out, size_t *count,
		       struct error *err)
{
	return parse_rows(p, n, NULL, out, count, err);
}

int release_parse_history(const char *p, size_t n, const char *name, struct release **out,
			  size_t *count, struct error *err)
{
	return parse_rows(p, n, name, out, count, err);
}

void release_clear(struct release *r)
{
	free(r->name);
	free(r->namespace);
	free(r->status);
	free(r->chart);
	free(r->chart_name);
	free(r->chart_version);
	free(r->app_version);
	free(r->updated);
	free(r->first_deployed);
	free(r->description);
	free(r->notes);
	free(r->manifest);
	free(r->apply_method);
	cJSON_Delete(r->config);
	memset(r, 0, sizeof(*r));
}

void release_list_free(struct release *v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		release_clear(&v[i]);
	free(v);
}

int release_gunzip(const void *p, size_t n, size_t max, struct buf *out, struct error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char block[16384];
	size_t start = out->len, total = 0;
	int rc = -1;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK ||
	    archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
		error_set(err, ERR_PARSE, "not a gzip stream");
		goto out;
	}
	for (;;) {
		la_ssize_t got = archive_read_data(a, block, sizeof(block));

		if (got < 0) {
			error_set(err, ERR_PARSE, "gzip stream is damaged: %s", archive_error_string(a));
			goto out;
		}
		if (got == 0)
			break;
		total += (size_t)got;
		if (total > max) {
			error_set(err, ERR_LIMIT, "gzip stream inflates past %zu bytes", max);
			goto out;
		}
		if (buf_add(out, block, (size_t)got) != 0) {
			error_set(err, ERR_LIMIT, "gzip stream does not fit its buffer");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		buf_truncate(out, DL_MIN(start, out->len));
	archive_read_free(a);
	return rc;
}

static bool is_gzip(const struct buf *b)
{
	return b->len >= 3 && (unsigned char)b->data[0] == 0x1f &&
	    (unsigned char)b->data[1] == 0x8b && (unsigned char)b->data[2] == 0x08;
}

int release_decode_secret(const char *p, size_t n, struct buf *out, struct error *err)
{
	struct buf once, twice;
	int rc = -1;

	buf_init(&once, MAX_JSON);
	buf_init(&twice, MAX_JSON);
	if (str_base64_decode(&once, p, n) != 0) {
		error_set(err, ERR_PARSE, "release data is not base64");
		goto out;
	}
	/* the API's base64 wraps helm's own base64 of the gzip'd JSON; a
	 * value taken from `kubectl get -o jsonpath` has only helm's layer */
	if (!is_gzip(&once)) {
		if (str_base64_decode(&twice, once.data, once.len) != 0) {
			error_set(err, ERR_PARSE, "release data is not base64 of base64");
			goto out;
		}
		buf_release(&once);
		once = twice;
		buf_init(&twice, MAX_JSON);
	}
	if (!is_gzip(&once)) {
		/* helm stores it uncompressed when it lacks the magic */
		rc = buf_add(out, once.data, once.len);
		if (rc != 0)
			error_set(err, ERR_LIMIT, "release data is too large");
		goto out;
	}
	rc = release_gunzip(once.data, once.len, MAX_JSON, out, err);
out:
	buf_release(&once);
	buf_release(&twice);
	return rc;
}
