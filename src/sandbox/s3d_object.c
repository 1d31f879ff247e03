/*
 * s3d_object.c: object operations of the S3 service: Get/Head (ranges,
 * conditions, response-* overrides), Put, Delete, Copy, and the routing of
 * every request that names a key (multipart ones go on to s3d_mpu.c).
 * Data is served straight from the object file's descriptor (sendfile
 * without TLS); uploads are committed by s3d_store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/s3d_upload.h"
#include "datalab/sandbox/s3d_xml.h"
#include "s3d_internal.h"

static enum MHD_Result no_key(struct s3d_req *r)
{
	return s3d_reply_error(r, 404, "NoSuchKey", "The specified key does not exist.");
}

enum MHD_Result s3d_object_no_upload(struct s3d_req *r)
{
	const char *extra[] = { "UploadId", s3d_req_query(r, "uploadId"), NULL };

	return s3d_reply_error_x(r, 404, "NoSuchUpload",
				 "The specified upload does not exist. The upload ID may be invalid, or the upload may "
				 "have been aborted or completed.", extra);
}

enum MHD_Result s3d_object_internal(struct s3d_req *r, const char *msg)
{
	return s3d_reply_error(r, 500, "InternalError", msg);
}

/* ---- conditions ---- */

/* etag_listed: does an If-Match / If-None-Match list name etag? */
static bool etag_listed(const char *list, const char *etag)
{
	size_t n;
	char **parts = str_split(list, ',', &n);
	bool hit = false;

	for (size_t i = 0; i < n && !hit; i++) {
		char *t = str_trim(parts[i]);
		size_t len;

		if (str_has_prefix(t, "W/"))
			t += 2;
		len = strlen(t);
		if (len >= 2 && t[0] == '"' && t[len - 1] == '"') {
			t[len - 1] = '\0';
			t++;
		}
		hit = strcmp(t, "*") == 0 || strcmp(t, etag) == 0;
	}
	str_free_list(parts);
	return hit;
}

/* conditions: 0 to go on, or the status to answer (304, 412).  The
 * header names are the plain ones or, for copies, the copy-source ones. */
static unsigned conditions(struct s3d_req *r, const struct s3d_meta *m, const char *pfx)
{
	char name[64];
	const char *im, *inm, *ims, *ius;
	int64_t t, mtime = m->mtime_ms / 1000;

	snprintf(name, sizeof(name), "%sif-match", pfx);
	im = s3d_req_header(r, name);
	snprintf(name, sizeof(name), "%sif-none-match", pfx);
	inm = s3d_req_header(r, name);
	snprintf(name, sizeof(name), "%sif-modified-since", pfx);
	ims = s3d_req_header(r, name);
	snprintf(name, sizeof(name), "%sif-unmodified-since", pfx);
	ius = s3d_req_header(r, name);
	if (im && !etag_listed(im, m->etag))
		return 412;
	if (!im && ius && s3d_xml_http_date_parse(ius, &t) == 0 && mtime > t)
		return 412;
	if (inm && etag_listed(inm, m->etag))
		return *pfx ? 412 : 304;
	if (!inm && ims && s3d_xml_http_date_parse(ims, &t) == 0 && mtime <= t)
		return *pfx ? 412 : 304;
	return 0;
}

/* ---- Get / Head ---- */

/* parse_range: "bytes=a-b|a-|-n" against size: 1 with [*start, *end], 0
 * when absent or not a single byte range (served whole, as S3 does), -1
 * when unsatisfiable. */
int s3d_object_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
	const char *dash;
	uint64_t a, b;
	char *first, *second;
	int rc = 0;

	if (!h || !str_has_prefix(h, "bytes=") || strchr(h, ','))
		return 0;
	h += 6;
	dash = strchr(h, '-');
	if (!dash)
		return 0;
	first = xstrndup(h, (size_t)(dash - h));
	second = xstrdup(dash + 1);
	str_trim(first);
	str_trim(second);
	if (!*first) {
		if (str_parse_u64(second, &b) == 0) {
			if (b == 0 || size == 0) {
				rc = -1;
			} else {
				*start = b >= size ? 0 : size - b;
				*end = size - 1;
				rc = 1;
			}
		}
	} else if (str_parse_u64(first, &a) == 0) {
		if (!*second) {
			b = UINT64_MAX;
			rc = 1;
		} else if (str_parse_u64(second, &b) == 0 && b >= a) {
			rc = 1;
		}
		if (rc == 1) {
			if (a >= size) {
				rc = -1;
			} else {
				*start = a;
				*end = b >= size ? size - 1 : b;
			}
		}
	}
	free(first);
	free(second);
	return rc;
}

static void add_header_if(struct MHD_Response *resp, const char *name, const char *v)
{
	if (v && *v)
		MHD_add_response_header(resp, name, v);
}

static void object_headers(struct s3d_req *r, struct MHD_Response *resp, const struct s3d_meta *m, bool whole)
{
	char etag[56], date[40];
	const char *mode = s3d_req_header(r, "x-amz-checksum-mode");
	bool overrides = !r->anonymous;

	snprintf(etag, sizeof(etag), "\"%s\"", m->etag);
	s3d_xml_http_date(m->mtime_ms / 1000, date);
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Last-Modified", date);
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	/* a presigned or signed request may ask for other content headers
	 * (Onyxia's share link: response-content-disposition=attachment) */
	add_header_if(resp, "Content-Type",
		      overrides && s3d_req_query(r, "response-content-type") ? s3d_req_query(r, "response-content-type")
		      : m->content_type ? m->content_type : "binary/octet-stream");
	add_header_if(resp, "Content-Disposition",
		      overrides && s3d_req_query(r, "response-content-disposition")
			      ? s3d_req_query(r, "response-content-disposition") : m->content_disposition);
	add_header_if(resp, "Content-Encoding",
		      overrides && s3d_req_query(r, "response-content-encoding")
			      ? s3d_req_query(r, "response-content-encoding") : m->content_encoding);
	add_header_if(resp, "Content-Language",
		      overrides && s3d_req_query(r, "response-content-language")
			      ? s3d_req_query(r, "response-content-language") : m->content_language);
	add_header_if(resp, "Cache-Control",
		      overrides && s3d_req_query(r, "response-cache-control")
			      ? s3d_req_query(r, "response-cache-control") : m->cache_control);
	add_header_if(resp, "Expires",
		      overrides && s3d_req_query(r, "response-expires") ? s3d_req_query(r, "response-expires")
									 : m->expires);
	for (size_t i = 0; i < m->nuser; i++) {
		char *name = xasprintf("x-amz-meta-%s", m->user[i].name);

		MHD_add_response_header(resp, name, m->user[i].value);
		free(name);
	}
	if (whole && mode && str_case_eq(mode, "ENABLED") && m->sum_algo != S3D_SUM_NONE) {
		char *name = xasprintf("x-amz-checksum-%s", s3d_sum_algo_name(m->sum_algo));

		MHD_add_response_header(resp, name, m->sum);
		free(name);
	}
}

static enum MHD_Result get_object(struct s3d_req *r, bool head)
{
	struct s3d_meta m;
	struct error err;
	struct MHD_Response *resp;
	uint64_t start = 0, end = 0;
	unsigned cond;
	int fd, range;
	enum MHD_Result ret;

	fd = s3d_store_object_open(r->s->st, r->bucket, r->key, &m, &err);
	if (fd < 0)
		return err.code == ERR_NOT_FOUND ? no_key(r) : s3d_object_internal(r, err.msg);
	cond = conditions(r, &m, "");
	if (cond) {
		close(fd);
		if (cond == 304) {
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			object_headers(r, resp, &m, false);
			s3d_meta_release(&m);
			return s3d_reply(r, 304, resp);
		}
		s3d_meta_release(&m);
		{
			const char *extra[] = { "Condition", "If-Match", NULL };

			return s3d_reply_error_x(r, 412, "PreconditionFailed",
						 "At least one of the pre-conditions you specified did not hold", extra);
		}
	}
	range = s3d_object_parse_range(s3d_req_header(r, "Range"), m.size, &start, &end);
	if (range < 0) {
		char total[40], *cr = xasprintf("bytes */%llu", (unsigned long long)m.size);
		const char *extra[] = { "RangeRequested", s3d_req_header(r, "Range"), "ActualObjectSize", total, NULL };

		close(fd);
		snprintf(total, sizeof(total), "%llu", (unsigned long long)m.size);
		s3d_meta_release(&m);
		if (head) {
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			MHD_add_response_header(resp, "Content-Range", cr);
			free(cr);
			return s3d_reply(r, 416, resp);
		}
		free(cr);
		return s3d_reply_error_x(r, 416, "InvalidRange", "The requested range is not satisfiable", extra);
	}
	if (range == 0) {
		start = 0;
		end = m.size ? m.size - 1 : 0;
	}
	if (m.size == 0) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		/* MHD owns fd from here; HEAD never reads it */
		resp = MHD_create_response_from_fd_at_offset64(end - start + 1, fd, start);
		if (!resp) {
			close(fd);
			s3d_meta_release(&m);
			return s3d_object_internal(r, "cannot serve the object");
		}
	}
	object_headers(r, resp, &m, range == 0);
	if (range == 1) {
		char *cr = xasprintf("bytes %llu-%llu/%llu", (unsigned long long)start, (unsigned long long)end,
				     (unsigned long long)m.size);

		MHD_add_response_header(resp, "Content-Range", cr);
		free(cr);
	}
	s3d_meta_release(&m);
	ret = s3d_reply(r, range == 1 ? 206 : 200, resp);
	return ret;
}

/* ---- Put ---- */

void s3d_object_etag_headers(struct MHD_Response *resp, const struct s3d_meta *m)
{
	char etag[56];

	snprintf(etag, sizeof(etag), "\"%s\"", m->etag);
	MHD_add_response_header(resp, "ETag", etag);
	if (m->sum_algo != S3D_SUM_NONE) {
		char *name = xasprintf("x-amz-checksum-%s", s3d_sum_algo_name(m->sum_algo));

		MHD_add_response_header(resp, name, m->sum);
		free(name);
	}
}

static enum MHD_Result put_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct error err;
	struct MHD_Response *resp;
	int rc;

	if (!s3d_req_body_done(r, &m) || s3d_req_meta(r, &m) < 0) {
		s3d_meta_release(&m);
		s3d_req_body_drop(r);
		return MHD_YES;
	}
	rc = s3d_store_commit(r->s->st, r->bucket, r->key, r->fd, r->tmp, &m, &err);
	r->fd = -1;
	free(r->tmp);
	r->tmp = NULL;
	if (rc < 0) {
		s3d_meta_release(&m);
		if (err.code == ERR_NOT_FOUND)
			return s3d_reply_error(r, 404, "NoSuchBucket", "The specified bucket does not exist");
		return s3d_object_internal(r, err.msg);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	s3d_object_etag_headers(resp, &m);
	s3d_meta_release(&m);
	return s3d_reply(r, 200, resp);
}

/* ---- Copy ---- */

/* copy_source: "/bucket/url-encoded-key[?versionId=...]" decoded. */
static int copy_source(const char *h, char **bucket, char **key)
{
	struct buf d;
	const char *p, *slash;
	char *qm;

	buf_init(&d, 0);
	if (str_url_decode(&d, h, strlen(h), false) < 0) {
		buf_release(&d);
		return -1;
	}
	qm = strstr(d.data, "?versionId=");
	if (qm)
		*qm = '\0';
	p = d.data[0] == '/' ? d.data + 1 : d.data;
	slash = strchr(p, '/');
	if (!slash || !slash[1]) {
		buf_release(&d);
		return -1;
	}
	*bucket = xstrndup(p, (size_t)(slash - p));
	*key = xstrdup(slash + 1);
	buf_release(&d);
	return 0;
}

/* copy_data: [start, start+n) of src into a new temp file with its md5. */
int s3d_object_copy_data(struct s3d_req *r, int src, uint64_t start, uint64_t n, char md5hex[33], int *out_fd,
		     char **out_tmp, struct error *err)
{
	struct s3d_sum md5;
	unsigned char md[32];
	char *buf = xmalloc(1u << 20);
	uint64_t done = 0;
	int fd = s3d_store_tmp_open(r->s->st, out_tmp, err);

	if (fd < 0) {
		free(buf);
		return -1;
	}
	s3d_sum_init(&md5, S3D_SUM_MD5);
	while (done < n) {
		ssize_t got = pread(src, buf, (size_t)DL_MIN(n - done, 1u << 20), (off_t)(start + done));

		if (got <= 0 || write(fd, buf, (size_t)got) != got) {
			error_sys(err, "cannot copy the object");
			s3d_sum_release(&md5);
			close(fd);
			unlink(*out_tmp);
			free(*out_tmp);
			*out_tmp = NULL;
			free(buf);
			return -1;
		}
		s3d_sum_update(&md5, buf, (size_t)got);
		done += (uint64_t)got;
	}
	s3d_sum_final(&md5, md);
	for (int i = 0; i < 16; i++)
		snprintf(md5hex + 2 * i, 3, "%02x", md[i]);
	free(buf);
	*out_fd = fd;
	return 0;
}

/* open_copy_source: checks the source and its copy-source conditions;
 * replies and returns -1 on any refusal. */
int s3d_object_copy_source(struct s3d_req *r, char **sb, char **sk, struct s3d_meta *sm)
{
	const char *code;
	struct error err;
	unsigned cond;
	int fd;

	if (copy_source(s3d_req_header(r, "x-amz-copy-source"), sb, sk) < 0 ||
	    s3d_key_check(*sk, strlen(*sk), &code, &err) < 0) {
		s3d_reply_error(r, 400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
		return -1;
	}
	if (!s3d_key_bucket_valid(*sb) || !s3d_store_bucket_exists(r->s->st, *sb)) {
		s3d_reply_error(r, 404, "NoSuchBucket", "The specified bucket does not exist");
		return -1;
	}
	if (r->anonymous) {
		char *arn = xasprintf("arn:aws:s3:::%s/%s", *sb, *sk);
		bool ok = s3d_req_anonymous_allowed(r, *sb, "s3:GetObject", arn, NULL);

		free(arn);
		if (!ok) {
			s3d_reply_error(r, 403, "AccessDenied", "Access Denied");
			return -1;
		}
	}
	fd = s3d_store_object_open(r->s->st, *sb, *sk, sm, &err);
	if (fd < 0) {
		if (err.code == ERR_NOT_FOUND)
			s3d_reply_error(r, 404, "NoSuchKey", "The specified key does not exist.");
		else
			s3d_object_internal(r, err.msg);
		return -1;
	}
	cond = conditions(r, sm, "x-amz-copy-source-");
	if (cond) {
		close(fd);
		s3d_meta_release(sm);
		s3d_reply_error(r, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
		return -1;
	}
	return fd;
}

enum MHD_Result s3d_object_copy_reply(struct s3d_req *r, const char *root, const struct s3d_meta *m)
{
	struct buf b;
	char t[32];

	buf_init(&b, 0);
	s3d_xml_begin(&b, root);
	s3d_xml_time(m->mtime_ms, t);
	s3d_xml_elem(&b, "LastModified", t);
	s3d_xml_elemf(&b, "ETag", "\"%s\"", m->etag);
	s3d_xml_close(&b, root);
	return s3d_reply_xml(r, 200, &b);
}

static enum MHD_Result copy_object(struct s3d_req *r)
{
	const char *directive = s3d_req_header(r, "x-amz-metadata-directive");
	bool replace = directive && str_case_eq(directive, "REPLACE");
	char *sb = NULL, *sk = NULL, *tmp = NULL;
	struct s3d_meta sm, m = { 0 };
	struct error err;
	int src, fd = -1;

	if (directive && !replace && !str_case_eq(directive, "COPY"))
		return s3d_reply_error(r, 400, "InvalidArgument", "Unknown metadata directive.");
	src = s3d_object_copy_source(r, &sb, &sk, &sm);
	if (src < 0) {
		free(sb);
		free(sk);
		return MHD_YES;
	}
	if (!replace && strcmp(sb, r->bucket) == 0 && strcmp(sk, r->key) == 0) {
		close(src);
		s3d_meta_release(&sm);
		free(sb);
		free(sk);
		return s3d_reply_error(r, 400, "InvalidRequest",
				       "This copy request is illegal because it is trying to copy an object to itself "
				       "without changing the object's metadata, storage class, website redirect location "
				       "or encryption attributes.");
	}
	if (replace) {
		if (s3d_req_meta(r, &m) < 0)
			goto out;
	} else {
		s3d_meta_copy_headers(&m, &sm);
	}
	if (s3d_object_copy_data(r, src, 0, sm.size, m.etag, &fd, &tmp, &err) < 0) {
		s3d_object_internal(r, err.msg);
		goto out;
	}
	m.size = sm.size;
	m.mtime_ms = time_wall_ms();
	m.sum_algo = sm.sum_algo;
	str_copy(m.sum, sm.sum, sizeof(m.sum));
	if (s3d_store_commit(r->s->st, r->bucket, r->key, fd, tmp, &m, &err) < 0) {
		s3d_object_internal(r, err.msg);
		goto out;
	}
	s3d_object_copy_reply(r, "CopyObjectResult", &m);
out:
	close(src);
	s3d_meta_release(&sm);
	s3d_meta_release(&m);
	free(sb);
	free(sk);
	free(tmp);
	return MHD_YES;
}

/* ---- routing ---- */


static const char *action_of(struct s3d_req *r)
{
	const char *m = r->method;

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return s3d_req_query(r, "uploadId") ? "s3:ListMultipartUploadParts" : "s3:GetObject";
	if (strcmp(m, "DELETE") == 0)
		return s3d_req_query(r, "uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject";
	return "s3:PutObject";
}

static enum MHD_Result empty_tagging(struct s3d_req *r)
{
	struct buf b;

	buf_init(&b, 0);
	s3d_xml_begin(&b, "Tagging");
	buf_adds(&b, "<TagSet></TagSet>");
	s3d_xml_close(&b, "Tagging");
	return s3d_reply_xml(r, 200, &b);
}

enum MHD_Result s3d_object_route(struct s3d_req *r)
{
	const char *m = r->method, *code;
	struct error err;

	if (!s3d_key_bucket_valid(r->bucket) || !s3d_store_bucket_exists(r->s->st, r->bucket))
		return s3d_reply_error(r, 404, "NoSuchBucket", "The specified bucket does not exist");
	if (s3d_key_check(r->key, strlen(r->key), &code, &err) < 0)
		return s3d_reply_error(r, 400, code, err.msg);
	if (r->anonymous) {
		char *arn = xasprintf("arn:aws:s3:::%s/%s", r->bucket, r->key);
		bool ok = s3d_req_anonymous_allowed(r, r->bucket, action_of(r), arn, NULL);

		free(arn);
		if (!ok)
			return s3d_reply_error(r, 403, "AccessDenied", "Access Denied");
	}
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
		bool head = strcmp(m, "HEAD") == 0;

		if (s3d_req_query(r, "uploadId"))
			return s3d_mpu_list_parts(r);
		if (s3d_req_query(r, "acl"))
			return s3d_acl_reply(r);
		if (s3d_req_query(r, "tagging"))
			return empty_tagging(r);
		return get_object(r, head);
	}
	if (strcmp(m, "PUT") == 0) {
		if (s3d_req_query(r, "uploadId") || s3d_req_query(r, "partNumber"))
			return s3d_mpu_upload_part(r);
		if (s3d_req_query(r, "acl") || s3d_req_query(r, "tagging"))
			return s3d_req_expect_body(r, S3D_BODY_MEM, 64u << 10, s3d_req_body_accept);
		if (s3d_req_header(r, "x-amz-copy-source"))
			return copy_object(r);
		return s3d_req_expect_body(r, S3D_BODY_FILE, S3D_OBJECT_MAX, put_finish);
	}
	if (strcmp(m, "DELETE") == 0) {
		if (s3d_req_query(r, "uploadId")) {
			if (s3d_upload_abort(r->s->st, r->bucket, s3d_req_query(r, "uploadId"), &err) < 0)
				return err.code == ERR_NOT_FOUND ? s3d_object_no_upload(r) : s3d_object_internal(r, err.msg);
			return s3d_reply_empty(r, 204);
		}
		if (s3d_req_query(r, "tagging"))
			return s3d_reply_empty(r, 204);
		if (s3d_store_object_delete(r->s->st, r->bucket, r->key, &err) < 0)
			return s3d_object_internal(r, err.msg);
		return s3d_reply_empty(r, 204);
	}
	if (strcmp(m, "POST") == 0) {
		if (s3d_req_query(r, "uploads"))
			return s3d_mpu_create_upload(r);
		if (s3d_req_query(r, "uploadId")) {
			const char *id = s3d_req_query(r, "uploadId");
			struct s3d_meta um;
			char *key = NULL;
			bool same;

			if (s3d_upload_load(r->s->st, r->bucket, id, &key, &um, NULL, &err) < 0)
				return s3d_object_no_upload(r);
			same = strcmp(key, r->key) == 0;
			free(key);
			s3d_meta_release(&um);
			if (!same)
				return s3d_object_no_upload(r);
			str_copy(r->upload_id, id, sizeof(r->upload_id));
			return s3d_req_expect_body(r, S3D_BODY_MEM, S3D_XML_MAX, s3d_mpu_complete_finish);
		}
	}
	return s3d_reply_error(r, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
