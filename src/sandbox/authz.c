/*
 * authz.c: SelfSubjectAccessReview and SelfSubjectRulesReview (see
 * authz.h).  The sandbox's own user may do everything; a user kept to a
 * namespace (api_add_user) may do everything there and read its namespace
 * object, as scope.c enforces.  The answer is the request's own object
 * with a status added, as the apiserver returns it.
 */
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/authz.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/rest.h"

static cJSON *resource(const char *name, const char *kind)
{
	cJSON *r = cJSON_CreateObject(), *v;

	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "singularName", "");
	cJSON_AddBoolToObject(r, "namespaced", false);
	cJSON_AddStringToObject(r, "kind", kind);
	v = cJSON_AddArrayToObject(r, "verbs");
	cJSON_AddItemToArray(v, cJSON_CreateString("create"));
	return r;
}

static cJSON *star_list(void)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString("*"));
	return a;
}

static cJSON *one(const char *s)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString(s));
	return a;
}

/* may: the access review's answer for user (NULL: the sandbox's own) */
static bool may(struct api_req *rq, const cJSON *spec)
{
	const struct api_user *u = rq->user;
	const cJSON *ra = json_get(spec, "resourceAttributes");
	const struct kind *k;

	if (!u)
		return true;
	if (!ra)	/* a non-resource URL: discovery, OpenAPI, version, to read */
		return str_eq(json_str(spec, "nonResourceAttributes.verb", "get"), "get");
	/* kubectl names its context's namespace even for nodes: the
	 * apiserver ignores it for a cluster-scoped resource */
	k = kinds_find_storage(api_kinds(rq->api), json_str(ra, "group", ""), json_str(ra, "resource", ""));
	if ((!k || k->namespaced) && str_eq(json_str(ra, "namespace", ""), u->ns))
		return true;
	return str_eq(json_str(ra, "resource", ""), "namespaces") && str_eq(json_str(ra, "name", ""), u->ns) &&
	       str_eq(json_str(ra, "verb", ""), "get");
}

static int on_authz(struct api_req *rq, void *arg)
{
	const char *res = rq->nparts == 4 ? rq->parts[3] : NULL;
	struct status st;
	cJSON *obj, *status, *rules, *rule;
	int rc;

	(void)arg;
	if (rq->nparts == 3)
		return api_reply_error(rq, 405, "MethodNotAllowed", "the server does not allow this method "
				       "on the requested resource");
	if (!res || (strcmp(res, "selfsubjectaccessreviews") != 0 &&
		     strcmp(res, "selfsubjectrulesreviews") != 0))
		return api_reply_error(rq, 404, "NotFound", "the server could not find the requested resource");
	if (strcmp(rq->method, "POST") != 0)
		return api_reply_error(rq, 405, "MethodNotAllowed", "the server does not allow this method "
				       "on the requested resource");
	status_init(&st);
	obj = rest_decode_body(rq, &st);
	if (!obj && st.code != 415) {
		rc = api_reply_status(rq, &st);
		status_release(&st);
		return rc;
	}
	status_release(&st);
	if (!obj) {
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "kind", strcmp(res, "selfsubjectaccessreviews") == 0 ?
					"SelfSubjectAccessReview" : "SelfSubjectRulesReview");
		cJSON_AddStringToObject(obj, "apiVersion", "authorization.k8s.io/v1");
		cJSON_AddObjectToObject(obj, "spec");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	status = cJSON_AddObjectToObject(obj, "status");
	if (strcmp(res, "selfsubjectaccessreviews") == 0) {
		bool yes = may(rq, json_get(obj, "spec"));

		cJSON_AddBoolToObject(status, "allowed", yes);
		if (!rq->user)
			cJSON_AddStringToObject(status, "reason", "the sandbox's user may do everything");
		else if (yes)
			cJSON_AddStringToObject(status, "reason", "in the user's own namespace");
	} else if (rq->user && !str_eq(json_str(obj, "spec.namespace", ""), rq->user->ns)) {
		/* elsewhere: its namespace object to read, the reviews, discovery */
		rules = cJSON_AddArrayToObject(status, "resourceRules");
		rule = cJSON_CreateObject();
		cJSON_AddItemToObject(rule, "verbs", one("get"));
		cJSON_AddItemToObject(rule, "apiGroups", one(""));
		cJSON_AddItemToObject(rule, "resources", one("namespaces"));
		cJSON_AddItemToObject(rule, "resourceNames", one(rq->user->ns));
		cJSON_AddItemToArray(rules, rule);
		rule = cJSON_CreateObject();
		cJSON_AddItemToObject(rule, "verbs", one("create"));
		cJSON_AddItemToObject(rule, "apiGroups", one("authorization.k8s.io"));
		cJSON_AddItemToObject(rule, "resources", star_list());
		cJSON_AddItemToArray(rules, rule);
		rules = cJSON_AddArrayToObject(status, "nonResourceRules");
		rule = cJSON_CreateObject();
		cJSON_AddItemToObject(rule, "verbs", one("get"));
		cJSON_AddItemToObject(rule, "nonResourceURLs", star_list());
		cJSON_AddItemToArray(rules, rule);
		cJSON_AddBoolToObject(status, "incomplete", false);
	} else {
		rules = cJSON_AddArrayToObject(status, "resourceRules");
		rule = cJSON_CreateObject();
		cJSON_AddItemToObject(rule, "verbs", star_list());
		cJSON_AddItemToObject(rule, "apiGroups", star_list());
		cJSON_AddItemToObject(rule, "resources", star_list());
		cJSON_AddItemToArray(rules, rule);
		rules = cJSON_AddArrayToObject(status, "nonResourceRules");
		rule = cJSON_CreateObject();
		cJSON_AddItemToObject(rule, "verbs", star_list());
		cJSON_AddItemToObject(rule, "nonResourceURLs", star_list());
		cJSON_AddItemToArray(rules, rule);
		cJSON_AddBoolToObject(status, "incomplete", false);
	}
	if (!json_get(obj, "metadata"))
		cJSON_AddObjectToObject(obj, "metadata");
	rc = api_reply_json(rq, 201, obj);
	cJSON_Delete(obj);
	return rc;
}

void authz_register(struct api *a)
{
	cJSON *res = cJSON_CreateArray();

	cJSON_AddItemToArray(res, resource("selfsubjectaccessreviews", "SelfSubjectAccessReview"));
	cJSON_AddItemToArray(res, resource("selfsubjectrulesreviews", "SelfSubjectRulesReview"));
	api_add_group(a, "authorization.k8s.io", "v1", res, on_authz, NULL);
}
