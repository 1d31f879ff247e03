/*
 * kobj.c: fields of Kubernetes objects shared by the models (see
 * kobj.h).  Nothing is kept: each call reads the object it is given.
 */
#include <time.h>

#include "datalab/core/common.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/quantity.h"
#include "datalab/model/kobj.h"

int64_t kobj_parse_time(const char *v)
{
	time_t t;

	return v && time_parse_rfc3339(v, &t) == 0 ? (int64_t)t : 0;
}

int64_t kobj_time(const cJSON *obj, const char *path)
{
	return kobj_parse_time(json_str(obj, path, NULL));
}

const char *kobj_key(const cJSON *obj, const char *key)
{
	const cJSON *v = json_get_key(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *kobj_instance(const cJSON *obj)
{
	const cJSON *labels = json_get(obj, "metadata.labels");
	const char *v = kobj_key(labels, "app.kubernetes.io/instance");

	if (!v)
		v = kobj_key(labels, "release");
	if (!v)
		v = kobj_key(json_get(obj, "metadata.annotations"), "meta.helm.sh/release-name");
	return v;
}

int64_t kobj_quantity(const cJSON *v, bool milli)
{
	struct quantity q;

	if (!cJSON_IsString(v) || quantity_parse_str(v->valuestring, &q, NULL) < 0)
		return 0;
	return milli ? quantity_milli(&q) : quantity_value(&q);
}

int64_t kobj_request(const cJSON *container, const char *resource, bool milli)
{
	const cJSON *v = json_get_key(json_get(container, "resources.requests"), resource);

	if (!v)
		v = json_get_key(json_get(container, "resources.limits"), resource);
	return kobj_quantity(v, milli);
}

char *kobj_sched_message(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(pod, "status.conditions")) {
		if (str_eq(json_str(c, "type", ""), "PodScheduled") && str_eq(json_str(c, "status", ""), "False"))
			return xstrdup(json_str(c, "message", json_str(c, "reason", "Unschedulable")));
	}
	return NULL;
}

int64_t kobj_event_time(const cJSON *ev)
{
	static const char *const keys[] = {
		"series.lastObservedTime", "lastTimestamp", "eventTime", "firstTimestamp", "metadata.creationTimestamp",
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(keys); i++) {
		int64_t t = kobj_time(ev, keys[i]);

		if (t > 0)
			return t;
	}
	return 0;
}
