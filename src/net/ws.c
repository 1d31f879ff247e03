/*
 * ws.c: the WebSocket client (see ws.h).
 *
 * States: CONNECTING (a private curl multi drives a CONNECT_ONLY easy
 * handle: TCP, then TLS), HANDSHAKE (our GET with Upgrade goes out through
 * the send queue; the reply headers are collected), BODY (a refused
 * upgrade: its body is collected for the error), OPEN, CLOSING (our close
 * frame is out; waiting for the server's), DONE (on_close has run).
 *
 * Data flow: ws_send encodes a masked frame onto the queue `out`; flush()
 * moves up to 16 KiB at a time into `inflight` and writes it with
 * curl_easy_send, retrying the very same bytes after CURLE_AGAIN (OpenSSL
 * wants a write retried with the same buffer), and watches the socket for
 * LOOP_WRITE only while something is queued.  Reads drain curl_easy_recv
 * until CURLE_AGAIN (TLS may hold decrypted bytes poll cannot see) into
 * the frame decoder, whose messages reach the callbacks.
 *
 * The private multi exists because curl closes a CONNECT_ONLY connection
 * when its handle leaves the multi, and a shared multi would prune the
 * idle-looking connection after two minutes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/net/ws.h"

#ifndef DATALAB_VERSION
#define DATALAB_VERSION "0.1"
#endif

#define INFLIGHT 16384
#define HANDSHAKE_MAX (64 * 1024)
#define ERROR_BODY_MAX (1024 * 1024)
#define READ_PER_WAKEUP (8u * 1024 * 1024)
#define CLOSE_WAIT_MS 5000L
#define HANDSHAKE_TIMEOUT_MS 30000L
#define MAX_CURL_FDS 8

enum ws_state { WS_CONNECTING, WS_HANDSHAKE, WS_BODY, WS_OPEN, WS_CLOSING, WS_DONE };

struct ws {
	struct loop *loop;
	struct ws_cbs cbs;
	void *arg;
	enum ws_state state;

	CURLM *multi;
	CURL *easy;
	struct curl_slist *tls_headers, *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	uint64_t curl_timer;
	int curl_fds[MAX_CURL_FDS];
	size_t ncurl_fds;
	int fd;			/* the connection, once connected */
	unsigned watching;	/* LOOP_* events asked for on fd */

	char host[300];		/* "host:port" for messages */
	char *host_header, *target;
	char key[25], accept[29];
	char **protocols;
	char *protocol;
	char **headers;

	struct buf out, early;
	size_t out_off;		/* bytes of out already moved to inflight */
	uint8_t inflight[INFLIGHT];
	size_t inflight_len, inflight_off;

	struct buf hs;
	long status;
	struct buf body;
	long long body_need;	/* -1: until the connection closes */
	bool chunked;

	struct wsframe_decoder dec;
	uint64_t hs_timer, ping_timer, dead_timer, close_timer, more_timer;
	long ping_ms, dead_ms, handshake_ms;
	uint64_t last_rx;
	bool close_sent, close_received;
	unsigned peer_code;
	char peer_reason[WSFRAME_MAX_CONTROL + 1];
	bool finish_after_flush;

	int depth;
	bool doomed;
};

static void destroy(struct ws *ws);
static void flush(struct ws *ws);
static void finish(struct ws *ws, unsigned code, const char *reason, const struct error *err);

/* ---- lifetimes: every entry point brackets its work with enter/leave ---- */

static void enter(struct ws *ws)
{
	ws->depth++;
}

/* leave: false when ws is gone */
static bool leave(struct ws *ws)
{
	if (--ws->depth == 0 && ws->doomed) {
		destroy(ws);
		return false;
	}
	return true;
}

static void del_timer(struct ws *ws, uint64_t *id)
{
	if (*id)
		loop_del_timer(ws->loop, *id);
	*id = 0;
}

static void on_fd(struct loop *l, int fd, unsigned events, void *arg);

static void set_watch(struct ws *ws, unsigned events)
{
	if (ws->fd < 0 || events == ws->watching)
		return;
	ws->watching = events;
	loop_watch_fd(ws->loop, ws->fd, events, on_fd, ws);
}

/* ---- finishing ---- */

static void fail(struct ws *ws, const struct error *err)
{
	finish(ws, WSFRAME_CLOSE_ABNORMAL, "", err);
}

static void dropped(struct ws *ws, CURLcode rc)
{
	struct error err;

	http_curl_error(&err, rc, ws->host, NULL, 0);
	fail(ws, &err);
}

static void finish(struct ws *ws, unsigned code, const char *reason, const struct error *err)
{
	if (ws->state == WS_DONE)
		return;
	ws->state = WS_DONE;
	del_timer(ws, &ws->hs_timer);
	del_timer(ws, &ws->ping_timer);
	del_timer(ws, &ws->dead_timer);
	del_timer(ws, &ws->close_timer);
	del_timer(ws, &ws->more_timer);
	if (ws->fd >= 0 && ws->watching)
		loop_unwatch_fd(ws->loop, ws->fd);
	ws->watching = 0;
	if (err->code != ERR_NONE)
		log_info("websocket to '%s' ended: %s", ws->host, err->msg);
	if (ws->cbs.on_close && !ws->doomed) {
		enter(ws);
		ws->cbs.on_close(ws, code, reason, err, ws->arg);
		ws->depth--;	/* the caller's leave() reaps */
	}
}

/* ---- sending ---- */

static void flush(struct ws *ws)
{
	if (ws->fd < 0 || ws->state == WS_DONE || ws->state == WS_CONNECTING)
		return;
	for (;;) {
		size_t n = 0;
		CURLcode rc;

		if (ws->inflight_off == ws->inflight_len) {
			size_t take = DL_MIN(ws->out.len - ws->out_off, (size_t)INFLIGHT);

			if (take == 0) {
				buf_reset(&ws->out);
				ws->out_off = 0;
				break;
			}
			memcpy(ws->inflight, ws->out.data + ws->out_off, take);
			ws->out_off += take;
			/* compact now and then, not per chunk (that would be quadratic) */
			if (ws->out_off >= 1024 * 1024 && ws->out_off * 2 >= ws->out.len) {
				buf_consume(&ws->out, ws->out_off);
				ws->out_off = 0;
			}
			ws->inflight_len = take;
			ws->inflight_off = 0;
		}
		rc = curl_easy_send(ws->easy, ws->inflight + ws->inflight_off, ws->inflight_len - ws->inflight_off,
				    &n);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			dropped(ws, rc);
			return;
		}
		ws->inflight_off += n;
	}
	if (ws_queued(ws) == 0 && ws->finish_after_flush) {
		struct error none;

		error_clear(&none);
		finish(ws, ws->peer_code, ws->peer_reason, &none);
		return;
	}
	set_watch(ws, LOOP_READ | (ws_queued(ws) ? LOOP_WRITE : 0));
}

static int queue_frame(struct ws *ws, struct buf *q, unsigned opcode, const void *p, size_t n, struct error *err)
{
	uint8_t mask[4];

	if (q->len - (q == &ws->out ? ws->out_off : 0) + n + 14 > WS_MAX_QUEUE)
		return error_set(err, ERR_LIMIT, "websocket to '%s': send queue full", ws->host);
	wsframe_random_mask(mask);
	if (wsframe_encode(q, opcode, true, p, n, mask) != 0)
		return error_set(err, ERR_INVALID, "websocket: cannot encode a %zu-byte frame (opcode %u)", n, opcode);
	return 0;
}

static void send_close(struct ws *ws, unsigned code, const char *reason)
{
	uint8_t mask[4];

	if (ws->close_sent)
		return;
	ws->close_sent = true;
	wsframe_random_mask(mask);
	wsframe_encode_close(&ws->out, code == WSFRAME_CLOSE_NO_STATUS ? 0 : code, reason, mask);
}

int ws_send(struct ws *ws, unsigned opcode, const void *p, size_t n, struct error *err)
{
	int rc;

	if (ws->state == WS_DONE || ws->close_sent || ws->doomed)
		return error_set(err, ERR_INVALID, "websocket to '%s' is closed", ws->host);
	if (opcode != WSFRAME_TEXT && opcode != WSFRAME_BINARY && opcode != WSFRAME_PING)
		return error_set(err, ERR_INVALID, "websocket: cannot send opcode %u", opcode);
	if (ws->state != WS_OPEN)
		return queue_frame(ws, &ws->early, opcode, p, n, err);
	rc = queue_frame(ws, &ws->out, opcode, p, n, err);
	if (rc == 0 && ws->depth == 0) {
		enter(ws);
		flush(ws);
		leave(ws);
	} else if (rc == 0) {
		flush(ws);
	}
	return rc;
}

/* ---- timers ---- */

static long on_close_timeout(struct loop *l, void *arg)
{
	struct ws *ws = arg;
	struct error err;

	(void)l;
	ws->close_timer = 0;
	enter(ws);
	error_set(&err, ERR_TIMEOUT, "websocket to '%s': no reply to the close", ws->host);
	fail(ws, &err);
	leave(ws);
	return LOOP_NOMORE;
}

void ws_close(struct ws *ws, unsigned code, const char *reason)
{
	struct error err;

	if (!ws || ws->state == WS_DONE || ws->close_sent)
		return;
	enter(ws);
	if (ws->state != WS_OPEN) {
		error_set(&err, ERR_CANCELLED, "websocket to '%s' closed before it opened", ws->host);
		fail(ws, &err);
	} else {
		send_close(ws, code, reason);
		ws->state = WS_CLOSING;
		ws->close_timer = loop_add_timer(ws->loop, CLOSE_WAIT_MS, on_close_timeout, ws);
		flush(ws);
	}
	leave(ws);
}

static long on_ping(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	if (ws->state != WS_OPEN)
		return LOOP_NOMORE;
	enter(ws);
	queue_frame(ws, &ws->out, WSFRAME_PING, "datalab", 7, NULL);
	flush(ws);
	return leave(ws) && ws->state == WS_OPEN ? ws->ping_ms : LOOP_NOMORE;
}

static long on_dead_check(struct loop *l, void *arg)
{
	struct ws *ws = arg;
	uint64_t idle = loop_now_ms(l) - ws->last_rx;
	struct error err;

	if (idle < (uint64_t)ws->dead_ms)
		return ws->dead_ms - (long)idle;
	ws->dead_timer = 0;
	enter(ws);
	error_set(&err, ERR_TIMEOUT, "websocket to '%s': nothing received for %ld s", ws->host,
		  ws->dead_ms / 1000);
	fail(ws, &err);
	leave(ws);
	return LOOP_NOMORE;
}

static long on_handshake_timeout(struct loop *l, void *arg)
{
	struct ws *ws = arg;
	struct error err;

	(void)l;
	ws->hs_timer = 0;
	enter(ws);
	error_set(&err, ERR_TIMEOUT, "no WebSocket handshake from '%s' within %ld s", ws->host,
		  (ws->handshake_ms + 999) / 1000);
	fail(ws, &err);
	leave(ws);
	return LOOP_NOMORE;
}

/* ---- receiving ---- */

static void on_frame(unsigned opcode, const uint8_t *data, size_t n, void *arg)
{
	struct ws *ws = arg;

	if (ws->state == WS_DONE || ws->doomed)
		return;
	switch (opcode) {
	case WSFRAME_PING:
		if (!ws->close_sent) {
			uint8_t mask[4];

			wsframe_random_mask(mask);
			wsframe_encode(&ws->out, WSFRAME_PONG, true, data, n, mask);
		}
		return;
	case WSFRAME_CLOSE: {
		const char *reason;
		size_t rl;

		wsframe_close_parse(data, n, &ws->peer_code, &reason, &rl);
		snprintf(ws->peer_reason, sizeof(ws->peer_reason), "%.*s", (int)rl, reason);
		ws->close_received = true;
		/* echo the code (RFC 6455 5.5.1), then finish once it is out */
		send_close(ws, ws->peer_code, "");
		ws->state = WS_CLOSING;
		ws->finish_after_flush = true;
		return;
	}
	default:
		if (ws->close_received)
			return;
		if (ws->cbs.on_message)
			ws->cbs.on_message(ws, opcode, data, n, ws->arg);
	}
}

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

static void upgrade_refused(struct ws *ws)
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
	fail(ws, &err);
}

static void body_check(struct ws *ws)
{
	struct buf tmp = BUF_INIT;
	bool done = ws->body_need >= 0 && (long long)ws->body.len >= ws->body_need;

	if (!done && ws->chunked)
		done = dechunk(ws->body.data, ws->body.len, &tmp) == 0;
	buf_release(&tmp);
	if (done)
		upgrade_refused(ws);
}

static void opened(struct ws *ws)
{
	struct error err;

	del_timer(ws, &ws->hs_timer);
	ws->state = WS_OPEN;
	if (buf_add(&ws->out, ws->early.data, ws->early.len) != 0) {
		error_set(&err, ERR_LIMIT, "websocket to '%s': send queue full", ws->host);
		fail(ws, &err);
		return;
	}
	buf_release(&ws->early);
	if (ws->ping_ms > 0)
		ws->ping_timer = loop_add_timer(ws->loop, ws->ping_ms, on_ping, ws);
	if (ws->dead_ms > 0)
		ws->dead_timer = loop_add_timer(ws->loop, ws->dead_ms, on_dead_check, ws);
	if (ws->cbs.on_open)
		ws->cbs.on_open(ws, ws->protocol ? ws->protocol : "", ws->arg);
}

/* handshake_done: the reply headers are in ws->hs; rest follows them */
static void handshake_done(struct ws *ws, const char *rest, size_t nrest)
{
	char v[512], *sp;
	struct error err;
	const char *cl;

	ws->status = strtol((sp = strchr(ws->hs.data, ' ')) ? sp + 1 : "0", NULL, 10);
	if (!str_has_prefix(ws->hs.data, "HTTP/1.") || ws->status < 100 || ws->status > 999) {
		error_set(&err, ERR_PARSE, "'%s' sent no HTTP reply to the WebSocket upgrade", ws->host);
		fail(ws, &err);
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
		body_check(ws);
		return;
	}
	if (!header_value(ws->hs.data, "Upgrade", v, sizeof(v)) || strcasecmp(v, "websocket") != 0 ||
	    !header_value(ws->hs.data, "Connection", v, sizeof(v)) || !has_token(v, "upgrade")) {
		error_set(&err, ERR_PARSE, "'%s' answered 101 without upgrading to websocket", ws->host);
		fail(ws, &err);
		return;
	}
	if (!header_value(ws->hs.data, "Sec-WebSocket-Accept", v, sizeof(v)) || strcmp(v, ws->accept) != 0) {
		error_set(&err, ERR_PARSE, "'%s' sent a wrong Sec-WebSocket-Accept", ws->host);
		fail(ws, &err);
		return;
	}
	if (header_value(ws->hs.data, "Sec-WebSocket-Extensions", v, sizeof(v)) && *v) {
		error_set(&err, ERR_PARSE, "'%s' chose an extension that was not offered", ws->host);
		fail(ws, &err);
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
			fail(ws, &err);
			return;
		}
		ws->protocol = xstrdup(v);
	}
	opened(ws);
	if (ws->state == WS_OPEN && nrest > 0 && wsframe_decoder_feed(&ws->dec, rest, nrest, &err) != 0) {
		send_close(ws, ws->dec.close_code, "");
		flush(ws);
		finish(ws, ws->dec.close_code, "", &err);
	}
}

static void received(struct ws *ws, const char *p, size_t n)
{
	struct error err;

	ws->last_rx = loop_now_ms(ws->loop);
	switch (ws->state) {
	case WS_HANDSHAKE: {
		size_t old = ws->hs.len;
		const char *end;

		if (buf_add(&ws->hs, p, n) != 0) {
			error_set(&err, ERR_LIMIT, "the WebSocket handshake reply from '%s' is too long", ws->host);
			fail(ws, &err);
			return;
		}
		end = memmem(ws->hs.data + (old > 3 ? old - 3 : 0), ws->hs.len - (old > 3 ? old - 3 : 0), "\r\n\r\n", 4);
		if (!end)
			return;
		{
			size_t hl = (size_t)(end - ws->hs.data) + 4;
			size_t nrest = ws->hs.len - hl;
			char *rest = xmemdup(ws->hs.data + hl, nrest);

			buf_truncate(&ws->hs, hl);
			handshake_done(ws, rest, nrest);
			free(rest);
		}
		return;
	}
	case WS_BODY:
		buf_add(&ws->body, p, DL_MIN(n, ERROR_BODY_MAX - DL_MIN(ws->body.len, (size_t)ERROR_BODY_MAX)));
		body_check(ws);
		return;
	case WS_OPEN:
	case WS_CLOSING:
		if (wsframe_decoder_feed(&ws->dec, p, n, &err) != 0) {
			send_close(ws, ws->dec.close_code, "");
			flush(ws);
			finish(ws, ws->dec.close_code, "", &err);
		}
		return;
	default:
		return;
	}
}

static void eof(struct ws *ws)
{
	struct error err;

	switch (ws->state) {
	case WS_HANDSHAKE:
		error_set(&err, ERR_NET, "'%s' closed the connection during the WebSocket handshake", ws->host);
		fail(ws, &err);
		return;
	case WS_BODY:
		upgrade_refused(ws);
		return;
	case WS_CLOSING:
		if (ws->close_received) {
			error_clear(&err);
			finish(ws, ws->peer_code, ws->peer_reason, &err);
			return;
		}
		/* fallthrough */
	default:
		error_set(&err, ERR_NET, "connection to '%s' dropped", ws->host);
		fail(ws, &err);
	}
}

static long on_more(struct loop *l, void *arg);

static void read_some(struct ws *ws)
{
	char tmp[65536];
	size_t total = 0;

	while (ws->state != WS_DONE && !ws->doomed) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(ws->easy, tmp, sizeof(tmp), &n);

		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			dropped(ws, rc);
			return;
		}
		if (n == 0) {
			eof(ws);
			return;
		}
		received(ws, tmp, n);
		if ((total += n) >= READ_PER_WAKEUP) {
			/* let the rest of the loop breathe; TLS may hold more
			 * bytes than poll can see, so come back by timer */
			if (!ws->more_timer)
				ws->more_timer = loop_add_timer(ws->loop, 0, on_more, ws);
			return;
		}
	}
}

static long on_more(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	ws->more_timer = 0;
	on_fd(l, ws->fd, LOOP_READ, ws);
	return LOOP_NOMORE;
}

static void on_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	(void)fd;
	enter(ws);
	if (events & (LOOP_WRITE | LOOP_ERROR))
		flush(ws);
	if (events & (LOOP_READ | LOOP_ERROR))
		read_some(ws);
	if (ws->state != WS_DONE && !ws->doomed)
		flush(ws);	/* pongs and close replies queued while reading */
	leave(ws);
}

/* ---- connecting ---- */

static void connected(struct ws *ws)
{
	curl_socket_t s = CURL_SOCKET_BAD;
	struct buf req = BUF_INIT;

	if (curl_easy_getinfo(ws->easy, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD) {
		struct error err;

		error_set(&err, ERR_NET, "connection to '%s' has no socket", ws->host);
		fail(ws, &err);
		return;
	}
	del_timer(ws, &ws->curl_timer);
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
	buf_adds(&req, "User-Agent: datalab/" DATALAB_VERSION "\r\n");
	for (char **h = ws->headers; h && *h; h++)
		buf_addf(&req, "%s\r\n", *h);
	buf_adds(&req, "\r\n");
	buf_add(&ws->out, req.data, req.len);
	buf_release(&req);
	/* loop_watch_fd replaces curl's watch on this fd with ours */
	ws->watching = 0;
	loop_watch_fd(ws->loop, ws->fd, LOOP_READ | LOOP_WRITE, on_fd, ws);
	ws->watching = LOOP_READ | LOOP_WRITE;
	flush(ws);
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
			fail(ws, &err);
			return;
		}
		connected(ws);
	}
}

static void on_curl_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct ws *ws = arg;
	int flags = 0;

	(void)l;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & LOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	enter(ws);
	if (ws->state == WS_CONNECTING)
		curl_drive(ws, fd, flags);
	leave(ws);
}

static long on_curl_timeout(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	ws->curl_timer = 0;
	enter(ws);
	if (ws->state == WS_CONNECTING)
		curl_drive(ws, CURL_SOCKET_TIMEOUT, 0);
	leave(ws);
	return LOOP_NOMORE;
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct ws *ws = arg;
	unsigned ev = 0;

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
	if (what & CURL_POLL_IN)
		ev |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		ev |= LOOP_WRITE;
	loop_watch_fd(ws->loop, fd, ev, on_curl_fd, ws);
	for (size_t i = 0; i < ws->ncurl_fds; i++)
		if (ws->curl_fds[i] == (int)fd)
			return 0;
	if (ws->ncurl_fds < MAX_CURL_FDS)
		ws->curl_fds[ws->ncurl_fds++] = (int)fd;
	return 0;
}

static int on_curl_timer(CURLM *m, long ms, void *arg)
{
	struct ws *ws = arg;

	(void)m;
	del_timer(ws, &ws->curl_timer);
	if (ms >= 0 && ws->state == WS_CONNECTING)
		ws->curl_timer = loop_add_timer(ws->loop, ms, on_curl_timeout, ws);
	return 0;
}

static char **copy_list(const char *const *v)
{
	size_t n = 0;
	char **out;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void free_list(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* parse_url: the http(s) URL curl connects to, the request target and
 * the Host header */
static int parse_url(struct ws *ws, const char *url, char **http_url, struct error *err)
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

struct ws *ws_connect(struct loop *l, const struct ws_opts *o, const struct ws_cbs *cbs, void *arg,
		      struct error *err)
{
	struct ws *ws = xcalloc(1, sizeof(*ws));
	char *http_url = NULL;

	ws->loop = l;
	ws->fd = -1;
	if (cbs)
		ws->cbs = *cbs;
	ws->arg = arg;
	ws->ping_ms = o->ping_ms;
	ws->dead_ms = o->dead_ms;
	ws->handshake_ms = o->handshake_timeout_ms > 0 ? o->handshake_timeout_ms : HANDSHAKE_TIMEOUT_MS;
	buf_init(&ws->out, 0);
	buf_init(&ws->early, WS_MAX_QUEUE);
	buf_init(&ws->hs, HANDSHAKE_MAX);
	buf_init(&ws->body, ERROR_BODY_MAX + 1);
	wsframe_decoder_init(&ws->dec, WSFRAME_ROLE_CLIENT, o->max_message, on_frame, ws);
	for (const char *const *h = o->headers; h && *h; h++) {
		if (strpbrk(*h, "\r\n")) {
			error_set(err, ERR_INVALID, "a WebSocket header holds a line break");
			goto fail;
		}
	}
	for (const char *const *p = o->protocols; p && *p; p++) {
		if (!**p || strpbrk(*p, "\r\n, ")) {
			error_set(err, ERR_INVALID, "invalid WebSocket subprotocol '%.80s'", *p);
			goto fail;
		}
	}
	ws->protocols = copy_list(o->protocols);
	ws->headers = copy_list(o->headers);
	if (parse_url(ws, o->url, &http_url, err) != 0)
		goto fail;
	if (wsframe_random_key(ws->key) != 0) {
		error_set(err, ERR_SYS, "no random bytes for the WebSocket key");
		goto fail;
	}
	wsframe_accept(ws->key, ws->accept);
	ws->easy = curl_easy_init();
	ws->multi = curl_multi_init();
	if (!ws->easy || !ws->multi) {
		error_set(err, ERR_NET, "cannot create a curl handle");
		goto fail;
	}
	if (http_tls_apply(ws->easy, http_url, o->tls, &ws->tls_headers, &ws->connect_to, err) != 0)
		goto fail;
	curl_easy_setopt(ws->easy, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(ws->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(ws->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ws->easy, CURLOPT_ERRORBUFFER, ws->errbuf);
	curl_easy_setopt(ws->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(ws->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms > 0 ? o->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(ws->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(ws->easy, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(ws->easy, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_multi_setopt(ws->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(ws->multi, CURLMOPT_SOCKETDATA, ws);
	curl_multi_setopt(ws->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(ws->multi, CURLMOPT_TIMERDATA, ws);
	if (curl_multi_add_handle(ws->multi, ws->easy) != CURLM_OK) {
		error_set(err, ERR_NET, "cannot start connecting to '%s'", ws->host);
		goto fail;
	}
	ws->hs_timer = loop_add_timer(l, ws->handshake_ms, on_handshake_timeout, ws);
	curl_free(http_url);
	return ws;
fail:
	curl_free(http_url);
	ws->state = WS_DONE;
	destroy(ws);
	return NULL;
}

static void destroy(struct ws *ws)
{
	del_timer(ws, &ws->hs_timer);
	del_timer(ws, &ws->ping_timer);
	del_timer(ws, &ws->dead_timer);
	del_timer(ws, &ws->close_timer);
	del_timer(ws, &ws->more_timer);
	del_timer(ws, &ws->curl_timer);
	ws->state = WS_DONE;
	if (ws->fd >= 0)
		loop_unwatch_fd(ws->loop, ws->fd);
	for (size_t i = 0; i < ws->ncurl_fds; i++)
		loop_unwatch_fd(ws->loop, ws->curl_fds[i]);
	if (ws->multi && ws->easy)
		curl_multi_remove_handle(ws->multi, ws->easy);	/* closes a CONNECT_ONLY connection */
	if (ws->easy)
		curl_easy_cleanup(ws->easy);
	if (ws->multi)
		curl_multi_cleanup(ws->multi);
	del_timer(ws, &ws->curl_timer);
	curl_slist_free_all(ws->tls_headers);
	curl_slist_free_all(ws->connect_to);
	wsframe_decoder_release(&ws->dec);
	buf_release(&ws->out);
	buf_release(&ws->early);
	buf_release(&ws->hs);
	buf_release(&ws->body);
	free_list(ws->protocols);
	free_list(ws->headers);
	free(ws->protocol);
	free(ws->host_header);
	free(ws->target);
	free(ws);
}

void ws_free(struct ws *ws)
{
	if (!ws)
		return;
	if (ws->depth > 0) {
		ws->doomed = true;
		if (ws->fd >= 0 && ws->watching)
			loop_unwatch_fd(ws->loop, ws->fd);
		ws->watching = 0;
		return;
	}
	destroy(ws);
}

bool ws_is_open(const struct ws *ws)
{
	return ws->state == WS_OPEN;
}

const char *ws_protocol(const struct ws *ws)
{
	return ws->protocol ? ws->protocol : "";
}

size_t ws_queued(const struct ws *ws)
{
	return ws->out.len - ws->out_off + (ws->inflight_len - ws->inflight_off);
}

long ws_response_status(const struct ws *ws)
{
	return ws->status;
}

const struct buf *ws_response_body(const struct ws *ws)
{
	return &ws->body;
}

const char *ws_host(const struct ws *ws)
{
	return ws->host;
}
