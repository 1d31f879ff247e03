/*
 * nodes.c: the `:nodes` monitor view (see nodes.h).
 *
 * Showing it starts the cluster-wide informers (live_want_cluster):
 * requests per node are summed over every namespace's pods.  The table
 * takes the top of the body; below it, the GPU users of the selected
 * node, grouped by namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/cluster.h"
#include "datalab/ui/listview.h"
#include "datalab/ui/nodes.h"
#include "datalab/ui/progress.h"
#include "datalab/ui/theme.h"

enum { C_NAME, C_STATUS, C_ROLES, C_CPU, C_MEM, C_GPU, C_MODEL, C_PODS, C_CPU_USE, C_MEM_USE, C_GPU_USE, C_COUNT };

static const struct table_column columns[C_COUNT] = {
	[C_NAME] = { "NAME", 8, 0, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_STATUS] = { "STATUS", 5, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_ROLES] = { "ROLES", 5, 16, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
	[C_CPU] = { "CPU REQUESTED", 13, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_MEM] = { "MEM REQUESTED", 13, 26, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[C_GPU] = { "GPU", 3, 6, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE },
	[C_MODEL] = { "GPU MODEL", 9, 28, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
	[C_PODS] = { "PODS", 4, 5, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_NUMERIC },
	[C_CPU_USE] = { "CPU USE", 7, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_MEM_USE] = { "MEM USE", 7, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[C_GPU_USE] = { "GPU USE", 7, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
};

struct nodes_view {
	struct listview lv;
	uint64_t gen;
	bool built;
};

/* bar_cell: "▮▮▯▯ 1.5/64" for requested over allocatable. */
static void bar_cell(struct buf *b, int64_t used, int64_t total, bool mem)
{
	char u[32], t[32];

	buf_reset(b);
	progress_render(b, total > 0 ? (double)used / (double)total : 0, 6, widget_utf8_locale(), NULL);
	if (mem) {
		cluster_format_mem(u, sizeof(u), used);
		cluster_format_mem(t, sizeof(t), total);
	} else {
		cluster_format_cpu(u, sizeof(u), used);
		cluster_format_cpu(t, sizeof(t), total);
	}
	buf_addf(b, " %s/%s", u, t);
}

static int load_role(int64_t used, int64_t total)
{
	if (total <= 0)
		return -1;
	return used * 100 >= total * 95 ? THEME_FAILED : used * 100 >= total * 80 ? THEME_PENDING : THEME_OK;
}

static void rebuild(struct nodes_view *nv)
{
	struct live *s = shell_live(nv->lv.sh);
	struct cluster *c = live_cluster(s);
	struct table *t = nv->lv.t;
	const char *err = live_cluster_error(s);
	struct buf b;

	buf_init(&b, 0);
	table_begin(t);
	for (size_t i = 0; i < cluster_node_count(c); i++) {
		const struct cluster_node *n = cluster_node_at(c, i);
		size_t r = table_add_row(t, n->name);
		char tmp[64];
		int gpu_total = n->gpu_alloc > 0 ? n->gpu_alloc : 0;

		table_set_cell(t, r, C_NAME, n->name, -1);
		snprintf(tmp, sizeof(tmp), "%s%s", n->ready ? "Ready" : "NotReady", n->unschedulable ? ",SchedulingDisabled" : "");
		table_set_cell(t, r, C_STATUS, tmp, n->ready && !n->unschedulable ? THEME_OK : THEME_FAILED);
		table_set_cell(t, r, C_ROLES, n->roles && *n->roles ? n->roles : "-", THEME_DIM);
		bar_cell(&b, n->cpu_req_m, n->cpu_alloc_m, false);
		table_set_cell(t, r, C_CPU, b.data, load_role(n->cpu_req_m, n->cpu_alloc_m));
		table_set_cell_key(t, r, C_CPU, n->cpu_alloc_m ? (double)n->cpu_req_m / (double)n->cpu_alloc_m : 0);
		bar_cell(&b, n->mem_req, n->mem_alloc, true);
		table_set_cell(t, r, C_MEM, b.data, load_role(n->mem_req, n->mem_alloc));
		table_set_cell_key(t, r, C_MEM, n->mem_alloc ? (double)n->mem_req / (double)n->mem_alloc : 0);
		if (gpu_total > 0 || n->gpu_used > 0)
			snprintf(tmp, sizeof(tmp), "%d/%d", n->gpu_used, gpu_total);
		else
			snprintf(tmp, sizeof(tmp), "-");
		table_set_cell(t, r, C_GPU, tmp, gpu_total > 0 ? load_role(n->gpu_used, gpu_total) : THEME_DIM);
		table_set_cell_key(t, r, C_GPU, (double)(gpu_total - n->gpu_used));
		table_set_cell(t, r, C_MODEL, n->gpu_model ? n->gpu_model : "", THEME_DIM);
		snprintf(tmp, sizeof(tmp), "%d", n->npods);
		table_set_cell(t, r, C_PODS, tmp, -1);
		cluster_format_cpu(tmp, sizeof(tmp), n->cpu_m);
		table_set_cell(t, r, C_CPU_USE, tmp, -1);
		table_set_cell_key(t, r, C_CPU_USE, (double)n->cpu_m);
		cluster_format_mem(tmp, sizeof(tmp), n->mem);
		table_set_cell(t, r, C_MEM_USE, tmp, -1);
		table_set_cell_key(t, r, C_MEM_USE, (double)n->mem);
		/* over all its GPUs, idle ones at 0 (a DCGM page), where known */
		if (n->gpu_util >= 0)
			snprintf(tmp, sizeof(tmp), "%d%%", n->gpu_util);
		else
			snprintf(tmp, sizeof(tmp), "%s", gpu_total > 0 ? "-" : "");
		table_set_cell(t, r, C_GPU_USE, tmp, n->gpu_util >= 0 ? -1 : THEME_DIM);
		table_set_cell_key(t, r, C_GPU_USE, (double)n->gpu_util);
	}
	table_commit(t);
	if (err) {
		buf_reset(&b);
		buf_addf(&b, "%s (an administrator's view; :pods shows your namespace)", err);
		table_set_empty_text(t, b.data);
	} else {
		table_set_empty_text(t, "no nodes (yet)");
	}
	buf_release(&b);
	nv->gen = cluster_generation(c);
	nv->built = true;
}

static int ns_cmp(const void *a, const void *b)
{
	const struct cluster_gpu_user *x = a, *y = b;
	int d = strcmp(x->ns, y->ns);

	return d ? d : strcmp(x->pod, y->pod);
}

/* draw_users: who holds the selected node's GPUs, by namespace. */
static void draw_users(struct nodes_view *nv, WINDOW *win, int y, int rows, int cols)
{
	struct cluster *c = live_cluster(shell_live(nv->lv.sh));
	const char *id = table_selected_id(nv->lv.t);
	const struct cluster_node *n = id ? cluster_node_find(c, id) : NULL;
	struct cluster_gpu_user *u;
	struct buf b;
	int line = 0;

	for (int r = 0; r < rows; r++)
		widget_fill(win, y + r, 0, cols, theme_attr(THEME_DEFAULT));
	if (!n || rows <= 0)
		return;
	buf_init(&b, 0);
	buf_addf(&b, "GPUs of %s: %d used of %d%s%s", n->name, n->gpu_used, n->gpu_alloc > 0 ? n->gpu_alloc : 0,
		 n->gpu_model ? " " : "", n->gpu_model ? n->gpu_model : "");
	shell_draw_remote(win, y + line++, 0, cols, b.data, theme_attr(THEME_TABLE_HEADER));
	if (n->ngpu_users == 0) {
		if (line < rows)
			widget_draw_text(win, y + line, 2, cols - 2, "no pod holds a GPU here", theme_attr(THEME_DIM), 0);
		buf_release(&b);
		return;
	}
	u = xreallocarray(NULL, n->ngpu_users, sizeof(*u));
	memcpy(u, n->gpu_users, n->ngpu_users * sizeof(*u));
	qsort(u, n->ngpu_users, sizeof(*u), ns_cmp);
	for (size_t i = 0; i < n->ngpu_users && line < rows;) {
		size_t j = i;

		buf_reset(&b);
		buf_addf(&b, "%s:", u[i].ns);
		for (; j < n->ngpu_users && str_eq(u[j].ns, u[i].ns); j++) {
			if (u[j].util >= 0)
				buf_addf(&b, "  %s (%d, %d%% busy)", u[j].pod, u[j].gpus, u[j].util);
			else
				buf_addf(&b, "  %s (%d)", u[j].pod, u[j].gpus);
		}
		shell_draw_remote(win, y + line++, 2, cols - 2, b.data, theme_attr(THEME_DEFAULT));
		i = j;
	}
	free(u);
	buf_release(&b);
}

static void nv_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct nodes_view *nv = (struct nodes_view *)v;
	int below = rows >= 14 ? 6 : rows >= 8 ? 3 : 0;

	if (!nv->built || nv->gen != cluster_generation(live_cluster(shell_live(nv->lv.sh))))
		rebuild(nv);
	listview_draw_table(&nv->lv, win, rows - below, cols);
	draw_users(nv, win, rows - below, below, cols);
}

static unsigned nv_key(struct view *v, int key)
{
	return listview_key(&((struct nodes_view *)v)->lv, key);
}

static unsigned nv_mouse(struct view *v, const MEVENT *ev)
{
	return listview_mouse(&((struct nodes_view *)v)->lv, ev);
}

static void nv_enter(struct view *v)
{
	struct nodes_view *nv = (struct nodes_view *)v;

	live_want_cluster(shell_live(nv->lv.sh));
	nv->built = false;
}

static const char *nv_hints(struct view *v)
{
	return listview_hints(&((struct nodes_view *)v)->lv, "/ filter  a header click sorts  GPU users below");
}

static void nv_free(struct view *v)
{
	struct nodes_view *nv = (struct nodes_view *)v;

	listview_release(&nv->lv);
	free(nv);
}

static const struct app_keyhelp nv_help[] = {
	{ "j k", "select a node: its GPU users show below, by namespace" },
	{ "/", "filter (as you type); a header click sorts (GPU sorts by free GPUs)" },
	{ NULL, NULL },
};

static const struct view_ops nv_ops = {
	.name = "nodes",
	.title = "Nodes",
	.draw = nv_draw,
	.key = nv_key,
	.hints = nv_hints,
	.help = nv_help,
	.enter = nv_enter,
	.free = nv_free,
	.mouse = nv_mouse,
	.paints_all = true,
};

struct view *nodes_view_new(struct shell *sh)
{
	struct nodes_view *nv = xcalloc(1, sizeof(*nv));

	listview_init(&nv->lv, &nv_ops, sh, columns, C_COUNT, LIVE_CLUSTER | LIVE_FRESHNESS);
	return &nv->lv.v;
}
