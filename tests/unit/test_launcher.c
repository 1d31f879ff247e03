/*
 * test_launcher.c: launcher links parsed, applied, encoded, round-tripped;
 * hostile links rejected cleanly; release names; the command bar.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/launcher.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "testutil.h"

static const cJSON *at(const cJSON *root, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (c)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return v;
}

START_TEST(parse_full_link)
{
	struct launcher_link l;
	struct error err;
	cJSON *values = cJSON_Parse("{\"persistence\":{\"size\":\"10Gi\",\"enabled\":true},\"k\":{\"x\":1}}");

	ck_assert_msg(launcher_parse("https://datalab.example.test/launcher/ide/jupyter-python?name=My%20lab"
				     "&version=2.5.2&shared=true&s3=default&autoLaunch=true"
				     "&resources.limits.nvidia%5C.com/gpu=%C2%AB1%C2%BB"
				     "&persistence.size=\xc2\xab" "20Gi\xc2\xbb&git.enabled=true&n.count=2"
				     "&k.x=-&j.y=null&onlytop=3&oidc-spa.foo=1&tol[1].key=\xc2\xab" "a%20b\xc2\xbb"
				     "#frag", &l, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(l.catalog, "ide");
	ck_assert_str_eq(l.chart, "jupyter-python");
	ck_assert_str_eq(l.name, "My lab");
	ck_assert_str_eq(l.version, "2.5.2");
	ck_assert_str_eq(l.s3, "default");
	ck_assert(l.shared);
	ck_assert(l.auto_launch);
	ck_assert_uint_eq(l.nvalues, 7);
	ck_assert_uint_eq(l.values[0].nsegs, 3);
	ck_assert_str_eq(l.values[0].segs[2].key, "nvidia.com/gpu");
	ck_assert_str_eq(l.values[0].value->valuestring, "1");
	ck_assert_ptr_null(l.values[4].value);	/* k.x=- */
	ck_assert(cJSON_IsNull(l.values[5].value));
	ck_assert_uint_eq(l.values[6].nsegs, 3);
	ck_assert_int_eq(l.values[6].segs[1].index, 1);

	ck_assert_int_eq(launcher_apply(&l, values, &err), 0);
	ck_assert_str_eq(at(values, "resources", "limits", "nvidia.com/gpu")->valuestring, "1");
	ck_assert_str_eq(at(values, "persistence", "size", NULL)->valuestring, "20Gi");
	ck_assert(cJSON_IsTrue(at(values, "persistence", "enabled", NULL)));
	ck_assert(cJSON_IsTrue(at(values, "git", "enabled", NULL)));
	ck_assert_double_eq(at(values, "n", "count", NULL)->valuedouble, 2);
	ck_assert_ptr_null(at(values, "k", "x", NULL));
	ck_assert(cJSON_IsNull(at(values, "j", "y", NULL)));
	ck_assert_ptr_null(at(values, "onlytop", NULL, NULL));
	ck_assert_int_eq(cJSON_GetArraySize(at(values, "tol", NULL, NULL)), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(at(values, "tol", NULL, NULL), 1), "key")->valuestring,
			 "a b");
	cJSON_Delete(values);
	launcher_link_release(&l);
}
END_TEST

START_TEST(parse_path_only_and_legacy_escape)
{
	struct launcher_link l;
	struct error err;

	ck_assert_int_eq(launcher_parse("/launcher/databases/postgresql", &l, &err), 0);
	ck_assert_str_eq(l.catalog, "databases");
	ck_assert_str_eq(l.chart, "postgresql");
	ck_assert_ptr_null(l.version);
	ck_assert_uint_eq(l.nvalues, 0);
	launcher_link_release(&l);

	ck_assert_int_eq(launcher_parse("launcher/ide/vscode?nodeSelector.nvidia\\.com/gpu\\.product=\xc2\xab" "A100\xc2\xbb",
					&l, &err), 0);
	ck_assert_uint_eq(l.nvalues, 1);
	ck_assert_uint_eq(l.values[0].nsegs, 2);
	ck_assert_str_eq(l.values[0].segs[1].key, "nvidia.com/gpu.product");
	launcher_link_release(&l);
}
END_TEST

START_TEST(round_trip)
{
	const char *vals = "{\"resources\":{\"requests\":{\"cpu\":\"2000m\"},\"limits\":{\"nvidia.com/gpu\":\"1\"}},"
			   "\"s3\":{\"enabled\":false},\"n\":{\"port\":8080,\"ratio\":0.25},"
			   "\"tolerations\":{\"list\":[\"a&b=c\",\"\xc2\xab" "q\xc2\xbb \xc3\xa9\"]},\"x\":{\"y\":null}}";
	cJSON *in = cJSON_Parse(vals), *out = cJSON_CreateObject();
	struct launcher_link l = { 0 }, back;
	struct buf url;
	struct error err;

	l.catalog = xstrdup("ide");
	l.chart = xstrdup("jupyter-python");
	l.name = xstrdup("a & b");
	l.version = xstrdup("2.5.2");
	l.auto_launch = true;
	launcher_link_set_values(&l, in);
	buf_init(&url, 0);
	ck_assert_int_eq(launcher_encode(&url, "https://datalab.example.test/", &l), 0);
	ck_assert_msg(strstr(url.data, "resources.limits.nvidia%5C.com%2Fgpu=\xc2\xab" "1\xc2\xbb") != NULL, "%s", url.data);
	ck_assert_msg(str_has_prefix(url.data, "https://datalab.example.test/launcher/ide/jupyter-python?name=a%20%26%20b"),
		      "%s", url.data);
	ck_assert_msg(launcher_parse(url.data, &back, &err) == 0, "%s: %s", url.data, err.msg);
	ck_assert_str_eq(back.name, "a & b");
	ck_assert_str_eq(back.version, "2.5.2");
	ck_assert(back.auto_launch);
	ck_assert(!back.shared);
	ck_assert_int_eq(launcher_apply(&back, out, &err), 0);
	ck_assert_msg(cJSON_Compare(in, out, true), "round trip changed the values: %s", url.data);
	buf_release(&url);
	launcher_link_release(&l);
	launcher_link_release(&back);
	cJSON_Delete(in);
	cJSON_Delete(out);
}
END_TEST

START_TEST(hostile_links)
{
	static const char *const bad[] = {
		"https://x/launcher/ide/jupyter?a.b=%ZZ",		/* bad escape */
		"https://x/launcher/ide/jupyter?a.b=%C2%ABunbalanced",	/* unbalanced « */
		"https://x/launcher/ide/jupyter?a.b=\xc2\xab",		/* a lone « */
		"https://x/launcher/ide/jupyter?a.b=bare",		/* not a value */
		"https://x/launcher/ide/jupyter?a..b=1",			/* empty segment */
		"https://x/launcher/ide/jupyter?a.b=%00",		/* NUL */
		"https://x/launcher/ide/jupyter?a.b=\xc2\xab%FF\xc2\xbb",	/* not UTF-8 */
		"https://x/launcher/ide",				/* no chart */
		"https://x/launcher/i%20de/jupyter",			/* bad catalog */
		"https://x/launcher/ide/jupyter/extra",			/* extra path */
		"https://x/services",					/* not a link */
		"https://x/launcher/ide/jupyter?a.b=1e999",		/* not finite */
	};
	struct launcher_link l;
	struct error err;
	struct buf big;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(launcher_parse(bad[i], &l, &err) == -1, "accepted '%s'", bad[i]);
		ck_assert(err.msg[0] != '\0');
		launcher_link_release(&l);
	}
	/* too long, too many params, too deep */
	buf_init(&big, 0);
	buf_adds(&big, "/launcher/ide/j?");
	for (int i = 0; i < 70000; i++)
		buf_addc(&big, 'a');
	ck_assert_int_eq(launcher_parse(big.data, &l, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	launcher_link_release(&l);
	buf_reset(&big);
	buf_adds(&big, "/launcher/ide/j?");
	for (int i = 0; i < 2000; i++)
		buf_addf(&big, "a.b%d=1&", i);
	ck_assert_int_eq(launcher_parse(big.data, &l, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	launcher_link_release(&l);
	buf_reset(&big);
	buf_adds(&big, "/launcher/ide/j?");
	for (int i = 0; i < 40; i++)
		buf_adds(&big, "a.");
	buf_adds(&big, "z=1");
	ck_assert_int_eq(launcher_parse(big.data, &l, &err), -1);
	launcher_link_release(&l);
	buf_release(&big);
}
END_TEST

START_TEST(release_names)
{
	char *n = launcher_release_name("jupyter-python", 123456);

	ck_assert_str_eq(n, "jupyter-python-123456");
	ck_assert(launcher_release_name_ok(n));
	free(n);
	n = launcher_release_name("A_Very.Long--Chart_Name-that-goes-on-and-on-and-on-forever", 7);
	ck_assert(launcher_release_name_ok(n));
	ck_assert_uint_le(strlen(n), 53);
	ck_assert(str_has_suffix(n, "-7"));
	ck_assert(str_has_prefix(n, "a-very-long-chart-name"));
	free(n);
	n = launcher_release_name("---", 5);
	ck_assert_str_eq(n, "release-5");
	free(n);
	ck_assert(!launcher_release_name_ok("Jupyter"));
	ck_assert(!launcher_release_name_ok("-a"));
	ck_assert(!launcher_release_name_ok(""));
}
END_TEST

START_TEST(command_bar)
{
	struct launcher_command c = {
		.catalog_id = "ide",
		.repo_url = "https://inseefrlab.github.io/helm-charts-interactive-services",
		.chart = "jupyter-python",
		.release = "jupyter-python-42",
		.namespace = NULL,
		.version = "2.5.2",
		.values_yaml = "resources:\n  requests:\n    cpu: 2000m\n",
	};
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(launcher_command_bar(&b, &c), 0);
	ck_assert_str_eq(b.data,
			 "helm repo add ide https://inseefrlab.github.io/helm-charts-interactive-services\n"
			 "cat << EOF > ./values.yaml\n"
			 "resources:\n  requests:\n    cpu: 2000m\n"
			 "EOF\n"
			 "helm install jupyter-python-42 ide/jupyter-python --version 2.5.2 -f values.yaml\n");
	buf_reset(&b);
	c.namespace = "projet-stats";
	c.version = NULL;
	c.values_yaml = "password: a$b\nnote: |\n  EOF\nEOF\n";
	ck_assert_int_eq(launcher_command_bar(&b, &c), 0);
	ck_assert_msg(strstr(b.data, "cat << 'EOF_1' > ./values.yaml\n") != NULL, "%s", b.data);
	ck_assert_msg(strstr(b.data, "\nEOF_1\nhelm install jupyter-python-42 ide/jupyter-python --namespace projet-stats "
			     "-f values.yaml\n") != NULL, "%s", b.data);
	buf_release(&b);
}
END_TEST

static Suite *launcher_suite(void)
{
	Suite *s = suite_create("launcher");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_full_link);
	tcase_add_test(tc, parse_path_only_and_legacy_escape);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, hostile_links);
	tcase_add_test(tc, release_names);
	tcase_add_test(tc, command_bar);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(launcher_suite)
