/*
 * client.c: S3 calls, their signatures, and the small operations (see
 * client.h); the transfers live in transfer.c.
 *
 * Data flow: an operation fills a struct s3_req (method, bucket, key,
 * query, extra headers, body); s3_request turns it into a URL (path or
 * virtual-host style), the canonical request SigV4 signs (the same
 * decoded path and query), and a net/http request carrying Host,
 * x-amz-date, x-amz-content-sha256, the session token and Authorization.
 * The reply comes back to on_simple_done, which checks it (status,
 * <Error> bodies, the expected XML document), runs the caller's fn while
 * the http reply is still readable, and frees the call.
 *
 * Lifetimes: every live call is on s->calls; s3_cancel unlinks and frees
 * at once unless the call is inside its own fn, where it is only marked.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "client-internal.h"

#define S3_KEY_MAX 1024

/* ---- the client ---- */

struct s3 *s3_new(struct loop *l, struct http *h, const struct s3_config *cfg)
{
	struct s3 *s = xcalloc(1, sizeof(*s));
	const char *ep, *hp;
	size_t n;

	s->loop = l;
	s->http = h;
	s3_config_copy(&s->cfg, cfg);
	ep = s->cfg.endpoint ? s->cfg.endpoint : "https://s3.amazonaws.com";
	hp = strstr(ep, "://");
	s->scheme = hp ? xstrndup(ep, (size_t)(hp - ep)) : xstrdup("https");
	hp = hp ? hp + 3 : ep;
	n = strcspn(hp, "/");
	s->hostport = xstrndup(hp, n);
	s->base = xstrdup(hp + n);
	if ((strcmp(s->scheme, "http") == 0 && str_has_suffix(s->hostport, ":80")) ||
	    (strcmp(s->scheme, "https") == 0 && str_has_suffix(s->hostport, ":443")))
		s->host = xstrndup(s->hostport, strlen(s->hostport) - (s->scheme[4] == 's' ? 4 : 3));
	else
		s->host = xstrdup(s->hostport);
	s->tls.ca_file = s->cfg.ca_file;
	s->tls.insecure = s->cfg.insecure;
	return s;
}

void s3_free(struct s3 *s)
{
	if (!s)
		return;
	while (s->calls)
		s3_cancel(s->calls);
	s3_config_release(&s->cfg);
	free(s->scheme);
	free(s->hostport);
	free(s->host);
	free(s->base);
	free(s);
}

const struct s3_config *s3_get_config(const struct s3 *s)
{
	return &s->cfg;
}

size_t s3_live_calls(const struct s3 *s)
{
	return s->ncalls;
}

/* ---- calls ---- */

struct s3_call *s3_call_new(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg)
{
	struct s3_call *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->fn = fn;
	c->arg = arg;
	c->subject = key && *key ? xasprintf("%s/%s", bucket, key) : xstrdup(bucket ? bucket : s->hostport);
	c->next = s->calls;
	if (s->calls)
		s->calls->prev = c;
	s->calls = c;
	s->ncalls++;
	return c;
}

static void call_free(struct s3_call *c)
{
	struct s3 *s = c->s;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->ncalls--;
	if (c->timer)
		loop_del_timer(s->loop, c->timer);
	s3_xml_release(&c->doc);
	free(c->subject);
	free(c->code);
	free(c->path);
	free(c->etag);
	free(c);
}

void s3_cancel(struct s3_call *c)
{
	if (!c || c->cancelled)
		return;
	c->cancelled = true;
	if (c->x_free) {
		c->x_free(c, true);
		c->x_free = NULL;
	}
	if (c->hr) {
		http_cancel(c->hr);
		c->hr = NULL;
	}
	if (!c->in_fn)
		call_free(c);
}

void s3_call_finish(struct s3_call *c, const struct error *err)
{
	if (c->x_free) {
		c->x_free(c, false);
		c->x_free = NULL;
	}
	if (!c->cancelled && c->fn) {
		c->in_fn = true;
		c->fn(c, err, c->arg);
		c->in_fn = false;
	}
	c->hr = NULL;	/* net/http frees it after its on_done */
	call_free(c);
}

static long fail_due(struct loop *l, void *arg)
{
	struct s3_call *c = arg;

	(void)l;
	c->timer = 0;
	s3_call_finish(c, &c->err);
	return LOOP_NOMORE;
}

void s3_call_fail_later(struct s3_call *c, const struct error *err)
{
	c->err = *err;
	if (!c->timer)
		c->timer = loop_add_timer(c->s->loop, 0, fail_due, c);
}

const struct s3_doc *s3_call_doc(const struct s3_call *c)
{
	return &c->doc;
}

const struct buf *s3_call_body(const struct s3_call *c)
{
	static const struct buf empty = BUF_INIT;

	return c->hr ? http_body(c->hr) : &empty;
}

long s3_call_status(const struct s3_call *c)
{
	return c->status;
}

const char *s3_call_header(const struct s3_call *c, const char *name)
{
	return c->hr ? http_header(c->hr, name) : NULL;
}

const char *s3_call_code(const struct s3_call *c)
{
	return c->code;
}

const char *s3_call_path(const struct s3_call *c)
{
	return c->path;
}

const char *s3_call_etag(const struct s3_call *c)
{
	return c->etag;
}

uint64_t s3_call_count(const struct s3_call *c, uint64_t *failed)
{
	if (failed)
		*failed = c->failed;
	return c->count;
}

/* ---- errors ---- */

static int status_code(long status)
{
	switch (status) {
	case 400: return ERR_INVALID;
	case 401: return ERR_AUTH;
	case 403: return ERR_FORBIDDEN;
	case 404: return ERR_NOT_FOUND;
	case 409: return ERR_CONFLICT;
	default: return ERR_HTTP;
	}
}

int s3_error_sentence(struct error *err, long status, const struct s3_doc *doc, const char *subject, const char *host)
{
	const char *code = doc && doc->kind == S3_DOC_ERROR ? doc->error.code : NULL;
	const char *msg = doc && doc->kind == S3_DOC_ERROR && doc->error.message ? doc->error.message : "";
	int ecode = status_code(status), rc;

	if (!code || !*code) {
		if (status == 403)
			rc = error_set(err, ERR_FORBIDDEN, "access denied to '%.150s' (HTTP 403)", subject);
		else if (status == 404)
			rc = error_set(err, ERR_NOT_FOUND, "'%.150s' does not exist (HTTP 404)", subject);
		else if (status >= 500)
			rc = error_set(err, ERR_HTTP, "S3 at '%.100s' failed on '%.100s' (HTTP %ld)", host, subject,
				       status);
		else
			rc = error_set(err, ecode, "S3 at '%.100s' answered HTTP %ld for '%.100s'", host, status,
				       subject);
	} else if (!strcmp(code, "AccessDenied") || !strcmp(code, "AllAccessDisabled")) {
		rc = error_set(err, ERR_FORBIDDEN, "access denied to '%.150s' (%.40s)", subject, code);
	} else if (!strcmp(code, "SignatureDoesNotMatch")) {
		rc = error_set(err, ERR_AUTH, "S3 at '%.80s' rejected the signature for '%.80s': check the secret "
			       "key (SignatureDoesNotMatch)", host, subject);
	} else if (!strcmp(code, "InvalidAccessKeyId")) {
		rc = error_set(err, ERR_AUTH, "S3 at '%.100s' does not know the access key (InvalidAccessKeyId)", host);
	} else if (!strcmp(code, "RequestTimeTooSkewed")) {
		rc = error_set(err, ERR_AUTH, "this machine's clock is over 15 minutes off the time of S3 at '%.100s' "
			       "(RequestTimeTooSkewed)", host);
	} else if (!strcmp(code, "ExpiredToken") || !strcmp(code, "TokenRefreshRequired") ||
		   !strcmp(code, "InvalidToken")) {
		rc = error_set(err, ERR_AUTH, "the S3 session token is no longer valid: get new keys (%.40s)", code);
	} else if (!strcmp(code, "NoSuchKey")) {
		rc = error_set(err, ERR_NOT_FOUND, "no object '%.150s' (NoSuchKey)", subject);
	} else if (!strcmp(code, "NoSuchBucket")) {
		const char *b = doc->error.bucket && *doc->error.bucket ? doc->error.bucket : subject;

		rc = error_set(err, ERR_NOT_FOUND, "no bucket '%.*s' (NoSuchBucket)", (int)strcspn(b, "/"), b);
	} else if (!strcmp(code, "NoSuchUpload")) {
		rc = error_set(err, ERR_NOT_FOUND, "the multipart upload of '%.150s' is gone (NoSuchUpload)", subject);
	} else if (!strcmp(code, "NoSuchBucketPolicy")) {
		rc = error_set(err, ERR_NOT_FOUND, "bucket '%.*s' has no policy (NoSuchBucketPolicy)",
			       (int)strcspn(subject, "/"), subject);
	} else if (!strcmp(code, "BucketNotEmpty")) {
		rc = error_set(err, ERR_CONFLICT, "bucket '%.150s' is not empty (BucketNotEmpty)", subject);
	} else if (status >= 500 || !strcmp(code, "SlowDown") || !strcmp(code, "InternalError") ||
		   !strcmp(code, "ServiceUnavailable")) {
		rc = error_set(err, ERR_HTTP, "S3 at '%.80s' failed on '%.80s': %.60s (%.40s, HTTP %ld)", host,
			       subject, msg, code, status);
	} else {
		rc = error_set(err, status < 300 ? ERR_HTTP : ecode, "'%.120s': %.80s (%.40s)", subject,
			       *msg ? msg : "refused", code);
	}
	if (err)
		err->status = (int)status;
	return rc;
}

int s3_reply_check(struct s3_call *c, struct http_request *hr, const struct error *herr, enum s3_doc_kind expect,
		   struct s3_doc *doc, struct error *err)
{
	const struct buf *body = http_body(hr);
	struct error perr;
	long status = http_status(hr);

	c->status = status;
	s3_xml_release(doc);
	if (herr && herr->code != ERR_NONE) {
		*err = *herr;
		return -1;
	}
	if (status < 200 || status > 299 || (expect != S3_DOC_UNKNOWN && body->len)) {
		/* error bodies, and XML replies: a 200 may carry an <Error> */
		if (body->len && s3_xml_parse(body->data, body->len, doc, &perr) < 0 && status >= 200 &&
		    status <= 299)
			return error_set(err, ERR_PARSE, "malformed reply from S3 at '%.80s' for '%.80s': %.80s",
					 c->s->hostport, c->subject, perr.msg);
	}
	if (doc->kind == S3_DOC_ERROR || status < 200 || status > 299) {
		free(c->code);
		c->code = doc->kind == S3_DOC_ERROR && doc->error.code ? xstrdup(doc->error.code) : NULL;
		return s3_error_sentence(err, status < 200 || status > 299 ? status : 200, doc, c->subject,
					 c->s->hostport);
	}
	if (expect != S3_DOC_UNKNOWN && doc->kind != expect)
		return error_set(err, ERR_PARSE, "S3 at '%.80s' answered <%.40s> where <%.40s> was expected",
				 c->s->hostport, doc->root ? doc->root : "nothing", s3_xml_kind_name(expect));
	return 0;
}

int s3_check_key(const char *key, struct error *err)
{
	if (!key || !*key)
		return error_set(err, ERR_INVALID, "an object needs a name");
	if (strlen(key) > S3_KEY_MAX)
		return error_set(err, ERR_INVALID, "object names are at most %d bytes", S3_KEY_MAX);
	return 0;
}

/* ---- requests ---- */

/* One key as a URL path: each segment encoded once; "." and ".."
 * segments as %2E so no client or proxy folds them away. */
static void encode_key(struct buf *out, const char *key)
{
	const char *p = key;

	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 1 && p[0] == '.')
			buf_adds(out, "%2E");
		else if (n == 2 && p[0] == '.' && p[1] == '.')
			buf_adds(out, "%2E%2E");
		else
			sigv4_uri_encode(out, p, n, false);
		if (!p[n])
			break;
		buf_addc(out, '/');
		p += n + 1;
	}
}

struct http_request *s3_request(struct s3 *s, const struct s3_req *rq, struct error *err)
{
	bool virt = rq->bucket && s3_config_virtual_host(&s->cfg, rq->bucket);
	struct buf url, path, host, auth;
	struct sigv4_param hdrs[12];
	struct sigv4_request sr;
	char date[17], hash[65];
	struct http_request *r;
	size_t nh = 0;
	bool anonymous = !s->cfg.access_key;

	buf_init(&url, 0);
	buf_init(&path, 0);
	buf_init(&host, 0);
	buf_init(&auth, 0);
	/* the decoded path SigV4 signs, and the encoded one sent */
	buf_adds(&path, s->base);
	buf_addf(&url, "%s://%s%s%s", s->scheme, virt ? rq->bucket : "", virt ? "." : "", s->hostport);
	buf_adds(&url, s->base);
	if (rq->bucket && !virt) {
		buf_addf(&path, "/%s", rq->bucket);
		buf_addc(&url, '/');
		sigv4_uri_encode(&url, rq->bucket, strlen(rq->bucket), false);
	}
	if (rq->key) {
		buf_addf(&path, "/%s", rq->key);
		buf_addc(&url, '/');
		encode_key(&url, rq->key);
	}
	if (!path.len)
		buf_addc(&path, '/');
	if ((!rq->bucket || virt) && !rq->key && !*s->base)
		buf_addc(&url, '/');
	for (size_t i = 0; i < rq->nquery; i++) {
		const char *v = rq->query[i].value;

		buf_addc(&url, i ? '&' : '?');
		sigv4_uri_encode(&url, rq->query[i].name, strlen(rq->query[i].name), false);
		if (v) {
			buf_addc(&url, '=');
			sigv4_uri_encode(&url, v, strlen(v), false);
		}
	}
	if (virt)
		buf_addf(&host, "%s.%s", rq->bucket, s->host);
	else
		buf_adds(&host, s->host);

	r = http_request_new(rq->method, url.data);
	http_request_header(r, "Host: %s", host.data);
	if (rq->has_body)
		sigv4_sha256_hex(rq->body, rq->body_len, hash);
	else
		str_copy(hash, rq->stream_fn ? SIGV4_UNSIGNED : SIGV4_EMPTY_SHA256, sizeof(hash));
	for (size_t i = 0; i < rq->nheaders; i++) {
		http_request_header(r, "%s: %s", rq->headers[i].name, rq->headers[i].value);
		hdrs[nh++] = rq->headers[i];
	}
	if (!anonymous) {
		sigv4_amz_date((int64_t)time(NULL), date);
		hdrs[nh++] = (struct sigv4_param){ "host", host.data };
		hdrs[nh++] = (struct sigv4_param){ "x-amz-date", date };
		hdrs[nh++] = (struct sigv4_param){ "x-amz-content-sha256", hash };
		if (s->cfg.session_token)
			hdrs[nh++] = (struct sigv4_param){ "x-amz-security-token", s->cfg.session_token };
		memset(&sr, 0, sizeof(sr));
		sr.method = rq->method;
		sr.path = path.data;
		sr.query = rq->query;
		sr.nquery = rq->nquery;
		sr.headers = hdrs;
		sr.nheaders = nh;
		sr.payload_hash = hash;
		sr.amz_date = date;
		sr.region = s->cfg.region;
		if (sigv4_authorization(&sr, s->cfg.access_key, s->cfg.secret_key, &auth) < 0) {
			error_set(err, ERR_INVALID, "unable to sign the request for '%.150s'", path.data);
			http_request_free(r);
			r = NULL;
			goto out;
		}
		http_request_header(r, "x-amz-date: %s", date);
		http_request_header(r, "x-amz-content-sha256: %s", hash);
		if (s->cfg.session_token)
			http_request_header(r, "x-amz-security-token: %s", s->cfg.session_token);
		http_request_header(r, "Authorization: %s", auth.data);
	}
	if (rq->has_body)
		http_request_body(r, rq->body, rq->body_len);
	else if (rq->stream_fn)
		http_request_body_cb(r, rq->stream_size, rq->stream_fn, rq->stream_arg);
	else if (!strcmp(rq->method, "PUT") || !strcmp(rq->method, "POST"))
		http_request_body(r, "", 0);	/* Content-Length: 0, S3 wants one */
	if (s->tls.ca_file || s->tls.insecure)
		http_request_tls(r, &s->tls);
	if (rq->timeout_ms)
		http_request_timeout(r, rq->timeout_ms);
out:
	buf_release(&url);
	buf_release(&path);
	buf_release(&host);
	buf_release(&auth);
	return r;
}

static void on_simple_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct s3_call *c = arg;
	struct error err;

	error_clear(&err);
	s3_reply_check(c, hr, herr, c->expect, &c->doc, &err);
	c->hr = hr;	/* readable in fn (headers, body) */
	s3_call_finish(c, &err);
}

int s3_call_send(struct s3_call *c, const struct s3_req *rq, struct error *err)
{
	struct http_request *hr = s3_request(c->s, rq, err);

	if (!hr)
		return -1;
	http_request_on_done(hr, on_simple_done, c);
	c->hr = hr;
	if (http_start(c->s->http, hr, err) < 0) {
		c->hr = NULL;
		return -1;
	}
	return 0;
}

/* Starts a one-request call, or returns NULL with err (c freed). */
struct s3_call *s3_call_simple(struct s3 *s, const char *bucket, const char *key, const struct s3_req *rq,
			       enum s3_doc_kind expect, s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_call *c = s3_call_new(s, bucket, key, fn, arg);

	c->expect = expect;
	if (s3_call_send(c, rq, err) < 0) {
		c->cancelled = true;
		call_free(c);
		return NULL;
	}
	return c;
}

/* ---- small operations ---- */

struct s3_call *s3_list_buckets(struct s3 *s, s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_req rq = { .method = "GET", .timeout_ms = S3_META_TIMEOUT_MS };

	return s3_call_simple(s, NULL, NULL, &rq, S3_DOC_BUCKETS, fn, arg, err);
}

void s3_list_fill(struct s3_req *rq, const struct s3_list_opts *o, char max[16])
{
	memset(rq, 0, sizeof(*rq));
	rq->method = "GET";
	rq->bucket = o->bucket;
	rq->timeout_ms = S3_META_TIMEOUT_MS;
	rq->query[rq->nquery++] = (struct sigv4_param){ "list-type", "2" };
	rq->query[rq->nquery++] = (struct sigv4_param){ "encoding-type", "url" };
	rq->query[rq->nquery++] = (struct sigv4_param){ "prefix", o->prefix ? o->prefix : "" };
	if (o->delimiter)
		rq->query[rq->nquery++] = (struct sigv4_param){ "delimiter", o->delimiter };
	if (o->token)
		rq->query[rq->nquery++] = (struct sigv4_param){ "continuation-token", o->token };
	if (o->start_after)
		rq->query[rq->nquery++] = (struct sigv4_param){ "start-after", o->start_after };
	if (o->max_keys > 0) {
		snprintf(max, 16, "%d", o->max_keys > 1000 ? 1000 : o->max_keys);
		rq->query[rq->nquery++] = (struct sigv4_param){ "max-keys", max };
	}
}

struct s3_call *s3_list_objects(struct s3 *s, const struct s3_list_opts *o, s3_done_fn *fn, void *arg,
				struct error *err)
{
	struct s3_req rq;
	char max[16];

	if (!o->bucket || !*o->bucket)
		return error_set(err, ERR_INVALID, "a listing needs a bucket"), NULL;
	s3_list_fill(&rq, o, max);
	return s3_call_simple(s, o->bucket, o->prefix, &rq, S3_DOC_LISTING, fn, arg, err);
}

struct s3_call *s3_head_object(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg,
			       struct error *err)
{
	struct s3_req rq = { .method = "HEAD", .bucket = bucket, .key = key, .timeout_ms = S3_META_TIMEOUT_MS };

	if (s3_check_key(key, err) < 0)
		return NULL;
	return s3_call_simple(s, bucket, key, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

struct s3_call *s3_get_range(struct s3 *s, const char *bucket, const char *key, uint64_t first, uint64_t last,
			     s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_req rq = { .method = "GET", .bucket = bucket, .key = key, .timeout_ms = S3_META_TIMEOUT_MS };
	char range[64];

	if (s3_check_key(key, err) < 0)
		return NULL;
	if (last < first || last - first >= HTTP_MAX_BODY)
		return error_set(err, ERR_INVALID, "bad byte range %llu-%llu", (unsigned long long)first,
				 (unsigned long long)last), NULL;
	snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)first, (unsigned long long)last);
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "range", range };
	return s3_call_simple(s, bucket, key, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

struct s3_call *s3_delete_object(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg,
				 struct error *err)
{
	struct s3_req rq = { .method = "DELETE", .bucket = bucket, .key = key, .timeout_ms = S3_META_TIMEOUT_MS };

	if (s3_check_key(key, err) < 0)
		return NULL;
	return s3_call_simple(s, bucket, key, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

struct s3_call *s3_copy_object(struct s3 *s, const char *src_bucket, const char *src_key, const char *dst_bucket,
			       const char *dst_key, s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_req rq = { .method = "PUT", .bucket = dst_bucket, .key = dst_key, .timeout_ms = 0 };
	struct buf src;
	struct s3_call *c;

	if (s3_check_key(src_key, err) < 0 || s3_check_key(dst_key, err) < 0)
		return NULL;
	buf_init(&src, 0);
	buf_addc(&src, '/');
	sigv4_uri_encode(&src, src_bucket, strlen(src_bucket), false);
	buf_addc(&src, '/');
	sigv4_uri_encode(&src, src_key, strlen(src_key), true);
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "x-amz-copy-source", src.data };
	c = s3_call_simple(s, dst_bucket, dst_key, &rq, S3_DOC_COPY, fn, arg, err);
	buf_release(&src);
	return c;
}

struct s3_call *s3_get_policy(struct s3 *s, const char *bucket, s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_req rq = { .method = "GET", .bucket = bucket, .timeout_ms = S3_META_TIMEOUT_MS };

	rq.query[rq.nquery++] = (struct sigv4_param){ "policy", NULL };
	return s3_call_simple(s, bucket, NULL, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

struct s3_call *s3_put_policy(struct s3 *s, const char *bucket, const char *json, s3_done_fn *fn, void *arg,
			      struct error *err)
{
	struct s3_req rq = { .method = "PUT", .bucket = bucket, .timeout_ms = S3_META_TIMEOUT_MS };

	rq.query[rq.nquery++] = (struct sigv4_param){ "policy", NULL };
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-type", "application/json" };
	rq.body = json;
	rq.body_len = strlen(json);
	rq.has_body = true;
	return s3_call_simple(s, bucket, NULL, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

struct s3_call *s3_delete_policy(struct s3 *s, const char *bucket, s3_done_fn *fn, void *arg, struct error *err)
{
	struct s3_req rq = { .method = "DELETE", .bucket = bucket, .timeout_ms = S3_META_TIMEOUT_MS };

	rq.query[rq.nquery++] = (struct sigv4_param){ "policy", NULL };
	return s3_call_simple(s, bucket, NULL, &rq, S3_DOC_UNKNOWN, fn, arg, err);
}

/* The object's URL without a query, and the decoded path SigV4 signs. */
static void object_url(struct s3 *s, const char *bucket, const char *key, struct buf *url, struct buf *path,
		       struct buf *host)
{
	bool virt = s3_config_virtual_host(&s->cfg, bucket);

	buf_addf(url, "%s://%s%s%s%s", s->scheme, virt ? bucket : "", virt ? "." : "", s->hostport, s->base);
	buf_adds(path, s->base);
	if (!virt) {
		buf_addc(url, '/');
		sigv4_uri_encode(url, bucket, strlen(bucket), false);
		buf_addf(path, "/%s", bucket);
	}
	buf_addc(url, '/');
	encode_key(url, key);
	buf_addf(path, "/%s", key);
	if (virt)
		buf_addf(host, "%s.%s", bucket, s->host);
	else
		buf_adds(host, s->host);
}

int s3_presign_get(struct s3 *s, const char *bucket, const char *key, long expires, int64_t now, struct buf *url,
		   struct error *err)
{
	struct buf path, host, q;
	struct sigv4_request sr;
	char date[17];
	int rc = 0;

	if (s3_check_key(key, err) < 0)
		return -1;
	if (!s->cfg.access_key)
		return error_set(err, ERR_INVALID, "sharing needs S3 keys: these credentials are anonymous");
	if (expires < 1 || expires > 604800)
		return error_set(err, ERR_INVALID, "a shared link lasts 1 second to 7 days, not %ld seconds", expires);
	buf_init(&path, 0);
	buf_init(&host, 0);
	buf_init(&q, 0);
	object_url(s, bucket, key, url, &path, &host);
	sigv4_amz_date(now, date);
	memset(&sr, 0, sizeof(sr));
	sr.method = "GET";
	sr.path = path.data;
	sr.amz_date = date;
	sr.region = s->cfg.region;
	if (sigv4_presign(&sr, host.data, s->cfg.access_key, s->cfg.secret_key, s->cfg.session_token, expires, &q) < 0)
		rc = error_set(err, ERR_INVALID, "unable to presign '%.100s/%.100s'", bucket, key);
	else
		buf_addf(url, "?%s", q.data);
	buf_release(&path);
	buf_release(&host);
	buf_release(&q);
	return rc;
}

int s3_object_url(struct s3 *s, const char *bucket, const char *key, struct buf *url)
{
	struct buf path, host;

	buf_init(&path, 0);
	buf_init(&host, 0);
	object_url(s, bucket, key, url, &path, &host);
	buf_release(&path);
	buf_release(&host);
	return 0;
}
