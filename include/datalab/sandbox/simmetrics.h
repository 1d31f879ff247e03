/*
 * simmetrics.h: the deterministic resource simulation behind metrics.k8s.io
 * and the GPU metrics.
 *
 * Each container gets a profile from a hash of namespace/pod/container:
 * six in ten idle (2-8% of its cpu request), three busy (40-90%), one
 * spiky (idle, with a burst every few minutes); a container with GPUs is
 * heavy (60-100% of the cpu request, GPUs 60-100% busy).  Usage wobbles
 * on a period of one to five minutes, so two scrapes differ, and the same
 * pod gives the same numbers at the same time in every run.  Requests
 * default to 100m of cpu and 128Mi of memory when a container sets none.
 *
 * GPU metrics are served as the NVIDIA DCGM exporter serves them: the
 * Prometheus text of DCGM_FI_DEV_GPU_UTIL, _FB_USED, _FB_FREE, _GPU_TEMP
 * and _POWER_USAGE, one series per GPU with gpu, UUID, device, modelName,
 * Hostname and, for an allocated GPU, namespace, pod and container labels.
 * A pod's GPUs are the indices in its annotation SIMMETRICS_GPU_ANNOTATION
 * ("0,1"), which the scheduler writes when it binds the pod.
 */
#ifndef DATALAB_SANDBOX_SIMMETRICS_H
#define DATALAB_SANDBOX_SIMMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"

#define SIMMETRICS_GPU_ANNOTATION "sandbox.datalab.dev/gpus"
#define SIMMETRICS_WINDOW "15s"

struct simmetrics_usage {
	int64_t cpu_nano;	/* nanocores */
	int64_t memory;		/* working set, bytes */
	int gpu_util;		/* percent, for each of its GPUs */
};

/* simmetrics_container: container c (an element of spec.containers) of pod
 * at time t (unix seconds). */
void simmetrics_container(const cJSON *pod, const cJSON *c, int64_t t, struct simmetrics_usage *u);

/* simmetrics_pod_object: the PodMetrics of a running pod; now is RFC 3339;
 * extra (NULL: none), one per container in spec order, is added to the
 * simulation (what real processes in the container use). */
cJSON *simmetrics_pod_object(const cJSON *pod, int64_t t, const char *now, const struct simmetrics_usage *extra);
/* simmetrics_node_object: the NodeMetrics of node, given the pods bound to
 * it: their usage plus the node's own (system daemons), plus extra (real
 * processes of its pods; NULL: none). */
cJSON *simmetrics_node_object(const cJSON *node, const cJSON *const *pods, size_t npods, int64_t t,
			   const char *now, const struct simmetrics_usage *extra);
/* simmetrics_dcgm_text: the DCGM exporter's text for every GPU of nodes. */
void simmetrics_dcgm_text(struct buf *out, const cJSON *const *nodes, size_t nnodes,
		       const cJSON *const *pods, size_t npods, int64_t t);

#endif
