/*
 * ws.c: the WebSocket client (see ws.h).
 *
 * States: CONNECTING (a private curl multi drives a CONNECT_ONLY easy
 * handle: TCP, then TLS), HANDSHAKE (our GET with Upgrade goes out through
 * the send queue; the reply headers are collected), BODY (a refused
 * upgrade: its body is collected for the error), OPEN, CLOSING (our close
 * frame is out; waiting for the server's), DONE (on_close has run).
 *
 * Data flow: ws_send encodes a masked frame onto the queue `out`; ws_flush()
 * moves up to 16 KiB at a time into `inflight` and writes it with
 * curl_easy_send, retrying the very same bytes after CURLE_AGAIN (OpenSSL
 * wants a write retried with the same buffer), and watches the socket for
 * LOOP_WRITE only while something is queued.  Reads drain curl_easy_recv
 * until CURLE_AGAIN (TLS may hold decrypted bytes poll cannot see) into
 * the frame decoder, whose messages reach the callbacks, but at most
 * READ_PER_WAKEUP at a time: a 0 ms timer comes back for the rest, so one
 * wake-up stays short.  ws_pause_read stops reading (and polling for it)
 * until ws_resume_read, which reads by timer once, for what TLS holds.
 *
 * Connecting and the upgrade itself live in ws-handshake.c.  The private
 * multi exists because curl closes a CONNECT_ONLY connection when its
 * handle leaves the multi, and a shared multi would prune the idle-looking
 * connection after two minutes.
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
#include "ws-internal.h"

static void destroy(struct ws *ws);

/* ---- lifetimes: every entry point brackets its work with enter/leave ---- */

void ws_enter(struct ws *ws)
{
	ws->depth++;
}

/* leave: false when ws is gone */
bool ws_leave(struct ws *ws)
{
	if (--ws->depth == 0 && ws->doomed) {
		destroy(ws);
		return false;
	}
	return true;
}

void ws_del_timer(struct ws *ws, uint64_t *id)
{
	if (*id)
		loop_del_timer(ws->loop, *id);
	*id = 0;
}

/* reading: whether the socket is read now (a pause holds from the open on:
 * the handshake and the error body are always read) */
static bool reading(const struct ws *ws)
{
	return !ws->read_paused || (ws->state != WS_OPEN && ws->state != WS_CLOSING);
}

/* rewatch: poll for reading unless paused, for writing while bytes wait */
static void rewatch(struct ws *ws)
{
	unsigned events = (reading(ws) ? LOOP_READ : 0) | (ws_queued(ws) ? LOOP_WRITE : 0);

	if (ws->fd < 0 || ws->state == WS_DONE || ws->doomed || events == ws->watching)
		return;
	ws->watching = events;
	loop_watch_fd(ws->loop, ws->fd, events, ws_on_fd, ws);
}

/* ---- finishing ---- */

void ws_fail(struct ws *ws, const struct error *err)
{
	ws_finish(ws, WSFRAME_CLOSE_ABNORMAL, "", err);
}

static void ws_dropped(struct ws *ws, CURLcode rc)
{
	struct error err;

	http_curl_error(&err, rc, ws->host, NULL, 0);
	ws_fail(ws, &err);
}

void ws_finish(struct ws *ws, unsigned code, const char *reason, const struct error *err)
{
	if (ws->state == WS_DONE)
		return;
	ws->state = WS_DONE;
	ws_del_timer(ws, &ws->hs_timer);
	ws_del_timer(ws, &ws->ping_timer);
	ws_del_timer(ws, &ws->dead_timer);
	ws_del_timer(ws, &ws->close_timer);
	ws_del_timer(ws, &ws->more_timer);
	if (ws->fd >= 0 && ws->watching)
		loop_unwatch_fd(ws->loop, ws->fd);
	ws->watching = 0;
	if (err->code != ERR_NONE)
		log_info("websocket to '%s' ended: %s", ws->host, err->msg);
	if (ws->cbs.on_close && !ws->doomed) {
		ws_enter(ws);
		ws->cbs.on_close(ws, code, reason, err, ws->arg);
		ws->depth--;	/* the caller's ws_leave() reaps */
	}
}

/* ---- sending ---- */

void ws_flush(struct ws *ws)
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
			ws_dropped(ws, rc);
			return;
		}
		ws->inflight_off += n;
	}
	if (ws_queued(ws) == 0 && ws->finish_after_flush) {
		struct error none;

		error_clear(&none);
		ws_finish(ws, ws->peer_code, ws->peer_reason, &none);
		return;
	}
	rewatch(ws);
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

void ws_send_close(struct ws *ws, unsigned code, const char *reason)
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
		ws_enter(ws);
		ws_flush(ws);
		ws_leave(ws);
	} else if (rc == 0) {
		ws_flush(ws);
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
	ws_enter(ws);
	error_set(&err, ERR_TIMEOUT, "websocket to '%s': no reply to the close", ws->host);
	ws_fail(ws, &err);
	ws_leave(ws);
	return LOOP_NOMORE;
}

void ws_close(struct ws *ws, unsigned code, const char *reason)
{
	struct error err;

	if (!ws || ws->state == WS_DONE || ws->close_sent)
		return;
	ws_enter(ws);
	/* the peer's close must be read, whatever waits before it */
	if (ws->read_paused)
		ws_resume_read(ws);
	if (ws->state != WS_OPEN) {
		error_set(&err, ERR_CANCELLED, "websocket to '%s' closed before it opened", ws->host);
		ws_fail(ws, &err);
	} else {
		ws_send_close(ws, code, reason);
		ws->state = WS_CLOSING;
		ws->close_timer = loop_add_timer(ws->loop, CLOSE_WAIT_MS, on_close_timeout, ws);
		ws_flush(ws);
	}
	ws_leave(ws);
}

static long on_ping(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	(void)l;
	if (ws->state != WS_OPEN)
		return LOOP_NOMORE;
	ws_enter(ws);
	queue_frame(ws, &ws->out, WSFRAME_PING, "datalab", 7, NULL);
	ws_flush(ws);
	return ws_leave(ws) && ws->state == WS_OPEN ? ws->ping_ms : LOOP_NOMORE;
}

static long on_dead_check(struct loop *l, void *arg)
{
	struct ws *ws = arg;
	uint64_t idle = loop_now_ms(l) - ws->last_rx;
	struct error err;

	if (!reading(ws))
		return ws->dead_ms;	/* silence is ours: resuming restarts the count */
	if (idle < (uint64_t)ws->dead_ms)
		return ws->dead_ms - (long)idle;
	ws->dead_timer = 0;
	ws_enter(ws);
	error_set(&err, ERR_TIMEOUT, "websocket to '%s': nothing received for %ld s", ws->host,
		  ws->dead_ms / 1000);
	ws_fail(ws, &err);
	ws_leave(ws);
	return LOOP_NOMORE;
}

static long on_handshake_timeout(struct loop *l, void *arg)
{
	struct ws *ws = arg;
	struct error err;

	(void)l;
	ws->hs_timer = 0;
	ws_enter(ws);
	error_set(&err, ERR_TIMEOUT, "no WebSocket handshake from '%s' within %ld s", ws->host,
		  (ws->handshake_ms + 999) / 1000);
	ws_fail(ws, &err);
	ws_leave(ws);
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
		ws_send_close(ws, ws->peer_code, "");
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

void ws_opened(struct ws *ws)
{
	struct error err;

	ws_del_timer(ws, &ws->hs_timer);
	ws->state = WS_OPEN;
	if (buf_add(&ws->out, ws->early.data, ws->early.len) != 0) {
		error_set(&err, ERR_LIMIT, "websocket to '%s': send queue full", ws->host);
		ws_fail(ws, &err);
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

static void ws_received(struct ws *ws, const char *p, size_t n)
{
	struct error err;

	ws->last_rx = loop_now_ms(ws->loop);
	switch (ws->state) {
	case WS_HANDSHAKE: {
		size_t old = ws->hs.len;
		const char *end;

		if (buf_add(&ws->hs, p, n) != 0) {
			error_set(&err, ERR_LIMIT, "the WebSocket handshake reply from '%s' is too long", ws->host);
			ws_fail(ws, &err);
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
			ws_handshake_done(ws, rest, nrest);
			free(rest);
		}
		return;
	}
	case WS_BODY:
		buf_add(&ws->body, p, DL_MIN(n, ERROR_BODY_MAX - DL_MIN(ws->body.len, (size_t)ERROR_BODY_MAX)));
		ws_body_check(ws);
		return;
	case WS_OPEN:
	case WS_CLOSING:
		if (wsframe_decoder_feed(&ws->dec, p, n, &err) != 0) {
			ws_send_close(ws, ws->dec.close_code, "");
			ws_flush(ws);
			ws_finish(ws, ws->dec.close_code, "", &err);
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
		ws_fail(ws, &err);
		return;
	case WS_BODY:
		ws_upgrade_refused(ws);
		return;
	case WS_CLOSING:
		if (ws->close_received) {
			error_clear(&err);
			ws_finish(ws, ws->peer_code, ws->peer_reason, &err);
			return;
		}
		/* fallthrough */
	default:
		error_set(&err, ERR_NET, "connection to '%s' dropped", ws->host);
		ws_fail(ws, &err);
	}
}

static long on_more(struct loop *l, void *arg);

static void read_some(struct ws *ws)
{
	char tmp[65536];
	size_t total = 0;

	/* a callback may pause reading: what was received is decoded, no more */
	while (ws->state != WS_DONE && !ws->doomed && reading(ws)) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(ws->easy, tmp, sizeof(tmp), &n);

		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			ws_dropped(ws, rc);
			return;
		}
		if (n == 0) {
			eof(ws);
			return;
		}
		ws->rx_bytes += n;
		ws_received(ws, tmp, n);
		if ((total += n) >= READ_PER_WAKEUP) {
			/* let the rest of the loop breathe; TLS may hold more
			 * bytes than poll can see, so come back by timer */
			if (!ws->more_timer && reading(ws))
				ws->more_timer = loop_add_timer(ws->loop, 0, on_more, ws);
			return;
		}
	}
}

static long on_more(struct loop *l, void *arg)
{
	struct ws *ws = arg;

	ws->more_timer = 0;
	if (reading(ws))
		ws_on_fd(l, ws->fd, LOOP_READ, ws);
	return LOOP_NOMORE;
}

void ws_on_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct ws *ws = arg;
	uint64_t t0 = time_mono_ms(), spent;

	(void)l;
	(void)fd;
	ws_enter(ws);
	if (events & (LOOP_WRITE | LOOP_ERROR))
		ws_flush(ws);
	if ((events & (LOOP_READ | LOOP_ERROR)) && reading(ws))
		read_some(ws);
	if (ws->state != WS_DONE && !ws->doomed)
		ws_flush(ws);	/* pongs and close replies queued while reading */
	/* what one wake-up cost, callbacks included (the log tells at the end) */
	spent = time_mono_ms() - t0;
	if (spent > ws->longest_ms)
		ws->longest_ms = spent;
	ws_leave(ws);
}

/* ---- flow control ---- */

void ws_pause_read(struct ws *ws)
{
	if (ws->read_paused || ws->state == WS_DONE)
		return;
	ws->read_paused = true;
	if (!reading(ws)) {
		ws_del_timer(ws, &ws->more_timer);
		rewatch(ws);
	}
}

void ws_resume_read(struct ws *ws)
{
	if (!ws->read_paused)
		return;
	ws->read_paused = false;
	if (ws->state != WS_OPEN && ws->state != WS_CLOSING)
		return;
	ws->last_rx = loop_now_ms(ws->loop);
	rewatch(ws);
	/* TLS may hold decrypted bytes poll cannot see: read once by timer
	 * (not here: the caller may be inside one of our callbacks) */
	if (!ws->more_timer)
		ws->more_timer = loop_add_timer(ws->loop, 0, on_more, ws);
}

bool ws_read_paused(const struct ws *ws)
{
	return ws->read_paused;
}

/* ---- connecting ---- */

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
	if (ws_parse_url(ws, o->url, &http_url, err) != 0)
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
	curl_multi_setopt(ws->multi, CURLMOPT_SOCKETFUNCTION, ws_on_curl_socket);
	curl_multi_setopt(ws->multi, CURLMOPT_SOCKETDATA, ws);
	curl_multi_setopt(ws->multi, CURLMOPT_TIMERFUNCTION, ws_on_curl_timer);
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
	if (ws->rx_bytes)
		log_info("websocket to '%s': %llu bytes received, longest wake-up %llu ms", ws->host,
			 (unsigned long long)ws->rx_bytes, (unsigned long long)ws->longest_ms);
	ws_del_timer(ws, &ws->hs_timer);
	ws_del_timer(ws, &ws->ping_timer);
	ws_del_timer(ws, &ws->dead_timer);
	ws_del_timer(ws, &ws->close_timer);
	ws_del_timer(ws, &ws->more_timer);
	ws_del_timer(ws, &ws->curl_timer);
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
	ws_del_timer(ws, &ws->curl_timer);
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
