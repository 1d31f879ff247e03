/*
 * table-internal.h: the list widget's state, shared by table.c (layout,
 * drawing, keys, selection queries) and table_rows.c (the row store, the
 * id index, view order, in-place updates).  Not for views: they use
 * ui/table.h.
 */
#ifndef DATALAB_UI_TABLE_INTERNAL_H
#define DATALAB_UI_TABLE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/ui/table.h"

struct tcell {
	char *text;		/* sanitized; table_no_text when unset */
	int width;
	int role;
	bool has_key;
	double key;
};

struct trow {
	char *id;
	struct tcell *cells;
	uint64_t stamp;		/* the view's version of the row (table_sync_row) */
	unsigned pass;		/* the sync pass that last named it */
	bool dirty;		/* changed since it was placed in view order */
	bool doomed;		/* to be removed at the next settle */
};

struct table {
	struct widget w;

	struct table_column *cols;
	size_t ncols;
	int *title_w, *max_w;	/* per column: title width, widest cell */
	int *width, *colx;	/* per column, from the last layout; 0 = hidden */
	bool widths_stale;	/* a widest cell shrank or went: max_w is recounted */

	/* rows in insertion order (the unsorted view order); removal keeps it */
	struct trow *rows;
	size_t nrows, cap;
	size_t *index;		/* open addressing by id: row + 1, 0 empty */
	size_t index_cap;	/* a power of two, at least twice nrows; 0 none */
	size_t *view;		/* rows past the filter, in sort order */
	size_t nview;
	size_t ndirty;		/* rows marked dirty or doomed */
	bool syncing;
	unsigned pass;

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

/* An unset cell points at the shared "" (no allocation per cell). */
extern char table_no_text[];

static inline void table_mark_all(struct table *t)
{
	t->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

/* table_ensure_visible: clamps the selection, scrolls to show it. */
void table_ensure_visible(struct table *t);
/* table_free_rows: frees every row (the arrays stay). */
void table_free_rows(struct table *t);
/* table_settle_widths: recounts the widest cells if one shrank or went. */
void table_settle_widths(struct table *t);

#endif
