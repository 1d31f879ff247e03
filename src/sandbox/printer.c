/*
 * printer.c: Table columns and cells per kind (see printer.h).
 *
 * Each printer is a column list and a function filling the cells of one
 * object, in the order and wording of the apiserver's printers, so
 * `kubectl get` output reads as it does against a real cluster.
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

struct col {
	const char *name, *type;
	int priority;
	const char *description;
};

typedef void cells_fn(cJSON *cells, const cJSON *obj, int64_t now);

struct printer {
	const char *group, *resource;
	const struct col *cols;
	cells_fn *fn;
};

#define NAME_COL { "Name", "string", 0, "Name must be unique within a namespace." }
#define AGE_COL { "Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." }

static void add_str(cJSON *cells, const char *s)
{
	cJSON_AddItemToArray(cells, cJSON_CreateString(s ? s : ""));
}

static void add_int(cJSON *cells, int64_t v)
{
	cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)v));
}

static void add_fmt(cJSON *cells, const char *fmt, ...) DL_PRINTF(2, 3);

static void add_fmt(cJSON *cells, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	add_str(cells, s);
	free(s);
}

static int64_t age_of(const char *ts, int64_t now)
{
	time_t t;

	if (!ts || time_parse_rfc3339(ts, &t) < 0)
		return -1;
	return now - (int64_t)t;
}

static void add_age_ts(cJSON *cells, const char *ts, int64_t now)
{
	char b[32];
	int64_t a = age_of(ts, now);

	if (a < 0) {
		add_str(cells, "<unknown>");
		return;
	}
	time_age(b, sizeof(b), a);
	add_str(cells, b);
}

static void add_age(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_age_ts(cells, json_str(obj, "metadata.creationTimestamp", NULL), now);
}

static const char *name(const cJSON *obj)
{
	return json_str(obj, "metadata.name", "");
}

/* "a,b,c" of a JSON array of strings (or a map's keys), "<none>" when empty */
static void add_join(cJSON *cells, const cJSON *arr, const char *field, const char *none)
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
	add_str(cells, b.len ? b.data : none);
	buf_release(&b);
}

static void add_selector(cJSON *cells, const cJSON *sel)
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
	add_str(cells, b.len ? b.data : "<none>");
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
	add_str(cells, name(obj));
	add_fmt(cells, "%d/%d", ready, total);
	add_str(cells, reason);
	if (last_restart && restarts) {
		char b[32];

		time_age(b, sizeof(b), age_of(last_restart, now));
		add_fmt(cells, "%d (%s ago)", restarts, b);
	} else {
		add_fmt(cells, "%d", restarts);
	}
	add_age(cells, obj, now);
	add_str(cells, json_str(obj, "status.podIP", "<none>"));
	add_str(cells, json_str(obj, "spec.nodeName", "<none>"));
	add_str(cells, json_str(obj, "status.nominatedNodeName", "<none>"));
	add_str(cells, cJSON_GetArraySize(json_get(obj, "spec.readinessGates")) ? "0/1" : "<none>");
}

/* ---- workloads ---- */

static void add_containers(cJSON *cells, const cJSON *podspec)
{
	add_join(cells, json_get(podspec, "containers"), "name", "<none>");
	add_join(cells, json_get(podspec, "containers"), "image", "<none>");
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
	add_str(cells, name(obj));
	add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.readyReplicas", 0),
		(long long)json_int(obj, "spec.replicas", 0));
	add_int(cells, json_int(obj, "status.updatedReplicas", 0));
	add_int(cells, json_int(obj, "status.availableReplicas", 0));
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.template.spec"));
	add_selector(cells, json_get(obj, "spec.selector"));
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
	add_str(cells, name(obj));
	add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.readyReplicas", 0),
		(long long)json_int(obj, "spec.replicas", 0));
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.template.spec"));
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
	add_str(cells, name(obj));
	add_int(cells, json_int(obj, "spec.replicas", 0));
	add_int(cells, json_int(obj, "status.replicas", 0));
	add_int(cells, json_int(obj, "status.readyReplicas", 0));
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.template.spec"));
	add_selector(cells, json_get(obj, "spec.selector"));
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
	add_str(cells, name(obj));
	add_int(cells, json_int(obj, "status.desiredNumberScheduled", 0));
	add_int(cells, json_int(obj, "status.currentNumberScheduled", 0));
	add_int(cells, json_int(obj, "status.numberReady", 0));
	add_int(cells, json_int(obj, "status.updatedNumberScheduled", 0));
	add_int(cells, json_int(obj, "status.numberAvailable", 0));
	add_selector(cells, json_get(obj, "spec.template.spec.nodeSelector"));
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.template.spec"));
	add_selector(cells, json_get(obj, "spec.selector"));
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

static bool has_condition(const cJSON *obj, const char *type)
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

	if (has_condition(obj, "Complete"))
		status = "Complete";
	else if (has_condition(obj, "Failed"))
		status = "Failed";
	else if (has_condition(obj, "Suspended"))
		status = "Suspended";
	else if (json_get(obj, "metadata.deletionTimestamp"))
		status = "Terminating";
	add_str(cells, name(obj));
	add_str(cells, status);
	add_fmt(cells, "%lld/%lld", (long long)json_int(obj, "status.succeeded", 0),
		(long long)json_int(obj, "spec.completions", 1));
	if (!start) {
		add_str(cells, "");
	} else {
		time_age(b, sizeof(b), done ? age_of(start, now) - age_of(done, now) : age_of(start, now));
		add_str(cells, b);
	}
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.template.spec"));
	add_selector(cells, json_get(obj, "spec.selector"));
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

	add_str(cells, name(obj));
	add_str(cells, json_str(obj, "spec.schedule", ""));
	add_str(cells, json_str(obj, "spec.timeZone", "<none>"));
	cJSON_AddItemToArray(cells, cJSON_CreateBool(json_bool(obj, "spec.suspend", false)));
	add_int(cells, cJSON_GetArraySize(json_get(obj, "status.active")));
	if (last)
		add_age_ts(cells, last, now);
	else
		add_str(cells, "<none>");
	add_age(cells, obj, now);
	add_containers(cells, json_get(obj, "spec.jobTemplate.spec.template.spec"));
	add_selector(cells, json_get(obj, "spec.jobTemplate.spec.selector"));
}

/* ---- services, networking ---- */

static const struct col svc_cols[] = {
	NAME_COL,
	{ "Type", "string", 0, "type determines how the Service is exposed." },
	{ "Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly." },
	{ "External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service." },
	{ "Port(s)", "string", 0, "The list of ports that are exposed by this service." },
	AGE_COL,
	{ "Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector." },
	{ NULL, NULL, 0, NULL },
};

static void svc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *type = json_str(obj, "spec.type", "ClusterIP");
	const cJSON *p;
	struct buf b;

	add_str(cells, name(obj));
	add_str(cells, type);
	add_str(cells, strcmp(type, "ExternalName") == 0 ? "<none>" : json_str(obj, "spec.clusterIP", "<none>"));
	if (strcmp(type, "ExternalName") == 0)
		add_str(cells, json_str(obj, "spec.externalName", "<none>"));
	else if (strcmp(type, "LoadBalancer") == 0 && json_get(obj, "status.loadBalancer.ingress"))
		add_join(cells, json_get(obj, "status.loadBalancer.ingress"), "ip", "<pending>");
	else if (strcmp(type, "LoadBalancer") == 0)
		add_str(cells, "<pending>");
	else
		add_join(cells, json_get(obj, "spec.externalIPs"), NULL, "<none>");
	buf_init(&b, 0);
	cJSON_ArrayForEach(p, json_get(obj, "spec.ports")) {
		if (b.len)
			buf_addc(&b, ',');
		buf_addf(&b, "%lld", (long long)json_int(p, "port", 0));
		if (json_int(p, "nodePort", 0))
			buf_addf(&b, ":%lld", (long long)json_int(p, "nodePort", 0));
		buf_addf(&b, "/%s", json_str(p, "protocol", "TCP"));
	}
	add_str(cells, b.len ? b.data : "<none>");
	buf_release(&b);
	add_age(cells, obj, now);
	add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col ing_cols[] = {
	NAME_COL,
	{ "Class", "string", 0, "ingressClassName is the name of an IngressClass cluster resource." },
	{ "Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule" },
	{ "Address", "string", 0, "Address is a list containing ingress points for the load-balancer" },
	{ "Ports", "string", 0, "Ports of TLS configurations that open" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void ing_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_str(cells, json_str(obj, "spec.ingressClassName", "<none>"));
	add_join(cells, json_get(obj, "spec.rules"), "host", "*");
	add_join(cells, json_get(obj, "status.loadBalancer.ingress"), "ip", "");
	add_str(cells, json_get(obj, "spec.tls") ? "80, 443" : "80");
	add_age(cells, obj, now);
}

static const struct col netpol_cols[] = {
	NAME_COL,
	{ "Pod-Selector", "string", 0, "Selects the pods to which this NetworkPolicy object applies." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void netpol_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *sel = json_get(obj, "spec.podSelector");

	add_str(cells, name(obj));
	if (cJSON_GetArraySize(json_get(sel, "matchLabels")) == 0 && !json_get(sel, "matchExpressions"))
		add_str(cells, "<none>");
	else
		add_selector(cells, sel);
	add_age(cells, obj, now);
}

/* ---- config and storage ---- */

static const struct col secret_cols[] = {
	NAME_COL,
	{ "Type", "string", 0, "The type of the secret" },
	{ "Data", "string", 0, "The number of data items in the secret" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void secret_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_str(cells, json_str(obj, "type", "Opaque"));
	add_int(cells, cJSON_GetArraySize(json_get(obj, "data")));
	add_age(cells, obj, now);
}

static const struct col cm_cols[] = {
	NAME_COL,
	{ "Data", "string", 0, "Number of data items in the config map" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void cm_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_int(cells, cJSON_GetArraySize(json_get(obj, "data")) + cJSON_GetArraySize(json_get(obj, "binaryData")));
	add_age(cells, obj, now);
}

static const struct col sa_cols[] = {
	NAME_COL,
	{ "Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void sa_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_int(cells, cJSON_GetArraySize(json_get(obj, "secrets")));
	add_age(cells, obj, now);
}

static const struct col pvc_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim." },
	{ "Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim." },
	{ "Capacity", "string", 0, "capacity represents the actual resources of the underlying volume." },
	{ "Access Modes", "string", 0, "accessModes contains the desired access modes the volume should have." },
	{ "StorageClass", "string", 0, "storageClassName is the name of the StorageClass required by the claim." },
	{ "VolumeAttributesClass", "string", 0, "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim." },
	AGE_COL,
	{ "VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim." },
	{ NULL, NULL, 0, NULL },
};

static void add_access_modes(cJSON *cells, const cJSON *modes)
{
	struct buf b;
	const cJSON *c;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, modes) {
		const char *m = cJSON_GetStringValue(c);
		const char *s = !m ? NULL : strcmp(m, "ReadWriteOnce") == 0 ? "RWO" :
				strcmp(m, "ReadOnlyMany") == 0 ? "ROX" : strcmp(m, "ReadWriteMany") == 0 ? "RWX" :
				strcmp(m, "ReadWriteOncePod") == 0 ? "RWOP" : m;

		if (!s)
			continue;
		if (b.len)
			buf_addc(&b, ',');
		buf_adds(&b, s);
	}
	add_str(cells, b.data);
	buf_release(&b);
}

static void pvc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	bool bound = strcmp(json_str(obj, "status.phase", ""), "Bound") == 0;

	add_str(cells, name(obj));
	add_str(cells, json_get(obj, "metadata.deletionTimestamp") ? "Terminating" :
		json_str(obj, "status.phase", "Pending"));
	add_str(cells, json_str(obj, "spec.volumeName", ""));
	add_str(cells, bound ? json_str(obj, "status.capacity.storage", "") : "");
	if (bound)
		add_access_modes(cells, json_get(obj, "status.accessModes"));
	else
		add_str(cells, "");
	add_str(cells, json_str(obj, "spec.storageClassName", "<unset>"));
	add_str(cells, json_str(obj, "spec.volumeAttributesClassName", "<unset>"));
	add_age(cells, obj, now);
	add_str(cells, json_str(obj, "spec.volumeMode", "Filesystem"));
}

static const struct col sc_cols[] = {
	NAME_COL,
	{ "Provisioner", "string", 0, "provisioner indicates the type of the provisioner." },
	{ "ReclaimPolicy", "string", 0, "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class." },
	{ "VolumeBindingMode", "string", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound." },
	{ "AllowVolumeExpansion", "string", 0, "allowVolumeExpansion shows whether the storage class allow volume expand." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void sc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *def = json_get_key(json_get(obj, "metadata.annotations"),
					"storageclass.kubernetes.io/is-default-class");

	if (def && str_eq(cJSON_GetStringValue(def), "true"))
		add_fmt(cells, "%s (default)", name(obj));
	else
		add_str(cells, name(obj));
	add_str(cells, json_str(obj, "provisioner", ""));
	add_str(cells, json_str(obj, "reclaimPolicy", "Delete"));
	add_str(cells, json_str(obj, "volumeBindingMode", "Immediate"));
	add_str(cells, json_bool(obj, "allowVolumeExpansion", false) ? "true" : "false");
	add_age(cells, obj, now);
}

static const struct col quota_cols[] = {
	NAME_COL,
	AGE_COL,
	{ "Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume." },
	{ "Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node." },
	{ NULL, NULL, 0, NULL },
};

static void quota_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *hard = json_get(obj, "status.hard"), *used = json_get(obj, "status.used"), *c;
	struct buf req, lim;

	if (!hard)
		hard = json_get(obj, "spec.hard");
	buf_init(&req, 0);
	buf_init(&lim, 0);
	cJSON_ArrayForEach(c, hard) {
		struct buf *b = str_has_prefix(c->string, "limits.") ? &lim : &req;
		const char *u = cJSON_GetStringValue(json_get_key(used, c->string));

		if (!cJSON_IsString(c))
			continue;
		if (b->len)
			buf_adds(b, ", ");
		buf_addf(b, "%s: %s/%s", c->string, u ? u : "0", c->valuestring);
	}
	add_str(cells, name(obj));
	add_age(cells, obj, now);
	add_str(cells, req.data);
	add_str(cells, lim.data);
	buf_release(&req);
	buf_release(&lim);
}

/* ---- cluster ---- */

static const struct col ns_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "The status of the namespace" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void ns_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_str(cells, json_str(obj, "status.phase", "Active"));
	add_age(cells, obj, now);
}

static const struct col node_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "The status of the node" },
	{ "Roles", "string", 0, "The roles of the node" },
	AGE_COL,
	{ "Version", "string", 0, "Kubelet Version reported by the node." },
	{ "Internal-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available." },
	{ "External-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available." },
	{ "OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))." },
	{ "Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
	{ "Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)." },
	{ NULL, NULL, 0, NULL },
};

static void add_address(cJSON *cells, const cJSON *obj, const char *type)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, json_get(obj, "status.addresses")) {
		if (strcmp(json_str(a, "type", ""), type) == 0) {
			add_str(cells, json_str(a, "address", "<none>"));
			return;
		}
	}
	add_str(cells, "<none>");
}

static void node_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *c;
	struct buf st, roles;
	const char *ready = "Unknown";

	buf_init(&st, 0);
	buf_init(&roles, 0);
	cJSON_ArrayForEach(c, json_get(obj, "status.conditions"))
		if (strcmp(json_str(c, "type", ""), "Ready") == 0)
			ready = strcmp(json_str(c, "status", ""), "True") == 0 ? "Ready" : "NotReady";
	buf_adds(&st, ready);
	if (json_bool(obj, "spec.unschedulable", false))
		buf_adds(&st, ",SchedulingDisabled");
	cJSON_ArrayForEach(c, json_get(obj, "metadata.labels")) {
		if (str_has_prefix(c->string, "node-role.kubernetes.io/")) {
			if (roles.len)
				buf_addc(&roles, ',');
			buf_adds(&roles, c->string + strlen("node-role.kubernetes.io/"));
		}
	}
	add_str(cells, name(obj));
	add_str(cells, st.data);
	add_str(cells, roles.len ? roles.data : "<none>");
	add_age(cells, obj, now);
	add_str(cells, json_str(obj, "status.nodeInfo.kubeletVersion", ""));
	add_address(cells, obj, "InternalIP");
	add_address(cells, obj, "ExternalIP");
	add_str(cells, json_str(obj, "status.nodeInfo.osImage", "<unknown>"));
	add_str(cells, json_str(obj, "status.nodeInfo.kernelVersion", "<unknown>"));
	add_str(cells, json_str(obj, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
	buf_release(&st);
	buf_release(&roles);
}

static const struct col event_cols[] = {
	{ "Last Seen", "string", 0, "Time when this Event was last seen" },
	{ "Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future." },
	{ "Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for this event being generated." },
	{ "Object", "string", 0, "The object this Event is about." },
	{ "Subobject", "string", 1, "The subobject this Event is about." },
	{ "Source", "string", 1, "The component reporting this event." },
	{ "Message", "string", 0, "A human-readable description of the status of this operation." },
	{ "First Seen", "string", 1, "The first time at which the event was recorded." },
	{ "Count", "string", 1, "The number of times this event has occurred." },
	{ "Name", "string", 1, "Name must be unique within a namespace." },
	{ NULL, NULL, 0, NULL },
};

static void event_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *last = json_str(obj, "lastTimestamp", json_str(obj, "eventTime", NULL));
	const char *first = json_str(obj, "firstTimestamp", json_str(obj, "eventTime", NULL));
	const cJSON *io = json_get(obj, "involvedObject");
	const char *kind = json_str(io, "kind", "");
	char *lower = xstrdup(kind);
	size_t i;

	if (json_get(obj, "series.lastObservedTime"))
		last = json_str(obj, "series.lastObservedTime", last);
	for (i = 0; lower[i]; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	add_age_ts(cells, last, now);
	add_str(cells, json_str(obj, "type", ""));
	add_str(cells, json_str(obj, "reason", ""));
	add_fmt(cells, "%s/%s", lower, json_str(io, "name", ""));
	add_str(cells, json_str(io, "fieldPath", ""));
	if (json_str(obj, "source.host", NULL))
		add_fmt(cells, "%s, %s", json_str(obj, "source.component", ""), json_str(obj, "source.host", ""));
	else
		add_str(cells, json_str(obj, "source.component", json_str(obj, "reportingComponent", "")));
	add_str(cells, json_str(obj, "message", ""));
	add_age_ts(cells, first, now);
	add_fmt(cells, "%lld", (long long)json_int(obj, "count", 1));
	add_str(cells, name(obj));
	free(lower);
}

static const struct col role_cols[] = {
	NAME_COL,
	{ "Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." },
	{ NULL, NULL, 0, NULL },
};

static void role_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	(void)now;
	add_str(cells, name(obj));
	add_str(cells, json_str(obj, "metadata.creationTimestamp", ""));
}

static const struct col binding_cols[] = {
	NAME_COL,
	{ "Role", "string", 0, "Role references the role that the binding refers to" },
	AGE_COL,
	{ "Users", "string", 1, "Users in the binding" },
	{ "Groups", "string", 1, "Groups in the binding" },
	{ "ServiceAccounts", "string", 1, "ServiceAccounts in the binding" },
	{ NULL, NULL, 0, NULL },
};

static void subjects(cJSON *cells, const cJSON *obj, const char *kind, bool sa)
{
	struct buf b;
	const cJSON *c;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, json_get(obj, "subjects")) {
		if (strcmp(json_str(c, "kind", ""), kind) != 0)
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		if (sa)
			buf_addf(&b, "%s/%s", json_str(c, "namespace", ""), json_str(c, "name", ""));
		else
			buf_adds(&b, json_str(c, "name", ""));
	}
	add_str(cells, b.data);
	buf_release(&b);
}

static void binding_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_fmt(cells, "%s/%s", json_str(obj, "roleRef.kind", ""), json_str(obj, "roleRef.name", ""));
	add_age(cells, obj, now);
	subjects(cells, obj, "User", false);
	subjects(cells, obj, "Group", false);
	subjects(cells, obj, "ServiceAccount", true);
}

static const struct col pdb_cols[] = {
	NAME_COL,
	{ "Min Available", "string", 0, "The minimum number of pods that must be available simultaneously." },
	{ "Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable simultaneously." },
	{ "Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void add_intorstr(cJSON *cells, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		add_fmt(cells, "%lld", (long long)v->valuedouble);
	else
		add_str(cells, cJSON_IsString(v) ? v->valuestring : "N/A");
}

static void pdb_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_intorstr(cells, json_get(obj, "spec.minAvailable"));
	add_intorstr(cells, json_get(obj, "spec.maxUnavailable"));
	add_int(cells, json_int(obj, "status.disruptionsAllowed", 0));
	add_age(cells, obj, now);
}

static const struct col hpa_cols[] = {
	NAME_COL,
	{ "Reference", "string", 0, "reference to scaled resource" },
	{ "Targets", "string", 0, "metrics of the autoscaler" },
	{ "MinPods", "string", 0, "minReplicas is the lower limit for the number of replicas." },
	{ "MaxPods", "integer", 0, "maxReplicas is the upper limit for the number of replicas." },
	{ "Replicas", "integer", 0, "current number of replicas of pods managed by this autoscaler" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void hpa_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_fmt(cells, "%s/%s", json_str(obj, "spec.scaleTargetRef.kind", ""),
		json_str(obj, "spec.scaleTargetRef.name", ""));
	add_str(cells, cJSON_GetArraySize(json_get(obj, "spec.metrics")) ? "<unknown>" : "<none>");
	add_fmt(cells, "%lld", (long long)json_int(obj, "spec.minReplicas", 1));
	add_int(cells, json_int(obj, "spec.maxReplicas", 0));
	add_int(cells, json_int(obj, "status.currentReplicas", 0));
	add_age(cells, obj, now);
}

static const struct col crd_cols[] = {
	NAME_COL,
	{ "Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." },
	{ NULL, NULL, 0, NULL },
};

static const struct col default_cols[] = {
	NAME_COL,
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void default_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	add_str(cells, name(obj));
	add_age(cells, obj, now);
}

static const struct printer printers[] = {
	{ "", "pods", pod_cols, pod_cells },
	{ "", "services", svc_cols, svc_cells },
	{ "", "secrets", secret_cols, secret_cells },
	{ "", "configmaps", cm_cols, cm_cells },
	{ "", "serviceaccounts", sa_cols, sa_cells },
	{ "", "persistentvolumeclaims", pvc_cols, pvc_cells },
	{ "", "namespaces", ns_cols, ns_cells },
	{ "", "nodes", node_cols, node_cells },
	{ "", "events", event_cols, event_cells },
	{ "", "resourcequotas", quota_cols, quota_cells },
	{ "apps", "deployments", deploy_cols, deploy_cells },
	{ "apps", "statefulsets", sts_cols, sts_cells },
	{ "apps", "replicasets", rs_cols, rs_cells },
	{ "apps", "daemonsets", ds_cols, ds_cells },
	{ "batch", "jobs", job_cols, job_cells },
	{ "batch", "cronjobs", cj_cols, cj_cells },
	{ "networking.k8s.io", "ingresses", ing_cols, ing_cells },
	{ "networking.k8s.io", "networkpolicies", netpol_cols, netpol_cells },
	{ "storage.k8s.io", "storageclasses", sc_cols, sc_cells },
	{ "policy", "poddisruptionbudgets", pdb_cols, pdb_cells },
	{ "autoscaling", "horizontalpodautoscalers", hpa_cols, hpa_cells },
	{ "rbac.authorization.k8s.io", "roles", role_cols, role_cells },
	{ "rbac.authorization.k8s.io", "clusterroles", role_cols, role_cells },
	{ "rbac.authorization.k8s.io", "rolebindings", binding_cols, binding_cells },
	{ "rbac.authorization.k8s.io", "clusterrolebindings", binding_cols, binding_cells },
	{ "apiextensions.k8s.io", "customresourcedefinitions", crd_cols, role_cells },
};

static const struct printer *printer_of(const struct kind *k)
{
	size_t i;

	if (k->builtin)
		for (i = 0; i < DL_ARRAY_LEN(printers); i++)
			if (strcmp(printers[i].group, k->group) == 0 &&
			    strcmp(printers[i].resource, k->resource) == 0)
				return &printers[i];
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
		add_age_ts(cells, v->valuestring, now);
	} else if (cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v)) {
		cJSON_AddItemToArray(cells, cJSON_Duplicate(v, 0));
	} else {
		char *s = cJSON_PrintUnformatted(v);

		add_str(cells, s);
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
		add_str(cells, name(obj));
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
