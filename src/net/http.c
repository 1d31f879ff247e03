/*
 * http.c: curl_multi on the core loop.
 *
 * Data flow: http_start adds an easy handle to the multi; curl tells us
 * which sockets to watch (on_socket -> loop_watch_fd) and when to wake it
 * (on_timer -> a loop timer).  When the loop reports a socket or the timer,
 * we call curl_multi_socket_action and then drain curl_multi_info_read,
 * calling on_done for each finished transfer.  Body bytes flow through
 * on_write, either to the caller's on_data or into the capped r->body.
 *
 * Lifetimes: curl forbids removing handles from inside its callbacks, and
 * a caller may cancel from anywhere, so a finished or cancelled request is
 * only marked "doomed" and freed by reap() once control is back at the top
 * of an entry point (fd, timer, or a top-level http_cancel).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/core/build.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/net/http.h"

struct http {
	struct loop *loop;
	CURLM *multi;
	uint64_t timer;		/* loop timer id, 0 = none */
	int depth;		/* > 0 while inside our dispatch */
	struct http_request *head;	/* every started request */
	size_t active;
};

struct http_request {
	struct http *h;
	struct http_request *prev, *next;
	CURL *easy;
	char *method, *url;
	char host[300];
	struct curl_slist *headers, *connect_to;
	char *body;
	size_t body_len;
	FILE *body_file;
	long long body_file_size;
	http_read_fn *body_fn;
	void *body_fn_arg;
	long timeout_ms, connect_timeout_ms;
	struct http_tls tls;
	bool has_tls;
	char *tls_strings[5];	/* owned copies behind tls's pointers */
	void *tls_blobs[3];
	size_t max_body;
	http_data_fn *on_data;
	void *data_arg;
	http_done_fn *on_done;
	void *done_arg;
	char errbuf[CURL_ERROR_SIZE];

	long status;
	struct buf resp_headers;	/* "name\0value\0" pairs */
	struct buf body_buf;
	bool started, cancelled, doomed, over_cap;
};

static void reap(struct http *h);

/* ---- requests ---- */

struct http_request *http_request_new(const char *method, const char *url)
{
	struct http_request *r = xcalloc(1, sizeof(*r));

	r->method = xstrdup(method);
	r->url = xstrdup(url);
	r->max_body = HTTP_MAX_BODY;
	r->connect_timeout_ms = HTTP_CONNECT_TIMEOUT_MS;
	http_host_of(url, r->host, sizeof(r->host));
	buf_init(&r->resp_headers, 1024 * 1024);
	buf_init(&r->body_buf, r->max_body);
	return r;
}

void http_request_header(struct http_request *r, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	r->headers = curl_slist_append(r->headers, line);
	free(line);
}

void http_request_body(struct http_request *r, const void *p, size_t n)
{
	free(r->body);
	r->body = xmemdup(p, n);
	r->body_len = n;
}

int http_request_body_file(struct http_request *r, const char *path, struct error *err)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return error_sys(err, "cannot open '%s'", path);
	if (fseeko(f, 0, SEEK_END) != 0 || (r->body_file_size = ftello(f)) < 0 ||
	    fseeko(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return error_sys(err, "cannot read '%s'", path);
	}
	if (r->body_file)
		fclose(r->body_file);
	r->body_file = f;
	return 0;
}

void http_request_body_cb(struct http_request *r, long long size, http_read_fn *fn, void *arg)
{
	r->body_fn = fn;
	r->body_fn_arg = arg;
	r->body_file_size = size;
}

void http_request_timeout(struct http_request *r, long ms)
{
	r->timeout_ms = ms;
}

void http_request_connect_timeout(struct http_request *r, long ms)
{
	r->connect_timeout_ms = ms;
}

static const char *keep_str(struct http_request *r, int i, const char *s)
{
	free(r->tls_strings[i]);
	r->tls_strings[i] = s ? xstrdup(s) : NULL;
	return r->tls_strings[i];
}

static const void *keep_blob(struct http_request *r, int i, const void *p, size_t n)
{
	free(r->tls_blobs[i]);
	r->tls_blobs[i] = p ? xmemdup(p, n) : NULL;
	return r->tls_blobs[i];
}

void http_request_tls(struct http_request *r, const struct http_tls *tls)
{
	r->tls = *tls;
	r->tls.ca_file = keep_str(r, 0, tls->ca_file);
	r->tls.cert_file = keep_str(r, 1, tls->cert_file);
	r->tls.key_file = keep_str(r, 2, tls->key_file);
	r->tls.server_name = keep_str(r, 3, tls->server_name);
	r->tls.ca_data = keep_blob(r, 0, tls->ca_data, tls->ca_len);
	r->tls.cert_data = keep_blob(r, 1, tls->cert_data, tls->cert_len);
	r->tls.key_data = keep_blob(r, 2, tls->key_data, tls->key_len);
	r->has_tls = true;
}

void http_request_max_body(struct http_request *r, size_t max)
{
	r->max_body = max;
	buf_release(&r->body_buf);
	buf_init(&r->body_buf, max);
}

void http_request_stream(struct http_request *r, http_data_fn *fn, void *arg)
{
	r->on_data = fn;
	r->data_arg = arg;
}

void http_request_on_done(struct http_request *r, http_done_fn *fn, void *arg)
{
	r->on_done = fn;
	r->done_arg = arg;
}

void http_request_free(struct http_request *r)
{
	if (!r)
		return;
	if (r->easy) {
		if (r->started)
			curl_multi_remove_handle(r->h->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->connect_to);
	if (r->body_file)
		fclose(r->body_file);
	for (size_t i = 0; i < DL_ARRAY_LEN(r->tls_strings); i++)
		free(r->tls_strings[i]);
	for (size_t i = 0; i < DL_ARRAY_LEN(r->tls_blobs); i++)
		free(r->tls_blobs[i]);
	buf_release(&r->resp_headers);
	buf_release(&r->body_buf);
	free(r->body);
	free(r->method);
	free(r->url);
	free(r);
}

long http_status(const struct http_request *r)
{
	return r->status;
}

const char *http_header(const struct http_request *r, const char *name)
{
	const char *p = r->resp_headers.data, *end = p + r->resp_headers.len, *found = NULL;

	while (p < end) {
		const char *value = p + strlen(p) + 1;

		if (strcasecmp(p, name) == 0)
			found = value;
		p = value + strlen(value) + 1;
	}
	return found;
}

const struct buf *http_body(const struct http_request *r)
{
	return &r->body_buf;
}

const char *http_url(const struct http_request *r)
{
	return r->url;
}

const char *http_host(const struct http_request *r)
{
	return r->host;
}

void http_host_of(const char *url, char *dst, size_t size)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(dst, size, "%s:%s", host, port);
	else
		snprintf(dst, size, "%s", url);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* ---- curl callbacks (h->depth > 0 inside them) ---- */

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_request *r = arg;
	size_t len = size * n, k;
	const char *colon;

	if (r->cancelled)
		return 0;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a 100 or a redirect): forget the last */
		buf_reset(&r->resp_headers);
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return len;
	k = (size_t)(colon - p);
	colon++;
	while (colon < p + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	if (buf_add(&r->resp_headers, p, k) != 0 || buf_addc(&r->resp_headers, '\0') != 0 ||
	    buf_add(&r->resp_headers, colon, (size_t)(p + len - colon)) != 0 ||
	    buf_addc(&r->resp_headers, '\0') != 0)
		return 0;
	return size * n;
}

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_request *r = arg;
	size_t len = size * n;

	if (r->cancelled)
		return 0;
	if (r->status == 0)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->on_data && r->status >= 200 && r->status < 300) {
		r->on_data(r, p, len, r->data_arg);
		return r->cancelled ? 0 : len;
	}
	if (buf_add(&r->body_buf, p, len) != 0) {
		r->over_cap = true;
		return 0;
	}
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	struct http_request *r = arg;
	size_t got;

	if (r->body_fn) {
		long k = r->cancelled ? -1 : r->body_fn(r, p, size * n, r->body_fn_arg);

		return k < 0 || r->cancelled ? CURL_READFUNC_ABORT : (size_t)k;
	}
	got = fread(p, size, n, r->body_file);

	if (got == 0 && ferror(r->body_file))
		return CURL_READFUNC_ABORT;
	return got;
}

static void process(struct http *h, curl_socket_t fd, int flags);

unsigned http_curl_events(int what)
{
	return (what & CURL_POLL_IN ? LOOP_READ : 0) | (what & CURL_POLL_OUT ? LOOP_WRITE : 0);
}

int http_curl_flags(unsigned events)
{
	return (events & LOOP_READ ? CURL_CSELECT_IN : 0) | (events & LOOP_WRITE ? CURL_CSELECT_OUT : 0) |
	       (events & LOOP_ERROR ? CURL_CSELECT_ERR : 0);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	process(arg, fd, http_curl_flags(events));
}

static long on_timer(struct loop *l, void *arg)
{
	struct http *h = arg;

	(void)l;
	h->timer = 0;
	process(h, CURL_SOCKET_TIMEOUT, 0);
	return LOOP_NOMORE;
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct http *h = arg;

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		loop_unwatch_fd(h->loop, fd);
		return 0;
	}
	loop_watch_fd(h->loop, fd, http_curl_events(what), on_fd, h);
	return 0;
}

static int on_curl_timer(CURLM *m, long ms, void *arg)
{
	struct http *h = arg;

	(void)m;
	if (h->timer)
		loop_del_timer(h->loop, h->timer);
	h->timer = 0;
	if (ms >= 0)
		h->timer = loop_add_timer(h->loop, ms, on_timer, h);
	return 0;
}

/* ---- errors ---- */

int http_curl_error(struct error *err, CURLcode rc, const char *host, const char *detail, long timeout_ms)
{
	const char *d = detail && *detail ? detail : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return error_set(err, ERR_NET, "connection refused to '%s'", host);
	case CURLE_COULDNT_RESOLVE_HOST:
		return error_set(err, ERR_NET, "cannot resolve the host of '%s'", host);
	case CURLE_COULDNT_RESOLVE_PROXY:
		return error_set(err, ERR_NET, "cannot resolve the proxy for '%s'", host);
	case CURLE_OPERATION_TIMEDOUT:
		if (timeout_ms > 0)
			return error_set(err, ERR_TIMEOUT, "no answer from '%s' within %ld s", host,
					 (timeout_ms + 999) / 1000);
		return error_set(err, ERR_TIMEOUT, "timed out talking to '%s'", host);
	case CURLE_PEER_FAILED_VERIFICATION:
		return error_set(err, ERR_NET, "TLS: cannot verify the certificate of '%s': %s", host, d);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
		return error_set(err, ERR_NET, "TLS with '%s' failed: %s", host, d);
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return error_set(err, ERR_NET, "connection to '%s' dropped: %s", host, d);
	default:
		return error_set(err, ERR_NET, "request to '%s' failed: %s", host, d);
	}
}

static void finish(struct http_request *r, CURLcode rc)
{
	struct error err;

	error_clear(&err);
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->over_cap)
		error_set(&err, ERR_LIMIT, "response from '%s' is over %zu bytes", r->host, r->max_body);
	else if (rc != CURLE_OK)
		http_curl_error(&err, rc, r->host, r->errbuf, r->timeout_ms);
	r->doomed = true;
	if (!r->cancelled && r->on_done)
		r->on_done(r, &err, r->done_arg);
	r->cancelled = true;	/* on_done ran: nothing else may */
}

static void drain(struct http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct http_request *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r && !r->doomed)
			finish(r, m->data.result);
	}
}

static void process(struct http *h, curl_socket_t fd, int flags)
{
	int running;

	h->depth++;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	drain(h);
	h->depth--;
	if (h->depth == 0)
		reap(h);
}

static void unlink_request(struct http *h, struct http_request *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	h->active--;
}

static void reap(struct http *h)
{
	struct http_request *r = h->head, *next;

	for (; r; r = next) {
		next = r->next;
		if (!r->doomed)
			continue;
		unlink_request(h, r);
		http_request_free(r);
	}
}

/* ---- the multi ---- */

struct http *http_new(struct loop *l)
{
	struct http *h = xcalloc(1, sizeof(*h));
	static bool inited;

	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	h->loop = l;
	h->multi = curl_multi_init();
	if (!h->multi)
		fatal("curl_multi_init failed");
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return h;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	for (struct http_request *r = h->head; r; r = r->next)
		r->doomed = true;
	reap(h);
	curl_multi_cleanup(h->multi);
	if (h->timer)
		loop_del_timer(h->loop, h->timer);
	free(h);
}

size_t http_active(const struct http *h)
{
	return h->active;
}

int http_tls_apply(CURL *e, const char *url, const struct http_tls *tls, struct curl_slist **headers,
		   struct curl_slist **connect_to, struct error *err)
{
	if (tls && tls->server_name && *tls->server_name) {
		CURLU *u = curl_url();
		char *host = NULL, *port = NULL, *newurl = NULL, *line;

		if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_HOST, tls->server_name, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_URL, &newurl, 0) != CURLUE_OK) {
			curl_free(host);
			curl_free(port);
			curl_url_cleanup(u);
			return error_set(err, ERR_INVALID, "invalid URL '%s'", url);
		}
		line = xasprintf("%s:%s:%s:%s", tls->server_name, port, host, port);
		*connect_to = curl_slist_append(*connect_to, line);
		free(line);
		line = xasprintf("Host: %s:%s", host, port);
		*headers = curl_slist_append(*headers, line);
		free(line);
		curl_easy_setopt(e, CURLOPT_URL, newurl);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, *connect_to);
		curl_free(host);
		curl_free(port);
		curl_free(newurl);
		curl_url_cleanup(u);
	} else if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK) {
		return error_set(err, ERR_INVALID, "invalid URL '%s'", url);
	}
	if (!tls)
		return 0;
	if (tls->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (tls->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file);
	if (tls->ca_data) {
		struct curl_blob b = { (void *)tls->ca_data, tls->ca_len, CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	}
	if (tls->cert_file)
		curl_easy_setopt(e, CURLOPT_SSLCERT, tls->cert_file);
	if (tls->cert_data) {
		struct curl_blob b = { (void *)tls->cert_data, tls->cert_len, CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (tls->key_file)
		curl_easy_setopt(e, CURLOPT_SSLKEY, tls->key_file);
	if (tls->key_data) {
		struct curl_blob b = { (void *)tls->key_data, tls->key_len, CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	return 0;
}

int http_start(struct http *h, struct http_request *r, struct error *err)
{
	CURL *e = curl_easy_init();
	CURLMcode mc;

	if (!e) {
		http_request_free(r);
		return error_set(err, ERR_NET, "cannot create a curl handle");
	}
	r->easy = e;
	r->h = h;
	if (http_tls_apply(e, r->url, r->has_tls ? &r->tls : NULL, &r->headers, &r->connect_to, err) != 0) {
		http_request_free(r);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	{
		char ua[96];

		snprintf(ua, sizeof(ua), "datalab/%s", build_version());
		curl_easy_setopt(e, CURLOPT_USERAGENT, ua);	/* curl keeps a copy */
	}
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
	if (r->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	/* a dead peer on an idle watch is found by TCP keepalive */
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
	if (strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(r->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body_file || r->body_fn) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_file_size);
	} else if (r->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	}
	/* no 100-continue round trip: API servers answer at once */
	r->headers = curl_slist_append(r->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	mc = curl_multi_add_handle(h->multi, e);
	if (mc != CURLM_OK) {
		http_request_free(r);
		return error_set(err, ERR_NET, "cannot start a request: %s", curl_multi_strerror(mc));
	}
	r->started = true;
	r->next = h->head;
	if (h->head)
		h->head->prev = r;
	h->head = r;
	h->active++;
	return 0;
}

void http_cancel(struct http_request *r)
{
	struct http *h;

	if (!r || r->cancelled)
		return;
	if (!r->started) {
		http_request_free(r);
		return;
	}
	h = r->h;
	r->cancelled = true;
	r->doomed = true;
	if (h->depth == 0)
		reap(h);
}
