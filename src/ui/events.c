/*
 * events.c: the `:events` monitor view (see events.h).
 *
 * Rows come from model/cluster, already newest first; `w` keeps only the
 * warnings, `a` widens to every namespace (the cluster-wide informers).
 * A warning's whole row is drawn in the pending colour, so the reason a
 * pod waits stands out of the Normal noise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/model/cluster.h"
#include "datalab/ui/detail.h"
#include "datalab/ui/events.h"
#include "datalab/ui/listview.h"
#include "datalab/ui/theme.h"

enum { C_AGE, C_NS, C_TYPE, C_REASON, C_OBJECT, C_COUNT_, C_MESSAGE, C_NCOLS };

static const struct table_column columns[C_NCOLS] = {
	[C_AGE] = { "LAST SEEN", 5, 9, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_AGE },
	[C_NS] = { "NAMESPACE", 9, 20, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_TYPE] = { "TYPE", 6, 7, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_REASON] = { "REASON", 6, 22, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_OBJECT] = { "OBJECT", 8, 40, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_COUNT_] = { "COUNT", 3, 5, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_NUMERIC | TABLE_COL_WIDE },
	[C_MESSAGE] = { "MESSAGE", 10, 0, 3, WIDGET_ALIGN_LEFT, 0 },
};

struct events_view {
	struct listview lv;
	struct view *detail;
	uint64_t gen;
	bool built, all, warnings, built_all, built_warnings;
	char *built_ns;
	size_t nwarn;
};

static void rebuild(struct events_view *ev)
{
	struct live *s = shell_live(ev->lv.sh);
	struct cluster *c = live_cluster(s);
	const char *ns = live_namespace(s);
	struct table *t = ev->lv.t;
	char empty[300];

	ev->nwarn = 0;
	table_begin(t);
	for (size_t i = 0; i < cluster_event_count(c); i++) {
		const struct cluster_event *e = cluster_event_at(c, i);
		int role = e->warning ? THEME_PENDING : -1;
		char id[600], tmp[64];
		size_t r;

		if ((!ev->all && !str_eq(e->ns, ns)) || (ev->warnings && !e->warning))
			continue;
		ev->nwarn += e->warning;
		snprintf(id, sizeof(id), "%s/%s", e->ns, e->uid);
		r = table_add_row(t, id);
		shell_age(tmp, sizeof(tmp), e->when);
		table_set_cell(t, r, C_AGE, tmp, e->warning ? role : THEME_DIM);
		table_set_cell_key(t, r, C_AGE, -(double)e->when);
		table_set_cell(t, r, C_NS, e->ns, e->warning ? role : THEME_DIM);
		table_set_cell(t, r, C_TYPE, e->type, role);
		table_set_cell(t, r, C_REASON, e->reason, role);
		table_set_cell(t, r, C_OBJECT, e->object, role);
		snprintf(tmp, sizeof(tmp), "%d", e->count);
		table_set_cell(t, r, C_COUNT_, tmp, role);
		table_set_cell(t, r, C_MESSAGE, e->message, role);
	}
	table_commit(t);
	snprintf(empty, sizeof(empty), "no %sevents in %s%s%s (the API keeps them about an hour)",
		 ev->warnings ? "warning " : "", ev->all ? "any namespace" : "'", ev->all ? "" : ns, ev->all ? "" : "'");
	table_set_empty_text(t, empty);
	ev->gen = cluster_generation(c);
	ev->built = true;
	ev->built_all = ev->all;
	ev->built_warnings = ev->warnings;
	free(ev->built_ns);
	ev->built_ns = xstrdup(ns);
}

static void ev_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct events_view *ev = (struct events_view *)v;
	struct live *s = shell_live(ev->lv.sh);
	const char *err = live_cluster_error(s);
	char line[400];

	if (!ev->built || ev->built_all != ev->all || ev->built_warnings != ev->warnings ||
	    !str_eq(ev->built_ns, live_namespace(s)) ||
	    listview_rebuild_due(&ev->lv, ev->gen != cluster_generation(live_cluster(s)))) {
		uint64_t t0 = time_mono_ms();

		rebuild(ev);
		listview_rebuilt(&ev->lv, t0);
	}
	listview_draw_table(&ev->lv, win, rows - 1, cols);
	if (ev->all && err && !live_cluster_wide(s))
		snprintf(line, sizeof(line), "only '%s': %s", live_namespace(s), err);
	else
		snprintf(line, sizeof(line), "%zu events, %zu warnings, newest first%s", table_visible_count(ev->lv.t),
			 ev->nwarn, ev->warnings ? " (warnings only: w shows all)" : "");
	shell_draw_remote(win, rows - 1, 0, cols, line, theme_attr(THEME_DIM));
}

static void open_event(struct events_view *ev)
{
	struct live *s = shell_live(ev->lv.sh);
	struct cluster *c = live_cluster(s);
	const char *id = table_selected_id(ev->lv.t);
	struct services *m = live_services(s);

	for (size_t i = 0; id && i < cluster_event_count(c); i++) {
		const struct cluster_event *e = cluster_event_at(c, i);
		char want[600];

		snprintf(want, sizeof(want), "%s/%s", e->ns, e->uid);
		if (!str_eq(want, id))
			continue;
		for (size_t k = 0; k < services_count(m); k++) {
			const struct service *svc = services_at(m, k);

			if (service_owns_object(svc, e->ns, e->object_name)) {
				detail_open(ev->detail, svc->namespace, svc->name, DETAIL_EVENTS, NULL);
				return;
			}
		}
		app_toast(ev->lv.v.app, APP_INFO, "%s is not part of a service of '%s'", e->object, live_namespace(s));
		return;
	}
}

static unsigned ev_key(struct view *v, int key)
{
	struct events_view *ev = (struct events_view *)v;
	unsigned r;

	switch (key) {
	case 'a':
		ev->all = !ev->all;
		if (ev->all)
			live_want_cluster(shell_live(ev->lv.sh));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'w':
		ev->warnings = !ev->warnings;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		break;
	}
	r = listview_key(&ev->lv, key);
	if (r & WIDGET_ACTIVATE)
		open_event(ev);
	return r;
}

static unsigned ev_mouse(struct view *v, const MEVENT *m)
{
	struct events_view *ev = (struct events_view *)v;
	unsigned r = listview_mouse(&ev->lv, m);

	if (r & WIDGET_ACTIVATE)
		open_event(ev);
	return r;
}

static void ev_args(struct view *v, const char *args)
{
	struct events_view *ev = (struct events_view *)v;

	if (str_eq(args, "all") || str_eq(args, "-A")) {
		ev->all = true;
		live_want_cluster(shell_live(ev->lv.sh));
	} else if (str_eq(args, "warnings")) {
		ev->warnings = true;
	} else if (*args) {
		app_toast(v->app, APP_WARN, ":events takes 'all' or 'warnings'");
	}
}

static const char *ev_hints(struct view *v)
{
	struct events_view *ev = (struct events_view *)v;

	return listview_hints(&ev->lv, ev->warnings ? "w all events  a namespaces  Enter its service  / filter"
						    : "w warnings only  a namespaces  Enter its service  / filter");
}

static void ev_free(struct view *v)
{
	struct events_view *ev = (struct events_view *)v;

	listview_release(&ev->lv);
	free(ev->built_ns);
	free(ev);
}

static const struct app_keyhelp ev_help[] = {
	{ "w", "warnings only, or every event (:events warnings)" },
	{ "a", "all namespaces or only this one (:events all)" },
	{ "Enter", "open the service the event is about" },
	{ "/", "filter (as you type)" },
	{ NULL, NULL },
};

static const struct view_ops ev_ops = {
	.name = "events",
	.title = "Events",
	.draw = ev_draw,
	.key = ev_key,
	.hints = ev_hints,
	.help = ev_help,
	.free = ev_free,
	.mouse = ev_mouse,
	.args = ev_args,
	.paints_all = true,
};

struct view *events_view_new(struct shell *sh, struct view *detail)
{
	struct events_view *ev = xcalloc(1, sizeof(*ev));

	listview_init(&ev->lv, &ev_ops, sh, columns, C_NCOLS, LIVE_CLUSTER | LIVE_NAMESPACE);
	listview_show_ages(&ev->lv, C_AGE);
	ev->detail = detail;
	return &ev->lv.v;
}
