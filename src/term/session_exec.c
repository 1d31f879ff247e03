/*
 * session_exec.c: the exec transport of a terminal session (see
 * session.h): a session_transport over kube/exec.
 *
 * Data flow: keys and query answers from the emulator go to exec_write
 * (channel 0), sizes to exec_resize (channel 4); exec's on_open makes the
 * session "running", on_output feeds the emulator (stdout; with a tty the
 * server merges stderr), the session's flow control pauses and resumes the
 * socket's reads (exec_pause_read), and on_exit ends it: an exit code from the
 * channel 3 status, or -1 with the reason when the connection was refused
 * or dropped, which the session shows as "connection lost".
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/kube/exec.h"
#include "datalab/term/session.h"

/* With no command: a shell that knows its terminal (exec sets no TERM,
 * and containers often have none), bash when the image has it. */
static const char *const default_command[] = {
	"sh", "-c",
	"TERM=xterm-256color; export TERM; command -v bash >/dev/null 2>&1 && exec bash || exec sh",
	NULL,
};

static char **argv_dup(const char *const *argv)
{
	size_t n = 0;
	char **copy;

	if (!argv)
		return NULL;
	while (argv[n])
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

struct session_exec_spec *session_exec_spec_new(struct kube *k, const char *ns, const char *pod,
						const char *container, const char *const *command)
{
	struct session_exec_spec *sp = xcalloc(1, sizeof(*sp));

	sp->kube = k;
	sp->ns = xstrdup(ns ? ns : "default");
	sp->pod = xstrdup(pod ? pod : "");
	sp->container = container && *container ? xstrdup(container) : NULL;
	sp->command = argv_dup(command);
	return sp;
}

void session_exec_spec_free(void *spec)
{
	struct session_exec_spec *sp = spec;

	if (!sp)
		return;
	free(sp->ns);
	free(sp->pod);
	free(sp->container);
	if (sp->command)
		for (char **a = sp->command; *a; a++)
			free(*a);
	free(sp->command);
	free(sp);
}

static int exec_send(void *impl, const char *p, size_t n)
{
	return exec_write(impl, p, n, NULL);
}

static void exec_size(void *impl, int rows, int cols)
{
	exec_resize(impl, (unsigned)cols, (unsigned)rows, NULL);
}

static void exec_pause(void *impl)
{
	exec_pause_read(impl);
}

static void exec_resume(void *impl)
{
	exec_resume_read(impl);
}

static void exec_release(void *impl)
{
	exec_free(impl);
}

static const struct session_transport_ops exec_ops = {
	.name = "exec",
	.send = exec_send,
	.resize = exec_size,
	.pause = exec_pause,
	.resume = exec_resume,
	.free = exec_release,
};

static void exec_opened(struct exec *x, const char *protocol, void *arg)
{
	(void)x;
	(void)protocol;
	session_transport_running(arg);
}

static void exec_output(struct exec *x, int channel, const char *p, size_t n, void *arg)
{
	(void)x;
	(void)channel;
	session_transport_output(arg, p, n);
}

static void exec_ended(struct exec *x, int code, const char *message, void *arg)
{
	struct error err;

	(void)x;
	if (code >= 0) {
		/* "command terminated with non-zero exit code: ..." says no
		 * more than the code; another failure's words are kept */
		session_transport_exit(arg, code, code == 0 || (message && strstr(message, "exit code")) ? NULL
										 : message);
		return;
	}
	error_set(&err, ERR_NET, "%s", message && *message ? message : "the connection ended");
	session_transport_lost(arg, &err);
}

int session_start_exec(struct session *s, void *spec, int rows, int cols,
		       const struct session_transport_ops **ops, void **impl, struct error *err)
{
	static const struct exec_cbs cbs = { exec_opened, exec_output, exec_ended };
	struct session_exec_spec *sp = spec;
	struct exec_opts o = { 0 };
	struct exec *x;

	o.ns = sp->ns;
	o.pod = sp->pod;
	o.container = sp->container;
	o.command = sp->command ? (const char *const *)sp->command : default_command;
	o.stdin_open = true;
	o.tty = true;
	o.width = (unsigned)cols;
	o.height = (unsigned)rows;
	x = exec_start(sp->kube, &o, &cbs, s, err);
	if (!x)
		return -1;
	*ops = &exec_ops;
	*impl = x;
	return 0;
}
