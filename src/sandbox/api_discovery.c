/*
 * api_discovery.c: the discovery documents (see api.h): the APIGroupList
 * of /apis (each group's versions, the preferred one first, by Kubernetes
 * version priority) and the APIResourceList of each group/version: the
 * kinds of the registry with their verbs, short names and categories, the
 * store's status and scale subresources, and the subresources and groups
 * registered by other modules.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "api-internal.h"

/* ---- discovery documents ---- */

/* Kubernetes version priority: GA > beta > alpha, higher numbers first
 * (apimachinery's version.CompareKubeAwareVersionStrings). */
static int version_rank(const char *v, int *major, int *minor)
{
	const char *p = v;
	int kind = 3;

	*major = *minor = 0;
	if (*p == 'v')
		p++;
	*major = (int)strtol(p, (char **)&p, 10);
	if (str_has_prefix(p, "beta")) {
		kind = 2;
		*minor = (int)strtol(p + 4, NULL, 10);
	} else if (str_has_prefix(p, "alpha")) {
		kind = 1;
		*minor = (int)strtol(p + 5, NULL, 10);
	} else if (*p) {
		kind = 0;
	}
	return kind;
}

static bool version_better(const char *a, const char *b)
{
	int ma, na, mb, nb, ka = version_rank(a, &ma, &na), kb = version_rank(b, &mb, &nb);

	if (ka != kb)
		return ka > kb;
	if (ma != mb)
		return ma > mb;
	return na > nb;
}

static cJSON *gv_entry(const char *group, const char *version)
{
	cJSON *v = cJSON_CreateObject();
	char *gv = xasprintf("%s/%s", group, version);

	cJSON_AddStringToObject(v, "groupVersion", gv);
	cJSON_AddStringToObject(v, "version", version);
	free(gv);
	return v;
}

static cJSON *group_find(cJSON *groups, const char *name)
{
	cJSON *g;

	cJSON_ArrayForEach(g, groups)
		if (strcmp(json_str(g, "name", ""), name) == 0)
			return g;
	return NULL;
}

static void group_add_version(cJSON *groups, const char *group, const char *version)
{
	cJSON *g = group_find(groups, group), *vs, *v;
	const char *pref;

	if (!g) {
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "name", group);
		cJSON_AddArrayToObject(g, "versions");
		cJSON_AddItemToArray(groups, g);
	}
	vs = cJSON_GetObjectItemCaseSensitive(g, "versions");
	cJSON_ArrayForEach(v, vs)
		if (strcmp(json_str(v, "version", ""), version) == 0)
			return;
	cJSON_AddItemToArray(vs, gv_entry(group, version));
	pref = json_str(g, "preferredVersion.version", NULL);
	if (!pref || version_better(version, pref)) {
		cJSON_DeleteItemFromObjectCaseSensitive(g, "preferredVersion");
		cJSON_AddItemToObject(g, "preferredVersion", gv_entry(group, version));
	}
}

cJSON *api_groups_json(struct api *a)
{
	cJSON *o = cJSON_CreateObject(), *groups, *g, *vs;
	size_t i, n = kinds_count(a->ks);

	cJSON_AddStringToObject(o, "kind", "APIGroupList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	groups = cJSON_AddArrayToObject(o, "groups");
	for (i = 0; i < n; i++) {
		const struct kind *k = kinds_at(a->ks, i);

		if (!k->gone && *k->group)
			group_add_version(groups, k->group, k->version);
	}
	for (i = 0; i < a->ngroups; i++)
		group_add_version(groups, a->groups[i].group, a->groups[i].version);
	/* the preferred version first, as the apiserver lists them */
	cJSON_ArrayForEach(g, groups) {
		const char *pref = json_str(g, "preferredVersion.version", "");
		cJSON *v;

		vs = cJSON_GetObjectItemCaseSensitive(g, "versions");
		cJSON_ArrayForEach(v, vs) {
			if (strcmp(json_str(v, "version", ""), pref) == 0 && v != vs->child) {
				cJSON_DetachItemViaPointer(vs, v);
				cJSON_InsertItemInArray(vs, 0, v);
				break;
			}
		}
	}
	return o;
}

static cJSON *str_array(const char *const *list)
{
	cJSON *a = cJSON_CreateArray();

	for (; list && *list; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
	return a;
}

static cJSON *verbs_json(unsigned verbs)
{
	const char *names[8];
	size_t n = kinds_verb_names(verbs, names), i;
	cJSON *a = cJSON_CreateArray();

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
	return a;
}

static cJSON *sub_entry(const struct kind *k, const char *sub, cJSON *verbs, const char *gvk)
{
	cJSON *r = cJSON_CreateObject();
	char *name = xasprintf("%s/%s", k->resource, sub);

	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "singularName", "");
	cJSON_AddBoolToObject(r, "namespaced", k->namespaced);
	if (gvk) {
		char **p = str_split(gvk, '/', NULL);
		size_t n = 0;

		while (p[n])
			n++;
		if (n == 3) {
			cJSON_AddStringToObject(r, "group", p[0]);
			cJSON_AddStringToObject(r, "version", p[1]);
			cJSON_AddStringToObject(r, "kind", p[2]);
		} else if (n == 2) {
			cJSON_AddStringToObject(r, "group", "");
			cJSON_AddStringToObject(r, "version", p[0]);
			cJSON_AddStringToObject(r, "kind", p[1]);
		}
		str_free_list(p);
	} else {
		cJSON_AddStringToObject(r, "kind", k->kind);
	}
	cJSON_AddItemToObject(r, "verbs", verbs);
	free(name);
	return r;
}

static cJSON *csv_array(const char *csv)
{
	char **p = str_split(csv, ',', NULL);
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; p[i]; i++)
		if (*str_trim(p[i]))
			cJSON_AddItemToArray(a, cJSON_CreateString(p[i]));
	str_free_list(p);
	return a;
}

cJSON *api_resources_json(struct api *a, const char *group, const char *version)
{
	cJSON *o, *res, *r;
	size_t i, j, n = kinds_count(a->ks);
	char *gv = *group ? xasprintf("%s/%s", group, version) : xstrdup(version);
	bool any = false;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "APIResourceList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "groupVersion", gv);
	free(gv);
	for (i = 0; i < a->ngroups; i++) {
		if (strcmp(a->groups[i].group, group) == 0 && strcmp(a->groups[i].version, version) == 0) {
			cJSON_AddItemToObject(o, "resources", cJSON_Duplicate(a->groups[i].resources, 1));
			return o;
		}
	}
	res = cJSON_AddArrayToObject(o, "resources");
	for (i = 0; i < n; i++) {
		const struct kind *k = kinds_at(a->ks, i);

		if (k->gone || strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
			continue;
		any = true;
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "name", k->resource);
		cJSON_AddStringToObject(r, "singularName", k->singular);
		cJSON_AddBoolToObject(r, "namespaced", k->namespaced);
		cJSON_AddStringToObject(r, "kind", k->kind);
		cJSON_AddItemToObject(r, "verbs", verbs_json(k->verbs));
		if (k->short_names)
			cJSON_AddItemToObject(r, "shortNames", str_array(k->short_names));
		if (k->categories)
			cJSON_AddItemToObject(r, "categories", str_array(k->categories));
		cJSON_AddItemToArray(res, r);
		if (k->subs & KIND_SUB_STATUS)
			cJSON_AddItemToArray(res, sub_entry(k, "status", csv_array("get,patch,update"), NULL));
		if (k->subs & KIND_SUB_SCALE)
			cJSON_AddItemToArray(res, sub_entry(k, "scale", csv_array("get,patch,update"),
							    "autoscaling/v1/Scale"));
		for (j = 0; j < a->nsubs; j++)
			if (strcmp(a->subs[j].group, k->group) == 0 &&
			    strcmp(a->subs[j].resource, k->resource) == 0)
				cJSON_AddItemToArray(res, sub_entry(k, a->subs[j].sub,
								    csv_array(a->subs[j].verbs),
								    a->subs[j].gvk));
	}
	if (!any) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

