/*
 * controllers.c: the workload controllers of the simulated cluster (sim.h):
 * the ReplicaSet and Job controllers, the pass that runs every controller
 * (Deployments in simdeploy.c, StatefulSets in simsts.c, DaemonSets in
 * simdaemon.c, CronJobs in simcronjob.c), and what they share.
 *
 * Each reconcile reads the store and writes only differences: children
 * created or deleted, a scale changed, a status that moved.  Condition
 * times are kept while a condition does not change, so a settled object
 * is never rewritten.  Children carry the controller ownerReference
 * (controller, blockOwnerDeletion), so the garbage collector (gc.c)
 * cascades deletions.  Pods are deleted gracefully (lifecycle.c): a
 * terminating pod no longer counts as a replica, so a ReplicaSet replaces
 * it at once.  What is due later (a pod available after minReadySeconds,
 * a progress deadline, a schedule) asks the pass for a wake-up
 * (sim_wake_at), never a periodic scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "sim-internal.h"

/* ---- what every controller uses ---- */

bool controllers_owned(const cJSON *obj, const char *uid)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, json_get(obj, "metadata.ownerReferences"))
		if (str_eq(json_str(o, "uid", ""), uid) && json_bool(o, "controller", false))
			return true;
	return false;
}

static const cJSON *ready_condition(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.conditions"))
		if (str_eq(json_str(c, "type", ""), "Ready"))
			return c;
	return NULL;
}

bool controllers_pod_ready(const cJSON *pod)
{
	return str_eq(json_str(ready_condition(pod), "status", ""), "True");
}

bool controllers_pod_active(const cJSON *pod)
{
	const char *phase = json_str(pod, "status.phase", "");

	return !json_get(pod, "metadata.deletionTimestamp") && strcmp(phase, "Succeeded") != 0 &&
		strcmp(phase, "Failed") != 0;
}

bool controllers_pod_available(const cJSON *pod, int64_t min_ready, int64_t now, int64_t *when)
{
	time_t since;

	if (!controllers_pod_ready(pod))
		return false;
	if (min_ready <= 0 ||
	    time_parse_rfc3339(json_str(ready_condition(pod), "lastTransitionTime", ""), &since) != 0)
		return true;
	if ((int64_t)since + min_ready <= now)
		return true;
	if (when)
		*when = (int64_t)since + min_ready;
	return false;
}

cJSON *controllers_owner_ref(const cJSON *owner)
{
	cJSON *refs = cJSON_CreateArray(), *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "apiVersion", json_str(owner, "apiVersion", ""));
	cJSON_AddStringToObject(r, "kind", json_str(owner, "kind", ""));
	cJSON_AddStringToObject(r, "name", json_str(owner, "metadata.name", ""));
	cJSON_AddStringToObject(r, "uid", json_str(owner, "metadata.uid", ""));
	cJSON_AddBoolToObject(r, "controller", true);
	cJSON_AddBoolToObject(r, "blockOwnerDeletion", true);
	cJSON_AddItemToArray(refs, r);
	return refs;
}

void controllers_template_hash(const cJSON *tpl, int64_t collisions, char out[16])
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *txt = cJSON_PrintUnformatted(tpl);
	uint32_t h = 2166136261u;
	char dec[16];
	size_t i;

	for (const char *p = txt ? txt : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(txt);
	for (int64_t k = collisions; k > 0; k >>= 8)	/* as ComputeHash adds the collision count */
		h = (h ^ (unsigned char)(k & 0xff)) * 16777619u;
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i < 15; i++)
		out[i] = alpha[(unsigned char)dec[i] % (sizeof(alpha) - 1)];
	out[i] = '\0';
}

void controllers_add_label(cJSON *md, const char *k, const char *v)
{
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");

	if (!labels)
		labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
	cJSON_AddStringToObject(labels, k, v);
}

cJSON *controllers_pod_from(const cJSON *owner, const cJSON *tpl, const char *name, const char *gen)
{
	cJSON *pod = cJSON_CreateObject(), *md;
	const cJSON *tmd = json_get(tpl, "metadata"), *x;

	cJSON_AddStringToObject(pod, "apiVersion", "v1");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	md = cJSON_AddObjectToObject(pod, "metadata");
	if (name)
		cJSON_AddStringToObject(md, "name", name);
	else
		cJSON_AddStringToObject(md, "generateName", gen);
	cJSON_AddStringToObject(md, "namespace", json_str(owner, "metadata.namespace", "default"));
	if ((x = json_get(tmd, "labels")))
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(x, true));
	if ((x = json_get(tmd, "annotations")))
		cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(x, true));
	cJSON_AddItemToObject(md, "ownerReferences", controllers_owner_ref(owner));
	cJSON_AddItemToObject(pod, "spec", cJSON_Duplicate(json_get(tpl, "spec"), true));
	return pod;
}

int controllers_create(struct sim *c, const cJSON *owner, const struct kind *k, const char *ns,
		       cJSON *obj, const char *manager)
{
	struct status st;
	struct store_write w = { .manager = manager };
	int rc;

	status_init(&st);
	rc = store_create(c->store, k, ns, obj, &w, NULL, &st);
	if (rc != 0 && st.code != 409) {
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "Error creating: %s", st.message ? st.message : "?");
		sim_event(c, owner, "Warning", "FailedCreate", msg.data, manager, NULL, NULL);
		buf_release(&msg);
	}
	status_release(&st);
	return rc;
}

void controllers_delete(struct sim *c, const struct kind *k, const char *ns, const char *name)
{
	struct status st;
	struct store_delete d = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = -1 };
	bool gone;

	status_init(&st);
	store_delete(c->store, k, ns, name, &d, NULL, &gone, &st);
	status_release(&st);
}

int controllers_put(struct sim *c, const struct kind *k, const char *ns, cJSON *obj, const char *manager)
{
	struct store_write w = { .manager = manager };
	struct status st;
	char *name = xstrdup(json_str(obj, "metadata.name", "?"));
	int rc;

	status_init(&st);
	rc = store_update(c->store, k, ns, obj, &w, NULL, &st);
	if (rc != 0)
		log_warn("%s: %s/%s: %s", manager, ns, name, st.message ? st.message : "?");
	free(name);
	status_release(&st);
	return rc;
}

/* keep_times: a condition that did not change keeps its old times */
static void keep_times(cJSON *conds, const cJSON *old)
{
	cJSON *n;
	const cJSON *o;

	cJSON_ArrayForEach(n, conds) {
		cJSON_ArrayForEach(o, old) {
			if (!str_eq(json_str(n, "type", ""), json_str(o, "type", "")))
				continue;
			if (str_eq(json_str(n, "status", ""), json_str(o, "status", "")) &&
			    str_eq(json_str(n, "reason", ""), json_str(o, "reason", "")) &&
			    str_eq(json_str(n, "message", ""), json_str(o, "message", ""))) {
				static const char *const times[] = { "lastTransitionTime", "lastUpdateTime" };

				for (size_t i = 0; i < DL_ARRAY_LEN(times); i++) {
					const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, times[i]);

					if (!cJSON_GetObjectItemCaseSensitive(n, times[i]))
						continue;
					if (i == 1 && json_bool(n, "touched", false))
						continue;	/* progress seen: a new update time */
					cJSON_DeleteItemFromObjectCaseSensitive(n, times[i]);
					if (t)
						cJSON_AddItemToObject(n, times[i], cJSON_Duplicate(t, true));
				}
			} else if (str_eq(json_str(n, "status", ""), json_str(o, "status", ""))) {
				/* same status, new reason: the transition time stays */
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "lastTransitionTime");

				cJSON_DeleteItemFromObjectCaseSensitive(n, "lastTransitionTime");
				if (t)
					cJSON_AddItemToObject(n, "lastTransitionTime", cJSON_Duplicate(t, true));
			}
		}
		cJSON_DeleteItemFromObjectCaseSensitive(n, "touched");
	}
}

cJSON *controllers_condition(const char *type, const char *status, const char *reason, const char *message,
			     const char *now, bool update_time)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	if (update_time)
		cJSON_AddStringToObject(c, "lastUpdateTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	return c;
}

void controllers_put_status(struct sim *c, const struct kind *k, const struct store_obj *o, cJSON *status,
			    const char *manager)
{
	cJSON *obj;
	struct status st;
	struct store_write w = { .manager = manager, .status_only = true };

	keep_times(cJSON_GetObjectItemCaseSensitive(status, "conditions"), json_get(o->obj, "status.conditions"));
	if (cJSON_Compare(status, json_get(o->obj, "status"), true)) {
		cJSON_Delete(status);
		return;
	}
	obj = store_obj_copy(o);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	cJSON_AddItemToObject(obj, "status", status);
	/* the controller owns the status: whatever the pass wrote before */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
						"resourceVersion");
	status_init(&st);
	if (store_update(c->store, k, o->ns, obj, &w, NULL, &st) != 0)
		log_warn("%s: status of %s/%s: %s", manager, o->ns, o->name, st.message ? st.message : "?");
	status_release(&st);
}

void controllers_num(cJSON *o, const char *k, int64_t v, bool omit_zero)
{
	if (v || !omit_zero)
		cJSON_AddNumberToObject(o, k, (double)v);
}

int64_t controllers_ordinal(const char *owner, const char *pod)
{
	size_t n = strlen(owner);
	int64_t v;

	if (strncmp(pod, owner, n) != 0 || pod[n] != '-' || str_parse_i64(pod + n + 1, &v) != 0 || v < 0)
		return -1;
	return v;
}

int64_t controllers_int_or_percent(const cJSON *v, int64_t total, bool round_up, int64_t def)
{
	int64_t pct;
	size_t n;

	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	if (!cJSON_IsString(v) || !(n = strlen(v->valuestring)) || v->valuestring[n - 1] != '%')
		return def;
	{
		char *num = xstrndup(v->valuestring, n - 1);
		int rc = str_parse_i64(num, &pct);

		free(num);
		if (rc != 0)
			return def;
	}
	return round_up ? (pct * total + 99) / 100 : pct * total / 100;
}

/* ---- ReplicaSet ---- */

struct ranked {
	const struct store_obj *o;
	int key[4];
	const char *created;
};

/* rank_cmp: the pods to delete first come first, as controller.ActivePods
 * sorts them: unscheduled, pending, not ready, more restarts, newer */
static int rank_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	for (int i = 0; i < 4; i++)
		if (x->key[i] != y->key[i])
			return x->key[i] < y->key[i] ? -1 : 1;
	return -strcmp(x->created, y->created);
}

static void replicaset(struct sim *c, const struct store_obj *rs, const struct store_obj *const *pods,
		       size_t np)
{
	const cJSON *o = rs->obj;
	int64_t want = json_int(o, "spec.replicas", 1), min_ready = json_int(o, "spec.minReadySeconds", 0);
	int64_t now = sim_unix(c), ready = 0, avail = 0, live = 0;
	const char *uid = json_str(o, "metadata.uid", "");
	struct ranked *v = xcalloc(np + 1, sizeof(*v));
	cJSON *status;

	for (size_t i = 0; i < np; i++) {
		const cJSON *p = pods[i]->obj;
		int64_t when = 0;

		if (!controllers_pod_active(p) || !controllers_owned(p, uid))
			continue;
		v[live].o = pods[i];
		v[live].key[0] = *json_str(p, "spec.nodeName", "") ? 1 : 0;
		v[live].key[1] = str_eq(json_str(p, "status.phase", ""), "Running") ? 1 : 0;
		v[live].key[2] = controllers_pod_ready(p) ? 1 : 0;
		v[live].key[3] = -(int)json_int(p, "status.containerStatuses.0.restartCount", 0);
		v[live].created = json_str(p, "metadata.creationTimestamp", "");
		live++;
		if (controllers_pod_ready(p))
			ready++;
		if (controllers_pod_available(p, min_ready, now, &when))
			avail++;
		else if (when)
			sim_wake_at(c, when * 1000);
	}
	if (live < want) {
		char gen[300];

		snprintf(gen, sizeof(gen), "%.240s-", rs->name);
		for (int64_t i = live; i < want; i++)
			if (controllers_create(c, o, c->k_pods, rs->ns,
					       controllers_pod_from(o, json_get(o, "spec.template"), NULL, gen),
					       "replicaset-controller") != 0)
				break;
	} else if (live > want) {
		qsort(v, (size_t)live, sizeof(*v), rank_cmp);
		for (int64_t i = 0; i < live - want; i++)
			controllers_delete(c, c->k_pods, v[i].o->ns, v[i].o->name);
	}
	free(v);
	status = cJSON_CreateObject();
	controllers_num(status, "replicas", live, false);
	controllers_num(status, "fullyLabeledReplicas", live, true);
	controllers_num(status, "readyReplicas", ready, true);
	controllers_num(status, "availableReplicas", avail, true);
	controllers_num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	controllers_put_status(c, c->k_rs, rs, status, "replicaset-controller");
}

/* ---- Job ---- */

static void job(struct sim *c, const struct store_obj *j, const struct store_obj *const *pods, size_t np)
{
	const cJSON *o = j->obj;
	const char *uid = json_str(o, "metadata.uid", "");
	int64_t completions = json_int(o, "spec.completions", 1), parallel = json_int(o, "spec.parallelism", 1);
	int64_t backoff = json_int(o, "spec.backoffLimit", 6);
	int64_t live = 0, ready = 0, succeeded = 0, failed_pods = 0, terminating = 0;
	const char *now = store_now(c->store);
	cJSON *status, *conds;
	bool complete, failed;

	for (size_t i = 0; i < np; i++) {
		const cJSON *p = pods[i]->obj;
		const char *phase = json_str(p, "status.phase", "");

		if (!controllers_owned(p, uid))
			continue;
		if (strcmp(phase, "Succeeded") == 0)
			succeeded++;
		else if (strcmp(phase, "Failed") == 0)
			failed_pods++;
		else if (json_get(p, "metadata.deletionTimestamp"))
			terminating++;
		else {
			live++;
			if (controllers_pod_ready(p))
				ready++;
		}
	}
	complete = succeeded >= completions;
	failed = failed_pods > backoff;
	if (!complete && !failed && !json_bool(o, "spec.suspend", false)) {
		char gen[300];

		snprintf(gen, sizeof(gen), "%.240s-", j->name);
		for (int64_t a = live; a < parallel && succeeded + a < completions; a++) {
			cJSON *pod = controllers_pod_from(o, json_get(o, "spec.template"), NULL, gen);
			cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");

			controllers_add_label(md, "batch.kubernetes.io/controller-uid", uid);
			controllers_add_label(md, "batch.kubernetes.io/job-name", j->name);
			controllers_add_label(md, "controller-uid", uid);
			controllers_add_label(md, "job-name", j->name);
			if (controllers_create(c, o, c->k_pods, j->ns, pod, "job-controller") != 0)
				break;
		}
	}
	status = cJSON_CreateObject();
	if (json_get(o, "status.startTime"))
		cJSON_AddItemToObject(status, "startTime", cJSON_Duplicate(json_get(o, "status.startTime"), true));
	else
		cJSON_AddStringToObject(status, "startTime", now);
	controllers_num(status, "active", live, true);
	controllers_num(status, "succeeded", succeeded, true);
	controllers_num(status, "failed", failed_pods, true);
	controllers_num(status, "ready", ready, false);
	controllers_num(status, "terminating", terminating, false);
	cJSON_AddObjectToObject(status, "uncountedTerminatedPods");
	if (complete || failed) {
		conds = cJSON_AddArrayToObject(status, "conditions");
		if (complete) {
			cJSON_AddItemToArray(conds, controllers_condition("SuccessCriteriaMet", "True",
				"CompletionsReached", "Reached expected number of succeeded pods", now, false));
			cJSON_AddItemToArray(conds, controllers_condition("Complete", "True", "CompletionsReached",
				"Reached expected number of succeeded pods", now, false));
			if (json_get(o, "status.completionTime"))
				cJSON_AddItemToObject(status, "completionTime",
						      cJSON_Duplicate(json_get(o, "status.completionTime"), true));
			else
				cJSON_AddStringToObject(status, "completionTime", now);
		} else {
			cJSON_AddItemToArray(conds, controllers_condition("FailureTarget", "True",
				"BackoffLimitExceeded", "Job has reached the specified backoff limit", now, false));
			cJSON_AddItemToArray(conds, controllers_condition("Failed", "True", "BackoffLimitExceeded",
				"Job has reached the specified backoff limit", now, false));
		}
		/* the conditions' own probe times, as the job controller writes them */
		{
			cJSON *x;

			cJSON_ArrayForEach(x, conds)
				cJSON_AddStringToObject(x, "lastProbeTime", json_str(x, "lastTransitionTime", now));
		}
	}
	controllers_put_status(c, c->k_jobs, j, status, "job-controller");
}

/* each: fn over the live objects of k */
static void each(struct sim *c, const struct kind *k,
		 void (*fn)(struct sim *c, const struct store_obj *o, void *arg), void *arg)
{
	size_t n;
	const struct store_obj **objs;

	if (!k)
		return;
	objs = sim_list(c, k, NULL, &n);
	for (size_t i = 0; i < n; i++)
		if (!json_get(objs[i]->obj, "metadata.deletionTimestamp"))
			fn(c, objs[i], arg);
	store_snapshot_free(objs);
}

struct all {
	const struct store_obj **pods, **nodes;
	size_t np, nn;
};

/* ---- pods by controller: one sort per pass, not one scan per owner ---- */

struct kid {
	const char *owner;	/* the controller's uid */
	const struct store_obj *o;
};

static const char *controller_uid(const cJSON *obj)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, json_get(obj, "metadata.ownerReferences"))
		if (json_bool(o, "controller", false))
			return json_str(o, "uid", NULL);
	return NULL;
}

static int kid_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kid *)a)->owner, ((const struct kid *)b)->owner);
}

static void index_kids(struct sim *c, const struct store_obj *const *pods, size_t np)
{
	c->kids = xcalloc(np + 1, sizeof(*c->kids));
	c->nkids = 0;
	for (size_t i = 0; i < np; i++) {
		const char *u = controller_uid(pods[i]->obj);

		if (u) {
			c->kids[c->nkids].owner = u;
			c->kids[c->nkids++].o = pods[i];
		}
	}
	qsort(c->kids, c->nkids, sizeof(*c->kids), kid_cmp);
}

const struct store_obj **controllers_children(struct sim *c, const char *uid, size_t *n)
{
	size_t lo = 0, hi = c->nkids, first;
	const struct store_obj **v;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->kids[mid].owner, uid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < c->nkids && strcmp(c->kids[lo].owner, uid) == 0)
		lo++;
	*n = lo - first;
	v = xcalloc(*n + 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = c->kids[first + i].o;
	return v;
}

static void one_deploy(struct sim *c, const struct store_obj *o, void *arg)
{
	struct all *a = arg;
	size_t nrs;
	const struct store_obj **rss = sim_list(c, c->k_rs, o->ns, &nrs);

	(void)a;
	simdeploy_reconcile(c, o, rss, nrs);
	store_snapshot_free(rss);
}

static void one_rs(struct sim *c, const struct store_obj *o, void *arg)
{
	size_t n;
	const struct store_obj **kids = controllers_children(c, json_str(o->obj, "metadata.uid", ""), &n);

	(void)arg;
	replicaset(c, o, kids, n);
	free(kids);
}

static void one_sts(struct sim *c, const struct store_obj *o, void *arg)
{
	size_t n;
	const struct store_obj **kids = controllers_children(c, json_str(o->obj, "metadata.uid", ""), &n);

	(void)arg;
	simsts_reconcile(c, o, kids, n);
	free(kids);
}

static void one_ds(struct sim *c, const struct store_obj *o, void *arg)
{
	struct all *a = arg;
	size_t n;
	const struct store_obj **kids = controllers_children(c, json_str(o->obj, "metadata.uid", ""), &n);

	simdaemon_reconcile(c, o, a->nodes, a->nn, kids, n);
	free(kids);
}

static void one_job(struct sim *c, const struct store_obj *o, void *arg)
{
	size_t n;
	const struct store_obj **kids = controllers_children(c, json_str(o->obj, "metadata.uid", ""), &n);

	(void)arg;
	job(c, o, kids, n);
	free(kids);
}

static void one_cj(struct sim *c, const struct store_obj *o, void *arg)
{
	size_t nj;
	const struct store_obj **jobs = sim_list(c, c->k_jobs, o->ns, &nj);

	(void)arg;
	simcronjob_reconcile(c, o, jobs, nj);
	store_snapshot_free(jobs);
}

void controllers_reconcile(struct sim *c)
{
	struct all a;

	/* owners before what they own: each reconcile sees what the one
	 * before it made in this same pass */
	if (c->k_cj && c->k_jobs)
		each(c, c->k_cj, one_cj, NULL);
	a.pods = sim_list(c, c->k_pods, NULL, &a.np);
	a.nodes = sim_list(c, c->k_nodes, NULL, &a.nn);
	index_kids(c, a.pods, a.np);
	if (c->k_deploy && c->k_rs)
		each(c, c->k_deploy, one_deploy, &a);
	each(c, c->k_rs, one_rs, &a);
	each(c, c->k_sts, one_sts, &a);
	each(c, c->k_ds, one_ds, &a);
	each(c, c->k_jobs, one_job, &a);
	free(c->kids);
	c->kids = NULL;
	c->nkids = 0;
	store_snapshot_free(a.pods);
	store_snapshot_free(a.nodes);
}
