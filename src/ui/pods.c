/*
 * pods.c: the `:pods` monitor view (see pods.h).
 *
 * Rows come from model/cluster, synced in place when its generation moved
 * or the scope changed (only pods whose stamp moved are formatted again);
 * outside the all-namespaces scope only the current namespace's pods are
 * shown.  The last body row says why the selected
 * pod waits, or counts what is not running.
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
#include "datalab/ui/pods.h"
#include "datalab/ui/terminals.h"
#include "datalab/ui/theme.h"

enum { C_NS, C_NAME, C_STATUS, C_READY, C_RESTARTS, C_NODE, C_GPU, C_CPU, C_MEM, C_AGE, C_WHY, C_COUNT };

static const struct table_column columns[C_COUNT] = {
	[C_NS] = { "NAMESPACE", 9, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_NAME] = { "NAME", 10, 0, 2, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_STATUS] = { "STATUS", 7, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_READY] = { "READY", 5, 7, 0, WIDGET_ALIGN_LEFT, 0 },
	[C_RESTARTS] = { "RESTARTS", 3, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_NUMERIC },
	[C_NODE] = { "NODE", 5, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_GPU] = { "GPU", 3, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
	[C_CPU] = { "CPU", 4, 7, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_MEM] = { "MEM", 4, 7, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_AGE] = { "AGE", 4, 7, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_AGE },
	[C_WHY] = { "WHY", 6, 0, 2, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
};

struct pods_view {
	struct listview lv;
	struct view *detail;
	uint64_t gen;
	bool built, all, built_all;
	char *built_ns;
	size_t waiting, failing;
};

/* sync: the table follows model/cluster in place; only the pods whose
 * stamp moved since the table took them are formatted again (a watch
 * event changes a few of thousands), and the rows of pods gone or out of
 * scope go. */
static void sync_rows(struct pods_view *pv)
{
	struct live *s = shell_live(pv->lv.sh);
	struct cluster *c = live_cluster(s);
	const char *ns = live_namespace(s);
	struct table *t = pv->lv.t;

	pv->waiting = pv->failing = 0;
	table_sync_begin(t);
	for (size_t i = 0; i < cluster_pod_count(c); i++) {
		const struct cluster_pod *p = cluster_pod_at(c, i);
		int role = shell_pod_role(p->status);
		char id[512], tmp[64];
		long r;

		if (!pv->all && !str_eq(p->ns, ns))
			continue;
		pv->waiting += role == THEME_PENDING;
		pv->failing += role == THEME_FAILED;
		snprintf(id, sizeof(id), "%s/%s", p->ns, p->name);
		if ((r = table_sync_row(t, id, p->gen)) < 0)
			continue;	/* unchanged (its age is drawn from its birth) */
		table_set_cell(t, (size_t)r, C_NS, p->ns, THEME_DIM);
		table_set_cell(t, (size_t)r, C_NAME, p->name, -1);
		table_set_cell(t, (size_t)r, C_STATUS, p->status, role);
		snprintf(tmp, sizeof(tmp), "%d/%d", p->ready, p->containers);
		table_set_cell(t, (size_t)r, C_READY, tmp, p->ready < p->containers && !p->done ? THEME_PENDING : -1);
		snprintf(tmp, sizeof(tmp), "%d", p->restarts);
		table_set_cell(t, (size_t)r, C_RESTARTS, tmp, p->restarts ? THEME_PENDING : -1);
		table_set_cell(t, (size_t)r, C_NODE, p->node ? p->node : "-", THEME_DIM);
		shell_gpu_cell(tmp, sizeof(tmp), p->gpus, p->gpu_util);
		table_set_cell(t, (size_t)r, C_GPU, tmp, -1);
		table_set_cell_key(t, (size_t)r, C_GPU, p->gpus + (p->gpu_util + 1) / 1000.0);
		cluster_format_cpu(tmp, sizeof(tmp), p->cpu_m);
		table_set_cell(t, (size_t)r, C_CPU, tmp, -1);
		table_set_cell_key(t, (size_t)r, C_CPU, (double)p->cpu_m);
		cluster_format_mem(tmp, sizeof(tmp), p->mem);
		table_set_cell(t, (size_t)r, C_MEM, tmp, -1);
		table_set_cell_key(t, (size_t)r, C_MEM, (double)p->mem);
		shell_age(tmp, sizeof(tmp), p->created);
		table_set_cell(t, (size_t)r, C_AGE, tmp, THEME_DIM);
		table_set_cell_key(t, (size_t)r, C_AGE, -(double)p->created);
		table_set_cell(t, (size_t)r, C_WHY, p->reason ? p->reason : "", role);
	}
	table_sync_end(t);
	pv->gen = cluster_generation(c);
	pv->built = true;
	pv->built_all = pv->all;
	free(pv->built_ns);
	pv->built_ns = xstrdup(ns);
}

static const struct cluster_pod *selected(struct pods_view *pv)
{
	const char *id = table_selected_id(pv->lv.t);
	const char *slash = id ? strchr(id, '/') : NULL;
	char ns[256];

	if (!slash || (size_t)(slash - id) >= sizeof(ns))
		return NULL;
	memcpy(ns, id, (size_t)(slash - id));
	ns[slash - id] = '\0';
	return cluster_pod_find(live_cluster(shell_live(pv->lv.sh)), ns, slash + 1);
}

static void pv_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct pods_view *pv = (struct pods_view *)v;
	struct live *s = shell_live(pv->lv.sh);
	const struct cluster_pod *p;
	const char *err = live_cluster_error(s);
	char line[600], empty[300];

	if (!pv->built || pv->built_all != pv->all || !str_eq(pv->built_ns, live_namespace(s)) ||
	    listview_rebuild_due(&pv->lv, pv->gen != cluster_generation(live_cluster(s)))) {
		uint64_t t0 = time_mono_ms();

		sync_rows(pv);
		listview_rebuilt(&pv->lv, t0);
		if (pv->all && err && !live_cluster_wide(s))
			snprintf(empty, sizeof(empty), "all namespaces: %s", err);
		else
			snprintf(empty, sizeof(empty), "no pods in %s%s", pv->all ? "any namespace" : "'",
				 pv->all ? "" : live_namespace(s));
		if (!pv->all)
			strncat(empty, "'", sizeof(empty) - strlen(empty) - 1);
		table_set_empty_text(pv->lv.t, empty);
	}
	listview_draw_table(&pv->lv, win, rows - 1, cols);
	p = selected(pv);
	if (p && p->reason)
		snprintf(line, sizeof(line), "%s: %s", p->name, p->reason);
	else if (pv->all && err && !live_cluster_wide(s))
		snprintf(line, sizeof(line), "only '%s': %s", live_namespace(s), err);
	else
		snprintf(line, sizeof(line), "%zu pods%s%s, %zu waiting, %zu failing", table_visible_count(pv->lv.t),
			 pv->all ? " in all namespaces" : " in ", pv->all ? "" : live_namespace(s), pv->waiting,
			 pv->failing);
	shell_draw_remote(win, rows - 1, 0, cols, line,
			  theme_attr(p && p->reason ? (enum theme_role)shell_pod_role(p->status) : THEME_DIM));
}

static void set_all(struct pods_view *pv, bool all)
{
	pv->all = all;
	if (all)
		live_want_cluster(shell_live(pv->lv.sh));
}

static void open_pod(struct pods_view *pv)
{
	struct live *s = shell_live(pv->lv.sh);
	const struct cluster_pod *p = selected(pv);

	if (!p)
		return;
	if (p->instance && services_find(live_services(s), p->ns, p->instance))
		detail_open(pv->detail, p->ns, p->instance, DETAIL_LOGS, p->name);
	else
		app_toast(pv->lv.v.app, APP_INFO, "%s/%s is not a service of '%s'", p->ns, p->name, live_namespace(s));
}

static unsigned pv_key(struct view *v, int key)
{
	struct pods_view *pv = (struct pods_view *)v;
	const struct cluster_pod *p = selected(pv);
	unsigned r;

	switch (key) {
	case 'a':
		set_all(pv, !pv->all);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'x':
		if (p && str_eq(p->ns, live_namespace(shell_live(pv->lv.sh))))
			shell_restart_pod(pv->lv.sh, p->ns, p->name);
		else if (p)
			app_toast(v->app, APP_WARN, "switch to '%s' to restart its pods", p->ns);
		return WIDGET_HANDLED;
	case 't':
		if (p) {
			struct error err;

			if (terminals_open_exec(v->app, live_kube(shell_live(pv->lv.sh)), p->ns, p->name, NULL, NULL,
						&err) < 0)
				app_toast(v->app, APP_ERROR, "%s", err.msg);
		}
		return WIDGET_HANDLED;
	default:
		break;
	}
	r = listview_key(&pv->lv, key);
	if (r & WIDGET_ACTIVATE)
		open_pod(pv);
	return r;
}

static unsigned pv_mouse(struct view *v, const MEVENT *ev)
{
	struct pods_view *pv = (struct pods_view *)v;
	unsigned r = listview_mouse(&pv->lv, ev);

	if (r & WIDGET_ACTIVATE)
		open_pod(pv);
	return r;
}

static void pv_args(struct view *v, const char *args)
{
	struct pods_view *pv = (struct pods_view *)v;

	if (str_eq(args, "all") || str_eq(args, "-A") || str_eq(args, "--all-namespaces"))
		set_all(pv, true);
	else if (!*args || str_eq(args, "ns"))
		set_all(pv, false);
	else
		app_toast(v->app, APP_WARN, ":pods takes 'all' (every namespace) or nothing");
}

static const char *pv_hints(struct view *v)
{
	struct pods_view *pv = (struct pods_view *)v;

	return listview_hints(&pv->lv, pv->all ? "a this namespace  Enter logs  t terminal  x restart  / filter"
					       : "a all namespaces  Enter logs  t terminal  x restart  / filter");
}

static void pv_free(struct view *v)
{
	struct pods_view *pv = (struct pods_view *)v;

	listview_release(&pv->lv);
	free(pv->built_ns);
	free(pv);
}

static const struct app_keyhelp pv_help[] = {
	{ "a", "all namespaces or only this one (:pods all)" },
	{ "Enter", "follow the logs of a service's pod" },
	{ "x", "restart the pod (delete it; its controller starts a new one)" },
	{ "t", "a terminal in the pod (a shell, in the :terminals view)" },
	{ "/", "filter (as you type); a header click sorts" },
	{ NULL, NULL },
};

static const struct view_ops pv_ops = {
	.name = "pods",
	.title = "Pods",
	.draw = pv_draw,
	.key = pv_key,
	.hints = pv_hints,
	.help = pv_help,
	.free = pv_free,
	.mouse = pv_mouse,
	.args = pv_args,
	.paints_all = true,
};

struct view *pods_view_new(struct shell *sh, struct view *detail)
{
	struct pods_view *pv = xcalloc(1, sizeof(*pv));

	listview_init(&pv->lv, &pv_ops, sh, columns, C_COUNT, LIVE_CLUSTER | LIVE_NAMESPACE);
	listview_show_ages(&pv->lv, C_AGE);
	pv->detail = detail;
	return &pv->lv.v;
}
