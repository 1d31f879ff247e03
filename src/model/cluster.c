/*
 * cluster.c: nodes, pods, events and namespaces for the monitor views,
 * and their usage (see cluster.h; quotas and the formats are in
 * cluster_quota.c).
 *
 * Data flow: each feed function upserts one compact row (pods in a
 * sorted array, found by binary search; the rest in small arrays) and
 * marks the joins stale.  The joins (per-node sums and GPU users, pod
 * reasons from warning events, events newest first, namespaces in
 * Onyxia order) run once, on the first read after a change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/metrics.h"
#include "datalab/kube/quantity.h"
#include "datalab/model/cluster.h"
#include "datalab/model/kobj.h"
#include "cluster-internal.h"

struct cluster *cluster_new(void)
{
	return xcalloc(1, sizeof(struct cluster));
}

void cluster_changed(struct cluster *c)
{
	c->stale = true;
	c->generation++;
}

uint64_t cluster_generation(const struct cluster *c)
{
	return c->generation;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* --- pods --- */

static void pod_clear(struct pod_row *r)
{
	struct cluster_pod *p = &r->p;

	free(p->ns);
	free(p->name);
	free(p->node);
	free(p->phase);
	free(p->status);
	free(p->reason);
	free(p->instance);
	free(r->sched_msg);
	free(r->waiting);
	memset(r, 0, sizeof(*r));
}

static int pod_cmp(const char *ns, const char *name, const struct cluster_pod *p)
{
	int d = strcmp(ns, p->ns);

	return d ? d : strcmp(name, p->name);
}

/* pod_search: the index of (ns, name), or where it would go (*found false). */
static size_t pod_search(const struct cluster *c, const char *ns, const char *name, bool *found)
{
	size_t lo = 0, hi = c->npods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = pod_cmp(ns, name, &c->pods[mid].p);

		if (d == 0) {
			*found = true;
			return mid;
		}
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

/* status_of: kubectl's STATUS column (printers.go printPod, simplified). */
static char *status_of(const cJSON *pod, const char *phase, bool deleting, char **waiting)
{
	const cJSON *cs;
	int i = 0, ninit = cJSON_GetArraySize(json_get(pod, "spec.initContainers"));
	const char *reason = json_str(pod, "status.reason", NULL);

	*waiting = NULL;
	if (deleting)
		return xstrdup("Terminating");
	cJSON_ArrayForEach(cs, json_get(pod, "status.initContainerStatuses")) {
		const char *w = json_str(cs, "state.waiting.reason", NULL);
		const char *t = json_str(cs, "state.terminated.reason", NULL);

		if (t && str_eq(t, "Completed")) {
			i++;
			continue;
		}
		if (w && !str_eq(w, "PodInitializing")) {
			*waiting = xstrdup(w);
			return xasprintf("Init:%s", w);
		}
		return xasprintf("Init:%d/%d", i, ninit);
	}
	if (str_eq(phase, "Succeeded"))
		return xstrdup("Completed");
	cJSON_ArrayForEach(cs, json_get(pod, "status.containerStatuses")) {
		const char *w = json_str(cs, "state.waiting.reason", NULL);
		const char *t = json_str(cs, "state.terminated.reason", NULL);

		if (w) {
			*waiting = xstrdup(w);
			return xstrdup(w);
		}
		if (t && !str_eq(phase, "Running"))
			return xstrdup(t);
	}
	return xstrdup(reason ? reason : phase);
}

static void pod_fill(struct pod_row *r, const cJSON *pod)
{
	struct cluster_pod *p = &r->p;
	const cJSON *ct;
	const char *inst = kobj_instance(pod);

	p->ns = xstrdup(json_str(pod, "metadata.namespace", ""));
	p->name = xstrdup(json_str(pod, "metadata.name", ""));
	p->node = dup_or_null(json_str(pod, "spec.nodeName", NULL));
	p->phase = xstrdup(json_str(pod, "status.phase", "Pending"));
	p->deleting = json_get(pod, "metadata.deletionTimestamp") != NULL;
	p->status = status_of(pod, p->phase, p->deleting, &r->waiting);
	p->instance = dup_or_null(inst);
	p->created = kobj_time(pod, "metadata.creationTimestamp");
	p->done = str_eq(p->phase, "Succeeded") || str_eq(p->phase, "Failed");
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		p->containers++;
		p->gpus += (int)kobj_request(ct, CLUSTER_GPU_RESOURCE, false);
		p->cpu_req_m += kobj_request(ct, "cpu", true);
		p->mem_req += kobj_request(ct, "memory", false);
	}
	cJSON_ArrayForEach(ct, json_get(pod, "status.containerStatuses")) {
		p->ready += cJSON_IsTrue(json_get(ct, "ready"));
		p->restarts += (int)json_int(ct, "restartCount", 0);
	}
	r->sched_msg = p->node ? NULL : kobj_sched_message(pod);
}

void cluster_feed_pod(struct cluster *c, const cJSON *pod, bool deleted)
{
	const char *ns = json_str(pod, "metadata.namespace", "");
	const char *name = json_str(pod, "metadata.name", NULL);
	bool found;
	size_t i;
	int64_t cpu = -1, mem = -1;
	int gpu = -1;
	unsigned round = 0;

	if (!name)
		return;
	i = pod_search(c, ns, name, &found);
	if (found) {
		cpu = c->pods[i].p.cpu_m;
		mem = c->pods[i].p.mem;
		round = c->pods[i].usage_round;
		gpu = c->pods[i].p.gpu_util;
		pod_clear(&c->pods[i]);
		if (deleted) {
			memmove(&c->pods[i], &c->pods[i + 1], (c->npods - i - 1) * sizeof(*c->pods));
			c->npods--;
			cluster_changed(c);
			return;
		}
	} else {
		if (deleted)
			return;
		if (c->npods == c->pods_cap) {
			c->pods_cap = c->pods_cap ? c->pods_cap * 2 : 64;
			c->pods = xreallocarray(c->pods, c->pods_cap, sizeof(*c->pods));
		}
		memmove(&c->pods[i + 1], &c->pods[i], (c->npods - i) * sizeof(*c->pods));
		memset(&c->pods[i], 0, sizeof(c->pods[i]));
		c->npods++;
	}
	pod_fill(&c->pods[i], pod);
	c->pods[i].p.cpu_m = cpu;
	c->pods[i].p.mem = mem;
	c->pods[i].p.gpu_util = gpu;
	c->pods[i].usage_round = round;
	cluster_changed(c);
	c->pods[i].p.gen = c->generation;
}

/* --- nodes --- */

static void node_clear(struct cluster_node *n)
{
	free(n->name);
	free(n->gpu_model);
	free(n->roles);
	free(n->gpu_users);
	memset(n, 0, sizeof(*n));
}

/* node_get: nodes are kept sorted by name: a binary search */
static struct cluster_node *node_get(struct cluster *c, const char *name)
{
	size_t lo = 0, hi = c->nnodes;

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(name, c->nodes[mid].name);

		if (d == 0)
			return &c->nodes[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cluster_node *)a)->name, ((const struct cluster_node *)b)->name);
}

static void sort_nodes(struct cluster *c)
{
	if (c->nnodes > 1)
		qsort(c->nodes, c->nnodes, sizeof(*c->nodes), node_cmp);
}

void cluster_feed_node(struct cluster *c, const cJSON *node, bool deleted)
{
	const char *name = json_str(node, "metadata.name", NULL);
	struct cluster_node *n;
	const cJSON *labels = json_get(node, "metadata.labels"), *l, *cond;
	int64_t cpu = -1, mem = -1;
	int gpu = -1;
	char roles[256] = "";

	if (!name)
		return;
	n = node_get(c, name);
	if (n) {
		cpu = n->cpu_m;
		mem = n->mem;
		gpu = n->gpu_util;
		node_clear(n);
		*n = c->nodes[--c->nnodes];
		sort_nodes(c);	/* node_get searches them by name */
	}
	cluster_changed(c);
	if (deleted)
		return;
	c->nodes = xreallocarray(c->nodes, c->nnodes + 1, sizeof(*c->nodes));
	n = &c->nodes[c->nnodes++];
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(name);
	n->gpu_model = dup_or_null(kobj_key(labels, CLUSTER_GPU_PRODUCT_LABEL));
	cJSON_ArrayForEach(l, labels) {
		if (l->string && str_has_prefix(l->string, "node-role.kubernetes.io/") && l->string[24]) {
			if (roles[0])
				strncat(roles, ",", sizeof(roles) - strlen(roles) - 1);
			strncat(roles, l->string + 24, sizeof(roles) - strlen(roles) - 1);
		}
	}
	n->roles = xstrdup(roles);
	n->unschedulable = json_bool(node, "spec.unschedulable", false);
	cJSON_ArrayForEach(cond, json_get(node, "status.conditions"))
		if (str_eq(json_str(cond, "type", ""), "Ready"))
			n->ready = str_eq(json_str(cond, "status", ""), "True");
	n->cpu_alloc_m = kobj_quantity(json_get_key(json_get(node, "status.allocatable"), "cpu"), true);
	n->mem_alloc = kobj_quantity(json_get_key(json_get(node, "status.allocatable"), "memory"), false);
	n->gpu_alloc = (int)kobj_quantity(json_get_key(json_get(node, "status.allocatable"), CLUSTER_GPU_RESOURCE), false);
	n->gpu_capacity = (int)kobj_quantity(json_get_key(json_get(node, "status.capacity"), CLUSTER_GPU_RESOURCE), false);
	n->cpu_m = cpu;
	n->mem = mem;
	n->gpu_util = gpu;
	sort_nodes(c);
}

/* --- events --- */

static void event_clear(struct cluster_event *e)
{
	free(e->ns);
	free(e->uid);
	free(e->type);
	free(e->reason);
	free(e->message);
	free(e->object);
	free(e->object_kind);
	free(e->object_name);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

void cluster_feed_event(struct cluster *c, const cJSON *ev, bool deleted)
{
	const char *uid = json_str(ev, "metadata.uid", json_str(ev, "metadata.name", NULL));
	const char *ns = json_str(ev, "metadata.namespace", json_str(ev, "involvedObject.namespace", ""));
	struct cluster_event *e = NULL;
	int64_t count;

	if (!uid)
		return;
	for (size_t i = 0; i < c->nevents; i++)
		if (str_eq(c->events[i].uid, uid) && str_eq(c->events[i].ns, ns))
			e = &c->events[i];
	if (e) {
		event_clear(e);
		*e = c->events[--c->nevents];
	}
	cluster_changed(c);
	c->events_stale = true;
	if (deleted)
		return;
	c->events = xreallocarray(c->events, c->nevents + 1, sizeof(*c->events));
	e = &c->events[c->nevents++];
	e->ns = xstrdup(ns);
	e->uid = xstrdup(uid);
	e->type = xstrdup(json_str(ev, "type", "Normal"));
	e->warning = str_eq(e->type, "Warning");
	e->reason = xstrdup(json_str(ev, "reason", ""));
	e->message = xstrdup(json_str(ev, "message", ""));
	e->object_kind = xstrdup(json_str(ev, "involvedObject.kind", json_str(ev, "regarding.kind", "")));
	e->object_name = xstrdup(json_str(ev, "involvedObject.name", json_str(ev, "regarding.name", "")));
	e->object = xasprintf("%s/%s", e->object_kind, e->object_name);
	e->source = xstrdup(json_str(ev, "source.component", json_str(ev, "reportingComponent", "")));
	count = json_int(ev, "series.count", json_int(ev, "count", 1));
	e->count = count > 0 && count < 1000000000 ? (int)count : 1;
	e->when = kobj_event_time(ev);
}

static int by_time_cmp(const void *a, const void *b)
{
	const struct cluster_event *x = *(struct cluster_event *const *)a, *y = *(struct cluster_event *const *)b;

	if (x->when != y->when)
		return x->when > y->when ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

/* --- namespaces --- */

void cluster_feed_namespace(struct cluster *c, const cJSON *obj, bool deleted)
{
	const char *name = json_str(obj, "metadata.name", NULL);

	if (!name)
		return;
	for (size_t i = 0; i < c->nnamespaces; i++) {
		if (str_eq(c->namespaces[i], name)) {
			if (!deleted)
				return;
			free(c->namespaces[i]);
			c->namespaces[i] = c->namespaces[--c->nnamespaces];
			cluster_changed(c);
			return;
		}
	}
	if (deleted)
		return;
	c->namespaces = xreallocarray(c->namespaces, c->nnamespaces + 1, sizeof(char *));
	c->namespaces[c->nnamespaces++] = xstrdup(name);
	cluster_changed(c);
}

static int ns_rank(const char *n)
{
	return str_has_prefix(n, "user-") ? 0 : str_has_prefix(n, "projet-") ? 1 : 2;
}

static int ns_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int d = ns_rank(x) - ns_rank(y);

	return d ? d : strcmp(x, y);
}

/* --- metrics --- */

/* pod_set_usage: stamps the pod only when its usage moved */
static void pod_set_usage(struct cluster *c, struct cluster_pod *p, int64_t cpu_m, int64_t mem, int gpu)
{
	if (p->cpu_m == cpu_m && p->mem == mem && p->gpu_util == gpu)
		return;
	p->cpu_m = cpu_m;
	p->mem = mem;
	p->gpu_util = gpu;
	p->gen = c->generation;
}

/* A poll's pods: the ones it names take their usage as it comes, the
 * others lose theirs at the next join (a read), so a pod whose usage comes
 * back the same keeps its stamp. */
void cluster_usage_reset(struct cluster *c, bool pods, bool nodes)
{
	cluster_changed(c);
	if (pods) {
		c->usage_round++;
		c->usage_pending = true;
	}
	for (size_t i = 0; nodes && i < c->nnodes; i++) {
		c->nodes[i].cpu_m = c->nodes[i].mem = -1;
		c->nodes[i].gpu_util = -1;
	}
}

void cluster_pod_usage(struct cluster *c, const char *ns, const char *name, int64_t cpu_m, int64_t mem,
		       int gpu_util)
{
	bool found;
	size_t i = pod_search(c, ns, name, &found);

	if (!found)
		return;
	cluster_changed(c);
	c->pods[i].usage_round = c->usage_round;
	pod_set_usage(c, &c->pods[i].p, cpu_m, mem, gpu_util);
}

void cluster_node_usage(struct cluster *c, const char *name, int64_t cpu_m, int64_t mem, int gpu_util)
{
	struct cluster_node *n = node_get(c, name);

	if (!n)
		return;
	n->cpu_m = cpu_m;
	n->mem = mem;
	n->gpu_util = gpu_util;
	cluster_changed(c);
}

static void usage_list(struct cluster *c, const cJSON *list, bool nodes)
{
	const cJSON *it;

	cluster_usage_reset(c, !nodes, nodes);
	cJSON_ArrayForEach(it, json_get(list, "items")) {
		struct metrics_series m;
		int64_t cpu_m;

		if (metrics_parse_item(it, &m, NULL) < 0)
			continue;
		cpu_m = (m.now.cpu_nano + 999999) / 1000000;	/* rounded up, as kubectl */
		if (nodes)
			cluster_node_usage(c, m.name, cpu_m, m.now.mem_bytes, -1);
		else
			cluster_pod_usage(c, m.ns, m.name, cpu_m, m.now.mem_bytes, -1);
		metrics_series_clear(&m);
	}
}

void cluster_pod_metrics(struct cluster *c, const cJSON *list)
{
	usage_list(c, list, false);
}

void cluster_node_metrics(struct cluster *c, const cJSON *list)
{
	usage_list(c, list, true);
}

/* --- the joins --- */

static void join(struct cluster *c)
{
	const char **why;	/* each pod's reason, borrowed from its row or an event */

	if (!c->stale)
		return;
	c->stale = false;
	for (size_t i = 0; c->usage_pending && i < c->npods; i++)
		if (c->pods[i].usage_round != c->usage_round)
			pod_set_usage(c, &c->pods[i].p, -1, -1, -1);
	c->usage_pending = false;
	for (size_t i = 0; i < c->nnodes; i++) {
		struct cluster_node *n = &c->nodes[i];

		n->cpu_req_m = n->mem_req = 0;
		n->gpu_used = n->npods = 0;
		free(n->gpu_users);
		n->gpu_users = NULL;
		n->ngpu_users = 0;
	}
	why = xreallocarray(NULL, c->npods ? c->npods : 1, sizeof(*why));
	for (size_t i = 0; i < c->npods; i++) {
		struct pod_row *r = &c->pods[i];
		struct cluster_node *n;

		why[i] = r->sched_msg;
		if (!r->p.node || r->p.done || !(n = node_get(c, r->p.node)))
			continue;
		n->npods++;
		n->cpu_req_m += r->p.cpu_req_m;
		n->mem_req += r->p.mem_req;
		if (r->p.gpus > 0) {
			n->gpu_used += r->p.gpus;
			n->gpu_users = xreallocarray(n->gpu_users, n->ngpu_users + 1, sizeof(*n->gpu_users));
			n->gpu_users[n->ngpu_users].ns = r->p.ns;
			n->gpu_users[n->ngpu_users].pod = r->p.name;
			n->gpu_users[n->ngpu_users].gpus = r->p.gpus;
			n->gpu_users[n->ngpu_users].util = r->p.gpu_util;
			n->ngpu_users++;
		}
	}
	if (c->events_stale) {	/* pods churn far more often than events */
		c->by_time = xreallocarray(c->by_time, c->nevents ? c->nevents : 1, sizeof(*c->by_time));
		for (size_t i = 0; i < c->nevents; i++)
			c->by_time[i] = &c->events[i];
		if (c->nevents > 1)
			qsort(c->by_time, c->nevents, sizeof(*c->by_time), by_time_cmp);
		c->events_stale = false;
	}
	/* why a pod waits: its newest warning, unless it is scheduled and
	 * the warning is an old FailedScheduling, or nothing waits */
	for (size_t k = c->nevents; k-- > 0;) {
		const struct cluster_event *e = c->by_time[k];	/* oldest first: newer overwrite */
		struct pod_row *r;
		bool found;
		size_t i;

		if (!e->warning || !str_eq(e->object_kind, "Pod"))
			continue;
		i = pod_search(c, e->ns, e->object_name, &found);
		if (!found)
			continue;
		r = &c->pods[i];
		if (r->p.node && str_eq(e->reason, "FailedScheduling"))
			continue;
		if (r->p.node && !r->waiting)
			continue;
		if (r->sched_msg && !str_eq(e->reason, "FailedScheduling"))
			continue;
		why[i] = e->message;
	}
	/* a reason that stays the same leaves the pod's stamp alone */
	for (size_t i = 0; i < c->npods; i++) {
		struct cluster_pod *p = &c->pods[i].p;

		if (str_eq(why[i], p->reason))
			continue;
		free(p->reason);
		p->reason = dup_or_null(why[i]);
		p->gen = c->generation;
	}
	free(why);
	if (c->nnamespaces > 1)
		qsort(c->namespaces, c->nnamespaces, sizeof(char *), ns_cmp);
}

size_t cluster_pod_count(struct cluster *c)
{
	return c->npods;
}

const struct cluster_pod *cluster_pod_at(struct cluster *c, size_t i)
{
	join(c);
	return i < c->npods ? &c->pods[i].p : NULL;
}

const struct cluster_pod *cluster_pod_find(struct cluster *c, const char *ns, const char *name)
{
	bool found;
	size_t i;

	join(c);
	i = pod_search(c, ns, name, &found);
	return found ? &c->pods[i].p : NULL;
}

size_t cluster_node_count(struct cluster *c)
{
	return c->nnodes;
}

const struct cluster_node *cluster_node_at(struct cluster *c, size_t i)
{
	join(c);
	return i < c->nnodes ? &c->nodes[i] : NULL;
}

const struct cluster_node *cluster_node_find(struct cluster *c, const char *name)
{
	join(c);
	return node_get(c, name);
}

size_t cluster_event_count(struct cluster *c)
{
	return c->nevents;
}

const struct cluster_event *cluster_event_at(struct cluster *c, size_t i)
{
	join(c);
	return i < c->nevents ? c->by_time[i] : NULL;
}

size_t cluster_namespace_count(struct cluster *c)
{
	return c->nnamespaces;
}

const char *cluster_namespace_at(struct cluster *c, size_t i)
{
	join(c);
	return i < c->nnamespaces ? c->namespaces[i] : NULL;
}

void cluster_clear(struct cluster *c)
{
	for (size_t i = 0; i < c->npods; i++)
		pod_clear(&c->pods[i]);
	c->npods = 0;
	for (size_t i = 0; i < c->nnodes; i++)
		node_clear(&c->nodes[i]);
	c->nnodes = 0;
	for (size_t i = 0; i < c->nevents; i++)
		event_clear(&c->events[i]);
	c->nevents = 0;
	c->events_stale = true;
	for (size_t i = 0; i < c->nquotas; i++)
		cluster_quota_clear(&c->quotas[i]);
	c->nquotas = 0;
	for (size_t i = 0; i < c->nnamespaces; i++)
		free(c->namespaces[i]);
	c->nnamespaces = 0;
	cluster_changed(c);
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	cluster_clear(c);
	free(c->pods);
	free(c->nodes);
	free(c->events);
	free(c->by_time);
	free(c->quotas);
	free(c->namespaces);
	free(c);
}
