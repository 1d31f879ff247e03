/*
 * api_stream.c: streamed responses of the sandbox's server (api.h): watch
 * and log streams.
 *
 * A stream is a response fed by a content reader from a queue that
 * api_stream_write fills.  When the queue is empty the connection is
 * suspended (no busy loop) and its socket is watched for a hang-up, which
 * MHD cannot see while it is suspended; a write or an end resumes it and
 * kicks MHD (api_kick).  Both the connection (through the completion
 * callback, api_stream_conn_done) and the response (through its free
 * callback) hold a reference, so a stream lives until both are done.  A
 * client more than 64 MiB behind loses its stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/api.h"
#include "api-internal.h"

#define STREAM_MAX_QUEUE (64u * 1024 * 1024)

static void stream_unref(struct api_stream *st)
{
	if (--st->refs > 0)
		return;
	if (st->watching)
		loop_unwatch_fd(st->api->loop, st->fd);
	if (st->prev)
		st->prev->next = st->next;
	else if (st->api->streams == st)
		st->api->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	buf_release(&st->q);
	free(st);
}

void api_stream_wake(struct api_stream *st)
{
	if (st->watching) {
		loop_unwatch_fd(st->api->loop, st->fd);
		st->watching = false;
	}
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->conn);
		api_kick(st->api);
	}
}

/* A parked stream's socket became readable: a client never sends on a
 * watch or log stream, so it is a hang-up (or a TLS close_notify). */
static void on_stream_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct api_stream *st = arg;
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	(void)l;
	(void)events;
	if (r > 0 && !st->api->tls) {
		loop_unwatch_fd(st->api->loop, fd);	/* pipelined bytes: not ours */
		st->watching = false;
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	st->gone = true;
	api_stream_wake(st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *st = cls;
	size_t avail = st->q.len - st->off, n;

	(void)pos;
	if (st->gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (avail) {
		n = DL_MIN(avail, max);
		memcpy(buf, st->q.data + st->off, n);
		st->off += n;
		if (st->off == st->q.len) {
			buf_reset(&st->q);
			st->off = 0;
		} else if (st->off > 1024 * 1024) {
			buf_consume(&st->q, st->off);
			st->off = 0;
		}
		return (ssize_t)n;
	}
	if (st->ending)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* nothing to send: park the connection until a write or an end */
	MHD_suspend_connection(st->conn);
	st->suspended = true;
	if (st->fd >= 0 && loop_watch_fd(st->api->loop, st->fd, LOOP_READ, on_stream_fd, st) == 0)
		st->watching = true;
	return 0;
}

static void stream_free_cb(void *cls)
{
	stream_unref(cls);
}

/* api_stream_conn_done: the connection is over (completed or closed). */
void api_stream_conn_done(struct api_stream *st)
{
	st->gone = true;
	if (st->watching) {
		loop_unwatch_fd(st->api->loop, st->fd);
		st->watching = false;
	}
	if (!st->closed) {
		st->closed = true;
		if (st->on_close)
			st->on_close(st, st->arg);
	}
	stream_unref(st);
}

int api_stream_write(struct api_stream *st, const void *p, size_t n)
{
	if (!st || st->ending || st->gone)
		return -1;
	if (st->q.len - st->off + n > STREAM_MAX_QUEUE) {
		log_warn("api: a stream client is too slow, ending its stream");
		st->gone = true;
		api_stream_wake(st);
		return -1;
	}
	buf_add(&st->q, p, n);
	api_stream_wake(st);
	return 0;
}

size_t api_stream_queued(const struct api_stream *st)
{
	return st ? st->q.len - st->off : 0;
}

void api_stream_end(struct api_stream *st)
{
	if (!st || st->ending)
		return;
	st->ending = true;
	api_stream_wake(st);
}

struct api_stream *api_stream_start(struct api_req *rq, int code, const char *ctype,
				    api_stream_close_fn *on_close, void *arg)
{
	struct conn_state *cs = api_state_of(rq);
	struct api_stream *st = xcalloc(1, sizeof(*st));
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *r;

	st->api = cs->api;
	st->conn = rq->conn;
	st->refs = 2;
	st->on_close = on_close;
	st->arg = arg;
	buf_init(&st->q, 0);
	ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	st->fd = ci ? ci->connect_fd : -1;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, st,
					      stream_free_cb);
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	st->next = cs->api->streams;
	if (st->next)
		st->next->prev = st;
	cs->api->streams = st;
	cs->stream = st;
	if (api_queue(cs, code, r) < 0) {
		/* MHD refused: the response was freed (one ref); drop the other */
		cs->stream = NULL;
		st->closed = true;
		stream_unref(st);
		return NULL;
	}
	return st;
}
