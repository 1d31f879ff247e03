/*
 * test_ui_input.c: the one-line editor.
 */
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/utf8.h"
#include "datalab/ui/input.h"

static WINDOW *win;

static void setup(void)
{
	ts_open();
	win = newwin(3, 30, 0, 0);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static void type(struct input *in, const char *s)
{
	/* Keys as the app delivers them: ASCII as is, the rest tagged. */
	while (*s != '\0') {
		uint32_t cp;
		int len = utf8_decode(s, strlen(s), &cp);

		ck_assert_int_gt(len, 0);
		widget_key(input_widget(in), cp < 0x80 ? (int)cp : WIDGET_KEY_CHAR(cp));
		s += len;
	}
}

START_TEST(typing_and_cursor_moves)
{
	struct input *in = input_new(0);
	struct widget *w = input_widget(in);

	ck_assert_str_eq(input_text(in), "");
	type(in, "héllo");
	ck_assert_str_eq(input_text(in), "héllo");
	ck_assert_uint_eq(input_cursor(in), strlen("héllo"));
	widget_key(w, KEY_LEFT);
	widget_key(w, KEY_LEFT);
	widget_key(w, KEY_LEFT);
	widget_key(w, KEY_LEFT);
	ck_assert_uint_eq(input_cursor(in), 1);
	type(in, "日");
	ck_assert_str_eq(input_text(in), "h日éllo");
	widget_key(w, KEY_BACKSPACE);
	ck_assert_str_eq(input_text(in), "héllo");
	widget_key(w, KEY_DC);
	ck_assert_str_eq(input_text(in), "hllo");
	widget_key(w, 1);	/* ^A */
	ck_assert_uint_eq(input_cursor(in), 0);
	widget_key(w, KEY_BACKSPACE);
	ck_assert_str_eq(input_text(in), "hllo");
	widget_key(w, KEY_END);
	ck_assert_uint_eq(input_cursor(in), 4);
	widget_key(w, KEY_DC);
	ck_assert_str_eq(input_text(in), "hllo");
	/* Controls are not text. */
	ck_assert_uint_eq(widget_key(w, 0x1b5b), 0);
	widget_key(w, WIDGET_KEY_CHAR(0x9b));
	ck_assert_str_eq(input_text(in), "hllo");
	ck_assert(widget_key(w, '\n') & WIDGET_ACTIVATE);
	ck_assert(widget_key(w, 27) & WIDGET_CANCEL);
	input_free(in);
}
END_TEST

START_TEST(combining_marks_move_with_their_base)
{
	struct input *in = input_new(0);

	input_set_text(in, "ae\xcc\x81z");
	widget_key(input_widget(in), KEY_LEFT);
	widget_key(input_widget(in), KEY_LEFT);
	ck_assert_uint_eq(input_cursor(in), 1);
	widget_key(input_widget(in), KEY_DC);
	ck_assert_str_eq(input_text(in), "az");
	input_free(in);
}
END_TEST

START_TEST(word_and_line_kills)
{
	struct input *in = input_new(0);
	struct widget *w = input_widget(in);

	input_set_text(in, "delete service  jupyter  ");
	widget_key(w, 23);	/* ^W */
	ck_assert_str_eq(input_text(in), "delete service  ");
	widget_key(w, 23);
	ck_assert_str_eq(input_text(in), "delete ");
	input_set_text(in, "abc def");
	widget_key(w, KEY_LEFT);
	widget_key(w, KEY_LEFT);
	widget_key(w, 11);	/* ^K */
	ck_assert_str_eq(input_text(in), "abc d");
	widget_key(w, KEY_LEFT);
	widget_key(w, 21);	/* ^U */
	ck_assert_str_eq(input_text(in), "d");
	ck_assert_uint_eq(input_cursor(in), 0);
	input_free(in);
}
END_TEST

START_TEST(set_text_is_sanitized_and_capped)
{
	struct input *in = input_new(0);

	input_set_text(in, "a\x1b]52;c;ZZ\x07" "b\nc");
	ck_assert_ptr_null(strchr(input_text(in), '\x1b'));
	ck_assert_ptr_null(strchr(input_text(in), '\n'));
	input_set_max(in, 5);
	input_set_text(in, "日本語");	/* 9 bytes: cut on a boundary */
	ck_assert_str_eq(input_text(in), "日");
	type(in, "x");
	ck_assert_str_eq(input_text(in), "日x");
	type(in, "y");
	ck_assert_str_eq(input_text(in), "日xy");	/* 5 bytes */
	type(in, "z");
	ck_assert_str_eq(input_text(in), "日xy");
	input_free(in);
}
END_TEST

START_TEST(history)
{
	struct input *in = input_new(2);
	struct widget *w = input_widget(in);

	input_history_add(in, "one");
	input_history_add(in, "two");
	input_history_add(in, "two");
	input_history_add(in, "three");	/* "one" goes */
	type(in, "dra");
	widget_key(w, KEY_UP);
	ck_assert_str_eq(input_text(in), "three");
	widget_key(w, KEY_UP);
	ck_assert_str_eq(input_text(in), "two");
	widget_key(w, KEY_UP);
	ck_assert_str_eq(input_text(in), "two");
	widget_key(w, KEY_DOWN);
	ck_assert_str_eq(input_text(in), "three");
	widget_key(w, KEY_DOWN);
	ck_assert_str_eq(input_text(in), "dra");
	input_free(in);
}
END_TEST

static const char *complete_cmd(void *ctx, const char *text, size_t nth)
{
	static const char *const cmds[] = { "buckets", "catalog", "cluster", "help" };
	size_t k = 0;

	(void)ctx;
	for (size_t i = 0; i < DL_ARRAY_LEN(cmds); i++) {
		if (strncmp(cmds[i], text, strlen(text)) == 0 && k++ == nth)
			return cmds[i];
	}
	return NULL;
}

START_TEST(completion_cycles)
{
	struct input *in = input_new(0);
	struct widget *w = input_widget(in);

	input_set_completion(in, complete_cmd, NULL);
	type(in, "c");
	widget_key(w, '\t');
	ck_assert_str_eq(input_text(in), "catalog");
	widget_key(w, '\t');
	ck_assert_str_eq(input_text(in), "cluster");
	widget_key(w, '\t');
	ck_assert_str_eq(input_text(in), "c");
	widget_key(w, '\t');
	ck_assert_str_eq(input_text(in), "catalog");
	type(in, " ");
	widget_key(w, '\t');
	ck_assert_str_eq(input_text(in), "catalog ");
	input_free(in);
}
END_TEST

START_TEST(draws_scrolled_to_the_cursor)
{
	struct input *in = input_new(0);
	struct widget *w = input_widget(in);
	int y, x;

	input_set_prompt(in, ":");
	widget_place(w, 1, 0, 1, 10);
	input_set_text(in, "abcdefghijklmnop");
	widget_draw(w, win, false);
	/* 9 columns for text, the last one kept for the cursor. */
	ck_assert(strncmp(ts_line(win, 1), ":ijklmnop  ", 11) == 0);
	input_cursor_pos(in, &y, &x);
	ck_assert_int_eq(y, 1);
	ck_assert_int_eq(x, 9);
	widget_key(w, KEY_HOME);
	widget_draw(w, win, false);
	ck_assert(strncmp(ts_line(win, 1), ":abcdefghi ", 11) == 0);
	input_cursor_pos(in, &y, &x);
	ck_assert_int_eq(x, 1);
	input_set_mask(in, true);
	input_set_text(in, "s3cr3t");
	widget_draw(w, win, false);
	ck_assert(strncmp(ts_line(win, 1), ":••••••", strlen(":••••••")) == 0);
	ck_assert_ptr_null(strstr(ts_line(win, 1), "s3cr3t"));
	ts_assert_blank_outside(win, 1, 0, 1, 10);
	/* Wide characters scroll by their width. */
	input_set_mask(in, false);
	input_set_text(in, "日本語日本語日本語");
	widget_draw(w, win, false);
	ts_assert_blank_outside(win, 1, 0, 1, 10);
	input_cursor_pos(in, &y, &x);
	ck_assert_int_eq(x, 9);
	input_free(in);
}
END_TEST

static Suite *input_suite(void)
{
	Suite *s = suite_create("ui_input");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, typing_and_cursor_moves);
	tcase_add_test(tc, combining_marks_move_with_their_base);
	tcase_add_test(tc, word_and_line_kills);
	tcase_add_test(tc, set_text_is_sanitized_and_capped);
	tcase_add_test(tc, history);
	tcase_add_test(tc, completion_cycles);
	tcase_add_test(tc, draws_scrolled_to_the_cursor);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(input_suite)
