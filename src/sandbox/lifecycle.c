/*
 * lifecycle.c: what a kubelet would do with each scheduled pod (sim.h).
 *
 * A run walks: bound → (0.3 s) ContainerCreating, Pulling → (0.7 s)
 * Running, Pulled, Created, Started, each container's main process
 * started (simmain.c) → then, for a Job's pod whose mains are all
 * simulated, Succeeded 2 s later; for a "crashloop" image, an exit 1
 * after 2 s and CrashLoopBackOff with the kubelet's back-off (10 s
 * doubling to 5 min), then a restart.  A real main that exits is handled
 * by the pod's restartPolicy: Always restarts it (with the back-off),
 * OnFailure when it failed, else the pod Succeeds or Fails.
 *
 * Deletion: the store's graceful hook (lifecycle_grace) gives a scheduled,
 * unfinished pod its grace, spec.terminationGracePeriodSeconds or the
 * request's; the pod then carries deletionTimestamp and the run sends
 * SIGTERM to each container's main and to the processes exec'd in it
 * (Killing events).  When all of them have exited, or at the end of the
 * grace with SIGKILL, the kubelet writes the containers' terminated states
 * and deletes the pod with grace 0.
 *
 * Each step writes the pod's status and Events (simstatus.c).  One loop
 * timer serves every run: it fires at the earliest next step and is not
 * armed when no run waits, so an idle cluster has no lifecycle wake-ups.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/simproc.h"
#include "sim-internal.h"

#define CREATE_DELAY_MS 300
#define PULL_DELAY_MS 700
#define RUN_BEFORE_EXIT_MS 2000
#define BACKOFF_FIRST_S 10
#define BACKOFF_MAX_S 300
#define KILL_RECHECK_MS 200

/* ---- runs by uid: open addressing, linear probing ---- */

static uint64_t hash_uid(const char *uid)
{
	uint64_t h = 1469598103934665603ull;

	for (; *uid; uid++)
		h = (h ^ (unsigned char)*uid) * 1099511628211ull;
	return h;
}

static void map_put(struct sim *c, struct podrun *r);

static void map_grow(struct sim *c)
{
	struct podrun **old = c->run_slots;
	size_t cap = c->run_cap;

	c->run_cap = cap ? cap * 2 : 64;
	c->run_slots = xcalloc(c->run_cap, sizeof(*c->run_slots));
	for (size_t i = 0; i < cap; i++)
		if (old[i])
			map_put(c, old[i]);
	free(old);
}

static void map_put(struct sim *c, struct podrun *r)
{
	size_t i;

	if ((c->nruns + 1) * 2 > c->run_cap)
		map_grow(c);
	for (i = hash_uid(r->uid) & (c->run_cap - 1); c->run_slots[i]; i = (i + 1) & (c->run_cap - 1))
		;
	c->run_slots[i] = r;
}

static void map_del(struct sim *c, const struct podrun *r)
{
	size_t mask = c->run_cap - 1, i, j;

	if (!c->run_cap)
		return;
	for (i = hash_uid(r->uid) & mask; c->run_slots[i] && c->run_slots[i] != r; i = (i + 1) & mask)
		;
	if (!c->run_slots[i])
		return;
	/* backward shift: what follows in the cluster moves up */
	c->run_slots[i] = NULL;
	for (j = (i + 1) & mask; c->run_slots[j]; j = (j + 1) & mask) {
		struct podrun *x = c->run_slots[j];
		size_t home = hash_uid(x->uid) & mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			c->run_slots[i] = x;
			c->run_slots[j] = NULL;
			i = j;
		}
	}
}

struct podrun *lifecycle_find(struct sim *c, const char *uid)
{
	if (!c->run_cap || !uid)
		return NULL;
	for (size_t i = hash_uid(uid) & (c->run_cap - 1); c->run_slots[i]; i = (i + 1) & (c->run_cap - 1))
		if (strcmp(c->run_slots[i]->uid, uid) == 0)
			return c->run_slots[i];
	return NULL;
}

struct run_log *lifecycle_log(struct podrun *r, const char *container)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (!container || !*container || strcmp(r->logs[i].container, container) == 0)
			return &r->logs[i];
	return NULL;
}

static void run_free(struct sim *c, struct podrun *r)
{
	for (size_t i = 0; i < r->nlogs; i++) {
		simmain_release(&r->logs[i]);
		podapi_drop_followers(&r->logs[i]);
		free(r->logs[i].container);
		kubelog_free(r->logs[i].log);
		kubelog_free(r->logs[i].prev);
	}
	execws_close_pod(c, r->uid);
	simproc_forget(c->procs, r->uid);
	free(r->logs);
	free(r->uid);
	free(r->ns);
	free(r->name);
	free(r->node);
	free(r);
}

void lifecycle_forget(struct sim *c, const char *uid)
{
	struct podrun *r = lifecycle_find(c, uid);

	if (!r) {
		execws_close_pod(c, uid);
		return;
	}
	map_del(c, r);
	c->runs[r->index] = c->runs[--c->nruns];
	c->runs[r->index]->index = r->index;
	c->runs_gen++;
	run_free(c, r);
}

void lifecycle_free_all(struct sim *c)
{
	while (c->nruns)
		run_free(c, c->runs[--c->nruns]);
	free(c->runs);
	free(c->run_slots);
	c->runs = NULL;
	c->run_slots = NULL;
	c->run_cap = 0;
}

static long tick(struct loop *l, void *arg);

/* arm: the timer at the earliest step of any run */
static void arm(struct sim *c)
{
	uint64_t now = loop_now_ms(c->loop), next = 0;

	for (size_t i = 0; i < c->nruns; i++)
		if (c->runs[i]->next_ms && (!next || c->runs[i]->next_ms < next))
			next = c->runs[i]->next_ms;
	if (c->tick_timer) {
		loop_del_timer(c->loop, c->tick_timer);
		c->tick_timer = 0;
	}
	if (next) {
		c->tick_due = next;
		c->tick_timer = loop_add_timer(c->loop, next > now ? (long)(next - now) : 0, tick, c);
	}
}

/* at: r's next step at loop time ms; the timer moves only when sooner */
static void at(struct sim *c, struct podrun *r, uint64_t ms)
{
	uint64_t now = loop_now_ms(c->loop);

	r->next_ms = ms ? ms : 1;
	if (c->tick_timer && c->tick_due <= r->next_ms)
		return;
	if (c->tick_timer)
		loop_del_timer(c->loop, c->tick_timer);
	c->tick_due = r->next_ms;
	c->tick_timer = loop_add_timer(c->loop, r->next_ms > now ? (long)(r->next_ms - now) : 0, tick, c);
}

static struct podrun *run_new(struct sim *c, const cJSON *pod, const char *node)
{
	struct podrun *r = xcalloc(1, sizeof(*r));
	const cJSON *ct;

	r->uid = xstrdup(json_str(pod, "metadata.uid", ""));
	r->ns = xstrdup(json_str(pod, "metadata.namespace", "default"));
	r->name = xstrdup(json_str(pod, "metadata.name", ""));
	r->node = xstrdup(node);
	scheduler_pod_requests(pod, &r->req);
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers"))
		r->nlogs++;
	r->logs = xcalloc(r->nlogs ? r->nlogs : 1, sizeof(*r->logs));
	r->nlogs = 0;
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		struct run_log *l = &r->logs[r->nlogs++];

		l->container = xstrdup(json_str(ct, "name", ""));
		l->log = kubelog_new(0);
		l->fifo = -1;
		buf_init(&l->partial, 0);
		l->c = c;
		l->r = r;
	}
	map_put(c, r);
	c->runs = xreallocarray(c->runs, c->nruns + 1, sizeof(*c->runs));
	r->index = c->nruns;
	c->runs[c->nruns++] = r;
	return r;
}

void lifecycle_bound(struct sim *c, const cJSON *pod, const char *node)
{
	struct podrun *r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));

	if (!r)
		r = run_new(c, pod, node);
	r->stage = RUN_BOUND;
	at(c, r, loop_now_ms(c->loop) + CREATE_DELAY_MS);
}

static bool owned_by(const cJSON *pod, const char *kind)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, json_get(pod, "metadata.ownerReferences"))
		if (str_eq(json_str(o, "kind", ""), kind))
			return true;
	return false;
}

static bool any_image(const cJSON *pod, const char *needle)
{
	const cJSON *ct;

	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers"))
		if (strstr(json_str(ct, "image", ""), needle))
			return true;
	return false;
}

static bool all_virtual(const struct podrun *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].proc)
			return false;
	return true;
}

static bool any_running(const struct podrun *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].running)
			return true;
	return false;
}

static void stop_all(struct podrun *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		simmain_stop(&r->logs[i]);
}

static void start(struct sim *c, struct podrun *r, const cJSON *pod)
{
	const cJSON *ct;

	r->started = sim_unix(c);
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		struct run_log *l = lifecycle_log(r, json_str(ct, "name", ""));

		if (!l)
			continue;
		simmain_start(c, l, pod, ct);
		if (any_image(pod, "crashloop")) {
			static const char msg[] = "Error: the configuration could not be loaded: exiting\n";

			kubelog_append(l->log, sim_unix_ns(c) + 1500000000LL, msg, sizeof(msg) - 1);
			podapi_notify(l);
		}
	}
	if (simstatus_write(c, r, SIMSTATUS_RUNNING, 0))
		simstatus_events(c, r, pod, SIMSTATUS_EV_STARTED);
	r->stage = RUN_RUNNING;
	if ((owned_by(pod, "Job") && all_virtual(r)) || any_image(pod, "crashloop"))
		at(c, r, loop_now_ms(c->loop) + RUN_BEFORE_EXIT_MS);
	else
		r->next_ms = 0;
}

/* crash: the run ended with code and restarts after the back-off */
static void crash(struct sim *c, struct podrun *r, const cJSON *pod, int code)
{
	int backoff = BACKOFF_FIRST_S;

	for (int i = 0; i < r->restarts && backoff < BACKOFF_MAX_S; i++)
		backoff *= 2;
	if (backoff > BACKOFF_MAX_S)
		backoff = BACKOFF_MAX_S;
	stop_all(r);
	r->restarts++;
	r->last_exit = code;
	r->stage = RUN_CRASHED;
	/* the run that ended is what previous=true shows */
	for (size_t i = 0; i < r->nlogs; i++) {
		struct run_log *l = &r->logs[i];

		if (l->partial.len) {
			kubelog_append(l->log, sim_unix_ns(c), l->partial.data, l->partial.len);
			buf_reset(&l->partial);
		}
		kubelog_free(l->prev);
		l->prev = l->log;
		l->log = kubelog_new(0);
		podapi_rewind(l);
	}
	if (simstatus_write(c, r, SIMSTATUS_CRASHED, backoff))
		simstatus_events(c, r, pod, SIMSTATUS_EV_BACKOFF);
	at(c, r, loop_now_ms(c->loop) + (uint64_t)backoff * 1000);
}

/* finish: the pod is done, Succeeded or Failed */
static void finish(struct sim *c, struct podrun *r, bool ok)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].running && !r->logs[i].proc)
			r->logs[i].exit_code = ok ? 0 : 1;	/* a simulated main's end */
	stop_all(r);
	r->stage = RUN_DONE;
	r->next_ms = 0;
	simstatus_write(c, r, ok ? SIMSTATUS_SUCCEEDED : SIMSTATUS_FAILED, 0);
	/* nothing more will be written: kubectl logs -f ends */
	for (size_t i = 0; i < r->nlogs; i++) {
		if (r->logs[i].partial.len) {
			kubelog_append(r->logs[i].log, sim_unix_ns(c), r->logs[i].partial.data,
				       r->logs[i].partial.len);
			buf_reset(&r->logs[i].partial);
			podapi_notify(&r->logs[i]);
		}
		podapi_drop_followers(&r->logs[i]);
	}
}

/* delete_now: the kubelet's final delete, once the containers stopped
 * (r may be freed by it) */
static void delete_now(struct sim *c, const char *ns, const char *name, const char *uid)
{
	struct store_delete d = { .propagation = STORE_PROPAGATE_DEFAULT, .uid = uid, .grace_seconds = 0 };
	struct status st;
	char *u = xstrdup(uid);

	d.uid = u;
	status_init(&st);
	if (store_delete(c->store, c->k_pods, ns, name, &d, NULL, NULL, &st) != 0 && st.code != 404 &&
	    st.code != 409)
		log_warn("deleting pod %s/%s: %s", ns, name, st.message ? st.message : "?");
	status_release(&st);
	free(u);
}

/* terminate_step: the grace: SIGTERM first, SIGKILL at the deadline,
 * and the pod's removal once nothing runs */
static void terminate_step(struct sim *c, struct podrun *r, const cJSON *pod)
{
	uint64_t now = loop_now_ms(c->loop);

	if (!r->stop_sent) {
		r->stop_sent = true;
		simstatus_events(c, r, pod, SIMSTATUS_EV_KILLING);
		for (size_t i = 0; i < r->nlogs; i++)
			simmain_signal(&r->logs[i], SIGTERM);
		execws_signal_pod(c, r->uid, SIGTERM);
	}
	if (!r->killed && now >= r->kill_ms) {
		r->killed = true;
		for (size_t i = 0; i < r->nlogs; i++)
			simmain_signal(&r->logs[i], SIGKILL);
		execws_signal_pod(c, r->uid, SIGKILL);
	}
	if (any_running(r) || execws_pod_busy(c, r->uid)) {
		/* exits poke the run; this is the deadline, or a late reap's check */
		at(c, r, r->killed ? now + KILL_RECHECK_MS : r->kill_ms);
		return;
	}
	r->next_ms = 0;
	if (r->stage == RUN_RUNNING || r->stage == RUN_CRASHED)
		simstatus_write(c, r, SIMSTATUS_STOPPED, 0);
	delete_now(c, r->ns, r->name, r->uid);
}

static void step(struct sim *c, struct podrun *r)
{
	const struct store_obj *o = store_get(c->store, c->k_pods, r->ns, r->name);
	cJSON *pod;

	r->next_ms = 0;
	if (!o || !str_eq(json_str(o->obj, "metadata.uid", ""), r->uid))
		return;
	pod = store_obj_copy(o);	/* writes below invalidate o */
	if (r->terminating) {
		terminate_step(c, r, pod);	/* r may be gone after it */
		cJSON_Delete(pod);
		return;
	}
	switch (r->stage) {
	case RUN_BOUND:
		if (simstatus_write(c, r, SIMSTATUS_CREATING, 0))
			simstatus_events(c, r, pod, SIMSTATUS_EV_PULLING);
		r->stage = RUN_CREATING;
		at(c, r, loop_now_ms(c->loop) + PULL_DELAY_MS);
		break;
	case RUN_CREATING:
	case RUN_CRASHED:
		start(c, r, pod);
		break;
	case RUN_RUNNING:
		if (any_image(pod, "crashloop") && !owned_by(pod, "Job"))
			crash(c, r, pod, 1);
		else if (owned_by(pod, "Job") && all_virtual(r))
			finish(c, r, !any_image(pod, "fail") && !any_image(pod, "crashloop"));
		break;
	case RUN_DONE:
		break;
	}
	cJSON_Delete(pod);
}

static long tick(struct loop *l, void *arg)
{
	struct sim *c = arg;
	uint64_t now = loop_now_ms(l);

	c->tick_timer = 0;
	/* steps write, and writes may forget runs: start again when they did */
	for (size_t i = 0; i < c->nruns; i++) {
		struct podrun *r = c->runs[i];

		if (r->next_ms && r->next_ms <= now) {
			uint64_t gen = c->runs_gen;

			step(c, r);
			if (gen != c->runs_gen)
				i = (size_t)-1;
		}
	}
	arm(c);
	return LOOP_NOMORE;
}

void lifecycle_main_exited(struct sim *c, struct run_log *l, int status)
{
	struct podrun *r = l->r;
	const struct store_obj *o;
	const char *policy;
	cJSON *pod;

	if (r->terminating) {
		at(c, r, loop_now_ms(c->loop));
		return;
	}
	if (r->stage != RUN_RUNNING)
		return;
	o = store_get(c->store, c->k_pods, r->ns, r->name);
	if (!o)
		return;
	pod = store_obj_copy(o);
	policy = json_str(pod, "spec.restartPolicy", "Always");
	if (str_eq(policy, "Always") || (str_eq(policy, "OnFailure") && status != 0))
		crash(c, r, pod, status);
	else
		finish(c, r, status == 0);
	cJSON_Delete(pod);
}

void lifecycle_poke(struct sim *c, const char *uid)
{
	struct podrun *r = uid ? lifecycle_find(c, uid) : NULL;

	if (r && r->terminating)
		at(c, r, loop_now_ms(c->loop));
}

int64_t lifecycle_grace(struct store *s, const cJSON *pod, int64_t requested, void *arg)
{
	const char *phase = json_str(pod, "status.phase", "");
	int64_t grace = requested >= 0 ? requested : json_int(pod, "spec.terminationGracePeriodSeconds", 30);

	(void)s;
	(void)arg;
	/* the pod strategy's CheckGracefulDelete: nothing runs to stop */
	if (!*json_str(pod, "spec.nodeName", "") || str_eq(phase, "Succeeded") || str_eq(phase, "Failed"))
		return 0;
	return grace > 0 ? grace : 0;
}

void lifecycle_terminate(struct sim *c, const cJSON *pod)
{
	struct podrun *r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));
	int64_t grace = json_int(pod, "metadata.deletionGracePeriodSeconds", 0);
	uint64_t now = loop_now_ms(c->loop), kill;

	if (!r) {
		/* scheduled, but nothing runs here (a restart lost it) */
		delete_now(c, json_str(pod, "metadata.namespace", ""), json_str(pod, "metadata.name", ""),
			   json_str(pod, "metadata.uid", ""));
		return;
	}
	kill = now + (uint64_t)(grace > 0 ? grace : 0) * 1000;
	if (!r->terminating || kill < r->kill_ms)
		r->kill_ms = kill;
	r->terminating = true;
	at(c, r, now);
}

void lifecycle_resume(struct sim *c)
{
	size_t n;
	const struct store_obj **pods = sim_list(c, c->k_pods, NULL, &n);

	for (size_t i = 0; i < n; i++) {
		const cJSON *pod = pods[i]->obj;
		const char *node = json_str(pod, "spec.nodeName", ""), *phase = json_str(pod, "status.phase", "");
		struct podrun *r;

		if (!*node || strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
			continue;
		if (json_get(pod, "metadata.deletionTimestamp")) {
			/* nothing survived the restart: the grace is over */
			delete_now(c, pods[i]->ns, pods[i]->name, json_str(pod, "metadata.uid", ""));
			continue;
		}
		r = run_new(c, pod, node);
		r->restarts = (int)json_int(pod, "status.containerStatuses.0.restartCount", 0);
		/* logs live in memory: a running pod starts again, as after a node reboot */
		r->stage = strcmp(phase, "Running") == 0 ? RUN_CREATING : RUN_BOUND;
		r->next_ms = loop_now_ms(c->loop) + 1;
	}
	store_snapshot_free(pods);
	arm(c);
}
