/*
 * simsts.c: the StatefulSet controller (sim-internal.h), after
 * k8s.io/kubernetes pkg/controller/statefulset.
 *
 * Pods are named <set>-<ordinal>, with the claims of volumeClaimTemplates
 * (bound at once: the sandbox's storage is the local disk), hostname and
 * subdomain, and the label controller-revision-hash naming the
 * ControllerRevision (simrev.c) of their template.  OrderedReady creates
 * ordinal n once n-1 is Running and Ready and removes the highest first;
 * Parallel does all at once.  A deleted pod is made again under the same
 * name only once the old one is gone.  persistentVolumeClaimRetentionPolicy
 * Delete hands claims to the garbage collector: with the set
 * (whenDeleted), or with a pod scaled away (whenScaled).
 *
 * RollingUpdate: once every ordinal exists, the highest ordinal at or
 * above the partition whose revision is not the update revision is
 * deleted, and the next one waits until it is back and Ready; pods below
 * the partition are made at the current revision.  When every pod is at
 * the update revision and Ready, currentRevision becomes updateRevision.
 * OnDelete only recreates at the update revision what the user deletes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "sim-internal.h"

#define MANAGER "statefulset-controller"

/* claim_owner: the reference a retention policy of Delete puts on a
 * claim: the set (whenDeleted) or the condemned pod (whenScaled), so the
 * garbage collector takes the claim with it */
static cJSON *claim_owner(const cJSON *owner)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "apiVersion", json_str(owner, "apiVersion", "v1"));
	cJSON_AddStringToObject(r, "kind", json_str(owner, "kind", ""));
	cJSON_AddStringToObject(r, "name", json_str(owner, "metadata.name", ""));
	cJSON_AddStringToObject(r, "uid", json_str(owner, "metadata.uid", ""));
	return r;
}

static bool refers(const cJSON *obj, const char *uid)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, json_get(obj, "metadata.ownerReferences"))
		if (str_eq(json_str(r, "uid", ""), uid))
			return true;
	return false;
}

/* condemn_claims: whenScaled Delete: the claims of a pod scaled away go
 * with it */
static void condemn_claims(struct sim *c, const struct store_obj *s, const struct store_obj *pod)
{
	const cJSON *t;
	int64_t ord = controllers_ordinal(s->name, pod->name);

	if (!str_eq(json_str(s->obj, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", ""), "Delete") ||
	    !c->k_pvc)
		return;
	cJSON_ArrayForEach(t, json_get(s->obj, "spec.volumeClaimTemplates")) {
		char claim[400];
		const struct store_obj *pvc;
		cJSON *copy, *md, *refs;

		snprintf(claim, sizeof(claim), "%.120s-%.240s-%lld", json_str(t, "metadata.name", "data"), s->name,
			 (long long)ord);
		pvc = store_get(c->store, c->k_pvc, s->ns, claim);
		if (!pvc || refers(pvc->obj, json_str(pod->obj, "metadata.uid", "")))
			continue;
		copy = store_obj_copy(pvc);
		md = cJSON_GetObjectItemCaseSensitive(copy, "metadata");
		refs = cJSON_GetObjectItemCaseSensitive(md, "ownerReferences");
		if (!cJSON_IsArray(refs)) {
			cJSON_DeleteItemFromObjectCaseSensitive(md, "ownerReferences");
			refs = cJSON_AddArrayToObject(md, "ownerReferences");
		}
		/* the pod's, instead of the set's */
		for (cJSON *r = refs->child, *next; r; r = next) {
			next = r->next;
			if (str_eq(json_str(r, "uid", ""), json_str(s->obj, "metadata.uid", "")))
				cJSON_Delete(cJSON_DetachItemViaPointer(refs, r));
		}
		cJSON_AddItemToArray(refs, claim_owner(pod->obj));
		controllers_put(c, c->k_pvc, s->ns, copy, MANAGER);
	}
}

static void claims(struct sim *c, const cJSON *sts, const char *ns, const char *name, int64_t ordinal,
		   cJSON *spec)
{
	const cJSON *t;
	cJSON *vols = cJSON_GetObjectItemCaseSensitive(spec, "volumes");

	cJSON_ArrayForEach(t, json_get(sts, "spec.volumeClaimTemplates")) {
		char claim[400], msg[900];
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
			if (str_eq(json_str(sts, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", ""),
				   "Delete"))
				cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"), claim_owner(sts));
			cJSON_AddItemToObject(pvc, "spec", cJSON_Duplicate(json_get(t, "spec"), true));
			st = cJSON_AddObjectToObject(pvc, "status");
			cJSON_AddStringToObject(st, "phase", "Bound");
			if (json_get(t, "spec.accessModes"))
				cJSON_AddItemToObject(st, "accessModes",
						      cJSON_Duplicate(json_get(t, "spec.accessModes"), true));
			if (json_get(t, "spec.resources.requests"))
				cJSON_AddItemToObject(st, "capacity",
						      cJSON_Duplicate(json_get(t, "spec.resources.requests"), true));
			if (controllers_create(c, sts, c->k_pvc, ns, pvc, MANAGER) == 0) {
				snprintf(msg, sizeof(msg), "create Claim %s Pod %s-%lld in StatefulSet %s success",
					 claim, name, (long long)ordinal, name);
				sim_event(c, sts, "Normal", "SuccessfulCreate", msg, MANAGER, NULL, NULL);
			}
		}
		if (!vols)
			vols = cJSON_AddArrayToObject(spec, "volumes");
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", tname);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"), "claimName", claim);
		cJSON_AddItemToArray(vols, v);
	}
}

/* template_of: the template of revision name (the current one, kept in
 * its ControllerRevision), or the set's own */
static const cJSON *template_of(struct sim *c, const struct store_obj *s, const char *name)
{
	const struct store_obj *cr = c->k_revs && *name ? store_get(c->store, c->k_revs, s->ns, name) : NULL;
	const cJSON *t = cr ? json_get(cr->obj, "data.spec.template") : NULL;

	return t ? t : json_get(s->obj, "spec.template");
}

static void make_pod(struct sim *c, const struct store_obj *s, int64_t ordinal, const char *rev)
{
	const cJSON *o = s->obj;
	char name[300], idx[24], msg[700];
	cJSON *tpl = cJSON_Duplicate(template_of(c, s, rev), true), *pod, *md, *spec;

	cJSON_DeleteItemFromObjectCaseSensitive(tpl, "$patch");
	snprintf(name, sizeof(name), "%.240s-%lld", s->name, (long long)ordinal);
	pod = controllers_pod_from(o, tpl, name, NULL);
	cJSON_Delete(tpl);
	md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	if (!spec)
		spec = cJSON_AddObjectToObject(pod, "spec");
	snprintf(idx, sizeof(idx), "%lld", (long long)ordinal);
	controllers_add_label(md, "apps.kubernetes.io/pod-index", idx);
	controllers_add_label(md, "controller-revision-hash", rev);
	controllers_add_label(md, "statefulset.kubernetes.io/pod-name", name);
	cJSON_AddStringToObject(spec, "hostname", name);
	if (*json_str(o, "spec.serviceName", ""))
		cJSON_AddStringToObject(spec, "subdomain", json_str(o, "spec.serviceName", ""));
	claims(c, o, s->ns, s->name, ordinal, spec);
	if (controllers_create(c, o, c->k_pods, s->ns, pod, MANAGER) == 0) {
		snprintf(msg, sizeof(msg), "create Pod %s in StatefulSet %s successful", name, s->name);
		sim_event(c, o, "Normal", "SuccessfulCreate", msg, MANAGER, NULL, NULL);
	}
}

static void delete_pod(struct sim *c, const struct store_obj *s, const struct store_obj *p)
{
	char msg[700];

	controllers_delete(c, c->k_pods, p->ns, p->name);
	snprintf(msg, sizeof(msg), "delete Pod %s in StatefulSet %s successful", p->name, s->name);
	sim_event(c, s->obj, "Normal", "SuccessfulDelete", msg, MANAGER, NULL, NULL);
}

static const char *revision_of(const cJSON *pod)
{
	const cJSON *v = json_get_key(json_get(pod, "metadata.labels"), "controller-revision-hash");

	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool healthy(const cJSON *pod)
{
	return controllers_pod_active(pod) && str_eq(json_str(pod, "status.phase", ""), "Running") &&
		controllers_pod_ready(pod);
}

void simsts_reconcile(struct sim *c, const struct store_obj *s, const struct store_obj *const *pods, size_t np)
{
	const cJSON *o = s->obj;
	int64_t want = json_int(o, "spec.replicas", 1), min_ready = json_int(o, "spec.minReadySeconds", 0);
	int64_t partition = json_int(o, "spec.updateStrategy.rollingUpdate.partition", 0), now = sim_unix(c);
	int64_t top = want - 1, live = 0, ready = 0, avail = 0, current = 0, updated = 0;
	bool ordered = !str_eq(json_str(o, "spec.podManagementPolicy", "OrderedReady"), "Parallel");
	bool rolling = str_eq(json_str(o, "spec.updateStrategy.type", "RollingUpdate"), "RollingUpdate");
	const char *uid = json_str(o, "metadata.uid", "");
	const struct store_obj **by_ord, **extra;
	struct simrev upd;
	char cur[300];
	size_t nextra = 0;
	bool waiting = false, busy = false;
	cJSON *status;

	simrev_sync(c, s, &upd);
	if (!*upd.name)
		snprintf(upd.name, sizeof(upd.name), "%.240s", s->name);
	snprintf(cur, sizeof(cur), "%s", json_str(o, "status.currentRevision", upd.name));
	if (!c->k_revs || !store_get(c->store, c->k_revs, s->ns, cur))
		snprintf(cur, sizeof(cur), "%s", upd.name);
	/* the set's pods by ordinal, and the ones beyond the replicas */
	by_ord = xcalloc((size_t)(want > 0 ? want : 0) + 1, sizeof(*by_ord));
	extra = xcalloc(np + 1, sizeof(*extra));
	for (size_t i = 0; i < np; i++) {
		int64_t ord = controllers_ordinal(s->name, pods[i]->name);

		if (ord < 0 || !controllers_owned(pods[i]->obj, uid))
			continue;
		if (ord < want)
			by_ord[ord] = pods[i];
		else
			extra[nextra++] = pods[i];
		if (json_get(pods[i]->obj, "metadata.deletionTimestamp"))
			busy = true;
	}
	for (int64_t i = 0; i < want; i++) {
		const struct store_obj *p = by_ord[i];

		if (!p) {
			if (!waiting)
				make_pod(c, s, i, rolling && i < partition ? cur : upd.name);
			if (ordered)
				waiting = true;
			continue;
		}
		if (json_get(p->obj, "metadata.deletionTimestamp")) {
			if (ordered)
				waiting = true;	/* made again once it is gone */
			continue;
		}
		if (!controllers_pod_active(p->obj))
			continue;
		live++;
		if (controllers_pod_ready(p->obj))
			ready++;
		{
			int64_t when = 0;

			if (controllers_pod_available(p->obj, min_ready, now, &when))
				avail++;
			else if (when)
				sim_wake_at(c, when * 1000);
		}
		if (str_eq(revision_of(p->obj), cur))
			current++;
		if (str_eq(revision_of(p->obj), upd.name))
			updated++;
		if (ordered && !healthy(p->obj))
			waiting = true;
	}
	/* scale down: the highest ordinal first */
	if (nextra && !(ordered && (waiting || busy))) {
		for (size_t k = 0; k < nextra; k++) {
			if (json_get(extra[k]->obj, "metadata.deletionTimestamp"))
				continue;
			if (ordered) {
				bool highest = true;

				for (size_t j = 0; j < nextra; j++)
					highest = highest && (controllers_ordinal(s->name, extra[j]->name) <=
							      controllers_ordinal(s->name, extra[k]->name));
				if (!highest)
					continue;
			}
			condemn_claims(c, s, extra[k]);
			delete_pod(c, s, extra[k]);
		}
	}
	/* rolling update: from the highest ordinal down to the partition */
	if (rolling && !waiting && !nextra) {
		for (int64_t t = top; t >= partition && t >= 0; t--) {
			const struct store_obj *p = by_ord[t];

			if (!p)
				break;
			if (!str_eq(revision_of(p->obj), upd.name) && !json_get(p->obj, "metadata.deletionTimestamp")) {
				delete_pod(c, s, p);
				break;
			}
			if (!healthy(p->obj))
				break;
		}
	}
	if (rolling && updated == want && ready == want && live == want)
		snprintf(cur, sizeof(cur), "%s", upd.name);	/* the rollout is complete */
	{
		/* revisions still used: the current, the update, and each pod's */
		const char **in_use = xcalloc((size_t)(want > 0 ? want : 0) + nextra + 3, sizeof(*in_use));
		size_t k = 0;

		in_use[k++] = cur;
		in_use[k++] = upd.name;
		for (int64_t i = 0; i < want; i++)
			if (by_ord[i])
				in_use[k++] = revision_of(by_ord[i]->obj);
		for (size_t i = 0; i < nextra; i++)
			in_use[k++] = revision_of(extra[i]->obj);
		simrev_cleanup(c, s, in_use);
		free(in_use);
	}
	status = cJSON_CreateObject();
	controllers_num(status, "observedGeneration", json_int(o, "metadata.generation", 1), false);
	controllers_num(status, "replicas", live, false);
	controllers_num(status, "readyReplicas", ready, true);
	controllers_num(status, "currentReplicas", str_eq(cur, upd.name) ? updated : current, true);
	controllers_num(status, "updatedReplicas", updated, true);
	cJSON_AddStringToObject(status, "currentRevision", cur);
	cJSON_AddStringToObject(status, "updateRevision", upd.name);
	controllers_num(status, "collisionCount", upd.collisions, false);
	controllers_num(status, "availableReplicas", avail, false);
	free(by_ord);
	free(extra);
	controllers_put_status(c, c->k_sts, s, status, MANAGER);
}
