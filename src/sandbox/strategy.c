/*
 * strategy.c: per-kind defaults and checks (see strategy.h).
 *
 * One function per kind, picked from a table by group/resource.  Defaults
 * mirror k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go for the fields
 * clients read back (helm's kstatus, kubectl describe, the console);
 * checks are the ones a chart author meets first (required containers and
 * images, selector matching template labels, immutable fields).
 * This file holds the table, pods and workloads; strategy_core.c the
 * other kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/selector.h"
#include "datalab/sandbox/store.h"
#include "datalab/sandbox/strategy.h"
#include "strategy-internal.h"

cJSON *strategy_child_obj(cJSON *parent, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (cJSON_IsObject(c))
		return c;
	if (c)
		cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	return cJSON_AddObjectToObject(parent, key);
}

void strategy_def_str(cJSON *o, const char *key, const char *v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddStringToObject(o, key, v);
	}
}

void strategy_def_num(cJSON *o, const char *key, double v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddNumberToObject(o, key, v);
	}
}

void strategy_def_bool(cJSON *o, const char *key, bool v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddBoolToObject(o, key, v);
	}
}

const char *strategy_name_of(const cJSON *obj)
{
	return json_str(obj, "metadata.name", "");
}

bool strategy_spec_changed(const cJSON *obj, const cJSON *old)
{
	const cJSON *a, *b;
	int na = 0, nb = 0;

	if (!old)
		return true;
	cJSON_ArrayForEach(a, obj) {
		if (strcmp(a->string, "metadata") == 0 || strcmp(a->string, "status") == 0 ||
		    strcmp(a->string, "apiVersion") == 0 || strcmp(a->string, "kind") == 0)
			continue;
		na++;
		b = cJSON_GetObjectItemCaseSensitive(old, a->string);
		if (!b || !cJSON_Compare(a, b, 1))
			return true;
	}
	cJSON_ArrayForEach(b, old) {
		if (strcmp(b->string, "metadata") == 0 || strcmp(b->string, "status") == 0 ||
		    strcmp(b->string, "apiVersion") == 0 || strcmp(b->string, "kind") == 0)
			continue;
		nb++;
	}
	return na != nb;
}

/* ---- pods ---- */

static const char *pull_policy(const char *image)
{
	const char *slash = strrchr(image, '/'), *last = slash ? slash + 1 : image;
	const char *colon = strchr(last, ':');

	if (strchr(image, '@'))
		return "IfNotPresent";
	if (!colon || strcmp(colon + 1, "latest") == 0)
		return "Always";
	return "IfNotPresent";
}

static void container_defaults(cJSON *c)
{
	cJSON *p;

	strategy_def_str(c, "terminationMessagePath", "/dev/termination-log");
	strategy_def_str(c, "terminationMessagePolicy", "File");
	strategy_def_str(c, "imagePullPolicy", pull_policy(json_str(c, "image", "")));
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "resources")))
		strategy_child_obj(c, "resources");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
		strategy_def_str(p, "protocol", "TCP");
}

void strategy_pod_defaults(cJSON *spec)
{
	cJSON *c;

	if (!cJSON_IsObject(spec))
		return;
	strategy_def_str(spec, "restartPolicy", "Always");
	strategy_def_str(spec, "dnsPolicy", "ClusterFirst");
	strategy_def_str(spec, "schedulerName", "default-scheduler");
	strategy_def_num(spec, "terminationGracePeriodSeconds", 30);
	strategy_child_obj(spec, "securityContext");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
		container_defaults(c);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"))
		container_defaults(c);
}

static void check_containers(const cJSON *spec, const char *prefix, struct status *st)
{
	const cJSON *cs = json_get(spec, "containers"), *c;
	int i = 0;

	if (!cJSON_IsArray(cs) || cJSON_GetArraySize(cs) == 0) {
		char *f = xasprintf("%s.containers", prefix);

		status_add_cause(st, "FieldValueRequired", f, "Required value");
		free(f);
		return;
	}
	cJSON_ArrayForEach(c, cs) {
		if (!*json_str(c, "name", "")) {
			char *f = xasprintf("%s.containers[%d].name", prefix, i);

			status_add_cause(st, "FieldValueRequired", f, "Required value");
			free(f);
		}
		if (!*json_str(c, "image", "")) {
			char *f = xasprintf("%s.containers[%d].image", prefix, i);

			status_add_cause(st, "FieldValueRequired", f, "Required value");
			free(f);
		}
		i++;
	}
}

/* kubelet-independent QoS class (pkg/apis/core/helper/qos). */
static const char *qos_class(const cJSON *spec)
{
	const cJSON *c;
	bool any = false, guaranteed = true;

	cJSON_ArrayForEach(c, json_get(spec, "containers")) {
		const cJSON *req = json_get(c, "resources.requests"), *lim = json_get(c, "resources.limits");
		const char *cpu_l = json_str(lim, "cpu", NULL), *mem_l = json_str(lim, "memory", NULL);
		const char *cpu_r = json_str(req, "cpu", cpu_l), *mem_r = json_str(req, "memory", mem_l);

		if (cJSON_GetArraySize(req) > 0 || cJSON_GetArraySize(lim) > 0)
			any = true;
		if (!cpu_l || !mem_l || !str_eq(cpu_l, cpu_r) || !str_eq(mem_l, mem_r))
			guaranteed = false;
	}
	if (!any)
		return "BestEffort";
	return guaranteed ? "Guaranteed" : "Burstable";
}

static int pods(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec"), *status;

	(void)s;
	check_containers(spec, "spec", st);
	if (st->causes)
		return -1;
	strategy_pod_defaults(spec);
	strategy_def_str(spec, "serviceAccountName", "default");
	strategy_def_str(spec, "serviceAccount", json_str(spec, "serviceAccountName", "default"));
	strategy_def_num(spec, "priority", 0);
	strategy_def_bool(spec, "enableServiceLinks", true);
	strategy_def_str(spec, "preemptionPolicy", "PreemptLowerPriority");
	if (!old) {
		status = strategy_child_obj(obj, "status");
		strategy_def_str(status, "phase", "Pending");
		strategy_def_str(status, "qosClass", qos_class(spec));
	}
	return 0;
}

/* ---- workloads ---- */

static bool selector_matches_labels(const cJSON *sel, const cJSON *labels)
{
	struct selector *ls = selector_from_json(sel, NULL);
	bool ok = ls && selector_match_labels(ls, labels);

	selector_free(ls);
	return ok;
}

/* Deployments, ReplicaSets, StatefulSets, DaemonSets: selector required and
 * matching the template; the selector may not change. */
static void check_selector(cJSON *obj, const cJSON *old, struct status *st)
{
	const cJSON *sel = json_get(obj, "spec.selector");
	const cJSON *labels = json_get(obj, "spec.template.metadata.labels");

	if (!cJSON_IsObject(sel) || (!json_get(sel, "matchLabels") && !json_get(sel, "matchExpressions"))) {
		status_add_cause(st, "FieldValueRequired", "spec.selector", "Required value");
		return;
	}
	if (!selector_matches_labels(sel, labels)) {
		char *txt = cJSON_PrintUnformatted(labels ? labels : sel);
		char *q = status_quote_dup(txt);

		status_add_cause(st, "FieldValueInvalid", "spec.template.metadata.labels",
				 "Invalid value: %s: `selector` does not match template `labels`", q);
		free(q);
		free(txt);
	}
	if (old && json_get(old, "spec.selector") && !cJSON_Compare(sel, json_get(old, "spec.selector"), 1)) {
		char *txt = cJSON_PrintUnformatted(sel);

		status_add_cause(st, "FieldValueInvalid", "spec.selector",
				 "Invalid value: %s: field is immutable", txt);
		free(txt);
	}
}

static void template_defaults(cJSON *obj)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	cJSON *tpl = spec ? cJSON_GetObjectItemCaseSensitive(spec, "template") : NULL;

	if (tpl) {
		strategy_child_obj(tpl, "metadata");
		strategy_pod_defaults(cJSON_GetObjectItemCaseSensitive(tpl, "spec"));
	}
}

static int workload_common(cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec");

	check_selector(obj, old, st);
	check_containers(json_get(obj, "spec.template.spec"), "spec.template.spec", st);
	if (st->causes)
		return -1;
	strategy_def_num(spec, "replicas", 1);
	strategy_def_num(spec, "revisionHistoryLimit", 10);
	template_defaults(obj);
	if (!old)
		strategy_child_obj(obj, "status");
	return 0;
}

static int deployments(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *strat, *ru;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = strategy_child_obj(obj, "spec");
	strategy_def_num(spec, "progressDeadlineSeconds", 600);
	strat = strategy_child_obj(spec, "strategy");
	strategy_def_str(strat, "type", "RollingUpdate");
	if (strcmp(json_str(strat, "type", ""), "RollingUpdate") == 0) {
		ru = strategy_child_obj(strat, "rollingUpdate");
		strategy_def_str(ru, "maxUnavailable", "25%");
		strategy_def_str(ru, "maxSurge", "25%");
	}
	return 0;
}

static int statefulsets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *us, *pol;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = strategy_child_obj(obj, "spec");
	strategy_def_str(spec, "podManagementPolicy", "OrderedReady");
	us = strategy_child_obj(spec, "updateStrategy");
	strategy_def_str(us, "type", "RollingUpdate");
	if (strcmp(json_str(us, "type", ""), "RollingUpdate") == 0)
		strategy_def_num(strategy_child_obj(us, "rollingUpdate"), "partition", 0);
	pol = strategy_child_obj(spec, "persistentVolumeClaimRetentionPolicy");
	strategy_def_str(pol, "whenDeleted", "Retain");
	strategy_def_str(pol, "whenScaled", "Retain");
	return 0;
}

static int replicasets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(strategy_child_obj(obj, "spec"), "revisionHistoryLimit");
	return 0;
}

static int daemonsets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *us;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = strategy_child_obj(obj, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	us = strategy_child_obj(spec, "updateStrategy");
	strategy_def_str(us, "type", "RollingUpdate");
	return 0;
}

static int jobs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec"), *tpl, *md, *labels, *sel, *ml;
	const char *uid = json_str(obj, "metadata.uid", "");
	char fresh[37];

	(void)s;
	check_containers(json_get(obj, "spec.template.spec"), "spec.template.spec", st);
	if (!old && !json_bool(spec, "manualSelector", false) && !json_get(spec, "selector")) {
		/* the apiserver generates the selector from the job's uid */
		if (!*uid) {
			str_random_uuid(fresh);
			uid = fresh;
			json_set_path(obj, "metadata.uid", cJSON_CreateString(uid));
		}
		tpl = strategy_child_obj(spec, "template");
		md = strategy_child_obj(tpl, "metadata");
		labels = strategy_child_obj(md, "labels");
		strategy_def_str(labels, "batch.kubernetes.io/controller-uid", uid);
		strategy_def_str(labels, "batch.kubernetes.io/job-name", strategy_name_of(obj));
		strategy_def_str(labels, "controller-uid", uid);
		strategy_def_str(labels, "job-name", strategy_name_of(obj));
		sel = strategy_child_obj(spec, "selector");
		ml = strategy_child_obj(sel, "matchLabels");
		strategy_def_str(ml, "batch.kubernetes.io/controller-uid", uid);
	}
	if (old && json_get(old, "spec.template") &&
	    !cJSON_Compare(json_get(obj, "spec.template"), json_get(old, "spec.template"), 1))
		status_add_cause(st, "FieldValueInvalid", "spec.template",
				 "Invalid value: \"...\": field is immutable");
	if (st->causes)
		return -1;
	strategy_def_num(spec, "parallelism", 1);
	strategy_def_num(spec, "completions", json_int(spec, "parallelism", 1) ? 1 : 0);
	strategy_def_num(spec, "backoffLimit", 6);
	strategy_def_str(spec, "completionMode", "NonIndexed");
	strategy_def_bool(spec, "suspend", false);
	strategy_def_str(spec, "podReplacementPolicy", "TerminatingOrFailed");
	tpl = strategy_child_obj(spec, "template");
	strategy_def_str(strategy_child_obj(tpl, "spec"), "restartPolicy", "Never");
	strategy_pod_defaults(cJSON_GetObjectItemCaseSensitive(tpl, "spec"));
	if (!old)
		strategy_child_obj(obj, "status");
	return 0;
}

static int cronjobs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec");

	(void)s;
	(void)old;
	if (!*json_str(spec, "schedule", ""))
		status_add_cause(st, "FieldValueRequired", "spec.schedule", "Required value");
	check_containers(json_get(spec, "jobTemplate.spec.template.spec"),
			 "spec.jobTemplate.spec.template.spec", st);
	if (st->causes)
		return -1;
	strategy_def_str(spec, "concurrencyPolicy", "Allow");
	strategy_def_bool(spec, "suspend", false);
	strategy_def_num(spec, "successfulJobsHistoryLimit", 3);
	strategy_def_num(spec, "failedJobsHistoryLimit", 1);
	return 0;
}

struct strategy {
	const char *group, *resource;
	int (*fn)(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
};

static const struct strategy strategies[] = {
	{ "", "pods", pods },
	{ "", "services", strategy_services },
	{ "", "secrets", strategy_secrets },
	{ "", "configmaps", strategy_configmaps },
	{ "", "namespaces", strategy_namespaces },
	{ "", "persistentvolumeclaims", strategy_pvcs },
	{ "", "resourcequotas", strategy_quotas },
	{ "", "events", strategy_events_v1 },
	{ "apps", "deployments", deployments },
	{ "apps", "statefulsets", statefulsets },
	{ "apps", "replicasets", replicasets },
	{ "apps", "daemonsets", daemonsets },
	{ "batch", "jobs", jobs },
	{ "batch", "cronjobs", cronjobs },
	{ "networking.k8s.io", "networkpolicies", strategy_netpols },
	{ "apiextensions.k8s.io", "customresourcedefinitions", strategy_crds },
};

int strategy_prepare(struct store *s, const struct kind *k, cJSON *obj, const cJSON *old,
		     struct status *st)
{
	size_t i;

	for (i = 0; i < DL_ARRAY_LEN(strategies); i++)
		if (strcmp(strategies[i].group, k->group) == 0 &&
		    strcmp(strategies[i].resource, k->resource) == 0)
			return strategies[i].fn(s, obj, old, st);
	return 0;
}
