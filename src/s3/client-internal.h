/*
 * client-internal.h: what s3/client.c (calls, signing, small operations)
 * shares with s3/transfer.c (downloads, uploads, recursive deletes).
 * Not a public header: nothing outside src/s3 includes it.
 */
#ifndef DATALAB_S3_CLIENT_INTERNAL_H
#define DATALAB_S3_CLIENT_INTERNAL_H

#include "datalab/s3/client.h"
#include "datalab/s3/sigv4.h"

#define S3_META_TIMEOUT_MS 120000L	/* a listing, a HEAD, a policy: not a transfer */

struct s3 {
	struct loop *loop;
	struct http *http;
	struct s3_config cfg;
	char *scheme;		/* "http" | "https" */
	char *hostport;		/* as written in the endpoint */
	char *host;		/* the Host header: hostport without a default port */
	char *base;		/* a base path of the endpoint ("" or "/s3") */
	struct http_tls tls;
	struct s3_call *calls;	/* live calls */
	size_t ncalls;
};

struct s3_call {
	struct s3 *s;
	struct s3_call *prev, *next;
	s3_done_fn *fn;
	s3_progress_fn *progress;
	void *arg;
	char *subject;		/* "bucket/key" as messages name it */
	struct http_request *hr;	/* the request in flight (simple calls) */
	enum s3_doc_kind expect;	/* the XML reply wanted, UNKNOWN for none */
	struct s3_doc doc;
	long status;
	char *code;		/* S3's error code when it failed */
	char *path, *etag;
	uint64_t count, failed;
	uint64_t timer;		/* a deferred finish */
	struct error err;	/* the deferred result */
	bool in_fn, cancelled;
	void *x;		/* an operation's own state (transfer.c) */
	void (*x_free)(struct s3_call *c, bool cancelled);
};

/* The request a call sends; every header listed is signed. */
struct s3_req {
	const char *method;
	const char *bucket, *key;	/* NULL: service or bucket level */
	struct sigv4_param query[8];
	size_t nquery;
	struct sigv4_param headers[6];
	size_t nheaders;
	const void *body;		/* in memory, signed by its sha256 */
	size_t body_len;
	bool has_body;
	long long stream_size;		/* >= 0 with stream_fn: UNSIGNED-PAYLOAD */
	http_read_fn *stream_fn;
	void *stream_arg;
	long timeout_ms;
};

/* s3_request: the signed http request for rq (not started). */
struct http_request *s3_request(struct s3 *s, const struct s3_req *rq, struct error *err);

struct s3_call *s3_call_new(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg);
/* s3_call_finish: runs fn (unless cancelled) and frees c. */
void s3_call_finish(struct s3_call *c, const struct error *err);
/* s3_call_fail_later: finishes c with err from a 0 ms timer, so that fn
 * never runs inside the function that started the call. */
void s3_call_fail_later(struct s3_call *c, const struct error *err);
/* s3_call_send: starts rq for c as its one request; its reply is checked
 * (status, XML of kind c->expect) and c finished.  -1 with err. */
int s3_call_send(struct s3_call *c, const struct s3_req *rq, struct error *err);
/* s3_reply_check: what a finished request means: a transport failure, an
 * error status, an <Error> body (even in a 200), or, when expect is not
 * S3_DOC_UNKNOWN, a 2xx body parsed into doc (released first) that must be
 * of that kind.  Returns 0 on success, else -1 with err and c->code set. */
int s3_reply_check(struct s3_call *c, struct http_request *hr, const struct error *herr, enum s3_doc_kind expect,
		   struct s3_doc *doc, struct error *err);
/* s3_list_fill: the ListObjectsV2 request for o (max holds max-keys). */
void s3_list_fill(struct s3_req *rq, const struct s3_list_opts *o, char max[16]);
/* s3_call_simple: starts a call of one request whose reply must be an XML
 * document of kind expect (S3_DOC_UNKNOWN: any body); NULL with err. */
struct s3_call *s3_call_simple(struct s3 *s, const char *bucket, const char *key, const struct s3_req *rq,
			       enum s3_doc_kind expect, s3_done_fn *fn, void *arg, struct error *err);
/* s3_check_key: refuses keys a request cannot name (NUL, over 1024). */
int s3_check_key(const char *key, struct error *err);

#endif
