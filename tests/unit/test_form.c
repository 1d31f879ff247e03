/*
 * test_form.c: schema → form model, x-onyxia defaults from a context,
 * editing, validation, values out, and the real helm accepting them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/form.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/yaml.h"
#include "testutil.h"

#define REGISTRY TESTDATA "/onyxia/schemas"
#define HELM ".tools/bin/helm"

/* load_yaml: NULL when the chart has no such file */
static cJSON *load_yaml(const char *path)
{
	return file_exists(path) ? testutil_doc(path, true) : NULL;
}

static cJSON *test_context(void)
{
	static const char *const env[] = { "USER=nobody", "AWS_SESSION_TOKEN=tok", NULL };
	struct context_input in = { 0 };
	cJSON *region = testutil_doc(TESTDATA "/onyxia/regions.json", false);
	cJSON *account = cJSON_Parse(
		"{\"user\":{\"idep\":\"alice\",\"email\":\"alice@example.test\"},"
		"\"s3\":{\"URL\":\"https://minio.example.test:9000\",\"AWS_ACCESS_KEY_ID\":\"AKIAALICE\","
		"\"AWS_SECRET_ACCESS_KEY\":\"secret\"},"
		"\"region\":{\"from\":[{\"namespaceSelector\":{\"matchLabels\":{\"k\":\"v\"}}}],"
		"\"resources\":{\"cpuRequest\":\"200m\"},"
		"\"sliders\":{\"gpu\":{\"sliderMin\":0,\"sliderMax\":2,\"sliderStep\":1,\"sliderUnit\":\"\"}}}}");
	struct error err;
	cJSON *ctx;

	in.account = account;
	in.region = region;
	in.env = env;
	in.git_name = "Alice Martin\n";
	in.random_subdomain = 123456;
	in.one_time_password = "otp123";
	ctx = context_build(&in, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	cJSON_Delete(region);
	cJSON_Delete(account);
	return ctx;
}

static struct form *chart_form(const char *dir, const cJSON *ctx)
{
	char path[512];
	cJSON *schema, *values;
	struct form *f;
	struct error err;

	snprintf(path, sizeof(path), "%s/values.schema.json", dir);
	schema = testutil_doc(path, false);
	snprintf(path, sizeof(path), "%s/values.yaml", dir);
	values = load_yaml(path);
	f = form_new(schema, values, ctx, REGISTRY, &err);
	ck_assert_msg(f != NULL, "%s: %s", dir, err.msg);
	cJSON_Delete(schema);
	cJSON_Delete(values);
	return f;
}

static const char *str_at(const struct form *f, const char *path)
{
	const struct form_field *fld = form_find(f, path);

	ck_assert_msg(fld != NULL, "no field '%s'", path);
	ck_assert_msg(cJSON_IsString(fld->value), "'%s' is not a string", path);
	return fld->value->valuestring;
}

START_TEST(jupyter_defaults_from_context)
{
	cJSON *ctx = test_context();
	struct form *f = chart_form(TESTDATA "/charts/jupyter-python", ctx);
	struct form_field *fld;

	ck_assert_str_eq(str_at(f, "s3/accessKeyId"), "AKIAALICE");
	ck_assert_str_eq(str_at(f, "s3/endpoint"), "minio.example.test");
	ck_assert_str_eq(str_at(f, "s3/sessionToken"), "tok");
	ck_assert_str_eq(str_at(f, "ingress/hostname"), "user-alice-123456-0.fakedomain.kub.example.com");
	ck_assert_str_eq(str_at(f, "security/password"), "otp123");
	ck_assert_str_eq(str_at(f, "git/name"), "Alice Martin");
	ck_assert_str_eq(str_at(f, "s3/workingDirectoryPath"), "user-alice/");
	/* the registry's network-policy.json has no default from the region */
	fld = form_find(f, "security/networkPolicy/from");
	ck_assert_ptr_nonnull(fld);
	ck_assert_int_eq(fld->type, FORM_JSON);
	ck_assert_int_eq(cJSON_GetArraySize(fld->value), 0);
	/* vault.* are unknown: values.yaml's value stays */
	ck_assert_str_eq(str_at(f, "vault/token"), "");
	/* the registry's resources fragment: a paired range slider. */
	fld = form_find(f, "resources/requests/cpu");
	ck_assert_ptr_nonnull(fld);
	ck_assert_int_eq(fld->render, FORM_RENDER_SLIDER);
	ck_assert_str_eq(fld->slider_unit, "m");
	ck_assert_int_eq(fld->slider_extremity, -1);
	ck_assert_ptr_eq(fld->range_peer, form_find(f, "resources/limits/cpu"));
	ck_assert_int_eq(form_validate(f, NULL, NULL), 0);
	form_free(f);
	cJSON_Delete(ctx);
}
END_TEST

/* Without a registry the chart's own sub-schema stays: region.from is
 * then an array taken raw from the context. */
START_TEST(chart_subschema_without_registry)
{
	cJSON *ctx = test_context();
	cJSON *schema = testutil_doc(TESTDATA "/charts/jupyter-python/values.schema.json", false);
	struct error err;
	struct form *f = form_new(schema, NULL, ctx, NULL, &err);
	struct form_field *fld;

	ck_assert_ptr_nonnull(f);
	fld = form_find(f, "security/networkPolicy/from");
	ck_assert(cJSON_IsArray(fld->value));
	ck_assert_int_eq(cJSON_GetArraySize(fld->value), 1);
	ck_assert_str_eq(str_at(f, "persistence/size"), "10Gi");
	/* no vault in the context, no default, no values.yaml: undefined */
	fld = form_find(f, "vault/token");
	ck_assert_ptr_null(fld->value);
	{
		cJSON *v = form_values(f, FORM_VALUES_ALL);

		ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "vault"), "token"));
		cJSON_Delete(v);
	}
	form_free(f);
	cJSON_Delete(schema);
	cJSON_Delete(ctx);
}
END_TEST

START_TEST(edit_and_validate)
{
	cJSON *ctx = test_context();
	struct form *f = chart_form(TESTDATA "/charts/jupyter-python", ctx);
	struct form_field *cpu = form_find(f, "resources/requests/cpu"), *lim = form_find(f, "resources/limits/cpu");
	struct form_field *fld, *bad;
	struct error err;

	ck_assert_str_eq(cpu->value->valuestring, "100m");
	ck_assert_int_eq(form_slider_step(f, cpu, 1, &err), 0);
	ck_assert_str_eq(cpu->value->valuestring, "150m");
	ck_assert_int_eq(form_slider_step(f, cpu, -10, &err), 0);
	ck_assert_str_eq(cpu->value->valuestring, "50m");
	ck_assert_int_eq(form_set(f, cpu, "2000m", &err), 0);
	ck_assert_int_eq(form_validate_field(f, cpu, &err), 0);
	ck_assert_int_eq(form_set(f, lim, "1000m", &err), 0);
	ck_assert_int_eq(form_validate(f, &bad, &err), -1);
	ck_assert_ptr_eq(bad, cpu);
	ck_assert_msg(strstr(err.msg, "above") != NULL, "%s", err.msg);
	ck_assert_int_eq(form_set(f, lim, "40000m", &err), 0);
	ck_assert_int_eq(form_validate(f, NULL, &err), 0);
	ck_assert_int_eq(form_set(f, lim, "90000m", &err), 0);
	ck_assert_int_eq(form_validate_field(f, lim, &err), -1);
	ck_assert_msg(strstr(err.msg, "between") != NULL, "%s", err.msg);
	form_reset(f, lim);

	/* enum */
	fld = form_find(f, "service/image/pullPolicy");
	ck_assert_int_eq(form_set(f, fld, "Sometimes", &err), 0);
	ck_assert_int_eq(form_validate_field(f, fld, &err), -1);
	ck_assert_msg(strstr(err.msg, "one of") != NULL, "%s", err.msg);
	ck_assert_int_eq(form_set(f, fld, "Always", &err), 0);
	ck_assert_int_eq(form_validate_field(f, fld, &err), 0);

	/* types */
	fld = form_find(f, "networking/user/port");
	ck_assert_int_eq(form_set(f, fld, "80a", &err), -1);
	ck_assert_int_eq(form_set(f, fld, " 8080 ", &err), 0);
	ck_assert_double_eq(fld->value->valuedouble, 8080);
	fld = form_find(f, "s3/enabled");
	ck_assert_int_eq(form_set(f, fld, "maybe", &err), -1);
	ck_assert_int_eq(form_toggle(f, fld, &err), 0);
	ck_assert(cJSON_IsFalse(fld->value));
	/* hidden rule: s3 disabled hides its keys */
	ck_assert(!form_field_visible(f, form_find(f, "s3/accessKeyId")));
	ck_assert_int_eq(form_toggle(f, fld, &err), 0);
	ck_assert(form_field_visible(f, form_find(f, "s3/accessKeyId")));
	/* a section is not a value */
	ck_assert_int_eq(form_set(f, form_find(f, "s3"), "x", &err), -1);
	/* json leaves take JSON */
	fld = form_find(f, "tolerations");
	ck_assert_int_eq(form_set(f, fld, "[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]", &err), 0);
	ck_assert_int_eq(form_set(f, fld, "[{", &err), -1);
	form_free(f);
	cJSON_Delete(ctx);
}
END_TEST

START_TEST(values_out)
{
	cJSON *ctx = test_context();
	struct form *f = chart_form(TESTDATA "/charts/jupyter-python", ctx);
	struct form_field *cpu = form_find(f, "resources/requests/cpu");
	struct error err;
	cJSON *all, *changed, *edited;
	struct form_diff *diff;
	size_t nd;
	struct buf y;

	ck_assert_int_eq(form_set(f, cpu, "2000m", &err), 0);
	all = form_values(f, FORM_VALUES_ALL);
	changed = form_values(f, FORM_VALUES_CHANGED);
	edited = form_values(f, FORM_VALUES_EDITED);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(edited, "resources"),
			 "requests"), "cpu")->valuestring, "2000m");
	/* only the CPU was edited */
	ck_assert_int_eq(cJSON_GetArraySize(edited), 1);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(edited, "resources")), 1);
	/* the context's keys differ from values.yaml: helm must get them */
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(changed, "s3"), "accessKeyId")->valuestring,
			 "AKIAALICE");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(changed, "service"), "image"));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "service"), "image"));
	nd = form_diff(f, &diff);
	ck_assert_uint_gt(nd, 2);
	{
		bool seen = false;

		for (size_t i = 0; i < nd; i++)
			if (strcmp(diff[i].path, "resources/requests/cpu") == 0) {
				seen = true;
				ck_assert_str_eq(diff[i].chart->valuestring, "100m");
				ck_assert_str_eq(diff[i].value->valuestring, "2000m");
			}
		ck_assert(seen);
	}
	free(diff);
	buf_init(&y, 0);
	ck_assert_int_eq(form_values_yaml(f, FORM_VALUES_EDITED, &y), 0);
	ck_assert_msg(strstr(y.data, "cpu: 2000m") != NULL, "%s", y.data);
	buf_release(&y);

	/* values back in (a saved launch): unknown paths are kept */
	{
		cJSON *in = cJSON_Parse("{\"resources\":{\"limits\":{\"memory\":\"8Gi\"}},\"extra\":{\"a.b\":1},"
					"\"nodeSelector\":{\"disk\":\"ssd\"}}");
		cJSON *out;

		ck_assert_int_eq(form_apply_values(f, in, &err), 0);
		ck_assert_str_eq(str_at(f, "resources/limits/memory"), "8Gi");
		out = form_values(f, FORM_VALUES_EDITED);
		ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(out, "extra"), "a.b")->valueint, 1);
		ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(out, "nodeSelector"), "disk")->valuestring,
				 "ssd");
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	cJSON_Delete(all);
	cJSON_Delete(changed);
	cJSON_Delete(edited);
	form_free(f);
	cJSON_Delete(ctx);
}
END_TEST

START_TEST(visible_rows)
{
	cJSON *ctx = test_context();
	struct form *f = chart_form(TESTDATA "/charts/jupyter-python", ctx);
	struct form_field **rows, *s3 = form_find(f, "s3");
	size_t n, n2;
	bool saw_key = false, saw_hidden = false;

	n = form_visible_rows(f, &rows);
	ck_assert_uint_gt(n, 10);
	for (size_t i = 0; i < n; i++) {
		if (rows[i] == form_find(f, "s3/accessKeyId"))
			saw_key = true;
		if (rows[i] == form_find(f, "ingress/hostname"))
			saw_hidden = true;
		if (rows[i]->parent && rows[i]->parent->parent)
			ck_assert_int_eq(rows[i]->depth, rows[i]->parent->depth + 1);
	}
	ck_assert(saw_key);
	ck_assert(!saw_hidden);
	free(rows);
	s3->collapsed = true;
	n2 = form_visible_rows(f, &rows);
	ck_assert_uint_lt(n2, n);
	for (size_t i = 0; i < n2; i++)
		ck_assert_ptr_ne(rows[i]->parent, s3);
	free(rows);
	form_free(f);
	cJSON_Delete(ctx);
}
END_TEST

/* Every shipped and schema-only chart builds, and its defaults validate. */
START_TEST(every_schema_builds)
{
	static const char *const dirs[] = {
		"charts/jupyter-python", "charts/rstudio", "charts/vscode-python", "charts/postgresql",
		"charts/pgadmin", "charts/mlflow", "charts/label-studio",
		"schemas/airflow", "schemas/argo-cd", "schemas/chromadb", "schemas/elastic",
		"schemas/jupyter-pyspark", "schemas/kafka", "schemas/langfuse", "schemas/marimo-python",
		"schemas/metaflow", "schemas/milvus", "schemas/postgresql-cnpg", "schemas/trino",
		"schemas/vscode-python-gpu",
	};
	cJSON *ctx = test_context();

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char dir[256];
		struct form *f;
		struct form_field *bad;
		struct error err;

		snprintf(dir, sizeof(dir), "%s/%s", TESTDATA, dirs[i]);
		f = chart_form(dir, ctx);
		ck_assert_uint_gt(form_field_count(f), 3);
		ck_assert_msg(form_validate(f, &bad, &err) == 0, "%s: %s", dirs[i], err.msg);
		form_free(f);
	}
	cJSON_Delete(ctx);
}
END_TEST

START_TEST(gpu_slider_from_region)
{
	cJSON *ctx = test_context();
	struct form *f = chart_form(TESTDATA "/schemas/vscode-python-gpu", ctx);
	struct form_field *gpu = form_find(f, "resources/limits/nvidia.com~1gpu");

	ck_assert_ptr_nonnull(gpu);
	ck_assert_int_eq(gpu->render, FORM_RENDER_SLIDER);
	form_free(f);
	cJSON_Delete(ctx);
}
END_TEST

START_TEST(hostile_schemas)
{
	cJSON *ctx = test_context();
	cJSON *s;
	struct form *f;
	struct error err;
	struct form_field *fld;
	clock_t t0;

	s = testutil_doc(TESTDATA "/hostile/json/schema-cyclic-ref.json", false);
	f = form_new(s, NULL, ctx, REGISTRY, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	ck_assert(form_find(f, "loop")->cyclic);
	ck_assert(form_find(f, "self")->cyclic);
	ck_assert(form_find(f, "root")->cyclic);
	ck_assert(form_find(f, "tree/child")->cyclic);
	ck_assert_int_eq(form_find(f, "tree/name")->type, FORM_STRING);
	ck_assert(!form_find(f, "missing")->cyclic);
	ck_assert_int_eq(form_set(f, form_find(f, "loop"), "{}", &err), -1);
	{
		cJSON *v = form_values(f, FORM_VALUES_ALL);

		cJSON_Delete(v);
	}
	form_free(f);
	cJSON_Delete(s);

	s = testutil_doc(TESTDATA "/hostile/json/schema-10000-properties.json", false);
	t0 = clock();
	f = form_new(s, NULL, ctx, REGISTRY, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	ck_assert_uint_ge(form_field_count(f), 10000);
	{
		struct form_field **rows;
		size_t n = form_visible_rows(f, &rows);
		cJSON *v = form_values(f, FORM_VALUES_ALL);

		ck_assert_uint_eq(n, 9900);	/* every 100th is hidden */
		free(rows);
		ck_assert_int_eq(cJSON_GetArraySize(v), 10000);
		cJSON_Delete(v);
	}
	ck_assert_int_eq(form_validate(f, NULL, &err), 0);
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "10,000 properties took too long");
	form_free(f);
	cJSON_Delete(s);

	s = testutil_doc(TESTDATA "/hostile/json/schema-hostile-x-onyxia.json", false);
	f = form_new(s, NULL, ctx, REGISTRY, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	/* escapes kept as data: the UI sanitizes at the screen */
	ck_assert_ptr_nonnull(form_find(f, "title_escapes"));
	ck_assert_int_eq(form_find(f, "traversal_schema")->type, FORM_JSON);
	ck_assert_int_eq(form_find(f, "absolute_schema")->type, FORM_JSON);
	ck_assert_ptr_null(form_find(f, "template_injection")->value);
	ck_assert_ptr_null(form_find(f, "unknown_context")->value);
	fld = form_find(f, "redos_pattern");
	t0 = clock();
	ck_assert_int_eq(form_validate_field(f, fld, &err), -1);
	ck_assert_msg(strstr(err.msg, "pattern") != NULL, "%s", err.msg);
	ck_assert_int_eq(form_set(f, fld, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &err), 0);
	ck_assert_int_eq(form_validate_field(f, fld, &err), 0);
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "pattern took too long");
	ck_assert_uint_gt(form_find(f, "huge_enum")->noptions, 100);
	form_free(f);
	cJSON_Delete(s);

	s = cJSON_Parse("[1,2]");
	ck_assert_ptr_null(form_new(s, NULL, ctx, REGISTRY, &err));
	cJSON_Delete(s);
	cJSON_Delete(ctx);
}
END_TEST

/* helm template NAME DIR -f FILE, output discarded; returns the status. */
static int helm_template(const char *name, const char *dir, const char *values_file)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), HELM " template %s %s -f %s >/dev/null 2>/tmp/dl-helm-err-%d.txt", name, dir,
		 values_file, (int)getpid());
	return system(cmd);
}

static void write_values(struct form *f, enum form_values_kind kind, const char *path)
{
	struct buf y;
	struct error err;

	buf_init(&y, 0);
	ck_assert_int_eq(form_values_yaml(f, kind, &y), 0);
	ck_assert_msg(file_write_atomic(path, y.data, y.len, 0600, &err) == 0, "%s", err.msg);
	buf_release(&y);
}

START_TEST(helm_accepts_values)
{
	static const char *const charts[] = {
		"jupyter-python", "rstudio", "vscode-python", "postgresql", "pgadmin", "mlflow", "label-studio",
	};
	cJSON *ctx = test_context();
	char tmpl[] = "/tmp/dl-form-XXXXXX";
	char *dir = mkdtemp(tmpl), file[512];

	ck_assert_ptr_nonnull(dir);
	ck_assert_msg(access(HELM, X_OK) == 0, "helm is missing: run scripts/deps.sh");
	snprintf(file, sizeof(file), "%s/values.yaml", dir);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		char cdir[256];
		struct form *f;
		struct form_field *cpu;
		struct error err;

		snprintf(cdir, sizeof(cdir), "%s/charts/%s", TESTDATA, charts[i]);
		f = chart_form(cdir, ctx);
		write_values(f, FORM_VALUES_CHANGED, file);
		ck_assert_msg(helm_template(charts[i], cdir, file) == 0, "%s: helm rejected the defaults", charts[i]);
		write_values(f, FORM_VALUES_ALL, file);
		ck_assert_msg(helm_template(charts[i], cdir, file) == 0, "%s: helm rejected all values", charts[i]);
		cpu = form_find(f, "resources/requests/cpu");
		if (cpu) {
			ck_assert_int_eq(form_slider_step(f, cpu, 3, &err), 0);
			write_values(f, FORM_VALUES_CHANGED, file);
			ck_assert_msg(helm_template(charts[i], cdir, file) == 0, "%s: helm rejected an edited cpu",
				      charts[i]);
		}
		form_free(f);
	}
	unlink(file);
	rmdir(dir);
	cJSON_Delete(ctx);
}
END_TEST

/* The namespace names the project and, for a personal one, the user, as
 * Onyxia's project is the namespace one works in. */
START_TEST(context_from_namespace)
{
	static const char *const env[] = { "USER=root", NULL };
	struct context_input in = { 0 };
	struct error err;
	cJSON *ctx;

	in.env = env;
	in.random_subdomain = 1;
	in.namespace = "user-alice";
	ctx = context_build(&in, &err);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "user"), "idep")), "alice");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "project"), "id")),
			 "user-alice");
	cJSON_Delete(ctx);
	in.namespace = "projet-demo";
	ctx = context_build(&in, &err);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "user"), "idep")), "root");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "project"), "id")),
			 "projet-demo");
	cJSON_Delete(ctx);
	in.namespace = NULL;
	ctx = context_build(&in, &err);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx, "project"), "id")),
			 "user-root");
	cJSON_Delete(ctx);
}
END_TEST

static Suite *form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, jupyter_defaults_from_context);
	tcase_add_test(tc, context_from_namespace);
	tcase_add_test(tc, chart_subschema_without_registry);
	tcase_add_test(tc, edit_and_validate);
	tcase_add_test(tc, values_out);
	tcase_add_test(tc, visible_rows);
	tcase_add_test(tc, every_schema_builds);
	tcase_add_test(tc, gpu_slider_from_region);
	tcase_add_test(tc, hostile_schemas);
	tcase_add_test(tc, helm_accepts_values);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(form_suite)
