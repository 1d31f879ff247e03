/*
 * ws.h: a WebSocket client (RFC 6455) on the core loop.
 *
 * Debian's libcurl 7.88 has no WebSocket support, so curl only opens the
 * connection (CURLOPT_CONNECT_ONLY, TLS set up by http_tls_apply, driven
 * by a private curl multi so connecting never blocks); the HTTP/1.1
 * upgrade and the frames are ours, over curl_easy_send/recv on the socket
 * the loop watches (CURLINFO_ACTIVESOCKET).
 *
 * The client checks Sec-WebSocket-Accept and that the server chose one of
 * the offered subprotocols, masks every frame with a fresh key, answers
 * pings, pings on its own when asked to, reassembles fragments (control
 * frames may interleave), caps messages (over the cap: close 1009), and
 * runs the close handshake.  Writes never block: frames wait in a send
 * queue until the socket is writable.  Reads stop after 64 KiB per
 * wake-up (a timer comes back for the rest), and the owner may pause them.
 *
 * Callbacks: on_open once after a 101, on_message per message, on_close
 * exactly once at the end (after which nothing else is called).  A ws may
 * be freed from inside its own callbacks (the free is deferred).
 */
#ifndef DATALAB_NET_WS_H
#define DATALAB_NET_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/net/http.h"
#include "datalab/net/wsframe.h"

struct ws;

struct ws_opts {
	const char *url;		/* http:// or https:// (ws:// and wss:// too) */
	const char *const *protocols;	/* offered subprotocols in order of preference; NULL-terminated, may be NULL */
	const char *const *headers;	/* extra "Name: value" lines (Authorization); NULL-terminated, may be NULL */
	const struct http_tls *tls;	/* may be NULL */
	size_t max_message;		/* 0 = WSFRAME_MAX_MESSAGE */
	long connect_timeout_ms;	/* 0 = HTTP_CONNECT_TIMEOUT_MS */
	long handshake_timeout_ms;	/* connect to 101; 0 = 30 s */
	long ping_ms;			/* ping this often (0 = never) */
	long dead_ms;			/* close when nothing arrives this long (0 = never) */
};

struct ws_cbs {
	/* on_open: the 101 arrived; protocol is the one the server chose
	 * ("" when none was offered). */
	void (*on_open)(struct ws *ws, const char *protocol, void *arg);
	/* on_message: a whole text or binary message (borrowed), or a pong. */
	void (*on_message)(struct ws *ws, unsigned opcode, const uint8_t *data, size_t n, void *arg);
	/* on_close: the end.  code is the peer's close code (1005 when it
	 * gave none, 1006 when the connection dropped or never opened);
	 * err->code is ERR_NONE for a close handshake, else what went wrong
	 * (the handshake's HTTP status in err->status: ws_response_body has
	 * the body during this callback). */
	void (*on_close)(struct ws *ws, unsigned code, const char *reason, const struct error *err, void *arg);
};

#define WS_MAX_QUEUE (64u * 1024 * 1024)

/* ws_connect: starts connecting; callbacks come from the loop.  NULL with
 * err for a bad URL or options. */
struct ws *ws_connect(struct loop *l, const struct ws_opts *o, const struct ws_cbs *cbs, void *arg,
		      struct error *err);
/* ws_send: queues one message (WSFRAME_TEXT or WSFRAME_BINARY, or a
 * WSFRAME_PING); -1 when the ws is not open or the queue is over
 * WS_MAX_QUEUE.  Messages sent before on_open wait for it. */
int ws_send(struct ws *ws, unsigned opcode, const void *p, size_t n, struct error *err);
/* ws_close: starts the close handshake (code 0 = none); on_close follows
 * when the server answers, or after 5 s. */
void ws_close(struct ws *ws, unsigned code, const char *reason);
/*
 * ws_pause_read / ws_resume_read: flow control for a reader slower than
 * the network (a terminal's emulator).  Paused, the socket is not read
 * (TCP then slows the sender), so no message arrives, except those already
 * received when the pause came (from inside on_message, the rest of that
 * read is still delivered); writes go on, and pings are answered once
 * reading resumes.  Resuming reads at once what TLS may hold.  The pause
 * starts counting at the open (the handshake is always read); ws_close
 * resumes, as the peer's close must be read.
 */
void ws_pause_read(struct ws *ws);
void ws_resume_read(struct ws *ws);
bool ws_read_paused(const struct ws *ws);
/* ws_free: drops the connection without callbacks.  NULL is a no-op. */
void ws_free(struct ws *ws);

bool ws_is_open(const struct ws *ws);
/* ws_protocol: the chosen subprotocol, "" before on_open or without one. */
const char *ws_protocol(const struct ws *ws);
/* ws_queued: bytes waiting to be written. */
size_t ws_queued(const struct ws *ws);
/* ws_response_status / ws_response_body: the handshake's reply (a failed
 * upgrade's error body, e.g. a Kubernetes Status). */
long ws_response_status(const struct ws *ws);
const struct buf *ws_response_body(const struct ws *ws);
/* ws_host: "host:port" of the URL, for messages. */
const char *ws_host(const struct ws *ws);

#endif
