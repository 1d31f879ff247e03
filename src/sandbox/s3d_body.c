/*
 * s3d_body.c: request bodies of the S3 service: the metadata headers an
 * upload carries, the sink a body streams into (temp file or capped
 * buffer) through the aws-chunked decoder when there is one, the running
 * MD5, SHA-256 and x-amz-checksum-*, and their verification once the last
 * byte is in (lengths, x-amz-content-sha256, Content-MD5, checksums from a
 * header or the trailer).  A mismatch is answered before anything is
 * committed, so a refused upload writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/log.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "s3d_internal.h"

#define DISCARD_MAX (64u << 20)	/* after a failure, drop this much, then hang up */

/* ---- request metadata ---- */

struct meta_walk {
	struct s3d_meta *m;
	size_t bytes;
};

static enum MHD_Result meta_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct meta_walk *w = cls;

	(void)kind;
	if (strncasecmp(key, "x-amz-meta-", 11) == 0 && key[11]) {
		s3d_meta_add_user(w->m, key + 11, value ? value : "");
		w->bytes += strlen(key + 11) + (value ? strlen(value) : 0);
	}
	return MHD_YES;
}

static char *header_dup(struct s3d_req *r, const char *name)
{
	const char *v = s3d_req_header(r, name);

	return v ? xstrdup(v) : NULL;
}

int s3d_req_meta(struct s3d_req *r, struct s3d_meta *m)
{
	struct meta_walk w = { m, 0 };
	const char *enc = s3d_req_header(r, "Content-Encoding");

	m->content_type = header_dup(r, "Content-Type");
	m->content_disposition = header_dup(r, "Content-Disposition");
	m->cache_control = header_dup(r, "Cache-Control");
	m->content_language = header_dup(r, "Content-Language");
	m->expires = header_dup(r, "Expires");
	if (enc) {
		/* aws-chunked is how the body travelled, not what it is */
		size_t n;
		char **parts = str_split(enc, ',', &n);
		struct buf b;

		buf_init(&b, 0);
		for (size_t i = 0; i < n; i++) {
			char *t = str_trim(parts[i]);

			if (*t && !str_case_eq(t, "aws-chunked"))
				buf_addf(&b, "%s%s", b.len ? "," : "", t);
		}
		m->content_encoding = b.len ? buf_take(&b, NULL) : NULL;
		buf_release(&b);
		str_free_list(parts);
	}
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, meta_header, &w);
	if (w.bytes > S3D_USER_META_MAX) {
		s3d_reply_error(r, 400, "MetadataTooLarge",
				"Your metadata headers exceed the maximum allowed metadata size.");
		return -1;
	}
	return 0;
}

static int body_sink(void *arg, const char *p, size_t n)
{
	struct s3d_req *r = arg;

	if (r->received + n > r->limit) {
		if (r->body == S3D_BODY_MEM)
			s3d_req_fail(r, 400, "MaxMessageLengthExceeded", "Your request was too big.");
		else
			s3d_req_fail(r, 400, "EntityTooLarge",
				     "Your proposed upload exceeds the maximum allowed object size.");
		return -1;
	}
	if (r->body == S3D_BODY_FILE) {
		if (file_write_all(r->fd, p, n) < 0) {
			s3d_req_fail(r, 500, "InternalError", "We encountered an internal error: %s", strerror(errno));
			return -1;
		}
	} else if (r->body == S3D_BODY_MEM) {
		buf_add(&r->mem, p, n);
	}
	s3d_sum_update(&r->md5, p, n);
	if (r->want_sha256)
		s3d_sum_update(&r->sha256, p, n);
	if (r->csum.algo != S3D_SUM_NONE)
		s3d_sum_update(&r->csum, p, n);
	r->received += n;
	return 0;
}

enum MHD_Result s3d_req_expect_body(struct s3d_req *r, enum s3d_body kind, uint64_t limit, s3d_finish_fn *finish)
{
	const char *hash = r->auth.payload_hash[0] ? r->auth.payload_hash : SIGV4_UNSIGNED;
	const char *cl = s3d_req_header(r, "Content-Length");
	const char *dl = s3d_req_header(r, "x-amz-decoded-content-length");
	const char *trailer = s3d_req_header(r, "x-amz-trailer");
	uint64_t v;
	bool streaming = str_has_prefix(hash, "STREAMING-");
	enum s3d_sum_algo algo = S3D_SUM_NONE;
	struct error err;

	r->body = kind;
	r->limit = limit;
	r->finish = finish;
	r->decoded_len = -1;
	if (dl) {
		if (str_parse_u64(dl, &v) < 0)
			return s3d_reply_error(r, 400, "InvalidArgument", "x-amz-decoded-content-length is not a number");
		r->decoded_len = (int64_t)v;
	}
	if (!streaming && cl && str_parse_u64(cl, &v) == 0)
		r->decoded_len = (int64_t)v;
	if (r->decoded_len > (int64_t)limit) {
		if (kind == S3D_BODY_MEM)
			return s3d_reply_error(r, 400, "MaxMessageLengthExceeded", "Your request was too big.");
		return s3d_reply_error(r, 400, "EntityTooLarge",
				       "Your proposed upload exceeds the maximum allowed object size.");
	}
	if (streaming) {
		log_debug("s3 %s %s: aws-chunked body, %s, trailer %s", r->method, r->uri, hash,
			  trailer ? trailer : "none");
		if (strcmp(hash, SIGV4_STREAMING) == 0 ||
		    strcmp(hash, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0) {
			struct s3d_chunked_sign sign;

			memcpy(sign.key, r->auth.key, sizeof(sign.key));
			str_copy(sign.amz_date, r->auth.amz_date, sizeof(sign.amz_date));
			str_copy(sign.scope, r->auth.scope, sizeof(sign.scope));
			str_copy(sign.seed, r->auth.signature, sizeof(sign.seed));
			r->chunked = s3d_chunked_new(&sign, body_sink, r);
		} else {
			r->chunked = s3d_chunked_new(NULL, body_sink, r);
		}
	} else if (strcmp(hash, SIGV4_UNSIGNED) != 0) {
		r->want_sha256 = true;
		s3d_sum_init(&r->sha256, S3D_SUM_SHA256);
	}
	/* which checksum to verify: a header, or a promised trailer */
	for (enum s3d_sum_algo a = S3D_SUM_CRC32; a <= S3D_SUM_SHA256; a++) {
		char name[40];

		snprintf(name, sizeof(name), "x-amz-checksum-%s", s3d_sum_algo_name(a));
		if (s3d_req_header(r, name) || (trailer && str_case_eq(trailer, name)))
			algo = a;
	}
	if (algo != S3D_SUM_NONE)
		s3d_sum_init(&r->csum, algo);
	s3d_sum_init(&r->md5, S3D_SUM_MD5);
	if (kind == S3D_BODY_FILE) {
		r->fd = s3d_store_tmp_open(r->s->st, &r->tmp, &err);
		if (r->fd < 0)
			return s3d_reply_error(r, 500, "InternalError", err.msg);
	} else if (kind == S3D_BODY_MEM) {
		buf_init(&r->mem, limit + 1);
	}
	return MHD_YES;
}

enum MHD_Result s3d_req_body_bytes(struct s3d_req *r, const char *p, size_t n)
{
	if (r->fail_code || r->body == S3D_BODY_NONE || r->replied) {
		r->discarded += n;
		/* a client that keeps sending after a refusal is hung up on */
		return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (r->chunked) {
		enum s3d_chunked_status st = s3d_chunked_feed(r->chunked, p, n);

		if (st == S3D_CHUNKED_ESIG)
			s3d_req_fail(r, 403, "SignatureDoesNotMatch",
				     "The request signature we calculated does not match the signature you provided "
				     "(%s).", s3d_chunked_error(r->chunked));
		else if (st == S3D_CHUNKED_EFRAME || st == S3D_CHUNKED_ELIMIT)
			s3d_req_fail(r, 400, "IncompleteBody", "The aws-chunked body is malformed: %s.",
				     s3d_chunked_error(r->chunked));
		/* ESINK: body_sink recorded why */
	} else {
		body_sink(r, p, n);
	}
	return MHD_YES;
}

static bool b64_eq(const char *given, const char *computed)
{
	/* padding and whitespace do not matter; the bytes do */
	struct buf a, b;
	bool eq;

	buf_init(&a, 0);
	buf_init(&b, 0);
	eq = str_base64_decode(&a, given, strlen(given)) == 0 && str_base64_decode(&b, computed, strlen(computed)) == 0 &&
	     a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
	buf_release(&a);
	buf_release(&b);
	return eq;
}

/* body_verify: lengths and digests once the body is complete; replies
 * and returns false on a mismatch.  Fills md5hex, and the verified
 * checksum into *algo / sum. */
static bool body_verify(struct s3d_req *r, char md5hex[33], char md5b64[48])
{
	unsigned char md[32];
	const char *given;
	size_t n;

	if (r->chunked && !s3d_chunked_done(r->chunked)) {
		s3d_reply_error(r, 400, "IncompleteBody",
				"You did not provide the number of bytes specified by the Content-Length HTTP header.");
		return false;
	}
	if (r->decoded_len >= 0 && r->received != (uint64_t)r->decoded_len) {
		s3d_reply_error(r, 400, "IncompleteBody",
				"You did not provide the number of bytes specified by the Content-Length HTTP header.");
		return false;
	}
	if (r->want_sha256) {
		char hex[65];

		n = s3d_sum_final(&r->sha256, md);
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (!str_case_eq(hex, r->auth.payload_hash)) {
			const char *extra[] = { "ClientComputedContentSHA256", r->auth.payload_hash,
						"S3ComputedContentSHA256", hex, NULL };

			s3d_reply_error_x(r, 400, "XAmzContentSHA256Mismatch",
					  "The provided 'x-amz-content-sha256' header does not match what was computed.",
					  extra);
			return false;
		}
	}
	n = s3d_sum_final(&r->md5, md);
	for (size_t i = 0; i < n; i++)
		snprintf(md5hex + 2 * i, 3, "%02x", md[i]);
	{
		struct buf b;

		buf_init(&b, 0);
		str_base64_encode(&b, md, n);
		str_copy(md5b64, b.data, 48);
		buf_release(&b);
	}
	given = s3d_req_header(r, "Content-MD5");
	if (given) {
		struct buf raw;
		bool ok;

		buf_init(&raw, 0);
		ok = str_base64_decode(&raw, given, strlen(given)) == 0 && raw.len == 16;
		buf_release(&raw);
		if (!ok) {
			s3d_reply_error(r, 400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
			return false;
		}
		if (!b64_eq(given, md5b64)) {
			s3d_reply_error(r, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
			return false;
		}
	}
	return true;
}

/* body_checksum: the x-amz-checksum-* the client sent (header or trailer),
 * checked; false after replying BadDigest. */
static bool body_checksum(struct s3d_req *r, struct s3d_meta *m)
{
	char name[40], computed[48];
	const char *given;

	if (r->csum.algo == S3D_SUM_NONE)
		return true;
	snprintf(name, sizeof(name), "x-amz-checksum-%s", s3d_sum_algo_name(r->csum.algo));
	given = s3d_req_header(r, name);
	if (!given && r->chunked)
		given = s3d_chunked_trailer(r->chunked, name);
	s3d_sum_final_b64(&r->csum, computed);
	if (!given) {
		s3d_reply_error(r, 400, "InvalidRequest", "The checksum the request announced did not arrive.");
		return false;
	}
	if (!b64_eq(given, computed)) {
		char msg[120];

		snprintf(msg, sizeof(msg), "The %s you specified did not match the calculated checksum.",
			 s3d_sum_algo_title(r->csum.algo));
		s3d_reply_error(r, 400, "BadDigest", msg);
		return false;
	}
	m->sum_algo = r->csum.algo;
	str_copy(m->sum, computed, sizeof(m->sum));
	return true;
}

enum MHD_Result s3d_req_body_accept(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	return s3d_reply_empty(r, 200);
}

void s3d_req_body_drop(struct s3d_req *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->tmp)
		unlink(r->tmp);
	free(r->tmp);
	r->tmp = NULL;
}

bool s3d_req_body_done(struct s3d_req *r, struct s3d_meta *m)
{
	char md5hex[33], md5b64[48];

	if (!body_verify(r, md5hex, md5b64) || !body_checksum(r, m)) {
		s3d_req_body_drop(r);
		return false;
	}
	m->size = r->received;
	str_copy(m->etag, md5hex, sizeof(m->etag));
	m->mtime_ms = time_wall_ms();
	return true;
}
