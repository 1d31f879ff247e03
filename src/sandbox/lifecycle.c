/*
 * lifecycle.c: what a kubelet would do with each scheduled pod (sim.h).
 *
 * A run walks: bound → (0.3 s) ContainerCreating, Pulling → (0.7 s)
 * Running, Pulled, Created, Started, startup log lines → then, for a
 * Job's pod, Succeeded 2 s later; for a "crashloop" image, an exit 1 after
 * 2 s and CrashLoopBackOff with the kubelet's back-off (10 s doubling to
 * 5 min), then a restart.  Each step writes the pod's status (status
 * subresource) and its Events.  One loop timer serves every run: it fires
 * at the earliest next step and is not armed when no run waits, so an
 * idle cluster has no lifecycle wake-ups.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "sim-internal.h"

#define CREATE_DELAY_MS 300
#define PULL_DELAY_MS 700
#define RUN_BEFORE_EXIT_MS 2000
#define BACKOFF_FIRST_S 10
#define BACKOFF_MAX_S 300

static uint64_t h64(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct podrun *lifecycle_find(struct sim *c, const char *uid)
{
	for (size_t i = 0; i < c->nruns; i++)
		if (strcmp(c->runs[i]->uid, uid) == 0)
			return c->runs[i];
	return NULL;
}

struct run_log *lifecycle_log(struct podrun *r, const char *container)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (!container || !*container || strcmp(r->logs[i].container, container) == 0)
			return &r->logs[i];
	return NULL;
}

void lifecycle_append(struct sim *c, struct run_log *l, const char *p, size_t n)
{
	kubelog_append(l->log, sim_unix(c) * 1000000000LL, p, n);
	podapi_notify(l);
}

static void on_fifo(struct loop *l, int fd, unsigned events, void *arg)
{
	struct run_log *rl = arg;
	char b[8192];
	ssize_t n;

	(void)l;
	(void)events;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		const char *nl;

		buf_add(&rl->partial, b, (size_t)n);
		/* whole lines only; a line over 64 KiB is cut */
		nl = memrchr(rl->partial.data, '\n', rl->partial.len);
		if (nl || rl->partial.len > 65536) {
			size_t len = nl ? (size_t)(nl - rl->partial.data) + 1 : rl->partial.len;

			lifecycle_append(rl->c, rl, rl->partial.data, len);
			buf_consume(&rl->partial, len);
		}
	}
}

void lifecycle_main_stdout(struct sim *c, struct run_log *l, const char *path)
{
	if (l->fifo >= 0)
		return;
	unlink(path);
	if (mkfifo(path, 0600) != 0)
		return;
	/* read-write, so the FIFO never reads EOF between writers */
	l->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (l->fifo < 0)
		return;
	l->c = c;
	loop_watch_fd(c->loop, l->fifo, LOOP_READ, on_fifo, l);
}

static void run_free(struct sim *c, struct podrun *r)
{
	for (size_t i = 0; i < r->nlogs; i++) {
		if (r->logs[i].fifo >= 0) {
			loop_unwatch_fd(c->loop, r->logs[i].fifo);
			close(r->logs[i].fifo);
		}
		buf_release(&r->logs[i].partial);
		podapi_drop_followers(&r->logs[i]);
		free(r->logs[i].container);
		kubelog_free(r->logs[i].log);
		kubelog_free(r->logs[i].prev);
	}
	free(r->logs);
	free(r->uid);
	free(r->ns);
	free(r->name);
	free(r->node);
	free(r);
}

void lifecycle_forget(struct sim *c, const char *uid)
{
	for (size_t i = 0; i < c->nruns; i++)
		if (strcmp(c->runs[i]->uid, uid) == 0) {
			run_free(c, c->runs[i]);
			c->runs[i] = c->runs[--c->nruns];
			return;
		}
}

void lifecycle_free_all(struct sim *c)
{
	for (size_t i = 0; i < c->nruns; i++)
		run_free(c, c->runs[i]);
	free(c->runs);
	c->runs = NULL;
	c->nruns = 0;
}

static long tick(struct loop *l, void *arg);

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
	if (next)
		c->tick_timer = loop_add_timer(c->loop, next > now ? (long)(next - now) : 0, tick, c);
}

static struct podrun *run_new(struct sim *c, const cJSON *pod, const char *node)
{
	struct podrun *r = xcalloc(1, sizeof(*r));
	const cJSON *ct;

	r->uid = xstrdup(json_str(pod, "metadata.uid", ""));
	r->ns = xstrdup(json_str(pod, "metadata.namespace", "default"));
	r->name = xstrdup(json_str(pod, "metadata.name", ""));
	r->node = xstrdup(node);
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		r->logs = xreallocarray(r->logs, r->nlogs + 1, sizeof(*r->logs));
		memset(&r->logs[r->nlogs], 0, sizeof(r->logs[0]));
		r->logs[r->nlogs].container = xstrdup(json_str(ct, "name", ""));
		r->logs[r->nlogs].log = kubelog_new(0);
		r->logs[r->nlogs].fifo = -1;
		buf_init(&r->logs[r->nlogs].partial, 0);
		r->logs[r->nlogs].c = c;
		r->nlogs++;
	}
	c->runs = xreallocarray(c->runs, c->nruns + 1, sizeof(*c->runs));
	c->runs[c->nruns++] = r;
	return r;
}

void lifecycle_bound(struct sim *c, const cJSON *pod, const char *node)
{
	struct podrun *r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));

	if (!r)
		r = run_new(c, pod, node);
	r->stage = RUN_BOUND;
	r->next_ms = loop_now_ms(c->loop) + CREATE_DELAY_MS;
	arm(c);
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

static void set_cond(cJSON *status, const char *type, const char *value, const char *reason,
		     const char *message, const char *now)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions"), *c, *n;

	if (!conds)
		conds = cJSON_AddArrayToObject(status, "conditions");
	cJSON_ArrayForEach(c, conds)
		if (str_eq(json_str(c, "type", ""), type)) {
			if (str_eq(json_str(c, "status", ""), value))
				return;
			cJSON_Delete(cJSON_DetachItemViaPointer(conds, c));
			break;
		}
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "type", type);
	cJSON_AddStringToObject(n, "status", value);
	cJSON_AddNullToObject(n, "lastProbeTime");
	cJSON_AddStringToObject(n, "lastTransitionTime", now);
	if (reason)
		cJSON_AddStringToObject(n, "reason", reason);
	if (message)
		cJSON_AddStringToObject(n, "message", message);
	cJSON_AddItemToArray(conds, n);
}

static void replace(cJSON *obj, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, v);
}

static cJSON *container_state(const char *state, const char *reason, const char *message,
			      const char *now, int exit_code)
{
	cJSON *st = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(st, state);

	if (strcmp(state, "running") == 0) {
		cJSON_AddStringToObject(s, "startedAt", now);
	} else if (strcmp(state, "terminated") == 0) {
		cJSON_AddNumberToObject(s, "exitCode", exit_code);
		cJSON_AddStringToObject(s, "reason", reason);
		cJSON_AddStringToObject(s, "startedAt", now);
		cJSON_AddStringToObject(s, "finishedAt", now);
	} else {
		cJSON_AddStringToObject(s, "reason", reason);
		if (message)
			cJSON_AddStringToObject(s, "message", message);
	}
	return st;
}

/*
 * write_status: builds the pod's status for the run's stage and writes it.
 * Returns the pod as committed (borrowed), or NULL when it is gone.
 */
static const struct store_obj *write_status(struct sim *c, struct podrun *r, const char *how,
					    int backoff_s)
{
	const struct store_obj *o = store_get(c->store, c->k_pods, r->ns, r->name), *out = NULL;
	const char *now = store_now(c->store);
	struct store_write w = { .manager = "kubelet", .status_only = true };
	cJSON *pod, *status, *css;
	const cJSON *ct;
	struct status st;
	char ip[32], buf[512];
	uint64_t h = h64(r->uid);
	bool running = strcmp(how, "running") == 0, crashed = strcmp(how, "crashed") == 0;
	bool done = strcmp(how, "succeeded") == 0 || strcmp(how, "failed") == 0;
	struct buf unready = BUF_INIT;

	if (!o || !str_eq(json_str(o->obj, "metadata.uid", ""), r->uid))
		return NULL;
	pod = store_obj_copy(o);
	status = cJSON_GetObjectItemCaseSensitive(pod, "status");
	if (!status)
		status = cJSON_AddObjectToObject(pod, "status");
	replace(status, "phase", cJSON_CreateString(strcmp(how, "succeeded") == 0 ? "Succeeded" :
						    strcmp(how, "failed") == 0 ? "Failed" :
						    running || crashed ? "Running" : "Pending"));
	snprintf(ip, sizeof(ip), "10.0.%u.%u", (unsigned)(h64(r->node) % 200), 10u);
	replace(status, "hostIP", cJSON_CreateString(ip));
	{
		cJSON *ips = cJSON_CreateArray(), *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "ip", ip);
		cJSON_AddItemToArray(ips, e);
		replace(status, "hostIPs", ips);
	}
	if (!json_get(status, "startTime"))
		cJSON_AddStringToObject(status, "startTime", now);
	if (running || crashed || done) {
		cJSON *ips = cJSON_CreateArray(), *e = cJSON_CreateObject();

		snprintf(ip, sizeof(ip), "10.244.%u.%u", (unsigned)(h % 200), (unsigned)(h >> 8) % 250 + 2);
		replace(status, "podIP", cJSON_CreateString(ip));
		cJSON_AddStringToObject(e, "ip", ip);
		cJSON_AddItemToArray(ips, e);
		replace(status, "podIPs", ips);
	}
	css = cJSON_CreateArray();
	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		cJSON *cs = cJSON_CreateObject();
		const char *name = json_str(ct, "name", ""), *image = json_str(ct, "image", "");

		cJSON_AddStringToObject(cs, "name", name);
		if (crashed) {
			snprintf(buf, sizeof(buf), "back-off %ds restarting failed container=%s pod=%s_%s(%s)",
				 backoff_s, name, r->name, r->ns, r->uid);
			cJSON_AddItemToObject(cs, "state", container_state("waiting", "CrashLoopBackOff", buf,
									   now, 0));
			cJSON_AddItemToObject(cs, "lastState", container_state("terminated", "Error", NULL, now, 1));
		} else if (running) {
			cJSON_AddItemToObject(cs, "state", container_state("running", NULL, NULL, now, 0));
			if (r->restarts)
				cJSON_AddItemToObject(cs, "lastState", container_state("terminated", "Error", NULL,
										       now, 1));
		} else if (done) {
			bool ok = strcmp(how, "succeeded") == 0;

			cJSON_AddItemToObject(cs, "state", container_state("terminated", ok ? "Completed" : "Error",
									   NULL, now, ok ? 0 : 1));
		} else {
			cJSON_AddItemToObject(cs, "state", container_state("waiting", "ContainerCreating", NULL,
									   now, 0));
		}
		cJSON_AddBoolToObject(cs, "ready", running);
		cJSON_AddNumberToObject(cs, "restartCount", r->restarts);
		cJSON_AddStringToObject(cs, "image", image);
		if (running || crashed || done) {
			snprintf(buf, sizeof(buf), "%s@sha256:%016llx%016llx%016llx%016llx", image,
				 (unsigned long long)h64(image), (unsigned long long)h64(name),
				 (unsigned long long)h, (unsigned long long)(h ^ 0x5a5a));
			cJSON_AddStringToObject(cs, "imageID", buf);
			snprintf(buf, sizeof(buf), "containerd://%016llx%016llx%016llx%016llx",
				 (unsigned long long)h, (unsigned long long)h64(name),
				 (unsigned long long)(h ^ (uint64_t)r->restarts), (unsigned long long)h64(r->ns));
			cJSON_AddStringToObject(cs, "containerID", buf);
		} else {
			cJSON_AddStringToObject(cs, "imageID", "");
		}
		cJSON_AddBoolToObject(cs, "started", running);
		if (!running)
			buf_addf(&unready, "%s%s", unready.len ? " " : "", name);
		cJSON_AddItemToArray(css, cs);
	}
	replace(status, "containerStatuses", css);
	set_cond(status, "PodReadyToStartContainers", running || crashed ? "True" : "False", NULL, NULL, now);
	set_cond(status, "Initialized", "True", NULL, NULL, now);
	if (done) {
		set_cond(status, "Ready", "False", "PodCompleted", NULL, now);
		set_cond(status, "ContainersReady", "False", "PodCompleted", NULL, now);
	} else if (running) {
		set_cond(status, "Ready", "True", NULL, NULL, now);
		set_cond(status, "ContainersReady", "True", NULL, NULL, now);
	} else {
		snprintf(buf, sizeof(buf), "containers with unready status: [%s]", unready.data);
		set_cond(status, "Ready", "False", "ContainersNotReady", buf, now);
		set_cond(status, "ContainersReady", "False", "ContainersNotReady", buf, now);
	}
	set_cond(status, "PodScheduled", "True", NULL, NULL, now);
	buf_release(&unready);
	status_init(&st);
	if (store_update(c->store, c->k_pods, r->ns, pod, &w, &out, &st) != 0) {
		log_warn("pod %s/%s status: %s", r->ns, r->name, st.message ? st.message : "?");
		out = NULL;
	}
	status_release(&st);
	return out ? out : store_get(c->store, c->k_pods, r->ns, r->name);
}

static void container_events(struct sim *c, struct podrun *r, const cJSON *pod, const char *what)
{
	const cJSON *ct;

	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		const char *name = json_str(ct, "name", ""), *image = json_str(ct, "image", "");
		char fp[300], msg[600];

		snprintf(fp, sizeof(fp), "spec.containers{%s}", name);
		if (strcmp(what, "pulling") == 0) {
			snprintf(msg, sizeof(msg), "Pulling image \"%s\"", image);
			sim_event(c, pod, "Normal", "Pulling", msg, "kubelet", r->node, fp);
		} else if (strcmp(what, "started") == 0) {
			if (r->restarts)
				snprintf(msg, sizeof(msg), "Container image \"%s\" already present on machine", image);
			else
				snprintf(msg, sizeof(msg), "Successfully pulled image \"%s\" in 693ms (693ms "
					 "including waiting). Image size: 0 bytes.", image);
			sim_event(c, pod, "Normal", "Pulled", msg, "kubelet", r->node, fp);
			snprintf(msg, sizeof(msg), "Created container: %s", name);
			sim_event(c, pod, "Normal", "Created", msg, "kubelet", r->node, fp);
			snprintf(msg, sizeof(msg), "Started container %s", name);
			sim_event(c, pod, "Normal", "Started", msg, "kubelet", r->node, fp);
		} else if (strcmp(what, "backoff") == 0) {
			snprintf(msg, sizeof(msg), "Back-off restarting failed container %s in pod %s_%s(%s)",
				 name, r->name, r->ns, r->uid);
			sim_event(c, pod, "Warning", "BackOff", msg, "kubelet", r->node, fp);
		}
	}
}

static void start_logs(struct sim *c, struct podrun *r, const cJSON *pod)
{
	const cJSON *ct;

	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		struct run_log *l = lifecycle_log(r, json_str(ct, "name", ""));

		if (!l)
			continue;
		kubelog_startup(l->log, json_str(ct, "image", ""), r->name, sim_unix(c) * 1000000000LL);
		if (any_image(pod, "crashloop")) {
			static const char msg[] = "Error: the configuration could not be loaded: exiting\n";

			kubelog_append(l->log, sim_unix(c) * 1000000000LL + 1500000000LL, msg, sizeof(msg) - 1);
		}
		podapi_notify(l);
	}
}

static void step(struct sim *c, struct podrun *r)
{
	const struct store_obj *o = store_get(c->store, c->k_pods, r->ns, r->name);
	cJSON *pod;
	uint64_t now = loop_now_ms(c->loop);

	r->next_ms = 0;
	if (!o || !str_eq(json_str(o->obj, "metadata.uid", ""), r->uid))
		return;
	pod = store_obj_copy(o);	/* writes below invalidate o */
	switch (r->stage) {
	case RUN_BOUND:
		if (write_status(c, r, "creating", 0))
			container_events(c, r, pod, "pulling");
		r->stage = RUN_CREATING;
		r->next_ms = now + PULL_DELAY_MS;
		break;
	case RUN_CREATING:
	case RUN_CRASHED:
		r->started = sim_unix(c);
		start_logs(c, r, pod);
		if (write_status(c, r, "running", 0))
			container_events(c, r, pod, "started");
		r->stage = RUN_RUNNING;
		if (owned_by(pod, "Job") || any_image(pod, "crashloop"))
			r->next_ms = now + RUN_BEFORE_EXIT_MS;
		break;
	case RUN_RUNNING:
		if (any_image(pod, "crashloop") && !owned_by(pod, "Job")) {
			int backoff = BACKOFF_FIRST_S;

			for (int i = 0; i < r->restarts && backoff < BACKOFF_MAX_S; i++)
				backoff *= 2;
			if (backoff > BACKOFF_MAX_S)
				backoff = BACKOFF_MAX_S;
			r->restarts++;
			r->stage = RUN_CRASHED;
			/* the run that ended is what previous=true shows */
			for (size_t i = 0; i < r->nlogs; i++) {
				kubelog_free(r->logs[i].prev);
				r->logs[i].prev = r->logs[i].log;
				r->logs[i].log = kubelog_new(0);
				podapi_rewind(&r->logs[i]);
			}
			if (write_status(c, r, "crashed", backoff))
				container_events(c, r, pod, "backoff");
			r->next_ms = now + (uint64_t)backoff * 1000;
		} else if (owned_by(pod, "Job")) {
			r->stage = RUN_DONE;
			write_status(c, r, any_image(pod, "fail") || any_image(pod, "crashloop") ?
				     "failed" : "succeeded", 0);
		}
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
	/* steps write, and writes may forget runs: walk by uid */
	for (size_t i = 0; i < c->nruns; i++) {
		struct podrun *r = c->runs[i];

		if (r->next_ms && r->next_ms <= now) {
			char *uid = xstrdup(r->uid);

			step(c, r);
			if (!lifecycle_find(c, uid))
				i = (size_t)-1;	/* the array changed: start again */
			free(uid);
		}
	}
	arm(c);
	return LOOP_NOMORE;
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
		r = run_new(c, pod, node);
		r->restarts = (int)json_int(pod, "status.containerStatuses.0.restartCount", 0);
		if (strcmp(phase, "Running") == 0) {
			/* logs live in memory: the startup lines again, as after a node reboot */
			r->stage = RUN_CREATING;
		} else {
			r->stage = RUN_BOUND;
		}
		r->next_ms = loop_now_ms(c->loop) + 1;
	}
	store_snapshot_free(pods);
	arm(c);
}
