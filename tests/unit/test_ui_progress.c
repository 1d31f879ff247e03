/*
 * test_ui_progress.c: fraction to bar: whole and partial cells, clamping,
 * NaN, the ASCII fallback, labels, and the warn/crit colours.
 */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/ui/progress.h"
#include "datalab/ui/theme.h"

static const char *render(double f, int cols, bool utf8, int *filled)
{
	static struct buf b;

	buf_release(&b);
	buf_init(&b, 0);
	ck_assert_int_eq(progress_render(&b, f, cols, utf8, filled), 0);
	return b.data;
}

START_TEST(render_cells)
{
	int filled;

	ck_assert_str_eq(render(0.5, 10, true, &filled), "█████░░░░░");
	ck_assert_int_eq(filled, 5);
	ck_assert_str_eq(render(0.0, 4, true, &filled), "░░░░");
	ck_assert_str_eq(render(1.0, 4, true, &filled), "████");
	/* 0.55 of 10 cells = 5.5 cells: a half block after five */
	ck_assert_str_eq(render(0.55, 10, true, &filled), "█████▌░░░░");
	ck_assert_str_eq(render(2.0, 3, true, &filled), "███");
	ck_assert_str_eq(render(-1, 3, true, &filled), "░░░");
	ck_assert_str_eq(render(NAN, 3, true, &filled), "░░░");
	ck_assert_str_eq(render(0.5, 4, false, &filled), "##..");
	ck_assert_str_eq(render(0.5, 0, true, &filled), "");
}
END_TEST

START_TEST(draw_with_label_and_colours)
{
	struct theme th;
	struct progress_style st = { 0.8, 0.95 };
	WINDOW *win;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(4, 30, 0, 0);
	progress_draw(win, 0, 0, 14, 0.5, "1/2", NULL);
	ck_assert_str_eq(ts_line(win, 0), "█████░░░░░ 1/2                ");
	ck_assert(ts_cell_attr(win, 0, 0) == theme_attr(THEME_PROGRESS_FILL));
	ck_assert(ts_cell_attr(win, 0, 7) == theme_attr(THEME_PROGRESS_EMPTY));
	progress_draw(win, 1, 0, 14, 0.9, "90%", &st);
	ck_assert(ts_cell_attr(win, 1, 0) == theme_attr(THEME_PENDING));
	progress_draw(win, 2, 0, 14, 1.0, "100%", &st);
	ck_assert(ts_cell_attr(win, 2, 0) == theme_attr(THEME_FAILED));
	/* too narrow for a bar: the label alone, inside the box */
	progress_draw(win, 3, 0, 5, 0.5, "3/4", NULL);
	ck_assert(strncmp(ts_line(win, 3), "3/4  ", 5) == 0);
	ts_assert_blank_outside(win, 0, 0, 4, 14);
	delwin(win);
	ts_close();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_progress");
	TCase *tc = tcase_create("progress");

	tcase_add_test(tc, render_cells);
	tcase_add_test(tc, draw_with_label_and_colours);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
