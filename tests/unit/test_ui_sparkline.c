/*
 * test_ui_sparkline.c: histories to blocks: scaling, gaps, the last cols
 * samples, the ASCII fallback, and drawing in its box.
 */
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/ui/sparkline.h"
#include "datalab/ui/theme.h"

static const char *render(const int64_t *v, size_t n, int cols, int64_t max, bool utf8)
{
	static struct buf b;

	buf_release(&b);
	buf_init(&b, 0);
	ck_assert_int_eq(sparkline_render(&b, v, n, cols, max, utf8), 0);
	return b.data;
}

START_TEST(levels_scale_to_the_largest)
{
	const int64_t v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

	ck_assert_str_eq(render(v, 9, 9, 0, true), "▁▁▂▃▄▅▆▇█");
	ck_assert_str_eq(render(v, 9, 9, 0, false), "__.:-=+*#");
	/* a fixed max: 8 of 16 is half */
	ck_assert_str_eq(render(v + 8, 1, 1, 16, true), "▄");
	/* over the max is a full block, never past it */
	ck_assert_str_eq(render(v + 8, 1, 1, 2, true), "█");
}
END_TEST

START_TEST(last_samples_and_gaps)
{
	const int64_t v[] = { 100, -1, 50, 100 };

	/* only the last 3 fit; -1 is a gap */
	ck_assert_str_eq(render(v, 4, 3, 0, true), " ▄█");
	ck_assert_str_eq(render(v, 4, 10, 0, true), "█ ▄█");
	ck_assert_str_eq(render(v, 0, 10, 0, true), "");
	ck_assert_str_eq(render(v, 4, 0, 0, true), "");
	/* all zero: the lowest block, no division by zero */
	{
		const int64_t z[] = { 0, 0 };

		ck_assert_str_eq(render(z, 2, 5, 0, true), "▁▁");
	}
	/* bytes near INT64_MAX do not overflow */
	{
		const int64_t big[] = { INT64_MAX / 2, INT64_MAX };

		ck_assert_str_eq(render(big, 2, 2, 0, true), "▄█");
	}
}
END_TEST

START_TEST(draws_right_aligned_in_its_box)
{
	const int64_t v[] = { 1, 2, 4, 8 };
	struct theme th;
	WINDOW *win;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(3, 20, 0, 0);
	sparkline_draw(win, 1, 2, 6, v, 4, 0);
	ck_assert_str_eq(ts_line(win, 1), "    ▁▂▄█            ");
	ck_assert(ts_cell_attr(win, 1, 4) == theme_attr(THEME_SPARKLINE));
	ts_assert_blank_outside(win, 1, 2, 1, 6);
	delwin(win);
	ts_close();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_sparkline");
	TCase *tc = tcase_create("sparkline");

	tcase_add_test(tc, levels_scale_to_the_largest);
	tcase_add_test(tc, last_samples_and_gaps);
	tcase_add_test(tc, draws_right_aligned_in_its_box);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
