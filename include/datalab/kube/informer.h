/*
 * informer.h: a live, in-memory copy of one kind of Kubernetes object.
 *
 * An informer LISTs its path (paged with kube_list, limit 500), then
 * WATCHes from the list's resourceVersion with allowWatchBookmarks; each
 * watch event upserts or deletes one object in its store, indexed by
 * namespace/name and by label.  On 410 Gone it relists (and reports the
 * difference as adds, updates and deletes); when the stream drops it
 * re-watches from the last resourceVersion after a jittered backoff
 * (1 s doubling to 30 s).  It never blocks: everything runs on the loop.
 *
 * Consumers get callbacks and can read the store at any time.  The
 * objects handed out are owned by the store: borrowed, valid until the
 * next event for that object (copy what you keep).  Freshness: synced_at
 * is the last time the informer knew it was current (list done, event or
 * bookmark received); stale_since is when it lost the stream (0 while
 * fresh), so views can say "synced 3 s ago" or "stale since 12:03".
 *
 * Strings in objects are as the server sent them: views sanitize.
 */
#ifndef DATALAB_KUBE_INFORMER_H
#define DATALAB_KUBE_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/kube/client.h"

struct informer;

struct informer_cbs {
	/* on_add / on_update / on_delete: one object changed; old is the
	 * previous state (update only).  May be NULL. */
	void (*on_add)(struct informer *inf, const cJSON *obj, void *arg);
	void (*on_update)(struct informer *inf, const cJSON *obj, const cJSON *old, void *arg);
	void (*on_delete)(struct informer *inf, const cJSON *obj, void *arg);
	/* on_sync: a (re)list finished and the store is complete. */
	void (*on_sync)(struct informer *inf, void *arg);
	/* on_error: the stream failed or a (re)list failed (err worded for
	 * users: "not allowed to list 'nodes'", "connection refused to ...").
	 * Called once per change of state, not on every retry. */
	void (*on_error)(struct informer *inf, const struct error *err, void *arg);
	/* on_fresh: after an error, the informer is current again (a list
	 * finished, an event arrived, or a re-watch stayed open). */
	void (*on_fresh)(struct informer *inf, void *arg);
};

struct informer_opts {
	/* path: a collection, "/api/v1/namespaces/NS/pods" or "/api/v1/pods"
	 * (all namespaces) or "/apis/apps/v1/namespaces/NS/deployments". */
	const char *path;
	const char *label_selector;	/* NULL: all; not yet URL-encoded */
	const char *field_selector;	/* NULL: all; not yet URL-encoded */
	/* metadata.managedFields is dropped from stored objects (as
	 * client-go's TransformStripManagedFields) unless this is set */
	bool keep_managed_fields;
};

/* informer_new: copies opts; does nothing until informer_start. */
struct informer *informer_new(struct kube *k, const struct informer_opts *opts, const struct informer_cbs *cbs,
			      void *arg);
int informer_start(struct informer *inf, struct error *err);
/* informer_free: cancels its requests and timers; no callback after it.
 * Not from inside one of its own callbacks. */
void informer_free(struct informer *inf);

/* informer_get: the object, or NULL (cluster-scoped kinds: ns NULL or ""). */
const cJSON *informer_get(const struct informer *inf, const char *ns, const char *name);
size_t informer_count(const struct informer *inf);
/* informer_each: every object, in no particular order; fn must not
 * change the informer. */
void informer_each(const struct informer *inf, void (*fn)(const cJSON *obj, void *arg), void *arg);
/* informer_each_label: objects whose label key equals value. */
void informer_each_label(const struct informer *inf, const char *key, const char *value,
			 void (*fn)(const cJSON *obj, void *arg), void *arg);

bool informer_synced(const struct informer *inf);	/* the first list finished */
int64_t informer_synced_at(const struct informer *inf);	/* unix ms, 0 never */
int64_t informer_stale_since(const struct informer *inf);	/* unix ms, 0 when fresh */
/* informer_last_error: the error being retried, or NULL when fresh. */
const struct error *informer_last_error(const struct informer *inf);
const char *informer_path(const struct informer *inf);

/* informer_resource_path: the collection path of a resource the console
 * watches (pods, events, services, secrets, configmaps, resourcequotas,
 * persistentvolumeclaims, nodes, namespaces, deployments, statefulsets,
 * replicasets, jobs, ingresses; podmetrics and nodemetrics for lists of
 * metrics.k8s.io, which cannot be watched) in namespace ns (NULL or "": all
 * namespaces; ignored for cluster-scoped kinds) into dst.  -1 if unknown. */
int informer_resource_path(const char *resource, const char *ns, char *dst, size_t size);

/* Counters for tests and benchmarks. */
struct informer_stats {
	unsigned long lists, watches, events, relists, reconnects;
	size_t bytes;		/* approximate memory held by the store */
};
void informer_stats(const struct informer *inf, struct informer_stats *st);

#endif
