/*
 * scheduler.h: where a pod goes, or why it cannot go anywhere.
 *
 * The filters of kube-scheduler's default profile that the sandbox can
 * meet, in its order, stopping at a node's first failing one:
 * NodeUnschedulable, TaintToleration (NoSchedule/NoExecute), NodeAffinity
 * (spec.nodeSelector), NodeResourcesFit (cpu, memory, nvidia.com/gpu,
 * pod count).  Among the nodes that fit, the least allocated wins (ties:
 * the first).  When none fits, the FailedScheduling message is worded as
 * the scheduler's FitError: "0/5 nodes are available: 2 Insufficient
 * nvidia.com/gpu, 3 Insufficient cpu. preemption: 0/5 nodes are available:
 * 5 No preemption victims found for incoming pod."
 */
#ifndef DATALAB_SANDBOX_SCHEDULER_H
#define DATALAB_SANDBOX_SCHEDULER_H

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
/* scheduler_pick: the index of the node for pod, or -1 with the
 * FailedScheduling message appended to msg. */
int scheduler_pick(const cJSON *pod, const struct scheduler_node *nodes, size_t n, struct buf *msg);

#endif
