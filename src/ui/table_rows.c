/*
 * table_rows.c: the table's row store (see table.h): rows in insertion
 * order with an index by id, the view (the rows past the filter, in sort
 * order), rebuilds and in-place updates.
 *
 * Data flow: a rebuild (begin..commit, set_rows) drops every row, adds
 * the new ones and sorts the view once.  An in-place update (a sync pass,
 * update_row, remove_row) marks rows dirty or doomed, and the settle that
 * ends it takes those rows out of the view in one pass, compacts the store
 * when rows went (insertion order stays: it is the unsorted view order),
 * sorts only the changed rows and merges them back: O(n + k log k) for k
 * changed rows of n, where a rebuild costs O(n log n) and every cell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/table.h"
#include "table-internal.h"

char table_no_text[] = "";

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

static bool sorted(const struct table *t)
{
	return t->sort_col >= 0 && (size_t)t->sort_col < t->ncols;
}

/* view_cmp: view order; unsorted, it is insertion (row) order. */
static int view_cmp(const void *pa, const void *pb, void *arg)
{
	const struct table *t = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	int d = sorted(t) ? cell_cmp(t, &t->rows[ia].cells[t->sort_col], &t->rows[ib].cells[t->sort_col]) : 0;

	if (t->sort_dir == TABLE_DESC)
		d = -d;
	if (d != 0)
		return d;
	/* Equal cells keep insertion order both ways: a stable sort. */
	return ia < ib ? -1 : ia > ib;
}

static void sort_view(struct table *t)
{
	if (sorted(t) && t->nview > 1)
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


/* The index: open addressing with linear probing over row + 1, at most
 * half full; rebuilt whole when rows go (removal compacts the store). */

static size_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static void index_put(struct table *t, size_t row)
{
	size_t mask = t->index_cap - 1, i = id_hash(t->rows[row].id) & mask;

	while (t->index[i]) {
		if (strcmp(t->rows[t->index[i] - 1].id, t->rows[row].id) == 0)
			return;	/* a duplicate id: the first row keeps it */
		i = (i + 1) & mask;
	}
	t->index[i] = row + 1;
}

static void index_rebuild(struct table *t)
{
	size_t cap = 16;

	while (cap < 2 * t->nrows + 2)
		cap *= 2;
	if (cap != t->index_cap) {
		free(t->index);
		t->index = xcalloc(cap, sizeof(*t->index));
		t->index_cap = cap;
	} else {
		memset(t->index, 0, cap * sizeof(*t->index));
	}
	for (size_t r = 0; r < t->nrows; r++)
		index_put(t, r);
}

static long index_find(const struct table *t, const char *id)
{
	size_t mask, i;

	if (!t->index_cap || !id)
		return -1;
	mask = t->index_cap - 1;
	for (i = id_hash(id) & mask; t->index[i]; i = (i + 1) & mask)
		if (strcmp(t->rows[t->index[i] - 1].id, id) == 0)
			return (long)(t->index[i] - 1);
	return -1;
}

long table_find_row(const struct table *t, const char *id)
{
	return index_find(t, id);
}

/* Selection across a change: kept on its id, else on its position. */

static void remember_selection(struct table *t)
{
	const char *id = table_selected_id(t);

	free(t->keep_id);
	t->keep_id = id != NULL ? xstrdup(id) : NULL;
	t->keep_pos = t->sel;
}

static void restore_selection(struct table *t)
{
	long row = t->keep_id != NULL ? index_find(t, t->keep_id) : -1;

	t->sel = t->keep_pos;
	for (size_t i = 0; row >= 0 && i < t->nview; i++) {
		if (t->view[i] == (size_t)row) {
			t->sel = (long)i;
			break;
		}
	}
	free(t->keep_id);
	t->keep_id = NULL;
	table_ensure_visible(t);
}

/* Row store. */

void table_free_rows(struct table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t c = 0; c < t->ncols; c++)
			if (t->rows[i].cells[c].text != table_no_text)
				free(t->rows[i].cells[c].text);
		free(t->rows[i].cells);
		free(t->rows[i].id);
	}
	t->nrows = 0;
	t->ndirty = 0;
	if (t->index_cap)
		memset(t->index, 0, t->index_cap * sizeof(*t->index));
}

static void mark_dirty(struct table *t, struct trow *r)
{
	if (!r->dirty && !r->doomed)
		t->ndirty++;
	r->dirty = true;
}

void table_begin(struct table *t)
{
	remember_selection(t);
	table_free_rows(t);
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
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id != NULL ? id : "");
	r->pass = t->pass;
	r->cells = xcalloc(t->ncols ? t->ncols : 1, sizeof(*r->cells));
	for (size_t c = 0; c < t->ncols; c++) {
		r->cells[c].text = table_no_text;
		r->cells[c].role = -1;
	}
	t->nrows++;
	if (2 * t->nrows + 2 > t->index_cap)
		index_rebuild(t);
	else
		index_put(t, t->nrows - 1);
	return t->nrows - 1;
}

void table_set_cell(struct table *t, size_t row, size_t col, const char *text, int role)
{
	struct tcell *c;
	int old;
	size_t w;

	if (row >= t->nrows || col >= t->ncols)
		return;
	c = &t->rows[row].cells[col];
	if (text == NULL)
		text = "";
	/* the same again (most cells of an updated row): nothing to do */
	if (c->role == role && strcmp(c->text, text) == 0)
		return;
	old = c->width;
	if (c->text != table_no_text)
		free(c->text);
	/* Most cells are printable ASCII: copied as they are, one column a
	 * byte; anything else takes the one sanitize path. */
	for (w = 0; (unsigned char)text[w] >= 0x20 && (unsigned char)text[w] < 0x7f; w++)
		;
	if (text[w] == '\0') {
		c->text = w ? xmemdup(text, w) : table_no_text;
	} else {
		c->text = utf8_sanitize_dup(text, 0);
		w = utf8_width(c->text, strlen(c->text));
	}
	c->width = w > 100000 ? 100000 : (int)w;
	c->role = role;
	if (old == t->max_w[col] && c->width < old)
		t->widths_stale = true;
	mark_dirty(t, &t->rows[row]);
}

void table_set_cell_key(struct table *t, size_t row, size_t col, double key)
{
	struct tcell *c;

	if (row >= t->nrows || col >= t->ncols)
		return;
	c = &t->rows[row].cells[col];
	if (c->has_key && c->key == key)
		return;
	c->has_key = true;
	c->key = key;
	mark_dirty(t, &t->rows[row]);
}

void table_settle_widths(struct table *t)
{
	if (!t->widths_stale)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		t->max_w[c] = 0;
		for (size_t i = 0; i < t->nrows; i++)
			t->max_w[c] = DL_MAX(t->max_w[c], t->rows[i].cells[c].width);
	}
	t->widths_stale = false;
}

void table_commit(struct table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i].dirty = false;
	t->ndirty = 0;
	t->widths_stale = true;
	table_settle_widths(t);
	rebuild_view(t);
	restore_selection(t);
	table_mark_all(t);
}

static void set_row_cells(struct table *t, size_t i, const struct table_row *r)
{
	for (size_t c = 0; c < t->ncols && r->cells != NULL; c++) {
		table_set_cell(t, i, c, r->cells[c].text, r->cells[c].role);
		if (r->cells[c].has_key) {
			table_set_cell_key(t, i, c, r->cells[c].key);
		} else if (t->rows[i].cells[c].has_key) {
			t->rows[i].cells[c].has_key = false;
			mark_dirty(t, &t->rows[i]);
		}
	}
}

void table_set_rows(struct table *t, const struct table_row *rows, size_t n)
{
	table_begin(t);
	for (size_t i = 0; i < n; i++)
		set_row_cells(t, table_add_row(t, rows[i].id), &rows[i]);
	table_commit(t);
}

void table_set_rows_cb(struct table *t, size_t n, table_row_fn fn, void *ctx)
{
	table_begin(t);
	for (size_t i = 0; i < n; i++) {
		struct table_row r = { NULL, NULL };

		fn(ctx, i, &r);
		set_row_cells(t, table_add_row(t, r.id), &r);
	}
	table_commit(t);
}

/* In-place updates. */

static void free_row(struct table *t, struct trow *r)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (r->cells[c].width >= t->max_w[c] && r->cells[c].width > 0)
			t->widths_stale = true;	/* a widest cell goes */
		if (r->cells[c].text != table_no_text)
			free(r->cells[c].text);
	}
	free(r->cells);
	free(r->id);
}

/* drop_doomed: frees the doomed rows, the others keep their order; the
 * view's indexes follow. */
static void drop_doomed(struct table *t)
{
	size_t *remap = xreallocarray(NULL, t->nrows ? t->nrows : 1, sizeof(*remap));
	size_t n = 0;

	for (size_t i = 0; i < t->nrows; i++) {
		if (t->rows[i].doomed) {
			free_row(t, &t->rows[i]);
			continue;
		}
		remap[i] = n;
		t->rows[n++] = t->rows[i];
	}
	t->nrows = n;
	for (size_t i = 0; i < t->nview; i++)
		t->view[i] = remap[t->view[i]];
	free(remap);
	index_rebuild(t);
}

/* settle: the dirty rows out of the view and back in at their place,
 * the doomed ones gone; the selection stays on its id. */
static void settle(struct table *t)
{
	size_t k = 0, nmoved = 0, i, a, b, n;
	size_t *moved, *merged;
	bool doomed = false;

	if (t->ndirty == 0)
		return;
	remember_selection(t);
	for (i = 0; i < t->nview; i++) {
		const struct trow *r = &t->rows[t->view[i]];

		if (!r->dirty && !r->doomed)
			t->view[k++] = t->view[i];
	}
	t->nview = k;
	for (i = 0; i < t->nrows && !doomed; i++)
		doomed = t->rows[i].doomed;
	if (doomed)
		drop_doomed(t);
	moved = xreallocarray(NULL, t->ndirty, sizeof(*moved));
	for (i = 0; i < t->nrows && nmoved < t->ndirty; i++) {
		struct trow *r = &t->rows[i];

		if (!r->dirty)
			continue;
		r->dirty = false;
		for (size_t c = 0; c < t->ncols; c++)
			t->max_w[c] = DL_MAX(t->max_w[c], r->cells[c].width);
		if (row_matches(t, r))
			moved[nmoved++] = i;
	}
	t->ndirty = 0;
	if (nmoved > 1)
		qsort_r(moved, nmoved, sizeof(*moved), view_cmp, t);
	n = t->nview + nmoved;
	merged = xreallocarray(NULL, t->nrows ? t->nrows : 1, sizeof(*merged));
	for (i = a = b = 0; i < n; i++) {
		if (b == nmoved || (a < t->nview && view_cmp(&t->view[a], &moved[b], t) < 0))
			merged[i] = t->view[a++];
		else
			merged[i] = moved[b++];
	}
	free(t->view);
	t->view = merged;
	t->nview = n;
	free(moved);
	restore_selection(t);
	table_mark_all(t);
}

void table_sync_begin(struct table *t)
{
	t->syncing = true;
	t->pass++;
}

long table_sync_row(struct table *t, const char *id, uint64_t stamp)
{
	long r = index_find(t, id);
	struct trow *row;

	if (r < 0) {
		r = (long)table_add_row(t, id);
		mark_dirty(t, &t->rows[r]);
	} else if (t->rows[r].pass == t->pass) {
		return -1;	/* named twice in one pass: the first wins */
	}
	row = &t->rows[r];
	row->pass = t->pass;
	if (stamp && row->stamp == stamp)
		return -1;
	row->stamp = stamp;
	return r;
}

void table_sync_end(struct table *t)
{
	if (!t->syncing)
		return;
	t->syncing = false;
	for (size_t i = 0; i < t->nrows; i++) {
		struct trow *r = &t->rows[i];

		if (r->pass != t->pass && !r->doomed) {
			if (!r->dirty)
				t->ndirty++;
			r->doomed = true;
		}
	}
	settle(t);
}

void table_update_row(struct table *t, const struct table_row *row)
{
	long r = index_find(t, row->id);

	if (r < 0) {
		r = (long)table_add_row(t, row->id);
		mark_dirty(t, &t->rows[r]);
	}
	set_row_cells(t, (size_t)r, row);
	settle(t);
}

int table_remove_row(struct table *t, const char *id)
{
	long r = index_find(t, id);

	if (r < 0)
		return -1;
	if (!t->rows[r].dirty)
		t->ndirty++;
	t->rows[r].doomed = true;
	settle(t);
	return 0;
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
	table_mark_all(t);
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
	table_mark_all(t);
}

const char *table_filter(const struct table *t)
{
	return t->filter != NULL ? t->filter : "";
}

/* The invariants, for the test suites. */

#define BROKEN(...) (snprintf(why, size, __VA_ARGS__), false)

bool table_sane(const struct table *t, char *why, size_t size)
{
	size_t matching = 0, occupied = 0;
	bool *seen;

	if (t->ndirty != 0 || t->syncing)
		return BROKEN("%zu rows left dirty%s", t->ndirty, t->syncing ? " (in a sync pass)" : "");
	if (t->nview > t->nrows)
		return BROKEN("%zu rows shown of %zu", t->nview, t->nrows);
	seen = xcalloc(t->nrows ? t->nrows : 1, sizeof(*seen));
	for (size_t i = 0; i < t->nview; i++) {
		size_t r = t->view[i];

		if (r >= t->nrows || seen[r]) {
			free(seen);
			return BROKEN("view position %zu: row %zu is %s", i, r, r >= t->nrows ? "past the end" : "shown twice");
		}
		seen[r] = true;
		if (!row_matches(t, &t->rows[r])) {
			free(seen);
			return BROKEN("row '%s' is shown past the filter", t->rows[r].id);
		}
		if (i > 0 && view_cmp(&t->view[i - 1], &t->view[i], (void *)t) >= 0) {
			free(seen);
			return BROKEN("rows '%s' and '%s' are out of order", t->rows[t->view[i - 1]].id, t->rows[r].id);
		}
	}
	free(seen);
	for (size_t r = 0; r < t->nrows; r++) {
		const struct trow *row = &t->rows[r];
		long at = index_find(t, row->id);

		matching += row_matches(t, row);
		if (row->dirty || row->doomed)
			return BROKEN("row '%s' is still %s", row->id, row->doomed ? "doomed" : "dirty");
		if (at < 0 || strcmp(t->rows[at].id, row->id) != 0 || (size_t)at > r)
			return BROKEN("row '%s' is not indexed", row->id);
		for (size_t c = 0; c < t->ncols && !t->widths_stale; c++)
			if (row->cells[c].width > t->max_w[c])
				return BROKEN("row '%s' column %zu is wider than the widest", row->id, c);
	}
	if (matching != t->nview)
		return BROKEN("%zu rows match the filter, %zu are shown", matching, t->nview);
	for (size_t i = 0; i < t->index_cap; i++) {
		if (!t->index[i])
			continue;
		occupied++;
		if (t->index[i] > t->nrows)
			return BROKEN("index slot %zu names row %zu of %zu", i, t->index[i] - 1, t->nrows);
	}
	if (t->nrows && 2 * occupied > t->index_cap)
		return BROKEN("index over half full (%zu of %zu)", occupied, t->index_cap);
	for (size_t c = 0; c < t->ncols && !t->widths_stale; c++) {
		int widest = 0;

		for (size_t r = 0; r < t->nrows; r++)
			widest = DL_MAX(widest, t->rows[r].cells[c].width);
		if (widest != t->max_w[c])
			return BROKEN("column %zu: widest cell %d, recorded %d", c, widest, t->max_w[c]);
	}
	if (t->nview == 0 ? t->sel != -1 : t->sel < 0 || (size_t)t->sel >= t->nview)
		return BROKEN("selection %ld with %zu rows shown", t->sel, t->nview);
	return true;
}
