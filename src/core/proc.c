/*
 * proc.c: child processes driven by the loop.
 *
 * Each proc registers its own SIGCHLD handler on the loop and reaps only its
 * own pid (waitpid(pid, WNOHANG)), so it never steals another module's
 * children.  on_exit runs when the child is reaped AND both output pipes
 * reached EOF, so every byte the child wrote is delivered first.  A proc
 * freed while running is kept internally until its child is reaped (no
 * zombies); a proc freed inside one of its callbacks is freed when the
 * callback returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/proc.h"

struct proc {
	struct loop *loop;
	pid_t pid;
	int out_fd, err_fd, in_fd;
	char *in_data;
	size_t in_len, in_off;
	struct proc_cbs cbs;
	void *arg;
	int status;
	bool reaped, reported, freed;
	int in_cb;
};

static void on_chld(struct loop *l, int signo, void *arg);

static void proc_destroy(struct proc *p)
{
	loop_off_signal(p->loop, SIGCHLD, on_chld, p);
	free(p->in_data);
	free(p);
}

static void close_fd(struct proc *p, int *fd)
{
	if (*fd >= 0) {
		loop_unwatch_fd(p->loop, *fd);
		close(*fd);
		*fd = -1;
	}
}

static void on_chld(struct loop *l, int signo, void *arg);

/* on_loop_free: the loop goes while a freed proc's child still runs: kill
 * it and reap it now (it was sent SIGTERM already), so nothing leaks and
 * no zombie stays behind. */
static void on_loop_free(struct loop *l, void *arg)
{
	struct proc *p = arg;

	(void)l;
	if (!p->reaped)
		proc_kill_reap(p->pid);
	loop_off_signal(p->loop, SIGCHLD, on_chld, p);
	close_fd(p, &p->out_fd);
	close_fd(p, &p->err_fd);
	close_fd(p, &p->in_fd);
	proc_destroy(p);
}

/* maybe_finish: report the exit once everything is in, free if asked. */
static void maybe_finish(struct proc *p)
{
	if (p->in_cb)
		return;
	if (p->reaped && p->out_fd < 0 && p->err_fd < 0 && !p->reported) {
		p->reported = true;
		close_fd(p, &p->in_fd);
		if (!p->freed && p->cbs.on_exit) {
			p->in_cb++;
			p->cbs.on_exit(p, p->status, p->arg);
			p->in_cb--;
		}
	}
	if (p->freed && p->reaped) {
		close_fd(p, &p->out_fd);
		close_fd(p, &p->err_fd);
		close_fd(p, &p->in_fd);
		loop_off_free(p->loop, on_loop_free, p);
		proc_destroy(p);
	}
}

static void on_chld(struct loop *l, int signo, void *arg)
{
	struct proc *p = arg;

	(void)l;
	(void)signo;
	if (p->reaped || !proc_reap(p->pid, &p->status))
		return;
	p->reaped = true;
	loop_off_signal(p->loop, SIGCHLD, on_chld, p);
	maybe_finish(p);
}

static void on_output(struct loop *l, int fd, unsigned events, void *arg)
{
	struct proc *p = arg;
	char chunk[16384];
	bool is_out = fd == p->out_fd;
	ssize_t n;

	(void)l;
	(void)events;
	n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(p, is_out ? &p->out_fd : &p->err_fd);
		maybe_finish(p);
		return;
	}
	if (p->freed)
		return;
	p->in_cb++;
	if (is_out && p->cbs.on_stdout)
		p->cbs.on_stdout(p, chunk, (size_t)n, p->arg);
	else if (!is_out && p->cbs.on_stderr)
		p->cbs.on_stderr(p, chunk, (size_t)n, p->arg);
	p->in_cb--;
	if (p->freed)
		maybe_finish(p);
}

static void on_input(struct loop *l, int fd, unsigned events, void *arg)
{
	struct proc *p = arg;
	ssize_t n;

	(void)l;
	(void)fd;
	if (events & LOOP_ERROR) {
		close_fd(p, &p->in_fd);
		return;
	}
	n = write(p->in_fd, p->in_data + p->in_off, p->in_len - p->in_off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || (p->in_off += (size_t)n) >= p->in_len)
		close_fd(p, &p->in_fd);
}

static void child_exec(const struct proc_opts *o, int in, int out, int err)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	proc_exec_child(o, false);
}

struct proc *proc_spawn(struct loop *l, const struct proc_opts *o,
			const struct proc_cbs *cbs, void *arg, struct error *err)
{
	int out[2] = { -1, -1 }, er[2] = { -1, -1 }, in[2] = { -1, -1 };
	struct proc *p;
	sigset_t all, saved;
	pid_t pid;

	if (!o->argv || !o->argv[0]) {
		error_set(err, ERR_INVALID, "no command to run");
		return NULL;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0)
		goto sysfail;
	if (o->stdin_data) {
		if (pipe2(in, O_CLOEXEC) < 0)
			goto sysfail;
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		goto sysfail;
	}
	p = xcalloc(1, sizeof(*p));
	p->loop = l;
	p->in_fd = -1;
	if (cbs)
		p->cbs = *cbs;
	p->arg = arg;
	/* the handler exists before the child can exit */
	loop_on_signal(l, SIGCHLD, on_chld, p);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	pid = fork();
	if (pid == 0)
		child_exec(o, in[0], out[1], er[1]);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0) {
		loop_off_signal(l, SIGCHLD, on_chld, p);
		free(p);
		goto sysfail;
	}
	p->pid = pid;
	close(out[1]);
	close(er[1]);
	close(in[0]);
	p->out_fd = out[0];
	p->err_fd = er[0];
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	loop_watch_fd(l, p->out_fd, LOOP_READ, on_output, p);
	loop_watch_fd(l, p->err_fd, LOOP_READ, on_output, p);
	if (o->stdin_data) {
		p->in_fd = in[1];
		p->in_data = xmemdup(o->stdin_data, o->stdin_len);
		p->in_len = o->stdin_len;
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
		if (p->in_len)
			loop_watch_fd(l, p->in_fd, LOOP_WRITE, on_input, p);
		else
			close_fd(p, &p->in_fd);
	}
	/* a child that exited before the handler ran is reaped on the next SIGCHLD
	 * wake-up; check once now in case it already did */
	on_chld(l, SIGCHLD, p);
	log_debug("spawned '%s' as pid %d", o->argv[0], (int)pid);
	return p;
sysfail:
	error_sys(err, "cannot start '%s'", o->argv[0]);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (er[i] >= 0)
			close(er[i]);
		if (in[i] >= 0)
			close(in[i]);
	}
	return NULL;
}

pid_t proc_pid(const struct proc *p)
{
	return p->pid;
}

int proc_running(const struct proc *p)
{
	return !p->reaped;
}

void proc_kill(struct proc *p, int signo)
{
	if (!p->reaped)
		kill(p->pid, signo);
}

void proc_free(struct proc *p)
{
	if (!p)
		return;
	p->freed = true;
	if (!p->reaped)
		kill(p->pid, SIGTERM);
	/* outputs are no longer wanted: drain no more */
	close_fd(p, &p->out_fd);
	close_fd(p, &p->err_fd);
	close_fd(p, &p->in_fd);
	if (!p->reaped)
		loop_at_free(p->loop, on_loop_free, p);
	maybe_finish(p);
}

void proc_exec_child(const struct proc_opts *o, bool on_tty)
{
	const char *who = on_tty ? "datalab: " : "";
	const char *eol = on_tty ? "\r\n" : "\n";
	long maxfd = sysconf(_SC_OPEN_MAX);
	sigset_t none;

	for (long fd = 3; fd < (maxfd > 0 && maxfd < 65536 ? maxfd : 65536); fd++)
		close((int)fd);
	/* signals are blocked since before fork: reset the inherited handlers
	 * first, then unblock, so none of the parent's handlers ever runs here */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (o->env_set)
		for (const char *const *e = o->env_set; *e; e++)
			putenv((char *)*e);
	if (o->cwd && chdir(o->cwd) < 0) {
		dprintf(2, "%scannot enter '%s': %s%s", who, o->cwd, strerror(errno), eol);
		_exit(127);
	}
	execvp(o->argv[0], (char *const *)o->argv);
	dprintf(2, "%scannot run '%s': %s%s", who, o->argv[0], strerror(errno), eol);
	_exit(127);
}

int proc_reap(pid_t pid, int *status)
{
	pid_t r;
	int st;

	do
		r = waitpid(pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		return 0;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 1;
}

void proc_kill_reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}
