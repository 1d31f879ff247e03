/*
 * simdaemon.c: the DaemonSet controller (sim-internal.h), after
 * k8s.io/kubernetes pkg/controller/daemon.
 *
 * A node should run the daemon pod when the template's nodeSelector and
 * required node affinity accept it and the pod, with the tolerations the
 * controller adds to every daemon pod (not-ready, unreachable, the
 * pressure taints, unschedulable), tolerates its NoSchedule and NoExecute
 * taints.  Each such node gets one pod, pinned by a required node
 * affinity on metadata.name and placed by the scheduler like any pod;
 * extra pods, pods on nodes that should not run one, and Failed pods are
 * deleted.
 *
 * RollingUpdate (maxUnavailable, default 1): pods whose
 * controller-revision-hash is not the update revision's are deleted, the
 * unavailable ones first, while no more than maxUnavailable nodes lack an
 * available pod; a node left without a pod gets one at the update
 * revision.  OnDelete waits for the user to delete old pods.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/scheduler.h"
#include "sim-internal.h"

#define MANAGER "daemonset-controller"

/* the tolerations added to every daemon pod, as AddOrUpdateDaemonPodTolerations */
static const struct {
	const char *key, *effect;
} daemon_tolerations[] = {
	{ "node.kubernetes.io/not-ready", "NoExecute" },
	{ "node.kubernetes.io/unreachable", "NoExecute" },
	{ "node.kubernetes.io/disk-pressure", "NoSchedule" },
	{ "node.kubernetes.io/memory-pressure", "NoSchedule" },
	{ "node.kubernetes.io/pid-pressure", "NoSchedule" },
	{ "node.kubernetes.io/unschedulable", "NoSchedule" },
};

static void add_tolerations(cJSON *spec)
{
	cJSON *tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");

	if (!cJSON_IsArray(tols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "tolerations");
		tols = cJSON_AddArrayToObject(spec, "tolerations");
	}
	for (size_t i = 0; i < DL_ARRAY_LEN(daemon_tolerations); i++) {
		const cJSON *t;
		bool have = false;
		cJSON *n;

		cJSON_ArrayForEach(t, tols)
			have = have || (str_eq(json_str(t, "key", ""), daemon_tolerations[i].key) &&
					str_eq(json_str(t, "effect", ""), daemon_tolerations[i].effect));
		if (have)
			continue;
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "key", daemon_tolerations[i].key);
		cJSON_AddStringToObject(n, "operator", "Exists");
		cJSON_AddStringToObject(n, "effect", daemon_tolerations[i].effect);
		cJSON_AddItemToArray(tols, n);
	}
}

/* pin: the pod's required node affinity is this node's name alone */
static void pin(cJSON *spec, const char *node)
{
	cJSON *aff = cJSON_GetObjectItemCaseSensitive(spec, "affinity"), *na, *req, *terms, *term, *mf, *r, *vals;

	if (!cJSON_IsObject(aff)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "affinity");
		aff = cJSON_AddObjectToObject(spec, "affinity");
	}
	na = cJSON_GetObjectItemCaseSensitive(aff, "nodeAffinity");
	if (!cJSON_IsObject(na)) {
		cJSON_DeleteItemFromObjectCaseSensitive(aff, "nodeAffinity");
		na = cJSON_AddObjectToObject(aff, "nodeAffinity");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(na, "requiredDuringSchedulingIgnoredDuringExecution");
	req = cJSON_AddObjectToObject(na, "requiredDuringSchedulingIgnoredDuringExecution");
	terms = cJSON_AddArrayToObject(req, "nodeSelectorTerms");
	term = cJSON_CreateObject();
	mf = cJSON_AddArrayToObject(term, "matchFields");
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "key", "metadata.name");
	cJSON_AddStringToObject(r, "operator", "In");
	vals = cJSON_AddArrayToObject(r, "values");
	cJSON_AddItemToArray(vals, cJSON_CreateString(node));
	cJSON_AddItemToArray(mf, r);
	cJSON_AddItemToArray(terms, term);
}

/* target: the node a daemon pod is for: its node, or the one it is pinned to */
static const char *target(const cJSON *pod)
{
	const char *node = json_str(pod, "spec.nodeName", "");
	const cJSON *t;

	if (*node)
		return node;
	cJSON_ArrayForEach(t, json_get(pod, "spec.affinity.nodeAffinity."
				       "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")) {
		const cJSON *r;

		cJSON_ArrayForEach(r, json_get(t, "matchFields"))
			if (str_eq(json_str(r, "key", ""), "metadata.name"))
				return json_str(r, "values.0", "");
	}
	return "";
}

static const char *hash_of(const cJSON *pod)
{
	const cJSON *v = json_get_key(json_get(pod, "metadata.labels"), "controller-revision-hash");

	return cJSON_IsString(v) ? v->valuestring : "";
}

struct slot {
	const struct store_obj *node;
	bool should;		/* the node should run the daemon pod */
	const struct store_obj *pods[4];	/* live pods for it (the first few) */
	size_t n;
	bool terminating;	/* a pod for it is going */
};

static void make_pod(struct sim *c, const struct store_obj *ds, const cJSON *tpl, const char *node,
		     const struct simrev *rev)
{
	const cJSON *o = ds->obj;
	char gen[300], g[32];
	cJSON *pod, *md, *spec;

	snprintf(gen, sizeof(gen), "%.240s-", ds->name);
	pod = controllers_pod_from(o, tpl, NULL, gen);
	md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	if (!spec)
		spec = cJSON_AddObjectToObject(pod, "spec");
	controllers_add_label(md, "controller-revision-hash", rev->hash);
	snprintf(g, sizeof(g), "%lld", (long long)json_int(o, "metadata.generation", 1));
	controllers_add_label(md, "pod-template-generation", g);
	pin(spec, node);
	controllers_create(c, o, c->k_pods, ds->ns, pod, MANAGER);
}

static void delete_pod(struct sim *c, const struct store_obj *ds, const struct store_obj *p)
{
	char msg[700];

	controllers_delete(c, c->k_pods, p->ns, p->name);
	snprintf(msg, sizeof(msg), "Deleted pod: %s", p->name);
	sim_event(c, ds->obj, "Normal", "SuccessfulDelete", msg, MANAGER, NULL, NULL);
}

void simdaemon_reconcile(struct sim *c, const struct store_obj *ds, const struct store_obj *const *nodes,
			 size_t nn, const struct store_obj *const *pods, size_t np)
{
	const cJSON *o = ds->obj;
	const char *uid = json_str(o, "metadata.uid", "");
	int64_t min_ready = json_int(o, "spec.minReadySeconds", 0), now = sim_unix(c);
	int64_t desired = 0, current = 0, missched = 0, ready = 0, avail = 0, updated = 0, unavailable = 0;
	bool rolling = str_eq(json_str(o, "spec.updateStrategy.type", "RollingUpdate"), "RollingUpdate");
	struct slot *slots = xcalloc(nn + 1, sizeof(*slots));
	cJSON *probe = cJSON_Duplicate(json_get(o, "spec.template"), true), *status;
	struct simrev rev;
	int64_t max_unavail;

	simrev_sync(c, ds, &rev);
	if (!probe)
		probe = cJSON_CreateObject();
	if (!cJSON_GetObjectItemCaseSensitive(probe, "spec"))
		cJSON_AddObjectToObject(probe, "spec");
	add_tolerations(cJSON_GetObjectItemCaseSensitive(probe, "spec"));
	for (size_t i = 0; i < nn; i++) {
		slots[i].node = nodes[i];
		slots[i].should = scheduler_node_matches(probe, nodes[i]->obj) &&
			scheduler_tolerates_node(probe, nodes[i]->obj);
		desired += slots[i].should;
	}
	for (size_t p = 0; p < np; p++) {
		const cJSON *pod = pods[p]->obj;
		const char *node;
		size_t i;

		if (!controllers_owned(pod, uid))
			continue;
		node = target(pod);
		for (i = 0; i < nn && !str_eq(nodes[i]->name, node); i++)
			;
		if (json_get(pod, "metadata.deletionTimestamp")) {
			if (i < nn)
				slots[i].terminating = true;
			continue;
		}
		if (str_eq(json_str(pod, "status.phase", ""), "Failed") || i == nn) {
			delete_pod(c, ds, pods[p]);	/* failed, or for a node that is gone */
			continue;
		}
		if (slots[i].n < DL_ARRAY_LEN(slots[i].pods))
			slots[i].pods[slots[i].n] = pods[p];
		slots[i].n++;
	}
	max_unavail = controllers_int_or_percent(json_get(o, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
						 desired, true, 1);
	if (max_unavail < 1)
		max_unavail = 1;
	for (size_t i = 0; i < nn; i++) {
		struct slot *s = &slots[i];

		if (!s->should) {
			for (size_t k = 0; k < s->n && k < DL_ARRAY_LEN(s->pods); k++)
				delete_pod(c, ds, s->pods[k]);
			missched += s->n > 0;
			continue;
		}
		if (s->n == 0) {
			make_pod(c, ds, probe, s->node->name, &rev);
			unavailable++;
			continue;
		}
		for (size_t k = 1; k < s->n && k < DL_ARRAY_LEN(s->pods); k++)
			delete_pod(c, ds, s->pods[k]);	/* one per node */
		if (*json_str(s->pods[0]->obj, "spec.nodeName", ""))
			current++;
		if (controllers_pod_ready(s->pods[0]->obj))
			ready++;
		{
			int64_t when = 0;

			if (controllers_pod_available(s->pods[0]->obj, min_ready, now, &when))
				avail++;
			else {
				unavailable++;
				if (when)
					sim_wake_at(c, when * 1000);
			}
		}
		if (str_eq(hash_of(s->pods[0]->obj), rev.hash))
			updated++;
	}
	/* rolling update: old pods go while few enough nodes are unavailable,
	 * the unavailable old ones first */
	if (rolling) {
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < nn; i++) {
				struct slot *s = &slots[i];
				const cJSON *pod = s->n ? s->pods[0]->obj : NULL;
				bool up;

				if (!s->should || !pod || str_eq(hash_of(pod), rev.hash))
					continue;
				up = controllers_pod_available(pod, min_ready, now, NULL);
				if (pass == 0 && !up) {
					delete_pod(c, ds, s->pods[0]);
					s->n = 0;
				} else if (pass == 1 && up && unavailable < max_unavail) {
					delete_pod(c, ds, s->pods[0]);
					s->n = 0;
					unavailable++;
				}
			}
	}
	{
		/* revisions in use: the update one, and each live pod's */
		char **in_use = xcalloc(nn + 2, sizeof(*in_use));
		size_t k = 0;

		in_use[k++] = xstrdup(rev.name);
		for (size_t i = 0; i < nn; i++)
			if (slots[i].n)
				in_use[k++] = xasprintf("%s-%s", ds->name, hash_of(slots[i].pods[0]->obj));
		simrev_cleanup(c, ds, (const char *const *)in_use);
		str_free_list(in_use);
	}
	status = cJSON_CreateObject();
	controllers_num(status, "currentNumberScheduled", current, false);
	controllers_num(status, "numberMisscheduled", missched, false);
	controllers_num(status, "desiredNumberScheduled", desired, false);
	controllers_num(status, "numberReady", ready, false);
	controllers_num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	controllers_num(status, "updatedNumberScheduled", updated, true);
	controllers_num(status, "numberAvailable", avail, true);
	controllers_num(status, "numberUnavailable", desired > avail ? desired - avail : 0, true);
	cJSON_Delete(probe);
	free(slots);
	controllers_put_status(c, c->k_ds, ds, status, MANAGER);
}
