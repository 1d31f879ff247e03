/*
 * sim-internal.h: what the files of the simulated cluster share:
 * sim.c (start, nodes, the reconcile pass, scheduling, events, quota),
 * controllers.c (ReplicaSets, Jobs and what every controller uses),
 * simdeploy.c, simsts.c, simrev.c, simdaemon.c and simcronjob.c (the
 * other workloads), lifecycle.c (pod runs and their grace), simmain.c
 * (each container's main process and its output), podapi.c (logs and
 * metrics routes), execws.c (exec/attach) and simevents.c (the Events'
 * time to live).  Not for other modules.
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
#include "datalab/sandbox/podexec.h"
#include "datalab/sandbox/scheduler.h"
#include "datalab/sandbox/store.h"

enum run_stage {
	RUN_BOUND,		/* scheduled: next, ContainerCreating */
	RUN_CREATING,		/* pulling: next, Running */
	RUN_RUNNING,
	RUN_CRASHED,		/* waiting in CrashLoopBackOff */
	RUN_DONE,		/* Succeeded or Failed */
};

struct follower;
struct podrun;

/* a container of a run: its main process, its logs (this run's and the
 * previous one's, for previous=true) */
struct run_log {
	char *container;
	struct kubelog *log, *prev;
	struct follower *followers;
	int fifo;		/* the main process's stdout for exec'd processes, or -1 */
	struct buf partial;	/* a line not yet ended */
	struct sim *c;
	struct podrun *r;
	/* the main process (simmain.c) */
	struct podexec_session *proc;	/* a real one, or NULL: virtual */
	bool running;		/* the main runs (real or virtual) */
	bool tty, in, stdin_once;
	int exit_code;		/* of the main that ended last */
	int signal;		/* the stop signal sent, 0: none */
};

/* the simulation of one pod, by uid */
struct podrun {
	char *uid, *ns, *name, *node;
	enum run_stage stage;
	uint64_t next_ms;	/* loop time of the next step; 0: none */
	int restarts;
	int64_t started;	/* unix seconds the current run started */
	int last_exit;		/* the exit code of the run that ended */
	struct run_log *logs;
	size_t nlogs;
	/* deletion: the grace runs until kill_ms, then SIGKILL */
	bool terminating, stop_sent, killed;
	uint64_t kill_ms;
	size_t index;		/* in sim.runs */
	struct scheduler_req req;	/* what it asks of its node */
};

struct execws;
struct kid;

struct sim {
	struct api *api;
	struct store *store;
	struct loop *loop;
	struct kinds *ks;
	const struct kind *k_pods, *k_nodes, *k_events, *k_rs, *k_deploy, *k_sts, *k_jobs;
	const struct kind *k_quota, *k_pvc, *k_cm, *k_secrets, *k_ds, *k_cj, *k_revs;
	uint64_t sub;
	uint64_t pass_timer;	/* 0: no pass queued */
	uint64_t tick_timer;	/* 0: no pod in transition */
	uint64_t tick_due;	/* loop time tick_timer fires */
	uint64_t wake_timer;	/* controllers' next due time, or 0 */
	int64_t wake_at;	/* unix ms wanted by the pass being run, 0: none */
	int64_t clock;		/* pinned unix seconds (tests), 0: real time */
	struct podrun **runs;	/* in no order */
	size_t nruns;
	struct podrun **run_slots;	/* the same by uid (lifecycle.c) */
	size_t run_cap;
	uint64_t runs_gen;	/* bumped when a run goes */
	char *dir;		/* per-pod folders for exec */
	struct execws *execs;	/* open exec and attach sessions */
	struct kid *kids;	/* during a pass: pods by controller (controllers.c) */
	size_t nkids;
	struct simproc *procs;	/* CPU samples of exec'd processes */
	int64_t events_due;	/* unix ms the oldest Event's TTL sweep is due; 0: none */
};

/* sim.c */
void sim_pass_soon(struct sim *c);
/* sim_wake_at: a controller wants a pass at unix time ms (a deadline, the
 * next schedule of a CronJob): the earliest one is kept */
void sim_wake_at(struct sim *c, int64_t ms);
/* sim_event: a core/v1 Event about obj (kind, namespace, name, uid
 * from it); one per (object, reason, message): a repeat bumps count. */
void sim_event(struct sim *c, const cJSON *obj, const char *type, const char *reason,
		   const char *message, const char *component, const char *host, const char *field_path);
/* sim_list: references to the objects of k in ns (NULL = all);
 * free with store_snapshot_free. */
const struct store_obj **sim_list(struct sim *c, const struct kind *k, const char *ns,
				      size_t *n);
int64_t sim_unix(struct sim *c);
int64_t sim_unix_ms(struct sim *c);
int64_t sim_unix_ns(struct sim *c);

/* simtolerate.c: the ExtendedResourceToleration admission plugin: a new
 * pod asking for nvidia.com/gpu tolerates the nodes tainted with it */
int simtolerate_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			  const struct store_obj *old, const struct store_write *w, struct status *st,
			  void *arg);

/* simevents.c: the Events' TTL (kube-apiserver's --event-ttl, 1 h) */
/* simevents_note: an Event was written: its expiry may be the next due */
void simevents_note(struct sim *c, const struct store_obj *ev);
/* simevents_expire: from the pass: deletes the Events past their TTL when
 * a sweep is due, and asks for a wake-up at the next one */
void simevents_expire(struct sim *c);

/* controllers.c: one reconcile of every workload, and what they share */
void controllers_reconcile(struct sim *c);
bool controllers_owned(const cJSON *obj, const char *uid);
bool controllers_pod_ready(const cJSON *pod);
/* controllers_pod_active: not terminating, not Succeeded nor Failed */
bool controllers_pod_active(const cJSON *pod);
/* controllers_pod_available: Ready for minReadySeconds at time now (unix
 * s); when it will be, *when gets that time */
bool controllers_pod_available(const cJSON *pod, int64_t min_ready, int64_t now, int64_t *when);
cJSON *controllers_owner_ref(const cJSON *owner);
/* controllers_template_hash: pod-template-hash of a template (salted with
 * a collision count), in apimachinery's SafeEncodeString alphabet */
void controllers_template_hash(const cJSON *tpl, int64_t collisions, char out[16]);
void controllers_add_label(cJSON *md, const char *k, const char *v);
/* controllers_pod_from: a Pod of template tpl owned by owner; name, or
 * generateName prefix gen */
cJSON *controllers_pod_from(const cJSON *owner, const cJSON *tpl, const char *name, const char *gen);
/* controllers_create: creates obj (taken); a refusal is a FailedCreate
 * event on owner.  0, or -1. */
int controllers_create(struct sim *c, const cJSON *owner, const struct kind *k, const char *ns,
		       cJSON *obj, const char *manager);
void controllers_delete(struct sim *c, const struct kind *k, const char *ns, const char *name);
/* controllers_put_status: writes status (taken) when it differs; unchanged
 * conditions keep their times */
void controllers_put_status(struct sim *c, const struct kind *k, const struct store_obj *o,
			    cJSON *status, const char *manager);
/* controllers_put: writes obj (taken) as a main-resource update */
int controllers_put(struct sim *c, const struct kind *k, const char *ns, cJSON *obj,
		    const char *manager);
cJSON *controllers_condition(const char *type, const char *status, const char *reason,
			     const char *message, const char *now, bool update_time);
void controllers_num(cJSON *o, const char *k, int64_t v, bool omit_zero);
/* controllers_ordinal: the ordinal ending a StatefulSet pod's name, or -1 */
int64_t controllers_ordinal(const char *owner, const char *pod);
/* controllers_int_or_percent: maxSurge-like values of total, rounded up or down */
int64_t controllers_int_or_percent(const cJSON *v, int64_t total, bool round_up, int64_t def);
/* controllers_children: the pods whose controller is uid, during a pass
 * (free the array, not the objects) */
const struct store_obj **controllers_children(struct sim *c, const char *uid, size_t *n);

/* simdeploy.c: one Deployment, given the ReplicaSets of its namespace */
void simdeploy_reconcile(struct sim *c, const struct store_obj *d, const struct store_obj *const *rss,
			 size_t nrs);
/* simsts.c: one StatefulSet, given its pods */
void simsts_reconcile(struct sim *c, const struct store_obj *s, const struct store_obj *const *pods,
		      size_t np);
/* simdaemon.c: one DaemonSet, given every node and its pods */
void simdaemon_reconcile(struct sim *c, const struct store_obj *ds, const struct store_obj *const *nodes,
			 size_t nn, const struct store_obj *const *pods, size_t np);
/* simcronjob.c: one CronJob, given the Jobs of its namespace */
void simcronjob_reconcile(struct sim *c, const struct store_obj *cj, const struct store_obj *const *jobs,
			  size_t nj);
/* simcronjob_admission: a CronJob's schedule must parse (422 as the apiserver) */
int simcronjob_admission(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
			 const struct store_obj *old, const struct store_write *w, struct status *st,
			 void *arg);

/* simrev.c: ControllerRevisions of StatefulSets and DaemonSets */
struct simrev {
	char name[300];		/* <owner>-<hash>: the update revision */
	char hash[16];
	int64_t revision;	/* its number */
	int64_t collisions;
};
/* simrev_sync: the revision of owner's current template, created (or, when
 * an older revision has the same template, renumbered as the newest) */
void simrev_sync(struct sim *c, const struct store_obj *owner, struct simrev *out);
/* simrev_cleanup: revisions beyond revisionHistoryLimit that no pod uses
 * (in_use: NULL-terminated names) are deleted, oldest first */
void simrev_cleanup(struct sim *c, const struct store_obj *owner, const char *const *in_use);

/* lifecycle.c */
struct podrun *lifecycle_find(struct sim *c, const char *uid);
/* lifecycle_bound: the pod was just scheduled on node */
void lifecycle_bound(struct sim *c, const cJSON *pod, const char *node);
/* lifecycle_forget: the pod is gone */
void lifecycle_forget(struct sim *c, const char *uid);
/* lifecycle_terminate: the pod got (or moved) its deletionTimestamp */
void lifecycle_terminate(struct sim *c, const cJSON *pod);
/* lifecycle_grace: the store's graceful-deletion hook for pods */
int64_t lifecycle_grace(struct store *s, const cJSON *pod, int64_t requested, void *arg);
/* lifecycle_main_exited: a real main process ended with status */
void lifecycle_main_exited(struct sim *c, struct run_log *l, int status);
/* lifecycle_poke: something a terminating run waits for happened */
void lifecycle_poke(struct sim *c, const char *uid);
/* lifecycle_resume: at start, pods of the store that were mid-way */
void lifecycle_resume(struct sim *c);
void lifecycle_free_all(struct sim *c);
/* lifecycle_log: the log of a container of the run (NULL: the first) */
struct run_log *lifecycle_log(struct podrun *r, const char *container);

/* simstatus.c */
enum simstatus_how {
	SIMSTATUS_CREATING,	/* ContainerCreating */
	SIMSTATUS_RUNNING,
	SIMSTATUS_CRASHED,	/* CrashLoopBackOff */
	SIMSTATUS_SUCCEEDED,
	SIMSTATUS_FAILED,
	SIMSTATUS_STOPPED,	/* deleted: containers terminated, phase kept */
};
enum simstatus_event {
	SIMSTATUS_EV_PULLING,
	SIMSTATUS_EV_STARTED,	/* Pulled, Created, Started */
	SIMSTATUS_EV_BACKOFF,
	SIMSTATUS_EV_KILLING,	/* each running container */
};
/* simstatus_write: the pod's status for the run at that stage; returns the
 * pod as committed (borrowed), or NULL when it is gone */
const struct store_obj *simstatus_write(struct sim *c, struct podrun *r, enum simstatus_how how,
					int backoff_s);
void simstatus_events(struct sim *c, struct podrun *r, const cJSON *pod, enum simstatus_event what);
/* simstatus_set_condition: the condition of that type in a pod's status,
 * replaced in place when any of value, reason, message changed; its
 * lastTransitionTime moves to now only when value did */
void simstatus_set_condition(cJSON *status, const char *type, const char *value, const char *reason,
			     const char *message, const char *now);

/* simmain.c */
/* simmain_start: starts container ct's main for this run */
void simmain_start(struct sim *c, struct run_log *l, const cJSON *pod, const cJSON *ct);
/* simmain_signal: SIGTERM or SIGKILL to the main (a virtual one ends) */
void simmain_signal(struct run_log *l, int sig);
/* simmain_stop: ends the main at once (killed and reaped, no callback) */
void simmain_stop(struct run_log *l);
/* simmain_output: what the main (or an exec'd process, through the FIFO)
 * prints: whole lines to the log, raw bytes to attached clients */
void simmain_output(struct run_log *l, int channel, const void *p, size_t n);
/* simmain_env: the environment of exec'd processes and real mains (HOME
 * is the container's folder, made here, with the FIFO of
 * DATALAB_MAIN_STDOUT); *folder gets the folder (caller frees) */
char **simmain_env(struct sim *c, const cJSON *pod, const char *container, bool tty, char **folder,
		   struct error *err);
/* simmain_release: frees what simmain holds for l (FIFO, buffers) */
void simmain_release(struct run_log *l);

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
/* execws_close_pod: the pod is gone: its sessions end (processes killed) */
void execws_close_pod(struct sim *c, const char *uid);
/* execws_signal_pod: sig to the processes exec'd in the pod (with SIGTERM,
 * a session on a terminal also gets SIGHUP: its terminal goes) */
void execws_signal_pod(struct sim *c, const char *uid, int sig);
/* execws_pod_busy: some process exec'd in the pod still runs */
bool execws_pod_busy(struct sim *c, const char *uid);
/* execws_pod_sessions: the process ids (session leaders) of the processes
 * exec'd in the container, and in *since_ms the wall time the first of
 * them started (left alone when none is earlier); returns how many */
size_t execws_pod_sessions(struct sim *c, const char *uid, const char *container, int *pids,
			   size_t max, int64_t *since_ms);
/* execws_main_output: bytes of l's main for the clients attached to it */
void execws_main_output(struct run_log *l, int channel, const void *p, size_t n);
/* execws_main_stdin_room: l's main took its queued stdin: attached
 * clients paused at the high-water mark are read again */
void execws_main_stdin_room(struct run_log *l);
/* execws_main_ended: l's main ended: attached clients are told, and go */
void execws_main_ended(struct run_log *l);
/* execws_forget_log: l goes away: attach sessions stop pointing at it */
void execws_forget_log(struct sim *c, struct run_log *l);

#endif
