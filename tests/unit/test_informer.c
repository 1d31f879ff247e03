/*
 * test_informer.c: kube/informer against a scripted API server in-process.
 *
 * The fake server keeps a set of pods (from the shared podlist.json and
 * made-up ones), answers LISTs in small pages, and answers each WATCH with
 * the next step of a script: lines then hold the stream open, lines then a
 * clean end, lines then a cut connection, or a plain error status (410,
 * 429 with Retry-After, 403, 500).  Every request is logged so a test can
 * check the resourceVersion a re-watch starts from.  An invariant checker
 * walks the store and the label index after each test.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/kube/informer.h"
#include "testkube.h"
#include "testserver.h"
#include "testutil.h"

enum step_kind { STEP_HOLD, STEP_END, STEP_DROP, STEP_STATUS };

struct step {
	enum step_kind kind;
	char *body;
	size_t len;
	int status;
	const char *retry_after;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cJSON *pods;		/* the server's current pods */
static int server_rv;
static struct step steps[16];
static int nsteps, next_step;
static struct buf reqlog;	/* "LIST ...;" "WATCH rv=N;" */
static int list_status[8];	/* LIST answers, in order: 0 = the list */
static int nlist_status, next_list;
static const char *list_retry_after;
static atomic_int stopping;
static atomic_int release_holds;
static uint64_t list_times[8];
static atomic_int nlist_times;

static char dir[64];
static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;

/* ---- the fake API server ---- */

struct stream {
	char *data;
	size_t len, off;
	enum step_kind end;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;

	(void)pos;
	if (s->off < s->len) {
		n = DL_MIN(max, s->len - s->off);
		if (s->len < 1024 * 1024)
			n = DL_MIN(n, (size_t)(7 + s->off % 5000));	/* odd chunk sizes */
		memcpy(buf, s->data + s->off, n);
		s->off += n;
		return (ssize_t)n;
	}
	if (s->end == STEP_DROP)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->end == STEP_HOLD) {
		int seen = atomic_load(&release_holds);

		while (!atomic_load(&stopping) && atomic_load(&release_holds) == seen)
			usleep(5000);
		if (atomic_load(&stopping))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	free(s->data);
	free(s);
}

static enum MHD_Result reply_status(struct MHD_Connection *c, int status, const char *retry_after)
{
	char *body = xasprintf("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
			       "\"message\":\"%s\",\"reason\":\"%s\",\"code\":%d}",
			       status == 410 ? "too old resource version: 1 (2)" :
			       status == 429 ? "too many requests, please try again later" :
			       status == 403 ? "pods is forbidden: User \\\"bob\\\" cannot list resource \\\"pods\\\"" :
			       "internal error",
			       status == 410 ? "Expired" : status == 429 ? "TooManyRequests" :
			       status == 403 ? "Forbidden" : "InternalError", status);
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_watch(struct MHD_Connection *c)
{
	const char *rv = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "resourceVersion");
	const char *bm = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "allowWatchBookmarks");
	struct step st = { .kind = STEP_HOLD };
	struct stream *s;
	struct MHD_Response *r;
	enum MHD_Result ret;

	pthread_mutex_lock(&mu);
	buf_addf(&reqlog, "WATCH rv=%s bm=%s;", rv ? rv : "-", bm ? bm : "-");
	if (next_step < nsteps)
		st = steps[next_step++];
	pthread_mutex_unlock(&mu);
	if (st.kind == STEP_STATUS)
		return reply_status(c, st.status, st.retry_after);
	s = xcalloc(1, sizeof(*s));
	s->data = st.body ? xmemdup(st.body, st.len) : NULL;
	s->len = st.len;
	s->end = st.kind;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

#define PAGE 2

static enum MHD_Result serve_list(struct MHD_Connection *c)
{
	const char *cont = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "continue");
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	int from = cont ? (int)strtol(cont, NULL, 10) : 0, status = 0, n, t;
	cJSON *list, *items, *meta;
	char *text, rvs[32];
	enum MHD_Result ret;

	t = atomic_fetch_add(&nlist_times, 1);
	if (t < 8)
		list_times[t] = time_mono_ms();
	pthread_mutex_lock(&mu);
	buf_addf(&reqlog, "LIST limit=%s cont=%s;", limit ? limit : "-", cont ? cont : "-");
	if (next_list < nlist_status)
		status = list_status[next_list++];
	if (status) {
		pthread_mutex_unlock(&mu);
		return reply_status(c, status, list_retry_after);
	}
	list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "kind", "PodList");
	cJSON_AddStringToObject(list, "apiVersion", "v1");
	snprintf(rvs, sizeof(rvs), "%d", server_rv);
	meta = cJSON_AddObjectToObject(list, "metadata");
	cJSON_AddStringToObject(meta, "resourceVersion", rvs);
	items = cJSON_AddArrayToObject(list, "items");
	n = cJSON_GetArraySize(pods);
	for (int i = from; i < n && i < from + PAGE; i++)
		cJSON_AddItemToArray(items, cJSON_Duplicate(cJSON_GetArrayItem(pods, i), 1));
	if (from + PAGE < n) {
		char tok[16];

		snprintf(tok, sizeof(tok), "%d", from + PAGE);
		cJSON_AddStringToObject(meta, "continue", tok);
	}
	pthread_mutex_unlock(&mu);
	text = cJSON_PrintUnformatted(list);
	cJSON_Delete(list);
	ret = ts_reply_str(c, 200, "application/json", text);
	free(text);
	return ret;
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	const char *watch = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "watch");

	(void)arg;
	if (strcmp(rq->path, "/api/v1/namespaces/user-alice/pods") != 0)
		return reply_status(rq->conn, 403, NULL);
	if (watch && strcmp(watch, "true") == 0)
		return serve_watch(rq->conn);
	return serve_list(rq->conn);
}

/* ---- script helpers ---- */

static void add_step(enum step_kind kind, const char *body, int status, const char *retry_after)
{
	pthread_mutex_lock(&mu);
	steps[nsteps].kind = kind;
	steps[nsteps].body = body ? xstrdup(body) : NULL;
	steps[nsteps].len = body ? strlen(body) : 0;
	steps[nsteps].status = status;
	steps[nsteps].retry_after = retry_after;
	nsteps++;
	pthread_mutex_unlock(&mu);
}

static void add_step_file(enum step_kind kind, const char *name)
{
	char *path = xasprintf("%s/%s", TESTDATA, name);
	struct buf b;

	testutil_read(path, &b);
	add_step(kind, b.data, 0, NULL);
	buf_release(&b);
	free(path);
}

static cJSON *make_pod(const char *name, int rv, const char *app)
{
	char *text = xasprintf("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"user-alice\",\"resourceVersion\":\"%d\","
			       "\"labels\":{\"app\":\"%s\",\"tier\":\"x\"},"
			       "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\"}]},"
			       "\"status\":{\"phase\":\"Running\"}}", name, rv, app);
	cJSON *p = cJSON_Parse(text);

	free(text);
	return p;
}

static char *event_line(const char *type, const char *name, int rv, const char *app)
{
	cJSON *p = make_pod(name, rv, app);
	char *obj = cJSON_PrintUnformatted(p);
	char *line = xasprintf("{\"type\":\"%s\",\"object\":%s}\n", type, obj);

	cJSON_Delete(p);
	free(obj);
	return line;
}

static void server_set_pods(int n)
{
	pthread_mutex_lock(&mu);
	cJSON_Delete(pods);
	pods = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		cJSON_AddItemToArray(pods, make_pod(name, 100 + i, i % 2 ? "odd" : "even"));
	}
	server_rv = 200;
	pthread_mutex_unlock(&mu);
}

static bool log_has(const char *s)
{
	bool yes;

	pthread_mutex_lock(&mu);
	yes = strstr(reqlog.data, s) != NULL;
	pthread_mutex_unlock(&mu);
	return yes;
}

static int log_count(const char *s)
{
	int n = 0;

	pthread_mutex_lock(&mu);
	for (const char *p = reqlog.data; (p = strstr(p, s)); p++)
		n++;
	pthread_mutex_unlock(&mu);
	return n;
}

/* ---- the client side ---- */

struct rec {
	struct buf text;	/* "+name" "~name" "-name" "sync" per callback */
	int adds, updates, deletes, syncs, errors, freshes;
	struct error err;
};

static struct rec rec;

static void on_add(struct informer *inf, const cJSON *obj, void *arg)
{
	(void)inf;
	(void)arg;
	rec.adds++;
	buf_addf(&rec.text, "+%s ", json_str(obj, "metadata.name", "?"));
}

static void on_update(struct informer *inf, const cJSON *obj, const cJSON *old, void *arg)
{
	(void)inf;
	(void)arg;
	ck_assert_ptr_nonnull(old);
	rec.updates++;
	buf_addf(&rec.text, "~%s ", json_str(obj, "metadata.name", "?"));
}

static void on_delete(struct informer *inf, const cJSON *obj, void *arg)
{
	(void)inf;
	(void)arg;
	rec.deletes++;
	buf_addf(&rec.text, "-%s ", json_str(obj, "metadata.name", "?"));
}

static void on_sync(struct informer *inf, void *arg)
{
	(void)inf;
	(void)arg;
	rec.syncs++;
	buf_adds(&rec.text, "sync ");
}

static void on_error(struct informer *inf, const struct error *err, void *arg)
{
	(void)inf;
	(void)arg;
	rec.errors++;
	rec.err = *err;
}

static void on_fresh(struct informer *inf, void *arg)
{
	(void)inf;
	(void)arg;
	rec.freshes++;
}

static const struct informer_cbs cbs = { on_add, on_update, on_delete, on_sync, on_error, on_fresh };

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dl-informer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	atomic_store(&stopping, 0);
	atomic_store(&release_holds, 0);
	atomic_store(&nlist_times, 0);
	nsteps = next_step = 0;
	nlist_status = next_list = 0;
	list_retry_after = NULL;
	buf_init(&reqlog, 0);
	server_set_pods(5);
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	testkube_open(testkube_config(dir, server.port, "user-alice", "{token: good}"), &loop, &http, &kube);
	memset(&rec, 0, sizeof(rec));
	buf_init(&rec.text, 0);
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	atomic_store(&stopping, 1);
	ts_stop(&server);
	for (int i = 0; i < nsteps; i++)
		free(steps[i].body);
	cJSON_Delete(pods);
	pods = NULL;
	buf_release(&reqlog);
	buf_release(&rec.text);
	file_remove_tree(dir, NULL);
}

/* WAIT: run the loop until cond holds or ms pass */
#define WAIT(cond, ms)                                                          \
	do {                                                                    \
		uint64_t end_ = time_mono_ms() + (ms);                          \
		while (!(cond) && time_mono_ms() < end_)                        \
			loop_run_once(loop, 20);                                \
		ck_assert_msg((cond), "timed out waiting for: %s (log %s)", #cond, reqlog.data); \
	} while (0)

static void count_obj(const cJSON *obj, void *arg)
{
	(void)obj;
	(*(int *)arg)++;
}

static void collect_name(const cJSON *obj, void *arg)
{
	buf_addf(arg, "%s ", json_str(obj, "metadata.name", "?"));
}

struct inv {
	const struct informer *inf;
	size_t objects, label_hits;
};

static void check_labels_of(const cJSON *obj, void *arg)
{
	struct inv *v = arg;
	const cJSON *l;

	v->objects++;
	ck_assert_ptr_null(json_get(obj, "metadata.managedFields"));
	ck_assert_ptr_eq(informer_get(v->inf, json_str(obj, "metadata.namespace", ""),
				      json_str(obj, "metadata.name", "")), obj);
	cJSON_ArrayForEach(l, json_get(obj, "metadata.labels")) {
		struct buf names = BUF_INIT;
		char *me;

		if (!cJSON_IsString(l))
			continue;
		informer_each_label(v->inf, l->string, l->valuestring, collect_name, &names);
		me = xasprintf("%s ", json_str(obj, "metadata.name", "?"));
		ck_assert_msg(strstr(names.data, me) != NULL, "label %s=%s misses %s", l->string, l->valuestring, me);
		free(me);
		buf_release(&names);
	}
}

/* check_invariants: every object is found by key and by each of its
 * labels; counts agree */
static void check_invariants(const struct informer *inf)
{
	struct inv v = { inf, 0, 0 };
	struct informer_stats st;

	informer_each(inf, check_labels_of, &v);
	ck_assert_uint_eq(v.objects, informer_count(inf));
	informer_stats(inf, &st);
	ck_assert_uint_gt(st.bytes, 0);
}

static struct informer *start(void)
{
	struct informer_opts o = { .path = "/api/v1/namespaces/user-alice/pods" };
	struct informer *inf = informer_new(kube, &o, &cbs, NULL);
	struct error err;

	ck_assert_int_eq(informer_start(inf, &err), 0);
	return inf;
}

START_TEST(test_list_then_watch)
{
	struct informer *inf;
	char *a = event_line("ADDED", "new", 201, "odd"), *m = event_line("MODIFIED", "p0", 202, "odd");
	char *d = event_line("DELETED", "p1", 203, "odd");
	char *script = xasprintf("%s%s%s{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
				 "\"metadata\":{\"resourceVersion\":\"250\"}}}\n", a, m, d);
	struct informer_stats st;
	int n = 0;
	struct buf names = BUF_INIT;

	add_step(STEP_END, script, 0, NULL);
	inf = start();
	ck_assert(!informer_synced(inf));
	WAIT(rec.syncs == 1, 5000);
	ck_assert(informer_synced(inf));
	ck_assert(str_has_prefix(rec.text.data, "+p0 +p1 +p2 +p3 +p4 sync "));
	ck_assert(log_has("LIST limit=500 cont=-;LIST limit=500 cont=2;LIST limit=500 cont=4;"));
	ck_assert_int_gt(informer_synced_at(inf), 0);
	ck_assert_int_eq(informer_stale_since(inf), 0);
	/* the watch starts from the list's version, with bookmarks */
	WAIT(rec.deletes == 1, 5000);
	ck_assert(log_has("WATCH rv=200 bm=true;"));
	ck_assert_str_eq(rec.text.data, "+p0 +p1 +p2 +p3 +p4 sync +new ~p0 -p1 ");
	ck_assert_ptr_nonnull(informer_get(inf, "user-alice", "new"));
	ck_assert_ptr_null(informer_get(inf, "user-alice", "p1"));
	ck_assert_str_eq(json_str(informer_get(inf, "user-alice", "p0"), "metadata.labels.app", ""), "odd");
	informer_each_label(inf, "app", "odd", collect_name, &names);
	ck_assert_uint_eq(strlen(names.data), strlen("new p0 p3 "));
	ck_assert_ptr_nonnull(strstr(names.data, "new "));
	ck_assert_ptr_nonnull(strstr(names.data, "p0 "));
	ck_assert_ptr_nonnull(strstr(names.data, "p3 "));
	informer_each_label(inf, "app", "even", count_obj, &n);
	ck_assert_int_eq(n, 2);	/* p2, p4 */
	check_invariants(inf);
	/* the stream ended cleanly: the next watch starts from the bookmark's
	 * version at once, and nothing is reported as an error */
	WAIT(log_has("WATCH rv=250 bm=true;"), 3000);

	ck_assert_int_eq(rec.errors, 0);
	ck_assert_ptr_null(informer_last_error(inf));
	informer_stats(inf, &st);
	ck_assert_uint_eq(st.lists, 1);
	ck_assert_uint_eq(st.events, 4);
	ck_assert_uint_ge(st.watches, 2);
	ck_assert_uint_eq(st.relists, 0);
	informer_free(inf);
	buf_release(&names);
	free(a);
	free(m);
	free(d);
	free(script);
}
END_TEST

START_TEST(test_relist_on_410_event)
{
	struct informer *inf;
	struct informer_stats st;

	/* the shared stream: ADDED, MODIFIED, BOOKMARK, DELETED, then ERROR 410 */
	add_step_file(STEP_HOLD, "kube/derived/watch-pods.jsonl");
	inf = start();
	WAIT(rec.syncs == 1, 5000);
	/* while it streams, the server moves on: p2 gone, p3 changed, q new */
	pthread_mutex_lock(&mu);
	cJSON_DeleteItemFromArray(pods, 2);
	cJSON_ReplaceItemInArray(pods, 2, make_pod("p3", 300, "even"));
	cJSON_AddItemToArray(pods, make_pod("q", 301, "odd"));
	server_rv = 400;
	pthread_mutex_unlock(&mu);
	WAIT(rec.syncs == 2, 5000);
	/* the stream's own events, then the relist's difference */
	ck_assert_msg(strstr(rec.text.data, "sync +jupyter-pytorch-gpu-0 ~jupyter-pytorch-gpu-0 -jupyter-pytorch-gpu-0 ") !=
		      NULL, "%s", rec.text.data);
	ck_assert_ptr_nonnull(strstr(rec.text.data, "~p3 "));
	ck_assert_ptr_nonnull(strstr(rec.text.data, "+q "));
	ck_assert_ptr_nonnull(strstr(rec.text.data, "-p2 "));
	/* unchanged objects are not reported again */
	ck_assert_ptr_null(strstr(rec.text.data, "~p0 "));
	ck_assert_int_eq(rec.adds, 5 + 1 + 1);
	ck_assert_uint_eq(informer_count(inf), 5);
	informer_stats(inf, &st);
	ck_assert_uint_eq(st.relists, 1);
	ck_assert_uint_eq(st.lists, 2);
	/* the relist's watch starts from the new list version */
	WAIT(log_has("WATCH rv=400 bm=true;"), 3000);
	ck_assert_int_eq(rec.errors, 0);
	check_invariants(inf);
	informer_free(inf);
}
END_TEST

START_TEST(test_relist_on_410_status)
{
	struct informer *inf;
	struct informer_stats st;

	add_step(STEP_STATUS, NULL, 410, NULL);
	inf = start();
	WAIT(rec.syncs == 2, 5000);
	informer_stats(inf, &st);
	ck_assert_uint_eq(st.relists, 1);
	ck_assert_int_eq(rec.errors, 0);
	ck_assert_int_eq(rec.adds, 5);	/* the relist found nothing new */
	ck_assert_int_eq(rec.updates + rec.deletes, 0);
	informer_free(inf);
}
END_TEST

START_TEST(test_dropped_stream_rewatches_from_last_rv)
{
	struct informer *inf;
	char *a = event_line("ADDED", "x", 207, "odd"), *b = event_line("ADDED", "y", 208, "odd");
	uint64_t t0;

	add_step(STEP_DROP, a, 0, NULL);
	add_step(STEP_HOLD, b, 0, NULL);
	inf = start();
	WAIT(rec.adds == 6, 5000);
	t0 = time_mono_ms();
	WAIT(rec.errors == 1, 5000);
	ck_assert_int_eq(rec.err.code, ERR_NET);
	ck_assert_msg(strstr(rec.err.msg, "dropped") || strstr(rec.err.msg, "failed"), "%s", rec.err.msg);
	ck_assert_int_gt(informer_stale_since(inf), 0);
	ck_assert_ptr_nonnull(informer_last_error(inf));
	/* the re-watch starts from the last event's version, after ~1 s */
	WAIT(rec.adds == 7, 5000);
	ck_assert(log_has("WATCH rv=207 bm=true;"));
	ck_assert_uint_ge(time_mono_ms() - t0, 900);
	ck_assert_int_eq(informer_stale_since(inf), 0);
	ck_assert_ptr_null(informer_last_error(inf));
	ck_assert_int_eq(rec.freshes, 1);
	ck_assert_int_eq(rec.errors, 1);
	ck_assert_int_eq(rec.syncs, 1);	/* no relist for a drop */
	informer_free(inf);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_rewatch_after_drop_without_events_is_fresh)
{
	struct informer *inf;

	add_step(STEP_DROP, "", 0, NULL);
	inf = start();
	WAIT(rec.errors == 1, 5000);
	/* the second watch stays open and quiet: after the probe it is fresh */
	WAIT(rec.freshes == 1, 6000);
	ck_assert_int_eq(informer_stale_since(inf), 0);
	ck_assert_ptr_null(informer_last_error(inf));
	informer_free(inf);
}
END_TEST

START_TEST(test_429_retry_after)
{
	struct informer *inf;

	list_status[0] = 429;
	nlist_status = 1;
	list_retry_after = "2";
	inf = start();
	WAIT(rec.errors == 1, 3000);
	ck_assert_int_eq(rec.err.status, 429);
	ck_assert_ptr_nonnull(strstr(rec.err.msg, "busy"));
	WAIT(rec.syncs == 1, 6000);
	ck_assert_uint_ge(list_times[1] - list_times[0], 1950);
	ck_assert_int_eq(rec.freshes, 1);
	informer_free(inf);
}
END_TEST

START_TEST(test_403_told_once)
{
	struct informer_opts o = { .path = "/api/v1/nodes" };
	struct informer *inf = informer_new(kube, &o, &cbs, NULL);
	struct error err;
	int never = 0;

	ck_assert_int_eq(informer_start(inf, &err), 0);
	WAIT(rec.errors == 1, 3000);
	ck_assert_int_eq(rec.err.code, ERR_FORBIDDEN);
	ck_assert_str_eq(rec.err.msg, "not allowed to list 'nodes'");
	/* retried (1 s, then 2 s) without telling again */
	ts_wait(loop, &never, 4000);
	ck_assert_int_ge(atomic_load(&server.requests), 3);
	ck_assert_int_eq(rec.errors, 1);
	ck_assert(!informer_synced(inf));
	ck_assert_int_gt(informer_stale_since(inf), 0);
	informer_free(inf);
}
END_TEST

START_TEST(test_error_event_rewatches)
{
	struct informer *inf;
	struct informer_stats st;

	add_step(STEP_HOLD,
		 "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"etcd went away\","
		 "\"reason\":\"InternalError\",\"code\":500}}\n", 0, NULL);
	inf = start();
	WAIT(rec.errors == 1, 5000);
	ck_assert_ptr_nonnull(strstr(rec.err.msg, "etcd went away"));
	/* a re-watch from the list version, not a relist */
	WAIT(log_count("WATCH rv=200") == 2, 5000);
	informer_stats(inf, &st);
	ck_assert_uint_eq(st.relists, 0);
	ck_assert_uint_eq(st.lists, 1);
	informer_free(inf);
}
END_TEST

START_TEST(test_hostile_stream)
{
	struct informer *inf;

	add_step_file(STEP_DROP, "hostile/kube/watch-stream-hostile.jsonl");
	inf = start();
	/* good lines are applied, bad ones skipped, and the 410 relists */
	WAIT(rec.syncs == 2, 5000);
	ck_assert_ptr_nonnull(strstr(rec.text.data, "+ok-1 "));
	ck_assert_ptr_nonnull(strstr(rec.text.data, "+big "));
	ck_assert_ptr_null(strstr(rec.text.data, "after-"));	/* after the 410 */
	/* the relist drops what the server no longer has */
	ck_assert_ptr_null(informer_get(inf, "user-alice", "ok-1"));
	ck_assert_uint_eq(informer_count(inf), 5);
	check_invariants(inf);
	informer_free(inf);
}
END_TEST

START_TEST(test_50mb_event)
{
	struct informer *inf;
	size_t big = 50u * 1024 * 1024;
	char *line = xmalloc(big + 512), *p;
	struct informer_stats st;
	const cJSON *obj;

	p = line + snprintf(line, 512, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"huge\",\"namespace\":"
				       "\"user-alice\",\"resourceVersion\":\"260\",\"annotations\":{\"a\":\"");
	memset(p, 'x', big);
	p += big;
	memcpy(p, "\"}}}}\n", 7);
	add_step(STEP_HOLD, line, 0, NULL);
	free(line);
	inf = start();
	WAIT(informer_get(inf, "user-alice", "huge") != NULL, 20000);
	obj = informer_get(inf, "user-alice", "huge");
	ck_assert_uint_eq(strlen(json_str(obj, "metadata.annotations.a", "")), big);
	informer_stats(inf, &st);
	ck_assert_uint_gt(st.bytes, big);
	ck_assert_uint_lt(st.bytes, big + 1024 * 1024);
	informer_free(inf);
}
END_TEST

START_TEST(test_free_with_everything_pending)
{
	struct informer *inf;
	int never = 0;

	add_step(STEP_DROP, "", 0, NULL);
	inf = start();
	WAIT(rec.errors == 1, 5000);	/* a backoff timer is pending */
	informer_free(inf);
	inf = start();
	WAIT(rec.syncs == 1, 5000);	/* a watch is open */
	informer_free(inf);
	inf = start();			/* a list is in flight */
	informer_free(inf);
	buf_release(&rec.text);
	memset(&rec, 0, sizeof(rec));
	buf_init(&rec.text, 0);
	ts_wait(loop, &never, 1500);
	ck_assert_int_eq(rec.adds + rec.syncs + rec.errors, 0);
}
END_TEST

START_TEST(test_label_moves)
{
	struct informer *inf;
	char *m = event_line("MODIFIED", "p0", 210, "moved");
	int n = 0;

	add_step(STEP_HOLD, m, 0, NULL);
	inf = start();
	WAIT(rec.updates == 1, 5000);
	informer_each_label(inf, "app", "moved", count_obj, &n);
	ck_assert_int_eq(n, 1);
	n = 0;
	informer_each_label(inf, "app", "even", count_obj, &n);
	ck_assert_int_eq(n, 2);	/* p2, p4: p0 left */
	n = 0;
	informer_each_label(inf, "tier", "x", count_obj, &n);
	ck_assert_int_eq(n, 5);
	n = 0;
	/* "app=moved" must not match key "app=moved" with an empty value */
	informer_each_label(inf, "app=moved", "", count_obj, &n);
	ck_assert_int_eq(n, 0);
	check_invariants(inf);
	informer_free(inf);
	free(m);
}
END_TEST

START_TEST(test_resource_paths)
{
	char p[128];

	ck_assert_int_eq(informer_resource_path("pods", "user-alice", p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/api/v1/namespaces/user-alice/pods");
	ck_assert_int_eq(informer_resource_path("pods", NULL, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/api/v1/pods");
	ck_assert_int_eq(informer_resource_path("nodes", "user-alice", p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/api/v1/nodes");
	ck_assert_int_eq(informer_resource_path("ingresses", "a", p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/apis/networking.k8s.io/v1/namespaces/a/ingresses");
	ck_assert_int_eq(informer_resource_path("statefulsets", "", p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/apis/apps/v1/statefulsets");
	ck_assert_int_eq(informer_resource_path("widgets", "a", p, sizeof(p)), -1);
}
END_TEST

static Suite *informer_suite(void)
{
	Suite *s = suite_create("informer");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_list_then_watch);
	tcase_add_test(tc, test_relist_on_410_event);
	tcase_add_test(tc, test_relist_on_410_status);
	tcase_add_test(tc, test_dropped_stream_rewatches_from_last_rv);
	tcase_add_test(tc, test_rewatch_after_drop_without_events_is_fresh);
	tcase_add_test(tc, test_429_retry_after);
	tcase_add_test(tc, test_403_told_once);
	tcase_add_test(tc, test_error_event_rewatches);
	tcase_add_test(tc, test_hostile_stream);
	tcase_add_test(tc, test_50mb_event);
	tcase_add_test(tc, test_free_with_everything_pending);
	tcase_add_test(tc, test_label_moves);
	tcase_add_test(tc, test_resource_paths);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(informer_suite)
