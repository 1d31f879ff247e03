/*
 * listview.h: what every list view shares (services, pods, nodes,
 * events, namespaces): a struct view holding one table, the `/` filter
 * prompt (incremental, highlighted; Enter keeps it, Esc restores the
 * previous one; Esc on the list clears it), table keys and clicks, and
 * placing the table in the body.  A view embeds struct listview first
 * and adds its own columns, rows and keys.
 */
#ifndef DATALAB_UI_LISTVIEW_H
#define DATALAB_UI_LISTVIEW_H

#include <stddef.h>

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"
#include "datalab/ui/table.h"

struct listview {
	struct view v;
	struct shell *sh;
	struct table *t;
	char *saved_filter;
	char hints[256];
};

/* listview_init: the view with ops and a focused table of cols; redrawn
 * when the live connection reports a change in watch (enum live_change). */
void listview_init(struct listview *lv, const struct view_ops *ops, struct shell *sh,
		   const struct table_column *cols, size_t ncols, unsigned watch);
void listview_release(struct listview *lv);
/* listview_key: `/`, Esc with a filter, then the table's keys. */
unsigned listview_key(struct listview *lv, int key);
unsigned listview_mouse(struct listview *lv, const MEVENT *ev);
/* listview_draw_table: the table at the top of the body, rows tall. */
void listview_draw_table(struct listview *lv, WINDOW *win, int rows, int cols);
/* listview_hints: base when there is no filter, else the filter's hint. */
const char *listview_hints(struct listview *lv, const char *base);

#endif
