/*
 * simdeploy.c: the Deployment controller (sim-internal.h), after
 * k8s.io/kubernetes pkg/controller/deployment.
 *
 * The new ReplicaSet is the one whose template equals the Deployment's
 * (pod-template-hash aside); when none does, one is made, named
 * <deployment>-<hash of the template>, with the next revision number.  An
 * older ReplicaSet whose template comes back (rollout undo) is renumbered
 * as the newest and remembers its old numbers in revision-history.
 *
 * RollingUpdate, one step per pass, as rolling.go: scale the new
 * ReplicaSet up while all ReplicaSets together stay within replicas +
 * maxSurge; otherwise scale old ones down while the available pods stay
 * at replicas - maxUnavailable or more (unhealthy old pods first).
 * Recreate: old ReplicaSets to 0, then, once their pods are gone, the new
 * one to replicas.  A paused Deployment only scales.
 *
 * Status as sync.go and progress.go write it: replicas, updated, ready,
 * available, unavailable; Available (MinimumReplicasAvailable when at
 * least replicas - maxUnavailable are available) and Progressing
 * (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated with a new
 * lastUpdateTime on each sign of progress, NewReplicaSetAvailable once
 * complete, ProgressDeadlineExceeded when progressDeadlineSeconds pass
 * without progress, DeploymentPaused/DeploymentResumed).  Once complete,
 * old ReplicaSets beyond revisionHistoryLimit are deleted, oldest first.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "sim-internal.h"

#define MANAGER "deployment-controller"
#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_HISTORY "deployment.kubernetes.io/revision-history"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"

struct rsinfo {
	const struct store_obj *o;
	int64_t spec, replicas, ready, avail, revision;
};

struct dep {
	struct sim *c;
	const struct store_obj *d;
	const cJSON *o;
	int64_t want, surge, unavail;
	struct rsinfo *v;	/* the owned ReplicaSets */
	size_t n;
	struct rsinfo *cur;	/* the new one, or NULL */
};

static int64_t revision_of(const cJSON *rs)
{
	const cJSON *a = json_get_key(json_get(rs, "metadata.annotations"), ANN_REVISION);
	int64_t v = 0;

	if (cJSON_IsString(a))
		str_parse_i64(a->valuestring, &v);
	return v;
}

/* same_template: rs's template is tpl, pod-template-hash aside */
static bool same_template(const cJSON *rs, const cJSON *tpl)
{
	cJSON *t = cJSON_Duplicate(json_get(rs, "spec.template"), true);
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t, "metadata"), "labels");
	bool same;

	cJSON_DeleteItemFromObjectCaseSensitive(labels, "pod-template-hash");
	if (labels && !labels->child)
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(t, "metadata"), "labels");
	same = cJSON_Compare(t, tpl, true);
	if (!same) {
		/* an empty labels map and none are the same template */
		cJSON *u = cJSON_Duplicate(tpl, true);
		cJSON *ul = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(u, "metadata"), "labels");

		if (ul && !ul->child)
			cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(u, "metadata"),
								"labels");
		same = cJSON_Compare(t, u, true);
		cJSON_Delete(u);
	}
	cJSON_Delete(t);
	return same;
}

static void set_ann(cJSON *md, const char *k, const char *v)
{
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");

	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
		ann = cJSON_AddObjectToObject(md, "annotations");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ann, k);
	cJSON_AddStringToObject(ann, k, v);
}

/* copy_annotations: the Deployment's annotations the new ReplicaSet
 * carries (kubernetes.io/change-cause for rollout history) */
static void copy_annotations(cJSON *md, const cJSON *d)
{
	static const char *const skip[] = { "kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION,
					    ANN_HISTORY, ANN_DESIRED, ANN_MAX, "deprecated.deployment.rollback.to" };
	const cJSON *a;

	cJSON_ArrayForEach(a, json_get(d, "metadata.annotations")) {
		bool skipped = false;

		for (size_t i = 0; i < DL_ARRAY_LEN(skip); i++)
			skipped = skipped || str_eq(a->string, skip[i]);
		if (!skipped && cJSON_IsString(a))
			set_ann(md, a->string, a->valuestring);
	}
}

static void set_replica_annotations(struct dep *dp, cJSON *md)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", (long long)dp->want);
	set_ann(md, ANN_DESIRED, v);
	snprintf(v, sizeof(v), "%lld", (long long)(dp->want + dp->surge));
	set_ann(md, ANN_MAX, v);
}

/* scale: rs to n replicas, with the ScalingReplicaSet event */
static void scale(struct dep *dp, struct rsinfo *rs, int64_t n)
{
	/* the stored state: this pass may have renumbered it */
	const struct store_obj *now = store_get(dp->c->store, dp->c->k_rs, rs->o->ns, rs->o->name);
	cJSON *copy = store_obj_copy(now ? now : rs->o), *spec = cJSON_GetObjectItemCaseSensitive(copy, "spec");
	char msg[600];

	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", (double)n);
	set_replica_annotations(dp, cJSON_GetObjectItemCaseSensitive(copy, "metadata"));
	if (controllers_put(dp->c, dp->c->k_rs, rs->o->ns, copy, MANAGER) != 0)
		return;
	snprintf(msg, sizeof(msg), "Scaled %s replica set %s from %lld to %lld", n > rs->spec ? "up" : "down",
		 rs->o->name, (long long)rs->spec, (long long)n);
	sim_event(dp->c, dp->o, "Normal", "ScalingReplicaSet", msg, MANAGER, NULL, NULL);
	rs->spec = n;
}

static int64_t sum(const struct dep *dp, size_t off, bool old_only)
{
	int64_t t = 0;

	for (size_t i = 0; i < dp->n; i++)
		if (!old_only || &dp->v[i] != dp->cur)
			t += *(const int64_t *)((const char *)&dp->v[i] + off);
	return t;
}

#define SUM(dp, field, old) sum(dp, offsetof(struct rsinfo, field), old)

/* new_rs: creates the ReplicaSet of the current template with n replicas */
static bool new_rs(struct dep *dp, int64_t n)
{
	const cJSON *o = dp->o;
	int64_t collisions = json_int(o, "status.collisionCount", 0), maxrev = 0;
	cJSON *tpl = cJSON_Duplicate(json_get(o, "spec.template"), true), *rs, *md, *spec, *sel, *t, *tmd;
	char hash[16], name[320], rev[24], msg[600];
	const struct store_obj *clash;

	for (size_t i = 0; i < dp->n; i++)
		maxrev = DL_MAX(maxrev, dp->v[i].revision);
	controllers_template_hash(tpl, collisions, hash);
	snprintf(name, sizeof(name), "%.240s-%s", dp->d->name, hash);
	clash = store_get(dp->c->store, dp->c->k_rs, dp->d->ns, name);
	if (clash) {
		/* a hash collision with a ReplicaSet of another template: the
		 * next name, as the collisionCount does it */
		cJSON *status = cJSON_Duplicate(json_get(o, "status"), true);

		if (!status)
			status = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(status, "collisionCount");
		cJSON_AddNumberToObject(status, "collisionCount", (double)(collisions + 1));
		controllers_put_status(dp->c, dp->c->k_deploy, dp->d, status, MANAGER);
		cJSON_Delete(tpl);
		return false;
	}
	rs = cJSON_CreateObject();
	cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
	md = cJSON_AddObjectToObject(rs, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", dp->d->ns);
	cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(json_get(tpl, "metadata.labels"), true));
	controllers_add_label(md, "pod-template-hash", hash);
	copy_annotations(md, o);
	set_replica_annotations(dp, md);
	snprintf(rev, sizeof(rev), "%lld", (long long)(maxrev + 1));
	set_ann(md, ANN_REVISION, rev);
	cJSON_AddItemToObject(md, "ownerReferences", controllers_owner_ref(o));
	spec = cJSON_AddObjectToObject(rs, "spec");
	cJSON_AddNumberToObject(spec, "replicas", (double)n);
	if (json_get(o, "spec.minReadySeconds"))
		cJSON_AddNumberToObject(spec, "minReadySeconds", (double)json_int(o, "spec.minReadySeconds", 0));
	sel = cJSON_Duplicate(json_get(o, "spec.selector"), true);
	if (!sel)
		sel = cJSON_CreateObject();
	if (!cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"))
		cJSON_AddObjectToObject(sel, "matchLabels");
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"), "pod-template-hash", hash);
	cJSON_AddItemToObject(spec, "selector", sel);
	t = tpl;
	tmd = cJSON_GetObjectItemCaseSensitive(t, "metadata");
	if (!tmd)
		tmd = cJSON_AddObjectToObject(t, "metadata");
	controllers_add_label(tmd, "pod-template-hash", hash);
	cJSON_AddItemToObject(spec, "template", t);
	if (controllers_create(dp->c, o, dp->c->k_rs, dp->d->ns, rs, MANAGER) != 0)
		return false;
	if (n > 0) {
		snprintf(msg, sizeof(msg), "Scaled up replica set %s from 0 to %lld", name, (long long)n);
		sim_event(dp->c, o, "Normal", "ScalingReplicaSet", msg, MANAGER, NULL, NULL);
	}
	return true;
}

/* renumber: the new ReplicaSet carries the newest revision and the
 * Deployment's annotations; the Deployment carries its revision */
static void renumber(struct dep *dp)
{
	int64_t maxrev = 0;
	char rev[24];
	cJSON *copy, *md;
	const cJSON *dann;

	for (size_t i = 0; i < dp->n; i++)
		maxrev = DL_MAX(maxrev, dp->v[i].revision);
	copy = store_obj_copy(dp->cur->o);
	md = cJSON_GetObjectItemCaseSensitive(copy, "metadata");
	if (dp->cur->revision < maxrev) {
		const cJSON *h = json_get_key(json_get(dp->cur->o->obj, "metadata.annotations"), ANN_HISTORY);
		const char *hist = cJSON_IsString(h) ? h->valuestring : "";
		char *list;

		list = *hist ? xasprintf("%s,%lld", hist, (long long)dp->cur->revision) :
			xasprintf("%lld", (long long)dp->cur->revision);
		set_ann(md, ANN_HISTORY, list);
		free(list);
		dp->cur->revision = maxrev + 1;
	}
	snprintf(rev, sizeof(rev), "%lld", (long long)dp->cur->revision);
	set_ann(md, ANN_REVISION, rev);
	copy_annotations(md, dp->o);
	if (!cJSON_Compare(md, json_get(dp->cur->o->obj, "metadata"), true))
		controllers_put(dp->c, dp->c->k_rs, dp->d->ns, copy, MANAGER);
	else
		cJSON_Delete(copy);
	dann = json_get_key(json_get(dp->o, "metadata.annotations"), ANN_REVISION);
	if (!cJSON_IsString(dann) || !str_eq(dann->valuestring, rev)) {
		copy = store_obj_copy(dp->d);
		set_ann(cJSON_GetObjectItemCaseSensitive(copy, "metadata"), ANN_REVISION, rev);
		controllers_put(dp->c, dp->c->k_deploy, dp->d->ns, copy, MANAGER);
	}
}

/* rolling: one step of rolling.go; true when something was scaled */
static bool rolling(struct dep *dp)
{
	struct rsinfo *cur = dp->cur;
	int64_t all = SUM(dp, spec, false), min_avail = dp->want - dp->unavail, max_down, avail, done = 0;

	/* reconcileNewReplicaSet */
	if (cur->spec > dp->want) {
		scale(dp, cur, dp->want);
		return true;
	}
	if (cur->spec < dp->want && all < dp->want + dp->surge) {
		int64_t up = DL_MIN(dp->want + dp->surge - all, dp->want - cur->spec);

		scale(dp, cur, cur->spec + up);
		return true;
	}
	/* reconcileOldReplicaSets */
	if (SUM(dp, spec, true) == 0)
		return false;
	max_down = all - min_avail - (cur->spec - cur->avail);
	if (max_down <= 0)
		return false;
	/* cleanupUnhealthyReplicas: old pods that are not available go first */
	for (size_t i = 0; i < dp->n && done < max_down; i++) {
		struct rsinfo *rs = &dp->v[i];
		int64_t unhealthy = rs->spec - rs->avail, k;

		if (rs == cur || rs->spec == 0 || unhealthy <= 0)
			continue;
		k = DL_MIN(max_down - done, unhealthy);
		scale(dp, rs, rs->spec - k);
		done += k;
	}
	if (done)
		return true;
	/* scaleDownOldReplicaSetsForRollingUpdate: what availability allows,
	 * the oldest revision first */
	avail = SUM(dp, avail, false);
	if (avail <= min_avail)
		return false;
	for (int64_t want_down = avail - min_avail; want_down > 0;) {
		struct rsinfo *oldest = NULL;
		int64_t k;

		for (size_t i = 0; i < dp->n; i++)
			if (&dp->v[i] != cur && dp->v[i].spec > 0 && (!oldest || dp->v[i].revision < oldest->revision))
				oldest = &dp->v[i];
		if (!oldest)
			break;
		k = DL_MIN(oldest->spec, want_down);
		scale(dp, oldest, oldest->spec - k);
		want_down -= k;
		done += k;
	}
	return done > 0;
}

/* recreate: old ones to 0, their pods gone, then the new one up */
static void recreate(struct dep *dp)
{
	bool scaled = false;

	for (size_t i = 0; i < dp->n; i++)
		if (&dp->v[i] != dp->cur && dp->v[i].spec > 0) {
			scale(dp, &dp->v[i], 0);
			scaled = true;
		}
	if (scaled)
		return;
	for (size_t k = 0; k < dp->n; k++) {
		size_t n;
		const struct store_obj **kids;
		bool running = false;

		if (&dp->v[k] == dp->cur)
			continue;
		kids = controllers_children(dp->c, json_str(dp->v[k].o->obj, "metadata.uid", ""), &n);
		for (size_t i = 0; i < n; i++) {
			const char *phase = json_str(kids[i]->obj, "status.phase", "");

			running = running || (!str_eq(phase, "Succeeded") && !str_eq(phase, "Failed"));
		}
		free(kids);
		if (running)
			return;		/* oldPodsRunning */
	}
	if (dp->cur && dp->cur->spec != dp->want)
		scale(dp, dp->cur, dp->want);
}

/* cleanup: old ReplicaSets beyond revisionHistoryLimit, oldest first */
static void cleanup(struct dep *dp)
{
	int64_t limit = json_int(dp->o, "spec.revisionHistoryLimit", 10), old = (int64_t)dp->n - 1;

	while (old > limit) {
		struct rsinfo *oldest = NULL;

		for (size_t i = 0; i < dp->n; i++)
			if (&dp->v[i] != dp->cur && dp->v[i].o && (!oldest || dp->v[i].revision < oldest->revision))
				oldest = &dp->v[i];
		if (!oldest)
			break;
		if (oldest->spec == 0 && oldest->replicas == 0 &&
		    json_int(oldest->o->obj, "status.observedGeneration", 0) >=
		    json_int(oldest->o->obj, "metadata.generation", 1))
			controllers_delete(dp->c, dp->c->k_rs, oldest->o->ns, oldest->o->name);
		oldest->o = NULL;
		old--;
	}
}

static const cJSON *condition_of(const cJSON *o, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(o, "status.conditions"))
		if (str_eq(json_str(c, "type", ""), type))
			return c;
	return NULL;
}

/* progressing: the Progressing condition for the new status */
static cJSON *progressing(struct dep *dp, const cJSON *status, const char *created, const char *now)
{
	const cJSON *o = dp->o, *old = condition_of(o, "Progressing");
	const char *name = dp->cur ? dp->cur->o->name : created;
	int64_t replicas = json_int(status, "replicas", 0), updated = json_int(status, "updatedReplicas", 0);
	int64_t avail = json_int(status, "availableReplicas", 0), ready = json_int(status, "readyReplicas", 0);
	int64_t deadline = json_int(o, "spec.progressDeadlineSeconds", 600);
	const char *reason = json_str(old, "reason", "");
	char msg[400];
	cJSON *c;

	if (json_bool(o, "spec.paused", false))
		return controllers_condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused",
					     now, true);
	if (str_eq(reason, "DeploymentPaused"))
		return controllers_condition("Progressing", "Unknown", "DeploymentResumed",
					     "Deployment is resumed", now, true);
	if (created) {
		snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", created);
		return controllers_condition("Progressing", "True", "NewReplicaSetCreated", msg, now, true);
	}
	if (!name)
		return old ? cJSON_Duplicate(old, true) : NULL;
	if (replicas == updated && str_eq(reason, "NewReplicaSetAvailable"))
		return cJSON_Duplicate(old, true);	/* complete: left alone */
	if (updated == dp->want && replicas == dp->want && avail == dp->want) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", name);
		return controllers_condition("Progressing", "True", "NewReplicaSetAvailable", msg, now, true);
	}
	if (updated > json_int(o, "status.updatedReplicas", 0) ||
	    replicas - updated < json_int(o, "status.replicas", 0) - json_int(o, "status.updatedReplicas", 0) ||
	    ready > json_int(o, "status.readyReplicas", 0) || avail > json_int(o, "status.availableReplicas", 0)) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", name);
		c = controllers_condition("Progressing", "True", "ReplicaSetUpdated", msg, now, true);
		cJSON_AddBoolToObject(c, "touched", true);
		return c;
	}
	if (old && !str_eq(reason, "ProgressDeadlineExceeded") && deadline > 0) {
		time_t from;

		if (time_parse_rfc3339(json_str(old, "lastUpdateTime", ""), &from) == 0) {
			if ((int64_t)from + deadline < sim_unix(dp->c)) {
				snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", name);
				return controllers_condition("Progressing", "False", "ProgressDeadlineExceeded", msg,
							     now, true);
			}
			sim_wake_at(dp->c, ((int64_t)from + deadline + 1) * 1000);
		}
	}
	if (!old) {
		snprintf(msg, sizeof(msg), "Found new replica set \"%s\"", name);
		return controllers_condition("Progressing", "True", "FoundNewReplicaSet", msg, now, true);
	}
	return cJSON_Duplicate(old, true);
}

static void write_status(struct dep *dp, const char *created)
{
	const char *now = store_now(dp->c->store);
	int64_t avail = SUM(dp, avail, false), spec = SUM(dp, spec, false);
	cJSON *status = cJSON_CreateObject(), *conds, *prog;

	controllers_num(status, "observedGeneration", json_int(dp->o, "metadata.generation", 1), false);
	controllers_num(status, "replicas", SUM(dp, replicas, false), true);
	controllers_num(status, "updatedReplicas", dp->cur ? dp->cur->replicas : 0, true);
	controllers_num(status, "readyReplicas", SUM(dp, ready, false), true);
	controllers_num(status, "availableReplicas", avail, true);
	controllers_num(status, "unavailableReplicas", spec > avail ? spec - avail : 0, true);
	controllers_num(status, "collisionCount", json_int(dp->o, "status.collisionCount", 0), true);
	conds = cJSON_AddArrayToObject(status, "conditions");
	if (avail >= dp->want - dp->unavail)
		cJSON_AddItemToArray(conds, controllers_condition("Available", "True", "MinimumReplicasAvailable",
			"Deployment has minimum availability.", now, true));
	else
		cJSON_AddItemToArray(conds, controllers_condition("Available", "False", "MinimumReplicasUnavailable",
			"Deployment does not have minimum availability.", now, true));
	prog = progressing(dp, status, created, now);
	if (prog)
		cJSON_AddItemToArray(conds, prog);
	controllers_put_status(dp->c, dp->c->k_deploy, dp->d, status, MANAGER);
}

void simdeploy_reconcile(struct sim *c, const struct store_obj *d, const struct store_obj *const *rss,
			 size_t nrs)
{
	struct dep dp = { .c = c, .d = d, .o = d->obj };
	const char *uid = json_str(d->obj, "metadata.uid", "");
	const cJSON *tpl = json_get(d->obj, "spec.template");
	bool recreate_type = str_eq(json_str(d->obj, "spec.strategy.type", "RollingUpdate"), "Recreate");
	bool paused = json_bool(d->obj, "spec.paused", false);
	const char *created = NULL;
	char made[320] = "";

	dp.want = json_int(d->obj, "spec.replicas", 1);
	if (!recreate_type) {
		const cJSON *ru = json_get(d->obj, "spec.strategy.rollingUpdate");

		dp.surge = controllers_int_or_percent(json_get(ru, "maxSurge"), dp.want, true, 0);
		dp.unavail = controllers_int_or_percent(json_get(ru, "maxUnavailable"), dp.want, false, 0);
		if (dp.surge == 0 && dp.unavail == 0)
			dp.unavail = 1;		/* ResolveFenceposts */
		dp.unavail = DL_MIN(dp.unavail, dp.want);
	}
	dp.v = xcalloc(nrs + 1, sizeof(*dp.v));
	for (size_t i = 0; i < nrs; i++) {
		const cJSON *rs = rss[i]->obj;
		struct rsinfo *ri;

		if (!controllers_owned(rs, uid) || json_get(rs, "metadata.deletionTimestamp"))
			continue;
		ri = &dp.v[dp.n++];
		ri->o = rss[i];
		ri->spec = json_int(rs, "spec.replicas", 1);
		ri->replicas = json_int(rs, "status.replicas", 0);
		ri->ready = json_int(rs, "status.readyReplicas", 0);
		ri->avail = json_int(rs, "status.availableReplicas", 0);
		ri->revision = revision_of(rs);
		if (same_template(rs, tpl) && (!dp.cur || ri->revision > dp.cur->revision))
			dp.cur = ri;
	}
	if (!dp.cur && !paused) {
		int64_t n = dp.want;

		if (recreate_type)
			n = 0;
		else if (dp.n)		/* NewRSNewReplicas with the new one at 0 */
			n = DL_MAX(0, DL_MIN(dp.want, dp.want + dp.surge - SUM(&dp, spec, false)));
		if (recreate_type && SUM(&dp, spec, false) == 0 && SUM(&dp, replicas, false) == 0)
			n = dp.want;
		if (new_rs(&dp, n)) {
			char hash[16];

			controllers_template_hash(tpl, json_int(d->obj, "status.collisionCount", 0), hash);
			snprintf(made, sizeof(made), "%.240s-%s", d->name, hash);
			created = made;
		}
	} else if (dp.cur) {
		renumber(&dp);
	}
	if (paused) {
		/* a paused Deployment only scales its one active ReplicaSet */
		struct rsinfo *active = NULL;
		int nactive = 0;

		for (size_t i = 0; i < dp.n; i++)
			if (dp.v[i].spec > 0) {
				active = &dp.v[i];
				nactive++;
			}
		if (!active)
			active = dp.cur;
		if (active && nactive <= 1 && active->spec != dp.want)
			scale(&dp, active, dp.want);
	} else if (dp.cur && !created) {
		if (recreate_type)
			recreate(&dp);
		else if (!rolling(&dp) && dp.cur->replicas == dp.want && dp.cur->avail == dp.want &&
			 SUM(&dp, replicas, true) == 0)
			cleanup(&dp);
	}
	write_status(&dp, created);
	free(dp.v);
}
