/*
 * detail.c: one service's pane with tabs (see detail.h).
 *
 * Layout of the body: a header row (name, chart, status), the tab bar,
 * the current tab's widget, and a status row (what the tab's keys do,
 * the log stream's state).  Each tab's content is rebuilt from the
 * models when their generation moved, but a text tab is only replaced
 * when its text changed, so a pod event does not scroll the notes back
 * to the top.  The log stream runs while the Logs tab is shown and stops
 * when the view is left (nothing streams out of sight).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"
#include "datalab/model/cluster.h"
#include "datalab/model/logstream.h"
#include "datalab/ui/ageclock.h"
#include "datalab/ui/detail.h"
#include "datalab/ui/dialog.h"
#include "datalab/ui/table.h"
#include "datalab/ui/tabs.h"
#include "datalab/ui/textview.h"
#include "datalab/ui/theme.h"

static const char *const tab_titles[DETAIL_NTABS] = {
	"Overview", "Pods", "Events", "Logs", "YAML", "Commands",
};

enum { P_NAME, P_STATUS, P_READY, P_RESTARTS, P_NODE, P_GPU, P_AGE, P_WHY, P_COUNT };
static const struct table_column pod_cols[P_COUNT] = {
	[P_NAME] = { "POD", 10, 0, 1, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[P_STATUS] = { "STATUS", 8, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
	[P_READY] = { "READY", 5, 7, 0, WIDGET_ALIGN_LEFT, 0 },
	[P_RESTARTS] = { "RESTARTS", 3, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_NUMERIC },
	[P_NODE] = { "NODE", 6, 24, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
	[P_GPU] = { "GPU", 3, 4, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_WIDE },
	[P_AGE] = { "AGE", 4, 8, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_AGE },
	[P_WHY] = { "WHY", 6, 0, 2, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
};

enum { E_AGE, E_TYPE, E_REASON, E_OBJECT, E_COUNT_, E_MESSAGE, E_NCOLS };
static const struct table_column event_cols[E_NCOLS] = {
	[E_AGE] = { "LAST SEEN", 5, 9, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_AGE },
	[E_TYPE] = { "TYPE", 6, 7, 0, WIDGET_ALIGN_LEFT, 0 },
	[E_REASON] = { "REASON", 6, 20, 0, WIDGET_ALIGN_LEFT, 0 },
	[E_OBJECT] = { "OBJECT", 8, 32, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
	[E_COUNT_] = { "COUNT", 3, 5, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_WIDE },
	[E_MESSAGE] = { "MESSAGE", 10, 0, 3, WIDGET_ALIGN_LEFT, 0 },
};

static const struct table_column command_cols[2] = {
	{ "FOR", 8, 14, 0, WIDGET_ALIGN_LEFT, 0 },
	{ "COMMAND (y or Enter copies it)", 20, 0, 1, WIDGET_ALIGN_LEFT, 0 },
};

struct detail {
	struct view v;
	struct shell *sh;
	char *ns, *release;	/* the service shown */
	struct tabs *tabs;
	struct textview *overview, *logs, *yaml;
	struct table *pods, *events, *commands;
	uint64_t svc_gen, cl_gen;
	bool built;
	char *overview_text;	/* what the overview shows, to skip equal rebuilds */
	char *first_secret;	/* for Y */
	char *log_pod;		/* the pod whose log is (to be) shown */
	struct logstream *log;
	bool log_live;
	char log_state[200];
	char *saved_search;
	char hints[200];
	struct ageclock ages;	/* the Pods and Events tabs' ages */
};

static struct detail *dt_of(struct view *v)
{
	return (struct detail *)v;
}

static const struct service *service_of(struct detail *d)
{
	struct live *s = shell_live(d->sh);

	return d->release ? services_find(live_services(s), d->ns, d->release) : NULL;
}

/* --- Overview --- */

static void add_secret_lines(struct detail *d, const char *text, bool *any)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), a, b;

		if (service_secret_in_line(p, n, &a, &b)) {
			char *before = xstrndup(p, a), *secret = xstrndup(p + a, b - a), *after = xstrndup(p + b, n - b);

			textview_add_secret(d->overview, before, secret, after);
			if (!*any) {
				free(d->first_secret);
				d->first_secret = xstrdup(secret);
				*any = true;
			}
			free(before);
			free(secret);
			free(after);
		} else {
			textview_add_line(d->overview, p, n);
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* mask_values: a copy of the values with secret-looking keys' strings
 * replaced, so the YAML shown never holds them. */
static void mask_values(cJSON *v)
{
	cJSON *c;

	cJSON_ArrayForEach(c, v) {
		if (c->string && cJSON_IsString(c) && service_key_is_secret(c->string))
			cJSON_SetValuestring(c, "********");
		else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			mask_values(c);
	}
}

static void build_overview(struct detail *d, const struct service *svc)
{
	struct buf b;
	bool any = false;

	buf_init(&b, 0);
	if (!svc) {
		buf_addf(&b, "The release '%s' is gone from '%s'.", d->release ? d->release : "",
			 d->ns ? d->ns : live_namespace(shell_live(d->sh)));
	} else {
		buf_addf(&b, "Release     %s\n", svc->name);
		if (svc->friendly_name)
			buf_addf(&b, "Name        %s\n", svc->friendly_name);
		buf_addf(&b, "Chart       %s %s", svc->chart_name ? svc->chart_name : "?",
			 svc->chart_version ? svc->chart_version : "");
		if (svc->app_version)
			buf_addf(&b, " (app %s)", svc->app_version);
		buf_addf(&b, "\nNamespace   %s\nStatus      %s\nHelm        revision %ld, %s\n", svc->namespace,
			 svc->state_detail ? svc->state_detail : svc->state_text, svc->revision, svc->helm_status ? svc->helm_status : "?");
		if (svc->suspendable)
			buf_addf(&b, "Pause       global.suspend=%s\n", svc->suspended ? "true" : "false");
		for (size_t i = 0; i < svc->nurls; i++)
			buf_addf(&b, "%s %s\n", i == 0 ? "URL        " : "           ", svc->urls[i]);
		if (svc->nurls == 0)
			buf_adds(&b, "URL         (none: no ingress)\n");
		buf_addf(&b, "\n-- Notes --\n%s\n", svc->notes && *svc->notes ? svc->notes : "(the chart has no NOTES)");
		buf_adds(&b, "\n-- Launch values --\n");
		if (svc->values && cJSON_GetArraySize(svc->values) > 0) {
			cJSON *copy = cJSON_Duplicate(svc->values, 1);

			mask_values(copy);
			yaml_emit(&b, copy);
			cJSON_Delete(copy);
		} else {
			buf_adds(&b, "(chart defaults)\n");
		}
	}
	if (d->overview_text && strcmp(d->overview_text, b.data) == 0) {
		buf_release(&b);
		return;
	}
	free(d->overview_text);
	d->overview_text = buf_take(&b, NULL);
	textview_clear(d->overview);
	add_secret_lines(d, d->overview_text, &any);
	if (!any) {
		free(d->first_secret);
		d->first_secret = NULL;
	}
}

/* --- Pods, Events, Commands --- */

static void build_pods(struct detail *d, const struct service *svc)
{
	struct cluster *cl = live_cluster(shell_live(d->sh));

	table_begin(d->pods);
	for (size_t i = 0; svc && i < svc->npods; i++) {
		const struct service_pod *p = &svc->pods[i];
		const struct cluster_pod *cp = cluster_pod_find(cl, svc->namespace, p->name);
		const char *status = cp ? cp->status : p->phase;
		size_t r = table_add_row(d->pods, p->name);
		char tmp[64];

		table_set_cell(d->pods, r, P_NAME, p->name, -1);
		table_set_cell(d->pods, r, P_STATUS, status, shell_pod_role(status));
		snprintf(tmp, sizeof(tmp), "%d/%d", p->ready, p->containers);
		table_set_cell(d->pods, r, P_READY, tmp, p->ready < p->containers ? THEME_PENDING : -1);
		snprintf(tmp, sizeof(tmp), "%d", p->restarts);
		table_set_cell(d->pods, r, P_RESTARTS, tmp, p->restarts ? THEME_PENDING : -1);
		table_set_cell(d->pods, r, P_NODE, p->node ? p->node : "-", THEME_DIM);
		snprintf(tmp, sizeof(tmp), "%d", p->gpus);
		table_set_cell(d->pods, r, P_GPU, p->gpus ? tmp : "", -1);
		shell_age(tmp, sizeof(tmp), p->created);
		table_set_cell(d->pods, r, P_AGE, tmp, THEME_DIM);
		table_set_cell_key(d->pods, r, P_AGE, -(double)p->created);
		table_set_cell(d->pods, r, P_WHY, p->reason ? p->reason : "", THEME_PENDING);
	}
	table_set_empty_text(d->pods, svc && svc->state == SERVICE_PAUSED ? "paused: no pods" : "no pods");
	table_commit(d->pods);
}

static void build_events(struct detail *d, const struct service *svc)
{
	struct cluster *cl = live_cluster(shell_live(d->sh));

	table_begin(d->events);
	for (size_t i = 0; svc && i < cluster_event_count(cl); i++) {
		const struct cluster_event *e = cluster_event_at(cl, i);
		int role = e->warning ? THEME_PENDING : -1;
		char tmp[64];
		size_t r;

		if (!service_owns_object(svc, e->ns, e->object_name))
			continue;
		r = table_add_row(d->events, e->uid);
		shell_age(tmp, sizeof(tmp), e->when);
		table_set_cell(d->events, r, E_AGE, tmp, e->warning ? role : THEME_DIM);
		table_set_cell_key(d->events, r, E_AGE, -(double)e->when);
		table_set_cell(d->events, r, E_TYPE, e->type, role);
		table_set_cell(d->events, r, E_REASON, e->reason, role);
		table_set_cell(d->events, r, E_OBJECT, e->object, role);
		snprintf(tmp, sizeof(tmp), "%d", e->count);
		table_set_cell(d->events, r, E_COUNT_, tmp, role);
		table_set_cell(d->events, r, E_MESSAGE, e->message, role);
	}
	table_set_empty_text(d->events, "no events (the API keeps them for an hour)");
	table_commit(d->events);
}

static void build_commands(struct detail *d, const struct service *svc)
{
	static const char *const actions[] = { "status", "pods", "logs", "exec", "pause", "resume", "restart", "delete" };
	struct live *s = shell_live(d->sh);

	table_begin(d->commands);
	for (size_t i = 0; svc && i < DL_ARRAY_LEN(actions); i++) {
		char *line;
		size_t r;

		if ((str_eq(actions[i], "pause") && svc->state == SERVICE_PAUSED) ||
		    (str_eq(actions[i], "resume") && svc->state != SERVICE_PAUSED))
			continue;
		line = live_action_line(s, actions[i], svc->namespace, svc->name, d->log_pod);
		r = table_add_row(d->commands, actions[i]);
		table_set_cell(d->commands, r, 0, actions[i], THEME_DIM);
		table_set_cell(d->commands, r, 1, line, -1);
		free(line);
	}
	table_commit(d->commands);
}

struct yaml_ctx {
	struct buf *b;
};

static void yaml_one(const char *resource, const cJSON *obj, void *arg)
{
	struct yaml_ctx *c = arg;

	buf_addf(c->b, "--- # %s/%s\n", resource, json_str(obj, "metadata.name", "?"));
	yaml_emit(c->b, obj);
}

static void build_yaml(struct detail *d)
{
	struct buf b;
	struct yaml_ctx c = { &b };

	buf_init(&b, 0);
	if (d->release)
		live_each_release_object(shell_live(d->sh), d->ns, d->release, yaml_one, &c);
	textview_set_text(d->yaml, b.len ? b.data : "(no live objects carry app.kubernetes.io/instance=this release)");
	buf_release(&b);
}

static void rebuild(struct detail *d)
{
	struct live *s = shell_live(d->sh);
	const struct service *svc = service_of(d);

	build_overview(d, svc);
	build_pods(d, svc);
	build_events(d, svc);
	build_commands(d, svc);
	if (!d->log_pod && svc && svc->npods > 0)
		d->log_pod = xstrdup(svc->pods[0].name);
	d->svc_gen = services_generation(live_services(s));
	d->cl_gen = cluster_generation(live_cluster(s));
	d->built = true;
}

/* --- Logs --- */

static void log_data(void *arg, const char *p, size_t n)
{
	struct detail *d = arg;

	textview_append(d->logs, p, n);
	app_view_dirty(&d->v);
}

static void log_end(void *arg, const struct error *err)
{
	struct detail *d = arg;
	char line[800];

	textview_flush(d->logs);
	d->log_live = false;
	snprintf(line, sizeof(line), "-- the log stream of %.200s ended%s%s (R reconnects) --", d->log_pod ? d->log_pod : "",
		 err->code != ERR_NONE ? ": " : "", err->code != ERR_NONE ? err->msg : "");
	textview_add_line(d->logs, line, strlen(line));
	app_view_dirty(&d->v);
}

static void log_stop(struct detail *d)
{
	logstream_free(d->log);
	d->log = NULL;
	d->log_live = false;
}

static void log_start(struct detail *d)
{
	struct live *s = shell_live(d->sh);
	struct logstream_opts o = { 0 };
	struct error err;

	log_stop(d);
	textview_clear(d->logs);
	if (!d->log_pod) {
		textview_set_empty_text(d->logs, "no pod to read logs from");
		return;
	}
	o.namespace = d->ns ? d->ns : live_namespace(s);
	o.pod = d->log_pod;
	o.follow = true;
	o.tail_lines = 5000;
	textview_set_empty_text(d->logs, "waiting for the first line...");
	textview_set_follow(d->logs, true);
	d->log = logstream_start(live_kube(s), &o, log_data, log_end, d, &err);
	if (!d->log) {
		char line[800];

		snprintf(line, sizeof(line), "-- unable to read the log of %.200s: %s --", d->log_pod, err.msg);
		textview_add_line(d->logs, line, strlen(line));
		return;
	}
	d->log_live = true;
}

static void save_answer(struct app *a, struct dialog *dlg, int button, void *arg)
{
	struct detail *d = arg;
	struct error err;

	if (button != 0)
		return;
	if (textview_save(d->logs, dialog_input(dlg), &err) < 0)
		app_toast(a, APP_ERROR, "%s", err.msg);
	else
		app_toast(a, APP_INFO, "saved %zu lines to %s", textview_line_count(d->logs), dialog_input(dlg));
}

static void ask_save(struct detail *d)
{
	static const char *const buttons[] = { "Save", "Cancel", NULL };
	char path[300];
	struct dialog_opts o = {
		.title = "Save the log", .message = "Every line kept (up to 100,000), to a file (mode 0600):",
		.buttons = buttons, .cancel_button = 1, .input_prompt = "File: ", .input_text = path,
	};

	snprintf(path, sizeof(path), "%s.log", d->log_pod ? d->log_pod : "log");
	app_dialog(d->v.app, dialog_new(&o), save_answer, d);
}

/* --- the view --- */

static struct widget *content(struct detail *d)
{
	switch (tabs_current(d->tabs)) {
	case DETAIL_PODS:
		return table_widget(d->pods);
	case DETAIL_EVENTS:
		return table_widget(d->events);
	case DETAIL_LOGS:
		return textview_widget(d->logs);
	case DETAIL_YAML:
		return textview_widget(d->yaml);
	case DETAIL_COMMANDS:
		return table_widget(d->commands);
	default:
		return textview_widget(d->overview);
	}
}

static struct textview *content_text(struct detail *d)
{
	switch (tabs_current(d->tabs)) {
	case DETAIL_OVERVIEW:
		return d->overview;
	case DETAIL_LOGS:
		return d->logs;
	case DETAIL_YAML:
		return d->yaml;
	default:
		return NULL;
	}
}

static void tab_entered(struct detail *d)
{
	size_t t = tabs_current(d->tabs);

	if (!d->built)
		rebuild(d);	/* the log needs its pod */
	if (t == DETAIL_LOGS && !d->log_live && textview_line_count(d->logs) == 0)
		log_start(d);
	if (t == DETAIL_YAML)
		build_yaml(d);
}

static const char *status_text(struct detail *d)
{
	switch (tabs_current(d->tabs)) {
	case DETAIL_OVERVIEW:
		return textview_revealed(d->overview) ? "v hides secrets  Y copies the first secret  y copies the URL"
						      : "secrets masked: v reveals them  Y copies the first secret  y copies the URL";
	case DETAIL_PODS:
		return "Enter logs  x restart  t terminal";
	case DETAIL_EVENTS:
		return "newest first; warnings highlighted";
	case DETAIL_LOGS:
		snprintf(d->log_state, sizeof(d->log_state), "%s %s  %zu lines%s  f %s  w wrap  / search  s save  G end",
			 d->log_pod ? d->log_pod : "", d->log_live ? "(live)" : "(ended)", textview_line_count(d->logs),
			 textview_following(d->logs) ? "" : "  PAUSED",
			 textview_following(d->logs) ? "pauses" : "follows");
		if (!textview_following(d->logs) && textview_unseen(d->logs)) {
			size_t n = strlen(d->log_state);

			snprintf(d->log_state + n, sizeof(d->log_state) - n, "  (%zu new)", textview_unseen(d->logs));
		}
		return d->log_state;
	case DETAIL_YAML:
		return "live objects of the release  R refreshes  / search";
	default:
		return "y or Enter copies the command";
	}
}

/* ages_tick: an age on screen moved: redraw, if still on screen */
static void ages_tick(void *arg)
{
	struct detail *d = arg;

	if (d->v.app && app_current(d->v.app) == &d->v)
		app_view_dirty(&d->v);
}

/* arm_ages: the youngest age on the Pods or Events tab times the next
 * redraw; other tabs show none */
static void arm_ages(struct detail *d)
{
	double key;
	bool any = false;

	if (tabs_current(d->tabs) == DETAIL_PODS)
		any = table_shown_key_min(d->pods, P_AGE, &key);
	else if (tabs_current(d->tabs) == DETAIL_EVENTS)
		any = table_shown_key_min(d->events, E_AGE, &key);
	d->ages.loop = app_loop(d->v.app);
	ageclock_arm(&d->ages, any ? (int64_t)-key : 0);
}

static void dt_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct detail *d = dt_of(v);
	struct live *s = shell_live(d->sh);
	const struct service *svc;
	struct widget *c = content(d);
	char head[512];

	if (!d->built || d->svc_gen != services_generation(live_services(s)) ||
	    d->cl_gen != cluster_generation(live_cluster(s)))
		rebuild(d);
	svc = service_of(d);
	if (svc)
		snprintf(head, sizeof(head), "%s  %s %s  %s", service_display_name(svc), svc->chart_name ? svc->chart_name : "",
			 svc->chart_version ? svc->chart_version : "", svc->state_text);
	else
		snprintf(head, sizeof(head), "%s  (gone)", d->release ? d->release : "");
	shell_draw_remote(win, 0, 0, cols, head,
			  theme_attr(svc ? (enum theme_role)shell_service_role(svc->state) : THEME_DIM) | A_BOLD);
	if (rows < 4)
		return;
	widget_place(tabs_widget(d->tabs), 1, 0, 1, cols);
	widget_draw(tabs_widget(d->tabs), win, true);
	if (c->y != 2 || c->rows != rows - 3 || c->cols != cols)
		widget_place(c, 2, 0, rows - 3, cols);
	widget_draw(c, win, true);
	shell_draw_remote(win, rows - 1, 0, cols, status_text(d), theme_attr(THEME_DIM));
	arm_ages(d);
}

static void on_search(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct detail *d = dt_of(v);
	struct textview *tv = content_text(d);

	if (!tv)
		return;
	textview_set_search(tv, ev == APP_PROMPT_CANCEL ? d->saved_search : text);
}

static void copy_command(struct detail *d)
{
	const char *id = table_selected_id(d->commands);
	long pos = table_selected(d->commands);

	if (id && pos >= 0)
		app_copy(d->v.app, id, table_cell_text(d->commands, (size_t)pos, 1));
}

static unsigned tab_key(struct detail *d, int key)
{
	struct widget *c = content(d);
	const char *pod = tabs_current(d->tabs) == DETAIL_PODS ? table_selected_id(d->pods) : NULL;
	unsigned r;

	switch (tabs_current(d->tabs)) {
	case DETAIL_OVERVIEW:
		if (key == 'v') {
			textview_set_reveal(d->overview, !textview_revealed(d->overview));
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		break;
	case DETAIL_PODS:
		if ((key == '\n' || key == '\r' || key == KEY_ENTER || key == 'l') && pod) {
			detail_open(&d->v, d->ns, d->release, DETAIL_LOGS, pod);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		if (key == 'x' && pod) {
			shell_restart_pod(d->sh, d->ns, pod);
			return WIDGET_HANDLED;
		}
		if (key == 't' && pod) {
			shell_terminal(d->sh, d->ns, d->release, pod);
			return WIDGET_HANDLED;
		}
		break;
	case DETAIL_LOGS:
		if (key == 'f') {
			textview_set_follow(d->logs, !textview_following(d->logs));
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		if (key == 's') {
			ask_save(d);
			return WIDGET_HANDLED;
		}
		if (key == 'R') {
			log_start(d);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		break;
	case DETAIL_YAML:
		if (key == 'R') {
			build_yaml(d);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		break;
	case DETAIL_COMMANDS:
		if (key == 'y' || key == '\n' || key == '\r' || key == KEY_ENTER) {
			copy_command(d);
			return WIDGET_HANDLED;
		}
		break;
	default:
		break;
	}
	r = widget_key(c, key);
	return r;
}

static unsigned dt_key(struct view *v, int key)
{
	struct detail *d = dt_of(v);
	struct textview *tv = content_text(d);
	unsigned r;

	r = tab_key(d, key);
	if (r)
		return r | WIDGET_DIRTY;
	r = widget_key(tabs_widget(d->tabs), key);
	if (r & WIDGET_CHANGED) {
		tab_entered(d);
		return r | WIDGET_DIRTY;
	}
	switch (key) {
	case '/':
		if (!tv)
			return WIDGET_HANDLED;
		free(d->saved_search);
		d->saved_search = xstrdup(textview_search(tv));
		app_prompt(v->app, v, "/", textview_search(tv), on_search);
		return WIDGET_HANDLED;
	case 27:
		if (tv && textview_search(tv)[0]) {
			textview_set_search(tv, NULL);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		return 0;
	case 'd':
		shell_confirm_delete(d->sh, d->ns, d->release);
		return WIDGET_HANDLED;
	case 'p':
		shell_toggle_pause(d->sh, d->ns, d->release);
		return WIDGET_HANDLED;
	case 'e':
		shell_rename(d->sh, d->ns, d->release);
		return WIDGET_HANDLED;
	case 'y':
		shell_copy_url(d->sh, d->ns, d->release);
		return WIDGET_HANDLED;
	case 'Y':
		if (d->first_secret)
			app_copy(v->app, "secret", d->first_secret);
		else
			app_toast(v->app, APP_WARN, "no password or token in the notes");
		return WIDGET_HANDLED;
	case 't':
		shell_terminal(d->sh, d->ns, d->release, d->log_pod);
		return WIDGET_HANDLED;
	default:
		return 0;
	}
}

static unsigned dt_mouse(struct view *v, const MEVENT *ev)
{
	struct detail *d = dt_of(v);
	unsigned r = widget_mouse(tabs_widget(d->tabs), ev);

	if (r & WIDGET_CHANGED) {
		tab_entered(d);
		return r | WIDGET_DIRTY;
	}
	if (r)
		return r;
	r = widget_mouse(content(d), ev);
	if ((r & WIDGET_ACTIVATE) && tabs_current(d->tabs) == DETAIL_PODS && table_selected_id(d->pods))
		detail_open(v, d->ns, d->release, DETAIL_LOGS, table_selected_id(d->pods));
	return r | WIDGET_DIRTY;
}

static const char *dt_hints(struct view *v)
{
	(void)v;
	return "Tab next tab  Esc back  d delete  p pause  e rename  y URL  Y secret  t terminal";
}

static void dt_leave(struct view *v)
{
	struct detail *d = dt_of(v);

	/* nothing streams, nor ticks, out of sight */
	ageclock_stop(&d->ages);
	if (d->log_live) {
		log_stop(d);
		textview_clear(d->logs);
	}
}

static void dt_enter(struct view *v)
{
	struct detail *d = dt_of(v);

	d->built = false;
	tab_entered(d);
}

static void dt_free(struct view *v)
{
	struct detail *d = dt_of(v);

	log_stop(d);
	ageclock_release(&d->ages);
	tabs_free(d->tabs);
	textview_free(d->overview);
	textview_free(d->logs);
	textview_free(d->yaml);
	table_free(d->pods);
	table_free(d->events);
	table_free(d->commands);
	free(d->ns);
	free(d->release);
	free(d->overview_text);
	free(d->first_secret);
	free(d->log_pod);
	free(d->saved_search);
	free(d);
}

static const struct app_keyhelp dt_help[] = {
	{ "Tab S-Tab", "next / previous tab (Left and Right too); a click on a tab opens it" },
	{ "Esc", "back to My services" },
	{ "d p e", "delete, pause or resume, rename the service" },
	{ "y Y", "copy its URL, copy the first password or token of its notes (OSC 52)" },
	{ "v", "Overview: reveal or hide the secrets of the notes" },
	{ "Enter x t", "Pods: follow the pod's logs, restart it, open a terminal" },
	{ "f G", "Logs: pause or follow, jump to the end (and follow)" },
	{ "/ n N", "search the text, next and previous match" },
	{ "w < >", "wrap long lines; scroll sideways when not wrapping" },
	{ "s R", "Logs: save to a file, reconnect; YAML: R refreshes" },
	{ NULL, NULL },
};

static const struct view_ops dt_ops = {
	.name = "service",
	.title = "Service",
	.draw = dt_draw,
	.key = dt_key,
	.hints = dt_hints,
	.help = dt_help,
	.enter = dt_enter,
	.free = dt_free,
	.mouse = dt_mouse,
	.hidden = true,
	.leave = dt_leave,
};

struct view *detail_new(struct shell *sh)
{
	struct detail *d = xcalloc(1, sizeof(*d));

	d->v.ops = &dt_ops;
	d->sh = sh;
	d->tabs = tabs_new(tab_titles, DETAIL_NTABS);
	d->overview = textview_new(0);
	d->logs = textview_new(100000);
	d->yaml = textview_new(0);
	textview_set_wrap(d->yaml, false);
	ageclock_init(&d->ages, NULL, ages_tick, d);
	d->pods = table_new(pod_cols, P_COUNT);
	d->events = table_new(event_cols, E_NCOLS);
	d->commands = table_new(command_cols, 2);
	widget_set_focus(table_widget(d->pods), true);
	widget_set_focus(table_widget(d->events), true);
	widget_set_focus(table_widget(d->commands), true);
	shell_watch(sh, &d->v, LIVE_SERVICES | LIVE_CLUSTER | LIVE_NAMESPACE);
	return &d->v;
}

void detail_open(struct view *v, const char *ns, const char *release, enum detail_tab tab, const char *pod)
{
	struct detail *d = dt_of(v);
	bool same = d->release && str_eq(d->release, release) && str_eq(d->ns, ns);

	if (!same) {
		free(d->ns);
		d->ns = xstrdup(ns);
		free(d->release);
		d->release = xstrdup(release);
		free(d->overview_text);
		d->overview_text = NULL;
		textview_set_reveal(d->overview, false);
	}
	if (!same || (pod && !str_eq(pod, d->log_pod))) {
		log_stop(d);
		textview_clear(d->logs);
		free(d->log_pod);
		d->log_pod = pod ? xstrdup(pod) : NULL;
	}
	tabs_select(d->tabs, tab);
	d->built = false;
	if (app_current(v->app) == v)
		tab_entered(d);
	else
		app_show(v->app, "service");
	app_view_dirty(v);
}
