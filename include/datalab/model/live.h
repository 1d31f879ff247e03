/*
 * live.h: the console's live connection to one cluster and namespace.
 *
 * A live connection owns the informers of the current namespace (secrets, pods,
 * events, ingresses, statefulsets, deployments, resourcequotas), the
 * cluster-wide ones the admin views ask for (nodes, pods and events of
 * all namespaces, namespaces), the metrics poll (every 15 s, as
 * metrics-server scrapes), and the two models they feed: model/services
 * ("My services") and model/cluster (the monitor views).  Views read the
 * models and get told what changed through one callback; they never see
 * the network.
 *
 * Cluster-wide informers start on demand (live_want_cluster); a 403
 * stops them for good (an Onyxia user may not list nodes) and the reason
 * is kept for the views: nothing retries in the background, so an idle
 * console stays idle.
 *
 * Actions on services run helm through helm/runner (uninstall; pause and
 * resume with --reuse-values --set global.suspend, Onyxia's way) or call
 * the API (scale to 0 when the values have no global.suspend, Onyxia's
 * friendly-name Secret, deleting a pod).  Each reports once through a
 * callback with a sentence to show.
 */
#ifndef DATALAB_MODEL_LIVE_H
#define DATALAB_MODEL_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/helm/runner.h"
#include "datalab/kube/client.h"
#include "datalab/model/cluster.h"
#include "datalab/model/services.h"

enum live_change {
	LIVE_SERVICES = 1 << 0,	/* model/services changed */
	LIVE_CLUSTER = 1 << 1,	/* model/cluster changed */
	LIVE_FRESHNESS = 1 << 2,	/* synced, lost or regained a stream */
	LIVE_NAMESPACE = 1 << 3,	/* the namespace was switched */
};

struct live_opts {
	const char *namespace;		/* required */
	const char *kubeconfig;		/* passed to helm as --kubeconfig; NULL: its default */
	const char *context;		/* passed to helm as --kube-context; NULL: current */
	long metrics_ms;		/* 0: 15000; < 0: no polling */
	const char *gpu_path;		/* a DCGM-shaped page's API path; NULL: the
					 * cluster's, if it serves one (metrics_gpu_path_for) */
};

struct live;

/* live_new: nothing runs until live_start.  k is borrowed. */
struct live *live_new(struct loop *l, struct kube *k, const struct live_opts *opts);
/* live_free: cancels everything; no callback after it. */
void live_free(struct live *s);
int live_start(struct live *s, struct error *err);

/* live_on_change: fn(arg, what) after every model change (a burst of
 * watch events calls it per event: make it cheap, mark and draw later). */
void live_on_change(struct live *s, void (*fn)(void *arg, unsigned what), void *arg);

struct services *live_services(struct live *s);
struct cluster *live_cluster(struct live *s);
struct kube *live_kube(const struct live *s);
struct loop *live_loop(const struct live *s);
const char *live_namespace(const struct live *s);
/* live_helm_target: where helm commands act (namespace included). */
struct helm_target live_helm_target(const struct live *s);

/* live_set_all_namespaces: the namespaced informers (secrets, pods,
 * events, ingresses, workloads, quotas) and the metrics poll watch every
 * namespace (all) or the current one again; the models are cleared and
 * refilled.  When the API refuses to list them across namespaces (403)
 * the connection falls back to the current namespace by itself and
 * live_all_error says why, once: the next call clears it. */
void live_set_all_namespaces(struct live *s, bool all);
bool live_all_namespaces(const struct live *s);
const char *live_all_error(const struct live *s);

/* live_set_namespace: switches every namespaced informer and clears
 * the models.  -1 with err for a name that is not a DNS label. */
int live_set_namespace(struct live *s, const char *ns, struct error *err);
/* live_recent_namespace: the namespaces switched to this run (most
 * recent first), for completion when the cluster's list is forbidden. */
const char *live_recent_namespace(const struct live *s, size_t i);

/* live_want_cluster: starts the cluster-wide informers (nodes, all
 * pods and events) and node metrics, once. */
void live_want_cluster(struct live *s);
/* live_cluster_error: why the cluster-wide data is missing ("not
 * allowed to list 'nodes'"), or NULL. */
const char *live_cluster_error(const struct live *s);
/* live_cluster_wide: whether model/cluster holds all namespaces' pods
 * and events (else only the current namespace's). */
bool live_cluster_wide(const struct live *s);
/* live_metrics_error: why there are no metrics, or NULL. */
const char *live_metrics_error(const struct live *s);

/* live_freshness: "live", "syncing", or "stale 12:03:04: <why>"
 * into dst; *stale tells which. */
void live_freshness(const struct live *s, char *dst, size_t size, bool *stale);

/* live_get: an object from the informers' stores (borrowed, valid
 * until the next loop turn): resource "pods", "statefulsets",
 * "deployments", "ingresses", "events", "secrets" of namespace ns (NULL:
 * the current one; below too, ns NULL is the current namespace). */
const cJSON *live_get(const struct live *s, const char *resource, const char *ns, const char *name);
/* live_each_release_object: the live objects of the release ns/release
 * (pods, statefulsets, deployments, ingresses), by resource then name. */
void live_each_release_object(const struct live *s, const char *ns, const char *release,
				 void (*fn)(const char *resource, const cJSON *obj, void *arg), void *arg);
/* live_each_event: the events watched (the namespace's, or every
 * namespace's in all-namespaces mode), in no order. */
void live_each_event(const struct live *s, void (*fn)(const cJSON *ev, void *arg), void *arg);

/* --- actions --- */

/* live_done_fn: an action finished; err->code ERR_NONE on success.
 * what names it ("deleted jupyter-123"). */
typedef void live_done_fn(void *arg, const struct error *err, const char *what);

/* live_chart_fn: where a release's chart can be fetched again for
 * `helm upgrade --reuse-values` (pause/resume): *chart and *repo_url
 * (xmalloc'd; repo_url may stay NULL for a "repo/chart" reference).
 * -1 when unknown. */
typedef int live_chart_fn(void *arg, const struct service *svc, char **chart, char **repo_url);
void live_set_chart_resolver(struct live *s, live_chart_fn *fn, void *arg);

/* live_action_line: the command an action runs, for confirmations
 * and the "equivalent commands" tab (xmalloc'd): action is "delete",
 * "pause", "resume", "status", "pods", "logs", "exec" or "restart"; pod
 * is used by the last three (NULL: the first pod). */
char *live_action_line(struct live *s, const char *action, const char *ns, const char *release, const char *pod);

/* The actions, on the release (or pod) of namespace ns (NULL: the
 * current one; helm runs with -n ns): 0 when started (fn runs later,
 * once), -1 with err. */
int live_delete_service(struct live *s, const char *ns, const char *release, live_done_fn *fn, void *arg,
			   struct error *err);
/* live_pause_service: pause (or resume) as Onyxia does: helm upgrade
 * --reuse-values --set global.suspend=true|false when the values have
 * global.suspend and the chart resolves; else scale the release's
 * workloads to 0 (remembering their replicas in an annotation) or back. */
int live_pause_service(struct live *s, const char *ns, const char *release, bool pause, live_done_fn *fn, void *arg,
			  struct error *err);
/* live_rename_service: Onyxia's friendly name, in the Secret
 * sh.onyxia.release.v1.RELEASE (created when missing). */
int live_rename_service(struct live *s, const char *ns, const char *release, const char *friendly, live_done_fn *fn,
			   void *arg, struct error *err);
/* live_delete_pod: restart a pod by deleting it (its controller makes
 * a new one). */
int live_delete_pod(struct live *s, const char *ns, const char *pod, live_done_fn *fn, void *arg, struct error *err);
/* live_actions_running: helm commands and API calls in flight. */
int live_actions_running(const struct live *s);

#endif
