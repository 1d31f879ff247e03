/*
 * sim.c: the simulated cluster's hub (sim.h): node seeding, the
 * deferred reconcile pass, the scheduler's driver, Events, and quota.
 *
 * Every committed change marks a pass (a 0 ms timer, so a burst of writes
 * costs one pass).  A pass reconciles the workload controllers, schedules
 * the pods without a node (scheduler.h decides; the driver binds, assigns
 * GPU indices, writes PodScheduled and the Scheduled or FailedScheduling
 * event), refreshes each ResourceQuota's status.used and, when due,
 * expires the Events past their TTL (simevents.c).  Writes made by
 * the pass trigger another pass, which finds nothing to do: every write
 * here is idempotent, and the store commits nothing for an unchanged
 * object.  Quota admission runs inside the store's write path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/simmetrics.h"
#include "datalab/sandbox/simnodes.h"
#include "datalab/sandbox/simproc.h"
#include "datalab/sandbox/quota.h"
#include "datalab/sandbox/scheduler.h"
#include "sim-internal.h"

int64_t sim_unix(struct sim *c)
{
	return c->clock ? c->clock : (int64_t)time(NULL);
}

/* a log line's stamp: nanoseconds, as the kubelet writes them, so lines
 * of one second stay apart for a client resuming from the last one */
int64_t sim_unix_ns(struct sim *c)
{
	struct timespec ts;

	if (c->clock)
		return c->clock * 1000000000LL;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t sim_unix_ms(struct sim *c)
{
	return c->clock ? c->clock * 1000 : time_wall_ms();
}

void sim_set_clock(struct sim *c, int64_t unix_seconds)
{
	c->clock = unix_seconds;
	store_set_clock(c->store, unix_seconds);
	sim_pass_soon(c);
}

static bool collect(const struct store_obj *o, void *arg)
{
	struct {
		const struct store_obj **v;
		size_t n, cap;
	} *acc = arg;

	if (acc->n + 1 >= acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 64;
		acc->v = xreallocarray(acc->v, acc->cap, sizeof(*acc->v));
	}
	acc->v[acc->n++] = store_obj_ref(o);
	acc->v[acc->n] = NULL;
	return true;
}

const struct store_obj **sim_list(struct sim *c, const struct kind *k, const char *ns,
				      size_t *n)
{
	struct {
		const struct store_obj **v;
		size_t n, cap;
	} acc = { NULL, 0, 0 };

	if (k)
		store_each(c->store, k, ns, NULL, NULL, collect, &acc);
	if (!acc.v)
		acc.v = xcalloc(1, sizeof(*acc.v));
	*n = acc.n;
	return acc.v;
}

/* ---- events ---- */

void sim_event(struct sim *c, const cJSON *obj, const char *type, const char *reason,
		   const char *message, const char *component, const char *host, const char *field_path)
{
	const char *ns = json_str(obj, "metadata.namespace", "default");
	const char *uid = json_str(obj, "metadata.uid", "");
	const char *now = store_now(c->store);
	uint64_t h = 1469598103934665603ull;
	char name[320];
	const struct store_obj *old;
	struct status st;
	struct store_write w = { .manager = component };
	cJSON *ev, *io, *src;

	if (!c->k_events)
		return;
	for (const char *p = reason; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = uid; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = field_path ? field_path : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = message; *p; p++)	/* another message is another event */
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(name, sizeof(name), "%.250s.%016llx", json_str(obj, "metadata.name", ""),
		 (unsigned long long)h);
	status_init(&st);
	old = store_get(c->store, c->k_events, ns, name);
	if (old) {
		/* a repeat: count and lastTimestamp, and the newest message */
		ev = store_obj_copy(old);
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "count");
		cJSON_AddNumberToObject(ev, "count", json_int(old->obj, "count", 1) + 1);
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "lastTimestamp");
		cJSON_AddStringToObject(ev, "lastTimestamp", now);
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "message");
		cJSON_AddStringToObject(ev, "message", message);
		if (store_update(c->store, c->k_events, ns, ev, &w, NULL, &st) != 0)
			log_warn("event %s: %s", name, st.message ? st.message : "?");
		status_release(&st);
		return;
	}
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "apiVersion", "v1");
	cJSON_AddStringToObject(ev, "kind", "Event");
	{
		cJSON *md = cJSON_AddObjectToObject(ev, "metadata");

		cJSON_AddStringToObject(md, "name", name);
		cJSON_AddStringToObject(md, "namespace", ns);
	}
	io = cJSON_AddObjectToObject(ev, "involvedObject");
	cJSON_AddStringToObject(io, "kind", json_str(obj, "kind", "Pod"));
	cJSON_AddStringToObject(io, "namespace", ns);
	cJSON_AddStringToObject(io, "name", json_str(obj, "metadata.name", ""));
	cJSON_AddStringToObject(io, "uid", uid);
	cJSON_AddStringToObject(io, "apiVersion", json_str(obj, "apiVersion", "v1"));
	cJSON_AddStringToObject(io, "resourceVersion", json_str(obj, "metadata.resourceVersion", ""));
	if (field_path)
		cJSON_AddStringToObject(io, "fieldPath", field_path);
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddStringToObject(ev, "message", message);
	src = cJSON_AddObjectToObject(ev, "source");
	cJSON_AddStringToObject(src, "component", component);
	if (host)
		cJSON_AddStringToObject(src, "host", host);
	cJSON_AddStringToObject(ev, "firstTimestamp", now);
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddNumberToObject(ev, "count", 1);
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "reportingComponent", component);
	cJSON_AddStringToObject(ev, "reportingInstance", host ? host : component);
	if (store_create(c->store, c->k_events, ns, ev, &w, NULL, &st) != 0)
		log_warn("event %s: %s", name, st.message ? st.message : "?");
	status_release(&st);
}

/* ---- scheduling ---- */

static bool pod_terminal(const cJSON *pod)
{
	const char *phase = json_str(pod, "status.phase", "");

	return strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
}

/* set_condition: the pod's condition of that type (simstatus.c) */
static void set_condition(cJSON *pod, const char *type, const char *status, const char *reason,
			  const char *message, const char *now)
{
	cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status");

	if (!st)
		st = cJSON_AddObjectToObject(pod, "status");
	simstatus_set_condition(st, type, status, reason, message, now);
}

/* gpu_indices: free GPU indices of a node for n GPUs, "0,1" */
static void gpu_indices(const struct store_obj *const *pods, size_t np, const char *node,
			int64_t total, int64_t want, struct buf *out)
{
	bool used[64] = { false };

	for (size_t i = 0; i < np; i++) {
		const cJSON *a = json_get_key(json_get(pods[i]->obj, "metadata.annotations"),
					      SIMMETRICS_GPU_ANNOTATION);
		char **idx;
		size_t n;

		if (!cJSON_IsString(a) || !str_eq(json_str(pods[i]->obj, "spec.nodeName", ""), node) ||
		    pod_terminal(pods[i]->obj))
			continue;
		idx = str_split(a->valuestring, ',', &n);
		for (size_t k = 0; k < n; k++) {
			int64_t v;

			if (str_parse_i64(idx[k], &v) == 0 && v >= 0 && v < 64)
				used[v] = true;
		}
		str_free_list(idx);
	}
	for (int64_t i = 0; i < total && i < 64 && want > 0; i++)
		if (!used[i]) {
			buf_addf(out, "%s%lld", out->len ? "," : "", (long long)i);
			want--;
		}
}

/* node_index: the node named name in nodes (in name order, as listed) */
static size_t node_index(const struct store_obj *const *nodes, size_t nn, const char *name)
{
	size_t lo = 0, hi = nn;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(nodes[mid]->name, name);

		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return nn;
}

static void schedule(struct sim *c)
{
	size_t nn, np;
	const struct store_obj **nodes = sim_list(c, c->k_nodes, NULL, &nn);
	const struct store_obj **pods = sim_list(c, c->k_pods, NULL, &np);
	struct scheduler_node *sn = xcalloc(nn ? nn : 1, sizeof(*sn));

	size_t todo = 0;

	for (size_t p = 0; p < np; p++) {
		const cJSON *pod = pods[p]->obj;
		const char *node = json_str(pod, "spec.nodeName", "");

		if (json_get(pod, "metadata.deletionTimestamp") || pod_terminal(pod))
			continue;
		if (!*node)
			todo += str_eq(json_str(pod, "spec.schedulerName", "default-scheduler"), "default-scheduler");
		else if (node_index(nodes, nn, node) < nn && !lifecycle_find(c, json_str(pod, "metadata.uid", "")))
			lifecycle_bound(c, pod, node);	/* made with its node: its kubelet takes it */
	}
	if (!todo) {
		free(sn);
		store_snapshot_free(nodes);
		store_snapshot_free(pods);
		return;
	}
	/* what the nodes hold: every run not finished (terminating ones too) */
	for (size_t i = 0; i < nn; i++)
		sn[i].node = nodes[i]->obj;
	for (size_t k = 0; k < c->nruns; k++) {
		const struct podrun *r = c->runs[k];
		size_t i = r->stage == RUN_DONE ? nn : node_index(nodes, nn, r->node);

		if (i < nn) {
			sn[i].used.cpu_milli += r->req.cpu_milli;
			sn[i].used.memory += r->req.memory;
			sn[i].used.gpus += r->req.gpus;
			sn[i].pods++;
		}
	}
	for (size_t p = 0; p < np; p++) {
		const cJSON *pod = pods[p]->obj;
		struct buf why = BUF_INIT;
		struct status st;
		int pick;

		if (*json_str(pod, "spec.nodeName", "") || json_get(pod, "metadata.deletionTimestamp") ||
		    pod_terminal(pod))
			continue;
		if (!str_eq(json_str(pod, "spec.schedulerName", "default-scheduler"), "default-scheduler"))
			continue;
		status_init(&st);
		pick = scheduler_pick(pod, sn, nn, &why);
		if (pick >= 0) {
			struct scheduler_req r;
			cJSON *bound = store_obj_copy(pods[p]), *spec = cJSON_GetObjectItemCaseSensitive(bound, "spec");
			const char *node = nodes[pick]->name;
			struct store_write w = { .manager = "default-scheduler" };
			const struct store_obj *out = NULL;
			char msg[600];

			scheduler_pod_requests(pod, &r);
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "nodeName");
			cJSON_AddStringToObject(spec, "nodeName", node);
			if (r.gpus > 0) {
				struct buf idx = BUF_INIT;
				cJSON *md = cJSON_GetObjectItemCaseSensitive(bound, "metadata"), *ann;

				{
					const cJSON *cap = json_get_key(json_get(nodes[pick]->obj, "status.capacity"),
									"nvidia.com/gpu");
					int64_t total = 0;

					if (cJSON_IsString(cap))
						str_parse_i64(cap->valuestring, &total);
					gpu_indices(pods, np, node, total, r.gpus, &idx);
				}
				ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
				if (!ann)
					ann = cJSON_AddObjectToObject(md, "annotations");
				cJSON_DeleteItemFromObjectCaseSensitive(ann, SIMMETRICS_GPU_ANNOTATION);
				cJSON_AddStringToObject(ann, SIMMETRICS_GPU_ANNOTATION, idx.data);
				buf_release(&idx);
			}
			set_condition(bound, "PodScheduled", "True", NULL, NULL, store_now(c->store));
			/* one write, as the binding subresource: the node and PodScheduled */
			if (store_update(c->store, c->k_pods, pods[p]->ns, bound, &w, &out, &st) == 0 && out) {
				lifecycle_bound(c, out->obj, node);	/* before the event's write */
				snprintf(msg, sizeof(msg), "Successfully assigned %s/%s to %s", pods[p]->ns,
					 pods[p]->name, node);
				sim_event(c, pod, "Normal", "Scheduled", msg, "default-scheduler", NULL, NULL);
				sn[pick].used.cpu_milli += r.cpu_milli;
				sn[pick].used.memory += r.memory;
				sn[pick].used.gpus += r.gpus;
				sn[pick].pods++;
			} else if (st.message) {
				log_warn("binding %s/%s: %s", pods[p]->ns, pods[p]->name, st.message);
			}
		} else {
			const cJSON *cond = NULL, *x;

			cJSON_ArrayForEach(x, json_get(pod, "status.conditions"))
				if (str_eq(json_str(x, "type", ""), "PodScheduled"))
					cond = x;
			if (!cond || !str_eq(json_str(cond, "message", ""), why.data)) {
				cJSON *stat = store_obj_copy(pods[p]);
				struct store_write ws = { .manager = "default-scheduler", .status_only = true };

				set_condition(stat, "PodScheduled", "False", "Unschedulable", why.data,
					      store_now(c->store));
				store_update(c->store, c->k_pods, pods[p]->ns, stat, &ws, NULL, &st);
				sim_event(c, pod, "Warning", "FailedScheduling", why.data, "default-scheduler",
					      NULL, NULL);
			}
		}
		status_release(&st);
		buf_release(&why);
	}
	free(sn);
	store_snapshot_free(nodes);
	store_snapshot_free(pods);
}

/* ---- quota ---- */

static void quota_refresh(struct sim *c)
{
	size_t nq;
	const struct store_obj **qs = sim_list(c, c->k_quota, NULL, &nq);

	for (size_t i = 0; i < nq; i++) {
		size_t np, nc;
		const struct store_obj **pods = sim_list(c, c->k_pods, qs[i]->ns, &np);
		const struct store_obj **pvcs = sim_list(c, c->k_pvc, qs[i]->ns, &nc);
		cJSON *q = store_obj_copy(qs[i]), *status;
		struct store_write w = { .manager = "resourcequota-controller", .status_only = true };
		struct status st;

		/* from zero: the sum of what every live pod and claim counts */
		status = cJSON_GetObjectItemCaseSensitive(q, "status");
		if (status)
			cJSON_DeleteItemFromObjectCaseSensitive(status, "used");
		quota_charge(q, NULL, 1);
		for (size_t p = 0; p < np; p++) {
			cJSON *u = quota_usage(pods[p]->obj);

			if (u)
				quota_charge(q, u, 1);
			cJSON_Delete(u);
		}
		for (size_t p = 0; p < nc; p++) {
			cJSON *u = quota_usage(pvcs[p]->obj);

			if (u)
				quota_charge(q, u, 1);
			cJSON_Delete(u);
		}
		status_init(&st);
		if (!cJSON_Compare(json_get(q, "status"), json_get(qs[i]->obj, "status"), true))
			store_update(c->store, c->k_quota, qs[i]->ns, q, &w, NULL, &st);
		else
			cJSON_Delete(q);
		status_release(&st);
		store_snapshot_free(pods);
		store_snapshot_free(pvcs);
	}
	store_snapshot_free(qs);
}

/* quota_admission: a new pod or claim must fit every quota of its namespace */
static int quota_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			   const struct store_obj *old, const struct store_write *w, struct status *st,
			   void *arg)
{
	struct sim *c = arg;
	size_t nq;
	const struct store_obj **qs;
	cJSON *usage;
	int rc = 0;

	(void)s;
	(void)old;
	(void)w;
	if (op != STORE_ADDED || !obj || (k != c->k_pods && k != c->k_pvc))
		return 0;
	usage = quota_usage(obj);
	if (!usage)
		return 0;
	qs = sim_list(c, c->k_quota, json_str(obj, "metadata.namespace", "default"), &nq);
	for (size_t i = 0; i < nq && rc == 0; i++) {
		struct error err = { 0 };

		if (quota_admit(qs[i]->obj, usage, obj, k->resource, json_str(obj, "metadata.name", ""),
				&err) != 0)
			rc = status_set(st, 403, "Forbidden", "%s", err.msg);
	}
	store_snapshot_free(qs);
	cJSON_Delete(usage);
	return rc;
}

/* ---- LimitRange ---- */

/* fill: missing keys of res[which] from defaults; notes them in *set */
static void fill(cJSON *c, const char *which, const cJSON *defaults, struct buf *set)
{
	cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources"), *list;
	const cJSON *d;
	bool any = false;

	if (!res)
		res = cJSON_AddObjectToObject(c, "resources");
	list = cJSON_GetObjectItemCaseSensitive(res, which);
	cJSON_ArrayForEach(d, defaults) {
		if (list && cJSON_GetObjectItemCaseSensitive(list, d->string))
			continue;
		if (!list)
			list = cJSON_AddObjectToObject(res, which);
		cJSON_AddItemToObject(list, d->string, cJSON_Duplicate(d, true));
		buf_addf(set, "%s%s", any ? ", " : (set->len ? "; " : ""), d->string);
		any = true;
	}
	if (any)
		buf_addf(set, " %s for container %s", strcmp(which, "limits") == 0 ? "limit" : "request",
			 json_str(c, "name", ""));
}

/* limitrange_admission: the LimitRanger plugin: a Container limit's
 * default and defaultRequest fill what a new pod's containers leave out */
static int limitrange_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
				const struct store_obj *old, const struct store_write *w,
				struct status *st, void *arg)
{
	struct sim *c = arg;
	const struct kind *klr = kinds_find_storage(c->ks, "", "limitranges");
	size_t n;
	const struct store_obj **lrs;
	struct buf set = BUF_INIT;

	(void)s;
	(void)old;
	(void)w;
	(void)st;
	if (op != STORE_ADDED || !obj || k != c->k_pods || !klr)
		return 0;
	lrs = sim_list(c, klr, json_str(obj, "metadata.namespace", "default"), &n);
	for (size_t i = 0; i < n; i++) {
		const cJSON *item;

		cJSON_ArrayForEach(item, json_get(lrs[i]->obj, "spec.limits")) {
			const cJSON *def = json_get(item, "default"), *req = json_get(item, "defaultRequest");
			cJSON *ct;

			if (!str_eq(json_str(item, "type", ""), "Container"))
				continue;
			cJSON_ArrayForEach(ct, cJSON_GetObjectItemCaseSensitive(
						   cJSON_GetObjectItemCaseSensitive(obj, "spec"), "containers")) {
				fill(ct, "requests", req ? req : def, &set);
				fill(ct, "limits", def, &set);
			}
		}
	}
	store_snapshot_free(lrs);
	if (set.len) {
		cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *ann;
		char *v = xasprintf("LimitRanger plugin set: %s", set.data);

		ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
		if (!ann)
			ann = cJSON_AddObjectToObject(md, "annotations");
		cJSON_DeleteItemFromObjectCaseSensitive(ann, "kubernetes.io/limit-ranger");
		cJSON_AddStringToObject(ann, "kubernetes.io/limit-ranger", v);
		free(v);
	}
	buf_release(&set);
	return 0;
}

/* seed_limits: a namespace with Onyxia's quota gets container defaults, so
 * a bare pod (kubectl run) is admitted as it is where the quota tracks
 * limits; an existing LimitRange is left alone */
static void seed_limits(struct sim *c)
{
	const struct kind *klr = kinds_find_storage(c->ks, "", "limitranges");
	size_t n;
	const struct store_obj **qs;

	if (!klr)
		return;
	qs = sim_list(c, c->k_quota, NULL, &n);
	for (size_t i = 0; i < n; i++) {
		size_t m;
		const struct store_obj **lrs = sim_list(c, klr, qs[i]->ns, &m);
		struct status st;
		struct store_write w = { .manager = "datalab-sandbox" };

		if (m == 0 && str_eq(qs[i]->name, "onyxia-quota")) {
			cJSON *lr = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"LimitRange\",\"metadata\":"
				"{\"name\":\"onyxia-limits\"},\"spec\":{\"limits\":[{\"type\":\"Container\","
				"\"default\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"defaultRequest\":"
				"{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}]}}");

			status_init(&st);
			store_create(c->store, klr, qs[i]->ns, lr, &w, NULL, &st);
			status_release(&st);
		}
		store_snapshot_free(lrs);
	}
	store_snapshot_free(qs);
}

/* ---- claims ---- */

/* bind_claims: the sandbox's storage is the local disk, so every claim is
 * Bound at once, with the capacity it asked for */
static void bind_claims(struct sim *c)
{
	size_t n;
	const struct store_obj **pvcs = sim_list(c, c->k_pvc, NULL, &n);

	for (size_t i = 0; i < n; i++) {
		const cJSON *o = pvcs[i]->obj;
		cJSON *copy, *st;
		struct store_write w = { .manager = "persistentvolume-controller", .status_only = true };
		struct status err;

		if (str_eq(json_str(o, "status.phase", ""), "Bound") || json_get(o, "metadata.deletionTimestamp"))
			continue;
		copy = store_obj_copy(pvcs[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "status");
		st = cJSON_AddObjectToObject(copy, "status");
		cJSON_AddStringToObject(st, "phase", "Bound");
		if (json_get(o, "spec.accessModes"))
			cJSON_AddItemToObject(st, "accessModes", cJSON_Duplicate(json_get(o, "spec.accessModes"), true));
		if (json_get(o, "spec.resources.requests"))
			cJSON_AddItemToObject(st, "capacity",
					      cJSON_Duplicate(json_get(o, "spec.resources.requests"), true));
		status_init(&err);
		store_update(c->store, c->k_pvc, pvcs[i]->ns, copy, &w, NULL, &err);
		status_release(&err);
	}
	store_snapshot_free(pvcs);
}

/* ---- the pass ---- */

static long wake(struct loop *l, void *arg)
{
	struct sim *c = arg;

	(void)l;
	c->wake_timer = 0;
	sim_pass_soon(c);
	return LOOP_NOMORE;
}

void sim_wake_at(struct sim *c, int64_t ms)
{
	if (ms > 0 && (!c->wake_at || ms < c->wake_at))
		c->wake_at = ms;
}

static long pass(struct loop *l, void *arg)
{
	struct sim *c = arg;

	(void)l;
	c->pass_timer = 0;
	c->wake_at = 0;
	controllers_reconcile(c);
	bind_claims(c);
	schedule(c);
	quota_refresh(c);
	simevents_expire(c);
	/* the earliest thing a controller waits for, if any: no polling */
	if (c->wake_timer) {
		loop_del_timer(c->loop, c->wake_timer);
		c->wake_timer = 0;
	}
	if (c->wake_at) {
		int64_t delay = c->wake_at - sim_unix_ms(c);

		if (!c->clock || delay <= 0)
			c->wake_timer = loop_add_timer(c->loop, delay > 0 ? (long)delay + 1 : 0, wake, c);
	}
	return LOOP_NOMORE;
}

void sim_pass_soon(struct sim *c)
{
	if (!c->pass_timer)
		c->pass_timer = loop_add_timer(c->loop, 0, pass, c);
}

static void on_change(struct store *s, const struct store_event *ev, void *arg)
{
	struct sim *c = arg;
	const struct kind *k = ev->obj->kind;

	(void)s;
	if (k == c->k_events) {
		/* nothing to reconcile; a write starts its time to live */
		if (ev->op != STORE_DELETED)
			simevents_note(c, ev->obj);
		return;
	}
	if (k == c->k_pods && ev->op == STORE_DELETED) {
		lifecycle_forget(c, json_str(ev->obj->obj, "metadata.uid", ""));
	} else if (k == c->k_pods && ev->op == STORE_MODIFIED &&
		   json_get(ev->obj->obj, "metadata.deletionTimestamp")) {
		const char *was = json_str(ev->old->obj, "metadata.deletionTimestamp", NULL);

		if (!was || json_int(ev->old->obj, "metadata.deletionGracePeriodSeconds", -1) !=
		    json_int(ev->obj->obj, "metadata.deletionGracePeriodSeconds", -1))
			lifecycle_terminate(c, ev->obj->obj);
	}
	sim_pass_soon(c);
}

static int seed_nodes(struct sim *c, const char *spec, struct error *err)
{
	struct node_spec *v;
	size_t n;

	if (simnodes_parse(spec, &v, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct status st;
		struct store_write w = { .manager = "kubelet" };

		if (store_get(c->store, c->k_nodes, NULL, v[i].name))
			continue;
		status_init(&st);
		if (store_create(c->store, c->k_nodes, NULL, simnodes_object(&v[i], store_now(c->store)), &w,
				 NULL, &st) != 0)
			log_warn("node %s: %s", v[i].name, st.message ? st.message : "?");
		status_release(&st);
	}
	free(v);
	return 0;
}

struct sim *sim_start(struct api *a, const char *dir, struct error *err)
{
	struct sim *c = xcalloc(1, sizeof(*c));

	c->api = a;
	c->store = api_store(a);
	c->loop = api_loop(a);
	c->ks = api_kinds(a);
	c->dir = file_join(dir ? dir : ".", "pods");
	c->procs = simproc_new();
	c->k_pods = kinds_find_storage(c->ks, "", "pods");
	c->k_nodes = kinds_find_storage(c->ks, "", "nodes");
	c->k_events = kinds_find_storage(c->ks, "", "events");
	c->k_quota = kinds_find_storage(c->ks, "", "resourcequotas");
	c->k_pvc = kinds_find_storage(c->ks, "", "persistentvolumeclaims");
	c->k_cm = kinds_find_storage(c->ks, "", "configmaps");
	c->k_secrets = kinds_find_storage(c->ks, "", "secrets");
	c->k_rs = kinds_find_storage(c->ks, "apps", "replicasets");
	c->k_deploy = kinds_find_storage(c->ks, "apps", "deployments");
	c->k_sts = kinds_find_storage(c->ks, "apps", "statefulsets");
	c->k_jobs = kinds_find_storage(c->ks, "batch", "jobs");
	c->k_cj = kinds_find_storage(c->ks, "batch", "cronjobs");
	c->k_ds = kinds_find_storage(c->ks, "apps", "daemonsets");
	c->k_revs = kinds_find_storage(c->ks, "apps", "controllerrevisions");
	if (!c->k_pods || !c->k_nodes) {
		error_set(err, ERR_UNSUPPORTED, "the store serves no pods or nodes");
		simproc_free(c->procs);
		free(c->dir);
		free(c);
		return NULL;
	}
	if (seed_nodes(c, api_nodes_spec(a), err) != 0) {
		simproc_free(c->procs);
		free(c->dir);
		free(c);
		return NULL;
	}
	seed_limits(c);
	if (c->k_events && store_count(c->store, c->k_events, NULL))
		c->events_due = 1;	/* stored Events: the first pass finds the oldest */
	/* LimitRanger before ResourceQuota, as the apiserver orders them */
	store_add_admission(c->store, limitrange_admission, c);
	store_add_admission(c->store, quota_admission, c);
	store_add_admission(c->store, simtolerate_admission, c);
	store_add_admission(c->store, simcronjob_admission, c);
	store_set_grace_fn(c->store, c->k_pods, lifecycle_grace, c);
	c->sub = store_subscribe(c->store, on_change, c);
	podapi_register(c);
	execws_register(c);
	lifecycle_resume(c);
	sim_pass_soon(c);
	return c;
}

void sim_stop(struct sim *c)
{
	if (!c)
		return;
	store_unsubscribe(c->store, c->sub);
	store_set_grace_fn(c->store, c->k_pods, NULL, NULL);
	if (c->pass_timer)
		loop_del_timer(c->loop, c->pass_timer);
	if (c->tick_timer)
		loop_del_timer(c->loop, c->tick_timer);
	if (c->wake_timer)
		loop_del_timer(c->loop, c->wake_timer);
	execws_close_all(c);
	lifecycle_free_all(c);
	simproc_free(c->procs);
	free(c->dir);
	free(c);
}
