/*
 * s3d.c: the sandbox's S3 service: a libmicrohttpd daemon with a thread
 * per connection (S3 is file I/O; nothing here touches the sandbox's event
 * loop), the request lifecycle of s3d_internal.h, SigV4 checks on every
 * request, bodies streamed through the aws-chunked decoder and the
 * checksums into temp files, and the replies every operation shares.
 *
 * Flow of a request: uri_log (raw URI, new struct s3d_req) -> access
 * handler first call (parse, check credentials, route: reply now or expect
 * a body) -> calls with body bytes (decode, hash, sink) -> last call
 * (verify lengths and digests, run the operation's finish) -> completed
 * (free, drop an uncommitted temp file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/s3d_policy.h"
#include "datalab/sandbox/s3d_seed.h"
#include "datalab/sandbox/s3d_xml.h"
#include "s3d_internal.h"

#define MHD_MEMORY (1u << 20)	/* per connection: bigger upload reads */
#define DISCARD_MAX (64u << 20)	/* after a failure, drop this much, then hang up */

/* ---- small request helpers ---- */

const char *s3d_req_header(struct s3d_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *auth_header(void *ctx, const char *name)
{
	return s3d_req_header(ctx, name);
}

const char *s3d_req_query(const struct s3d_req *r, const char *name)
{
	return s3d_auth_query_param(r->q, r->nq, name);
}

void s3d_req_fail(struct s3d_req *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (r->fail_code)
		return;
	r->fail_status = status;
	r->fail_code = code;
	va_start(ap, fmt);
	vsnprintf(r->fail_msg, sizeof(r->fail_msg), fmt, ap);
	va_end(ap);
}

/* ---- replies ---- */

enum MHD_Result s3d_reply(struct s3d_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, "x-amz-request-id", r->id);
	MHD_add_response_header(resp, "x-amz-id-2", r->id);
	MHD_add_response_header(resp, "Server", "datalab-sandbox");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->replied = true;
	log_debug("s3 %s %s -> %u", r->method, r->uri, status);
	return ret;
}

enum MHD_Result s3d_reply_empty(struct s3d_req *r, unsigned status)
{
	return s3d_reply(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
}

enum MHD_Result s3d_reply_xml(struct s3d_req *r, unsigned status, struct buf *b)
{
	size_t n;
	char *data = buf_take(b, &n);
	struct MHD_Response *resp = MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE);

	MHD_add_response_header(resp, "Content-Type", "application/xml");
	return s3d_reply(r, status, resp);
}

enum MHD_Result s3d_reply_error_x(struct s3d_req *r, unsigned status, const char *code, const char *msg,
				  const char *const *extra)
{
	struct buf b;
	struct buf resource;

	if (status >= 500)
		log_warn("s3 %s %s: %u %s: %s", r->method, r->uri, status, code, msg);
	else
		log_debug("s3 %s %s: %u %s: %s", r->method, r->uri, status, code, msg);
	if (strcmp(r->method, "HEAD") == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

		return s3d_reply(r, status, resp);
	}
	buf_init(&b, 0);
	buf_init(&resource, 0);
	buf_adds(&resource, r->path ? r->path : "/");
	s3d_xml_error(&b, code, msg, resource.data, r->id, extra);
	buf_release(&resource);
	return s3d_reply_xml(r, status, &b);
}

enum MHD_Result s3d_reply_error(struct s3d_req *r, unsigned status, const char *code, const char *msg)
{
	const char *extra[6] = { NULL };
	size_t n = 0;

	if (r->bucket && (strcmp(code, "NoSuchBucket") == 0 || strcmp(code, "BucketNotEmpty") == 0 ||
			  strcmp(code, "NoSuchBucketPolicy") == 0 || strcmp(code, "BucketAlreadyOwnedByYou") == 0)) {
		extra[n++] = "BucketName";
		extra[n++] = r->bucket;
	}
	if (r->key && strcmp(code, "NoSuchKey") == 0) {
		extra[n++] = "Key";
		extra[n++] = r->key;
	}
	return s3d_reply_error_x(r, status, code, msg, extra);
}

/* ---- authorization for anonymous callers ---- */

bool s3d_req_anonymous_allowed(struct s3d_req *r, const char *bucket, const char *action, const char *resource,
			       const char *prefix)
{
	struct buf text;
	struct s3d_policy *p;
	bool ok = false;

	buf_init(&text, S3D_POLICY_MAX * 2);
	if (s3d_store_policy_get(r->s->st, bucket, &text, NULL) == 0) {
		p = s3d_policy_parse(text.data, text.len, bucket, NULL);
		ok = s3d_policy_allows(p, action, resource, prefix);
		s3d_policy_free(p);
	}
	buf_release(&text);
	return ok;
}

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

/* ---- bodies ---- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
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
		if (write_all(r->fd, p, n) < 0) {
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

static enum MHD_Result body_bytes(struct s3d_req *r, const char *p, size_t n)
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

bool s3d_req_body_done(struct s3d_req *r, struct s3d_meta *m)
{
	char md5hex[33], md5b64[48];

	if (!body_verify(r, md5hex, md5b64) || !body_checksum(r, m))
		return false;
	m->size = r->received;
	str_copy(m->etag, md5hex, sizeof(m->etag));
	m->mtime_ms = time_wall_ms();
	return true;
}

/* ---- parsing the request line ---- */

static int parse_query(struct s3d_req *r, const char *qs)
{
	size_t n;
	char **parts = str_split(qs, '&', &n);
	int rc = 0;

	r->q = xcalloc(n ? n : 1, sizeof(*r->q));
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(parts[i], '=');
		struct buf name, value;

		if (!*parts[i])
			continue;
		buf_init(&name, 0);
		buf_init(&value, 0);
		if (eq)
			*eq = '\0';
		if (str_url_decode(&name, parts[i], strlen(parts[i]), false) < 0 ||
		    (eq && str_url_decode(&value, eq + 1, strlen(eq + 1), false) < 0))
			rc = -1;
		r->q[r->nq].name = buf_take(&name, NULL);
		r->q[r->nq].value = buf_take(&value, NULL);
		r->nq++;
	}
	str_free_list(parts);
	return rc;
}

static int parse_uri(struct s3d_req *r)
{
	const char *qm = strchr(r->uri, '?');
	size_t plen = qm ? (size_t)(qm - r->uri) : strlen(r->uri);
	struct buf path;
	const char *p, *slash;

	buf_init(&path, 0);
	if (str_url_decode(&path, r->uri, plen, false) < 0 || path.len == 0 || path.data[0] != '/' ||
	    memchr(path.data, '\0', path.len)) {
		buf_release(&path);
		r->path = xstrdup("/");
		return -1;
	}
	r->path = buf_take(&path, NULL);
	r->raw_path = xstrndup(r->uri, plen);
	if (parse_query(r, qm ? qm + 1 : "") < 0)
		return -1;
	p = r->path + 1;
	if (!*p)
		return 0;
	slash = strchr(p, '/');
	r->bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	if (slash && slash[1])
		r->key = xstrdup(slash + 1);
	return 0;
}

/* ---- the daemon's callbacks ---- */

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct s3d *s = cls;
	struct s3d_req *r = xcalloc(1, sizeof(*r));
	uint64_t n = atomic_fetch_add(&s->reqno, 1);

	r->s = s;
	r->conn = conn;
	r->uri = xstrdup(uri ? uri : "/");
	r->fd = -1;
	snprintf(r->id, sizeof(r->id), "%08X%08X", s->idbase, (unsigned)n);
	buf_init(&r->mem, 1);
	return r;
}

static void req_free(struct s3d_req *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->tmp)
		unlink(r->tmp);
	free(r->tmp);
	s3d_chunked_free(r->chunked);
	s3d_sum_release(&r->md5);
	s3d_sum_release(&r->sha256);
	s3d_sum_release(&r->csum);
	s3d_auth_release(&r->auth);
	buf_release(&r->mem);
	for (size_t i = 0; i < r->nq; i++) {
		free((char *)r->q[i].name);
		free((char *)r->q[i].value);
	}
	free(r->q);
	free(r->uri);
	free(r->path);
	free(r->raw_path);
	free(r->bucket);
	free(r->key);
	free(r);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	if (*con_cls)
		req_free(*con_cls);
	*con_cls = NULL;
}

/* seeded_wait: requests arriving while the sample buckets are being
 * written wait for them, so nobody sees a half-seeded store. */
static void seeded_wait(struct s3d *s)
{
	pthread_mutex_lock(&s->seed_mu);
	while (!s->seeded)
		pthread_cond_wait(&s->seed_cv, &s->seed_mu);
	pthread_mutex_unlock(&s->seed_mu);
}

static void *seed_main(void *arg)
{
	struct s3d *s = arg;
	struct error err;
	uint64_t t0 = time_mono_ms();

	if (s3d_seed_buckets(s->st, s->user, &err) < 0)
		log_warn("S3: the sample buckets are incomplete: %s", err.msg);
	else
		log_debug("S3: sample buckets checked in %llu ms", (unsigned long long)(time_mono_ms() - t0));
	pthread_mutex_lock(&s->seed_mu);
	s->seeded = true;
	pthread_cond_broadcast(&s->seed_cv);
	pthread_mutex_unlock(&s->seed_mu);
	return NULL;
}

static enum MHD_Result begin(struct s3d_req *r)
{
	enum s3d_auth_kind kind;
	struct s3d_auth_req arq;

	seeded_wait(r->s);

	if (parse_uri(r) < 0)
		return s3d_reply_error(r, 400, "InvalidURI", "Couldn't parse the specified URI.");
	arq.method = r->method;
	arq.path = r->path;
	arq.raw_path = r->raw_path;
	arq.query = r->q;
	arq.nquery = r->nq;
	arq.header = auth_header;
	arq.ctx = r;
	arq.now = time_wall_ms() / 1000;
	kind = s3d_auth_check(&arq, r->s->access_key, r->s->secret_key, &r->auth);
	if (kind == S3D_AUTH_FAILED) {
		const char *extra[9] = { NULL };
		size_t n = 0;

		if (strcmp(r->auth.code, "SignatureDoesNotMatch") == 0) {
			extra[n++] = "AWSAccessKeyId";
			extra[n++] = r->s->access_key;
			extra[n++] = "StringToSign";
			extra[n++] = r->auth.string_to_sign.data;
			extra[n++] = "CanonicalRequest";
			extra[n++] = r->auth.canonical.data;
		}
		return s3d_reply_error_x(r, (unsigned)r->auth.status, r->auth.code, r->auth.message, extra);
	}
	r->anonymous = kind == S3D_AUTH_ANONYMOUS;
	if (!r->bucket) {
		if (r->anonymous)
			return s3d_reply_error(r, 403, "AccessDenied", "Access Denied");
		if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
			return s3d_bucket_list_all(r);
		return s3d_reply_error(r, 405, "MethodNotAllowed",
				       "The specified method is not allowed against this resource.");
	}
	if (r->key)
		return s3d_object_route(r);
	return s3d_bucket_route(r);
}

static enum MHD_Result finish(struct s3d_req *r)
{
	if (r->replied)
		return MHD_YES;
	if (r->fail_code)
		return s3d_reply_error(r, (unsigned)r->fail_status, r->fail_code, r->fail_msg);
	if (r->finish)
		return r->finish(r);
	return s3d_reply_error(r, 500, "InternalError", "We encountered an internal error. Please try again.");
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct s3d_req *r = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		r->conn = conn;
		r->method = method;
		return begin(r);
	}
	if (*upload_data_size) {
		enum MHD_Result ret = body_bytes(r, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return ret;
	}
	return finish(r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("s3 (libmicrohttpd): %s", line);
}

/* ---- the contract (s3d.h) ---- */

struct s3d *s3d_start(const struct s3d_config *cfg, struct error *err)
{
	struct s3d *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct s3d_keys keys;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->bind_addr ? cfg->bind_addr : "127.0.0.1", &sa.sin_addr) != 1) {
		error_set(err, ERR_INVALID, "'%s' is not an IPv4 address", cfg->bind_addr);
		return NULL;
	}
	if (cfg->tls_cert_pem && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		error_set(err, ERR_UNSUPPORTED, "libmicrohttpd was built without TLS");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->seed_mu, NULL);
	pthread_cond_init(&s->seed_cv, NULL);
	s->st = s3d_store_open(cfg->data_dir, err);
	if (!s->st) {
		s3d_stop(s);
		return NULL;
	}
	if (s3d_seed_keys(cfg->data_dir, cfg->access_key, cfg->secret_key, &keys, err) < 0)
		goto fail;
	s->access_key = xstrdup(keys.access_key);
	s->secret_key = xstrdup(keys.secret_key);
	s->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	s->user = xstrdup(cfg->user ? cfg->user : "alice");
	s->bind = xstrdup(cfg->bind_addr ? cfg->bind_addr : "127.0.0.1");
	s->ca_path = cfg->tls_ca_path ? xstrdup(cfg->tls_ca_path) : NULL;
	if (!s->ca_path && cfg->tls_cert_pem && cfg->state_dir) {
		/* the CA the sandbox's bootstrap keeps for both APIs */
		char *ca = xasprintf("%s/tls/ca.crt", cfg->state_dir);

		if (file_exists(ca))
			s->ca_path = ca;
		else
			free(ca);
	}
	s->lister = s3d_list_new(s->st);
	s->idbase = (uint32_t)(time_mono_ms() * 2654435761u) ^ (uint32_t)getpid();
	if (!cfg->seed) {
		s->seeded = true;
	} else if (pthread_create(&s->seeder, NULL, seed_main, s) != 0) {
		error_set(err, ERR_SYS, "cannot start the seeding thread");
		goto fail;
	} else {
		s->seeder_started = true;
	}
	if (cfg->tls_cert_pem) {
		s->tls = true;
		s->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, access_handler, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
					MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert_pem,
					MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem, MHD_OPTION_END);
	} else {
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
	}
	if (!s->d) {
		error_set(err, ERR_NET, "cannot listen on %s:%d for S3", s->bind, cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->port;
	log_info("S3 service on %s://%s:%d (data in %s)", s->tls ? "https" : "http", s->bind, s->port,
		 cfg->data_dir);
	return s;
fail:
	s3d_stop(s);
	return NULL;
}

int s3d_port(const struct s3d *s)
{
	return s ? s->port : 0;
}

void s3d_stop(struct s3d *s)
{
	if (!s)
		return;
	if (s->seeder_started)
		pthread_join(s->seeder, NULL);
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->seed_mu);
	pthread_cond_destroy(&s->seed_cv);
	s3d_list_free(s->lister);
	s3d_store_close(s->st);
	free(s->access_key);
	free(s->secret_key);
	free(s->region);
	free(s->user);
	free(s->bind);
	free(s->ca_path);
	free(s);
}

int s3d_write_env(const struct s3d *s, const char *dir, struct error *err)
{
	struct s3d_env env = {
		.access_key = s->access_key,
		.secret_key = s->secret_key,
		.region = s->region,
		.host = s->bind,
		.port = s->port,
		.tls = s->tls,
		.ca_path = s->ca_path,
	};

	return s3d_seed_write_env(&env, dir, err);
}
