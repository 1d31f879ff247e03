/*
 * simcronjob.c: the CronJob controller (sim-internal.h), after
 * k8s.io/kubernetes pkg/controller/cronjob (cronjob_controllerv2.go,
 * utils.go).
 *
 * Each pass: Jobs that finished leave status.active (SawCompletedJob) and
 * move lastSuccessfulTime; missing ones leave it (MissingJob).  Unless
 * suspended, the most recent schedule time after lastScheduleTime (or the
 * creation) and not after now is due: within startingDeadlineSeconds, and
 * not already made, it makes the Job <cronjob>-<minutes since the epoch>
 * from jobTemplate, annotated with its scheduled time, after applying
 * concurrencyPolicy (Forbid: JobAlreadyActive; Replace: the active ones
 * are deleted first).  Finished Jobs beyond successfulJobsHistoryLimit and
 * failedJobsHistoryLimit are deleted, oldest start first.  The pass then
 * asks to be woken at the next schedule time, so a cluster of CronJobs
 * sleeps between their minutes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/simcron.h"
#include "sim-internal.h"

#define MANAGER "cronjob-controller"
#define ANN_SCHEDULED "batch.kubernetes.io/cronjob-scheduled-timestamp"
#define MAX_MISSED 100

static const char *finished(const cJSON *job)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(job, "status.conditions"))
		if ((str_eq(json_str(c, "type", ""), "Complete") || str_eq(json_str(c, "type", ""), "Failed")) &&
		    str_eq(json_str(c, "status", ""), "True"))
			return json_str(c, "type", "");
	return NULL;
}

static int64_t unix_of(const char *rfc3339)
{
	time_t t;

	return rfc3339 && time_parse_rfc3339(rfc3339, &t) == 0 ? (int64_t)t : 0;
}

int simcronjob_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			 const struct store_obj *old, const struct store_write *w, struct status *st, void *arg)
{
	struct sim *c = arg;
	struct simcron sc;
	struct error err = { 0 };
	const char *sched;

	(void)s;
	(void)w;
	if (k != c->k_cj || !obj || op == STORE_DELETED)
		return 0;
	sched = json_str(obj, "spec.schedule", "");
	if (old && str_eq(sched, json_str(old->obj, "spec.schedule", "")))
		return 0;
	if (!strstr(sched, "TZ") && simcron_parse(sched, &sc, &err) == 0)
		return 0;
	{
		char *q = status_quote_dup(sched);

		if (strstr(sched, "TZ"))
			status_add_cause(st, "FieldValueInvalid", "spec.schedule", "Invalid value: %s: cannot use TZ "
					 "or CRON_TZ in schedule, use timeZone field instead", q);
		else
			status_add_cause(st, "FieldValueInvalid", "spec.schedule", "Invalid value: %s: %s", q,
					 err.msg);
		free(q);
	}
	return status_invalid(st, "batch", "CronJob", json_str(obj, "metadata.name", ""));
}

/* job_of: the Job the CronJob makes for the time t */
static cJSON *job_of(const cJSON *cj, int64_t t, const char *name)
{
	cJSON *job = cJSON_CreateObject(), *md, *ann;
	const cJSON *tpl = json_get(cj, "spec.jobTemplate");
	char when[32];

	cJSON_AddStringToObject(job, "apiVersion", "batch/v1");
	cJSON_AddStringToObject(job, "kind", "Job");
	md = cJSON_AddObjectToObject(job, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", json_str(cj, "metadata.namespace", "default"));
	if (json_get(tpl, "metadata.labels"))
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(json_get(tpl, "metadata.labels"), true));
	ann = json_get(tpl, "metadata.annotations") ?
		cJSON_Duplicate(json_get(tpl, "metadata.annotations"), true) : cJSON_CreateObject();
	time_rfc3339(when, sizeof(when), (time_t)t);
	cJSON_DeleteItemFromObjectCaseSensitive(ann, ANN_SCHEDULED);
	cJSON_AddStringToObject(ann, ANN_SCHEDULED, when);
	cJSON_AddItemToObject(md, "annotations", ann);
	cJSON_AddItemToObject(md, "ownerReferences", controllers_owner_ref(cj));
	cJSON_AddItemToObject(job, "spec", cJSON_Duplicate(json_get(tpl, "spec"), true));
	return job;
}

static cJSON *ref_of(const struct store_obj *job)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "kind", "Job");
	cJSON_AddStringToObject(r, "namespace", job->ns);
	cJSON_AddStringToObject(r, "name", job->name);
	cJSON_AddStringToObject(r, "uid", json_str(job->obj, "metadata.uid", ""));
	cJSON_AddStringToObject(r, "apiVersion", "batch/v1");
	cJSON_AddStringToObject(r, "resourceVersion", json_str(job->obj, "metadata.resourceVersion", ""));
	return r;
}

/* history: finished Jobs of one kind beyond limit go, the oldest first */
static void history(struct sim *c, const cJSON *cj, const struct store_obj **jobs, size_t n, const char *kind,
		    int64_t limit)
{
	const struct store_obj **done = xcalloc(n + 1, sizeof(*done));
	size_t nd = 0;

	for (size_t i = 0; i < n; i++)
		if (str_eq(finished(jobs[i]->obj), kind) && !json_get(jobs[i]->obj, "metadata.deletionTimestamp"))
			done[nd++] = jobs[i];
	while ((int64_t)nd > limit && limit >= 0) {
		size_t oldest = 0;
		char msg[400];

		for (size_t i = 1; i < nd; i++)
			if (strcmp(json_str(done[i]->obj, "status.startTime", ""),
				   json_str(done[oldest]->obj, "status.startTime", "")) < 0)
				oldest = i;
		controllers_delete(c, c->k_jobs, done[oldest]->ns, done[oldest]->name);
		snprintf(msg, sizeof(msg), "Deleted job %s", done[oldest]->name);
		sim_event(c, cj, "Normal", "SuccessfulDelete", msg, MANAGER, NULL, NULL);
		done[oldest] = done[--nd];
	}
	free(done);
}

void simcronjob_reconcile(struct sim *c, const struct store_obj *cjo, const struct store_obj *const *all,
			  size_t nall)
{
	const cJSON *cj = cjo->obj, *a;
	const char *uid = json_str(cj, "metadata.uid", "");
	const char *policy = json_str(cj, "spec.concurrencyPolicy", "Allow");
	int64_t now = sim_unix(c), last_ok = unix_of(json_str(cj, "status.lastSuccessfulTime", NULL));
	int64_t earliest, t1, sched_t = -1, next;
	const struct store_obj **jobs = xcalloc(nall + 1, sizeof(*jobs));
	cJSON *status = cJSON_Duplicate(json_get(cj, "status"), true), *active;
	struct simcron sc;
	struct error err = { 0 };
	size_t nj = 0;
	char name[320], msg[600];

	if (!status)
		status = cJSON_CreateObject();
	for (size_t i = 0; i < nall; i++)
		if (controllers_owned(all[i]->obj, uid))
			jobs[nj++] = all[i];
	/* the active list against the Jobs that exist */
	cJSON_DeleteItemFromObjectCaseSensitive(status, "active");
	active = cJSON_CreateArray();
	cJSON_ArrayForEach(a, json_get(cj, "status.active")) {
		const struct store_obj *j = NULL;

		for (size_t i = 0; i < nj; i++)
			if (str_eq(json_str(jobs[i]->obj, "metadata.uid", ""), json_str(a, "uid", "")))
				j = jobs[i];
		if (!j) {
			snprintf(msg, sizeof(msg), "Active job went missing: %s", json_str(a, "name", ""));
			sim_event(c, cj, "Normal", "MissingJob", msg, MANAGER, NULL, NULL);
		} else if (finished(j->obj)) {
			snprintf(msg, sizeof(msg), "Saw completed job: %s, condition: %s", j->name, finished(j->obj));
			sim_event(c, cj, "Normal", "SawCompletedJob", msg, MANAGER, NULL, NULL);
		} else {
			cJSON_AddItemToArray(active, ref_of(j));
		}
	}
	for (size_t i = 0; i < nj; i++)
		if (str_eq(finished(jobs[i]->obj), "Complete")) {
			int64_t t = unix_of(json_str(jobs[i]->obj, "status.completionTime", NULL));

			if (t > last_ok)
				last_ok = t;
		}
	if (last_ok) {
		char when[32];

		time_rfc3339(when, sizeof(when), (time_t)last_ok);
		cJSON_DeleteItemFromObjectCaseSensitive(status, "lastSuccessfulTime");
		cJSON_AddStringToObject(status, "lastSuccessfulTime", when);
	}
	if (json_bool(cj, "spec.suspend", false) || simcron_parse(json_str(cj, "spec.schedule", ""), &sc, &err) != 0)
		goto done;
	/* the most recent schedule time in (earliest, now] */
	earliest = unix_of(json_str(cj, "status.lastScheduleTime", NULL));
	if (!earliest)
		earliest = unix_of(json_str(cj, "metadata.creationTimestamp", NULL));
	if (json_get(cj, "spec.startingDeadlineSeconds")) {
		int64_t dl = now - json_int(cj, "spec.startingDeadlineSeconds", 0);

		if (dl > earliest)
			earliest = dl;
	}
	t1 = simcron_next(&sc, earliest);
	if (t1 >= 0 && t1 <= now) {
		int missed = 0;

		for (sched_t = t1; (next = simcron_next(&sc, sched_t)) >= 0 && next <= now; sched_t = next)
			if (++missed > 100000)
				break;
		if (missed > MAX_MISSED)
			sim_event(c, cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or "
				  "decrease .spec.startingDeadlineSeconds or check clock skew", MANAGER, NULL, NULL);
	}
	if (sched_t >= 0) {
		bool made = false;

		snprintf(name, sizeof(name), "%.240s-%lld", cjo->name, (long long)(sched_t / 60));
		for (size_t i = 0; i < nj; i++)
			made = made || str_eq(jobs[i]->name, name);
		if (made || store_get(c->store, c->k_jobs, cjo->ns, name)) {
			/* made already: nothing to do */
		} else if (str_eq(policy, "Forbid") && cJSON_GetArraySize(active) > 0) {
			sim_event(c, cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is "
				  "running and concurrency policy is Forbid", MANAGER, NULL, NULL);
		} else {
			const struct store_obj *out;
			char when[32];

			if (str_eq(policy, "Replace")) {
				cJSON_ArrayForEach(a, active) {
					controllers_delete(c, c->k_jobs, json_str(a, "namespace", cjo->ns),
							   json_str(a, "name", ""));
					snprintf(msg, sizeof(msg), "Deleted job %s", json_str(a, "name", ""));
					sim_event(c, cj, "Normal", "SuccessfulDelete", msg, MANAGER, NULL, NULL);
				}
				cJSON_Delete(active);
				active = cJSON_CreateArray();
			}
			if (controllers_create(c, cj, c->k_jobs, cjo->ns, job_of(cj, sched_t, name), MANAGER) == 0 &&
			    (out = store_get(c->store, c->k_jobs, cjo->ns, name))) {
				snprintf(msg, sizeof(msg), "Created job %s", name);
				sim_event(c, cj, "Normal", "SuccessfulCreate", msg, MANAGER, NULL, NULL);
				cJSON_AddItemToArray(active, ref_of(out));
			}
			time_rfc3339(when, sizeof(when), (time_t)sched_t);
			cJSON_DeleteItemFromObjectCaseSensitive(status, "lastScheduleTime");
			cJSON_AddStringToObject(status, "lastScheduleTime", when);
		}
	}
	next = simcron_next(&sc, now);
	if (next >= 0)
		sim_wake_at(c, next * 1000);
done:
	if (cJSON_GetArraySize(active) > 0)
		cJSON_AddItemToObject(status, "active", active);
	else
		cJSON_Delete(active);
	history(c, cj, jobs, nj, "Complete", json_int(cj, "spec.successfulJobsHistoryLimit", 3));
	history(c, cj, jobs, nj, "Failed", json_int(cj, "spec.failedJobsHistoryLimit", 1));
	free(jobs);
	controllers_put_status(c, c->k_cj, cjo, status, MANAGER);
}
