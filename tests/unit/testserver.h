/*
 * testserver.h: an in-process HTTP server for client tests.
 *
 * libmicrohttpd runs in its own threads (one per connection, so a handler
 * may sleep or stream slowly without stalling the others) on an ephemeral
 * loopback port.  A test supplies one handler that sees the method, path,
 * query string, request headers and the whole request body.  Header-only:
 * each test binary that includes it gets its own copy.
 */
#ifndef DATALAB_TESTSERVER_H
#define DATALAB_TESTSERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "testutil.h"

struct ts_req {
	struct MHD_Connection *conn;
	const char *method, *path;
	const char *body;
	size_t body_len;
};

typedef enum MHD_Result ts_handler_fn(const struct ts_req *rq, void *arg);

struct ts {
	struct MHD_Daemon *d;
	int port;
	ts_handler_fn *fn;
	void *arg;
	atomic_int connections;	/* TCP connections accepted */
	atomic_int requests;
};

struct ts_conn_state {
	struct buf body;
};

static DL_UNUSED void ts_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe)
{
	struct ts *t = cls;

	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&t->connections, 1);
}

static DL_UNUSED void ts_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct ts_conn_state *st = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (st) {
		buf_release(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

static DL_UNUSED enum MHD_Result ts_access(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct ts *t = cls;
	struct ts_conn_state *st = *con_cls;
	struct ts_req rq;

	(void)version;
	if (!st) {
		st = xcalloc(1, sizeof(*st));
		buf_init(&st->body, 0);
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size) {
		buf_add(&st->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&t->requests, 1);
	rq.conn = c;
	rq.method = method;
	rq.path = url;
	rq.body = st->body.data;
	rq.body_len = st->body.len;
	return t->fn(&rq, t->arg);
}

/* ts_start: flags may add MHD_USE_TLS (then cert and key are PEM). */
static DL_UNUSED int ts_start_opts(struct ts *t, ts_handler_fn *fn, void *arg, unsigned flags, const char *cert,
			 const char *key)
{
	const union MHD_DaemonInfo *info;

	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	if (flags & MHD_USE_TLS)
		t->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					flags, 0, NULL, NULL, ts_access, t,
					MHD_OPTION_NOTIFY_CONNECTION, ts_notify, t,
					MHD_OPTION_NOTIFY_COMPLETED, ts_completed, t,
					MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
					MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	else
		t->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					flags, 0, NULL, NULL, ts_access, t,
					MHD_OPTION_NOTIFY_CONNECTION, ts_notify, t,
					MHD_OPTION_NOTIFY_COMPLETED, ts_completed, t, MHD_OPTION_END);
	if (!t->d)
		return -1;
	info = MHD_get_daemon_info(t->d, MHD_DAEMON_INFO_BIND_PORT);
	t->port = info ? info->port : 0;
	return t->port ? 0 : -1;
}

static DL_UNUSED int ts_start(struct ts *t, ts_handler_fn *fn, void *arg)
{
	return ts_start_opts(t, fn, arg, 0, NULL, NULL);
}

static DL_UNUSED void ts_stop(struct ts *t)
{
	if (t->d)
		MHD_stop_daemon(t->d);
	t->d = NULL;
}

/* ts_url: "http://127.0.0.1:PORT" + path into a static buffer per call site. */
static DL_UNUSED char *ts_url(const struct ts *t, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", t->port, path);
}

static DL_UNUSED enum MHD_Result ts_reply(struct MHD_Connection *c, unsigned status, const char *ctype,
				const char *body, size_t n)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static DL_UNUSED enum MHD_Result ts_reply_str(struct MHD_Connection *c, unsigned status, const char *ctype,
				    const char *body)
{
	return ts_reply(c, status, ctype, body, strlen(body));
}

/* ts_reply_testdata: TESTDATA/name as the body (empty when unreadable:
 * this runs on the server's thread, where no check may fail). */
static DL_UNUSED enum MHD_Result ts_reply_testdata(struct MHD_Connection *c, unsigned status, const char *ctype,
						  const char *name)
{
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/%s", TESTDATA, name);
	enum MHD_Result r;

	file_read(path, &b, NULL);
	r = ts_reply(c, status, ctype, b.data, b.len);
	buf_release(&b);
	free(path);
	return r;
}

/* ts_reply_file: the file at path (NULL: none) as application/octet-stream,
 * or a 404 when it cannot be read. */
static DL_UNUSED enum MHD_Result ts_reply_file(struct MHD_Connection *c, const char *path)
{
	struct buf b = BUF_INIT;
	enum MHD_Result r;

	if (!path || file_read(path, &b, NULL) < 0)
		r = ts_reply_str(c, 404, "text/plain", "not found");
	else
		r = ts_reply(c, 200, "application/octet-stream", b.data, b.len);
	buf_release(&b);
	return r;
}

/* ts_wait: runs the loop until *flag is set or ms pass; returns *flag. */
static DL_UNUSED int ts_wait(struct loop *l, const volatile int *flag, long ms)
{
	uint64_t end = time_mono_ms() + (uint64_t)ms;

	while (!*flag && time_mono_ms() < end)
		loop_run_once(l, 50);
	return *flag;
}

#endif
