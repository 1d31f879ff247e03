/*
 * session.c: an emulator joined to a transport (see session.h).
 *
 * Data flow: the transport's output goes to term_feed, at most
 * SESSION_SLICE bytes or SESSION_SLICE_US of work per wake-up: the rest of
 * a burst waits in an inbox a timer drains, so keys and frames go on
 * between slices (an exit or a loss is shown once the output before it is
 * in).  The emulator is slower than a socket or a pty, so a flood would
 * grow the inbox without end: above SESSION_HIGH_WATER the transport is
 * told to stop reading (the sender then blocks, as a program writing to a
 * real terminal does), and below SESSION_LOW_WATER to read again; that
 * keeps Ctrl-C close to the output it stops.  A transport that cannot
 * pause has its inbox fed at once past SESSION_INBOX_MAX.  The emulator's
 * output (keys, query answers) goes to the transport's send, or waits in
 * a small queue while the transport is still connecting; the emulator's
 * resize goes to the transport's resize.  State changes and emulator
 * events reach the owner through one callback.  The transport is only
 * freed by session_restart and session_free, never from one of its own
 * reports, so transports need not guard against that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/term/pty.h"
#include "datalab/term/session.h"

#define SESSION_QUEUE_MAX 65536	/* keys typed while connecting */
#define SESSION_INBOX_MAX (4u << 20)	/* beyond: fed at once (no backpressure) */

struct session {
	struct loop *loop;
	struct term *term;
	char *label;
	session_start_fn *start;
	void *spec;
	void (*spec_free)(void *spec);
	const struct session_transport_ops *ops;
	void *impl;
	enum session_state state;
	int exit_code;
	char message[sizeof(((struct error *)0)->msg)];
	struct buf queue;
	/* output waiting for the emulator: a burst is fed a slice per
	 * wake-up, so keys and frames go on between (STYLE.md: large results
	 * in slices); an exit or a loss is shown once it is all in */
	struct buf inbox;
	uint64_t drain_timer, budget_wakeup;
	size_t budget;
	bool paused;		/* the transport was told to stop reading */
	bool end_pending;
	enum session_state end_state;
	int end_code;
	char end_msg[sizeof(((struct error *)0)->msg)];
	uint64_t feed_us;	/* the emulator's time in this wake-up (µs) */
	struct session_stats stats;
	session_change_fn *fn;
	void *arg;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void notify(struct session *s, enum term_event ev)
{
	if (s->fn)
		s->fn(s, ev, s->arg);
}

static void flush(struct session *s)
{
	if (s->state != SESSION_RUNNING || !s->ops || s->queue.len == 0)
		return;
	s->ops->send(s->impl, s->queue.data, s->queue.len);
	buf_reset(&s->queue);
}

static void on_term_output(const char *p, size_t n, void *arg)
{
	struct session *s = arg;

	if (s->state == SESSION_CONNECTING || (s->state == SESSION_RUNNING && !s->ops)) {
		if (buf_add(&s->queue, p, n) < 0)
			log_warn("terminal '%s': input dropped while connecting", s->label);
		return;
	}
	if (s->state == SESSION_RUNNING)
		s->ops->send(s->impl, p, n);
}

static void on_term_resize(int rows, int cols, void *arg)
{
	struct session *s = arg;

	if (s->state == SESSION_RUNNING && s->ops && s->ops->resize)
		s->ops->resize(s->impl, rows, cols);
}

static void on_term_event(enum term_event ev, void *arg)
{
	notify(arg, ev);
}

static const struct term_cbs term_cbs = { on_term_output, on_term_resize, on_term_event };

static void start(struct session *s)
{
	struct error err = { 0 };
	const struct session_transport_ops *ops = NULL;
	void *impl = NULL;
	int rows, cols;

	term_size(s->term, &rows, &cols);
	s->state = SESSION_CONNECTING;
	s->message[0] = '\0';
	s->exit_code = 0;
	if (s->start(s, s->spec, rows, cols, &ops, &impl, &err) < 0) {
		s->state = SESSION_LOST;
		snprintf(s->message, sizeof(s->message), "%s", err.msg[0] ? err.msg : "unable to start");
		log_warn("terminal '%s': %s", s->label, s->message);
		return;
	}
	s->ops = ops;
	s->impl = impl;
	s->paused = false;
	/* a transport that reported "running" from inside start */
	if (s->state == SESSION_RUNNING)
		flush(s);
}

struct session *session_new(struct loop *l, const struct session_opts *o, session_change_fn *fn, void *arg)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->label = utf8_sanitize_dup(o->label ? o->label : "terminal", 0);
	s->start = o->start;
	s->spec = o->spec;
	s->spec_free = o->spec_free;
	buf_init(&s->queue, SESSION_QUEUE_MAX);
	buf_init(&s->inbox, 0);
	s->term = term_new(o->rows, o->cols, &term_cbs, s);
	start(s);
	/* the owner learns of the callback's target only now */
	s->fn = fn;
	s->arg = arg;
	return s;
}

static void drop_transport(struct session *s)
{
	if (s->ops && s->ops->free)
		s->ops->free(s->impl);
	s->ops = NULL;
	s->impl = NULL;
}

static void inbox_clear(struct session *s)
{
	if (s->drain_timer)
		loop_del_timer(s->loop, s->drain_timer);
	s->drain_timer = 0;
	s->end_pending = false;
	buf_release(&s->inbox);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	inbox_clear(s);
	drop_transport(s);
	term_free(s->term);
	if (s->spec_free)
		s->spec_free(s->spec);
	buf_release(&s->queue);
	free(s->label);
	free(s);
}

int session_restart(struct session *s)
{
	/* leave the program's modes behind (alternate screen, cursor keys,
	 * hidden cursor, mouse, paste): a fresh start, same scrollback */
	static const char reset[] = "\x1b[?1049l\x1b[?1l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l"
				    "\x1b[?2004l\x1b[0m\r\n[reconnecting]\r\n";

	if (s->state == SESSION_CONNECTING || s->state == SESSION_RUNNING)
		return -1;
	drop_transport(s);
	buf_reset(&s->queue);
	inbox_clear(s);
	term_feed(s->term, reset, sizeof(reset) - 1);
	start(s);
	notify(s, TERM_EVENT_DAMAGE);
	return 0;
}

bool session_key(struct session *s, int key)
{
	if (s->state != SESSION_RUNNING && s->state != SESSION_CONNECTING)
		return false;
	return term_key(s->term, key);
}

void session_resize(struct session *s, int rows, int cols)
{
	term_resize(s->term, rows, cols);
}

struct term *session_term(const struct session *s)
{
	return s->term;
}

enum session_state session_state(const struct session *s)
{
	return s->state;
}

int session_exit_code(const struct session *s)
{
	return s->exit_code;
}

const char *session_message(const struct session *s)
{
	return s->message;
}

const char *session_label(const struct session *s)
{
	return s->label;
}

struct loop *session_loop(const struct session *s)
{
	return s->loop;
}

const struct session_stats *session_stats(const struct session *s)
{
	return &s->stats;
}

size_t session_backlog(const struct session *s)
{
	return s->inbox.len;
}

const char *session_status(const struct session *s, char *out, size_t size)
{
	switch (s->state) {
	case SESSION_CONNECTING:
		snprintf(out, size, "connecting");
		break;
	case SESSION_RUNNING:
		snprintf(out, size, "running");
		break;
	case SESSION_EXITED:
		snprintf(out, size, "exited with code %d%s%s", s->exit_code, s->message[0] ? ": " : "",
			 s->message);
		break;
	case SESSION_LOST:
		snprintf(out, size, "connection lost%s%s", s->message[0] ? ": " : "", s->message);
		break;
	}
	return out;
}

/* --- transport reports --- */

/* budget: what the emulator may still take in this wake-up: at most
 * SESSION_SLICE bytes, and nothing more once it worked SESSION_SLICE_US
 * (a screenful of short lines costs far more than one long line) */
static size_t budget(struct session *s)
{
	uint64_t wk = loop_wakeups(s->loop);

	if (wk != s->budget_wakeup) {
		s->budget_wakeup = wk;
		s->budget = SESSION_SLICE;
		s->feed_us = 0;
	}
	return s->feed_us >= SESSION_SLICE_US ? 0 : s->budget;
}

/* feed: up to n bytes to the emulator, in pieces of SESSION_PIECE while
 * the budget lasts (at least min bytes, so a drain always progresses);
 * returns how many went in. */
static size_t feed(struct session *s, const char *p, size_t n, size_t min)
{
	size_t done = 0;

	while (done < n) {
		size_t b = budget(s), k = DL_MIN(n - done, (size_t)SESSION_PIECE);
		uint64_t t0;

		if (b == 0 && done >= min)
			break;
		if (b > 0)
			k = DL_MIN(k, b);
		t0 = now_us();
		term_feed(s->term, p + done, k);
		s->feed_us += now_us() - t0;
		s->budget -= DL_MIN(k, s->budget);
		done += k;
	}
	s->stats.longest_feed_us = DL_MAX(s->stats.longest_feed_us, s->feed_us);
	return done;
}

/* throttle: pause the transport above the high-water mark, resume it
 * below the low one (hysteresis, so it is not told at every slice) */
static void throttle(struct session *s)
{
	if (!s->ops || !s->ops->pause || !s->ops->resume)
		return;
	if (!s->paused && s->inbox.len > SESSION_HIGH_WATER) {
		s->paused = true;
		s->stats.pauses++;
		s->ops->pause(s->impl);
	} else if (s->paused && s->inbox.len < SESSION_LOW_WATER) {
		s->paused = false;
		s->ops->resume(s->impl);
	}
}

static void end(struct session *s, enum session_state st, int code, const char *msg);

static long drain(struct loop *l, void *arg)
{
	struct session *s = arg;
	size_t n = feed(s, s->inbox.data, s->inbox.len, 1024);

	(void)l;
	buf_consume(&s->inbox, n);
	throttle(s);
	if (s->inbox.len > 0)
		return 0;
	s->drain_timer = 0;
	if (s->end_pending) {
		s->end_pending = false;
		end(s, s->end_state, s->end_code, s->end_msg);
	}
	return LOOP_NOMORE;
}

void session_transport_output(struct session *s, const char *p, size_t n)
{
	size_t now;

	if (s->inbox.len == 0) {
		now = feed(s, p, n, 0);
		p += now;
		n -= now;
	}
	if (n == 0)
		return;
	if (s->inbox.len + n > SESSION_INBOX_MAX) {
		/* far behind and the sender cannot be slowed (a transport
		 * that pauses never gets here): catch up now */
		feed(s, s->inbox.data, s->inbox.len, s->inbox.len);
		buf_reset(&s->inbox);
		feed(s, p, n, n);
		return;
	}
	buf_add(&s->inbox, p, n);
	s->stats.inbox_peak = DL_MAX(s->stats.inbox_peak, s->inbox.len);
	throttle(s);
	if (!s->drain_timer)
		s->drain_timer = loop_add_timer(s->loop, 0, drain, s);
}

void session_transport_running(struct session *s)
{
	int rows, cols;

	if (s->state != SESSION_CONNECTING)
		return;
	s->state = SESSION_RUNNING;
	if (s->ops) {
		/* the size may have changed while connecting */
		term_size(s->term, &rows, &cols);
		if (s->ops->resize)
			s->ops->resize(s->impl, rows, cols);
		flush(s);
	}
	notify(s, TERM_EVENT_DAMAGE);
}

static void set_message(struct session *s, const char *msg)
{
	char *clean = utf8_sanitize_dup(msg ? msg : "", 0);

	snprintf(s->message, sizeof(s->message), "%s", clean);
	free(clean);
}

static void end(struct session *s, enum session_state st, int code, const char *msg)
{
	s->state = st;
	s->exit_code = code;
	set_message(s, msg);
	buf_reset(&s->queue);
	if (st == SESSION_EXITED)
		log_info("terminal '%s' exited with code %d", s->label, code);
	else
		log_warn("terminal '%s': connection lost: %s", s->label, s->message);
	notify(s, TERM_EVENT_DAMAGE);
}

/* report_end: now, or once the output before it was fed. */
static void report_end(struct session *s, enum session_state st, int code, const char *msg)
{
	if (s->state == SESSION_EXITED || s->state == SESSION_LOST || s->end_pending)
		return;
	if (s->inbox.len == 0) {
		end(s, st, code, msg);
		return;
	}
	s->end_pending = true;
	s->end_state = st;
	s->end_code = code;
	snprintf(s->end_msg, sizeof(s->end_msg), "%s", msg ? msg : "");
}

void session_transport_exit(struct session *s, int code, const char *message)
{
	report_end(s, SESSION_EXITED, code, message);
}

void session_transport_lost(struct session *s, const struct error *err)
{
	report_end(s, SESSION_LOST, 0, err && err->msg[0] ? err->msg : "");
}

/* --- the local transport: a pty --- */

static int local_send(void *impl, const char *p, size_t n)
{
	return pty_write(impl, p, n);
}

static void local_resize(void *impl, int rows, int cols)
{
	pty_resize(impl, rows, cols);
}

static void local_pause(void *impl)
{
	pty_pause_read(impl);
}

static void local_resume(void *impl)
{
	pty_resume_read(impl);
}

static void local_free(void *impl)
{
	pty_free(impl);
}

static const struct session_transport_ops local_ops = {
	.name = "pty",
	.send = local_send,
	.resize = local_resize,
	.pause = local_pause,
	.resume = local_resume,
	.free = local_free,
};

static void local_output(const char *p, size_t n, void *arg)
{
	session_transport_output(arg, p, n);
}

static void local_exit(int status, void *arg)
{
	session_transport_exit(arg, status, NULL);
}

int session_start_local(struct session *s, void *spec, int rows, int cols,
			const struct session_transport_ops **ops, void **impl, struct error *err)
{
	static const struct pty_cbs cbs = { local_output, local_exit };
	struct pty_opts o = { 0 };
	struct pty *p;

	o.argv = spec;
	o.rows = rows;
	o.cols = cols;
	p = pty_spawn(s->loop, &o, &cbs, s, err);
	if (!p)
		return -1;
	*ops = &local_ops;
	*impl = p;
	session_transport_running(s);
	return 0;
}
