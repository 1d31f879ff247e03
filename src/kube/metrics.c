/*
 * metrics.c: polls metrics.k8s.io (see metrics.h).
 *
 * A poll is up to three kube_calls (pods, nodes, the optional GPU page);
 * when the last one lands, each list is parsed into a fresh array of
 * series sorted by namespace and name, each new series takes over the
 * history of the old one with the same key (found by binary search), the
 * new sample is appended when its timestamp moved, and the old array is
 * dropped.  Pods or nodes missing from a poll are gone, with their history.
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
#include "datalab/kube/metrics.h"
#include "datalab/kube/quantity.h"

#define GPU_PAGE_MAX (8u * 1024 * 1024)
#define API "/apis/metrics.k8s.io/v1beta1"

/* ---- parsing ---- */

void metrics_series_clear(struct metrics_series *s)
{
	free(s->ns);
	free(s->name);
	for (size_t i = 0; i < s->ncontainers; i++)
		free(s->containers[i].name);
	free(s->containers);
	memset(s, 0, sizeof(*s));
	s->gpu_util = -1;
}

int64_t metrics_parse_duration(const char *s)
{
	int64_t total_ns = 0;

	if (!s || !*s)
		return -1;
	if (strcmp(s, "0") == 0)
		return 0;
	while (*s) {
		int64_t whole = 0, frac = 0, scale = 1, unit;
		bool digits = false;

		while (*s >= '0' && *s <= '9') {
			if (whole > INT64_MAX / 100)
				return -1;
			whole = whole * 10 + (*s++ - '0');
			digits = true;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				if (scale < 1000000000) {
					frac = frac * 10 + (*s - '0');
					scale *= 10;
				}
				s++;
				digits = true;
			}
		}
		if (!digits)
			return -1;
		if (str_has_prefix(s, "ns")) {
			unit = 1;
			s += 2;
		} else if (str_has_prefix(s, "us")) {
			unit = 1000;
			s += 2;
		} else if (str_has_prefix(s, "\xc2\xb5s")) {	/* µs */
			unit = 1000;
			s += 3;
		} else if (str_has_prefix(s, "ms")) {
			unit = 1000000;
			s += 2;
		} else if (*s == 's') {
			unit = 1000000000;
			s++;
		} else if (*s == 'm') {
			unit = 60LL * 1000000000;
			s++;
		} else if (*s == 'h') {
			unit = 3600LL * 1000000000;
			s++;
		} else {
			return -1;
		}
		if (whole > INT64_MAX / unit)
			return -1;
		total_ns += whole * unit + frac * (unit / scale > 0 ? unit / scale : 0);
		if (total_ns < 0)
			return -1;
	}
	return total_ns / 1000000;
}

static int usage_parse(const cJSON *usage, struct metrics_usage *u, const char *what, struct error *err)
{
	struct quantity q;
	const char *cpu = json_str(usage, "cpu", NULL), *mem = json_str(usage, "memory", NULL);

	if (cpu) {
		if (quantity_parse_str(cpu, &q, err) != 0)
			return error_set(err, ERR_PARSE, "bad cpu usage for '%s'", what);
		u->cpu_nano += quantity_nano(&q);
	}
	if (mem) {
		if (quantity_parse_str(mem, &q, err) != 0)
			return error_set(err, ERR_PARSE, "bad memory usage for '%s'", what);
		u->mem_bytes += quantity_value(&q);
	}
	return 0;
}

int metrics_parse_item(const cJSON *item, struct metrics_series *s, struct error *err)
{
	const char *name = json_str(item, "metadata.name", NULL);
	const char *ts = json_str(item, "timestamp", NULL);
	const cJSON *c, *containers = json_get(item, "containers");
	time_t t;

	memset(s, 0, sizeof(*s));
	s->gpu_util = -1;
	if (!name || !*name)
		return error_set(err, ERR_PARSE, "a metrics item without a name");
	s->ns = xstrdup(json_str(item, "metadata.namespace", ""));
	s->name = xstrdup(name);
	if (ts && time_parse_rfc3339(ts, &t) == 0)
		s->now.timestamp = (int64_t)t;
	s->now.window_ms = metrics_parse_duration(json_str(item, "window", NULL));
	if (s->now.window_ms < 0)
		s->now.window_ms = 0;
	if (!containers) {
		if (usage_parse(json_get(item, "usage"), &s->now, name, err) != 0)
			goto fail;
		return 0;
	}
	cJSON_ArrayForEach(c, containers) {
		struct metrics_container *mc;

		s->containers = xreallocarray(s->containers, s->ncontainers + 1, sizeof(*s->containers));
		mc = &s->containers[s->ncontainers++];
		memset(mc, 0, sizeof(*mc));
		mc->name = xstrdup(json_str(c, "name", ""));
		if (usage_parse(json_get(c, "usage"), &mc->usage, name, err) != 0)
			goto fail;
		s->now.cpu_nano += mc->usage.cpu_nano;
		s->now.mem_bytes += mc->usage.mem_bytes;
	}
	return 0;
fail:
	metrics_series_clear(s);
	return -1;
}

/* label_value: the value of label name in a {k="v",...} block, unescaped */
static bool label_value(const char *p, const char *end, const char *name, char *dst, size_t size)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eq = memchr(p, '=', (size_t)(end - p));
		size_t o = 0;
		bool match;

		if (!eq || eq + 1 >= end || eq[1] != '"')
			return false;
		while (p < eq && (*p == ',' || *p == ' '))
			p++;
		match = (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0;
		for (p = eq + 2; p < end && *p != '"'; p++) {
			char c = *p;

			if (c == '\\' && p + 1 < end) {
				c = *++p;
				if (c == 'n')
					c = '\n';
			}
			if (match && o + 1 < size)
				dst[o++] = c;
		}
		if (match) {
			dst[o] = '\0';
			return true;
		}
		p++;
	}
	return false;
}

int metrics_parse_dcgm_samples(const char *text, size_t n, metrics_gpu_sample_fn *fn, void *arg)
{
	static const char metric[] = "DCGM_FI_DEV_GPU_UTIL";
	const char *p = text, *end = text + n;
	int count = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *lb, *rb;
		char ns[256], pod[256], gpu[64], host[256], num[64];
		double v;
		char *stop;

		if ((size_t)(le - p) > sizeof(metric) && memcmp(p, metric, sizeof(metric) - 1) == 0 &&
		    p[sizeof(metric) - 1] == '{' && (lb = p + sizeof(metric)) && (rb = memchr(lb, '}', (size_t)(le - lb)))) {
			const char *vp = rb + 1;

			while (vp < le && *vp == ' ')
				vp++;
			snprintf(num, sizeof(num), "%.*s", (int)DL_MIN((size_t)(le - vp), sizeof(num) - 1), vp);
			num[strcspn(num, " \r")] = '\0';
			v = strtod(num, &stop);
			if (stop != num && !*stop && v >= 0 && v <= 100) {
				struct metrics_gpu_sample smp = { host, gpu, ns, pod, v };

				if (!label_value(lb, rb, "namespace", ns, sizeof(ns)))
					ns[0] = '\0';
				if (!label_value(lb, rb, "pod", pod, sizeof(pod)))
					pod[0] = '\0';
				if (!label_value(lb, rb, "gpu", gpu, sizeof(gpu)))
					gpu[0] = '\0';
				if (!label_value(lb, rb, "Hostname", host, sizeof(host)))
					host[0] = '\0';
				count++;
				if (fn)
					fn(&smp, arg);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return count;
}

struct pod_filter {
	metrics_gpu_fn *fn;
	void *arg;
	int count;
};

static void pod_sample(const struct metrics_gpu_sample *s, void *arg)
{
	struct pod_filter *f = arg;

	if (!*s->pod)
		return;
	f->count++;
	if (f->fn)
		f->fn(s->ns, s->pod, s->gpu, s->value, f->arg);
}

int metrics_parse_dcgm(const char *text, size_t n, metrics_gpu_fn *fn, void *arg)
{
	struct pod_filter f = { fn, arg, 0 };

	metrics_parse_dcgm_samples(text, n, pod_sample, &f);
	return f.count;
}

/* ---- the poller ---- */

struct series_set {
	struct metrics_series *v;
	size_t n;
};

struct metrics {
	struct kube *k;
	char *ns, *gpu_path;
	bool want_nodes;
	long interval_ms;
	struct metrics_cbs cbs;
	void *arg;
	uint64_t timer;
	struct kube_call *pods_call, *nodes_call, *gpu_call;
	cJSON *pods_reply, *nodes_reply;
	struct buf gpu_page;
	bool gpu_ok;		/* this poll's page came */
	bool gpu_seen;		/* the last poll's did */
	struct error poll_err;
	bool polling;
	struct series_set pods, nodes;
	bool available, said;
	struct error err;
	int64_t updated_at;
	unsigned long polls;
};

static int series_cmp(const void *a, const void *b)
{
	const struct metrics_series *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

static struct metrics_series *series_find(const struct series_set *set, const char *ns, const char *name)
{
	struct metrics_series key = { .ns = (char *)ns, .name = (char *)name };

	if (!set->n)
		return NULL;
	return bsearch(&key, set->v, set->n, sizeof(*set->v), series_cmp);
}

static void set_free(struct series_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		metrics_series_clear(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static void push_gpu(struct metrics_series *s, int v)
{
	if (s->gpu_hist_len == METRICS_HISTORY) {
		memmove(s->gpu_hist, s->gpu_hist + 1, (METRICS_HISTORY - 1) * sizeof(int));
		s->gpu_hist_len--;
	}
	s->gpu_hist[s->gpu_hist_len++] = v;
}

/* apply: a list reply replaces set, carrying histories */
static void apply(struct series_set *set, const cJSON *list)
{
	struct series_set fresh = { 0 };
	const cJSON *it;
	struct error err;
	size_t bad = 0;

	cJSON_ArrayForEach(it, json_get(list, "items")) {
		struct metrics_series s;

		if (metrics_parse_item(it, &s, &err) != 0) {
			bad++;
			continue;
		}
		fresh.v = xreallocarray(fresh.v, fresh.n + 1, sizeof(*fresh.v));
		fresh.v[fresh.n++] = s;
	}
	if (bad)
		log_warn("metrics: skipped %zu malformed items (%s)", bad, err.msg);
	if (fresh.n > 1)
		qsort(fresh.v, fresh.n, sizeof(*fresh.v), series_cmp);
	for (size_t i = 0; i < fresh.n; i++) {
		struct metrics_series *s = &fresh.v[i], *old = series_find(set, s->ns, s->name);

		/* a duplicate key keeps the first (bsearch finds either) */
		if (i > 0 && series_cmp(s, &fresh.v[i - 1]) == 0)
			continue;
		if (old) {
			memcpy(s->cpu_hist, old->cpu_hist, sizeof(s->cpu_hist));
			memcpy(s->mem_hist, old->mem_hist, sizeof(s->mem_hist));
			memcpy(s->gpu_hist, old->gpu_hist, sizeof(s->gpu_hist));
			s->hist_len = old->hist_len;
			s->gpu_hist_len = old->gpu_hist_len;
			s->gpu_util = old->gpu_util;
			if (s->now.timestamp && s->now.timestamp == old->now.timestamp)
				continue;	/* the same scrape again */
		}
		if (s->hist_len == METRICS_HISTORY) {
			memmove(s->cpu_hist, s->cpu_hist + 1, (METRICS_HISTORY - 1) * sizeof(int64_t));
			memmove(s->mem_hist, s->mem_hist + 1, (METRICS_HISTORY - 1) * sizeof(int64_t));
			s->hist_len--;
		}
		s->cpu_hist[s->hist_len] = s->now.cpu_nano;
		s->mem_hist[s->hist_len++] = s->now.mem_bytes;
	}
	set_free(set);
	*set = fresh;
}

struct gpu_acc {
	struct metrics *m;
	char ns[256], pod[256];
	double sum;
	int count;
};

static void gpu_flush(struct gpu_acc *a)
{
	if (a->count)
		metrics_set_gpu(a->m, a->ns, a->pod, (int)(a->sum / a->count + 0.5));
	a->count = 0;
	a->sum = 0;
}

static void on_gpu_sample(const char *ns, const char *pod, const char *gpu, double v, void *arg)
{
	struct gpu_acc *a = arg;

	(void)gpu;
	if (a->count && (strcmp(a->ns, ns) != 0 || strcmp(a->pod, pod) != 0))
		gpu_flush(a);
	snprintf(a->ns, sizeof(a->ns), "%s", ns);
	snprintf(a->pod, sizeof(a->pod), "%s", pod);
	a->sum += v;
	a->count++;
}

struct host_acc {
	struct metrics *m;
	char host[256];
	double sum;
	int count;
};

static void host_flush(struct host_acc *a)
{
	struct metrics_series *s = a->count ? series_find(&a->m->nodes, "", a->host) : NULL;

	if (s) {
		s->gpu_util = DL_MIN((int)(a->sum / a->count + 0.5), 100);
		push_gpu(s, s->gpu_util);
	}
	a->count = 0;
	a->sum = 0;
}

/* on_host_sample: a node's GPUs are consecutive on the page (dcgm-exporter
 * writes them host by host); an idle GPU counts at its 0 */
static void on_host_sample(const struct metrics_gpu_sample *smp, void *arg)
{
	struct host_acc *a = arg;

	if (!*smp->host)
		return;
	if (a->count && strcmp(a->host, smp->host) != 0)
		host_flush(a);
	snprintf(a->host, sizeof(a->host), "%s", smp->host);
	a->sum += smp->value;
	a->count++;
}

/* apply_gpu_page: the page replaces every pod's and node's GPU figure:
 * one it no longer names has no GPU busy any more */
static void apply_gpu_page(struct metrics *m)
{
	struct gpu_acc a = { .m = m };

	for (size_t i = 0; i < m->pods.n; i++)
		m->pods.v[i].gpu_util = -1;
	for (size_t i = 0; i < m->nodes.n; i++)
		m->nodes.v[i].gpu_util = -1;
	metrics_parse_dcgm(m->gpu_page.data, m->gpu_page.len, on_gpu_sample, &a);
	gpu_flush(&a);
	if (m->want_nodes) {
		struct host_acc h = { .m = m };

		metrics_parse_dcgm_samples(m->gpu_page.data, m->gpu_page.len, on_host_sample, &h);
		host_flush(&h);
	}
}

static void unavailable(struct metrics *m, const struct error *err)
{
	bool same = m->said && m->err.code == err->code && strcmp(m->err.msg, err->msg) == 0;

	m->available = false;
	m->err = *err;
	if (same)
		return;
	m->said = true;
	log_info("metrics: %s", err->msg);
	if (m->cbs.on_unavailable)
		m->cbs.on_unavailable(m, &m->err, m->arg);
}

static void poll_done(struct metrics *m)
{
	if (m->pods_call || m->nodes_call || m->gpu_call)
		return;
	m->polling = false;
	m->polls++;
	if (m->pods_reply)
		apply(&m->pods, m->pods_reply);
	if (m->nodes_reply)
		apply(&m->nodes, m->nodes_reply);
	cJSON_Delete(m->pods_reply);
	cJSON_Delete(m->nodes_reply);
	m->pods_reply = m->nodes_reply = NULL;
	if (m->gpu_ok)
		apply_gpu_page(m);
	m->gpu_seen = m->gpu_ok;
	buf_reset(&m->gpu_page);
	if (m->poll_err.code != ERR_NONE) {
		unavailable(m, &m->poll_err);
	} else {
		m->available = true;
		m->said = false;
		error_clear(&m->err);
		m->updated_at = time_wall_ms();
	}
	if (m->cbs.on_update)
		m->cbs.on_update(m, m->arg);
}

static void note_error(struct metrics *m, const struct error *err)
{
	struct kubeconfig *kc = kube_config(m->k);

	if (m->poll_err.code != ERR_NONE)
		return;
	if (err->status == 404 || err->status == 503)
		error_set(&m->poll_err, ERR_NOT_FOUND, "metrics unavailable: the Metrics API (metrics.k8s.io) is not "
			  "served by '%s'", kc->server);
	else
		error_set(&m->poll_err, err->code, "metrics unavailable: %s", err->msg);
	m->poll_err.status = err->status;
}

static void on_list(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct metrics *m = arg;
	bool pods = c == m->pods_call;

	if (pods)
		m->pods_call = NULL;
	else
		m->nodes_call = NULL;
	if (err->code != ERR_NONE)
		note_error(m, err);
	else if (pods)
		m->pods_reply = kube_call_take_body(c);
	else
		m->nodes_reply = kube_call_take_body(c);
	(void)body;
	poll_done(m);
}

static void on_gpu_data(struct kube_call *c, const char *p, size_t n, void *arg)
{
	struct metrics *m = arg;

	(void)c;
	buf_add(&m->gpu_page, p, n);	/* past the cap the page is dropped */
}

static void on_gpu_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct metrics *m = arg;

	(void)c;
	(void)body;
	m->gpu_call = NULL;
	m->gpu_ok = err->code == ERR_NONE;
	if (!m->gpu_ok)
		log_debug("metrics: no GPU page: %s", err->msg);
	poll_done(m);
}

static void poll_start(struct metrics *m)
{
	struct kube_req rq = { .timeout_ms = 10000 };
	struct error err;
	char *path;

	if (m->polling)
		return;
	m->polling = true;
	error_clear(&m->poll_err);
	m->gpu_ok = false;
	path = m->ns && *m->ns ? xasprintf(API "/namespaces/%s/pods", m->ns) : xstrdup(API "/pods");
	rq.path = path;
	if (!(m->pods_call = kube_call(m->k, &rq, on_list, m, &err)))
		note_error(m, &err);
	free(path);
	if (m->want_nodes) {
		rq.path = API "/nodes";
		if (!(m->nodes_call = kube_call(m->k, &rq, on_list, m, &err)))
			note_error(m, &err);
	}
	if (m->gpu_path) {
		rq.path = m->gpu_path;
		rq.on_data = on_gpu_data;
		rq.accept = "text/plain";
		m->gpu_call = kube_call(m->k, &rq, on_gpu_done, m, &err);
	}
	if (!m->pods_call && !m->nodes_call && !m->gpu_call)
		poll_done(m);
}

static long on_timer(struct loop *l, void *arg)
{
	struct metrics *m = arg;

	(void)l;
	poll_start(m);
	return m->interval_ms;
}

struct metrics *metrics_new(struct kube *k, const struct metrics_opts *o, const struct metrics_cbs *cbs, void *arg)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->k = k;
	if (o->ns && *o->ns) {
		struct buf b = BUF_INIT;

		str_url_encode(&b, o->ns, strlen(o->ns), false);
		m->ns = buf_take(&b, NULL);
	}
	m->gpu_path = o->gpu_path ? xstrdup(o->gpu_path) : NULL;
	m->want_nodes = o->nodes;
	m->interval_ms = o->interval_ms > 0 ? o->interval_ms : METRICS_INTERVAL_MS;
	if (cbs)
		m->cbs = *cbs;
	m->arg = arg;
	buf_init(&m->gpu_page, GPU_PAGE_MAX);
	return m;
}

int metrics_start(struct metrics *m, struct error *err)
{
	(void)err;
	if (m->timer)
		return 0;
	m->timer = loop_add_timer(kube_loop(m->k), m->interval_ms, on_timer, m);
	poll_start(m);
	return 0;
}

void metrics_poll_now(struct metrics *m)
{
	poll_start(m);
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->timer)
		loop_del_timer(kube_loop(m->k), m->timer);
	kube_cancel(m->pods_call);
	kube_cancel(m->nodes_call);
	kube_cancel(m->gpu_call);
	cJSON_Delete(m->pods_reply);
	cJSON_Delete(m->nodes_reply);
	set_free(&m->pods);
	set_free(&m->nodes);
	buf_release(&m->gpu_page);
	free(m->ns);
	free(m->gpu_path);
	free(m);
}

const struct metrics_series *metrics_pod(const struct metrics *m, const char *ns, const char *name)
{
	return series_find(&m->pods, ns ? ns : "", name);
}

const struct metrics_series *metrics_node(const struct metrics *m, const char *name)
{
	return series_find(&m->nodes, "", name);
}

size_t metrics_pod_count(const struct metrics *m)
{
	return m->pods.n;
}

const struct metrics_series *metrics_pod_at(const struct metrics *m, size_t i)
{
	return i < m->pods.n ? &m->pods.v[i] : NULL;
}

size_t metrics_node_count(const struct metrics *m)
{
	return m->nodes.n;
}

const struct metrics_series *metrics_node_at(const struct metrics *m, size_t i)
{
	return i < m->nodes.n ? &m->nodes.v[i] : NULL;
}

bool metrics_gpu_available(const struct metrics *m)
{
	return m->gpu_seen;
}

bool metrics_available(const struct metrics *m)
{
	return m->available;
}

const struct error *metrics_error(const struct metrics *m)
{
	return m->err.code != ERR_NONE ? &m->err : NULL;
}

int64_t metrics_updated_at(const struct metrics *m)
{
	return m->updated_at;
}

unsigned long metrics_polls(const struct metrics *m)
{
	return m->polls;
}

void metrics_set_gpu(struct metrics *m, const char *ns, const char *pod, int percent)
{
	struct metrics_series *s = series_find(&m->pods, ns ? ns : "", pod);

	if (!s)
		return;
	s->gpu_util = percent < 0 ? -1 : DL_MIN(percent, 100);
	if (s->gpu_util >= 0)
		push_gpu(s, s->gpu_util);
}

const char *metrics_gpu_path_for(const struct kubeconfig *kc)
{
	return kc && str_eq(kc->cluster, "datalab-sandbox") ? "/metrics/dcgm" : NULL;
}
