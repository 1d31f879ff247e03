/*
 * scheduler.h: where a pod goes, or why it cannot go anywhere.
 *
 * The filters of kube-scheduler's default profile that the sandbox can
 * meet, in its order, stopping at a node's first failing one:
 * NodeUnschedulable, TaintToleration (NoSchedule/NoExecute), NodeAffinity
 * (spec.nodeSelector and the required node affinity: matchExpressions on
 * labels, matchFields on metadata.name), NodeResourcesFit (cpu, memory, nvidia.com/gpu,
 * pod count).  Among the nodes that fit, the least allocated wins (ties:
 * the first).  When none fits, the FailedScheduling message is worded as
 * the scheduler's FitError: "0/5 nodes are available: 2 Insufficient
 * nvidia.com/gpu, 3 Insufficient cpu. preemption: 0/5 nodes are available:
 * 5 No preemption victims found for incoming pod."
 */
#ifndef DATALAB_SANDBOX_SCHEDULER_H
#define DATALAB_SANDBOX_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"

struct scheduler_req {
	int64_t cpu_milli;
	int64_t memory;		/* bytes */
	int64_t gpus;		/* nvidia.com/gpu */
};

struct scheduler_node {
	const cJSON *node;	/* the Node object */
	struct scheduler_req used;	/* the requests of the pods bound to it */
	int64_t pods;		/* how many pods are bound to it */
};

/* scheduler_pod_requests: a pod's effective requests: the containers' sum,
 * or an init container's when larger; a missing request is its limit. */
void scheduler_pod_requests(const cJSON *pod, struct scheduler_req *r);
/* scheduler_node_matches: the pod's nodeSelector and required node
 * affinity accept node (the NodeAffinity filter). */
bool scheduler_node_matches(const cJSON *pod, const cJSON *node);
/* scheduler_tolerates_node: the pod tolerates node's NoSchedule and
 * NoExecute taints, and its unschedulable mark (the DaemonSet
 * controller's test, with the TaintToleration filter's rules). */
bool scheduler_tolerates_node(const cJSON *pod, const cJSON *node);
/* scheduler_pick: the index of the node for pod, or -1 with the
 * FailedScheduling message appended to msg. */
int scheduler_pick(const cJSON *pod, const struct scheduler_node *nodes, size_t n, struct buf *msg);

#endif
