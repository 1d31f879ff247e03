/* test_helm_runner.c: helm command lines, and the real helm run on the loop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/helm/runner.h"
#include "testutil.h"

static char home[64];

static void setup(void)
{
	testutil_home(home, sizeof(home), "runner");
	setenv("HELM_CONFIG_HOME", home, 1);
	setenv("HELM_CACHE_HOME", home, 1);
	setenv("HELM_DATA_HOME", home, 1);
	setenv("TMPDIR", home, 1);
	if (!getenv("DATALAB_HELM_REAL"))
		unsetenv("DATALAB_HELM");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
}

START_TEST(test_helm_path)
{
	char *p;

	setenv("DATALAB_HELM", "/opt/x/helm", 1);
	p = runner_helm_path();
	ck_assert_str_eq(p, "/opt/x/helm");
	free(p);
	unsetenv("DATALAB_HELM");
	p = runner_helm_path();
	/* build/tests/ (or build/asan/tests/) in a checkout with .tools */
	ck_assert_msg(str_has_suffix(p, "/.tools/bin/helm"), "%s", p);
	ck_assert_int_eq(access(p, X_OK), 0);
	free(p);
}
END_TEST

START_TEST(test_install_line)
{
	const struct helm_target t = { "/home/a/.kube/config", "sandbox", "user-alice" };
	const char *sets[] = { "service.image.version=inseefrlab/onyxia-jupyter-python:py3.12", NULL };
	struct runner_install in = {
		.release = "jupyter-python-123456", .chart = "jupyter-python",
		.repo_url = "https://inseefrlab.github.io/helm-charts-interactive-services",
		.version = "2.5.2", .values_yaml = "resources:\n  limits:\n    memory: 8Gi\n",
		.sets = sets, .timeout = "5m0s",
	};
	struct error err;
	struct runner_cmd *c = runner_cmd_install(RUNNER_UPGRADE_INSTALL, &t, &in, &err);
	const char *vp;
	char *want;
	struct stat st;
	struct buf b;
	char *dir;

	ck_assert_msg(c != NULL, "%s", err.msg);
	vp = runner_cmd_values_path(c);
	ck_assert_ptr_nonnull(vp);
	ck_assert(str_has_prefix(vp, home));
	want = xasprintf("helm upgrade --install --history-max 0 jupyter-python-123456 jupyter-python "
	    "--repo https://inseefrlab.github.io/helm-charts-interactive-services -n user-alice "
	    "--kubeconfig=/home/a/.kube/config --kube-context=sandbox --version 2.5.2 -f %s "
	    "--set service.image.version=inseefrlab/onyxia-jupyter-python:py3.12 --timeout 5m0s "
	    "--output json", vp);
	ck_assert_str_eq(runner_cmd_line(c), want);
	free(want);
	ck_assert_str_eq(runner_cmd_argv(c)[1], "upgrade");
	ck_assert(str_has_suffix(runner_cmd_argv(c)[0], "helm"));
	ck_assert_str_eq(runner_cmd_release_name(c), "jupyter-python-123456");
	/* the values file: private folder, 0600 file, exact bytes */
	ck_assert_int_eq(stat(vp, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	dir = xstrndup(vp, strlen(vp) - strlen("/values.yaml"));
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	buf_init(&b, 0);
	ck_assert_int_eq(file_read(vp, &b, &err), 0);
	ck_assert_str_eq(b.data, in.values_yaml);
	buf_release(&b);
	ck_assert(strstr(runner_cmd_script(c), "cat << 'EOF' > ./values.yaml\nresources:\n") != NULL);
	ck_assert(strstr(runner_cmd_script(c), "\nEOF\nhelm upgrade --install") != NULL);
	ck_assert(strstr(runner_cmd_script(c), " -f values.yaml ") != NULL);
	runner_cmd_free(c);
	ck_assert(!file_exists(dir));
	free(dir);
}
END_TEST

START_TEST(test_other_lines)
{
	const struct helm_target t = { NULL, NULL, "user-alice" };
	struct runner_install in = { .release = "db", .chart = "ide/postgresql", .version = "1.0.12" };
	struct error err;
	struct runner_cmd *c;
	static const struct {
		enum runner_kind kind;
		const char *line;
	} rows[] = {
		{ RUNNER_UNINSTALL, "helm uninstall db -n user-alice" },
		{ RUNNER_STATUS, "helm status db -n user-alice --output json" },
		{ RUNNER_GET_VALUES, "helm get values db -n user-alice --output json" },
		{ RUNNER_GET_NOTES, "helm get notes db -n user-alice" },
		{ RUNNER_GET_MANIFEST, "helm get manifest db -n user-alice" },
		{ RUNNER_HISTORY, "helm history db -n user-alice --output json" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		c = runner_cmd_release(rows[i].kind, &t, "db", &err);
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(runner_cmd_line(c), rows[i].line);
		ck_assert(str_has_prefix(runner_cmd_script(c), rows[i].line));
		ck_assert_str_eq(runner_cmd_script(c) + strlen(rows[i].line), "\n");
		runner_cmd_free(c);
	}
	c = runner_cmd_install(RUNNER_SUSPEND, &t, &in, &err);
	ck_assert_str_eq(runner_cmd_line(c), "helm upgrade --history-max 0 db ide/postgresql -n user-alice "
	    "--version 1.0.12 --reuse-values --set global.suspend=true --output json");
	ck_assert_ptr_null(runner_cmd_values_path(c));
	runner_cmd_free(c);
	c = runner_cmd_install(RUNNER_RESUME, &t, &in, &err);
	ck_assert(strstr(runner_cmd_line(c), "--reuse-values --set global.suspend=false") != NULL);
	runner_cmd_free(c);
	c = runner_cmd_list(&t, false, &err);
	ck_assert_str_eq(runner_cmd_line(c), "helm list --deployed --failed --pending --uninstalling -n user-alice --output json");
	runner_cmd_free(c);
	c = runner_cmd_list(&t, true, &err);
	ck_assert_str_eq(runner_cmd_line(c), "helm list --deployed --failed --pending --uninstalling -A --output json");
	runner_cmd_free(c);
	c = runner_cmd_rollback(&t, "db", 3, &err);
	ck_assert_str_eq(runner_cmd_line(c), "helm rollback db 3 -n user-alice");
	runner_cmd_free(c);
	c = runner_cmd_rollback(NULL, "db", 0, &err);
	ck_assert_str_eq(runner_cmd_line(c), "helm rollback db");
	runner_cmd_free(c);
	/* the heredoc delimiter avoids a values line "EOF"; quoting survives */
	in.values_yaml = "a: |\n  EOF\n  x\nb: \"it's $(x)\"";
	c = runner_cmd_install(RUNNER_INSTALL, &t, &in, &err);
	ck_assert(strstr(runner_cmd_script(c), "cat << 'EOF_0' > ./values.yaml\na: |\n  EOF\n  x\n"
	    "b: \"it's $(x)\"\nEOF_0\nhelm install db") != NULL);
	runner_cmd_free(c);
}
END_TEST

START_TEST(test_refused)
{
	const struct helm_target t = { NULL, NULL, "user-alice" };
	const struct helm_target bad_ns = { NULL, NULL, "User Alice" };
	const char *bad_sets[] = { "--post-renderer=x", NULL };
	const char *no_eq[] = { "novalue", NULL };
	struct runner_install in = { .release = "ok", .chart = "c" };
	struct error err;

	runner_cmd_free(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.release = "Bad_Name";
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
	in.release = "a-very-long-release-name-that-goes-past-fifty-three-chars";
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.release = "ok";
	in.chart = "--kubeconfig=/etc/x";
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.chart = "c";
	in.version = "-1";
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.version = NULL;
	in.sets = bad_sets;
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.sets = no_eq;
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.sets = NULL;
	in.repo_url = "file:///etc";
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &t, &in, &err));
	in.repo_url = NULL;
	ck_assert_ptr_null(runner_cmd_install(RUNNER_INSTALL, &bad_ns, &in, &err));
	ck_assert_ptr_null(runner_cmd_install(RUNNER_LIST, &t, &in, &err));
	ck_assert_ptr_null(runner_cmd_release(RUNNER_LIST, &t, "ok", &err));
	ck_assert_ptr_null(runner_cmd_release(RUNNER_STATUS, &t, "-A", &err));
	ck_assert_ptr_null(runner_cmd_rollback(&t, "ok", -1, &err));
}
END_TEST

struct run {
	struct buf lines[3];
	int nlines[3];
	bool done;
	int status;
	struct error err;
	char *release_name, *status_text;
	char *config;
	size_t nreleases;
	char *values_path;
	bool values_gone;
	bool free_in_done;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++)
		buf_init(&r->lines[i], 0);
}

static void run_release(struct run *r)
{
	for (int i = 0; i < 3; i++)
		buf_release(&r->lines[i]);
	free(r->release_name);
	free(r->status_text);
	free(r->config);
	free(r->values_path);
}

static void on_line(struct runner *rn, int stream, const char *line, size_t n, void *arg)
{
	struct run *r = arg;

	(void)rn;
	buf_add(&r->lines[stream], line, n);
	buf_addc(&r->lines[stream], '|');
	r->nlines[stream]++;
}

static void on_done(struct runner *rn, const struct runner_result *res, void *arg)
{
	struct run *r = arg;
	struct buf b;

	r->done = true;
	r->status = res->status;
	r->err = res->err;
	if (res->release.name)
		r->release_name = xstrdup(res->release.name);
	if (res->release.status)
		r->status_text = xstrdup(res->release.status);
	if (res->release.config) {
		buf_init(&b, 0);
		json_print(&b, res->release.config, false);
		r->config = buf_take(&b, NULL);
	}
	r->nreleases = res->nreleases;
	if (r->free_in_done)
		runner_free(rn);
}

static void drive(struct loop *l, struct run *r, int seconds)
{
	uint64_t end = time_mono_ms() + (uint64_t)seconds * 1000;

	while (!r->done && time_mono_ms() < end)
		loop_run_once(l, 200);
	ck_assert_msg(r->done, "helm did not finish in %d s", seconds);
}

/* The real helm, offline: install --dry-run=client renders the chart with
 * our values file and --set, and prints the Release JSON. */
START_TEST(test_run_install_dry_run)
{
	const struct helm_target t = { NULL, NULL, "user-alice" };
	const char *sets[] = { "global.suspend=false", NULL };
	struct runner_install in = {
		.release = "jupyter-python-42", .chart = TESTDATA "/charts/jupyter-python",
		.values_yaml = "service:\n  image:\n    version: x/y:z\n", .sets = sets, .dry_run = true,
	};
	struct loop *l = loop_new();
	struct error err;
	struct runner_cmd *c = runner_cmd_install(RUNNER_INSTALL, &t, &in, &err);
	struct runner *rn;
	struct run r;
	struct buf hist;
	char *hp, *line;

	ck_assert_ptr_nonnull(c);
	run_init(&r);
	r.values_path = xstrdup(runner_cmd_values_path(c));
	line = xstrdup(runner_cmd_line(c));
	rn = runner_start(l, c, &(struct runner_cbs){ on_line, on_done }, &r, &err);
	ck_assert_msg(rn != NULL, "%s", err.msg);
	ck_assert(runner_running(rn));
	ck_assert_ptr_eq(runner_get_cmd(rn), c);
	drive(l, &r, 60);
	ck_assert_msg(r.status == 0, "%d %s / %s", r.status, r.err.msg, r.lines[2].data);
	ck_assert_int_eq(r.err.code, ERR_NONE);
	ck_assert_str_eq(r.release_name, "jupyter-python-42");
	ck_assert_str_eq(r.status_text, "pending-install");
	ck_assert_str_eq(r.config, "{\"global\":{\"suspend\":false},\"service\":{\"image\":{\"version\":\"x/y:z\"}}}");
	ck_assert_int_gt(r.nlines[1], 0);
	ck_assert(!runner_running(rn));
	/* the values folder is gone once helm exited */
	ck_assert(!file_exists(r.values_path));
	runner_free(rn);
	/* the history file holds the timestamped line */
	hp = file_join(home, "state/history");
	buf_init(&hist, 0);
	ck_assert_int_eq(file_read(hp, &hist, &err), 0);
	ck_assert(strstr(hist.data, line) != NULL);
	ck_assert(hist.data[4] == '-' && strchr(hist.data, '\t') != NULL);
	buf_release(&hist);
	free(hp);
	free(line);
	run_release(&r);
	loop_free(l);
}
END_TEST

/* The real helm failing: no cluster there.  The error is helm's line. */
START_TEST(test_run_list_unreachable)
{
	char *kc = file_join(home, "kubeconfig");
	const char *text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
	    "    server: https://127.0.0.1:9\ncontexts:\n- name: x\n  context:\n    cluster: c\n"
	    "    user: u\ncurrent-context: x\nusers:\n- name: u\n  user:\n    token: t\n";
	struct helm_target t = { kc, "x", "default" };
	struct loop *l = loop_new();
	struct error err;
	struct runner_cmd *c;
	struct run r;

	ck_assert_int_eq(file_write_atomic(kc, text, strlen(text), 0600, &err), 0);
	c = runner_cmd_list(&t, false, &err);
	run_init(&r);
	r.free_in_done = true;
	ck_assert_ptr_nonnull(runner_start(l, c, &(struct runner_cbs){ on_line, on_done }, &r, &err));
	drive(l, &r, 60);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(r.err.code, ERR_CHILD);
	ck_assert_int_eq(r.err.status, 1);
	ck_assert_msg(strstr(r.err.msg, "127.0.0.1:9") != NULL, "%s", r.err.msg);
	ck_assert_int_gt(r.nlines[2], 0);
	run_release(&r);
	free(kc);
	loop_free(l);
}
END_TEST

static char *fake_helm(const char *body)
{
	char *p = file_join(home, "fake-helm");
	char *text = xasprintf("#!/bin/sh\n%s", body);
	struct error err;

	ck_assert_int_eq(file_write_atomic(p, text, strlen(text), 0700, &err), 0);
	free(text);
	return p;
}

/* Line cutting, a last line without newline, escape sequences in the
 * error line (sanitized), and a bad JSON answer. */
START_TEST(test_run_lines_and_errors)
{
	char *fake = fake_helm("printf 'one\\ntw'; printf 'o\\r\\nthree'; "
	    "printf 'warn\\nError: \\033[2Jbad \\033]52;c;eA==\\007thing\\n' >&2; exit 3\n");
	const struct helm_target t = { NULL, NULL, NULL };
	struct loop *l = loop_new();
	struct error err;
	struct runner *rn;
	struct run r;

	setenv("DATALAB_HELM", fake, 1);
	run_init(&r);
	rn = runner_start(l, runner_cmd_list(&t, true, &err), &(struct runner_cbs){ on_line, on_done },
	    &r, &err);
	ck_assert_ptr_nonnull(rn);
	drive(l, &r, 20);
	ck_assert_str_eq(r.lines[1].data, "one|two|three|");
	ck_assert_int_eq(r.nlines[2], 2);
	ck_assert_int_eq(r.status, 3);
	ck_assert_int_eq(r.err.code, ERR_CHILD);
	ck_assert_str_eq(r.err.msg, "bad thing");
	runner_free(rn);
	run_release(&r);

	/* exit 0 with no JSON: a parse error, not a crash */
	free(fake);
	fake = fake_helm("echo 'not json'\n");
	run_init(&r);
	rn = runner_start(l, runner_cmd_release(RUNNER_STATUS, &t, "x", &err),
	    &(struct runner_cbs){ on_line, on_done }, &r, &err);
	drive(l, &r, 20);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.err.code, ERR_PARSE);
	runner_free(rn);
	run_release(&r);
	free(fake);

	/* a binary that does not exist: exec fails in the child (127) */
	setenv("DATALAB_HELM", "/nonexistent/helm", 1);
	run_init(&r);
	rn = runner_start(l, runner_cmd_list(&t, true, &err), &(struct runner_cbs){ on_line, on_done },
	    &r, &err);
	ck_assert_ptr_nonnull(rn);
	drive(l, &r, 20);
	ck_assert_int_eq(r.status, 127);
	ck_assert_int_eq(r.err.code, ERR_CHILD);
	runner_free(rn);
	run_release(&r);
	loop_free(l);
}
END_TEST

/* Freeing a running command kills helm; on_done never runs. */
START_TEST(test_run_cancel)
{
	char *pidfile = file_join(home, "pid");
	char *body = xasprintf("echo $$ > %s; echo started; exec sleep 30\n", pidfile);
	char *fake = fake_helm(body);
	const struct helm_target t = { NULL, NULL, NULL };
	struct loop *l = loop_new();
	struct error err;
	struct runner *rn;
	struct run r;
	struct buf b;
	long pid;
	uint64_t end;

	setenv("DATALAB_HELM", fake, 1);
	run_init(&r);
	rn = runner_start(l, runner_cmd_list(&t, true, &err), &(struct runner_cbs){ on_line, on_done },
	    &r, &err);
	end = time_mono_ms() + 10000;
	while (r.nlines[1] == 0 && time_mono_ms() < end)
		loop_run_once(l, 100);
	ck_assert_str_eq(r.lines[1].data, "started|");
	buf_init(&b, 0);
	ck_assert_int_eq(file_read(pidfile, &b, &err), 0);
	pid = strtol(b.data, NULL, 10);
	ck_assert_int_gt(pid, 0);
	runner_free(rn);
	end = time_mono_ms() + 10000;
	while (kill((pid_t)pid, 0) == 0 && time_mono_ms() < end)
		loop_run_once(l, 100);
	ck_assert_int_ne(kill((pid_t)pid, 0), 0);
	ck_assert(!r.done);
	buf_release(&b);
	run_release(&r);
	free(body);
	free(fake);
	free(pidfile);
	loop_free(l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("helm_runner");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_helm_path);
	tcase_add_test(tc, test_install_line);
	tcase_add_test(tc, test_other_lines);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_run_install_dry_run);
	tcase_add_test(tc, test_run_list_unreachable);
	tcase_add_test(tc, test_run_lines_and_errors);
	tcase_add_test(tc, test_run_cancel);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
