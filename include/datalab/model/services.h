/*
 * services.h: "My services": Helm releases joined with their pods, ingresses
 * and metrics, with the status a person reads (running, starting 1/2,
 * pending: why, crash-looping, paused, failed).
 *
 * The model is fed objects as the informers see them (helm's release
 * Secrets, pods, ingresses) and metrics as they are polled; it keeps only
 * what the views need, and it never draws nor fetches.  A release is the
 * newest revision of its Secrets (owner=helm); pods belong to a release by
 * the label app.kubernetes.io/instance (or release=), as Onyxia's charts
 * label them.  All strings stored are as received: views sanitize.
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

struct service {
	char *name;		/* the release */
	char *namespace;
	char *chart_name, *chart_version, *app_version;
	char *helm_status;
	long revision;
	int64_t created;	/* first deployed, unix seconds */
	char *notes;		/* rendered NOTES.txt */
	cJSON *values;		/* the user-supplied values */
	bool suspendable;	/* the values have global.suspend */
	bool suspended;
	char **urls;		/* https://host/path, from ingresses */
	size_t nurls;
	struct service_pod *pods;
	size_t npods;
	/* derived */
	enum service_state state;
	char *state_text;	/* "running", "starting 1/2", "pending: 0/5 nodes..." */
	int ready, total;
	int gpus;
	int64_t cpu_m, mem;	/* usage now (metrics), -1 when unknown */
	int64_t cpu_hist[SERVICE_HISTORY], mem_hist[SERVICE_HISTORY];
	int hist_len;
};

struct services;

struct services *services_new(void);
void services_free(struct services *s);

/* services_secret: a helm storage Secret (type helm.sh/release.v1) was
 * added or changed (deleted = false) or removed.  Decoding errors are
 * reported in err and the secret is ignored. */
int services_secret(struct services *s, const cJSON *secret, bool deleted, struct error *err);
void services_pod(struct services *s, const cJSON *pod, bool deleted);
void services_ingress(struct services *s, const cJSON *ing, bool deleted);
/* services_pod_event: a Warning event about a pod (FailedScheduling, BackOff)
 * becomes that pod's reason. */
void services_event(struct services *s, const cJSON *event);
/* services_metrics: a PodMetricsList (or a single PodMetrics). */
void services_metrics(struct services *s, const cJSON *list);

/* services_count / services_at: sorted by namespace, then name.  The
 * pointers stay valid until the next services_* change. */
size_t services_count(struct services *s);
const struct service *services_at(struct services *s, size_t i);
const struct service *services_find(struct services *s, const char *ns, const char *name);
/* services_generation: grows with every change that alters a row. */
uint64_t services_generation(const struct services *s);

const char *service_state_name(enum service_state st);

#endif
