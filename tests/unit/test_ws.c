/*
 * test_ws.c: net/ws against a raw TCP server thread that speaks exactly
 * the bytes each case needs: a good handshake and echo, a wrong accept, a
 * subprotocol that was not offered, a refused upgrade with a Status body
 * (plain and chunked), frames glued to the 101, fragments with control
 * frames between them, an oversized message (1009), close handshakes from
 * either side, a dropped connection, a server that never answers, a flood
 * read paused and resumed.  The
 * server decodes what the client sends with the RFC's server role, so an
 * unmasked client frame fails the test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/net/ws.h"
#include "testtcp.h"
#include "testutil.h"

enum mode {
	M_ECHO,
	M_BAD_ACCEPT,
	M_BAD_PROTO,
	M_REFUSE,
	M_REFUSE_CHUNKED,
	M_FRAGMENTS,
	M_OVERSIZE,
	M_SERVER_CLOSE,
	M_DROP,
	M_NO_REPLY,
	M_GLUED,
	M_NO_PROTO,
	M_BAD_FRAME,
	M_SILENT,
	M_FLOOD,
	M_ECHO_LATE,
};

#define FLOOD_FRAME 16384
#define FLOOD_FRAMES 512	/* 8 MiB, more than the socket buffers hold */

static enum mode mode;
static struct testtcp srv = { .lfd = -1 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf request;	/* the client's handshake */
static struct buf got;		/* "op:len:first16;" per client frame */
static int got_frames, got_pings, got_pongs;
static unsigned got_close;	/* the client's close code */
static uint8_t masks[64][4];
static int nmasks;
static bool server_decode_failed;

static struct loop *loop;

/* ---- the server ---- */

static void send_frame(int fd, unsigned op, bool fin, const void *p, size_t n)
{
	struct buf b = BUF_INIT;

	wsframe_encode(&b, op, fin, p, n, NULL);
	testtcp_send_all(fd, b.data, b.len);
	buf_release(&b);
}

struct srv {
	int fd;
	bool echo;
};

static void on_client_frame(unsigned op, const uint8_t *data, size_t n, void *arg)
{
	struct srv *s = arg;

	pthread_mutex_lock(&mu);
	got_frames++;
	buf_addf(&got, "%u:%zu:%.*s;", op, n, (int)DL_MIN(n, (size_t)16), (const char *)data);
	if (op == WSFRAME_PING)
		got_pings++;
	if (op == WSFRAME_PONG)
		got_pongs++;
	if (op == WSFRAME_CLOSE) {
		const char *r;
		size_t rl;

		wsframe_close_parse(data, n, &got_close, &r, &rl);
	}
	pthread_mutex_unlock(&mu);
	if (op == WSFRAME_PING)
		send_frame(s->fd, WSFRAME_PONG, true, data, n);
	else if (op == WSFRAME_CLOSE && s->echo)
		send_frame(s->fd, WSFRAME_CLOSE, true, data, DL_MIN(n, (size_t)2));
	else if ((op == WSFRAME_TEXT || op == WSFRAME_BINARY) && s->echo)
		send_frame(s->fd, op, true, data, n);
}

/* record_masks: the mask key of each client frame header in p */
static void record_masks(const uint8_t *p, size_t n)
{
	/* frames are parsed again here only for their headers */
	static uint8_t hdr[14];
	static size_t have, need = 2;
	static uint64_t skip;

	for (size_t i = 0; i < n; i++) {
		if (skip) {
			uint64_t k = DL_MIN(skip, (uint64_t)(n - i));

			skip -= k;
			i += (size_t)k - 1;
			continue;
		}
		hdr[have++] = p[i];
		if (have == 2) {
			unsigned l7 = hdr[1] & 0x7f;

			need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((hdr[1] & 0x80) ? 4 : 0);
		}
		if (have == need && have >= 2) {
			unsigned l7 = hdr[1] & 0x7f;
			uint64_t len = l7;
			size_t off = 2;

			if (l7 == 126) {
				len = (uint64_t)hdr[2] << 8 | hdr[3];
				off = 4;
			} else if (l7 == 127) {
				len = 0;
				for (int k = 0; k < 8; k++)
					len = len << 8 | hdr[2 + k];
				off = 10;
			}
			pthread_mutex_lock(&mu);
			if ((hdr[1] & 0x80) && nmasks < 64)
				memcpy(masks[nmasks++], hdr + off, 4);
			pthread_mutex_unlock(&mu);
			skip = len;
			have = 0;
			need = 2;
		}
	}
}

static void serve_frames(int fd, bool echo)
{
	struct srv s = { fd, echo };
	struct wsframe_decoder d;
	char tmp[65536];
	struct error err;

	wsframe_decoder_init(&d, WSFRAME_ROLE_SERVER, 0, on_client_frame, &s);
	while (!atomic_load(&srv.stop)) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n <= 0)
			break;
		record_masks((const uint8_t *)tmp, (size_t)n);
		if (wsframe_decoder_feed(&d, tmp, (size_t)n, &err) != 0) {
			server_decode_failed = true;
			break;
		}
		if (got_close && mode != M_SILENT)
			break;
	}
	wsframe_decoder_release(&d);
}

static char *reply_101(const char *key, const char *proto, bool bad_accept)
{
	char acc[29];

	wsframe_accept(bad_accept ? "dGhlIHNhbXBsZSBub25jZQ==" : key, acc);
	return xasprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Accept: %s\r\n%s%s%s\r\n", acc, proto ? "Sec-WebSocket-Protocol: " : "",
			 proto ? proto : "", proto ? "\r\n" : "");
}

static void *server_main(void *arg)
{
	int fd;
	char tmp[8192], key[64] = "";
	const char *k, *status = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
				 "\"message\":\"pods \\\"p\\\" is forbidden\",\"reason\":\"Forbidden\",\"code\":403}";
	char *reply = NULL;

	(void)arg;
	fd = accept(srv.lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	/* the handshake */
	while (!strstr(request.data, "\r\n\r\n")) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n <= 0)
			goto out;
		pthread_mutex_lock(&mu);
		buf_add(&request, tmp, (size_t)n);
		pthread_mutex_unlock(&mu);
	}
	if ((k = strstr(request.data, "Sec-WebSocket-Key: ")))
		sscanf(k + 19, "%63[^\r]", key);
	switch (mode) {
	case M_NO_REPLY:
		while (!atomic_load(&srv.stop))
			usleep(5000);
		goto out;
	case M_BAD_ACCEPT:
		reply = reply_101(key, "v5.channel.k8s.io", true);
		break;
	case M_BAD_PROTO:
		reply = reply_101(key, "evil", false);
		break;
	case M_NO_PROTO:
		reply = reply_101(key, NULL, false);
		break;
	case M_REFUSE:
		reply = xasprintf("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				  strlen(status), status);
		break;
	case M_REFUSE_CHUNKED:
		reply = xasprintf("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
				  "\r\n10\r\n%.16s\r\n%zx\r\n%s\r\n0\r\n\r\n", status, strlen(status) - 16, status + 16);
		break;
	default:
		reply = reply_101(key, "v5.channel.k8s.io", false);
	}
	if (mode == M_GLUED) {
		/* the first frames share the packet with the 101 */
		struct buf b = BUF_INIT;

		buf_adds(&b, reply);
		wsframe_encode(&b, WSFRAME_BINARY, true, "\x01glued", 6, NULL);
		wsframe_encode(&b, WSFRAME_TEXT, true, "second", 6, NULL);
		testtcp_send_all(fd, b.data, b.len);
		buf_release(&b);
	} else {
		testtcp_send_all(fd, reply, strlen(reply));
	}
	switch (mode) {
	case M_ECHO_LATE:
		/* reading nothing for a while: the client's big send must
		 * queue (a fast reader could take 8 MiB in one go) */
		usleep(300 * 1000);
		serve_frames(fd, true);
		break;
	case M_ECHO:
	case M_GLUED:
	case M_NO_PROTO:
		serve_frames(fd, true);
		break;
	case M_FRAGMENTS:
		send_frame(fd, WSFRAME_TEXT, false, "Hel", 3);
		send_frame(fd, WSFRAME_PING, true, "p1", 2);
		send_frame(fd, WSFRAME_CONT, false, "lo", 2);
		send_frame(fd, WSFRAME_PONG, true, "unasked", 7);
		send_frame(fd, WSFRAME_CONT, true, " world", 6);
		send_frame(fd, WSFRAME_BINARY, true, "\x00\x01", 2);
		serve_frames(fd, true);
		break;
	case M_OVERSIZE: {
		/* a 20 MiB binary frame header, then a trickle of payload */
		uint8_t h[10] = { 0x82, 127, 0, 0, 0, 0, 0x01, 0x40, 0, 0 };

		testtcp_send_all(fd, h, sizeof(h));
		testtcp_send_all(fd, "xxxx", 4);
		serve_frames(fd, false);
		break;
	}
	case M_BAD_FRAME:
		testtcp_send_all(fd, "\x83\x00", 2);	/* reserved opcode 3 */
		serve_frames(fd, false);
		break;
	case M_FLOOD: {
		/* blocks once the client stops reading; then a ping */
		char *f = xcalloc(1, FLOOD_FRAME);

		f[0] = 1;
		for (int i = 0; i < FLOOD_FRAMES && !atomic_load(&srv.stop); i++)
			send_frame(fd, WSFRAME_BINARY, true, f, FLOOD_FRAME);
		free(f);
		send_frame(fd, WSFRAME_PING, true, "srv", 3);
		serve_frames(fd, true);
		break;
	}
	case M_SERVER_CLOSE:
		send_frame(fd, WSFRAME_CLOSE, true, "\x03\xe8" "bye", 5);
		serve_frames(fd, false);
		break;
	case M_DROP:
		break;
	default:
		serve_frames(fd, false);
	}
out:
	free(reply);
	close(fd);
	return NULL;
}

static void server_start(enum mode m)
{
	mode = m;
	testtcp_start(&srv, server_main, NULL);
}

static void setup(void)
{
	atomic_store(&srv.stop, 0);
	buf_init(&request, 0);
	buf_init(&got, 0);
	got_frames = got_pings = got_pongs = 0;
	got_close = 0;
	nmasks = 0;
	server_decode_failed = false;
	srv.thread_on = false;
	loop = loop_new();
}

static void teardown(void)
{
	testtcp_stop(&srv);
	loop_free(loop);
	buf_release(&request);
	buf_release(&got);
}

/* ---- the client side ---- */

struct rec {
	int opened, closed, messages;
	char protocol[64];
	struct buf text;	/* "op:len:data;" per message */
	unsigned code;
	char reason[128];
	struct error err;
	long status;
	struct buf body;
	bool free_in_message;
	bool pause_in_message;
	size_t bytes;
	struct ws *ws;
};

static void on_open(struct ws *ws, const char *protocol, void *arg)
{
	struct rec *r = arg;

	(void)ws;
	r->opened++;
	snprintf(r->protocol, sizeof(r->protocol), "%s", protocol);
}

static void on_message(struct ws *ws, unsigned op, const uint8_t *data, size_t n, void *arg)
{
	struct rec *r = arg;

	r->messages++;
	r->bytes += n;
	if (r->pause_in_message && r->messages == 1)
		ws_pause_read(ws);
	if (r->messages > 8)
		return;	/* a flood: the first few tell enough */
	buf_addf(&r->text, "%u:%zu:", op, n);
	for (size_t i = 0; i < DL_MIN(n, (size_t)16); i++)
		buf_addc(&r->text, data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '.');
	buf_adds(&r->text, ";");
	if (r->free_in_message) {
		ws_free(ws);
		r->ws = NULL;
	}
}

static void on_close(struct ws *ws, unsigned code, const char *reason, const struct error *err, void *arg)
{
	struct rec *r = arg;

	r->closed++;
	r->code = code;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->err = *err;
	r->status = ws_response_status(ws);
	buf_add(&r->body, ws_response_body(ws)->data, ws_response_body(ws)->len);
}

static const struct ws_cbs cbs = { on_open, on_message, on_close };
static const char *const protos[] = { "v5.channel.k8s.io", "v4.channel.k8s.io", NULL };
static const char *const headers[] = { "Authorization: Bearer sekret", NULL };

#define WAIT(cond, ms) TESTUTIL_WAIT(loop, cond, ms)

static struct ws *connect_rec(struct rec *r, long ping_ms, long hs_ms)
{
	char *url = xasprintf("http://127.0.0.1:%d/api/v1/namespaces/ns/pods/p/exec?command=sh&stdin=true", srv.port);
	struct ws_opts o = { .url = url, .protocols = protos, .headers = headers, .ping_ms = ping_ms,
			     .handshake_timeout_ms = hs_ms };
	struct error err;
	struct ws *ws;

	memset(r, 0, sizeof(*r));
	buf_init(&r->text, 0);
	buf_init(&r->body, 0);
	ws = ws_connect(loop, &o, &cbs, r, &err);
	ck_assert_msg(ws != NULL, "%s", err.msg);
	free(url);
	r->ws = ws;
	return ws;
}

static void rec_release(struct rec *r)
{
	buf_release(&r->text);
	buf_release(&r->body);
}

START_TEST(test_handshake_and_echo)
{
	struct rec r;
	struct ws *ws;
	struct error err;
	size_t big = 200 * 1000;
	char *blob = xmalloc(big);

	server_start(M_ECHO);
	ws = connect_rec(&r, 0, 0);
	/* sent before the 101: waits for it */
	ck_assert_int_eq(ws_send(ws, WSFRAME_TEXT, "early", 5, &err), 0);
	WAIT(r.opened == 1, 5000);
	ck_assert_str_eq(r.protocol, "v5.channel.k8s.io");
	ck_assert_str_eq(ws_protocol(ws), "v5.channel.k8s.io");
	ck_assert(ws_is_open(ws));
	ck_assert(str_has_prefix(request.data, "GET /api/v1/namespaces/ns/pods/p/exec?command=sh&stdin=true HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nUpgrade: websocket\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nConnection: Upgrade\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nSec-WebSocket-Version: 13\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nSec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nAuthorization: Bearer sekret\r\n"));
	ck_assert_ptr_nonnull(strstr(request.data, "\r\nHost: 127.0.0.1:"));
	for (size_t i = 0; i < big; i++)
		blob[i] = (char)(i * 7);
	ck_assert_int_eq(ws_send(ws, WSFRAME_BINARY, "\x00\x01\x02", 3, &err), 0);
	ck_assert_int_eq(ws_send(ws, WSFRAME_BINARY, blob, big, &err), 0);
	ck_assert_int_eq(ws_send(ws, WSFRAME_TEXT, "", 0, &err), 0);
	WAIT(r.messages == 4, 5000);
	ck_assert(str_has_prefix(r.text.data, "1:5:early;2:3:"));
	ck_assert_ptr_nonnull(strstr(r.text.data, ";2:200000:"));
	ck_assert(str_has_suffix(r.text.data, ";1:0:;"));
	ck_assert_uint_eq(ws_queued(ws), 0);
	/* every client frame was masked (the server decoder insists), each
	 * with its own key */
	ck_assert(!server_decode_failed);
	ck_assert_int_ge(nmasks, 4);
	ck_assert(memcmp(masks[0], masks[1], 4) != 0 || memcmp(masks[1], masks[2], 4) != 0);
	/* the client closes: the server echoes, on_close says 1000 */
	ws_close(ws, WSFRAME_CLOSE_NORMAL, "done");
	ck_assert_int_eq(ws_send(ws, WSFRAME_TEXT, "late", 4, &err), -1);
	WAIT(r.closed == 1, 5000);
	ck_assert_uint_eq(got_close, 1000);
	ck_assert_uint_eq(r.code, 1000);
	ck_assert_int_eq(r.err.code, ERR_NONE);
	ws_free(ws);
	rec_release(&r);
	free(blob);
}
END_TEST

START_TEST(test_big_message_queue_drains)
{
	struct rec r;
	struct ws *ws;
	struct error err;
	size_t big = 8u * 1024 * 1024;
	char *blob = xcalloc(1, big);

	server_start(M_ECHO_LATE);
	ws = connect_rec(&r, 0, 0);
	WAIT(r.opened == 1, 5000);
	blob[big - 1] = 'z';
	ck_assert_int_eq(ws_send(ws, WSFRAME_BINARY, blob, big, &err), 0);
	ck_assert_uint_gt(ws_queued(ws), 0);	/* a socket takes less than 8 MiB at once */
	WAIT(r.messages == 1, 10000);
	ck_assert_ptr_nonnull(strstr(r.text.data, "2:8388608:"));
	ck_assert_uint_eq(ws_queued(ws), 0);
	ws_free(ws);
	rec_release(&r);
	free(blob);
}
END_TEST

START_TEST(test_fragments_and_control_frames)
{
	struct rec r;
	struct ws *ws;

	server_start(M_FRAGMENTS);
	ws = connect_rec(&r, 0, 0);
	WAIT(r.messages == 3, 5000);
	/* the unasked pong is reported, the fragments are one message */
	ck_assert_str_eq(r.text.data, "10:7:unasked;1:11:Hello world;2:2:..;");
	/* the ping in the middle was answered with its payload */
	WAIT(got_pongs == 1, 5000);
	ck_assert_ptr_nonnull(strstr(got.data, "10:2:p1;"));
	ws_free(ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_frames_glued_to_101)
{
	struct rec r;
	struct ws *ws;

	server_start(M_GLUED);
	ws = connect_rec(&r, 0, 0);
	WAIT(r.messages == 2, 5000);
	ck_assert_int_eq(r.opened, 1);
	ck_assert_str_eq(r.text.data, "2:6:.glued;1:6:second;");
	ws_free(ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_wrong_accept)
{
	struct rec r;

	server_start(M_BAD_ACCEPT);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.opened, 0);
	ck_assert_uint_eq(r.code, 1006);
	ck_assert_int_eq(r.err.code, ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "wrong Sec-WebSocket-Accept"));
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_protocol_not_offered)
{
	struct rec r;

	server_start(M_BAD_PROTO);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.opened, 0);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "chose the subprotocol 'evil', which was not offered"));
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_no_protocol_chosen)
{
	struct rec r;

	server_start(M_NO_PROTO);
	connect_rec(&r, 0, 0);
	WAIT(r.opened == 1, 5000);
	ck_assert_str_eq(r.protocol, "");
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_refused_upgrade)
{
	struct rec r;

	server_start(_i ? M_REFUSE_CHUNKED : M_REFUSE);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.opened, 0);
	ck_assert_int_eq(r.err.code, ERR_HTTP);
	ck_assert_int_eq(r.err.status, 403);
	ck_assert_int_eq(r.status, 403);
	ck_assert_msg(str_has_prefix(r.body.data, "{\"kind\":\"Status\"") && str_has_suffix(r.body.data, "\"code\":403}"),
		      "body '%s'", r.body.data);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_oversize_closes_1009)
{
	struct rec r;
	struct ws *ws;
	char *url;
	struct ws_opts o = { .protocols = protos };
	struct error err;

	server_start(M_OVERSIZE);
	url = xasprintf("http://127.0.0.1:%d/x", srv.port);
	o.url = url;
	memset(&r, 0, sizeof(r));
	buf_init(&r.text, 0);
	buf_init(&r.body, 0);
	o.max_message = 1024 * 1024;
	ws = ws_connect(loop, &o, &cbs, &r, &err);
	ck_assert_ptr_nonnull(ws);
	WAIT(r.closed == 1, 5000);
	ck_assert_uint_eq(r.code, 1009);
	ck_assert_int_eq(r.err.code, ERR_LIMIT);
	WAIT(got_close == 1009, 5000);
	ws_free(ws);
	free(url);
	rec_release(&r);
}
END_TEST

START_TEST(test_bad_frame_closes_1002)
{
	struct rec r;

	server_start(M_BAD_FRAME);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_int_eq(r.err.code, ERR_PARSE);
	WAIT(got_close == 1002, 5000);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_server_closes)
{
	struct rec r;

	server_start(M_SERVER_CLOSE);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_uint_eq(r.code, 1000);
	ck_assert_str_eq(r.reason, "bye");
	ck_assert_int_eq(r.err.code, ERR_NONE);
	WAIT(got_close == 1000, 5000);	/* echoed */
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_dropped)
{
	struct rec r;

	server_start(M_DROP);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_uint_eq(r.code, 1006);
	ck_assert_int_eq(r.err.code, ERR_NET);
	ck_assert_msg(strstr(r.err.msg, "dropped") != NULL, "%s", r.err.msg);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_handshake_timeout)
{
	struct rec r;
	uint64_t t0 = time_mono_ms();

	server_start(M_NO_REPLY);
	connect_rec(&r, 0, 300);
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.err.code, ERR_TIMEOUT);
	ck_assert_uint_ge(time_mono_ms() - t0, 290);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct rec r;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	/* a port nobody listens on */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &al);
	srv.port = ntohs(a.sin_port);
	close(s);
	connect_rec(&r, 0, 0);
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.err.code, ERR_NET);
	ck_assert_msg(strstr(r.err.msg, "connection refused") != NULL, "%s", r.err.msg);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_pings)
{
	struct rec r;

	server_start(M_ECHO);
	connect_rec(&r, 100, 0);
	WAIT(r.opened == 1, 5000);
	WAIT(got_pings >= 2, 3000);
	/* the server's pongs reach the caller as messages */
	WAIT(r.messages >= 2, 3000);
	ck_assert(str_has_prefix(r.text.data, "10:7:datalab;"));
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_free_inside_callback)
{
	struct rec r;
	int never = 0;

	server_start(M_GLUED);
	connect_rec(&r, 0, 0);
	r.free_in_message = true;
	WAIT(r.messages == 1, 5000);
	ck_assert_ptr_null(r.ws);
	/* no callback after the free, even though a second message was there */
	while (never < 20) {
		loop_run_once(loop, 10);
		never++;
	}
	ck_assert_int_eq(r.messages, 1);
	ck_assert_int_eq(r.closed, 0);
	rec_release(&r);
}
END_TEST

START_TEST(test_silent_server)
{
	struct rec r;
	char *url;
	struct ws_opts o = { .protocols = protos, .dead_ms = 300 };
	struct error err;
	uint64_t t0;

	server_start(M_SILENT);
	url = xasprintf("http://127.0.0.1:%d/x", srv.port);
	o.url = url;
	memset(&r, 0, sizeof(r));
	buf_init(&r.text, 0);
	buf_init(&r.body, 0);
	r.ws = ws_connect(loop, &o, &cbs, &r, &err);
	WAIT(r.opened == 1, 5000);
	t0 = time_mono_ms();
	WAIT(r.closed == 1, 5000);
	ck_assert_int_eq(r.err.code, ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "nothing received"));
	ck_assert_uint_ge(time_mono_ms() - t0, 250);
	ws_free(r.ws);
	free(url);
	rec_release(&r);
}
END_TEST

START_TEST(test_close_unanswered)
{
	struct rec r;
	uint64_t t0;

	server_start(M_SILENT);
	connect_rec(&r, 0, 0);
	WAIT(r.opened == 1, 5000);
	t0 = time_mono_ms();
	ws_close(r.ws, 1000, "");
	WAIT(r.closed == 1, 7000);
	ck_assert_int_eq(r.err.code, ERR_TIMEOUT);
	ck_assert_uint_ge(time_mono_ms() - t0, 4900);
	ws_free(r.ws);
	rec_release(&r);
}
END_TEST

/* flow control: paused from inside on_message, nothing more is read
 * (what that read held excepted) while writes go on; resumed, the rest
 * comes in bounded reads per wake-up and the server's ping is answered */
START_TEST(test_pause_and_resume)
{
	struct rec r;
	struct ws *ws;
	struct error err;
	uint64_t end;
	int held, most = 0;

	server_start(M_FLOOD);
	ws = connect_rec(&r, 0, 0);
	r.pause_in_message = true;
	WAIT(r.messages >= 1, 5000);
	ck_assert(ws_read_paused(ws));
	held = r.messages;
	ck_assert_int_le(held, 8);	/* one read of 64 KiB, at most */
	end = time_mono_ms() + 300;
	while (time_mono_ms() < end)
		loop_run_once(loop, 20);
	ck_assert_int_eq(r.messages, held);
	/* writes go on while paused */
	ck_assert_int_eq(ws_send(ws, WSFRAME_PING, "cli", 3, &err), 0);
	WAIT(ws_queued(ws) == 0, 5000);
	ck_assert_int_eq(got_pongs, 0);	/* the server's ping is not read yet */
	ws_resume_read(ws);
	ck_assert(!ws_read_paused(ws));
	end = time_mono_ms() + 20000;
	while (r.messages < FLOOD_FRAMES && time_mono_ms() < end) {
		int before = r.messages;

		loop_run_once(loop, 20);
		most = DL_MAX(most, r.messages - before);
	}
	ck_assert_int_ge(r.messages, FLOOD_FRAMES);
	/* 64 KiB a read, at most two reads a wake-up (the fd, the timer) */
	ck_assert_int_le(most, 2 * (65536 / FLOOD_FRAME + 1));
	WAIT(got_pongs == 1, 5000);	/* the ping, answered once read */
	WAIT(r.messages == FLOOD_FRAMES + 1, 5000);	/* our ping's pong, last */
	ck_assert_uint_eq(r.bytes, (size_t)FLOOD_FRAMES * FLOOD_FRAME + 3);
	ws_free(ws);
	rec_release(&r);
}
END_TEST

START_TEST(test_bad_options)
{
	struct ws_opts o = { .url = "ftp://x/y" };
	const char *const bad_headers[] = { "X: a\r\nInjected: yes", NULL };
	const char *const bad_protos[] = { "a, b", NULL };
	struct error err;

	ck_assert_ptr_null(ws_connect(loop, &o, &cbs, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "not a WebSocket URL"));
	o.url = "http://127.0.0.1:1/";
	o.headers = bad_headers;
	ck_assert_ptr_null(ws_connect(loop, &o, &cbs, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "line break"));
	o.headers = NULL;
	o.protocols = bad_protos;
	ck_assert_ptr_null(ws_connect(loop, &o, &cbs, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid WebSocket subprotocol"));
}
END_TEST

static Suite *ws_suite(void)
{
	Suite *s = suite_create("ws");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_handshake_and_echo);
	tcase_add_test(tc, test_big_message_queue_drains);
	tcase_add_test(tc, test_fragments_and_control_frames);
	tcase_add_test(tc, test_frames_glued_to_101);
	tcase_add_test(tc, test_wrong_accept);
	tcase_add_test(tc, test_protocol_not_offered);
	tcase_add_test(tc, test_no_protocol_chosen);
	tcase_add_loop_test(tc, test_refused_upgrade, 0, 2);
	tcase_add_test(tc, test_oversize_closes_1009);
	tcase_add_test(tc, test_bad_frame_closes_1002);
	tcase_add_test(tc, test_server_closes);
	tcase_add_test(tc, test_dropped);
	tcase_add_test(tc, test_handshake_timeout);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_pings);
	tcase_add_test(tc, test_free_inside_callback);
	tcase_add_test(tc, test_silent_server);
	tcase_add_test(tc, test_close_unanswered);
	tcase_add_test(tc, test_pause_and_resume);
	tcase_add_test(tc, test_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ws_suite)
