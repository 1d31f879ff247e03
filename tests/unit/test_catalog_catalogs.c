/*
 * test_catalog_catalogs.c: catalog files (shipped YAML, onyxia-api's JSON
 * and JSON5), overrides from the config folder, sandbox locations,
 * chart filters, favourites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/catalog/catalogs.h"
#include "datalab/catalog/favourites.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "testutil.h"

static char home[64];

static void setup(void)
{
	testutil_home(home, sizeof(home), "cat");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
	unsetenv("DATALAB_HOME");
}

START_TEST(shipped_catalogs)
{
	struct catalog_list l;
	struct error err;
	const struct catalog *c;
	char *loc;

	catalogs_init(&l);
	ck_assert_msg(catalogs_load_dir(&l, "catalogs", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 5);
	c = catalogs_find(&l, "ide");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->location, "https://inseefrlab.github.io/helm-charts-interactive-services");
	ck_assert_str_eq(c->name, "Development environments");
	ck_assert_str_eq(catalog_name_for(c, "fr"), "Environnements de développement");
	ck_assert_str_eq(catalog_name_for(c, "de"), "Development environments");
	ck_assert(catalog_chart_highlighted(c, "rstudio"));
	ck_assert(!c->allow_sharing);
	ck_assert_ptr_nonnull(catalogs_find(&l, "databases"));
	ck_assert_ptr_nonnull(catalogs_find(&l, "automation"));
	ck_assert_ptr_nonnull(catalogs_find(&l, "datavisualization"));
	c = catalogs_find(&l, "demo");
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(catalog_location(c, NULL, &err));
	ck_assert_msg(strstr(err.msg, "sandbox") != NULL, "%s", err.msg);
	loc = catalog_location(c, "http://127.0.0.1:8443/", &err);
	ck_assert_str_eq(loc, "http://127.0.0.1:8443/charts");
	free(loc);
	loc = catalog_location(catalogs_find(&l, "ide"), "http://127.0.0.1:1", &err);
	ck_assert_str_eq(loc, "https://inseefrlab.github.io/helm-charts-interactive-services");
	free(loc);
	catalogs_release(&l);
}
END_TEST

START_TEST(onyxia_json_and_json5)
{
	struct catalog_list l;
	struct error err;
	const struct catalog *c;

	catalogs_init(&l);
	ck_assert_msg(catalogs_load_file(&l, TESTDATA "/onyxia/catalogs.json", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 3);
	c = catalogs_find(&l, "databases");
	ck_assert_str_eq(c->description, "Databases for datascientists.");
	ck_assert_str_eq(c->multiple_services_mode, "latest");
	ck_assert_ptr_null(c->ca_file);
	ck_assert(c->visible_user && c->visible_project);
	catalogs_release(&l);

	catalogs_init(&l);
	ck_assert_msg(catalogs_load_file(&l, TESTDATA "/onyxia/catalogs.json5", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 1);
	c = &l.items[0];
	ck_assert_str_eq(c->id, "ide");
	ck_assert_str_eq(c->name, "IDE");
	ck_assert_str_eq(c->timeout, "10m");
	ck_assert_str_eq(c->type, "helm");
	ck_assert_int_eq(cJSON_GetArraySize(c->restrictions), 1);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(c->restrictions, 0),
			 "userAttribute"), "matches")->valuestring, "^onyxia.*");
	catalogs_release(&l);
}
END_TEST

START_TEST(json5_prepass)
{
	static const char src[] = "// c\n{unquoted: 'it\\'s', b: [1, 2,], /* x */ 'q\"k': \"v\", n: 1e3, t: true,}";
	struct buf b;
	struct error err;
	cJSON *j;

	buf_init(&b, 0);
	ck_assert_msg(catalogs_json5_to_json(&b, src, strlen(src), &err) == 0, "%s", err.msg);
	j = cJSON_Parse(b.data);
	ck_assert_msg(j != NULL, "not JSON: %s", b.data);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "unquoted")->valuestring, "it's");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "b")), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "q\"k")->valuestring, "v");
	ck_assert_double_eq(cJSON_GetObjectItem(j, "n")->valuedouble, 1000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "t")));
	cJSON_Delete(j);
	buf_release(&b);
}
END_TEST

START_TEST(bad_files)
{
	static const struct { const char *name, *text, *want; } cases[] = {
		{ "a.yaml", "catalogs:\n  - name: x\n    location: https://x\n", "id" },
		{ "a.yaml", "catalogs:\n  - id: x\n", "location" },
		{ "a.json", "{\"catalogs\":[{\"id\":\"x\",\"location\":\"u\",\"type\":\"oci\"}]}", "only helm" },
		{ "a.json", "{\"catalogs\":[{\"id\":\"x y\",\"location\":\"u\"}]}", "id" },
		{ "a.json5", "{catalogs: [", "a.json5" },
		{ "a.json5", "{a: 'unterminated}", "unterminated" },
		{ "a.json", "{\"other\":1}", "no 'catalogs'" },
		{ "a.yaml", "catalogs: [\n", "a.yaml" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct catalog_list l;
		struct error err;

		catalogs_init(&l);
		ck_assert_msg(catalogs_parse(&l, cases[i].text, strlen(cases[i].text), cases[i].name, &err) == -1,
			      "accepted case %zu", i);
		ck_assert_msg(strstr(err.msg, cases[i].want) != NULL, "case %zu: %s", i, err.msg);
		catalogs_release(&l);
	}
}
END_TEST

START_TEST(user_override_and_filters)
{
	struct catalog_list l;
	struct error err;
	const struct catalog *c;
	char *dir = xasprintf("%s/config/catalogs", home), *f;
	static const char *const kw_gpu[] = { "gpu", "ide", NULL };
	static const char *const kw_ide[] = { "ide", NULL };

	ck_assert_int_eq(file_mkdirs(dir, 0700, &err), 0);
	f = xasprintf("%s/mine.yaml", dir);
	{
		static const char y[] = "catalogs:\n  - id: ide\n    name: My IDEs\n    location: https://charts.example.test\n"
					"    excludedCharts: [rstudio]\n    includeKeywords: [ide]\n"
					"    excludeKeywords: [gpu]\n  - id: extra\n    location: https://x.example.test\n";

		ck_assert_int_eq(file_write_atomic(f, y, sizeof(y) - 1, 0600, &err), 0);
	}
	catalogs_init(&l);
	ck_assert_msg(catalogs_load_default(&l, "catalogs", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 6);
	c = catalogs_find(&l, "ide");
	ck_assert_str_eq(c->location, "https://charts.example.test");
	ck_assert_str_eq(c->name, "My IDEs");
	ck_assert_ptr_eq(c, &l.items[3]);	/* files in name order; replaced in place */
	ck_assert(!catalog_chart_allowed(c, "rstudio", kw_ide));
	ck_assert(catalog_chart_allowed(c, "jupyter-python", kw_ide));
	ck_assert(!catalog_chart_allowed(c, "jupyter-python", NULL));
	ck_assert(!catalog_chart_allowed(c, "jupyter-gpu", kw_gpu));
	catalogs_release(&l);
	free(f);
	free(dir);
}
END_TEST

START_TEST(favourites)
{
	struct favourites fav;
	struct error err;
	char *path = favourites_path(&err);

	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(favourites_load(&fav, path, &err), 0);
	ck_assert_uint_eq(fav.n, 0);
	ck_assert_int_eq(favourites_toggle(&fav, "ide", "jupyter-python"), 1);
	ck_assert_int_eq(favourites_toggle(&fav, "databases", "postgresql"), 1);
	ck_assert_int_eq(favourites_toggle(&fav, "ide", "rstudio"), 1);
	ck_assert_int_eq(favourites_toggle(&fav, "databases", "postgresql"), 0);
	ck_assert_int_eq(favourites_save(&fav, path, &err), 0);
	favourites_release(&fav);
	ck_assert_int_eq(favourites_load(&fav, path, &err), 0);
	ck_assert_uint_eq(fav.n, 2);
	ck_assert(favourites_has(&fav, "ide", "jupyter-python"));
	ck_assert(favourites_has(&fav, "ide", "rstudio"));
	ck_assert(!favourites_has(&fav, "databases", "postgresql"));
	ck_assert(!favourites_has(&fav, "id", "e/rstudio"));
	favourites_release(&fav);
	free(path);
}
END_TEST

/* The sandbox's URL: the environment first, else the kubeconfig's
 * current cluster when it is the sandbox's. */
START_TEST(sandbox_url)
{
	char *kc_path = file_join(home, "kubeconfig"), *url;
	const char *sb =
		"apiVersion: v1\nkind: Config\ncurrent-context: sb\n"
		"clusters:\n- name: datalab-sandbox\n  cluster: {server: 'http://127.0.0.1:6443/'}\n"
		"- name: prod\n  cluster: {server: 'https://k8s.example.test'}\n"
		"contexts:\n- name: sb\n  context: {cluster: datalab-sandbox, user: u}\n"
		"- name: prod\n  context: {cluster: prod, user: u}\n"
		"users:\n- name: u\n  user: {token: t}\n";
	struct kubeconfig_opts o = { 0 };
	struct kubeconfig *kc;
	struct error err;
	struct catalog_list l;
	const struct catalog *demo;
	char *loc;

	ck_assert_int_eq(file_write_atomic(kc_path, sb, strlen(sb), 0600, &err), 0);
	o.kubeconfig = kc_path;
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	unsetenv(CATALOG_SANDBOX_ENV);
	url = catalog_sandbox_url(kc);
	ck_assert_str_eq(url, "http://127.0.0.1:6443");
	catalogs_init(&l);
	ck_assert_int_eq(catalogs_load_dir(&l, "catalogs", &err), 0);
	demo = catalogs_find(&l, "demo");
	ck_assert(catalog_is_sandbox(demo));
	ck_assert(!catalog_is_sandbox(catalogs_find(&l, "ide")));
	loc = catalog_location(demo, url, &err);
	ck_assert_str_eq(loc, "http://127.0.0.1:6443/charts");
	free(loc);
	free(url);
	kubeconfig_free(kc);

	/* another cluster: no sandbox, unless the environment names one */
	o.context = "prod";
	kc = kubeconfig_load(&o, &err);
	ck_assert_msg(kc != NULL, "%s", err.msg);
	ck_assert_ptr_null(catalog_sandbox_url(kc));
	ck_assert_ptr_null(catalog_sandbox_url(NULL));
	setenv(CATALOG_SANDBOX_ENV, "http://127.0.0.1:9999//", 1);
	url = catalog_sandbox_url(kc);
	ck_assert_str_eq(url, "http://127.0.0.1:9999");
	free(url);
	unsetenv(CATALOG_SANDBOX_ENV);
	kubeconfig_free(kc);
	catalogs_release(&l);
	free(kc_path);
}
END_TEST

static Suite *catalogs_suite(void)
{
	Suite *s = suite_create("catalogs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shipped_catalogs);
	tcase_add_test(tc, onyxia_json_and_json5);
	tcase_add_test(tc, json5_prepass);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, user_override_and_filters);
	tcase_add_test(tc, favourites);
	tcase_add_test(tc, sandbox_url);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(catalogs_suite)
