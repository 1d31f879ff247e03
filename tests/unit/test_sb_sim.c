/*
 * test_sb_sim.c: the simulated cluster in process (store, API server and
 * simulation on one loop, driven here), with invariants checked after
 * every committed change: a Deployment's rolling update never goes past
 * maxSurge nor under replicas - maxUnavailable; a StatefulSet updates from
 * its highest ordinal down, one pod at a time; DaemonSets follow taints
 * and selectors; a CronJob makes its Jobs on schedule under a pinned
 * clock, with concurrencyPolicy Forbid and the history limit; a pod's
 * deletion waits for its grace when a process ignores SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/api.h"
#include "datalab/sandbox/bootstrap.h"
#include "datalab/sandbox/sim.h"
#include "testsandbox.h"

static void start(const char *nodes)
{
	struct api_config cfg = { .bind = "127.0.0.1", .token = "t", .nodes_spec = nodes };

	testsandbox_start("sbsim", &cfg, true);
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	testsandbox_stop();
}

static void create(const char *group, const char *resource, const char *json)
{
	struct status s;
	struct store_write w = { .manager = "test" };
	cJSON *obj = cJSON_Parse(json);

	ck_assert_ptr_nonnull(obj);
	status_init(&s);
	ck_assert_msg(store_create(st, kind(group, resource), "default", obj, &w, NULL, &s) == 0, "%s",
		      s.message ? s.message : "?");
	status_release(&s);
}

static const cJSON *get(const char *group, const char *resource, const char *name)
{
	const struct store_obj *o = store_get(st, kind(group, resource), "default", name);

	return o ? o->obj : NULL;
}

/* run_until: the loop turns until cond holds; fails after seconds */
static void run_until(bool (*cond)(void *), void *arg, int seconds, const char *what)
{
	uint64_t end = time_mono_ms() + (uint64_t)seconds * 1000;

	while (!cond(arg)) {
		ck_assert_msg(time_mono_ms() < end, "timed out waiting for %s", what);
		loop_run_once(loop, 50);
	}
}

static int64_t num(const char *group, const char *resource, const char *name, const char *path)
{
	return json_int(get(group, resource, name), path, -1);
}

/* ---- Deployment rolling update ---- */

struct counts {
	int64_t spec_sum, active, ready, max_spec_sum, min_ready, checks;
	bool rolling;
};

static bool owned_by_rs_of(const cJSON *pod, const char *deploy)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, json_get(pod, "metadata.ownerReferences")) {
		const cJSON *rs = get("apps", "replicasets", json_str(r, "name", ""));

		if (rs && str_has_prefix(json_str(rs, "metadata.ownerReferences.0.name", ""), deploy))
			return true;
	}
	return false;
}

static bool count_pod(const struct store_obj *o, void *arg)
{
	struct counts *n = arg;
	const cJSON *c;

	if (!owned_by_rs_of(o->obj, "web") || json_get(o->obj, "metadata.deletionTimestamp"))
		return true;
	n->active++;
	cJSON_ArrayForEach(c, json_get(o->obj, "status.conditions"))
		if (str_eq(json_str(c, "type", ""), "Ready") && str_eq(json_str(c, "status", ""), "True"))
			n->ready++;
	return true;
}

static bool count_rs(const struct store_obj *o, void *arg)
{
	struct counts *n = arg;

	if (str_has_prefix(o->name, "web-"))
		n->spec_sum += json_int(o->obj, "spec.replicas", 0);
	return true;
}

/* the invariant checker: after every commit during the rollout */
static void on_change(struct store *s, const struct store_event *ev, void *arg)
{
	struct counts *n = arg, now = { 0 };

	(void)ev;
	if (!n->rolling)
		return;
	store_each(s, kind("apps", "replicasets"), "default", NULL, NULL, count_rs, &now);
	store_each(s, kind("", "pods"), "default", NULL, NULL, count_pod, &now);
	n->max_spec_sum = DL_MAX(n->max_spec_sum, now.spec_sum);
	n->min_ready = DL_MIN(n->min_ready, now.ready);
	n->checks++;
	/* maxSurge 2: at most 10 pods wanted, 10 pods that do not terminate */
	ck_assert_msg(now.spec_sum <= 10, "ReplicaSets want %lld pods", (long long)now.spec_sum);
	ck_assert_msg(now.active <= 10, "%lld pods", (long long)now.active);
	/* maxUnavailable 1: at least 7 Ready */
	ck_assert_msg(now.ready >= 7, "only %lld pods ready", (long long)now.ready);
}

static bool deploy_done(void *arg)
{
	const cJSON *d = get("apps", "deployments", "web");
	int64_t want = *(int64_t *)arg;

	return d && json_int(d, "status.observedGeneration", 0) == json_int(d, "metadata.generation", -1) &&
		json_int(d, "status.updatedReplicas", 0) == want && json_int(d, "status.availableReplicas", 0) == want &&
		json_int(d, "status.replicas", 0) == want;
}

static const cJSON *condition(const cJSON *obj, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(obj, "status.conditions"))
		if (str_eq(json_str(c, "type", ""), type))
			return c;
	return NULL;
}

START_TEST(test_rolling_update)
{
	int64_t want = 8;
	struct counts n = { .min_ready = 1000 };
	uint64_t sub;
	cJSON *d;
	struct status s;
	struct store_write w = { .manager = "test" };
	const cJSON *prog;

	create("apps", "deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
	       "{\"name\":\"web\"},\"spec\":{\"replicas\":8,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	       "\"strategy\":{\"rollingUpdate\":{\"maxSurge\":2,\"maxUnavailable\":1}},\"template\":{\"metadata\":"
	       "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1\"}]}}}}");
	run_until(deploy_done, &want, 30, "the first rollout");
	{
		const cJSON *ann = json_get(get("apps", "deployments", "web"), "metadata.annotations");

		ck_assert_str_eq(json_get_key(ann, "deployment.kubernetes.io/revision")->valuestring, "1");
	}
	prog = condition(get("apps", "deployments", "web"), "Progressing");
	ck_assert_str_eq(json_str(prog, "reason", ""), "NewReplicaSetAvailable");
	/* a new template: the rollout, watched */
	sub = store_subscribe(st, on_change, &n);
	n.rolling = true;
	d = store_obj_copy(store_get(st, kind("apps", "deployments"), "default", "web"));
	json_set_path(d, "spec.template.metadata.annotations", cJSON_Parse("{\"kubectl.kubernetes.io/restartedAt\":\"now\"}"));
	status_init(&s);
	ck_assert_int_eq(store_update(st, kind("apps", "deployments"), "default", d, &w, NULL, &s), 0);
	status_release(&s);
	want = 8;
	run_until(deploy_done, &want, 60, "the rolling update");
	n.rolling = false;
	store_unsubscribe(st, sub);
	ck_assert_int_gt(n.checks, 20);
	ck_assert_int_eq(n.max_spec_sum, 10);	/* the surge was used */
	ck_assert_int_eq(n.min_ready, 7);	/* and the unavailability */
	/* two ReplicaSets: the new one, revision 2, with the pods; the old at 0 */
	{
		size_t nrs = store_count(st, kind("apps", "replicasets"), "default");

		ck_assert_uint_eq(nrs, 2);
	}
	{
		const cJSON *ann = json_get(get("apps", "deployments", "web"), "metadata.annotations");

		ck_assert_str_eq(json_get_key(ann, "deployment.kubernetes.io/revision")->valuestring, "2");
	}
	prog = condition(get("apps", "deployments", "web"), "Progressing");
	ck_assert_str_eq(json_str(prog, "reason", ""), "NewReplicaSetAvailable");
	ck_assert(strstr(json_str(prog, "message", ""), "has successfully progressed.") != NULL);
	ck_assert_str_eq(json_str(condition(get("apps", "deployments", "web"), "Available"), "reason", ""),
			 "MinimumReplicasAvailable");
}
END_TEST

static void set_image(cJSON *o, const char *image)
{
	cJSON *ct = cJSON_GetArrayItem((cJSON *)json_get(o, "spec.template.spec.containers"), 0);

	ck_assert_ptr_nonnull(ct);
	cJSON_ReplaceItemInObjectCaseSensitive(ct, "image", cJSON_CreateString(image));
}

/* ---- Recreate: the old pods are gone before a new one exists ---- */

struct mix {
	bool on, mixed;
	int max_old, max_new;
};

static bool count_images(const struct store_obj *o, void *arg)
{
	int *n = arg;

	if (str_has_prefix(o->name, "rec-"))
		n[str_eq(json_str(o->obj, "spec.containers.0.image", ""), "app:2")]++;
	return true;
}

static void on_recreate(struct store *s, const struct store_event *ev, void *arg)
{
	struct mix *m = arg;
	int n[2] = { 0, 0 };

	(void)ev;
	if (!m->on)
		return;
	store_each(s, kind("", "pods"), "default", NULL, NULL, count_images, n);
	m->mixed = m->mixed || (n[0] && n[1]);
	m->max_new = DL_MAX(m->max_new, n[1]);
}

/* rec_done: rolled out, and no pod of the other image left (arg: 0 for
 * app:1, 1 for app:2) */
static bool rec_done(void *arg)
{
	const cJSON *d = get("apps", "deployments", "rec");
	int n[2] = { 0, 0 }, image = *(int *)arg;

	store_each(st, kind("", "pods"), "default", NULL, NULL, count_images, n);
	return d && json_int(d, "status.updatedReplicas", 0) == 3 && json_int(d, "status.availableReplicas", 0) == 3 &&
		json_int(d, "status.observedGeneration", 0) == json_int(d, "metadata.generation", -1) && !n[!image];
}

START_TEST(test_recreate)
{
	struct mix m = { .on = false };
	int first = 0, second = 1;
	uint64_t sub;
	cJSON *d;
	struct status s;
	struct store_write w = { .manager = "test" };
	create("apps", "deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
	       "{\"name\":\"rec\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"rec\"}},"
	       "\"strategy\":{\"type\":\"Recreate\"},\"template\":{\"metadata\":{\"labels\":{\"app\":\"rec\"}},"
	       "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"app:1\"}]}}}}");
	run_until(rec_done, &first, 30, "the first Recreate rollout");
	sub = store_subscribe(st, on_recreate, &m);
	m.on = true;
	d = store_obj_copy(store_get(st, kind("apps", "deployments"), "default", "rec"));
	set_image(d, "app:2");
	status_init(&s);
	ck_assert_int_eq(store_update(st, kind("apps", "deployments"), "default", d, &w, NULL, &s), 0);
	status_release(&s);
	run_until(rec_done, &second, 60, "the Recreate rollout");
	m.on = false;
	store_unsubscribe(st, sub);
	ck_assert(!m.mixed);
	ck_assert_int_eq(m.max_new, 3);
}
END_TEST

/* ---- a rollout that cannot progress times out ---- */

static bool timed_out(void *arg)
{
	const cJSON *c = condition(get("apps", "deployments", arg), "Progressing");

	return c && str_eq(json_str(c, "reason", ""), "ProgressDeadlineExceeded");
}

START_TEST(test_progress_deadline)
{
	const cJSON *c;

	/* no node has 1000 cpus: the pods stay Pending */
	create("apps", "deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
	       "{\"name\":\"big\"},\"spec\":{\"replicas\":1,\"progressDeadlineSeconds\":2,\"selector\":"
	       "{\"matchLabels\":{\"app\":\"big\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"big\"}},"
	       "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"app\",\"resources\":{\"requests\":"
	       "{\"cpu\":\"1000\"}}}]}}}}");
	run_until(timed_out, "big", 20, "ProgressDeadlineExceeded");
	c = condition(get("apps", "deployments", "big"), "Progressing");
	ck_assert_str_eq(json_str(c, "status", ""), "False");
	ck_assert(strstr(json_str(c, "message", ""), "has timed out progressing.") != NULL);
	ck_assert_str_eq(json_str(condition(get("apps", "deployments", "big"), "Available"), "reason", ""),
			 "MinimumReplicasUnavailable");
}
END_TEST

/* ---- StatefulSet: highest ordinal first, one at a time ---- */

struct order {
	char names[8][32];
	int n, max_down;
	bool on;
};

static bool count_down(const struct store_obj *o, void *arg)
{
	int *down = arg;
	const cJSON *c;
	bool ready = false;

	if (!str_has_prefix(o->name, "db-"))
		return true;
	cJSON_ArrayForEach(c, json_get(o->obj, "status.conditions"))
		ready = ready || (str_eq(json_str(c, "type", ""), "Ready") && str_eq(json_str(c, "status", ""), "True"));
	if (!ready || json_get(o->obj, "metadata.deletionTimestamp"))
		(*down)++;
	return true;
}

static void on_sts(struct store *s, const struct store_event *ev, void *arg)
{
	struct order *ord = arg;
	int down = 0;

	if (!ord->on || ev->obj->kind != kind("", "pods"))
		return;
	/* the moment a pod is marked for deletion, in order */
	if (ev->op == STORE_MODIFIED && json_get(ev->obj->obj, "metadata.deletionTimestamp") &&
	    !json_get(ev->old->obj, "metadata.deletionTimestamp") && ord->n < 8)
		str_copy(ord->names[ord->n++], ev->obj->name, sizeof(ord->names[0]));
	/* the pods missing or not Ready: one at most */
	store_each(s, kind("", "pods"), "default", NULL, NULL, count_down, &down);
	down += 3 - (int)store_count(s, kind("", "pods"), "default");
	ord->max_down = DL_MAX(ord->max_down, down);
}

static bool sts_done(void *arg)
{
	const cJSON *o = get("apps", "statefulsets", "db");

	(void)arg;
	return o && json_int(o, "status.readyReplicas", 0) == 3 && json_int(o, "status.updatedReplicas", 0) == 3 &&
		str_eq(json_str(o, "status.currentRevision", "a"), json_str(o, "status.updateRevision", "b")) &&
		json_int(o, "status.observedGeneration", 0) == json_int(o, "metadata.generation", -1);
}

START_TEST(test_statefulset_update)
{
	struct order ord = { .n = 0 };
	uint64_t sub;
	cJSON *o;
	struct status s;
	struct store_write w = { .manager = "test" };
	char rev1[64], rev2[64];

	create("apps", "statefulsets", "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":"
	       "{\"name\":\"db\"},\"spec\":{\"replicas\":3,\"serviceName\":\"db\",\"selector\":{\"matchLabels\":"
	       "{\"app\":\"db\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"db\"}},\"spec\":{\"containers\":"
	       "[{\"name\":\"pg\",\"image\":\"postgres:16\"}]}}}}");
	run_until(sts_done, NULL, 30, "the StatefulSet");
	str_copy(rev1, json_str(get("apps", "statefulsets", "db"), "status.updateRevision", ""), sizeof(rev1));
	ck_assert_int_eq(num("apps", "controllerrevisions", rev1, "revision"), 1);
	ck_assert_str_eq(json_str(get("", "pods", "db-2"), "metadata.labels.controller-revision-hash", ""), rev1);
	sub = store_subscribe(st, on_sts, &ord);
	ord.on = true;
	o = store_obj_copy(store_get(st, kind("apps", "statefulsets"), "default", "db"));
	set_image(o, "postgres:17");
	status_init(&s);
	ck_assert_msg(store_update(st, kind("apps", "statefulsets"), "default", o, &w, NULL, &s) == 0, "%s",
		      s.message);
	status_release(&s);
	run_until(sts_done, NULL, 60, "the rolling update");
	ord.on = false;
	store_unsubscribe(st, sub);
	ck_assert_int_eq(ord.n, 3);
	ck_assert_str_eq(ord.names[0], "db-2");
	ck_assert_str_eq(ord.names[1], "db-1");
	ck_assert_str_eq(ord.names[2], "db-0");
	ck_assert_int_eq(ord.max_down, 1);
	str_copy(rev2, json_str(get("apps", "statefulsets", "db"), "status.updateRevision", ""), sizeof(rev2));
	ck_assert_str_ne(rev1, rev2);
	ck_assert_int_eq(num("apps", "controllerrevisions", rev2, "revision"), 2);
	ck_assert_str_eq(json_str(get("", "pods", "db-0"), "spec.containers.0.image", ""), "postgres:17");
	ck_assert_str_eq(json_str(get("", "pods", "db-0"), "metadata.labels.controller-revision-hash", ""), rev2);
	/* the old template back (undo): its revision is renumbered 3 */
	o = store_obj_copy(store_get(st, kind("apps", "statefulsets"), "default", "db"));
	set_image(o, "postgres:16");
	status_init(&s);
	ck_assert_int_eq(store_update(st, kind("apps", "statefulsets"), "default", o, &w, NULL, &s), 0);
	status_release(&s);
	run_until(sts_done, NULL, 60, "the undo");
	ck_assert_str_eq(json_str(get("apps", "statefulsets", "db"), "status.updateRevision", ""), rev1);
	ck_assert_int_eq(num("apps", "controllerrevisions", rev1, "revision"), 3);
	ck_assert_uint_eq(store_count(st, kind("apps", "controllerrevisions"), "default"), 2);
}
END_TEST

/* ---- DaemonSets: taints and selectors ---- */

static bool ds_ready(void *arg)
{
	const char *const *names = arg;

	for (; *names; names += 2) {
		const cJSON *o = get("apps", "daemonsets", names[0]);
		int64_t want = names[1][0] - '0';

		if (!o || json_int(o, "status.desiredNumberScheduled", -1) != want ||
		    json_int(o, "status.numberReady", -1) != want || json_int(o, "status.numberAvailable", 0) != want)
			return false;
	}
	return true;
}

static bool node_of(const struct store_obj *o, void *arg)
{
	struct {
		char seen[8][64];
		int n;
		const char *prefix;
	} *a = arg;

	if (str_has_prefix(o->name, a->prefix) && a->n < 8)
		str_copy(a->seen[a->n++], json_str(o->obj, "spec.nodeName", ""), sizeof(a->seen[0]));
	return true;
}

START_TEST(test_daemonsets)
{
	static const char *const want[] = { "plain", "2", "tolerant", "3", "pinned", "1", NULL };
	struct {
		char seen[8][64];
		int n;
		const char *prefix;
	} a = { .n = 0, .prefix = "tolerant-" };

	start("2:cpu=4,memory=8Gi;1:cpu=4,memory=8Gi,name=tainted,taint=dedicated=ml:NoSchedule");
	create("apps", "daemonsets", "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":"
	       "\"plain\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"plain\"}},\"template\":{\"metadata\":"
	       "{\"labels\":{\"app\":\"plain\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"agent\"}]}}}}");
	create("apps", "daemonsets", "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":"
	       "\"tolerant\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"t\"}},\"template\":{\"metadata\":"
	       "{\"labels\":{\"app\":\"t\"}},\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":"
	       "\"Exists\"}],\"containers\":[{\"name\":\"a\",\"image\":\"agent\"}]}}}}");
	create("apps", "daemonsets", "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":"
	       "\"pinned\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"p\"}},\"template\":{\"metadata\":"
	       "{\"labels\":{\"app\":\"p\"}},\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":"
	       "\"sandbox-tainted-1\"},\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":"
	       "\"ml\",\"effect\":\"NoSchedule\"}],\"containers\":[{\"name\":\"a\",\"image\":\"agent\"}]}}}}");
	run_until(ds_ready, (void *)want, 30, "the DaemonSets");
	/* one pod per node, each on its own node */
	store_each(st, kind("", "pods"), "default", NULL, NULL, node_of, &a);
	ck_assert_int_eq(a.n, 3);
	ck_assert_str_ne(a.seen[0], a.seen[1]);
	ck_assert_str_ne(a.seen[1], a.seen[2]);
	ck_assert_str_ne(a.seen[0], a.seen[2]);
	a.n = 0;
	a.prefix = "pinned-";
	store_each(st, kind("", "pods"), "default", NULL, NULL, node_of, &a);
	ck_assert_int_eq(a.n, 1);
	ck_assert_str_eq(a.seen[0], "sandbox-tainted-1");
	a.n = 0;
	a.prefix = "plain-";
	store_each(st, kind("", "pods"), "default", NULL, NULL, node_of, &a);
	ck_assert_int_eq(a.n, 2);
	ck_assert(!str_eq(a.seen[0], "sandbox-tainted-1") && !str_eq(a.seen[1], "sandbox-tainted-1"));
	ck_assert_int_eq(num("apps", "daemonsets", "plain", "status.numberMisscheduled"), 0);
	ck_assert_int_eq(num("apps", "daemonsets", "plain", "status.updatedNumberScheduled"), 2);
	teardown();
}
END_TEST

/* ---- CronJob on a pinned clock ---- */

static int64_t t_of(const char *rfc3339)
{
	time_t t;

	ck_assert_int_eq(time_parse_rfc3339(rfc3339, &t), 0);
	return (int64_t)t;
}

static bool has(void *arg)
{
	return get("batch", "jobs", arg) != NULL;
}

static bool gone(void *arg)
{
	return get("batch", "jobs", arg) == NULL;
}

static bool job_complete(void *arg)
{
	const cJSON *j = get("batch", "jobs", arg);

	return j && json_int(j, "status.succeeded", 0) == 1 && json_get(j, "status.completionTime");
}

static bool quiet(void *arg)
{
	int *turns = arg;

	return --*turns <= 0;
}

struct evq {
	const char *reason, *needle;
	bool found;
};

static bool find_event(const struct store_obj *o, void *arg)
{
	struct evq *q = arg;

	if (str_eq(json_str(o->obj, "reason", ""), q->reason) && strstr(json_str(o->obj, "message", ""), q->needle))
		q->found = true;
	return !q->found;
}

static bool has_event(const char *reason, const char *needle)
{
	struct evq q = { reason, needle, false };

	store_each(st, kind("", "events"), "default", NULL, NULL, find_event, &q);
	return q.found;
}

START_TEST(test_cronjob)
{
	char j1[64], j2[64];
	int turns = 20;
	const cJSON *cj;

	sim_set_clock(sim, t_of("2025-01-01T00:00:30Z"));
	create("batch", "cronjobs", "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":"
	       "\"report\"},\"spec\":{\"schedule\":\"*/5 * * * *\",\"concurrencyPolicy\":\"Forbid\","
	       "\"successfulJobsHistoryLimit\":1,\"jobTemplate\":{\"metadata\":{\"labels\":{\"kind\":\"report\"}},"
	       "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"r\","
	       "\"image\":\"busybox\"}]}}}}}}");
	run_until(quiet, &turns, 10, "a few turns");
	ck_assert_uint_eq(store_count(st, kind("batch", "jobs"), "default"), 0);
	/* 00:05:00 is due: the Job <cronjob>-<minutes since the epoch> */
	snprintf(j1, sizeof(j1), "report-%lld", (long long)(t_of("2025-01-01T00:05:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:05:10Z"));
	run_until(has, j1, 10, j1);
	ck_assert_str_eq(json_str(get("batch", "jobs", j1), "metadata.labels.kind", ""), "report");
	ck_assert_str_eq(json_str(json_get(get("batch", "jobs", j1), "metadata.annotations"), "", ""), "");
	ck_assert_str_eq(json_get_key(json_get(get("batch", "jobs", j1), "metadata.annotations"),
				      "batch.kubernetes.io/cronjob-scheduled-timestamp")->valuestring,
			 "2025-01-01T00:05:00Z");
	cj = get("batch", "cronjobs", "report");
	ck_assert_str_eq(json_str(cj, "status.lastScheduleTime", ""), "2025-01-01T00:05:00Z");
	ck_assert_str_eq(json_str(cj, "status.active.0.name", ""), j1);
	/* 00:10 while it runs: Forbid */
	snprintf(j2, sizeof(j2), "report-%lld", (long long)(t_of("2025-01-01T00:10:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:10:05Z"));
	turns = 5;
	run_until(quiet, &turns, 10, "a few turns");
	if (!job_complete(j1)) {
		ck_assert(get("batch", "jobs", j2) == NULL);
		ck_assert(has_event("JobAlreadyActive", "concurrency policy is Forbid"));
	}
	/* once it completed, the missed 00:10 runs; then the history keeps one */
	run_until(job_complete, j1, 30, "the first Job");
	run_until(has, j2, 10, j2);
	run_until(job_complete, j2, 30, "the second Job");
	run_until(gone, j1, 10, "the first Job's removal");
	ck_assert(has_event("SawCompletedJob", j1));
	ck_assert(has_event("SuccessfulDelete", j1));
	cj = get("batch", "cronjobs", "report");
	ck_assert_str_eq(json_str(cj, "status.lastScheduleTime", ""), "2025-01-01T00:10:00Z");
	ck_assert_ptr_nonnull(json_get(cj, "status.lastSuccessfulTime"));
	ck_assert_ptr_null(json_get(cj, "status.active"));
}
END_TEST

/* Replace: the running Job goes for the new one; startingDeadlineSeconds:
 * a run missed by more than that is skipped */
START_TEST(test_cronjob_replace)
{
	char j1[64], j2[64], j3[64];
	int turns;

	sim_set_clock(sim, t_of("2025-01-01T00:00:30Z"));
	create("batch", "cronjobs", "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":"
	       "\"every\"},\"spec\":{\"schedule\":\"* * * * *\",\"concurrencyPolicy\":\"Replace\","
	       "\"startingDeadlineSeconds\":30,\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
	       "\"Never\",\"containers\":[{\"name\":\"r\",\"image\":\"busybox\"}]}}}}}}");
	snprintf(j1, sizeof(j1), "every-%lld", (long long)(t_of("2025-01-01T00:01:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:01:05Z"));
	run_until(has, j1, 10, j1);
	/* a minute later, j1 still running: it is replaced */
	snprintf(j2, sizeof(j2), "every-%lld", (long long)(t_of("2025-01-01T00:02:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:02:05Z"));
	run_until(has, j2, 10, j2);
	if (get("batch", "jobs", j1) && !job_complete(j1))
		run_until(gone, j1, 10, "the replaced Job to go");
	ck_assert(has_event("SuccessfulDelete", j1) || job_complete(j1));
	/* 00:03 missed by 40 s, over the deadline of 30: no Job for it */
	snprintf(j3, sizeof(j3), "every-%lld", (long long)(t_of("2025-01-01T00:03:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:03:40Z"));
	turns = 10;
	run_until(quiet, &turns, 10, "a few turns");
	ck_assert_ptr_null(get("batch", "jobs", j3));
	/* 00:04 within it */
	snprintf(j3, sizeof(j3), "every-%lld", (long long)(t_of("2025-01-01T00:04:00Z") / 60));
	sim_set_clock(sim, t_of("2025-01-01T00:04:20Z"));
	run_until(has, j3, 10, j3);
}
END_TEST

/* ---- graceful deletion ---- */

static bool pod_running(void *arg)
{
	return str_eq(json_str(get("", "pods", arg), "status.phase", ""), "Running");
}

static bool exists(void *arg)
{
	return access(arg, F_OK) == 0;
}

static bool pod_gone(void *arg)
{
	return get("", "pods", arg) == NULL;
}

START_TEST(test_grace)
{
	struct store_delete d = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = -1 };
	struct status s;
	bool done;
	uint64_t t0;

	/* a real main that ignores SIGTERM: the grace runs out, then SIGKILL */
	create("", "pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"stubborn\"},"
	       "\"spec\":{\"terminationGracePeriodSeconds\":2,\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
	       "\"stdin\":true,\"command\":[\"sh\",\"-c\",\"trap '' TERM; touch armed; while :; do sleep 0.1; done\"]}]}}");
	/* and a simulated one, which stops at once */
	create("", "pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"quick\"},"
	       "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
	run_until(pod_running, "stubborn", 30, "stubborn to run");
	/* its trap is set once it made the file, in its folder */
	{
		char *armed = xasprintf("%s/pods/default/stubborn/c/armed", tmp);

		run_until(exists, armed, 30, armed);
		free(armed);
	}
	run_until(pod_running, "quick", 30, "quick to run");
	status_init(&s);
	t0 = time_mono_ms();
	ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "stubborn", &d, NULL, &done, &s), 0);
	ck_assert(!done);
	ck_assert_int_eq(num("", "pods", "stubborn", "metadata.deletionGracePeriodSeconds"), 2);
	ck_assert_ptr_nonnull(json_get(get("", "pods", "stubborn"), "metadata.deletionTimestamp"));
	ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "quick", &d, NULL, &done, &s), 0);
	/* a second delete with a longer grace changes nothing, an update keeps the mark */
	{
		struct store_delete longer = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = 60 };
		struct store_write lw = { .manager = "test" };
		cJSON *p = store_obj_copy(store_get(st, kind("", "pods"), "default", "stubborn"));

		ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "stubborn", &longer, NULL, &done, &s), 0);
		ck_assert(!done);
		ck_assert_int_eq(num("", "pods", "stubborn", "metadata.deletionGracePeriodSeconds"), 2);
		json_set_path(p, "metadata.labels", cJSON_Parse("{\"seen\":\"yes\"}"));
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "metadata"),
							"resourceVersion");
		ck_assert_int_eq(store_update(st, kind("", "pods"), "default", p, &lw, NULL, &s), 0);
		ck_assert_ptr_nonnull(get("", "pods", "stubborn"));
	}
	status_release(&s);
	run_until(pod_gone, "quick", 10, "quick to go");
	ck_assert_ptr_nonnull(get("", "pods", "stubborn"));	/* still in its grace */
	run_until(pod_gone, "stubborn", 15, "stubborn to go");
	ck_assert_uint_ge(time_mono_ms() - t0, 1900);
	ck_assert(has_event("Killing", "Stopping container c"));
	/* a shorter grace brings the deadline closer */
	create("", "pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"slow\"},"
	       "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"stdin\":true,\"command\":"
	       "[\"sh\",\"-c\",\"trap '' TERM; touch armed; while :; do sleep 0.1; done\"]}]}}");
	run_until(pod_running, "slow", 30, "slow to run");
	{
		char *armed = xasprintf("%s/pods/default/slow/c/armed", tmp);
		struct store_delete g30 = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = 30 };
		struct store_delete g1 = { .propagation = STORE_PROPAGATE_BACKGROUND, .grace_seconds = 1 };

		run_until(exists, armed, 30, armed);
		free(armed);
		status_init(&s);
		ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "slow", &g30, NULL, &done, &s), 0);
		ck_assert_int_eq(num("", "pods", "slow", "metadata.deletionGracePeriodSeconds"), 30);
		t0 = time_mono_ms();
		ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "slow", &g1, NULL, &done, &s), 0);
		ck_assert_int_eq(num("", "pods", "slow", "metadata.deletionGracePeriodSeconds"), 1);
		status_release(&s);
		run_until(pod_gone, "slow", 15, "slow to go");
		ck_assert_uint_lt(time_mono_ms() - t0, 10000);
	}
	/* an unscheduled pod goes at once */
	create("", "pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"nowhere\"},"
	       "\"spec\":{\"nodeSelector\":{\"no\":\"such\"},\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
	status_init(&s);
	ck_assert_int_eq(store_delete(st, kind("", "pods"), "default", "nowhere", &d, NULL, &done, &s), 0);
	status_release(&s);
	ck_assert(done);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_sim");
	TCase *tc = tcase_create("workloads");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rolling_update);
	tcase_add_test(tc, test_recreate);
	tcase_add_test(tc, test_progress_deadline);
	tcase_add_test(tc, test_statefulset_update);
	tcase_add_test(tc, test_cronjob);
	tcase_add_test(tc, test_cronjob_replace);
	tcase_add_test(tc, test_grace);
	suite_add_tcase(s, tc);
	tc = tcase_create("nodes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_daemonsets);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
