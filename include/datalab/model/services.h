/*
 * services.h: "My services": Helm releases joined with their pods, ingresses
 * and metrics, with the status a person reads (running, starting 1/2,
 * pending: why, crash-looping, paused, failed).
 *
 * The model is fed objects as the informers see them (Secrets: helm's
 * release storage and Onyxia's sh.onyxia.release.v1.NAME; pods;
 * ingresses; statefulsets and deployments; events) and metrics as they
 * are polled; it keeps only what the views need, and it never draws nor
 * fetches.  A release is the newest revision of its Secrets (owner=helm);
 * pods and workloads belong to a release by the label
 * app.kubernetes.io/instance (or release=), as Onyxia's charts label them.
 * Warning events about a pod are kept apart and joined when the rows are
 * built, so an event seen before its pod still explains it.
 * All strings stored are as received: views sanitize.
 */
#ifndef DATALAB_MODEL_SERVICES_H
#define DATALAB_MODEL_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

enum service_state {
	SERVICE_RUNNING,
	SERVICE_STARTING,	/* pods not all ready yet */
	SERVICE_PENDING,	/* a pod cannot be scheduled: see reason */
	SERVICE_CRASHLOOP,
	SERVICE_PAUSED,		/* global.suspend or scaled to 0 */
	SERVICE_FAILED,		/* helm says failed */
	SERVICE_INSTALLING,	/* helm pending-install/upgrade/rollback */
	SERVICE_DELETING,
	SERVICE_COMPLETED,	/* every pod Succeeded (jobs) */
};

#define SERVICE_HISTORY 32	/* metric samples kept for sparklines */

/* The annotation a scale-to-0 pause leaves on a workload: the replicas
 * to give back on resume. */
#define SERVICE_PAUSED_ANNOTATION "datalab.io/paused-replicas"

struct service_pod {
	char *name;
	char *phase;		/* Pending, Running, Succeeded, Failed */
	char *node;
	char *reason;		/* why it is not running, if known */
	int ready, containers, restarts;
	int gpus;		/* nvidia.com/gpu requested */
	int64_t cpu_request_m, mem_request;
	int64_t created;	/* unix seconds */
	bool deleting;
};

struct service_workload {
	char *kind;		/* "statefulsets" or "deployments" (the API resource) */
	char *name;
	int replicas;		/* spec.replicas */
	int paused_replicas;	/* from SERVICE_PAUSED_ANNOTATION, -1 when absent */
};

struct service {
	char *name;		/* the release */
	char *namespace;
	char *friendly_name;	/* Onyxia's friendlyName, NULL when none */
	char *catalog;		/* Onyxia's catalog id, NULL when none */
	char *chart_name, *chart_version, *app_version;
	char *helm_status;
	long revision;
	int64_t created;	/* first deployed, unix seconds */
	char *notes;		/* rendered NOTES.txt */
	cJSON *values;		/* the user-supplied values */
	bool suspendable;	/* the values have global.suspend */
	bool suspended;		/* global.suspend is true */
	bool scaled_down;	/* every workload at 0 replicas */
	struct service_workload *workloads;
	size_t nworkloads;
	char **urls;		/* https://host/path, from ingresses */
	size_t nurls;
	struct service_pod *pods;
	size_t npods;
	/* derived */
	enum service_state state;
	char *state_text;	/* "running", "starting 1/2", "pending: 0/5 nodes...",
				 * "pending: quota: cpu, nvidia.com/gpu": short, for a column */
	char *state_detail;	/* the same in full (a quota's whole refusal), for
				 * the detail view; never NULL once derived */
	int ready, total;
	int gpus;
	int64_t cpu_m, mem;	/* usage now (metrics), -1 when unknown */
	int gpu_util;		/* percent over its pods' GPUs (a DCGM page), -1 unknown */
	int64_t cpu_hist[SERVICE_HISTORY], mem_hist[SERVICE_HISTORY];
	int hist_len;
};

struct services;

struct services *services_new(void);
void services_free(struct services *s);

/* services_secret: a Secret was added or changed (deleted = false) or
 * removed: helm's storage (type helm.sh/release.v1, or labels owner=helm)
 * or Onyxia's (type onyxia.sh/release.v1: friendlyName, catalog); other
 * Secrets are ignored (0).  Decoding errors are reported in err and the
 * secret is ignored. */
int services_secret(struct services *s, const cJSON *secret, bool deleted, struct error *err);
void services_pod(struct services *s, const cJSON *pod, bool deleted);
void services_ingress(struct services *s, const cJSON *ing, bool deleted);
/* services_workload: a StatefulSet or Deployment, resource "statefulsets"
 * or "deployments" (list items carry no kind); its replicas tell a
 * scaled-down service apart. */
void services_workload(struct services *s, const char *resource, const cJSON *obj, bool deleted);
/* services_event: the newest Warning event about a pod (FailedScheduling,
 * BackOff) becomes that pod's reason until the pod is scheduled; a
 * workload's FailedCreate (a quota refusing its pods) is why a service
 * without pods is pending. */
void services_event(struct services *s, const cJSON *event, bool deleted);
/* One poll of usage (kube/metrics): begin forgets the previous usage,
 * services_usage sets one pod's (millicores, bytes, GPU percent or -1),
 * end adds a history sample to every service with a measured pod. */
void services_usage_begin(struct services *s);
void services_usage(struct services *s, const char *ns, const char *pod, int64_t cpu_m, int64_t mem,
		    int gpu_util);
void services_usage_end(struct services *s);
/* services_metrics: the same from a PodMetricsList (or one PodMetrics). */
void services_metrics(struct services *s, const cJSON *list);

/* services_count / services_at: sorted by namespace, then name.  The
 * pointers stay valid until the next services_* change. */
size_t services_count(struct services *s);
const struct service *services_at(struct services *s, size_t i);
const struct service *services_find(struct services *s, const char *ns, const char *name);
/* services_generation: grows with every change that alters a row. */
uint64_t services_generation(const struct services *s);

const char *service_state_name(enum service_state st);
/* service_friendly_name: the friendly name when it says more than the
 * release name (not empty, not the release's or the chart's name), else
 * NULL. */
const char *service_friendly_name(const struct service *svc);
/* service_display_name: that friendly name, else the release name. */
const char *service_display_name(const struct service *svc);
/* service_owns_object: whether the object ns/name is one of svc's (a pod
 * or workload of it, or an object named after the release): what an
 * Event's involvedObject must name to be about the service. */
bool service_owns_object(const struct service *svc, const char *ns, const char *name);

/* service_quota_summary: a ResourceQuota's refusal as a column can show
 * it: the resources of "... exceeded quota: NAME, requested:
 * limits.cpu=2,requests.nvidia.com/gpu=1, used: ..., limited: ..." as
 * "quota: cpu, nvidia.com/gpu" (requests./limits. dropped, each once), or
 * "... failed quota: NAME: must specify limits.cpu,limits.memory" as
 * "quota: must specify limits.cpu, limits.memory".  False (dst untouched)
 * when text carries neither. */
bool service_quota_summary(const char *text, char *dst, size_t size);

/* service_secret_in_line: finds a secret value in a line of NOTES
 * ("- Your password: abc", "token=abc", "**`abc`**" marks stripped):
 * true with its byte range [*start, *end). */
bool service_secret_in_line(const char *line, size_t n, size_t *start, size_t *end);
/* service_key_is_secret: a values key that holds a secret ("password",
 * "token", "AWS_SECRET_ACCESS_KEY", "secretKey"...). */
bool service_key_is_secret(const char *key);

#endif
