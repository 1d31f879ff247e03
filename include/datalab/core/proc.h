/*
 * proc.h: child processes driven by the loop (helm, exec plugins, shells).
 *
 * proc_spawn forks and execs argv with stdout/stderr on pipes watched by the
 * loop.  Output is delivered in chunks as it arrives; on_exit runs once,
 * after both pipes hit EOF and the child is reaped (via SIGCHLD on the
 * loop's self-pipe), so no output is lost.  stdin gets stdin_data (then
 * EOF) or /dev/null.
 */
#ifndef DATALAB_CORE_PROC_H
#define DATALAB_CORE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "datalab/core/common.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"

struct proc;

struct proc_opts {
	const char *const *argv;	/* argv[0] is looked up in PATH */
	const char *const *env_set;	/* "K=V" entries added to the environment, NULL-terminated */
	const char *cwd;		/* NULL: inherit */
	const char *stdin_data;		/* written to the child's stdin, then closed */
	size_t stdin_len;
};

struct proc_cbs {
	void (*on_stdout)(struct proc *p, const char *data, size_t n, void *arg);
	void (*on_stderr)(struct proc *p, const char *data, size_t n, void *arg);
	/* status: the exit code, or 128 + signal; 127 when exec failed */
	void (*on_exit)(struct proc *p, int status, void *arg);
};

/* proc_spawn: the callbacks may be NULL.  Returns NULL with err on failure.
 * The proc stays valid until proc_free; freeing it from on_exit is allowed. */
struct proc *proc_spawn(struct loop *l, const struct proc_opts *opts,
			const struct proc_cbs *cbs, void *arg, struct error *err);
pid_t proc_pid(const struct proc *p);
int proc_running(const struct proc *p);
void proc_kill(struct proc *p, int signo);
/* proc_free: stops callbacks; a still running child gets SIGTERM and is
 * reaped later by the loop. */
void proc_free(struct proc *p);

/*
 * The steps every child of this program shares (core/proc's pipes and
 * term/pty's pseudo-terminals alike): the exec in the child, the reap in
 * the parent, the kill when the loop goes first.
 */

/* proc_exec_child: in a child forked with every signal blocked, its stdio
 * already in place: closes the other fds, restores default signal
 * handling, then unblocks; adds o->env_set, enters o->cwd and execs
 * o->argv (stdin_data is the parent's business).  On failure it writes the
 * reason to stderr, as "datalab: ...\r\n" when on_tty (the user reads it
 * in a terminal), and exits 127.  Never returns. */
DL_NORETURN void proc_exec_child(const struct proc_opts *o, bool on_tty);
/* proc_reap: waits for pid without blocking.  Returns 1 and sets *status
 * (the exit code, or 128 + signal) once it is reaped, else 0. */
int proc_reap(pid_t pid, int *status);
/* proc_kill_reap: SIGKILL pid and wait for it (the loop is being freed
 * while the child still runs: no zombie stays behind). */
void proc_kill_reap(pid_t pid);

#endif
