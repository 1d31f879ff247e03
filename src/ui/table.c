/*
 * table.c: the list widget: row store, view order, layout and drawing.
 *
 * Data flow: a view hands rows in (set_rows / begin..commit); each cell is
 * sanitized and measured once there.  The "view" is an array of row
 * indexes: rows past the filter, in sort order; selection and scrolling
 * are positions in it.  Drawing lays the columns out from the measured
 * widths and paints rows top..top+height only; when only the selection
 * moved it repaints the old and new selected rows (htop's Panel_draw).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"

/* An unset cell points at the shared "" (no allocation per cell). */
static char no_text[] = "";

struct tcell {
	char *text;
	int width;
	int role;
	bool has_key;
	double key;
};

struct trow {
	char *id;
	struct tcell *cells;
};

struct table {
	struct widget w;

	struct table_column *cols;
	size_t ncols;
	int *title_w, *max_w;	/* per column: title width, widest cell */
	int *width, *colx;	/* per column, from the last layout; 0 = hidden */

	struct trow *rows;
	size_t nrows, cap;
	size_t *view;
	size_t nview;

	int sort_col;
	enum table_sort_dir sort_dir;
	char *filter;
	char *empty;
	bool header;

	long sel;
	size_t top;
	char *keep_id;		/* between begin and commit */
	long keep_pos;

	long drawn_sel;		/* for the selection-only repaint */
	size_t drawn_top;
};

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

static void mark_all(struct table *t)
{
	t->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

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

static void free_rows(struct table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t c = 0; c < t->ncols; c++)
			if (t->rows[i].cells[c].text != no_text)
				free(t->rows[i].cells[c].text);
		free(t->rows[i].cells);
		free(t->rows[i].id);
	}
	t->nrows = 0;
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	free_rows(t);
	free(t->rows);
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

/* Sorting. */

static int natural_cmp(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= '0' && ca <= '9' && cb >= '0' && cb <= '9') {
			const char *ea, *eb;
			size_t la, lb;
			int d;

			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			d = memcmp(a, b, la);
			if (d != 0)
				return d < 0 ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca + 32);
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb + 32);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		a++;
		b++;
	}
	if (*a == *b)
		return 0;
	return *a == '\0' ? -1 : 1;
}

static bool parse_number(const char *s, double *v)
{
	char *end;

	if (*s == '\0')
		return false;
	*v = strtod(s, &end);
	return *end == '\0';
}

static int cell_cmp(const struct table *t, const struct tcell *a, const struct tcell *b)
{
	if (a->has_key && b->has_key) {
		if (a->key != b->key)
			return a->key < b->key ? -1 : 1;
		return 0;
	}
	if (a->has_key != b->has_key)
		return a->has_key ? -1 : 1;
	if (t->cols[t->sort_col].flags & TABLE_COL_NUMERIC) {
		double va, vb;
		bool na = parse_number(a->text, &va), nb = parse_number(b->text, &vb);

		if (na && nb && va != vb)
			return va < vb ? -1 : 1;
		if (na != nb)
			return na ? -1 : 1;
	}
	return natural_cmp(a->text, b->text);
}

static int view_cmp(const void *pa, const void *pb, void *arg)
{
	const struct table *t = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	int d = cell_cmp(t, &t->rows[ia].cells[t->sort_col], &t->rows[ib].cells[t->sort_col]);

	if (t->sort_dir == TABLE_DESC)
		d = -d;
	if (d != 0)
		return d;
	/* Equal cells keep insertion order both ways: a stable sort. */
	return ia < ib ? -1 : ia > ib;
}

static void sort_view(struct table *t)
{
	if (t->sort_col < 0 || (size_t)t->sort_col >= t->ncols || t->nview < 2)
		return;
	if (t->nview > 1)
		qsort_r(t->view, t->nview, sizeof(*t->view), view_cmp, t);
}

/* Filtering. */

static bool row_matches(const struct table *t, const struct trow *r)
{
	if (t->filter == NULL)
		return true;
	for (size_t c = 0; c < t->ncols; c++) {
		if (widget_contains_ci(r->cells[c].text, strlen(r->cells[c].text), t->filter))
			return true;
	}
	return false;
}

static void rebuild_view(struct table *t)
{
	t->view = xreallocarray(t->view, t->nrows ? t->nrows : 1, sizeof(*t->view));
	t->nview = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		if (row_matches(t, &t->rows[i]))
			t->view[t->nview++] = i;
	}
	sort_view(t);
}

static int body_rows(const struct table *t)
{
	return DL_MAX(t->w.rows - (t->header ? 1 : 0), 0);
}

static void ensure_visible(struct table *t)
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

static void remember_selection(struct table *t)
{
	const char *id = table_selected_id(t);

	free(t->keep_id);
	t->keep_id = id != NULL ? xstrdup(id) : NULL;
	t->keep_pos = t->sel;
}

static void restore_selection(struct table *t)
{
	t->sel = t->keep_pos;
	if (t->keep_id != NULL) {
		for (size_t i = 0; i < t->nview; i++) {
			if (strcmp(t->rows[t->view[i]].id, t->keep_id) == 0) {
				t->sel = (long)i;
				break;
			}
		}
	}
	free(t->keep_id);
	t->keep_id = NULL;
	ensure_visible(t);
}

/* Row store. */

void table_begin(struct table *t)
{
	remember_selection(t);
	free_rows(t);
	t->nview = 0;
}

size_t table_add_row(struct table *t, const char *id)
{
	struct trow *r;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xreallocarray(t->rows, t->cap, sizeof(*t->rows));
	}
	r = &t->rows[t->nrows];
	r->id = xstrdup(id != NULL ? id : "");
	r->cells = xcalloc(t->ncols ? t->ncols : 1, sizeof(*r->cells));
	for (size_t c = 0; c < t->ncols; c++) {
		r->cells[c].text = no_text;
		r->cells[c].role = -1;
	}
	return t->nrows++;
}

void table_set_cell(struct table *t, size_t row, size_t col, const char *text, int role)
{
	struct tcell *c;
	size_t w;

	if (row >= t->nrows || col >= t->ncols)
		return;
	c = &t->rows[row].cells[col];
	if (c->text != no_text)
		free(c->text);
	if (text == NULL)
		text = "";
	/* Most cells are printable ASCII: copied as they are, one column a
	 * byte; anything else takes the one sanitize path. */
	for (w = 0; (unsigned char)text[w] >= 0x20 && (unsigned char)text[w] < 0x7f; w++)
		;
	if (text[w] == '\0') {
		c->text = w ? xmemdup(text, w) : no_text;
	} else {
		c->text = utf8_sanitize_dup(text, 0);
		w = utf8_width(c->text, strlen(c->text));
	}
	c->width = w > 100000 ? 100000 : (int)w;
	c->role = role;
}

void table_set_cell_key(struct table *t, size_t row, size_t col, double key)
{
	if (row >= t->nrows || col >= t->ncols)
		return;
	t->rows[row].cells[col].has_key = true;
	t->rows[row].cells[col].key = key;
}

void table_commit(struct table *t)
{
	for (size_t c = 0; c < t->ncols; c++) {
		t->max_w[c] = 0;
		for (size_t i = 0; i < t->nrows; i++)
			t->max_w[c] = DL_MAX(t->max_w[c], t->rows[i].cells[c].width);
	}
	rebuild_view(t);
	restore_selection(t);
	mark_all(t);
}

static void add_row(struct table *t, const struct table_row *r)
{
	size_t i = table_add_row(t, r->id);

	for (size_t c = 0; c < t->ncols && r->cells != NULL; c++) {
		table_set_cell(t, i, c, r->cells[c].text, r->cells[c].role);
		if (r->cells[c].has_key)
			table_set_cell_key(t, i, c, r->cells[c].key);
	}
}

void table_set_rows(struct table *t, const struct table_row *rows, size_t n)
{
	table_begin(t);
	for (size_t i = 0; i < n; i++)
		add_row(t, &rows[i]);
	table_commit(t);
}

void table_set_rows_cb(struct table *t, size_t n, table_row_fn fn, void *ctx)
{
	table_begin(t);
	for (size_t i = 0; i < n; i++) {
		struct table_row r = { NULL, NULL };

		fn(ctx, i, &r);
		add_row(t, &r);
	}
	table_commit(t);
}

/* Sorting and filtering, as the user drives them. */

void table_sort(struct table *t, size_t col, enum table_sort_dir dir)
{
	if (col >= t->ncols)
		return;
	remember_selection(t);
	t->sort_col = (int)col;
	t->sort_dir = dir;
	rebuild_view(t);
	restore_selection(t);
	mark_all(t);
}

void table_sort_toggle(struct table *t, size_t col)
{
	enum table_sort_dir dir = TABLE_ASC;

	if (t->sort_col == (int)col)
		dir = t->sort_dir == TABLE_ASC ? TABLE_DESC : TABLE_ASC;
	table_sort(t, col, dir);
}

int table_sort_column(const struct table *t, enum table_sort_dir *dir)
{
	if (dir != NULL)
		*dir = t->sort_dir;
	return t->sort_col;
}

void table_set_filter(struct table *t, const char *needle)
{
	char *old = t->filter;
	bool narrower;

	if (needle != NULL && needle[0] == '\0')
		needle = NULL;
	if (str_eq(old, needle))
		return;
	remember_selection(t);
	t->filter = needle != NULL ? utf8_sanitize_dup(needle, 0) : NULL;
	/* Typing one more character only narrows: filter the current view
	 * in place, keeping its order, instead of every row. */
	narrower = old != NULL && t->filter != NULL && strncmp(t->filter, old, strlen(old)) == 0;
	if (narrower) {
		size_t k = 0;

		for (size_t i = 0; i < t->nview; i++) {
			if (row_matches(t, &t->rows[t->view[i]]))
				t->view[k++] = t->view[i];
		}
		t->nview = k;
	} else {
		rebuild_view(t);
	}
	free(old);
	restore_selection(t);
	mark_all(t);
}

const char *table_filter(const struct table *t)
{
	return t->filter != NULL ? t->filter : "";
}

void table_set_empty_text(struct table *t, const char *text)
{
	free(t->empty);
	t->empty = utf8_sanitize_dup(text != NULL ? text : "", 0);
	mark_all(t);
}

void table_set_header(struct table *t, bool on)
{
	t->header = on;
	mark_all(t);
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
	ensure_visible(t);
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
		size_t n = strlen(cell->text), ns = 0;
		attr_t a = row_attr;

		if (t->width[c] == 0)
			continue;
		if (!selected && cell->role >= 0)
			a = theme_attr((enum theme_role)cell->role);
		if (t->filter != NULL)
			ns = widget_find_matches(cell->text, n, t->filter, match, spans, DL_ARRAY_LEN(spans));
		widget_draw_spans(win, y, t->w.x + t->colx[c], t->width[c], cell->text, n, a,
				  t->cols[c].align, spans, ns);
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

	ensure_visible(t);
	if (!(w->flags & WIDGET_REDRAW_ALL) && t->top == t->drawn_top) {
		/* Selection moved within the page: repaint two rows. */
		if (t->drawn_sel >= 0 && (size_t)t->drawn_sel >= t->top && (size_t)t->drawn_sel < t->top + (size_t)h)
			draw_row(t, win, (int)((size_t)t->drawn_sel - t->top), (size_t)t->drawn_sel);
		if (t->sel >= 0)
			draw_row(t, win, (int)((size_t)t->sel - t->top), (size_t)t->sel);
		t->drawn_sel = t->sel;
		return;
	}
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
