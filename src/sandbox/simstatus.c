/*
 * simstatus.c: what the kubelet writes about a pod run (sim-internal.h):
 * the pod's status for each stage of the run, and the kubelet's Events.
 *
 * The status is built whole from the run (phase, IPs, one containerStatus
 * per container with its state, last state, restart count, image and
 * container IDs, and the five conditions) and written through the status
 * subresource; the store commits nothing when it did not change.  A
 * condition keeps its lastTransitionTime while its status stays, as
 * podutil.UpdatePodCondition does (the scheduler's PodScheduled too).
 * Container IDs and image digests are hashes of names, so a pod reads the
 * same in every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "sim-internal.h"

static uint64_t h64(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void simstatus_set_condition(cJSON *status, const char *type, const char *value, const char *reason,
			     const char *message, const char *now)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions"), *c, *n;
	const char *since = now;

	if (!conds)
		conds = cJSON_AddArrayToObject(status, "conditions");
	cJSON_ArrayForEach(c, conds)
		if (str_eq(json_str(c, "type", ""), type))
			break;
	if (c && str_eq(json_str(c, "status", ""), value)) {
		if (str_eq(json_str(c, "reason", ""), reason ? reason : "") &&
		    str_eq(json_str(c, "message", ""), message ? message : ""))
			return;
		since = json_str(c, "lastTransitionTime", now);	/* the status did not move */
	}
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "type", type);
	cJSON_AddStringToObject(n, "status", value);
	cJSON_AddNullToObject(n, "lastProbeTime");
	cJSON_AddStringToObject(n, "lastTransitionTime", since);
	if (reason)
		cJSON_AddStringToObject(n, "reason", reason);
	if (message)
		cJSON_AddStringToObject(n, "message", message);
	if (c)
		cJSON_ReplaceItemViaPointer(conds, c, n);	/* frees c, after since was copied */
	else
		cJSON_AddItemToArray(conds, n);
}

static void replace(cJSON *obj, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, v);
}

static cJSON *waiting(const char *reason, const char *message)
{
	cJSON *st = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(st, "waiting");

	cJSON_AddStringToObject(s, "reason", reason);
	if (message)
		cJSON_AddStringToObject(s, "message", message);
	return st;
}

static cJSON *terminated(int code, const char *started, const char *now)
{
	cJSON *st = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(st, "terminated");

	cJSON_AddNumberToObject(s, "exitCode", code);
	cJSON_AddStringToObject(s, "reason", code == 0 ? "Completed" : "Error");
	cJSON_AddStringToObject(s, "startedAt", started);
	cJSON_AddStringToObject(s, "finishedAt", now);
	return st;
}

static cJSON *running(const char *started)
{
	cJSON *st = cJSON_CreateObject();

	cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "running"), "startedAt", started);
	return st;
}

const struct store_obj *simstatus_write(struct sim *c, struct podrun *r, enum simstatus_how how,
					int backoff_s)
{
	const struct store_obj *o = store_get(c->store, c->k_pods, r->ns, r->name), *out = NULL;
	const char *now = store_now(c->store);
	struct store_write w = { .manager = "kubelet", .status_only = true };
	cJSON *pod, *status, *css;
	const cJSON *ct;
	struct status st;
	char ip[32], buf[512], started[32];
	uint64_t h = h64(r->uid);
	bool up = how == SIMSTATUS_RUNNING, crashed = how == SIMSTATUS_CRASHED;
	bool done = how == SIMSTATUS_SUCCEEDED || how == SIMSTATUS_FAILED, stopped = how == SIMSTATUS_STOPPED;
	struct buf unready = BUF_INIT;

	if (!o || !str_eq(json_str(o->obj, "metadata.uid", ""), r->uid))
		return NULL;
	time_rfc3339(started, sizeof(started), (time_t)(r->started ? r->started : sim_unix(c)));
	pod = store_obj_copy(o);
	status = cJSON_GetObjectItemCaseSensitive(pod, "status");
	if (!status)
		status = cJSON_AddObjectToObject(pod, "status");
	if (!stopped)
		replace(status, "phase", cJSON_CreateString(how == SIMSTATUS_SUCCEEDED ? "Succeeded" :
							    how == SIMSTATUS_FAILED ? "Failed" :
							    up || crashed ? "Running" : "Pending"));
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
	if (up || crashed || done || stopped) {
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
		struct run_log *l = lifecycle_log(r, name);
		int code = l ? l->exit_code : 0;

		cJSON_AddStringToObject(cs, "name", name);
		if (crashed) {
			snprintf(buf, sizeof(buf), "back-off %ds restarting failed container=%s pod=%s_%s(%s)",
				 backoff_s, name, r->name, r->ns, r->uid);
			cJSON_AddItemToObject(cs, "state", waiting("CrashLoopBackOff", buf));
			cJSON_AddItemToObject(cs, "lastState", terminated(r->last_exit, started, now));
		} else if (up) {
			cJSON_AddItemToObject(cs, "state", running(started));
			if (r->restarts)
				cJSON_AddItemToObject(cs, "lastState", terminated(r->last_exit, started, now));
		} else if (done || stopped) {
			cJSON_AddItemToObject(cs, "state", terminated(code, started, now));
		} else {
			cJSON_AddItemToObject(cs, "state", waiting("ContainerCreating", NULL));
		}
		cJSON_AddBoolToObject(cs, "ready", up);
		cJSON_AddNumberToObject(cs, "restartCount", r->restarts);
		cJSON_AddStringToObject(cs, "image", image);
		if (up || crashed || done || stopped) {
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
		cJSON_AddBoolToObject(cs, "started", up);
		if (!up)
			buf_addf(&unready, "%s%s", unready.len ? " " : "", name);
		cJSON_AddItemToArray(css, cs);
	}
	replace(status, "containerStatuses", css);
	simstatus_set_condition(status, "PodReadyToStartContainers", up || crashed || stopped ? "True" : "False",
				NULL, NULL, now);
	simstatus_set_condition(status, "Initialized", "True", NULL, NULL, now);
	if (done) {
		simstatus_set_condition(status, "Ready", "False", "PodCompleted", NULL, now);
		simstatus_set_condition(status, "ContainersReady", "False", "PodCompleted", NULL, now);
	} else if (up) {
		simstatus_set_condition(status, "Ready", "True", NULL, NULL, now);
		simstatus_set_condition(status, "ContainersReady", "True", NULL, NULL, now);
	} else {
		snprintf(buf, sizeof(buf), "containers with unready status: [%s]", unready.data);
		simstatus_set_condition(status, "Ready", "False", "ContainersNotReady", buf, now);
		simstatus_set_condition(status, "ContainersReady", "False", "ContainersNotReady", buf, now);
	}
	simstatus_set_condition(status, "PodScheduled", "True", NULL, NULL, now);
	buf_release(&unready);
	status_init(&st);
	if (store_update(c->store, c->k_pods, r->ns, pod, &w, &out, &st) != 0) {
		log_warn("pod %s/%s status: %s", r->ns, r->name, st.message ? st.message : "?");
		out = NULL;
	}
	status_release(&st);
	return out ? out : store_get(c->store, c->k_pods, r->ns, r->name);
}

void simstatus_events(struct sim *c, struct podrun *r, const cJSON *pod, enum simstatus_event what)
{
	const cJSON *ct;

	cJSON_ArrayForEach(ct, json_get(pod, "spec.containers")) {
		const char *name = json_str(ct, "name", ""), *image = json_str(ct, "image", "");
		struct run_log *l = lifecycle_log(r, name);
		char fp[300], msg[600];

		snprintf(fp, sizeof(fp), "spec.containers{%s}", name);
		switch (what) {
		case SIMSTATUS_EV_PULLING:
			snprintf(msg, sizeof(msg), "Pulling image \"%s\"", image);
			sim_event(c, pod, "Normal", "Pulling", msg, "kubelet", r->node, fp);
			break;
		case SIMSTATUS_EV_STARTED:
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
			break;
		case SIMSTATUS_EV_BACKOFF:
			snprintf(msg, sizeof(msg), "Back-off restarting failed container %s in pod %s_%s(%s)",
				 name, r->name, r->ns, r->uid);
			sim_event(c, pod, "Warning", "BackOff", msg, "kubelet", r->node, fp);
			break;
		case SIMSTATUS_EV_KILLING:
			if (!l || !l->running)
				break;
			snprintf(msg, sizeof(msg), "Stopping container %s", name);
			sim_event(c, pod, "Normal", "Killing", msg, "kubelet", r->node, fp);
			break;
		}
	}
}
