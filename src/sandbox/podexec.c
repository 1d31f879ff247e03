/*
 * podexec.c: local processes for kubectl exec and the channel protocol
 * (podexec.h).
 *
 * The child is a session leader (forkpty or setsid), so killing its
 * process group reaches what it started.  Signals are blocked around the
 * fork and reset to their defaults in the child before it runs anything,
 * so a signal sent early (a pod deleted as it starts) kills the child
 * rather than running the parent's handlers in it.  Its descriptors are
 * non-blocking and watched by the loop.  Stdin that does not fit in the
 * pipe or pty waits in a queue, written as the fd turns writable; past
 * PODEXEC_STDIN_HIGH the caller is asked to stop reading its client
 * (podexec_stdin_full) and told when the queue is back under half
 * (on_stdin_room), so memory stays bounded however fast the client sends.
 * A close of stdin takes effect once the queue drained.  The exit is reported once:
 * after SIGCHLD reaped our own pid (waitpid(pid, WNOHANG), never another
 * module's child) and what was left in the fds was drained, even if a
 * background process still holds the pty, as a container's exec ends with
 * its main process.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/podexec.h"

#define READ_CHUNK 32768
/* the high-water mark, then one more WebSocket message at most
 * (WSFRAME_MAX_MESSAGE) arrives before the caller stops reading */
#define MAX_PENDING (PODEXEC_STDIN_HIGH + (16u << 20))

struct podexec_session {
	struct loop *loop;
	pid_t pid;
	int in_fd, out_fd, err_fd;	/* with a pty, in_fd == out_fd */
	bool tty, reaped, reported, in_closed;
	bool paused;			/* output not read: the client is slow */
	bool out_eof;			/* the pty read EOF (EIO): stdin may still go */
	bool in_full;			/* stdin queue passed PODEXEC_STDIN_HIGH; room owed */
	int status;
	struct buf pending;		/* stdin not yet written */
	struct podexec_cbs cbs;
	void *arg;
};

static void on_pty(struct loop *l, int fd, unsigned events, void *arg);
static void on_readable(struct loop *l, int fd, unsigned events, void *arg);
static void on_writable(struct loop *l, int fd, unsigned events, void *arg);

static void set_flags(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* rewatch: the loop's events for each fd, from the session's state: output
 * read unless paused, stdin's fd watched for POLLOUT while bytes wait (or
 * a room callback is owed, so it comes from the loop, not from a write) */
static void rewatch(struct podexec_session *s)
{
	unsigned in = s->pending.len || s->in_full ? LOOP_WRITE : 0;
	unsigned out = s->paused ? 0 : LOOP_READ;

	if (s->tty) {
		if (s->out_fd >= 0)
			loop_watch_fd(s->loop, s->out_fd, (s->out_eof ? 0 : out) | in, on_pty, s);
		return;
	}
	if (s->out_fd >= 0)
		loop_watch_fd(s->loop, s->out_fd, out, on_readable, s);
	if (s->err_fd >= 0)
		loop_watch_fd(s->loop, s->err_fd, out, on_readable, s);
	if (s->in_fd >= 0)
		loop_watch_fd(s->loop, s->in_fd, in, on_writable, s);
}

static void close_fd(struct podexec_session *s, int *fd)
{
	if (*fd < 0)
		return;
	loop_unwatch_fd(s->loop, *fd);
	if (!(s->tty && fd == &s->in_fd))	/* the pty's one fd closes once */
		close(*fd);
	*fd = -1;
}

/* drain: read what fd holds now; true at EOF (or EIO, a pty's EOF) */
static bool drain(struct podexec_session *s, int fd, int channel)
{
	char b[READ_CHUNK];

	for (;;) {
		ssize_t r = read(fd, b, sizeof(b));

		if (r > 0) {
			if (s->cbs.on_output)
				s->cbs.on_output(s, channel, b, (size_t)r, s->arg);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
}

static void report(struct podexec_session *s)
{
	if (s->reported || !s->reaped)
		return;
	if (s->out_fd >= 0)
		drain(s, s->out_fd, PODEXEC_STDOUT);
	if (s->err_fd >= 0)
		drain(s, s->err_fd, PODEXEC_STDERR);
	s->reported = true;
	if (s->cbs.on_exit)
		s->cbs.on_exit(s, s->status, s->arg);	/* may free s */
}

static void on_readable(struct loop *l, int fd, unsigned events, void *arg)
{
	struct podexec_session *s = arg;

	(void)l;
	(void)events;
	if (!drain(s, fd, fd == s->err_fd ? PODEXEC_STDERR : PODEXEC_STDOUT))
		return;
	if (fd == s->err_fd)
		close_fd(s, &s->err_fd);
	else
		close_fd(s, &s->out_fd);
}

/* flush_pending: write queued stdin until the fd would block; a reader
 * gone (EPIPE, EIO) drops the queue, as the kernel would the bytes */
static void flush_pending(struct podexec_session *s)
{
	while (s->pending.len && s->in_fd >= 0) {
		ssize_t w = write(s->in_fd, s->pending.data, s->pending.len);

		if (w > 0) {
			buf_consume(&s->pending, (size_t)w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		buf_reset(&s->pending);
		break;
	}
}

/* stdin_written: after a flush from the loop: a closed stdin whose queue
 * drained is closed now (the child reads EOF after every byte), and a
 * caller that stopped at the high-water mark is told there is room */
static void stdin_written(struct podexec_session *s)
{
	if (s->in_closed && !s->pending.len && !s->tty)
		close_fd(s, &s->in_fd);
	if (s->in_full && s->pending.len <= PODEXEC_STDIN_HIGH / 2) {
		s->in_full = false;
		rewatch(s);
		if (s->cbs.on_stdin_room)
			s->cbs.on_stdin_room(s, s->arg);
		return;
	}
	rewatch(s);
}

static void on_writable(struct loop *l, int fd, unsigned events, void *arg)
{
	struct podexec_session *s = arg;

	(void)l;
	(void)fd;
	(void)events;
	flush_pending(s);
	stdin_written(s);
}

/* on_pty: the pty's one fd carries output and stdin */
static void on_pty(struct loop *l, int fd, unsigned events, void *arg)
{
	struct podexec_session *s = arg;

	(void)l;
	if ((events & (LOOP_READ | LOOP_ERROR)) && !s->out_eof && !s->paused &&
	    drain(s, fd, PODEXEC_STDOUT))
		s->out_eof = true;	/* keep the pty open for stdin until freed */
	if (s->pending.len)
		flush_pending(s);
	stdin_written(s);
}

static void on_chld(struct loop *l, int signo, void *arg)
{
	struct podexec_session *s = arg;
	int st;
	pid_t r;

	(void)signo;
	if (s->reaped)
		return;
	do
		r = waitpid(s->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != s->pid)
		return;
	s->reaped = true;
	s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	loop_off_signal(l, SIGCHLD, on_chld, s);
	report(s);
}

/* child_signals: the parent's handlers (the loop's self-pipe, a test
 * runner's) must not run here: every signal to its default, then let
 * them in (podexec_start blocked them around the fork) */
static void child_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child(const struct podexec_config *cfg, int in, int out, int err)
{
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (cfg->cwd && chdir(cfg->cwd) != 0)
		_exit(126);
	execvpe(cfg->argv[0], (char *const *)cfg->argv,
		(char *const *)(cfg->env ? cfg->env : (const char *const[]){ NULL }));
	dprintf(2, "OCI runtime exec failed: exec failed: unable to start container process: "
		"exec: \"%s\": executable file not found in $PATH: unknown\r\n", cfg->argv[0]);
	_exit(127);
}

struct podexec_session *podexec_start(struct loop *l, const struct podexec_config *cfg,
				const struct podexec_cbs *cbs, void *arg, struct error *err)
{
	struct podexec_session *s;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	sigset_t all, old;

	if (!cfg->argv || !cfg->argv[0]) {
		error_set(err, ERR_INVALID, "you must specify at least one command for the container");
		return NULL;
	}
	if (cfg->cwd && file_mkdirs(cfg->cwd, 0755, err) != 0)
		return NULL;
	sigfillset(&all);
	s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->tty = cfg->tty;
	s->in_fd = s->out_fd = s->err_fd = -1;
	s->cbs = *cbs;
	s->arg = arg;
	buf_init(&s->pending, MAX_PENDING);
	/* before the fork: a child quicker than us must not exit unheard */
	loop_on_signal(l, SIGCHLD, on_chld, s);
	if (cfg->tty) {
		struct winsize ws = { (unsigned short)(cfg->rows ? cfg->rows : 24),
				      (unsigned short)(cfg->cols ? cfg->cols : 80), 0, 0 };
		int master;

		sigprocmask(SIG_BLOCK, &all, &old);
		s->pid = forkpty(&master, NULL, NULL, &ws);
		if (s->pid == 0) {
			child_signals();
			child(cfg, -1, -1, -1);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (s->pid < 0) {
			error_sys(err, "unable to open a pty");
			loop_off_signal(l, SIGCHLD, on_chld, s);
			free(s);
			return NULL;
		}
		set_flags(master);
		s->in_fd = s->out_fd = master;
		rewatch(s);
	} else {
		if ((cfg->in && pipe(pin) != 0) || pipe(pout) != 0 || (cfg->err && pipe(perr) != 0)) {
			error_sys(err, "unable to create pipes");
			loop_off_signal(l, SIGCHLD, on_chld, s);
			for (int i = 0; i < 2; i++) {
				if (pin[i] >= 0) close(pin[i]);
				if (pout[i] >= 0) close(pout[i]);
				if (perr[i] >= 0) close(perr[i]);
			}
			free(s);
			return NULL;
		}
		sigprocmask(SIG_BLOCK, &all, &old);
		s->pid = fork();
		if (s->pid == 0) {
			int null;

			child_signals();
			null = open("/dev/null", O_RDWR);
			setsid();
			child(cfg, cfg->in ? pin[0] : null, pout[1], cfg->err ? perr[1] : null);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (pin[0] >= 0) close(pin[0]);
		close(pout[1]);
		if (perr[1] >= 0) close(perr[1]);
		if (s->pid < 0) {
			error_sys(err, "unable to fork");
			loop_off_signal(l, SIGCHLD, on_chld, s);
			if (pin[1] >= 0) close(pin[1]);
			close(pout[0]);
			if (perr[0] >= 0) close(perr[0]);
			free(s);
			return NULL;
		}
		s->in_fd = pin[1];
		s->out_fd = pout[0];
		s->err_fd = perr[0];
		if (s->in_fd >= 0)
			set_flags(s->in_fd);
		set_flags(s->out_fd);
		if (s->err_fd >= 0)
			set_flags(s->err_fd);
		rewatch(s);
	}
	return s;
}

int podexec_write(struct podexec_session *s, const void *p, size_t n)
{
	if (s->in_fd < 0 || s->in_closed)
		return -1;
	if (buf_add(&s->pending, p, n) != 0)
		return -1;		/* the caller ignored podexec_stdin_full */
	flush_pending(s);
	if (s->pending.len >= PODEXEC_STDIN_HIGH)
		s->in_full = true;
	rewatch(s);
	return 0;
}

void podexec_close_stdin(struct podexec_session *s)
{
	if (s->in_closed || s->in_fd < 0)
		return;
	if (s->tty) {
		podexec_write(s, "\x04", 1);	/* ^D: the terminal's end of input */
		s->in_closed = true;
		return;
	}
	s->in_closed = true;
	flush_pending(s);
	if (!s->pending.len)
		close_fd(s, &s->in_fd);	/* else once the queue drained (stdin_written) */
}

int podexec_resize(struct podexec_session *s, int cols, int rows)
{
	struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };

	if (!s->tty || s->out_fd < 0 || cols <= 0 || rows <= 0 || cols > 10000 || rows > 10000)
		return -1;
	return ioctl(s->out_fd, TIOCSWINSZ, &ws);
}

int podexec_message(struct podexec_session *s, const void *p, size_t n, struct error *err)
{
	const unsigned char *b = p;

	if (n == 0)
		return 0;
	switch (b[0]) {
	case PODEXEC_STDIN:
		if (n > 1 && podexec_write(s, b + 1, n - 1) != 0)
			return error_set(err, ERR_LIMIT, "stdin is not being read");
		return 0;
	case PODEXEC_RESIZE: {
		cJSON *size = json_parse((const char *)b + 1, n - 1, err);
		int rc;

		if (!size)
			return -1;
		rc = podexec_resize(s, (int)json_int(size, "Width", 0), (int)json_int(size, "Height", 0));
		cJSON_Delete(size);
		(void)rc;	/* a bad size is ignored, as the kubelet does */
		return 0;
	}
	case PODEXEC_CLOSE:
		if (n > 1 && b[1] == PODEXEC_STDIN)
			podexec_close_stdin(s);
		return 0;
	default:
		return error_set(err, ERR_INVALID, "unknown channel %u", b[0]);
	}
}

void podexec_pause(struct podexec_session *s, bool paused)
{
	s->paused = paused;
	rewatch(s);
}

bool podexec_stdin_full(const struct podexec_session *s)
{
	return s->in_full;
}

int podexec_pid(const struct podexec_session *s)
{
	return (int)s->pid;
}

void podexec_free(struct podexec_session *s)
{
	if (!s)
		return;
	close_fd(s, &s->err_fd);
	if (s->tty) {
		s->in_fd = -1;
		close_fd(s, &s->out_fd);
	} else {
		close_fd(s, &s->in_fd);
		close_fd(s, &s->out_fd);
	}
	if (!s->reaped) {
		int st;

		loop_off_signal(s->loop, SIGCHLD, on_chld, s);
		kill(-s->pid, SIGHUP);
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	buf_release(&s->pending);
	free(s);
}

void podexec_status_json(struct buf *out, int status)
{
	if (status == 0) {
		buf_adds(out, "{\"metadata\":{},\"status\":\"Success\"}");
		return;
	}
	buf_addf(out, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with "
		 "non-zero exit code: exit status %d\",\"reason\":\"NonZeroExitCode\",\"details\":"
		 "{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"%d\"}]}}", status, status);
}
