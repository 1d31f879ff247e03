/*
 * watchers.c: watch streams fed by the store (see watchers.h).
 *
 * One store subscription serves every watcher: each committed change is
 * offered to the watchers of its group/resource, filtered by namespace,
 * name and selectors, and written as one line to their stream.  Nothing
 * is buffered here: the stream's queue holds what the client has not read
 * yet.  A single loop timer sends the periodic bookmarks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/list.h"
#include "datalab/sandbox/printer.h"
#include "datalab/sandbox/rest.h"
#include "datalab/sandbox/watchers.h"

struct watcher {
	struct watchers *ws;
	struct api_stream *st;
	const struct kind *kind;	/* as requested (its version is the output's) */
	char *ns;		/* NULL = every namespace */
	char *name;		/* a watch on one object's path */
	struct selector *labels, *fields;
	enum media_form form;
	char *include;
	bool bookmarks;
	uint64_t timer;
	struct watcher *next, *prev;
};

struct watchers {
	struct api *api;
	struct store *store;
	uint64_t sub;
	struct watcher *list;
	size_t count;
	uint64_t tick;
	long bookmark_ms;
	struct buf line;
};

/* ---- writing events ---- */

static void watcher_end(struct watcher *w)
{
	api_stream_end(w->st);
}

static int write_line(struct watcher *w, struct buf *b)
{
	buf_addc(b, '\n');
	return api_stream_write(w->st, b->data, b->len);
}

static void send_event(struct watcher *w, const char *type, const struct store_obj *o)
{
	struct buf *b = &w->ws->line;
	cJSON *t;
	char *s;
	size_t len;

	buf_reset(b);
	buf_addf(b, "{\"type\":\"%s\",\"object\":", type);
	if (w->form == MEDIA_TABLE) {
		t = list_table(w->kind, &o, 1, w->include, NULL);
		s = cJSON_PrintUnformatted(t);
		buf_adds(b, s);
		free(s);
		cJSON_Delete(t);
	} else if (w->form == MEDIA_PARTIAL) {
		t = printer_partial(o->obj);
		s = cJSON_PrintUnformatted(t);
		buf_adds(b, s);
		free(s);
		cJSON_Delete(t);
	} else if ((s = rest_object_json(w->kind, o, &len)) != NULL) {
		buf_add(b, s, len);
		free(s);
	} else {
		buf_add(b, o->json, o->len);
	}
	buf_addc(b, '}');
	if (write_line(w, b) < 0)
		watcher_end(w);
}

static void send_bookmark(struct watcher *w, uint64_t rv, bool initial_end)
{
	struct buf *b = &w->ws->line;

	buf_reset(b);
	buf_adds(b, "{\"type\":\"BOOKMARK\",\"object\":{");
	if (w->form == MEDIA_PARTIAL)
		buf_adds(b, "\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",");
	else if (w->form == MEDIA_TABLE)
		buf_adds(b, "\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",");
	else
		buf_addf(b, "\"kind\":\"%s\",\"apiVersion\":\"%s\",", w->kind->kind, w->kind->api_version);
	buf_addf(b, "\"metadata\":{\"resourceVersion\":\"%llu\"", (unsigned long long)rv);
	if (initial_end)
		buf_adds(b, ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}");
	buf_adds(b, "}}}");
	if (write_line(w, b) < 0)
		watcher_end(w);
}

static void send_error(struct watcher *w, const struct status *st)
{
	struct buf *b = &w->ws->line;
	cJSON *o = status_to_json(st);
	char *s = cJSON_PrintUnformatted(o);

	buf_reset(b);
	buf_adds(b, "{\"type\":\"ERROR\",\"object\":");
	buf_adds(b, s);
	buf_addc(b, '}');
	write_line(w, b);
	free(s);
	cJSON_Delete(o);
}

/* ---- matching ---- */

static bool same_resource(const struct watcher *w, const struct store_obj *o)
{
	return strcmp(o->kind->resource, w->kind->storage->resource) == 0 &&
	       strcmp(o->kind->group, w->kind->storage->group) == 0;
}

static bool matches(const struct watcher *w, const struct store_obj *o)
{
	if (!o)
		return false;
	if (w->ns && strcmp(o->ns, w->ns) != 0)
		return false;
	if (w->name && strcmp(o->name, w->name) != 0)
		return false;
	return list_match(w->labels, w->fields, o->obj);
}

static void offer(struct watcher *w, const struct store_event *ev)
{
	bool now, before;

	if (!same_resource(w, ev->obj))
		return;
	switch (ev->op) {
	case STORE_ADDED:
		if (matches(w, ev->obj))
			send_event(w, "ADDED", ev->obj);
		break;
	case STORE_MODIFIED:
		now = matches(w, ev->obj);
		before = matches(w, ev->old);
		if (now && before)
			send_event(w, "MODIFIED", ev->obj);
		else if (now)
			send_event(w, "ADDED", ev->obj);
		else if (before)
			send_event(w, "DELETED", ev->obj);
		break;
	case STORE_DELETED:
		if (matches(w, ev->old) || matches(w, ev->obj))
			send_event(w, "DELETED", ev->obj);
		break;
	}
}

static void on_change(struct store *s, const struct store_event *ev, void *arg)
{
	struct watchers *ws = arg;
	struct watcher *w, *next;

	(void)s;
	for (w = ws->list; w; w = next) {
		next = w->next;
		offer(w, ev);
	}
}

static void replay_event(const struct store_event *ev, void *arg)
{
	offer(arg, ev);
}

/* ---- lifetime ---- */

static void watcher_free(struct watcher *w)
{
	struct watchers *ws = w->ws;

	if (w->prev)
		w->prev->next = w->next;
	else if (ws->list == w)
		ws->list = w->next;
	if (w->next)
		w->next->prev = w->prev;
	ws->count--;
	if (w->timer)
		loop_del_timer(api_loop(ws->api), w->timer);
	selector_free(w->labels);
	selector_free(w->fields);
	free(w->ns);
	free(w->name);
	free(w->include);
	free(w);
}

static void on_close(struct api_stream *st, void *arg)
{
	(void)st;
	watcher_free(arg);
}

static long on_timeout(struct loop *l, void *arg)
{
	struct watcher *w = arg;

	(void)l;
	w->timer = 0;
	watcher_end(w);
	return LOOP_NOMORE;
}

static long on_tick(struct loop *l, void *arg)
{
	struct watchers *ws = arg;
	struct watcher *w, *next;
	uint64_t rv = store_rv(ws->store);

	(void)l;
	for (w = ws->list; w; w = next) {
		next = w->next;
		if (w->bookmarks)
			send_bookmark(w, rv, false);
	}
	return ws->bookmark_ms;
}

struct watchers *watchers_new(struct api *a)
{
	struct watchers *ws = xcalloc(1, sizeof(*ws));
	const char *env = getenv("DATALAB_SANDBOX_BOOKMARK_MS");
	int64_t ms;

	ws->api = a;
	ws->store = api_store(a);
	ws->bookmark_ms = 60000;
	if (env && str_parse_i64(env, &ms) == 0 && ms >= 10)
		ws->bookmark_ms = (long)ms;
	buf_init(&ws->line, 0);
	ws->sub = store_subscribe(ws->store, on_change, ws);
	ws->tick = loop_add_timer(api_loop(a), ws->bookmark_ms, on_tick, ws);
	return ws;
}

void watchers_free(struct watchers *ws)
{
	if (!ws)
		return;
	while (ws->list)
		watcher_free(ws->list);	/* streams were closed by api_stop */
	store_unsubscribe(ws->store, ws->sub);
	loop_del_timer(api_loop(ws->api), ws->tick);
	buf_release(&ws->line);
	free(ws);
}

size_t watchers_count(const struct watchers *ws)
{
	return ws ? ws->count : 0;
}

/* ---- starting a watch ---- */

struct initial {
	struct watcher *w;
};

static bool initial_fn(const struct store_obj *o, void *arg)
{
	struct watcher *w = arg;

	if (matches(w, o))
		send_event(w, "ADDED", o);
	return true;
}

static int bad(struct api_req *rq, struct status *st)
{
	int rc = api_reply_status(rq, st);

	status_release(st);
	return rc;
}

int watchers_start(struct watchers *ws, struct api_req *rq, enum media_form form)
{
	const char *rv = api_query(rq, "resourceVersion"), *rvm = api_query(rq, "resourceVersionMatch");
	const char *sie = api_query(rq, "sendInitialEvents"), *to = api_query(rq, "timeoutSeconds");
	const char *awb = api_query(rq, "allowWatchBookmarks");
	bool initial_events = sie && strcmp(sie, "true") == 0;
	struct selector *labels, *fields;
	struct watcher *w;
	struct status st;
	uint64_t from = 0;
	int64_t timeout = 0;
	unsigned r = 0;

	status_init(&st);
	if (rv && *rv && str_parse_u64(rv, &from) < 0) {
		status_bad_request(&st, "resourceVersion: Invalid value: \"%s\": invalid syntax", rv);
		return bad(rq, &st);
	}
	if (to && *to && (str_parse_i64(to, &timeout) < 0 || timeout < 0)) {
		status_bad_request(&st, "timeoutSeconds: Invalid value: %s", to);
		return bad(rq, &st);
	}
	if (initial_events && (!rvm || strcmp(rvm, "NotOlderThan") != 0)) {
		status_add_cause(&st, "FieldValueForbidden", "resourceVersionMatch",
				 "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
				 "NotOlderThan");
		status_invalid(&st, "meta.k8s.io", "ListOptions", "");
		return bad(rq, &st);
	}
	if (initial_events && !(awb && strcmp(awb, "true") == 0)) {
		status_add_cause(&st, "FieldValueForbidden", "allowWatchBookmarks",
				 "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true");
		status_invalid(&st, "meta.k8s.io", "ListOptions", "");
		return bad(rq, &st);
	}
	if (list_selectors(rq, rq->kind, &labels, &fields, &st) < 0)
		return bad(rq, &st);
	w = xcalloc(1, sizeof(*w));
	w->ws = ws;
	w->kind = rq->kind;
	w->ns = rq->ns ? xstrdup(rq->ns) : NULL;
	w->name = rq->name ? xstrdup(rq->name) : NULL;
	w->labels = labels;
	w->fields = fields;
	w->form = form;
	w->include = api_query(rq, "includeObject") ? xstrdup(api_query(rq, "includeObject")) : NULL;
	w->bookmarks = awb && strcmp(awb, "true") == 0;
	w->st = api_stream_start(rq, 200, "application/json", on_close, w);
	if (!w->st) {
		selector_free(labels);
		selector_free(fields);
		free(w->ns);
		free(w->name);
		free(w->include);
		free(w);
		return -1;
	}
	w->next = ws->list;
	if (w->next)
		w->next->prev = w;
	ws->list = w;
	ws->count++;
	if (!timeout) {
		/* the apiserver's default: min-request-timeout (30 min) times [1, 2) */
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned)rand();
		timeout = 1800 + r % 1800;
	}
	w->timer = loop_add_timer(api_loop(ws->api), (long)DL_MIN(timeout, 86400) * 1000, on_timeout, w);
	if (initial_events || !rv || !*rv || from == 0) {
		store_each(ws->store, rq->kind, rq->ns, NULL, NULL, initial_fn, w);
		if (initial_events)
			send_bookmark(w, store_rv(ws->store), true);
		return 0;
	}
	if (store_since(ws->store, from, replay_event, w, &st) < 0) {
		send_error(w, &st);
		status_release(&st);
		watcher_end(w);
	}
	return 0;
}
