/*
 * test_cli.c: kubectl's columns from the shared objects (pods with init
 * containers and GPUs, GPU nodes, old- and new-style events), pod status
 * rules row by row, the aligned printer with hostile names, and the
 * headless subcommands run in-process against a fake API server: their
 * output, -o json and wide, usage errors (2), server errors (1) worded
 * once on stderr.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datalab/cli/cli.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/kube/columns.h"
#include "testkube.h"
#include "testserver.h"
#include "testutil.h"

static int64_t at(const char *ts)
{
	time_t t;

	ck_assert_int_eq(time_parse_rfc3339(ts, &t), 0);
	return (int64_t)t;
}

static char *row_text(const struct columns_row *r)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < r->n; i++)
		buf_addf(&b, "%s%s", i ? "|" : "", r->cell[i]);
	return buf_take(&b, NULL);
}

START_TEST(test_shared_pods)
{
	cJSON *list = testutil_json("kube/derived/podlist.json");
	struct columns_row r = { 0 };
	char *t;
	int64_t now = at("2024-03-12T09:01:02Z");

	columns_pod(&r, json_get(list, "items.0"), now, true);
	t = row_text(&r);
	ck_assert(str_has_prefix(t, "nginx|1/1|Running|0|4y"));
	ck_assert(str_has_suffix(t, "|172.17.0.6|minikube|<none>|<none>"));
	free(t);
	columns_row_clear(&r);
	/* an init container still running: Init:0/1 */
	columns_pod(&r, json_get(list, "items.1"), now, false);
	t = row_text(&r);
	ck_assert(str_has_prefix(t, "nginx|1/1|Init:0/1|0|"));
	free(t);
	columns_row_clear(&r);
	columns_pod(&r, json_get(list, "items.2"), now, false);
	t = row_text(&r);
	ck_assert_str_eq(t, "jupyter-pytorch-gpu-0|1/1|Running|0|60m");
	free(t);
	columns_row_clear(&r);
	ck_assert_int_eq(columns_gpu_request(json_get(list, "items.2")), 1);
	ck_assert_int_eq(columns_gpu_request(json_get(list, "items.0")), 0);
	cJSON_Delete(list);
}
END_TEST

static const struct {
	const char *status;	/* the pod's status and spec, as JSON fields */
	const char *want;	/* READY|STATUS|RESTARTS */
} pod_rows[] = {
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\"}", "0/1|Pending|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}", "0/1|ContainerCreating|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"restartCount\":5,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":"
	  "{\"exitCode\":1,\"finishedAt\":\"2025-01-01T11:58:00Z\"}}}]}", "0/1|CrashLoopBackOff|5 (2m ago)" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":["
	  "{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},{\"name\":\"b\",\"ready\":false,\"state\":{\"running\":{}}}]}",
	  "1/2|Running|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}]}", "0/1|Completed|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"state\":{\"terminated\":{\"exitCode\":137,\"signal\":9}}}]}", "0/1|Signal:9|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"state\":{\"terminated\":{\"exitCode\":3}}}]}", "0/1|ExitCode:3|0" },
	{ "\"spec\":{\"initContainers\":[{\"name\":\"i\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
	  "\"initContainerStatuses\":[{\"name\":\"i\",\"restartCount\":2,\"state\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}}]}",
	  "0/1|Init:Error|2" },
	{ "\"spec\":{\"initContainers\":[{\"name\":\"i\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
	  "\"initContainerStatuses\":[{\"name\":\"i\",\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\"}}}]}",
	  "0/1|Init:ImagePullBackOff|0" },
	{ "\"spec\":{\"initContainers\":[{\"name\":\"s\",\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"a\"}]},"
	  "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\"}],"
	  "\"initContainerStatuses\":[{\"name\":\"s\",\"started\":true,\"ready\":true,\"state\":{\"running\":{}}}],"
	  "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}}]}", "2/2|Running|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\","
	  "\"status\":\"False\",\"reason\":\"SchedulingGated\"}]}", "0/1|SchedulingGated|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\",\"reason\":\"Evicted\"}", "0/1|Evicted|0" },
	{ "\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\","
	  "\"ready\":true,\"state\":{\"running\":{}}}]},\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2025-01-01T11:00:00Z\","
	  "\"deletionTimestamp\":\"2025-01-01T11:59:00Z\"}",
	  "1/1|Terminating|0" },
	/* hostile shapes: nulls where objects go */
	{ "\"spec\":{\"containers\":null},\"status\":{\"phase\":null,\"containerStatuses\":[null,{\"state\":null}]}", "0/0||0" },
};

START_TEST(test_pod_rows)
{
	/* the row's own metadata, if any, comes first and wins */
	char *json = xasprintf("{%s,\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2025-01-01T11:00:00Z\"}}",
			       pod_rows[_i].status);
	cJSON *pod = cJSON_Parse(json);
	struct columns_row r = { 0 };
	char *t, *want = xasprintf("p|%s|60m", pod_rows[_i].want);

	ck_assert_ptr_nonnull(pod);
	columns_pod(&r, pod, at("2025-01-01T12:00:00Z"), false);
	t = row_text(&r);
	ck_assert_str_eq(t, want);
	free(t);
	free(want);
	free(json);
	columns_row_clear(&r);
	cJSON_Delete(pod);
}
END_TEST

START_TEST(test_shared_nodes_and_events)
{
	cJSON *nodes = testutil_json("kube/derived/nodelist-gpu.json"), *events = testutil_json("kube/derived/eventlist.json");
	cJSON *bad = testutil_json("hostile/kube/nodelist-bad-quantities.json");
	struct columns_row r = { 0 };
	const cJSON *it;
	char *t;
	int64_t now = at("2024-03-12T09:01:02Z");

	columns_node(&r, json_get(nodes, "items.0"), 0, now, false);
	t = row_text(&r);
	ck_assert(str_has_prefix(t, "minikube|Ready|master|"));
	ck_assert(str_has_suffix(t, "|v1.15.2|-|-"));
	free(t);
	columns_row_clear(&r);
	columns_node(&r, json_get(nodes, "items.1"), 1, now, true);
	t = row_text(&r);
	ck_assert_msg(str_has_prefix(t, "gpu-node-1|Ready|<none>|23h|v1.30.4|1/4|NVIDIA-A100-SXM4-80GB|"), "%s", t);
	free(t);
	columns_row_clear(&r);
	columns_node(&r, json_get(nodes, "items.1"), -1, now, false);
	ck_assert_str_eq(r.cell[5], "?/4");
	columns_row_clear(&r);
	/* bad quantities and missing status: no crash, sane cells */
	cJSON_ArrayForEach(it, json_get(bad, "items")) {
		columns_node(&r, it, 0, now, true);
		ck_assert_int_eq(r.n, 12);
		columns_row_clear(&r);
	}
	/* old-style, new-style (eventTime, null timestamps) and counted events */
	columns_event(&r, json_get(events, "items.1"), now, true);
	t = row_text(&r);
	ck_assert_msg(str_has_prefix(t, "60m|Warning|FailedScheduling|pod/jupyter-pytorch-gpu-0||"
				       "default-scheduler, default-scheduler-control-plane|0/2 nodes"), "%s", t);
	ck_assert(str_has_suffix(t, "|60m|3|jupyter-pytorch-gpu-0.17bc2b3a1f0e9d8c"));
	free(t);
	columns_row_clear(&r);
	columns_event(&r, json_get(events, "items.2"), now, false);
	t = row_text(&r);
	ck_assert_msg(str_has_prefix(t, "51m|Warning|BackOff|pod/vscode-python-0|Back-off restarting"), "%s", t);
	free(t);
	columns_row_clear(&r);
	ck_assert_int_eq(columns_event_time(json_get(events, "items.2")), at("2024-03-12T08:09:41Z"));
	cJSON_Delete(nodes);
	cJSON_Delete(events);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(test_print_alignment)
{
	static const char *const header[] = { "NAME", "READY", "STATUS", NULL };
	struct columns_row rows[2] = { 0 };
	struct buf out = BUF_INIT;

	columns_add(&rows[0], "a");
	columns_add(&rows[0], "1/1");
	columns_add(&rows[0], "Running");
	columns_add(&rows[1], "longer-name-\xe6\x97\xa5\xe6\x9c\xac");	/* two wide characters */
	columns_add(&rows[1], "0/1");
	columns_add(&rows[1], NULL);
	columns_print(&out, header, rows, 2);
	ck_assert_str_eq(out.data, "NAME               READY   STATUS\n"
				   "a                  1/1     Running\n"
				   "longer-name-\xe6\x97\xa5\xe6\x9c\xac   0/1     <none>\n");
	buf_release(&out);
	columns_row_clear(&rows[0]);
	columns_row_clear(&rows[1]);
}
END_TEST

START_TEST(test_print_hostile)
{
	cJSON *list = testutil_json("hostile/json/podlist-terminal-escapes.json");
	struct columns_row *rows;
	const cJSON *it;
	size_t n = 0;
	struct buf out = BUF_INIT;
	const char *line;

	rows = xcalloc((size_t)cJSON_GetArraySize(json_get(list, "items")) + 1, sizeof(*rows));
	cJSON_ArrayForEach(it, json_get(list, "items"))
		columns_pod(&rows[n++], it, (int64_t)time(NULL), true);
	columns_print(&out, columns_pod_wide_header, rows, n);
	for (size_t i = 0; i < out.len; i++) {
		unsigned char ch = (unsigned char)out.data[i];

		ck_assert_msg(ch >= 0x20 || ch == '\n', "control byte 0x%02x at %zu", ch, i);
		ck_assert(ch != 0x7f);
		/* no C1 control as UTF-8 (U+0080..U+009F is C2 80..C2 9F) */
		if (ch == 0xc2 && i + 1 < out.len)
			ck_assert((unsigned char)out.data[i + 1] >= 0xa0);
	}
	/* the 100,000-character name is cut: no line is absurdly wide */
	for (line = out.data; *line;) {
		const char *nl = strchr(line, '\n');

		ck_assert_uint_lt(utf8_width(line, (size_t)(nl - line)), 10 * (COLUMNS_CELL_MAX + 3));
		line = nl + 1;
	}
	for (size_t i = 0; i < n; i++)
		columns_row_clear(&rows[i]);
	free(rows);
	buf_release(&out);
	cJSON_Delete(list);
}
END_TEST

/* ---- the subcommands, in-process ---- */

static struct ts server;
static char dir[64];
static char *kubeconfig_path;

static enum MHD_Result reply_file(struct MHD_Connection *c, unsigned status, const char *name)
{
	return ts_reply_testdata(c, status, "application/json", name);
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	const char *p = rq->path;

	(void)arg;
	if (strcmp(p, "/api/v1/namespaces/user-alice/pods") == 0 || strcmp(p, "/api/v1/pods") == 0)
		return reply_file(rq->conn, 200, "kube/derived/podlist.json");
	if (strcmp(p, "/api/v1/nodes") == 0)
		return reply_file(rq->conn, 200, "kube/derived/nodelist-gpu.json");
	if (strcmp(p, "/api/v1/namespaces/user-alice/events") == 0)
		return reply_file(rq->conn, 200, "kube/derived/eventlist.json");
	if (strcmp(p, "/api/v1/namespaces/forbidden/pods") == 0)
		return reply_file(rq->conn, 403, "kube/derived/status-403-forbidden.json");
	if (strcmp(p, "/api/v1/namespaces/empty/pods") == 0)
		return ts_reply_str(rq->conn, 200, "application/json", "{\"kind\":\"PodList\",\"metadata\":{},\"items\":[]}");
	if (strcmp(p, "/version") == 0)
		return ts_reply_str(rq->conn, 200, "application/json", "{\"major\":\"1\",\"minor\":\"34\",\"gitVersion\":\"v1.34.0\"}");
	return ts_reply_str(rq->conn, 404, "text/plain", "404 page not found\n");
}

static void setup(void)
{
	ck_assert_int_eq(ts_start(&server, handler, NULL), 0);
	snprintf(dir, sizeof(dir), "/tmp/dl-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	kubeconfig_path = testkube_write(dir, server.port, "user-alice", "{token: x}");
	setenv("DATALAB_LOG_FILE", "/dev/null", 1);
}

static void teardown(void)
{
	ts_stop(&server);
	file_remove_tree(dir, NULL);
	free(kubeconfig_path);
}

struct run {
	int rc;
	struct buf out, err;
};

/* run: datalab ARGS... --kubeconfig K, stdout and stderr captured */
static void run(struct run *r, const char *const *args)
{
	char *argv[32];
	int argc = 0, so = dup(1), se = dup(2);
	char *of = file_join(dir, "out"), *ef = file_join(dir, "err");
	int fo = open(of, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	argv[argc++] = (char *)"datalab";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc++] = (char *)"--kubeconfig";
	argv[argc++] = kubeconfig_path;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	dup2(fo, 1);
	dup2(fe, 2);
	r->rc = cli_run(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
	file_read(of, &r->out, NULL);
	file_read(ef, &r->err, NULL);
	free(of);
	free(ef);
}

static void run_release(struct run *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}

START_TEST(test_cmd_pods)
{
	struct run r;
	cJSON *j;

	run(&r, (const char *const[]){ "pods", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(str_has_prefix(r.out.data, "NAME                    READY   STATUS     RESTARTS   AGE\n"
						 "nginx                   1/1     Running    0          "), "%s", r.out.data);
	ck_assert_ptr_nonnull(strstr(r.out.data, "\nnginx                   1/1     Init:0/1   0          "));
	ck_assert_ptr_nonnull(strstr(r.out.data, "\njupyter-pytorch-gpu-0   1/1     Running    0          "));
	ck_assert_str_eq(r.err.data, "");
	run_release(&r);

	run(&r, (const char *const[]){ "pods", "-o", "wide", "-A", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(str_has_prefix(r.out.data, "NAMESPACE    NAME "), "%s", r.out.data);
	ck_assert_ptr_nonnull(strstr(r.out.data, "NOMINATED NODE   READINESS GATES\n"));
	ck_assert_ptr_nonnull(strstr(r.out.data, "\nuser-alice   jupyter-pytorch-gpu-0 "));
	run_release(&r);

	run(&r, (const char *const[]){ "pods", "-o", "json", NULL });
	ck_assert_int_eq(r.rc, 0);
	j = cJSON_Parse(r.out.data);
	ck_assert_str_eq(json_str(j, "kind", ""), "List");
	ck_assert_int_eq(cJSON_GetArraySize(json_get(j, "items")), 3);
	cJSON_Delete(j);
	run_release(&r);

	run(&r, (const char *const[]){ "pods", "-n", "empty", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.out.data, "");
	ck_assert_str_eq(r.err.data, "No resources found in empty namespace.\n");
	run_release(&r);
}
END_TEST

START_TEST(test_cmd_nodes_events)
{
	struct run r;

	run(&r, (const char *const[]){ "nodes", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert_msg(str_has_prefix(r.out.data, "NAME         STATUS   ROLES    AGE "), "%s", r.out.data);
	ck_assert_ptr_nonnull(strstr(r.out.data, "   VERSION   GPUS   GPU-MODEL\ngpu-node-1   Ready    <none>   "));
	/* the GPU pod on gpu-node-1 counts against its 4 GPUs */
	ck_assert_ptr_nonnull(strstr(r.out.data, "v1.30.4   1/4    NVIDIA-A100-SXM4-80GB\n"));
	ck_assert_ptr_nonnull(strstr(r.out.data, "v1.15.2   -      -\n"));
	run_release(&r);

	run(&r, (const char *const[]){ "events", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert(str_has_prefix(r.out.data, "LAST SEEN   TYPE      REASON             OBJECT"));
	/* oldest first */
	ck_assert(strstr(r.out.data, "Pulled") < strstr(r.out.data, "FailedScheduling"));
	ck_assert(strstr(r.out.data, "FailedScheduling") < strstr(r.out.data, "BackOff"));
	run_release(&r);
}
END_TEST

START_TEST(test_cmd_errors)
{
	struct run r;

	run(&r, (const char *const[]){ "pods", "-n", "forbidden", NULL });
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.out.data, "");
	ck_assert_msg(str_has_prefix(r.err.data, "error: ") && strchr(r.err.data, '\n') == r.err.data + r.err.len - 1,
		      "one line: '%s'", r.err.data);
	run_release(&r);

	run(&r, (const char *const[]){ "pods", "-o", "yaml", NULL });
	ck_assert_int_eq(r.rc, 2);
	ck_assert_ptr_nonnull(strstr(r.err.data, "unknown output format 'yaml'"));
	run_release(&r);

	run(&r, (const char *const[]){ "pods", "extra", NULL });
	ck_assert_int_eq(r.rc, 2);
	run_release(&r);

	run(&r, (const char *const[]){ "exec", "p", NULL });
	ck_assert_int_eq(r.rc, 2);
	ck_assert_ptr_nonnull(strstr(r.err.data, "put it after '--'"));
	run_release(&r);

	run(&r, (const char *const[]){ "exec", "--", "sh", NULL });
	ck_assert_int_eq(r.rc, 2);
	run_release(&r);

	run(&r, (const char *const[]){ "logs", NULL });
	ck_assert_int_eq(r.rc, 2);
	run_release(&r);

	run(&r, (const char *const[]){ "logs", "p", "--tail", "x", NULL });
	ck_assert_int_eq(r.rc, 2);
	run_release(&r);

	/* a pod that is not there: the server's words, exit 1 */
	run(&r, (const char *const[]){ "logs", "nope", NULL });
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err.data, "'nope' not found"));
	run_release(&r);

	run(&r, (const char *const[]){ "version", NULL });
	ck_assert_int_eq(r.rc, 0);
	ck_assert(str_has_prefix(r.out.data, "Client Version: datalab "));
	ck_assert_ptr_nonnull(strstr(r.out.data, "\nServer Version: v1.34.0\n"));
	run_release(&r);

	ck_assert(cli_is_command("pods"));
	ck_assert(!cli_is_command("catalog"));
	ck_assert(!cli_is_command(NULL));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *cols = tcase_create("columns"), *cmd = tcase_create("commands");

	tcase_add_test(cols, test_shared_pods);
	tcase_add_loop_test(cols, test_pod_rows, 0, DL_ARRAY_LEN(pod_rows));
	tcase_add_test(cols, test_shared_nodes_and_events);
	tcase_add_test(cols, test_print_alignment);
	tcase_add_test(cols, test_print_hostile);
	suite_add_tcase(s, cols);
	tcase_set_timeout(cmd, 30);
	tcase_add_checked_fixture(cmd, setup, teardown);
	tcase_add_test(cmd, test_cmd_pods);
	tcase_add_test(cmd, test_cmd_nodes_events);
	tcase_add_test(cmd, test_cmd_errors);
	suite_add_tcase(s, cmd);
	return s;
}

TEST_MAIN(cli_suite)
