/*
 * saved.c: the ":saved" view: launches saved from a form (or after a
 * successful launch), to launch again, to open as a form, or to delete.
 *
 * Data flow: the list lives in the session (catalog/saved.h, one 0600
 * file rewritten atomically on each change); the view rebuilds its table
 * when told the list changed.  Relaunching opens the launch view with the
 * saved values and autoLaunch, so the command shows before helm runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"
#include "catalog-internal.h"

enum { COL_NAME, COL_CHART, COL_VERSION, COL_CATALOG, COL_VALUES, COL_SAVED, NCOLS };

struct savedview {
	struct view v;
	struct catsession *s;
	struct table *t;
	char *pending_delete;
};

static const struct table_column columns[NCOLS] = {
	{ "NAME", 8, 40, 2, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	{ "CHART", 8, 30, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	{ "VERSION", 7, 14, 0, WIDGET_ALIGN_LEFT, 0 },
	{ "CATALOG", 7, 20, 0, WIDGET_ALIGN_LEFT, 0 },
	{ "VALUES", 6, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_NUMERIC },
	{ "SAVED", 5, 10, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
};

static int count_leaves(const cJSON *v)
{
	int n = 0;

	if (!cJSON_IsObject(v))
		return 1;
	for (const cJSON *c = v->child; c; c = c->next)
		n += count_leaves(c);
	return n;
}

static void rebuild(struct savedview *sv)
{
	const struct saved_list *l = &sv->s->saved;

	table_begin(sv->t);
	for (size_t i = 0; i < l->n; i++) {
		const struct saved_launch *x = &l->items[i];
		size_t r = table_add_row(sv->t, x->name);
		char age[32], nv[16];
		int64_t secs = (time_wall_ms() - x->saved_at) / 1000;

		time_age(age, sizeof(age), secs < 0 ? 0 : secs);
		snprintf(nv, sizeof(nv), "%d", cJSON_IsObject(x->values) && x->values->child ? count_leaves(x->values) : 0);
		table_set_cell(sv->t, r, COL_NAME, x->name, -1);
		table_set_cell(sv->t, r, COL_CHART, x->chart, -1);
		table_set_cell(sv->t, r, COL_VERSION, x->version ? x->version : "latest", THEME_DIM);
		table_set_cell(sv->t, r, COL_CATALOG, x->catalog, THEME_DIM);
		table_set_cell(sv->t, r, COL_VALUES, nv, THEME_DIM);
		table_set_cell(sv->t, r, COL_SAVED, age, THEME_DIM);
		table_set_cell_key(sv->t, r, COL_SAVED, (double)-x->saved_at);
	}
	table_commit(sv->t);
	widget_mark_dirty(table_widget(sv->t));
}

void savedview_changed(struct view *v)
{
	rebuild((struct savedview *)v);
	app_view_dirty(v);
}

static void savedview_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct savedview *sv = (struct savedview *)v;
	const struct saved_launch *x = table_selected_id(sv->t) ? saved_find(&sv->s->saved, table_selected_id(sv->t)) : NULL;

	widget_place(table_widget(sv->t), 0, 0, rows - 1, cols);
	widget_set_focus(table_widget(sv->t), true);
	widget_draw(table_widget(sv->t), win, true);
	if (x) {
		char *j = cJSON_PrintUnformatted(x->values);
		char *line = xasprintf("values: %s", j ? j : "{}");

		widget_draw_text(win, rows - 1, 0, cols, line, theme_attr(THEME_DIM), 0);
		free(line);
		cJSON_free(j);
	}
}

static void open_saved(struct savedview *sv, bool launch_now)
{
	const char *id = table_selected_id(sv->t);
	const struct saved_launch *x = id ? saved_find(&sv->s->saved, id) : NULL;
	struct launch_request rq = { 0 };

	if (!x)
		return;
	rq.catalog_id = x->catalog;
	rq.chart = x->chart;
	rq.version = x->version;
	rq.name = x->name;
	rq.values = x->values;
	rq.auto_launch = launch_now;
	launchview_open(sv->s->launch_view, &rq);
}

static void delete_yes(struct app *a, void *arg)
{
	struct savedview *sv = arg;
	struct error err;

	if (!sv->pending_delete)
		return;
	if (saved_delete(&sv->s->saved, sv->pending_delete, &err) < 0) {
		app_toast(a, APP_ERROR, "%s", err.msg);
	} else {
		catsession_store_saved(sv->s);
		app_toast(a, APP_INFO, "'%s' deleted", sv->pending_delete);
	}
	free(sv->pending_delete);
	sv->pending_delete = NULL;
}

static unsigned savedview_key(struct view *v, int key)
{
	struct savedview *sv = (struct savedview *)v;
	const char *id = table_selected_id(sv->t);
	unsigned r;

	switch (key) {
	case 'e':
		open_saved(sv, false);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'l':
		open_saved(sv, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'd':
	case KEY_DC:
		if (id) {
			char *q = xasprintf("delete the saved launch '%s'?", id);

			free(sv->pending_delete);
			sv->pending_delete = xstrdup(id);
			app_ask(v->app, q, delete_yes, sv);
			free(q);
		}
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		break;
	}
	r = widget_key(table_widget(sv->t), key);
	if (r & WIDGET_ACTIVATE) {
		open_saved(sv, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return r;
}

static const char *savedview_hints(struct view *v)
{
	(void)v;
	return "Enter/l launch again  e edit in a form  d delete";
}

static void savedview_enter(struct view *v)
{
	rebuild((struct savedview *)v);
}

static void savedview_free(struct view *v)
{
	struct savedview *sv = (struct savedview *)v;

	table_free(sv->t);
	free(sv->pending_delete);
	sv->s->saved_view = NULL;
	catsession_unref(sv->s);
	free(sv);
}

static const struct app_keyhelp savedview_help[] = {
	{ "Enter l", "launch it again (the command shows, then helm runs)" },
	{ "e", "open it as a launch form, to change values first" },
	{ "d Del", "delete it (asks first)" },
	{ NULL, NULL },
};

static const struct view_ops savedview_ops = {
	.name = "saved",
	.title = "Saved launches",
	.draw = savedview_draw,
	.key = savedview_key,
	.hints = savedview_hints,
	.help = savedview_help,
	.enter = savedview_enter,
	.free = savedview_free,
};

struct view *savedview_new(struct catsession *s)
{
	struct savedview *sv = xcalloc(1, sizeof(*sv));

	sv->v.ops = &savedview_ops;
	sv->s = s;
	sv->t = table_new(columns, NCOLS);
	table_set_empty_text(sv->t, "no saved launch yet: press s in a launch form, or launch one");
	table_sort(sv->t, COL_SAVED, TABLE_ASC);
	return &sv->v;
}
