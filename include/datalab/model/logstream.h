/*
 * logstream.h: one pod's log, streamed: GET .../pods/P/log?follow=true
 * through kube_call with on_data, as `kubectl logs -f` reads it.
 *
 * Chunks are handed on as they arrive, split anywhere (the text pane
 * keeps the unfinished line).  The stream ends when the container exits
 * or the connection drops: on_end says which (err ERR_NONE for a clean
 * end).  Bytes are as the container wrote them: views sanitize.
 */
#ifndef DATALAB_MODEL_LOGSTREAM_H
#define DATALAB_MODEL_LOGSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/error.h"
#include "datalab/kube/client.h"

struct logstream_opts {
	const char *namespace, *pod;
	const char *container;	/* NULL: the pod's only (or default) container */
	bool follow;
	long tail_lines;	/* 0: all; kubectl logs' --tail */
	bool previous;		/* the previous container (after a crash) */
};

typedef void logstream_data_fn(void *arg, const char *p, size_t n);
typedef void logstream_end_fn(void *arg, const struct error *err);

struct logstream;

/* logstream_start: NULL with err when the request cannot be sent. */
struct logstream *logstream_start(struct kube *k, const struct logstream_opts *opts, logstream_data_fn *on_data,
			    logstream_end_fn *on_end, void *arg, struct error *err);
/* logstream_free: stops the stream; no callback after it.  NULL is a no-op.
 * Not from inside one of its callbacks. */
void logstream_free(struct logstream *l);
/* logstream_bytes: bytes received so far. */
size_t logstream_bytes(const struct logstream *l);
bool logstream_running(const struct logstream *l);

#endif
