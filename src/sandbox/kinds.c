/*
 * kinds.c: the kind registry (see kinds.h).
 *
 * Built-ins come from one const table (what `kubectl api-resources` lists
 * on a small real cluster, minus what the sandbox cannot honour); custom
 * kinds are built from CRD objects, their strings owned by the registry.
 * The registry is a flat array: a few dozen kinds, looked up by linear scan
 * (discovery and routing do a handful of lookups per request).
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/kinds.h"

struct builtin {
	const char *group, *version, *resource, *kind, *singular;
	bool namespaced;
	unsigned subs;
	const char *short_names[3];
	bool all;		/* in category "all" */
};

#define NS true
#define CLUSTER false
#define ST KIND_SUB_STATUS
#define SC KIND_SUB_SCALE

static const struct builtin builtins[] = {
	{ "", "v1", "namespaces", "Namespace", "namespace", CLUSTER, ST, { "ns" }, false },
	{ "", "v1", "nodes", "Node", "node", CLUSTER, ST, { "no" }, false },
	{ "", "v1", "pods", "Pod", "pod", NS, ST, { "po" }, true },
	{ "", "v1", "services", "Service", "service", NS, ST, { "svc" }, true },
	{ "", "v1", "endpoints", "Endpoints", "endpoints", NS, 0, { "ep" }, false },
	{ "", "v1", "configmaps", "ConfigMap", "configmap", NS, 0, { "cm" }, false },
	{ "", "v1", "secrets", "Secret", "secret", NS, 0, { NULL }, false },
	{ "", "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", NS, 0, { "sa" }, false },
	{ "", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim", NS, ST,
	  { "pvc" }, false },
	{ "", "v1", "persistentvolumes", "PersistentVolume", "persistentvolume", CLUSTER, ST, { "pv" },
	  false },
	{ "", "v1", "events", "Event", "event", NS, 0, { "ev" }, false },
	{ "", "v1", "resourcequotas", "ResourceQuota", "resourcequota", NS, ST, { "quota" }, false },
	{ "", "v1", "limitranges", "LimitRange", "limitrange", NS, 0, { "limits" }, false },
	{ "", "v1", "replicationcontrollers", "ReplicationController", "replicationcontroller", NS,
	  ST | SC, { "rc" }, true },
	{ "apps", "v1", "deployments", "Deployment", "deployment", NS, ST | SC, { "deploy" }, true },
	{ "apps", "v1", "statefulsets", "StatefulSet", "statefulset", NS, ST | SC, { "sts" }, true },
	{ "apps", "v1", "replicasets", "ReplicaSet", "replicaset", NS, ST | SC, { "rs" }, true },
	{ "apps", "v1", "daemonsets", "DaemonSet", "daemonset", NS, ST, { "ds" }, true },
	{ "apps", "v1", "controllerrevisions", "ControllerRevision", "controllerrevision", NS, 0,
	  { NULL }, false },
	{ "batch", "v1", "jobs", "Job", "job", NS, ST, { NULL }, true },
	{ "batch", "v1", "cronjobs", "CronJob", "cronjob", NS, ST, { "cj" }, true },
	{ "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
	  "horizontalpodautoscaler", NS, ST, { "hpa" }, true },
	{ "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", "poddisruptionbudget", NS, ST,
	  { "pdb" }, false },
	{ "networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", NS, ST, { "ing" }, false },
	{ "networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", "networkpolicy", NS, 0,
	  { "netpol" }, false },
	{ "networking.k8s.io", "v1", "ingressclasses", "IngressClass", "ingressclass", CLUSTER, 0,
	  { NULL }, false },
	{ "rbac.authorization.k8s.io", "v1", "roles", "Role", "role", NS, 0, { NULL }, false },
	{ "rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rolebinding", NS, 0,
	  { NULL }, false },
	{ "rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "clusterrole", CLUSTER, 0,
	  { NULL }, false },
	{ "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
	  "clusterrolebinding", CLUSTER, 0, { NULL }, false },
	{ "storage.k8s.io", "v1", "storageclasses", "StorageClass", "storageclass", CLUSTER, 0, { "sc" },
	  false },
	{ "scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", "priorityclass", CLUSTER, 0,
	  { "pc" }, false },
	{ "coordination.k8s.io", "v1", "leases", "Lease", "lease", NS, 0, { NULL }, false },
	{ "events.k8s.io", "v1", "events", "Event", "event", NS, 0, { "ev" }, false },
	{ "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
	  "customresourcedefinition", CLUSTER, ST, { "crd", "crds" }, false },
};

static const char *const all_category[] = { "all", NULL };

/* A registered kind with the storage its strings need when it is custom. */
struct entry {
	struct kind k;
	bool custom;
	char **owned;		/* strings to free (custom kinds) */
	size_t nowned;
	char **shorts;		/* NULL-terminated arrays (custom kinds) */
	char **cats;
	cJSON *crd_spec;	/* the CRD spec it was built from (custom kinds) */
	bool retired;		/* replaced by a newer CRD spec, or the CRD is gone */
};

struct kinds {
	struct entry **v;
	size_t n, cap;
	uint64_t generation;
};

static struct entry *kinds_push(struct kinds *ks)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 64;
		ks->v = xreallocarray(ks->v, ks->cap, sizeof(*ks->v));
	}
	ks->v[ks->n++] = e;
	return e;
}

static const char *own(struct entry *e, char *s)
{
	e->owned = xreallocarray(e->owned, e->nowned + 1, sizeof(*e->owned));
	e->owned[e->nowned++] = s;
	return s;
}

static void fill_derived(struct entry *e)
{
	struct kind *k = &e->k;

	k->list_kind = own(e, xasprintf("%sList", k->kind));
	k->api_version = own(e, *k->group ? xasprintf("%s/%s", k->group, k->version) : xstrdup(k->version));
	k->gr = own(e, *k->group ? xasprintf("%s.%s", k->resource, k->group) : xstrdup(k->resource));
}

struct kinds *kinds_new(void)
{
	struct kinds *ks = xcalloc(1, sizeof(*ks));
	size_t i;

	for (i = 0; i < DL_ARRAY_LEN(builtins); i++) {
		const struct builtin *b = &builtins[i];
		struct entry *e = kinds_push(ks);
		struct kind *k = &e->k;

		k->group = b->group;
		k->version = b->version;
		k->resource = b->resource;
		k->kind = b->kind;
		k->singular = b->singular;
		k->namespaced = b->namespaced;
		k->verbs = KIND_ALL_VERBS;
		k->subs = b->subs;
		k->short_names = b->short_names[0] ? b->short_names : NULL;
		k->categories = b->all ? all_category : NULL;
		k->builtin = true;
		k->storage = k;
		fill_derived(e);
	}
	/* events.k8s.io/v1 is a view of the core Events (events.h) */
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i]->k.group, "events.k8s.io") == 0 &&
		    strcmp(ks->v[i]->k.resource, "events") == 0)
			ks->v[i]->k.storage = kinds_find(ks, "", "v1", "events");
	ks->generation = 1;
	return ks;
}

static void entry_free(struct entry *e)
{
	size_t i;

	for (i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->shorts);
	free(e->cats);
	if (e->custom) {
		cJSON_Delete(e->k.schema);
		cJSON_Delete(e->crd_spec);
		for (i = 0; i < e->k.ncolumns; i++) {
			free(e->k.columns[i].name);
			free(e->k.columns[i].type);
			free(e->k.columns[i].format);
			free(e->k.columns[i].description);
			free(e->k.columns[i].json_path);
		}
		free(e->k.columns);
	}
	free(e);
}

void kinds_free(struct kinds *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		entry_free(ks->v[i]);
	free(ks->v);
	free(ks);
}

const struct kind *kinds_find(const struct kinds *ks, const char *group, const char *version,
			      const char *resource)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		const struct kind *k = &ks->v[i]->k;

		if (!k->gone && strcmp(k->resource, resource) == 0 && strcmp(k->group, group) == 0 &&
		    strcmp(k->version, version) == 0)
			return k;
	}
	return NULL;
}

const struct kind *kinds_find_kind(const struct kinds *ks, const char *api_version, const char *kind)
{
	size_t i;

	if (!api_version || !kind)
		return NULL;
	for (i = 0; i < ks->n; i++) {
		const struct kind *k = &ks->v[i]->k;

		if (!k->gone && strcmp(k->kind, kind) == 0 && strcmp(k->api_version, api_version) == 0)
			return k;
	}
	return NULL;
}

const struct kind *kinds_find_storage(const struct kinds *ks, const char *group, const char *resource)
{
	size_t i;
	const struct kind *gone = NULL;

	for (i = 0; i < ks->n; i++) {
		const struct kind *k = &ks->v[i]->k;

		if (strcmp(k->resource, resource) == 0 && strcmp(k->group, group) == 0) {
			if (!k->gone)
				return k->storage;
			if (!gone)
				gone = k->storage;
		}
	}
	return gone;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const struct kind *kinds_resolve(const struct kinds *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		const struct kind *k = &ks->v[i]->k;

		if (k->gone)
			continue;
		if (strcmp(k->resource, name) == 0 || strcmp(k->singular, name) == 0 ||
		    strcmp(k->gr, name) == 0 || str_case_eq(k->kind, name) ||
		    in_list(k->short_names, name))
			return k;
	}
	return NULL;
}

size_t kinds_count(const struct kinds *ks)
{
	return ks->n;
}

const struct kind *kinds_at(const struct kinds *ks, size_t i)
{
	return i < ks->n ? &ks->v[i]->k : NULL;
}

uint64_t kinds_generation(const struct kinds *ks)
{
	return ks->generation;
}

size_t kinds_verb_names(unsigned v, const char *names[8])
{
	static const char *const all[] = { "create", "delete", "deletecollection", "get",
					   "list", "patch", "update", "watch" };
	size_t i, n = 0;

	for (i = 0; i < 8; i++)
		if (v & (1u << i))
			names[n++] = all[i];
	return n;
}

/* ---- CustomResourceDefinitions ---- */

/* DNS-1123 label: what CRD names (plural, singular, kind lower) must be. */
static bool dns_label(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 63)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return s[0] != '-' && s[n - 1] != '-';
}

int kinds_check_crd(const struct kinds *ks, const cJSON *crd, struct status *st)
{
	const char *name = json_str(crd, "metadata.name", "");
	const char *group = json_str(crd, "spec.group", "");
	const char *plural = json_str(crd, "spec.names.plural", "");
	const char *kind = json_str(crd, "spec.names.kind", "");
	const char *scope = json_str(crd, "spec.scope", "");
	const cJSON *versions = json_get(crd, "spec.versions"), *v;
	char *want;
	int storage = 0, served = 0;
	size_t i;

	if (!*group)
		status_add_cause(st, "FieldValueRequired", "spec.group", "Required value");
	else if (!strchr(group, '.'))
		status_add_cause(st, "FieldValueInvalid", "spec.group",
				 "Invalid value: \"%s\": should be a domain with at least one dot", group);
	if (!*plural || !dns_label(plural))
		status_add_cause(st, *plural ? "FieldValueInvalid" : "FieldValueRequired",
				 "spec.names.plural", *plural ? "Invalid value: \"%s\": a lowercase "
				 "RFC 1123 label must consist of lower case alphanumeric characters "
				 "or '-', and must start and end with an alphanumeric character" :
				 "Required value%s", *plural ? plural : "");
	if (!*kind)
		status_add_cause(st, "FieldValueRequired", "spec.names.kind", "Required value");
	if (strcmp(scope, "Namespaced") != 0 && strcmp(scope, "Cluster") != 0)
		status_add_cause(st, "FieldValueNotSupported", "spec.scope",
				 "Unsupported value: \"%s\": supported values: \"Cluster\", \"Namespaced\"",
				 scope);
	want = xasprintf("%s.%s", plural, group);
	if (strcmp(name, want) != 0)
		status_add_cause(st, "FieldValueInvalid", "metadata.name",
				 "Invalid value: \"%s\": must be spec.names.plural+\".\"+spec.group", name);
	free(want);
	if (!cJSON_IsArray(versions) || cJSON_GetArraySize(versions) == 0) {
		status_add_cause(st, "FieldValueRequired", "spec.versions", "Required value");
	} else {
		cJSON_ArrayForEach(v, versions) {
			const char *vn = json_str(v, "name", "");

			if (!dns_label(vn))
				status_add_cause(st, "FieldValueInvalid", "spec.versions.name",
						 "Invalid value: \"%s\": a DNS-1035 label", vn);
			storage += json_bool(v, "storage", false);
			served += json_bool(v, "served", false);
		}
		if (storage != 1)
			status_add_cause(st, "FieldValueInvalid", "spec.versions",
					 "Invalid value: []apiextensions.CustomResourceDefinitionVersion"
					 "{...}: must have exactly one version marked as storage version");
		(void)served;
	}
	for (i = 0; i < ks->n && *group; i++) {
		const struct kind *k = &ks->v[i]->k;

		if (k->builtin && strcmp(k->group, group) == 0) {
			status_add_cause(st, "FieldValueInvalid", "spec.group",
					 "Invalid value: \"%s\": is a built-in API group", group);
			break;
		}
	}
	if (st && st->causes)
		return status_invalid(st, "apiextensions.k8s.io", "CustomResourceDefinition", name);
	return 0;
}

static char **string_list(struct entry *e, const cJSON *arr)
{
	size_t n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0, i = 0;
	char **out;
	const cJSON *c;

	if (n == 0)
		return NULL;
	out = xcalloc(n + 1, sizeof(*out));
	cJSON_ArrayForEach(c, arr) {
		if (cJSON_IsString(c))
			out[i++] = (char *)own(e, xstrdup(c->valuestring));
	}
	return out;
}

static void fill_columns(struct kind *k, const cJSON *cols)
{
	size_t n = cJSON_IsArray(cols) ? (size_t)cJSON_GetArraySize(cols) : 0, i = 0;
	const cJSON *c;

	if (n == 0)
		return;
	k->columns = xcalloc(n, sizeof(*k->columns));
	cJSON_ArrayForEach(c, cols) {
		struct kind_column *col = &k->columns[i];

		if (!json_str(c, "name", NULL) || !json_str(c, "jsonPath", NULL))
			continue;
		col->name = xstrdup(json_str(c, "name", ""));
		col->type = xstrdup(json_str(c, "type", "string"));
		col->format = xstrdup(json_str(c, "format", ""));
		col->description = xstrdup(json_str(c, "description", ""));
		col->json_path = xstrdup(json_str(c, "jsonPath", ""));
		col->priority = (int)json_int(c, "priority", 0);
		i++;
	}
	k->ncolumns = i;
}

/* unchanged: the CRD's spec equals the one its live kinds were built from
 * (status updates of a CRD change nothing served). */
static bool crd_unchanged(const struct kinds *ks, const cJSON *crd)
{
	const char *name = json_str(crd, "metadata.name", "");
	size_t i;

	for (i = ks->n; i-- > 0;) {
		const struct entry *e = ks->v[i];

		if (e->custom && strcmp(e->k.crd_name, name) == 0 && e->crd_spec)
			return !e->retired && cJSON_Compare(e->crd_spec, json_get(crd, "spec"), 1);
	}
	return false;
}

/* A version's kind, rebuilt from the CRD (old versions of it become gone:
 * pointers to them stay valid). */
static struct entry *crd_entry(struct kinds *ks, const cJSON *crd, const cJSON *ver)
{
	struct entry *e = kinds_push(ks);
	struct kind *k = &e->k;
	const char *singular = json_str(crd, "spec.names.singular", NULL);
	const cJSON *sub = json_get(ver, "subresources");
	char *lower;
	size_t i;

	e->custom = true;
	k->group = own(e, xstrdup(json_str(crd, "spec.group", "")));
	k->version = own(e, xstrdup(json_str(ver, "name", "")));
	k->resource = own(e, xstrdup(json_str(crd, "spec.names.plural", "")));
	k->kind = own(e, xstrdup(json_str(crd, "spec.names.kind", "")));
	if (singular && *singular) {
		k->singular = own(e, xstrdup(singular));
	} else {
		lower = xstrdup(k->kind);
		for (i = 0; lower[i]; i++)
			if (lower[i] >= 'A' && lower[i] <= 'Z')
				lower[i] = (char)(lower[i] - 'A' + 'a');
		k->singular = own(e, lower);
	}
	k->namespaced = strcmp(json_str(crd, "spec.scope", "Namespaced"), "Namespaced") == 0;
	k->verbs = KIND_ALL_VERBS;
	e->shorts = string_list(e, json_get(crd, "spec.names.shortNames"));
	e->cats = string_list(e, json_get(crd, "spec.names.categories"));
	k->short_names = (const char *const *)e->shorts;
	k->categories = (const char *const *)e->cats;
	k->crd_name = own(e, xstrdup(json_str(crd, "metadata.name", "")));
	if (json_get(ver, "schema.openAPIV3Schema"))
		k->schema = cJSON_Duplicate(json_get(ver, "schema.openAPIV3Schema"), 1);
	fill_columns(k, json_get(ver, "additionalPrinterColumns"));
	if (json_get(sub, "status"))
		k->subs |= KIND_SUB_STATUS;
	if (json_get(sub, "scale")) {
		k->subs |= KIND_SUB_SCALE;
		k->scale_spec_path = own(e, xstrdup(json_str(sub, "scale.specReplicasPath", ".spec.replicas")));
		k->scale_status_path = own(e, xstrdup(json_str(sub, "scale.statusReplicasPath",
							       ".status.replicas")));
		if (json_str(sub, "scale.labelSelectorPath", NULL))
			k->scale_selector_path = own(e, xstrdup(json_str(sub, "scale.labelSelectorPath", "")));
	}
	fill_derived(e);
	return e;
}

int kinds_add_crd(struct kinds *ks, const cJSON *crd, struct status *st)
{
	const char *name = json_str(crd, "metadata.name", "");
	const cJSON *versions = json_get(crd, "spec.versions"), *v;
	struct entry *storage = NULL, *e, *old;
	size_t i, first = ks->n;

	if (kinds_check_crd(ks, crd, st) < 0)
		return -1;
	if (crd_unchanged(ks, crd))
		return 0;
	/* retire every current version of this CRD, then add the served ones */
	for (i = 0; i < first; i++) {
		old = ks->v[i];
		if (old->custom && !old->retired && strcmp(old->k.crd_name, name) == 0) {
			old->k.gone = true;
			old->retired = true;
		}
	}
	cJSON_ArrayForEach(v, versions) {
		if (!json_bool(v, "served", false) && !json_bool(v, "storage", false))
			continue;
		e = crd_entry(ks, crd, v);
		e->crd_spec = cJSON_Duplicate(json_get(crd, "spec"), 1);
		if (!json_bool(v, "served", false))
			e->k.gone = true;	/* stored, not served */
		if (json_bool(v, "storage", false))
			storage = e;
	}
	for (i = first; i < ks->n; i++)
		ks->v[i]->k.storage = storage ? &storage->k : &ks->v[i]->k;
	ks->generation++;
	return 0;
}

void kinds_remove_crd(struct kinds *ks, const char *crd_name)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		struct entry *e = ks->v[i];

		if (e->custom && strcmp(e->k.crd_name, crd_name) == 0) {
			e->k.gone = true;
			e->retired = true;
		}
	}
	ks->generation++;
}
