/*
 * test_ui_textview.c: the text pane: streamed lines split anywhere,
 * following and pausing, wrapping, search, secrets, the ring cap, saving,
 * hostile lines, and 100,000 lines scrolled.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/ui/textview.h"
#include "datalab/ui/theme.h"

static WINDOW *win;

static void setup(void)
{
	struct theme th;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(10, 40, 0, 0);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static struct textview *make(size_t max, int rows, int cols)
{
	struct textview *tv = textview_new(max);

	widget_place(textview_widget(tv), 0, 0, rows, cols);
	return tv;
}

static void draw(struct textview *tv)
{
	widget_draw(textview_widget(tv), win, true);
}

static bool row_is(int y, const char *prefix)
{
	return strncmp(ts_line(win, y), prefix, strlen(prefix)) == 0;
}

START_TEST(stream_split_anywhere)
{
	struct textview *tv = make(0, 5, 40);
	const char *s = "first line\r\nsecond\nthi";

	for (size_t i = 0; i < strlen(s); i++)
		textview_append(tv, s + i, 1);
	ck_assert_uint_eq(textview_line_count(tv), 2);
	ck_assert_str_eq(textview_line(tv, 0), "first line");
	ck_assert_str_eq(textview_line(tv, 1), "second");
	textview_append(tv, "rd\n", 3);
	ck_assert_str_eq(textview_line(tv, 2), "third");
	textview_append(tv, "unfinished", 10);
	textview_flush(tv);
	ck_assert_str_eq(textview_line(tv, 3), "unfinished");
	textview_free(tv);
}
END_TEST

START_TEST(follow_pause_and_resume)
{
	struct textview *tv = make(0, 5, 40);
	char line[32];

	textview_set_follow(tv, true);
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		textview_add_line(tv, line, strlen(line));
	}
	draw(tv);
	ck_assert(row_is(4, "line 19"));
	ck_assert(row_is(0, "line 15"));
	/* scrolling up pauses: new lines do not move the view */
	widget_key(textview_widget(tv), KEY_UP);
	ck_assert(!textview_following(tv));
	textview_add_line(tv, "line 20", 7);
	textview_add_line(tv, "line 21", 7);
	draw(tv);
	ck_assert(row_is(0, "line 14"));
	ck_assert_uint_eq(textview_unseen(tv), 2);
	/* End resumes */
	widget_key(textview_widget(tv), KEY_END);
	ck_assert(textview_following(tv));
	draw(tv);
	ck_assert(row_is(4, "line 21"));
	ck_assert_uint_eq(textview_unseen(tv), 0);
	/* Home goes to the top */
	widget_key(textview_widget(tv), 'g');
	draw(tv);
	ck_assert(row_is(0, "line 0"));
	textview_free(tv);
}
END_TEST

START_TEST(wrap_and_sideways)
{
	struct textview *tv = make(0, 5, 10);

	textview_add_line(tv, "abcdefghijKLMNOPQRSTuvw", 23);
	textview_add_line(tv, "", 0);
	textview_add_line(tv, "日本語日本語", strlen("日本語日本語"));
	draw(tv);
	ck_assert(row_is(0, "abcdefghij"));
	ck_assert(row_is(1, "KLMNOPQRST"));
	ck_assert(row_is(2, "uvw       "));
	ck_assert(row_is(3, "          "));
	ck_assert(row_is(4, "日本語日本"));
	ts_assert_blank_outside(win, 0, 0, 5, 10);
	/* w: no wrap; > scrolls sideways by half the width */
	widget_key(textview_widget(tv), 'w');
	ck_assert(!textview_wrapping(tv));
	draw(tv);
	ck_assert(row_is(0, "abcdefghij"));
	ck_assert(row_is(2, "日本語日本"));
	widget_key(textview_widget(tv), '>');
	draw(tv);
	ck_assert(row_is(0, "fghijKLMNO"));
	widget_key(textview_widget(tv), '<');
	draw(tv);
	ck_assert(row_is(0, "abcdefghij"));
	textview_free(tv);
}
END_TEST

START_TEST(search_highlights_and_moves)
{
	struct textview *tv = make(0, 3, 40);
	char line[32];

	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), i % 10 == 7 ? "ERROR at %d" : "ok %d", i);
		textview_add_line(tv, line, strlen(line));
	}
	ck_assert(textview_set_search(tv, "error"));
	draw(tv);
	ck_assert(row_is(0, "ERROR at 7"));
	ck_assert(ts_cell_attr(win, 0, 0) == theme_attr(THEME_MATCH));
	widget_key(textview_widget(tv), 'n');
	draw(tv);
	ck_assert(row_is(0, "ERROR at 17"));
	widget_key(textview_widget(tv), 'n');
	widget_key(textview_widget(tv), 'n');	/* wraps to the first */
	draw(tv);
	ck_assert(row_is(0, "ERROR at 7"));
	widget_key(textview_widget(tv), 'N');	/* back to the last */
	draw(tv);
	ck_assert(row_is(1, "ERROR at 27") || row_is(0, "ERROR at 27"));
	ck_assert(!textview_set_search(tv, "absent"));
	ck_assert(!textview_set_search(tv, NULL));
	ck_assert_uint_eq(widget_key(textview_widget(tv), 'n'), 0);
	textview_free(tv);
}
END_TEST

START_TEST(secrets_masked_until_revealed)
{
	struct textview *tv = make(0, 3, 40);
	char path[] = "/tmp/dl-tv-XXXXXX";
	struct buf b;
	struct error err;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	textview_add_secret(tv, "- Your password: ", "hunter2", "");
	draw(tv);
	ck_assert_ptr_null(strstr(ts_line(win, 0), "hunter2"));
	ck_assert(row_is(0, "- Your password: ••••••••"));
	ck_assert(ts_cell_attr(win, 0, 17) == theme_attr(THEME_SECRET));
	textview_set_reveal(tv, true);
	draw(tv);
	ck_assert(row_is(0, "- Your password: hunter2"));
	/* saving writes what is shown */
	textview_set_reveal(tv, false);
	ck_assert_int_eq(textview_save(tv, path, &err), 0);
	buf_init(&b, 0);
	ck_assert_int_eq(file_read(path, &b, &err), 0);
	ck_assert_str_eq(b.data, "- Your password: ••••••••\n");
	buf_release(&b);
	unlink(path);
	textview_free(tv);
}
END_TEST

START_TEST(ring_drops_the_oldest)
{
	struct textview *tv = make(100, 5, 40);
	char line[32];

	for (int i = 0; i < 250; i++) {
		snprintf(line, sizeof(line), "n%d", i);
		textview_add_line(tv, line, strlen(line));
	}
	ck_assert_uint_eq(textview_line_count(tv), 100);
	ck_assert_uint_eq(textview_dropped(tv), 150);
	ck_assert_str_eq(textview_line(tv, 0), "n150");
	ck_assert_ptr_null(textview_line(tv, 100));
	draw(tv);
	ck_assert(row_is(0, "n150"));
	textview_clear(tv);
	ck_assert_uint_eq(textview_line_count(tv), 0);
	textview_set_empty_text(tv, "no logs yet");
	draw(tv);
	ck_assert(row_is(0, "no logs yet"));
	textview_free(tv);
}
END_TEST

START_TEST(hostile_lines_are_inert_and_capped)
{
	struct textview *tv = make(0, 10, 40);
	char *huge = xmalloc(1 << 20);
	const char *evil = "\x1b]52;c;aGk=\x07\x1b[2Jcleared\x9b" "31m\xff\xfe\r\n";

	memset(huge, 'x', 1 << 20);
	textview_append(tv, evil, strlen(evil));
	textview_append(tv, huge, 1 << 20);
	textview_append(tv, "\n", 1);
	textview_add_line(tv, "tab\there", 8);
	free(huge);
	ck_assert_uint_eq(textview_line_count(tv), 3);
	ck_assert_ptr_null(strchr(textview_line(tv, 0), '\x1b'));
	ck_assert_uint_le(strlen(textview_line(tv, 1)), TEXTVIEW_MAX_LINE + 64);
	draw(tv);
	ts_assert_inert(win);
	ts_assert_blank_outside(win, 0, 0, 10, 40);
	textview_free(tv);
}
END_TEST

START_TEST(hundred_thousand_lines_scroll_fast)
{
	struct textview *tv = make(0, 38, 120);
	WINDOW *big = newwin(40, 120, 0, 0);
	char line[64];
	struct timespec a, b;
	double ms;

	for (int i = 0; i < 100000; i++) {
		int n = snprintf(line, sizeof(line), "2025-01-01T00:00:00Z line %d of the log", i);

		textview_add_line(tv, line, (size_t)n);
	}
	textview_set_follow(tv, true);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 200; i++) {
		widget_key(textview_widget(tv), i % 2 ? KEY_NPAGE : KEY_PPAGE);
		widget_draw(textview_widget(tv), big, true);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	/* a frame is well under the 33 ms budget even with sanitizers */
	ck_assert_msg(ms / 200 < 10, "%.2f ms per frame", ms / 200);
	delwin(big);
	textview_free(tv);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_textview");
	TCase *tc = tcase_create("textview");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, stream_split_anywhere);
	tcase_add_test(tc, follow_pause_and_resume);
	tcase_add_test(tc, wrap_and_sideways);
	tcase_add_test(tc, search_highlights_and_moves);
	tcase_add_test(tc, secrets_masked_until_revealed);
	tcase_add_test(tc, ring_drops_the_oldest);
	tcase_add_test(tc, hostile_lines_are_inert_and_capped);
	tcase_add_test(tc, hundred_thousand_lines_scroll_fast);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
