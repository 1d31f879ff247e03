/*
 * test_sb_podexec.c: real processes behind exec: pipes and a pty, exit codes,
 * the channel messages (stdin, resize, close), stdin past a pipe's worth
 * (every byte written before the close, the queue bounded by the pause
 * and room signals), a signal sent as the child
 * starts, the Status JSON, 200
 * sessions dropped without a zombie or a descriptor left, and the pod
 * environment with secret and configmap references.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/podexec.h"
#include "testutil.h"

struct run {
	struct buf out, err;
	int status;
	bool done;
};

static void on_output(struct podexec_session *s, int ch, const void *p, size_t n, void *arg)
{
	struct run *r = arg;

	(void)s;
	buf_add(ch == PODEXEC_STDERR ? &r->err : &r->out, p, n);
}

static void on_exit_cb(struct podexec_session *s, int status, void *arg)
{
	struct run *r = arg;

	(void)s;
	r->status = status;
	r->done = true;
}

static const struct podexec_cbs cbs = { on_output, on_exit_cb, NULL };

/* pump: runs the loop until cond or 5 s */
static bool pump(struct loop *l, bool (*cond)(struct run *), struct run *r)
{
	uint64_t end = time_mono_ms() + 5000;

	while (!cond(r) && time_mono_ms() < end)
		loop_run_once(l, 50);
	return cond(r);
}

static bool is_done(struct run *r)
{
	return r->done;
}

static const char *needle;
static bool has_needle(struct run *r)
{
	return strstr(r->out.data, needle) != NULL;
}

static const char *const env[] = { "PATH=/usr/bin:/bin", "GREETING=hello", NULL };

START_TEST(test_pipes_and_exit_code)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "sh", "-c", "echo out $GREETING; echo err >&2; pwd; exit 3", NULL };
	struct podexec_config cfg = { argv, env, "/tmp/dl-exec-test/pod-a", false, false, true, true, 0, 0 };
	struct error err = { 0 };
	struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, &err);

	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert(pump(l, is_done, &r));
	ck_assert_int_eq(r.status, 3);
	ck_assert_str_eq(r.out.data, "out hello\n/tmp/dl-exec-test/pod-a\n");
	ck_assert_str_eq(r.err.data, "err\n");
	podexec_free(s);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

static void on_term(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	(*(int *)arg)++;
}

/* a child signalled as it starts (a pod deleted at once) dies of the
 * signal: the parent's handler (the loop's self-pipe) never runs in it */
START_TEST(test_early_signal)
{
	struct loop *l = loop_new();
	const char *argv[] = { "sleep", "5", NULL };
	int parent_saw = 0;

	loop_on_signal(l, SIGTERM, on_term, &parent_saw);
	for (int i = 0; i < 20; i++) {
		struct run r = { BUF_INIT, BUF_INIT, -1, false };
		struct podexec_config cfg = { argv, env, "/tmp/dl-exec-test/pod-a", i % 2 == 1, false, true, true,
					   0, 0 };
		struct error err = { 0 };
		struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, &err);

		ck_assert_msg(s != NULL, "%s", err.msg);
		kill(podexec_pid(s), SIGTERM);
		ck_assert(pump(l, is_done, &r));
		ck_assert_int_eq(r.status, 128 + SIGTERM);
		podexec_free(s);
		buf_release(&r.out);
		buf_release(&r.err);
	}
	loop_run_once(l, 0);
	ck_assert_int_eq(parent_saw, 0);
	loop_free(l);
}
END_TEST

START_TEST(test_stdin_and_close)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "cat", NULL };
	struct podexec_config cfg = { argv, env, NULL, false, true, true, true, 0, 0 };
	struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, NULL);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(podexec_message(s, "\x00hello ", 7, NULL), 0);
	ck_assert_int_eq(podexec_message(s, "\x00world", 6, NULL), 0);
	ck_assert_int_eq(podexec_message(s, "\xff\x00", 2, NULL), 0);	/* v5 close stdin */
	ck_assert(pump(l, is_done, &r));
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out.data, "hello world");
	podexec_free(s);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

START_TEST(test_tty_resize)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "sh", NULL };
	struct podexec_config cfg = { argv, env, NULL, true, true, true, false, 100, 30 };
	struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, NULL);
	static const char resize[] = "\x04{\"Width\":120,\"Height\":40}\n";

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(podexec_message(s, "\x00stty size; echo $((6*7))x\n", 27, NULL), 0);
	needle = "42x";
	ck_assert_msg(pump(l, has_needle, &r), "%s", r.out.data);
	ck_assert(strstr(r.out.data, "30 100") != NULL);
	ck_assert_int_eq(podexec_message(s, resize, sizeof(resize) - 1, NULL), 0);
	ck_assert_int_eq(podexec_message(s, "\x00stty size\n", 11, NULL), 0);
	needle = "40 120";
	ck_assert_msg(pump(l, has_needle, &r), "%s", r.out.data);
	ck_assert_int_eq(podexec_message(s, "\x00" "exit 5\n", 8, NULL), 0);
	ck_assert(pump(l, is_done, &r));
	ck_assert_int_eq(r.status, 5);
	podexec_free(s);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_drop_200)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	int before;
	pid_t pids[200];

	/* a first session so the loop's own descriptors exist before counting */
	{
		struct podexec_config cfg = { argv, env, NULL, true, true, true, false, 0, 0 };

		podexec_free(podexec_start(l, &cfg, &cbs, &r, NULL));
	}
	before = count_fds();
	for (int i = 0; i < 200; i++) {
		struct podexec_config cfg = { argv, env, NULL, i % 2 == 0, true, true, true, 0, 0 };
		struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, NULL);

		ck_assert_ptr_nonnull(s);
		pids[i] = podexec_pid(s);
		loop_run_once(l, 0);
		podexec_free(s);		/* the client dropped the connection */
	}
	ck_assert_int_eq(count_fds(), before);
	for (int i = 0; i < 200; i++)	/* reaped: no zombie left to wait for */
		ck_assert_int_eq(waitpid(pids[i], NULL, WNOHANG), -1);
	ck_assert(!r.done);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

/* 1 MiB then the close at once: the close waits for the queue (the bug
 * was stdin cut at 64 KiB, a pipe's worth) */
START_TEST(test_stdin_close_after_queue)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "sh", "-c", "cat | wc -c", NULL };
	struct podexec_config cfg = { argv, env, NULL, false, true, true, true, 0, 0 };
	struct podexec_session *s = podexec_start(l, &cfg, &cbs, &r, NULL);
	size_t n = 1u << 20;
	char *msg = calloc(1, n + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(podexec_message(s, msg, n + 1, NULL), 0);	/* channel 0 + 1 MiB of zeros */
	ck_assert_int_eq(podexec_message(s, "\xff\x00", 2, NULL), 0);
	ck_assert(pump(l, is_done, &r));
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(strtol(r.out.data, NULL, 10), (long)n);
	podexec_free(s);
	free(msg);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

static int rooms;
static void on_room(struct podexec_session *s, void *arg)
{
	(void)s;
	(void)arg;
	rooms++;
}

/* a child slower than its client: the queue says full past the high-water
 * mark, and room once the child took half; a caller that writes only
 * while not full delivers every byte */
START_TEST(test_stdin_backpressure)
{
	struct loop *l = loop_new();
	struct run r = { BUF_INIT, BUF_INIT, -1, false };
	const char *argv[] = { "sh", "-c", "sleep 0.3; cat | wc -c", NULL };
	struct podexec_config cfg = { argv, env, NULL, false, true, true, true, 0, 0 };
	const struct podexec_cbs room_cbs = { on_output, on_exit_cb, on_room };
	struct podexec_session *s = podexec_start(l, &cfg, &room_cbs, &r, NULL);
	char chunk[1 + 65536] = { 0 };
	size_t total = 6u << 20, sent = 0, at_full = 0;
	uint64_t end = time_mono_ms() + 10000;

	ck_assert_ptr_nonnull(s);
	rooms = 0;
	while (sent < total && time_mono_ms() < end) {
		if (podexec_stdin_full(s)) {
			if (!at_full)
				at_full = sent;
			loop_run_once(l, 50);
			continue;
		}
		ck_assert_int_eq(podexec_message(s, chunk, sizeof(chunk), NULL), 0);
		sent += sizeof(chunk) - 1;
	}
	ck_assert_uint_eq(sent, total);
	/* full once past 1 MiB plus the pipe's 64 KiB, not before */
	ck_assert_uint_ge(at_full, PODEXEC_STDIN_HIGH);
	ck_assert_uint_le(at_full, PODEXEC_STDIN_HIGH + (128u << 10));
	ck_assert_int_ge(rooms, 1);
	ck_assert_int_eq(podexec_message(s, "\xff\x00", 2, NULL), 0);
	ck_assert(pump(l, is_done, &r));
	ck_assert_int_eq(strtol(r.out.data, NULL, 10), (long)total);
	/* stdin closed: more is refused, not queued */
	ck_assert_int_ne(podexec_write(s, "x", 1), 0);
	podexec_free(s);
	buf_release(&r.out);
	buf_release(&r.err);
	loop_free(l);
}
END_TEST

START_TEST(test_status_json)
{
	struct buf b = BUF_INIT;

	podexec_status_json(&b, 0);
	ck_assert_str_eq(b.data, "{\"metadata\":{},\"status\":\"Success\"}");
	buf_reset(&b);
	podexec_status_json(&b, 3);
	ck_assert(strstr(b.data, "\"reason\":\"NonZeroExitCode\"") != NULL);
	ck_assert(strstr(b.data, "\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]") != NULL);
	{
		cJSON *st = cJSON_Parse(b.data);

		ck_assert_ptr_nonnull(st);
		cJSON_Delete(st);
	}
	buf_release(&b);
}
END_TEST

static const cJSON *lookup(const char *kind, const char *ns, const char *name, void *arg)
{
	const cJSON *objs = arg, *o;

	cJSON_ArrayForEach(o, objs)
		if (str_eq(json_str(o, "kind", ""), kind) && str_eq(json_str(o, "metadata.namespace", ""), ns) &&
		    str_eq(json_str(o, "metadata.name", ""), name))
			return o;
	return NULL;
}

static const char *getenv_list(char **list, const char *k)
{
	size_t n = strlen(k);

	for (char **p = list; *p; p++)
		if (strncmp(*p, k, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

START_TEST(test_pod_env)
{
	cJSON *objs = cJSON_Parse("[{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s3\",\"namespace\":\"ns\"},"
		"\"data\":{\"AWS_SECRET_ACCESS_KEY\":\"c2VjcmV0\",\"token\":\"dG9r\"}},"
		"{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\"},"
		"\"data\":{\"region\":\"us-east-1\",\"LANG\":\"fr\"}}]");
	cJSON *pod = cJSON_Parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"labels\":{\"app\":\"x\"}},"
		"\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":"
		"{\"cpu\":\"1500m\",\"memory\":\"1Gi\"}},"
		"\"envFrom\":[{\"configMapRef\":{\"name\":\"cm\"},\"prefix\":\"CM_\"}],"
		"\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"$(A)-$(NOPE)-$$(A)\"},"
		"{\"name\":\"KEY\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s3\",\"key\":\"AWS_SECRET_ACCESS_KEY\"}}},"
		"{\"name\":\"REGION\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cm\",\"key\":\"region\"}}},"
		"{\"name\":\"OPT\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"gone\",\"key\":\"k\",\"optional\":true}}},"
		"{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
		"{\"name\":\"APP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['app']\"}}},"
		"{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}},"
		"{\"name\":\"CPUS\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\"}}},"
		"{\"name\":\"MEM_MI\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.memory\","
		"\"divisor\":\"1Mi\"}}}]}]}}");
	struct error err = { 0 };
	char **e = podexec_pod_env(pod, NULL, true, lookup, objs, &err);

	ck_assert_msg(e != NULL, "%s", err.msg);
	ck_assert_str_eq(getenv_list(e, "B"), "1-$(NOPE)-$(A)");
	ck_assert_str_eq(getenv_list(e, "KEY"), "secret");
	ck_assert_str_eq(getenv_list(e, "REGION"), "us-east-1");
	ck_assert_str_eq(getenv_list(e, "CM_LANG"), "fr");
	ck_assert_ptr_null(getenv_list(e, "OPT"));
	ck_assert_str_eq(getenv_list(e, "POD"), "p");
	ck_assert_str_eq(getenv_list(e, "APP"), "x");
	ck_assert_str_eq(getenv_list(e, "NODE"), "n1");
	ck_assert_str_eq(getenv_list(e, "CPUS"), "2");
	ck_assert_str_eq(getenv_list(e, "MEM_MI"), "1024");
	ck_assert_str_eq(getenv_list(e, "HOSTNAME"), "p");
	ck_assert_str_eq(getenv_list(e, "TERM"), "xterm");
	str_free_list(e);
	/* a missing secret is the kubelet's CreateContainerConfigError text */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(objs, 0), "kind", cJSON_CreateString("Nope"));
	ck_assert_ptr_null(podexec_pod_env(pod, "c", false, lookup, objs, &err));
	ck_assert_str_eq(err.msg, "secret \"s3\" not found");
	ck_assert_ptr_null(podexec_pod_env(pod, "zz", false, lookup, objs, &err));
	ck_assert_str_eq(err.msg, "container zz is not valid for pod p");
	cJSON_Delete(pod);
	cJSON_Delete(objs);
}
END_TEST

static Suite *podexec_suite(void)
{
	Suite *s = suite_create("sb_exec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pipes_and_exit_code);
	tcase_add_test(tc, test_stdin_and_close);
	tcase_add_test(tc, test_stdin_close_after_queue);
	tcase_add_test(tc, test_stdin_backpressure);
	tcase_add_test(tc, test_early_signal);
	tcase_add_test(tc, test_tty_resize);
	tcase_add_test(tc, test_drop_200);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_pod_env);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(podexec_suite)
