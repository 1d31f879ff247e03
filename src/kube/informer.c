/*
 * informer.c: list, then watch, one kind of object into an indexed store
 * (see informer.h).
 *
 * States: LISTING (a kube_list in flight), WATCHING (a streaming kube_call
 * whose chunks feed a watch_parser), WAITING (a loop timer before the next
 * list or watch).  Each watch event lands in the store (informer-store.c:
 * objects by "ns/name", entries by label), then the callbacks run.  A relist
 * marks every entry it sees; entries left unmarked were deleted while we
 * were away, so a relist reports adds, updates and deletes like a watch.
 *
 * curl forbids starting a transfer from inside its callbacks, and a watch
 * chunk arrives inside one, so every new request (relist after a 410 in
 * the stream, re-watch after a drop) is started from a timer, which may be
 * 0 ms.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/informer.h"
#include "datalab/kube/watch.h"
#include "informer-internal.h"

#define BACKOFF_MIN_MS 1000L
#define BACKOFF_MAX_MS 30000L
#define RETRY_AFTER_MAX_S 300L
/* a watch that ends cleanly this fast without an event is a failure in
 * disguise (a proxy closing it, a server without watch): back off */
#define WATCH_MIN_LIFE_MS 1000u
#define WATCH_PROBE_MS 1500L

/* ---- the informer ---- */

enum state { ST_IDLE, ST_LISTING, ST_WATCHING, ST_WAITING };
enum next { NEXT_LIST, NEXT_WATCH };

struct informer {
	struct kube *k;
	char *path, *label_selector, *field_selector;
	char *query;		/* the selectors, URL-encoded, or "" */
	struct informer_cbs cbs;
	void *arg;

	struct istore store;
	unsigned mark;

	enum state state;
	enum next next;
	struct kube_list *list;
	struct kube_call *watch;
	struct watch_parser parser;
	bool watch_gone;	/* the stream said 410: relist */
	bool watch_failed;	/* the stream sent another ERROR */
	struct error watch_err;
	bool watch_got;		/* bytes arrived on this watch */
	uint64_t watch_start;
	char *rv;
	uint64_t timer;
	uint64_t probe;		/* a re-watch after an error that stays open is fresh */
	long backoff_ms;
	uint64_t rng;

	bool synced;
	int64_t synced_at, stale_since;
	bool has_err;
	struct error err;
	struct informer_stats st;
};

static void schedule(struct informer *inf, enum next what, long ms);

/* ---- state ---- */

static void set_rv(struct informer *inf, const char *rv)
{
	if (!rv || !*rv || str_eq(rv, inf->rv))
		return;
	free(inf->rv);
	inf->rv = xstrdup(rv);
}

static void fresh(struct informer *inf)
{
	inf->synced_at = time_wall_ms();
	if (!inf->has_err && !inf->stale_since)
		return;
	inf->has_err = false;
	inf->stale_since = 0;
	error_clear(&inf->err);
	log_info("informer '%s': back in sync", inf->path);
	if (inf->cbs.on_fresh)
		inf->cbs.on_fresh(inf, inf->arg);
}

/* failed: the stream or a list failed; say so once per change */
static void failed(struct informer *inf, const struct error *err)
{
	bool same = inf->has_err && inf->err.code == err->code && strcmp(inf->err.msg, err->msg) == 0;

	if (!inf->stale_since)
		inf->stale_since = time_wall_ms();
	if (same)
		return;
	inf->err = *err;
	inf->has_err = true;
	log_warn("informer '%s': %s", inf->path, err->msg);
	if (inf->cbs.on_error)
		inf->cbs.on_error(inf, &inf->err, inf->arg);
}

static uint64_t next_rand(struct informer *inf)
{
	uint64_t x = inf->rng;	/* xorshift64 */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return inf->rng = x;
}

/* backoff: the next delay, 1 s doubling to 30 s, plus up to a quarter more */
static long backoff(struct informer *inf)
{
	long base;

	inf->backoff_ms = inf->backoff_ms ? DL_MIN(inf->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
	base = inf->backoff_ms;
	return base + (long)(next_rand(inf) % (uint64_t)(base / 4 + 1));
}

static long retry_delay(struct informer *inf, long retry_after_s)
{
	long b = backoff(inf);

	if (retry_after_s > 0)
		return DL_MIN(retry_after_s, RETRY_AFTER_MAX_S) * 1000L;
	return b;
}

/* ---- list ---- */

static void start_list(struct informer *inf);

/* apply_list: the store becomes the list's items; callbacks for the
 * difference */
static void apply_list(struct informer *inf, cJSON *list)
{
	cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items"), *it, *next;
	struct istore_entry **gone;
	size_t ngone;

	inf->mark++;
	for (it = items ? items->child : NULL; it; it = next) {
		char *key;
		struct istore_entry *e;
		cJSON *old;

		next = it->next;
		if (!cJSON_IsObject(it) || !(key = istore_key(it)))
			continue;
		e = istore_find(&inf->store, key);
		if (e && str_eq(json_str(e->obj, "metadata.resourceVersion", NULL),
				json_str(it, "metadata.resourceVersion", ""))) {
			e->mark = inf->mark;
			free(key);
			continue;
		}
		cJSON_DetachItemViaPointer(items, it);
		old = istore_put(&inf->store, key, it, &e);
		e->mark = inf->mark;
		if (old && inf->cbs.on_update)
			inf->cbs.on_update(inf, e->obj, old, inf->arg);
		else if (!old && inf->cbs.on_add)
			inf->cbs.on_add(inf, e->obj, inf->arg);
		cJSON_Delete(old);
	}
	gone = istore_unmarked(&inf->store, inf->mark, &ngone);
	for (size_t i = 0; i < ngone; i++) {
		cJSON *obj = istore_del(&inf->store, gone[i]);

		if (inf->cbs.on_delete)
			inf->cbs.on_delete(inf, obj, inf->arg);
		cJSON_Delete(obj);
	}
	free(gone);
}

static void start_watch(struct informer *inf);

static void on_list(struct kube_list *l, cJSON *list, const struct error *err, void *arg)
{
	struct informer *inf = arg;

	inf->list = NULL;
	if (err->code != ERR_NONE || !list) {
		long ra = err->status == 429 || err->status == 503 ? kube_list_retry_after(l) : 0;

		failed(inf, err);
		schedule(inf, NEXT_LIST, retry_delay(inf, ra));
		cJSON_Delete(list);
		return;
	}
	inf->st.lists++;
	set_rv(inf, json_str(list, "metadata.resourceVersion", NULL));
	apply_list(inf, list);
	cJSON_Delete(list);
	log_info("informer '%s': %s %zu objects (%lu lists, ~%zu KiB held)", inf->path,
		 inf->synced ? "relisted" : "synced", inf->store.objs.n, inf->st.lists, istore_bytes(&inf->store) / 1024);
#ifdef __GLIBC__
	/* the pages and the merged list are gone: give their memory back
	 * rather than keep the peak of a big list for the informer's life */
	if (inf->store.objs.n >= 1000)
		malloc_trim(0);
#endif
	inf->synced = true;
	inf->backoff_ms = 0;
	fresh(inf);
	if (inf->cbs.on_sync)
		inf->cbs.on_sync(inf, inf->arg);
	start_watch(inf);
}

static void start_list(struct informer *inf)
{
	struct error err;

	inf->state = ST_LISTING;
	inf->list = kube_list_start(inf->k, inf->path, inf->query, on_list, inf, &err);
	if (!inf->list) {
		failed(inf, &err);
		schedule(inf, NEXT_LIST, backoff(inf));
	}
}

/* ---- watch ---- */

static void on_event(struct watch_event *ev, void *arg)
{
	struct informer *inf = arg;
	char *key;
	struct istore_entry *e;
	cJSON *old;

	if (inf->watch_gone || inf->watch_failed)
		return;		/* the rest of a doomed stream */
	if (ev->type == WATCH_ERROR) {
		if (!str_eq(json_str(ev->object, "kind", NULL), "Status")) {
			log_warn("informer '%s': skipped an ERROR event without a Status", inf->path);
			return;
		}
		if (ev->code == 410 || str_eq(ev->reason, "Expired") || str_eq(ev->reason, "Gone")) {
			inf->watch_gone = true;
			return;
		}
		inf->watch_failed = true;
		error_set(&inf->watch_err, ERR_HTTP, "the watch of '%s' failed%s%.200s", inf->path,
			  ev->message ? ": " : "", ev->message ? ev->message : "");
		inf->watch_err.status = ev->code;
		return;
	}
	inf->st.events++;
	inf->backoff_ms = 0;
	fresh(inf);
	set_rv(inf, ev->resource_version);
	if (ev->type == WATCH_BOOKMARK)
		return;
	if (!(key = istore_key(ev->object)))
		return;
	if (ev->type == WATCH_DELETED) {
		e = istore_find(&inf->store, key);
		free(key);
		if (!e)
			return;
		old = istore_del(&inf->store, e);
		if (inf->cbs.on_delete)
			inf->cbs.on_delete(inf, ev->object, inf->arg);
		cJSON_Delete(old);
		return;
	}
	old = istore_put(&inf->store, key, ev->object, &e);
	ev->object = NULL;	/* the store keeps it */
	if (old && inf->cbs.on_update)
		inf->cbs.on_update(inf, e->obj, old, inf->arg);
	else if (!old && inf->cbs.on_add)
		inf->cbs.on_add(inf, e->obj, inf->arg);
	cJSON_Delete(old);
}

static void stop_probe(struct informer *inf)
{
	if (inf->probe)
		loop_del_timer(kube_loop(inf->k), inf->probe);
	inf->probe = 0;
}

static void stop_watch(struct informer *inf)
{
	stop_probe(inf);
	kube_cancel(inf->watch);
	inf->watch = NULL;
	watch_parser_release(&inf->parser);
	watch_parser_init(&inf->parser, 0, on_event, inf);
}

static void on_watch_data(struct kube_call *c, const char *p, size_t n, void *arg)
{
	struct informer *inf = arg;

	(void)c;
	inf->watch_got = true;
	watch_parser_feed(&inf->parser, p, n);
	if (inf->watch_gone) {
		log_info("informer '%s': resource version expired, relisting", inf->path);
		inf->st.relists++;
		stop_watch(inf);
		schedule(inf, NEXT_LIST, 0);
	} else if (inf->watch_failed) {
		struct error err = inf->watch_err;

		stop_watch(inf);
		failed(inf, &err);
		inf->st.reconnects++;
		schedule(inf, NEXT_WATCH, backoff(inf));
	}
}

static void on_watch_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct informer *inf = arg;
	uint64_t lived = time_mono_ms() - inf->watch_start;
	bool got = inf->watch_got;

	(void)body;
	inf->watch = NULL;
	stop_probe(inf);
	watch_parser_finish(&inf->parser);
	if (err->code == ERR_GONE) {
		inf->st.relists++;
		schedule(inf, NEXT_LIST, 0);
		return;
	}
	inf->st.reconnects++;
	if (err->code != ERR_NONE) {
		long ra = err->status == 429 || err->status == 503 ? kube_call_retry_after(c) : 0;

		failed(inf, err);
		schedule(inf, NEXT_WATCH, retry_delay(inf, ra));
		return;
	}
	/* a clean end (timeoutSeconds, or the server's choice): watch again
	 * at once, unless it keeps ending before anything arrives */
	if (!got && lived < WATCH_MIN_LIFE_MS)
		schedule(inf, NEXT_WATCH, backoff(inf));
	else
		schedule(inf, NEXT_WATCH, 0);
}

/* on_probe: a watch started after an error is still open: the server
 * accepted it from our resourceVersion, so the store is current even if
 * nothing changed since (events and bookmarks may be minutes apart) */
static long on_probe(struct loop *l, void *arg)
{
	struct informer *inf = arg;

	(void)l;
	inf->probe = 0;
	if (inf->watch && !inf->watch_gone && !inf->watch_failed)
		fresh(inf);
	return LOOP_NOMORE;
}

static void start_watch(struct informer *inf)
{
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };
	struct error err;
	/* as client-go: a server-side timeout between 5 and 10 minutes, and a
	 * client-side one past it in case the server stops answering */
	long timeout_s = 300 + (long)(next_rand(inf) % 300);

	inf->state = ST_WATCHING;
	inf->watch_gone = inf->watch_failed = inf->watch_got = false;
	inf->watch_start = time_mono_ms();
	buf_addf(&path, "%s?watch=true&allowWatchBookmarks=true&timeoutSeconds=%ld", inf->path, timeout_s);
	if (inf->rv) {
		buf_adds(&path, "&resourceVersion=");
		str_url_encode(&path, inf->rv, strlen(inf->rv), false);
	}
	if (*inf->query)
		buf_addf(&path, "&%s", inf->query);
	rq.path = path.data;
	rq.on_data = on_watch_data;
	rq.timeout_ms = (timeout_s + 30) * 1000L;
	inf->st.watches++;
	inf->watch = kube_call(inf->k, &rq, on_watch_done, inf, &err);
	buf_release(&path);
	if (!inf->watch) {
		failed(inf, &err);
		schedule(inf, NEXT_WATCH, backoff(inf));
		return;
	}
	if (inf->has_err || inf->stale_since)
		inf->probe = loop_add_timer(kube_loop(inf->k), WATCH_PROBE_MS, on_probe, inf);
}

/* ---- timers ---- */

static long on_timer(struct loop *l, void *arg)
{
	struct informer *inf = arg;

	(void)l;
	inf->timer = 0;
	if (inf->next == NEXT_LIST)
		start_list(inf);
	else
		start_watch(inf);
	return LOOP_NOMORE;
}

static void schedule(struct informer *inf, enum next what, long ms)
{
	struct loop *l = kube_loop(inf->k);

	if (inf->timer)
		loop_del_timer(l, inf->timer);
	inf->state = ST_WAITING;
	inf->next = what;
	inf->timer = loop_add_timer(l, ms, on_timer, inf);
}

/* ---- the API ---- */

static void add_selector(struct buf *q, const char *name, const char *sel)
{
	if (!sel || !*sel)
		return;
	if (q->len)
		buf_addc(q, '&');
	buf_addf(q, "%s=", name);
	str_url_encode(q, sel, strlen(sel), false);
}

struct informer *informer_new(struct kube *k, const struct informer_opts *opts, const struct informer_cbs *cbs,
			      void *arg)
{
	struct informer *inf = xcalloc(1, sizeof(*inf));
	struct buf q = BUF_INIT;

	inf->k = k;
	inf->path = xstrdup(opts->path);
	inf->label_selector = opts->label_selector ? xstrdup(opts->label_selector) : NULL;
	inf->field_selector = opts->field_selector ? xstrdup(opts->field_selector) : NULL;
	inf->store.keep_managed = opts->keep_managed_fields;
	add_selector(&q, "labelSelector", opts->label_selector);
	add_selector(&q, "fieldSelector", opts->field_selector);
	inf->query = buf_take(&q, NULL);
	if (cbs)
		inf->cbs = *cbs;
	inf->arg = arg;
	inf->rng = (time_mono_ms() ^ (uint64_t)(uintptr_t)inf ^ ((uint64_t)getpid() << 32)) | 1;
	watch_parser_init(&inf->parser, 0, on_event, inf);
	return inf;
}

int informer_start(struct informer *inf, struct error *err)
{
	if (inf->state != ST_IDLE)
		return 0;
	inf->state = ST_LISTING;
	inf->list = kube_list_start(inf->k, inf->path, inf->query, on_list, inf, err);
	if (!inf->list) {
		inf->state = ST_IDLE;
		return -1;
	}
	return 0;
}

void informer_free(struct informer *inf)
{
	if (!inf)
		return;
	kube_list_cancel(inf->list);
	kube_cancel(inf->watch);
	stop_probe(inf);
	if (inf->timer)
		loop_del_timer(kube_loop(inf->k), inf->timer);
	istore_release(&inf->store);
	watch_parser_release(&inf->parser);
	free(inf->rv);
	free(inf->path);
	free(inf->label_selector);
	free(inf->field_selector);
	free(inf->query);
	free(inf);
}

const cJSON *informer_get(const struct informer *inf, const char *ns, const char *name)
{
	char *key;
	struct istore_entry *e;

	if (!name)
		return NULL;
	key = xasprintf("%s/%s", ns ? ns : "", name);
	e = istore_find(&inf->store, key);
	free(key);
	return e ? e->obj : NULL;
}

size_t informer_count(const struct informer *inf)
{
	return inf->store.objs.n;
}

void informer_each(const struct informer *inf, void (*fn)(const cJSON *obj, void *arg), void *arg)
{
	istore_each(&inf->store, fn, arg);
}

void informer_each_label(const struct informer *inf, const char *key, const char *value,
			 void (*fn)(const cJSON *obj, void *arg), void *arg)
{
	istore_each_label(&inf->store, key, value, fn, arg);
}

bool informer_synced(const struct informer *inf)
{
	return inf->synced;
}

int64_t informer_synced_at(const struct informer *inf)
{
	return inf->synced_at;
}

int64_t informer_stale_since(const struct informer *inf)
{
	return inf->stale_since;
}

const struct error *informer_last_error(const struct informer *inf)
{
	return inf->has_err ? &inf->err : NULL;
}

const char *informer_path(const struct informer *inf)
{
	return inf->path;
}

void informer_stats(const struct informer *inf, struct informer_stats *st)
{
	*st = inf->st;
	st->bytes = istore_bytes(&inf->store) + sizeof(*inf);
}

/* the kinds the console watches: name, group/version, the path's
 * resource (NULL = name), namespaced */
static const struct {
	const char *name, *gv, *res;
	bool namespaced;
} kinds[] = {
	{ "pods", "v1", NULL, true },
	{ "events", "v1", NULL, true },
	{ "services", "v1", NULL, true },
	{ "secrets", "v1", NULL, true },
	{ "configmaps", "v1", NULL, true },
	{ "resourcequotas", "v1", NULL, true },
	{ "persistentvolumeclaims", "v1", NULL, true },
	{ "nodes", "v1", NULL, false },
	{ "namespaces", "v1", NULL, false },
	{ "deployments", "apps/v1", NULL, true },
	{ "statefulsets", "apps/v1", NULL, true },
	{ "replicasets", "apps/v1", NULL, true },
	{ "jobs", "batch/v1", NULL, true },
	{ "ingresses", "networking.k8s.io/v1", NULL, true },
	{ "podmetrics", "metrics.k8s.io/v1beta1", "pods", true },	/* lists only: no watch */
	{ "nodemetrics", "metrics.k8s.io/v1beta1", "nodes", false },
};

int informer_resource_path(const char *resource, const char *ns, char *dst, size_t size)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(kinds); i++) {
		const char *root = strchr(kinds[i].gv, '/') ? "/apis/" : "/api/";
		const char *res = kinds[i].res ? kinds[i].res : kinds[i].name;

		if (strcmp(kinds[i].name, resource) != 0)
			continue;
		if (kinds[i].namespaced && ns && *ns) {
			struct buf enc = BUF_INIT;

			str_url_encode(&enc, ns, strlen(ns), false);
			snprintf(dst, size, "%s%s/namespaces/%s/%s", root, kinds[i].gv, enc.data, res);
			buf_release(&enc);
		} else
			snprintf(dst, size, "%s%s/%s", root, kinds[i].gv, res);
		return 0;
	}
	if (size)
		dst[0] = '\0';
	return -1;
}
