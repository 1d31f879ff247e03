/*
 * test_ui_dialog.c: the modal box: centring, wrapping, buttons by key,
 * letter and click, Esc, the input line, hostile messages, tiny areas.
 */
#include <string.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/ui/dialog.h"
#include "datalab/ui/theme.h"

static WINDOW *win;
static const char *const yes_no[] = { "Delete", "Cancel", NULL };

static void setup(void)
{
	struct theme th;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(20, 80, 0, 0);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static bool screen_has(const char *s)
{
	for (int y = 0; y < getmaxy(win); y++)
		if (strstr(ts_line(win, y), s))
			return true;
	return false;
}

static struct dialog *confirm(void)
{
	struct dialog_opts o = {
		.title = "Delete jupyter-123",
		.message = "helm uninstall jupyter-123 -n user-alice\n\nremoves the release, its pods, services and ingress; "
			   "the persistent volume claims stay.",
		.buttons = yes_no,
		.default_button = 1,
		.cancel_button = 1,
		.danger = true,
	};
	struct dialog *d = dialog_new(&o);

	dialog_layout(d, 0, 0, 20, 80);
	return d;
}

START_TEST(draws_centred_with_wrapped_text)
{
	struct dialog *d = confirm();
	struct widget *w = dialog_widget(d);

	widget_draw(w, win, true);
	ck_assert(screen_has("Delete jupyter-123"));
	ck_assert(screen_has("helm uninstall jupyter-123 -n user-alice"));
	ck_assert(screen_has("[ Delete ]"));
	ck_assert(screen_has("[ Cancel ]"));
	ck_assert(screen_has("stay."));
	/* centred: as much room left as right */
	ck_assert_int_eq(w->x, (80 - w->cols) / 2);
	ck_assert_int_eq(w->y, (20 - w->rows) / 2);
	ts_assert_blank_outside(win, w->y, w->x, w->rows, w->cols);
	dialog_free(d);
}
END_TEST

START_TEST(enter_presses_the_focused_button)
{
	struct dialog *d = confirm();
	unsigned r;

	ck_assert(!dialog_done(d));
	/* the default (Cancel) is focused: Enter is the safe choice */
	r = widget_key(dialog_widget(d), '\r');
	ck_assert(r & WIDGET_ACTIVATE);
	ck_assert(dialog_done(d));
	ck_assert_int_eq(dialog_result(d), 1);
	dialog_free(d);

	d = confirm();
	widget_key(dialog_widget(d), KEY_LEFT);
	widget_key(dialog_widget(d), '\r');
	ck_assert_int_eq(dialog_result(d), 0);
	dialog_free(d);
}
END_TEST

START_TEST(letters_esc_and_swallowed_keys)
{
	struct dialog *d = confirm();

	ck_assert(widget_key(dialog_widget(d), 'x') & WIDGET_HANDLED);
	ck_assert(!dialog_done(d));
	widget_key(dialog_widget(d), 'd');
	ck_assert_int_eq(dialog_result(d), 0);
	dialog_free(d);

	d = confirm();
	widget_key(dialog_widget(d), 27);
	ck_assert(dialog_done(d));
	ck_assert_int_eq(dialog_result(d), 1);
	dialog_free(d);
}
END_TEST

START_TEST(click_on_a_button)
{
	struct dialog *d = confirm();
	struct widget *w = dialog_widget(d);
	MEVENT ev = { 0 };
	int y = -1, x = -1;

	widget_draw(w, win, true);
	for (int r = 0; r < 20 && y < 0; r++) {
		const char *l = ts_line(win, r), *p = strstr(l, "[ Delete ]");

		if (p) {
			y = r;
			x = (int)(p - l) + 2;	/* box drawing is 3 bytes per column */
		}
	}
	ck_assert_int_ge(y, 0);
	/* columns, not bytes: find the column of '[' on that row */
	for (int c = 0; c < 80; c++) {
		cchar_t cc;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short p;

		mvwin_wch(win, y, c, &cc);
		getcchar(&cc, wc, &a, &p, NULL);
		if (wc[0] == L'[') {
			x = c + 2;
			break;
		}
	}
	ev.y = y;
	ev.x = x;
	ev.bstate = BUTTON1_CLICKED;
	ck_assert(widget_mouse(w, &ev) & WIDGET_ACTIVATE);
	ck_assert_int_eq(dialog_result(d), 0);
	dialog_free(d);
}
END_TEST

START_TEST(input_line)
{
	static const char *const ok_cancel[] = { "Rename", "Cancel", NULL };
	struct dialog_opts o = {
		.title = "Rename",
		.message = "A friendly name for jupyter-123",
		.buttons = ok_cancel,
		.cancel_button = 1,
		.input_prompt = "Name: ",
		.input_text = "old",
	};
	struct dialog *d = dialog_new(&o);
	int cy, cx;

	dialog_layout(d, 0, 0, 20, 80);
	widget_key(dialog_widget(d), 127);
	widget_key(dialog_widget(d), 127);
	widget_key(dialog_widget(d), 127);
	widget_key(dialog_widget(d), 'm');
	/* 'c' goes to the input, not to the Cancel button */
	widget_key(dialog_widget(d), 'c');
	ck_assert(!dialog_done(d));
	widget_draw(dialog_widget(d), win, true);
	ck_assert(screen_has("Name: mc"));
	ck_assert(dialog_cursor(d, &cy, &cx));
	widget_key(dialog_widget(d), '\r');
	ck_assert_int_eq(dialog_result(d), 0);
	ck_assert_str_eq(dialog_input(d), "mc");
	dialog_free(d);
}
END_TEST

START_TEST(hostile_message_and_tiny_area)
{
	struct dialog_opts o = {
		.title = "\x1b]0;pwned\x07title",
		.message = "pod \x1b[2J\x1b[31mevil\x9b" "2J\r name " "\xe2\x80\xae" "reversed",
		.cancel_button = -1,
	};
	struct dialog *d = dialog_new(&o);
	WINDOW *small = newwin(5, 20, 0, 0);

	dialog_layout(d, 0, 0, 20, 80);
	widget_draw(dialog_widget(d), win, true);
	ts_assert_inert(win);
	ck_assert(!screen_has("\xe2\x80\xae"));
	/* a 20x5 area: the box shrinks and stays inside */
	dialog_layout(d, 0, 0, 5, 20);
	widget_draw(dialog_widget(d), small, true);
	ck_assert_int_le(dialog_widget(d)->rows, 5);
	ck_assert_int_le(dialog_widget(d)->cols, 20);
	ts_assert_inert(small);
	widget_key(dialog_widget(d), 27);
	ck_assert(dialog_done(d));
	ck_assert_int_eq(dialog_result(d), -1);
	delwin(small);
	dialog_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_dialog");
	TCase *tc = tcase_create("dialog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, draws_centred_with_wrapped_text);
	tcase_add_test(tc, enter_presses_the_focused_button);
	tcase_add_test(tc, letters_esc_and_swallowed_keys);
	tcase_add_test(tc, click_on_a_button);
	tcase_add_test(tc, input_line);
	tcase_add_test(tc, hostile_message_and_tiny_area);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
