/*
 * discovery.c: /version, /api, /apis, OpenAPI v2 and v3 (see discovery.h).
 *
 * The OpenAPI v3 index carries, per group/version, a hash of the
 * document's bytes in its serverRelativeURL, so client caches (kubectl
 * keeps one on disk keyed by URL) see a new URL whenever the served
 * kinds change, across restarts too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/discovery.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/schema.h"

#define KUBE_VERSION "v1.34.0"

static int not_found(struct api_req *rq)
{
	return api_reply_error(rq, 404, "NotFound", "the server could not find the requested resource");
}

/* reply_doc: doc (taken) as the JSON reply; 404 when NULL */
static int reply_doc(struct api_req *rq, cJSON *doc)
{
	int rc;

	if (!doc)
		return not_found(rq);
	rc = api_reply_json(rq, 200, doc);
	cJSON_Delete(doc);
	return rc;
}

static int reply_version(struct api_req *rq)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "major", "1");
	cJSON_AddStringToObject(o, "minor", "34");
	cJSON_AddStringToObject(o, "emulationMajor", "1");
	cJSON_AddStringToObject(o, "emulationMinor", "34");
	cJSON_AddStringToObject(o, "minCompatibilityMajor", "1");
	cJSON_AddStringToObject(o, "minCompatibilityMinor", "33");
	cJSON_AddStringToObject(o, "gitVersion", KUBE_VERSION);
	cJSON_AddStringToObject(o, "gitCommit", "datalab-sandbox");
	cJSON_AddStringToObject(o, "gitTreeState", "clean");
	cJSON_AddStringToObject(o, "buildDate", "2025-08-27T00:00:00Z");
	cJSON_AddStringToObject(o, "goVersion", "go1.24.6");
	cJSON_AddStringToObject(o, "compiler", "gc");
	cJSON_AddStringToObject(o, "platform", "linux/amd64");
	return reply_doc(rq, o);
}

static int reply_api(struct api_req *rq)
{
	cJSON *o = cJSON_CreateObject(), *v, *cidr, *c;
	const char *host = api_header(rq, "Host");

	cJSON_AddStringToObject(o, "kind", "APIVersions");
	v = cJSON_AddArrayToObject(o, "versions");
	cJSON_AddItemToArray(v, cJSON_CreateString("v1"));
	cidr = cJSON_AddArrayToObject(o, "serverAddressByClientCIDRs");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
	cJSON_AddStringToObject(c, "serverAddress", host ? host : "127.0.0.1");
	cJSON_AddItemToArray(cidr, c);
	return reply_doc(rq, o);
}

static int reply_group(struct api_req *rq, const char *name)
{
	cJSON *all = api_groups_json(rq->api), *g;

	cJSON_ArrayForEach(g, json_get(all, "groups")) {
		if (strcmp(json_str(g, "name", ""), name) == 0) {
			cJSON *o = cJSON_Duplicate(g, 1);

			cJSON_InsertItemInArray(o, 0, cJSON_CreateString("v1"));
			o->child->string = xstrdup("apiVersion");
			cJSON_InsertItemInArray(o, 0, cJSON_CreateString("APIGroup"));
			o->child->string = xstrdup("kind");
			cJSON_Delete(all);
			return reply_doc(rq, o);
		}
	}
	cJSON_Delete(all);
	return not_found(rq);
}

/* ---- OpenAPI v3 ---- */

static char *schema_name(const struct kind *k)
{
	static const struct {
		const char *group, *pkg;
	} pkgs[] = {
		{ "", "core" }, { "apps", "apps" }, { "batch", "batch" },
		{ "networking.k8s.io", "networking" }, { "rbac.authorization.k8s.io", "rbac" },
		{ "storage.k8s.io", "storage" }, { "policy", "policy" }, { "autoscaling", "autoscaling" },
		{ "scheduling.k8s.io", "scheduling" }, { "coordination.k8s.io", "coordination" },
		{ "events.k8s.io", "events" },
	};
	size_t i;
	char **parts;
	struct buf b;

	if (strcmp(k->group, "apiextensions.k8s.io") == 0)
		return xasprintf("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.%s.%s", k->version, k->kind);
	if (k->builtin)
		for (i = 0; i < DL_ARRAY_LEN(pkgs); i++)
			if (strcmp(pkgs[i].group, k->group) == 0)
				return xasprintf("io.k8s.api.%s.%s.%s", pkgs[i].pkg, k->version, k->kind);
	/* custom resources: the group reversed, as the apiserver names them */
	parts = str_split(k->group, '.', &i);
	buf_init(&b, 0);
	while (i-- > 0)
		buf_addf(&b, "%s.", parts[i]);
	buf_addf(&b, "%s.%s", k->version, k->kind);
	str_free_list(parts);
	return buf_take(&b, NULL);
}

#define META_REF "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

static cJSON *prop(cJSON *props, const char *name, const char *type, const char *desc)
{
	cJSON *p = cJSON_AddObjectToObject(props, name);

	if (type)
		cJSON_AddStringToObject(p, "type", type);
	if (desc)
		cJSON_AddStringToObject(p, "description", desc);
	return p;
}

static cJSON *gvk_ext(const struct kind *k, bool as_array)
{
	cJSON *g = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(g, "group", k->group);
	cJSON_AddStringToObject(g, "kind", k->kind);
	cJSON_AddStringToObject(g, "version", k->version);
	if (!as_array)
		return g;
	a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, g);
	return a;
}

static void meta_ref(cJSON *props)
{
	cJSON *m = cJSON_AddObjectToObject(props, "metadata"), *all = cJSON_AddArrayToObject(m, "allOf");
	cJSON *ref = cJSON_CreateObject();

	cJSON_AddStringToObject(ref, "$ref", META_REF);
	cJSON_AddItemToArray(all, ref);
	cJSON_AddObjectToObject(m, "default");
	cJSON_AddStringToObject(m, "description", "Standard object's metadata. More info: "
				"https://git.k8s.io/community/contributors/devel/sig-architecture/"
				"api-conventions.md#metadata");
}

/* ---- schemas from the type table (built-in kinds) ---- */

static void msg_schema(cJSON *schemas, const struct schema_msg *m);

static char *msg_ref_name(const struct schema_msg *m)
{
	if (strcmp(m->name, "ObjectMeta") == 0)
		return xstrdup("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
	return xasprintf("io.k8s.datalab.%s", m->name);
}

static cJSON *scalar_schema(cJSON *schemas, const struct schema_field *f)
{
	cJSON *o = cJSON_CreateObject();
	const struct schema_msg *m;
	char *ref;

	switch (f->type) {
	case SCHEMA_STRING:
	case SCHEMA_DURATION:
		cJSON_AddStringToObject(o, "type", "string");
		break;
	case SCHEMA_BYTES:
		cJSON_AddStringToObject(o, "type", "string");
		cJSON_AddStringToObject(o, "format", "byte");
		break;
	case SCHEMA_INT32:
	case SCHEMA_INT64:
		cJSON_AddStringToObject(o, "type", "integer");
		cJSON_AddStringToObject(o, "format", f->type == SCHEMA_INT32 ? "int32" : "int64");
		break;
	case SCHEMA_BOOL:
		cJSON_AddStringToObject(o, "type", "boolean");
		break;
	case SCHEMA_DOUBLE:
		cJSON_AddStringToObject(o, "type", "number");
		break;
	case SCHEMA_TIME:
	case SCHEMA_MICROTIME:
		cJSON_AddStringToObject(o, "type", "string");
		cJSON_AddStringToObject(o, "format", "date-time");
		break;
	case SCHEMA_QUANTITY:
	case SCHEMA_INTORSTR:
		cJSON_AddBoolToObject(o, "x-kubernetes-int-or-string", true);
		break;
	case SCHEMA_MESSAGE:
		m = schema_field_msg(f);
		if (m) {
			cJSON *all = cJSON_AddArrayToObject(o, "allOf"), *r = cJSON_CreateObject();
			char *full;

			msg_schema(schemas, m);
			ref = msg_ref_name(m);
			full = xasprintf("#/components/schemas/%s", ref);
			cJSON_AddStringToObject(r, "$ref", full);
			cJSON_AddItemToArray(all, r);
			free(full);
			free(ref);
			break;
		}
		/* fall through */
	default:
		cJSON_AddStringToObject(o, "type", "object");
	}
	return o;
}

static void add_fields(cJSON *schemas, cJSON *props, const struct schema_msg *m, int depth)
{
	const struct schema_field *f;

	for (f = m->fields; f && f->name; f++) {
		cJSON *p;

		if (f->flags & SCHEMA_INLINE) {
			if (schema_field_msg(f) && depth < 4)
				add_fields(schemas, props, schema_field_msg(f), depth + 1);
			continue;
		}
		if (cJSON_GetObjectItemCaseSensitive(props, f->name))
			continue;
		if (f->flags & SCHEMA_REPEATED) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "type", "array");
			cJSON_AddItemToObject(p, "items", scalar_schema(schemas, f));
		} else if (f->flags & SCHEMA_MAP) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "type", "object");
			cJSON_AddItemToObject(p, "additionalProperties", scalar_schema(schemas, f));
		} else {
			p = scalar_schema(schemas, f);
		}
		cJSON_AddItemToObject(props, f->name, p);
	}
}

/* msg_schema: m and every message it reaches, once each, into schemas. */
static void msg_schema(cJSON *schemas, const struct schema_msg *m)
{
	char *name = msg_ref_name(m);
	cJSON *s, *props;

	if (cJSON_GetObjectItemCaseSensitive(schemas, name)) {
		free(name);
		return;
	}
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "type", "object");
	props = cJSON_AddObjectToObject(s, "properties");
	cJSON_AddItemToObject(schemas, name, s);	/* first: cycles stop here */
	free(name);
	add_fields(schemas, props, m, 0);
}

static cJSON *light_schema(const struct kind *k);

static cJSON *kind_schema(const struct kind *k, cJSON *schemas)
{
	const struct schema_msg *m = k->builtin ? schema_kind_msg(k->api_version, k->kind) : NULL;

	if (m) {
		cJSON *s = cJSON_CreateObject(), *props;
		char *desc = xasprintf("%s (%s). Field types come from the Kubernetes API; datalab-sandbox "
				       "carries no field descriptions.", k->kind, k->api_version);

		cJSON_AddStringToObject(s, "description", desc);
		free(desc);
		cJSON_AddStringToObject(s, "type", "object");
		props = cJSON_AddObjectToObject(s, "properties");
		add_fields(schemas, props, m, 0);
		cJSON_DeleteItemFromObjectCaseSensitive(props, "apiVersion");
		cJSON_DeleteItemFromObjectCaseSensitive(props, "kind");
		prop(props, "apiVersion", "string", "APIVersion defines the versioned schema of this "
		     "representation of an object.");
		prop(props, "kind", "string", "Kind is a string value representing the REST resource this "
		     "object represents.");
		cJSON_AddItemToObject(s, "x-kubernetes-group-version-kind", gvk_ext(k, true));
		return s;
	}
	return light_schema(k);
}

static cJSON *light_schema(const struct kind *k)
{
	cJSON *s, *props;
	char *desc;

	if (k->schema) {
		s = cJSON_Duplicate(k->schema, 1);
		props = cJSON_GetObjectItemCaseSensitive(s, "properties");
		if (!props)
			props = cJSON_AddObjectToObject(s, "properties");
		cJSON_DeleteItemFromObjectCaseSensitive(props, "metadata");
		meta_ref(props);
	} else {
		s = cJSON_CreateObject();
		desc = xasprintf("%s is a %s resource served by datalab-sandbox (a light schema: "
				 "fields below the first level are not described).", k->kind,
				 *k->group ? k->group : "core");
		cJSON_AddStringToObject(s, "description", desc);
		free(desc);
		cJSON_AddStringToObject(s, "type", "object");
		props = cJSON_AddObjectToObject(s, "properties");
		meta_ref(props);
		if (strcmp(k->kind, "ConfigMap") == 0 || strcmp(k->kind, "Secret") == 0) {
			cJSON_AddObjectToObject(prop(props, "data", "object", "Data contains the data."),
						"additionalProperties");
			if (strcmp(k->kind, "Secret") == 0) {
				prop(props, "stringData", "object", "stringData allows specifying non-binary "
				     "secret data in string form.");
				prop(props, "type", "string", "Used to facilitate programmatic handling of "
				     "secret data.");
			} else {
				prop(props, "binaryData", "object", "BinaryData contains the binary data.");
			}
			prop(props, "immutable", "boolean", "Immutable, if set to true, ensures that data "
			     "stored cannot be updated.");
		} else {
			prop(props, "spec", "object", "Spec defines the desired state of the object.");
			prop(props, "status", "object", "Status is the most recently observed state of the "
			     "object. Read-only.");
		}
	}
	props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	cJSON_DeleteItemFromObjectCaseSensitive(props, "apiVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(props, "kind");
	prop(props, "apiVersion", "string", "APIVersion defines the versioned schema of this "
	     "representation of an object.");
	prop(props, "kind", "string", "Kind is a string value representing the REST resource this "
	     "object represents.");
	cJSON_DeleteItemFromObjectCaseSensitive(s, "x-kubernetes-group-version-kind");
	cJSON_AddItemToObject(s, "x-kubernetes-group-version-kind", gvk_ext(k, true));
	return s;
}

static cJSON *object_meta_schema(void)
{
	static const char *const strings[] = { "name", "generateName", "namespace", "uid",
					       "resourceVersion", "creationTimestamp",
					       "deletionTimestamp", "selfLink" };
	cJSON *s = cJSON_CreateObject(), *props;
	size_t i;

	cJSON_AddStringToObject(s, "description", "ObjectMeta is metadata that all persisted resources "
				"must have, which includes all objects users must create.");
	cJSON_AddStringToObject(s, "type", "object");
	props = cJSON_AddObjectToObject(s, "properties");
	for (i = 0; i < DL_ARRAY_LEN(strings); i++)
		prop(props, strings[i], "string", NULL);
	prop(props, "generation", "integer", "A sequence number representing a specific generation "
	     "of the desired state.");
	prop(props, "deletionGracePeriodSeconds", "integer", NULL);
	cJSON_AddObjectToObject(prop(props, "labels", "object", "Map of string keys and values that "
				     "can be used to organize and categorize objects."),
				"additionalProperties");
	cJSON_AddObjectToObject(prop(props, "annotations", "object", "Annotations is an unstructured "
				     "key value map stored with a resource."), "additionalProperties");
	prop(props, "finalizers", "array", "Must be empty before the object is deleted from the registry.");
	prop(props, "ownerReferences", "array", "List of objects depended by this object.");
	prop(props, "managedFields", "array", "ManagedFields maps workflow-id and version to the set "
	     "of fields that are managed by that workflow.");
	return s;
}

static cJSON *param(const char *name, const char *desc)
{
	cJSON *p = cJSON_CreateObject(), *s;

	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "in", "query");
	cJSON_AddStringToObject(p, "description", desc);
	s = cJSON_AddObjectToObject(p, "schema");
	cJSON_AddStringToObject(s, "type", "string");
	cJSON_AddBoolToObject(s, "uniqueItems", true);
	return p;
}

static cJSON *write_params(bool patch)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, param("dryRun", "When present, indicates that modifications should "
				      "not be persisted."));
	cJSON_AddItemToArray(a, param("fieldManager", "fieldManager is a name associated with the "
				      "actor or entity that is making these changes."));
	cJSON_AddItemToArray(a, param("fieldValidation", "fieldValidation instructs the server on "
				      "how to handle objects in the request containing unknown or "
				      "duplicate fields: Ignore, Warn or Strict."));
	if (patch)
		cJSON_AddItemToArray(a, param("force", "Force is going to \"force\" Apply requests."));
	return a;
}

static cJSON *op(const struct kind *k, const char *action, const char *schema, bool params, bool patch)
{
	cJSON *o = cJSON_CreateObject(), *r, *c, *j, *s;
	char *ref = xasprintf("#/components/schemas/%s", schema);
	char *id = xasprintf("%s%s", action, k->kind);

	cJSON_AddStringToObject(o, "operationId", id);
	if (params)
		cJSON_AddItemToObject(o, "parameters", write_params(patch));
	if (patch) {
		static const char *const types[] = { "application/apply-patch+yaml",
						     "application/json-patch+json",
						     "application/merge-patch+json",
						     "application/strategic-merge-patch+json" };
		size_t i;
		cJSON *rb = cJSON_AddObjectToObject(o, "requestBody"), *ct = cJSON_AddObjectToObject(rb, "content");

		for (i = 0; i < DL_ARRAY_LEN(types); i++) {
			if (!k->builtin && strstr(types[i], "strategic"))
				continue;
			cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(ct, types[i]),
									"schema"), "type", "object");
		}
		cJSON_AddBoolToObject(rb, "required", true);
	}
	r = cJSON_AddObjectToObject(o, "responses");
	c = cJSON_AddObjectToObject(r, "200");
	cJSON_AddStringToObject(c, "description", "OK");
	j = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "content"), "application/json");
	s = cJSON_AddObjectToObject(j, "schema");
	cJSON_AddStringToObject(s, "$ref", ref);
	cJSON_AddStringToObject(o, "x-kubernetes-action", action);
	cJSON_AddItemToObject(o, "x-kubernetes-group-version-kind", gvk_ext(k, false));
	free(ref);
	free(id);
	return o;
}

static void add_paths(cJSON *paths, const struct kind *k, const char *schema)
{
	char *prefix = *k->group ? xasprintf("/apis/%s/%s", k->group, k->version) : xasprintf("/api/v1");
	char *coll = k->namespaced ? xasprintf("%s/namespaces/{namespace}/%s", prefix, k->resource) :
				     xasprintf("%s/%s", prefix, k->resource);
	char *item = xasprintf("%s/{name}", coll), *status = xasprintf("%s/{name}/status", coll);
	cJSON *p;

	p = cJSON_AddObjectToObject(paths, coll);
	cJSON_AddItemToObject(p, "get", op(k, "list", schema, false, false));
	cJSON_AddItemToObject(p, "post", op(k, "post", schema, true, false));
	cJSON_AddItemToObject(p, "delete", op(k, "deletecollection", schema, false, false));
	p = cJSON_AddObjectToObject(paths, item);
	cJSON_AddItemToObject(p, "get", op(k, "get", schema, false, false));
	cJSON_AddItemToObject(p, "put", op(k, "put", schema, true, false));
	cJSON_AddItemToObject(p, "patch", op(k, "patch", schema, true, true));
	cJSON_AddItemToObject(p, "delete", op(k, "delete", schema, false, false));
	if (k->subs & KIND_SUB_STATUS) {
		p = cJSON_AddObjectToObject(paths, status);
		cJSON_AddItemToObject(p, "get", op(k, "get", schema, false, false));
		cJSON_AddItemToObject(p, "put", op(k, "put", schema, true, false));
		cJSON_AddItemToObject(p, "patch", op(k, "patch", schema, true, true));
	}
	if (k->namespaced) {
		char *all = xasprintf("%s/%s", prefix, k->resource);

		p = cJSON_AddObjectToObject(paths, all);
		cJSON_AddItemToObject(p, "get", op(k, "list", schema, false, false));
		free(all);
	}
	free(prefix);
	free(coll);
	free(item);
	free(status);
}

cJSON *discovery_openapi_gv(struct api *a, const char *group, const char *version)
{
	struct kinds *ks = api_kinds(a);
	cJSON *doc, *info, *paths, *schemas;
	size_t i, n = kinds_count(ks);
	bool any = false;

	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "openapi", "3.0.0");
	info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "Kubernetes");
	cJSON_AddStringToObject(info, "version", KUBE_VERSION);
	paths = cJSON_AddObjectToObject(doc, "paths");
	schemas = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "components"), "schemas");
	for (i = 0; i < schema_nmsgs; i++)
		if (strcmp(schema_msgs[i].name, "ObjectMeta") == 0)
			break;
	if (i < schema_nmsgs)
		msg_schema(schemas, &schema_msgs[i]);
	else
		cJSON_AddItemToObject(schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
				      object_meta_schema());
	for (i = 0; i < n; i++) {
		const struct kind *k = kinds_at(ks, i);
		char *name;

		if (k->gone || strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
			continue;
		any = true;
		name = schema_name(k);
		if (!cJSON_GetObjectItemCaseSensitive(schemas, name))
			cJSON_AddItemToObject(schemas, name, kind_schema(k, schemas));
		add_paths(paths, k, name);
		free(name);
	}
	if (!any) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void index_add(cJSON *paths, struct api *a, const char *group, const char *version)
{
	char *key = *group ? xasprintf("apis/%s/%s", group, version) : xasprintf("api/%s", version);
	cJSON *doc, *e;
	char *txt, *url;

	if (cJSON_GetObjectItemCaseSensitive(paths, key) ||
	    !(doc = discovery_openapi_gv(a, group, version))) {
		free(key);
		return;
	}
	txt = cJSON_PrintUnformatted(doc);
	url = xasprintf("/openapi/v3/%s?hash=%016llX", key, (unsigned long long)fnv(txt));
	e = cJSON_AddObjectToObject(paths, key);
	cJSON_AddStringToObject(e, "serverRelativeURL", url);
	free(url);
	free(key);
	free(txt);
	cJSON_Delete(doc);
}

static int reply_openapi_index(struct api_req *rq)
{
	struct kinds *ks = api_kinds(rq->api);
	cJSON *o = cJSON_CreateObject(), *paths = cJSON_AddObjectToObject(o, "paths");
	size_t i, n = kinds_count(ks);

	for (i = 0; i < n; i++) {
		const struct kind *k = kinds_at(ks, i);

		if (!k->gone)
			index_add(paths, rq->api, k->group, k->version);
	}
	return reply_doc(rq, o);
}

int discovery_handle(struct api_req *rq)
{
	char **p = rq->parts;
	size_t n = rq->nparts;
	bool get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;

	if (n == 1 && strcmp(p[0], "version") == 0)
		return get ? reply_version(rq) : -2;
	if (n == 1 && (strcmp(p[0], "healthz") == 0 || strcmp(p[0], "livez") == 0 ||
		       strcmp(p[0], "readyz") == 0))
		return api_reply(rq, 200, "text/plain; charset=utf-8", "ok", 2);
	if (n >= 1 && strcmp(p[0], "openapi") == 0 && get) {
		if (n == 2 && strcmp(p[1], "v2") == 0)
			return api_reply(rq, 200, "application/octet-stream", "", 0);
		if (n == 2 && strcmp(p[1], "v3") == 0)
			return reply_openapi_index(rq);
		if (n == 4 && strcmp(p[1], "v3") == 0 && strcmp(p[2], "api") == 0)
			return reply_doc(rq, discovery_openapi_gv(rq->api, "", p[3]));
		if (n == 5 && strcmp(p[1], "v3") == 0 && strcmp(p[2], "apis") == 0)
			return reply_doc(rq, discovery_openapi_gv(rq->api, p[3], p[4]));
		return not_found(rq);
	}
	if (!get)
		return -2;
	if (n == 1 && strcmp(p[0], "api") == 0)
		return reply_api(rq);
	if (n == 2 && strcmp(p[0], "api") == 0)
		return reply_doc(rq, api_resources_json(rq->api, "", p[1]));
	if (n == 1 && strcmp(p[0], "apis") == 0)
		return reply_doc(rq, api_groups_json(rq->api));
	if (n == 2 && strcmp(p[0], "apis") == 0)
		return reply_group(rq, p[1]);
	if (n == 3 && strcmp(p[0], "apis") == 0)
		return reply_doc(rq, api_resources_json(rq->api, p[1], p[2]));
	return -2;
}
