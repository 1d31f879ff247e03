/*
 * logstream.c: a pod's log stream (see logstream.h).
 *
 * One kube_call with on_data; its done callback is the end of the
 * stream.  The path is built with each part URL-encoded.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/logstream.h"

struct logstream {
	struct kube_call *call;
	logstream_data_fn *on_data;
	logstream_end_fn *on_end;
	void *arg;
	size_t bytes;
};

static void on_chunk(struct kube_call *c, const char *p, size_t n, void *arg)
{
	struct logstream *l = arg;

	(void)c;
	l->bytes += n;
	if (l->on_data)
		l->on_data(l->arg, p, n);
}

static void on_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct logstream *l = arg;

	(void)c;
	(void)body;
	l->call = NULL;
	if (l->on_end)
		l->on_end(l->arg, err);
}

struct logstream *logstream_start(struct kube *k, const struct logstream_opts *o, logstream_data_fn *on_data,
			    logstream_end_fn *on_end, void *arg, struct error *err)
{
	struct logstream *l = xcalloc(1, sizeof(*l));
	struct kube_req rq = { 0 };
	struct buf path;

	buf_init(&path, 4096);
	buf_adds(&path, "/api/v1/namespaces/");
	str_url_encode(&path, o->namespace, strlen(o->namespace), false);
	buf_adds(&path, "/pods/");
	str_url_encode(&path, o->pod, strlen(o->pod), false);
	buf_addf(&path, "/log?follow=%s", o->follow ? "true" : "false");
	if (o->tail_lines > 0)
		buf_addf(&path, "&tailLines=%ld", o->tail_lines);
	if (o->previous)
		buf_adds(&path, "&previous=true");
	if (o->container) {
		buf_adds(&path, "&container=");
		str_url_encode(&path, o->container, strlen(o->container), false);
	}
	l->on_data = on_data;
	l->on_end = on_end;
	l->arg = arg;
	rq.path = path.data;
	rq.on_data = on_chunk;
	rq.accept = "*/*";
	l->call = kube_call(k, &rq, on_done, l, err);
	buf_release(&path);
	if (!l->call) {
		free(l);
		return NULL;
	}
	return l;
}

void logstream_free(struct logstream *l)
{
	if (!l)
		return;
	kube_cancel(l->call);
	free(l);
}

size_t logstream_bytes(const struct logstream *l)
{
	return l->bytes;
}

bool logstream_running(const struct logstream *l)
{
	return l->call != NULL;
}
