/*
 * s3d_meta.c: an object's metadata as JSON and the trailer that carries it
 * at the end of the object file (see s3d_meta.h): writing it after the
 * data, reading it back from the footer, and peeking at three fields for
 * listings without a JSON parse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_meta.h"

#define FOOTER_LEN 32
#define FOOTER_MAGIC "S3DMETA1 "
#define META_MAX (64u << 10)

void s3d_meta_add_user(struct s3d_meta *m, const char *name, const char *value)
{
	char *n = xstrdup(name);

	for (char *p = n; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	m->user = xreallocarray(m->user, m->nuser + 1, sizeof(*m->user));
	m->user[m->nuser].name = n;
	m->user[m->nuser].value = xstrdup(value ? value : "");
	m->nuser++;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void release_headers(struct s3d_meta *m)
{
	free(m->content_type);
	free(m->content_encoding);
	free(m->content_disposition);
	free(m->cache_control);
	free(m->content_language);
	free(m->expires);
	for (size_t i = 0; i < m->nuser; i++) {
		free(m->user[i].name);
		free(m->user[i].value);
	}
	free(m->user);
	m->content_type = m->content_encoding = m->content_disposition = NULL;
	m->cache_control = m->content_language = m->expires = NULL;
	m->user = NULL;
	m->nuser = 0;
}

void s3d_meta_copy_headers(struct s3d_meta *dst, const struct s3d_meta *src)
{
	release_headers(dst);
	dst->content_type = dup_or_null(src->content_type);
	dst->content_encoding = dup_or_null(src->content_encoding);
	dst->content_disposition = dup_or_null(src->content_disposition);
	dst->cache_control = dup_or_null(src->cache_control);
	dst->content_language = dup_or_null(src->content_language);
	dst->expires = dup_or_null(src->expires);
	for (size_t i = 0; i < src->nuser; i++)
		s3d_meta_add_user(dst, src->user[i].name, src->user[i].value);
}

void s3d_meta_release(struct s3d_meta *m)
{
	release_headers(m);
	memset(m, 0, sizeof(*m));
}

static void add_str(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
}

int s3d_meta_to_json(const struct s3d_meta *m, const char *key, struct buf *out)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	cJSON_AddNumberToObject(o, "v", 1);
	add_str(o, "key", key);
	cJSON_AddNumberToObject(o, "size", (double)m->size);
	cJSON_AddStringToObject(o, "etag", m->etag);
	cJSON_AddNumberToObject(o, "mtime", (double)m->mtime_ms);
	add_str(o, "type", m->content_type);
	add_str(o, "encoding", m->content_encoding);
	add_str(o, "disposition", m->content_disposition);
	add_str(o, "cache", m->cache_control);
	add_str(o, "language", m->content_language);
	add_str(o, "expires", m->expires);
	if (m->nuser) {
		cJSON *u = cJSON_AddObjectToObject(o, "meta");

		for (size_t i = 0; i < m->nuser; i++)
			cJSON_AddStringToObject(u, m->user[i].name, m->user[i].value);
	}
	if (m->sum_algo != S3D_SUM_NONE) {
		cJSON_AddStringToObject(o, "sumalgo", s3d_sum_algo_name(m->sum_algo));
		cJSON_AddStringToObject(o, "sum", m->sum);
	}
	if (m->parts)
		cJSON_AddNumberToObject(o, "parts", m->parts);
	rc = json_print(out, o, false);
	cJSON_Delete(o);
	return rc;
}

static char *json_dup(const cJSON *o, const char *name)
{
	const char *s = json_str(o, name, NULL);

	return s ? xstrdup(s) : NULL;
}

int s3d_meta_from_json(const char *p, size_t n, struct s3d_meta *m, char **key)
{
	cJSON *o = json_parse(p, n, NULL);
	const cJSON *u, *it;

	memset(m, 0, sizeof(*m));
	if (!o || !cJSON_IsObject(o) || !cJSON_IsNumber(json_get(o, "size"))) {
		cJSON_Delete(o);
		return -1;
	}
	m->size = (uint64_t)json_int(o, "size", 0);
	str_copy(m->etag, json_str(o, "etag", ""), sizeof(m->etag));
	m->mtime_ms = json_int(o, "mtime", 0);
	m->content_type = json_dup(o, "type");
	m->content_encoding = json_dup(o, "encoding");
	m->content_disposition = json_dup(o, "disposition");
	m->cache_control = json_dup(o, "cache");
	m->content_language = json_dup(o, "language");
	m->expires = json_dup(o, "expires");
	u = json_get(o, "meta");
	cJSON_ArrayForEach(it, u)
		if (cJSON_IsString(it))
			s3d_meta_add_user(m, it->string, it->valuestring);
	m->sum_algo = s3d_sum_algo_parse(json_str(o, "sumalgo", NULL));
	str_copy(m->sum, json_str(o, "sum", ""), sizeof(m->sum));
	m->parts = (unsigned)json_int(o, "parts", 0);
	if (key)
		*key = json_dup(o, "key");
	cJSON_Delete(o);
	return 0;
}

static int pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	const char *b = p;

	while (n) {
		ssize_t w = pwrite(fd, b, n, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static ssize_t pread_all(int fd, void *p, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)p + got, n - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int s3d_meta_encode(const struct s3d_meta *m, const char *key, struct buf *out)
{
	char footer[FOOTER_LEN + 1];
	size_t start = out->len, jlen;

	if (s3d_meta_to_json(m, key, out) < 0)
		return -1;
	jlen = out->len - start;
	if (jlen > META_MAX)
		return -1;
	snprintf(footer, sizeof(footer), "\n" FOOTER_MAGIC "%021zu\n", jlen);
	return buf_add(out, footer, FOOTER_LEN);
}

int s3d_meta_write(int fd, const struct s3d_meta *m, const char *key, struct error *err)
{
	struct buf b;
	int rc = 0;

	buf_init(&b, 0);
	if (s3d_meta_encode(m, key, &b) < 0) {
		buf_release(&b);
		return error_set(err, ERR_LIMIT, "object metadata is larger than %u bytes", META_MAX);
	}
	if (pwrite_all(fd, b.data, b.len, (off_t)m->size) < 0 ||
	    ftruncate(fd, (off_t)(m->size + b.len)) < 0)
		rc = error_sys(err, "cannot write object metadata");
	buf_release(&b);
	return rc;
}

int s3d_meta_read(int fd, struct s3d_meta *m, struct error *err)
{
	struct stat st;
	char tail[4096];
	size_t want;
	ssize_t got;
	uint64_t jlen = 0;
	const char *json;
	char *big = NULL;
	int rc;

	if (fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat an object");
	if (st.st_size < FOOTER_LEN)
		return error_set(err, ERR_PARSE, "an object file has no metadata");
	want = (size_t)DL_MIN((off_t)sizeof(tail), st.st_size);
	got = pread_all(fd, tail, want, st.st_size - (off_t)want);
	if (got != (ssize_t)want)
		return error_sys(err, "cannot read object metadata");
	if (memcmp(tail + want - FOOTER_LEN, "\n" FOOTER_MAGIC, 1 + strlen(FOOTER_MAGIC)) != 0)
		return error_set(err, ERR_PARSE, "an object file has no metadata footer");
	for (size_t i = want - FOOTER_LEN + 1 + strlen(FOOTER_MAGIC); i < want - 1; i++) {
		if (tail[i] < '0' || tail[i] > '9')
			return error_set(err, ERR_PARSE, "an object file has a bad metadata footer");
		jlen = jlen * 10 + (uint64_t)(tail[i] - '0');
	}
	if (jlen > META_MAX || jlen + FOOTER_LEN > (uint64_t)st.st_size)
		return error_set(err, ERR_PARSE, "an object file has a bad metadata length");
	if (jlen + FOOTER_LEN <= want) {
		json = tail + want - FOOTER_LEN - jlen;
	} else {
		big = xmalloc(jlen);
		if (pread_all(fd, big, jlen, st.st_size - FOOTER_LEN - (off_t)jlen) != (ssize_t)jlen) {
			free(big);
			return error_sys(err, "cannot read object metadata");
		}
		json = big;
	}
	rc = s3d_meta_from_json(json, jlen, m, NULL);
	free(big);
	if (rc < 0)
		return error_set(err, ERR_PARSE, "an object file has unreadable metadata");
	if (m->size + jlen + FOOTER_LEN != (uint64_t)st.st_size) {
		s3d_meta_release(m);
		return error_set(err, ERR_PARSE, "an object file's size does not match its metadata");
	}
	return 0;
}

/* scan_field: the text after ,"name": in json (never inside a string:
 * a quote there is escaped), or NULL. */
static const char *scan_field(const char *json, size_t n, const char *pat)
{
	const char *p = memmem(json, n, pat, strlen(pat));

	return p ? p + strlen(pat) : NULL;
}

static int scan_number(const char *p, const char *end, uint64_t *v)
{
	*v = 0;
	if (!p || p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		*v = *v * 10 + (uint64_t)(*p - '0');
	return 0;
}

int s3d_meta_peek(int fd, uint64_t *size, char etag[48], int64_t *mtime_ms)
{
	struct stat st;
	char tail[4096];
	size_t want;
	uint64_t jlen = 0, v;
	const char *json, *end, *e, *q;
	struct s3d_meta m;
	int rc;

	if (fstat(fd, &st) < 0 || st.st_size < FOOTER_LEN)
		return -1;
	want = (size_t)DL_MIN((off_t)sizeof(tail), st.st_size);
	if (pread_all(fd, tail, want, st.st_size - (off_t)want) != (ssize_t)want ||
	    memcmp(tail + want - FOOTER_LEN, "\n" FOOTER_MAGIC, 1 + strlen(FOOTER_MAGIC)) != 0)
		return -1;
	for (size_t i = want - FOOTER_LEN + 1 + strlen(FOOTER_MAGIC); i < want - 1; i++)
		jlen = jlen * 10 + (uint64_t)(tail[i] - '0');
	if (jlen + FOOTER_LEN > want) {
		/* a large document: the slow path */
		rc = s3d_meta_read(fd, &m, NULL);
		if (rc == 0) {
			*size = m.size;
			str_copy(etag, m.etag, 48);
			*mtime_ms = m.mtime_ms;
			s3d_meta_release(&m);
		}
		return rc;
	}
	json = tail + want - FOOTER_LEN - jlen;
	end = json + jlen;
	if (scan_number(scan_field(json, jlen, ",\"size\":"), end, size) < 0 ||
	    scan_number(scan_field(json, jlen, ",\"mtime\":"), end, &v) < 0)
		return -1;
	*mtime_ms = (int64_t)v;
	e = scan_field(json, jlen, ",\"etag\":\"");
	q = e ? memchr(e, '"', (size_t)(end - e)) : NULL;
	if (!q || q - e >= 48)
		return -1;
	memcpy(etag, e, (size_t)(q - e));
	etag[q - e] = '\0';
	return *size + jlen + FOOTER_LEN == (uint64_t)st.st_size ? 0 : -1;
}
