/* test_helm_chart.c: chart archives in memory, hostile archives, digests, cache. */
#include <dirent.h>
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
#include "testutil.h"

#define GEN TESTDATA "/index/generated"

static char home[64];

static void setup(void)
{
	testutil_home(home, sizeof(home), "chart");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(test_jupyter)
{
	struct buf b;
	struct chart *c;
	struct error err;
	const struct chart *lib;

	testutil_read(GEN "/jupyter-python-2.5.2.tgz", &b);
	ck_assert_msg(chart_load(b.data, b.len, NULL, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->dir, "jupyter-python");
	ck_assert_str_eq(c->meta.name, "jupyter-python");
	ck_assert_str_eq(c->meta.version, "2.5.2");
	ck_assert(!c->meta.library);
	ck_assert_ptr_nonnull(c->values.data);
	ck_assert(strstr(c->values.data, "service:") != NULL);
	ck_assert_ptr_nonnull(c->schema.data);
	ck_assert_uint_eq(c->schema.len, 35279);
	ck_assert_ptr_nonnull(c->notes.data);
	ck_assert_uint_eq(c->notes.len, 91);
	ck_assert_uint_gt(c->ntemplates, 20);
	ck_assert_uint_eq(c->ndeps, 1);
	lib = chart_find_dep(c, "library-chart");
	ck_assert_ptr_nonnull(lib);
	ck_assert(lib->meta.library);
	ck_assert_str_eq(lib->meta.version, "2.1.7");
	ck_assert_uint_gt(lib->ntemplates, 5);
	ck_assert_ptr_null(chart_find_dep(c, "nope"));
	chart_free(c);
	buf_release(&b);
}
END_TEST

/* Every generated archive loads and matches the digest its index gives. */
START_TEST(test_generated_digests)
{
	struct buf ib;
	struct index idx;
	struct error err;

	testutil_read(GEN "/index.yaml", &ib);
	ck_assert_int_eq(index_parse(ib.data, ib.len, NULL, &idx, &err), 0);
	ck_assert_uint_eq(idx.ncharts, 8);
	for (size_t i = 0; i < idx.ncharts; i++) {
		const struct index_version *v = index_latest(&idx.charts[i]);
		char *path = xasprintf(GEN "/%s-%s.tgz", v->name, v->version);
		struct buf b;
		struct chart *c;

		testutil_read(path, &b);
		ck_assert_int_eq(chart_verify_digest(b.data, b.len, v->digest, &err), 0);
		ck_assert_msg(chart_load(b.data, b.len, NULL, &c, &err) == 0, "%s: %s", path, err.msg);
		ck_assert_str_eq(c->meta.name, v->name);
		ck_assert_str_eq(c->meta.version, v->version);
		ck_assert(c->meta.library == v->library);
		chart_free(c);
		/* one flipped byte fails the digest */
		b.data[b.len / 2] ^= 1;
		ck_assert_int_eq(chart_verify_digest(b.data, b.len, v->digest, &err), -1);
		ck_assert_int_eq(err.code, ERR_INVALID);
		buf_release(&b);
		free(path);
	}
	index_release(&idx);
	buf_release(&ib);
}
END_TEST

static const struct {
	const char *file;
	int code;
	const char *msg;
} hostile_rows[] = {
	{ "chart-path-traversal.tgz", ERR_INVALID, "'..'" },
	{ "chart-gzip-bomb.tgz", ERR_LIMIT, "inflates past" },
	{ "chart-escape-names.tgz", ERR_INVALID, "control bytes" },
	{ "not-gzip.tgz", ERR_PARSE, "not a chart archive" },
	{ "truncated.tgz", ERR_PARSE, "damaged" },
};

START_TEST(test_hostile)
{
	char *path = xasprintf(TESTDATA "/hostile/charts/%s", hostile_rows[_i].file);
	struct buf b;
	struct chart *c = (struct chart *)1;
	struct error err;

	testutil_read(path, &b);
	ck_assert_int_eq(chart_load(b.data, b.len, NULL, &c, &err), -1);
	ck_assert_ptr_null(c);
	ck_assert_msg(err.code == hostile_rows[_i].code, "%s: %s", hostile_rows[_i].file, err.msg);
	ck_assert_msg(strstr(err.msg, hostile_rows[_i].msg) != NULL, "%s", err.msg);
	for (const char *p = err.msg; *p; p++)
		ck_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* nothing was written anywhere: not in our home, not in /tmp */
	ck_assert_uint_eq(count_entries(home), 0);
	ck_assert(!file_exists("/tmp/datalab-pwned.txt"));
	ck_assert(!file_exists("/tmp/datalab-absolute.txt"));
	buf_release(&b);
	free(path);
}
END_TEST

START_TEST(test_limits)
{
	struct chart_limits lim = { 64u << 20, 20000, 1024, 8 };
	struct buf b;
	struct chart *c;
	struct error err;

	testutil_read(GEN "/jupyter-python-2.5.2.tgz", &b);
	lim.max_entries = 10;
	ck_assert_int_eq(chart_load(b.data, b.len, &lim, &c, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	lim.max_entries = 20000;
	lim.max_total = 40000;
	ck_assert_int_eq(chart_load(b.data, b.len, &lim, &c, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	lim.max_total = 64u << 20;
	lim.max_depth = 0;
	ck_assert_int_eq(chart_load(b.data, b.len, &lim, &c, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	ck_assert_int_eq(chart_load(b.data, 100, NULL, &c, &err), -1);
	ck_assert_int_eq(chart_load("", 0, NULL, &c, &err), -1);
	buf_release(&b);
}
END_TEST

START_TEST(test_cache)
{
	struct buf b, got;
	struct error err;
	char digest[65], *path;
	struct stat st;

	testutil_read(GEN "/rstudio-2.5.5.tgz", &b);
	chart_sha256_hex(b.data, b.len, digest);
	buf_init(&got, 0);
	ck_assert_int_eq(chart_cache_load(digest, &got, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	/* a wrong digest is refused before anything is written */
	ck_assert_int_eq(chart_cache_store("00000000000000000000000000000000"
	    "00000000000000000000000000000000", b.data, b.len, &err), -1);
	ck_assert_int_eq(chart_cache_store("../../x", b.data, b.len, &err), -1);
	ck_assert_int_eq(chart_cache_store(digest, b.data, b.len, &err), 0);
	path = chart_cache_path(digest, &err);
	ck_assert(str_has_suffix(path, "/charts/") == 0 && strstr(path, digest));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(chart_cache_load(digest, &got, &err), 0);
	ck_assert_uint_eq(got.len, b.len);
	ck_assert(memcmp(got.data, b.data, b.len) == 0);
	/* damage the cached copy: it is dropped */
	ck_assert_int_eq(file_write_atomic(path, "junk", 4, 0600, &err), 0);
	buf_reset(&got);
	ck_assert_int_eq(chart_cache_load(digest, &got, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	ck_assert_uint_eq(got.len, 0);
	ck_assert(!file_exists(path));
	free(path);
	buf_release(&got);
	buf_release(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("helm_chart");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jupyter);
	tcase_add_test(tc, test_generated_digests);
	tcase_add_loop_test(tc, test_hostile, 0, DL_ARRAY_LEN(hostile_rows));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_cache);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
