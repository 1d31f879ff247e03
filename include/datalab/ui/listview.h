/*
 * listview.h: what every list view shares (services, pods, nodes,
 * events, namespaces): a struct view holding one table, the `/` filter
 * prompt (incremental, highlighted; Enter keeps it, Esc restores the
 * previous one; Esc on the list clears it), table keys and clicks, and
 * placing the table in the body, and the pace of rebuilds.  A view
 * embeds struct listview first and adds its own columns, rows and keys.
 *
 * Pace: rebuilding 5,000 rows costs tens of milliseconds, so while a
 * model churns a view rebuilds at most once per five times what its last
 * rebuild cost (a 50 ms rebuild: four times a second); frames in between
 * still scroll and filter at once, and a timer brings the last change in.
 * (The services and pods views sync rows in place, a millisecond or so,
 * so for them the pace allows every frame.)
 *
 * Ages: a view with an age column (listview_show_ages) keeps it right
 * with an ageclock while it is the current view.
 */
#ifndef DATALAB_UI_LISTVIEW_H
#define DATALAB_UI_LISTVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/ui/ageclock.h"
#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"
#include "datalab/ui/table.h"

struct listview {
	struct view v;
	struct shell *sh;
	struct table *t;
	char *saved_filter;
	char hints[256];
	uint64_t built_at, cost_ms, timer;
	struct ageclock ages;
	int age_col;		/* the column whose key is -(birth, unix s); -1 none */
};

/* listview_init: the view with ops and a focused table of cols; redrawn
 * when the live connection reports a change in watch (enum live_change). */
void listview_init(struct listview *lv, const struct view_ops *ops, struct shell *sh,
		   const struct table_column *cols, size_t ncols, unsigned watch);
void listview_release(struct listview *lv);
/* listview_key: `/`, Esc with a filter, then the table's keys. */
unsigned listview_key(struct listview *lv, int key);
unsigned listview_mouse(struct listview *lv, const MEVENT *ev);
/* listview_rebuild_due: whether a view whose rows changed (changed)
 * should rebuild them now; when it should wait, a timer redraws it when
 * it may.  listview_rebuilt records what a rebuild started at cost. */
bool listview_rebuild_due(struct listview *lv, bool changed);
void listview_rebuilt(struct listview *lv, uint64_t started_ms);
/* listview_show_ages: column col (TABLE_COL_AGE) shows ages: after each
 * draw the youngest on screen arms the view's ageclock, which repaints
 * the table when that age's text moves. */
void listview_show_ages(struct listview *lv, int col);
/* listview_draw_table: the table at the top of the body, rows tall. */
void listview_draw_table(struct listview *lv, WINDOW *win, int rows, int cols);
/* listview_hints: base when there is no filter, else the filter's hint. */
const char *listview_hints(struct listview *lv, const char *base);

#endif
