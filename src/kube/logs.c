/*
 * logs.c: container logs (see logs.h).
 *
 * Two requests in a row: the pod (kube_call, parsed), then the log
 * (kube_call with on_data, so the body streams and is never held whole).
 * A log request that fails has its Status worded by kube_status_error
 * (for instance "a container name must be specified for pod p").
 *
 * Resuming: the log is asked with timestamps and cut into lines; each line
 * given out moves (last, n_last), the newest timestamp and how many lines
 * carried exactly it.  When the stream drops, a loop timer asks again from
 * sinceTime = last's second (the API server passes the kubelet whole
 * seconds), and until a line newer than last arrives the repeats are
 * dropped: older lines, then n_last lines stamped last.  The server sends
 * lines in order, so those are exactly the lines given out already.  A
 * clean end is a drop only while the container still runs (the pod is
 * asked), as a restarted API server ends its streams cleanly too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/logs.h"

#define RETRY_FIRST_MS 500L
#define RETRY_MAX_MS 8000L
#define LINE_MAX_BYTES (1u << 20)	/* a longer line is given out cut */

struct stamp {
	int64_t s;
	long ns;
};

struct logs {
	struct kube *k;
	struct logs_opts opts;
	char *ns, *pod, *container, *since_time;
	struct logs_cbs cbs;
	void *arg;
	struct kube_call *call;
	bool ended, doomed;
	int depth;
	/* resuming */
	struct buf partial;	/* the start of a line not ended yet */
	struct stamp last;	/* the newest line given out */
	bool have_last;
	unsigned n_last;	/* lines given out stamped exactly last */
	bool skipping;		/* after a reconnect: dropping repeats */
	unsigned skip_eq;	/* repeats stamped last still to drop */
	bool untimed;		/* a line came without a timestamp */
	uint64_t timer;
	long backoff_ms;
};

const char *logs_default_container(const cJSON *pod)
{
	const cJSON *def = json_get_key(json_get(pod, "metadata.annotations"), "kubectl.kubernetes.io/default-container");

	if (cJSON_IsString(def) && *def->valuestring)
		return def->valuestring;
	return json_str(pod, "spec.containers.0.name", NULL);
}

int logs_path(struct buf *out, const struct logs_opts *o, const char *c)
{
	buf_adds(out, "/api/v1/namespaces/");
	str_url_encode(out, o->ns, strlen(o->ns), false);
	buf_adds(out, "/pods/");
	str_url_encode(out, o->pod, strlen(o->pod), false);
	buf_adds(out, "/log");
	buf_addc(out, '?');
	if (c && *c) {
		buf_adds(out, "container=");
		str_url_encode(out, c, strlen(c), false);
		buf_addc(out, '&');
	}
	if (o->follow)
		buf_adds(out, "follow=true&");
	if (o->previous)
		buf_adds(out, "previous=true&");
	if (o->since_seconds > 0) {
		buf_addf(out, "sinceSeconds=%ld&", o->since_seconds);
	} else if (o->since_time && *o->since_time) {
		buf_adds(out, "sinceTime=");
		str_url_encode(out, o->since_time, strlen(o->since_time), false);
		buf_addc(out, '&');
	}
	if (o->tail_lines >= 0)
		buf_addf(out, "tailLines=%ld&", o->tail_lines);
	if (o->timestamps)
		buf_adds(out, "timestamps=true&");
	if (o->limit_bytes > 0)
		buf_addf(out, "limitBytes=%ld&", o->limit_bytes);
	buf_truncate(out, out->len - 1);	/* the last '&' or the '?' */
	return 0;
}

static void destroy(struct logs *l)
{
	kube_cancel(l->call);
	if (l->timer)
		loop_del_timer(kube_loop(l->k), l->timer);
	buf_release(&l->partial);
	free(l->ns);
	free(l->pod);
	free(l->container);
	free(l->since_time);
	free(l);
}

static void leave(struct logs *l)
{
	if (--l->depth == 0 && l->doomed)
		destroy(l);
}

static void give(struct logs *l, const char *p, size_t n)
{
	if (l->cbs.on_data && !l->doomed && n)
		l->cbs.on_data(l, p, n, l->arg);
}

static void end(struct logs *l, const struct error *err)
{
	if (l->ended)
		return;
	l->ended = true;
	if (l->cbs.on_end && !l->doomed)
		l->cbs.on_end(l, err, l->arg);
}

/* ---- lines and their timestamps ---- */

/* parse_stamp: "2025-01-02T03:04:05.123456789Z " at the start of p[0..n):
 * the time and the prefix's length (space included); false if none. */
static bool parse_stamp(const char *p, size_t n, struct stamp *t, size_t *prefix)
{
	const char *sp = memchr(p, ' ', DL_MIN(n, (size_t)40));
	char tok[48];
	time_t secs;
	long ns = 0, scale = 100000000L;
	const char *f;

	if (!sp || (size_t)(sp - p) >= sizeof(tok))
		return false;
	memcpy(tok, p, (size_t)(sp - p));
	tok[sp - p] = '\0';
	if (time_parse_rfc3339(tok, &secs) != 0)
		return false;
	if ((f = strchr(tok, '.')))
		for (f++; isdigit((unsigned char)*f); f++, scale /= 10)
			ns += (*f - '0') * scale;
	t->s = (int64_t)secs;
	t->ns = ns;
	*prefix = (size_t)(sp - p) + 1;
	return true;
}

static int stamp_cmp(const struct stamp *a, const struct stamp *b)
{
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return a->ns < b->ns ? -1 : a->ns > b->ns;
}

/* one_line: a whole line (its '\n' included, unless the stream ended
 * without one) given out once. */
static void one_line(struct logs *l, const char *p, size_t n)
{
	struct stamp t;
	size_t prefix = 0;

	if (!parse_stamp(p, n, &t, &prefix)) {
		l->untimed = true;
		give(l, p, n);
		return;
	}
	if (l->skipping) {
		int c = l->have_last ? stamp_cmp(&t, &l->last) : 1;

		if (c < 0)
			return;
		if (c == 0 && l->skip_eq > 0) {
			l->skip_eq--;
			return;
		}
		l->skipping = false;
	}
	if (l->have_last && stamp_cmp(&t, &l->last) == 0) {
		l->n_last++;
	} else {
		l->last = t;
		l->n_last = 1;
		l->have_last = true;
	}
	if (l->opts.timestamps)
		give(l, p, n);
	else
		give(l, p + prefix, n - prefix);
}

static void take_lines(struct logs *l, bool all)
{
	size_t at = 0;

	for (;;) {
		const char *nl = memchr(l->partial.data + at, '\n', l->partial.len - at);
		size_t len;

		if (nl)
			len = (size_t)(nl - (l->partial.data + at)) + 1;
		else if (all || l->partial.len - at > LINE_MAX_BYTES)
			len = l->partial.len - at;
		else
			break;
		if (len == 0)
			break;
		one_line(l, l->partial.data + at, len);
		at += len;
		if (l->doomed)
			break;
	}
	buf_consume(&l->partial, at);
}

/* ---- the stream ---- */

static void on_log_data(struct kube_call *c, const char *p, size_t n, void *arg)
{
	struct logs *l = arg;

	(void)c;
	l->depth++;
	if (!l->opts.resume) {
		give(l, p, n);
	} else {
		l->backoff_ms = 0;	/* data again: the next drop starts over */
		buf_add(&l->partial, p, n);
		take_lines(l, false);
	}
	leave(l);
}

static void start_stream(struct logs *l);

static long retry_due(struct loop *lp, void *arg)
{
	struct logs *l = arg;

	(void)lp;
	l->timer = 0;
	l->depth++;
	start_stream(l);
	leave(l);
	return LOOP_NOMORE;
}

/* retry: the stream dropped (err): asked again after the back-off */
static void retry(struct logs *l, const struct error *err)
{
	long delay = l->backoff_ms ? DL_MIN(l->backoff_ms * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;

	l->backoff_ms = delay;
	buf_reset(&l->partial);	/* a line cut short comes again whole */
	if (l->cbs.on_retry && !l->doomed)
		l->cbs.on_retry(l, err, delay, l->arg);
	if (!l->doomed)
		l->timer = loop_add_timer(kube_loop(l->k), delay, retry_due, l);
}

/* transient: a failure worth asking again for */
static bool transient(const struct error *err)
{
	return err->code == ERR_NET || err->code == ERR_TIMEOUT || (err->code == ERR_HTTP && err->status >= 500) ||
	       err->status == 429 || err->status == 503 ||
	       (err->code == ERR_INVALID && strstr(err->msg, "is waiting to start"));
}

/* container_runs: whether the pod says our container runs */
static bool container_runs(const struct logs *l, const cJSON *pod)
{
	const cJSON *cs;

	cJSON_ArrayForEach(cs, json_get(pod, "status.containerStatuses"))
		if (str_eq(json_str(cs, "name", ""), l->container ? l->container : ""))
			return json_get(cs, "state.running") != NULL;
	return false;
}

static void on_check(struct kube_call *c, cJSON *pod, const struct error *err, void *arg)
{
	struct logs *l = arg;
	struct error dropped;

	(void)c;
	l->call = NULL;
	l->depth++;
	if (err->code != ERR_NONE && transient(err)) {
		retry(l, err);
	} else if (err->code == ERR_NONE && container_runs(l, pod)) {
		error_set(&dropped, ERR_NET, "the log stream of '%s' ended while its container runs", l->pod);
		retry(l, &dropped);
	} else {
		take_lines(l, true);
		end(l, &(struct error){ .code = ERR_NONE });
	}
	leave(l);
}

static void check_pod(struct logs *l)
{
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };
	struct error err;

	buf_adds(&path, "/api/v1/namespaces/");
	str_url_encode(&path, l->ns, strlen(l->ns), false);
	buf_adds(&path, "/pods/");
	str_url_encode(&path, l->pod, strlen(l->pod), false);
	rq.path = path.data;
	rq.timeout_ms = 30000;
	if (!(l->call = kube_call(l->k, &rq, on_check, l, &err))) {
		take_lines(l, true);
		end(l, &err);
	}
	buf_release(&path);
}

static void on_log_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct logs *l = arg;

	(void)c;
	(void)body;
	l->call = NULL;
	l->depth++;
	if (!l->opts.resume || !l->opts.follow) {
		if (l->opts.resume)
			take_lines(l, true);
		end(l, err);
	} else if (err->code == ERR_NONE) {
		check_pod(l);
	} else if (transient(err)) {
		retry(l, err);
	} else {
		take_lines(l, true);
		end(l, err);
	}
	leave(l);
}

/* start_stream: the log request; a resumed one asks from the last line's
 * second (or, when lines came without timestamps, only what is new). */
static void start_stream(struct logs *l)
{
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };
	struct logs_opts o = l->opts;
	struct error err;
	char since[32];

	if (o.resume) {
		o.timestamps = true;
		if (l->have_last || l->untimed) {
			o.tail_lines = -1;
			o.since_seconds = 0;
			o.since_time = NULL;
			o.limit_bytes = 0;
			if (l->have_last) {
				time_rfc3339(since, sizeof(since), (time_t)l->last.s);
				o.since_time = since;
				l->skipping = true;
				l->skip_eq = l->n_last;
			} else {
				o.tail_lines = 0;
			}
		}
	}
	logs_path(&path, &o, l->container);
	rq.path = path.data;
	rq.on_data = on_log_data;
	rq.accept = "*/*";
	if (!(l->call = kube_call(l->k, &rq, on_log_done, l, &err))) {
		if (o.resume && o.follow && transient(&err))
			retry(l, &err);
		else
			end(l, &err);
	}
	buf_release(&path);
}

static void on_pod(struct kube_call *c, cJSON *pod, const struct error *err, void *arg)
{
	struct logs *l = arg;

	(void)c;
	l->call = NULL;
	l->depth++;
	if (err->code != ERR_NONE) {
		end(l, err);
	} else {
		if (!l->container && logs_default_container(pod))
			l->container = xstrdup(logs_default_container(pod));
		start_stream(l);
	}
	leave(l);
}

struct logs *logs_start(struct kube *k, const struct logs_opts *o, const struct logs_cbs *cbs, void *arg,
			struct error *err)
{
	struct logs *l;
	struct buf path = BUF_INIT;
	struct kube_req rq = { 0 };

	if (!o->ns || !*o->ns || !o->pod || !*o->pod) {
		error_set(err, ERR_INVALID, "logs need a namespace and a pod");
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->k = k;
	l->opts = *o;
	l->opts.ns = l->ns = xstrdup(o->ns);
	l->opts.pod = l->pod = xstrdup(o->pod);
	l->opts.since_time = l->since_time = o->since_time ? xstrdup(o->since_time) : NULL;
	l->container = o->container && *o->container ? xstrdup(o->container) : NULL;
	l->opts.container = NULL;
	buf_init(&l->partial, 0);
	if (cbs)
		l->cbs = *cbs;
	l->arg = arg;
	buf_adds(&path, "/api/v1/namespaces/");
	str_url_encode(&path, o->ns, strlen(o->ns), false);
	buf_adds(&path, "/pods/");
	str_url_encode(&path, o->pod, strlen(o->pod), false);
	rq.path = path.data;
	rq.timeout_ms = 30000;
	l->call = kube_call(k, &rq, on_pod, l, err);
	buf_release(&path);
	if (!l->call) {
		destroy(l);
		return NULL;
	}
	return l;
}

void logs_free(struct logs *l)
{
	if (!l)
		return;
	if (l->depth > 0) {
		l->doomed = true;
		kube_cancel(l->call);
		l->call = NULL;
		if (l->timer)
			loop_del_timer(kube_loop(l->k), l->timer);
		l->timer = 0;
		return;
	}
	destroy(l);
}

const char *logs_container(const struct logs *l)
{
	return l->container ? l->container : "";
}
