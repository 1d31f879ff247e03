/*
 * sim-internal.h: what the files of the simulated cluster share:
 * sim.c (start, nodes, the reconcile pass, scheduling, events, quota),
 * controllers.c (workloads), lifecycle.c (pod runs and logs), podapi.c
 * (logs and metrics routes) and execws.c (exec/attach).  Not for other
 * modules.
 */
#ifndef DATALAB_SANDBOX_SIM_INTERNAL_H
#define DATALAB_SANDBOX_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/api.h"
#include "datalab/sandbox/sim.h"
#include "datalab/sandbox/kubelog.h"
#include "datalab/sandbox/store.h"

enum run_stage {
	RUN_BOUND,		/* scheduled: next, ContainerCreating */
	RUN_CREATING,		/* pulling: next, Running */
	RUN_RUNNING,
	RUN_CRASHED,		/* waiting in CrashLoopBackOff */
	RUN_DONE,		/* Succeeded or Failed */
};

struct follower;

/* a container's logs: this run's and the previous one's (previous=true) */
struct run_log {
	char *container;
	struct kubelog *log, *prev;
	struct follower *followers;
	int fifo;		/* the main process's stdout for exec'd processes, or -1 */
	struct buf partial;	/* a line not yet ended */
	struct sim *c;
};

/* the simulation of one pod, by uid */
struct podrun {
	char *uid, *ns, *name, *node;
	enum run_stage stage;
	uint64_t next_ms;	/* loop time of the next step; 0: none */
	int restarts;
	int64_t started;	/* unix seconds the current run started */
	struct run_log *logs;
	size_t nlogs;
};

struct sim {
	struct api *api;
	struct store *store;
	struct loop *loop;
	struct kinds *ks;
	const struct kind *k_pods, *k_nodes, *k_events, *k_rs, *k_deploy, *k_sts, *k_jobs;
	const struct kind *k_quota, *k_pvc, *k_cm, *k_secrets;
	uint64_t sub;
	uint64_t pass_timer;	/* 0: no pass queued */
	uint64_t tick_timer;	/* 0: no pod in transition */
	struct podrun **runs;
	size_t nruns;
	char *dir;		/* per-pod folders for exec */
	struct execws *execs;	/* open exec sessions */
};

/* sim.c */
void sim_pass_soon(struct sim *c);
/* sim_event: a core/v1 Event about obj (kind, namespace, name, uid
 * from it); one per (object, reason): a repeat bumps count. */
void sim_event(struct sim *c, const cJSON *obj, const char *type, const char *reason,
		   const char *message, const char *component, const char *host, const char *field_path);
/* sim_list: references to the objects of k in ns (NULL = all);
 * free with store_snapshot_free. */
const struct store_obj **sim_list(struct sim *c, const struct kind *k, const char *ns,
				      size_t *n);
int64_t sim_unix(struct sim *c);

/* controllers.c: one reconcile of every workload */
void controllers_reconcile(struct sim *c);

/* lifecycle.c */
struct podrun *lifecycle_find(struct sim *c, const char *uid);
/* lifecycle_bound: the pod was just scheduled on node */
void lifecycle_bound(struct sim *c, const cJSON *pod, const char *node);
/* lifecycle_forget: the pod is gone */
void lifecycle_forget(struct sim *c, const char *uid);
/* lifecycle_resume: at start, pods of the store that were mid-way */
void lifecycle_resume(struct sim *c);
void lifecycle_free_all(struct sim *c);
/* lifecycle_log: the log of a container of the run (NULL: the first) */
struct run_log *lifecycle_log(struct podrun *r, const char *container);
/* lifecycle_append: lines for a container's log (what the main process, or
 * a process exec'd in the pod, prints), passed on to followers */
void lifecycle_append(struct sim *c, struct run_log *l, const char *p, size_t n);
/* lifecycle_main_stdout: the FIFO at path that stands for the container's
 * main process's stdout (DATALAB_MAIN_STDOUT in exec'd processes): what is
 * written there lands in the container's log; made once per run */
void lifecycle_main_stdout(struct sim *c, struct run_log *l, const char *path);

/* podapi.c */
void podapi_register(struct sim *c);
/* podapi_notify: new lines in l: followers get them */
void podapi_notify(struct run_log *l);
/* podapi_rewind: l's log was replaced (a restart): followers start over */
void podapi_rewind(struct run_log *l);
/* podapi_drop_followers: l goes away: its follow streams end */
void podapi_drop_followers(struct run_log *l);

/* execws.c */
void execws_register(struct sim *c);
void execws_close_all(struct sim *c);

#endif
