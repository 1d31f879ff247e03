/*
 * controllers.c: the workload controllers of the simulated cluster
 * (sim.h): Deployment → ReplicaSet → Pods, StatefulSet → Pods (ordinal
 * names, PersistentVolumeClaims from volumeClaimTemplates), Job → Pods.
 *
 * Each reconcile reads the store and writes only differences: children
 * created or deleted, a scale changed, a status that moved.  Condition
 * times are kept while a condition does not change, so a settled object
 * is never rewritten.  Children carry the controller ownerReference
 * (controller, blockOwnerDeletion), so the garbage collector (gc.c)
 * cascades deletions.  A Deployment rolls out at once (the new
 * ReplicaSet scaled up, the old ones to 0); a StatefulSet with the
 * default OrderedReady policy creates ordinal n once n-1 is Ready and
 * removes the highest ordinal first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/selector.h"
#include "sim-internal.h"

/* ---- helpers ---- */

static bool owned(const cJSON *obj, const char *uid)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, json_get(obj, "metadata.ownerReferences"))
		if (str_eq(json_str(o, "uid", ""), uid) && json_bool(o, "controller", false))
			return true;
	return false;
}

static bool pod_ready(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.conditions"))
		if (str_eq(json_str(c, "type", ""), "Ready"))
			return str_eq(json_str(c, "status", ""), "True");
	return false;
}

static bool pod_gone(const cJSON *pod)
{
	const char *phase = json_str(pod, "status.phase", "");

	return json_get(pod, "metadata.deletionTimestamp") || strcmp(phase, "Succeeded") == 0 ||
		strcmp(phase, "Failed") == 0;
}

static cJSON *owner_ref(const cJSON *owner)
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

/* template_hash: FNV-32a of the template, its decimal digits through
 * apimachinery's SafeEncodeString alphabet, as pod-template-hash looks */
static void template_hash(const cJSON *tpl, char out[16])
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *txt = cJSON_PrintUnformatted(tpl);
	uint32_t h = 2166136261u;
	char dec[16];
	size_t i;

	for (const char *p = txt ? txt : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(txt);
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i < 15; i++)
		out[i] = alpha[(unsigned char)dec[i] % (sizeof(alpha) - 1)];
	out[i] = '\0';
}

static void add_label(cJSON *md, const char *k, const char *v)
{
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");

	if (!labels)
		labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
	cJSON_AddStringToObject(labels, k, v);
}

/* pod_from: a Pod of template tpl owned by owner; name, or generateName prefix */
static cJSON *pod_from(const cJSON *owner, const cJSON *tpl, const char *name, const char *gen)
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
	cJSON_AddItemToObject(md, "ownerReferences", owner_ref(owner));
	cJSON_AddItemToObject(pod, "spec", cJSON_Duplicate(json_get(tpl, "spec"), true));
	return pod;
}

/* create: a child of owner; a refusal (a quota's 403) is a FailedCreate
 * event on the owner, as the controllers report it */
static void create(struct sim *c, const cJSON *owner, const struct kind *k, const char *ns,
		   cJSON *obj, const char *manager)
{
	struct status st;
	struct store_write w = { .manager = manager };

	status_init(&st);
	if (store_create(c->store, k, ns, obj, &w, NULL, &st) != 0 && st.code != 409) {
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "Error creating: %s", st.message ? st.message : "?");
		sim_event(c, owner, "Warning", "FailedCreate", msg.data, manager, NULL, NULL);
		buf_release(&msg);
	}
	status_release(&st);
}

static void delete_obj(struct sim *c, const struct kind *k, const char *ns, const char *name)
{
	struct status st;
	struct store_delete d = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = -1 };
	bool gone;

	status_init(&st);
	store_delete(c->store, k, ns, name, &d, NULL, &gone, &st);
	status_release(&st);
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

					cJSON_DeleteItemFromObjectCaseSensitive(n, times[i]);
					if (t)
						cJSON_AddItemToObject(n, times[i], cJSON_Duplicate(t, true));
				}
			}
		}
	}
}

static cJSON *condition(const char *type, const char *status, const char *reason, const char *message,
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

/* put_status: writes status (taken) when it differs from the stored one */
static void put_status(struct sim *c, const struct kind *k, const struct store_obj *o, cJSON *status,
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
	status_init(&st);
	if (store_update(c->store, k, o->ns, obj, &w, NULL, &st) != 0)
		log_warn("%s: status of %s/%s: %s", manager, o->ns, o->name, st.message ? st.message : "?");
	status_release(&st);
}

static void num(cJSON *o, const char *k, int64_t v, bool omit_zero)
{
	if (v || !omit_zero)
		cJSON_AddNumberToObject(o, k, (double)v);
}

struct podset {
	const struct store_obj **v;
	size_t n;
	size_t live, ready, succeeded, failed;
};

static void podset_of(struct sim *c, const struct store_obj *const *pods, size_t np, const char *uid,
		      struct podset *ps)
{
	(void)c;
	memset(ps, 0, sizeof(*ps));
	ps->v = xcalloc(np + 1, sizeof(*ps->v));
	for (size_t i = 0; i < np; i++) {
		const cJSON *p = pods[i]->obj;
		const char *phase = json_str(p, "status.phase", "");

		if (!owned(p, uid))
			continue;
		if (strcmp(phase, "Succeeded") == 0)
			ps->succeeded++;
		else if (strcmp(phase, "Failed") == 0)
			ps->failed++;
		if (pod_gone(p))
			continue;
		ps->v[ps->n++] = pods[i];
		ps->live++;
		if (pod_ready(p))
			ps->ready++;
	}
}

/* ---- ReplicaSet ---- */

static void replicaset(struct sim *c, const struct store_obj *rs, const struct store_obj *const *pods,
		       size_t np)
{
	const cJSON *o = rs->obj;
	int64_t want = json_int(o, "spec.replicas", 1);
	struct podset ps;
	cJSON *status;

	podset_of(c, pods, np, json_str(o, "metadata.uid", ""), &ps);
	if ((int64_t)ps.live < want) {
		char gen[300];

		snprintf(gen, sizeof(gen), "%.240s-", rs->name);
		for (int64_t i = (int64_t)ps.live; i < want; i++)
			create(c, o, c->k_pods, rs->ns, pod_from(o, json_get(o, "spec.template"), NULL, gen),
			       "replicaset-controller");
	} else if ((int64_t)ps.live > want) {
		/* unscheduled first, then not ready, then the newest */
		for (int pass = 0; pass < 3 && (int64_t)ps.live > want; pass++)
			for (size_t i = ps.n; i-- > 0 && (int64_t)ps.live > want;) {
				const cJSON *p = ps.v[i] ? ps.v[i]->obj : NULL;

				if (!p || (pass == 0 && *json_str(p, "spec.nodeName", "")) ||
				    (pass == 1 && pod_ready(p)))
					continue;
				delete_obj(c, c->k_pods, ps.v[i]->ns, ps.v[i]->name);
				ps.v[i] = NULL;
				ps.live--;
			}
	}
	status = cJSON_CreateObject();
	num(status, "replicas", (int64_t)ps.n, false);
	num(status, "fullyLabeledReplicas", (int64_t)ps.n, true);
	num(status, "readyReplicas", (int64_t)ps.ready, true);
	num(status, "availableReplicas", (int64_t)ps.ready, true);
	num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	free(ps.v);
	put_status(c, c->k_rs, rs, status, "replicaset-controller");
}

/* ---- Deployment ---- */

static void deployment(struct sim *c, const struct store_obj *d, const struct store_obj *const *rss,
		       size_t nrs)
{
	const cJSON *o = d->obj;
	const char *uid = json_str(o, "metadata.uid", "");
	int64_t want = json_int(o, "spec.replicas", 1), replicas = 0, ready = 0, avail = 0, updated = 0;
	char hash[16], name[320];
	cJSON *tpl = cJSON_Duplicate(json_get(o, "spec.template"), true), *status, *conds;
	const struct store_obj *cur = NULL;
	int revision = 0;
	const char *now = store_now(c->store);

	template_hash(tpl, hash);
	snprintf(name, sizeof(name), "%.240s-%s", d->name, hash);
	for (size_t i = 0; i < nrs; i++) {
		if (!owned(rss[i]->obj, uid))
			continue;
		revision++;
		if (str_eq(rss[i]->name, name))
			cur = rss[i];
	}
	if (json_bool(o, "spec.paused", false)) {
		cJSON_Delete(tpl);
		return;
	}
	if (!cur) {
		cJSON *rs = cJSON_CreateObject(), *md, *spec, *sel, *ann;
		char rev[16], wantbuf[32];

		cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
		cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
		md = cJSON_AddObjectToObject(rs, "metadata");
		cJSON_AddStringToObject(md, "name", name);
		cJSON_AddStringToObject(md, "namespace", d->ns);
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(json_get(tpl, "metadata.labels"), true));
		add_label(md, "pod-template-hash", hash);
		ann = cJSON_AddObjectToObject(md, "annotations");
		snprintf(wantbuf, sizeof(wantbuf), "%lld", (long long)want);
		cJSON_AddStringToObject(ann, "deployment.kubernetes.io/desired-replicas", wantbuf);
		cJSON_AddStringToObject(ann, "deployment.kubernetes.io/max-replicas", wantbuf);
		snprintf(rev, sizeof(rev), "%d", revision + 1);
		cJSON_AddStringToObject(ann, "deployment.kubernetes.io/revision", rev);
		cJSON_AddItemToObject(md, "ownerReferences", owner_ref(o));
		spec = cJSON_AddObjectToObject(rs, "spec");
		cJSON_AddNumberToObject(spec, "replicas", (double)want);
		if (json_get(o, "spec.minReadySeconds"))
			cJSON_AddNumberToObject(spec, "minReadySeconds", (double)json_int(o, "spec.minReadySeconds", 0));
		sel = cJSON_Duplicate(json_get(o, "spec.selector"), true);
		if (!cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"))
			cJSON_AddObjectToObject(sel, "matchLabels");
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"), "pod-template-hash", hash);
		cJSON_AddItemToObject(spec, "selector", sel);
		{
			cJSON *t = cJSON_Duplicate(tpl, true), *tmd = cJSON_GetObjectItemCaseSensitive(t, "metadata");

			if (!tmd)
				tmd = cJSON_AddObjectToObject(t, "metadata");
			add_label(tmd, "pod-template-hash", hash);
			cJSON_AddItemToObject(spec, "template", t);
		}
		create(c, o, c->k_rs, d->ns, rs, "deployment-controller");
	}
	cJSON_Delete(tpl);
	for (size_t i = 0; i < nrs; i++) {
		const cJSON *rs = rss[i]->obj;
		int64_t target = rss[i] == cur ? want : 0;

		if (!owned(rs, uid))
			continue;
		if (json_int(rs, "spec.replicas", 1) != target) {
			cJSON *copy = store_obj_copy(rss[i]), *spec = cJSON_GetObjectItemCaseSensitive(copy, "spec");
			struct store_write w = { .manager = "deployment-controller" };
			struct status st;

			cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
			cJSON_AddNumberToObject(spec, "replicas", (double)target);
			status_init(&st);
			store_update(c->store, c->k_rs, rss[i]->ns, copy, &w, NULL, &st);
			status_release(&st);
		}
		replicas += json_int(rs, "status.replicas", 0);
		ready += json_int(rs, "status.readyReplicas", 0);
		avail += json_int(rs, "status.availableReplicas", 0);
		if (rss[i] == cur)
			updated = json_int(rs, "status.replicas", 0);
	}
	status = cJSON_CreateObject();
	num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	num(status, "replicas", replicas, true);
	num(status, "updatedReplicas", updated, true);
	num(status, "readyReplicas", ready, true);
	num(status, "availableReplicas", avail, true);
	num(status, "unavailableReplicas", replicas > avail ? replicas - avail : 0, true);
	conds = cJSON_AddArrayToObject(status, "conditions");
	if (avail >= want)
		cJSON_AddItemToArray(conds, condition("Available", "True", "MinimumReplicasAvailable",
						      "Deployment has minimum availability.", now, true));
	else
		cJSON_AddItemToArray(conds, condition("Available", "False", "MinimumReplicasUnavailable",
						      "Deployment does not have minimum availability.", now, true));
	{
		char msg[400];
		bool done = updated == want && avail >= want && replicas == want;

		snprintf(msg, sizeof(msg), done ? "ReplicaSet \"%s\" has successfully progressed." :
			 "ReplicaSet \"%s\" is progressing.", name);
		cJSON_AddItemToArray(conds, condition("Progressing", "True", done ? "NewReplicaSetAvailable" :
						      "ReplicaSetUpdated", msg, now, true));
	}
	put_status(c, c->k_deploy, d, status, "deployment-controller");
}

/* ---- StatefulSet ---- */

static void claims(struct sim *c, const cJSON *sts, const char *ns, const char *name, int64_t ordinal,
		   cJSON *spec)
{
	const cJSON *t;
	cJSON *vols = cJSON_GetObjectItemCaseSensitive(spec, "volumes");

	cJSON_ArrayForEach(t, json_get(sts, "spec.volumeClaimTemplates")) {
		char claim[400];
		cJSON *pvc, *v, *md, *st;
		const char *tname = json_str(t, "metadata.name", "data");

		snprintf(claim, sizeof(claim), "%.120s-%.240s-%lld", tname, name, (long long)ordinal);
		if (c->k_pvc && !store_get(c->store, c->k_pvc, ns, claim)) {
			const cJSON *sel = json_get(sts, "spec.selector.matchLabels");

			pvc = cJSON_CreateObject();
			cJSON_AddStringToObject(pvc, "apiVersion", "v1");
			cJSON_AddStringToObject(pvc, "kind", "PersistentVolumeClaim");
			md = cJSON_AddObjectToObject(pvc, "metadata");
			cJSON_AddStringToObject(md, "name", claim);
			cJSON_AddStringToObject(md, "namespace", ns);
			if (sel)
				cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(sel, true));
			cJSON_AddItemToObject(pvc, "spec", cJSON_Duplicate(json_get(t, "spec"), true));
			/* bound at once: the sandbox's storage is the local disk */
			st = cJSON_AddObjectToObject(pvc, "status");
			cJSON_AddStringToObject(st, "phase", "Bound");
			if (json_get(t, "spec.accessModes"))
				cJSON_AddItemToObject(st, "accessModes",
						      cJSON_Duplicate(json_get(t, "spec.accessModes"), true));
			if (json_get(t, "spec.resources.requests"))
				cJSON_AddItemToObject(st, "capacity",
						      cJSON_Duplicate(json_get(t, "spec.resources.requests"), true));
			create(c, sts, c->k_pvc, ns, pvc, "statefulset-controller");
		}
		if (!vols)
			vols = cJSON_AddArrayToObject(spec, "volumes");
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", tname);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"), "claimName", claim);
		cJSON_AddItemToArray(vols, v);
	}
}

static void statefulset(struct sim *c, const struct store_obj *s, const struct store_obj *const *pods,
			size_t np)
{
	const cJSON *o = s->obj;
	int64_t want = json_int(o, "spec.replicas", 1), ready = 0, have = 0;
	bool ordered = !str_eq(json_str(o, "spec.podManagementPolicy", "OrderedReady"), "Parallel");
	char hash[16], rev[300];
	cJSON *status;
	struct podset ps;

	template_hash(json_get(o, "spec.template"), hash);
	snprintf(rev, sizeof(rev), "%.240s-%s", s->name, hash);
	podset_of(c, pods, np, json_str(o, "metadata.uid", ""), &ps);
	for (int64_t i = 0; i < want; i++) {
		char name[300];
		const struct store_obj *p = NULL;

		snprintf(name, sizeof(name), "%.240s-%lld", s->name, (long long)i);
		for (size_t k = 0; k < ps.n; k++)
			if (str_eq(ps.v[k]->name, name))
				p = ps.v[k];
		if (p) {
			have++;
			if (pod_ready(p->obj))
				ready++;
			else if (ordered)
				break;	/* OrderedReady: wait for this one */
			continue;
		}
		{
			cJSON *pod = pod_from(o, json_get(o, "spec.template"), name, NULL);
			cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
			cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
			char idx[24];

			if (!spec)
				spec = cJSON_AddObjectToObject(pod, "spec");
			snprintf(idx, sizeof(idx), "%lld", (long long)i);
			add_label(md, "apps.kubernetes.io/pod-index", idx);
			add_label(md, "controller-revision-hash", rev);
			add_label(md, "statefulset.kubernetes.io/pod-name", name);
			cJSON_AddStringToObject(spec, "hostname", name);
			if (*json_str(o, "spec.serviceName", ""))
				cJSON_AddStringToObject(spec, "subdomain", json_str(o, "spec.serviceName", ""));
			claims(c, o, s->ns, s->name, i, spec);
			create(c, o, c->k_pods, s->ns, pod, "statefulset-controller");
		}
		if (ordered)
			break;
	}
	/* scale down: the highest ordinal first */
	for (size_t k = ps.n; k-- > 0;) {
		const char *dash = strrchr(ps.v[k]->name, '-');
		int64_t ord;

		if (dash && str_parse_i64(dash + 1, &ord) == 0 && ord >= want) {
			int64_t top = ord;

			for (size_t j = 0; j < ps.n; j++) {
				const char *d2 = strrchr(ps.v[j]->name, '-');
				int64_t o2;

				if (d2 && str_parse_i64(d2 + 1, &o2) == 0 && o2 > top)
					top = o2;
			}
			if (!ordered || ord == top) {
				delete_obj(c, c->k_pods, ps.v[k]->ns, ps.v[k]->name);
				if (ordered)
					break;
			}
		}
	}
	status = cJSON_CreateObject();
	num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	num(status, "replicas", (int64_t)ps.n, false);
	num(status, "readyReplicas", (int64_t)ps.ready, true);
	num(status, "currentReplicas", (int64_t)ps.n, true);
	num(status, "updatedReplicas", (int64_t)ps.n, true);
	cJSON_AddStringToObject(status, "currentRevision", rev);
	cJSON_AddStringToObject(status, "updateRevision", rev);
	num(status, "collisionCount", 0, false);
	num(status, "availableReplicas", (int64_t)ps.ready, false);
	(void)have;
	(void)ready;
	free(ps.v);
	put_status(c, c->k_sts, s, status, "statefulset-controller");
}

/* ---- Job ---- */

static void job(struct sim *c, const struct store_obj *j, const struct store_obj *const *pods, size_t np)
{
	const cJSON *o = j->obj;
	const char *uid = json_str(o, "metadata.uid", "");
	int64_t completions = json_int(o, "spec.completions", 1), parallel = json_int(o, "spec.parallelism", 1);
	int64_t backoff = json_int(o, "spec.backoffLimit", 6);
	const char *now = store_now(c->store);
	struct podset ps;
	cJSON *status, *conds;
	bool complete, failed;

	podset_of(c, pods, np, uid, &ps);
	complete = (int64_t)ps.succeeded >= completions;
	failed = (int64_t)ps.failed > backoff;
	if (!complete && !failed && !json_bool(o, "spec.suspend", false)) {
		char gen[300];

		snprintf(gen, sizeof(gen), "%.240s-", j->name);
		for (int64_t a = (int64_t)ps.live; a < parallel && (int64_t)ps.succeeded + a < completions; a++) {
			cJSON *pod = pod_from(o, json_get(o, "spec.template"), NULL, gen);
			cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");

			add_label(md, "batch.kubernetes.io/controller-uid", uid);
			add_label(md, "batch.kubernetes.io/job-name", j->name);
			add_label(md, "controller-uid", uid);
			add_label(md, "job-name", j->name);
			create(c, o, c->k_pods, j->ns, pod, "job-controller");
		}
	}
	status = cJSON_CreateObject();
	if (json_get(o, "status.startTime"))
		cJSON_AddItemToObject(status, "startTime", cJSON_Duplicate(json_get(o, "status.startTime"), true));
	else
		cJSON_AddStringToObject(status, "startTime", now);
	num(status, "active", (int64_t)ps.live, true);
	num(status, "succeeded", (int64_t)ps.succeeded, true);
	num(status, "failed", (int64_t)ps.failed, true);
	num(status, "ready", (int64_t)ps.ready, false);
	num(status, "terminating", 0, false);
	cJSON_AddObjectToObject(status, "uncountedTerminatedPods");
	if (complete || failed) {
		conds = cJSON_AddArrayToObject(status, "conditions");
		if (complete) {
			cJSON_AddItemToArray(conds, condition("SuccessCriteriaMet", "True", "CompletionsReached",
							      "Reached expected number of succeeded pods", now, false));
			cJSON_AddItemToArray(conds, condition("Complete", "True", "CompletionsReached",
							      "Reached expected number of succeeded pods", now, false));
			if (json_get(o, "status.completionTime"))
				cJSON_AddItemToObject(status, "completionTime",
						      cJSON_Duplicate(json_get(o, "status.completionTime"), true));
			else
				cJSON_AddStringToObject(status, "completionTime", now);
		} else {
			cJSON_AddItemToArray(conds, condition("FailureTarget", "True", "BackoffLimitExceeded",
							      "Job has reached the specified backoff limit", now, false));
			cJSON_AddItemToArray(conds, condition("Failed", "True", "BackoffLimitExceeded",
							      "Job has reached the specified backoff limit", now, false));
		}
		/* the conditions' own probe times, as the job controller writes them */
		{
			cJSON *x;

			cJSON_ArrayForEach(x, conds)
				cJSON_AddStringToObject(x, "lastProbeTime", json_str(x, "lastTransitionTime", now));
		}
	}
	free(ps.v);
	put_status(c, c->k_jobs, j, status, "job-controller");
}

void controllers_reconcile(struct sim *c)
{
	size_t np, n;
	const struct store_obj **pods, **objs, **rss;

	/* deployments first: they make ReplicaSets the next pass scales */
	if (c->k_deploy && c->k_rs) {
		size_t nrs;

		objs = sim_list(c, c->k_deploy, NULL, &n);
		for (size_t i = 0; i < n; i++) {
			if (json_get(objs[i]->obj, "metadata.deletionTimestamp"))
				continue;
			rss = sim_list(c, c->k_rs, objs[i]->ns, &nrs);
			deployment(c, objs[i], rss, nrs);
			store_snapshot_free(rss);
		}
		store_snapshot_free(objs);
	}
	pods = sim_list(c, c->k_pods, NULL, &np);
	if (c->k_rs) {
		objs = sim_list(c, c->k_rs, NULL, &n);
		for (size_t i = 0; i < n; i++)
			if (!json_get(objs[i]->obj, "metadata.deletionTimestamp"))
				replicaset(c, objs[i], pods, np);
		store_snapshot_free(objs);
	}
	if (c->k_sts) {
		objs = sim_list(c, c->k_sts, NULL, &n);
		for (size_t i = 0; i < n; i++)
			if (!json_get(objs[i]->obj, "metadata.deletionTimestamp"))
				statefulset(c, objs[i], pods, np);
		store_snapshot_free(objs);
	}
	if (c->k_jobs) {
		objs = sim_list(c, c->k_jobs, NULL, &n);
		for (size_t i = 0; i < n; i++)
			if (!json_get(objs[i]->obj, "metadata.deletionTimestamp"))
				job(c, objs[i], pods, np);
		store_snapshot_free(objs);
	}
	store_snapshot_free(pods);
}
