/*
 * test_catalog_launch.c: a launch prepared from a real chart archive: the
 * form filled from a context, the release name, the command bar (and the
 * release record written after helm), launcher links out and back in,
 * saved launches, refusal of invalid values and of library charts, a
 * schema inferred from values.yaml, and the runner command that the real
 * helm accepts (a client dry run against the project's demo repository
 * served over HTTP).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/launch.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/helm/index.h"
#include "datalab/helm/runner.h"
#include "datalab/sandbox/chartrepo.h"
#include "testserver.h"
#include "testutil.h"

static char home[64];
static char *repo_dir;

static void setup(void)
{
	testutil_home(home, sizeof(home), "launch");
	repo_dir = file_join(home, "repo");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
	free(repo_dir);
}

static struct chart *load_chart(const char *charts_dir, const char *name, const char *version)
{
	struct error err;
	char *tgz = xasprintf("%s/%s-%s.tgz", repo_dir, name, version);
	struct buf b;
	struct chart *c;

	if (!file_exists(tgz))
		ck_assert_msg(chartrepo_build(charts_dir, repo_dir, "http://127.0.0.1:1/charts/", &err) == 0,
			      "%s", err.msg);
	buf_init(&b, 0);
	ck_assert_msg(file_read(tgz, &b, &err) == 0, "%s", err.msg);
	ck_assert_msg(chart_load(b.data, b.len, NULL, &c, &err) == 0, "%s", err.msg);
	buf_release(&b);
	free(tgz);
	return c;
}

static cJSON *context(int sub)
{
	static const char *const env[] = { "USER=alice", NULL };
	struct context_input in = { 0 };
	cJSON *region = cJSON_Parse("{\"services\":{\"expose\":{\"domain\":\"lab.example.test\"}}}");
	struct error err;
	cJSON *ctx;

	in.region = region;
	in.env = env;
	in.random_subdomain = sub;
	in.one_time_password = "onetime-pass";
	ctx = context_build(&in, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	cJSON_Delete(region);
	return ctx;
}

static struct launch *jupyter(const cJSON *ctx, const char *repo_url)
{
	struct chart *c = load_chart("catalogs/charts", "jupyter-demo", "0.1.0");
	struct launch_spec s = { 0 };
	struct launch *l;
	struct error err;

	s.catalog_id = "demo";
	s.repo_url = repo_url;
	s.chart = c;
	s.ctx = ctx;
	s.namespace = "user-alice";
	s.timeout = "10m";
	l = launch_new(&s, &err);
	ck_assert_msg(l != NULL, "%s", err.msg);
	chart_free(c);
	return l;
}

START_TEST(form_release_and_command)
{
	cJSON *ctx = context(4242);
	struct launch *l = jupyter(ctx, "http://127.0.0.1:8080/charts");
	struct buf b;
	struct error err;

	ck_assert_str_eq(launch_release(l), "jupyter-demo-4242");
	ck_assert_str_eq(launch_name(l), "jupyter-demo");
	ck_assert_str_eq(launch_version(l), "0.1.0");
	ck_assert(!launch_schema_inferred(l));
	ck_assert_ptr_nonnull(strstr(launch_readme(l), "jupyter-demo"));
	ck_assert_str_eq(form_find(launch_form(l), "ingress/hostname")->value->valuestring,
			 "user-alice-4242-0.lab.example.test");
	buf_init(&b, 0);
	ck_assert_int_eq(launch_command(l, &b), 0);
	ck_assert_msg(str_has_prefix(b.data, "helm repo add demo http://127.0.0.1:8080/charts\n"
				      "cat << EOF > ./values.yaml\n"), "%s", b.data);
	ck_assert_ptr_nonnull(strstr(b.data, "  password: onetime-pass\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "hostname: user-alice-4242-0.lab.example.test\n"));
	/* unchanged, but what marks the release pausable (Onyxia's API looks
	 * for it in the user values) */
	ck_assert_msg(strstr(b.data, "global:\n  suspend: false\n"), "%s", b.data);
	ck_assert_msg(strstr(b.data, "\nEOF\nhelm install jupyter-demo-4242 demo/jupyter-demo "
			     "--namespace user-alice --version 0.1.0 -f values.yaml\n#"), "%s", b.data);
	/* then the release record, as Onyxia's API writes it after helm */
	ck_assert_msg(str_has_suffix(b.data, "\nkubectl create secret generic sh.onyxia.release.v1.jupyter-demo-4242 "
				      "--type=onyxia.sh/release.v1 --from-literal=catalog=demo --from-literal=owner=alice "
				      "--from-literal=friendlyName=jupyter-demo --from-literal=share=false -n user-alice\n"),
		      "%s", b.data);
	buf_release(&b);
	{
		struct record r;

		ck_assert_str_eq(launch_owner(l), "alice");
		launch_set_name(l, "course 1");
		launch_record(l, &r);
		ck_assert_str_eq(r.release, "jupyter-demo-4242");
		ck_assert_str_eq(r.namespace, "user-alice");
		ck_assert_str_eq(r.catalog, "demo");
		ck_assert_str_eq(r.owner, "alice");
		ck_assert_str_eq(r.friendly_name, "course 1");
		ck_assert_int_eq(r.share, 0);
	}

	/* a repository with its own CA, or none checked: helm is told */
	{
		struct chart *c = load_chart("catalogs/charts", "gpu-demo", "0.1.0");
		struct launch_spec sp = { 0 };
		struct launch *l2;
		struct runner_cmd *cmd;

		sp.catalog_id = "demo";
		sp.repo_url = "https://127.0.0.1:6443/charts";
		sp.chart = c;
		sp.ctx = ctx;
		sp.ca_file = "/tmp/sandbox-ca.pem";
		sp.insecure_tls = true;
		l2 = launch_new(&sp, &err);
		ck_assert_msg(l2 != NULL, "%s", err.msg);
		cmd = launch_runner_cmd(l2, false, &err);
		ck_assert_msg(cmd != NULL, "%s", err.msg);
		ck_assert_ptr_nonnull(strstr(runner_cmd_line(cmd), "--repo https://127.0.0.1:6443/charts "
					     "--ca-file=/tmp/sandbox-ca.pem --insecure-skip-tls-verify"));
		runner_cmd_free(cmd);
		launch_free(l2);
		chart_free(c);
	}

	ck_assert_int_eq(launch_set_release(l, "Bad_Name", &err), -1);
	ck_assert_int_eq(launch_set_release(l, "my-notebook", &err), 0);
	ck_assert_str_eq(launch_release(l), "my-notebook");
	launch_free(l);
	cJSON_Delete(ctx);
}
END_TEST

/* Invalid values are refused with the schema's rule, before helm runs. */
START_TEST(invalid_values_refused)
{
	cJSON *ctx = context(1);
	struct launch *l = jupyter(ctx, "http://127.0.0.1:8080/charts");
	struct form *f = launch_form(l);
	struct form_field *pw = form_find(f, "security/password"), *bad;
	struct error err;

	ck_assert_int_eq(launch_check(l, NULL, &err), 0);
	ck_assert_int_eq(form_set(f, pw, "short", &err), 0);
	ck_assert_int_eq(launch_check(l, &bad, &err), -1);
	ck_assert_ptr_eq(bad, pw);
	ck_assert_msg(strstr(err.msg, "security/password") && strstr(err.msg, "pattern"), "%s", err.msg);
	ck_assert_ptr_null(launch_runner_cmd(l, true, &err));
	ck_assert_int_eq(form_set(f, form_find(f, "resources/requests/cpu"), "9000m", &err), 0);
	ck_assert_int_eq(form_set(f, pw, "longenough", &err), 0);
	ck_assert_int_eq(launch_check(l, &bad, &err), -1);
	ck_assert_msg(strstr(err.msg, "between"), "%s", err.msg);
	launch_free(l);
	cJSON_Delete(ctx);
}
END_TEST

/* A link carries the edited values only; opening it gives the same form. */
START_TEST(link_round_trip_and_saved)
{
	cJSON *ctx = context(7), *ctx2 = context(8);
	struct launch *l = jupyter(ctx, "http://x/charts"), *l2;
	struct form *f = launch_form(l);
	struct launcher_link link = { 0 };
	struct saved_list saved;
	const struct saved_launch *s;
	struct error err;
	struct buf b;
	cJSON *a, *c;

	ck_assert_int_eq(form_slider_step(f, form_find(f, "resources/limits/cpu"), 2, &err), 0);
	ck_assert_int_eq(form_toggle(f, form_find(f, "git/enabled"), &err), 0);
	ck_assert_int_eq(form_set(f, form_find(f, "service/image/version"), "my/image:1 «x»", &err), 0);
	launch_set_name(l, "course 1");
	buf_init(&b, 0);
	ck_assert_int_eq(launch_link(l, "https://datalab.example.test", true, &b), 0);
	ck_assert_msg(str_has_prefix(b.data, "https://datalab.example.test/launcher/demo/jupyter-demo?"), "%s", b.data);
	ck_assert_ptr_nonnull(strstr(b.data, "autoLaunch=true"));
	ck_assert_msg(strstr(b.data, "resources.limits.cpu=\xc2\xab" "2100m\xc2\xbb"), "%s", b.data);
	ck_assert_ptr_nonnull(strstr(b.data, "git.enabled=false"));
	/* context values (keys, passwords, hosts) never go into a link */
	ck_assert_ptr_null(strstr(b.data, "onetime"));
	ck_assert_ptr_null(strstr(b.data, "hostname"));

	ck_assert_msg(launcher_parse(b.data, &link, &err) == 0, "%s", err.msg);
	ck_assert(link.auto_launch);
	l2 = jupyter(ctx2, "http://x/charts");
	ck_assert_int_eq(launch_apply_link(l2, &link, &err), 0);
	ck_assert_str_eq(launch_name(l2), "course 1");
	a = form_values(f, FORM_VALUES_EDITED);
	c = form_values(launch_form(l2), FORM_VALUES_EDITED);
	ck_assert_msg(cJSON_Compare(a, c, true), "edited values differ after the link");
	cJSON_Delete(c);
	launcher_link_release(&link);

	/* "-" removes a value */
	ck_assert_int_eq(launcher_parse("/launcher/demo/jupyter-demo?git.branch=-", &link, &err), 0);
	ck_assert_int_eq(launch_apply_link(l2, &link, &err), 0);
	ck_assert_ptr_null(form_find(launch_form(l2), "git/branch")->value);
	launcher_link_release(&link);

	/* saved: the edited values, under the friendly name */
	saved_init(&saved);
	ck_assert_int_eq(launch_save(l, &saved, &err), 0);
	s = saved_find(&saved, "course 1");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->chart, "jupyter-demo");
	ck_assert_str_eq(s->version, "0.1.0");
	ck_assert(cJSON_Compare(s->values, a, true));
	saved_release(&saved);

	cJSON_Delete(a);
	buf_release(&b);
	launch_free(l);
	launch_free(l2);
	cJSON_Delete(ctx);
	cJSON_Delete(ctx2);
}
END_TEST

START_TEST(library_and_inferred)
{
	struct chart *lib = load_chart(TESTDATA "/charts", "library-chart", "2.1.7");
	struct launch_spec s = { 0 };
	struct error err;
	struct launch *l;
	char *dir = file_join(home, "plain"), *p;
	struct form *f;
	const char *cy = "apiVersion: v2\nname: plain\nversion: 1.0.0\n";
	const char *vy = "replicas: 2\nratio: 0.5\nname: web\non: true\nports: [80, 443]\n"
			 "env: {}\nextra: [{a: 1}]\nnested:\n  deep:\n    key: v\n";
	const char *tpl = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n"
			  "data: {name: {{ .Values.name | quote }}}\n";

	s.chart = lib;
	ck_assert_ptr_null(launch_new(&s, &err));
	ck_assert_msg(strstr(err.msg, "library chart"), "%s", err.msg);
	chart_free(lib);

	/* a chart without values.schema.json */
	p = file_join(dir, "templates");
	ck_assert_int_eq(file_mkdirs(p, 0700, &err), 0);
	free(p);
	p = file_join(dir, "Chart.yaml");
	file_write_atomic(p, cy, strlen(cy), 0644, &err);
	free(p);
	p = file_join(dir, "values.yaml");
	file_write_atomic(p, vy, strlen(vy), 0644, &err);
	free(p);
	p = file_join(dir, "templates/cm.yaml");
	file_write_atomic(p, tpl, strlen(tpl), 0644, &err);
	free(p);
	free(repo_dir);
	repo_dir = file_join(home, "repo2");
	lib = load_chart(home, "plain", "1.0.0");
	s.chart = lib;
	l = launch_new(&s, &err);
	ck_assert_msg(l != NULL, "%s", err.msg);
	ck_assert(launch_schema_inferred(l));
	f = launch_form(l);
	ck_assert_int_eq(form_find(f, "replicas")->type, FORM_INTEGER);
	ck_assert_int_eq(form_find(f, "ratio")->type, FORM_NUMBER);
	ck_assert_int_eq(form_find(f, "name")->type, FORM_STRING);
	ck_assert_int_eq(form_find(f, "on")->type, FORM_BOOLEAN);
	ck_assert_int_eq(form_find(f, "ports")->type, FORM_ARRAY);
	ck_assert_int_eq(form_find(f, "env")->type, FORM_JSON);
	ck_assert_int_eq(form_find(f, "extra")->type, FORM_JSON);
	ck_assert_int_eq(form_find(f, "nested/deep/key")->type, FORM_STRING);
	ck_assert_int_eq(form_validate(f, NULL, &err), 0);
	ck_assert_int_eq(form_set(f, form_find(f, "replicas"), "two", &err), -1);
	launch_free(l);
	chart_free(lib);
	free(dir);
}
END_TEST

/* ---- the real helm, over HTTP ---- */

static enum MHD_Result serve_repo(const struct ts_req *rq, void *arg)
{
	char *path;
	enum MHD_Result r;

	(void)arg;
	if (strncmp(rq->path, "/charts/", 8) != 0 || strstr(rq->path, ".."))
		return ts_reply_str(rq->conn, 404, "text/plain", "not found");
	path = file_join(repo_dir, rq->path + 8);
	r = ts_reply_file(rq->conn, path);
	free(path);
	return r;
}

struct ran {
	int done, status;
	struct error err;
	char *notes;
	int lines;
};

static void on_line(struct runner *r, int stream, const char *line, size_t n, void *arg)
{
	struct ran *x = arg;

	(void)r;
	(void)stream;
	(void)line;
	(void)n;
	x->lines++;
}

static void on_done(struct runner *r, const struct runner_result *res, void *arg)
{
	struct ran *x = arg;

	(void)r;
	x->done = 1;
	x->status = res->status;
	x->err = res->err;
	x->notes = res->release.notes ? xstrdup(res->release.notes) : NULL;
}

START_TEST(helm_dry_run_over_http)
{
	struct ts t;
	struct loop *loop = loop_new();
	cJSON *ctx = context(99);
	struct launch *l;
	struct runner_cmd *cmd;
	struct runner *r;
	struct runner_cbs cbs = { on_line, on_done };
	struct ran x = { 0 };
	struct error err;
	char *url, *base;
	struct form *f;

	ck_assert_int_eq(ts_start(&t, serve_repo, NULL), 0);
	base = ts_url(&t, "/charts/");
	ck_assert_int_eq(chartrepo_build("catalogs/charts", repo_dir, base, &err), 0);
	url = ts_url(&t, "/charts");
	l = jupyter(ctx, url);
	f = launch_form(l);
	ck_assert_int_eq(form_set(f, form_find(f, "security/password"), "classroom-42", &err), 0);
	cmd = launch_runner_cmd(l, true, &err);
	ck_assert_msg(cmd != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(runner_cmd_line(cmd), "--repo"));
	ck_assert_ptr_nonnull(strstr(runner_cmd_line(cmd), "--version 0.1.0"));
	ck_assert_ptr_nonnull(runner_cmd_values_path(cmd));
	r = runner_start(loop, cmd, &cbs, &x, &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert(ts_wait(loop, &x.done, 60000));
	ck_assert_msg(x.status == 0, "helm failed: %s", x.err.msg);
	ck_assert_ptr_nonnull(x.notes);
	ck_assert_msg(strstr(x.notes, "https://user-alice-99-0.lab.example.test"), "%s", x.notes);
	ck_assert_msg(strstr(x.notes, "Password: classroom-42"), "%s", x.notes);
	free(x.notes);
	runner_free(r);
	launch_free(l);
	cJSON_Delete(ctx);
	free(url);
	free(base);
	ts_stop(&t);
	loop_free(loop);
}
END_TEST

static Suite *launch_suite(void)
{
	Suite *s = suite_create("catalog_launch");
	TCase *tc = tcase_create("launch");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, form_release_and_command);
	tcase_add_test(tc, invalid_values_refused);
	tcase_add_test(tc, link_round_trip_and_saved);
	tcase_add_test(tc, library_and_inferred);
	tcase_add_test(tc, helm_dry_run_over_http);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(launch_suite)
