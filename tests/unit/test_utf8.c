/*
 * test_utf8.c: decoding, widths, and the one sanitize (its invariant is
 * checked on every hostile input of the shared corpus).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/utf8.h"
#include "testutil.h"

/* assert_safe: what no sanitized text may contain */
static void assert_safe(const char *s, size_t n, unsigned flags)
{
	size_t i = 0;

	ck_assert_msg(utf8_valid(s, n), "output is not valid UTF-8");
	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);

		ck_assert_int_gt(len, 0);
		if (cp < 0x20)
			ck_assert_msg((cp == '\n' && (flags & UTF8_KEEP_NEWLINE)) ||
				      (cp == '\t' && (flags & UTF8_KEEP_TAB)),
				      "control 0x%02x survived at %zu", cp, i);
		ck_assert_msg(cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F), "C1/DEL U+%04X survived", cp);
		ck_assert_msg(!(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069) &&
			      cp != 0x200E && cp != 0x200F, "bidi control U+%04X survived", cp);
		i += (size_t)len;
	}
}

static char *san(const char *s, size_t n, unsigned flags)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(utf8_sanitize(&b, s, n, flags), 0);
	assert_safe(b.data, b.len, flags);
	return buf_take(&b, NULL);
}

START_TEST(decode_rows)
{
	static const struct {
		const char *in;
		int len;
		uint32_t cp;
	} rows[] = {
		{ "a", 1, 'a' }, { "\xc3\xa9", 2, 0xE9 }, { "\xe2\x82\xac", 3, 0x20AC },
		{ "\xf0\x9f\x98\x80", 4, 0x1F600 }, { "\xc0\xaf", -1, 0xFFFD },
		{ "\xe0\x80\xaf", -1, 0xFFFD }, { "\xed\xa0\x80", -1, 0xFFFD },
		{ "\xf4\x90\x80\x80", -1, 0xFFFD }, { "\x80", -1, 0xFFFD }, { "\xe2\x82", -1, 0xFFFD },
		{ "\xf8\x88\x80\x80\x80", -1, 0xFFFD },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint32_t cp;

		ck_assert_int_eq(utf8_decode(rows[i].in, strlen(rows[i].in), &cp), rows[i].len);
		ck_assert_uint_eq(cp, rows[i].cp);
	}
}
END_TEST

START_TEST(widths)
{
	ck_assert_uint_eq(utf8_width("abc", 3), 3);
	ck_assert_uint_eq(utf8_width("日本", 6), 4);
	ck_assert_uint_eq(utf8_width("e\xcc\x81", 3), 1);	/* e + combining acute */
	ck_assert_uint_eq(utf8_width("\xf0\x9f\x98\x80", 4), 2);	/* emoji */
	ck_assert_uint_eq(utf8_width("ｆｕｌｌ", 12), 8);	/* fullwidth */
	ck_assert_int_eq(utf8_cp_width(0x1b), -1);
	ck_assert_int_eq(utf8_cp_width(0x9b), -1);
}
END_TEST

START_TEST(fit_never_splits)
{
	size_t used;
	const char *s = "ab日本c";

	ck_assert_uint_eq(utf8_fit(s, strlen(s), 3, &used), 2);	/* "ab", 日 would overflow */
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(utf8_fit(s, strlen(s), 4, &used), 5);
	ck_assert_uint_eq(used, 4);
	ck_assert_uint_eq(utf8_fit(s, strlen(s), 100, &used), strlen(s));
}
END_TEST

START_TEST(sanitize_rows)
{
	static const struct {
		const char *in, *out;
		unsigned flags;
	} rows[] = {
		{ "plain", "plain", 0 },
		{ "\x1b[31mred\x1b[0m", "red", 0 },
		{ "a\x1b]52;c;ZXZpbA==\x07z", "az", 0 },	/* OSC 52 clipboard */
		{ "a\x1b]0;title\x1b\\z", "az", 0 },	/* OSC with ST */
		{ "a\x1bPdcs\x1b\\z", "az", 0 },
		{ "\x1b[2J\x1b[Hx", "x", 0 },
		{ "a\xc2\x9b" "2Jb", "ab", 0 },		/* C1 CSI */
		{ "tab\there", "tab here", 0 },
		{ "tab\there", "tab\there", UTF8_KEEP_TAB },
		{ "l1\nl2", "l1\xe2\x8f\x8el2", 0 },
		{ "l1\r\nl2", "l1\nl2", UTF8_KEEP_NEWLINE },
		{ "bell\x07", "bell\xef\xbf\xbd", 0 },
		{ "del\x7f", "del\xef\xbf\xbd", 0 },
		{ "bad\xff", "bad\xef\xbf\xbd", 0 },
		{ "\xe2\x80\xaegnp.exe", "gnp.exe", 0 },	/* RLO dropped */
		{ "a\xe2\x80\x8b" "b", "ab", 0 },		/* ZWSP dropped */
		{ "x\x1b", "x", 0 },
		{ "x\x1b(By", "xy", 0 },
		{ "caf\xc3\xa9", "caf\xc3\xa9", 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = san(rows[i].in, strlen(rows[i].in), rows[i].flags);

		ck_assert_msg(strcmp(s, rows[i].out) == 0, "row %zu: got '%s'", i, s);
		free(s);
	}
}
END_TEST

START_TEST(sanitize_nul_and_marks)
{
	char *s = san("a\0b", 3, 0);
	struct buf in;

	ck_assert_str_eq(s, "a\xef\xbf\xbd" "b");
	free(s);
	/* 500 combining marks: at most 4 kept */
	buf_init(&in, 0);
	buf_addc(&in, 'e');
	for (int i = 0; i < 500; i++)
		buf_add(&in, "\xcc\x81", 2);
	s = san(in.data, in.len, 0);
	ck_assert_uint_eq(strlen(s), 1 + 4 * 2);
	free(s);
	buf_release(&in);
}
END_TEST

START_TEST(sanitize_hostile_corpus)
{
	struct buf raw;
	cJSON *root;
	int n = 0;

	buf_init(&raw, 0);
	ck_assert_int_eq(file_read(TESTDATA "/hostile/names/terminal-escapes.json", &raw, NULL), 0);
	root = cJSON_Parse(raw.data);
	ck_assert_ptr_nonnull(root);
	for (cJSON *c = root->child; c; c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		free(san(c->valuestring, strlen(c->valuestring), 0));
		free(san(c->valuestring, strlen(c->valuestring), UTF8_KEEP_NEWLINE | UTF8_KEEP_TAB));
		n++;
	}
	ck_assert_int_ge(n, 10);
	cJSON_Delete(root);
	buf_reset(&raw);
	ck_assert_int_eq(file_read(TESTDATA "/hostile/utf8/cases.bin", &raw, NULL), 0);
	free(san(raw.data, raw.len, 0));
	free(san(raw.data, raw.len, UTF8_KEEP_NEWLINE));
	buf_reset(&raw);
	ck_assert_int_eq(file_read(TESTDATA "/hostile/json/podlist-invalid-utf8-raw.json", &raw, NULL), 0);
	free(san(raw.data, raw.len, 0));
	buf_release(&raw);
}
END_TEST

START_TEST(sanitize_endless_osc)
{
	/* 1 MiB OSC that never ends: swallowed, bounded, no crash */
	struct buf in;
	char *s;

	buf_init(&in, 0);
	buf_adds(&in, "ok\x1b]52;c;");
	for (int i = 0; i < (1 << 20); i++)
		buf_addc(&in, 'A');
	s = san(in.data, in.len, 0);
	ck_assert_str_eq(s, "ok");
	free(s);
	buf_release(&in);
}
END_TEST

static Suite *utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, decode_rows);
	tcase_add_test(tc, widths);
	tcase_add_test(tc, fit_never_splits);
	tcase_add_test(tc, sanitize_rows);
	tcase_add_test(tc, sanitize_nul_and_marks);
	tcase_add_test(tc, sanitize_hostile_corpus);
	tcase_add_test(tc, sanitize_endless_osc);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(utf8_suite)
