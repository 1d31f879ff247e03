/*
 * store.h: the sandbox's object store, the one place API objects live.
 *
 * Objects are cJSON trees keyed by (group/resource, namespace, name), kept
 * in memory in key order and persisted in DIR/store/journal: every write is
 * appended (and fdatasync'd unless disabled) before the write returns, so
 * an answer the API sent is never lost, even to kill -9; at open the
 * journal is replayed (a torn last line is dropped) and compacted when it
 * grows past twice the live data.
 *
 * One global resourceVersion counter numbers every write.  A committed
 * object is immutable and reference counted (struct store_obj): readers,
 * watchers and the change ring share it without copies; a write builds a
 * new one.  The ring of recent changes serves watches from a version and
 * consistent list pages; a version older than the ring is "too old" (410).
 *
 * Every write goes through the same steps, whoever calls (the HTTP API or
 * code such as controllers): checks (names, labels, namespace exists and
 * is not terminating, preconditions), system fields (uid, creation time,
 * generation +1 when anything outside metadata and status changes,
 * generateName + 5 random characters, resourceVersion, managedFields),
 * per-kind defaults (strategy), admission hooks (may refuse: a quota 403),
 * persistence, then notification: the ring, watch streams and subscribers.
 *
 * Deletion honours finalizers and deletionTimestamp, and propagation:
 * Background (dependents collected afterwards), Foreground (finalizer
 * foregroundDeletion until blocking dependents are gone), Orphan
 * (finalizer orphan; dependents lose the ownerReference).  The garbage
 * collector runs on the loop, after the write that triggered it.
 *
 * For part 2 (controllers, scheduler, pod lifecycle, quota):
 * - subscribe with store_subscribe: fn(op, obj, old) after each commit;
 *   writes made from a subscriber are delivered after the current round,
 *   never nested;
 * - write with store_create / store_update / store_delete, and
 *   store_write.status_only for status updates (no generation bump);
 * - refuse writes with store_add_admission (e.g. quota: 403 Forbidden
 *   "exceeded quota: ..."); the refusal reaches the client as a Status;
 * - delay work with loop timers on store_loop(s);
 * - make pod deletion graceful with store_set_graceful (the kubelet's
 *   part: finish with a delete of grace 0 once the pod has stopped).
 */
#ifndef DATALAB_SANDBOX_STORE_H
#define DATALAB_SANDBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/status.h"

/* A committed object: immutable, shared.  Never change obj. */
struct store_obj {
	const struct kind *kind;	/* storage kind */
	cJSON *obj;		/* the object, apiVersion/kind set */
	const char *ns;		/* "" for cluster-scoped kinds */
	const char *name;
	const char *json;	/* compact JSON of obj */
	size_t len;
	uint64_t rv;		/* metadata.resourceVersion */
	int refs;
};

enum store_op { STORE_ADDED, STORE_MODIFIED, STORE_DELETED };

struct store_opts {
	bool no_fsync;		/* append but skip fdatasync (benchmarks; kill -9 still safe) */
	size_t ring;		/* changes kept for watches; 0 = 10,000 */
};

struct store;

/* store_open: loads DIR/store (creating it).  The registry learns the
 * stored CRDs' kinds.  Returns NULL with err on an unreadable journal. */
struct store *store_open(const char *dir, struct kinds *ks, struct loop *l,
			 const struct store_opts *opts, struct error *err);
void store_close(struct store *s);
struct loop *store_loop(struct store *s);
struct kinds *store_kinds(struct store *s);

/* store_obj_ref / store_obj_unref: keep an object past the current call. */
const struct store_obj *store_obj_ref(const struct store_obj *o);
void store_obj_unref(const struct store_obj *o);
/* store_obj_copy: a deep copy of the tree, to change and write back. */
cJSON *store_obj_copy(const struct store_obj *o);

/* ---- reads ---- */

/* store_rv: the current (latest) resourceVersion. */
uint64_t store_rv(const struct store *s);
/* store_get: the object or NULL (borrowed: valid until the next write;
 * store_obj_ref it to keep it).  ns is ignored for cluster-scoped kinds. */
const struct store_obj *store_get(struct store *s, const struct kind *k, const char *ns,
				  const char *name);
/* store_find_uid: any object by metadata.uid, or NULL. */
const struct store_obj *store_find_uid(struct store *s, const char *uid);

typedef bool store_each_fn(const struct store_obj *o, void *arg);	/* false stops */
/* store_each: the objects of k (in ns, or all namespaces when ns is NULL
 * or ""), in key order (namespace, then name), starting after the key
 * (after_ns, after_name) when after_name is not NULL.  The store must
 * not be written during the walk. */
void store_each(struct store *s, const struct kind *k, const char *ns, const char *after_ns,
		const char *after_name, store_each_fn *fn, void *arg);
/* store_count: objects of k in ns (NULL = all). */
size_t store_count(struct store *s, const struct kind *k, const char *ns);

/*
 * store_snapshot: the objects of k in ns (NULL = all) as they were at
 * resourceVersion rv, in key order: current objects with the changes after
 * rv undone from the ring.  Returns a NULL-terminated array of references
 * (free with store_snapshot_free), or NULL with a 410 in st when rv is
 * older than the ring.  Used for continue tokens and resourceVersionMatch=Exact.
 */
const struct store_obj **store_snapshot(struct store *s, const struct kind *k, const char *ns,
					uint64_t rv, size_t *count, struct status *st);
void store_snapshot_free(const struct store_obj **objs);

/* ---- changes ---- */

struct store_event {
	enum store_op op;
	const struct store_obj *obj;	/* new state; for DELETED the last state, with the delete's rv */
	const struct store_obj *old;	/* previous state (NULL for ADDED) */
	uint64_t rv;
};

/* store_oldest_rv: watches may start from any rv >= this one. */
uint64_t store_oldest_rv(const struct store *s);
/* store_since: calls fn for each ring event with rv > from (oldest first);
 * -1 with a 410 "too old resource version" in st when from < oldest. */
int store_since(struct store *s, uint64_t from, void (*fn)(const struct store_event *ev, void *arg),
		void *arg, struct status *st);

typedef void store_change_fn(struct store *s, const struct store_event *ev, void *arg);
/* store_subscribe: fn sees every committed change, after it is persisted
 * and in the ring; returns an id for store_unsubscribe. */
uint64_t store_subscribe(struct store *s, store_change_fn *fn, void *arg);
void store_unsubscribe(struct store *s, uint64_t id);

/* ---- writes (st must not be NULL) ---- */

struct store_write {
	const char *manager;	/* fieldManager; NULL = "datalab-sandbox" */
	bool dry_run;		/* everything but persisting and notifying */
	bool status_only;	/* the status subresource: only .status changes */
	bool apply;		/* managedFields were set by patch_apply: keep them */
	bool keep_status;	/* main-resource write of a kind with a status
				 * subresource: .status stays as stored (the API
				 * sets it; code that owns the status does not) */
	const char *subresource;	/* for admission hooks: "scale", "status", ... */
};

/*
 * store_create: stores obj (taken: freed in every case) under k in ns
 * (ignored for cluster-scoped kinds; a different metadata.namespace is a
 * 400).  *out (may be NULL) gets the committed object, borrowed.
 * Returns 0, or -1 with st: 409 AlreadyExists, 404 namespace not found,
 * 403 namespace terminating or refused by admission, 422 Invalid.
 */
int store_create(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st);
/*
 * store_update: replaces the object named by obj's metadata.name (obj is
 * taken).  A metadata.resourceVersion in obj must equal the stored one
 * (else 409 Conflict); an empty one means "whatever is stored".  A write
 * that changes nothing commits nothing (no new resourceVersion, no event).
 * Removing the last finalizer of an object being deleted deletes it.
 */
int store_update(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st);

enum store_propagation {
	STORE_PROPAGATE_DEFAULT,	/* the kind's default: Background */
	STORE_PROPAGATE_BACKGROUND,
	STORE_PROPAGATE_FOREGROUND,
	STORE_PROPAGATE_ORPHAN,
};

struct store_delete {
	enum store_propagation propagation;
	const char *uid;	/* preconditions, NULL = none */
	const char *rv;
	bool dry_run;
	int64_t grace_seconds;	/* -1 = the object's default */
};

/*
 * store_delete: deletes (or, with finalizers or Foreground/Orphan, marks
 * with deletionTimestamp) the object.  *out gets the last state (borrowed)
 * and *gone tells whether it is gone now (200) or pending (202).
 */
int store_delete(struct store *s, const struct kind *k, const char *ns, const char *name,
		 const struct store_delete *d, const struct store_obj **out, bool *gone,
		 struct status *st);

/*
 * Admission: fn runs for every create, update and delete (obj is the
 * object about to be committed, mutable: a hook may set defaults; old is
 * the stored one, NULL on create; on delete obj is NULL).  Return 0 to
 * admit, -1 with st filled to refuse (e.g. 403 Forbidden for a quota).
 */
typedef int store_admit_fn(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			   const struct store_obj *old, const struct store_write *w,
			   struct status *st, void *arg);
void store_add_admission(struct store *s, store_admit_fn *fn, void *arg);

/*
 * store_set_graceful: deletes of k's objects (pods, for part 2's kubelet)
 * become graceful: with a grace period (the request's gracePeriodSeconds,
 * else default_seconds) the object only gets deletionTimestamp and
 * deletionGracePeriodSeconds and stays (202-like: *gone is false); the
 * owner of its lifecycle finishes with store_delete and grace_seconds 0.
 * Without this call every delete is immediate (finalizers aside).
 */
void store_set_graceful(struct store *s, const struct kind *k, int64_t default_seconds);
/*
 * store_set_grace_fn: the grace of each delete of k's objects comes from
 * fn (the pod strategy's CheckGracefulDelete: the object's own period,
 * 0 for a pod that never ran): requested is the DeleteOptions'
 * gracePeriodSeconds, -1 when none was given.  Makes k graceful if it was
 * not; fn NULL goes back to the kind's default_seconds.  A mark stays
 * until a delete of grace 0 (a later, shorter grace brings its deadline
 * closer), and updates keep it.
 */
typedef int64_t store_grace_fn(struct store *s, const cJSON *obj, int64_t requested, void *arg);
void store_set_grace_fn(struct store *s, const struct kind *k, store_grace_fn *fn, void *arg);

/* store_now: the RFC 3339 time written into timestamps (a test hook may
 * pin it with store_set_clock: seconds since the epoch, 0 = real time). */
const char *store_now(struct store *s);
void store_set_clock(struct store *s, int64_t fixed_seconds);

/* store_check: the invariants checker (tests): key order, one entry per
 * key, resourceVersions below the counter, uid index in step, ring in rv
 * order.  Returns 0 or -1 with a sentence in err. */
int store_check(struct store *s, struct error *err);

/* store_compact: rewrites the journal now (normally automatic). */
int store_compact(struct store *s, struct error *err);

#endif
