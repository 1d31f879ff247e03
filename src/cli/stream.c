/*
 * stream.c: the streaming subcommands, exec and logs.
 *
 * exec: stdin (when -i) is read on the loop, one read per readiness so a
 * terminal or pipe never blocks it, and written to channel 0; when the
 * socket falls behind (more than STDIN_HIGH queued) stdin is not read
 * until the queue drains.  With -t on a terminal, the terminal goes raw
 * (restored on every way out, signals included) and SIGWINCH becomes a
 * resize.  The exit status is the remote command's.
 *
 * logs: bytes go to stdout as they come.  When stdout is a terminal they
 * pass utf8_sanitize first, a line at a time (escape sequences from a
 * container must not drive the user's terminal); into a pipe or a file
 * they go untouched.  With -f a dropped stream is asked again from its
 * last line (kube/logs resume), told on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli-internal.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/exec.h"
#include "datalab/kube/logs.h"
#include "datalab/kube/metrics.h"

#define STDIN_HIGH (4u * 1024 * 1024)
#define STDIN_RECHECK_MS 20L

/* the saved terminal: file-level so the fatal hook can restore it */
static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
	tio_saved = false;
}

static int raw_tty(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return -1;
	tio_saved = true;
	mem_set_fatal_hook(restore_tty);
	t = saved_tio;
	cfmakeraw(&t);
	/* TCSANOW, not TCSAFLUSH: keys typed while connecting are kept */
	return tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* someone made our stdout non-blocking: wait for room */
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0)
			return;	/* a closed pipe: the rest is dropped */
		p += w;
		n -= (size_t)w;
	}
}

/* ---- exec ---- */

struct exec_run {
	struct cli *c;
	struct exec *x;
	bool interactive, tty, done, stdin_eof, stdin_paused;
	int code;
	char msg[256];
	int signo;
	uint64_t recheck;
};

static void on_exec_output(struct exec *x, int ch, const char *p, size_t n, void *arg)
{
	(void)x;
	(void)arg;
	write_all(ch == EXEC_STDERR ? STDERR_FILENO : STDOUT_FILENO, p, n);
}

static void on_exec_exit(struct exec *x, int code, const char *message, void *arg)
{
	struct exec_run *r = arg;

	(void)x;
	r->code = code;
	snprintf(r->msg, sizeof(r->msg), "%s", message);
	r->done = true;
	loop_stop(r->c->loop);
}

static void on_stdin(struct loop *l, int fd, unsigned events, void *arg);

static long on_recheck(struct loop *l, void *arg)
{
	struct exec_run *r = arg;

	if (r->done || r->stdin_eof)
		return LOOP_NOMORE;
	if (exec_queued(r->x) > STDIN_HIGH / 2)
		return STDIN_RECHECK_MS;
	r->recheck = 0;
	r->stdin_paused = false;
	loop_watch_fd(l, STDIN_FILENO, LOOP_READ, on_stdin, r);
	return LOOP_NOMORE;
}

static void stdin_eof(struct exec_run *r)
{
	struct error err;

	r->stdin_eof = true;
	loop_unwatch_fd(r->c->loop, STDIN_FILENO);
	exec_close_stdin(r->x, &err);
}

static void on_stdin(struct loop *l, int fd, unsigned events, void *arg)
{
	struct exec_run *r = arg;
	char buf[32768];
	ssize_t n;
	struct error err;

	(void)events;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		stdin_eof(r);
		return;
	}
	if (exec_write(r->x, buf, (size_t)n, &err) != 0) {
		/* not connected yet: keep the bytes for later would need a
		 * queue of our own; exec_start queues in the ws until open */
		stdin_eof(r);
		return;
	}
	if (exec_queued(r->x) > STDIN_HIGH && !r->stdin_paused) {
		r->stdin_paused = true;
		loop_watch_fd(l, STDIN_FILENO, 0, on_stdin, r);
		r->recheck = loop_add_timer(l, STDIN_RECHECK_MS, on_recheck, r);
	}
}

static void on_exec_open(struct exec *x, const char *protocol, void *arg)
{
	struct exec_run *r = arg;

	(void)x;
	(void)protocol;
	if (r->interactive)
		loop_watch_fd(r->c->loop, STDIN_FILENO, LOOP_READ, on_stdin, r);
}

static void window_size(unsigned *w, unsigned *h)
{
	struct winsize ws;

	*w = *h = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	}
}

static void on_winch(struct loop *l, int signo, void *arg)
{
	struct exec_run *r = arg;
	unsigned w, h;
	struct error err;

	(void)l;
	(void)signo;
	window_size(&w, &h);
	if (w && h)
		exec_resize(r->x, w, h, &err);
}

static void on_term(struct loop *l, int signo, void *arg)
{
	struct exec_run *r = arg;

	r->signo = signo;
	loop_stop(l);
}

struct exec_flags {
	bool in, tty;
	const char *container;
};

static int exec_opt(struct cli *c, int opt, const char *arg, void *ctx)
{
	struct exec_flags *f = ctx;

	(void)c;
	if (opt == 'i')
		f->in = true;
	else if (opt == 't')
		f->tty = true;
	else if (opt == 'c')
		f->container = arg;
	return 0;
}

int cli_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "stdin", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "container", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct exec_flags fl = { 0 };
	struct exec_run r = { .c = c, .code = -1 };
	struct exec_opts o = { 0 };
	struct error err;
	int dash = -1, i, ret;

	/* flags before "--", the command after it */
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0) {
			dash = k;
			break;
		}
	}
	i = cli_parse(c, dash < 0 ? argc : dash, argv, "itc:", longs, exec_opt, &fl);
	if (i == -2) {
		printf("usage: %s exec [-i] [-t] POD [-c CONTAINER] [-n NAMESPACE] -- COMMAND [ARGS...]\n", c->prog);
		return CLI_OK;
	}
	if (i < 0)
		return CLI_USAGE;
	if (dash < 0)
		return cli_usage_error(c, "no command: put it after '--' (datalab exec POD -- sh)");
	if (i >= dash)
		return cli_usage_error(c, "no pod named");
	if (dash - i > 1)
		return cli_usage_error(c, "one pod only, then '--' and the command (got '%s')", argv[i + 1]);
	if (dash + 1 >= argc)
		return cli_usage_error(c, "no command after '--'");
	if (fl.tty && !isatty(STDIN_FILENO)) {
		fputs("Unable to use a TTY - input is not a terminal or the right kind of file\n", stderr);
		fl.tty = false;
	}
	if (cli_connect(c) != 0)
		return CLI_ERROR;
	r.interactive = fl.in;
	r.tty = fl.tty && fl.in;
	o.ns = c->ns;
	o.pod = argv[i];
	o.container = fl.container;
	o.command = (const char *const *)argv + dash + 1;
	o.stdin_open = fl.in;
	o.tty = fl.tty;
	if (o.tty)
		window_size(&o.width, &o.height);
	{
		const struct exec_cbs cbs = { on_exec_open, on_exec_output, on_exec_exit };

		r.x = exec_start(c->kube, &o, &cbs, &r, &err);
	}
	if (!r.x) {
		cli_disconnect(c);
		return cli_error(c, "%s", err.msg);
	}
	loop_on_signal(c->loop, SIGWINCH, on_winch, &r);
	loop_on_signal(c->loop, SIGTERM, on_term, &r);
	loop_on_signal(c->loop, SIGHUP, on_term, &r);
	if (!r.tty)
		loop_on_signal(c->loop, SIGINT, on_term, &r);
	if (r.tty && raw_tty() != 0) {
		exec_free(r.x);
		cli_disconnect(c);
		return cli_error(c, "cannot put the terminal in raw mode");
	}
	loop_run(c->loop);
	restore_tty();
	if (r.recheck)
		loop_del_timer(c->loop, r.recheck);
	loop_unwatch_fd(c->loop, STDIN_FILENO);
	exec_free(r.x);
	cli_disconnect(c);
	if (r.signo)
		return 128 + r.signo;
	if (r.code < 0)
		return cli_error(c, "%s", r.msg);
	if (r.code > 0)
		fprintf(stderr, "command terminated with exit code %d\n", r.code);
	ret = r.code;
	return ret;
}

/* ---- logs ---- */

struct logs_run {
	struct cli *c;
	bool done, clean;
	struct buf line;	/* an unfinished line (terminal output) */
	struct error err;
};

static void flush_clean(struct logs_run *r, bool all)
{
	struct buf out = BUF_INIT;
	const char *nl;
	size_t upto;

	if (all)
		upto = r->line.len;
	else if ((nl = memrchr(r->line.data, '\n', r->line.len)))
		upto = (size_t)(nl - r->line.data) + 1;
	else if (r->line.len > 65536)
		upto = r->line.len;	/* a line without end: show it anyway */
	else
		return;
	utf8_sanitize(&out, r->line.data, upto, UTF8_KEEP_NEWLINE | UTF8_KEEP_TAB);
	write_all(STDOUT_FILENO, out.data, out.len);
	buf_release(&out);
	buf_consume(&r->line, upto);
}

static void on_log_data(struct logs *l, const char *p, size_t n, void *arg)
{
	struct logs_run *r = arg;

	(void)l;
	if (!r->clean) {
		write_all(STDOUT_FILENO, p, n);
		return;
	}
	buf_add(&r->line, p, n);
	flush_clean(r, false);
}

static void on_log_end(struct logs *l, const struct error *err, void *arg)
{
	struct logs_run *r = arg;

	(void)l;
	r->err = *err;
	r->done = true;
	loop_stop(r->c->loop);
}

/* on_log_retry: said on stderr, so a pipe gets the log alone */
static void on_log_retry(struct logs *l, const struct error *err, long delay_ms, void *arg)
{
	struct logs_run *r = arg;

	(void)l;
	if (r->clean)
		flush_clean(r, false);
	fprintf(stderr, "%s: log stream dropped (%s); resuming in %.1f s\n", r->c->prog, err->msg,
		delay_ms / 1000.0);
}

struct logs_flags {
	struct logs_opts o;
	const char *bad;
};

static int logs_opt(struct cli *c, int opt, const char *arg, void *ctx)
{
	struct logs_flags *f = ctx;
	int64_t v;

	switch (opt) {
	case 'f':
		f->o.follow = true;
		break;
	case 'p':
		f->o.previous = true;
		break;
	case 'c':
		f->o.container = arg;
		break;
	case 0x300:
		if (str_parse_i64(arg, &v) != 0 || v < -1)
			return cli_usage_error(c, "--tail wants a number of lines, not '%s'", arg), -1;
		f->o.tail_lines = (long)v;
		break;
	case 0x301:
		v = metrics_parse_duration(arg);
		if (v <= 0)
			return cli_usage_error(c, "--since wants a duration such as 5s, 2m or 3h, not '%s'", arg), -1;
		f->o.since_seconds = (long)((v + 999) / 1000);
		break;
	case 0x302:
		f->o.timestamps = true;
		break;
	case 0x303:
		if (str_parse_i64(arg, &v) != 0 || v <= 0)
			return cli_usage_error(c, "--limit-bytes wants a positive number, not '%s'", arg), -1;
		f->o.limit_bytes = (long)v;
		break;
	default:
		return -1;
	}
	return 0;
}

int cli_logs(struct cli *c, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "previous", no_argument, NULL, 'p' },
		{ "container", required_argument, NULL, 'c' },
		{ "tail", required_argument, NULL, 0x300 },
		{ "since", required_argument, NULL, 0x301 },
		{ "timestamps", no_argument, NULL, 0x302 },
		{ "limit-bytes", required_argument, NULL, 0x303 },
		{ NULL, 0, NULL, 0 },
	};
	struct logs_flags fl = { .o = { .tail_lines = -1 } };
	struct logs_run r = { .c = c };
	const struct logs_cbs cbs = { on_log_data, on_log_end, on_log_retry };
	struct logs *l;
	struct error err;
	int i = cli_parse(c, argc, argv, "fpc:", longs, logs_opt, &fl);

	if (i == -2) {
		printf("usage: %s logs [-f] POD [-c CONTAINER] [-n NAMESPACE] [--tail N] [--since 1h] [--timestamps] "
		       "[--previous]\n", c->prog);
		return CLI_OK;
	}
	if (i < 0)
		return CLI_USAGE;
	if (i >= argc)
		return cli_usage_error(c, "no pod named");
	if (i + 1 < argc)
		return cli_usage_error(c, "one pod only (got '%s' too)", argv[i + 1]);
	if (cli_connect(c) != 0)
		return CLI_ERROR;
	r.clean = isatty(STDOUT_FILENO);
	buf_init(&r.line, 0);
	fl.o.ns = c->ns;
	fl.o.pod = argv[i];
	fl.o.resume = fl.o.follow;	/* a dropped stream is asked again, from its last line */
	if (!(l = logs_start(c->kube, &fl.o, &cbs, &r, &err))) {
		cli_disconnect(c);
		return cli_error(c, "%s", err.msg);
	}
	loop_run(c->loop);
	if (r.clean)
		flush_clean(&r, true);
	buf_release(&r.line);
	logs_free(l);
	cli_disconnect(c);
	if (r.err.code != ERR_NONE)
		return cli_error(c, "%s", r.err.msg);
	return CLI_OK;
}
