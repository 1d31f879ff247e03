/*
 * test_ui_table.c: the list widget: drawing, selection, sorting, filter,
 * widths, hostile names, tiny windows, mouse, and 50,000 rows.
 */
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "ui_testscreen.h"

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"

static WINDOW *win;

static const struct table_column cols3[] = {
	{ "NAME", 0, 0, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	{ "STATUS", 0, 0, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	{ "AGE", 0, 0, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
};

static void setup(void)
{
	struct theme th;

	ts_open();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(12, 60, 0, 0);
}

static void teardown(void)
{
	delwin(win);
	ts_close();
}

static struct table *make3(void)
{
	struct table *t = table_new(cols3, 3);

	widget_place(table_widget(t), 0, 0, 10, 40);
	widget_set_focus(table_widget(t), true);
	return t;
}

static void add3(struct table *t, const char *id, const char *name, const char *status, const char *age,
		 double agekey)
{
	size_t r = table_add_row(t, id);

	table_set_cell(t, r, 0, name, -1);
	table_set_cell(t, r, 1, status, status[0] == 'R' ? THEME_OK : THEME_FAILED);
	table_set_cell(t, r, 2, age, -1);
	if (agekey >= 0)
		table_set_cell_key(t, r, 2, agekey);
}

static void fill_basic(struct table *t)
{
	table_begin(t);
	add3(t, "u1", "jupyter-python", "Running", "5m", 300);
	add3(t, "u2", "rstudio", "Failed", "2h", 7200);
	add3(t, "u3", "vscode-python", "Running", "30s", 30);
	table_commit(t);
}

static bool line_has(int y, const char *s)
{
	return strstr(ts_line(win, y), s) != NULL;
}

START_TEST(draws_header_and_rows)
{
	struct table *t = make3();

	fill_basic(t);
	ck_assert(widget_draw(table_widget(t), win, false));
	ck_assert(line_has(0, "NAME"));
	ck_assert(line_has(0, "STATUS"));
	ck_assert(line_has(1, "jupyter-python"));
	ck_assert(line_has(2, "rstudio"));
	ck_assert(line_has(2, "Failed"));
	/* AGE is right-aligned: "30s" ends where "AGE" ends. */
	{
		const char *l0 = ts_line(win, 0), *l3;
		char h[64], r[64];
		size_t end;

		snprintf(h, sizeof(h), "%s", l0);
		l3 = ts_line(win, 3);
		snprintf(r, sizeof(r), "%s", l3);
		end = (size_t)(strstr(h, "AGE") - h) + 3;
		ck_assert(strncmp(r + end - 3, "30s", 3) == 0);
	}
	/* The selected row is drawn in the selection role, focused. */
	ck_assert_uint_eq(ts_cell_attr(win, 1, 0), theme_attr(THEME_ROW_SELECTED));
	/* Cell roles: "Failed" in the failed colour. */
	{
		int x = (int)(strstr(ts_line(win, 2), "Failed") - ts_line(win, 2));

		ck_assert_uint_eq(ts_cell_attr(win, 2, x), theme_attr(THEME_FAILED));
	}
	/* Clean: nothing to draw. */
	ck_assert(!widget_draw(table_widget(t), win, false));
	widget_set_focus(table_widget(t), false);
	widget_draw(table_widget(t), win, false);
	ck_assert_uint_eq(ts_cell_attr(win, 1, 0), theme_attr(THEME_ROW_SELECTED_UNFOCUSED));
	table_free(t);
}
END_TEST

START_TEST(keys_move_the_selection)
{
	struct table *t = make3();
	struct widget *w = table_widget(t);

	fill_basic(t);
	ck_assert_str_eq(table_selected_id(t), "u1");
	ck_assert_uint_eq(widget_key(w, 'j'), WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED);
	ck_assert_str_eq(table_selected_id(t), "u2");
	widget_key(w, KEY_DOWN);
	ck_assert_str_eq(table_selected_id(t), "u3");
	ck_assert_uint_eq(widget_key(w, 'j'), WIDGET_HANDLED);	/* at the end */
	widget_key(w, 'g');
	ck_assert_str_eq(table_selected_id(t), "u1");
	widget_key(w, 'G');
	ck_assert_str_eq(table_selected_id(t), "u3");
	widget_key(w, KEY_UP);
	widget_key(w, 'k');
	ck_assert_str_eq(table_selected_id(t), "u1");
	widget_key(w, KEY_NPAGE);
	ck_assert_str_eq(table_selected_id(t), "u3");
	widget_key(w, KEY_HOME);
	ck_assert_str_eq(table_selected_id(t), "u1");
	ck_assert(widget_key(w, '\n') & WIDGET_ACTIVATE);
	ck_assert_uint_eq(widget_key(w, 'z'), 0);
	table_free(t);
}
END_TEST

START_TEST(selection_follows_the_id)
{
	struct table *t = make3();

	fill_basic(t);
	ck_assert_int_eq(table_select_id(t, "u2"), 0);
	/* A new row before it: still on u2. */
	table_begin(t);
	add3(t, "u0", "aaa", "Running", "1s", 1);
	add3(t, "u1", "jupyter-python", "Running", "5m", 300);
	add3(t, "u2", "rstudio", "Failed", "2h", 7200);
	table_commit(t);
	ck_assert_str_eq(table_selected_id(t), "u2");
	ck_assert_int_eq(table_selected(t), 2);
	/* u2 deleted: the selection stays at its position. */
	table_begin(t);
	add3(t, "u0", "aaa", "Running", "1s", 1);
	add3(t, "u1", "jupyter-python", "Running", "5m", 300);
	add3(t, "u4", "zeppelin", "Running", "1s", 1);
	table_commit(t);
	ck_assert_str_eq(table_selected_id(t), "u4");
	/* Fewer rows than the position: the last one. */
	table_begin(t);
	add3(t, "u0", "aaa", "Running", "1s", 1);
	table_commit(t);
	ck_assert_str_eq(table_selected_id(t), "u0");
	table_begin(t);
	table_commit(t);
	ck_assert_ptr_null(table_selected_id(t));
	ck_assert_int_eq(table_selected(t), -1);
	ck_assert_int_eq(table_select_id(t, "u0"), -1);
	table_free(t);
}
END_TEST

static void expect_order(struct table *t, size_t col, const char *const *want, size_t n)
{
	ck_assert_uint_eq(table_visible_count(t), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(table_cell_text(t, i, col), want[i]);
}

START_TEST(sorting_natural_stable_and_keyed)
{
	static const char *const names[] = { "pod-10", "pod-9", "Pod-1", "pod-100", "pod-9" };
	static const char *const asc[] = { "Pod-1", "pod-9", "pod-9", "pod-10", "pod-100" };
	static const char *const desc[] = { "pod-100", "pod-10", "pod-9", "pod-9", "Pod-1" };
	struct table *t = make3();
	enum table_sort_dir dir;

	table_begin(t);
	for (size_t i = 0; i < DL_ARRAY_LEN(names); i++) {
		char id[8];

		snprintf(id, sizeof(id), "%zu", i);
		add3(t, id, names[i], "Running", i % 2 ? "2h" : "30s", i % 2 ? 7200 : 30);
	}
	table_commit(t);
	ck_assert_int_eq(table_sort_column(t, NULL), -1);
	table_sort_toggle(t, 0);
	ck_assert_int_eq(table_sort_column(t, &dir), 0);
	ck_assert_int_eq(dir, TABLE_ASC);
	expect_order(t, 0, asc, 5);
	/* The two pod-9 rows keep their insertion order (ids 1 then 4). */
	ck_assert_str_eq(table_row_id(t, 1), "1");
	ck_assert_str_eq(table_row_id(t, 2), "4");
	table_sort_toggle(t, 0);
	ck_assert_int_eq(table_sort_column(t, &dir), 0);
	ck_assert_int_eq(dir, TABLE_DESC);
	expect_order(t, 0, desc, 5);
	ck_assert_str_eq(table_row_id(t, 2), "1");
	ck_assert_str_eq(table_row_id(t, 3), "4");
	/* Ages sort by key, not by text ("30s" < "2h"). */
	table_sort(t, 2, TABLE_ASC);
	ck_assert_str_eq(table_cell_text(t, 0, 2), "30s");
	ck_assert_str_eq(table_cell_text(t, 4, 2), "2h");
	/* The header shows the direction. */
	widget_draw(table_widget(t), win, false);
	ck_assert(line_has(0, "AGE\u25b2"));
	table_free(t);
}
END_TEST

START_TEST(sorting_numeric_column)
{
	static const struct table_column c[] = {
		{ "CPU", 0, 0, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_NUMERIC },
	};
	static const char *const vals[] = { "1.5", "1.25", "n/a", "10", "-2" };
	static const char *const want[] = { "-2", "1.25", "1.5", "10", "n/a" };
	struct table *t = table_new(c, 1);

	table_begin(t);
	for (size_t i = 0; i < 5; i++)
		table_set_cell(t, table_add_row(t, vals[i]), 0, vals[i], -1);
	table_commit(t);
	table_sort(t, 0, TABLE_ASC);
	expect_order(t, 0, want, 5);
	table_free(t);
}
END_TEST

START_TEST(filter_narrows_and_highlights)
{
	struct table *t = make3();
	int x;

	fill_basic(t);
	table_select_id(t, "u3");
	table_set_filter(t, "PY");
	ck_assert_uint_eq(table_visible_count(t), 2);
	ck_assert_uint_eq(table_row_count(t), 3);
	ck_assert_str_eq(table_selected_id(t), "u3");
	table_set_filter(t, "PYT");
	ck_assert_uint_eq(table_visible_count(t), 2);
	table_set_filter(t, "vscode-PY");
	ck_assert_uint_eq(table_visible_count(t), 1);
	table_set_filter(t, "py");
	ck_assert_uint_eq(table_visible_count(t), 2);
	ck_assert_str_eq(table_filter(t), "py");
	table_select_id(t, "u1");
	widget_draw(table_widget(t), win, false);
	/* Row 2 (vscode-python, not selected): "py" cells highlighted. */
	x = (int)(strstr(ts_line(win, 2), "python") - ts_line(win, 2));
	ck_assert_uint_eq(ts_cell_attr(win, 2, x), theme_attr(THEME_MATCH));
	ck_assert_uint_eq(ts_cell_attr(win, 2, x + 1), theme_attr(THEME_MATCH));
	ck_assert_uint_ne(ts_cell_attr(win, 2, x + 2), theme_attr(THEME_MATCH));
	/* Matching on any column: "fail" finds rstudio by its status. */
	table_set_filter(t, "fail");
	ck_assert_str_eq(table_selected_id(t), "u2");
	table_set_filter(t, "zzz");
	ck_assert_uint_eq(table_visible_count(t), 0);
	ck_assert_ptr_null(table_selected_id(t));
	widget_draw(table_widget(t), win, false);
	ck_assert(line_has(1, "no match for 'zzz'"));
	table_set_filter(t, NULL);
	ck_assert_uint_eq(table_visible_count(t), 3);
	ck_assert_str_eq(table_filter(t), "");
	table_free(t);
}
END_TEST

START_TEST(empty_message)
{
	struct table *t = make3();

	table_set_empty_text(t, "no services yet: press l to launch one");
	widget_draw(table_widget(t), win, false);
	ck_assert(line_has(0, "NAME"));
	ck_assert(line_has(1, "no services yet: press l to launch one"));
	ck_assert_uint_eq(widget_key(table_widget(t), 'j'), WIDGET_HANDLED);
	ck_assert_uint_eq(widget_key(table_widget(t), '\n'), WIDGET_HANDLED);
	table_free(t);
}
END_TEST

START_TEST(widths_from_display_width)
{
	static const struct table_column c[] = {
		{ "N", 0, 0, 0, WIDGET_ALIGN_LEFT, 0 },
		{ "X", 0, 0, 0, WIDGET_ALIGN_LEFT, 0 },
	};
	struct table *t = table_new(c, 2);
	size_t r;
	const char *l;

	widget_place(table_widget(t), 0, 0, 5, 30);
	table_begin(t);
	r = table_add_row(t, "a");
	table_set_cell(t, r, 0, "日本語", -1);
	table_set_cell(t, r, 1, "x1", -1);
	r = table_add_row(t, "b");
	table_set_cell(t, r, 0, "😀😀", -1);
	table_set_cell(t, r, 1, "x2", -1);
	table_commit(t);
	widget_draw(table_widget(t), win, false);
	ck_assert_int_eq(table_column_width(t, 0), 6);
	/* "日本語" (6 columns) + a space, then column X. */
	l = ts_line(win, 1);
	ck_assert(strncmp(l, "日本語 x1", strlen("日本語 x1")) == 0);
	l = ts_line(win, 2);
	ck_assert(strncmp(l, "😀😀   x2", strlen("😀😀   x2")) == 0);
	table_free(t);
}
END_TEST

START_TEST(wide_columns_drop_first)
{
	static const struct table_column c[] = {
		{ "NAME", 10, 0, 1, WIDGET_ALIGN_LEFT, 0 },
		{ "IMAGE", 20, 0, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
		{ "STATUS", 8, 0, 0, WIDGET_ALIGN_LEFT, 0 },
	};
	struct table *t = table_new(c, 3);
	size_t r;

	table_begin(t);
	r = table_add_row(t, "a");
	table_set_cell(t, r, 0, "jupyter", -1);
	table_set_cell(t, r, 1, "inseefrlab/onyxia-jupyter-python:py3.12", -1);
	table_set_cell(t, r, 2, "Running", -1);
	table_commit(t);
	widget_place(table_widget(t), 0, 0, 5, 80);
	widget_draw(table_widget(t), win, false);
	ck_assert_int_gt(table_column_width(t, 1), 0);
	widget_place(table_widget(t), 0, 0, 5, 30);
	werase(win);
	widget_draw(table_widget(t), win, false);
	ck_assert_int_eq(table_column_width(t, 1), 0);
	ck_assert(line_has(0, "STATUS"));
	ck_assert(line_has(1, "Running"));
	ck_assert(!line_has(1, "inseefrlab"));
	table_free(t);
}
END_TEST

static cJSON *load_json(const char *path)
{
	struct buf b;
	struct error err;
	cJSON *root;

	buf_init(&b, 0);
	ck_assert_int_eq(file_read(path, &b, &err), 0);
	root = json_parse(b.data, b.len, &err);
	ck_assert_ptr_nonnull(root);
	buf_release(&b);
	return root;
}

START_TEST(hostile_pod_names_inert)
{
	cJSON *root = load_json(TESTDATA "/hostile/json/podlist-terminal-escapes.json");
	const cJSON *items = json_get(root, "items"), *it;
	struct table *t = table_new(cols3, 3);
	int n = 0;

	widget_place(table_widget(t), 1, 2, 9, 50);
	table_begin(t);
	cJSON_ArrayForEach(it, items) {
		size_t r = table_add_row(t, json_str(it, "metadata.uid", ""));

		table_set_cell(t, r, 0, json_str(it, "metadata.name", ""), -1);
		table_set_cell(t, r, 1, json_str(it, "status.message", ""), THEME_PENDING);
		table_set_cell(t, r, 2, json_str(it, "status.reason", ""), -1);
		n++;
	}
	table_commit(t);
	ck_assert_int_ge(n, 16);
	for (int i = 0; i < n; i++) {
		widget_draw(table_widget(t), win, true);
		ts_assert_inert(win);
		ts_assert_blank_outside(win, 1, 2, 9, 50);
		widget_key(table_widget(t), 'j');
	}
	/* Filtering on a hostile string matches its sanitized form. */
	table_set_filter(t, "clear_scree");
	ck_assert_uint_eq(table_visible_count(t), 1);
	widget_draw(table_widget(t), win, true);
	ts_assert_inert(win);
	ts_assert_blank_outside(win, 1, 2, 9, 50);
	table_free(t);
	cJSON_Delete(root);
}
END_TEST

START_TEST(tiny_window)
{
	WINDOW *small = newwin(5, 20, 0, 0);
	static const struct table_column c[] = {
		{ "NAMESPACE", 12, 0, 1, WIDGET_ALIGN_LEFT, 0 },
		{ "NAME", 20, 40, 2, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
		{ "IMAGE", 30, 0, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
		{ "CPU", 5, 0, 0, WIDGET_ALIGN_RIGHT, 0 },
		{ "AGE", 4, 0, 0, WIDGET_ALIGN_RIGHT, 0 },
	};
	struct table *t = table_new(c, 5);

	table_begin(t);
	for (int i = 0; i < 30; i++) {
		char id[16];
		size_t r;

		snprintf(id, sizeof(id), "r%d", i);
		r = table_add_row(t, id);
		table_set_cell(t, r, 0, "user-alice-with-a-long-namespace", -1);
		table_set_cell(t, r, 1, "日本語日本語日本語日本語", -1);
		table_set_cell(t, r, 2, "registry/very/long/image:tag", -1);
		table_set_cell(t, r, 3, "1500m", -1);
		table_set_cell(t, r, 4, "12d", -1);
	}
	table_commit(t);
	for (int rows = 0; rows <= 5; rows++) {
		for (int cols = 0; cols <= 20; cols += 3) {
			werase(small);
			widget_place(table_widget(t), 0, 0, rows, cols);
			widget_draw(table_widget(t), small, false);
			widget_key(table_widget(t), KEY_NPAGE);
			ts_assert_inert(small);
			ts_assert_blank_outside(small, 0, 0, rows, cols);
		}
	}
	/* 20x5 itself: a header and four rows, clipped. */
	widget_place(table_widget(t), 0, 0, 5, 20);
	widget_draw(table_widget(t), small, false);
	ck_assert(strstr(ts_line(small, 0), "NAMESPACE") != NULL || strstr(ts_line(small, 0), "NAMES") != NULL);
	ck_assert(strstr(ts_line(small, 4), "\u2026") != NULL);
	table_free(t);
	delwin(small);
}
END_TEST

START_TEST(mouse_selects_and_sorts)
{
	struct table *t = make3();
	MEVENT ev = { 0 };
	int agex;

	fill_basic(t);
	widget_draw(table_widget(t), win, false);
	ev.y = 3;
	ev.x = 2;
	ev.bstate = BUTTON1_CLICKED;
	ck_assert(widget_mouse(table_widget(t), &ev) & WIDGET_CHANGED);
	ck_assert_str_eq(table_selected_id(t), "u3");
	ev.y = 2;
	ev.bstate = BUTTON1_DOUBLE_CLICKED;
	ck_assert(widget_mouse(table_widget(t), &ev) & WIDGET_ACTIVATE);
	ck_assert_str_eq(table_selected_id(t), "u2");
	/* Below the last row: nothing selected anew. */
	ev.y = 8;
	ev.bstate = BUTTON1_CLICKED;
	ck_assert_uint_eq(widget_mouse(table_widget(t), &ev), WIDGET_HANDLED);
	ck_assert_str_eq(table_selected_id(t), "u2");
	/* Header click on AGE sorts by it; again flips it. */
	agex = (int)(strstr(ts_line(win, 0), "AGE") - ts_line(win, 0));
	ev.y = 0;
	ev.x = agex + 1;
	widget_mouse(table_widget(t), &ev);
	ck_assert_int_eq(table_sort_column(t, NULL), 2);
	ck_assert_str_eq(table_cell_text(t, 0, 2), "30s");
	ck_assert_str_eq(table_selected_id(t), "u2");
	widget_mouse(table_widget(t), &ev);
	ck_assert_str_eq(table_cell_text(t, 0, 2), "2h");
	/* Wheel. */
	ev.y = 2;
	ev.bstate = BUTTON5_PRESSED;
	widget_mouse(table_widget(t), &ev);
	ck_assert_int_eq(table_selected(t), 2);
	ev.bstate = BUTTON4_PRESSED;
	widget_mouse(table_widget(t), &ev);
	ck_assert_int_eq(table_selected(t), 0);
	/* Outside the widget: not ours. */
	ev.y = 11;
	ev.bstate = BUTTON1_CLICKED;
	ck_assert_uint_eq(widget_mouse(table_widget(t), &ev), 0);
	table_free(t);
}
END_TEST

START_TEST(selection_move_repaints_two_rows)
{
	struct table *t = make3();

	fill_basic(t);
	widget_draw(table_widget(t), win, false);
	/* Something else scribbles on row 3; a selection move from row 1 to
	 * row 2 must not repaint it (only the two rows involved). */
	mvwaddstr(win, 3, 0, "SCRIBBLE");
	widget_key(table_widget(t), 'j');
	ck_assert(widget_draw(table_widget(t), win, false));
	ck_assert(line_has(3, "SCRIBBLE"));
	ck_assert_uint_eq(ts_cell_attr(win, 2, 0), theme_attr(THEME_ROW_SELECTED));
	ck_assert_uint_eq(ts_cell_attr(win, 1, 0), theme_attr(THEME_DEFAULT));
	/* A forced draw repaints all of it. */
	widget_draw(table_widget(t), win, true);
	ck_assert(!line_has(3, "SCRIBBLE"));
	table_free(t);
}
END_TEST

static void big_row(void *ctx, size_t i, struct table_row *row)
{
	static char id[32], name[64], cpu[16];
	static struct table_cell cells[3];

	(void)ctx;
	snprintf(id, sizeof(id), "uid-%zu", i);
	snprintf(name, sizeof(name), "pod-%zu-%s", (i * 7919) % 50000, i % 3 ? "python" : "rstudio");
	snprintf(cpu, sizeof(cpu), "%zum", (i * 31) % 4000);
	cells[0] = (struct table_cell){ name, -1, false, 0 };
	cells[1] = (struct table_cell){ cpu, THEME_OK, true, (double)((i * 31) % 4000) };
	cells[2] = (struct table_cell){ "1d", -1, true, 86400 };
	row->id = id;
	row->cells = cells;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(fifty_thousand_rows)
{
	static const struct table_column c[] = {
		{ "NAME", 0, 0, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
		{ "CPU", 0, 0, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
		{ "AGE", 0, 0, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
	};
	WINDOW *big = newwin(40, 120, 0, 0);
	struct table *t = table_new(c, 3);
	struct widget *w = table_widget(t);
	double t0, t_set, t_sort, t_end, t_scroll, t_step, t_filter;
	int pages = 0;

	widget_place(w, 0, 0, 40, 120);
	t0 = now_ms();
	table_set_rows_cb(t, 50000, big_row, NULL);
	t_set = now_ms() - t0;
	ck_assert_uint_eq(table_row_count(t), 50000);
	t0 = now_ms();
	table_sort(t, 0, TABLE_ASC);
	t_sort = now_ms() - t0;
	widget_draw(w, big, false);
	t0 = now_ms();
	widget_key(w, 'G');
	widget_draw(w, big, false);
	t_end = now_ms() - t0;
	ck_assert_int_eq(table_selected(t), 49999);
	widget_key(w, 'g');
	t0 = now_ms();
	while (widget_key(w, KEY_NPAGE) & WIDGET_CHANGED) {
		widget_draw(w, big, false);
		pages++;
	}
	t_scroll = now_ms() - t0;
	ck_assert_int_eq(table_selected(t), 49999);
	t0 = now_ms();
	for (int i = 0; i < 1000; i++) {
		widget_key(w, 'k');
		widget_draw(w, big, false);
	}
	t_step = (now_ms() - t0) / 1000;
	t0 = now_ms();
	table_set_filter(t, "r");
	table_set_filter(t, "rs");
	table_set_filter(t, "rst");
	t_filter = now_ms() - t0;
	ck_assert_uint_eq(table_visible_count(t), 50000 / 3 + 1);
	printf("table 50,000 rows: set %.1f ms, sort %.1f ms, jump to end + draw %.2f ms, "
	       "%d page-downs + draws %.1f ms (%.3f ms each), one step + draw %.3f ms, "
	       "3 filter keystrokes %.1f ms\n",
	       t_set, t_sort, t_end, pages, t_scroll, t_scroll / DL_MAX(pages, 1), t_step, t_filter);
	/* Generous bounds (sanitizer builds run here too); the figures above
	 * are the measurement. */
	ck_assert_double_lt(t_end, 50);
	ck_assert_double_lt(t_step, 5);
	ck_assert_double_lt(t_scroll / DL_MAX(pages, 1), 5);
	table_free(t);
	delwin(big);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("ui_table");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, draws_header_and_rows);
	tcase_add_test(tc, keys_move_the_selection);
	tcase_add_test(tc, selection_follows_the_id);
	tcase_add_test(tc, sorting_natural_stable_and_keyed);
	tcase_add_test(tc, sorting_numeric_column);
	tcase_add_test(tc, filter_narrows_and_highlights);
	tcase_add_test(tc, empty_message);
	tcase_add_test(tc, widths_from_display_width);
	tcase_add_test(tc, wide_columns_drop_first);
	tcase_add_test(tc, hostile_pod_names_inert);
	tcase_add_test(tc, tiny_window);
	tcase_add_test(tc, mouse_selects_and_sorts);
	tcase_add_test(tc, selection_move_repaints_two_rows);
	tcase_add_test(tc, fifty_thousand_rows);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(table_suite)
