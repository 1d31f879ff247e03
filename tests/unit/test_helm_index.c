/* test_helm_index.c: index.yaml parsing, latest-version choice, url resolution. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/str.h"
#include "datalab/helm/index.h"
#include "datalab/helm/semver.h"
#include "testutil.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

START_TEST(test_real_index)
{
	struct buf b;
	struct index idx;
	struct error err;
	const struct index_chart *c;
	const struct index_version *v;
	double t0, best = 1e9;

	testutil_read(TESTDATA "/index/interactive-services-index.yaml", &b);
	for (int i = 0; i < 5; i++) {
		t0 = now_ms();
		ck_assert_msg(index_parse(b.data, b.len, NULL, &idx, &err) == 0, "%s", err.msg);
		best = DL_MIN(best, now_ms() - t0);
		if (i < 4)
			index_release(&idx);
	}
	fprintf(stderr, "index: %zu bytes, %zu charts, %zu versions, parsed in %.1f ms\n",
	    b.len, idx.ncharts, idx.nversions, best);
	/* generous for sanitizers; an -O2 build takes a few tens of ms */
	ck_assert(best < 2000);
	ck_assert_uint_eq(idx.ncharts, 22);
	ck_assert_uint_eq(idx.nversions, 2567);
	ck_assert_uint_eq(idx.nrejected, 0);
	ck_assert_str_eq(idx.api_version, "v1");
	ck_assert_ptr_nonnull(idx.generated);
	for (size_t i = 1; i < idx.ncharts; i++)
		ck_assert(strcmp(idx.charts[i - 1].name, idx.charts[i].name) < 0);

	c = index_find(&idx, "jupyter-python");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nversions, 137);
	v = index_latest(c);
	ck_assert_str_eq(v->version, "2.5.2");
	ck_assert(!c->library);
	ck_assert_uint_eq(v->nurls, 1);
	ck_assert(str_has_prefix(v->urls[0], "https://github.com/InseeFrLab/"));
	ck_assert_uint_eq(strlen(v->digest), 64);
	ck_assert_uint_ge(v->ndeps, 1);
	ck_assert_str_eq(v->deps[0].name, "library-chart");
	ck_assert_ptr_nonnull(v->description);
	ck_assert_ptr_nonnull(v->icon);
	ck_assert_uint_gt(v->nkeywords, 0);
	ck_assert_ptr_eq(index_find_version(c, NULL), v);
	ck_assert_ptr_eq(index_find_version(c, "2.5.2"), v);
	ck_assert_ptr_null(index_find_version(c, "9.9.9"));
	for (size_t i = 1; i < c->nversions; i++)
		ck_assert(semver_compare_str(c->versions[i - 1].version, c->versions[i].version) > 0);

	c = index_find(&idx, "library-chart");
	ck_assert_ptr_nonnull(c);
	ck_assert(c->library);
	ck_assert_str_eq(index_latest(c)->version, "2.1.7");
	ck_assert_ptr_null(index_find(&idx, "nope"));
	ck_assert_ptr_null(index_find(&idx, "zzz"));
	index_release(&idx);
	ck_assert_uint_eq(idx.ncharts, 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_generated_index)
{
	struct buf b;
	struct index idx;
	struct error err;

	testutil_read(TESTDATA "/index/generated/index.yaml", &b);
	ck_assert_msg(index_parse(b.data, b.len, NULL, &idx, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(idx.ncharts, 8);
	ck_assert(index_find(&idx, "library-chart")->library);
	ck_assert(!index_find(&idx, "rstudio")->library);
	ck_assert_str_eq(index_latest(index_find(&idx, "rstudio"))->version, "2.5.5");
	index_release(&idx);
	buf_release(&b);
}
END_TEST

START_TEST(test_hostile_index)
{
	struct buf b;
	struct index idx;
	struct error err;
	const struct index_chart *c;

	testutil_read(TESTDATA "/hostile/yaml/index-hostile.yaml", &b);
	ck_assert_msg(index_parse(b.data, b.len, NULL, &idx, &err) == 0, "%s", err.msg);
	/* every kept chart name is a clean identifier */
	for (size_t i = 0; i < idx.ncharts; i++) {
		for (const char *p = idx.charts[i].name; *p; p++)
			ck_assert(*p > 0x20 && *p < 0x7f);
		for (size_t j = 0; j < idx.charts[i].nversions; j++)
			ck_assert_str_eq(idx.charts[i].versions[j].name, idx.charts[i].name);
	}
	ck_assert_ptr_null(index_find(&idx, "bidi"));
	c = index_find(&idx, "traversal");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nversions, 4);	/* "../../1.0.4" dropped */
	ck_assert_str_eq(index_latest(c)->version, "1.0.3");
	c = index_find(&idx, "many-versions");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nversions, 2000);
	c = index_find(&idx, "missing-fields");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nversions, 1);
	c = index_find(&idx, "weird-versions");
	ck_assert_ptr_nonnull(c);
	for (size_t j = 0; j < c->nversions; j++)
		ck_assert_str_ne(c->versions[j].version, "01.02.03");
	ck_assert_uint_gt(idx.nrejected, 5);
	index_release(&idx);
	buf_release(&b);
}
END_TEST

static const struct {
	const char *yaml;
	int ok;
	size_t ncharts, nversions, nrejected;
	const char *chart, *latest;
} inline_rows[] = {
	{ "apiVersion: v1\nentries: {}\n", 1, 0, 0, 0, NULL, NULL },
	{ "apiVersion: v1\nentries: ~\n", 1, 0, 0, 0, NULL, NULL },
	{ "apiVersion: v1\n", 1, 0, 0, 0, NULL, NULL },
	{ "entries:\n  a:\n  - {name: a, version: 1.0.0}\n  - {name: a, version: 2.0.0-rc.1}\n",
	  1, 1, 2, 0, "a", "1.0.0" },
	{ "entries:\n  a:\n  - {name: a, version: 2.0.0-rc.1}\n  - {name: a, version: 2.0.0-beta}\n",
	  1, 1, 2, 0, "a", "2.0.0-rc.1" },
	/* the key and the name disagree */
	{ "entries:\n  a:\n  - {name: b, version: 1.0.0}\n", 1, 0, 0, 1, NULL, NULL },
	/* bad digest, bad type, non-scalar version */
	{ "entries:\n  a:\n  - {name: a, version: 1.0.0, digest: xyz}\n"
	  "  - {name: a, version: 1.0.1, type: plugin}\n"
	  "  - {name: a, version: [1]}\n  - {name: a, version: 1.0.2, digest: "
	  "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789}\n",
	  1, 1, 1, 3, "a", "1.0.2" },
	/* duplicate key: the last wins, as in go-yaml */
	{ "entries:\n  a:\n  - {name: a, version: 1.0.0}\n  a:\n  - {name: a, version: 3.0.0}\n",
	  1, 1, 1, 0, "a", "3.0.0" },
	/* aliases are not expanded: a version given as an alias is dropped */
	{ "x: &v {name: a, version: 1.0.0}\nentries:\n  a:\n  - *v\n  - {name: a, version: 1.1.0, urls: *v}\n",
	  1, 0, 0, 2, NULL, NULL },
	/* unknown keys, complex keys and deep junk are skipped */
	{ "junk: [[[[[[{a: [b]}]]]]]]\n? [k]\n: v\nentries:\n  a:\n  - {name: a, version: 1.0.0, x: {y: [z]}}\n",
	  1, 1, 1, 0, "a", "1.0.0" },
	{ "[1, 2]\n", 0, 0, 0, 0, NULL, NULL },
	{ "", 0, 0, 0, 0, NULL, NULL },
	{ "entries: 5\n", 0, 0, 0, 0, NULL, NULL },
	{ "entries:\n  a: [\n", 0, 0, 0, 0, NULL, NULL },
	{ "entries: {a: [{name: a, version: \"1.0.0\"}], b: [{name: b, version: 1.0.0}]} trailing\n",
	  0, 0, 0, 0, NULL, NULL },
};

/* check_inline_row: what a parse of row i (whole or in steps) must give;
 * releases idx */
static void check_inline_row(int i, int rc, struct index *idx, const struct error *err)
{
	ck_assert_msg((rc == 0) == inline_rows[i].ok, "row %d: %s", i, rc ? err->msg : "ok");
	if (rc != 0) {
		ck_assert_uint_eq(idx->ncharts, 0);
		ck_assert(err->msg[0] != '\0');
		return;
	}
	ck_assert_uint_eq(idx->ncharts, inline_rows[i].ncharts);
	ck_assert_uint_eq(idx->nversions, inline_rows[i].nversions);
	ck_assert_uint_eq(idx->nrejected, inline_rows[i].nrejected);
	if (inline_rows[i].chart)
		ck_assert_str_eq(index_latest(index_find(idx, inline_rows[i].chart))->version, inline_rows[i].latest);
	index_release(idx);
}

START_TEST(test_inline)
{
	struct index idx;
	struct error err;
	const char *y = inline_rows[_i].yaml;
	int rc = index_parse(y, strlen(y), NULL, &idx, &err);

	check_inline_row(_i, rc, &idx, &err);
}
END_TEST

/* index_parse_in_steps: the same parse one unit a step (budget 0), as
 * the console runs it between wake-ups; *steps counts them. */
static int parse_in_steps(const char *y, size_t n, struct index *idx, struct error *err, size_t *steps)
{
	struct index_parser *ip = index_parser_new(y, n, NULL);
	int rc;

	*steps = 0;
	while ((rc = index_parser_step(ip, 0, err)) == 1)
		(*steps)++;
	index_parser_take(ip, idx);
	index_parser_free(ip);
	return rc;
}

START_TEST(test_inline_in_steps)
{
	struct index idx;
	struct error err;
	const char *y = inline_rows[_i].yaml;
	size_t steps;
	int rc = parse_in_steps(y, strlen(y), &idx, &err, &steps);

	check_inline_row(_i, rc, &idx, &err);
}
END_TEST

/* The real index in steps: the same index, in thousands of small steps. */
START_TEST(test_real_index_in_steps)
{
	static const char *const files[] = {
		TESTDATA "/index/interactive-services-index.yaml",
		TESTDATA "/hostile/yaml/index-hostile.yaml",
	};

	for (size_t f = 0; f < DL_ARRAY_LEN(files); f++) {
		struct index whole, stepped;
		struct error err;
		struct buf b;
		size_t steps;

		testutil_read(files[f], &b);
		ck_assert_int_eq(index_parse(b.data, b.len, NULL, &whole, &err), 0);
		ck_assert_msg(parse_in_steps(b.data, b.len, &stepped, &err, &steps) == 0, "%s", err.msg);
		ck_assert_uint_eq(stepped.ncharts, whole.ncharts);
		ck_assert_uint_eq(stepped.nversions, whole.nversions);
		ck_assert_uint_eq(stepped.nrejected, whole.nrejected);
		ck_assert_uint_ge(steps, whole.nversions);	/* a step is at most one version */
		for (size_t i = 0; i < whole.ncharts; i++) {
			ck_assert_str_eq(stepped.charts[i].name, whole.charts[i].name);
			ck_assert_uint_eq(stepped.charts[i].nversions, whole.charts[i].nversions);
			ck_assert_str_eq(index_latest(&stepped.charts[i])->version, index_latest(&whole.charts[i])->version);
		}
		index_release(&whole);
		index_release(&stepped);
		buf_release(&b);
	}
}
END_TEST

START_TEST(test_limits)
{
	struct index_limits lim = { 1 << 20, 1, 2, 2, 100 };
	struct index idx;
	struct error err;
	const char *two = "entries:\n  a: [{name: a, version: 1.0.0}]\n  b: [{name: b, version: 1.0.0}]\n";
	const char *three = "entries:\n  a: [{name: a, version: 1.0.0}, {name: a, version: 1.0.1}, "
	    "{name: a, version: 1.0.2}]\n";
	const char *list = "entries:\n  a: [{name: a, version: 1.0.0, urls: [x, y, z]}]\n";

	ck_assert_int_eq(index_parse(two, strlen(two), &lim, &idx, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	ck_assert_int_eq(index_parse(three, strlen(three), &lim, &idx, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	ck_assert_int_eq(index_parse(list, strlen(list), &lim, &idx, &err), 0);
	ck_assert_uint_eq(idx.nrejected, 1);
	index_release(&idx);
	lim.max_bytes = 10;
	ck_assert_int_eq(index_parse(list, strlen(list), &lim, &idx, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
}
END_TEST

START_TEST(test_metadata)
{
	struct buf b;
	struct index_version v;
	struct error err;
	const char *bad = "name: x\n";

	testutil_read(TESTDATA "/charts/jupyter-python/Chart.yaml", &b);
	ck_assert_msg(index_parse_metadata(b.data, b.len, &v, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(v.name, "jupyter-python");
	ck_assert_str_eq(v.version, "2.5.2");
	ck_assert_str_eq(v.api_version, "v2");
	ck_assert(!v.library);
	index_version_release(&v);
	buf_release(&b);
	testutil_read(TESTDATA "/charts/library-chart/Chart.yaml", &b);
	ck_assert_int_eq(index_parse_metadata(b.data, b.len, &v, &err), 0);
	ck_assert(v.library);
	index_version_release(&v);
	buf_release(&b);
	ck_assert_int_eq(index_parse_metadata(bad, strlen(bad), &v, &err), -1);
	ck_assert_str_eq(err.msg, "Chart.yaml has no version");
}
END_TEST

static const struct {
	const char *base, *ref, *want;
} url_rows[] = {
	{ "https://r.example/charts", "a-1.0.0.tgz", "https://r.example/charts/a-1.0.0.tgz" },
	{ "https://r.example/charts/", "a-1.0.0.tgz", "https://r.example/charts/a-1.0.0.tgz" },
	{ "https://r.example/charts/index.yaml", "a.tgz", "https://r.example/charts/a.tgz" },
	{ "https://r.example", "a.tgz", "https://r.example/a.tgz" },
	{ "HTTP://r.example:8080/x?q=1", "sub/./a.tgz?t=2", "http://r.example:8080/x/sub/a.tgz?t=2" },
	{ "https://r.example/charts", "../../../../etc/passwd", "https://r.example/etc/passwd" },
	{ "https://r.example/charts", "/etc/shadow", "https://r.example/etc/shadow" },
	{ "https://r.example/charts", "traversal-../../1.0.4.tgz", "https://r.example/charts/1.0.4.tgz" },
	{ "https://r.example/a/b", "..", "https://r.example/a/" },
	{ "https://r.example/charts", "https://cdn.example/x/a.tgz", "https://cdn.example/x/a.tgz" },
	{ NULL, "https://cdn.example/a.tgz", "https://cdn.example/a.tgz" },
	{ "https://r.example/charts", "file:///etc/passwd", NULL },
	{ "https://r.example/charts", "https://charts.example.test@169.254.169.254/latest/meta-data/", NULL },
	{ "https://r.example/charts", "//169.254.169.254/x", NULL },
	{ "https://r.example/charts", "javascript:alert(1)", NULL },
	{ "https://r.example/charts", "a b.tgz", NULL },
	{ "https://r.example/charts", "a\x1b]52;c;x\x07.tgz", NULL },
	{ "https://r.example/charts", "..\\..\\x", NULL },
	{ "https://r.example/charts", "", NULL },
	{ "https://r.example/charts", "http:///x", NULL },
	{ "file:///srv/charts", "a.tgz", NULL },
	{ "https://u:p@r.example/charts", "a.tgz", NULL },
	{ NULL, "a.tgz", NULL },
};

START_TEST(test_resolve_url)
{
	struct buf out;
	struct error err;
	int rc;

	buf_init(&out, 0);
	rc = index_resolve_url(url_rows[_i].base, url_rows[_i].ref, &out, &err);
	if (url_rows[_i].want) {
		ck_assert_msg(rc == 0, "row %d: %s", _i, err.msg);
		ck_assert_str_eq(out.data, url_rows[_i].want);
	} else {
		ck_assert_msg(rc == -1, "row %d gave '%s'", _i, out.data);
		ck_assert_int_eq(err.code, ERR_INVALID);
		ck_assert_uint_eq(out.len, 0);
	}
	buf_release(&out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("helm_index");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_real_index);
	tcase_add_test(tc, test_generated_index);
	tcase_add_test(tc, test_hostile_index);
	tcase_add_loop_test(tc, test_inline, 0, DL_ARRAY_LEN(inline_rows));
	tcase_add_loop_test(tc, test_inline_in_steps, 0, DL_ARRAY_LEN(inline_rows));
	tcase_add_test(tc, test_real_index_in_steps);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_metadata);
	tcase_add_loop_test(tc, test_resolve_url, 0, DL_ARRAY_LEN(url_rows));
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
