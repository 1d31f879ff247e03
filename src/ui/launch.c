/*
 * launch.c: the "launch" view: one chart's launch form, what it would run,
 * and helm running it.
 *
 * Data flow: launchview_open records what to open and waits, if needed,
 * for the catalog's index (the browse listener calls back); then the
 * chart archive is fetched (helm/repo, cached by digest), a fresh user
 * context is built, and catalog/launch.h makes the form, onto which a
 * launcher link's or a saved launch's values are applied.  Launching
 * checks the form (refusing with the schema's message and selecting the
 * field), spawns `helm upgrade --install` through helm/runner with the
 * values in a private 0600 file, and streams helm's output into a pane;
 * on success the launch is saved, Onyxia's release record is written
 * (catalog/record.h: friendly name, catalog, owner; a failure is only a
 * toast, the service runs anyway) and the services view is shown.  The
 * pane shows helm's words as it wrote them, sanitized.  The text panes
 * (command, diff, link, README) are in launch_panes.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/launch.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/helm/runner.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/textview.h"
#include "datalab/ui/theme.h"
#include "launch-internal.h"

static void request_clear(struct launchview *lv)
{
	free(lv->catalog_id);
	free(lv->chart);
	free(lv->version);
	free(lv->name);
	free(lv->link);
	cJSON_Delete(lv->values);
	lv->catalog_id = lv->chart = lv->version = lv->name = lv->link = NULL;
	lv->values = NULL;
}

static void set_error(struct launchview *lv, const char *fmt, ...) DL_PRINTF(2, 3);

static void set_error(struct launchview *lv, const char *fmt, ...)
{
	va_list ap;
	char raw[512];
	char *clean;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	clean = utf8_sanitize_dup(raw, 0);
	str_copy(lv->err, clean, sizeof(lv->err));
	free(clean);
	lv->state = LV_ERROR;
	lv->auto_launch = false;
	app_view_dirty(&lv->v);
}

/* ---- launching ---- */

static void record_done(void *arg, const struct error *err)
{
	struct launchview *lv = arg;
	char *line;

	lv->record = NULL;
	if (err->code != ERR_NONE) {
		line = xasprintf("release record not written: %s", err->msg);
		app_toast(lv->v.app, APP_WARN, "%s", line);
	} else {
		line = xstrdup("release record written (friendly name, catalog, owner)");
	}
	textview_add_line(lv->out, line, strlen(line));
	free(line);
	app_view_dirty(&lv->v);
}

/* write_record: Onyxia's record of the release helm just made. */
static void write_record(struct launchview *lv, const char *release)
{
	struct record r;
	struct error err;

	if (!lv->launch || !lv->s->kube) {
		log_info("launch: no cluster client: no release record for %s", release);
		return;
	}
	launch_record(lv->launch, &r);
	r.release = release;
	lv->record = record_write_start(lv->s->kube, &r, record_done, lv, &err);
	if (!lv->record)
		app_toast(lv->v.app, APP_WARN, "release record not written: %s", err.msg);
}

static void out_line(struct runner *r, int stream, const char *line, size_t n, void *arg)
{
	struct launchview *lv = arg;

	(void)r;
	/* stdout is the release as JSON (--output json): its notes come at the end */
	if (stream == 1 && n > 0 && (line[0] == '{' || line[0] == '[' || line[0] == ' ' || line[0] == '}'))
		return;
	textview_add_line(lv->out, line, n);
	app_view_dirty(&lv->v);
}

static void out_done(struct runner *r, const struct runner_result *res, void *arg)
{
	struct launchview *lv = arg;
	struct app *app = lv->v.app;
	struct error err;

	app_busy(app, -1);
	if (res->status == 0 && res->err.code == ERR_NONE) {
		/* res is the runner's: copy what outlives runner_free */
		char *release = xstrdup(res->release.name ? res->release.name : launch_release(lv->launch));
		char *line = xasprintf("launched %s (%s)", release,
				       res->release.status ? res->release.status : "deployed");
		struct view *sv;

		textview_add_line(lv->out, "", 0);
		textview_add_line(lv->out, line, strlen(line));
		free(line);
		if (res->release.notes && *res->release.notes) {
			textview_add_line(lv->out, "", 0);
			textview_add_line(lv->out, "NOTES:", 6);
			lvpane_add_masked(lv, lv->out, res->release.notes);
		}
		if (lv->launch && launch_save(lv->launch, &lv->s->saved, &err) == 0)
			catsession_store_saved(lv->s);
		write_record(lv, release);
		app_toast(app, APP_INFO, "%s launched", release);
		runner_free(r);
		lv->runner = NULL;
		app_view_dirty(&lv->v);
		/* the new service shows in My services as soon as its pods do;
		 * `:services NAME` selects it there */
		sv = app_find_view(app, "services");
		if (sv && app_show(app, "services") == 0 && sv->ops->args)
			sv->ops->args(sv, release);
		free(release);
		return;
	}
	textview_add_line(lv->out, "", 0);
	{
		char *line = xasprintf("helm failed (exit status %d): %s", res->status, res->err.msg);

		textview_add_line(lv->out, line, strlen(line));
		free(line);
	}
	app_toast(app, APP_ERROR, "launch failed: %s", res->err.msg);
	runner_free(r);
	lv->runner = NULL;
	app_view_dirty(&lv->v);
}

static void start_launch(struct launchview *lv)
{
	struct runner_cbs cbs = { out_line, out_done };
	struct form_field *bad;
	struct runner_cmd *cmd;
	struct error err;
	struct buf b;

	if (lv->state != LV_FORM || !lv->launch)
		return;
	if (lv->runner) {
		app_toast(lv->v.app, APP_WARN, "helm is still running for this launch");
		return;
	}
	if (lv->record) {
		app_toast(lv->v.app, APP_WARN, "the last launch's release record is still being written");
		return;
	}
	if (launch_check(lv->launch, &bad, &err) < 0) {
		if (bad)
			formview_select(lv->fv, bad);
		formview_set_message(lv->fv, err.msg, true);
		lv->pane = PANE_NONE;
		app_toast(lv->v.app, APP_ERROR, "not launched: %s", err.msg);
		return;
	}
	if (!(cmd = launch_runner_cmd(lv->launch, false, &err))) {
		app_toast(lv->v.app, APP_ERROR, "not launched: %s", err.msg);
		return;
	}
	textview_clear(lv->out);
	free(lv->out_title);
	lv->out_title = xasprintf("Launching %s: the equivalent commands, then helm's output (Esc: the form)",
				  launch_release(lv->launch));
	textview_set_follow(lv->out, true);
	buf_init(&b, 0);
	launch_command(lv->launch, &b);
	lvpane_add_masked(lv, lv->out, b.data);
	buf_release(&b);
	textview_add_line(lv->out, "", 0);
	{
		char *line = xasprintf("$ %s", runner_cmd_line(cmd));

		textview_add_line(lv->out, line, strlen(line));
		free(line);
	}
	lv->runner = runner_start(lv->s->loop, cmd, &cbs, lv, &err);
	lv->pane = PANE_OUTPUT;
	if (!lv->runner) {
		textview_add_line(lv->out, err.msg, strlen(err.msg));
		app_toast(lv->v.app, APP_ERROR, "cannot run helm: %s", err.msg);
		return;
	}
	app_busy(lv->v.app, 1);
	app_toast(lv->v.app, APP_INFO, "launching %s...", launch_release(lv->launch));
}

/* ---- loading ---- */

static void on_chart(struct repo_fetch *f, struct repo_chart_result *res, void *arg)
{
	struct launchview *lv = arg;
	struct launch_spec spec = { 0 };
	struct browse_catalog *bc;
	struct error err;
	cJSON *ctx;

	(void)f;
	lv->fetch = NULL;
	if (!res->chart) {
		set_error(lv, "cannot get %s %s: %s", lv->chart, lv->version ? lv->version : "", res->err.msg);
		return;
	}
	bc = browse_find(lv->s->browse, lv->catalog_id, NULL);
	ctx = catsession_context(lv->s);
	spec.catalog_id = lv->catalog_id;
	spec.repo_url = bc ? bc->url : NULL;
	spec.chart = res->chart;
	spec.name = lv->name;
	spec.timeout = bc ? bc->cat->timeout : NULL;
	if (bc) {
		spec.ca_file = catalog_is_sandbox(bc->cat) ? lv->s->sandbox_ca : bc->cat->ca_file;
		spec.insecure_tls = bc->cat->skip_tls_verify;
	}
	spec.ctx = ctx;
	spec.registry = lv->s->registry;
	spec.namespace = catsession_namespace(lv->s);
	spec.kube_context = app_context(lv->v.app);
	spec.kubeconfig = lv->s->kubeconfig;
	launch_free(lv->launch);
	lv->launch = launch_new(&spec, &err);
	cJSON_Delete(ctx);
	chart_free(res->chart);	/* the launch copied what it needs */
	res->chart = NULL;
	if (!lv->launch) {
		set_error(lv, "%s", err.msg);
		return;
	}
	if (lv->values && launch_apply_values(lv->launch, lv->values, &err) < 0)
		app_toast(lv->v.app, APP_WARN, "saved values: %s", err.msg);
	if (lv->link) {
		struct launcher_link link = { 0 };

		if (launcher_parse(lv->link, &link, &err) < 0 || launch_apply_link(lv->launch, &link, &err) < 0)
			app_toast(lv->v.app, APP_WARN, "launcher link: %s", err.msg);
		launcher_link_release(&link);
	}
	formview_set_form(lv->fv, launch_form(lv->launch));
	lv->state = LV_FORM;
	lv->pane = PANE_NONE;
	if (res->from_cache)
		log_info("launch: %s %s from the chart cache", lv->chart, launch_version(lv->launch));
	if (lv->auto_launch) {
		lv->auto_launch = false;
		start_launch(lv);
	}
	app_view_dirty(&lv->v);
}

static void try_load(struct launchview *lv)
{
	struct browse_catalog *bc;
	const struct index_chart *ic;
	const struct index_version *iv;
	struct repo_opts o;
	struct error err;
	size_t pos;

	if (!lv->catalog_id)
		return;
	bc = browse_find(lv->s->browse, lv->catalog_id, &pos);
	if (!bc) {
		set_error(lv, "no catalog named '%s' is configured (see :catalog)", lv->catalog_id);
		return;
	}
	switch (bc->state) {
	case BROWSE_IDLE:
		lv->state = LV_WAIT_INDEX;
		browse_refresh(lv->s->browse, pos, false);
		return;
	case BROWSE_LOADING:
		lv->state = LV_WAIT_INDEX;
		return;
	case BROWSE_FAILED:
		set_error(lv, "catalog '%s': %s", lv->catalog_id, bc->err.msg);
		return;
	default:
		break;
	}
	ic = index_find(bc->idx, lv->chart);
	if (!ic) {
		set_error(lv, "catalog '%s' has no chart '%s'", lv->catalog_id, lv->chart);
		return;
	}
	if (ic->library) {
		set_error(lv, "'%s' is a library chart: it cannot be launched", lv->chart);
		return;
	}
	iv = index_find_version(ic, lv->version);
	if (!iv) {
		set_error(lv, "'%s' has no version '%s' (the latest is %s)", lv->chart, lv->version,
			  index_latest(ic)->version);
		return;
	}
	if (!lv->version)
		lv->version = xstrdup(iv->version);
	browse_repo_opts(lv->s->browse, bc, &o);
	lv->fetch = repo_fetch_chart(lv->s->loop, lv->s->http, bc->url, iv, &o, on_chart, lv, &err);
	if (!lv->fetch) {
		set_error(lv, "cannot get %s: %s", lv->chart, err.msg);
		return;
	}
	lv->state = LV_FETCHING;
	app_view_dirty(&lv->v);
}

void launchview_catalog_changed(struct view *v, size_t i)
{
	struct launchview *lv = (struct launchview *)v;
	struct browse_catalog *bc = browse_at(lv->s->browse, i);

	if (lv->state == LV_WAIT_INDEX && bc && str_eq(bc->cat->id, lv->catalog_id) &&
	    bc->state != BROWSE_LOADING)
		try_load(lv);
}

void launchview_open(struct view *v, const struct launch_request *rq)
{
	struct launchview *lv = (struct launchview *)v;

	if (lv->runner) {
		app_toast(v->app, APP_WARN, "helm is still running: wait for it before opening another form");
		app_show(v->app, "launch");
		return;
	}
	repo_fetch_cancel(lv->fetch);
	lv->fetch = NULL;
	formview_set_form(lv->fv, NULL);
	launch_free(lv->launch);
	lv->launch = NULL;
	request_clear(lv);
	textview_clear(lv->text);
	lv->catalog_id = xstrdup(rq->catalog_id ? rq->catalog_id : "");
	lv->chart = xstrdup(rq->chart ? rq->chart : "");
	lv->version = rq->version && *rq->version ? xstrdup(rq->version) : NULL;
	lv->name = rq->name ? xstrdup(rq->name) : NULL;
	lv->link = rq->link ? xstrdup(rq->link) : NULL;
	lv->values = rq->values ? cJSON_Duplicate(rq->values, true) : NULL;
	lv->auto_launch = rq->auto_launch;
	lv->err[0] = '\0';
	lv->state = LV_WAIT_INDEX;
	lv->pane = PANE_NONE;
	app_show(v->app, "launch");
	try_load(lv);
	app_view_dirty(v);
}

/* ---- drawing ---- */

static void draw_header(struct launchview *lv, WINDOW *win, int cols)
{
	char line[600];
	struct buf b;

	buf_init(&b, 0);
	if (lv->launch) {
		size_t bad = formview_invalid_count(lv->fv);

		snprintf(line, sizeof(line), "%s %s  \u00b7  \"%.100s\"  \u00b7  catalog %s  \u00b7  release %s  \u00b7  ns %s",
			 launch_chart_name(lv->launch), launch_version(lv->launch), launch_name(lv->launch),
			 launch_catalog_id(lv->launch), launch_release(lv->launch),
			 launch_namespace(lv->launch) ? launch_namespace(lv->launch) : "(default)");
		utf8_sanitize(&b, line, strlen(line), 0);
		widget_draw_text(win, 0, 0, cols, b.data, theme_attr(THEME_TABLE_HEADER), 0);
		buf_reset(&b);
		if (bad)
			snprintf(line, sizeof(line), "%zu field%s not valid: launching is refused until fixed", bad,
				 bad == 1 ? " is" : "s are");
		else
			snprintf(line, sizeof(line), "%s%s", launch_description(lv->launch),
				 launch_schema_inferred(lv->launch) ? "  (no values.schema.json: fields from values.yaml)" : "");
		utf8_sanitize(&b, line, strlen(line), 0);
		widget_draw_text(win, 1, 0, cols, b.data, theme_attr(bad ? THEME_FAILED : THEME_DIM), 0);
	} else {
		snprintf(line, sizeof(line), "%s %s", lv->chart ? lv->chart : "", lv->version ? lv->version : "");
		utf8_sanitize(&b, line, strlen(line), 0);
		widget_draw_text(win, 0, 0, cols, b.data, theme_attr(THEME_TABLE_HEADER), 0);
	}
	buf_release(&b);
}

/* The command bar's `helm install` line: what launching runs, in short
 * (the release record's kubectl line follows it). */
static void draw_command_line(struct launchview *lv, WINDOW *win, int y, int cols)
{
	struct buf b;
	const char *last, *p;

	buf_init(&b, 0);
	launch_command(lv->launch, &b);
	last = str_has_prefix(b.data, "helm install ") ? b.data : NULL;
	for (p = b.data; (p = strstr(p, "\nhelm install ")) != NULL; p++)
		last = p + 1;
	if (last) {
		char *line = xstrndup(last, strcspn(last, "\n"));
		char *shown = utf8_sanitize_dup(line, 0);

		widget_draw_text(win, y, 0, cols, shown, theme_attr(THEME_DIM), 0);
		free(shown);
		free(line);
	}
	buf_release(&b);
}

static void launchview_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct launchview *lv = (struct launchview *)v;
	int body = rows - 3;

	lv->body_rows = body;
	draw_header(lv, win, cols);
	if (rows < 5)
		return;
	switch (lv->state) {
	case LV_EMPTY:
		widget_draw_text(win, rows / 2, 0, cols, "Pick a chart in :catalog (or :saved) to open its launch form.",
				 theme_attr(THEME_DIM), WIDGET_ALIGN_CENTER);
		return;
	case LV_WAIT_INDEX:
	case LV_FETCHING: {
		char line[300];
		char *c = utf8_sanitize_dup(lv->chart, 0), *cat = utf8_sanitize_dup(lv->catalog_id, 0);

		snprintf(line, sizeof(line), lv->state == LV_WAIT_INDEX ? "Reading catalog %s..." :
			 "Fetching %s from catalog %s...", lv->state == LV_WAIT_INDEX ? cat : c, cat);
		widget_draw_text(win, rows / 2, 0, cols, line, theme_attr(THEME_PENDING), WIDGET_ALIGN_CENTER);
		free(c);
		free(cat);
		return;
	}
	case LV_ERROR:
		widget_draw_text(win, rows / 2 - 1, 0, cols, "This launch form cannot be opened:",
				 theme_attr(THEME_DIM), WIDGET_ALIGN_CENTER);
		widget_draw_text(win, rows / 2, 0, cols, lv->err, theme_attr(THEME_FAILED), WIDGET_ALIGN_CENTER);
		return;
	case LV_FORM:
		break;
	}
	if (lv->pane != PANE_NONE) {
		bool text = lv->pane == PANE_TEXT;
		struct textview *tv = text ? lv->text : lv->out;
		const char *title = text ? lv->text_title : lv->out_title;

		widget_draw_text(win, 2, 0, cols, title ? title : "", theme_attr(THEME_TABLE_HEADER), 0);
		widget_place(textview_widget(tv), 3, 0, body - 1, cols);
		widget_draw(textview_widget(tv), win, true);
	} else {
		widget_place(formview_widget(lv->fv), 2, 0, body, cols);
		widget_draw(formview_widget(lv->fv), win, true);
	}
	draw_command_line(lv, win, rows - 1, cols);
}

/* ---- keys ---- */

static void on_rename(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct launchview *lv = (struct launchview *)v;
	struct error err;

	if (ev != APP_PROMPT_DONE || !lv->launch)
		return;
	if (launch_set_release(lv->launch, text, &err) < 0)
		app_toast(v->app, APP_ERROR, "%s", err.msg);
}

/* Onyxia's friendly name: "My services" shows it, :saved keeps it. */
static void on_friendly(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct launchview *lv = (struct launchview *)v;

	if (ev != APP_PROMPT_DONE || !lv->launch)
		return;
	if (!*text || strlen(text) > 200) {
		app_toast(v->app, APP_ERROR, "a friendly name has 1 to 200 characters");
		return;
	}
	launch_set_name(lv->launch, text);
}

/* Another version of the same chart, keeping what the user edited. */
static void on_version(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct launchview *lv = (struct launchview *)v;
	struct launch_request rq = { 0 };
	cJSON *edited;
	char *cat, *chart, *name;

	if (ev != APP_PROMPT_DONE || !lv->launch || !*text || str_eq(text, launch_version(lv->launch)))
		return;
	{
		struct browse_catalog *bc = browse_find(lv->s->browse, launch_catalog_id(lv->launch), NULL);
		const struct index_chart *ic = bc && bc->idx ? index_find(bc->idx, launch_chart_name(lv->launch)) : NULL;

		if (ic && !index_find_version(ic, text)) {
			app_toast(v->app, APP_ERROR, "'%s' has no version '%s'", launch_chart_name(lv->launch), text);
			return;
		}
	}
	edited = form_values(launch_form(lv->launch), FORM_VALUES_EDITED);
	cat = xstrdup(launch_catalog_id(lv->launch));
	chart = xstrdup(launch_chart_name(lv->launch));
	name = xstrdup(launch_name(lv->launch));
	rq.catalog_id = cat;
	rq.chart = chart;
	rq.version = text;
	rq.name = name;
	rq.values = edited;
	launchview_open(v, &rq);
	cJSON_Delete(edited);
	free(cat);
	free(chart);
	free(name);
}

/* "Version (newest: a, b, c): ", from the catalog's index. */
static char *versions_prompt(struct launchview *lv)
{
	struct browse_catalog *bc = browse_find(lv->s->browse, launch_catalog_id(lv->launch), NULL);
	const struct index_chart *ic = bc && bc->idx ? index_find(bc->idx, launch_chart_name(lv->launch)) : NULL;
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "Version");
	for (size_t i = 0; ic && i < ic->nversions && i < 6; i++)
		buf_addf(&b, "%s%s", i ? ", " : " (newest first: ", ic->versions[i].version);
	if (ic && ic->nversions > 6)
		buf_adds(&b, ", ...");
	buf_adds(&b, ic && ic->nversions ? "): " : ": ");
	return buf_take(&b, NULL);
}

static unsigned form_keys(struct launchview *lv, int key)
{
	struct error err;
	struct form_field *sel;

	switch (key) {
	case 'l':
	case KEY_F(5):
		start_launch(lv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'c':
		lvpane_show_command(lv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'd':
		lvpane_show_diff(lv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'r':
		lvpane_show_readme(lv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'x':
		lvpane_show_link(lv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'o':
		if (textview_line_count(lv->out) == 0)
			return WIDGET_HANDLED;
		lv->pane = PANE_OUTPUT;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'p':
		formview_set_reveal(lv->fv, !formview_reveal(lv->fv));
		textview_set_reveal(lv->text, formview_reveal(lv->fv));
		textview_set_reveal(lv->out, formview_reveal(lv->fv));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 's':
		if (launch_save(lv->launch, &lv->s->saved, &err) < 0) {
			app_toast(lv->v.app, APP_ERROR, "%s", err.msg);
		} else {
			catsession_store_saved(lv->s);
			app_toast(lv->v.app, APP_INFO, "saved as '%s' (see :saved)", launch_name(lv->launch));
		}
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'n':
		app_prompt(lv->v.app, &lv->v, "Release name: ", launch_release(lv->launch), on_rename);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'N':
		app_prompt(lv->v.app, &lv->v, "Friendly name: ", launch_name(lv->launch), on_friendly);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'V': {
		char *prompt = versions_prompt(lv);

		app_prompt(lv->v.app, &lv->v, prompt, launch_version(lv->launch), on_version);
		free(prompt);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	case 'y': {
		struct buf b;

		buf_init(&b, 0);
		launch_command(lv->launch, &b);
		app_copy(lv->v.app, "the commands", b.data);
		buf_release(&b);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	case 'u':
		sel = formview_selected(lv->fv);
		if (sel)
			form_reset(launch_form(lv->launch), sel);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'U':
		form_reset(launch_form(lv->launch), NULL);
		app_toast(lv->v.app, APP_INFO, "every field is back to its first value");
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		return 0;
	}
}

static unsigned launchview_key(struct view *v, int key)
{
	struct launchview *lv = (struct launchview *)v;
	unsigned r;

	if (lv->state != LV_FORM)
		return 0;
	if (lv->pane != PANE_NONE) {
		struct textview *tv = lv->pane == PANE_TEXT ? lv->text : lv->out;

		if (key == 27 || key == 'q') {
			lv->pane = PANE_NONE;
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		if (key == 'y') {
			const char *what = lv->pane == PANE_TEXT ? lv->text_copy : NULL;
			struct buf b;

			buf_init(&b, 0);
			if (!what) {
				launch_command(lv->launch, &b);
				what = b.data;
			}
			app_copy(lv->v.app, lv->text_copy && lv->pane == PANE_TEXT ? "the text" : "the commands", what);
			buf_release(&b);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		if (key == 'l' || key == KEY_F(5) || key == 'c' || key == 'd' || key == 'r' || key == 'x' || key == 'o' ||
		    key == 'p')
			return form_keys(lv, key);
		r = widget_key(textview_widget(tv), key);
		if (!r && (key == ':' || key == '?'))
			return 0;	/* the app's command line and help */
		return r ? r : WIDGET_HANDLED;
	}
	if (formview_editing(lv->fv))
		return widget_key(formview_widget(lv->fv), key);
	r = widget_key(formview_widget(lv->fv), key);
	if (r & WIDGET_HANDLED)
		return r;
	return form_keys(lv, key);
}

static const char *launchview_hints(struct view *v)
{
	struct launchview *lv = (struct launchview *)v;

	if (lv->state != LV_FORM)
		return "Esc back";
	if (lv->pane != PANE_NONE)
		return "\u2191\u2193 scroll  y copy  p secrets  l launch  Esc the form";
	if (formview_editing(lv->fv))
		return "Enter keep  Esc drop  Tab complete";
	return "Enter edit  \u2190\u2192 adjust  l launch  c command  d diff  x link  s save  Esc back";
}

static void launchview_free(struct view *v)
{
	struct launchview *lv = (struct launchview *)v;

	if (lv->runner) {
		runner_free(lv->runner);
		app_busy(v->app, -1);
	}
	record_write_cancel(lv->record);
	repo_fetch_cancel(lv->fetch);
	formview_free(lv->fv);
	launch_free(lv->launch);
	textview_free(lv->text);
	textview_free(lv->out);
	free(lv->text_title);
	free(lv->text_copy);
	free(lv->out_title);
	request_clear(lv);
	lv->s->launch_view = NULL;
	catsession_unref(lv->s);
	free(lv);
}

static const struct app_keyhelp launchview_help[] = {
	{ "\u2191 \u2193 Tab", "move between fields (Tab: the next editable one)" },
	{ "Enter", "edit the field (Enter keeps, Esc drops); fold a section" },
	{ "Space \u2190 \u2192", "toggle a switch, step a slider, cycle a list" },
	{ "l F5", "launch: helm upgrade --install, its output in a pane" },
	{ "c", "the equivalent commands (helm repo add, values.yaml, helm install)" },
	{ "d", "what differs from the chart's defaults" },
	{ "x", "this form as a launcher link (datalab launch 'LINK')" },
	{ "r", "the chart's README" },
	{ "s", "save this launch (see :saved)" },
	{ "n", "rename the release" },
	{ "N", "the friendly name My services shows (a link's name=)" },
	{ "V", "another version of the chart (the values you edited are kept)" },
	{ "y", "copy the equivalent commands (or the link shown) to the clipboard" },
	{ "u U", "reset this field / every field" },
	{ "p", "show or hide passwords" },
	{ "o", "helm's output of the last launch" },
	{ NULL, NULL },
};

static const struct view_ops launchview_ops = {
	.name = "launch",
	.title = "Launch",
	.draw = launchview_draw,
	.key = launchview_key,
	.hints = launchview_hints,
	.help = launchview_help,
	.free = launchview_free,
	.hidden = true,		/* opened from :catalog, :saved or :launch LINK */
};

struct view *launchview_new(struct catsession *s)
{
	struct launchview *lv = xcalloc(1, sizeof(*lv));

	lv->v.ops = &launchview_ops;
	lv->s = s;
	lv->fv = formview_new(NULL);
	lv->text = textview_new(20000);
	lv->out = textview_new(20000);
	textview_set_wrap(lv->text, true);
	textview_set_wrap(lv->out, true);
	return &lv->v;
}
