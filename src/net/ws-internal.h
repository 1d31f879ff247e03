/*
 * ws-internal.h: what the two halves of the WebSocket client share:
 * ws.c (frames, the send queue, timers, closing) and ws-handshake.c
 * (connecting through curl and the HTTP/1.1 upgrade).  Not a public header.
 */
#ifndef DATALAB_NET_WS_INTERNAL_H
#define DATALAB_NET_WS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/net/wsframe.h"
#include "datalab/net/ws.h"

#define INFLIGHT 16384
#define HANDSHAKE_MAX (64 * 1024)
#define ERROR_BODY_MAX (1024 * 1024)
#define READ_PER_WAKEUP (64u * 1024)	/* then a timer comes back for more */
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

	bool read_paused;	/* ws_pause_read: the socket is not read */
	uint64_t rx_bytes;	/* received since connecting */
	uint64_t longest_ms;	/* the longest wake-up spent reading */

	int depth;
	bool doomed;
};

/* ws.c */
void ws_enter(struct ws *ws);
bool ws_leave(struct ws *ws);	/* false when ws was freed */
void ws_del_timer(struct ws *ws, uint64_t *id);
void ws_on_fd(struct loop *l, int fd, unsigned events, void *arg);
void ws_flush(struct ws *ws);
void ws_send_close(struct ws *ws, unsigned code, const char *reason);
/* ws_fail: on_close(1006, err); ws_finish: on_close once, then quiet */
void ws_fail(struct ws *ws, const struct error *err);
void ws_finish(struct ws *ws, unsigned code, const char *reason, const struct error *err);
/* ws_opened: the 101 was right: OPEN, queued frames out, timers, on_open */
void ws_opened(struct ws *ws);

/* ws-handshake.c */
/* ws_parse_url: the http(s) URL curl connects to, ws->target and
 * ws->host_header; -1 with err for a URL that is not http(s) or ws(s) */
int ws_parse_url(struct ws *ws, const char *url, char **http_url, struct error *err);
int ws_on_curl_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp);
int ws_on_curl_timer(CURLM *m, long ms, void *arg);
/* ws_handshake_done: the reply headers are in ws->hs; rest follows them */
void ws_handshake_done(struct ws *ws, const char *rest, size_t nrest);
/* ws_body_check: a refused upgrade's body may be complete: report it */
void ws_body_check(struct ws *ws);
/* ws_upgrade_refused: report the refused upgrade with its status */
void ws_upgrade_refused(struct ws *ws);

#endif
