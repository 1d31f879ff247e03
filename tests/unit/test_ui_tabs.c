/*
 * test_ui_tabs.c: the tab bar: drawing, keys, clicks, hostile titles,
 * and scrolling when the titles do not fit.
 */
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/ui/tabs.h"
#include "datalab/ui/theme.h"

static WINDOW *win;
static const char *const titles[] = { "Overview", "Pods", "Events", "Logs", "YAML", "Commands" };

static void setup(void)
{
	struct theme th;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(3, 80, 0, 0);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static struct tabs *make(int cols)
{
	struct tabs *t = tabs_new(titles, 6);

	widget_place(tabs_widget(t), 1, 0, 1, cols);
	return t;
}

START_TEST(draws_titles_current_highlighted)
{
	struct tabs *t = make(80);

	widget_draw(tabs_widget(t), win, true);
	ck_assert(strncmp(ts_line(win, 1), " Overview   Pods   Events   Logs   YAML   Commands ", 51) == 0);
	ck_assert(ts_cell_attr(win, 1, 1) == theme_attr(THEME_TAB_ACTIVE));
	ck_assert(ts_cell_attr(win, 1, 13) == theme_attr(THEME_TAB_INACTIVE));
	ts_assert_blank_outside(win, 1, 0, 1, 80);
	tabs_free(t);
}
END_TEST

START_TEST(keys_wrap_around)
{
	struct tabs *t = make(80);
	unsigned r;

	r = widget_key(tabs_widget(t), '\t');
	ck_assert(r & WIDGET_CHANGED);
	ck_assert_uint_eq(tabs_current(t), 1);
	widget_key(tabs_widget(t), KEY_RIGHT);
	ck_assert_uint_eq(tabs_current(t), 2);
	widget_key(tabs_widget(t), KEY_BTAB);
	widget_key(tabs_widget(t), KEY_LEFT);
	widget_key(tabs_widget(t), KEY_LEFT);
	ck_assert_uint_eq(tabs_current(t), 5);
	widget_key(tabs_widget(t), '\t');
	ck_assert_uint_eq(tabs_current(t), 0);
	ck_assert_uint_eq(widget_key(tabs_widget(t), 'x'), 0);
	tabs_select(t, 99);
	ck_assert_uint_eq(tabs_current(t), 0);
	tabs_free(t);
}
END_TEST

START_TEST(click_selects_a_tab)
{
	struct tabs *t = make(80);
	MEVENT ev = { 0 };
	unsigned r;

	widget_draw(tabs_widget(t), win, true);
	ev.y = 1;
	ev.x = 21;	/* inside " Events " */
	ev.bstate = BUTTON1_CLICKED;
	r = widget_mouse(tabs_widget(t), &ev);
	ck_assert(r & WIDGET_CHANGED);
	ck_assert_uint_eq(tabs_current(t), 2);
	ev.x = 70;	/* past the last title: nothing */
	r = widget_mouse(tabs_widget(t), &ev);
	ck_assert(!(r & WIDGET_CHANGED));
	ck_assert_uint_eq(tabs_current(t), 2);
	tabs_free(t);
}
END_TEST

START_TEST(hostile_title_and_narrow_bar)
{
	struct tabs *t = make(20);

	tabs_set_title(t, 2, "Ev\x1b]52;c;aGk=\x07ents \x1b[2J(3)");
	ck_assert_ptr_null(strchr(tabs_title(t, 2), '\x1b'));
	tabs_select(t, 5);
	widget_draw(tabs_widget(t), win, true);
	ts_assert_inert(win);
	/* the current tab is visible even though the bar is narrow */
	ck_assert_ptr_nonnull(strstr(ts_line(win, 1), "Commands"));
	ts_assert_blank_outside(win, 1, 0, 1, 20);
	tabs_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_tabs");
	TCase *tc = tcase_create("tabs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, draws_titles_current_highlighted);
	tcase_add_test(tc, keys_wrap_around);
	tcase_add_test(tc, click_selects_a_tab);
	tcase_add_test(tc, hostile_title_and_narrow_bar);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
