/*
 * http.h: HTTP on curl_multi, driven by the core loop.
 *
 * One struct http per loop owns a curl multi handle: curl's sockets are
 * watched with loop_watch_fd and its timer is a loop timer, as curl's
 * docs/examples/multi-event.c does with libevent.  Connections (and HTTP/2
 * streams) are reused across requests.
 *
 * A request is built, then handed to http_start, which owns it from then
 * on.  The caller keeps the pointer as a handle: it stays valid until
 * on_done returns or until the caller's http_cancel, whichever comes first.
 * on_done runs exactly once unless the request is cancelled (then never).
 * http_cancel is safe anywhere, including inside this request's callbacks.
 *
 * Response bodies are either collected into a capped buffer (read with
 * http_body in on_done) or, with http_request_stream, handed out in
 * chunks as they arrive, for endless bodies (watches, followed logs).
 * A streaming request whose status is not 2xx has its body collected
 * instead, so on_done can read the error.
 */
#ifndef DATALAB_NET_HTTP_H
#define DATALAB_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"

struct http;
struct http_request;

/* TLS settings; every field optional.  Blobs are PEM.  Copied on use. */
struct http_tls {
	const char *ca_file;
	const void *ca_data;
	size_t ca_len;
	const char *cert_file;
	const void *cert_data;
	size_t cert_len;
	const char *key_file;
	const void *key_data;
	size_t key_len;
	bool insecure;			/* skip peer and host verification */
	const char *server_name;	/* verify (and send SNI for) this name */
};

#define HTTP_MAX_BODY (64u * 1024 * 1024)
#define HTTP_CONNECT_TIMEOUT_MS 10000L

/* on_data: a chunk of a 2xx streaming body; borrowed. */
typedef void http_data_fn(struct http_request *r, const char *p, size_t n, void *arg);
/* on_done: err->code is ERR_NONE when a response arrived (any status; read
 * http_status), else the transport failure worded for users. */
typedef void http_done_fn(struct http_request *r, const struct error *err, void *arg);

struct http *http_new(struct loop *l);
/* http_free: cancels every request without calling back. */
void http_free(struct http *h);
/* http_active: requests started and not yet finished. */
size_t http_active(const struct http *h);

/* http_request_new: method ("GET", "POST", "PATCH", ...) and absolute URL. */
struct http_request *http_request_new(const char *method, const char *url);
/* http_request_header: adds "Name: value" (a header with nothing after the
 * colon removes one curl would send). */
void http_request_header(struct http_request *r, const char *fmt, ...) DL_PRINTF(2, 3);
/* http_request_body: a copy of p[0..n) is sent. */
void http_request_body(struct http_request *r, const void *p, size_t n);
/* http_request_body_file: the file is streamed, not loaded. */
int http_request_body_file(struct http_request *r, const char *path, struct error *err);
/* http_read_fn: copies up to max bytes of the request body into p and
 * returns how many (0 at its end), or -1 to abort the request. */
typedef long http_read_fn(struct http_request *r, char *p, size_t max, void *arg);
/* http_request_body_cb: the body is pulled from fn as curl sends it, size
 * bytes in all (a file range, with a digest or progress kept on the way). */
void http_request_body_cb(struct http_request *r, long long size, http_read_fn *fn, void *arg);
/* http_request_timeout: whole-exchange limit in ms (0 = none, the default). */
void http_request_timeout(struct http_request *r, long ms);
void http_request_connect_timeout(struct http_request *r, long ms);
void http_request_tls(struct http_request *r, const struct http_tls *tls);
/* http_request_max_body: cap of a collected body (default HTTP_MAX_BODY). */
void http_request_max_body(struct http_request *r, size_t max);
void http_request_stream(struct http_request *r, http_data_fn *fn, void *arg);
void http_request_on_done(struct http_request *r, http_done_fn *fn, void *arg);
/* http_request_free: frees a request that was never started. */
void http_request_free(struct http_request *r);

/* http_start: takes ownership of r (even on failure, when it is freed). */
int http_start(struct http *h, struct http_request *r, struct error *err);
/* http_cancel: stops r; no callback runs after it.  NULL is a no-op. */
void http_cancel(struct http_request *r);

/* Response accessors, valid in the callbacks. */
long http_status(const struct http_request *r);
/* http_header: the last value of a response header (case-insensitive), or NULL. */
const char *http_header(const struct http_request *r, const char *name);
const struct buf *http_body(const struct http_request *r);
const char *http_url(const struct http_request *r);
/* http_host: "host:port" of the URL, as error messages name it. */
const char *http_host(const struct http_request *r);

/* http_tls_apply: sets the URL and TLS options on a curl easy handle (net/ws
 * uses it too).  With a server_name the URL's host is swapped for it (so
 * curl verifies and sends SNI for that name), *connect_to routes it to the
 * real host, and a Host header for the real host is added to *headers.
 * The caller frees both lists after curl_easy_cleanup.  Blobs are copied. */
int http_tls_apply(CURL *e, const char *url, const struct http_tls *tls, struct curl_slist **headers,
		   struct curl_slist **connect_to, struct error *err);
/* http_curl_error: a curl failure as a user sentence naming host. */
int http_curl_error(struct error *err, CURLcode rc, const char *host, const char *detail, long timeout_ms);
/* http_host_of: "host:port" (default port by scheme) of url into dst. */
void http_host_of(const char *url, char *dst, size_t size);
/* http_curl_events: what curl's socket callback asks to watch
 * (CURL_POLL_IN/OUT) as LOOP_READ/LOOP_WRITE.  http_curl_flags: what the
 * loop saw on an fd as curl_multi_socket_action's CURL_CSELECT_* flags.
 * net/ws drives its handshake's multi handle with them too. */
unsigned http_curl_events(int what);
int http_curl_flags(unsigned events);

#endif
