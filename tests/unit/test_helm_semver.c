/* test_helm_semver.c: SemVer 2 parsing and the precedence order. */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/helm/semver.h"
#include "testutil.h"

static const struct {
	const char *s;
	int ok;
	uint64_t ma, mi, pa;
	const char *pre, *build;
} parse_rows[] = {
	{ "1.2.3", 1, 1, 2, 3, "", "" },
	{ "v1.2.3", 1, 1, 2, 3, "", "" },
	{ "1.2", 1, 1, 2, 0, "", "" },
	{ "7", 1, 7, 0, 0, "", "" },
	{ "0.0.0-0", 1, 0, 0, 0, "0", "" },
	{ "1.0.0-alpha.1+build.5", 1, 1, 0, 0, "alpha.1", "build.5" },
	{ "1.0.0+001", 1, 1, 0, 0, "", "001" },
	{ "1.0.0-x-y-z.--", 1, 1, 0, 0, "x-y-z.--", "" },
	{ "18446744073709551615.0.0", 1, UINT64_MAX, 0, 0, "", "" },
	{ "18446744073709551616.0.0", 0, 0, 0, 0, NULL, NULL },
	{ "", 0, 0, 0, 0, NULL, NULL },
	{ "v", 0, 0, 0, 0, NULL, NULL },
	{ "01.2.3", 0, 0, 0, 0, NULL, NULL },
	{ "1.02.3", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3-01", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3-", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3+", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3-a..b", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3.4", 0, 0, 0, 0, NULL, NULL },
	{ "1.2.3 ", 0, 0, 0, 0, NULL, NULL },
	{ "../../1.0.4", 0, 0, 0, 0, NULL, NULL },
	{ "1.0.0-\xc3\xa9", 0, 0, 0, 0, NULL, NULL },
	{ "latest", 0, 0, 0, 0, NULL, NULL },
	{ "1..2", 0, 0, 0, 0, NULL, NULL },
	{ "-1.0.0", 0, 0, 0, 0, NULL, NULL },
};

START_TEST(test_parse)
{
	struct semver v;
	int rc = semver_parse(parse_rows[_i].s, strlen(parse_rows[_i].s), &v);

	ck_assert_msg((rc == 0) == parse_rows[_i].ok, "'%s'", parse_rows[_i].s);
	if (!parse_rows[_i].ok)
		return;
	ck_assert_uint_eq(v.major, parse_rows[_i].ma);
	ck_assert_uint_eq(v.minor, parse_rows[_i].mi);
	ck_assert_uint_eq(v.patch, parse_rows[_i].pa);
	ck_assert_uint_eq(v.pre_len, strlen(parse_rows[_i].pre));
	ck_assert(memcmp(v.pre ? v.pre : "", parse_rows[_i].pre, v.pre_len) == 0);
	ck_assert_uint_eq(v.build_len, strlen(parse_rows[_i].build));
	ck_assert(memcmp(v.build ? v.build : "", parse_rows[_i].build, v.build_len) == 0);
}
END_TEST

/* semver.org section 11's example chain, strictly increasing. */
static const char *const chain[] = {
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1",
	"1.1.0", "1.10.0", "2.0.0", "10.0.0",
};

START_TEST(test_chain)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(chain); i++) {
		for (size_t j = 0; j < DL_ARRAY_LEN(chain); j++) {
			int c = semver_compare_str(chain[i], chain[j]);
			int want = i < j ? -1 : i > j;

			ck_assert_msg(c == want, "%s vs %s: %d", chain[i], chain[j], c);
		}
	}
}
END_TEST

START_TEST(test_build_and_malformed)
{
	struct semver a, b;

	/* build metadata has no precedence... */
	ck_assert_int_eq(semver_parse("1.0.0+a", 7, &a), 0);
	ck_assert_int_eq(semver_parse("1.0.0+b", 7, &b), 0);
	ck_assert_int_eq(semver_cmp(&a, &b), 0);
	/* ...but the string order is total */
	ck_assert_int_lt(semver_compare_str("1.0.0+a", "1.0.0+b"), 0);
	ck_assert_int_eq(semver_compare_str("1.0.0+a", "1.0.0+a"), 0);
	/* "1.2" and "1.2.0" are the same version, "v" too */
	ck_assert_int_eq(semver_parse("1.2", 3, &a), 0);
	ck_assert_int_eq(semver_parse("v1.2.0", 6, &b), 0);
	ck_assert_int_eq(semver_cmp(&a, &b), 0);
	/* malformed sorts below every valid version, and among itself by bytes */
	ck_assert_int_lt(semver_compare_str("banana", "0.0.0-0"), 0);
	ck_assert_int_gt(semver_compare_str("0.0.1", "../../9.9.9"), 0);
	ck_assert_int_lt(semver_compare_str("apple", "banana"), 0);
	ck_assert_int_lt(semver_compare_str(NULL, "apple"), 0);
	ck_assert_int_eq(semver_compare_str(NULL, NULL), 0);
	ck_assert(semver_parse("2.0.0-rc.1", 10, &a) == 0 && semver_is_prerelease(&a));
	ck_assert(semver_parse("2.0.0", 5, &a) == 0 && !semver_is_prerelease(&a));
}
END_TEST

static int qcmp(const void *a, const void *b)
{
	return semver_compare_str(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(test_sort)
{
	const char *v[] = { "1.0.0", "junk", "0.9.9", "1.0.0-rc.10", "1.0.0-rc.9",
		"2.0.0+meta", "", "1.0.0-rc.10+x" };
	const char *want[] = { "", "junk", "0.9.9", "1.0.0-rc.9", "1.0.0-rc.10",
		"1.0.0-rc.10+x", "1.0.0", "2.0.0+meta" };

	qsort(v, DL_ARRAY_LEN(v), sizeof(v[0]), qcmp);
	for (size_t i = 0; i < DL_ARRAY_LEN(v); i++)
		ck_assert_str_eq(v[i], want[i]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("helm_semver");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, DL_ARRAY_LEN(parse_rows));
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_build_and_malformed);
	tcase_add_test(tc, test_sort);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
