/*
 * listview.c: the list views' shared part (see listview.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "datalab/ui/listview.h"

/* ages_tick: an age on screen moved: redraw, if still on screen */
static void ages_tick(void *arg)
{
	struct listview *lv = arg;

	if (lv->v.app && app_current(lv->v.app) == &lv->v) {
		table_widget(lv->t)->flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
		app_view_dirty(&lv->v);
	}
}

void listview_init(struct listview *lv, const struct view_ops *ops, struct shell *sh,
		   const struct table_column *cols, size_t ncols, unsigned watch)
{
	lv->v.ops = ops;
	lv->sh = sh;
	lv->t = table_new(cols, ncols);
	widget_set_focus(table_widget(lv->t), true);
	table_set_empty_text(lv->t, "loading...");
	lv->age_col = -1;
	ageclock_init(&lv->ages, NULL, ages_tick, lv);
	if (sh)
		shell_watch(sh, &lv->v, watch);
}

void listview_show_ages(struct listview *lv, int col)
{
	lv->age_col = col;
}


void listview_release(struct listview *lv)
{
	if (lv->timer && lv->v.app)
		loop_del_timer(app_loop(lv->v.app), lv->timer);
	ageclock_release(&lv->ages);
	table_free(lv->t);
	free(lv->saved_filter);
}

static long pace_due(struct loop *l, void *arg)
{
	struct listview *lv = arg;

	(void)l;
	lv->timer = 0;
	app_view_dirty(&lv->v);
	return LOOP_NOMORE;
}

bool listview_rebuild_due(struct listview *lv, bool changed)
{
	uint64_t now, budget;

	if (!changed)
		return false;
	now = time_mono_ms();
	budget = DL_MIN(lv->cost_ms * 5, 1000);
	if (now - lv->built_at >= budget || !lv->v.app)
		return true;
	if (!lv->timer)
		lv->timer = loop_add_timer(app_loop(lv->v.app), (long)(budget - (now - lv->built_at)), pace_due, lv);
	return false;
}

void listview_rebuilt(struct listview *lv, uint64_t started_ms)
{
	lv->built_at = time_mono_ms();
	lv->cost_ms = lv->built_at - started_ms;
}

static void on_filter(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct listview *lv = (struct listview *)v;

	table_set_filter(lv->t, ev == APP_PROMPT_CANCEL ? lv->saved_filter : text);
}

unsigned listview_key(struct listview *lv, int key)
{
	switch (key) {
	case '/':
		free(lv->saved_filter);
		lv->saved_filter = xstrdup(table_filter(lv->t));
		app_prompt(lv->v.app, &lv->v, "/", table_filter(lv->t), on_filter);
		return WIDGET_HANDLED;
	case 27:
		if (!table_filter(lv->t)[0])
			return 0;
		table_set_filter(lv->t, NULL);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		return widget_key(table_widget(lv->t), key);
	}
}

unsigned listview_mouse(struct listview *lv, const MEVENT *ev)
{
	return widget_mouse(table_widget(lv->t), ev) | WIDGET_DIRTY;
}

void listview_draw_table(struct listview *lv, WINDOW *win, int rows, int cols)
{
	struct widget *w = table_widget(lv->t);

	if (w->rows != rows || w->cols != cols)
		widget_place(w, 0, 0, rows > 0 ? rows : 1, cols);
	/* on a body left as the last frame drew it, only what changed */
	widget_draw(w, win, app_body_erased(lv->v.app));
	if (lv->age_col >= 0 && lv->v.app) {
		double key;

		lv->ages.loop = app_loop(lv->v.app);
		ageclock_arm(&lv->ages, table_shown_key_min(lv->t, (size_t)lv->age_col, &key) ? (int64_t)-key : 0);
	}
}

const char *listview_hints(struct listview *lv, const char *base)
{
	if (table_filter(lv->t)[0])
		snprintf(lv->hints, sizeof(lv->hints), "/%s  Esc clears  %s", table_filter(lv->t), base);
	else
		snprintf(lv->hints, sizeof(lv->hints), "%s", base);
	return lv->hints;
}
