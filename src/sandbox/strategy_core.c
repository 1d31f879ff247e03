/*
 * strategy_core.c: defaults and checks of services (cluster IPs, node
 * ports), secrets and config maps (keys, base64, immutability),
 * namespaces, PVCs (default class, immediate binding), quotas, network
 * policies, CRDs (accepted names, Established) and events (see strategy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/strategy.h"
#include "strategy-internal.h"

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

int strategy_services(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec"), *p, *ips;
	const char *type, *ip;
	char buf[32];
	int i = 0;

	strategy_def_str(spec, "type", "ClusterIP");
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
		strategy_def_str(p, "protocol", "TCP");
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
		strategy_def_str(spec, "ipFamilyPolicy", "SingleStack");
		strategy_def_str(spec, "internalTrafficPolicy", "Cluster");
	}
	strategy_def_str(spec, "sessionAffinity", "None");
	if (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0) {
		strategy_def_str(spec, "externalTrafficPolicy", "Cluster");
		cJSON_ArrayForEach(p, json_get(spec, "ports"))
			if (!json_get(p, "nodePort"))
				cJSON_AddNumberToObject(p, "nodePort", pick_node_port(s));
	}
	if (!old && !json_get(obj, "status"))
		strategy_child_obj(strategy_child_obj(obj, "status"), "loadBalancer");
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

int strategy_secrets(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *data, *sd = cJSON_GetObjectItemCaseSensitive(obj, "stringData"), *c;
	struct buf b;

	(void)s;
	strategy_def_str(obj, "type", "Opaque");
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

int strategy_configmaps(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
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

int strategy_namespaces(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *md = strategy_child_obj(obj, "metadata"), *labels = strategy_child_obj(md, "labels");
	cJSON *spec = strategy_child_obj(obj, "spec"), *fin;

	(void)s;
	(void)st;
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubernetes.io/metadata.name");
	cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", strategy_name_of(obj));
	if (!old) {
		if (!json_get(spec, "finalizers")) {
			fin = cJSON_AddArrayToObject(spec, "finalizers");
			cJSON_AddItemToArray(fin, cJSON_CreateString("kubernetes"));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
		cJSON_AddStringToObject(strategy_child_obj(obj, "status"), "phase", "Active");
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
int strategy_pvcs(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec"), *status;
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
	strategy_def_str(spec, "volumeMode", "Filesystem");
	if (old)
		return 0;
	if (!json_get(spec, "storageClassName") && sc)
		store_each(s, sc, NULL, NULL, NULL, default_class_fn, &def);
	if (def)
		cJSON_AddStringToObject(spec, "storageClassName", def);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	status = strategy_child_obj(obj, "status");
	if (json_str(spec, "storageClassName", NULL) && *json_str(spec, "storageClassName", "")) {
		vol = xasprintf("pvc-%s", json_str(obj, "metadata.uid", ""));
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "volumeName");
		cJSON_AddStringToObject(spec, "volumeName", vol);
		free(vol);
		cJSON_AddStringToObject(status, "phase", "Bound");
		cJSON_AddItemToObject(status, "accessModes", cJSON_Duplicate(json_get(spec, "accessModes"), 1));
		cJSON_AddItemToObject(strategy_child_obj(status, "capacity"), "storage",
				      cJSON_Duplicate(json_get(spec, "resources.requests.storage"), 1));
	} else {
		cJSON_AddStringToObject(status, "phase", "Pending");
	}
	return 0;
}

int strategy_quotas(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	const cJSON *hard = json_get(obj, "spec.hard");
	cJSON *status = strategy_child_obj(obj, "status");

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

int strategy_netpols(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	cJSON *spec = strategy_child_obj(obj, "spec"), *types;

	(void)s;
	(void)old;
	(void)st;
	strategy_child_obj(spec, "podSelector");
	if (!json_get(spec, "policyTypes")) {
		types = cJSON_AddArrayToObject(spec, "policyTypes");
		cJSON_AddItemToArray(types, cJSON_CreateString("Ingress"));
		if (json_get(spec, "egress"))
			cJSON_AddItemToArray(types, cJSON_CreateString("Egress"));
	}
	return 0;
}

int strategy_crds(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
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
	status = strategy_child_obj(obj, "status");
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

int strategy_events_v1(struct store *s, cJSON *obj, const cJSON *old, struct status *st)
{
	(void)s;
	(void)old;
	if (!json_get(obj, "involvedObject"))
		status_add_cause(st, "FieldValueRequired", "involvedObject", "Required value");
	return st->causes ? -1 : 0;
}

