/*
 * simnodes.h: the sandbox's simulated nodes: the --nodes grammar and the Node
 * objects a kubelet would report for them.
 *
 * SPEC   := GROUP (';' GROUP)*
 * GROUP  := [COUNT ':'] [KEY '=' VALUE (',' KEY '=' VALUE)*]
 * KEY    := cpu | memory | gpu | gpu-model | pods | storage | name | taint
 *
 * cpu and memory are quantities ("8", "7500m", "32Gi"); gpu is a count of
 * nvidia.com/gpu; gpu-model is the nvidia.com/gpu.product label; pods the
 * pod capacity (110); storage the ephemeral-storage; name the prefix of
 * the node names (default "cpu", or "gpu" when the group has GPUs); taint
 * is KEY[=VALUE]:EFFECT and may repeat.  Nodes are named
 * "sandbox-<name>-<n>", n counting from 1 within the group.  Default:
 * SIMNODES_DEFAULT_SPEC, 3 CPU nodes and 2 nodes with 4 A100 GPUs each,
 * tainted nvidia.com/gpu=present:NoSchedule so that only pods asking for
 * GPUs land there (they tolerate it by admission, see simtolerate.c).
 */
#ifndef DATALAB_SANDBOX_SIMNODES_H
#define DATALAB_SANDBOX_SIMNODES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

#define SIMNODES_DEFAULT_SPEC "3:cpu=8,memory=32Gi;" \
	"2:cpu=32,memory=256Gi,gpu=4,gpu-model=NVIDIA-A100-SXM4-40GB," \
	"taint=nvidia.com/gpu=present:NoSchedule"
#define SIMNODES_MAX 1000
#define SIMNODES_MAX_TAINTS 8

struct node_taint {
	char key[128];
	char value[64];
	char effect[24];	/* NoSchedule, PreferNoSchedule, NoExecute */
};

struct node_spec {
	char name[96];		/* sandbox-gpu-1 */
	int64_t cpu_milli;
	int64_t memory;		/* bytes */
	int64_t gpus;
	char gpu_model[96];
	int64_t pods;
	int64_t storage;	/* bytes */
	struct node_taint taints[SIMNODES_MAX_TAINTS];
	size_t ntaints;
	unsigned index;		/* 0-based position in the whole list */
};

/* simnodes_parse: spec NULL or "" means SIMNODES_DEFAULT_SPEC.  *out is
 * xmalloc'd (caller frees); ERR_INVALID with the offending group. */
int simnodes_parse(const char *spec, struct node_spec **out, size_t *n, struct error *err);

/* simnodes_object: the Node as the API serves it (labels, taints, capacity,
 * allocatable, conditions, addresses, nodeInfo); now is RFC 3339. */
cJSON *simnodes_object(const struct node_spec *s, const char *now);

#endif
