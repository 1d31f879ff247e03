/*
 * simtolerate.c: the ExtendedResourceToleration admission plugin
 * (sim-internal.h).
 *
 * Clusters keep ordinary pods off their GPU nodes with a taint named
 * after the resource (nvidia.com/gpu=present:NoSchedule, as GKE and the
 * NVIDIA GPU operator do); the API server's ExtendedResourceToleration
 * plugin then gives each new pod that asks for an extended resource (a
 * resource name with a domain outside kubernetes.io, e.g. nvidia.com/gpu)
 * the toleration {key: RESOURCE, operator: Exists, effect: NoSchedule},
 * so a GPU pod needs none of its own.  The sandbox's default GPU nodes
 * carry that taint (simnodes.h).  Limits count too: the API server
 * defaults an extended resource's request from its limit before
 * admission, which the sandbox does not do.
 */
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "sim-internal.h"

/* extended: v1helper.IsExtendedResourceName: a name with a domain, not
 * one of kubernetes.io's, not a quota's "requests." name */
static bool extended(const char *name)
{
	return strchr(name, '/') && !strstr(name, "kubernetes.io/") && strncmp(name, "requests.", 9) != 0;
}

static bool tolerated(const cJSON *pod, const char *key)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, json_get(pod, "spec.tolerations")) {
		if (str_eq(json_str(t, "key", ""), key) && str_eq(json_str(t, "operator", "Equal"), "Exists") &&
		    str_eq(json_str(t, "effect", ""), "NoSchedule"))
			return true;
	}
	return false;
}

static void tolerate(cJSON *pod, const char *key)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	cJSON *list, *t;

	if (!cJSON_IsObject(spec) || tolerated(pod, key))
		return;
	list = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "tolerations");
		list = cJSON_AddArrayToObject(spec, "tolerations");
	}
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "key", key);
	cJSON_AddStringToObject(t, "operator", "Exists");
	cJSON_AddStringToObject(t, "effect", "NoSchedule");
	cJSON_AddItemToArray(list, t);
}

static void scan(cJSON *pod, const char *containers)
{
	static const char *const which[] = { "requests", "limits" };
	const cJSON *ct, *r;

	cJSON_ArrayForEach(ct, json_get(json_get(pod, "spec"), containers)) {
		for (size_t i = 0; i < DL_ARRAY_LEN(which); i++) {
			cJSON_ArrayForEach(r, json_get(json_get(ct, "resources"), which[i])) {
				if (r->string && extended(r->string))
					tolerate(pod, r->string);
			}
		}
	}
}

int simtolerate_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			  const struct store_obj *old, const struct store_write *w, struct status *st,
			  void *arg)
{
	struct sim *c = arg;

	(void)s;
	(void)old;
	(void)w;
	(void)st;
	if (op != STORE_ADDED || !obj || k != c->k_pods)
		return 0;
	scan(obj, "containers");
	scan(obj, "initContainers");
	return 0;
}
