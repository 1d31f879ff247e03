/*
 * store.c: the object store (see store.h).
 *
 * Layout: one bucket per group/resource holding its objects sorted by
 * (namespace, name) in an array (binary search; inserts move pointers,
 * cheap at the sizes a sandbox holds); a hash index by uid for owner
 * lookups; a ring of the last changes (each holding references to the new
 * and old object) for watches and snapshots; a FIFO of changes to notify,
 * drained by the outermost commit so subscribers never nest.
 *
 * The write pipeline is store_write.c; the journal's records, replay and
 * compaction store_persist.c; both share store-internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "store-internal.h"

static const struct store_obj TOMB;

/* ---- objects ---- */

struct store_obj *store_obj_new(const struct kind *k, cJSON *tree, uint64_t rv, char *json, size_t len)
{
	struct store_obj *o = xcalloc(1, sizeof(*o));

	o->kind = k;
	o->obj = tree;
	o->rv = rv;
	o->ns = json_str(tree, "metadata.namespace", "");
	o->name = json_str(tree, "metadata.name", "");
	if (!json) {
		json = cJSON_PrintUnformatted(tree);
		if (!json)
			fatal("out of memory printing an object");
		len = strlen(json);
	}
	o->json = json;
	o->len = len;
	o->refs = 1;
	return o;
}

const struct store_obj *store_obj_ref(const struct store_obj *o)
{
	if (o)
		((struct store_obj *)o)->refs++;
	return o;
}

void store_obj_unref(const struct store_obj *co)
{
	struct store_obj *o = (struct store_obj *)co;

	if (!o || --o->refs > 0)
		return;
	cJSON_Delete(o->obj);
	free((char *)o->json);
	free(o);
}

cJSON *store_obj_copy(const struct store_obj *o)
{
	return cJSON_Duplicate(o->obj, 1);
}

/* ---- uid index (open addressing, FNV-1a) ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

const char *store_uid_of(const struct store_obj *o)
{
	return json_str(o->obj, "metadata.uid", "");
}

void store_umap_put(struct umap *m, const struct store_obj *o);

static void umap_grow(struct umap *m)
{
	const struct store_obj **old = m->slots;
	size_t oldcap = m->cap, i;

	m->cap = m->cap ? m->cap * 2 : 1024;
	if (m->n * 4 < oldcap)	/* mostly tombstones: same size */
		m->cap = oldcap;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->used = m->n = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i] && old[i] != &TOMB)
			store_umap_put(m, old[i]);
	free(old);
}

void store_umap_put(struct umap *m, const struct store_obj *o)
{
	const char *uid = store_uid_of(o);
	size_t i;

	if (!*uid)
		return;
	if ((m->used + 1) * 4 >= m->cap * 3)
		umap_grow(m);
	i = hash_str(uid) & (m->cap - 1);
	for (;; i = (i + 1) & (m->cap - 1)) {
		const struct store_obj *c = m->slots[i];

		if (!c) {
			m->slots[i] = o;
			m->used++;
			m->n++;
			return;
		}
		if (c != &TOMB && strcmp(store_uid_of(c), uid) == 0) {
			m->slots[i] = o;
			return;
		}
	}
}

static size_t umap_slot(const struct umap *m, const char *uid)
{
	size_t i;

	if (!m->cap || !*uid)
		return (size_t)-1;
	i = hash_str(uid) & (m->cap - 1);
	for (;; i = (i + 1) & (m->cap - 1)) {
		const struct store_obj *c = m->slots[i];

		if (!c)
			return (size_t)-1;
		if (c != &TOMB && strcmp(store_uid_of(c), uid) == 0)
			return i;
	}
}

void store_umap_del(struct umap *m, const char *uid)
{
	size_t i = umap_slot(m, uid);

	if (i != (size_t)-1) {
		m->slots[i] = &TOMB;
		m->n--;
	}
}

const struct store_obj *store_find_uid(struct store *s, const char *uid)
{
	size_t i = umap_slot(&s->uids, uid ? uid : "");

	return i == (size_t)-1 ? NULL : s->uids.slots[i];
}

/* ---- buckets ---- */

struct bucket *store_bucket_find(struct store *s, const char *group, const char *resource, bool create)
{
	struct bucket *bk;
	size_t i;

	for (i = 0; i < s->nb; i++)
		if (strcmp(s->b[i]->resource, resource) == 0 && strcmp(s->b[i]->group, group) == 0)
			return s->b[i];
	if (!create)
		return NULL;
	bk = xcalloc(1, sizeof(*bk));
	bk->group = xstrdup(group);
	bk->resource = xstrdup(resource);
	s->b = xreallocarray(s->b, s->nb + 1, sizeof(*s->b));
	s->b[s->nb++] = bk;
	return bk;
}

struct bucket *store_bucket_of(struct store *s, const struct kind *k, bool create)
{
	struct bucket *bk = store_bucket_find(s, k->group, k->resource, create);

	if (bk && !k->gone)
		bk->kind = k->storage;
	return bk;
}

static int key_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c ? c : strcmp(n1, n2);
}

/* bucket_search: index of (ns, name) or of where it would go; *found. */
size_t store_bucket_search(const struct bucket *bk, const char *ns, const char *name, bool *found)
{
	size_t lo = 0, hi = bk->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(bk->v[mid]->ns, bk->v[mid]->name, ns, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void store_bucket_put(struct bucket *bk, struct store_obj *o)
{
	bool found;
	size_t i = store_bucket_search(bk, o->ns, o->name, &found);

	if (found) {
		store_obj_unref(bk->v[i]);
		bk->v[i] = o;
		return;
	}
	if (bk->n == bk->cap) {
		bk->cap = bk->cap ? bk->cap * 2 : 16;
		bk->v = xreallocarray(bk->v, bk->cap, sizeof(*bk->v));
	}
	memmove(bk->v + i + 1, bk->v + i, (bk->n - i) * sizeof(*bk->v));
	bk->v[i] = o;
	bk->n++;
}

void store_bucket_remove(struct bucket *bk, const char *ns, const char *name)
{
	bool found;
	size_t i = store_bucket_search(bk, ns, name, &found);

	if (!found)
		return;
	store_obj_unref(bk->v[i]);
	memmove(bk->v + i, bk->v + i + 1, (bk->n - i - 1) * sizeof(*bk->v));
	bk->n--;
}

static const char *ns_for(const struct kind *k, const char *ns)
{
	return k->namespaced && ns ? ns : "";
}

const struct store_obj *store_get(struct store *s, const struct kind *k, const char *ns,
				  const char *name)
{
	struct bucket *bk = store_bucket_find(s, k->storage->group, k->storage->resource, false);
	bool found;
	size_t i;

	if (!bk || !name)
		return NULL;
	i = store_bucket_search(bk, ns_for(k, ns), name, &found);
	return found ? bk->v[i] : NULL;
}

void store_each(struct store *s, const struct kind *k, const char *ns, const char *after_ns,
		const char *after_name, store_each_fn *fn, void *arg)
{
	struct bucket *bk = store_bucket_find(s, k->storage->group, k->storage->resource, false);
	size_t i = 0;
	bool found, all = !ns || !*ns || !k->namespaced;

	if (!bk)
		return;
	if (after_name) {
		i = store_bucket_search(bk, ns_for(k, after_ns), after_name, &found);
		if (found)
			i++;
	} else if (!all) {
		i = store_bucket_search(bk, ns, "", &found);
	}
	for (; i < bk->n; i++) {
		if (!all && strcmp(bk->v[i]->ns, ns) != 0) {
			if (strcmp(bk->v[i]->ns, ns) > 0)
				break;
			continue;
		}
		if (!fn(bk->v[i], arg))
			break;
	}
}

size_t store_count(struct store *s, const struct kind *k, const char *ns)
{
	struct bucket *bk = store_bucket_find(s, k->storage->group, k->storage->resource, false);
	size_t i, n = 0;
	bool found;

	if (!bk)
		return 0;
	if (!ns || !*ns || !k->namespaced)
		return bk->n;
	for (i = store_bucket_search(bk, ns, "", &found); i < bk->n && strcmp(bk->v[i]->ns, ns) == 0; i++)
		n++;
	return n;
}

uint64_t store_rv(const struct store *s)
{
	return s->rv;
}

struct loop *store_loop(struct store *s)
{
	return s->loop;
}

struct kinds *store_kinds(struct store *s)
{
	return s->ks;
}

const char *store_now(struct store *s)
{
	time_rfc3339(s->now, sizeof(s->now), s->clock ? (time_t)s->clock : time(NULL));
	return s->now;
}

int64_t store_now_seconds(const struct store *s)
{
	return s->clock ? s->clock : (int64_t)time(NULL);
}

void store_set_clock(struct store *s, int64_t fixed_seconds)
{
	s->clock = fixed_seconds;
}

/* ---- ring and notification ---- */

static void ring_push(struct store *s, enum store_op op, const struct store_obj *o,
		      const struct store_obj *old, uint64_t rv)
{
	struct store_event *ev;

	if (s->ring_len == s->ring_cap) {
		ev = &s->ring[s->ring_start];
		s->oldest = ev->rv;
		store_obj_unref(ev->obj);
		store_obj_unref(ev->old);
		s->ring_start = (s->ring_start + 1) % s->ring_cap;
		s->ring_len--;
	}
	ev = &s->ring[(s->ring_start + s->ring_len) % s->ring_cap];
	ev->op = op;
	ev->obj = store_obj_ref(o);
	ev->old = store_obj_ref(old);
	ev->rv = rv;
	s->ring_len++;
}

uint64_t store_oldest_rv(const struct store *s)
{
	return s->oldest;
}

int store_too_old(struct store *s, uint64_t from, struct status *st)
{
	status_set(st, 410, "Expired", "too old resource version: %llu (%llu)",
		   (unsigned long long)from, (unsigned long long)s->oldest);
	return -1;
}

int store_since(struct store *s, uint64_t from, void (*fn)(const struct store_event *ev, void *arg),
		void *arg, struct status *st)
{
	size_t i;

	if (from < s->oldest)
		return store_too_old(s, from, st);
	for (i = 0; i < s->ring_len; i++) {
		const struct store_event *ev = &s->ring[(s->ring_start + i) % s->ring_cap];

		if (ev->rv > from)
			fn(ev, arg);
	}
	return 0;
}

static void notify(struct store *s, enum store_op op, const struct store_obj *o,
		   const struct store_obj *old, uint64_t rv)
{
	struct store_event *ev;
	size_t i;

	if (s->qhead + s->qlen == s->qcap) {
		if (s->qhead) {
			memmove(s->queue, s->queue + s->qhead, s->qlen * sizeof(*s->queue));
			s->qhead = 0;
		} else {
			s->qcap = s->qcap ? s->qcap * 2 : 64;
			s->queue = xreallocarray(s->queue, s->qcap, sizeof(*s->queue));
		}
	}
	ev = &s->queue[s->qhead + s->qlen++];
	ev->op = op;
	ev->obj = store_obj_ref(o);
	ev->old = store_obj_ref(old);
	ev->rv = rv;
	if (s->dispatching || s->loading)
		return;
	s->dispatching = true;
	while (s->qlen > 0) {
		struct store_event cur = s->queue[s->qhead];

		s->qhead++;
		s->qlen--;
		if (s->qlen == 0)
			s->qhead = 0;
		for (i = 0; i < s->nsubs; i++)
			if (!s->subs[i].dead)
				s->subs[i].fn(s, &cur, s->subs[i].arg);
		store_obj_unref(cur.obj);
		store_obj_unref(cur.old);
	}
	for (i = 0; i < s->nsubs;) {	/* reap unsubscribed entries */
		if (s->subs[i].dead) {
			memmove(s->subs + i, s->subs + i + 1, (s->nsubs - i - 1) * sizeof(*s->subs));
			s->nsubs--;
		} else {
			i++;
		}
	}
	s->dispatching = false;
}

uint64_t store_subscribe(struct store *s, store_change_fn *fn, void *arg)
{
	s->subs = xreallocarray(s->subs, s->nsubs + 1, sizeof(*s->subs));
	s->subs[s->nsubs].id = ++s->next_sub;
	s->subs[s->nsubs].fn = fn;
	s->subs[s->nsubs].arg = arg;
	s->subs[s->nsubs].dead = false;
	return s->subs[s->nsubs++].id;
}

void store_unsubscribe(struct store *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < s->nsubs; i++) {
		if (s->subs[i].id != id)
			continue;
		if (s->dispatching) {
			s->subs[i].dead = true;
		} else {
			memmove(s->subs + i, s->subs + i + 1, (s->nsubs - i - 1) * sizeof(*s->subs));
			s->nsubs--;
		}
		return;
	}
}

void store_set_graceful(struct store *s, const struct kind *k, int64_t default_seconds)
{
	s->graceful = xreallocarray(s->graceful, s->ngraceful + 1, sizeof(*s->graceful));
	s->graceful[s->ngraceful].kind = k->storage;
	s->graceful[s->ngraceful++].seconds = default_seconds;
}

void store_add_admission(struct store *s, store_admit_fn *fn, void *arg)
{
	s->admits = xreallocarray(s->admits, s->nadmits + 1, sizeof(*s->admits));
	s->admits[s->nadmits].fn = fn;
	s->admits[s->nadmits++].arg = arg;
}

/* ---- commit ---- */

/* hold: a result handed to the caller stays alive until its next write,
 * even if a subscriber replaces it meanwhile. */
const struct store_obj *store_hold(struct store *s, const struct store_obj *o)
{
	s->held = xreallocarray(s->held, s->nheld + 1, sizeof(*s->held));
	s->held[s->nheld++] = store_obj_ref(o);
	return o;
}

/* hold_take: the same, taking the caller's reference. */
void store_hold_take(struct store *s, const struct store_obj *o)
{
	s->held = xreallocarray(s->held, s->nheld + 1, sizeof(*s->held));
	s->held[s->nheld++] = o;
}

/* release_holds: at the start of a write not made from a subscriber. */
void store_release_holds(struct store *s)
{
	size_t i;

	if (s->dispatching)
		return;
	for (i = 0; i < s->nheld; i++)
		store_obj_unref(s->held[i]);
	s->nheld = 0;
}

void store_crd_changed(struct store *s, struct bucket *bk, enum store_op op, const cJSON *obj)
{
	if (strcmp(bk->resource, "customresourcedefinitions") != 0 ||
	    strcmp(bk->group, "apiextensions.k8s.io") != 0)
		return;
	if (op == STORE_DELETED)
		kinds_remove_crd(s->ks, json_str(obj, "metadata.name", ""));
	else if (kinds_add_crd(s->ks, obj, NULL) < 0)
		log_warn("store: CRD '%s' not served", json_str(obj, "metadata.name", ""));
}

static void set_rv(cJSON *obj, uint64_t rv)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)rv);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_AddStringToObject(md, "resourceVersion", num);
}

/* commit_put: stores tree (taken) as the new state; NULL with a 500 in st
 * when the journal write failed (nothing changed then). */
const struct store_obj *store_commit_put(struct store *s, struct bucket *bk, cJSON *tree,
					  const struct store_obj *old, struct status *st)
{
	uint64_t rv = s->rv + 1;
	struct store_obj *o;
	struct error err;

	set_rv(tree, rv);
	o = store_obj_new(bk->kind, tree, rv, NULL, 0);
	store_line_key(&s->line, "P", bk, rv);
	buf_add(&s->line, o->json, o->len);
	if (journal_append(s->j, s->line.data, s->line.len, &err) < 0) {
		store_obj_unref(o);
		status_set(st, 500, "InternalError", "Internal error occurred: %s", err.msg);
		return NULL;
	}
	s->rv = rv;
	if (old) {
		store_obj_ref(old);	/* bucket_put drops the bucket's reference */
		s->live_bytes -= DL_MIN(s->live_bytes, old->len);
	}
	s->live_bytes += o->len;
	store_bucket_put(bk, o);
	if (old && strcmp(store_uid_of(old), store_uid_of(o)) != 0)
		store_umap_del(&s->uids, store_uid_of(old));
	store_umap_put(&s->uids, o);
	store_crd_changed(s, bk, old ? STORE_MODIFIED : STORE_ADDED, o->obj);
	store_hold(s, o);
	ring_push(s, old ? STORE_MODIFIED : STORE_ADDED, o, old, rv);
	notify(s, old ? STORE_MODIFIED : STORE_ADDED, o, old, rv);
	store_obj_unref(old);
	store_maybe_compact(s);
	return o;
}

/* commit_delete: removes old; last (taken, may be NULL = a copy of old) is
 * the state the DELETED event carries. */
const struct store_obj *store_commit_delete(struct store *s, struct bucket *bk,
					     const struct store_obj *old, cJSON *last, struct status *st)
{
	uint64_t rv = s->rv + 1;
	struct store_obj *o;
	struct error err;
	cJSON *key;
	char *k;

	if (!last)
		last = store_obj_copy(old);
	set_rv(last, rv);
	o = store_obj_new(bk->kind, last, rv, NULL, 0);
	key = cJSON_CreateArray();
	cJSON_AddItemToArray(key, cJSON_CreateString(old->ns));
	cJSON_AddItemToArray(key, cJSON_CreateString(old->name));
	k = cJSON_PrintUnformatted(key);
	cJSON_Delete(key);
	store_line_key(&s->line, "D", bk, rv);
	buf_adds(&s->line, k);
	free(k);
	if (journal_append(s->j, s->line.data, s->line.len, &err) < 0) {
		store_obj_unref(o);
		status_set(st, 500, "InternalError", "Internal error occurred: %s", err.msg);
		return NULL;
	}
	s->rv = rv;
	store_obj_ref(old);
	s->live_bytes -= DL_MIN(s->live_bytes, old->len);
	store_umap_del(&s->uids, store_uid_of(old));
	store_bucket_remove(bk, old->ns, old->name);
	store_crd_changed(s, bk, STORE_DELETED, old->obj);
	ring_push(s, STORE_DELETED, o, old, rv);
	store_hold_take(s, o);
	notify(s, STORE_DELETED, o, old, rv);
	store_obj_unref(old);
	store_maybe_compact(s);
	return o;
}

/* ---- snapshots ---- */

static int snap_cmp(const void *a, const void *b)
{
	const struct store_obj *x = *(const struct store_obj *const *)a;
	const struct store_obj *y = *(const struct store_obj *const *)b;

	return key_cmp(x->ns, x->name, y->ns, y->name);
}

const struct store_obj **store_snapshot(struct store *s, const struct kind *k, const char *ns,
					uint64_t rv, size_t *count, struct status *st)
{
	struct bucket *bk = store_bucket_find(s, k->storage->group, k->storage->resource, false);
	const struct store_obj **v;
	size_t n = 0, cap, i, j;
	bool all = !ns || !*ns || !k->namespaced;

	if (rv < s->oldest) {
		store_too_old(s, rv, st);
		return NULL;
	}
	cap = (bk ? bk->n : 0) + s->ring_len + 1;
	v = xcalloc(cap, sizeof(*v));
	for (i = 0; bk && i < bk->n; i++)
		if (all || strcmp(bk->v[i]->ns, ns) == 0)
			v[n++] = bk->v[i];
	/* undo the changes after rv, newest first: each key ends up as it was
	 * before the oldest change after rv */
	for (i = s->ring_len; i-- > 0;) {
		const struct store_event *ev = &s->ring[(s->ring_start + i) % s->ring_cap];
		const struct store_obj *cur = ev->op == STORE_DELETED ? ev->old : ev->obj;
		bool found = false;

		if (ev->rv <= rv)
			break;
		if (strcmp(cur->kind->group, k->storage->group) != 0 ||
		    strcmp(cur->kind->resource, k->storage->resource) != 0)
			continue;
		if (!all && strcmp(cur->ns, ns) != 0)
			continue;
		for (j = 0; j < n; j++) {
			if (strcmp(v[j]->ns, cur->ns) == 0 && strcmp(v[j]->name, cur->name) == 0) {
				found = true;
				if (ev->op == STORE_ADDED) {
					v[j] = v[--n];
				} else {
					v[j] = ev->old;
				}
				break;
			}
		}
		if (!found && ev->op != STORE_ADDED)
			v[n++] = ev->old;
	}
	qsort(v, n, sizeof(*v), snap_cmp);
	for (i = 0; i < n; i++)
		store_obj_ref(v[i]);
	v[n] = NULL;
	if (count)
		*count = n;
	return v;
}

void store_snapshot_free(const struct store_obj **objs)
{
	size_t i;

	for (i = 0; objs && objs[i]; i++)
		store_obj_unref(objs[i]);
	free(objs);
}

/* ---- invariants ---- */

int store_check(struct store *s, struct error *err)
{
	size_t i, j, total = 0, withuid = 0;
	uint64_t prev;

	for (i = 0; i < s->nb; i++) {
		struct bucket *bk = s->b[i];

		for (j = 0; j < bk->n; j++) {
			const struct store_obj *o = bk->v[j];

			if (j > 0 && key_cmp(bk->v[j - 1]->ns, bk->v[j - 1]->name, o->ns, o->name) >= 0)
				return error_set(err, ERR_INVALID, "bucket '%s' out of order at '%s/%s'",
						 bk->resource, o->ns, o->name);
			if (o->rv > s->rv)
				return error_set(err, ERR_INVALID, "'%s' has rv %llu above the counter %llu",
						 o->name, (unsigned long long)o->rv, (unsigned long long)s->rv);
			if (o->refs < 1)
				return error_set(err, ERR_INVALID, "'%s' has no reference", o->name);
			if ((uint64_t)strtoull(json_str(o->obj, "metadata.resourceVersion", "0"), NULL, 10) != o->rv)
				return error_set(err, ERR_INVALID, "'%s' rv field differs from its rv", o->name);
			if (*store_uid_of(o)) {
				withuid++;
				if (store_find_uid(s, store_uid_of(o)) != o)
					return error_set(err, ERR_INVALID, "uid index misses '%s'", o->name);
			}
			total++;
		}
	}
	if (withuid != s->uids.n)
		return error_set(err, ERR_INVALID, "uid index holds %zu entries for %zu objects", s->uids.n,
				 withuid);
	prev = s->oldest;
	for (i = 0; i < s->ring_len; i++) {
		const struct store_event *ev = &s->ring[(s->ring_start + i) % s->ring_cap];

		if (ev->rv <= prev)
			return error_set(err, ERR_INVALID, "ring out of order at rv %llu",
					 (unsigned long long)ev->rv);
		prev = ev->rv;
	}
	if (prev > s->rv)
		return error_set(err, ERR_INVALID, "ring ahead of the counter");
	(void)total;
	return 0;
}
