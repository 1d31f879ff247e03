/*
 * simmain.c: the main process of each running container (sim-internal.h).
 *
 * A container whose spec asks for stdin or a tty gets a real child, in a
 * pty when tty, with the pod's environment in the container's folder: its
 * command and args when the first word is a program found here, else the
 * simulated entrypoint, a shell that prints the image's startup lines and
 * waits.  Every other container's main is virtual: its startup lines go
 * straight to the log, and it ends when it is told to stop, as an image
 * that handles SIGTERM does.
 *
 * What the main prints, and what processes exec'd in the container write
 * to the FIFO named by $DATALAB_MAIN_STDOUT (the main's stdout, as
 * /proc/1/fd/1 is in a container), goes two ways: as raw bytes to the
 * clients attached to the container, and as whole lines to its log (a line
 * waits for its newline, up to 64 KiB, as the kubelet joins partial lines).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "sim-internal.h"

#define LINE_MAX_BYTES 65536

void simmain_output(struct run_log *l, int channel, const void *p, size_t n)
{
	const char *nl;

	if (!n)
		return;
	execws_main_output(l, channel, p, n);
	buf_add(&l->partial, p, n);
	nl = memrchr(l->partial.data, '\n', l->partial.len);
	if (nl || l->partial.len > LINE_MAX_BYTES) {
		size_t len = nl ? (size_t)(nl - l->partial.data) + 1 : l->partial.len;

		kubelog_append(l->log, sim_unix_ns(l->c), l->partial.data, len);
		buf_consume(&l->partial, len);
		podapi_notify(l);
	}
}

static void on_fifo(struct loop *lp, int fd, unsigned events, void *arg)
{
	struct run_log *l = arg;
	char b[8192];
	ssize_t n;

	(void)lp;
	(void)events;
	while ((n = read(fd, b, sizeof(b))) > 0)
		simmain_output(l, PODEXEC_STDOUT, b, (size_t)n);
}

/* fifo: the FIFO at path standing for the main's stdout, made once per run */
static void fifo(struct sim *c, struct run_log *l, const char *path)
{
	if (l->fifo >= 0)
		return;
	unlink(path);
	if (mkfifo(path, 0600) != 0)
		return;
	/* read-write, so the FIFO never reads EOF between writers */
	l->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (l->fifo >= 0)
		loop_watch_fd(c->loop, l->fifo, LOOP_READ, on_fifo, l);
}

/* lookup for podexec_pod_env: Secrets and ConfigMaps of the store */
static const cJSON *lookup(const char *kind, const char *ns, const char *name, void *arg)
{
	struct sim *c = arg;
	const struct kind *k = str_eq(kind, "Secret") ? c->k_secrets : c->k_cm;
	const struct store_obj *o = k ? store_get(c->store, k, ns, name) : NULL;

	return o ? o->obj : NULL;
}

static void env_add(char ***env, char *kv)
{
	size_t n = 0;

	while ((*env)[n])
		n++;
	*env = xreallocarray(*env, n + 2, sizeof(**env));
	(*env)[n++] = kv;
	(*env)[n] = NULL;
}

char **simmain_env(struct sim *c, const cJSON *pod, const char *container, bool tty, char **folder,
		   struct error *err)
{
	char **env = podexec_pod_env(pod, container, tty, lookup, c, err);
	const char *shell = getenv("SHELL");
	struct podrun *r;
	struct run_log *l;
	char *dir, *path;

	if (!env)
		return NULL;
	dir = xasprintf("%s/%s/%s/%s", c->dir, json_str(pod, "metadata.namespace", "default"),
			json_str(pod, "metadata.name", ""), container);
	env_add(&env, xasprintf("HOME=%s", dir));
	env_add(&env, xasprintf("SHELL=%s", shell && *shell ? shell : "/bin/sh"));
	path = xasprintf("%s/.main-stdout", dir);
	r = lifecycle_find(c, json_str(pod, "metadata.uid", ""));
	l = r ? lifecycle_log(r, container) : NULL;
	if (l && file_mkdirs(dir, 0755, NULL) == 0)
		fifo(c, l, path);
	env_add(&env, xasprintf("DATALAB_MAIN_STDOUT=%s", path));
	free(path);
	*folder = dir;
	return env;
}

static void on_main_output(struct podexec_session *s, int channel, const void *p, size_t n, void *arg)
{
	(void)s;
	simmain_output(arg, channel, p, n);
}

static void on_main_stdin_room(struct podexec_session *s, void *arg)
{
	(void)s;
	execws_main_stdin_room(arg);
}

static void on_main_exit(struct podexec_session *s, int status, void *arg)
{
	struct run_log *l = arg;

	podexec_free(s);
	l->proc = NULL;
	l->running = false;
	l->exit_code = status;
	execws_main_ended(l);
	lifecycle_main_exited(l->c, l, status);	/* may restart or end the run */
}

/* found: argv0 names a program this machine can run */
static bool found(const char *argv0)
{
	const char *path = getenv("PATH");
	char **dirs;
	size_t n;
	bool ok = false;

	if (!argv0 || !*argv0)
		return false;
	if (strchr(argv0, '/'))
		return access(argv0, X_OK) == 0;
	dirs = str_split(path && *path ? path : "/usr/bin:/bin", ':', &n);
	for (size_t i = 0; i < n && !ok; i++) {
		char *p = xasprintf("%s/%s", *dirs[i] ? dirs[i] : ".", argv0);

		ok = access(p, X_OK) == 0;
		free(p);
	}
	str_free_list(dirs);
	return ok;
}

/* main_argv: command + args, or the simulated entrypoint printing text */
static char **main_argv(const cJSON *ct, const char *text)
{
	const cJSON *cmd = json_get(ct, "command"), *args = json_get(ct, "args"), *x;
	size_t n = (size_t)cJSON_GetArraySize(cmd) + (size_t)cJSON_GetArraySize(args), k = 0;
	char **argv = xcalloc(n + 5, sizeof(*argv));

	cJSON_ArrayForEach(x, cmd)
		if (cJSON_IsString(x))
			argv[k++] = xstrdup(x->valuestring);
	cJSON_ArrayForEach(x, args)
		if (cJSON_IsString(x))
			argv[k++] = xstrdup(x->valuestring);
	if (k && found(argv[0]))
		return argv;
	for (size_t i = 0; i < k; i++)
		free(argv[i]);
	argv[0] = xstrdup("/bin/sh");
	argv[1] = xstrdup("-c");
	argv[2] = xstrdup("printf '%s' \"$1\"; exec sleep 2147483647");
	argv[3] = xstrdup("entrypoint");
	argv[4] = xstrdup(text);
	return argv;
}

void simmain_start(struct sim *c, struct run_log *l, const cJSON *pod, const cJSON *ct)
{
	const char *image = json_str(ct, "image", ""), *name = json_str(pod, "metadata.name", "");
	int64_t t0 = sim_unix_ns(c);
	struct podexec_cbs cbs = { on_main_output, on_main_exit, on_main_stdin_room };
	struct buf text = BUF_INIT;
	struct error err = { 0 };
	char **argv, **env, *folder = NULL;

	l->tty = json_bool(ct, "tty", false);
	l->in = json_bool(ct, "stdin", false);
	l->stdin_once = json_bool(ct, "stdinOnce", false);
	l->signal = 0;
	l->running = true;
	if (!l->tty && !l->in) {
		kubelog_startup(l->log, image, name, t0);
		podapi_notify(l);
		return;
	}
	kubelog_startup_text(&text, image, name, t0);
	argv = main_argv(ct, text.data);
	buf_release(&text);
	env = simmain_env(c, pod, l->container, l->tty, &folder, &err);
	if (env) {
		struct podexec_config cfg = { (const char *const *)argv, (const char *const *)env, folder,
					   l->tty, l->in, true, !l->tty, 80, 24 };

		l->proc = podexec_start(c->loop, &cfg, &cbs, l, &err);
	}
	if (!l->proc) {
		/* as a runtime's error: the log says why; the main stays virtual */
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "failed to start the main process: %s\n", err.msg);
		simmain_output(l, PODEXEC_STDERR, msg.data, msg.len);
		buf_release(&msg);
	}
	str_free_list(argv);
	str_free_list(env);
	free(folder);
}

void simmain_signal(struct run_log *l, int sig)
{
	if (!l->running)
		return;
	l->signal = sig;
	if (l->proc) {
		pid_t pid = podexec_pid(l->proc);

		kill(-pid, sig);
		kill(pid, sig);
		return;
	}
	/* a virtual main handles SIGTERM by exiting cleanly */
	l->running = false;
	l->exit_code = sig == SIGKILL ? 137 : 0;
	execws_main_ended(l);
}

void simmain_stop(struct run_log *l)
{
	if (l->proc) {
		podexec_free(l->proc);		/* killed and reaped, no callback */
		l->proc = NULL;
		l->exit_code = 137;
	}
	if (l->running) {
		l->running = false;
		execws_main_ended(l);
	}
}

void simmain_release(struct run_log *l)
{
	simmain_stop(l);
	if (l->fifo >= 0) {
		loop_unwatch_fd(l->c->loop, l->fifo);
		close(l->fifo);
		l->fifo = -1;
	}
	buf_release(&l->partial);
	execws_forget_log(l->c, l);
}
