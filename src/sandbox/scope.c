/*
 * scope.c: users kept to one namespace (see api.h, api_add_user).
 *
 * The sandbox's own user may do everything.  A classroom's students may do
 * everything in their own namespace (user-NAME), read their namespace
 * object, discovery and OpenAPI, and nothing else: every other request is
 * refused 403 with the apiserver's RBAC sentence, verb included:
 *
 *   pods is forbidden: User "student01" cannot list resource "pods" in
 *   API group "" at the cluster scope
 *   deployments.apps "web" is forbidden: User "student01" cannot delete
 *   resource "deployments" in API group "apps" in the namespace "user-x"
 */
#include <stdio.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/status.h"
#include "api-internal.h"

void api_add_user(struct api *a, const char *token, const char *name, const char *ns)
{
	struct api_user *u;

	a->users = xreallocarray(a->users, a->nusers + 1, sizeof(*a->users));
	u = &a->users[a->nusers++];
	u->auth = xasprintf("Bearer %s", token);
	u->name = xstrdup(name);
	u->ns = xstrdup(ns);
}

/* a non-resource request's verb, and any odd method's: lower-cased */
static const char *method_verb(const char *m, char other[16])
{
	size_t i;

	if (strcmp(m, "HEAD") == 0)
		return "get";
	for (i = 0; i < 15 && m[i]; i++)
		other[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	other[i] = '\0';
	return other;
}

/* the verb RBAC checks for rq (kubernetes' RequestInfo) */
static const char *verb_of(const struct api_req *rq, char other[16])
{
	const char *m = rq->method, *w = api_query(rq, "watch");
	bool watch = w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0);

	if (rq->sub && (strcmp(rq->sub, "exec") == 0 || strcmp(rq->sub, "attach") == 0 ||
			strcmp(rq->sub, "portforward") == 0))
		return "create";
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return watch ? "watch" : rq->name ? "get" : "list";
	if (strcmp(m, "POST") == 0)
		return "create";
	if (strcmp(m, "PUT") == 0)
		return "update";
	if (strcmp(m, "PATCH") == 0)
		return "patch";
	if (strcmp(m, "DELETE") == 0)
		return rq->name ? "delete" : "deletecollection";
	return method_verb(m, other);
}

bool api_scope_denied(struct api_req *rq, const char *ns, const char *group, const char *res)
{
	const struct api_user *u = rq->user;
	const char *gr = res, *where = ns ? "in the namespace" : "at the cluster scope";
	struct status st;
	char what[200], grbuf[200], quoted[200] = "", other[16] = "";

	if (!u || (ns && strcmp(ns, u->ns) == 0))
		return false;
	status_init(&st);
	if (!rq->kind && res && res[0] == '/') {	/* a non-resource URL: the method is the verb */
		status_set(&st, 403, "Forbidden", "forbidden: User \"%s\" cannot %s path \"%s\"", u->name,
			   method_verb(rq->method, other), res);
		goto reply;
	}
	if (rq->kind) {
		group = rq->kind->group;
		res = rq->kind->resource;
		gr = rq->kind->gr;
		/* its own namespace object, to read */
		if (strcmp(res, "namespaces") == 0 && rq->name && strcmp(rq->name, u->ns) == 0 &&
		    (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0)) {
			status_release(&st);
			return false;
		}
	} else if (group && *group) {
		snprintf(grbuf, sizeof(grbuf), "%s.%s", res ? res : "", group);
		gr = grbuf;
	}
	snprintf(what, sizeof(what), "%s%s%s", res ? res : "", rq->sub ? "/" : "", rq->sub ? rq->sub : "");
	if (ns)
		snprintf(quoted, sizeof(quoted), " \"%s\"", ns);
	status_set(&st, 403, "Forbidden", "%s%s%s%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
		   "\"%s\" %s%s", gr ? gr : "", rq->name ? " \"" : "", rq->name ? rq->name : "", rq->name ? "\"" : "",
		   u->name, verb_of(rq, other), what, group ? group : "", where, quoted);
	status_details(&st, group, res, rq->name);
reply:
	api_reply_status(rq, &st);
	status_release(&st);
	return true;
}
