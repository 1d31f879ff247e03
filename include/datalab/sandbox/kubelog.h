/*
 * kubelog.h: one container's log: timestamped lines, the startup lines a
 * simulated container writes, and the /log query options applied to them.
 *
 * A log is a capped list of lines, each with its time in nanoseconds and a
 * sequence number; when the cap is reached the oldest lines go, as a
 * kubelet rotates.  Rendering applies the query of GET .../pods/P/log:
 * sinceSeconds/sinceTime, tailLines, timestamps (an RFC 3339 time with
 * nanoseconds, trailing zeros trimmed as Go's RFC3339Nano, and a space),
 * and limitBytes; following is rendering again from the sequence number
 * the last call returned.
 */
#ifndef DATALAB_SANDBOX_KUBELOG_H
#define DATALAB_SANDBOX_KUBELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"

struct kubelog;

struct kubelog_opts {
	int64_t tail_lines;	/* -1: all */
	int64_t since_ns;	/* lines at or after this time; 0: all */
	bool timestamps;
	int64_t limit_bytes;	/* 0: no limit */
};

#define PODLOG_OPTS_INIT { -1, 0, false, 0 }

/* kubelog_new: max_bytes caps the text kept (0 = 4 MiB). */
struct kubelog *kubelog_new(size_t max_bytes);
void kubelog_free(struct kubelog *log);
/* kubelog_append: p[0..n) split on '\n' (a last partial line is kept
 * whole) with time t_ns. */
void kubelog_append(struct kubelog *log, int64_t t_ns, const char *p, size_t n);
/* kubelog_startup: what the image prints when it starts, from t0_ns on, a
 * few milliseconds apart; images are matched by name (jupyter, rstudio,
 * code-server/vscode, postgres, nginx, redis, mlflow), others get a
 * generic line.  Returns the number of lines. */
size_t kubelog_startup(struct kubelog *log, const char *image, const char *pod, int64_t t0_ns);
/* kubelog_startup_text: the same lines as text, each ending in '\n' (what
 * a real main process prints). */
void kubelog_startup_text(struct buf *out, const char *image, const char *pod, int64_t t0_ns);
/* kubelog_render: the lines with a sequence number >= from that opts
 * select, appended to out; returns the sequence number to follow from. */
uint64_t kubelog_render(const struct kubelog *log, const struct kubelog_opts *opts, uint64_t from,
		       struct buf *out);
/* kubelog_lines: how many lines are kept. */
size_t kubelog_lines(const struct kubelog *log);

#endif
