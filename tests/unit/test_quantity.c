/*
 * test_quantity.c: the Quantity grammar, canonical forms, accessors, and the
 * hostile node list.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/kube/quantity.h"
#include "testutil.h"

static const struct {
	const char *in;
	const char *canonical;
	int64_t milli;
	int64_t value;
} good[] = {
	{ "0", "0", 0, 0 },
	{ "1", "1", 1000, 1 },
	{ "1.5", "1500m", 1500, 2 },
	{ "1000m", "1", 1000, 1 },
	{ "100m", "100m", 100, 1 },
	{ "0.5", "500m", 500, 1 },
	{ ".5", "500m", 500, 1 },
	{ "1.", "1", 1000, 1 },
	{ "+3", "3", 3000, 3 },
	{ "-1", "-1", -1000, -1 },
	{ "-1.5", "-1500m", -1500, -2 },
	{ "1.5Gi", "1536Mi", 1610612736000LL, 1610612736 },
	{ "0.5Gi", "512Mi", 536870912000LL, 536870912 },
	{ "1Ki", "1Ki", 1024000, 1024 },
	{ "1024", "1024", 1024000, 1024 },
	{ "512Ki", "512Ki", 524288000, 524288 },
	{ "0.5Ki", "512", 512000, 512 },
	{ "1023Mi", "1023Mi", 1072693248000LL, 1072693248 },
	{ "1Ei", "1Ei", INT64_MAX, 1152921504606846976LL },
	{ "2k", "2k", 2000000, 2000 },
	{ "12000", "12k", 12000000, 12000 },
	{ "10", "10", 10000, 10 },
	{ "1M", "1M", 1000000000, 1000000 },
	{ "1G", "1G", 1000000000000LL, 1000000000 },
	{ "1E", "1E", INT64_MAX, 1000000000000000000LL },
	{ "137466072n", "137466072n", 138, 1 },
	{ "2500000n", "2500u", 3, 1 },
	{ "1u", "1u", 1, 1 },
	{ "0.1m", "100u", 1, 1 },
	{ "0.0000000001", "1n", 1, 1 },		/* below 1n: rounded up */
	{ "0.0000000015", "2n", 1, 1 },
	{ "-0.0000000001", "-1n", -1, -1 },
	{ "1e3", "1e3", 1000000, 1000 },
	{ "1E3", "1e3", 1000000, 1000 },
	{ "15e2", "1500", 1500000, 1500 },
	{ "1e-3", "1e-3", 1, 1 },
	{ "12e6", "12e6", 12000000000LL, 12000000 },
	{ "3m", "3m", 3, 1 },
	{ "1235700Ki", "1235700Ki", 1265356800000LL, 1265356800 },
	{ "9223372036854775807", "9223372036854775807", INT64_MAX, INT64_MAX },
	{ "9999999999999999999999999", "9223372036854775807", INT64_MAX, INT64_MAX },
	{ "1e309", "9223372036854775807", INT64_MAX, INT64_MAX },
	{ "1e-309", "1e-9", 1, 1 },
	{ "16Ei", "9223372036854775807", INT64_MAX, INT64_MAX },
	{ "0.000000000000000000000000001", "1n", 1, 1 },
	{ "000123", "123", 123000, 123 },
	{ "0Gi", "0", 0, 0 },
	{ "1.000000000000000000001", "1000000001n", 1001, 2 },
};

static const char *const bad[] = {
	"", "1.5.5", "12Zi", ".", "+", "-", "1 ", " 1", "1 Gi", "1gi", "1Zi",
	"1K", "1e", "1e+", "1ee3", "e3", "1x", "abc", "1Mi2", "--1", "1i",
	"0x10", "1,5", "Gi", "1KI", "1.5e1.5", "nan", "inf", "1e3m",
};

START_TEST(test_good)
{
	struct quantity q;
	struct error err;
	char out[64];

	ck_assert_msg(quantity_parse_str(good[_i].in, &q, &err) == 0,
		      "%s: %s", good[_i].in, err.msg);
	quantity_format(&q, out, sizeof(out));
	ck_assert_msg(strcmp(out, good[_i].canonical) == 0, "%s: got '%s' want '%s'",
		      good[_i].in, out, good[_i].canonical);
	ck_assert_msg(quantity_milli(&q) == good[_i].milli, "%s: milli %lld", good[_i].in,
		      (long long)quantity_milli(&q));
	ck_assert_msg(quantity_value(&q) == good[_i].value, "%s: value %lld", good[_i].in,
		      (long long)quantity_value(&q));
	ck_assert_int_ge(q.scale, -9);
	/* the canonical form parses back to the same value */
	{
		struct quantity r;

		ck_assert_int_eq(quantity_parse_str(out, &r, &err), 0);
		ck_assert_int_eq(quantity_cmp(&q, &r), 0);
		ck_assert_int_eq(q.value, r.value);
		ck_assert_int_eq(q.scale, r.scale);
	}
}
END_TEST

START_TEST(test_bad)
{
	struct quantity q;
	struct error err;

	ck_assert_msg(quantity_parse_str(bad[_i], &q, &err) == -1, "'%s' parsed", bad[_i]);
	ck_assert_int_eq(err.code, ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid quantity '"));
	ck_assert_int_eq(q.value, 0);
}
END_TEST

START_TEST(test_split_anywhere)
{
	/* the parser takes (p, n): bytes past n must not matter */
	struct quantity q;
	char out[32];

	ck_assert_int_eq(quantity_parse("1.5Gi trailing", 5, &q, NULL), 0);
	quantity_format(&q, out, sizeof(out));
	ck_assert_str_eq(out, "1536Mi");
	ck_assert_int_eq(quantity_parse("100mX", 4, &q, NULL), 0);
	ck_assert_int_eq(quantity_milli(&q), 100);
	ck_assert_int_eq(quantity_parse_str(NULL, &q, NULL), -1);
}
END_TEST

START_TEST(test_cmp_add)
{
	struct quantity a, b, c;
	char out[32];

	quantity_parse_str("1", &a, NULL);
	quantity_parse_str("1000m", &b, NULL);
	ck_assert_int_eq(quantity_cmp(&a, &b), 0);
	quantity_parse_str("1001m", &b, NULL);
	ck_assert_int_lt(quantity_cmp(&a, &b), 0);
	ck_assert_int_gt(quantity_cmp(&b, &a), 0);
	quantity_parse_str("1Ki", &c, NULL);
	quantity_parse_str("1024", &a, NULL);
	ck_assert_int_eq(quantity_cmp(&a, &c), 0);

	quantity_parse_str("250m", &a, NULL);
	quantity_parse_str("1.5", &b, NULL);
	quantity_add(&a, &b);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "1750m");

	quantity_parse_str("1Gi", &a, NULL);
	quantity_parse_str("512Mi", &b, NULL);
	quantity_add(&a, &b);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "1536Mi");

	quantity_parse_str("-500m", &a, NULL);
	quantity_parse_str("200m", &b, NULL);
	quantity_add(&a, &b);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "-300m");
	quantity_parse_str("-1.5", &a, NULL);
	quantity_parse_str("2", &b, NULL);
	quantity_add(&a, &b);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "500m");
	quantity_parse_str("1.5", &a, NULL);
	quantity_parse_str("-2", &b, NULL);
	quantity_add(&a, &b);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "-500m");

	/* saturates instead of wrapping */
	quantity_parse_str("9E", &a, NULL);
	quantity_parse_str("9E", &b, NULL);
	quantity_add(&a, &b);
	ck_assert_int_eq(quantity_value(&a), INT64_MAX);

	/* a big whole part with nanos keeps what fits, rounding up */
	quantity_parse_str("8E", &a, NULL);
	quantity_parse_str("1n", &b, NULL);
	quantity_add(&a, &b);
	ck_assert_int_gt(quantity_cmp(&a, &b), 0);
	ck_assert_int_eq(quantity_value(&a), 8000000000000000001LL);

	quantity_from_milli(&a, 2500);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "2500m");
	quantity_from_milli(&a, -3000);
	quantity_format(&a, out, sizeof(out));
	ck_assert_str_eq(out, "-3");
	ck_assert_int_eq(quantity_nano(&a), -3000000000LL);
}
END_TEST

START_TEST(test_hostile_nodelist)
{
	static const struct {
		const char *key;
		int ok;
		const char *canonical;
	} want[] = {
		{ "cpu", 0, NULL },
		{ "memory", 0, NULL },
		{ "nvidia.com/gpu", 1, "-1" },
		{ "pods", 1, "9223372036854775807" },
		{ "ephemeral-storage", 1, "9223372036854775807" },
		{ "example.com/dongle", 1, "3m" },
	};
	struct buf b = BUF_INIT;
	struct error err;
	cJSON *root, *items, *item;
	int seen = 0;

	ck_assert_int_eq(file_read(TESTDATA "/hostile/kube/nodelist-bad-quantities.json", &b, &err), 0);
	root = cJSON_ParseWithLength(b.data, b.len);
	ck_assert_ptr_nonnull(root);
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	cJSON_ArrayForEach(item, items) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(item, "status");
		const cJSON *cap = cJSON_GetObjectItemCaseSensitive(st, "capacity");
		const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(st, "allocatable");
		const cJSON *v;

		for (size_t i = 0; cap && i < DL_ARRAY_LEN(want); i++) {
			struct quantity q;
			char out[64];
			int rc;

			v = cJSON_GetObjectItemCaseSensitive(cap, want[i].key);
			rc = quantity_parse_str(cJSON_GetStringValue(v), &q, &err);
			ck_assert_msg((rc == 0) == want[i].ok, "%s", want[i].key);
			if (rc == 0) {
				quantity_format(&q, out, sizeof(out));
				ck_assert_str_eq(out, want[i].canonical);
			}
			seen++;
		}
		if (alloc) {
			struct quantity q;

			v = cJSON_GetObjectItemCaseSensitive(alloc, "cpu");
			ck_assert_int_eq(quantity_parse_str(cJSON_GetStringValue(v), &q, NULL), -1);
			v = cJSON_GetObjectItemCaseSensitive(alloc, "memory");
			ck_assert_int_eq(quantity_parse_str(cJSON_GetStringValue(v), &q, NULL), -1);
			v = cJSON_GetObjectItemCaseSensitive(alloc, "nvidia.com/gpu");
			ck_assert_int_eq(quantity_parse_str(cJSON_GetStringValue(v), &q, NULL), 0);
			ck_assert_int_eq(quantity_milli(&q), 500);
			ck_assert_int_eq(quantity_value(&q), 1);
		}
	}
	ck_assert_int_eq(seen, (int)DL_ARRAY_LEN(want));
	cJSON_Delete(root);
	buf_release(&b);
}
END_TEST

START_TEST(test_testdata_metrics)
{
	/* every quantity in the canned metrics and node lists parses */
	static const char *const files[] = {
		TESTDATA "/kube/derived/nodemetricslist.json",
		TESTDATA "/kube/derived/podmetricslist.json",
		TESTDATA "/kube/derived/nodelist-gpu.json",
	};

	for (size_t f = 0; f < DL_ARRAY_LEN(files); f++) {
		struct buf b = BUF_INIT;
		const char *p;
		int n = 0;

		ck_assert_int_eq(file_read(files[f], &b, NULL), 0);
		/* scan "cpu": "..." and "memory": "..." values */
		for (p = b.data; (p = strstr(p, "\"cpu\": \"")) != NULL; p++) {
			const char *s = p + 8, *e = strchr(s, '"');
			struct quantity q;

			ck_assert_int_eq(quantity_parse(s, (size_t)(e - s), &q, NULL), 0);
			n++;
		}
		ck_assert_int_gt(n, 0);
		buf_release(&b);
	}
}
END_TEST

static Suite *quantity_suite(void)
{
	Suite *s = suite_create("quantity");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, DL_ARRAY_LEN(good));
	tcase_add_loop_test(tc, test_bad, 0, DL_ARRAY_LEN(bad));
	tcase_add_test(tc, test_split_anywhere);
	tcase_add_test(tc, test_cmp_add);
	tcase_add_test(tc, test_hostile_nodelist);
	tcase_add_test(tc, test_testdata_metrics);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(quantity_suite)
