/*
 * ws-handshake.c: connecting and upgrading (see ws-internal.h).
 *
 * A private curl multi drives the CONNECT_ONLY easy handle through TCP and
 * TLS on the loop (its sockets and timer, as net/http does); once curl
 * says the transfer is done, the connected socket is ours: the GET with
 * Upgrade goes out through the send queue, and the reply's headers are
 * checked here (101, Upgrade, Connection, Sec-WebSocket-Accept, a
 * subprotocol that was offered, no extension).  A refused upgrade's body
 * is collected (Content-Length, chunked, or to the close) for the caller
 * to word, since an API server explains itself in a Status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/core/build.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "ws-internal.h"

static const char *header_value(const char *hs, const char *name, char *dst, size_t size)
{
	size_t nl = strlen(name);
	const char *p = strstr(hs, "\r\n");

	while (p && p[2]) {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (!end)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			snprintf(dst, size, "%.*s", (int)(end - v), v);
			str_trim(dst);
			return dst;
		}
		p = end;
	}
	return NULL;
}

static bool has_token(const char *list, const char *token)
{
	char buf[256], *p, *q;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = buf; *p; p = q) {
		size_t n = strcspn(p, ",");

		q = p + n;
		if (*q)
			*q++ = '\0';
		if (strcasecmp(str_trim(p), token) == 0)
			return true;
	}
	return false;
}

/* dechunk: the payload of a chunked body, or -1 while incomplete */
static int dechunk(const char *p, size_t n, struct buf *out)
{
	size_t i = 0;

	for (;;) {
		char *end;
		unsigned long len;
		const char *nl = memchr(p + i, '\n', n - i);

		if (!nl)
			return -1;
		len = strtoul(p + i, &end, 16);
		i = (size_t)(nl - p) + 1;
		if (len == 0)
			return 0;	/* trailers, if any, are of no interest */
		if (len > n - i || n - i - len < 2)
			return -1;
		buf_add(out, p + i, len);
		i += len + 2;
	}
}

void ws_upgrade_refused(struct ws *ws)
{
	struct error err;

	if (ws->chunked) {
		struct buf b = BUF_INIT;

		dechunk(ws->body.data, ws->body.len, &b);
		buf_release(&ws->body);
		ws->body = b;
	}
	error_set(&err, ERR_HTTP, "'%s' refused the WebSocket upgrade (%ld)", ws->host, ws->status);
	err.status = (int)ws->status;
	ws_fail(ws, &err);
}

void ws_body_check(struct ws *ws)
{
	struct buf tmp = BUF_INIT;
	bool done = ws->body_need >= 0 && (long long)ws->body.len >= ws->body_need;

	if (!done && ws->chunked)
		done = dechunk(ws->body.data, ws->body.len, &tmp) == 0;
	buf_release(&tmp);
	if (done)
		ws_upgrade_refused(ws);
}

/* handshake_done: the reply headers are in ws->hs; rest follows them */
void ws_handshake_done(struct ws *ws, const char *rest, size_t nrest)
{
	char v[512], *sp;
	struct error err;
	const char *cl;

	ws->status = strtol((sp = strchr(ws->hs.data, ' ')) ? sp + 1 : "0", NULL, 10);
	if (!str_has_prefix(ws->hs.data, "HTTP/1.") || ws->status < 100 || ws->status > 999) {
		error_set(&err, ERR_PARSE, "'%s' sent no HTTP reply to the WebSocket upgrade", ws->host);
		ws_fail(ws, &err);
		return;
	}
	if (ws->status != 101) {
		ws->state = WS_BODY;
		cl = header_value(ws->hs.data, "Content-Length", v, sizeof(v));
		ws->body_need = cl ? strtoll(cl, NULL, 10) : -1;
		if (ws->body_need > ERROR_BODY_MAX)
			ws->body_need = ERROR_BODY_MAX;
		ws->chunked = !cl && header_value(ws->hs.data, "Transfer-Encoding", v, sizeof(v)) &&
			      has_token(v, "chunked");
		if (!cl && !ws->chunked && (ws->status == 204 || ws->status == 304 || ws->status < 200))
			ws->body_need = 0;
		buf_add(&ws->body, rest, DL_MIN(nrest, (size_t)ERROR_BODY_MAX));
		ws_body_check(ws);
		return;
	}
	if (!header_value(ws->hs.data, "Upgrade", v, sizeof(v)) || strcasecmp(v, "websocket") != 0 ||
	    !header_value(ws->hs.data, "Connection", v, sizeof(v)) || !has_token(v, "upgrade")) {
		error_set(&err, ERR_PARSE, "'%s' answered 101 without upgrading to websocket", ws->host);
		ws_fail(ws, &err);
		return;
	}
	if (!header_value(ws->hs.data, "Sec-WebSocket-Accept", v, sizeof(v)) || strcmp(v, ws->accept) != 0) {
		error_set(&err, ERR_PARSE, "'%s' sent a wrong Sec-WebSocket-Accept", ws->host);
		ws_fail(ws, &err);
		return;
	}
	if (header_value(ws->hs.data, "Sec-WebSocket-Extensions", v, sizeof(v)) && *v) {
		error_set(&err, ERR_PARSE, "'%s' chose an extension that was not offered", ws->host);
		ws_fail(ws, &err);
		return;
	}
	if (header_value(ws->hs.data, "Sec-WebSocket-Protocol", v, sizeof(v))) {
		bool offered = false;

		for (char **p = ws->protocols; p && *p; p++)
			offered |= strcmp(*p, v) == 0;
		if (!offered) {
			struct buf clean = BUF_INIT;

			utf8_sanitize(&clean, v, strlen(v), 0);
			error_set(&err, ERR_PARSE, "'%s' chose the subprotocol '%.80s', which was not offered", ws->host,
				  clean.data);
			buf_release(&clean);
			ws_fail(ws, &err);
			return;
		}
		ws->protocol = xstrdup(v);
	}
	ws_opened(ws);
	if (ws->state == WS_OPEN && nrest > 0 && wsframe_decoder_feed(&ws->dec, rest, nrest, &err) != 0) {
		ws_send_close(ws, ws->dec.close_code, "");
		ws_flush(ws);
		ws_finish(ws, ws->dec.close_code, "", &err);
	}
}

static void connected(struct ws *ws)
{
	curl_socket_t s = CURL_SOCKET_BAD;
	struct buf req = BUF_INIT;

	if (curl_easy_getinfo(ws->easy, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD) {
		struct error err;

		error_set(&err, ERR_NET, "connection to '%s' has no socket", ws->host);
		ws_fail(ws, &err);
		return;
	}
	ws_del_timer(ws, &ws->curl_timer);
	ws->fd = (int)s;
	ws->state = WS_HANDSHAKE;
	buf_addf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", ws->target, ws->host_header, ws->key);
	if (ws->protocols && ws->protocols[0]) {
		buf_adds(&req, "Sec-WebSocket-Protocol: ");
		for (char **p = ws->protocols; *p; p++)
			buf_addf(&req, "%s%s", p == ws->protocols ? "" : ", ", *p);
		buf_adds(&req, "\r\n");
	}
	buf_addf(&req, "User-Agent: datalab/%s\r\n", build_version());
	for (char **h = ws->headers; h && *h; h++)
		buf_addf(&req, "%s\r\n", *h);
	buf_adds(&req, "\r\n");
	buf_add(&ws->out, req.data, req.len);
	buf_release(&req);
	/* loop_watch_fd replaces curl's watch on this fd with ours */
	ws->watching = 0;
	loop_watch_fd(ws->loop, ws->fd, LOOP_READ | LOOP_WRITE, ws_on_fd, ws);
	ws->watching = LOOP_READ | LOOP_WRITE;
	ws_flush(ws);
}

static void curl_drive(struct ws *ws, curl_socket_t fd, int flags)
{
	int running;
	CURLMsg *m;
	int left;

	curl_multi_socket_action(ws->multi, fd, flags, &running);
	while ((m = curl_multi_info_read(ws->multi, &left))) {
		if (m->msg != CURLMSG_DONE || ws->state != WS_CONNECTING)
			continue;
		if (m->data.result != CURLE_OK) {
			struct error err;

			http_curl_error(&err, m->data.result, ws->host, ws->errbuf, 0);
			ws_fail(ws, &err);
			return;
		}
		connected(ws);
	}
}

static void on_curl_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	ws_enter(ws);
	if (ws->state == WS_CONNECTING)
		curl_drive(ws, fd, http_curl_flags(events));
	ws_leave(ws);
}

static long on_curl_timeout(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	ws->curl_timer = 0;
	ws_enter(ws);
	if (ws->state == WS_CONNECTING)
		curl_drive(ws, CURL_SOCKET_TIMEOUT, 0);
	ws_leave(ws);
	return LOOP_NOMORE;
}

int ws_on_curl_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct ws *ws = arg;

	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		/* the connected socket is ours now: curl lets go of it */
		if ((int)fd == ws->fd)
			return 0;
		loop_unwatch_fd(ws->loop, fd);
		for (size_t i = 0; i < ws->ncurl_fds; i++)
			if (ws->curl_fds[i] == (int)fd)
				ws->curl_fds[i] = ws->curl_fds[--ws->ncurl_fds];
		return 0;
	}
	if (ws->state != WS_CONNECTING)
		return 0;
	loop_watch_fd(ws->loop, fd, http_curl_events(what), on_curl_fd, ws);
	for (size_t i = 0; i < ws->ncurl_fds; i++)
		if (ws->curl_fds[i] == (int)fd)
			return 0;
	if (ws->ncurl_fds < MAX_CURL_FDS)
		ws->curl_fds[ws->ncurl_fds++] = (int)fd;
	return 0;
}

int ws_on_curl_timer(CURLM *m, long ms, void *arg)
{
	struct ws *ws = arg;

	(void)m;
	ws_del_timer(ws, &ws->curl_timer);
	if (ms >= 0 && ws->state == WS_CONNECTING)
		ws->curl_timer = loop_add_timer(ws->loop, ms, on_curl_timeout, ws);
	return 0;
}

/* parse_url: the http(s) URL curl connects to, the request target and
 * the Host header */
int ws_parse_url(struct ws *ws, const char *url, char **http_url, struct error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	int rc = -1;

	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		error_set(err, ERR_INVALID, "invalid URL '%.200s'", url);
		goto out;
	}
	if (strcasecmp(scheme, "ws") == 0 || strcasecmp(scheme, "wss") == 0)
		curl_url_set(u, CURLUPART_SCHEME, strcasecmp(scheme, "ws") == 0 ? "http" : "https", 0);
	else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		error_set(err, ERR_INVALID, "not a WebSocket URL: '%.200s'", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	ws->target = xasprintf("%s%s%s", path && *path ? path : "/", query ? "?" : "", query ? query : "");
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		ws->host_header = xasprintf("%s:%s", host, port);
	else
		ws->host_header = xstrdup(host);
	curl_url_get(u, CURLUPART_URL, http_url, 0);
	http_host_of(*http_url, ws->host, sizeof(ws->host));
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

