/*
 * kobj.h: the fields of Kubernetes objects that model/services and
 * model/cluster both read: times, label and annotation values, the Helm
 * release an object belongs to, quantities and container requests, why
 * a pod is unscheduled, when an event last happened.  Pure functions over
 * cJSON (borrowed); returned strings point into the object unless the
 * comment says xmalloc'd.
 */
#ifndef DATALAB_MODEL_KOBJ_H
#define DATALAB_MODEL_KOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* kobj_parse_time: an RFC 3339 time as unix seconds, 0 when NULL or
 * malformed. */
int64_t kobj_parse_time(const char *v);
/* kobj_time: the RFC 3339 time at path as unix seconds, 0 when absent or
 * malformed. */
int64_t kobj_time(const cJSON *obj, const char *path);
/* kobj_key: a label or annotation value: obj is the labels (or
 * annotations) object and key holds dots, so no path lookup.  NULL when
 * absent or not a string. */
const char *kobj_key(const cJSON *obj, const char *key);
/* kobj_instance: the Helm release an object belongs to: the label
 * app.kubernetes.io/instance, else release=, else the annotation
 * meta.helm.sh/release-name; NULL when none. */
const char *kobj_instance(const cJSON *obj);
/* kobj_quantity: a quantity string ("250m", "4Gi") as milli-units (milli)
 * or units; 0 when absent or malformed. */
int64_t kobj_quantity(const cJSON *v, bool milli);
/* kobj_request: what a container requests of resource ("cpu",
 * "nvidia.com/gpu"), its limit when it requests nothing (the API server
 * defaults requests to limits). */
int64_t kobj_request(const cJSON *container, const char *resource, bool milli);
/* kobj_sched_message: the PodScheduled=False condition's message (the
 * scheduler's "0/3 nodes are available: ..."), xmalloc'd, or NULL. */
char *kobj_sched_message(const cJSON *pod);
/* kobj_event_time: the newest of an Event's timestamps, new-style
 * (series.lastObservedTime, eventTime) or old-style (lastTimestamp,
 * firstTimestamp), else its creation; 0 when none. */
int64_t kobj_event_time(const cJSON *ev);

#endif
