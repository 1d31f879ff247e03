/*
 * store-internal.h: what store.c (data structures, reads, the ring,
 * notification, the journal) shares with store_write.c (the write
 * pipeline: checks, system fields, strategies, admission, commit).
 */
#ifndef DATALAB_SANDBOX_STORE_INTERNAL_H
#define DATALAB_SANDBOX_STORE_INTERNAL_H

#include "datalab/core/buf.h"
#include "datalab/sandbox/journal.h"
#include "datalab/sandbox/store.h"

struct bucket {
	char *group, *resource;
	const struct kind *kind;
	struct store_obj **v;
	size_t n, cap;
};

struct sub {
	uint64_t id;
	store_change_fn *fn;
	void *arg;
	bool dead;
};

struct admit {
	store_admit_fn *fn;
	void *arg;
};

struct umap {
	const struct store_obj **slots;
	size_t cap, used, n;	/* used counts tombstones too */
};

struct store {
	char *dir;
	struct journal *j;
	struct kinds *ks;
	struct loop *loop;
	struct store_opts opts;
	struct bucket **b;
	size_t nb;
	uint64_t rv;
	struct umap uids;
	struct store_event *ring;
	size_t ring_cap, ring_start, ring_len;
	uint64_t oldest;
	struct sub *subs;
	size_t nsubs;
	uint64_t next_sub;
	struct admit *admits;
	size_t nadmits;
	struct graceful {
		const struct kind *kind;	/* storage kind */
		int64_t seconds;
		store_grace_fn *fn;	/* per object, when set */
		void *arg;
	} *graceful;
	size_t ngraceful;
	struct store_event *queue;
	size_t qhead, qlen, qcap;
	bool dispatching;
	const struct store_obj **held;	/* results handed out, kept until the next write */
	size_t nheld;
	size_t live_bytes;
	int64_t clock;
	char now[32];
	bool loading;
	struct buf line;
};

/* store_obj_new: a committed object around tree (taken); json NULL = print it. */
struct store_obj *store_obj_new(const struct kind *k, cJSON *tree, uint64_t rv, char *json, size_t len);
const char *store_uid_of(const struct store_obj *o);
/* store_bucket_of: k's bucket (created when asked); it learns k's storage kind. */
struct bucket *store_bucket_of(struct store *s, const struct kind *k, bool create);
/* store_hold / store_hold_take: a result kept until the caller's next write. */
const struct store_obj *store_hold(struct store *s, const struct store_obj *o);
void store_hold_take(struct store *s, const struct store_obj *o);
/* store_release_holds: at the start of a write not made from a subscriber. */
void store_release_holds(struct store *s);
/* store_commit_put: persists tree (taken) as the new state of its key,
 * then ring, watchers, subscribers; NULL with a 500 when the journal
 * refused the write (nothing changed then). */
const struct store_obj *store_commit_put(struct store *s, struct bucket *bk, cJSON *tree,
					 const struct store_obj *old, struct status *st);
/* store_commit_delete: removes old; last (taken, NULL = a copy of old) is
 * what the DELETED event carries. */
const struct store_obj *store_commit_delete(struct store *s, struct bucket *bk,
					    const struct store_obj *old, cJSON *last, struct status *st);
int store_too_old(struct store *s, uint64_t from, struct status *st);
/* store_now_seconds: the clock store_now formats. */
int64_t store_now_seconds(const struct store *s);
/* store_crd_changed: a CRD was written or deleted: (re)register its kinds. */
void store_crd_changed(struct store *s, struct bucket *bk, enum store_op op, const cJSON *obj);

/* buckets and the uid index (store.c) */
struct bucket *store_bucket_find(struct store *s, const char *group, const char *resource, bool create);
size_t store_bucket_search(const struct bucket *bk, const char *ns, const char *name, bool *found);
void store_bucket_put(struct bucket *bk, struct store_obj *o);
void store_bucket_remove(struct bucket *bk, const char *ns, const char *name);
void store_umap_put(struct umap *m, const struct store_obj *o);
void store_umap_del(struct umap *m, const char *uid);

/* the journal's lines (store_persist.c) */
void store_line_key(struct buf *b, const char *op, const struct bucket *bk, uint64_t rv);
/* store_maybe_compact: rewrites the journal past twice the live data. */
void store_maybe_compact(struct store *s);

#endif
