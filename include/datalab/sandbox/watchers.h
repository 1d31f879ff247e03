/*
 * watchers.h: watch streams (?watch=true), fed by the store's changes.
 *
 * A watch is a chunked 200 of one JSON event per line ({"type":...,
 * "object":...}).  It starts with synthetic ADDED events for the current
 * objects when resourceVersion is unset or "0"; with sendInitialEvents=true
 * those are followed by a BOOKMARK annotated k8s.io/initial-events-end
 * (what client-go's streaming list and helm --wait expect); from a given
 * resourceVersion it replays the store's ring, or sends an ERROR 410
 * Expired and ends when that version is too old.  Then every committed
 * change of the kind that matches the namespace and the label and field
 * selectors is sent, as the object, a one-row Table or a
 * PartialObjectMetadata, depending on Accept; a change that makes an
 * object stop (start) matching is sent as DELETED (ADDED).  With
 * allowWatchBookmarks a BOOKMARK goes out every minute (or
 * DATALAB_SANDBOX_BOOKMARK_MS); timeoutSeconds (default 30 to 60 minutes)
 * ends the stream.  Slow clients are cut by the stream's queue cap.
 */
#ifndef DATALAB_SANDBOX_WATCHERS_H
#define DATALAB_SANDBOX_WATCHERS_H

#include <stddef.h>

#include "datalab/sandbox/api.h"
#include "datalab/sandbox/media.h"

struct watchers;

/* watchers_new: subscribes to the API's store. */
struct watchers *watchers_new(struct api *a);
/* watchers_free: the streams themselves are ended by api_stop. */
void watchers_free(struct watchers *w);

/* watchers_start: answers rq (whose kind and namespace are resolved; name
 * set for a watch on one object's path) with a watch stream, or an error
 * Status for bad parameters. */
int watchers_start(struct watchers *w, struct api_req *rq, enum media_form form);

/* watchers_count: open watch streams (tests, benchmarks). */
size_t watchers_count(const struct watchers *w);

#endif
