/*
 * pty.h: a local program in a pseudo-terminal, driven by the loop.
 *
 * The local transport of the terminals view (a shell on this machine, the
 * end-to-end tests and the benchmark), shaped like an exec channel: output
 * arrives in chunks, input is queued and written as the pty drains, a
 * resize is TIOCSWINSZ (the kernel sends SIGWINCH inside), and on_exit
 * runs once when the child is reaped, after every byte it wrote was
 * delivered.  Each pty registers its own SIGCHLD handler and reaps only its
 * own pid, as core/proc does.
 */
#ifndef DATALAB_TERM_PTY_H
#define DATALAB_TERM_PTY_H

#include <stddef.h>
#include <sys/types.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"

#define PTY_QUEUE_MAX (4u << 20)	/* input bytes waiting for the child */

struct pty;

struct pty_opts {
	const char *const *argv;	/* NULL: $SHELL (or /bin/sh) as a login-less shell */
	const char *const *env_set;	/* "K=V" entries, NULL-terminated; TERM is set */
	const char *cwd;		/* NULL: inherit */
	int rows, cols;
};

struct pty_cbs {
	/* on_output: p is borrowed. */
	void (*on_output)(const char *p, size_t n, void *arg);
	/* on_exit: the exit code, 128 + signal, or 127 when exec failed (the
	 * reason is written to the terminal first). */
	void (*on_exit)(int status, void *arg);
};

/* pty_spawn: NULL with err when no pty or no process could be made. */
struct pty *pty_spawn(struct loop *l, const struct pty_opts *o, const struct pty_cbs *cbs, void *arg,
		      struct error *err);
/* pty_write: queues n bytes for the child; -1 once it exited or past
 * PTY_QUEUE_MAX. */
int pty_write(struct pty *p, const char *data, size_t n);
void pty_resize(struct pty *p, int rows, int cols);
pid_t pty_pid(const struct pty *p);
/* pty_pause_read / pty_resume_read: stop and restart reading the child's
 * output (flow control: the child blocks once the kernel's buffer is
 * full).  Allowed from a callback; the exit is reported after resuming,
 * or after a short grace once the child is gone. */
void pty_pause_read(struct pty *p);
void pty_resume_read(struct pty *p);
/* pty_free: stops callbacks, hangs up (SIGHUP); the child is reaped later
 * by the loop, or killed and reaped when the loop is freed first.  Allowed
 * from a callback.  NULL is a no-op. */
void pty_free(struct pty *p);

#endif
