/*
 * shell.c: live connection to frame glue and the shared service actions (see
 * shell.h).
 *
 * Data flow: the live connection calls on_change for every model change; the
 * shell updates the title bar texts when they differ (so a pod event
 * does not redraw the title) and marks the current view dirty when it
 * watches that kind of change.  Actions open a dialog whose answer lands
 * in a callback holding the release name in the shell (one dialog at a
 * time), then run through the live connection and report with a toast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/model/cluster.h"
#include "datalab/ui/dialog.h"
#include "datalab/ui/shell.h"
#include "datalab/ui/terminals.h"
#include "datalab/ui/theme.h"

#define SHELL_MAX_WATCH 16

struct shell {
	struct app *app;
	struct live *s;
	struct {
		struct view *v;
		unsigned mask;
	} watch[SHELL_MAX_WATCH];
	int nwatch;
	char quota[256], fresh[512];
	char all_err[256];	/* the all-namespaces refusal last said, "" none */
	bool stale;
	char *pending;		/* the release (or pod) the open dialog is about */
	char *pending_ns;	/* its namespace */
	char *pending_text;	/* a command offered for copying */
};

struct app *shell_app(const struct shell *sh)
{
	return sh->app;
}

struct live *shell_live(const struct shell *sh)
{
	return sh->s;
}

void shell_watch(struct shell *sh, struct view *v, unsigned mask)
{
	if (sh->nwatch < SHELL_MAX_WATCH) {
		sh->watch[sh->nwatch].v = v;
		sh->watch[sh->nwatch].mask = mask;
		sh->nwatch++;
	}
}

static void update_title(struct shell *sh, unsigned what)
{
	if (what & LIVE_NAMESPACE) {
		const char *why = live_all_error(sh->s);

		/* the current namespace stays the app's (launches go there) */
		app_set_namespace(sh->app, live_namespace(sh->s));
		/* a refusal to list across namespaces is said once, in words */
		if (why && strcmp(why, sh->all_err) != 0)
			app_toast(sh->app, APP_WARN, "%s", why);
		str_copy(sh->all_err, why ? why : "", sizeof(sh->all_err));
	}
	if (what & (LIVE_CLUSTER | LIVE_NAMESPACE)) {
		char q[256];

		/* across namespaces one namespace's quota would mislead */
		if (live_all_namespaces(sh->s))
			str_copy(q, "all namespaces", sizeof(q));
		else
			cluster_quota_summary(live_cluster(sh->s), live_namespace(sh->s), q, sizeof(q));
		if (strcmp(q, sh->quota) != 0) {
			str_copy(sh->quota, q, sizeof(sh->quota));
			app_set_quota(sh->app, q[0] ? q : NULL);
		}
	}
	if (what & (LIVE_FRESHNESS | LIVE_NAMESPACE)) {
		char f[512];
		bool stale;

		live_freshness(sh->s, f, sizeof(f), &stale);
		if (strcmp(f, sh->fresh) != 0 || stale != sh->stale) {
			str_copy(sh->fresh, f, sizeof(sh->fresh));
			sh->stale = stale;
			app_set_freshness(sh->app, f, stale);
		}
	}
}

static void on_change(void *arg, unsigned what)
{
	struct shell *sh = arg;
	struct view *cur = app_current(sh->app);

	update_title(sh, what);
	for (int i = 0; i < sh->nwatch; i++)
		if (sh->watch[i].v == cur && (sh->watch[i].mask & what))
			app_view_dirty(cur);
}

/* --- :ns --- */

static void ns_command(struct app *a, const char *args, void *arg)
{
	struct shell *sh = arg;
	struct error err;

	if (!*args) {
		app_toast(a, APP_INFO, "namespace '%s'; :ns NAME switches (Tab lists the ones you may see)",
			  live_namespace(sh->s));
		return;
	}
	if (live_set_namespace(sh->s, args, &err) < 0) {
		app_toast(a, APP_ERROR, "%s", err.msg);
		return;
	}
	/* naming a namespace leaves all-namespaces, as k9s's :ns does */
	if (live_all_namespaces(sh->s))
		live_set_all_namespaces(sh->s, false);
	app_toast(a, APP_INFO, "namespace '%s'", args);
	app_view_dirty(app_current(a));
}

static const char *ns_complete(struct app *a, const char *prefix, size_t nth, void *arg)
{
	struct shell *sh = arg;
	struct cluster *c = live_cluster(sh->s);
	size_t n = strlen(prefix), k = 0;

	(void)a;
	for (size_t i = 0; i < cluster_namespace_count(c); i++) {
		const char *ns = cluster_namespace_at(c, i);

		if (strncmp(ns, prefix, n) == 0 && k++ == nth)
			return ns;
	}
	if (cluster_namespace_count(c) > 0)
		return NULL;
	/* the list is not ours to see: offer the ones used this run */
	for (size_t i = 0; live_recent_namespace(sh->s, i); i++) {
		const char *ns = live_recent_namespace(sh->s, i);

		if (strncmp(ns, prefix, n) == 0 && k++ == nth)
			return ns;
	}
	return NULL;
}

struct shell *shell_attach(struct app *a, struct live *s)
{
	struct shell *sh = xcalloc(1, sizeof(*sh));

	sh->app = a;
	sh->s = s;
	live_on_change(s, on_change, sh);
	app_add_command(a, "ns", "switch namespace (:ns user-bob; Tab lists those you may see)", ns_command,
			ns_complete, sh);
	update_title(sh, LIVE_NAMESPACE);
	return sh;
}

void shell_free(struct shell *sh)
{
	if (!sh)
		return;
	live_on_change(sh->s, NULL, NULL);
	free(sh->pending);
	free(sh->pending_ns);
	free(sh->pending_text);
	free(sh);
}

/* --- shared words and colours --- */

int shell_service_role(enum service_state st)
{
	switch (st) {
	case SERVICE_RUNNING:
		return THEME_OK;
	case SERVICE_STARTING:
	case SERVICE_INSTALLING:
	case SERVICE_PENDING:
		return THEME_PENDING;
	case SERVICE_CRASHLOOP:
	case SERVICE_FAILED:
		return THEME_FAILED;
	case SERVICE_PAUSED:
	case SERVICE_COMPLETED:
		return THEME_PAUSED;
	default:
		return THEME_DIM;
	}
}

int shell_pod_role(const char *status)
{
	static const char *const bad[] = {
		"CrashLoopBackOff", "Error", "Failed", "ImagePullBackOff", "ErrImagePull", "OOMKilled",
		"CreateContainerConfigError", "InvalidImageName", "Evicted",
	};

	if (!status)
		return THEME_DIM;
	if (str_eq(status, "Running"))
		return THEME_OK;
	if (str_eq(status, "Completed") || str_eq(status, "Succeeded"))
		return THEME_PAUSED;
	if (str_eq(status, "Terminating"))
		return THEME_DIM;
	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++)
		if (str_eq(status, bad[i]) || (str_has_prefix(status, "Init:") && str_eq(status + 5, bad[i])))
			return THEME_FAILED;
	return THEME_PENDING;
}

void shell_age(char *dst, size_t size, int64_t since)
{
	int64_t now = time(NULL);

	if (since <= 0) {
		snprintf(dst, size, "-");
		return;
	}
	time_age(dst, size, now > since ? now - since : 0);
}

void shell_gpu_cell(char *dst, size_t size, int gpus, int util)
{
	if (gpus <= 0)
		snprintf(dst, size, "%s", "");
	else if (util < 0)
		snprintf(dst, size, "%d", gpus);
	else
		snprintf(dst, size, "%d %d%%", gpus, util);
}

void shell_draw_remote(WINDOW *win, int y, int x, int cols, const char *text, attr_t attr)
{
	char *clean = utf8_sanitize_dup(text ? text : "", 0);

	widget_draw_text(win, y, x, cols, clean, attr, 0);
	free(clean);
}

/* --- actions --- */

static void action_done(void *arg, const struct error *err, const char *what)
{
	struct shell *sh = arg;

	app_busy(sh->app, -1);
	if (err->code == ERR_NONE)
		app_toast(sh->app, APP_INFO, "%s", what);
	else
		app_toast(sh->app, APP_ERROR, "%s failed: %s", what, err->msg);
	app_view_dirty(app_current(sh->app));
}

static void set_pending(struct shell *sh, const char *ns, const char *name, char *text)
{
	free(sh->pending);
	free(sh->pending_ns);
	free(sh->pending_text);
	sh->pending = name ? xstrdup(name) : NULL;
	sh->pending_ns = ns ? xstrdup(ns) : NULL;
	sh->pending_text = text;
}

void shell_copy_url(struct shell *sh, const char *ns, const char *release)
{
	const struct service *svc = services_find(live_services(sh->s), ns, release);

	if (!svc || svc->nurls == 0) {
		app_toast(sh->app, APP_WARN, "'%s' has no URL (no ingress)", release);
		return;
	}
	app_copy(sh->app, "URL", svc->urls[0]);
}

static void delete_answer(struct app *a, struct dialog *d, int button, void *arg)
{
	struct shell *sh = arg;
	struct error err;

	(void)d;
	if (button != 0 || !sh->pending)
		return;
	if (live_delete_service(sh->s, sh->pending_ns, sh->pending, action_done, sh, &err) < 0) {
		app_toast(a, APP_ERROR, "unable to delete '%s': %s", sh->pending, err.msg);
		return;
	}
	app_busy(a, 1);
	app_toast(a, APP_INFO, "deleting %s: %s", sh->pending, sh->pending_text ? sh->pending_text : "");
}

void shell_confirm_delete(struct shell *sh, const char *ns, const char *release)
{
	static const char *const buttons[] = { "Delete", "Cancel", NULL };
	const struct service *svc = services_find(live_services(sh->s), ns, release);
	char *line = live_action_line(sh->s, "delete", ns, release, NULL);
	char *msg;
	struct dialog_opts o = {
		.buttons = buttons, .default_button = 1, .cancel_button = 1, .danger = true,
	};
	char title[300];

	if (!svc) {
		free(line);
		return;
	}
	msg = xasprintf("%s\n\nremoves the release '%s' (%s %s) from '%s': its %zu pod(s)%s%s, services and "
			"ingresses, secrets and config maps.  Volumes claimed by a StatefulSet stay.",
			line, release, svc->chart_name ? svc->chart_name : "chart",
			svc->chart_version ? svc->chart_version : "", svc->namespace, svc->npods,
			svc->nworkloads ? ", its " : "", svc->nworkloads ? (svc->workloads[0].kind) : "");
	snprintf(title, sizeof(title), "Delete %s?", service_display_name(svc));
	o.title = title;
	o.message = msg;
	set_pending(sh, ns, release, line);
	app_dialog(sh->app, dialog_new(&o), delete_answer, sh);
	free(msg);
}

void shell_toggle_pause(struct shell *sh, const char *ns, const char *release)
{
	const struct service *svc = services_find(live_services(sh->s), ns, release);
	struct error err;
	bool pause;
	char *line;

	if (!svc)
		return;
	pause = svc->state != SERVICE_PAUSED;
	line = live_action_line(sh->s, pause ? "pause" : "resume", ns, release, NULL);
	if (live_pause_service(sh->s, ns, release, pause, action_done, sh, &err) < 0) {
		app_toast(sh->app, APP_ERROR, "unable to %s '%s': %s", pause ? "pause" : "resume", release, err.msg);
	} else {
		app_busy(sh->app, 1);
		app_toast(sh->app, APP_INFO, "%s %s: %s", pause ? "pausing" : "resuming", release, line);
	}
	free(line);
}

static void rename_answer(struct app *a, struct dialog *d, int button, void *arg)
{
	struct shell *sh = arg;
	struct error err;

	if (button != 0 || !sh->pending)
		return;
	if (live_rename_service(sh->s, sh->pending_ns, sh->pending, dialog_input(d), action_done, sh, &err) < 0)
		app_toast(a, APP_ERROR, "unable to rename '%s': %s", sh->pending, err.msg);
	else
		app_busy(a, 1);
}

void shell_rename(struct shell *sh, const char *ns, const char *release)
{
	static const char *const buttons[] = { "Rename", "Cancel", NULL };
	const struct service *svc = services_find(live_services(sh->s), ns, release);
	char msg[400];
	struct dialog_opts o = {
		.title = "Rename", .message = msg, .buttons = buttons, .cancel_button = 1, .input_prompt = "Name: ",
	};

	if (!svc)
		return;
	snprintf(msg, sizeof(msg), "The name Onyxia shows for the release '%s' (kept in the Secret "
		 "sh.onyxia.release.v1.%s).", release, release);
	o.input_text = service_display_name(svc);
	set_pending(sh, ns, release, NULL);
	app_dialog(sh->app, dialog_new(&o), rename_answer, sh);
}

static void terminal_answer(struct app *a, struct dialog *d, int button, void *arg)
{
	struct shell *sh = arg;

	(void)d;
	if (button == 0 && sh->pending_text)
		app_copy(a, "command", sh->pending_text);
}

/* terminal_dialog: the kubectl line to copy, when no terminal can open
 * here. */
static void terminal_dialog(struct shell *sh, const char *ns, const char *release, const char *pod)
{
	static const char *const buttons[] = { "Copy", "Close", NULL };
	char *line = live_action_line(sh->s, "exec", ns, release, pod);
	char *msg = xasprintf("Run this in another terminal to open a shell in the service:\n\n%s", line);
	struct dialog_opts o = {
		.title = "Terminal", .message = msg, .buttons = buttons, .cancel_button = 1,
	};

	set_pending(sh, ns, release, line);
	app_dialog(sh->app, dialog_new(&o), terminal_answer, sh);
	free(msg);
}

void shell_terminal(struct shell *sh, const char *ns, const char *release, const char *pod)
{
	const struct service *svc = services_find(live_services(sh->s), ns, release);
	struct error err;

	/* the service's first running pod, else its first one */
	for (size_t i = 0; !pod && svc && i < svc->npods; i++)
		if (str_eq(svc->pods[i].phase, "Running"))
			pod = svc->pods[i].name;
	if (!pod && svc && svc->npods > 0)
		pod = svc->pods[0].name;
	if (!pod) {
		app_toast(sh->app, APP_WARN, "'%s' has no pod to open a terminal in", release);
		return;
	}
	if (terminals_open_exec(sh->app, live_kube(sh->s), ns, pod, NULL, NULL, &err) < 0)
		terminal_dialog(sh, ns, release, pod);
}

static void restart_answer(struct app *a, struct dialog *d, int button, void *arg)
{
	struct shell *sh = arg;
	struct error err;

	(void)d;
	if (button != 0 || !sh->pending)
		return;
	if (live_delete_pod(sh->s, sh->pending_ns, sh->pending, action_done, sh, &err) < 0)
		app_toast(a, APP_ERROR, "unable to restart '%s': %s", sh->pending, err.msg);
	else
		app_busy(a, 1);
}

void shell_restart_pod(struct shell *sh, const char *ns, const char *pod)
{
	static const char *const buttons[] = { "Restart", "Cancel", NULL };
	char *line = live_action_line(sh->s, "restart", ns, "", pod);
	char *msg = xasprintf("%s\n\ndeletes the pod '%s'; its StatefulSet, Deployment or Job starts a new one.",
			      line, pod);
	struct dialog_opts o = {
		.title = "Restart pod?", .message = msg, .buttons = buttons, .default_button = 1, .cancel_button = 1,
		.danger = true,
	};

	set_pending(sh, ns, pod, line);
	app_dialog(sh->app, dialog_new(&o), restart_answer, sh);
	free(msg);
}
