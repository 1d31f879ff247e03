/*
 * pty.c: a child in a pseudo-terminal on the loop (see pty.h).
 *
 * Data flow: forkpty gives the master side; the loop watches it for
 * reading (chunks go to on_output, at most PTY_READ_MAX per wake-up so keys
 * are never starved by a flood) and, while input is queued, for writing.
 * SIGCHLD arrives through the loop's self-pipe: once our pid is reaped and
 * the master reads EOF (the kernel hands the slave's last bytes over
 * asynchronously, so the reap alone may come first), on_exit runs; a
 * grandchild keeping the slave open only delays it by PTY_GRACE_MS.  A pty freed inside a
 * callback is released when the callback returns; one freed while the
 * child runs is kept until the child is reaped, so no zombie is left, or
 * until the loop is freed (loop_at_free), which kills and reaps it then.
 * pty_pause_read stops polling the master, so a flood waits in the kernel
 * and the child blocks on its writes until pty_resume_read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/proc.h"
#include "datalab/term/pty.h"

#define PTY_CHUNK 16384
#define PTY_READ_MAX (4 * PTY_CHUNK)
#define PTY_GRACE_MS 300

struct pty {
	struct loop *loop;
	pid_t pid;
	int fd;			/* master; -1 once closed */
	struct buf queue;	/* input not yet written */
	struct pty_cbs cbs;
	void *arg;
	int status;
	bool reaped, eof, reported, freed;
	bool read_paused;	/* pty_pause_read: the master is not read */
	bool at_free;		/* registered with loop_at_free */
	uint64_t grace;		/* timer after the reap while waiting for EOF */
	int in_cb;
};

static void on_chld(struct loop *l, int signo, void *arg);

static void on_loop_free(struct loop *l, void *arg);

static void pty_destroy(struct pty *p)
{
	if (p->at_free)
		loop_off_free(p->loop, on_loop_free, p);
	loop_off_signal(p->loop, SIGCHLD, on_chld, p);
	if (p->grace)
		loop_del_timer(p->loop, p->grace);
	buf_release(&p->queue);
	free(p);
}

static void close_master(struct pty *p)
{
	if (p->fd >= 0) {
		loop_unwatch_fd(p->loop, p->fd);
		close(p->fd);
		p->fd = -1;
	}
}

static void rewatch(struct pty *p);

/* read_some: up to max bytes to on_output, less if a callback pauses
 * reading (SIZE_MAX: all there is, paused or not); -1 at EOF (EIO once the
 * slave side is closed by everyone), 0 when nothing more is there now. */
static int read_some(struct pty *p, size_t max)
{
	char chunk[PTY_CHUNK];
	size_t total = 0;

	while (total < max && p->fd >= 0 && (!p->read_paused || max == SIZE_MAX)) {
		ssize_t n = read(p->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		total += (size_t)n;
		if (!p->freed && p->cbs.on_output) {
			p->in_cb++;
			p->cbs.on_output(chunk, (size_t)n, p->arg);
			p->in_cb--;
		}
		if ((size_t)n < sizeof(chunk))
			return 0;
	}
	return 0;
}

static long grace_over(struct loop *l, void *arg);

static void maybe_finish(struct pty *p)
{
	if (p->in_cb)
		return;
	if (p->freed)
		close_master(p);
	if (!p->reaped)
		return;
	if (!p->reported && !p->eof && p->fd >= 0) {
		if (!p->grace)
			p->grace = loop_add_timer(p->loop, PTY_GRACE_MS, grace_over, p);
		return;
	}
	if (!p->reported) {
		p->reported = true;
		if (p->fd >= 0)
			read_some(p, SIZE_MAX);	/* what the child wrote last */
		close_master(p);
		if (!p->freed && p->cbs.on_exit) {
			p->in_cb++;
			p->cbs.on_exit(p->status, p->arg);
			p->in_cb--;
		}
	}
	if (p->freed)
		pty_destroy(p);
}

static long grace_over(struct loop *l, void *arg)
{
	struct pty *p = arg;

	(void)l;
	p->grace = 0;
	p->eof = true;
	maybe_finish(p);
	return LOOP_NOMORE;
}

static void on_chld(struct loop *l, int signo, void *arg)
{
	struct pty *p = arg;

	(void)l;
	(void)signo;
	if (p->reaped || !proc_reap(p->pid, &p->status))
		return;
	p->reaped = true;
	loop_off_signal(p->loop, SIGCHLD, on_chld, p);
	maybe_finish(p);
}

static void flush_queue(struct pty *p)
{
	while (p->queue.len > 0 && p->fd >= 0) {
		ssize_t n = write(p->fd, p->queue.data, p->queue.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {	/* the child is gone: drop its input */
			buf_reset(&p->queue);
			break;
		}
		buf_consume(&p->queue, (size_t)n);
	}
}

static void on_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct pty *p = arg;

	(void)l;
	(void)fd;
	if (events & LOOP_WRITE)
		flush_queue(p);
	if (events & (LOOP_READ | LOOP_ERROR)) {
		p->in_cb++;
		if (read_some(p, PTY_READ_MAX) < 0) {
			/* EOF: keep the fd until the child is reaped, but stop
			 * polling it (a hung-up pty stays readable) */
			p->eof = true;
			rewatch(p);
			p->in_cb--;
			maybe_finish(p);
			return;
		}
		p->in_cb--;
	}
	if (p->freed) {
		maybe_finish(p);
		return;
	}
	rewatch(p);
}

static void rewatch(struct pty *p)
{
	/* after EOF a hung-up pty stays readable: never poll it again */
	if (p->fd >= 0)
		loop_watch_fd(p->loop, p->fd,
			      (p->read_paused || p->eof ? 0 : LOOP_READ) | (p->queue.len ? LOOP_WRITE : 0), on_ready, p);
}

static void child_exec(const struct pty_opts *o)
{
	const char *shell = getenv("SHELL");
	const char *sh_argv[] = { shell && *shell ? shell : "/bin/sh", NULL };
	struct proc_opts po = {
		.argv = o->argv && o->argv[0] ? o->argv : sh_argv,
		.env_set = o->env_set,
		.cwd = o->cwd,
	};

	setenv("TERM", "xterm-256color", 1);
	unsetenv("LINES");
	unsetenv("COLUMNS");
	proc_exec_child(&po, true);
}

struct pty *pty_spawn(struct loop *l, const struct pty_opts *o, const struct pty_cbs *cbs, void *arg,
		      struct error *err)
{
	struct winsize ws = { 0 };
	sigset_t all, saved;
	struct pty *p;
	pid_t pid;
	int fd;

	ws.ws_row = (unsigned short)(o->rows > 0 ? o->rows : 24);
	ws.ws_col = (unsigned short)(o->cols > 0 ? o->cols : 80);
	p = xcalloc(1, sizeof(*p));
	p->loop = l;
	p->fd = -1;
	buf_init(&p->queue, PTY_QUEUE_MAX);
	if (cbs)
		p->cbs = *cbs;
	p->arg = arg;
	/* the handler exists before the child can exit */
	loop_on_signal(l, SIGCHLD, on_chld, p);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid == 0)
		child_exec(o);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0) {
		error_sys(err, "unable to open a pseudo-terminal");
		pty_destroy(p);
		return NULL;
	}
	p->pid = pid;
	p->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	rewatch(p);
	/* no waitpid here: SIGCHLD was caught (or left pending while
	 * blocked) since before the fork, so the loop reports even a child
	 * that is already gone, after the caller has its pointer */
	log_debug("pty: pid %d on fd %d (%dx%d)", (int)pid, fd, ws.ws_col, ws.ws_row);
	return p;
}

int pty_write(struct pty *p, const char *data, size_t n)
{
	if (p->reaped || p->fd < 0)
		return -1;
	if (buf_add(&p->queue, data, n) < 0)
		return -1;
	flush_queue(p);
	rewatch(p);
	return 0;
}

void pty_resize(struct pty *p, int rows, int cols)
{
	struct winsize ws = { 0 };

	if (p->fd < 0 || rows <= 0 || cols <= 0)
		return;
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	if (ioctl(p->fd, TIOCSWINSZ, &ws) < 0)
		log_warn("pty: resize of pid %d: %s", (int)p->pid, strerror(errno));
}

pid_t pty_pid(const struct pty *p)
{
	return p->pid;
}

void pty_pause_read(struct pty *p)
{
	p->read_paused = true;
	rewatch(p);
}

void pty_resume_read(struct pty *p)
{
	p->read_paused = false;
	rewatch(p);
}

/* on_loop_free: the loop goes while a freed pty's child still runs (the
 * console quit right after the hang-up): kill it, reap it and free the
 * pty now, so nothing leaks and no zombie stays behind (as core/proc). */
static void on_loop_free(struct loop *l, void *arg)
{
	struct pty *p = arg;

	(void)l;
	p->at_free = false;	/* loop_free took the hook off already */
	if (!p->reaped && p->pid > 0)
		proc_kill_reap(p->pid);
	close_master(p);
	pty_destroy(p);
}

void pty_free(struct pty *p)
{
	if (!p)
		return;
	p->freed = true;
	if (!p->reaped && p->pid > 0) {
		kill(p->pid, SIGHUP);
		if (!p->at_free) {
			loop_at_free(p->loop, on_loop_free, p);
			p->at_free = true;
		}
	}
	maybe_finish(p);
}
