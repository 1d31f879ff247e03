/*
 * namespaces.c: the `:namespaces` view (see namespaces.h).
 *
 * Rows are model/cluster's namespaces (Onyxia order) when the cluster
 * lists them, else the live connection's recent ones; the current one is marked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/cluster.h"
#include "datalab/ui/listview.h"
#include "datalab/ui/namespaces.h"
#include "datalab/ui/theme.h"

enum { C_CUR, C_NAME, C_KIND, C_COUNT };

static const struct table_column columns[C_COUNT] = {
	[C_CUR] = { " ", 1, 1, 0, WIDGET_ALIGN_LEFT, 0 },
	[C_NAME] = { "NAMESPACE", 12, 48, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_KIND] = { "KIND", 8, 20, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
};

struct ns_view {
	struct listview lv;
	uint64_t gen;
	bool built;
	char *built_ns;
};

static void add(struct ns_view *nv, const char *ns, const char *cur)
{
	size_t r = table_add_row(nv->lv.t, ns);
	bool here = str_eq(ns, cur);

	table_set_cell(nv->lv.t, r, C_CUR, here ? "*" : "", THEME_OK);
	table_set_cell(nv->lv.t, r, C_NAME, ns, here ? THEME_OK : -1);
	table_set_cell(nv->lv.t, r, C_KIND,
		       str_has_prefix(ns, "user-") ? "personal" : str_has_prefix(ns, "projet-") ? "project" : "", THEME_DIM);
}

static void rebuild(struct ns_view *nv)
{
	struct live *s = shell_live(nv->lv.sh);
	struct cluster *c = live_cluster(s);
	const char *cur = live_namespace(s);
	bool listed = cluster_namespace_count(c) > 0;

	table_begin(nv->lv.t);
	for (size_t i = 0; i < cluster_namespace_count(c); i++)
		add(nv, cluster_namespace_at(c, i), cur);
	for (size_t i = 0; !listed && live_recent_namespace(s, i); i++)
		add(nv, live_recent_namespace(s, i), cur);
	table_commit(nv->lv.t);
	table_select_id(nv->lv.t, cur);
	nv->gen = cluster_generation(c);
	nv->built = true;
	free(nv->built_ns);
	nv->built_ns = xstrdup(cur);
}

static void nsv_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct ns_view *nv = (struct ns_view *)v;
	struct live *s = shell_live(nv->lv.sh);
	bool listed = cluster_namespace_count(live_cluster(s)) > 0;

	if (!nv->built || nv->gen != cluster_generation(live_cluster(s)) || !str_eq(nv->built_ns, live_namespace(s)))
		rebuild(nv);
	listview_draw_table(&nv->lv, win, rows - 1, cols);
	widget_draw_text(win, rows - 1, 0, cols,
			 listed ? "Enter switches; user-* are personal namespaces, projet-* projects"
				: "the cluster does not list its namespaces to you: these are the ones used; :ns NAME switches",
			 theme_attr(THEME_DIM), 0);
}

static unsigned nsv_key(struct view *v, int key)
{
	struct ns_view *nv = (struct ns_view *)v;
	unsigned r = listview_key(&nv->lv, key);
	const char *id = table_selected_id(nv->lv.t);
	struct error err;

	if ((r & WIDGET_ACTIVATE) && id) {
		char *ns = xstrdup(id);

		struct live *s = shell_live(nv->lv.sh);

		if (live_set_namespace(s, ns, &err) < 0) {
			app_toast(v->app, APP_ERROR, "%s", err.msg);
		} else {
			if (live_all_namespaces(s))	/* a namespace chosen: not all of them */
				live_set_all_namespaces(s, false);
			app_show(v->app, "services");
		}
		free(ns);
	}
	return r;
}

static unsigned nsv_mouse(struct view *v, const MEVENT *ev)
{
	return listview_mouse(&((struct ns_view *)v)->lv, ev);
}

static const char *nsv_hints(struct view *v)
{
	return listview_hints(&((struct ns_view *)v)->lv, "Enter switch  / filter");
}

static void nsv_free(struct view *v)
{
	struct ns_view *nv = (struct ns_view *)v;

	listview_release(&nv->lv);
	free(nv->built_ns);
	free(nv);
}

static const struct app_keyhelp nsv_help[] = {
	{ "Enter", "switch to the namespace and show its services" },
	{ "/", "filter" },
	{ NULL, NULL },
};

static const struct view_ops nsv_ops = {
	.name = "namespaces",
	.title = "Namespaces",
	.draw = nsv_draw,
	.key = nsv_key,
	.hints = nsv_hints,
	.help = nsv_help,
	.free = nsv_free,
	.mouse = nsv_mouse,
	.paints_all = true,
};

struct view *namespaces_view_new(struct shell *sh)
{
	struct ns_view *nv = xcalloc(1, sizeof(*nv));

	listview_init(&nv->lv, &nsv_ops, sh, columns, C_COUNT, LIVE_CLUSTER | LIVE_NAMESPACE);
	return &nv->lv.v;
}
