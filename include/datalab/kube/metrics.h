/*
 * metrics.h: pod and node usage from metrics.k8s.io/v1beta1, polled.
 *
 * The Metrics API has no watch, so a loop timer of its own polls it every
 * 15 s (metrics-server scrapes every 15 s: polling faster shows nothing
 * new).  Each poll GETs PodMetricsList (one namespace or all) and, when
 * asked, NodeMetricsList; quantities are read exactly with kube/quantity
 * (cpu in nanocores, memory in bytes), and every pod and node keeps its
 * last METRICS_HISTORY samples for sparklines.  A cluster without the API
 * (404 on the group, 503 from a dead aggregated server, 403) is told once
 * through on_unavailable and polled again quietly in case it appears.
 *
 * GPU utilisation is not part of the Metrics API.  A DCGM exporter shape
 * is read when a source is configured (opts.gpu_path: a Prometheus text
 * page with a DCGM_FI_DEV_GPU_UTIL sample per GPU, labelled Hostname, and
 * namespace and pod while a pod holds it): a pod's is the mean over its
 * GPUs, a node's the mean over all its GPUs, idle ones at 0.  Or it is fed
 * from outside with metrics_set_gpu.
 */
#ifndef DATALAB_KUBE_METRICS_H
#define DATALAB_KUBE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/kube/client.h"
#include "datalab/kube/kubeconfig.h"

#define METRICS_HISTORY 32
#define METRICS_INTERVAL_MS 15000L

struct metrics_usage {
	int64_t cpu_nano;	/* nanocores */
	int64_t mem_bytes;	/* working set */
	int64_t timestamp;	/* end of the window, unix s (0 unknown) */
	int64_t window_ms;
};

struct metrics_container {
	char *name;
	struct metrics_usage usage;
};

struct metrics_series {
	char *ns;		/* "" for nodes */
	char *name;
	struct metrics_usage now;
	struct metrics_container *containers;	/* pods only */
	size_t ncontainers;
	int64_t cpu_hist[METRICS_HISTORY];	/* nanocores, oldest first */
	int64_t mem_hist[METRICS_HISTORY];
	int hist_len;
	int gpu_util;		/* percent 0..100 averaged over its GPUs, -1 unknown */
	int gpu_hist[METRICS_HISTORY];
	int gpu_hist_len;
};

/* ---- parsing (pure) ---- */

/* metrics_parse_item: one PodMetrics or NodeMetrics into *s (owned
 * strings; free with metrics_series_clear).  Pod usage is the sum of its
 * containers.  -1 with err on a malformed item (no name, bad quantity). */
int metrics_parse_item(const cJSON *item, struct metrics_series *s, struct error *err);
void metrics_series_clear(struct metrics_series *s);
/* metrics_parse_duration: a Go duration ("20.047s", "1m0s", "500ms")
 * into ms; -1 if malformed. */
int64_t metrics_parse_duration(const char *s);

/* metrics_parse_dcgm: walks a Prometheus text page, calling fn for each
 * DCGM_FI_DEV_GPU_UTIL sample that names a pod (value 0..100).  Returns
 * the number of samples seen. */
typedef void metrics_gpu_fn(const char *ns, const char *pod, const char *gpu, double value, void *arg);
int metrics_parse_dcgm(const char *text, size_t n, metrics_gpu_fn *fn, void *arg);

/* One DCGM_FI_DEV_GPU_UTIL sample: every label "" when absent. */
struct metrics_gpu_sample {
	const char *host, *gpu, *ns, *pod;
	double value;		/* 0..100 */
};

/* metrics_parse_dcgm_samples: the same walk, calling fn for every valid
 * sample, idle GPUs (no pod) included.  Returns the number of samples. */
typedef void metrics_gpu_sample_fn(const struct metrics_gpu_sample *s, void *arg);
int metrics_parse_dcgm_samples(const char *text, size_t n, metrics_gpu_sample_fn *fn, void *arg);

/* ---- the poller ---- */

struct metrics;

struct metrics_opts {
	const char *ns;			/* pods of this namespace; NULL or "": all */
	bool nodes;			/* NodeMetrics too */
	long interval_ms;		/* 0 = METRICS_INTERVAL_MS */
	const char *gpu_path;		/* API path of a DCGM-shaped text page, or NULL */
};

struct metrics_cbs {
	/* on_update: a poll landed (pods and nodes are current). */
	void (*on_update)(struct metrics *m, void *arg);
	/* on_unavailable: the Metrics API is missing or refused; said once
	 * per change (a poll that succeeds again resets it). */
	void (*on_unavailable)(struct metrics *m, const struct error *err, void *arg);
};

struct metrics *metrics_new(struct kube *k, const struct metrics_opts *o, const struct metrics_cbs *cbs, void *arg);
/* metrics_start: polls now, then every interval. */
int metrics_start(struct metrics *m, struct error *err);
/* metrics_poll_now: an extra poll (one at a time). */
void metrics_poll_now(struct metrics *m);
void metrics_free(struct metrics *m);

const struct metrics_series *metrics_pod(const struct metrics *m, const char *ns, const char *name);
const struct metrics_series *metrics_node(const struct metrics *m, const char *name);
size_t metrics_pod_count(const struct metrics *m);
const struct metrics_series *metrics_pod_at(const struct metrics *m, size_t i);	/* sorted ns, name */
size_t metrics_node_count(const struct metrics *m);
const struct metrics_series *metrics_node_at(const struct metrics *m, size_t i);

/* metrics_gpu_available: the last poll read a GPU page. */
bool metrics_gpu_available(const struct metrics *m);
/* metrics_available: the last poll worked. */
bool metrics_available(const struct metrics *m);
/* metrics_error: why not, or NULL. */
const struct error *metrics_error(const struct metrics *m);
int64_t metrics_updated_at(const struct metrics *m);	/* unix ms of the last good poll */
unsigned long metrics_polls(const struct metrics *m);
/* metrics_gpu_path_for: where this cluster serves a DCGM-shaped page:
 * "/metrics/dcgm" on datalab-sandbox (its cluster is named so), else NULL
 * (a real cluster's dcgm-exporter is scraped by Prometheus, not served by
 * the API server: feed it with metrics_set_gpu). */
const char *metrics_gpu_path_for(const struct kubeconfig *kc);
/* metrics_set_gpu: GPU utilisation of a pod from another source (a
 * sandbox annotation, a Prometheus query); -1 clears it. */
void metrics_set_gpu(struct metrics *m, const char *ns, const char *pod, int percent);

#endif
