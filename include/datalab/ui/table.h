/*
 * table.h: the one list widget (services, pods, buckets, objects, charts).
 *
 * The table owns a copy of its rows: each row an id (opaque to the table,
 * e.g. a uid; unique) and one cell per column, each cell's text sanitized
 * when it is set, with an optional colour role and numeric sort key.  A
 * view either rebuilds every row (table_set_rows, or table_begin/
 * table_add_row/table_set_cell/table_commit) or updates the rows that
 * changed in place (a sync pass, table_update_row, table_remove_row),
 * which for k changed rows of n costs O(n + k log k) and no cell of the
 * others; either way the table keeps the selection on the same id,
 * re-sorts and re-filters.  Drawing is virtual: only the visible rows are
 * touched, so 50,000 rows scroll as fast as 50.  Rows are shown in "view
 * order": filtered, then sorted (unsorted: in the order they were added).
 */
#ifndef DATALAB_UI_TABLE_H
#define DATALAB_UI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/ui/widget.h"

enum table_column_flags {
	TABLE_COL_SORTABLE = 1 << 0,
	TABLE_COL_WIDE = 1 << 1,	/* dropped first when the screen is narrow */
	TABLE_COL_NUMERIC = 1 << 2,	/* compare as numbers ("10" after "9") by default */
	TABLE_COL_AGE = 1 << 3,		/* a cell with a key shows the age (kubectl's "5m12s")
					 * of the unix time -key, worked out when drawn, so a
					 * repaint keeps it right; its text is the filter's */
};

struct table_column {
	const char *title;
	int min_width;		/* 0: the title's width */
	int max_width;		/* 0: no maximum */
	int weight;		/* share of spare columns (and of shrinking) */
	enum widget_align align;
	unsigned flags;		/* enum table_column_flags */
};

/* A cell as given to table_set_rows; text is copied and sanitized. */
struct table_cell {
	const char *text;
	int role;		/* enum theme_role, or -1 for the row's colour */
	bool has_key;		/* sort by key (ages, quantities) instead of text */
	double key;
};

struct table_row {
	const char *id;
	const struct table_cell *cells;	/* ncols of them */
};

/* table_row_fn: fills *row for row i of n; its pointers need only live
 * until the next call. */
typedef void (*table_row_fn)(void *ctx, size_t i, struct table_row *row);

enum table_sort_dir { TABLE_ASC, TABLE_DESC };

struct table;

/* table_new: a table with copies of ncols column descriptions (titles
 * copied too).  Draw it through its widget (table_widget). */
struct table *table_new(const struct table_column *cols, size_t ncols);
void table_free(struct table *t);
struct widget *table_widget(struct table *t);

/* table_set_rows: replaces every row; keeps the selection on its id (or
 * on the same position when that row is gone), re-sorts and re-filters. */
void table_set_rows(struct table *t, const struct table_row *rows, size_t n);
/* table_set_rows_cb: the same, rows pulled through fn one by one. */
void table_set_rows_cb(struct table *t, size_t n, table_row_fn fn, void *ctx);

/* Building rows one cell at a time: table_begin drops the old rows (the
 * selection's id is remembered), table_add_row returns the new row's
 * index, table_commit sorts, filters and restores the selection. */
void table_begin(struct table *t);
size_t table_add_row(struct table *t, const char *id);
void table_set_cell(struct table *t, size_t row, size_t col, const char *text, int role);
void table_set_cell_key(struct table *t, size_t row, size_t col, double key);
void table_commit(struct table *t);

/* In-place updates, for a model of thousands of rows of which a few
 * change.  A sync pass: table_sync_begin, then table_sync_row for every
 * row the view still shows, in any order, then table_sync_end, which
 * drops the rows not named since begin and moves the changed ones to
 * their place in view order.  table_sync_row returns -1 when the row is
 * there with the same stamp (the model's version of the row; 0: none,
 * always fill), else the row's index for table_set_cell and
 * table_set_cell_key (a new row starts empty; a cell set to what it holds
 * changes nothing, so a row whose cells come out the same is not moved). */
void table_sync_begin(struct table *t);
long table_sync_row(struct table *t, const char *id, uint64_t stamp);
void table_sync_end(struct table *t);
/* table_update_row: adds the row with row->id or replaces its cells
 * (has_key false drops a sort key), in place; table_remove_row drops the
 * row with id (-1 if none), the selection staying on the same position. */
void table_update_row(struct table *t, const struct table_row *row);
int table_remove_row(struct table *t, const char *id);
/* table_find_row: the row with id (an index for table_set_cell), or -1. */
long table_find_row(const struct table *t, const char *id);
/* table_sane: checks the table's invariants (view order, filter, index,
 * widths, selection); false with the broken one in why.  For tests. */
bool table_sane(const struct table *t, char *why, size_t size);

/* table_sort: by column col (sortable or not), stable; text compares
 * case-insensitively with digit runs as numbers, keys numerically. */
void table_sort(struct table *t, size_t col, enum table_sort_dir dir);
/* table_sort_toggle: by col, flipping the direction if already on col. */
void table_sort_toggle(struct table *t, size_t col);
/* table_sort_column: the sort column, or -1 when unsorted. */
int table_sort_column(const struct table *t, enum table_sort_dir *dir);

/* table_set_filter: shows only rows with a cell holding needle (case
 * insensitive), matches highlighted; NULL or "" shows all. */
void table_set_filter(struct table *t, const char *needle);
const char *table_filter(const struct table *t);
/* table_set_empty_text: what an empty table says ("no services yet"). */
void table_set_empty_text(struct table *t, const char *text);
/* table_set_header: whether the header row is drawn (default yes). */
void table_set_header(struct table *t, bool on);

size_t table_row_count(const struct table *t);		/* all rows */
size_t table_visible_count(const struct table *t);	/* rows past the filter */
/* table_selected_id: the selected row's id, NULL when the view is empty. */
const char *table_selected_id(const struct table *t);
/* table_selected: the selected position in view order, -1 if none. */
long table_selected(const struct table *t);
/* table_select_id: selects the row with id; -1 if it is not shown. */
int table_select_id(struct table *t, const char *id);
/* table_select: selects view position pos (clamped). */
void table_select(struct table *t, long pos);
/* table_cell_text: the sanitized text at view position pos, column col. */
const char *table_cell_text(const struct table *t, size_t pos, size_t col);
const char *table_row_id(const struct table *t, size_t pos);
/* table_top: the first visible view position (scroll offset). */
size_t table_top(const struct table *t);
/* table_shown_key_min: the smallest sort key in column col among the rows
 * on the page (top to the last visible row); false when none has one. */
bool table_shown_key_min(const struct table *t, size_t col, double *min);
/* table_column_width: the width col was last drawn at (0 when hidden). */
int table_column_width(const struct table *t, size_t col);

#endif
