/*
 * simproc.h: what the real processes of a container use, for
 * metrics.k8s.io: a container whose user opened a shell and runs a busy
 * loop in it shows that CPU in kubectl top.
 *
 * A container's processes are the sessions of its exec'd processes and of
 * its real main process (each is a session leader, so what they start
 * shares their session id).  One scan of /proc per metrics request reads
 * every process's session, CPU ticks (its own, and its waited-for
 * children's: work of a command that already ended still counts) and
 * resident set.  CPU usage is a rate, as metrics-server's: the CPU time
 * added since a sample at least a second old (the first time: since the
 * sessions started), over the time between.
 */
#ifndef DATALAB_SANDBOX_SIMPROC_H
#define DATALAB_SANDBOX_SIMPROC_H

#include <stddef.h>
#include <stdint.h>

struct simproc_table;

/* simproc_scan: the processes of /proc now; NULL when it cannot be read. */
struct simproc_table *simproc_scan(void);
void simproc_table_free(struct simproc_table *t);
/* simproc_sum: the CPU time so far (ns) and RSS (bytes) of the processes
 * whose session is one of sids[n]; returns how many processes. */
size_t simproc_sum(const struct simproc_table *t, const int *sids, size_t n, int64_t *cpu_ns, int64_t *rss);

struct simproc;

struct simproc *simproc_new(void);
void simproc_free(struct simproc *p);
/* simproc_rate: nanocores of key, given its CPU time so far (cpu_ns),
 * against the newest sample at least 1 s old, or else its oldest, or else
 * since_ms (when its sessions started); records the sample (now_ms). */
int64_t simproc_rate(struct simproc *p, const char *key, int64_t cpu_ns, int64_t since_ms, int64_t now_ms);
/* simproc_forget: the samples of keys starting with prefix go. */
void simproc_forget(struct simproc *p, const char *prefix);

#endif
