/*
 * podlog.h: one pod's log, streamed: GET .../pods/P/log?follow=true
 * through kube_call with on_data, as `kubectl logs -f` reads it.
 *
 * Chunks are handed on as they arrive, split anywhere (the text pane
 * keeps the unfinished line).  The stream ends when the container exits
 * or the connection drops: on_end says which (err ERR_NONE for a clean
 * end).  Bytes are as the container wrote them: views sanitize.
 */
#ifndef DATALAB_MODEL_PODLOG_H
#define DATALAB_MODEL_PODLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/error.h"
#include "datalab/kube/client.h"

struct podlog_opts {
	const char *namespace, *pod;
	const char *container;	/* NULL: the pod's only (or default) container */
	bool follow;
	long tail_lines;	/* 0: all; kubectl logs' --tail */
	bool previous;		/* the previous container (after a crash) */
};

typedef void podlog_data_fn(void *arg, const char *p, size_t n);
typedef void podlog_end_fn(void *arg, const struct error *err);

struct podlog;

/* podlog_start: NULL with err when the request cannot be sent. */
struct podlog *podlog_start(struct kube *k, const struct podlog_opts *opts, podlog_data_fn *on_data,
			    podlog_end_fn *on_end, void *arg, struct error *err);
/* podlog_free: stops the stream; no callback after it.  NULL is a no-op.
 * Not from inside one of its callbacks. */
void podlog_free(struct podlog *l);
/* podlog_bytes: bytes received so far. */
size_t podlog_bytes(const struct podlog *l);
bool podlog_running(const struct podlog *l);

#endif
