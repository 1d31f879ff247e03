/*
 * sim.h: sandbox part 2, the simulated cluster behind the API: nodes,
 * workload controllers (Deployments with rolling updates, ReplicaSets,
 * StatefulSets, DaemonSets, Jobs, CronJobs), the scheduler, pod
 * lifecycles with their events, logs, main processes and graceful
 * deletion, ResourceQuota, metrics.k8s.io, the DCGM-shaped GPU metrics,
 * and exec/attach over WebSocket.
 *
 * It hooks into the API server and the store (api.h, store.h) and runs on
 * their loop: a store subscription marks work, one deferred pass
 * reconciles controllers, scheduling and quota status, a timer moves pods
 * along their lifecycle only while some pod is in transition, and another
 * wakes the pass only when a controller has something due (a pod's
 * minReadySeconds, a progress deadline, a CronJob's next time), so an
 * idle cluster costs no wake-ups.
 *
 * Documented behaviour (datalab-sandbox(1)):
 * - an image whose name contains "crashloop" starts, runs 2 s, exits 1,
 *   and restarts with the kubelet's back-off (10 s, doubling, 5 min cap):
 *   CrashLoopBackOff; one containing "fail" in a Job's pod exits 1;
 * - a Job's pod whose main is simulated succeeds 2 s after it starts;
 * - a container with stdin or tty runs a real main process;
 * - GPU metrics: GET /metrics/dcgm (Prometheus text, DCGM exporter names);
 * - an Event goes 1 h after its last write (kube-apiserver's --event-ttl),
 *   within the minute after, as etcd leases are shared for a minute.
 */
#ifndef DATALAB_SANDBOX_SIM_H
#define DATALAB_SANDBOX_SIM_H

#include "datalab/core/error.h"
#include "datalab/sandbox/api.h"

struct sim;

/* sim_start: seeds the --nodes nodes (api_nodes_spec) that are not
 * stored yet and starts everything; dir is the sandbox's state folder
 * (exec runs in dir/pods/NS/POD/CONTAINER).  NULL with err on a bad spec. */
struct sim *sim_start(struct api *a, const char *dir, struct error *err);
void sim_stop(struct sim *c);
/* sim_set_clock: pins the simulation's and the store's clock to unix
 * seconds (tests: CronJob schedules), 0 = real time; a pass follows. */
void sim_set_clock(struct sim *c, int64_t unix_seconds);

#endif
