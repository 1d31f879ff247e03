/*
 * printer.c: Table columns and cells per kind (see printer.h).
 *
 * Each printer is a column list and a function filling the cells of one
 * object, in the order and wording of the apiserver's printers, so
 * `kubectl get` output reads as it does against a real cluster.  This
 * file holds the framework, the cell helpers, pods and workloads;
 * printer_kinds.c the other kinds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/printer.h"

#include "printer-internal.h"

void printer_add_str(cJSON *cells, const char *s)
{
	cJSON_AddItemToArray(cells, cJSON_CreateString(s ? s : ""));
}

void printer_add_int(cJSON *cells, int64_t v)
{
	cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)v));
}

void printer_add_fmt(cJSON *cells, const char *fmt, ...) DL_PRINTF(2, 3);

void printer_add_fmt(cJSON *cells, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	printer_add_str(cells, s);
	free(s);
}

int64_t printer_age_of(const char *ts, int64_t now)
{
	time_t t;

	if (!ts || time_parse_rfc3339(ts, &t) < 0)
		return -1;
	return now - (int64_t)t;
}

void printer_add_age_ts(cJSON *cells, const char *ts, int64_t now)
{
	char b[32];
	int64_t a = printer_age_of(ts, now);

	if (a < 0) {
		printer_add_str(cells, "<unknown>");
		return;
	}
	time_age(b, sizeof(b), a);
	printer_add_str(cells, b);
}

void printer_add_age(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_age_ts(cells, json_str(obj, "metadata.creationTimestamp", NULL), now);
}

const char *printer_name(const cJSON *obj)
{
	return json_str(obj, "metadata.name", "");
}

/* "a,b,c" of a JSON array of strings (or a map's keys), "<none>" when empty */
void printer_add_join(cJSON *cells, const cJSON *arr, const char *field, const char *none)
{
	struct buf b;
	const cJSON *c;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, arr) {
		const char *s = field ? json_str(c, field, NULL) : cJSON_GetStringValue(c);

		if (!s)
			continue;
		if (b.len)
			buf_addc(&b, ',');
		buf_adds(&b, s);
	}
	printer_add_str(cells, b.len ? b.data : none);
	buf_release(&b);
}

void printer_add_selector(cJSON *cells, const cJSON *sel)
{
	struct buf b;
	const cJSON *c, *ml = json_get(sel, "matchLabels"), *src = ml ? ml : sel;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, src) {
		if (!cJSON_IsString(c))
			continue;
		if (b.len)
			buf_addc(&b, ',');
		buf_addf(&b, "%s=%s", c->string, c->valuestring);
	}
	printer_add_str(cells, b.len ? b.data : "<none>");
	buf_release(&b);
}

/* ---- pods ---- */

static bool has_ready_condition(const cJSON *obj)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(obj, "status.conditions"))
		if (strcmp(json_str(c, "type", ""), "Ready") == 0 && strcmp(json_str(c, "status", ""), "True") == 0)
			return true;
	return false;
}

static const struct col pod_cols[] = {
	NAME_COL,
	{ "Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic." },
	{ "Status", "string", 0, "The aggregate status of the containers in this pod." },
	{ "Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted." },
	AGE_COL,
	{ "IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated." },
	{ "Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node." },
	{ "Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node." },
	{ "Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness." },
	{ NULL, NULL, 0, NULL },
};

static void pod_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *c, *cs = json_get(obj, "status.containerStatuses");
	const char *phase = json_str(obj, "status.phase", "Unknown");
	const char *last_restart = NULL;
	int total = cJSON_GetArraySize(json_get(obj, "spec.containers")), ready = 0, restarts = 0;
	int ninit = cJSON_GetArraySize(json_get(obj, "spec.initContainers")), i = 0, n;
	bool initializing = false, running = false;
	char reason[160];

	str_copy(reason, json_str(obj, "status.reason", phase), sizeof(reason));
	cJSON_ArrayForEach(c, json_get(obj, "status.initContainerStatuses")) {
		const char *term = json_str(c, "state.terminated.reason", "");
		const char *wait = json_str(c, "state.waiting.reason", "");

		restarts += (int)json_int(c, "restartCount", 0);
		if (json_get(c, "state.terminated") && json_int(c, "state.terminated.exitCode", 0) == 0) {
			i++;
			continue;
		}
		initializing = true;
		if (json_get(c, "state.terminated") && *term)
			snprintf(reason, sizeof(reason), "Init:%s", term);
		else if (json_get(c, "state.terminated"))
			snprintf(reason, sizeof(reason), "Init:ExitCode:%lld",
				 (long long)json_int(c, "state.terminated.exitCode", 0));
		else if (*wait && strcmp(wait, "PodInitializing") != 0)
			snprintf(reason, sizeof(reason), "Init:%s", wait);
		else
			snprintf(reason, sizeof(reason), "Init:%d/%d", i, ninit);
		break;
	}
	if (!initializing) {
		restarts = 0;
		n = cJSON_GetArraySize(cs);
		for (i = n - 1; i >= 0; i--) {
			const cJSON *ct = cJSON_GetArrayItem(cs, i);
			const char *wait = json_str(ct, "state.waiting.reason", "");
			const char *term = json_str(ct, "state.terminated.reason", "");

			restarts += (int)json_int(ct, "restartCount", 0);
			if (json_str(ct, "lastState.terminated.finishedAt", NULL))
				last_restart = json_str(ct, "lastState.terminated.finishedAt", NULL);
			if (*wait)
				str_copy(reason, wait, sizeof(reason));
			else if (json_get(ct, "state.terminated") && *term)
				str_copy(reason, term, sizeof(reason));
			else if (json_get(ct, "state.terminated"))
				snprintf(reason, sizeof(reason), "ExitCode:%lld",
					 (long long)json_int(ct, "state.terminated.exitCode", 0));
			else if (json_bool(ct, "ready", false) && json_get(ct, "state.running")) {
				running = true;
				ready++;
			}
		}
		if (strcmp(reason, "Completed") == 0 && running)
			str_copy(reason, has_ready_condition(obj) ? "Running" : "NotReady", sizeof(reason));
	}
	if (json_get(obj, "metadata.deletionTimestamp")) {
		if (strcmp(json_str(obj, "status.reason", ""), "NodeLost") == 0)
			str_copy(reason, "Unknown", sizeof(reason));
		else if (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0)
			str_copy(reason, "Terminating", sizeof(reason));
	}
	printer_add_str(cells, printer_name(obj));
	printer_add_fmt(cells, "%d/%d", ready, total);
	printer_add_str(cells, reason);
	if (last_restart && restarts) {
		char b[32];

		time_age(b, sizeof(b), printer_age_of(last_restart, now));
		printer_add_fmt(cells, "%d (%s ago)", restarts, b);
	} else {
		printer_add_fmt(cells, "%d", restarts);
	}
	printer_add_age(cells, obj, now);
	printer_add_str(cells, json_str(obj, "status.podIP", "<none>"));
	printer_add_str(cells, json_str(obj, "spec.nodeName", "<none>"));
	printer_add_str(cells, json_str(obj, "status.nominatedNodeName", "<none>"));
	printer_add_str(cells, cJSON_GetArraySize(json_get(obj, "spec.readinessGates")) ? "0/1" : "<none>");
}

/* ---- workloads ---- */

void printer_add_containers(cJSON *cells, const cJSON *podspec)
{
	printer_add_join(cells, json_get(podspec, "containers"), "name", "<none>");
	printer_add_join(cells, json_get(podspec, "containers"), "image", "<none>");
}

static const struct col deploy_cols[] = {
	NAME_COL,
	{ "Ready", "string", 0, "Number of the pod with ready state" },
	{ "Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec." },
	{ "Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment." },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ "Selector", "string", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment." },
	{ NULL, NULL, 0, NULL },
};

static void deploy_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.readyReplicas", 0),
		(long long)json_int(obj, "spec.replicas", 0));
	printer_add_int(cells, json_int(obj, "status.updatedReplicas", 0));
	printer_add_int(cells, json_int(obj, "status.availableReplicas", 0));
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.template.spec"));
	printer_add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col sts_cols[] = {
	NAME_COL,
	{ "Ready", "string", 0, "Number of the pod with ready state" },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ NULL, NULL, 0, NULL },
};

static void sts_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.readyReplicas", 0),
		(long long)json_int(obj, "spec.replicas", 0));
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.template.spec"));
}

static const struct col rs_cols[] = {
	NAME_COL,
	{ "Desired", "integer", 0, "Replicas is the number of desired pods." },
	{ "Current", "integer", 0, "Replicas is the most recently observed number of replicas." },
	{ "Ready", "integer", 0, "The number of ready replicas for this replica set." },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ "Selector", "string", 1, "Selector is a label query over pods that should match the replica count." },
	{ NULL, NULL, 0, NULL },
};

static void rs_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_int(cells, json_int(obj, "spec.replicas", 0));
	printer_add_int(cells, json_int(obj, "status.replicas", 0));
	printer_add_int(cells, json_int(obj, "status.readyReplicas", 0));
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.template.spec"));
	printer_add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col ds_cols[] = {
	NAME_COL,
	{ "Desired", "integer", 0, "The total number of nodes that should be running the daemon pod." },
	{ "Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod." },
	{ "Ready", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready." },
	{ "Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod" },
	{ "Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available." },
	{ "Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node." },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ "Selector", "string", 1, "A label query over pods that are managed by the daemon set." },
	{ NULL, NULL, 0, NULL },
};

static void ds_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_int(cells, json_int(obj, "status.desiredNumberScheduled", 0));
	printer_add_int(cells, json_int(obj, "status.currentNumberScheduled", 0));
	printer_add_int(cells, json_int(obj, "status.numberReady", 0));
	printer_add_int(cells, json_int(obj, "status.updatedNumberScheduled", 0));
	printer_add_int(cells, json_int(obj, "status.numberAvailable", 0));
	printer_add_selector(cells, json_get(obj, "spec.template.spec.nodeSelector"));
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.template.spec"));
	printer_add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col job_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "Status of the job." },
	{ "Completions", "string", 0, "The desired number of successfully finished pods the job should be run with." },
	{ "Duration", "string", 0, "Time required to complete the job." },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ "Selector", "string", 1, "A label query over pods that should match the pod count." },
	{ NULL, NULL, 0, NULL },
};

bool printer_has_condition(const cJSON *obj, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(obj, "status.conditions"))
		if (strcmp(json_str(c, "type", ""), type) == 0 && strcmp(json_str(c, "status", ""), "True") == 0)
			return true;
	return false;
}

static void job_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *start = json_str(obj, "status.startTime", NULL);
	const char *done = json_str(obj, "status.completionTime", NULL);
	const char *status = "Running";
	char b[32];

	if (printer_has_condition(obj, "Complete"))
		status = "Complete";
	else if (printer_has_condition(obj, "Failed"))
		status = "Failed";
	else if (printer_has_condition(obj, "Suspended"))
		status = "Suspended";
	else if (json_get(obj, "metadata.deletionTimestamp"))
		status = "Terminating";
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, status);
	printer_add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.succeeded", 0),
		(long long)json_int(obj, "spec.completions", 1));
	if (!start) {
		printer_add_str(cells, "");
	} else {
		time_age(b, sizeof(b), done ? printer_age_of(start, now) - printer_age_of(done, now) : printer_age_of(start, now));
		printer_add_str(cells, b);
	}
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.template.spec"));
	printer_add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col cj_cols[] = {
	NAME_COL,
	{ "Schedule", "string", 0, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron." },
	{ "Timezone", "string", 0, "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones." },
	{ "Suspend", "boolean", 0, "This flag tells the controller to suspend subsequent executions." },
	{ "Active", "integer", 0, "A list of pointers to currently running jobs." },
	{ "Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled." },
	AGE_COL,
	{ "Containers", "string", 1, "Names of each container in the template." },
	{ "Images", "string", 1, "Images referenced by each container in the template." },
	{ "Selector", "string", 1, "A label query over pods that should match the pod count." },
	{ NULL, NULL, 0, NULL },
};

static void cj_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *last = json_str(obj, "status.lastScheduleTime", NULL);

	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "spec.schedule", ""));
	printer_add_str(cells, json_str(obj, "spec.timeZone", "<none>"));
	cJSON_AddItemToArray(cells, cJSON_CreateBool(json_bool(obj, "spec.suspend", false)));
	printer_add_int(cells, cJSON_GetArraySize(json_get(obj, "status.active")));
	if (last)
		printer_add_age_ts(cells, last, now);
	else
		printer_add_str(cells, "<none>");
	printer_add_age(cells, obj, now);
	printer_add_containers(cells, json_get(obj, "spec.jobTemplate.spec.template.spec"));
	printer_add_selector(cells, json_get(obj, "spec.jobTemplate.spec.selector"));
}

static const struct col default_cols[] = {
	NAME_COL,
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void default_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_age(cells, obj, now);
}

static const struct printer printers[] = {
	{ "", "pods", pod_cols, pod_cells },
	{ "apps", "deployments", deploy_cols, deploy_cells },
	{ "apps", "statefulsets", sts_cols, sts_cells },
	{ "apps", "replicasets", rs_cols, rs_cells },
	{ "apps", "daemonsets", ds_cols, ds_cells },
	{ "batch", "jobs", job_cols, job_cells },
	{ "batch", "cronjobs", cj_cols, cj_cells },
};


static const struct printer *printer_of(const struct kind *k)
{
	size_t i;

	if (!k->builtin)
		return NULL;
	for (i = 0; i < DL_ARRAY_LEN(printers); i++)
		if (strcmp(printers[i].group, k->group) == 0 && strcmp(printers[i].resource, k->resource) == 0)
			return &printers[i];
	for (i = 0; i < printer_nmore; i++)
		if (strcmp(printer_more[i].group, k->group) == 0 &&
		    strcmp(printer_more[i].resource, k->resource) == 0)
			return &printer_more[i];
	return NULL;
}

static cJSON *col_json(const char *nm, const char *type, const char *format, const char *desc, int prio)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "name", nm);
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "format", format);
	cJSON_AddStringToObject(c, "description", desc ? desc : "");
	cJSON_AddNumberToObject(c, "priority", prio);
	return c;
}

cJSON *printer_columns(const struct kind *k)
{
	const struct printer *p = printer_of(k);
	const struct col *cols = p ? p->cols : default_cols;
	cJSON *a = cJSON_CreateArray();
	size_t i;

	if (!p && k->ncolumns) {
		cJSON_AddItemToArray(a, col_json("Name", "string", "name", "Name must be unique within a "
						 "namespace.", 0));
		for (i = 0; i < k->ncolumns; i++)
			cJSON_AddItemToArray(a, col_json(k->columns[i].name, k->columns[i].type,
							 k->columns[i].format, k->columns[i].description,
							 k->columns[i].priority));
		return a;
	}
	for (i = 0; cols[i].name; i++)
		cJSON_AddItemToArray(a, col_json(cols[i].name, cols[i].type,
						 strcmp(cols[i].name, "Name") == 0 ? "name" : "",
						 cols[i].description, cols[i].priority));
	return a;
}

const cJSON *printer_jsonpath(const cJSON *obj, const char *path)
{
	const cJSON *cur = obj;
	const char *p = path;
	char key[256];

	if (*p == '{')
		p++;
	while (cur && *p && *p != '}') {
		size_t n = 0;

		if (*p == '.') {
			p++;
			while (*p && *p != '.' && *p != '[' && *p != '}' && n + 1 < sizeof(key))
				key[n++] = *p++;
			key[n] = '\0';
			if (n)
				cur = json_get_key(cur, key);
		} else if (*p == '[') {
			p++;
			if (*p == '\'' || *p == '"') {
				char q = *p++;

				while (*p && *p != q && n + 1 < sizeof(key))
					key[n++] = *p++;
				key[n] = '\0';
				if (*p)
					p++;
				cur = json_get_key(cur, key);
			} else {
				long idx = strtol(p, (char **)&p, 10);

				cur = cJSON_IsArray(cur) && idx >= 0 ? cJSON_GetArrayItem(cur, (int)idx) : NULL;
			}
			while (*p && *p != ']')
				p++;
			if (*p)
				p++;
		} else {
			return NULL;
		}
	}
	return cur;
}

static void crd_cell(cJSON *cells, const struct kind_column *col, const cJSON *obj, int64_t now)
{
	const cJSON *v = printer_jsonpath(obj, col->json_path);

	if (!v || cJSON_IsNull(v)) {
		cJSON_AddItemToArray(cells, cJSON_CreateNull());
	} else if (strcmp(col->type, "date") == 0 && cJSON_IsString(v)) {
		printer_add_age_ts(cells, v->valuestring, now);
	} else if (cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v)) {
		cJSON_AddItemToArray(cells, cJSON_Duplicate(v, 0));
	} else {
		char *s = cJSON_PrintUnformatted(v);

		printer_add_str(cells, s);
		free(s);
	}
}

cJSON *printer_partial(const cJSON *obj)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(p, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(p, "metadata", cJSON_Duplicate(json_get(obj, "metadata"), 1));
	return p;
}

cJSON *printer_row(const struct kind *k, const cJSON *obj, const char *include, int64_t now)
{
	const struct printer *p = printer_of(k);
	cJSON *row = cJSON_CreateObject(), *cells = cJSON_AddArrayToObject(row, "cells");
	size_t i;

	if (p) {
		p->fn(cells, obj, now);
	} else if (k->ncolumns) {
		printer_add_str(cells, printer_name(obj));
		for (i = 0; i < k->ncolumns; i++)
			crd_cell(cells, &k->columns[i], obj, now);
	} else {
		default_cells(cells, obj, now);
	}
	if (include && strcmp(include, "None") == 0)
		return row;
	if (include && strcmp(include, "Object") == 0)
		cJSON_AddItemToObject(row, "object", cJSON_Duplicate(obj, 1));
	else
		cJSON_AddItemToObject(row, "object", printer_partial(obj));
	return row;
}
