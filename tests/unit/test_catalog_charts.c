/*
 * test_catalog_charts.c: the project's own demo charts (catalogs/charts/):
 * the real helm lints and renders each one, with its defaults and with
 * the values a launch form produces from a user context; the sandbox's
 * chart repository packages all of them; none is a library chart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/form.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/yaml.h"
#include "datalab/helm/chart.h"
#include "datalab/helm/index.h"
#include "datalab/sandbox/chartrepo.h"
#include "testutil.h"

#define CHARTS "catalogs/charts"

static const char *const demo[] = { "jupyter-demo", "postgres-demo", "gpu-demo", "job-demo" };
static char tmp[64];

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/dl-charts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
	file_remove_tree(tmp, NULL);
}

static const char *helm_bin(void)
{
	return getenv("DATALAB_HELM") ? getenv("DATALAB_HELM") : ".tools/bin/helm";
}

/* Runs cmd; its output (both streams) into out; returns the exit status. */
static int run(const char *cmd, struct buf *out)
{
	char *full = xasprintf("%s 2>&1", cmd);
	int rc = testutil_capture(full, out);

	free(full);
	ck_assert_int_ne(rc, -1);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static cJSON *context(void)
{
	static const char *const env[] = { "USER=alice", NULL };
	struct context_input in = { 0 };
	cJSON *account = cJSON_Parse(
		"{\"s3\":{\"URL\":\"http://127.0.0.1:9000\",\"AWS_ACCESS_KEY_ID\":\"AKIAALICE\","
		"\"AWS_SECRET_ACCESS_KEY\":\"s3cr3t\"},\"git\":{\"name\":\"Alice\",\"email\":\"alice@example.test\"}}");
	cJSON *region = cJSON_Parse("{\"services\":{\"expose\":{\"domain\":\"lab.example.test\"},"
				    "\"defaultConfiguration\":{\"nodeSelector\":{\"nvidia.com/gpu.present\":\"true\"},"
				    "\"sliders\":{\"gpu\":{\"sliderMin\":1,\"sliderMax\":2,\"sliderStep\":1}}}}}");
	struct error err;
	cJSON *ctx;

	in.account = account;
	in.region = region;
	in.env = env;
	in.random_subdomain = 4242;
	in.one_time_password = "otp4242abcd";
	ctx = context_build(&in, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	cJSON_Delete(account);
	cJSON_Delete(region);
	return ctx;
}

START_TEST(lint_and_template_defaults)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(demo); i++) {
		struct buf out;
		char *cmd;
		int rc;

		buf_init(&out, 0);
		cmd = xasprintf("%s lint %s/%s", helm_bin(), CHARTS, demo[i]);
		rc = run(cmd, &out);
		ck_assert_msg(rc == 0, "%s: %s", cmd, out.data);
		ck_assert_msg(strstr(out.data, "0 chart(s) failed"), "%s", out.data);
		free(cmd);
		buf_reset(&out);
		cmd = xasprintf("%s template demo %s/%s", helm_bin(), CHARTS, demo[i]);
		rc = run(cmd, &out);
		ck_assert_msg(rc == 0, "%s: %s", cmd, out.data);
		ck_assert_msg(strstr(out.data, "app.kubernetes.io/instance: demo"), "%s: no instance label", demo[i]);
		free(cmd);
		/* global.suspend gives zero replicas (or a suspended Job) */
		buf_reset(&out);
		cmd = xasprintf("%s template demo %s/%s --set global.suspend=true", helm_bin(), CHARTS, demo[i]);
		ck_assert_int_eq(run(cmd, &out), 0);
		ck_assert_msg(strstr(out.data, "replicas: 0") || strstr(out.data, "suspend: true"),
			      "%s: suspend not honoured", demo[i]);
		ck_assert_ptr_null(strstr(out.data, "kind: Service\n"));
		free(cmd);
		buf_release(&out);
	}
}
END_TEST

/* The form built from each schema and a user context gives values the
 * real helm renders; the x-onyxia rules reached the manifests. */
START_TEST(form_values_render)
{
	cJSON *ctx = context();

	for (size_t i = 0; i < DL_ARRAY_LEN(demo); i++) {
		char *dir = xasprintf("%s/%s", CHARTS, demo[i]);
		char *sp = xasprintf("%s/values.schema.json", dir), *vp = xasprintf("%s/values.yaml", dir);
		char *file = xasprintf("%s/values-%s.yaml", tmp, demo[i]);
		cJSON *schema = testutil_doc(sp, false), *values = testutil_doc(vp, true);
		struct form_field *bad;
		struct error err;
		struct form *f = form_new(schema, values, ctx, NULL, &err);
		struct buf y, out;
		char *cmd;

		ck_assert_msg(f != NULL, "%s: %s", demo[i], err.msg);
		ck_assert_msg(form_validate(f, &bad, &err) == 0, "%s: %s", demo[i], err.msg);
		buf_init(&y, 0);
		ck_assert_int_eq(form_values_yaml(f, FORM_VALUES_CHANGED, &y), 0);
		ck_assert_int_eq(file_write_atomic(file, y.data, y.len, 0600, &err), 0);
		buf_init(&out, 0);
		cmd = xasprintf("%s template demo %s -f %s", helm_bin(), dir, file);
		ck_assert_msg(run(cmd, &out) == 0, "%s: %s\nvalues:\n%s", demo[i], out.data, y.data);
		if (strcmp(demo[i], "jupyter-demo") == 0) {
			ck_assert_msg(strstr(out.data, "host: \"user-alice-4242-0.lab.example.test\""), "%s", out.data);
			ck_assert_ptr_nonnull(strstr(out.data, "AWS_ACCESS_KEY_ID: \"AKIAALICE\""));
			ck_assert_ptr_nonnull(strstr(out.data, "AWS_S3_ENDPOINT: \"127.0.0.1:9000\""));
			ck_assert_ptr_nonnull(strstr(out.data, "GIT_USER_NAME: \"Alice\""));
			ck_assert_ptr_nonnull(strstr(out.data, "PASSWORD: \"otp4242abcd\""));
		}
		if (strcmp(demo[i], "gpu-demo") == 0) {
			struct form_field *gpu = form_find(f, "resources/limits/nvidia.com~1gpu");

			ck_assert_ptr_nonnull(gpu);
			ck_assert_double_eq(gpu->slider_max, 2);	/* the region's slider */
			ck_assert_ptr_nonnull(strstr(out.data, "nvidia.com/gpu: \"1\""));
			ck_assert_ptr_nonnull(strstr(out.data, "nvidia.com/gpu.present: \"true\""));
		}
		if (strcmp(demo[i], "job-demo") == 0) {
			ck_assert(form_find(f, "resources/limits/memory")->readonly);
			ck_assert_ptr_nonnull(strstr(out.data, "OUTPUT_PATH: \"s3://user-alice/job-output/\""));
		}
		/* an edited field reaches the manifest too */
		if (strcmp(demo[i], "postgres-demo") == 0) {
			struct form_field *db = form_find(f, "auth/database");

			ck_assert_int_eq(form_set(f, db, "Sales", &err), 0);
			ck_assert_int_eq(form_validate_field(f, db, &err), -1);
			ck_assert_msg(strstr(err.msg, "pattern"), "%s", err.msg);
			ck_assert_int_eq(form_set(f, db, "sales", &err), 0);
			ck_assert_int_eq(form_validate(f, NULL, &err), 0);
			buf_reset(&y);
			form_values_yaml(f, FORM_VALUES_CHANGED, &y);
			ck_assert_int_eq(file_write_atomic(file, y.data, y.len, 0600, &err), 0);
			buf_reset(&out);
			ck_assert_int_eq(run(cmd, &out), 0);
			ck_assert_ptr_nonnull(strstr(out.data, "POSTGRES_DB: \"sales\""));
		}
		free(cmd);
		buf_release(&out);
		buf_release(&y);
		form_free(f);
		cJSON_Delete(schema);
		cJSON_Delete(values);
		free(dir);
		free(sp);
		free(vp);
		free(file);
	}
	cJSON_Delete(ctx);
}
END_TEST

/* The sandbox's repository builder takes the folder as it is. */
START_TEST(packaged_as_a_repository)
{
	char *out = file_join(tmp, "repo"), *ipath = file_join(out, "index.yaml");
	struct error err;
	struct buf b;
	struct index idx;

	ck_assert_msg(chartrepo_build(CHARTS, out, "http://127.0.0.1:1/charts/", &err) == 0, "%s", err.msg);
	buf_init(&b, 0);
	ck_assert_int_eq(file_read(ipath, &b, &err), 0);
	ck_assert_msg(index_parse(b.data, b.len, NULL, &idx, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(idx.nrejected, 0);
	ck_assert_uint_ge(idx.ncharts, DL_ARRAY_LEN(demo));
	for (size_t i = 0; i < DL_ARRAY_LEN(demo); i++) {
		const struct index_chart *c = index_find(&idx, demo[i]);
		const struct index_version *v;
		char *tgz;
		struct buf a;
		struct chart *ch;

		ck_assert_msg(c != NULL, "%s not in the index", demo[i]);
		ck_assert(!c->library);
		v = index_latest(c);
		ck_assert_ptr_nonnull(v->description);
		tgz = xasprintf("%s/%s-%s.tgz", out, v->name, v->version);
		buf_init(&a, 0);
		ck_assert_int_eq(file_read(tgz, &a, &err), 0);
		ck_assert_msg(chart_load(a.data, a.len, NULL, &ch, &err) == 0, "%s", err.msg);
		ck_assert_ptr_nonnull(ch->schema.data);
		ck_assert_ptr_nonnull(ch->values.data);
		ck_assert_ptr_nonnull(ch->readme.data);
		ck_assert_ptr_nonnull(ch->notes.data);
		chart_free(ch);
		buf_release(&a);
		free(tgz);
	}
	index_release(&idx);
	buf_release(&b);
	free(out);
	free(ipath);
}
END_TEST

static Suite *charts_suite(void)
{
	Suite *s = suite_create("catalog_charts");
	TCase *tc = tcase_create("demo");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lint_and_template_defaults);
	tcase_add_test(tc, form_values_render);
	tcase_add_test(tc, packaged_as_a_repository);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(charts_suite)
