/*
 * strategy-internal.h: helpers shared by strategy.c (the table, pods and
 * workloads) and strategy_core.c (services, config, namespaces, storage,
 * quotas, network policies, CRDs, events).
 */
#ifndef DATALAB_SANDBOX_STRATEGY_INTERNAL_H
#define DATALAB_SANDBOX_STRATEGY_INTERNAL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/status.h"
#include "datalab/sandbox/store.h"

/* strategy_child_obj: the object at key, made (replacing a non-object) if missing. */
cJSON *strategy_child_obj(cJSON *parent, const char *key);
/* strategy_def_*: set key when it is missing or null. */
void strategy_def_str(cJSON *o, const char *key, const char *v);
void strategy_def_num(cJSON *o, const char *key, double v);
void strategy_def_bool(cJSON *o, const char *key, bool v);
const char *strategy_name_of(const cJSON *obj);

/* the kinds of strategy_core.c */
int strategy_services(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_secrets(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_configmaps(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_namespaces(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_pvcs(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_quotas(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_netpols(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_crds(struct store *s, cJSON *obj, const cJSON *old, struct status *st);
int strategy_events_v1(struct store *s, cJSON *obj, const cJSON *old, struct status *st);

#endif
