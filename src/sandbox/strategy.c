/*
 * strategy.c: per-kind defaults and checks (see strategy.h).
 *
 * One function per kind, picked from a table by group/resource.  Defaults
 * mirror k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go for the fields
 * clients read back (helm's kstatus, kubectl describe, the console);
 * checks are the ones a chart author meets first (required containers and
 * images, selector matching template labels, immutable fields).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/selector.h"
#include "datalab/sandbox/store.h"
#include "datalab/sandbox/strategy.h"

static cJSON *child_obj(cJSON *parent, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (cJSON_IsObject(c))
		return c;
	if (c)
		cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	return cJSON_AddObjectToObject(parent, key);
}

static void def_str(cJSON *o, const char *key, const char *v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddStringToObject(o, key, v);
	}
}

static void def_num(cJSON *o, const char *key, double v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddNumberToObject(o, key, v);
	}
}

static void def_bool(cJSON *o, const char *key, bool v)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c || cJSON_IsNull(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
		cJSON_AddBoolToObject(o, key, v);
	}
}

static const char *name_of(const cJSON *obj)
{
	return json_str(obj, "metadata.name", "");
}

bool strategy_spec_changed(const cJSON *obj, const cJSON *old)
{
	const cJSON *a, *b;
	int na = 0, nb = 0;

	if (!old)
		return true;
	cJSON_ArrayForEach(a, obj) {
		if (strcmp(a->string, "metadata") == 0 || strcmp(a->string, "status") == 0 ||
		    strcmp(a->string, "apiVersion") == 0 || strcmp(a->string, "kind") == 0)
			continue;
		na++;
		b = cJSON_GetObjectItemCaseSensitive(old, a->string);
		if (!b || !cJSON_Compare(a, b, 1))
			return true;
	}
	cJSON_ArrayForEach(b, old) {
		if (strcmp(b->string, "metadata") == 0 || strcmp(b->string, "status") == 0 ||
		    strcmp(b->string, "apiVersion") == 0 || strcmp(b->string, "kind") == 0)
			continue;
		nb++;
	}
	return na != nb;
}

/* ---- pods ---- */

static const char *pull_policy(const char *image)
{
	const char *slash = strrchr(image, '/'), *last = slash ? slash + 1 : image;
	const char *colon = strchr(last, ':');

	if (strchr(image, '@'))
		return "IfNotPresent";
	if (!colon || strcmp(colon + 1, "latest") == 0)
		return "Always";
	return "IfNotPresent";
}

static void container_defaults(cJSON *c)
{
	cJSON *p;

	def_str(c, "terminationMessagePath", "/dev/termination-log");
	def_str(c, "terminationMessagePolicy", "File");
	def_str(c, "imagePullPolicy", pull_policy(json_str(c, "image", "")));
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "resources")))
		child_obj(c, "resources");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
		def_str(p, "protocol", "TCP");
}

void strategy_pod_defaults(cJSON *spec)
{
	cJSON *c;

	if (!cJSON_IsObject(spec))
		return;
	def_str(spec, "restartPolicy", "Always");
	def_str(spec, "dnsPolicy", "ClusterFirst");
	def_str(spec, "schedulerName", "default-scheduler");
	def_num(spec, "terminationGracePeriodSeconds", 30);
	child_obj(spec, "securityContext");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
		container_defaults(c);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"))
		container_defaults(c);
}

static void check_containers(const cJSON *spec, const char *prefix, struct status *st)
{
	const cJSON *cs = json_get(spec, "containers"), *c;
	int i = 0;

	if (!cJSON_IsArray(cs) || cJSON_GetArraySize(cs) == 0) {
		char *f = xasprintf("%s.containers", prefix);

		status_add_cause(st, "FieldValueRequired", f, "Required value");
		free(f);
		return;
	}
	cJSON_ArrayForEach(c, cs) {
		if (!*json_str(c, "name", "")) {
			char *f = xasprintf("%s.containers[%d].name", prefix, i);

			status_add_cause(st, "FieldValueRequired", f, "Required value");
			free(f);
		}
		if (!*json_str(c, "image", "")) {
			char *f = xasprintf("%s.containers[%d].image", prefix, i);

			status_add_cause(st, "FieldValueRequired", f, "Required value");
			free(f);
		}
		i++;
	}
}

/* kubelet-independent QoS class (pkg/apis/core/helper/qos). */
static const char *qos_class(const cJSON *spec)
{
	const cJSON *c;
	bool any = false, guaranteed = true;

	cJSON_ArrayForEach(c, json_get(spec, "containers")) {
		const cJSON *req = json_get(c, "resources.requests"), *lim = json_get(c, "resources.limits");
		const char *cpu_l = json_str(lim, "cpu", NULL), *mem_l = json_str(lim, "memory", NULL);
		const char *cpu_r = json_str(req, "cpu", cpu_l), *mem_r = json_str(req, "memory", mem_l);

		if (cJSON_GetArraySize(req) > 0 || cJSON_GetArraySize(lim) > 0)
			any = true;
		if (!cpu_l || !mem_l || !str_eq(cpu_l, cpu_r) || !str_eq(mem_l, mem_r))
			guaranteed = false;
	}
	if (!any)
		return "BestEffort";
	return guaranteed ? "Guaranteed" : "Burstable";
}

static int pods(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec"), *status;

	(void)s;
	check_containers(spec, "spec", st);
	if (st->causes)
		return -1;
	strategy_pod_defaults(spec);
	def_str(spec, "serviceAccountName", "default");
	def_str(spec, "serviceAccount", json_str(spec, "serviceAccountName", "default"));
	def_num(spec, "priority", 0);
	def_bool(spec, "enableServiceLinks", true);
	def_str(spec, "preemptionPolicy", "PreemptLowerPriority");
	if (!old) {
		status = child_obj(obj, "status");
		def_str(status, "phase", "Pending");
		def_str(status, "qosClass", qos_class(spec));
	}
	return 0;
}

/* ---- workloads ---- */

static bool selector_matches_labels(const cJSON *sel, const cJSON *labels)
{
	struct selector *ls = selector_from_json(sel, NULL);
	bool ok = ls && selector_match_labels(ls, labels);

	selector_free(ls);
	return ok;
}

/* Deployments, ReplicaSets, StatefulSets, DaemonSets: selector required and
 * matching the template; the selector may not change. */
static void check_selector(cJSON *obj, const cJSON *old, struct status *st)
{
	const cJSON *sel = json_get(obj, "spec.selector");
	const cJSON *labels = json_get(obj, "spec.template.metadata.labels");

	if (!cJSON_IsObject(sel) || (!json_get(sel, "matchLabels") && !json_get(sel, "matchExpressions"))) {
		status_add_cause(st, "FieldValueRequired", "spec.selector", "Required value");
		return;
	}
	if (!selector_matches_labels(sel, labels)) {
		char *txt = cJSON_PrintUnformatted(labels ? labels : sel);
		char *q = status_quote_dup(txt);

		status_add_cause(st, "FieldValueInvalid", "spec.template.metadata.labels",
				 "Invalid value: %s: `selector` does not match template `labels`", q);
		free(q);
		free(txt);
	}
	if (old && json_get(old, "spec.selector") && !cJSON_Compare(sel, json_get(old, "spec.selector"), 1)) {
		char *txt = cJSON_PrintUnformatted(sel);

		status_add_cause(st, "FieldValueInvalid", "spec.selector",
				 "Invalid value: %s: field is immutable", txt);
		free(txt);
	}
}

static void template_defaults(cJSON *obj)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	cJSON *tpl = spec ? cJSON_GetObjectItemCaseSensitive(spec, "template") : NULL;

	if (tpl) {
		child_obj(tpl, "metadata");
		strategy_pod_defaults(cJSON_GetObjectItemCaseSensitive(tpl, "spec"));
	}
}

static int workload_common(cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec");

	check_selector(obj, old, st);
	check_containers(json_get(obj, "spec.template.spec"), "spec.template.spec", st);
	if (st->causes)
		return -1;
	def_num(spec, "replicas", 1);
	def_num(spec, "revisionHistoryLimit", 10);
	template_defaults(obj);
	if (!old)
		child_obj(obj, "status");
	return 0;
}

static int deployments(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *strat, *ru;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = child_obj(obj, "spec");
	def_num(spec, "progressDeadlineSeconds", 600);
	strat = child_obj(spec, "strategy");
	def_str(strat, "type", "RollingUpdate");
	if (strcmp(json_str(strat, "type", ""), "RollingUpdate") == 0) {
		ru = child_obj(strat, "rollingUpdate");
		def_str(ru, "maxUnavailable", "25%");
		def_str(ru, "maxSurge", "25%");
	}
	return 0;
}

static int statefulsets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *us, *pol;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = child_obj(obj, "spec");
	def_str(spec, "podManagementPolicy", "OrderedReady");
	us = child_obj(spec, "updateStrategy");
	def_str(us, "type", "RollingUpdate");
	if (strcmp(json_str(us, "type", ""), "RollingUpdate") == 0)
		def_num(child_obj(us, "rollingUpdate"), "partition", 0);
	pol = child_obj(spec, "persistentVolumeClaimRetentionPolicy");
	def_str(pol, "whenDeleted", "Retain");
	def_str(pol, "whenScaled", "Retain");
	return 0;
}

static int replicasets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(child_obj(obj, "spec"), "revisionHistoryLimit");
	return 0;
}

static int daemonsets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec, *us;

	(void)s;
	if (workload_common(obj, old, st) < 0)
		return -1;
	spec = child_obj(obj, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	us = child_obj(spec, "updateStrategy");
	def_str(us, "type", "RollingUpdate");
	return 0;
}

static void random_uuid(char out[37])
{
	unsigned char b[16];
	size_t i, o = 0;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		snprintf(out + o, 3, "%02x", b[i]);
		o += 2;
	}
	out[o] = '\0';
}

static int jobs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec"), *tpl, *md, *labels, *sel, *ml;
	const char *uid = json_str(obj, "metadata.uid", "");
	char fresh[37];

	(void)s;
	check_containers(json_get(obj, "spec.template.spec"), "spec.template.spec", st);
	if (!old && !json_bool(spec, "manualSelector", false) && !json_get(spec, "selector")) {
		/* the apiserver generates the selector from the job's uid */
		if (!*uid) {
			random_uuid(fresh);
			uid = fresh;
			json_set_path(obj, "metadata.uid", cJSON_CreateString(uid));
		}
		tpl = child_obj(spec, "template");
		md = child_obj(tpl, "metadata");
		labels = child_obj(md, "labels");
		def_str(labels, "batch.kubernetes.io/controller-uid", uid);
		def_str(labels, "batch.kubernetes.io/job-name", name_of(obj));
		def_str(labels, "controller-uid", uid);
		def_str(labels, "job-name", name_of(obj));
		sel = child_obj(spec, "selector");
		ml = child_obj(sel, "matchLabels");
		def_str(ml, "batch.kubernetes.io/controller-uid", uid);
	}
	if (old && json_get(old, "spec.template") &&
	    !cJSON_Compare(json_get(obj, "spec.template"), json_get(old, "spec.template"), 1))
		status_add_cause(st, "FieldValueInvalid", "spec.template",
				 "Invalid value: \"...\": field is immutable");
	if (st->causes)
		return -1;
	def_num(spec, "parallelism", 1);
	def_num(spec, "completions", json_int(spec, "parallelism", 1) ? 1 : 0);
	def_num(spec, "backoffLimit", 6);
	def_str(spec, "completionMode", "NonIndexed");
	def_bool(spec, "suspend", false);
	def_str(spec, "podReplacementPolicy", "TerminatingOrFailed");
	tpl = child_obj(spec, "template");
	def_str(child_obj(tpl, "spec"), "restartPolicy", "Never");
	strategy_pod_defaults(cJSON_GetObjectItemCaseSensitive(tpl, "spec"));
	if (!old)
		child_obj(obj, "status");
	return 0;
}

static int cronjobs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec");

	(void)s;
	(void)old;
	if (!*json_str(spec, "schedule", ""))
		status_add_cause(st, "FieldValueRequired", "spec.schedule", "Required value");
	check_containers(json_get(spec, "jobTemplate.spec.template.spec"),
			 "spec.jobTemplate.spec.template.spec", st);
	if (st->causes)
		return -1;
	def_str(spec, "concurrencyPolicy", "Allow");
	def_bool(spec, "suspend", false);
	def_num(spec, "successfulJobsHistoryLimit", 3);
	def_num(spec, "failedJobsHistoryLimit", 1);
	return 0;
}

/* ---- services ---- */

struct ip_scan {
	const char *ip;
	int port;
	bool used;
};

static bool ip_scan_fn(const struct store_obj *o, void *arg)
{
	struct ip_scan *sc = arg;
	const cJSON *p;

	if (sc->ip && strcmp(json_str(o->obj, "spec.clusterIP", ""), sc->ip) == 0)
		sc->used = true;
	cJSON_ArrayForEach(p, json_get(o->obj, "spec.ports"))
		if (sc->port && json_int(p, "nodePort", 0) == sc->port)
			sc->used = true;
	return !sc->used;
}

static bool service_taken(struct store *s, const char *ip, int port)
{
	struct ip_scan sc = { ip, port, false };
	const struct kind *k = kinds_find_storage(store_kinds(s), "", "services");

	store_each(s, k, NULL, NULL, NULL, ip_scan_fn, &sc);
	return sc.used;
}

static void pick_ip(struct store *s, char *out, size_t size)
{
	unsigned r = 0;
	int tries;

	/* 10.96.0.0/12, avoiding .0.0 and .0.1 (the kubernetes service) */
	for (tries = 0; tries < 1000; tries++) {
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned)rand();
		r = r % ((1u << 20) - 2) + 2;
		snprintf(out, size, "10.%u.%u.%u", 96 + (r >> 16), (r >> 8) & 0xFF, r & 0xFF);
		if (!service_taken(s, out, 0))
			return;
	}
}

static int pick_node_port(struct store *s)
{
	unsigned r = 0;
	int tries, port = 30000;

	for (tries = 0; tries < 1000; tries++) {
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned)rand();
		port = 30000 + (int)(r % 2768);
		if (!service_taken(s, NULL, port))
			break;
	}
	return port;
}

static int services(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec"), *p, *ips;
	const char *type, *ip;
	char buf[32];
	int i = 0;

	def_str(spec, "type", "ClusterIP");
	type = json_str(spec, "type", "ClusterIP");
	if (strcmp(type, "ExternalName") != 0) {
		if (!cJSON_IsArray(json_get(spec, "ports")) || cJSON_GetArraySize(json_get(spec, "ports")) == 0)
			status_add_cause(st, "FieldValueRequired", "spec.ports", "Required value");
	}
	cJSON_ArrayForEach(p, json_get(spec, "ports")) {
		int port = (int)json_int(p, "port", 0);

		if (port < 1 || port > 65535) {
			char *f = xasprintf("spec.ports[%d].port", i);

			status_add_cause(st, "FieldValueInvalid", f,
					 "Invalid value: %d: must be between 1 and 65535, inclusive", port);
			free(f);
		}
		def_str(p, "protocol", "TCP");
		if (!json_get(p, "targetPort"))
			cJSON_AddNumberToObject(p, "targetPort", port);
		i++;
	}
	if (st->causes)
		return -1;
	ip = json_str(spec, "clusterIP", NULL);
	if (old && (!ip || !*ip))
		ip = json_str(old, "spec.clusterIP", NULL);
	if (strcmp(type, "ExternalName") != 0) {
		if (!ip || !*ip)
			pick_ip(s, buf, sizeof(buf));
		else
			str_copy(buf, ip, sizeof(buf));	/* the item is replaced below */
		ip = buf;
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIP");
		cJSON_AddStringToObject(spec, "clusterIP", ip);
		ips = cJSON_CreateArray();
		cJSON_AddItemToArray(ips, cJSON_CreateString(ip));
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
		cJSON_AddItemToObject(spec, "clusterIPs", ips);
		if (!json_get(spec, "ipFamilies")) {
			ips = cJSON_AddArrayToObject(spec, "ipFamilies");
			cJSON_AddItemToArray(ips, cJSON_CreateString("IPv4"));
		}
		def_str(spec, "ipFamilyPolicy", "SingleStack");
		def_str(spec, "internalTrafficPolicy", "Cluster");
	}
	def_str(spec, "sessionAffinity", "None");
	if (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0) {
		def_str(spec, "externalTrafficPolicy", "Cluster");
		cJSON_ArrayForEach(p, json_get(spec, "ports"))
			if (!json_get(p, "nodePort"))
				cJSON_AddNumberToObject(p, "nodePort", pick_node_port(s));
	}
	if (!old && !json_get(obj, "status"))
		child_obj(child_obj(obj, "status"), "loadBalancer");
	return 0;
}

/* ---- config ---- */

static bool config_key_ok(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > 253 || strcmp(k, ".") == 0 || strcmp(k, "..") == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static void check_keys(const cJSON *m, const char *field, struct status *st)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, m) {
		if (!config_key_ok(c->string)) {
			char *q = status_quote_dup(c->string);
			char *f = xasprintf("%s[%s]", field, c->string);

			status_add_cause(st, "FieldValueInvalid", f,
					 "Invalid value: %s: a valid config key must consist of alphanumeric "
					 "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
					 "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')", q);
			free(f);
			free(q);
		}
	}
}

static int immutable_check(const cJSON *obj, const cJSON *old, const char *kind, struct status *st)
{
	static const char *const fields[] = { "data", "binaryData", "stringData", "type" };
	size_t i;

	if (!old || !json_bool(old, "immutable", false))
		return 0;
	if (!json_bool(obj, "immutable", false))
		status_add_cause(st, "FieldValueForbidden", "immutable",
				 "Forbidden: field is immutable when `immutable` is set");
	for (i = 0; i < DL_ARRAY_LEN(fields); i++) {
		const cJSON *a = json_get(obj, fields[i]), *b = json_get(old, fields[i]);

		if ((a || b) && !(a && b && cJSON_Compare(a, b, 1)))
			status_add_cause(st, "FieldValueForbidden", fields[i],
					 "Forbidden: field is immutable when `immutable` is set");
	}
	(void)kind;
	return st->causes ? -1 : 0;
}

static int secrets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *data, *sd = cJSON_GetObjectItemCaseSensitive(obj, "stringData"), *c;
	struct buf b;

	(void)s;
	def_str(obj, "type", "Opaque");
	data = cJSON_GetObjectItemCaseSensitive(obj, "data");
	cJSON_ArrayForEach(c, data) {
		if (!cJSON_IsString(c)) {
			status_bad_request(st, "Secret in version \"v1\" cannot be handled as a Secret: "
					   "json: cannot unmarshal %s into Go struct field Secret.data of type []uint8",
					   cJSON_IsNumber(c) ? "number" : "value");
			return -1;
		}
		buf_init(&b, 0);
		if (str_base64_decode(&b, c->valuestring, strlen(c->valuestring)) < 0) {
			buf_release(&b);
			status_bad_request(st, "Secret in version \"v1\" cannot be handled as a Secret: "
					   "illegal base64 data at input byte 0");
			return -1;
		}
		buf_release(&b);
	}
	if (sd) {
		if (!data || !cJSON_IsObject(data)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, "data");
			data = cJSON_AddObjectToObject(obj, "data");
		}
		cJSON_ArrayForEach(c, sd) {
			if (!cJSON_IsString(c))
				continue;
			buf_init(&b, 0);
			str_base64_encode(&b, c->valuestring, strlen(c->valuestring));
			cJSON_DeleteItemFromObjectCaseSensitive(data, c->string);
			cJSON_AddStringToObject(data, c->string, b.data);
			buf_release(&b);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "stringData");
	}
	check_keys(json_get(obj, "data"), "data", st);
	if (old && strcmp(json_str(old, "type", ""), json_str(obj, "type", "")) != 0)
		status_add_cause(st, "FieldValueInvalid", "type",
				 "Invalid value: \"%s\": field is immutable", json_str(obj, "type", ""));
	if (st->causes)
		return -1;
	return immutable_check(obj, old, "Secret", st);
}

static int configmaps(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	const cJSON *c;

	(void)s;
	cJSON_ArrayForEach(c, json_get(obj, "data")) {
		if (!cJSON_IsString(c)) {
			status_bad_request(st, "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "
					   "json: cannot unmarshal %s into Go struct field ConfigMap.data of type string",
					   cJSON_IsNumber(c) ? "number" : cJSON_IsBool(c) ? "bool" : "object");
			return -1;
		}
	}
	check_keys(json_get(obj, "data"), "data", st);
	check_keys(json_get(obj, "binaryData"), "binaryData", st);
	if (st->causes)
		return -1;
	return immutable_check(obj, old, "ConfigMap", st);
}

/* ---- cluster objects ---- */

static int namespaces(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *md = child_obj(obj, "metadata"), *labels = child_obj(md, "labels");
	cJSON *spec = child_obj(obj, "spec"), *fin;

	(void)s;
	(void)st;
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubernetes.io/metadata.name");
	cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", name_of(obj));
	if (!old) {
		if (!json_get(spec, "finalizers")) {
			fin = cJSON_AddArrayToObject(spec, "finalizers");
			cJSON_AddItemToArray(fin, cJSON_CreateString("kubernetes"));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
		cJSON_AddStringToObject(child_obj(obj, "status"), "phase", "Active");
	}
	return 0;
}

/* default_class: the StorageClass annotated as the default, or NULL. */
static bool default_class_fn(const struct store_obj *o, void *arg)
{
	const char **name = arg;
	const char *v = cJSON_GetStringValue(json_get_key(json_get(o->obj, "metadata.annotations"),
							  "storageclass.kubernetes.io/is-default-class"));

	if (v && strcmp(v, "true") == 0) {
		*name = o->name;
		return false;
	}
	return true;
}

/* PVCs: the DefaultStorageClass admission plugin, then an immediate bind,
 * as a dynamic provisioner with volumeBindingMode Immediate would do (the
 * sandbox has no PersistentVolume objects: volumeName is made up). */
static int pvcs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec"), *status;
	const struct kind *sc = kinds_find_storage(store_kinds(s), "storage.k8s.io", "storageclasses");
	const char *def = NULL;
	char *vol;

	if (!json_get(spec, "resources.requests.storage") && !old)
		status_add_cause(st, "FieldValueRequired", "spec.resources[storage]", "Required value");
	if (!cJSON_IsArray(json_get(spec, "accessModes")) && !old)
		status_add_cause(st, "FieldValueRequired", "spec.accessModes",
				 "Required value: at least 1 access mode is required");
	if (st->causes)
		return -1;
	def_str(spec, "volumeMode", "Filesystem");
	if (old)
		return 0;
	if (!json_get(spec, "storageClassName") && sc)
		store_each(s, sc, NULL, NULL, NULL, default_class_fn, &def);
	if (def)
		cJSON_AddStringToObject(spec, "storageClassName", def);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	status = child_obj(obj, "status");
	if (json_str(spec, "storageClassName", NULL) && *json_str(spec, "storageClassName", "")) {
		vol = xasprintf("pvc-%s", json_str(obj, "metadata.uid", ""));
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "volumeName");
		cJSON_AddStringToObject(spec, "volumeName", vol);
		free(vol);
		cJSON_AddStringToObject(status, "phase", "Bound");
		cJSON_AddItemToObject(status, "accessModes", cJSON_Duplicate(json_get(spec, "accessModes"), 1));
		cJSON_AddItemToObject(child_obj(status, "capacity"), "storage",
				      cJSON_Duplicate(json_get(spec, "resources.requests.storage"), 1));
	} else {
		cJSON_AddStringToObject(status, "phase", "Pending");
	}
	return 0;
}

static int quotas(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	const cJSON *hard = json_get(obj, "spec.hard");
	cJSON *status = child_obj(obj, "status");

	(void)s;
	(void)old;
	(void)st;
	/* the quota controller (part 2) fills status.used; hard follows spec */
	if (hard) {
		cJSON_DeleteItemFromObjectCaseSensitive(status, "hard");
		cJSON_AddItemToObject(status, "hard", cJSON_Duplicate(hard, 1));
	}
	return 0;
}

static int netpols(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = child_obj(obj, "spec"), *types;

	(void)s;
	(void)old;
	(void)st;
	child_obj(spec, "podSelector");
	if (!json_get(spec, "policyTypes")) {
		types = cJSON_AddArrayToObject(spec, "policyTypes");
		cJSON_AddItemToArray(types, cJSON_CreateString("Ingress"));
		if (json_get(spec, "egress"))
			cJSON_AddItemToArray(types, cJSON_CreateString("Egress"));
	}
	return 0;
}

static int crds(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *status, *conds, *c, *stored;
	const cJSON *v;
	char now[32];

	(void)old;
	if (kinds_check_crd(store_kinds(s), obj, st) < 0) {
		/* kinds_check_crd built a whole 422; keep only its causes */
		st->code = 0;
		return -1;
	}
	str_copy(now, store_now(s), sizeof(now));
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	status = child_obj(obj, "status");
	cJSON_AddItemToObject(status, "acceptedNames", cJSON_Duplicate(json_get(obj, "spec.names"), 1));
	conds = cJSON_AddArrayToObject(status, "conditions");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "NamesAccepted");
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", "NoConflicts");
	cJSON_AddStringToObject(c, "message", "no conflicts found");
	cJSON_AddItemToArray(conds, c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "Established");
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", "InitialNamesAccepted");
	cJSON_AddStringToObject(c, "message", "the initial names have been accepted");
	cJSON_AddItemToArray(conds, c);
	stored = cJSON_AddArrayToObject(status, "storedVersions");
	cJSON_ArrayForEach(v, json_get(obj, "spec.versions"))
		if (json_bool(v, "storage", false))
			cJSON_AddItemToArray(stored, cJSON_CreateString(json_str(v, "name", "")));
	return 0;
}

static int events_v1(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	(void)s;
	(void)old;
	if (!json_get(obj, "involvedObject"))
		status_add_cause(st, "FieldValueRequired", "involvedObject", "Required value");
	return st->causes ? -1 : 0;
}

static int events_k8s(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	(void)s;
	(void)old;
	if (!json_get(obj, "eventTime") || cJSON_IsNull(json_get(obj, "eventTime")))
		status_add_cause(st, "FieldValueRequired", "eventTime", "Required value");
	return st->causes ? -1 : 0;
}

struct strategy {
	const char *group, *resource;
	int (*fn)(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
};

static const struct strategy strategies[] = {
	{ "", "pods", pods },
	{ "", "services", services },
	{ "", "secrets", secrets },
	{ "", "configmaps", configmaps },
	{ "", "namespaces", namespaces },
	{ "", "persistentvolumeclaims", pvcs },
	{ "", "resourcequotas", quotas },
	{ "", "events", events_v1 },
	{ "events.k8s.io", "events", events_k8s },
	{ "apps", "deployments", deployments },
	{ "apps", "statefulsets", statefulsets },
	{ "apps", "replicasets", replicasets },
	{ "apps", "daemonsets", daemonsets },
	{ "batch", "jobs", jobs },
	{ "batch", "cronjobs", cronjobs },
	{ "networking.k8s.io", "networkpolicies", netpols },
	{ "apiextensions.k8s.io", "customresourcedefinitions", crds },
};

int strategy_prepare(struct store *s, const struct kind *k, cJSON *obj, const cJSON *old,
		     struct status *st)
{
	size_t i;

	for (i = 0; i < DL_ARRAY_LEN(strategies); i++)
		if (strcmp(strategies[i].group, k->group) == 0 &&
		    strcmp(strategies[i].resource, k->resource) == 0)
			return strategies[i].fn(s, obj, old, st);
	return 0;
}
