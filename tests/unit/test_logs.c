/*
 * test_logs.c: kube/logs against a fake API server: a followed log whose
 * stream is cut in the middle of a line is asked again from the last
 * line's second and goes on with no line twice and none lost (lines that
 * share a timestamp included); the timestamps the resume needs are taken
 * off unless asked for; a clean end while the container runs is a drop
 * too, and the log ends when the container has ended; without resume the
 * bytes pass as they came.
 */
#include <stdio.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/kube/client.h"
#include "datalab/kube/logs.h"
#include "testkube.h"
#include "testserver.h"
#include "testutil.h"

static char dir[64];
static struct ts server;
static struct loop *loop;
static struct http *http;
static struct kube *kube;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int log_requests;
static char since[2][64];	/* the sinceTime of each log request */
static char ts_asked[2][8];	/* its timestamps= */
static bool ended_container;	/* the pod says the container ended */

/* The first stream: five whole lines (two share a second, two share a
 * timestamp to the nanosecond), then half a line, then the connection
 * is cut.  The second: what a server sends from 00:00:02: the repeats,
 * the rest, and a clean end. */
static const char first[] =
	"2025-01-01T00:00:01.5Z a\n"
	"2025-01-01T00:00:02Z b\n"
	"2025-01-01T00:00:02Z c\n"
	"2025-01-01T00:00:02.25Z d\n"
	"2025-01-01T00:00:02.25Z e\n"
	"2025-01-01T00:00:02.25Z f-is-cu";
static const char second[] =
	"2025-01-01T00:00:02Z b\n"
	"2025-01-01T00:00:02Z c\n"
	"2025-01-01T00:00:02.25Z d\n"
	"2025-01-01T00:00:02.25Z e\n"
	"2025-01-01T00:00:02.25Z f-is-cut-no-more\n"
	"2025-01-01T00:00:02.25Z g\n"
	"2025-01-01T00:00:03.000000001Z h\n";

struct feed {
	const char *text;
	size_t len;
	bool cut;	/* end with an error: no final chunk, the connection goes */
};

static ssize_t feed_read(void *cls, uint64_t pos, char *b, size_t max)
{
	struct feed *f = cls;
	size_t n;

	if (pos >= f->len)
		return f->cut ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	n = DL_MIN(max, f->len - (size_t)pos);
	memcpy(b, f->text + pos, n);
	return (ssize_t)n;
}

static enum MHD_Result stream(struct MHD_Connection *c, const char *text, bool cut)
{
	struct feed *f = xcalloc(1, sizeof(*f));
	struct MHD_Response *r;
	enum MHD_Result ret;

	f->text = text;
	f->len = strlen(text);
	f->cut = cut;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, feed_read, f, free);
	MHD_add_response_header(r, "Content-Type", "text/plain");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	const char *st, *tsq;
	int n;

	(void)arg;
	if (strcmp(rq->path, "/api/v1/namespaces/ns/pods/p") == 0) {
		bool done;

		pthread_mutex_lock(&mu);
		done = ended_container;
		pthread_mutex_unlock(&mu);
		return ts_reply_str(rq->conn, 200, "application/json",
				    done ? "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"main\"}]},"
					   "\"status\":{\"containerStatuses\":[{\"name\":\"main\",\"state\":"
					   "{\"terminated\":{\"exitCode\":0}}}]}}"
					 : "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"main\"}]},"
					   "\"status\":{\"containerStatuses\":[{\"name\":\"main\",\"state\":"
					   "{\"running\":{}}}]}}");
	}
	if (strcmp(rq->path, "/api/v1/namespaces/ns/pods/p/log") != 0)
		return ts_reply_str(rq->conn, 404, "text/plain", "404 page not found\n");
	st = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "sinceTime");
	tsq = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "timestamps");
	pthread_mutex_lock(&mu);
	n = log_requests++;
	if (n < 2) {
		snprintf(since[n], sizeof(since[n]), "%s", st ? st : "");
		snprintf(ts_asked[n], sizeof(ts_asked[n]), "%s", tsq ? tsq : "");
	}
	if (n >= 1)
		ended_container = true;	/* after the second stream, the container is done */
	pthread_mutex_unlock(&mu);
	return stream(rq->conn, n == 0 ? first : second, n == 0);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dl-logs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_requests = 0;
	ended_container = false;
	memset(since, 0, sizeof(since));
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	testkube_open(testkube_config(dir, server.port, "ns", "{token: t}"), &loop, &http, &kube);
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	ts_stop(&server);
	file_remove_tree(dir, NULL);
}

struct got {
	struct buf out;
	int done, retries;
	struct error err, retry_err;
};

static void on_data(struct logs *l, const char *p, size_t n, void *arg)
{
	struct got *g = arg;

	(void)l;
	buf_add(&g->out, p, n);
}

static void on_end(struct logs *l, const struct error *err, void *arg)
{
	struct got *g = arg;

	(void)l;
	g->err = *err;
	g->done = 1;
}

static void on_retry(struct logs *l, const struct error *err, long delay_ms, void *arg)
{
	struct got *g = arg;

	(void)l;
	ck_assert_int_eq(delay_ms, 500);	/* the first back-off */
	g->retry_err = *err;
	g->retries++;
}

static void follow(struct logs_opts *o, struct got *g)
{
	const struct logs_cbs cbs = { on_data, on_end, on_retry };
	struct logs *l;
	struct error err;

	buf_init(&g->out, 0);
	o->ns = "ns";
	o->pod = "p";
	o->tail_lines = -1;
	l = logs_start(kube, o, &cbs, g, &err);
	ck_assert_msg(l != NULL, "%s", err.msg);
	ck_assert(ts_wait(loop, &g->done, 10000));
	logs_free(l);
}

START_TEST(resume_after_a_cut_mid_line)
{
	struct logs_opts o = { .follow = true, .resume = true };
	struct got g = { .done = 0 };

	follow(&o, &g);
	ck_assert_msg(g.err.code == ERR_NONE, "%s", g.err.msg);
	/* every line once, in order, the timestamps taken off */
	ck_assert_str_eq(g.out.data, "a\nb\nc\nd\ne\nf-is-cut-no-more\ng\nh\n");
	ck_assert_int_eq(g.retries, 1);
	/* asked again from the second of the last line given out */
	ck_assert_int_eq(log_requests, 2);
	ck_assert_str_eq(since[0], "");
	ck_assert_str_eq(since[1], "2025-01-01T00:00:02Z");
	ck_assert_str_eq(ts_asked[0], "true");
	buf_release(&g.out);
}
END_TEST

START_TEST(resume_keeps_timestamps_asked_for)
{
	struct logs_opts o = { .follow = true, .resume = true, .timestamps = true };
	struct got g = { .done = 0 };

	follow(&o, &g);
	ck_assert_msg(g.err.code == ERR_NONE, "%s", g.err.msg);
	ck_assert_str_eq(g.out.data,
			 "2025-01-01T00:00:01.5Z a\n"
			 "2025-01-01T00:00:02Z b\n"
			 "2025-01-01T00:00:02Z c\n"
			 "2025-01-01T00:00:02.25Z d\n"
			 "2025-01-01T00:00:02.25Z e\n"
			 "2025-01-01T00:00:02.25Z f-is-cut-no-more\n"
			 "2025-01-01T00:00:02.25Z g\n"
			 "2025-01-01T00:00:03.000000001Z h\n");
	buf_release(&g.out);
}
END_TEST

/* Without resume the cut ends the log, with the bytes as they came. */
START_TEST(no_resume_ends_at_the_cut)
{
	struct logs_opts o = { .follow = true };
	struct got g = { .done = 0 };

	follow(&o, &g);
	ck_assert_int_ne(g.err.code, ERR_NONE);
	ck_assert_str_eq(g.out.data, first);
	ck_assert_int_eq(g.retries, 0);
	ck_assert_int_eq(log_requests, 1);
	ck_assert_str_eq(ts_asked[0], "");
	buf_release(&g.out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("logs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, resume_after_a_cut_mid_line);
	tcase_add_test(tc, resume_keeps_timestamps_asked_for);
	tcase_add_test(tc, no_resume_ends_at_the_cut);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
