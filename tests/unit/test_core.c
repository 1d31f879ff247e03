/*
 * test_core.c: buf, str, json, file, time and xdg: {input, expected} rows
 * and the buffer invariant after each operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/xdg.h"
#include "testutil.h"

static void assert_sane_buf(const struct buf *b)
{
	ck_assert_ptr_nonnull(b->data);
	ck_assert(b->len <= b->cap || (b->cap == 0 && b->len == 0));
	ck_assert_int_eq(b->data[b->len], '\0');
}

START_TEST(buf_basics)
{
	struct buf b;
	char *s;
	size_t n;

	buf_init(&b, 16);
	assert_sane_buf(&b);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_adds(&b, "hello"), 0);
	ck_assert_int_eq(buf_addf(&b, " %d", 42), 0);
	assert_sane_buf(&b);
	ck_assert_str_eq(b.data, "hello 42");
	buf_consume(&b, 6);
	ck_assert_str_eq(b.data, "42");
	ck_assert_int_eq(buf_adds(&b, "0123456789abcdefXYZ"), -1);	/* over the cap: emptied */
	assert_sane_buf(&b);
	ck_assert_uint_eq(b.len, 0);
	buf_adds(&b, "ok");
	s = buf_take(&b, &n);
	ck_assert_str_eq(s, "ok");
	ck_assert_uint_eq(n, 2);
	assert_sane_buf(&b);
	free(s);
	s = buf_take(&b, NULL);	/* never NULL, even empty */
	ck_assert_str_eq(s, "");
	free(s);
	buf_release(&b);
}
END_TEST

START_TEST(shell_quote_rows)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "helm", "helm" }, { "a b", "'a b'" }, { "it's", "'it'\\''s'" }, { "", "''" },
		{ "--set=a.b=1", "--set=a.b=1" }, { "$(rm -rf)", "'$(rm -rf)'" }, { "x;y", "'x;y'" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		str_shell_quote(&b, rows[i].in);
		ck_assert_str_eq(b.data, rows[i].out);
		buf_release(&b);
	}
}
END_TEST

START_TEST(url_and_base64)
{
	struct buf b;

	buf_init(&b, 0);
	str_url_encode(&b, "a b/c~é", strlen("a b/c~é"), true);
	ck_assert_str_eq(b.data, "a%20b/c~%C3%A9");
	buf_reset(&b);
	ck_assert_int_eq(str_url_decode(&b, "a%20b%2Fc+d", 11, true), 0);
	ck_assert_str_eq(b.data, "a b/c d");
	buf_reset(&b);
	ck_assert_int_eq(str_url_decode(&b, "bad%zz", 6, false), -1);
	buf_reset(&b);
	ck_assert_int_eq(str_url_decode(&b, "bad%", 4, false), -1);
	buf_reset(&b);
	str_base64_encode(&b, "hello!?", 7);
	ck_assert_str_eq(b.data, "aGVsbG8hPw==");
	buf_reset(&b);
	ck_assert_int_eq(str_base64_decode(&b, "aGVsbG8hPw==", 12), 0);
	ck_assert_str_eq(b.data, "hello!?");
	buf_reset(&b);
	ck_assert_int_eq(str_base64_decode(&b, "aGV*", 4), -1);
	buf_release(&b);
}
END_TEST

START_TEST(split_and_numbers)
{
	size_t n;
	char **l = str_split("a::b", ':', &n);
	int64_t v;
	uint64_t u;
	char out[32];

	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(l[0], "a");
	ck_assert_str_eq(l[1], "");
	ck_assert_str_eq(l[2], "b");
	ck_assert_ptr_null(l[3]);
	str_free_list(l);
	ck_assert_int_eq(str_parse_i64("-12", &v), 0);
	ck_assert_int_eq(v, -12);
	ck_assert_int_eq(str_parse_i64("12x", &v), -1);
	ck_assert_int_eq(str_parse_u64("-1", &u), -1);
	ck_assert_int_eq(str_parse_u64("99999999999999999999999", &u), -1);
	str_format_bytes(out, sizeof(out), 1536);
	ck_assert_str_eq(out, "1.5 KiB");
	str_format_bytes(out, sizeof(out), 12);
	ck_assert_str_eq(out, "12 B");
}
END_TEST

START_TEST(json_paths)
{
	struct error err;
	cJSON *r = json_parse("{\"a\":{\"b\":[{\"c\":\"x\"}]},\"n\":5}", 29, &err);

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_str(r, "a.b.0.c", ""), "x");
	ck_assert_int_eq(json_int(r, "n", 0), 5);
	ck_assert_str_eq(json_str(r, "a.missing", "def"), "def");
	ck_assert_int_eq(json_set_path(r, "resources.limits.nvidia\\.com/gpu", cJSON_CreateString("1")), 0);
	ck_assert_str_eq(json_get_key(json_get(r, "resources.limits"), "nvidia.com/gpu")->valuestring, "1");
	cJSON_Delete(r);
	ck_assert_ptr_null(json_parse("{} x", 4, &err));
	ck_assert_ptr_null(json_parse("  ", 2, &err));
	ck_assert_ptr_null(json_parse("{\"a\":", 5, &err));
}
END_TEST

START_TEST(json_hostile)
{
	static const char *const files[] = { "deep-array-100k.json", "deep-object-100k.json", "truncated.json",
					     "trailing-garbage.json", "empty.json", "only-whitespace.json",
					     "nan-infinity-comments.json" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];
		struct buf b;
		struct error err = { 0 };

		snprintf(path, sizeof(path), TESTDATA "/hostile/json/%s", files[i]);
		buf_init(&b, 0);
		ck_assert_int_eq(file_read(path, &b, NULL), 0);
		ck_assert_msg(json_parse(b.data, b.len, &err) == NULL, "%s parsed", files[i]);
		ck_assert_int_eq(err.code, ERR_PARSE);
		buf_release(&b);
	}
}
END_TEST

START_TEST(atomic_write_and_tree)
{
	char dir[] = "/tmp/dl-test-XXXXXX";
	char *path, *sub;
	struct buf b;
	struct stat st;
	struct error err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub = xasprintf("%s/a/b/c", dir);
	ck_assert_int_eq(file_mkdirs(sub, 0700, &err), 0);
	path = file_join(sub, "f.txt");
	ck_assert_int_eq(file_write_atomic(path, "one", 3, 0600, &err), 0);
	ck_assert_int_eq(file_write_atomic(path, "two!", 4, 0600, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	buf_init(&b, 0);
	ck_assert_int_eq(file_read(path, &b, &err), 0);
	ck_assert_str_eq(b.data, "two!");
	buf_release(&b);
	buf_init(&b, 2);
	ck_assert_int_eq(file_read(path, &b, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	ck_assert_int_eq(file_read("/nonexistent/x", &b, &err), -1);
	ck_assert(strstr(err.msg, "cannot open '/nonexistent/x'") != NULL);
	buf_release(&b);
	ck_assert_int_eq(file_remove_tree(dir, &err), 0);
	ck_assert(!file_exists(dir));
	free(path);
	free(sub);
}
END_TEST

START_TEST(time_formats)
{
	static const struct {
		long long s;
		const char *out;
	} ages[] = {
		{ 0, "0s" }, { 59, "59s" }, { 119, "119s" }, { 120, "2m" }, { 130, "2m10s" },
		{ 600, "10m" }, { 3 * 3600, "3h" }, { 3 * 3600 + 600, "3h10m" }, { 10 * 3600, "10h" },
		{ 3 * 86400, "3d" }, { 3 * 86400 + 7200, "3d2h" }, { 30 * 86400, "30d" },
		{ 3 * 365 * 86400, "3y" }, { 3 * 365 * 86400 + 86400 * 5, "3y5d" }, { -5, "0s" },
	};
	char out[32];
	time_t t;

	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		time_age(out, sizeof(out), ages[i].s);
		ck_assert_msg(strcmp(out, ages[i].out) == 0, "%lld: %s", ages[i].s, out);
	}
	ck_assert_int_eq(time_parse_rfc3339("2025-01-02T03:04:05Z", &t), 0);
	ck_assert_int_eq((long long)t, 1735787045LL);
	ck_assert_int_eq(time_parse_rfc3339("2025-01-02T03:04:05.123456789+01:00", &t), 0);
	ck_assert_int_eq((long long)t, 1735787045LL - 3600);
	ck_assert_int_eq(time_parse_rfc3339("2025-13-02T03:04:05Z", &t), -1);
	ck_assert_int_eq(time_parse_rfc3339("yesterday", &t), -1);
	time_rfc3339(out, sizeof(out), 1735787045);
	ck_assert_str_eq(out, "2025-01-02T03:04:05Z");
}
END_TEST

START_TEST(xdg_under_datalab_home)
{
	char dir[] = "/tmp/dl-xdg-XXXXXX";
	char *p;
	struct error err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("DATALAB_HOME", dir, 1);
	p = xdg_path(XDG_CONFIG, "account.yaml", &err);
	ck_assert_ptr_nonnull(p);
	ck_assert(strstr(p, "/config/account.yaml") != NULL);
	free(p);
	p = xdg_dir(XDG_CACHE, &err);
	ck_assert(file_exists(p));
	free(p);
	unsetenv("DATALAB_HOME");
	file_remove_tree(dir, NULL);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_basics);
	tcase_add_test(tc, shell_quote_rows);
	tcase_add_test(tc, url_and_base64);
	tcase_add_test(tc, split_and_numbers);
	tcase_add_test(tc, json_paths);
	tcase_add_test(tc, json_hostile);
	tcase_add_test(tc, atomic_write_and_tree);
	tcase_add_test(tc, time_formats);
	tcase_add_test(tc, xdg_under_datalab_home);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(core_suite)
