/*
 * runner.c: running a built helm command on the loop (runner.h).
 *
 * core/proc delivers stdout and stderr in chunks; they are kept whole
 * (capped) for parsing and also cut into lines for the on_line callback.
 * When the child has exited and both pipes are drained, the output is
 * parsed for the command's kind and on_done runs once.  A runner freed
 * inside its own callback is only marked, and freed when it returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/proc.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/core/xdg.h"
#include "datalab/helm/runner.h"

#define MAX_STDOUT (64u << 20)
#define MAX_STDERR (1u << 20)
#define MAX_LINE (1u << 20)

struct stream {
	struct buf all;		/* everything, for parsing */
	struct buf line;	/* the line being assembled */
	bool overflow;		/* the current line passed MAX_LINE: cut */
};

struct runner {
	struct runner_cmd *cmd;
	struct proc *proc;
	struct runner_cbs cbs;
	void *arg;
	struct stream out, err;
	bool running, in_cb, freed;
};

static void stream_init(struct stream *s, size_t max)
{
	buf_init(&s->all, max);
	buf_init(&s->line, MAX_LINE);
	s->overflow = false;
}

static void stream_release(struct stream *s)
{
	buf_release(&s->all);
	buf_release(&s->line);
}

static void emit_line(struct runner *r, int stream, struct buf *line)
{
	size_t n = line->len;

	if (n && line->data[n - 1] == '\r')
		n--;
	if (r->cbs.on_line && !r->freed)
		r->cbs.on_line(r, stream, line->data, n, r->arg);
	buf_reset(line);
}

static void feed(struct runner *r, int stream, const char *p, size_t n)
{
	struct stream *s = stream == 1 ? &r->out : &r->err;

	/* past the cap the parse fails later; lines still flow */
	if (s->all.len + n <= s->all.max || s->all.max == 0)
		buf_add(&s->all, p, n);
	else
		s->overflow = true;
	r->in_cb = true;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (s->line.len + take > MAX_LINE) {
			/* a line without end: hand over what we have */
			size_t room = MAX_LINE - s->line.len;

			buf_add(&s->line, p, room);
			emit_line(r, stream, &s->line);
			p += room;
			n -= room;
			continue;
		}
		buf_add(&s->line, p, take);
		p += take;
		n -= take;
		if (nl) {
			emit_line(r, stream, &s->line);
			p++;
			n--;
		}
	}
	r->in_cb = false;
}

static void on_stdout(struct proc *p, const char *data, size_t n, void *arg)
{
	(void)p;
	feed(arg, 1, data, n);
	if (((struct runner *)arg)->freed)
		runner_free(arg);
}

static void on_stderr(struct proc *p, const char *data, size_t n, void *arg)
{
	(void)p;
	feed(arg, 2, data, n);
	if (((struct runner *)arg)->freed)
		runner_free(arg);
}

/* The last "Error: ..." line of stderr, sanitized, as the error text. */
static void child_error(struct runner_result *res, int status)
{
	const char *p = res->errout, *end = p + res->errout_len, *best = NULL, *best_end = NULL;
	struct buf clean;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > 7 && !memcmp(p, "Error: ", 7)) {
			best = p + 7;
			best_end = le;
		}
		p = nl ? nl + 1 : end;
	}
	if (!best) {
		error_set(&res->err, ERR_CHILD, "helm exited with status %d", status);
		res->err.status = status;
		return;
	}
	buf_init(&clean, sizeof(res->err.msg) * 4);
	utf8_sanitize(&clean, best, (size_t)(best_end - best), 0);
	error_set(&res->err, ERR_CHILD, "%s", clean.data);
	res->err.status = status;
	buf_release(&clean);
}

static void parse_result(struct runner *r, struct runner_result *res, cJSON **values)
{
	struct error *e = &res->err;
	int rc = 0;

	if (r->out.overflow) {
		error_set(e, ERR_LIMIT, "helm printed more than %u bytes", MAX_STDOUT);
		return;
	}
	switch (runner_cmd_kind(r->cmd)) {
	case RUNNER_UPGRADE_INSTALL:
	case RUNNER_INSTALL:
	case RUNNER_SUSPEND:
	case RUNNER_RESUME:
	case RUNNER_STATUS:
		rc = release_parse(res->out, res->out_len, &res->release, e);
		break;
	case RUNNER_LIST:
		rc = release_parse_list(res->out, res->out_len, &res->releases, &res->nreleases, e);
		break;
	case RUNNER_HISTORY:
		rc = release_parse_history(res->out, res->out_len, runner_cmd_release_name(r->cmd),
		    &res->releases, &res->nreleases, e);
		break;
	case RUNNER_GET_VALUES:
		*values = cJSON_ParseWithLength(res->out, res->out_len);
		if (!*values)
			rc = error_set(e, ERR_PARSE, "helm get values printed no JSON");
		res->values = *values;
		break;
	default:
		break;
	}
	if (rc != 0 && e->code == ERR_NONE)
		error_set(e, ERR_PARSE, "cannot read helm's output");
}

static void on_exit_cb(struct proc *p, int status, void *arg)
{
	struct runner *r = arg;
	struct runner_result res;
	cJSON *values = NULL;

	(void)p;
	r->running = false;
	memset(&res, 0, sizeof(res));
	r->in_cb = true;
	/* a last line without '\n' */
	if (r->out.line.len)
		emit_line(r, 1, &r->out.line);
	if (r->err.line.len)
		emit_line(r, 2, &r->err.line);
	res.status = status;
	res.out = r->out.all.data;
	res.out_len = r->out.all.len;
	res.errout = r->err.all.data;
	res.errout_len = r->err.all.len;
	if (status != 0)
		child_error(&res, status);
	else
		parse_result(r, &res, &values);
	log_info("helm %s: exit %d%s%s", runner_cmd_line(r->cmd), status,
	    res.err.code ? ": " : "", res.err.msg);
	if (r->cbs.on_done && !r->freed)
		r->cbs.on_done(r, &res, r->arg);
	r->in_cb = false;
	release_clear(&res.release);
	release_list_free(res.releases, res.nreleases);
	cJSON_Delete(values);
	/* the values file has served: remove it now, not at free time */
	runner_cmd_remove_values(r->cmd);
	if (r->freed)
		runner_free(r);
}

static void append_history(const char *line)
{
	struct error err;
	char *path = xdg_path(XDG_STATE, "history", &err);
	char ts[32];
	struct buf b;
	int fd;

	if (!path) {
		log_warn("no command history: %s", err.msg);
		return;
	}
	time_rfc3339(ts, sizeof(ts), time(NULL));
	buf_init(&b, 0);
	buf_addf(&b, "%s\t%s\n", ts, line);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	/* one write() of an O_APPEND file: lines of two datalabs never mix */
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len)
		log_warn("cannot append to '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	free(path);
}

struct runner *runner_start(struct loop *l, struct runner_cmd *cmd, const struct runner_cbs *cbs,
			    void *arg, struct error *err)
{
	static const struct proc_cbs pcbs = { on_stdout, on_stderr, on_exit_cb };
	struct runner *r = xcalloc(1, sizeof(*r));
	struct proc_opts o;

	r->cmd = cmd;
	if (cbs)
		r->cbs = *cbs;
	r->arg = arg;
	stream_init(&r->out, MAX_STDOUT);
	stream_init(&r->err, MAX_STDERR);
	memset(&o, 0, sizeof(o));
	o.argv = runner_cmd_argv(cmd);
	append_history(runner_cmd_line(cmd));
	r->running = true;
	if (!(r->proc = proc_spawn(l, &o, &pcbs, r, err))) {
		r->running = false;
		runner_free(r);
		return NULL;
	}
	return r;
}

const struct runner_cmd *runner_get_cmd(const struct runner *r)
{
	return r->cmd;
}

bool runner_running(const struct runner *r)
{
	return r->running;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	if (r->in_cb) {
		r->freed = true;
		return;
	}
	/* proc_free sends SIGTERM to a running helm and reaps it later */
	proc_free(r->proc);
	stream_release(&r->out);
	stream_release(&r->err);
	runner_cmd_free(r->cmd);
	free(r);
}
