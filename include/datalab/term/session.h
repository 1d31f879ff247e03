/*
 * session.h: one terminal session: an emulator (term.h) joined to a
 * transport, and the life it goes through.
 *
 * A transport is a const table of functions (send, resize, free) plus a
 * pointer, so the session does not care whether the bytes travel through
 * a local pty (pty.h) or a Kubernetes exec channel.  A transport reports
 * back with session_transport_*: output bytes, "running", the exit status,
 * or a lost connection.  The session keeps what it needs to start the
 * transport again (session_restart), so "exited" and "connection lost"
 * can offer a reconnect that keeps the screen and its scrollback.
 *
 *	connecting --running--> running --exit N--> exited (code N)
 *	     \                     \--lost--> lost
 *	      \--lost (with the reason)
 *	exited, lost --session_restart--> connecting
 *
 * The owner hears of every change through one callback and reads the
 * state back; it never sees the transport.
 */
#ifndef DATALAB_TERM_SESSION_H
#define DATALAB_TERM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/term/term.h"

struct session;

/* Output flow: at most SESSION_SLICE bytes reach the emulator per loop
 * wake-up, in pieces of SESSION_PIECE, and no more piece once it worked
 * SESSION_SLICE_US; the rest waits, and the transport is paused while more
 * than SESSION_HIGH_WATER bytes wait, until fewer than SESSION_LOW_WATER do. */
#define SESSION_SLICE (32u * 1024)
#define SESSION_PIECE 4096u
#define SESSION_SLICE_US 4000u
#define SESSION_HIGH_WATER (256u * 1024)
#define SESSION_LOW_WATER (64u * 1024)

enum session_state {
	SESSION_CONNECTING,
	SESSION_RUNNING,
	SESSION_EXITED,		/* session_exit_code */
	SESSION_LOST,		/* session_message says why */
};

struct session_transport_ops {
	const char *name;
	/* send: bytes for the remote's stdin; -1 when they cannot go. */
	int (*send)(void *impl, const char *p, size_t n);
	void (*resize)(void *impl, int rows, int cols);
	/* pause, resume: stop and restart delivering output (flow control;
	 * what was read already may still come).  Both may be NULL. */
	void (*pause)(void *impl);
	void (*resume)(void *impl);
	/* free: stop and release; no session_transport_* call after it. */
	void (*free)(void *impl);
};

/*
 * A transport starter: opens a new transport for s at rows x cols, and
 * returns its ops and pointer through *ops and *impl, or -1 with err.  It
 * is called again by session_restart; spec is the starter's own data.
 */
typedef int session_start_fn(struct session *s, void *spec, int rows, int cols,
			     const struct session_transport_ops **ops, void **impl, struct error *err);

struct session_opts {
	const char *label;		/* the tab's name ("jupyter-0/main", "local sh") */
	session_start_fn *start;
	void *spec;			/* handed to start, freed with spec_free */
	void (*spec_free)(void *spec);
	int rows, cols;
};

/* on_change: output to draw, a new title, a bell or a new state. */
typedef void session_change_fn(struct session *s, enum term_event ev, void *arg);

/* session_new: starts the transport at once; a failed start gives a
 * session in SESSION_LOST with the reason (never NULL). */
struct session *session_new(struct loop *l, const struct session_opts *o, session_change_fn *fn, void *arg);
/* session_free: frees the transport, the emulator and the spec.  Not from
 * one of the session's own callbacks. */
void session_free(struct session *s);

/* session_restart: a new transport for an exited or lost session (the
 * screen is kept); -1 when the session is still connecting or running. */
int session_restart(struct session *s);

/* session_key: a key for the program (see term_key); the console's own
 * keys are the caller's business.  False when not running or unknown. */
bool session_key(struct session *s, int key);
/* session_resize: the emulator and the remote follow rows x cols. */
void session_resize(struct session *s, int rows, int cols);
struct term *session_term(const struct session *s);

enum session_state session_state(const struct session *s);
int session_exit_code(const struct session *s);
/* session_message: why a session was lost, or the exit message; "". */
const char *session_message(const struct session *s);
/* session_label: the label given at creation (sanitized). */
const char *session_label(const struct session *s);
/* session_status: the state in words ("running", "exited with code 3",
 * "connection lost: ...") into out[size]. */
const char *session_status(const struct session *s, char *out, size_t size);
struct loop *session_loop(const struct session *s);

/* What a session's output cost, for the log and the benchmark. */
struct session_stats {
	uint64_t longest_feed_us;	/* the emulator's longest stretch in one wake-up */
	size_t inbox_peak;		/* the most output that waited for the emulator */
	unsigned long pauses;		/* times the transport was told to stop reading */
};
const struct session_stats *session_stats(const struct session *s);
/* session_backlog: output bytes waiting for the emulator. */
size_t session_backlog(const struct session *s);

/* For transports: report to the session (only between start and free). */
void session_transport_output(struct session *s, const char *p, size_t n);
void session_transport_running(struct session *s);
void session_transport_exit(struct session *s, int code, const char *message);
void session_transport_lost(struct session *s, const struct error *err);

/* session_start_local: a session_start_fn running a local program in a
 * pty; spec is a NULL-terminated argv (NULL: the user's shell). */
int session_start_local(struct session *s, void *spec, int rows, int cols,
			const struct session_transport_ops **ops, void **impl, struct error *err);

struct kube;

/* What session_start_exec needs: a command in a pod's container over the
 * exec WebSocket (kube/exec.h) with a tty. */
struct session_exec_spec {
	struct kube *kube;		/* borrowed: outlives the session */
	char *ns, *pod, *container;	/* container NULL: the server's default */
	char **command;			/* NULL-terminated; NULL: a shell (bash, else sh) */
};

/* session_exec_spec_new: a spec with copies of the strings (command may
 * be NULL); free it with session_exec_spec_free (a spec_free). */
struct session_exec_spec *session_exec_spec_new(struct kube *k, const char *ns, const char *pod,
						const char *container, const char *const *command);
void session_exec_spec_free(void *spec);

/* session_start_exec: a session_start_fn for a struct session_exec_spec:
 * "connecting" until the upgrade, then "running"; the channel 3 status
 * gives "exited with code N", a refused or dropped connection "connection
 * lost" with the server's words. */
int session_start_exec(struct session *s, void *spec, int rows, int cols,
		       const struct session_transport_ops **ops, void **impl, struct error *err);

#endif
