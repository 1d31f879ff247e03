/*
 * test_sb_simchurn.c: what replaced pods leave behind in the simulated
 * cluster (in process, as test_sb_sim.c).  A Deployment of 100 replicas
 * restarted twice (kubectl rollout restart's annotation) must leave the
 * per-pod tables (runs by uid, their logs, exec sessions) at one entry
 * per live pod; and the Events of the replaced pods, kept for their
 * time to live, must go 1 h after their last write (kube-apiserver's
 * --event-ttl), under a pinned clock.  The bench
 * b_sandbox_cluster.sh showed the sandbox's memory growing with each
 * rolling restart: the Events were never deleted.
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
#include "../../src/sandbox/sim-internal.h"	/* the tables under test */
#include "testsandbox.h"

#define REPLICAS 100

static void setup(void)
{
	struct api_config cfg = { .bind = "127.0.0.1", .token = "t",
				  .nodes_spec = "4:cpu=64,memory=256Gi,pods=200" };

	testsandbox_start("sbchurn", &cfg, true);
}

static void teardown(void)
{
	testsandbox_stop();
}

static int64_t t_of(const char *rfc3339)
{
	time_t t;

	ck_assert_int_eq(time_parse_rfc3339(rfc3339, &t), 0);
	return (int64_t)t;
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

/* settled: the rollout is over and the replaced pods are gone */
static bool settled(void *arg)
{
	const struct store_obj *d = store_get(st, kind("apps", "deployments"), "default", "many");
	const cJSON *o = d ? d->obj : NULL;

	(void)arg;
	return o && json_int(o, "status.observedGeneration", -1) == json_int(o, "metadata.generation", 0) &&
	       json_int(o, "status.updatedReplicas", -1) == REPLICAS &&
	       json_int(o, "status.availableReplicas", -1) == REPLICAS &&
	       json_int(o, "status.replicas", -1) == REPLICAS &&
	       store_count(st, kind("", "pods"), NULL) == REPLICAS && sim->nruns == REPLICAS;
}

/* check_tables: one run per live pod, each findable by uid, and nothing
 * else per pod */
static void check_tables(void)
{
	size_t slots = 0, logs = 0;

	ck_assert_uint_eq(sim->nruns, store_count(st, kind("", "pods"), NULL));
	for (size_t i = 0; i < sim->run_cap; i++)
		slots += sim->run_slots[i] != NULL;
	ck_assert_uint_eq(slots, sim->nruns);
	for (size_t i = 0; i < sim->nruns; i++) {
		const struct podrun *r = sim->runs[i];
		const struct store_obj *p = store_get(st, kind("", "pods"), r->ns, r->name);

		ck_assert_uint_eq(r->index, i);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(json_str(p->obj, "metadata.uid", ""), r->uid);
		ck_assert_ptr_eq(lifecycle_find(sim, r->uid), r);
		logs += r->nlogs;
	}
	ck_assert_uint_eq(logs, sim->nruns);	/* one container each */
	ck_assert_ptr_null(sim->execs);
	/* the run map stays sized for the peak (surge included), not the churn */
	ck_assert_uint_le(sim->run_cap, 4 * 2 * REPLICAS);
}

static void restart(const char *when)
{
	const struct store_obj *d = store_get(st, kind("apps", "deployments"), "default", "many");
	struct store_write w = { .manager = "kubectl-rollout" };
	struct status s;
	cJSON *o, *a;

	ck_assert_ptr_nonnull(d);
	o = store_obj_copy(d);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "kubectl.kubernetes.io/restartedAt", when);
	json_set_path(o, "spec.template.metadata.annotations", a);
	status_init(&s);
	ck_assert_msg(store_update(st, kind("apps", "deployments"), "default", o, &w, NULL, &s) == 0, "%s",
		      s.message ? s.message : "?");
	status_release(&s);
}

struct evcount {
	const char *stamp;	/* lastTimestamp to count, NULL: all */
	size_t n;
};

static bool count_event(const struct store_obj *o, void *arg)
{
	struct evcount *q = arg;

	if (!q->stamp || str_eq(json_str(o->obj, "lastTimestamp", ""), q->stamp))
		q->n++;
	return true;
}

static size_t events(const char *stamp)
{
	struct evcount q = { stamp, 0 };

	store_each(st, kind("", "events"), NULL, NULL, NULL, count_event, &q);
	return q.n;
}

static bool no_events_at(void *arg)
{
	return events(arg) == 0;
}

START_TEST(test_rollout_restarts)
{
	size_t first, second, kept;

	sim_set_clock(sim, t_of("2025-01-01T00:00:00Z"));
	{
		struct store_write w = { .manager = "test" };
		struct status s;
		cJSON *o = cJSON_Parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
				       "\"metadata\":{\"name\":\"many\"},\"spec\":{\"replicas\":100,"
				       "\"selector\":{\"matchLabels\":{\"app\":\"many\"}},\"template\":"
				       "{\"metadata\":{\"labels\":{\"app\":\"many\"}},\"spec\":{\"containers\":"
				       "[{\"name\":\"nginx\",\"image\":\"nginx\"}]}}}}");

		ck_assert_ptr_nonnull(o);
		status_init(&s);
		ck_assert_msg(store_create(st, kind("apps", "deployments"), "default", o, &w, NULL, &s) == 0,
			      "%s", s.message ? s.message : "?");
		status_release(&s);
	}
	run_until(settled, NULL, 60, "100 replicas");
	check_tables();
	restart("2025-01-01T00:00:00Z");
	run_until(settled, NULL, 60, "the first restart");
	check_tables();
	first = events("2025-01-01T00:00:00Z");
	/* the first pods' 5, their 100 Killing, the second pods' 5 */
	ck_assert_uint_ge(first, 11 * REPLICAS);

	sim_set_clock(sim, t_of("2025-01-01T00:30:00Z"));
	restart("2025-01-01T00:30:00Z");
	run_until(settled, NULL, 60, "the second restart");
	check_tables();
	second = events("2025-01-01T00:30:00Z");
	ck_assert_uint_ge(second, 6 * REPLICAS);
	ck_assert_uint_eq(events("2025-01-01T00:00:00Z"), first);

	/* 1 h after: not yet, the sweep waits for the lease's minute */
	sim_set_clock(sim, t_of("2025-01-01T01:00:30Z"));
	for (int i = 0; i < 20; i++)
		loop_run_once(loop, 10);
	ck_assert_uint_eq(events("2025-01-01T00:00:00Z"), first);
	/* past it: the first hour's Events go (over 1,000: several sweeps),
	 * the later ones stay */
	sim_set_clock(sim, t_of("2025-01-01T01:01:05Z"));
	run_until(no_events_at, "2025-01-01T00:00:00Z", 30, "the first Events to expire");
	kept = events(NULL);
	ck_assert_uint_eq(kept, second);
	sim_set_clock(sim, t_of("2025-01-01T01:31:05Z"));
	run_until(no_events_at, NULL, 30, "every Event to expire");
	check_tables();
	ck_assert_int_eq(sim->events_due, 0);	/* nothing left to wait for */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_simchurn");
	TCase *tc = tcase_create("churn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_rollout_restarts);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
