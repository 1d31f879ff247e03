/*
 * s3d_mpu.c: multipart upload operations of the S3 service: create,
 * upload part (and part copy), list parts, complete; abort and the
 * uploads list are one-liners routed in s3d_object.c and s3d_bucket.c.
 * Parts stream into temp files like PUT bodies; s3d_upload keeps them.
 */
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

enum MHD_Result s3d_mpu_create_upload(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	char id[S3D_UPLOAD_ID_LEN + 1];
	struct error err;
	struct buf b;
	const char *algo = s3d_req_header(r, "x-amz-checksum-algorithm");

	if (s3d_req_meta(r, &m) < 0) {
		s3d_meta_release(&m);
		return MHD_YES;
	}
	if (s3d_upload_create(r->s->st, r->bucket, r->key, &m, id, &err) < 0) {
		s3d_meta_release(&m);
		if (err.code == ERR_NOT_FOUND)
			return s3d_reply_error(r, 404, "NoSuchBucket", "The specified bucket does not exist");
		return s3d_object_internal(r, err.msg);
	}
	s3d_meta_release(&m);
	buf_init(&b, 0);
	s3d_xml_begin(&b, "InitiateMultipartUploadResult");
	s3d_xml_elem(&b, "Bucket", r->bucket);
	s3d_xml_elem(&b, "Key", r->key);
	s3d_xml_elem(&b, "UploadId", id);
	s3d_xml_close(&b, "InitiateMultipartUploadResult");
	if (algo) {
		size_t n;
		char *data = buf_take(&b, &n);
		struct MHD_Response *resp = MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE);

		MHD_add_response_header(resp, "Content-Type", "application/xml");
		MHD_add_response_header(resp, "x-amz-checksum-algorithm", algo);
		return s3d_reply(r, 200, resp);
	}
	return s3d_reply_xml(r, 200, &b);
}

static enum MHD_Result part_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct error err;
	struct MHD_Response *resp;
	int rc;

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	rc = s3d_upload_part_commit(r->s->st, r->bucket, r->upload_id, r->part, r->fd, r->tmp, &m, &err);
	r->fd = -1;
	free(r->tmp);
	r->tmp = NULL;
	if (rc < 0) {
		s3d_meta_release(&m);
		return err.code == ERR_NOT_FOUND ? s3d_object_no_upload(r) : s3d_object_internal(r, err.msg);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	s3d_object_etag_headers(resp, &m);
	s3d_meta_release(&m);
	return s3d_reply(r, 200, resp);
}

static enum MHD_Result part_copy(struct s3d_req *r)
{
	char *sb = NULL, *sk = NULL, *tmp = NULL;
	struct s3d_meta sm, m = { 0 };
	uint64_t start = 0, end = 0;
	struct error err;
	int src, fd = -1, range;

	src = s3d_object_copy_source(r, &sb, &sk, &sm);
	free(sb);
	free(sk);
	if (src < 0)
		return MHD_YES;
	range = s3d_object_parse_range(s3d_req_header(r, "x-amz-copy-source-range"), sm.size, &start, &end);
	if (range < 0 || (range == 0 && s3d_req_header(r, "x-amz-copy-source-range"))) {
		close(src);
		s3d_meta_release(&sm);
		return s3d_reply_error(r, 400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
	}
	if (range == 0)
		end = sm.size ? sm.size - 1 : 0;
	if (s3d_object_copy_data(r, src, start, sm.size ? end - start + 1 : 0, m.etag, &fd, &tmp, &err) < 0) {
		s3d_object_internal(r, err.msg);
		goto out;
	}
	m.size = sm.size ? end - start + 1 : 0;
	m.mtime_ms = time_wall_ms();
	if (s3d_upload_part_commit(r->s->st, r->bucket, r->upload_id, r->part, fd, tmp, &m, &err) < 0) {
		if (err.code == ERR_NOT_FOUND)
			s3d_object_no_upload(r);
		else
			s3d_object_internal(r, err.msg);
		goto out;
	}
	s3d_object_copy_reply(r, "CopyPartResult", &m);
out:
	close(src);
	s3d_meta_release(&sm);
	s3d_meta_release(&m);
	free(tmp);
	return MHD_YES;
}

enum MHD_Result s3d_mpu_upload_part(struct s3d_req *r)
{
	const char *pn = s3d_req_query(r, "partNumber");
	const char *id = s3d_req_query(r, "uploadId");
	uint64_t num;
	struct s3d_meta m;
	char *key = NULL;
	struct error err;
	bool same;

	if (!pn || str_parse_u64(pn, &num) < 0 || num < 1 || num > S3D_PART_MAX_NUMBER)
		return s3d_reply_error(r, 400, "InvalidArgument",
				       "Part number must be an integer between 1 and 10000, inclusive");
	if (s3d_upload_load(r->s->st, r->bucket, id, &key, &m, NULL, &err) < 0)
		return s3d_object_no_upload(r);
	same = strcmp(key, r->key) == 0;
	free(key);
	s3d_meta_release(&m);
	if (!same)
		return s3d_object_no_upload(r);
	r->part = (unsigned)num;
	str_copy(r->upload_id, id, sizeof(r->upload_id));
	if (s3d_req_header(r, "x-amz-copy-source"))
		return part_copy(r);
	return s3d_req_expect_body(r, S3D_BODY_FILE, S3D_OBJECT_MAX, part_finish);
}

enum MHD_Result s3d_mpu_list_parts(struct s3d_req *r)
{
	const char *id = s3d_req_query(r, "uploadId");
	const char *marker = s3d_req_query(r, "part-number-marker");
	const char *maxs = s3d_req_query(r, "max-parts");
	struct s3d_part *parts;
	struct s3d_meta m;
	char *key = NULL;
	struct error err;
	size_t n, shown = 0, i;
	uint64_t after = 0, max = 1000;
	struct buf b;
	bool truncated = false;

	if (s3d_upload_load(r->s->st, r->bucket, id, &key, &m, NULL, &err) < 0)
		return s3d_object_no_upload(r);
	s3d_meta_release(&m);
	free(key);
	if ((marker && str_parse_u64(marker, &after) < 0) || (maxs && str_parse_u64(maxs, &max) < 0))
		return s3d_reply_error(r, 400, "InvalidArgument", "part-number-marker and max-parts must be integers");
	if (max > 1000)
		max = 1000;
	if (s3d_upload_parts(r->s->st, r->bucket, id, &parts, &n, &err) < 0)
		return s3d_object_no_upload(r);
	buf_init(&b, 0);
	s3d_xml_begin(&b, "ListPartsResult");
	s3d_xml_elem(&b, "Bucket", r->bucket);
	s3d_xml_elem(&b, "Key", r->key);
	s3d_xml_elem(&b, "UploadId", id);
	s3d_xml_elemf(&b, "PartNumberMarker", "%llu", (unsigned long long)after);
	for (i = 0; i < n; i++) {
		char t[32];

		if (parts[i].number <= after)
			continue;
		if (shown == max) {
			truncated = true;
			break;
		}
		shown++;
		s3d_xml_time(parts[i].mtime_ms, t);
		s3d_xml_open(&b, "Part");
		s3d_xml_elemf(&b, "PartNumber", "%u", parts[i].number);
		s3d_xml_elem(&b, "LastModified", t);
		s3d_xml_elemf(&b, "ETag", "\"%s\"", parts[i].etag);
		s3d_xml_elemf(&b, "Size", "%llu", (unsigned long long)parts[i].size);
		s3d_xml_close(&b, "Part");
		after = parts[i].number;
	}
	s3d_xml_elemf(&b, "NextPartNumberMarker", "%llu", (unsigned long long)after);
	s3d_xml_elemf(&b, "MaxParts", "%llu", (unsigned long long)max);
	s3d_xml_elem(&b, "IsTruncated", truncated ? "true" : "false");
	s3d_xml_elem(&b, "StorageClass", "STANDARD");
	s3d_xml_close(&b, "ListPartsResult");
	free(parts);
	return s3d_reply_xml(r, 200, &b);
}

enum MHD_Result s3d_mpu_complete_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct s3d_xml_node *nodes;
	struct s3d_part_ref *refs = NULL;
	size_t n, nref = 0;
	struct error err;
	const char *code;
	char etag[48];
	struct buf b;
	bool bad = false;
	uint64_t num = 0;
	const char *tag = NULL;

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	if (s3d_xml_parse(r->mem.data, r->mem.len, &nodes, &n, &err) < 0 ||
	    strcmp(nodes[n - 1].path, "/CompleteMultipartUpload") != 0) {
		if (n && nodes)
			s3d_xml_nodes_free(nodes, n);
		return s3d_reply_error(r, 400, "MalformedXML",
				       "The XML you provided was not well-formed or did not validate against our published schema.");
	}
	for (size_t i = 0; i < n && !bad; i++) {
		const char *path = nodes[i].path;

		if (strcmp(path, "/CompleteMultipartUpload/Part/PartNumber") == 0) {
			bad = str_parse_u64(nodes[i].text, &num) < 0 || num < 1 || num > S3D_PART_MAX_NUMBER;
		} else if (strcmp(path, "/CompleteMultipartUpload/Part/ETag") == 0) {
			tag = nodes[i].text;
		} else if (strcmp(path, "/CompleteMultipartUpload/Part") == 0) {
			char *t;
			size_t tl;

			if (!num || !tag || nref == S3D_PART_MAX_NUMBER) {
				bad = true;
				break;
			}
			refs = xreallocarray(refs, nref + 1, sizeof(*refs));
			refs[nref].number = (unsigned)num;
			t = xstrdup(tag);
			tl = strlen(t);
			if (tl >= 2 && t[0] == '"' && t[tl - 1] == '"') {
				t[tl - 1] = '\0';
				str_copy(refs[nref].etag, t + 1, sizeof(refs[nref].etag));
			} else {
				str_copy(refs[nref].etag, t, sizeof(refs[nref].etag));
			}
			free(t);
			nref++;
			num = 0;
			tag = NULL;
		}
	}
	if (bad || nref == 0) {
		s3d_xml_nodes_free(nodes, n);
		free(refs);
		return s3d_reply_error(r, 400, "MalformedXML",
				       "The XML you provided was not well-formed or did not validate against our published schema.");
	}
	if (s3d_upload_complete(r->s->st, r->bucket, r->upload_id, refs, nref, etag, &code, &err) < 0) {
		s3d_xml_nodes_free(nodes, n);
		free(refs);
		if (code && strcmp(code, "NoSuchUpload") == 0)
			return s3d_object_no_upload(r);
		if (code)
			return s3d_reply_error(r, 400, code, err.msg);
		return s3d_object_internal(r, err.msg);
	}
	s3d_xml_nodes_free(nodes, n);
	free(refs);
	buf_init(&b, 0);
	s3d_xml_begin(&b, "CompleteMultipartUploadResult");
	{
		struct buf loc;
		const char *host = s3d_req_header(r, "Host");

		buf_init(&loc, 0);
		buf_addf(&loc, "%s://%s/%s/", r->s->tls ? "https" : "http", host ? host : "127.0.0.1", r->bucket);
		str_url_encode(&loc, r->key, strlen(r->key), true);
		s3d_xml_elem(&b, "Location", loc.data);
		buf_release(&loc);
	}
	s3d_xml_elem(&b, "Bucket", r->bucket);
	s3d_xml_elem(&b, "Key", r->key);
	s3d_xml_elemf(&b, "ETag", "\"%s\"", etag);
	s3d_xml_close(&b, "CompleteMultipartUploadResult");
	return s3d_reply_xml(r, 200, &b);
}
