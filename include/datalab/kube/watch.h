/*
 * watch.h: the Kubernetes watch stream parser.
 *
 * A watch body is one JSON event per line: {"type":..., "object":{...}}.
 * Chunks arrive split anywhere; the parser keeps the unfinished line in a
 * buffer capped at max_line (default 64 MiB, so a 50 MB object still
 * passes) and parses each whole line in place when it fits in one chunk.
 * Lines that are not an event (bad JSON, unknown type, no object) are
 * skipped and counted, never fatal: a watch outlives one odd line.
 */
#ifndef DATALAB_KUBE_WATCH_H
#define DATALAB_KUBE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"

enum watch_type {
	WATCH_ADDED,
	WATCH_MODIFIED,
	WATCH_DELETED,
	WATCH_BOOKMARK,
	WATCH_ERROR,
};

#define WATCH_MAX_LINE (64u * 1024 * 1024)

struct watch_event {
	enum watch_type type;
	/* the object; the callback may keep it by setting object to NULL */
	cJSON *object;
	const char *resource_version;	/* metadata.resourceVersion, or NULL */
	/* ERROR events: the Status fields (code 0 when the object is not a Status) */
	int code;
	const char *reason;
	const char *message;
};

typedef void watch_event_fn(struct watch_event *ev, void *arg);

struct watch_parser {
	watch_event_fn *fn;
	void *arg;
	struct buf line;	/* an unfinished line */
	size_t max_line;
	bool discarding;	/* inside a line past max_line */
	unsigned long events;	/* delivered */
	unsigned long skipped;	/* malformed or oversized lines */
};

/* watch_parser_init: max_line 0 = WATCH_MAX_LINE. */
void watch_parser_init(struct watch_parser *w, size_t max_line, watch_event_fn *fn, void *arg);
/* watch_parser_feed: consumes a chunk, calling fn per complete event line. */
void watch_parser_feed(struct watch_parser *w, const char *p, size_t n);
/* watch_parser_finish: the stream ended; an unterminated last line is a
 * cut event (the connection dropped): counted as skipped, dropped. */
void watch_parser_finish(struct watch_parser *w);
void watch_parser_release(struct watch_parser *w);

/* watch_type_name: "ADDED" ... for logs and tests. */
const char *watch_type_name(enum watch_type t);

#endif
