/*
 * podapi.c: the read side of the simulated pods (sim.h): GET
 * .../pods/P/log (with follow as a chunked stream), metrics.k8s.io/v1beta1
 * NodeMetrics and PodMetrics, and GET /metrics/dcgm.
 *
 * A follower is a stream plus the log sequence number it has sent up to;
 * new lines are pushed to every follower of that log (podapi_notify), and a
 * follower goes when its client does (the stream's close callback) or its
 * pod does (podapi_drop_followers ends the stream).  Metrics use the
 * simulation of simmetrics.h at the start of the current 15 s window, as
 * metrics-server answers from its last scrape, plus what the real
 * processes of each container use now (simproc.h: exec'd processes and
 * real mains), so kubectl top moves when a user's shell gets busy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/simmetrics.h"
#include "datalab/sandbox/simproc.h"
#include "datalab/sandbox/selector.h"
#include "sim-internal.h"

struct follower {
	struct follower *next;
	struct run_log *log;
	struct api_stream *stream;
	struct kubelog_opts opts;
	uint64_t seq;
	int64_t sent;		/* bytes, for limitBytes */
};

static void unlink_follower(struct follower *f)
{
	struct follower **pp;

	if (!f->log)
		return;
	for (pp = &f->log->followers; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	f->log = NULL;
}

static void on_stream_close(struct api_stream *st, void *arg)
{
	struct follower *f = arg;

	(void)st;
	unlink_follower(f);
	free(f);
}

static void push(struct follower *f)
{
	struct buf out = BUF_INIT;
	struct kubelog_opts o = f->opts;

	o.tail_lines = -1;
	if (o.limit_bytes)
		o.limit_bytes -= f->sent;
	f->seq = kubelog_render(f->log->log, &o, f->seq, &out);
	if (out.len) {
		f->sent += (int64_t)out.len;
		api_stream_write(f->stream, out.data, out.len);
	}
	buf_release(&out);
	if (f->opts.limit_bytes && f->sent >= f->opts.limit_bytes) {
		api_stream_end(f->stream);
		unlink_follower(f);
	}
}

void podapi_notify(struct run_log *l)
{
	struct follower *f = l->followers, *next;

	for (; f; f = next) {
		next = f->next;
		push(f);
	}
}

void podapi_rewind(struct run_log *l)
{
	for (struct follower *f = l->followers; f; f = f->next)
		f->seq = 0;
}

void podapi_drop_followers(struct run_log *l)
{
	while (l->followers) {
		struct follower *f = l->followers;

		l->followers = f->next;
		f->log = NULL;
		api_stream_end(f->stream);
	}
}

static bool parse_i64(const char *s, int64_t *v)
{
	return s && str_parse_i64(s, v) == 0;
}

static int log_handler(struct api_req *rq, void *arg)
{
	struct sim *c = arg;
	const struct store_obj *o = store_get(c->store, c->k_pods, rq->ns, rq->name);
	const char *container = api_query(rq, "container"), *v;
	const cJSON *pod = o ? o->obj : NULL, *ct;
	struct podrun *r;
	struct run_log *l;
	struct kubelog_opts opts = PODLOG_OPTS_INIT;
	bool previous = str_eq(api_query(rq, "previous"), "true");
	int n = 0;
	struct buf names = BUF_INIT;

	if (!pod)
		return api_reply_error(rq, 404, "NotFound", "pods \"%s\" not found", rq->name);
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		buf_addf(&names, "%s%s", n++ ? " " : "", json_str(ct, "name", ""));
		if (!container && n == 1 && !json_get(pod, "spec.containers.1"))
			container = json_str(ct, "name", "");
	}
	if (!container || !*container) {
		api_reply_error(rq, 400, "BadRequest", "a container name must be specified for pod %s, "
				"choose one of: [%s]", rq->name, names.data);
		buf_release(&names);
		return 0;
	}
	buf_release(&names);
	r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));
	l = r ? lifecycle_log(r, container) : NULL;
	if (r && !l)
		return api_reply_error(rq, 400, "BadRequest", "container %s is not valid for pod %s",
				       container, rq->name);
	if (!r || r->stage == RUN_BOUND || r->stage == RUN_CREATING || !l)
		return api_reply_error(rq, 400, "BadRequest", "container \"%s\" in pod \"%s\" is waiting to "
				       "start: ContainerCreating", container, rq->name);
	if (previous && !l->prev)
		return api_reply_error(rq, 400, "BadRequest", "previous terminated container \"%s\" in pod "
				       "\"%s\" not found", container, rq->name);
	parse_i64(api_query(rq, "tailLines"), &opts.tail_lines);
	parse_i64(api_query(rq, "limitBytes"), &opts.limit_bytes);
	opts.timestamps = str_eq(api_query(rq, "timestamps"), "true");
	if ((v = api_query(rq, "sinceSeconds"))) {
		int64_t s;

		if (parse_i64(v, &s) && s > 0)
			opts.since_ns = (sim_unix(c) - s) * 1000000000LL;
	} else if ((v = api_query(rq, "sinceTime"))) {
		time_t t;

		if (time_parse_rfc3339(v, &t) == 0)
			opts.since_ns = (int64_t)t * 1000000000LL;
	}
	if (str_eq(api_query(rq, "follow"), "true") && !previous) {
		struct follower *f = xcalloc(1, sizeof(*f));
		struct buf out = BUF_INIT;

		f->stream = api_stream_start(rq, 200, "text/plain", on_stream_close, f);
		if (!f->stream) {
			free(f);
			return -1;
		}
		f->log = l;
		f->opts = opts;
		f->seq = kubelog_render(l->log, &opts, 0, &out);
		f->sent = (int64_t)out.len;
		if (out.len)
			api_stream_write(f->stream, out.data, out.len);
		buf_release(&out);
		f->next = l->followers;
		l->followers = f;
		if (opts.limit_bytes && f->sent >= opts.limit_bytes) {
			unlink_follower(f);
			api_stream_end(f->stream);
		}
		return 0;
	}
	{
		struct buf out = BUF_INIT;
		size_t len;
		char *body;

		kubelog_render(previous ? l->prev : l->log, &opts, 0, &out);
		body = buf_take(&out, &len);
		return api_reply_take(rq, 200, "text/plain", body, len);
	}
}

/* ---- metrics.k8s.io ---- */

static int64_t window_start(struct sim *c)
{
	int64_t t = sim_unix(c);

	return t - t % 15;
}

static bool pod_running(const cJSON *pod)
{
	return str_eq(json_str(pod, "status.phase", ""), "Running");
}

static void strip_type(cJSON *o)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, "kind");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "apiVersion");
}

#define MAX_CONTAINERS 64
#define MAX_SESSIONS 256

/* real_usage: what the real processes of each container of pod use, into
 * extra[] (spec order); false when no process runs in the pod */
static bool real_usage(struct sim *c, const struct simproc_table *t, const cJSON *pod,
		       struct simmetrics_usage *extra)
{
	const char *uid = json_str(pod, "metadata.uid", "");
	struct podrun *r = lifecycle_find(c, uid);
	const cJSON *ct;
	size_t i = 0;
	bool any = false;

	memset(extra, 0, MAX_CONTAINERS * sizeof(*extra));
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		const char *name = json_str(ct, "name", "");
		struct run_log *l = r ? lifecycle_log(r, name) : NULL;
		int sids[MAX_SESSIONS + 1];
		int64_t since = 0, cpu, rss;
		size_t n;

		if (i >= MAX_CONTAINERS)
			break;
		n = execws_pod_sessions(c, uid, name, sids, MAX_SESSIONS, &since);
		if (l && l->proc) {
			int64_t st = r->started * 1000;

			sids[n++] = podexec_pid(l->proc);
			if (!since || st < since)
				since = st;
		}
		if (n && simproc_sum(t, sids, n, &cpu, &rss) > 0) {
			char *key = xasprintf("%s/%s", uid, name);

			extra[i].cpu_nano = simproc_rate(c->procs, key, cpu, since, time_wall_ms());
			extra[i].memory = rss;
			free(key);
			any = true;
		}
		i++;
	}
	return any;
}

/* processes: a scan of /proc when some container runs real processes */
static struct simproc_table *processes(struct sim *c)
{
	bool any = c->execs != NULL;

	for (size_t i = 0; i < c->nruns && !any; i++)
		for (size_t k = 0; k < c->runs[i]->nlogs; k++)
			any = any || c->runs[i]->logs[k].proc;
	return any ? simproc_scan() : NULL;
}

static int metrics_handler(struct api_req *rq, void *arg)
{
	struct sim *c = arg;
	const char *ns = NULL, *res = NULL, *name = NULL, *now = store_now(c->store);
	int64_t t = window_start(c);
	struct error err = { 0 };
	struct selector *sel;
	struct simproc_table *procs;
	struct simmetrics_usage *extra;
	cJSON *list, *items;
	size_t i = 3;

	/* /apis/metrics.k8s.io/v1beta1/[namespaces/NS/]RES[/NAME] */
	if (rq->nparts > i + 1 && str_eq(rq->parts[i], "namespaces")) {
		ns = rq->parts[i + 1];
		i += 2;
	}
	if (rq->nparts > i)
		res = rq->parts[i];
	if (rq->nparts > i + 1)
		name = rq->parts[i + 1];
	if (!res || (!str_eq(res, "nodes") && !str_eq(res, "pods")) || rq->nparts > i + 2 ||
	    (ns && str_eq(res, "nodes")))
		return api_reply_error(rq, 404, "NotFound", "the server could not find the requested resource");
	if (!str_eq(rq->method, "GET"))
		return api_reply_error(rq, 405, "MethodNotAllowed", "the server does not allow this method "
				       "on the requested resource");
	sel = selector_parse_labels(api_query(rq, "labelSelector"), &err);
	if (!sel)
		return api_reply_error(rq, 400, "BadRequest", "%s", err.msg);
	list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "kind", str_eq(res, "nodes") ? "NodeMetricsList" : "PodMetricsList");
	cJSON_AddStringToObject(list, "apiVersion", "metrics.k8s.io/v1beta1");
	cJSON_AddObjectToObject(list, "metadata");
	items = cJSON_AddArrayToObject(list, "items");
	procs = processes(c);
	extra = xcalloc(MAX_CONTAINERS, sizeof(*extra));
	if (str_eq(res, "nodes")) {
		size_t nn, np;
		const struct store_obj **nodes = sim_list(c, c->k_nodes, NULL, &nn);
		const struct store_obj **pods = sim_list(c, c->k_pods, NULL, &np);
		const cJSON **on = xcalloc(np + 1, sizeof(*on));

		for (size_t k = 0; k < nn; k++) {
			struct simmetrics_usage sum = { 0, 0, 0 };
			size_t m = 0;

			if ((name && !str_eq(nodes[k]->name, name)) || !selector_match(sel, nodes[k]->obj))
				continue;
			for (size_t p = 0; p < np; p++)
				if (pod_running(pods[p]->obj) &&
				    str_eq(json_str(pods[p]->obj, "spec.nodeName", ""), nodes[k]->name)) {
					on[m++] = pods[p]->obj;
					if (procs && real_usage(c, procs, pods[p]->obj, extra))
						for (size_t x = 0; x < MAX_CONTAINERS; x++) {
							sum.cpu_nano += extra[x].cpu_nano;
							sum.memory += extra[x].memory;
						}
				}
			cJSON_AddItemToArray(items, simmetrics_node_object(nodes[k]->obj, on, m, t, now, &sum));
		}
		free(on);
		store_snapshot_free(nodes);
		store_snapshot_free(pods);
	} else {
		size_t np;
		const struct store_obj **pods = sim_list(c, c->k_pods, ns, &np);

		for (size_t p = 0; p < np; p++) {
			if ((name && !str_eq(pods[p]->name, name)) || !pod_running(pods[p]->obj) ||
			    !selector_match(sel, pods[p]->obj))
				continue;
			cJSON_AddItemToArray(items, simmetrics_pod_object(pods[p]->obj, t, now,
				procs && real_usage(c, procs, pods[p]->obj, extra) ? extra : NULL));
		}
		store_snapshot_free(pods);
	}
	selector_free(sel);
	simproc_table_free(procs);
	free(extra);
	if (name) {
		cJSON *one = cJSON_DetachItemFromArray(items, 0);

		cJSON_Delete(list);
		if (!one) {
			if (ns)
				return api_reply_error(rq, 404, "NotFound", "podmetrics.metrics.k8s.io \"%s/%s\" not found",
						       ns, name);
			return api_reply_error(rq, 404, "NotFound", "%s.metrics.k8s.io \"%s\" not found",
					       str_eq(res, "nodes") ? "nodemetrics" : "podmetrics", name);
		}
		api_reply_json(rq, 200, one);
		cJSON_Delete(one);
		return 0;
	}
	{
		cJSON *it;

		cJSON_ArrayForEach(it, items)
			strip_type(it);
	}
	api_reply_json(rq, 200, list);
	cJSON_Delete(list);
	return 0;
}

static int dcgm_handler(struct api_req *rq, void *arg)
{
	struct sim *c = arg;
	size_t nn, np;
	const struct store_obj **nodes = sim_list(c, c->k_nodes, NULL, &nn);
	const struct store_obj **pods = sim_list(c, c->k_pods, NULL, &np);
	const cJSON **vn = xcalloc(nn + 1, sizeof(*vn)), **vp = xcalloc(np + 1, sizeof(*vp));
	size_t mp = 0, len;
	struct buf out = BUF_INIT;
	char *body;

	for (size_t i = 0; i < nn; i++)
		vn[i] = nodes[i]->obj;
	for (size_t i = 0; i < np; i++)
		if (pod_running(pods[i]->obj))
			vp[mp++] = pods[i]->obj;
	simmetrics_dcgm_text(&out, vn, nn, vp, mp, window_start(c));
	free(vn);
	free(vp);
	store_snapshot_free(nodes);
	store_snapshot_free(pods);
	body = buf_take(&out, &len);
	return api_reply_take(rq, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

void podapi_register(struct sim *c)
{
	cJSON *res = cJSON_Parse("[{\"name\":\"nodes\",\"singularName\":\"\",\"namespaced\":false,"
		"\"kind\":\"NodeMetrics\",\"verbs\":[\"get\",\"list\"]},{\"name\":\"pods\",\"singularName\":\"\","
		"\"namespaced\":true,\"kind\":\"PodMetrics\",\"verbs\":[\"get\",\"list\"]}]");

	api_add_subresource(c->api, "", "pods", "log", "get", NULL, log_handler, c);
	api_add_group(c->api, "metrics.k8s.io", "v1beta1", res, metrics_handler, c);
	api_add_route(c->api, "/metrics/dcgm", 0, dcgm_handler, c);
}
