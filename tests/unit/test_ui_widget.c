/*
 * test_ui_widget.c: the widget base and the text drawing every widget uses.
 */
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

static WINDOW *win;

static void setup(void)
{
	ts_open();
	win = newwin(6, 40, 0, 0);
	ck_assert_ptr_nonnull(win);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

START_TEST(clip_with_ellipsis_and_pad)
{
	ck_assert_int_eq(widget_draw_text(win, 0, 2, 8, "hello world", A_NORMAL, 0), 8);
	ck_assert_str_eq(ts_line(win, 0), "  hello w…                              ");
	widget_draw_text(win, 1, 0, 5, "ab", A_NORMAL, WIDGET_ALIGN_RIGHT);
	ck_assert(strncmp(ts_line(win, 1), "   ab", 5) == 0);
	widget_draw_text(win, 2, 0, 6, "ab", A_NORMAL, WIDGET_ALIGN_CENTER);
	ck_assert(strncmp(ts_line(win, 2), "  ab  ", 6) == 0);
	widget_draw_text(win, 3, 0, 5, "exact", A_NORMAL, 0);
	ck_assert(strncmp(ts_line(win, 3), "exact ", 6) == 0);
	widget_draw_text(win, 4, 0, 4, "abcdef", A_NORMAL, WIDGET_TEXT_NOELLIPSIS);
	ck_assert(strncmp(ts_line(win, 4), "abcd ", 5) == 0);
}
END_TEST

START_TEST(wide_characters_take_two_columns)
{
	/* 日本語 is 6 columns: in 5 it shows two of them and the ellipsis. */
	widget_draw_text(win, 0, 0, 5, "日本語", A_NORMAL, 0);
	ck_assert(strncmp(ts_line(win, 0), "日本… ", strlen("日本… ")) == 0);
	/* In 4: 日 (2) + the next would need 2 more plus the ellipsis. */
	widget_draw_text(win, 1, 0, 4, "日本語", A_NORMAL, 0);
	ck_assert(strncmp(ts_line(win, 1), "日… ", strlen("日… ")) == 0);
	widget_draw_text(win, 2, 0, 6, "日本語", A_NORMAL, 0);
	ck_assert(strncmp(ts_line(win, 2), "日本語 ", strlen("日本語 ")) == 0);
	widget_draw_text(win, 3, 0, 5, "a😀b", A_NORMAL, WIDGET_ALIGN_RIGHT);
	ck_assert(strncmp(ts_line(win, 3), " a😀b ", strlen(" a😀b ")) == 0);
	/* A combining accent stays on its base: "é" is one column. */
	widget_draw_text(win, 4, 0, 3, "e\xcc\x81x", A_NORMAL, 0);
	ck_assert(strncmp(ts_line(win, 4), "e\xcc\x81x ", 5) == 0);
}
END_TEST

START_TEST(raw_controls_drawn_inert)
{
	const char raw[] = "a\x1b[31mred\x07\x9b" "2J\r\nz";

	widget_draw_spans(win, 0, 0, 30, raw, sizeof(raw) - 1, A_NORMAL, 0, NULL, 0);
	ts_assert_inert(win);
	ck_assert_ptr_null(strchr(ts_line(win, 0), '\x1b'));
	ck_assert_ptr_nonnull(strstr(ts_line(win, 0), "\xef\xbf\xbd[31mred"));
	ts_assert_blank_outside(win, 0, 0, 1, 30);
}
END_TEST

/* Every hostile name, raw and sanitized, in a 12-column box. */
START_TEST(hostile_names_stay_in_their_box)
{
	struct buf b;
	struct error err;
	cJSON *root, *it;
	int n = 0;

	buf_init(&b, 0);
	ck_assert_int_eq(file_read(TESTDATA "/hostile/names/terminal-escapes.json", &b, &err), 0);
	root = json_parse(b.data, b.len, &err);
	ck_assert_ptr_nonnull(root);
	cJSON_ArrayForEach(it, root) {
		const char *s = cJSON_GetStringValue(it);
		char *clean;

		ck_assert_ptr_nonnull(s);
		werase(win);
		widget_draw_text(win, 2, 5, 12, s, A_NORMAL, 0);
		ts_assert_inert(win);
		ts_assert_blank_outside(win, 2, 5, 1, 12);
		clean = utf8_sanitize_dup(s, 0);
		werase(win);
		widget_draw_text(win, 3, 5, 12, clean, A_BOLD, WIDGET_ALIGN_RIGHT);
		ts_assert_inert(win);
		ts_assert_blank_outside(win, 3, 5, 1, 12);
		free(clean);
		n++;
	}
	ck_assert_int_eq(n, 16);
	cJSON_Delete(root);
	buf_release(&b);
}
END_TEST

START_TEST(clipped_to_the_window)
{
	WINDOW *small = newwin(5, 20, 0, 0);

	ck_assert_int_eq(widget_draw_text(small, 0, 15, 40, "a long line that does not fit", A_NORMAL, 0), 5);
	ck_assert_str_eq(ts_line(small, 0), "               a lo…");
	ck_assert_int_eq(widget_draw_text(small, 5, 0, 10, "x", A_NORMAL, 0), 0);
	ck_assert_int_eq(widget_draw_text(small, -1, 0, 10, "x", A_NORMAL, 0), 0);
	ck_assert_int_eq(widget_draw_text(small, 0, 20, 10, "x", A_NORMAL, 0), 0);
	ck_assert_int_eq(widget_draw_text(small, 1, 0, 0, "x", A_NORMAL, 0), 0);
	/* A wide character in the very last column becomes blank. */
	widget_draw_text(small, 2, 19, 1, "日", A_NORMAL, WIDGET_TEXT_NOELLIPSIS);
	ck_assert_str_eq(ts_line(small, 2), "                    ");
	delwin(small);
}
END_TEST

START_TEST(match_spans)
{
	struct text_span sp[4];
	const char *s = "Hello hello HÉLLO";
	size_t n = widget_find_matches(s, strlen(s), "hello", A_BOLD, sp, 4);

	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(sp[0].start, 0);
	ck_assert_uint_eq(sp[0].end, 5);
	ck_assert_uint_eq(sp[1].start, 6);
	n = widget_find_matches(s, strlen(s), "héllo", A_BOLD, sp, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sp[0].start, 12);
	ck_assert_uint_eq(sp[0].end, strlen(s));
	ck_assert_uint_eq(widget_find_matches(s, strlen(s), "", A_BOLD, sp, 4), 0);
	ck_assert(widget_contains_ci("Jupyter-Python", 14, "PYTHON"));
	ck_assert(!widget_contains_ci("Jupyter", 7, "rstudio"));
	/* Highlighted cells carry the span's attribute, others the text's. */
	n = widget_find_matches("xxabxx", 6, "AB", A_UNDERLINE, sp, 4);
	widget_draw_spans(win, 0, 0, 10, "xxabxx", 6, A_NORMAL, 0, sp, n);
	ck_assert(ts_cell_attr(win, 0, 2) & A_UNDERLINE);
	ck_assert(ts_cell_attr(win, 0, 3) & A_UNDERLINE);
	ck_assert(!(ts_cell_attr(win, 0, 4) & A_UNDERLINE));
	ck_assert(!(ts_cell_attr(win, 0, 1) & A_UNDERLINE));
}
END_TEST

START_TEST(wrapping)
{
	const char *s = "delete the service jupyter";

	ck_assert_uint_eq(widget_wrap(s, strlen(s), 10, true), strlen("delete "));
	ck_assert_uint_eq(widget_wrap(s, strlen(s), 10, false), 10);
	ck_assert_uint_eq(widget_wrap("abcdefghijkl", 12, 5, true), 5);
	ck_assert_uint_eq(widget_wrap("short", 5, 10, true), 5);
	ck_assert_uint_eq(widget_wrap("日本語", strlen("日本語"), 5, false), strlen("日本"));
	/* Never zero: a wide character in one column still advances. */
	ck_assert_uint_eq(widget_wrap("日本", strlen("日本"), 1, false), strlen("日"));
	ck_assert_uint_eq(widget_wrap("e\xcc\x81x", 4, 1, false), 3);
}
END_TEST

START_TEST(ascii_locale_fallback)
{
	setlocale(LC_ALL, "C");
	ck_assert(!widget_utf8_locale());
	widget_draw_text(win, 0, 0, 5, "ab\xe6\x97\xa5xyz", A_NORMAL, 0);
	setlocale(LC_ALL, "C.UTF-8");
	ck_assert(strncmp(ts_line(win, 0), "ab??~", 5) == 0);
}
END_TEST

/* A minimal widget to check dispatch and the dirty protocol. */
struct probe {
	struct widget w;
	int draws, keys;
	bool all;
};

static void probe_draw(struct widget *w, WINDOW *wn)
{
	struct probe *p = (struct probe *)w;

	(void)wn;
	p->draws++;
	p->all = (w->flags & WIDGET_REDRAW_ALL) != 0;
}

static unsigned probe_key(struct widget *w, int key)
{
	((struct probe *)w)->keys++;
	return key == 'x' ? WIDGET_HANDLED | WIDGET_DIRTY : 0;
}

static const struct widget_ops probe_ops = { "probe", probe_draw, probe_key, NULL, NULL, NULL };

START_TEST(dirty_protocol)
{
	struct probe p = { .draws = 0 };
	MEVENT ev = { 0 };

	widget_init(&p.w, &probe_ops);
	widget_place(&p.w, 1, 1, 3, 10);
	ck_assert(widget_draw(&p.w, win, false));
	ck_assert(p.all);
	ck_assert(!widget_draw(&p.w, win, false));
	ck_assert_int_eq(p.draws, 1);
	ck_assert_uint_eq(widget_key(&p.w, 'y'), 0);
	ck_assert(!widget_is_dirty(&p.w));
	ck_assert_uint_eq(widget_key(&p.w, 'x'), WIDGET_HANDLED | WIDGET_DIRTY);
	ck_assert(widget_draw(&p.w, win, false));
	ck_assert(!p.all);	/* the widget knows what it changed */
	ck_assert(widget_draw(&p.w, win, true));
	ck_assert(p.all);
	widget_set_hidden(&p.w, true);
	ck_assert(!widget_draw(&p.w, win, true));
	ck_assert_uint_eq(widget_key(&p.w, 'x'), 0);
	widget_set_hidden(&p.w, false);
	ck_assert(widget_contains(&p.w, 1, 1));
	ck_assert(!widget_contains(&p.w, 4, 1));
	ck_assert(!widget_contains(&p.w, 1, 11));
	ev.y = 2;
	ev.x = 2;
	ev.bstate = BUTTON1_CLICKED;
	ck_assert_uint_eq(widget_mouse(&p.w, &ev), 0);	/* no mouse op */
	widget_free(&p.w);	/* no free op: a no-op */
	widget_free(NULL);
}
END_TEST

START_TEST(key_encoding)
{
	ck_assert_int_eq(widget_key_char('a'), 'a');
	ck_assert_int_eq(widget_key_char(KEY_DOWN), -1);
	ck_assert_int_eq(widget_key_char(27), -1);
	ck_assert_int_eq(widget_key_char(WIDGET_KEY_CHAR(0x142)), 0x142);
	ck_assert_int_eq(widget_key_char(WIDGET_KEY_CHAR(0x9b)), -1);
	ck_assert_int_eq(widget_key_from_wch(KEY_CODE_YES, KEY_DOWN), KEY_DOWN);
	ck_assert_int_eq(widget_key_from_wch(OK, L'j'), 'j');
	ck_assert_int_eq(widget_key_from_wch(OK, 0x142), WIDGET_KEY_CHAR(0x142));
	ck_assert_int_ne(widget_key_from_wch(OK, 0x102), KEY_DOWN);
}
END_TEST

static Suite *widget_suite(void)
{
	Suite *s = suite_create("ui_widget");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, clip_with_ellipsis_and_pad);
	tcase_add_test(tc, wide_characters_take_two_columns);
	tcase_add_test(tc, raw_controls_drawn_inert);
	tcase_add_test(tc, hostile_names_stay_in_their_box);
	tcase_add_test(tc, clipped_to_the_window);
	tcase_add_test(tc, match_spans);
	tcase_add_test(tc, wrapping);
	tcase_add_test(tc, ascii_locale_fallback);
	tcase_add_test(tc, dirty_protocol);
	tcase_add_test(tc, key_encoding);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(widget_suite)
