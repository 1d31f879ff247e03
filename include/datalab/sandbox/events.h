/*
 * events.h: events.k8s.io/v1 Events as a view of the core v1 Events.
 *
 * As in a real cluster, both APIs serve the same objects: the store holds
 * core v1 Events (what part 2's controllers and the kubelet simulation
 * write) and events.k8s.io/v1 requests are converted at the REST boundary,
 * field by field as k8s.io/kubernetes pkg/apis/events/v1 converts them:
 * involvedObject/regarding, message/note, reportingComponent/
 * reportingController, source/deprecatedSource, firstTimestamp/
 * deprecatedFirstTimestamp, lastTimestamp/deprecatedLastTimestamp,
 * count/deprecatedCount; the rest keeps its name.
 */
#ifndef DATALAB_SANDBOX_EVENTS_H
#define DATALAB_SANDBOX_EVENTS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/kinds.h"

/* events_is_view: k is the events.k8s.io kind served from core Events. */
bool events_is_view(const struct kind *k);
/* events_to_view: a core v1 Event as events.k8s.io/v1 (a new tree). */
cJSON *events_to_view(const cJSON *core);
/* events_from_view: an events.k8s.io/v1 Event as core v1 (a new tree). */
cJSON *events_from_view(const cJSON *ev);

#endif
