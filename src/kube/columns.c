/*
 * columns.c: kubectl's printers for pods, nodes and events, and the
 * aligned printer (see columns.h).  Each columns_* reads one object and
 * appends its cells; nothing here allocates beyond the cells.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/columns.h"
#include "datalab/kube/quantity.h"

const char *const columns_pod_header[] = { "NAME", "READY", "STATUS", "RESTARTS", "AGE", NULL };
const char *const columns_pod_wide_header[] = { "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
						"NOMINATED NODE", "READINESS GATES", NULL };
const char *const columns_node_header[] = { "NAME", "STATUS", "ROLES", "AGE", "VERSION", "GPUS", "GPU-MODEL", NULL };
const char *const columns_node_wide_header[] = { "NAME", "STATUS", "ROLES", "AGE", "VERSION", "GPUS", "GPU-MODEL",
						 "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
						 "CONTAINER-RUNTIME", NULL };
const char *const columns_event_header[] = { "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE", NULL };
const char *const columns_event_wide_header[] = { "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE",
						  "MESSAGE", "FIRST SEEN", "COUNT", "NAME", NULL };

void columns_add(struct columns_row *r, const char *s)
{
	if (r->n < COLUMNS_MAX)
		r->cell[r->n++] = xstrdup(s ? s : "<none>");
}

void columns_addf(struct columns_row *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n >= COLUMNS_MAX)
		return;
	va_start(ap, fmt);
	r->cell[r->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void columns_row_clear(struct columns_row *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->cell[i]);
	r->n = 0;
}

static int64_t when(const char *ts)
{
	time_t t;

	return ts && time_parse_rfc3339(ts, &t) == 0 ? (int64_t)t : 0;
}

/* since: kubectl's translateTimestampSince */
static void since(char *dst, size_t size, int64_t t, int64_t now)
{
	if (!t)
		snprintf(dst, size, "<unknown>");
	else
		time_age(dst, size, now - t);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* ---- pods ---- */

static bool restartable_init(const cJSON *pod, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "spec.initContainers"))
		if (str_eq(json_str(c, "name", NULL), name))
			return str_eq(json_str(c, "restartPolicy", NULL), "Always");
	return false;
}

static bool condition_true(const cJSON *pod, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.conditions"))
		if (str_eq(json_str(c, "type", NULL), type))
			return str_eq(json_str(c, "status", NULL), "True");
	return false;
}

static bool has_condition(const cJSON *pod, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.conditions"))
		if (str_eq(json_str(c, "type", NULL), type))
			return true;
	return false;
}

struct pod_info {
	char reason[128];
	int ready, total, restarts;
	int64_t last_restart;
};

static void terminated_reason(char *dst, size_t size, const cJSON *term, const char *prefix)
{
	const char *r = nonempty(json_str(term, "reason", NULL));
	int64_t sig = json_int(term, "signal", 0);

	if (r)
		snprintf(dst, size, "%s%s", prefix, r);
	else if (sig)
		snprintf(dst, size, "%sSignal:%lld", prefix, (long long)sig);
	else
		snprintf(dst, size, "%sExitCode:%lld", prefix, (long long)json_int(term, "exitCode", 0));
}

static void note_restart(const cJSON *cs, int64_t *last)
{
	int64_t t = when(json_str(cs, "lastState.terminated.finishedAt", NULL));

	if (t > *last)
		*last = t;
}

/* pod_info: printPod's reason, ready/total and restarts */
static void pod_info(const cJSON *pod, struct pod_info *pi)
{
	const cJSON *cs, *statuses;
	const char *phase = json_str(pod, "status.phase", "");
	int init_total = cJSON_GetArraySize(json_get(pod, "spec.initContainers")), i = 0;
	int sidecar_restarts = 0;
	int64_t sidecar_last = 0;
	bool initializing = false;

	memset(pi, 0, sizeof(*pi));
	snprintf(pi->reason, sizeof(pi->reason), "%s", nonempty(json_str(pod, "status.reason", NULL)) ?
		 json_str(pod, "status.reason", "") : phase);
	pi->total = cJSON_GetArraySize(json_get(pod, "spec.containers"));
	cJSON_ArrayForEach(cs, json_get(pod, "spec.initContainers"))
		pi->total += str_eq(json_str(cs, "restartPolicy", NULL), "Always");
	cJSON_ArrayForEach(cs, json_get(pod, "status.conditions"))
		if (str_eq(json_str(cs, "type", NULL), "PodScheduled") &&
		    str_eq(json_str(cs, "reason", NULL), "SchedulingGated"))
			snprintf(pi->reason, sizeof(pi->reason), "SchedulingGated");
	cJSON_ArrayForEach(cs, json_get(pod, "status.initContainerStatuses")) {
		const cJSON *term = cJSON_IsObject(json_get(cs, "state.terminated")) ? json_get(cs, "state.terminated") : NULL;
		const char *waiting = nonempty(json_str(cs, "state.waiting.reason", NULL));
		bool sidecar = restartable_init(pod, json_str(cs, "name", ""));
		int idx = i++;

		pi->restarts += (int)json_int(cs, "restartCount", 0);
		note_restart(cs, &pi->last_restart);
		if (sidecar) {
			sidecar_restarts += (int)json_int(cs, "restartCount", 0);
			note_restart(cs, &sidecar_last);
		}
		if (term && json_int(term, "exitCode", -1) == 0)
			continue;
		if (sidecar && cJSON_IsTrue(json_get(cs, "started"))) {
			pi->ready += cJSON_IsTrue(json_get(cs, "ready"));
			continue;
		}
		if (term)
			terminated_reason(pi->reason, sizeof(pi->reason), term, "Init:");
		else if (waiting && strcmp(waiting, "PodInitializing") != 0)
			snprintf(pi->reason, sizeof(pi->reason), "Init:%s", waiting);
		else
			snprintf(pi->reason, sizeof(pi->reason), "Init:%d/%d", idx, init_total);
		initializing = true;
		break;
	}
	if (!initializing || condition_true(pod, "Initialized")) {
		int n;
		bool running = false;

		pi->restarts = sidecar_restarts;
		pi->last_restart = sidecar_last;
		statuses = json_get(pod, "status.containerStatuses");
		n = cJSON_GetArraySize(statuses);
		for (int k = n - 1; k >= 0; k--) {
			const cJSON *term;
			const char *waiting;

			cs = cJSON_GetArrayItem(statuses, k);
			term = json_get(cs, "state.terminated");
			if (!cJSON_IsObject(term))
				term = NULL;
			waiting = nonempty(json_str(cs, "state.waiting.reason", NULL));
			pi->restarts += (int)json_int(cs, "restartCount", 0);
			note_restart(cs, &pi->last_restart);
			if (waiting)
				snprintf(pi->reason, sizeof(pi->reason), "%s", waiting);
			else if (term)
				terminated_reason(pi->reason, sizeof(pi->reason), term, "");
			else if (cJSON_IsTrue(json_get(cs, "ready")) && cJSON_IsObject(json_get(cs, "state.running"))) {
				running = true;
				pi->ready++;
			}
		}
		if (strcmp(pi->reason, "Completed") == 0 && running)
			snprintf(pi->reason, sizeof(pi->reason), "%s",
				 has_condition(pod, "Ready") ? "Running" : "NotReady");
	}
	if (cJSON_IsString(json_get(pod, "metadata.deletionTimestamp"))) {
		if (str_eq(json_str(pod, "status.reason", NULL), "NodeLost"))
			snprintf(pi->reason, sizeof(pi->reason), "Unknown");
		else if (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0)
			snprintf(pi->reason, sizeof(pi->reason), "Terminating");
	}
}

void columns_pod_status(const cJSON *pod, char *dst, size_t size)
{
	struct pod_info pi;

	pod_info(pod, &pi);
	snprintf(dst, size, "%s", pi.reason);
}

void columns_pod(struct columns_row *r, const cJSON *pod, int64_t now, bool wide)
{
	struct pod_info pi;
	char age[32], ago[32];
	const cJSON *gates;

	pod_info(pod, &pi);
	columns_add(r, json_str(pod, "metadata.name", ""));
	columns_addf(r, "%d/%d", pi.ready, pi.total);
	columns_add(r, pi.reason);
	if (pi.restarts && pi.last_restart) {
		since(ago, sizeof(ago), pi.last_restart, now);
		columns_addf(r, "%d (%s ago)", pi.restarts, ago);
	} else {
		columns_addf(r, "%d", pi.restarts);
	}
	since(age, sizeof(age), when(json_str(pod, "metadata.creationTimestamp", NULL)), now);
	columns_add(r, age);
	if (!wide)
		return;
	columns_add(r, nonempty(json_str(pod, "status.podIPs.0.ip", json_str(pod, "status.podIP", NULL))));
	columns_add(r, nonempty(json_str(pod, "spec.nodeName", NULL)));
	columns_add(r, nonempty(json_str(pod, "status.nominatedNodeName", NULL)));
	gates = json_get(pod, "spec.readinessGates");
	if (cJSON_GetArraySize(gates) == 0) {
		columns_add(r, NULL);
	} else {
		int ok = 0, n = 0;
		const cJSON *g;

		cJSON_ArrayForEach(g, gates) {
			n++;
			ok += condition_true(pod, json_str(g, "conditionType", ""));
		}
		columns_addf(r, "%d/%d", ok, n);
	}
}

/* ---- nodes ---- */

static int64_t gpu_of(const cJSON *resources)
{
	const cJSON *v = json_get_key(json_get(resources, "requests"), "nvidia.com/gpu");
	struct quantity q;

	if (!v)
		v = json_get_key(json_get(resources, "limits"), "nvidia.com/gpu");
	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) != 0)
		return 0;
	return quantity_value(&q);
}

int64_t columns_gpu_request(const cJSON *pod)
{
	const cJSON *c;
	int64_t sum = 0, init = 0;

	cJSON_ArrayForEach(c, json_get(pod, "spec.containers"))
		sum += gpu_of(json_get(c, "resources"));
	cJSON_ArrayForEach(c, json_get(pod, "spec.initContainers"))
		init = DL_MAX(init, gpu_of(json_get(c, "resources")));
	return DL_MAX(sum, init);
}

static int role_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void columns_node(struct columns_row *r, const cJSON *node, int64_t gpu_requested, int64_t now, bool wide)
{
	const cJSON *c, *l, *alloc = json_get_key(json_get(node, "status.allocatable"), "nvidia.com/gpu");
	struct buf status = BUF_INIT, roles = BUF_INIT;
	const char *role[16];
	size_t nroles = 0;
	char age[32];
	struct quantity q;

	columns_add(r, json_str(node, "metadata.name", ""));
	cJSON_ArrayForEach(c, json_get(node, "status.conditions")) {
		if (!str_eq(json_str(c, "type", NULL), "Ready"))
			continue;
		buf_adds(&status, str_eq(json_str(c, "status", NULL), "True") ? "Ready" :
				  str_eq(json_str(c, "status", NULL), "False") ? "NotReady" : "Unknown");
	}
	if (!status.len)
		buf_adds(&status, "Unknown");
	if (cJSON_IsTrue(json_get(node, "spec.unschedulable")))
		buf_adds(&status, ",SchedulingDisabled");
	columns_add(r, status.data);
	cJSON_ArrayForEach(l, json_get(node, "metadata.labels")) {
		if (!l->string || nroles == DL_ARRAY_LEN(role))
			continue;
		if (str_has_prefix(l->string, "node-role.kubernetes.io/") && l->string[24])
			role[nroles++] = l->string + 24;
		else if (strcmp(l->string, "kubernetes.io/role") == 0 && cJSON_IsString(l) && *l->valuestring)
			role[nroles++] = l->valuestring;
	}
	qsort(role, nroles, sizeof(*role), role_cmp);
	for (size_t i = 0; i < nroles; i++)
		buf_addf(&roles, "%s%s", i ? "," : "", role[i]);
	columns_add(r, roles.len ? roles.data : NULL);
	since(age, sizeof(age), when(json_str(node, "metadata.creationTimestamp", NULL)), now);
	columns_add(r, age);
	columns_add(r, json_str(node, "status.nodeInfo.kubeletVersion", ""));
	if (!cJSON_IsString(alloc) || quantity_parse_str(alloc->valuestring, &q, NULL) != 0 || quantity_value(&q) <= 0) {
		columns_add(r, "-");
		columns_add(r, "-");
	} else {
		const cJSON *model = json_get_key(json_get(node, "metadata.labels"), "nvidia.com/gpu.product");

		if (gpu_requested < 0)
			columns_addf(r, "?/%lld", (long long)quantity_value(&q));
		else
			columns_addf(r, "%lld/%lld", (long long)gpu_requested, (long long)quantity_value(&q));
		columns_add(r, cJSON_IsString(model) ? model->valuestring : "-");
	}
	if (wide) {
		const char *internal = NULL, *external = NULL;

		cJSON_ArrayForEach(c, json_get(node, "status.addresses")) {
			if (!internal && str_eq(json_str(c, "type", NULL), "InternalIP"))
				internal = json_str(c, "address", NULL);
			if (!external && str_eq(json_str(c, "type", NULL), "ExternalIP"))
				external = json_str(c, "address", NULL);
		}
		columns_add(r, internal);
		columns_add(r, external);
		columns_add(r, nonempty(json_str(node, "status.nodeInfo.osImage", NULL)) ?
				       json_str(node, "status.nodeInfo.osImage", NULL) : "<unknown>");
		columns_add(r, nonempty(json_str(node, "status.nodeInfo.kernelVersion", NULL)) ?
				       json_str(node, "status.nodeInfo.kernelVersion", NULL) : "<unknown>");
		columns_add(r, nonempty(json_str(node, "status.nodeInfo.containerRuntimeVersion", NULL)) ?
				       json_str(node, "status.nodeInfo.containerRuntimeVersion", NULL) : "<unknown>");
	}
	buf_release(&status);
	buf_release(&roles);
}

/* ---- events ---- */

static int64_t event_first(const cJSON *ev)
{
	int64_t t = when(json_str(ev, "firstTimestamp", NULL));

	return t ? t : when(json_str(ev, "eventTime", NULL));
}

int64_t columns_event_time(const cJSON *ev)
{
	int64_t t;

	if (cJSON_IsObject(json_get(ev, "series")) && (t = when(json_str(ev, "series.lastObservedTime", NULL))))
		return t;
	t = when(json_str(ev, "lastTimestamp", NULL));
	return t ? t : event_first(ev);
}

void columns_event(struct columns_row *r, const cJSON *ev, int64_t now, bool wide)
{
	char last[32], first[32];
	const char *kind = json_str(ev, "involvedObject.kind", ""), *name = json_str(ev, "involvedObject.name", "");
	int64_t count = json_int(ev, "count", 0);
	struct buf target = BUF_INIT;

	since(last, sizeof(last), columns_event_time(ev), now);
	since(first, sizeof(first), event_first(ev), now);
	if (cJSON_IsObject(json_get(ev, "series")))
		count = json_int(ev, "series.count", count);
	else if (count == 0)
		count = 1;
	for (const char *k = kind; *k; k++)
		buf_addc(&target, (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k));
	if (*name)
		buf_addf(&target, "/%s", name);
	columns_add(r, last);
	columns_add(r, json_str(ev, "type", ""));
	columns_add(r, json_str(ev, "reason", ""));
	columns_add(r, target.data);
	if (wide) {
		const char *comp = nonempty(json_str(ev, "source.component", NULL));
		const char *host = nonempty(json_str(ev, "source.host", NULL));

		columns_add(r, json_str(ev, "involvedObject.fieldPath", ""));
		if (!comp)
			comp = nonempty(json_str(ev, "reportingComponent", NULL));
		if (!host)
			host = nonempty(json_str(ev, "reportingInstance", NULL));
		/* kubectl's formatEventSource */
		if (comp && host)
			columns_addf(r, "%s, %s", comp, host);
		else
			columns_add(r, comp ? comp : "<unknown>");
	}
	columns_add(r, json_str(ev, "message", ""));
	if (wide) {
		columns_add(r, first);
		columns_addf(r, "%lld", (long long)count);
		columns_add(r, json_str(ev, "metadata.name", ""));
	}
	buf_release(&target);
}

/* ---- printing ---- */

/* clean_cell: sanitized, capped at COLUMNS_CELL_MAX columns; width out */
static char *clean_cell(const char *s, size_t *width)
{
	struct buf b = BUF_INIT;
	size_t used, fit;

	utf8_sanitize(&b, s, strlen(s), 0);
	if (utf8_width(b.data, b.len) > COLUMNS_CELL_MAX) {
		fit = utf8_fit(b.data, b.len, COLUMNS_CELL_MAX - 1, &used);
		buf_truncate(&b, fit);
		buf_adds(&b, "\xe2\x80\xa6");	/* … */
	}
	*width = utf8_width(b.data, b.len);
	return buf_take(&b, NULL);
}

void columns_print(struct buf *out, const char *const *header, const struct columns_row *rows, size_t n)
{
	size_t ncols = 0, w[COLUMNS_MAX] = { 0 };
	char **cells;
	size_t *cw;

	while (header[ncols] && ncols < COLUMNS_MAX)
		ncols++;
	cells = xcalloc((n + 1) * ncols, sizeof(*cells));
	cw = xcalloc((n + 1) * ncols, sizeof(*cw));
	for (size_t c = 0; c < ncols; c++) {
		cells[c] = xstrdup(header[c]);
		cw[c] = w[c] = strlen(header[c]);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t k = (i + 1) * ncols + c;

			cells[k] = clean_cell(c < (size_t)rows[i].n ? rows[i].cell[c] : "", &cw[k]);
			w[c] = DL_MAX(w[c], cw[k]);
		}
	}
	for (size_t i = 0; i <= n; i++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t k = i * ncols + c;

			buf_adds(out, cells[k]);
			if (c + 1 < ncols)
				for (size_t pad = cw[k]; pad < w[c] + 3; pad++)
					buf_addc(out, ' ');
			free(cells[k]);
		}
		buf_addc(out, '\n');
	}
	free(cells);
	free(cw);
}

size_t columns_measure(const char *const *header, const struct columns_row *rows, size_t n, size_t *w)
{
	size_t ncols = 0;

	while (header[ncols] && ncols < COLUMNS_MAX) {
		w[ncols] = strlen(header[ncols]);
		ncols++;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols && c < (size_t)rows[i].n; c++) {
			size_t cw;
			char *cell = clean_cell(rows[i].cell[c], &cw);

			w[c] = DL_MAX(w[c], cw);
			free(cell);
		}
	}
	return ncols;
}

void columns_print_row(struct buf *out, const struct columns_row *row, const size_t *w, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		size_t cw;
		char *cell = clean_cell(c < (size_t)row->n ? row->cell[c] : "", &cw);

		buf_adds(out, cell);
		if (c + 1 < ncols)
			for (size_t pad = cw; pad < DL_MAX(w[c], cw) + 3; pad++)
				buf_addc(out, ' ');
		free(cell);
	}
	buf_addc(out, '\n');
}
