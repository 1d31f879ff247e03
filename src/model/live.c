/*
 * live.c: informers into models, the metrics poll, freshness, and the
 * namespace switch (see live.h).  Actions are in live_actions.c.
 *
 * Data flow: each informer has a struct feed naming its kind; its
 * callbacks land in feed_obj, which hands the object to model/services or
 * model/cluster (or both) and tells the listener.  Pods and events of
 * the namespace feed model/cluster only until the cluster-wide informers
 * run; from then on those feed it, so no pod is counted twice.  An
 * informer refused with 403 is marked and freed from a 0 ms timer (never
 * inside its own callback), and its sentence kept for the views.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/model/live.h"
#include "live-internal.h"

static const char *const feed_resource[F_COUNT] = {
	[F_SECRETS] = "secrets", [F_PODS] = "pods", [F_EVENTS] = "events",
	[F_INGRESSES] = "ingresses", [F_STATEFULSETS] = "statefulsets",
	[F_DEPLOYMENTS] = "deployments", [F_QUOTAS] = "resourcequotas",
	[F_NODES] = "nodes", [F_PODS_ALL] = "pods", [F_EVENTS_ALL] = "events",
	[F_NAMESPACES] = "namespaces",
};

void live_changed(struct live *s, unsigned what)
{
	if (s->on_change)
		s->on_change(s->change_arg, what);
}

void live_on_change(struct live *s, void (*fn)(void *arg, unsigned what), void *arg)
{
	s->on_change = fn;
	s->change_arg = arg;
}

/* --- feeding the models --- */

static int64_t milli_of(const struct metrics_series *m);

/* catch_up: a pod or node the informer lists after a metrics poll landed
 * takes that poll's usage now, not at the next poll (15 s later); the
 * informers and the poller start together, so either may answer first. */
static void catch_up(struct live *s, enum feed_kind kind, const cJSON *obj)
{
	const char *ns = json_str(obj, "metadata.namespace", "");
	const char *name = json_str(obj, "metadata.name", NULL);
	const struct metrics_series *m;

	if (!name)
		return;
	switch (kind) {
	case F_PODS:
		if (s->m_ns && (m = metrics_pod(s->m_ns, ns, name))) {
			services_usage(s->svc, ns, name, milli_of(m), m->now.mem_bytes, m->gpu_util);
			if (!s->pods_all)
				cluster_pod_usage(s->cl, ns, name, milli_of(m), m->now.mem_bytes, m->gpu_util);
		}
		break;
	case F_PODS_ALL:
		if (s->m_all && (m = metrics_pod(s->m_all, ns, name)))
			cluster_pod_usage(s->cl, ns, name, milli_of(m), m->now.mem_bytes, m->gpu_util);
		break;
	case F_NODES:
		if (s->m_all && (m = metrics_node(s->m_all, name)))
			cluster_node_usage(s->cl, name, milli_of(m), m->now.mem_bytes, m->gpu_util);
		break;
	default:
		break;
	}
}

static void feed_obj(struct feed *f, const cJSON *obj, bool deleted)
{
	struct live *s = f->s;
	struct error err;
	unsigned what = 0;

	switch (f->kind) {
	case F_SECRETS:
		if (services_secret(s->svc, obj, deleted, &err) < 0)
			log_warn("release secret '%s': %s", json_str(obj, "metadata.name", "?"), err.msg);
		what = LIVE_SERVICES;
		break;
	case F_PODS:
		services_pod(s->svc, obj, deleted);
		what = LIVE_SERVICES;
		if (!s->pods_all) {
			cluster_feed_pod(s->cl, obj, deleted);
			what |= LIVE_CLUSTER;
		}
		break;
	case F_EVENTS:
		services_event(s->svc, obj, deleted);
		what = LIVE_SERVICES;
		if (!s->events_all) {
			cluster_feed_event(s->cl, obj, deleted);
			what |= LIVE_CLUSTER;
		}
		break;
	case F_INGRESSES:
		services_ingress(s->svc, obj, deleted);
		what = LIVE_SERVICES;
		break;
	case F_STATEFULSETS:
	case F_DEPLOYMENTS:
		services_workload(s->svc, feed_resource[f->kind], obj, deleted);
		what = LIVE_SERVICES;
		break;
	case F_QUOTAS:
		cluster_feed_quota(s->cl, obj, deleted);
		what = LIVE_CLUSTER;
		break;
	case F_NODES:
		cluster_feed_node(s->cl, obj, deleted);
		what = LIVE_CLUSTER;
		break;
	case F_PODS_ALL:
		cluster_feed_pod(s->cl, obj, deleted);
		what = LIVE_CLUSTER;
		break;
	case F_EVENTS_ALL:
		cluster_feed_event(s->cl, obj, deleted);
		what = LIVE_CLUSTER;
		break;
	case F_NAMESPACES:
		cluster_feed_namespace(s->cl, obj, deleted);
		what = LIVE_CLUSTER;
		break;
	default:
		break;
	}
	if (!deleted)
		catch_up(s, f->kind, obj);
	live_changed(s, what);
}

static void on_add(struct informer *inf, const cJSON *obj, void *arg)
{
	(void)inf;
	feed_obj(arg, obj, false);
}

static void on_update(struct informer *inf, const cJSON *obj, const cJSON *old, void *arg)
{
	(void)inf;
	(void)old;
	feed_obj(arg, obj, false);
}

static void on_delete(struct informer *inf, const cJSON *obj, void *arg)
{
	(void)inf;
	feed_obj(arg, obj, true);
}

static void on_sync(struct informer *inf, void *arg)
{
	struct feed *f = arg;

	(void)inf;
	live_changed(f->s, LIVE_FRESHNESS);
}

static void replay_one(const cJSON *obj, void *arg)
{
	feed_obj(arg, obj, false);
}

/* reap: frees the informers refused with 403; runs from a timer. */
static int restart_namespaced(struct live *s, struct error *err);
static void metrics_update(struct metrics *m, void *arg);

static long reap(struct loop *l, void *arg)
{
	struct live *s = arg;
	struct error err;

	(void)l;
	s->reap_timer = 0;
	if (s->m_all_refused) {
		s->m_all_refused = false;
		metrics_free(s->m_all);
		s->m_all = NULL;
	}
	if (s->all_refused) {
		/* all namespaces refused: the current one, as before the toggle */
		s->all_refused = false;
		s->all_ns = false;
		if (restart_namespaced(s, &err) < 0)
			log_warn("%s", err.msg);
	}
	for (int i = 0; i < F_COUNT; i++) {
		struct feed *f = &s->feeds[i];

		if (!f->reap)
			continue;
		informer_free(f->inf);
		f->inf = NULL;
		f->reap = false;
		/* the namespace's own informers feed model/cluster again */
		if (i == F_PODS_ALL && s->pods_all) {
			s->pods_all = false;
			if (s->feeds[F_PODS].inf)
				informer_each(s->feeds[F_PODS].inf, replay_one, &s->feeds[F_PODS]);
			/* and their usage, from the namespace's last poll */
			if (s->m_ns && metrics_available(s->m_ns))
				metrics_update(s->m_ns, s);
		}
		if (i == F_EVENTS_ALL && s->events_all) {
			s->events_all = false;
			if (s->feeds[F_EVENTS].inf)
				informer_each(s->feeds[F_EVENTS].inf, replay_one, &s->feeds[F_EVENTS]);
		}
	}
	live_changed(s, LIVE_FRESHNESS | LIVE_CLUSTER);
	return LOOP_NOMORE;
}

static void on_error(struct informer *inf, const struct error *err, void *arg)
{
	struct feed *f = arg;
	struct live *s = f->s;

	(void)inf;
	log_warn("watch of %s: %s", feed_resource[f->kind], err->msg);
	if (err->code == ERR_FORBIDDEN && f->kind < F_NS_COUNT && s->all_ns) {
		snprintf(s->all_err, sizeof(s->all_err), "not allowed to list %s in all namespaces: showing '%s'",
			 feed_resource[f->kind], s->ns);
		s->all_refused = true;
		if (!s->reap_timer)
			s->reap_timer = loop_add_timer(s->loop, 0, reap, s);
	} else if (err->code == ERR_FORBIDDEN || err->code == ERR_NOT_FOUND) {
		/* retrying a refusal every 30 s helps nobody and wakes us up */
		str_copy(f->err, err->msg, sizeof(f->err));
		f->reap = true;
		if (!s->reap_timer)
			s->reap_timer = loop_add_timer(s->loop, 0, reap, s);
	}
	live_changed(s, LIVE_FRESHNESS);
}

static void on_fresh(struct informer *inf, void *arg)
{
	struct feed *f = arg;

	(void)inf;
	live_changed(f->s, LIVE_FRESHNESS);
}

static const struct informer_cbs feed_cbs = {
	.on_add = on_add,
	.on_update = on_update,
	.on_delete = on_delete,
	.on_sync = on_sync,
	.on_error = on_error,
	.on_fresh = on_fresh,
};

static int start_feed(struct live *s, enum feed_kind kind, struct error *err)
{
	struct feed *f = &s->feeds[kind];
	struct informer_opts o = { 0 };
	char path[512];
	bool namespaced = kind < F_NS_COUNT;

	if (f->inf)
		return 0;
	f->s = s;
	f->kind = kind;
	f->err[0] = '\0';
	if (informer_resource_path(feed_resource[kind], namespaced && !s->all_ns ? s->ns : NULL, path, sizeof(path)) < 0)
		return error_set(err, ERR_INVALID, "unable to watch '%s': unknown resource", feed_resource[kind]);
	o.path = path;
	f->inf = informer_new(s->kube, &o, &feed_cbs, f);
	if (informer_start(f->inf, err) < 0) {
		informer_free(f->inf);
		f->inf = NULL;
		return -1;
	}
	return 0;
}

static void stop_feed(struct live *s, enum feed_kind kind)
{
	struct feed *f = &s->feeds[kind];

	informer_free(f->inf);
	f->inf = NULL;
	f->reap = false;
	f->err[0] = '\0';
}

/* --- metrics (kube/metrics polls; the models take the usage) --- */

static int64_t milli_of(const struct metrics_series *m)
{
	return (m->now.cpu_nano + 999999) / 1000000;	/* rounded up, as kubectl */
}

static void metrics_update(struct metrics *m, void *arg)
{
	struct live *s = arg;
	bool all = m == s->m_all;

	/* a failed cluster-wide poll knows no pod: it must not wipe the
	 * usage the namespace's poll gave (a user kept to a namespace) */
	if (all && !metrics_available(m))
		return;
	s->metrics_err[0] = '\0';
	if (!all) {
		services_usage_begin(s->svc);
		for (size_t i = 0; i < metrics_pod_count(m); i++) {
			const struct metrics_series *p = metrics_pod_at(m, i);

			services_usage(s->svc, p->ns, p->name, milli_of(p), p->now.mem_bytes, p->gpu_util);
		}
		services_usage_end(s->svc);
	}
	if (all || !s->pods_all) {
		cluster_usage_reset(s->cl, true, all);
		for (size_t i = 0; i < metrics_pod_count(m); i++) {
			const struct metrics_series *p = metrics_pod_at(m, i);

			cluster_pod_usage(s->cl, p->ns, p->name, milli_of(p), p->now.mem_bytes, p->gpu_util);
		}
		for (size_t i = 0; all && i < metrics_node_count(m); i++) {
			const struct metrics_series *n = metrics_node_at(m, i);

			cluster_node_usage(s->cl, n->name, milli_of(n), n->now.mem_bytes, n->gpu_util);
		}
	}
	live_changed(s, LIVE_SERVICES | LIVE_CLUSTER);
}

static void metrics_unavailable(struct metrics *m, const struct error *err, void *arg)
{
	struct live *s = arg;

	if (m == s->m_all && err->code == ERR_FORBIDDEN) {
		/* refused: asking again every poll helps nobody (freed in reap) */
		s->m_all_refused = true;
		if (!s->reap_timer)
			s->reap_timer = loop_add_timer(s->loop, 0, reap, s);
		return;
	}
	snprintf(s->metrics_err, sizeof(s->metrics_err), "no metrics: %.200s", err->msg);
	live_changed(s, LIVE_SERVICES | LIVE_CLUSTER);
}

static struct metrics *metrics_poller(struct live *s, const char *ns, bool nodes)
{
	static const struct metrics_cbs cbs = { metrics_update, metrics_unavailable };
	struct metrics_opts o = { .ns = ns, .nodes = nodes, .interval_ms = s->metrics_ms, .gpu_path = s->gpu_path };
	struct metrics *m;
	struct error err;

	if (s->metrics_ms < 0)
		return NULL;
	m = metrics_new(s->kube, &o, &cbs, s);
	if (metrics_start(m, &err) < 0) {
		log_warn("metrics: %s", err.msg);
		metrics_free(m);
		return NULL;
	}
	return m;
}

/* --- life --- */

struct live *live_new(struct loop *l, struct kube *k, const struct live_opts *o)
{
	struct live *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->kube = k;
	s->ns = xstrdup(o->namespace && *o->namespace ? o->namespace : "default");
	s->kubeconfig = o->kubeconfig ? xstrdup(o->kubeconfig) : NULL;
	s->context = o->context ? xstrdup(o->context) : NULL;
	s->metrics_ms = o->metrics_ms == 0 ? METRICS_INTERVAL_MS : o->metrics_ms;
	if (o->gpu_path)
		s->gpu_path = xstrdup(o->gpu_path);
	else if (metrics_gpu_path_for(kube_config(k)))
		s->gpu_path = xstrdup(metrics_gpu_path_for(kube_config(k)));
	s->svc = services_new();
	s->cl = cluster_new();
	s->recent[0] = xstrdup(s->ns);
	for (int i = 0; i < F_COUNT; i++) {
		s->feeds[i].s = s;
		s->feeds[i].kind = (enum feed_kind)i;
	}
	return s;
}

int live_start(struct live *s, struct error *err)
{
	for (int i = 0; i < F_NS_COUNT; i++)
		if (start_feed(s, (enum feed_kind)i, err) < 0)
			return -1;
	/* who may see which namespaces: a refusal is common and quiet */
	start_feed(s, F_NAMESPACES, NULL);
	s->m_ns = metrics_poller(s, s->ns, false);
	return 0;
}

void live_free(struct live *s)
{
	if (!s)
		return;
	live_actions_free(s);
	metrics_free(s->m_ns);
	metrics_free(s->m_all);
	if (s->reap_timer)
		loop_del_timer(s->loop, s->reap_timer);
	for (int i = 0; i < F_COUNT; i++)
		informer_free(s->feeds[i].inf);
	services_free(s->svc);
	cluster_free(s->cl);
	for (int i = 0; i < LIVE_RECENT; i++)
		free(s->recent[i]);
	free(s->ns);
	free(s->kubeconfig);
	free(s->context);
	free(s->gpu_path);
	free(s);
}

struct services *live_services(struct live *s)
{
	return s->svc;
}

struct cluster *live_cluster(struct live *s)
{
	return s->cl;
}

struct kube *live_kube(const struct live *s)
{
	return s->kube;
}

struct loop *live_loop(const struct live *s)
{
	return s->loop;
}

const char *live_namespace(const struct live *s)
{
	return s->ns;
}

const char *live_ns(const struct live *s, const char *ns)
{
	return ns && *ns ? ns : s->ns;
}

bool live_all_namespaces(const struct live *s)
{
	return s->all_ns;
}

const char *live_all_error(const struct live *s)
{
	return s->all_err[0] ? s->all_err : NULL;
}

struct helm_target live_helm_target(const struct live *s)
{
	struct helm_target t = { s->kubeconfig, s->context, s->ns };

	return t;
}

/* dns_label: what Kubernetes accepts as a namespace name (RFC 1123). */
static bool dns_label(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 63 || n[0] == '-' || n[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-'))
			return false;
	return true;
}

int live_set_namespace(struct live *s, const char *ns, struct error *err)
{
	int at = LIVE_RECENT - 1;

	if (!ns || !dns_label(ns))
		return error_set(err, ERR_INVALID, "'%.64s' is not a namespace name (lower-case letters, digits, '-')",
				 ns ? ns : "");
	if (str_eq(ns, s->ns))
		return 0;
	free(s->ns);
	s->ns = xstrdup(ns);
	/* remember it, most recent first, once */
	for (int i = 0; i < LIVE_RECENT; i++)
		if (s->recent[i] && str_eq(s->recent[i], ns))
			at = i;
	free(s->recent[at]);
	memmove(&s->recent[1], &s->recent[0], (size_t)at * sizeof(char *));
	s->recent[0] = xstrdup(ns);
	if (s->all_ns) {
		/* every namespace is watched already: the title and quota move */
		live_changed(s, LIVE_NAMESPACE | LIVE_SERVICES | LIVE_CLUSTER);
		return 0;
	}
	return restart_namespaced(s, err);
}

/* restart_namespaced: the namespaced informers and the metrics poll
 * again, for s->ns or every namespace, the models cleared first; -1 with
 * err when one cannot start. */
static int restart_namespaced(struct live *s, struct error *err)
{
	metrics_free(s->m_ns);
	s->m_ns = NULL;
	for (int i = 0; i < F_NS_COUNT; i++)
		stop_feed(s, (enum feed_kind)i);
	services_free(s->svc);
	s->svc = services_new();
	/* model/cluster keeps what the cluster-wide informers gave */
	cluster_clear(s->cl);
	for (int i = F_NS_COUNT; i < F_COUNT; i++)
		if (s->feeds[i].inf)
			informer_each(s->feeds[i].inf, replay_one, &s->feeds[i]);
	live_changed(s, LIVE_NAMESPACE | LIVE_SERVICES | LIVE_CLUSTER | LIVE_FRESHNESS);
	for (int i = 0; i < F_NS_COUNT; i++)
		if (start_feed(s, (enum feed_kind)i, err) < 0)
			return -1;
	s->m_ns = metrics_poller(s, s->all_ns ? NULL : s->ns, false);
	return 0;
}

void live_set_all_namespaces(struct live *s, bool all)
{
	struct error err;

	s->all_err[0] = '\0';
	if (all == s->all_ns)
		return;
	s->all_ns = all;
	if (restart_namespaced(s, &err) < 0)
		log_warn("%s", err.msg);
}

const char *live_recent_namespace(const struct live *s, size_t i)
{
	return i < LIVE_RECENT ? s->recent[i] : NULL;
}

void live_want_cluster(struct live *s)
{
	if (s->cluster_wanted)
		return;
	s->cluster_wanted = true;
	if (start_feed(s, F_NODES, NULL) < 0)
		log_warn("unable to watch nodes");
	if (start_feed(s, F_PODS_ALL, NULL) == 0)
		s->pods_all = true;
	if (start_feed(s, F_EVENTS_ALL, NULL) == 0)
		s->events_all = true;
	s->m_all = metrics_poller(s, NULL, true);
	live_changed(s, LIVE_FRESHNESS | LIVE_CLUSTER);
}

const char *live_cluster_error(const struct live *s)
{
	static const enum feed_kind order[] = { F_NODES, F_PODS_ALL, F_EVENTS_ALL };

	for (size_t i = 0; i < DL_ARRAY_LEN(order); i++)
		if (s->feeds[order[i]].err[0])
			return s->feeds[order[i]].err;
	return NULL;
}

bool live_cluster_wide(const struct live *s)
{
	return s->pods_all;
}

const char *live_metrics_error(const struct live *s)
{
	return s->metrics_err[0] ? s->metrics_err : NULL;
}

void live_freshness(const struct live *s, char *dst, size_t size, bool *stale)
{
	int64_t since = 0;
	const struct error *why = NULL;
	bool syncing = false;

	*stale = false;
	for (int i = 0; i < F_COUNT; i++) {
		const struct informer *inf = s->feeds[i].inf;
		int64_t t;

		if (!inf)
			continue;
		t = informer_stale_since(inf);
		if (t && (!since || t < since)) {
			since = t;
			why = informer_last_error(inf);
		}
		if (!informer_synced(inf))
			syncing = true;
	}
	if (since) {
		time_t secs = (time_t)(since / 1000);
		struct tm tm;
		char hms[16];

		localtime_r(&secs, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		snprintf(dst, size, "stale since %s%s%s", hms, why ? ": " : "", why ? why->msg : "");
		*stale = true;
		return;
	}
	for (int i = 0; i < F_NS_COUNT; i++) {
		if (s->feeds[i].err[0]) {
			snprintf(dst, size, "%s", s->feeds[i].err);
			*stale = true;
			return;
		}
	}
	snprintf(dst, size, "%s", syncing ? "syncing" : "live");
}

/* --- reading the stores --- */

const cJSON *live_get(const struct live *s, const char *resource, const char *ns, const char *name)
{
	for (int i = 0; i < F_NS_COUNT; i++)
		if (str_eq(feed_resource[i], resource) && s->feeds[i].inf)
			return informer_get(s->feeds[i].inf, live_ns(s, ns), name);
	return NULL;
}

struct each_ctx {
	const char *ns;
	const char *resource;
	void (*fn)(const char *resource, const cJSON *obj, void *arg);
	void *arg;
};

static void each_one(const cJSON *obj, void *arg)
{
	struct each_ctx *c = arg;

	/* in all-namespaces mode, a release of that name elsewhere is not it */
	if (str_eq(json_str(obj, "metadata.namespace", ""), c->ns))
		c->fn(c->resource, obj, c->arg);
}

void live_each_release_object(const struct live *s, const char *ns, const char *release,
				 void (*fn)(const char *resource, const cJSON *obj, void *arg), void *arg)
{
	static const enum feed_kind kinds[] = { F_STATEFULSETS, F_DEPLOYMENTS, F_PODS, F_INGRESSES };

	for (size_t i = 0; i < DL_ARRAY_LEN(kinds); i++) {
		struct each_ctx c = { live_ns(s, ns), feed_resource[kinds[i]], fn, arg };

		if (s->feeds[kinds[i]].inf)
			informer_each_label(s->feeds[kinds[i]].inf, "app.kubernetes.io/instance", release, each_one, &c);
	}
}

void live_each_event(const struct live *s, void (*fn)(const cJSON *ev, void *arg), void *arg)
{
	if (s->feeds[F_EVENTS].inf)
		informer_each(s->feeds[F_EVENTS].inf, fn, arg);
}
