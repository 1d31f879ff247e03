/*
 * podexec.h: a real local process behind kubectl exec, and the remotecommand
 * channel protocol (v4/v5.channel.k8s.io) around it.
 *
 * A session runs argv in the pod's folder with the pod's environment: in
 * a pty when tty (stdout and stderr are then one stream, channel 1), else
 * on pipes (channels 1 and 2).  It lives on the caller's event loop:
 * output is delivered as it is read, the exit status once the child is
 * reaped and its output drained.  Messages from the client are one
 * channel byte then data: 0 stdin, 4 resize ({"Width":W,"Height":H}),
 * 255 close (v5: its data byte names the channel, 0 = stdin EOF).
 * Freeing a session kills the child's process group (SIGHUP, then SIGKILL)
 * and reaps it: no zombie, no descriptor left behind.
 */
#ifndef DATALAB_SANDBOX_PODEXEC_H
#define DATALAB_SANDBOX_PODEXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"

enum podexec_channel {
	PODEXEC_STDIN = 0,
	PODEXEC_STDOUT = 1,
	PODEXEC_STDERR = 2,
	PODEXEC_ERROR = 3,		/* the Status at the end */
	PODEXEC_RESIZE = 4,
	PODEXEC_CLOSE = 255,	/* v5 */
};

struct podexec_config {
	const char *const *argv;	/* NULL-terminated; argv[0] looked up in PATH */
	const char *const *env;		/* the whole environment, "K=V", NULL-terminated */
	const char *cwd;		/* created if missing */
	bool tty, in, out, err;		/* tty, stdin, stdout, stderr */
	int cols, rows;			/* initial size with tty (0: 80x24) */
};

struct podexec_session;

/* stdin queued past this: the caller should stop reading its client */
#define PODEXEC_STDIN_HIGH (1u << 20)

struct podexec_cbs {
	/* output on PODEXEC_STDOUT or PODEXEC_STDERR; data is borrowed */
	void (*on_output)(struct podexec_session *s, int channel, const void *p, size_t n, void *arg);
	/* status: the exit code, or 128 + signal; 127 when the command was
	 * not found.  The session may be freed from here. */
	void (*on_exit)(struct podexec_session *s, int status, void *arg);
	/* optional: the stdin queue, once past PODEXEC_STDIN_HIGH, is back
	 * under half of it (or dropped: the reader is gone); the caller may
	 * read its client again.  The session must not be freed from here. */
	void (*on_stdin_room)(struct podexec_session *s, void *arg);
};

/* podexec_start: NULL with err when the process cannot start. */
struct podexec_session *podexec_start(struct loop *l, const struct podexec_config *cfg,
				const struct podexec_cbs *cbs, void *arg, struct error *err);
/* podexec_message: one client message (channel byte + data). */
int podexec_message(struct podexec_session *s, const void *p, size_t n, struct error *err);
/* podexec_write: queue n bytes for the child's stdin, written as its fd
 * takes them; -1 when stdin is closed, or past 17 MiB queued (a caller
 * that ignored podexec_stdin_full). */
int podexec_write(struct podexec_session *s, const void *p, size_t n);
/* podexec_stdin_full: the queue passed PODEXEC_STDIN_HIGH: stop reading
 * the client until on_stdin_room. */
bool podexec_stdin_full(const struct podexec_session *s);
/* podexec_close_stdin: the end of stdin, once every queued byte is
 * written (a pty gets ^D). */
void podexec_close_stdin(struct podexec_session *s);
int podexec_resize(struct podexec_session *s, int cols, int rows);
int podexec_pid(const struct podexec_session *s);
/* podexec_pause: stop (or resume) reading the process's output, while the
 * client is slower than it (back-pressure). */
void podexec_pause(struct podexec_session *s, bool paused);
void podexec_free(struct podexec_session *s);

/* podexec_status_json: the Status sent on channel 3 for an exit status. */
void podexec_status_json(struct buf *out, int status);

/*
 * podexec_pod_env: the environment of container (NULL = the first) of pod, as
 * the kubelet builds it: PATH, HOSTNAME, TERM with tty (HOME is the
 * caller's to add: the pod's folder), the
 * KUBERNETES_SERVICE_* variables, envFrom, then env in order with value,
 * valueFrom secretKeyRef / configMapKeyRef (lookup(kind, namespace, name,
 * arg) gives the object or NULL; the caller keeps ownership), fieldRef and
 * resourceFieldRef, and $(VAR) references expanded.  A missing reference
 * that is not optional is ERR_NOT_FOUND, worded as the kubelet's
 * CreateContainerConfigError.  Returns a NULL-terminated xmalloc'd list
 * (str_free_list).
 */
typedef const cJSON *podexec_lookup_fn(const char *kind, const char *ns, const char *name, void *arg);
char **podexec_pod_env(const cJSON *pod, const char *container, bool tty, podexec_lookup_fn *lookup,
		    void *arg, struct error *err);

#endif
