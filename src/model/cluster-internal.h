/*
 * cluster-internal.h: model/cluster's state, shared by cluster.c (pods,
 * nodes, events, namespaces, usage, the joins) and cluster_quota.c
 * (quotas, formats).  Not for other modules: they use model/cluster.h.
 */
#ifndef DATALAB_MODEL_CLUSTER_INTERNAL_H
#define DATALAB_MODEL_CLUSTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/model/cluster.h"

struct pod_row {
	struct cluster_pod p;
	char *sched_msg;	/* PodScheduled=False message */
	char *waiting;		/* a container's waiting reason, for warnings */
	unsigned usage_round;	/* the metrics poll that last gave its usage */
};

struct cluster {
	struct pod_row *pods;
	size_t npods, pods_cap;
	struct cluster_node *nodes;
	size_t nnodes;
	struct cluster_event *events;
	size_t nevents;
	struct cluster_event **by_time;	/* newest first */
	struct cluster_quota *quotas;
	size_t nquotas;
	char **namespaces;
	size_t nnamespaces;
	bool stale;		/* the joins need a rerun */
	bool events_stale;	/* the events need sorting again */
	unsigned usage_round;	/* metrics polls begun (cluster_usage_reset) */
	bool usage_pending;	/* pods a poll did not name lose their usage at the join */
	uint64_t generation;
};

/* cluster_changed: a feed changed c: the joins rerun at the next read. */
void cluster_changed(struct cluster *c);
void cluster_quota_clear(struct cluster_quota *q);

#endif
