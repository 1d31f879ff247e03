/*
 * live-internal.h: the live connection's state, shared by live.c
 * (informers, metrics, freshness) and live_actions.c (what the user
 * does to services).  Not for other modules: they use model/live.h.
 */
#ifndef DATALAB_MODEL_LIVE_INTERNAL_H
#define DATALAB_MODEL_LIVE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/kube/informer.h"
#include "datalab/kube/metrics.h"
#include "datalab/model/live.h"

/* What each informer watches; the first group follows the namespace. */
enum feed_kind {
	F_SECRETS,
	F_PODS,
	F_EVENTS,
	F_INGRESSES,
	F_STATEFULSETS,
	F_DEPLOYMENTS,
	F_QUOTAS,
	F_NS_COUNT,
	F_NODES = F_NS_COUNT,
	F_PODS_ALL,
	F_EVENTS_ALL,
	F_NAMESPACES,
	F_COUNT
};

struct feed {
	struct live *s;
	enum feed_kind kind;
	struct informer *inf;
	bool reap;		/* stop it at the next loop turn (a 403) */
	char err[256];		/* why it was stopped, "" when running or never started */
};

struct action;

#define LIVE_RECENT 8

struct live {
	struct loop *loop;
	struct kube *kube;
	char *ns, *kubeconfig, *context;
	bool all_ns;			/* the namespaced feeds watch every namespace */
	bool all_refused;		/* a 403 on one of them: fall back (from reap) */
	bool m_all_refused;		/* the cluster-wide metrics poll got a 403 (freed in reap) */
	char all_err[256];		/* why all namespaces could not be listed */
	long metrics_ms;
	char *gpu_path;			/* where GPU utilisation is read, or NULL */
	struct services *svc;
	struct cluster *cl;
	struct feed feeds[F_COUNT];
	bool cluster_wanted;
	bool pods_all, events_all;	/* model/cluster fed by the cluster-wide informers */
	uint64_t reap_timer;
	struct metrics *m_ns, *m_all;	/* the namespace's pods; all pods and nodes */
	char metrics_err[256];
	void (*on_change)(void *arg, unsigned what);
	void *change_arg;
	char *recent[LIVE_RECENT];
	live_chart_fn *chart_fn;
	void *chart_arg;
	struct action *actions;
};

void live_changed(struct live *s, unsigned what);
/* live_ns: ns, or the current namespace when NULL. */
const char *live_ns(const struct live *s, const char *ns);
/* live_actions_free: cancels every action without calling back. */
void live_actions_free(struct live *s);

#endif
