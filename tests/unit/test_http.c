/*
 * test_http.c: net/http against an in-process libmicrohttpd server:
 * collected and streamed bodies, error statuses, timeouts, cancellation
 * from inside callbacks, a server that drops mid-stream, request bodies
 * from memory and files, the body cap, and connection reuse.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/net/http.h"
#include "testserver.h"
#include "testutil.h"

/* ---- server side ---- */

struct stream_state {
	int lines, sent;
	int delay_ms;
	int fail_after;		/* end with an error after this many lines, 0 = never */
};

static ssize_t stream_cb(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_state *s = cls;
	int n;

	(void)pos;
	if (s->fail_after && s->sent >= s->fail_after)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->lines >= 0 && s->sent >= s->lines)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (s->delay_ms)
		usleep((useconds_t)s->delay_ms * 1000);
	n = snprintf(out, max, "{\"line\":%d}\n", s->sent++);
	return n;
}

static enum MHD_Result stream_reply(struct MHD_Connection *c, int lines, int delay_ms, int fail_after)
{
	struct stream_state *s = xcalloc(1, sizeof(*s));
	struct MHD_Response *r;
	enum MHD_Result ret;

	s->lines = lines;
	s->delay_ms = delay_ms;
	s->fail_after = fail_after;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, stream_cb, s, free);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	(void)arg;
	if (strcmp(rq->path, "/hello") == 0)
		return ts_reply_str(rq->conn, 200, "text/plain", "hello world");
	if (strcmp(rq->path, "/stream") == 0)
		return stream_reply(rq->conn, 100, 0, 0);
	if (strcmp(rq->path, "/slow-stream") == 0)
		return stream_reply(rq->conn, 5, 50, 0);
	if (strcmp(rq->path, "/endless") == 0)
		return stream_reply(rq->conn, -1, 10, 0);
	if (strcmp(rq->path, "/drop") == 0)
		return stream_reply(rq->conn, 100, 5, 3);
	if (strcmp(rq->path, "/slow") == 0) {
		usleep(1500 * 1000);
		return ts_reply_str(rq->conn, 200, "text/plain", "late");
	}
	if (strcmp(rq->path, "/gone") == 0)
		return ts_reply_str(rq->conn, 410, "application/json",
				    "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410}");
	if (strcmp(rq->path, "/big") == 0) {
		char *big = xmalloc(100000);
		enum MHD_Result ret;

		memset(big, 'b', 100000);
		ret = ts_reply(rq->conn, 200, "text/plain", big, 100000);
		free(big);
		return ret;
	}
	if (strcmp(rq->path, "/echo") == 0) {
		struct buf b = BUF_INIT;
		const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
		const char *x = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Test");
		enum MHD_Result ret;

		buf_addf(&b, "%s|%s|%s|", rq->method, ct ? ct : "-", x ? x : "-");
		buf_add(&b, rq->body, rq->body_len);
		ret = ts_reply(rq->conn, 200, "text/plain", b.data, b.len);
		buf_release(&b);
		return ret;
	}
	return ts_reply_str(rq->conn, 404, "application/json",
			    "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
}

/* ---- client side ---- */

struct result {
	int done;
	struct error err;
	long status;
	struct buf body;	/* collected, or streamed chunks concatenated */
	int chunks;
	char ctype[64];
	int cancel_after_chunks;	/* 0 = never */
	struct http_request *req;
};

static void on_data(struct http_request *r, const char *p, size_t n, void *arg)
{
	struct result *res = arg;

	ck_assert_int_eq(res->done, 0);
	buf_add(&res->body, p, n);
	res->chunks++;
	if (res->cancel_after_chunks && res->chunks >= res->cancel_after_chunks) {
		http_cancel(r);
		http_cancel(r);		/* twice is harmless */
		res->done = 2;
	}
}

static void on_done(struct http_request *r, const struct error *err, void *arg)
{
	struct result *res = arg;
	const char *ct = http_header(r, "content-type");

	ck_assert_int_eq(res->done, 0);
	res->done = 1;
	res->err = *err;
	res->status = http_status(r);
	if (!res->chunks)
		buf_add(&res->body, http_body(r)->data, http_body(r)->len);
	snprintf(res->ctype, sizeof(res->ctype), "%s", ct ? ct : "");
	/* cancelling inside on_done is a no-op */
	http_cancel(r);
}

static struct ts server;
static struct loop *loop;
static struct http *http;

static void setup(void)
{
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	loop = loop_new();
	http = http_new(loop);
}

static void teardown(void)
{
	http_free(http);
	loop_free(loop);
	ts_stop(&server);
}

static void get(const char *path, struct result *res, bool stream, long timeout_ms)
{
	char *url = ts_url(&server, path);
	struct http_request *r = http_request_new("GET", url);
	struct error err;

	memset(res, 0, sizeof(*res));
	buf_init(&res->body, 0);
	if (stream)
		http_request_stream(r, on_data, res);
	http_request_on_done(r, on_done, res);
	http_request_timeout(r, timeout_ms);
	res->req = r;
	ck_assert_int_eq(http_start(http, r, &err), 0);
	free(url);
}

START_TEST(test_get_collected)
{
	struct result res;

	get("/hello", &res, false, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body.data, "hello world");
	ck_assert_str_eq(res.ctype, "text/plain");
	ck_assert_uint_eq(http_active(http), 0);
	buf_release(&res.body);
}
END_TEST

START_TEST(test_stream_chunks)
{
	struct result res;
	struct buf want = BUF_INIT;

	for (int i = 0; i < 100; i++)
		buf_addf(&want, "{\"line\":%d}\n", i);
	get("/stream", &res, true, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert_int_eq(res.status, 200);
	ck_assert_int_ge(res.chunks, 1);
	ck_assert_str_eq(res.body.data, want.data);
	buf_release(&res.body);
	/* a slow stream arrives in several chunks, as they are sent */
	get("/slow-stream", &res, true, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_ge(res.chunks, 3);
	buf_release(&res.body);
	buf_release(&want);
}
END_TEST

START_TEST(test_stream_error_status_collects)
{
	struct result res;

	get("/gone", &res, true, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert_int_eq(res.status, 410);
	ck_assert_int_eq(res.chunks, 0);
	ck_assert_ptr_nonnull(strstr(res.body.data, "Expired"));
	buf_release(&res.body);
	get("/nothing-here", &res, false, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.status, 404);
	buf_release(&res.body);
}
END_TEST

START_TEST(test_timeout)
{
	struct result res;

	get("/slow", &res, false, 300);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(res.err.msg, "no answer from '127.0.0.1:"));
	buf_release(&res.body);
}
END_TEST

START_TEST(test_cancel_inside_stream)
{
	struct result res;
	int never = 0;

	get("/endless", &res, true, 0);
	res.cancel_after_chunks = 3;
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.done, 2);
	ck_assert_int_eq(res.chunks, 3);
	/* no callback after the cancel, and the request is gone */
	ts_wait(loop, &never, 200);
	ck_assert_int_eq(res.chunks, 3);
	ck_assert_uint_eq(http_active(http), 0);
	buf_release(&res.body);
}
END_TEST

START_TEST(test_cancel_outside)
{
	struct result res;
	int never = 0;

	get("/endless", &res, true, 0);
	while (res.chunks < 2)
		loop_run_once(loop, 100);
	http_cancel(res.req);
	ck_assert_uint_eq(http_active(http), 0);
	ts_wait(loop, &never, 100);
	ck_assert_int_eq(res.done, 0);
	buf_release(&res.body);
	/* cancelling a request still connecting */
	get("/slow", &res, false, 0);
	http_cancel(res.req);
	ts_wait(loop, &never, 100);
	ck_assert_int_eq(res.done, 0);
	buf_release(&res.body);
}
END_TEST

START_TEST(test_server_drops)
{
	struct result res;

	get("/drop", &res, true, 5000);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_NET);
	ck_assert_ptr_nonnull(strstr(res.err.msg, "dropped"));
	ck_assert_ptr_nonnull(strstr(res.body.data, "{\"line\":2}\n"));
	buf_release(&res.body);
}
END_TEST

START_TEST(test_refused)
{
	struct result res;
	struct http_request *r;
	struct error err;
	int port = server.port;
	char *url;

	ts_stop(&server);
	url = xasprintf("http://127.0.0.1:%d/hello", port);
	r = http_request_new("GET", url);
	memset(&res, 0, sizeof(res));
	http_request_on_done(r, on_done, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_NET);
	{
		char want[64];

		snprintf(want, sizeof(want), "connection refused to '127.0.0.1:%d'", port);
		ck_assert_str_eq(res.err.msg, want);
	}
	free(url);
	buf_release(&res.body);
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
}
END_TEST

START_TEST(test_bodies)
{
	struct result res;
	struct http_request *r;
	struct error err;
	char *url = ts_url(&server, "/echo");
	char path[] = "/tmp/dl-http-body-XXXXXX";
	int fd = mkstemp(path);
	struct buf big = BUF_INIT;

	memset(&res, 0, sizeof(res));
	r = http_request_new("POST", url);
	http_request_header(r, "Content-Type: %s", "application/json");
	http_request_header(r, "X-Test: %d", 42);
	http_request_body(r, "{\"a\":1}", 7);
	http_request_on_done(r, on_done, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_str_eq(res.body.data, "POST|application/json|42|{\"a\":1}");
	buf_release(&res.body);

	/* a 3 MB file body, streamed */
	for (int i = 0; i < 300000; i++)
		buf_adds(&big, "0123456789");
	ck_assert(write(fd, big.data, big.len) == (ssize_t)big.len);
	close(fd);
	memset(&res, 0, sizeof(res));
	r = http_request_new("PATCH", url);
	http_request_header(r, "Content-Type: application/merge-patch+json");
	ck_assert_int_eq(http_request_body_file(r, path, &err), 0);
	http_request_on_done(r, on_done, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	ck_assert(ts_wait(loop, &res.done, 10000));
	ck_assert_int_eq(res.status, 200);
	ck_assert_uint_eq(res.body.len, strlen("PATCH|application/merge-patch+json|-|") + big.len);
	ck_assert(memcmp(res.body.data + res.body.len - big.len, big.data, big.len) == 0);
	buf_release(&res.body);
	unlink(path);
	ck_assert_int_eq(http_request_body_file(r = http_request_new("PUT", url), "/nonexistent/x", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'/nonexistent/x'"));
	http_request_free(r);
	buf_release(&big);
	free(url);
}
END_TEST

START_TEST(test_body_cap)
{
	struct result res;
	struct http_request *r;
	struct error err;
	char *url = ts_url(&server, "/big");

	memset(&res, 0, sizeof(res));
	r = http_request_new("GET", url);
	http_request_max_body(r, 1000);
	http_request_on_done(r, on_done, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	ck_assert(ts_wait(loop, &res.done, 5000));
	ck_assert_int_eq(res.err.code, ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(res.err.msg, "over 1000 bytes"));
	buf_release(&res.body);
	free(url);
}
END_TEST

START_TEST(test_concurrent_and_reuse)
{
	enum { N = 30 };
	static struct result res[N];
	int all = 0;

	for (int i = 0; i < N; i++)
		get(i % 2 ? "/hello" : "/stream", &res[i], i % 3 == 0, 5000);
	for (uint64_t end = time_mono_ms() + 10000; !all && time_mono_ms() < end;) {
		loop_run_once(loop, 50);
		all = 1;
		for (int i = 0; i < N; i++)
			all &= res[i].done == 1;
	}
	ck_assert(all);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(res[i].status, 200);
		buf_release(&res[i].body);
	}
	/* sequential requests reuse one connection */
	{
		int before = atomic_load(&server.connections);

		for (int i = 0; i < 10; i++) {
			get("/hello", &res[0], false, 5000);
			ck_assert(ts_wait(loop, &res[0].done, 5000));
			buf_release(&res[0].body);
		}
		ck_assert_int_le(atomic_load(&server.connections) - before, 1);
	}
}
END_TEST

START_TEST(test_free_with_requests_in_flight)
{
	struct result a, b;

	get("/endless", &a, true, 0);
	get("/slow", &b, false, 0);
	loop_run_once(loop, 50);
	/* teardown frees the multi with both in flight: no callbacks, no leaks */
	http_free(http);
	http = http_new(loop);
	ck_assert_int_eq(a.done + b.done, 0);
	buf_release(&a.body);
	buf_release(&b.body);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_collected);
	tcase_add_test(tc, test_stream_chunks);
	tcase_add_test(tc, test_stream_error_status_collects);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_cancel_inside_stream);
	tcase_add_test(tc, test_cancel_outside);
	tcase_add_test(tc, test_server_drops);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_concurrent_and_reuse);
	tcase_add_test(tc, test_free_with_requests_in_flight);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(http_suite)
