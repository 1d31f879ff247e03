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
 * Journal records (journal.c), one line each:
 *   R <rv>                              the counter (first line after compaction)
 *   P <group>/<resource> <rv> <json>    an object as stored
 *   D <group>/<resource> <rv> ["ns","name"]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/journal.h"
#include "datalab/sandbox/store.h"
#include "datalab/sandbox/strategy.h"
#include "datalab/sandbox/validate.h"
#include "datalab/sandbox/patch.h"

#define DEFAULT_MANAGER "datalab-sandbox"

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

struct graceful {
	const struct kind *kind;
	store_grace_fn *fn;
	void *arg;
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
	struct graceful *graceful;	/* kinds whose deletion waits (pods) */
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

static const struct store_obj TOMB;

/* ---- objects ---- */

static struct store_obj *obj_new(const struct kind *k, cJSON *tree, uint64_t rv, char *json, size_t len)
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

static const char *uid_of(const struct store_obj *o)
{
	return json_str(o->obj, "metadata.uid", "");
}

static void umap_put(struct umap *m, const struct store_obj *o);

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
			umap_put(m, old[i]);
	free(old);
}

static void umap_put(struct umap *m, const struct store_obj *o)
{
	const char *uid = uid_of(o);
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
		if (c != &TOMB && strcmp(uid_of(c), uid) == 0) {
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
		if (c != &TOMB && strcmp(uid_of(c), uid) == 0)
			return i;
	}
}

static void umap_del(struct umap *m, const char *uid)
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

static struct bucket *bucket_find(struct store *s, const char *group, const char *resource, bool create)
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

static struct bucket *bucket_of(struct store *s, const struct kind *k, bool create)
{
	struct bucket *bk = bucket_find(s, k->group, k->resource, create);

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
static size_t bucket_search(const struct bucket *bk, const char *ns, const char *name, bool *found)
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

static void bucket_put(struct bucket *bk, struct store_obj *o)
{
	bool found;
	size_t i = bucket_search(bk, o->ns, o->name, &found);

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

static void bucket_remove(struct bucket *bk, const char *ns, const char *name)
{
	bool found;
	size_t i = bucket_search(bk, ns, name, &found);

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
	struct bucket *bk = bucket_find(s, k->group, k->resource, false);
	bool found;
	size_t i;

	if (!bk || !name)
		return NULL;
	i = bucket_search(bk, ns_for(k, ns), name, &found);
	return found ? bk->v[i] : NULL;
}

void store_each(struct store *s, const struct kind *k, const char *ns, const char *after_ns,
		const char *after_name, store_each_fn *fn, void *arg)
{
	struct bucket *bk = bucket_find(s, k->group, k->resource, false);
	size_t i = 0;
	bool found, all = !ns || !*ns || !k->namespaced;

	if (!bk)
		return;
	if (after_name) {
		i = bucket_search(bk, ns_for(k, after_ns), after_name, &found);
		if (found)
			i++;
	} else if (!all) {
		i = bucket_search(bk, ns, "", &found);
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
	struct bucket *bk = bucket_find(s, k->group, k->resource, false);
	size_t i, n = 0;
	bool found;

	if (!bk)
		return 0;
	if (!ns || !*ns || !k->namespaced)
		return bk->n;
	for (i = bucket_search(bk, ns, "", &found); i < bk->n && strcmp(bk->v[i]->ns, ns) == 0; i++)
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

static int too_old(struct store *s, uint64_t from, struct status *st)
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
		return too_old(s, from, st);
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

void store_add_admission(struct store *s, store_admit_fn *fn, void *arg)
{
	s->admits = xreallocarray(s->admits, s->nadmits + 1, sizeof(*s->admits));
	s->admits[s->nadmits].fn = fn;
	s->admits[s->nadmits++].arg = arg;
}

void store_set_graceful(struct store *s, const struct kind *k, store_grace_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->ngraceful && s->graceful[i].kind != k->storage; i++)
		;
	if (i == s->ngraceful)
		s->graceful = xreallocarray(s->graceful, ++s->ngraceful, sizeof(*s->graceful));
	s->graceful[i].kind = k->storage;
	s->graceful[i].fn = fn;
	s->graceful[i].arg = arg;
}

/* grace_of: the grace period of this deletion, or -1 when the kind has none */
static int64_t grace_of(struct store *s, const struct kind *sk, const struct store_obj *old,
			const struct store_delete *d)
{
	for (size_t i = 0; i < s->ngraceful; i++)
		if (s->graceful[i].kind == sk && s->graceful[i].fn)
			return s->graceful[i].fn(s, old->obj, d ? d->grace_seconds : -1, s->graceful[i].arg);
	return -1;
}

/* ---- journal ---- */

static void line_key(struct buf *b, const char *op, const struct bucket *bk, uint64_t rv)
{
	buf_reset(b);
	buf_addf(b, "%s %s/%s %llu ", op, bk->group, bk->resource, (unsigned long long)rv);
}

static int compact_write(struct buf *out, void *arg)
{
	struct store *s = arg;
	size_t pass, i, j;

	buf_addf(out, "R %llu\n", (unsigned long long)s->rv);
	/* CRDs first (their kinds must exist before their objects), then
	 * namespaces, then everything else */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < s->nb; i++) {
			struct bucket *bk = s->b[i];
			bool crd = strcmp(bk->resource, "customresourcedefinitions") == 0;
			bool ns = !*bk->group && strcmp(bk->resource, "namespaces") == 0;

			if ((pass == 0) != crd || (pass == 1) != ns)
				continue;
			for (j = 0; j < bk->n; j++) {
				buf_addf(out, "P %s/%s %llu ", bk->group, bk->resource,
					 (unsigned long long)bk->v[j]->rv);
				buf_add(out, bk->v[j]->json, bk->v[j]->len);
				if (buf_addc(out, '\n') < 0)
					return -1;
			}
		}
	}
	return 0;
}

int store_compact(struct store *s, struct error *err)
{
	return journal_rewrite(s->j, compact_write, s, err);
}

static void maybe_compact(struct store *s)
{
	struct error err;

	if (journal_bytes(s->j) < 4 * 1024 * 1024 || journal_bytes(s->j) < 2 * s->live_bytes + 1024 * 1024)
		return;
	if (store_compact(s, &err) < 0)
		log_warn("store: compaction failed: %s", err.msg);
}

/* ---- commit ---- */

/* hold: a result handed to the caller stays alive until its next write,
 * even if a subscriber replaces it meanwhile. */
static const struct store_obj *hold(struct store *s, const struct store_obj *o)
{
	s->held = xreallocarray(s->held, s->nheld + 1, sizeof(*s->held));
	s->held[s->nheld++] = store_obj_ref(o);
	return o;
}

/* hold_take: the same, taking the caller's reference. */
static void hold_take(struct store *s, const struct store_obj *o)
{
	s->held = xreallocarray(s->held, s->nheld + 1, sizeof(*s->held));
	s->held[s->nheld++] = o;
}

/* release_holds: at the start of a write not made from a subscriber. */
static void release_holds(struct store *s)
{
	size_t i;

	if (s->dispatching)
		return;
	for (i = 0; i < s->nheld; i++)
		store_obj_unref(s->held[i]);
	s->nheld = 0;
}

static void crd_changed(struct store *s, struct bucket *bk, enum store_op op, const cJSON *obj)
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
static const struct store_obj *commit_put(struct store *s, struct bucket *bk, cJSON *tree,
					  const struct store_obj *old, struct status *st)
{
	uint64_t rv = s->rv + 1;
	struct store_obj *o;
	struct error err;

	set_rv(tree, rv);
	o = obj_new(bk->kind, tree, rv, NULL, 0);
	line_key(&s->line, "P", bk, rv);
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
	bucket_put(bk, o);
	if (old && strcmp(uid_of(old), uid_of(o)) != 0)
		umap_del(&s->uids, uid_of(old));
	umap_put(&s->uids, o);
	crd_changed(s, bk, old ? STORE_MODIFIED : STORE_ADDED, o->obj);
	hold(s, o);
	ring_push(s, old ? STORE_MODIFIED : STORE_ADDED, o, old, rv);
	notify(s, old ? STORE_MODIFIED : STORE_ADDED, o, old, rv);
	store_obj_unref(old);
	maybe_compact(s);
	return o;
}

/* commit_delete: removes old; last (taken, may be NULL = a copy of old) is
 * the state the DELETED event carries. */
static const struct store_obj *commit_delete(struct store *s, struct bucket *bk,
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
	o = obj_new(bk->kind, last, rv, NULL, 0);
	key = cJSON_CreateArray();
	cJSON_AddItemToArray(key, cJSON_CreateString(old->ns));
	cJSON_AddItemToArray(key, cJSON_CreateString(old->name));
	k = cJSON_PrintUnformatted(key);
	cJSON_Delete(key);
	line_key(&s->line, "D", bk, rv);
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
	umap_del(&s->uids, uid_of(old));
	bucket_remove(bk, old->ns, old->name);
	crd_changed(s, bk, STORE_DELETED, old->obj);
	ring_push(s, STORE_DELETED, o, old, rv);
	hold_take(s, o);
	notify(s, STORE_DELETED, o, old, rv);
	store_obj_unref(old);
	return o;
}

/* ---- replay ---- */

static int replay_line(const char *line, size_t n, void *arg, struct error *err)
{
	struct store *s = arg;
	char op = line[0];
	const char *p = line + 2, *sp, *slash;
	char *group, *resource, *end;
	unsigned long long rv;
	const struct kind *k;
	struct bucket *bk;

	if (n < 3 || line[1] != ' ')
		return error_set(err, ERR_PARSE, "bad journal record");
	if (op == 'R') {
		rv = strtoull(p, NULL, 10);
		if (rv > s->rv)
			s->rv = rv;
		return 0;
	}
	sp = strchr(p, ' ');
	slash = memchr(p, '/', sp ? (size_t)(sp - p) : 0);
	if (!sp || !slash)
		return error_set(err, ERR_PARSE, "bad journal record key");
	group = xstrndup(p, (size_t)(slash - p));
	resource = xstrndup(slash + 1, (size_t)(sp - slash - 1));
	rv = strtoull(sp + 1, &end, 10);
	if (*end == ' ')
		end++;
	if (rv > s->rv)
		s->rv = rv;
	k = kinds_find_storage(s->ks, group, resource);
	bk = bucket_find(s, group, resource, k != NULL);
	if (k && bk && !bk->kind)
		bk->kind = k;
	free(group);
	free(resource);
	if (!k || !bk) {
		log_warn("journal: skipping an object of an unknown kind");
		return 0;
	}
	if (op == 'P') {
		size_t jl = n - (size_t)(end - line);
		cJSON *tree = cJSON_ParseWithLength(end, jl);
		struct store_obj *o;
		bool found;
		size_t i;

		if (!tree)
			return error_set(err, ERR_PARSE, "bad object in journal at rv %llu", rv);
		o = obj_new(bk->kind, tree, rv, xmemdup(end, jl), jl);
		i = bucket_search(bk, o->ns, o->name, &found);
		if (found) {
			s->live_bytes -= DL_MIN(s->live_bytes, bk->v[i]->len);
			umap_del(&s->uids, uid_of(bk->v[i]));
		}
		s->live_bytes += o->len;
		bucket_put(bk, o);
		umap_put(&s->uids, o);
		crd_changed(s, bk, STORE_ADDED, tree);
	} else if (op == 'D') {
		cJSON *key = cJSON_Parse(end);
		const char *ns = cJSON_GetStringValue(cJSON_GetArrayItem(key, 0));
		const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(key, 1));
		bool found;
		size_t i;

		if (!ns || !name) {
			cJSON_Delete(key);
			return error_set(err, ERR_PARSE, "bad delete record in journal at rv %llu", rv);
		}
		i = bucket_search(bk, ns, name, &found);
		if (found) {
			s->live_bytes -= DL_MIN(s->live_bytes, bk->v[i]->len);
			umap_del(&s->uids, uid_of(bk->v[i]));
			crd_changed(s, bk, STORE_DELETED, bk->v[i]->obj);
			bucket_remove(bk, ns, name);
		}
		cJSON_Delete(key);
	} else {
		return error_set(err, ERR_PARSE, "bad journal record type '%c'", op);
	}
	return 0;
}

struct store *store_open(const char *dir, struct kinds *ks, struct loop *l,
			 const struct store_opts *opts, struct error *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	char *path;

	s->dir = file_join(dir, "store");
	s->ks = ks;
	s->loop = l;
	if (opts)
		s->opts = *opts;
	s->ring_cap = s->opts.ring ? s->opts.ring : 10000;
	s->ring = xcalloc(s->ring_cap, sizeof(*s->ring));
	buf_init(&s->line, 0);
	if (file_mkdirs(s->dir, 0700, err) < 0) {
		store_close(s);
		return NULL;
	}
	path = file_join(s->dir, "journal");
	s->loading = true;
	s->j = journal_open(path, !s->opts.no_fsync, replay_line, s, err);
	s->loading = false;
	free(path);
	if (!s->j) {
		store_close(s);
		return NULL;
	}
	s->oldest = s->rv;
	maybe_compact(s);
	return s;
}

void store_close(struct store *s)
{
	size_t i, j;

	if (!s)
		return;
	journal_close(s->j);
	for (i = 0; i < s->nb; i++) {
		for (j = 0; j < s->b[i]->n; j++)
			store_obj_unref(s->b[i]->v[j]);
		free(s->b[i]->v);
		free(s->b[i]->group);
		free(s->b[i]->resource);
		free(s->b[i]);
	}
	free(s->b);
	for (i = 0; i < s->ring_len; i++) {
		struct store_event *ev = &s->ring[(s->ring_start + i) % s->ring_cap];

		store_obj_unref(ev->obj);
		store_obj_unref(ev->old);
	}
	free(s->ring);
	for (i = 0; i < s->qlen; i++) {
		store_obj_unref(s->queue[s->qhead + i].obj);
		store_obj_unref(s->queue[s->qhead + i].old);
	}
	free(s->queue);
	free(s->uids.slots);
	free(s->subs);
	free(s->admits);
	free(s->graceful);
	s->dispatching = false;
	release_holds(s);
	free(s->held);
	buf_release(&s->line);
	free(s->dir);
	free(s);
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
	struct bucket *bk = bucket_find(s, k->group, k->resource, false);
	const struct store_obj **v;
	size_t n = 0, cap, i, j;
	bool all = !ns || !*ns || !k->namespaced;

	if (rv < s->oldest) {
		too_old(s, rv, st);
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
		if (strcmp(cur->kind->group, k->group) != 0 || strcmp(cur->kind->resource, k->resource) != 0)
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

/* ---- writes ---- */

static bool has_generation(const struct kind *k)
{
	static const char *const groups[] = { "apps", "batch", "networking.k8s.io", "policy",
					      "autoscaling", "apiextensions.k8s.io" };
	size_t i;

	if (!k->builtin)
		return true;
	for (i = 0; i < DL_ARRAY_LEN(groups); i++)
		if (strcmp(k->group, groups[i]) == 0)
			return true;
	return !*k->group && (strcmp(k->resource, "pods") == 0 ||
			      strcmp(k->resource, "replicationcontrollers") == 0);
}

static cJSON *meta_of(cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	if (!cJSON_IsObject(md)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
		md = cJSON_AddObjectToObject(obj, "metadata");
	}
	return md;
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (v)
		cJSON_AddStringToObject(o, key, v);
}

static void set_item(cJSON *o, const char *key, const cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (v)
		cJSON_AddItemToObject(o, key, cJSON_Duplicate(v, 1));
}

/* set_type: apiVersion and kind first, as the apiserver prints them. */
static void set_type(cJSON *obj, const struct kind *k)
{
	cJSON *av = cJSON_CreateString(k->api_version), *kd = cJSON_CreateString(k->kind);

	cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
	av->string = xstrdup("apiVersion");
	kd->string = xstrdup("kind");
	cJSON_InsertItemInArray(obj, 0, kd);
	cJSON_InsertItemInArray(obj, 0, av);
}

static void random_uid(char out[37])
{
	unsigned char b[16];
	size_t i, o = 0;
	static const char hex[] = "0123456789abcdef";

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

/* generateName's suffix alphabet (apimachinery util/rand: no vowels or
 * look-alikes, so no words appear) */
static void random_suffix(char out[6])
{
	static const char set[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[5];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	for (i = 0; i < 5; i++)
		out[i] = set[b[i] % (sizeof(set) - 1)];
	out[5] = '\0';
}

static int admit(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
		 const struct store_obj *old, const struct store_write *w, struct status *st)
{
	static const struct store_write none;
	size_t i;

	for (i = 0; i < s->nadmits; i++)
		if (s->admits[i].fn(s, op, k, obj, old, w ? w : &none, st, s->admits[i].arg) < 0) {
			if (!st->code)
				status_set(st, 403, "Forbidden", "admission refused the request");
			return -1;
		}
	return 0;
}

/* check_namespace: the namespace of a namespaced object exists and is not
 * terminating. */
static int check_namespace(struct store *s, const struct kind *k, const char *ns, const char *name,
			   struct status *st)
{
	const struct kind *nsk = kinds_find_storage(s->ks, "", "namespaces");
	const struct store_obj *n = store_get(s, nsk, "", ns);

	if (!n)
		return status_not_found(st, "", "namespaces", ns);
	if (json_get(n->obj, "metadata.deletionTimestamp")) {
		char *q = status_quote_dup(name);

		status_set(st, 403, "Forbidden",
			   "%s %s is forbidden: unable to create new content in namespace %s because it "
			   "is being terminated", k->gr, q, ns);
		status_details(st, k->group, k->resource, name);
		status_add_cause(st, "NamespaceTerminating", "metadata.namespace",
				 "namespace is being terminated");
		free(q);
		return -1;
	}
	return 0;
}

static void record_update(cJSON *obj, const cJSON *old, const struct store_write *w, const char *now)
{
	if (w && w->apply)
		return;
	patch_record_update(obj, old, w && w->manager ? w->manager : DEFAULT_MANAGER, now);
}

/* prepare_ns: applies the namespace rules; returns the namespace to use. */
static int prepare_ns(const struct kind *k, cJSON *md, const char **ns, struct status *st)
{
	const char *mns = json_str(md, "namespace", "");

	if (!k->namespaced) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
		*ns = "";
		return 0;
	}
	if (!*ns || !**ns)
		*ns = mns;
	if (*mns && strcmp(mns, *ns) != 0)
		return status_bad_request(st, "the namespace of the provided object does not match the "
					  "namespace sent on the request");
	if (!**ns)
		return status_bad_request(st, "an empty namespace may not be set during creation");
	set_str(md, "namespace", *ns);
	*ns = json_str(md, "namespace", "");
	return 0;
}

static const struct store_obj *dry_result(struct store *s, const struct kind *k, cJSON *obj)
{
	struct store_obj *o = obj_new(k, obj, s->rv, NULL, 0);

	hold_take(s, o);
	return o;
}

int store_create(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st)
{
	const struct kind *sk = k->storage;
	struct bucket *bk;
	const struct store_obj *o;
	cJSON *md;
	const char *name, *gen;
	char uid[37], suffix[6], *genname = NULL;
	int tries;

	release_holds(s);
	if (out)
		*out = NULL;
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return status_bad_request(st, "the body of the request was not a JSON object");
	}
	md = meta_of(obj);
	set_type(obj, sk);
	if (prepare_ns(k, md, &ns, st) < 0)
		goto fail;
	bk = bucket_of(s, sk, true);
	name = json_str(md, "name", "");
	gen = json_str(md, "generateName", "");
	if (!*name && *gen) {
		for (tries = 0; tries < 8; tries++) {
			random_suffix(suffix);
			free(genname);
			genname = xasprintf("%s%s", gen, suffix);
			if (!store_get(s, sk, ns, genname))
				break;
		}
		set_str(md, "name", genname);
		free(genname);
		name = json_str(md, "name", "");
	}
	if (!*name) {
		status_add_cause(st, "FieldValueRequired", "metadata.name",
				 "Required value: name or generateName is required");
		status_invalid(st, sk->group, sk->kind, "");
		goto fail;
	}
	validate_name(sk, name, "metadata.name", st);
	validate_meta(sk, md, st);
	if (st && st->causes) {
		status_invalid(st, sk->group, sk->kind, name);
		goto fail;
	}
	if (k->namespaced && check_namespace(s, sk, ns, name, st) < 0)
		goto fail;
	if (store_get(s, sk, ns, name)) {
		status_already_exists(st, sk->group, sk->gr, name);
		goto fail;
	}
	random_uid(uid);
	set_str(md, "uid", uid);
	set_str(md, "resourceVersion", NULL);
	set_str(md, "creationTimestamp", store_now(s));
	set_str(md, "deletionTimestamp", NULL);
	set_str(md, "selfLink", NULL);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (has_generation(sk))
		cJSON_AddNumberToObject(md, "generation", 1);
	if (w && w->keep_status && (sk->subs & KIND_SUB_STATUS))
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	if (strategy_prepare(s, sk, obj, NULL, st) < 0) {
		if (!st->code)
			status_invalid(st, sk->group, sk->kind, name);
		goto fail;
	}
	record_update(obj, NULL, w, store_now(s));
	if (admit(s, STORE_ADDED, sk, obj, NULL, w, st) < 0)
		goto fail;
	if (w && w->dry_run) {
		o = dry_result(s, sk, obj);
	} else {
		o = commit_put(s, bk, obj, NULL, st);
		if (!o)
			return -1;
	}
	if (out)
		*out = o;
	return 0;
fail:
	cJSON_Delete(obj);
	return -1;
}

/* Managed fields compared without their timestamps. */
static bool mf_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (!a || !b)
		return !a && !b;
	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return false;
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
		const cJSON *f;

		cJSON_ArrayForEach(f, x) {
			if (strcmp(f->string, "time") == 0)
				continue;
			if (!cJSON_Compare(f, cJSON_GetObjectItemCaseSensitive(y, f->string), 1))
				return false;
		}
		if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
			return false;
	}
	return true;
}

/* same_object: equal but for resourceVersion and managedFields times. */
static bool same_object(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *ma = NULL, *mb = NULL;
	int na = 0, nb = 0;

	cJSON_ArrayForEach(x, a) {
		na++;
		if (strcmp(x->string, "metadata") == 0) {
			ma = x;
			continue;
		}
		if (!cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(b, x->string), 1))
			return false;
	}
	cJSON_ArrayForEach(x, b)
		nb++;
	if (na != nb)
		return false;
	mb = cJSON_GetObjectItemCaseSensitive(b, "metadata");
	na = nb = 0;
	cJSON_ArrayForEach(x, ma) {
		if (strcmp(x->string, "resourceVersion") == 0)
			continue;
		na++;
		if (strcmp(x->string, "managedFields") == 0) {
			if (!mf_equal(x, cJSON_GetObjectItemCaseSensitive(mb, "managedFields")))
				return false;
			continue;
		}
		if (!cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(mb, x->string), 1))
			return false;
	}
	cJSON_ArrayForEach(x, mb)
		if (strcmp(x->string, "resourceVersion") != 0)
			nb++;
	return na == nb;
}

static bool finalizers_empty(const cJSON *obj)
{
	return cJSON_GetArraySize(json_get(obj, "metadata.finalizers")) == 0 &&
	       cJSON_GetArraySize(json_get(obj, "spec.finalizers")) == 0;
}

static bool new_finalizer(const cJSON *obj, const cJSON *old)
{
	const cJSON *f, *g;

	cJSON_ArrayForEach(f, json_get(obj, "metadata.finalizers")) {
		bool seen = false;

		cJSON_ArrayForEach(g, json_get(old, "metadata.finalizers"))
			if (cJSON_IsString(f) && cJSON_IsString(g) && strcmp(f->valuestring, g->valuestring) == 0)
				seen = true;
		if (!seen)
			return true;
	}
	return false;
}

int store_update(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st)
{
	const struct kind *sk = k->storage;
	const struct store_obj *old, *o;
	struct bucket *bk;
	cJSON *md, *omd, *next;
	const char *name, *rv, *uid;
	char oldrv[24];
	int64_t gen;

	release_holds(s);
	if (out)
		*out = NULL;
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return status_bad_request(st, "the body of the request was not a JSON object");
	}
	md = meta_of(obj);
	set_type(obj, sk);
	if (prepare_ns(k, md, &ns, st) < 0)
		goto fail;
	name = json_str(md, "name", "");
	if (!*name) {
		status_add_cause(st, "FieldValueRequired", "metadata.name", "Required value: name is required");
		status_invalid(st, sk->group, sk->kind, "");
		goto fail;
	}
	old = store_get(s, sk, ns, name);
	if (!old) {
		status_not_found(st, sk->group, sk->gr, name);
		goto fail;
	}
	bk = bucket_of(s, sk, true);
	snprintf(oldrv, sizeof(oldrv), "%llu", (unsigned long long)old->rv);
	rv = json_str(md, "resourceVersion", "");
	if (*rv && strcmp(rv, oldrv) != 0) {
		status_conflict(st, sk->group, sk->gr, name, "the object has been modified; please apply "
				"your changes to the latest version and try again");
		goto fail;
	}
	uid = json_str(md, "uid", "");
	if (*uid && strcmp(uid, uid_of(old)) != 0) {
		char *why = xasprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s",
				      uid, uid_of(old));

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		goto fail;
	}
	if (w && w->status_only) {
		/* only .status moves; everything else stays as stored */
		next = store_obj_copy(old);
		set_item(next, "status", cJSON_GetObjectItemCaseSensitive(obj, "status"));
		if (w->apply)
			set_item(meta_of(next), "managedFields", json_get(md, "managedFields"));
		cJSON_Delete(obj);
		obj = next;
		md = meta_of(obj);
	} else {
		omd = cJSON_GetObjectItemCaseSensitive(old->obj, "metadata");
		set_item(md, "uid", json_get(omd, "uid"));
		set_item(md, "creationTimestamp", json_get(omd, "creationTimestamp"));
		set_item(md, "deletionTimestamp", json_get(omd, "deletionTimestamp"));
		set_item(md, "deletionGracePeriodSeconds", json_get(omd, "deletionGracePeriodSeconds"));
		set_str(md, "selfLink", NULL);
		if (w && w->keep_status && (sk->subs & KIND_SUB_STATUS))
			set_item(obj, "status", json_get(old->obj, "status"));
		if (json_get(omd, "deletionTimestamp") && new_finalizer(obj, old->obj)) {
			status_add_cause(st, "FieldValueForbidden", "metadata.finalizers",
					 "Forbidden: no new finalizers can be added if the object is being deleted");
		}
		validate_meta(sk, md, st);
		if (st && st->causes) {
			status_invalid(st, sk->group, sk->kind, name);
			goto fail;
		}
		if (strategy_prepare(s, sk, obj, old->obj, st) < 0) {
			if (!st->code)
				status_invalid(st, sk->group, sk->kind, name);
			goto fail;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (has_generation(sk)) {
		gen = json_int(old->obj, "metadata.generation", 1);
		if (!(w && w->status_only) && strategy_spec_changed(obj, old->obj))
			gen++;
		cJSON_AddNumberToObject(md, "generation", (double)gen);
	}
	set_str(md, "resourceVersion", oldrv);
	if (same_object(obj, old->obj)) {
		cJSON_Delete(obj);
		if (out)
			*out = hold(s, old);
		return 0;
	}
	record_update(obj, old->obj, w, store_now(s));
	if (admit(s, STORE_MODIFIED, sk, obj, old, w, st) < 0)
		goto fail;
	if (w && w->dry_run) {
		o = dry_result(s, sk, obj);
	} else if (json_get(md, "deletionTimestamp") && finalizers_empty(obj) &&
		   json_int(md, "deletionGracePeriodSeconds", 0) == 0) {
		/* a graceful deletion (grace > 0) waits for its final delete */
		o = commit_delete(s, bk, old, obj, st);
	} else {
		o = commit_put(s, bk, obj, old, st);
	}
	if (!o)
		return -1;
	if (out)
		*out = o;
	return 0;
fail:
	cJSON_Delete(obj);
	return -1;
}

static void add_finalizer(cJSON *md, const char *f)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(md, "finalizers"), *c;

	if (!cJSON_IsArray(arr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
		arr = cJSON_AddArrayToObject(md, "finalizers");
	}
	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c) && strcmp(c->valuestring, f) == 0)
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(f));
}

int store_delete(struct store *s, const struct kind *k, const char *ns, const char *name,
		 const struct store_delete *d, const struct store_obj **out, bool *gone,
		 struct status *st)
{
	const struct kind *sk = k->storage;
	const struct store_obj *old, *o;
	struct bucket *bk;
	cJSON *next, *md;
	const char *fin = NULL;
	char oldrv[24];
	bool is_ns = !*sk->group && strcmp(sk->resource, "namespaces") == 0;
	bool is_crd = strcmp(sk->resource, "customresourcedefinitions") == 0;
	int64_t grace;

	release_holds(s);
	if (out)
		*out = NULL;
	if (gone)
		*gone = false;
	old = store_get(s, sk, ns, name);
	if (!old)
		return status_not_found(st, sk->group, sk->gr, name);
	bk = bucket_of(s, sk, true);
	snprintf(oldrv, sizeof(oldrv), "%llu", (unsigned long long)old->rv);
	if (d && d->uid && *d->uid && strcmp(d->uid, uid_of(old)) != 0) {
		char *why = xasprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s",
				      d->uid, uid_of(old));

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		return -1;
	}
	if (d && d->rv && *d->rv && strcmp(d->rv, oldrv) != 0) {
		char *why = xasprintf("Precondition failed: ResourceVersion in precondition: %s, "
				      "ResourceVersion in object meta: %s", d->rv, oldrv);

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		return -1;
	}
	if (admit(s, STORE_DELETED, sk, NULL, old, NULL, st) < 0)
		return -1;
	if (d && d->propagation == STORE_PROPAGATE_FOREGROUND)
		fin = "foregroundDeletion";
	else if (d && d->propagation == STORE_PROPAGATE_ORPHAN)
		fin = "orphan";
	grace = grace_of(s, sk, old, d);
	if (grace > 0 || (grace == 0 && json_get(old->obj, "metadata.deletionTimestamp") &&
			  json_int(old->obj, "metadata.deletionGracePeriodSeconds", 0) > 0 &&
			  !finalizers_empty(old->obj))) {
		/* graceful: mark with the deadline (or bring an earlier mark
		 * closer); the owner of the grace deletes again with 0 */
		const cJSON *prev = json_get(old->obj, "metadata.deletionGracePeriodSeconds");
		time_t t = s->clock ? (time_t)s->clock : time(NULL);
		char when[32];

		if (json_get(old->obj, "metadata.deletionTimestamp") && cJSON_IsNumber(prev) &&
		    (int64_t)prev->valuedouble <= grace) {
			if (out)
				*out = hold(s, old);
			return 0;
		}
		next = store_obj_copy(old);
		md = meta_of(next);
		time_rfc3339(when, sizeof(when), t + (time_t)grace);
		set_str(md, "deletionTimestamp", when);
		cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
		cJSON_AddNumberToObject(md, "deletionGracePeriodSeconds", (double)grace);
		if (fin)
			add_finalizer(md, fin);
		o = d && d->dry_run ? dry_result(s, sk, next) : commit_put(s, bk, next, old, st);
		if (!o)
			return -1;
		if (out)
			*out = o;
		return 0;
	}
	if (!fin && !is_ns && !is_crd && finalizers_empty(old->obj)) {
		if (d && d->dry_run) {
			if (out)
				*out = hold(s, old);
			if (gone)
				*gone = true;
			return 0;
		}
		o = commit_delete(s, bk, old, NULL, st);
		if (!o)
			return -1;
		if (out)
			*out = o;
		if (gone)
			*gone = true;
		return 0;
	}
	next = store_obj_copy(old);
	md = meta_of(next);
	if (!json_get(md, "deletionTimestamp")) {
		set_str(md, "deletionTimestamp", store_now(s));
		cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
		cJSON_AddNumberToObject(md, "deletionGracePeriodSeconds", 0);
	}
	if (fin)
		add_finalizer(md, fin);
	if (is_crd)
		add_finalizer(md, "customresourcecleanup.apiextensions.k8s.io");
	if (is_ns) {
		cJSON *status = cJSON_GetObjectItemCaseSensitive(next, "status");

		if (!cJSON_IsObject(status)) {
			cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
			status = cJSON_AddObjectToObject(next, "status");
		}
		set_str(status, "phase", "Terminating");
	}
	if (d && d->dry_run) {
		o = dry_result(s, sk, next);
	} else if (same_object(next, old->obj)) {
		cJSON_Delete(next);
		o = hold(s, old);
	} else {
		o = commit_put(s, bk, next, old, st);
		if (!o)
			return -1;
	}
	if (out)
		*out = o;
	return 0;
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
			if (*uid_of(o)) {
				withuid++;
				if (store_find_uid(s, uid_of(o)) != o)
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
