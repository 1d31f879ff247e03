/*
 * quota.h: ResourceQuota arithmetic: what a pod or a claim counts, whether
 * it fits, and status.used kept current.
 *
 * Pods count "pods", "count/pods", "requests.cpu" (= "cpu"),
 * "requests.memory" (= "memory"), "limits.cpu", "limits.memory",
 * "requests.ephemeral-storage", "requests.nvidia.com/gpu" (and, as
 * Onyxia's docs list it, "limits.nvidia.com/gpu"); claims count
 * "persistentvolumeclaims", "count/persistentvolumeclaims" and
 * "requests.storage".  Only the keys of spec.hard are tracked.
 */
#ifndef DATALAB_SANDBOX_QUOTA_H
#define DATALAB_SANDBOX_QUOTA_H

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

/* quota_usage: what obj (a Pod or a PersistentVolumeClaim) counts, as an
 * object of quantity strings; NULL for other kinds and finished pods. */
cJSON *quota_usage(const cJSON *obj);

/*
 * quota_admit: 0 when usage fits quota (spec.hard against status.used),
 * else ERR_FORBIDDEN (status 403) with the apiserver's sentence:
 * "pods \"p\" is forbidden: exceeded quota: q, requested: ..., used: ...,
 * limited: ...", or "failed quota: q: must specify limits.cpu" when the
 * quota tracks a limit the pod does not set.  resource is the plural
 * ("pods"), name the object's name ("" for generateName).
 */
int quota_admit(const cJSON *quota, const cJSON *usage, const cJSON *obj, const char *resource,
		const char *name, struct error *err);

/* quota_charge: status.hard = spec.hard and status.used += sign * usage
 * (sign 1 on create, -1 on delete), keys of spec.hard only, never below 0. */
void quota_charge(cJSON *quota, const cJSON *usage, int sign);

#endif
