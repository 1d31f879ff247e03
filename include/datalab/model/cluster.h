/*
 * cluster.h: what an admin reads about the cluster: nodes with what is
 * requested on them against what they can allocate, GPUs used and total
 * with the model and who uses them, pods with a kubectl-like status and
 * why they wait, events newest first, quotas, and the namespaces one may
 * switch to.
 *
 * Like model/services, it is fed objects as the informers see them
 * (nodes, pods, events, resourcequotas, namespaces) and metrics as they
 * are polled, keeps compact rows, and computes its joins lazily on the
 * first read after a change (a burst of 5,000 pod updates costs one
 * join).  It never draws nor fetches; strings are as received (views
 * sanitize).  Pods are kept sorted by namespace and name, so an update
 * is a binary search.
 */
#ifndef DATALAB_MODEL_CLUSTER_H
#define DATALAB_MODEL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define CLUSTER_GPU_RESOURCE "nvidia.com/gpu"
#define CLUSTER_GPU_PRODUCT_LABEL "nvidia.com/gpu.product"

struct cluster_pod {
	char *ns, *name;
	char *node;		/* NULL until scheduled */
	char *phase;		/* Pending, Running, Succeeded, Failed, Unknown */
	char *status;		/* kubectl's STATUS: Running, ContainerCreating,
				 * CrashLoopBackOff, Init:0/1, Completed, Terminating... */
	char *reason;		/* why it waits (the scheduler's message), or NULL */
	char *instance;		/* the Helm release (app.kubernetes.io/instance), or NULL */
	int ready, containers, restarts;
	int gpus;		/* nvidia.com/gpu requested (limits when no request) */
	int64_t cpu_req_m, mem_req;
	int64_t cpu_m, mem;	/* usage from metrics, -1 unknown */
	int gpu_util;		/* percent over its GPUs (a DCGM page), -1 unknown */
	int64_t created;	/* unix seconds */
	bool deleting;
	bool done;		/* Succeeded or Failed: holds no resources */
	uint64_t gen;		/* cluster_generation() of its last change: a view
				 * redraws the pod's row only when it moved */
};

struct cluster_gpu_user {
	const char *ns, *pod;	/* borrowed from the pod rows */
	int gpus;
	int util;		/* the pod's gpu_util */
};

struct cluster_node {
	char *name;
	char *gpu_model;	/* nvidia.com/gpu.product, NULL when none */
	char *roles;		/* "control-plane", "" */
	bool ready, unschedulable;
	int64_t cpu_alloc_m, mem_alloc;
	int gpu_alloc, gpu_capacity;
	/* derived from the pods bound to it (not done ones) */
	int64_t cpu_req_m, mem_req;
	int gpu_used, npods;
	struct cluster_gpu_user *gpu_users;
	size_t ngpu_users;
	int64_t cpu_m, mem;	/* usage from metrics, -1 unknown */
	int gpu_util;		/* percent over all its GPUs, idle ones at 0; -1 unknown */
};

struct cluster_event {
	char *ns, *uid;
	char *type;		/* Normal, Warning */
	char *reason, *message;
	char *object;		/* "Pod/jupyter-0" */
	char *object_kind, *object_name;
	char *source;		/* the reporting component */
	int count;
	int64_t when;		/* the newest of its timestamps, unix seconds */
	bool warning;
};

struct cluster_quota_item {
	char *resource;		/* "requests.cpu", "requests.nvidia.com/gpu" */
	int64_t hard_milli, used_milli;
};

struct cluster_quota {
	char *ns, *name;
	struct cluster_quota_item *items;
	size_t nitems;
};

struct cluster;

struct cluster *cluster_new(void);
void cluster_free(struct cluster *c);
/* cluster_clear: forgets everything (a namespace switch); metrics too. */
void cluster_clear(struct cluster *c);

void cluster_feed_node(struct cluster *c, const cJSON *node, bool deleted);
void cluster_feed_pod(struct cluster *c, const cJSON *pod, bool deleted);
void cluster_feed_event(struct cluster *c, const cJSON *event, bool deleted);
void cluster_feed_quota(struct cluster *c, const cJSON *quota, bool deleted);
void cluster_feed_namespace(struct cluster *c, const cJSON *ns, bool deleted);
/* Usage from kube/metrics: reset begins a poll, then each measured pod
 * or node is set (millicores, bytes, GPU percent or -1); the nodes' usage
 * is unknown from the reset, a pod's from the first read after it unless
 * the poll set it (so a pod whose usage comes back the same keeps its
 * gen). */
void cluster_usage_reset(struct cluster *c, bool pods, bool nodes);
void cluster_pod_usage(struct cluster *c, const char *ns, const char *name, int64_t cpu_m, int64_t mem,
		       int gpu_util);
void cluster_node_usage(struct cluster *c, const char *name, int64_t cpu_m, int64_t mem, int gpu_util);
/* cluster_pod_metrics / cluster_node_metrics: the same from a
 * PodMetricsList or a NodeMetricsList. */
void cluster_pod_metrics(struct cluster *c, const cJSON *list);
void cluster_node_metrics(struct cluster *c, const cJSON *list);

/* Rows: valid until the next cluster_* change. */
size_t cluster_pod_count(struct cluster *c);
const struct cluster_pod *cluster_pod_at(struct cluster *c, size_t i);	/* by ns, name */
const struct cluster_pod *cluster_pod_find(struct cluster *c, const char *ns, const char *name);
size_t cluster_node_count(struct cluster *c);
const struct cluster_node *cluster_node_at(struct cluster *c, size_t i);	/* by name */
const struct cluster_node *cluster_node_find(struct cluster *c, const char *name);
size_t cluster_event_count(struct cluster *c);
const struct cluster_event *cluster_event_at(struct cluster *c, size_t i);	/* newest first */
/* cluster_namespace_count / _at: user-* first, then projet-*, then the
 * rest, each by name. */
size_t cluster_namespace_count(struct cluster *c);
const char *cluster_namespace_at(struct cluster *c, size_t i);
/* cluster_quota_for: the first quota of ns, or NULL. */
const struct cluster_quota *cluster_quota_for(struct cluster *c, const char *ns);
/* cluster_quota_item: the item for resource (also tried without the
 * "requests." prefix), or NULL. */
const struct cluster_quota_item *cluster_quota_item(const struct cluster_quota *q, const char *resource);
/* cluster_quota_summary: "cpu 0.3/10  mem 4Gi/10Gi  gpu 1/2" for the
 * title bar ("" when ns has no quota). */
void cluster_quota_summary(struct cluster *c, const char *ns, char *dst, size_t size);

/* cluster_generation: grows with every change. */
uint64_t cluster_generation(const struct cluster *c);

/* cluster_format_cpu: millicores as "250m", "1.5", "12". */
void cluster_format_cpu(char *dst, size_t size, int64_t milli);
/* cluster_format_mem: bytes as "512Mi", "1.5Gi", "800" (binary units). */
void cluster_format_mem(char *dst, size_t size, int64_t bytes);

#endif
