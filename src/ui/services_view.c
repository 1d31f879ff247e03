/*
 * services_view.c: "My services" (see services_view.h).
 *
 * Data flow: the shell marks the view dirty when model/services changes;
 * draw compares the model's generation with the one the table shows and
 * syncs the rows in place only then (the table moves and redraws only the
 * rows whose cells changed, and keeps the selection on the release name).  The last body row spells out the selected service's
 * status in full: why it is pending, how far it started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/model/cluster.h"
#include "datalab/ui/detail.h"
#include "datalab/ui/listview.h"
#include "datalab/ui/progress.h"
#include "datalab/ui/services_view.h"
#include "datalab/ui/sparkline.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

/* The columns of one namespace; across namespaces NAMESPACE comes first
 * (all_columns), the others one further right (struct services_view's off). */
enum { C_NAME, C_CHART, C_STATUS, C_READY, C_AGE, C_CPU, C_MEM, C_HIST, C_GPU, C_URL, C_COUNT };

#define SV_COLUMNS \
	{ "NAME", 12, 40, 2, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE }, \
	{ "CHART", 10, 30, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE | TABLE_COL_WIDE }, \
	{ "STATUS", 12, 0, 3, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE }, \
	{ "READY", 5, 14, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE }, \
	{ "AGE", 4, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_AGE }, \
	{ "CPU", 4, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE }, \
	{ "MEM", 4, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE }, \
	{ "CPU 8 MIN", 9, 16, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_WIDE }, \
	{ "GPU", 3, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE }, \
	{ "URL", 10, 0, 2, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },

static const struct table_column columns[C_COUNT] = { SV_COLUMNS };

static const struct table_column all_columns[C_COUNT + 1] = {
	{ "NAMESPACE", 9, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	SV_COLUMNS
};

struct services_view {
	struct listview lv;	/* first: the view, the table, the filter */
	struct view *detail;
	uint64_t gen;
	bool built;
	bool all;		/* the table has the NAMESPACE column */
	size_t off;		/* 1 when it has: where C_* columns sit */
};

static struct services_view *sv_of(struct view *v)
{
	return (struct services_view *)v;
}

/* sync: every service's cells set again, in place: the table compares
 * each with what it holds, so only the rows that changed move or redraw. */
static void sync_rows(struct services_view *sv)
{
	struct live *s = shell_live(sv->lv.sh);
	struct services *m = live_services(s);
	size_t n = services_count(m);
	struct buf b;
	char empty[256];

	buf_init(&b, 0);
	table_sync_begin(sv->lv.t);
	for (size_t i = 0; i < n; i++) {
		const struct service *svc = services_at(m, i);
		long at;
		size_t r;
		int role = shell_service_role(svc->state);
		char tmp[64];

		/* the id: namespace/name (a release name is unique in its namespace) */
		buf_reset(&b);
		buf_addf(&b, "%s/%s", svc->namespace, svc->name);
		at = table_sync_row(sv->lv.t, b.data, 0);
		if (at < 0)
			continue;
		r = (size_t)at;
		if (sv->all)
			table_set_cell(sv->lv.t, r, 0, svc->namespace, THEME_DIM);
		buf_reset(&b);
		if (service_friendly_name(svc))
			buf_addf(&b, "%s (%s)", service_friendly_name(svc), svc->name);
		else
			buf_adds(&b, svc->name);
		table_set_cell(sv->lv.t, r, sv->off + C_NAME, b.data, -1);
		buf_reset(&b);
		buf_addf(&b, "%s %s", svc->chart_name ? svc->chart_name : "?", svc->chart_version ? svc->chart_version : "");
		table_set_cell(sv->lv.t, r, sv->off + C_CHART, b.data, THEME_DIM);
		table_set_cell(sv->lv.t, r, sv->off + C_STATUS, svc->state_text, role);
		table_set_cell_key(sv->lv.t, r, sv->off + C_STATUS, (double)svc->state);
		buf_reset(&b);
		if (svc->state == SERVICE_STARTING && svc->total > 0) {
			/* starting: how far, as a bar */
			progress_render(&b, (double)svc->ready / svc->total, 5, widget_utf8_locale(), NULL);
			buf_addc(&b, ' ');
		}
		buf_addf(&b, "%d/%d", svc->ready, svc->total);
		table_set_cell(sv->lv.t, r, sv->off + C_READY, b.data, svc->ready < svc->total ? THEME_PENDING : -1);
		table_set_cell_key(sv->lv.t, r, sv->off + C_READY, svc->total ? (double)svc->ready / svc->total : 0);
		shell_age(tmp, sizeof(tmp), svc->created);
		table_set_cell(sv->lv.t, r, sv->off + C_AGE, tmp, THEME_DIM);
		table_set_cell_key(sv->lv.t, r, sv->off + C_AGE, -(double)svc->created);
		cluster_format_cpu(tmp, sizeof(tmp), svc->cpu_m);
		table_set_cell(sv->lv.t, r, sv->off + C_CPU, tmp, -1);
		table_set_cell_key(sv->lv.t, r, sv->off + C_CPU, (double)svc->cpu_m);
		cluster_format_mem(tmp, sizeof(tmp), svc->mem);
		table_set_cell(sv->lv.t, r, sv->off + C_MEM, tmp, -1);
		table_set_cell_key(sv->lv.t, r, sv->off + C_MEM, (double)svc->mem);
		buf_reset(&b);
		sparkline_render(&b, svc->cpu_hist, (size_t)svc->hist_len, 16, 0, widget_utf8_locale());
		table_set_cell(sv->lv.t, r, sv->off + C_HIST, b.data, THEME_SPARKLINE);
		shell_gpu_cell(tmp, sizeof(tmp), svc->gpus, svc->gpu_util);
		table_set_cell(sv->lv.t, r, sv->off + C_GPU, tmp, -1);
		table_set_cell_key(sv->lv.t, r, sv->off + C_GPU, svc->gpus + (svc->gpu_util + 1) / 1000.0);
		buf_reset(&b);
		if (svc->nurls > 0)
			buf_addf(&b, "%s%s", svc->urls[0], svc->nurls > 1 ? " +" : "");
		table_set_cell(sv->lv.t, r, sv->off + C_URL, b.data, -1);
	}
	table_sync_end(sv->lv.t);
	if (sv->all)
		snprintf(empty, sizeof(empty), "no services in any namespace you may list yet");
	else
		snprintf(empty, sizeof(empty), "no services in '%s' yet: :catalog launches one", live_namespace(s));
	table_set_empty_text(sv->lv.t, empty);
	buf_release(&b);
	sv->gen = services_generation(m);
	sv->built = true;
}

static const struct service *selected(struct services_view *sv)
{
	const char *id = table_selected_id(sv->lv.t), *slash = id ? strchr(id, '/') : NULL;
	struct live *s = shell_live(sv->lv.sh);
	char ns[256];

	if (!slash || (size_t)(slash - id) >= sizeof(ns))
		return NULL;
	memcpy(ns, id, (size_t)(slash - id));
	ns[slash - id] = '\0';
	return services_find(live_services(s), ns, slash + 1);
}

static void draw_status_line(struct services_view *sv, WINDOW *win, int y, int cols)
{
	const struct service *svc = selected(sv);
	const char *merr = live_metrics_error(shell_live(sv->lv.sh));
	struct buf b;

	buf_init(&b, 0);
	if (svc) {
		const char *full = svc->state_detail ? svc->state_detail : svc->state_text;

		buf_addf(&b, "%s: %s", service_display_name(svc), full);
		for (size_t i = 0; i < svc->npods && svc->state != SERVICE_RUNNING; i++)
			if (svc->pods[i].reason && !strstr(full, svc->pods[i].reason))
				buf_addf(&b, "; %s: %s", svc->pods[i].name, svc->pods[i].reason);
		if (merr)
			buf_addf(&b, "  (%s)", merr);
	} else if (merr) {
		buf_adds(&b, merr);
	}
	shell_draw_remote(win, y, 0, cols, b.data, theme_attr(svc ? (enum theme_role)shell_service_role(svc->state) : THEME_DIM));
	buf_release(&b);
}

/* set_columns: a table with the NAMESPACE column (all) or without, the
 * filter, the sort and the selected row kept. */
static void set_columns(struct services_view *sv, bool all)
{
	struct table *t = table_new(all ? all_columns : columns, all ? C_COUNT + 1 : C_COUNT);
	const char *filter = table_filter(sv->lv.t), *id = table_selected_id(sv->lv.t);
	char *keep = id ? xstrdup(id) : NULL;
	enum table_sort_dir dir;
	int col = table_sort_column(sv->lv.t, &dir);

	if (filter && *filter)
		table_set_filter(t, filter);
	/* the same column in the new table: NAMESPACE is column 0 when shown */
	col = col < 0 ? -1 : col - (int)sv->off + (all ? 1 : 0);
	if (col >= 0)
		table_sort(t, (size_t)col, dir);
	widget_set_focus(table_widget(t), true);
	table_set_empty_text(t, "loading...");
	table_free(sv->lv.t);
	sv->lv.t = t;
	sv->all = all;
	sv->off = all ? 1 : 0;
	listview_show_ages(&sv->lv, (int)(sv->off + C_AGE));
	sync_rows(sv);
	if (keep)
		table_select_id(t, keep);
	free(keep);
}

static void sv_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct services_view *sv = sv_of(v);

	if (sv->all != live_all_namespaces(shell_live(sv->lv.sh)))
		set_columns(sv, live_all_namespaces(shell_live(sv->lv.sh)));
	if (!sv->built || listview_rebuild_due(&sv->lv, sv->gen != services_generation(live_services(shell_live(sv->lv.sh))))) {
		uint64_t t0 = time_mono_ms();

		sync_rows(sv);
		listview_rebuilt(&sv->lv, t0);
	}
	listview_draw_table(&sv->lv, win, rows - 1, cols);
	if (rows > 1)
		draw_status_line(sv, win, rows - 1, cols);
}

static unsigned sv_key(struct view *v, int key)
{
	struct services_view *sv = sv_of(v);
	const struct service *svc = selected(sv);
	unsigned r;

	switch (key) {
	case 'a': {
		struct live *s = shell_live(sv->lv.sh);
		bool all = !live_all_namespaces(s);

		live_set_all_namespaces(s, all);
		app_toast(v->app, APP_INFO, "%s", all ? "all namespaces (a: back to the current one)" : live_namespace(s));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	case 'd':
	case KEY_DC:
		if (svc)
			shell_confirm_delete(sv->lv.sh, svc->namespace, svc->name);
		return WIDGET_HANDLED;
	case 'p':
		if (svc)
			shell_toggle_pause(sv->lv.sh, svc->namespace, svc->name);
		return WIDGET_HANDLED;
	case 'e':
		if (svc)
			shell_rename(sv->lv.sh, svc->namespace, svc->name);
		return WIDGET_HANDLED;
	case 'y':
		if (svc)
			shell_copy_url(sv->lv.sh, svc->namespace, svc->name);
		return WIDGET_HANDLED;
	case 't':
		if (svc)
			shell_terminal(sv->lv.sh, svc->namespace, svc->name, NULL);
		return WIDGET_HANDLED;
	case 'l':
		if (svc)
			detail_open(sv->detail, svc->namespace, svc->name, DETAIL_LOGS, NULL);
		return WIDGET_HANDLED;
	default:
		break;
	}
	r = listview_key(&sv->lv, key);
	if ((r & WIDGET_ACTIVATE) && svc)
		detail_open(sv->detail, svc->namespace, svc->name, DETAIL_OVERVIEW, NULL);
	return r;
}

static unsigned sv_mouse(struct view *v, const MEVENT *ev)
{
	struct services_view *sv = sv_of(v);
	unsigned r = listview_mouse(&sv->lv, ev);
	const struct service *svc = selected(sv);

	if ((r & WIDGET_ACTIVATE) && svc)
		detail_open(sv->detail, svc->namespace, svc->name, DETAIL_OVERVIEW, NULL);
	return r;
}

static const char *sv_hints(struct view *v)
{
	return listview_hints(&((struct services_view *)v)->lv,
			      "Enter open  / filter  a all namespaces  d delete  p pause  e rename  y copy URL  l logs");
}

static void sv_free(struct view *v)
{
	struct services_view *sv = sv_of(v);

	listview_release(&sv->lv);
	free(sv);
}

static const struct app_keyhelp sv_help[] = {
	{ "Enter", "open the service: overview, pods, events, logs, YAML, commands" },
	{ "/", "filter (as you type; Enter keeps it, Esc clears it)" },
	{ "a", "all namespaces you may list (a NAMESPACE column), or the current one again" },
	{ "d Del", "delete the service (helm uninstall, after a confirmation)" },
	{ "p", "pause or resume (global.suspend as Onyxia does, else scale to 0)" },
	{ "e", "rename: the name Onyxia shows" },
	{ "y", "copy the service's URL (OSC 52)" },
	{ "l", "follow the logs of its first pod" },
	{ "t", "a terminal in its first running pod (the :terminals view)" },
	{ "j k PgUp PgDn g G", "move; a click selects, a double click opens, a header click sorts" },
	{ ":ns NAME", "switch namespace" },
	{ NULL, NULL },
};

static const struct view_ops sv_ops = {
	.name = "services",
	.title = "My services",
	.draw = sv_draw,
	.key = sv_key,
	.hints = sv_hints,
	.help = sv_help,
	.free = sv_free,
	.mouse = sv_mouse,
	.paints_all = true,
};

struct view *services_view_new(struct shell *sh, struct view *detail)
{
	struct services_view *sv = xcalloc(1, sizeof(*sv));

	listview_init(&sv->lv, &sv_ops, sh, columns, C_COUNT, LIVE_SERVICES | LIVE_NAMESPACE);
	listview_show_ages(&sv->lv, C_AGE);
	sv->detail = detail;
	return &sv->lv.v;
}
