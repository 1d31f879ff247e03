/*
 * catalog.c: the ":catalog" view: catalogs as tabs, their launchable
 * charts as rows (highlighted first, then favourites), an incremental
 * search over names, descriptions and keywords, favourites kept in the
 * XDG config folder, and Enter to open a chart's launch form.
 *
 * Data flow: the browse model (catalog/browse.h) fetches indexes on the
 * loop and calls catview_changed; the view rebuilds the table's rows for
 * the shown tab only and marks itself dirty.  The search is the table's
 * filter over every cell, keywords included (a column dropped first when
 * the screen is narrow, still searched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/table.h"
#include "datalab/ui/tabs.h"
#include "datalab/ui/theme.h"
#include "catalog-internal.h"

enum { COL_STAR, COL_NAME, COL_VERSION, COL_DESC, COL_KEYWORDS, NCOLS };

struct catview {
	struct view v;
	struct catsession *s;
	struct table *t;
	struct tabs *tabs;	/* one per catalog */
	size_t tab;
	bool entered;
};

static const struct table_column columns[NCOLS] = {
	{ " ", 1, 1, 0, WIDGET_ALIGN_LEFT, 0 },
	{ "NAME", 10, 32, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	{ "VERSION", 7, 16, 0, WIDGET_ALIGN_LEFT, 0 },
	{ "DESCRIPTION", 20, 0, 4, WIDGET_ALIGN_LEFT, 0 },
	{ "KEYWORDS", 10, 32, 1, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
};

static struct browse_catalog *current(struct catview *cv)
{
	return browse_at(cv->s->browse, cv->tab);
}

static void rebuild(struct catview *cv)
{
	struct browse_catalog *bc = current(cv);
	struct buf kw;

	table_begin(cv->t);
	if (bc) {
		for (size_t i = 0; i < bc->ncharts; i++) {
			const struct browse_chart *c = &bc->charts[i];
			size_t r = table_add_row(cv->t, c->chart->name);

			buf_init(&kw, 0);
			for (size_t k = 0; k < c->latest->nkeywords; k++)
				buf_addf(&kw, "%s%s", k ? ", " : "", c->latest->keywords[k]);
			table_set_cell(cv->t, r, COL_STAR, c->favourite ? (widget_utf8_locale() ? "\u2605" : "*") : "",
				       THEME_PENDING);
			table_set_cell(cv->t, r, COL_NAME, c->chart->name, c->highlighted ? THEME_OK : -1);
			table_set_cell(cv->t, r, COL_VERSION, c->latest->version, THEME_DIM);
			table_set_cell(cv->t, r, COL_DESC, c->latest->description ? c->latest->description : "", -1);
			table_set_cell(cv->t, r, COL_KEYWORDS, kw.data, THEME_DIM);
			buf_release(&kw);
		}
		switch (bc->state) {
		case BROWSE_IDLE:
		case BROWSE_LOADING:
			table_set_empty_text(cv->t, "loading the catalog...");
			break;
		case BROWSE_FAILED:
			table_set_empty_text(cv->t, "this catalog cannot be shown (see above)");
			break;
		default:
			table_set_empty_text(cv->t, "no launchable chart in this catalog");
		}
	}
	table_commit(cv->t);
	widget_mark_dirty(table_widget(cv->t));
}

/* ---- drawing ---- */

static const char *state_mark(const struct browse_catalog *bc)
{
	switch (bc->state) {
	case BROWSE_LOADING:
		return widget_utf8_locale() ? " \u2026" : " ...";
	case BROWSE_FAILED:
		return " !";
	case BROWSE_STALE:
		return " ~";
	default:
		return "";
	}
}

/* Tab titles: the catalog's name and a mark for its state. */
static void update_tabs(struct catview *cv)
{
	struct browse *b = cv->s->browse;

	for (size_t i = 0; i < browse_count(b); i++) {
		struct browse_catalog *bc = browse_at(b, i);
		char *t = xasprintf("%s%s", catalog_name_for(bc->cat, NULL), state_mark(bc));

		tabs_set_title(cv->tabs, i, t);
		free(t);
	}
	tabs_select(cv->tabs, cv->tab);
}

void catview_changed(struct view *v, size_t i)
{
	struct catview *cv = (struct catview *)v;

	if (i == cv->tab)
		rebuild(cv);
	update_tabs(cv);
	app_view_dirty(v);
}

static void draw_status(struct catview *cv, WINDOW *win, int y, int cols)
{
	struct browse_catalog *bc = current(cv);
	char line[1024], age[48];
	enum theme_role role = THEME_DIM;

	if (!bc) {
		widget_draw_text(win, y, 0, cols, "no catalog configured: add one to the config folder's catalogs/",
				 theme_attr(THEME_PENDING), 0);
		return;
	}
	catalog_age_text(age, sizeof(age), bc->fetched_ms);
	switch (bc->state) {
	case BROWSE_IDLE:
	case BROWSE_LOADING:
		snprintf(line, sizeof(line), "loading %s ...", bc->url ? bc->url : bc->cat->location);
		break;
	case BROWSE_READY:
		snprintf(line, sizeof(line), "%zu chart%s  %s  (index %s%s)", bc->ncharts,
			 bc->ncharts == 1 ? "" : "s", bc->url, bc->source == REPO_DOWNLOADED ? "downloaded " : "from ",
			 bc->source == REPO_DOWNLOADED ? "just now" : age);
		break;
	case BROWSE_STALE:
		snprintf(line, sizeof(line), "offline: the copy from %s (%s)", age, bc->err.msg);
		role = THEME_PENDING;
		break;
	case BROWSE_FAILED:
		snprintf(line, sizeof(line), "%s", bc->err.msg);
		role = THEME_FAILED;
		break;
	}
	widget_draw_text(win, y, 0, cols, line, theme_attr(role), 0);
}

static void catview_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct catview *cv = (struct catview *)v;
	int trows = rows - 3;

	widget_place(tabs_widget(cv->tabs), 0, 0, 1, cols);
	widget_draw(tabs_widget(cv->tabs), win, true);
	if (rows < 4)
		return;
	draw_status(cv, win, 1, cols);
	widget_place(table_widget(cv->t), 2, 0, trows, cols);
	widget_set_focus(table_widget(cv->t), true);
	widget_draw(table_widget(cv->t), win, true);
	if (*table_filter(cv->t)) {
		char line[300];

		snprintf(line, sizeof(line), "/%s  (%zu match%s, Esc clears)", table_filter(cv->t),
			 table_visible_count(cv->t), table_visible_count(cv->t) == 1 ? "" : "es");
		widget_draw_text(win, rows - 1, 0, cols, line, theme_attr(THEME_DIM), 0);
	} else {
		long sel = table_selected(cv->t);

		if (sel >= 0)
			widget_draw_text(win, rows - 1, 0, cols, table_cell_text(cv->t, (size_t)sel, COL_DESC),
					 theme_attr(THEME_DIM), 0);
	}
}

/* ---- keys ---- */

static void show_tab(struct catview *cv, size_t tab)
{
	cv->tab = tab;
	tabs_select(cv->tabs, tab);
	rebuild(cv);
	table_select(cv->t, 0);
}

static void toggle_favourite(struct catview *cv)
{
	struct browse_catalog *bc = current(cv);
	const char *id = table_selected_id(cv->t);
	struct error err;
	char *chart;
	int on;

	if (!bc || !id)
		return;
	chart = xstrdup(id);
	on = favourites_toggle(&cv->s->fav, bc->cat->id, chart);
	if (cv->s->fav_path && favourites_save(&cv->s->fav, cv->s->fav_path, &err) < 0)
		app_toast(cv->v.app, APP_ERROR, "cannot save favourites: %s", err.msg);
	else
		app_toast(cv->v.app, APP_INFO, "%s %s favourites", chart, on ? "added to" : "removed from");
	browse_resort(cv->s->browse);
	rebuild(cv);
	table_select_id(cv->t, chart);
	free(chart);
}

static void open_selected(struct catview *cv)
{
	struct browse_catalog *bc = current(cv);
	const char *id = table_selected_id(cv->t);
	struct launch_request rq = { 0 };

	if (!bc || !id)
		return;
	rq.catalog_id = bc->cat->id;
	rq.chart = id;
	launchview_open(cv->s->launch_view, &rq);
}

/* The "/" prompt on the bottom line: each key narrows the rows. */
static void on_search(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct catview *cv = (struct catview *)v;

	table_set_filter(cv->t, ev == APP_PROMPT_CANCEL ? NULL : text);
	app_view_dirty(v);
}

static unsigned catview_key(struct view *v, int key)
{
	struct catview *cv = (struct catview *)v;
	unsigned r;

	switch (key) {
	case '/':
		app_prompt(v->app, v, "/", table_filter(cv->t), on_search);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 27:
		if (!*table_filter(cv->t))
			return 0;
		table_set_filter(cv->t, NULL);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case KEY_LEFT:
	case KEY_RIGHT:
	case KEY_BTAB:
	case '\t':
		r = widget_key(tabs_widget(cv->tabs), key);
		if (r & WIDGET_CHANGED)
			show_tab(cv, tabs_current(cv->tabs));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'h':
		show_tab(cv, (cv->tab + browse_count(cv->s->browse) - 1) % DL_MAX(browse_count(cv->s->browse), 1));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'l':
		show_tab(cv, (cv->tab + 1) % DL_MAX(browse_count(cv->s->browse), 1));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'f':
	case '*':
		toggle_favourite(cv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'r':
		browse_refresh(cv->s->browse, cv->tab, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'R':
		browse_refresh_all(cv->s->browse, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		break;
	}
	r = widget_key(table_widget(cv->t), key);
	if (r & WIDGET_ACTIVATE) {
		open_selected(cv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return r;
}

static const char *catview_hints(struct view *v)
{
	(void)v;
	return "\u2190/\u2192 catalog  / search  Enter launch form  f favourite  r refresh";
}

static void catview_enter(struct view *v)
{
	struct catview *cv = (struct catview *)v;

	catsession_ensure_fetched(cv->s);
	if (!cv->entered) {
		/* with a sandbox running, its own charts are what works at once */
		cv->entered = true;
		for (size_t i = 0; cv->s->sandbox_url && i < browse_count(cv->s->browse); i++)
			if (catalog_is_sandbox(browse_at(cv->s->browse, i)->cat)) {
				cv->tab = i;
				break;
			}
	}
	rebuild(cv);
	update_tabs(cv);
}

static void catview_free(struct view *v)
{
	struct catview *cv = (struct catview *)v;

	tabs_free(cv->tabs);
	table_free(cv->t);
	cv->s->catalog_view = NULL;
	catsession_unref(cv->s);
	free(cv);
}

static const struct app_keyhelp catview_help[] = {
	{ "\u2190 \u2192 Tab", "previous / next catalog" },
	{ "\u2191 \u2193 PgUp PgDn", "move in the list" },
	{ "/", "search names, descriptions and keywords (Enter keeps, Esc clears)" },
	{ "Enter", "open the chart's launch form" },
	{ "f *", "star or unstar the chart (favourites come first)" },
	{ "r R", "fetch this catalog / every catalog again" },
	{ ":saved", "saved launches; :account the values forms are filled with" },
	{ NULL, NULL },
};

static const struct view_ops catview_ops = {
	.name = "catalog",
	.title = "Catalog",
	.draw = catview_draw,
	.key = catview_key,
	.hints = catview_hints,
	.help = catview_help,
	.enter = catview_enter,
	.free = catview_free,
};

struct view *catview_new(struct catsession *s)
{
	struct catview *cv = xcalloc(1, sizeof(*cv));

	cv->v.ops = &catview_ops;
	cv->s = s;
	cv->t = table_new(columns, NCOLS);
	table_set_empty_text(cv->t, "loading the catalog...");
	{
		size_t n = browse_count(s->browse);
		const char **titles = xcalloc(n ? n : 1, sizeof(*titles));

		for (size_t i = 0; i < n; i++)
			titles[i] = catalog_name_for(browse_at(s->browse, i)->cat, NULL);
		cv->tabs = tabs_new(titles, n);
		free(titles);
	}
	return &cv->v;
}
