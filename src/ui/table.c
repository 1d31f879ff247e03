/*
 * table.c: the list widget: selection, layout, drawing and input (the row
 * store, view order and in-place updates are in table_rows.c).
 *
 * Data flow: a view hands rows in (set_rows / begin..commit, or a sync
 * pass); each cell is sanitized and measured once there.  The "view" is an
 * array of row indexes: rows past the filter, in sort order; selection and
 * scrolling are positions in it.  Drawing lays the columns out from the measured
 * widths and paints rows top..top+height only; when only the selection
 * moved it repaints the old and new selected rows (htop's Panel_draw).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"
#include "table-internal.h"

#define AGE_WIDTH 5	/* "9m59s", "7h59m", "7d23h": kubectl's ages */

static void table_draw(struct widget *w, WINDOW *win);
static unsigned table_key(struct widget *w, int key);
static unsigned table_mouse(struct widget *w, const MEVENT *ev);
static void table_widget_free(struct widget *w);

static const struct widget_ops table_ops = {
	.name = "table",
	.draw = table_draw,
	.key = table_key,
	.mouse = table_mouse,
	.resize = NULL,
	.free = table_widget_free,
};

struct table *table_new(const struct table_column *cols, size_t ncols)
{
	struct table *t = xcalloc(1, sizeof(*t));

	widget_init(&t->w, &table_ops);
	t->ncols = ncols;
	t->cols = xcalloc(ncols ? ncols : 1, sizeof(*t->cols));
	t->title_w = xcalloc(ncols ? ncols : 1, sizeof(int));
	t->max_w = xcalloc(ncols ? ncols : 1, sizeof(int));
	t->width = xcalloc(ncols ? ncols : 1, sizeof(int));
	t->colx = xcalloc(ncols ? ncols : 1, sizeof(int));
	for (size_t i = 0; i < ncols; i++) {
		t->cols[i] = cols[i];
		t->cols[i].title = utf8_sanitize_dup(cols[i].title ? cols[i].title : "", 0);
		t->title_w[i] = (int)utf8_width(t->cols[i].title, strlen(t->cols[i].title));
	}
	t->sort_col = -1;
	t->header = true;
	t->sel = -1;
	t->drawn_sel = -1;
	t->empty = xstrdup("nothing to show");
	return t;
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	table_free_rows(t);
	free(t->rows);
	free(t->index);
	free(t->view);
	for (size_t i = 0; i < t->ncols; i++)
		free((char *)t->cols[i].title);
	free(t->cols);
	free(t->title_w);
	free(t->max_w);
	free(t->width);
	free(t->colx);
	free(t->filter);
	free(t->empty);
	free(t->keep_id);
	free(t);
}

static void table_widget_free(struct widget *w)
{
	table_free((struct table *)w);
}

struct widget *table_widget(struct table *t)
{
	return &t->w;
}

static int body_rows(const struct table *t)
{
	return DL_MAX(t->w.rows - (t->header ? 1 : 0), 0);
}

void table_ensure_visible(struct table *t)
{
	size_t h = (size_t)DL_MAX(body_rows(t), 1);

	if (t->nview == 0) {
		t->sel = -1;
		t->top = 0;
		return;
	}
	if (t->sel < 0)
		t->sel = 0;
	if ((size_t)t->sel >= t->nview)
		t->sel = (long)t->nview - 1;
	if ((size_t)t->sel < t->top)
		t->top = (size_t)t->sel;
	if ((size_t)t->sel >= t->top + h)
		t->top = (size_t)t->sel - h + 1;
	/* No blank space below the last row while rows sit above the top. */
	if (t->top + h > t->nview)
		t->top = t->nview > h ? t->nview - h : 0;
}

void table_set_empty_text(struct table *t, const char *text)
{
	if (text != NULL && strcmp(text, t->empty) == 0)
		return;	/* views set it on every pass */
	free(t->empty);
	t->empty = utf8_sanitize_dup(text != NULL ? text : "", 0);
	table_mark_all(t);
}

void table_set_header(struct table *t, bool on)
{
	t->header = on;
	table_mark_all(t);
}

/* Queries and selection. */

size_t table_row_count(const struct table *t)
{
	return t->nrows;
}

size_t table_visible_count(const struct table *t)
{
	return t->nview;
}

const char *table_selected_id(const struct table *t)
{
	if (t->sel < 0 || (size_t)t->sel >= t->nview)
		return NULL;
	return t->rows[t->view[t->sel]].id;
}

long table_selected(const struct table *t)
{
	return t->nview == 0 ? -1 : t->sel;
}

static void move_to(struct table *t, long pos)
{
	t->sel = pos;
	table_ensure_visible(t);
	/* Only the selection moved: the draw repaints two rows unless the
	 * top moved too (it checks). */
	t->w.flags |= WIDGET_DIRTY;
}

void table_select(struct table *t, long pos)
{
	if (t->nview == 0)
		return;
	move_to(t, pos < 0 ? 0 : pos);
}

int table_select_id(struct table *t, const char *id)
{
	for (size_t i = 0; i < t->nview; i++) {
		if (strcmp(t->rows[t->view[i]].id, id) == 0) {
			move_to(t, (long)i);
			return 0;
		}
	}
	return -1;
}

const char *table_cell_text(const struct table *t, size_t pos, size_t col)
{
	if (pos >= t->nview || col >= t->ncols)
		return NULL;
	return t->rows[t->view[pos]].cells[col].text;
}

const char *table_row_id(const struct table *t, size_t pos)
{
	if (pos >= t->nview)
		return NULL;
	return t->rows[t->view[pos]].id;
}

size_t table_top(const struct table *t)
{
	return t->top;
}

bool table_shown_key_min(const struct table *t, size_t col, double *min)
{
	size_t h = (size_t)DL_MAX(body_rows(t), 1);
	bool any = false;

	for (size_t pos = t->top; col < t->ncols && pos < t->nview && pos < t->top + h; pos++) {
		const struct tcell *c = &t->rows[t->view[pos]].cells[col];

		if (c->has_key && (!any || c->key < *min)) {
			*min = c->key;
			any = true;
		}
	}
	return any;
}

int table_column_width(const struct table *t, size_t col)
{
	return col < t->ncols ? t->width[col] : 0;
}

/* Layout: natural widths, drop WIDE columns, then grow or shrink. */

static int min_width(const struct table *t, size_t c)
{
	const struct table_column *col = &t->cols[c];

	return col->min_width > 0 ? col->min_width : t->title_w[c];
}

static void layout(struct table *t)
{
	int avail = t->w.cols, total, nvis = 0, minsum = 0, x;

	for (size_t c = 0; c < t->ncols; c++) {
		const struct table_column *col = &t->cols[c];
		int nat = DL_MAX(t->max_w[c], t->title_w[c] + ((col->flags & TABLE_COL_SORTABLE) ? 1 : 0));

		nat = DL_MAX(nat, min_width(t, c));
		if (col->flags & TABLE_COL_AGE)
			nat = DL_MAX(nat, AGE_WIDTH);	/* drawn later than measured */
		if (col->max_width > 0)
			nat = DL_MIN(nat, DL_MAX(col->max_width, min_width(t, c)));
		t->width[c] = DL_MIN(nat, avail);
		nvis++;
		minsum += DL_MIN(min_width(t, c), avail);
	}
	/* Narrow screen: WIDE columns go first, rightmost first. */
	for (size_t c = t->ncols; c-- > 0 && minsum + nvis - 1 > avail;) {
		if (t->cols[c].flags & TABLE_COL_WIDE) {
			minsum -= DL_MIN(min_width(t, c), avail);
			t->width[c] = 0;
			nvis--;
		}
	}
	total = nvis > 0 ? nvis - 1 : 0;
	for (size_t c = 0; c < t->ncols; c++)
		total += t->width[c];
	if (total < avail) {
		int wsum = 0, extra = avail - total, given = 0;
		size_t last = 0;

		for (size_t c = 0; c < t->ncols; c++) {
			if (t->width[c] > 0 && t->cols[c].weight > 0) {
				wsum += t->cols[c].weight;
				last = c;
			}
		}
		for (size_t c = 0; c < t->ncols && wsum > 0; c++) {
			int add;

			if (t->width[c] == 0 || t->cols[c].weight <= 0)
				continue;
			add = c == last ? extra - given : extra * t->cols[c].weight / wsum;
			if (t->cols[c].max_width > 0)
				add = DL_MIN(add, DL_MAX(t->cols[c].max_width - t->width[c], 0));
			t->width[c] += add;
			given += add;
		}
	}
	/* Too wide: shave the widest column still above its minimum, one
	 * column at a time, so long names give way before short ones. */
	while (total > avail) {
		int best = -1;

		for (size_t c = 0; c < t->ncols; c++) {
			if (t->width[c] > min_width(t, c) && (best < 0 || t->width[c] > t->width[best]))
				best = (int)c;
		}
		if (best < 0)
			break;
		t->width[best]--;
		total--;
	}
	x = 0;
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->width[c] == 0)
			continue;
		if (x >= avail) {
			t->width[c] = 0;
			continue;
		}
		t->colx[c] = x;
		t->width[c] = DL_MIN(t->width[c], avail - x);
		x += t->width[c] + 1;
	}
}

/* Drawing. */

static void draw_header(struct table *t, WINDOW *win)
{
	attr_t a = theme_attr(THEME_TABLE_HEADER);
	bool utf8 = widget_utf8_locale();

	widget_fill(win, t->w.y, t->w.x, t->w.cols, a);
	for (size_t c = 0; c < t->ncols; c++) {
		char title[512];

		if (t->width[c] == 0)
			continue;
		if (t->sort_col == (int)c)
			snprintf(title, sizeof(title), "%s%s", t->cols[c].title,
				 t->sort_dir == TABLE_ASC ? (utf8 ? "\u25b2" : "^") : (utf8 ? "\u25bc" : "v"));
		else
			snprintf(title, sizeof(title), "%s", t->cols[c].title);
		widget_draw_text(win, t->w.y, t->w.x + t->colx[c], t->width[c], title, a, t->cols[c].align);
	}
}

static void draw_row(struct table *t, WINDOW *win, int line, size_t pos)
{
	int y = t->w.y + (t->header ? 1 : 0) + line;
	bool selected = (long)pos == t->sel;
	attr_t row_attr = theme_attr(THEME_DEFAULT), match = theme_attr(THEME_MATCH);
	const struct trow *r;

	if (pos >= t->nview) {
		widget_fill(win, y, t->w.x, t->w.cols, row_attr);
		return;
	}
	r = &t->rows[t->view[pos]];
	if (selected)
		row_attr = theme_attr((t->w.flags & WIDGET_FOCUSED) ? THEME_ROW_SELECTED
				       : THEME_ROW_SELECTED_UNFOCUSED);
	widget_fill(win, y, t->w.x, t->w.cols, row_attr);
	for (size_t c = 0; c < t->ncols; c++) {
		const struct tcell *cell = &r->cells[c];
		struct text_span spans[16];
		const char *text = cell->text;
		size_t n, ns = 0;
		attr_t a = row_attr;
		char age[32];

		if (t->width[c] == 0)
			continue;
		if ((t->cols[c].flags & TABLE_COL_AGE) && cell->has_key && cell->key < 0) {
			int64_t born = (int64_t)-cell->key, now = (int64_t)time(NULL);

			time_age(age, sizeof(age), now > born ? now - born : 0);
			text = age;
		}
		n = strlen(text);
		if (!selected && cell->role >= 0)
			a = theme_attr((enum theme_role)cell->role);
		if (t->filter != NULL)
			ns = widget_find_matches(text, n, t->filter, match, spans, DL_ARRAY_LEN(spans));
		widget_draw_spans(win, y, t->w.x + t->colx[c], t->width[c], text, n, a, t->cols[c].align, spans, ns);
	}
}

static void draw_empty(struct table *t, WINDOW *win)
{
	int y = t->w.y + (t->header ? 1 : 0);
	char msg[512];

	if (t->nrows > 0 && t->filter != NULL)
		snprintf(msg, sizeof(msg), "no match for '%s'", t->filter);
	else
		snprintf(msg, sizeof(msg), "%s", t->empty);
	if (y < t->w.y + t->w.rows)
		widget_draw_text(win, y, t->w.x, t->w.cols, msg, theme_attr(THEME_DIM), WIDGET_ALIGN_CENTER);
}

static void table_draw(struct widget *w, WINDOW *win)
{
	struct table *t = (struct table *)w;
	int h = body_rows(t);

	table_ensure_visible(t);
	if (!(w->flags & WIDGET_REDRAW_ALL) && t->top == t->drawn_top) {
		/* Selection moved within the page: repaint two rows. */
		if (t->drawn_sel >= 0 && (size_t)t->drawn_sel >= t->top && (size_t)t->drawn_sel < t->top + (size_t)h)
			draw_row(t, win, (int)((size_t)t->drawn_sel - t->top), (size_t)t->drawn_sel);
		if (t->sel >= 0)
			draw_row(t, win, (int)((size_t)t->sel - t->top), (size_t)t->sel);
		t->drawn_sel = t->sel;
		return;
	}
	table_settle_widths(t);
	layout(t);
	if (t->header)
		draw_header(t, win);
	for (int i = 0; i < h; i++)
		draw_row(t, win, i, t->top + (size_t)i);
	if (t->nview == 0)
		draw_empty(t, win);
	t->drawn_sel = t->sel;
	t->drawn_top = t->top;
}

/* Input. */

static unsigned move_by(struct table *t, long delta)
{
	long old = t->sel, pos;

	if (t->nview == 0)
		return WIDGET_HANDLED;
	pos = t->sel + delta;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)t->nview)
		pos = (long)t->nview - 1;
	if (pos == old)
		return WIDGET_HANDLED;
	move_to(t, pos);
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned table_key(struct widget *w, int key)
{
	struct table *t = (struct table *)w;
	long page = DL_MAX(body_rows(t), 1);

	switch (key) {
	case KEY_UP:
	case 'k':
		return move_by(t, -1);
	case KEY_DOWN:
	case 'j':
		return move_by(t, 1);
	case KEY_PPAGE:
	case 2:			/* ^B */
		return move_by(t, -page);
	case KEY_NPAGE:
	case 6:			/* ^F */
		return move_by(t, page);
	case KEY_HOME:
	case 'g':
		return move_by(t, -t->sel);
	case KEY_END:
	case 'G':
		return move_by(t, (long)t->nview);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return t->nview > 0 ? WIDGET_HANDLED | WIDGET_ACTIVATE : WIDGET_HANDLED;
	default:
		return 0;
	}
}

static unsigned table_mouse(struct widget *w, const MEVENT *ev)
{
	struct table *t = (struct table *)w;
	int line = ev->y - t->w.y - (t->header ? 1 : 0);

	if (ev->bstate & BUTTON4_PRESSED)
		return move_by(t, -3);
#ifdef BUTTON5_PRESSED
	if (ev->bstate & BUTTON5_PRESSED)
		return move_by(t, 3);
#endif
	if (!(ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return 0;
	if (line < 0) {
		int x = ev->x - t->w.x;

		for (size_t c = 0; c < t->ncols; c++) {
			if (t->width[c] > 0 && x >= t->colx[c] && x < t->colx[c] + t->width[c]) {
				if (!(t->cols[c].flags & TABLE_COL_SORTABLE))
					return WIDGET_HANDLED;
				table_sort_toggle(t, c);
				return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
			}
		}
		return WIDGET_HANDLED;
	}
	if (t->top + (size_t)line >= t->nview)
		return WIDGET_HANDLED;
	{
		unsigned r = move_by(t, (long)(t->top + (size_t)line) - t->sel);

		if (ev->bstate & BUTTON1_DOUBLE_CLICKED)
			r |= WIDGET_ACTIVATE;
		return r;
	}
}
