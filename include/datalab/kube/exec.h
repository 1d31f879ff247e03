/*
 * exec.h: a command in a pod over the channel.k8s.io WebSocket protocol.
 *
 * exec_start opens a net/ws connection to
 * /api/v1/namespaces/NS/pods/POD/exec?command=...&stdin&stdout&stderr&tty
 * offering v5.channel.k8s.io then v4.channel.k8s.io (the server picks).
 * Every message is one binary frame: a channel byte, then data (0 stdin,
 * 1 stdout, 2 stderr, 3 status, 4 resize, 255 close in v5).  Output is
 * handed to on_output as it arrives; the Status on channel 3 becomes the
 * exit code (PROTOCOLS.md section 2); on_exit runs once when the
 * connection ends.  Input: exec_write (stdin), exec_resize (channel 4,
 * {"Width":W,"Height":H}), exec_close_stdin (v5 only: 255 0).
 *
 * This is what an embedded terminal sits on: it feeds keys to exec_write,
 * window sizes to exec_resize and the output to its screen.  The codec
 * below the session is pure and is also what the fuzz target drives.
 */
#ifndef DATALAB_KUBE_EXEC_H
#define DATALAB_KUBE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/kube/client.h"

enum exec_channel {
	EXEC_STDIN = 0,
	EXEC_STDOUT = 1,
	EXEC_STDERR = 2,
	EXEC_STATUS = 3,
	EXEC_RESIZE = 4,
	EXEC_CLOSE = 255,	/* v5: "255 <channel>" = EOF on that channel */
};

#define EXEC_PROTOCOL_V5 "v5.channel.k8s.io"
#define EXEC_PROTOCOL_V4 "v4.channel.k8s.io"

/* ---- the codec ---- */

/* exec_encode: appends the message "channel, data" to out. */
int exec_encode(struct buf *out, unsigned channel, const void *p, size_t n);
/* exec_encode_resize: channel 4 with {"Width":W,"Height":H} and a newline,
 * as kubectl sends it. */
int exec_encode_resize(struct buf *out, unsigned width, unsigned height);

/* exec_status_parse: the channel 3 Status.  Success -> *code 0;
 * NonZeroExitCode -> the ExitCode cause (0..255); another Failure -> 1,
 * with its message.  msg gets the message, sanitized (may be NULL).
 * -1 when p is not a Status. */
int exec_status_parse(const char *p, size_t n, int *code, char *msg, size_t msg_size);

/* ---- the session ---- */

struct exec;

struct exec_opts {
	const char *ns, *pod;
	const char *container;		/* NULL: the server's default */
	const char *const *command;	/* argv, NULL-terminated, at least one word */
	bool stdin_open;		/* send stdin (stdin=true) */
	bool tty;			/* a terminal: stderr is merged (not asked) */
	unsigned width, height;		/* with tty: the first size (0 = none) */
	long ping_ms;			/* keepalive pings (0 = 30 s) */
};

struct exec_cbs {
	/* on_open: the upgrade succeeded with this protocol (v5 or v4). */
	void (*on_open)(struct exec *x, const char *protocol, void *arg);
	/* on_output: bytes from stdout (1) or stderr (2), borrowed. */
	void (*on_output)(struct exec *x, int channel, const char *p, size_t n, void *arg);
	/* on_exit: once.  code is the command's exit code (0..255), or -1
	 * when there is none (could not connect, refused, dropped): message
	 * then says why in words ("pods \"x\" not found"). */
	void (*on_exit)(struct exec *x, int code, const char *message, void *arg);
};

/* exec_start: NULL with err for bad options; otherwise every outcome
 * arrives through on_exit. */
struct exec *exec_start(struct kube *k, const struct exec_opts *o, const struct exec_cbs *cbs, void *arg,
			struct error *err);
/* exec_write: queues stdin bytes (split into 32 KiB messages). */
int exec_write(struct exec *x, const void *p, size_t n, struct error *err);
/* exec_close_stdin: EOF on stdin (v5; with v4 nothing can say it). */
int exec_close_stdin(struct exec *x, struct error *err);
/* exec_resize: the terminal's new size (sent again only when it changed). */
int exec_resize(struct exec *x, unsigned width, unsigned height, struct error *err);
/* exec_pause_read / exec_resume_read: stop and restart reading output
 * (ws_pause_read): a consumer that cannot keep up (a terminal's emulator)
 * slows the remote down through TCP.  Output already received still
 * arrives; the status and the end arrive once reading resumes.  Allowed
 * inside callbacks and before the connection opens. */
void exec_pause_read(struct exec *x);
void exec_resume_read(struct exec *x);
/* exec_free: closes the session without callbacks; allowed inside them. */
void exec_free(struct exec *x);

/* exec_protocol: "v5.channel.k8s.io", "v4.channel.k8s.io", or "" before open. */
const char *exec_protocol(const struct exec *x);
/* exec_queued: stdin bytes not yet written to the socket (backpressure). */
size_t exec_queued(const struct exec *x);
/* exec_path: the request path for o, URL-encoded, into out (tests, logs). */
int exec_path(struct buf *out, const struct exec_opts *o);

#endif
