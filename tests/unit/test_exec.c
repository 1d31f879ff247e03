/*
 * test_exec.c: the channel.k8s.io codec (resize bytes as kubectl sends
 * them, Status rows to exit codes, hostile statuses), and exec sessions
 * against a fake API server thread: the pod GET first (default container,
 * completed pods, 404), then the WebSocket: output on both channels, the
 * exit code from channel 3, stdin echoed back until v5's close of stdin,
 * resize messages, the v4 fallback, a refused upgrade worded from its
 * Status, a dropped connection and an unreadable status.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/kube/exec.h"
#include "datalab/net/ws.h"
#include "testkube.h"
#include "testtcp.h"
#include "testutil.h"

/* ---- the codec ---- */

START_TEST(test_encode)
{
	struct buf b = BUF_INIT;

	exec_encode_resize(&b, 100, 30);
	ck_assert_uint_eq(b.len, 1 + strlen("{\"Width\":100,\"Height\":30}\n"));
	ck_assert_int_eq(b.data[0], 4);
	ck_assert_str_eq(b.data + 1, "{\"Width\":100,\"Height\":30}\n");
	buf_reset(&b);
	exec_encode(&b, EXEC_STDIN, "ls\n", 3);
	ck_assert_uint_eq(b.len, 4);
	ck_assert(memcmp(b.data, "\x00ls\n", 4) == 0);
	buf_reset(&b);
	exec_encode(&b, EXEC_CLOSE, "\x00", 1);
	ck_assert(memcmp(b.data, "\xff\x00", 2) == 0);
	ck_assert_int_eq(exec_encode(&b, 256, "", 0), -1);
	buf_release(&b);
}
END_TEST

static const struct {
	const char *json;
	int rc, code;
	const char *msg;
} statuses[] = {
	{ "{\"metadata\":{},\"status\":\"Success\"}", 0, 0, "" },
	{ "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit 3\","
	  "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}",
	  0, 3, "command terminated with non-zero exit code: exit 3" },
	{ "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"Other\",\"message\":\"9\"},"
	  "{\"reason\":\"ExitCode\",\"message\":\"255\"}]}}", 0, 255, "" },
	{ "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"300\"}]}}",
	  0, 1, "" },
	{ "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"x3\"}]}}",
	  0, 1, "" },
	{ "{\"status\":\"Failure\",\"reason\":\"InternalError\",\"message\":\"container \\\"c\\\" not found\"}", 0, 1,
	  "container \"c\" not found" },
	{ "{\"status\":\"Failure\",\"message\":\"evil \\u001b]52;c;eA==\\u0007 done\"}", 0, 1, "evil  done" },
	{ "{\"status\":\"Failure\",\"details\":{\"causes\":\"not a list\"},\"reason\":\"NonZeroExitCode\"}", 0, 1, "" },
	{ "{\"metadata\":{}}", -1, -1, "" },
	{ "not json", -1, -1, "" },
	{ "[1,2]", -1, -1, "" },
	{ "", -1, -1, "" },
};

START_TEST(test_status_rows)
{
	int code;
	char msg[256];

	ck_assert_int_eq(exec_status_parse(statuses[_i].json, strlen(statuses[_i].json), &code, msg, sizeof(msg)),
			 statuses[_i].rc);
	ck_assert_int_eq(code, statuses[_i].code);
	ck_assert_str_eq(msg, statuses[_i].msg);
}
END_TEST

START_TEST(test_path)
{
	const char *const argv[] = { "sh", "-c", "exit 3 && echo 'a b'", NULL };
	struct exec_opts o = { .ns = "user-alice", .pod = "p/../x", .container = "c 1", .command = argv,
			       .stdin_open = true };
	struct buf b = BUF_INIT;

	exec_path(&b, &o);
	ck_assert_str_eq(b.data, "/api/v1/namespaces/user-alice/pods/p%2F..%2Fx/exec?command=sh&command=-c&"
				 "command=exit%203%20%26%26%20echo%20%27a%20b%27&container=c%201&stdin=true&"
				 "stdout=true&stderr=true&tty=false");
	buf_reset(&b);
	o.tty = true;
	o.stdin_open = false;
	o.container = NULL;
	exec_path(&b, &o);
	ck_assert(str_has_suffix(b.data, "command=exit%203%20%26%26%20echo%20%27a%20b%27&stdout=true&tty=true"));
	buf_release(&b);
}
END_TEST

/* ---- a fake API server with exec ---- */

static struct testtcp srv = { .lfd = -1 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf requests;	/* request lines, one per line */
static struct buf resizes;	/* resize payloads seen */
static bool saw_stdin_close;
static char dir[64];
static struct loop *loop;
static struct http *http;
static struct kube *kube;

static void send_msg(int fd, unsigned ch, const char *p, size_t n)
{
	struct buf m = BUF_INIT, f = BUF_INIT;

	exec_encode(&m, ch, p, n);
	wsframe_encode(&f, WSFRAME_BINARY, true, m.data, m.len, NULL);
	testtcp_send_all(fd, f.data, f.len);
	buf_release(&m);
	buf_release(&f);
}

static void send_http(int fd, int status, const char *body)
{
	char *r = xasprintf("HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n%s", status, strlen(body), body);

	testtcp_send_all(fd, r, strlen(r));
	free(r);
}

struct session {
	int fd;
	bool cat;
	bool done;
};

static void on_client(unsigned op, const uint8_t *data, size_t n, void *arg)
{
	struct session *s = arg;

	if (op == WSFRAME_CLOSE) {
		s->done = true;
		return;
	}
	if (op != WSFRAME_BINARY || n == 0)
		return;
	if (data[0] == EXEC_RESIZE) {
		pthread_mutex_lock(&mu);
		buf_add(&resizes, data + 1, n - 1);
		pthread_mutex_unlock(&mu);
	} else if (data[0] == EXEC_STDIN && s->cat) {
		send_msg(s->fd, EXEC_STDOUT, (const char *)data + 1, n - 1);
	} else if (data[0] == EXEC_CLOSE && n == 2 && data[1] == EXEC_STDIN) {
		saw_stdin_close = true;
		if (s->cat) {
			send_msg(s->fd, EXEC_STATUS, "{\"metadata\":{},\"status\":\"Success\"}", 34);
		}
	}
}

static void run_session(int fd, const char *cmd)
{
	struct session s = { fd, false, false };
	struct wsframe_decoder d;
	struct error err;
	char tmp[65536];
	static const char exit3[] = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with "
				    "non-zero exit code: exit 3\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":"
				    "[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";

	if (strstr(cmd, "command=echo")) {
		send_msg(fd, EXEC_STDOUT, "hi\n", 3);
		send_msg(fd, EXEC_STDERR, "warn\n", 5);
		send_msg(fd, EXEC_STATUS, "{\"metadata\":{},\"status\":\"Success\"}", 34);
	} else if (strstr(cmd, "command=exit3")) {
		send_msg(fd, EXEC_STATUS, exit3, strlen(exit3));
	} else if (strstr(cmd, "command=garbage")) {
		send_msg(fd, EXEC_STATUS, "<html>", 6);
		testtcp_send_all(fd, "\x88\x02\x03\xe8", 4);	/* close 1000 */
	} else if (strstr(cmd, "command=drop")) {
		send_msg(fd, EXEC_STDOUT, "partial", 7);
		return;
	} else if (strstr(cmd, "command=cat")) {
		s.cat = true;
	}
	wsframe_decoder_init(&d, WSFRAME_ROLE_SERVER, 0, on_client, &s);
	while (!atomic_load(&srv.stop) && !s.done) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n <= 0 || wsframe_decoder_feed(&d, tmp, (size_t)n, &err) != 0)
			break;
	}
	if (s.done)
		testtcp_send_all(fd, "\x88\x02\x03\xe8", 4);
	wsframe_decoder_release(&d);
}

static const char pod_json[] =
	"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"annotations\":"
	"{\"kubectl.kubernetes.io/default-container\":\"side\"}},\"spec\":{\"containers\":[{\"name\":\"main\"},"
	"{\"name\":\"side\"}]},\"status\":{\"phase\":\"Running\"}}";

static void handle(int fd)
{
	struct buf req = BUF_INIT;
	char tmp[8192], line[4096] = "", key[64] = "";
	const char *k;

	while (!strstr(req.data, "\r\n\r\n")) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n <= 0)
			goto out;
		buf_add(&req, tmp, (size_t)n);
	}
	sscanf(req.data, "%4095[^\r]", line);
	pthread_mutex_lock(&mu);
	buf_addf(&requests, "%s\n", line);
	pthread_mutex_unlock(&mu);
	if (!strstr(req.data, "Authorization: Bearer good\r\n")) {
		send_http(fd, 401, "{\"kind\":\"Status\",\"code\":401,\"reason\":\"Unauthorized\"}");
		goto out;
	}
	if (str_has_prefix(line, "GET /api/v1/namespaces/ns/pods/p ")) {
		send_http(fd, 200, pod_json);
	} else if (str_has_prefix(line, "GET /api/v1/namespaces/ns/pods/done ")) {
		send_http(fd, 200, "{\"metadata\":{\"name\":\"done\"},\"status\":{\"phase\":\"Succeeded\"}}");
	} else if (str_has_prefix(line, "GET /api/v1/namespaces/ns/pods/p/exec?")) {
		char acc[29];
		const char *proto = strstr(line, "command=v4only") ? "v4.channel.k8s.io" : "v5.channel.k8s.io";
		char *reply;

		if (strstr(line, "command=forbidden")) {
			send_http(fd, 403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
					   "\"pods \\\"p\\\" is forbidden: User \\\"bob\\\" cannot create resource "
					   "\\\"pods/exec\\\" in API group \\\"\\\" in the namespace \\\"ns\\\"\","
					   "\"reason\":\"Forbidden\",\"code\":403}");
			goto out;
		}
		if ((k = strstr(req.data, "Sec-WebSocket-Key: ")))
			sscanf(k + 19, "%63[^\r]", key);
		wsframe_accept(key, acc);
		reply = xasprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n", acc, proto);
		testtcp_send_all(fd, reply, strlen(reply));
		free(reply);
		run_session(fd, line);
	} else {
		send_http(fd, 404, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"pods \\\"nope\\\" not found\","
				   "\"reason\":\"NotFound\",\"code\":404}");
	}
out:
	buf_release(&req);
	close(fd);
}

static void *server_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&srv.stop)) {
		int fd = accept(srv.lfd, NULL, NULL);

		if (fd < 0)
			break;
		handle(fd);
	}
	return NULL;
}

static void setup(void)
{
	buf_init(&requests, 0);
	buf_init(&resizes, 0);
	saw_stdin_close = false;
	testtcp_start(&srv, server_main, NULL);
	snprintf(dir, sizeof(dir), "/tmp/dl-exec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	testkube_open(testkube_config(dir, srv.port, "ns", "{token: good}"), &loop, &http, &kube);
}

static void teardown(void)
{
	testkube_close(loop, http, kube);
	testtcp_stop(&srv);
	buf_release(&requests);
	buf_release(&resizes);
	file_remove_tree(dir, NULL);
}

struct rec {
	int opened, exited;
	char protocol[32];
	struct buf out, err;
	int code;
	char msg[256];
	struct exec *x;
	bool free_on_output;
};

static void on_open(struct exec *x, const char *protocol, void *arg)
{
	struct rec *r = arg;

	(void)x;
	r->opened++;
	snprintf(r->protocol, sizeof(r->protocol), "%s", protocol);
}

static void on_output(struct exec *x, int ch, const char *p, size_t n, void *arg)
{
	struct rec *r = arg;

	buf_add(ch == EXEC_STDOUT ? &r->out : &r->err, p, n);
	if (r->free_on_output) {
		exec_free(x);
		r->x = NULL;
	}
}

static void on_exit_cb(struct exec *x, int code, const char *message, void *arg)
{
	struct rec *r = arg;

	(void)x;
	r->exited++;
	r->code = code;
	snprintf(r->msg, sizeof(r->msg), "%s", message);
}

static const struct exec_cbs cbs = { on_open, on_output, on_exit_cb };

#define WAIT(cond, ms) TESTUTIL_WAIT(loop, cond, ms)

static void start(struct rec *r, const char *pod, const char *const *argv, bool tty, const char *container)
{
	struct exec_opts o = { .ns = "ns", .pod = pod, .command = argv, .stdin_open = true, .tty = tty,
			       .width = tty ? 100 : 0, .height = tty ? 30 : 0, .container = container };
	struct error err;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
	r->x = exec_start(kube, &o, &cbs, r, &err);
	ck_assert_msg(r->x != NULL, "%s", err.msg);
}

static void finish(struct rec *r)
{
	exec_free(r->x);
	buf_release(&r->out);
	buf_release(&r->err);
}

START_TEST(test_output_and_success)
{
	const char *const argv[] = { "echo", "hi", NULL };
	struct rec r;

	start(&r, "p", argv, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out.data, "hi\n");
	ck_assert_str_eq(r.err.data, "warn\n");
	ck_assert_str_eq(r.protocol, "v5.channel.k8s.io");
	/* the pod first, then the exec in its default container */
	ck_assert_ptr_nonnull(strstr(requests.data, "GET /api/v1/namespaces/ns/pods/p HTTP/1.1\n"
						    "GET /api/v1/namespaces/ns/pods/p/exec?command=echo&command=hi&"
						    "container=side&stdin=true&stdout=true&stderr=true&tty=false HTTP/1.1\n"));
	finish(&r);
}
END_TEST

START_TEST(test_exit_code)
{
	const char *const argv[] = { "exit3", NULL };
	struct rec r;

	start(&r, "p", argv, false, "main");
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, 3);
	ck_assert_ptr_nonnull(strstr(r.msg, "non-zero exit code"));
	ck_assert_ptr_nonnull(strstr(requests.data, "&container=main&"));
	finish(&r);
}
END_TEST

START_TEST(test_stdin_resize_and_close)
{
	const char *const argv[] = { "cat", NULL };
	struct rec r;
	struct error err;

	start(&r, "p", argv, true, NULL);
	WAIT(r.opened == 1, 5000);
	ck_assert_int_eq(exec_write(r.x, "hello\n", 6, &err), 0);
	WAIT(strcmp(r.out.data, "hello\n") == 0, 5000);
	ck_assert_int_eq(exec_resize(r.x, 120, 40, &err), 0);
	ck_assert_int_eq(exec_resize(r.x, 120, 40, &err), 0);	/* unchanged: not sent again */
	ck_assert_int_eq(exec_close_stdin(r.x, &err), 0);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert(saw_stdin_close);
	/* the first size on open, then the change, in kubectl's bytes */
	ck_assert_str_eq(resizes.data, "{\"Width\":100,\"Height\":30}\n{\"Width\":120,\"Height\":40}\n");
	/* with a tty, stderr is not asked for */
	ck_assert_ptr_nonnull(strstr(requests.data, "&stdin=true&stdout=true&tty=true HTTP/1.1"));
	ck_assert_int_eq(exec_write(r.x, "late", 4, &err), -1);
	finish(&r);
}
END_TEST

START_TEST(test_stdin_1mib)
{
	const char *const argv[] = { "cat", NULL };
	struct rec r;
	struct error err;
	size_t big = 1024 * 1024;
	char *blob = xmalloc(big);

	for (size_t i = 0; i < big; i++)
		blob[i] = (char)(i * 31 + (i >> 9));
	start(&r, "p", argv, false, NULL);
	WAIT(r.opened == 1, 5000);
	ck_assert_int_eq(exec_write(r.x, blob, big, &err), 0);
	ck_assert_int_eq(exec_close_stdin(r.x, &err), 0);
	WAIT(r.exited == 1, 10000);
	ck_assert_int_eq(r.code, 0);
	ck_assert_uint_eq(r.out.len, big);
	ck_assert(memcmp(r.out.data, blob, big) == 0);
	ck_assert(saw_stdin_close);
	free(blob);
	finish(&r);
}
END_TEST

START_TEST(test_v4_fallback)
{
	const char *const argv[] = { "v4only", NULL };
	struct rec r;
	struct error err;

	start(&r, "p", argv, false, NULL);
	WAIT(r.opened == 1, 5000);
	ck_assert_str_eq(r.protocol, "v4.channel.k8s.io");
	ck_assert_str_eq(exec_protocol(r.x), "v4.channel.k8s.io");
	/* v4 cannot say EOF on stdin: nothing is sent */
	ck_assert_int_eq(exec_close_stdin(r.x, &err), 0);
	finish(&r);
}
END_TEST

START_TEST(test_refused_and_missing)
{
	const char *const forbidden[] = { "forbidden", NULL };
	const char *const argv[] = { "sh", NULL };
	struct rec r;

	start(&r, "p", forbidden, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.msg, "not allowed to create 'pods/exec' in 'ns'");
	finish(&r);

	start(&r, "nope", argv, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.msg, "pods \"nope\" not found");
	finish(&r);

	start(&r, "done", argv, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.msg, "cannot exec into a container in a completed pod; current phase is Succeeded");
	finish(&r);

	start(&r, "p", argv, false, "ghost\x1b[2J");
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.msg, "container 'ghost' is not in pod 'p'");
	finish(&r);
}
END_TEST

START_TEST(test_drop_and_garbage)
{
	const char *const drop[] = { "drop", NULL };
	const char *const garbage[] = { "garbage", NULL };
	struct rec r;

	start(&r, "p", drop, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.out.data, "partial");
	ck_assert_ptr_nonnull(strstr(r.msg, "dropped"));
	finish(&r);

	start(&r, "p", garbage, false, NULL);
	WAIT(r.exited == 1, 5000);
	ck_assert_int_eq(r.code, -1);
	ck_assert_ptr_nonnull(strstr(r.msg, "unreadable exit status"));
	finish(&r);
}
END_TEST

START_TEST(test_free_inside_output)
{
	const char *const argv[] = { "echo", NULL };
	struct rec r;
	int spins = 0;

	start(&r, "p", argv, false, NULL);
	r.free_on_output = true;
	WAIT(r.out.len > 0, 5000);
	ck_assert_ptr_null(r.x);
	while (spins++ < 30)
		loop_run_once(loop, 10);
	ck_assert_int_eq(r.exited, 0);
	ck_assert_str_eq(r.out.data, "hi\n");	/* nothing after the free */
	finish(&r);
}
END_TEST

START_TEST(test_bad_options)
{
	const char *const none[] = { NULL };
	struct exec_opts o = { .ns = "ns", .pod = "p", .command = none };
	struct error err;

	ck_assert_ptr_null(exec_start(kube, &o, &cbs, NULL, &err));
	ck_assert_str_eq(err.msg, "exec needs a command");
	o.pod = "";
	ck_assert_ptr_null(exec_start(kube, &o, &cbs, NULL, &err));
}
END_TEST

static Suite *exec_suite(void)
{
	Suite *s = suite_create("exec");
	TCase *codec = tcase_create("codec"), *tc = tcase_create("session");

	tcase_add_test(codec, test_encode);
	tcase_add_loop_test(codec, test_status_rows, 0, DL_ARRAY_LEN(statuses));
	tcase_add_test(codec, test_path);
	suite_add_tcase(s, codec);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_output_and_success);
	tcase_add_test(tc, test_exit_code);
	tcase_add_test(tc, test_stdin_resize_and_close);
	tcase_add_test(tc, test_stdin_1mib);
	tcase_add_test(tc, test_v4_fallback);
	tcase_add_test(tc, test_refused_and_missing);
	tcase_add_test(tc, test_drop_and_garbage);
	tcase_add_test(tc, test_free_inside_output);
	tcase_add_test(tc, test_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(exec_suite)
