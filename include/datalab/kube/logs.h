/*
 * logs.h: a container's log, read once or followed.
 *
 * logs_start looks at the pod first, as kubectl does, to pick the
 * container (the kubectl.kubernetes.io/default-container annotation, else
 * the first), then streams GET .../pods/P/log?container=C&follow=...
 * chunk by chunk to on_data: bytes exactly as the server sent them
 * (callers that draw them sanitize).  on_end runs once: err->code
 * ERR_NONE when the log ended (a finished read, or the container's end
 * while following), else why it stopped.
 *
 * With resume (and follow), a stream that drops (the connection cut, a
 * 5xx, the API server restarting, or a clean end while the container
 * still runs) is asked again after a back-off (0.5 s doubling to 8 s,
 * reset by data), from sinceTime = the second of the last line given out.
 * For that the log is asked with timestamps; on_data then gets whole
 * lines, their timestamps taken off unless opts.timestamps asked for
 * them, and the lines the server sends again (those up to the last one
 * given out, timestamps compared to the nanosecond, then as many lines
 * with that very timestamp as were given) are dropped, so none is given
 * twice or lost.  on_retry says each drop.
 */
#ifndef DATALAB_KUBE_LOGS_H
#define DATALAB_KUBE_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/kube/client.h"

struct logs;

struct logs_opts {
	const char *ns, *pod;
	const char *container;	/* NULL: the pod's default container */
	bool follow;
	bool previous;		/* the previous instance's log */
	bool timestamps;
	long tail_lines;	/* < 0: all */
	long since_seconds;	/* 0: all */
	const char *since_time;	/* RFC 3339, or NULL (since_seconds wins) */
	long limit_bytes;	/* 0: no limit */
	bool resume;		/* follow across dropped streams (see above) */
};

struct logs_cbs {
	void (*on_data)(struct logs *l, const char *p, size_t n, void *arg);
	void (*on_end)(struct logs *l, const struct error *err, void *arg);
	/* on_retry: the stream dropped (err); it is asked again in delay_ms
	 * (resume only; may be NULL). */
	void (*on_retry)(struct logs *l, const struct error *err, long delay_ms, void *arg);
};

struct logs *logs_start(struct kube *k, const struct logs_opts *o, const struct logs_cbs *cbs, void *arg,
			struct error *err);
/* logs_free: stops the stream without callbacks; allowed inside them. */
void logs_free(struct logs *l);
/* logs_container: the container read ("" until the pod was seen). */
const char *logs_container(const struct logs *l);

/* logs_path: the log request path for o with container c (URL-encoded). */
int logs_path(struct buf *out, const struct logs_opts *o, const char *c);
/* logs_default_container: the container kubectl would pick in pod, or NULL. */
const char *logs_default_container(const cJSON *pod);

#endif
