/*
 * scheduler.c: the fit and score of one pod over the nodes (scheduler.h).
 *
 * Reasons are counted per node (a node short of both cpu and memory
 * counts once for each), then printed as the framework's FitError does:
 * "<count> <reason>" strings sorted as strings, joined with ", ".  The
 * preemption part says "Preemption is not helpful for scheduling" for
 * nodes that failed a filter no eviction can fix (taints, selector,
 * unschedulable), and "No preemption victims found for incoming pod" for
 * the others, since the sandbox has no pod priorities.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/kube/quantity.h"
#include "datalab/sandbox/scheduler.h"

static int64_t qty(const cJSON *obj, const char *key, bool milli)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	struct quantity q;

	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) != 0)
		return 0;
	return milli ? quantity_milli(&q) : quantity_value(&q);
}

static void container_requests(const cJSON *c, struct scheduler_req *r)
{
	const cJSON *req = json_get(c, "resources.requests"), *lim = json_get(c, "resources.limits");

	r->cpu_milli = cJSON_GetObjectItemCaseSensitive(req, "cpu") ? qty(req, "cpu", true) :
		qty(lim, "cpu", true);
	r->memory = cJSON_GetObjectItemCaseSensitive(req, "memory") ? qty(req, "memory", false) :
		qty(lim, "memory", false);
	r->gpus = cJSON_GetObjectItemCaseSensitive(req, "nvidia.com/gpu") ?
		qty(req, "nvidia.com/gpu", false) : qty(lim, "nvidia.com/gpu", false);
}

void scheduler_pod_requests(const cJSON *pod, struct scheduler_req *r)
{
	const cJSON *c;
	struct scheduler_req one;

	memset(r, 0, sizeof(*r));
	cJSON_ArrayForEach(c, json_get(pod, "spec.containers")) {
		container_requests(c, &one);
		r->cpu_milli += one.cpu_milli;
		r->memory += one.memory;
		r->gpus += one.gpus;
	}
	cJSON_ArrayForEach(c, json_get(pod, "spec.initContainers")) {
		container_requests(c, &one);
		r->cpu_milli = DL_MAX(r->cpu_milli, one.cpu_milli);
		r->memory = DL_MAX(r->memory, one.memory);
		r->gpus = DL_MAX(r->gpus, one.gpus);
	}
	/* spec.overhead (RuntimeClass) is added on top */
	r->cpu_milli += qty(json_get(pod, "spec.overhead"), "cpu", true);
	r->memory += qty(json_get(pod, "spec.overhead"), "memory", false);
}

static bool tolerates(const cJSON *pod, const char *key, const char *value, const char *effect)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, json_get(pod, "spec.tolerations")) {
		const char *tk = json_str(t, "key", ""), *op = json_str(t, "operator", "Equal");
		const char *te = json_str(t, "effect", "");

		if (*te && strcmp(te, effect) != 0)
			continue;
		if (strcmp(op, "Exists") == 0) {
			if (!*tk || strcmp(tk, key) == 0)
				return true;
		} else if (strcmp(tk, key) == 0 && strcmp(json_str(t, "value", ""), value) == 0) {
			return true;
		}
	}
	return false;
}

/* requirement: one NodeSelectorRequirement against a value (NULL: absent) */
static bool requirement(const cJSON *r, const char *value)
{
	const char *op = json_str(r, "operator", "");
	const cJSON *v;
	bool in = false;

	cJSON_ArrayForEach(v, json_get(r, "values"))
		if (cJSON_IsString(v) && value && strcmp(v->valuestring, value) == 0)
			in = true;
	if (strcmp(op, "In") == 0)
		return in;
	if (strcmp(op, "NotIn") == 0)
		return !in;
	if (strcmp(op, "Exists") == 0)
		return value != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return value == NULL;
	if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
		int64_t a, b;

		if (!value || str_parse_i64(value, &a) != 0 ||
		    str_parse_i64(json_str(r, "values.0", ""), &b) != 0)
			return false;
		return strcmp(op, "Gt") == 0 ? a > b : a < b;
	}
	return false;
}

/* term: every matchExpressions (labels) and matchFields (metadata.name) */
static bool term(const cJSON *t, const cJSON *node)
{
	const cJSON *labels = json_get(node, "metadata.labels"), *r;
	bool any = false;

	cJSON_ArrayForEach(r, json_get(t, "matchExpressions")) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(labels, json_str(r, "key", ""));

		any = true;
		if (!requirement(r, cJSON_IsString(l) ? l->valuestring : NULL))
			return false;
	}
	cJSON_ArrayForEach(r, json_get(t, "matchFields")) {
		any = true;
		if (!str_eq(json_str(r, "key", ""), "metadata.name") ||
		    !requirement(r, json_str(node, "metadata.name", "")))
			return false;
	}
	return any;	/* an empty term matches nothing */
}

bool scheduler_node_matches(const cJSON *pod, const cJSON *node)
{
	const cJSON *labels = json_get(node, "metadata.labels"), *t, *terms;
	bool any = false;

	cJSON_ArrayForEach(t, json_get(pod, "spec.nodeSelector")) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(labels, t->string);

		if (!cJSON_IsString(t) || !cJSON_IsString(l) || strcmp(l->valuestring, t->valuestring))
			return false;
	}
	terms = json_get(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
			 "nodeSelectorTerms");
	if (!cJSON_IsArray(terms))
		return true;
	/* the terms are ORed */
	cJSON_ArrayForEach(t, terms)
		if (term(t, node))
			any = true;
	return any;
}

bool scheduler_tolerates_node(const cJSON *pod, const cJSON *node)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, json_get(node, "spec.taints")) {
		const char *effect = json_str(t, "effect", "");

		if (strcmp(effect, "PreferNoSchedule") != 0 &&
		    !tolerates(pod, json_str(t, "key", ""), json_str(t, "value", ""), effect))
			return false;
	}
	return !json_bool(node, "spec.unschedulable", false) ||
		tolerates(pod, "node.kubernetes.io/unschedulable", "", "NoSchedule");
}

struct reasons {
	char *text[16];
	int count[16];
	size_t n;
};

static void count_reason(struct reasons *r, const char *text)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->text[i], text) == 0) {
			r->count[i]++;
			return;
		}
	if (r->n < DL_ARRAY_LEN(r->text)) {
		r->text[r->n] = xstrdup(text);
		r->count[r->n++] = 1;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* histogram: "<count> <reason>" sorted as strings, joined with ", " */
static void histogram(struct buf *out, struct reasons *r)
{
	char *lines[16];

	for (size_t i = 0; i < r->n; i++)
		lines[i] = xasprintf("%d %s", r->count[i], r->text[i]);
	qsort(lines, r->n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < r->n; i++) {
		buf_addf(out, "%s%s", i ? ", " : "", lines[i]);
		free(lines[i]);
		free(r->text[i]);
	}
	r->n = 0;
}

/* node_fails: the first failing filter's reasons; true when it is one
 * preemption cannot help */
static int node_fails(const cJSON *pod, const struct scheduler_node *sn, const struct scheduler_req *req,
		      struct reasons *why, bool *hopeless)
{
	const cJSON *node = sn->node, *t, *alloc;
	int failed = 0;

	*hopeless = true;
	if (json_bool(node, "spec.unschedulable", false) &&
	    !tolerates(pod, "node.kubernetes.io/unschedulable", "", "NoSchedule")) {
		count_reason(why, "node(s) were unschedulable");
		return 1;
	}
	cJSON_ArrayForEach(t, json_get(node, "spec.taints")) {
		const char *effect = json_str(t, "effect", "");
		const char *key = json_str(t, "key", ""), *value = json_str(t, "value", "");

		if (strcmp(effect, "PreferNoSchedule") == 0 || tolerates(pod, key, value, effect))
			continue;
		{
			char *m = xasprintf("node(s) had untolerated taint {%s: %s}", key, value);

			count_reason(why, m);
			free(m);
		}
		return 1;
	}
	if (!scheduler_node_matches(pod, node)) {
		count_reason(why, "node(s) didn't match Pod's node affinity/selector");
		return 1;
	}
	*hopeless = false;
	alloc = json_get(node, "status.allocatable");
	if (sn->pods + 1 > qty(alloc, "pods", false)) {
		count_reason(why, "Too many pods");
		failed = 1;
	}
	if (req->cpu_milli && sn->used.cpu_milli + req->cpu_milli > qty(alloc, "cpu", true)) {
		count_reason(why, "Insufficient cpu");
		failed = 1;
	}
	if (req->memory && sn->used.memory + req->memory > qty(alloc, "memory", false)) {
		count_reason(why, "Insufficient memory");
		failed = 1;
	}
	if (req->gpus && sn->used.gpus + req->gpus > qty(alloc, "nvidia.com/gpu", false)) {
		count_reason(why, "Insufficient nvidia.com/gpu");
		failed = 1;
	}
	return failed;
}

/* score: LeastAllocated over cpu and memory, 0..100 */
static double score(const struct scheduler_node *sn, const struct scheduler_req *req)
{
	const cJSON *alloc = json_get(sn->node, "status.allocatable");
	int64_t cpu = qty(alloc, "cpu", true), mem = qty(alloc, "memory", false);
	double s = 0;

	if (cpu > 0)
		s += 50.0 * (double)(cpu - sn->used.cpu_milli - req->cpu_milli) / (double)cpu;
	if (mem > 0)
		s += 50.0 * (double)(mem - sn->used.memory - req->memory) / (double)mem;
	/* spread pods that request nothing, as the default topology spread does */
	return s - 0.01 * (double)sn->pods;
}

int scheduler_pick(const cJSON *pod, const struct scheduler_node *nodes, size_t n, struct buf *msg)
{
	struct scheduler_req req;
	struct reasons why = { .n = 0 }, pre = { .n = 0 };
	int best = -1;
	double best_score = 0;

	scheduler_pod_requests(pod, &req);
	for (size_t i = 0; i < n; i++) {
		bool hopeless;

		if (node_fails(pod, &nodes[i], &req, &why, &hopeless)) {
			count_reason(&pre, hopeless ? "Preemption is not helpful for scheduling" :
				     "No preemption victims found for incoming pod");
			continue;
		}
		if (best < 0 || score(&nodes[i], &req) > best_score) {
			best = (int)i;
			best_score = score(&nodes[i], &req);
		}
	}
	if (best >= 0) {
		for (size_t i = 0; i < why.n; i++)
			free(why.text[i]);
		for (size_t i = 0; i < pre.n; i++)
			free(pre.text[i]);
		return best;
	}
	buf_addf(msg, "0/%zu nodes are available", n);
	if (why.n) {
		buf_adds(msg, ": ");
		histogram(msg, &why);
	} else {
		buf_adds(msg, ":");
	}
	buf_addc(msg, '.');
	if (pre.n) {
		buf_addf(msg, " preemption: 0/%zu nodes are available: ", n);
		histogram(msg, &pre);
		buf_addc(msg, '.');
	}
	return -1;
}
