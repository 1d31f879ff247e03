/* test_chartrepo.c: chart folders packaged and indexed; the real helm agrees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/helm/chart.h"
#include "datalab/helm/index.h"
#include "datalab/sandbox/chartrepo.h"
#include "testutil.h"

static char tmp[64];

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "%s", "/tmp/dl-chartrepo-XXXXXX");
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

static int run_capture(const char *cmd, struct buf *out)
{
	FILE *f = popen(cmd, "r");
	char b[65536];
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(b, 1, sizeof(b), f)) > 0)
		buf_add(out, b, got);
	return pclose(f);
}

static void read_all(const char *path, struct buf *b)
{
	struct error err;

	buf_init(b, 0);
	ck_assert_msg(file_read(path, b, &err) == 0, "%s", err.msg);
}

START_TEST(test_build_shared_charts)
{
	char *out = file_join(tmp, "repo");
	char *ipath = file_join(out, "index.yaml");
	struct error err;
	struct buf ib, ib2, b, o;
	struct index idx;
	char *cmd;

	ck_assert_msg(chartrepo_build(TESTDATA "/charts", out, "http://127.0.0.1:1234/charts/", &err) == 0,
	    "%s", err.msg);
	read_all(ipath, &ib);
	ck_assert_msg(index_parse(ib.data, ib.len, NULL, &idx, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(idx.ncharts, 8);
	ck_assert_uint_eq(idx.nrejected, 0);
	ck_assert(index_find(&idx, "library-chart")->library);
	for (size_t i = 0; i < idx.ncharts; i++) {
		const struct index_version *v = index_latest(&idx.charts[i]);
		char *path = xasprintf("%s/%s-%s.tgz", out, v->name, v->version);
		struct chart *c;

		read_all(path, &b);
		/* digests match, urls are absolute under the base, archives load */
		ck_assert_int_eq(chart_verify_digest(b.data, b.len, v->digest, &err), 0);
		ck_assert_uint_eq(v->nurls, 1);
		ck_assert(str_has_prefix(v->urls[0], "http://127.0.0.1:1234/charts/"));
		ck_assert(str_has_suffix(v->urls[0], path + strlen(out)));
		ck_assert_msg(chart_load(b.data, b.len, NULL, &c, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(c->meta.name, v->name);
		ck_assert_ptr_nonnull(v->created);
		chart_free(c);
		buf_release(&b);
		free(path);
	}
	index_release(&idx);

	/* the real helm renders the archive and reads the same metadata */
	buf_init(&o, 0);
	cmd = xasprintf("HELM_CONFIG_HOME=%s HELM_CACHE_HOME=%s KUBECONFIG=/dev/null %s template x "
	    "%s/jupyter-python-2.5.2.tgz 2>&1", tmp, tmp, helm_bin(), out);
	ck_assert_msg(run_capture(cmd, &o) == 0, "%s", o.data);
	ck_assert(strstr(o.data, "kind: StatefulSet") != NULL);
	free(cmd);
	buf_reset(&o);
	cmd = xasprintf("HELM_CONFIG_HOME=%s HELM_CACHE_HOME=%s %s show chart %s/jupyter-python-2.5.2.tgz 2>&1",
	    tmp, tmp, helm_bin(), out);
	ck_assert_int_eq(run_capture(cmd, &o), 0);
	ck_assert(strstr(o.data, "name: jupyter-python\n") != NULL);
	ck_assert(strstr(o.data, "version: 2.5.2\n") != NULL);
	free(cmd);
	buf_reset(&o);
	cmd = xasprintf("HELM_CONFIG_HOME=%s HELM_CACHE_HOME=%s KUBECONFIG=/dev/null %s template x "
	    "%s/library-chart-2.1.7.tgz 2>&1", tmp, tmp, helm_bin(), out);
	ck_assert_int_ne(run_capture(cmd, &o), 0);
	ck_assert(strstr(o.data, "library charts are not installable") != NULL);
	free(cmd);
	buf_release(&o);

	/* rebuilding unchanged folders keeps the same bytes */
	sleep(1);
	{
		char *t1 = file_join(out, "rstudio-2.5.5.tgz");
		struct buf a1, a2;

		read_all(t1, &a1);
		ck_assert_int_eq(chartrepo_build(TESTDATA "/charts", out, "http://127.0.0.1:1234/charts/", &err), 0);
		read_all(t1, &a2);
		ck_assert_uint_eq(a1.len, a2.len);
		ck_assert(memcmp(a1.data, a2.data, a1.len) == 0);
		buf_release(&a1);
		buf_release(&a2);
		free(t1);
	}
	read_all(ipath, &ib2);
	ck_assert_uint_eq(ib.len, ib2.len);
	ck_assert_str_eq(ib.data, ib2.data);
	buf_release(&ib);
	buf_release(&ib2);
	free(ipath);
	free(out);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char *p = file_join(dir, name);
	struct error err;

	ck_assert_int_eq(file_write_atomic(p, text, strlen(text), 0644, &err), 0);
	free(p);
}

START_TEST(test_helmignore_and_errors)
{
	char *src = file_join(tmp, "src"), *chart = file_join(src, "mini"), *out = file_join(tmp, "out");
	char *sub = file_join(chart, "templates"), *git = file_join(chart, ".git");
	char *link = file_join(chart, "link.yaml");
	struct error err;
	struct buf b;
	struct chart *c;
	char *tgz = file_join(out, "mini-0.1.0-rc.1.tgz");

	ck_assert_int_eq(file_mkdirs(sub, 0755, &err), 0);
	ck_assert_int_eq(file_mkdirs(git, 0755, &err), 0);
	put(chart, "Chart.yaml", "apiVersion: v2\nname: mini\nversion: 0.1.0-rc.1\n"
	    "description: \"quote \\\" and \\u001b[2J\"\nkeywords: [a, 'b: c']\n");
	put(chart, "values.yaml", "x: 1\n");
	put(chart, ".helmignore", "# comment\n*.bak\nsecret/\n!keep.bak\n");
	put(chart, "old.bak", "no\n");
	put(chart, "NOTES.bak", "no\n");
	put(git, "HEAD", "ref\n");
	put(sub, "NOTES.txt", "hello\n");
	put(sub, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	ck_assert_msg(chartrepo_build(src, out, "https://r.example", &err) == 0, "%s", err.msg);
	read_all(tgz, &b);
	ck_assert_msg(chart_load(b.data, b.len, NULL, &c, &err) == 0, "%s", err.msg);
	/* Chart.yaml, values.yaml, .helmignore, templates/NOTES.txt, templates/cm.yaml */
	ck_assert_uint_eq(c->nfiles, 5);
	ck_assert_str_eq(c->notes.data, "hello\n");
	chart_free(c);
	buf_release(&b);
	{
		struct buf ib;
		struct index idx;
		const struct index_version *v;
		char *ip = file_join(out, "index.yaml");

		read_all(ip, &ib);
		free(ip);
		ck_assert_msg(index_parse(ib.data, ib.len, NULL, &idx, &err) == 0, "%s", err.msg);
		v = index_latest(index_find(&idx, "mini"));
		ck_assert_str_eq(v->description, "quote \" and \x1b[2J");
		ck_assert_uint_eq(v->nkeywords, 2);
		ck_assert_str_eq(v->keywords[1], "b: c");
		ck_assert_str_eq(v->urls[0], "https://r.example/mini-0.1.0-rc.1.tgz");
		index_release(&idx);
		buf_release(&ib);
	}
	/* a broken Chart.yaml fails the build and names the folder */
	put(chart, "Chart.yaml", "apiVersion: v2\nname: mini\n");
	ck_assert_int_eq(chartrepo_build(src, out, "https://r.example", &err), -1);
	ck_assert(strstr(err.msg, "mini/Chart.yaml") != NULL);
	ck_assert_int_eq(chartrepo_build("/nonexistent-dl", out, "https://r.example", &err), -1);
	free(src);
	free(chart);
	free(out);
	free(sub);
	free(git);
	free(link);
	free(tgz);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("chartrepo");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_build_shared_charts);
	tcase_add_test(tc, test_helmignore_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
