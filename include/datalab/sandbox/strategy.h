/*
 * strategy.h: per-kind defaults and checks, run by the store on each write.
 *
 * What the apiserver's registry strategies and defaulters do for the kinds
 * a chart creates: Secret type and stringData, Service cluster IPs and
 * ports, Pod and workload defaults (so kubectl and helm read back what a
 * real cluster returns), immutable fields, required fields, a Namespace's
 * finalizer and phase, a CRD's accepted names and Established condition.
 * Field validation is looser than a real cluster's: only what clients
 * and the console rely on is checked.
 */
#ifndef DATALAB_SANDBOX_STRATEGY_H
#define DATALAB_SANDBOX_STRATEGY_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/status.h"

struct store;

/*
 * strategy_prepare: defaults and checks obj before it is committed (old
 * is the stored object on update, NULL on create).  Returns 0, or -1 with
 * st: causes only (the store wraps them into one 422), or a full status
 * (400 for undecodable Secret data).
 */
int strategy_prepare(struct store *s, const struct kind *k, cJSON *obj, const cJSON *old,
		     struct status *st);

/* strategy_pod_defaults: a pod spec's defaults (also used for the pod
 * templates of workloads). */
void strategy_pod_defaults(cJSON *spec);

/* strategy_spec_changed: whether a write changes anything outside
 * metadata and status (the generation then goes up). */
bool strategy_spec_changed(const cJSON *obj, const cJSON *old);

#endif
