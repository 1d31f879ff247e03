/*
 * listview.c: the list views' shared part (see listview.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "datalab/core/mem.h"
#include "datalab/ui/listview.h"

void listview_init(struct listview *lv, const struct view_ops *ops, struct shell *sh,
		   const struct table_column *cols, size_t ncols, unsigned watch)
{
	lv->v.ops = ops;
	lv->sh = sh;
	lv->t = table_new(cols, ncols);
	widget_set_focus(table_widget(lv->t), true);
	table_set_empty_text(lv->t, "loading...");
	if (sh)
		shell_watch(sh, &lv->v, watch);
}

void listview_release(struct listview *lv)
{
	table_free(lv->t);
	free(lv->saved_filter);
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
	widget_draw(w, win, true);
}

const char *listview_hints(struct listview *lv, const char *base)
{
	if (table_filter(lv->t)[0])
		snprintf(lv->hints, sizeof(lv->hints), "/%s  Esc clears  %s", table_filter(lv->t), base);
	else
		snprintf(lv->hints, sizeof(lv->hints), "%s", base);
	return lv->hints;
}
