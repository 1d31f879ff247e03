/*
 * live_actions.c: what the user does to a service (see live.h):
 * helm through helm/runner, or API calls through kube_call.
 *
 * Each action is a struct action in the live connection's list, holding its
 * runner or its in-flight calls (a scale touches every workload of the
 * release: the action ends when the last call does, with the first
 * error).  It reports once through its callback, then is unlinked and
 * freed; live_free cancels what is left without calling back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/record.h"
#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/model/live.h"
#include "live-internal.h"

#define ACTION_MAX_CALLS 16

struct action {
	struct live *s;
	live_done_fn *fn;
	void *arg;
	char *what;
	struct runner *run;
	struct kube_call *calls[ACTION_MAX_CALLS];
	int ncalls, pending;
	struct error err;
	struct action *next;
};

static struct action *action_new(struct live *s, live_done_fn *fn, void *arg, char *what)
{
	struct action *a = xcalloc(1, sizeof(*a));

	a->s = s;
	a->fn = fn;
	a->arg = arg;
	a->what = what;
	error_clear(&a->err);
	a->next = s->actions;
	s->actions = a;
	return a;
}

static void action_unlink(struct action *a)
{
	for (struct action **p = &a->s->actions; *p; p = &(*p)->next) {
		if (*p == a) {
			*p = a->next;
			break;
		}
	}
}

static void action_free(struct action *a)
{
	free(a->what);
	free(a);
}

/* action_finish: reports and frees (the runner, if any, is the caller's
 * to free: runner_free is allowed from its on_done). */
static void action_finish(struct action *a)
{
	struct live *s = a->s;

	action_unlink(a);
	log_info("action %s: %s", a->what, a->err.code == ERR_NONE ? "done" : a->err.msg);
	if (a->fn)
		a->fn(a->arg, &a->err, a->what);
	action_free(a);
	live_changed(s, LIVE_SERVICES);
}

void live_actions_free(struct live *s)
{
	while (s->actions) {
		struct action *a = s->actions;

		s->actions = a->next;
		runner_free(a->run);
		for (int i = 0; i < a->ncalls; i++)
			kube_cancel(a->calls[i]);
		action_free(a);
	}
}

int live_actions_running(const struct live *s)
{
	int n = 0;

	for (const struct action *a = s->actions; a; a = a->next)
		n++;
	return n;
}

/* --- helm --- */

static void helm_done(struct runner *r, const struct runner_result *res, void *arg)
{
	struct action *a = arg;

	if (res->err.code != ERR_NONE)
		a->err = res->err;
	a->run = NULL;
	runner_free(r);
	action_finish(a);
}

static int run_helm(struct live *s, struct runner_cmd *cmd, live_done_fn *fn, void *arg, char *what,
		    struct error *err)
{
	static const struct runner_cbs cbs = { .on_done = helm_done };
	struct action *a;

	log_info("running: %s", runner_cmd_line(cmd));
	a = action_new(s, fn, arg, what);
	a->run = runner_start(s->loop, cmd, &cbs, a, err);
	if (!a->run) {
		action_unlink(a);
		action_free(a);
		return -1;
	}
	return 0;
}

/* target_in: where helm acts on a release of ns. */
static struct helm_target target_in(const struct live *s, const char *ns)
{
	struct helm_target t = live_helm_target(s);

	t.namespace = live_ns(s, ns);
	return t;
}

int live_delete_service(struct live *s, const char *ns, const char *release, live_done_fn *fn, void *arg,
			   struct error *err)
{
	struct helm_target t = target_in(s, ns);
	struct runner_cmd *cmd = runner_cmd_release(RUNNER_UNINSTALL, &t, release, err);

	if (!cmd)
		return -1;
	return run_helm(s, cmd, fn, arg, xasprintf("deleted %s", release), err);
}

void live_set_chart_resolver(struct live *s, live_chart_fn *fn, void *arg)
{
	s->chart_fn = fn;
	s->chart_arg = arg;
}

/* suspend_cmd: the helm upgrade that pauses or resumes svc, or NULL when
 * its chart cannot be found again. */
static struct runner_cmd *suspend_cmd(struct live *s, const struct service *svc, bool pause, struct error *err)
{
	struct helm_target t = target_in(s, svc->namespace);
	struct runner_install in = { 0 };
	struct runner_cmd *cmd;
	char *chart = NULL, *repo = NULL;

	if (!s->chart_fn || s->chart_fn(s->chart_arg, svc, &chart, &repo) < 0 || !chart) {
		free(chart);
		free(repo);
		error_set(err, ERR_NOT_FOUND, "no catalog serves chart '%s'", svc->chart_name ? svc->chart_name : "?");
		return NULL;
	}
	in.release = svc->name;
	in.chart = chart;
	in.repo_url = repo;
	in.version = svc->chart_version;
	cmd = runner_cmd_install(pause ? RUNNER_SUSPEND : RUNNER_RESUME, &t, &in, err);
	free(chart);
	free(repo);
	return cmd;
}

/* --- API calls --- */

static void call_done(struct kube_call *c, cJSON *body, const struct error *err, void *arg)
{
	struct action *a = arg;

	(void)body;
	for (int i = 0; i < a->ncalls; i++)
		if (a->calls[i] == c)
			a->calls[i] = NULL;
	if (err->code != ERR_NONE && a->err.code == ERR_NONE)
		a->err = *err;
	if (--a->pending == 0)
		action_finish(a);
}

static int add_call(struct action *a, const char *method, const char *path, const char *ctype, const struct buf *body,
		    struct error *err)
{
	struct kube_req rq = {
		.method = method,
		.path = path,
		.content_type = ctype,
		.body = body ? body->data : NULL,
		.body_len = body ? body->len : 0,
		.timeout_ms = 30000,
	};
	struct kube_call *c;

	if (a->ncalls == ACTION_MAX_CALLS)
		return error_set(err, ERR_LIMIT, "too many objects in one action");
	c = kube_call(a->s->kube, &rq, call_done, a, err);
	if (!c)
		return -1;
	a->calls[a->ncalls++] = c;
	a->pending++;
	return 0;
}

/* start_calls: an action whose calls were added; a failure to start the
 * first one is returned, a later one is reported through fn. */
static int calls_started(struct action *a, int rc, struct error *err)
{
	if (a->pending == 0) {
		action_unlink(a);
		action_free(a);
		return rc < 0 ? -1 : error_set(err, ERR_INVALID, "nothing to do");
	}
	if (rc < 0 && a->err.code == ERR_NONE)
		a->err = *err;
	return 0;
}

static int scale_service(struct live *s, const struct service *svc, bool pause, live_done_fn *fn, void *arg,
			 struct error *err)
{
	struct action *a;
	int rc = 0;

	if (svc->nworkloads == 0)
		return error_set(err, ERR_INVALID, "'%s' has no statefulset or deployment to scale", svc->name);
	a = action_new(s, fn, arg, xasprintf("%s %s", pause ? "paused" : "resumed", svc->name));
	for (size_t i = 0; i < svc->nworkloads && rc == 0; i++) {
		const struct service_workload *w = &svc->workloads[i];
		char *path = xasprintf("/apis/apps/v1/namespaces/%s/%s/%s", svc->namespace, w->kind, w->name);
		struct buf body;

		buf_init(&body, 4096);
		if (pause) {
			if (w->replicas == 0) {
				free(path);
				buf_release(&body);
				continue;
			}
			/* remember the replicas to give back on resume */
			buf_addf(&body, "{\"metadata\":{\"annotations\":{\"%s\":\"%d\"}},\"spec\":{\"replicas\":0}}",
				 SERVICE_PAUSED_ANNOTATION, w->replicas);
		} else {
			buf_addf(&body, "{\"metadata\":{\"annotations\":{\"%s\":null}},\"spec\":{\"replicas\":%d}}",
				 SERVICE_PAUSED_ANNOTATION, w->paused_replicas > 0 ? w->paused_replicas : 1);
		}
		rc = add_call(a, "PATCH", path, "application/merge-patch+json", &body, err);
		free(path);
		buf_release(&body);
	}
	return calls_started(a, rc, err);
}

int live_pause_service(struct live *s, const char *ns, const char *release, bool pause, live_done_fn *fn,
		       void *arg, struct error *err)
{
	const struct service *svc = services_find(s->svc, live_ns(s, ns), release);
	struct runner_cmd *cmd;
	struct error why;

	if (!svc)
		return error_set(err, ERR_NOT_FOUND, "no service '%s' in '%s'", release, live_ns(s, ns));
	/* resume the way it was paused */
	if (!pause && svc->scaled_down && !svc->suspended)
		return scale_service(s, svc, false, fn, arg, err);
	if (svc->suspendable) {
		cmd = suspend_cmd(s, svc, pause, &why);
		if (cmd)
			return run_helm(s, cmd, fn, arg, xasprintf("%s %s", pause ? "paused" : "resumed", release), err);
		log_info("pause %s: %s; scaling instead", release, why.msg);
	}
	return scale_service(s, svc, pause, fn, arg, err);
}

int live_rename_service(struct live *s, const char *ns, const char *release, const char *friendly,
			live_done_fn *fn, void *arg, struct error *err)
{
	struct record r = { .release = release, .namespace = live_ns(s, ns), .friendly_name = friendly, .share = -1 };
	char *name = record_name(release);
	const cJSON *have = live_get(s, "secrets", r.namespace, name), *helm = NULL;
	struct action *a;
	struct buf body;
	cJSON *o;
	char *path;
	int rc;

	if (!friendly || !*friendly || strlen(friendly) > 200) {
		free(name);
		return error_set(err, ERR_INVALID, "a friendly name has 1 to 200 characters");
	}
	if (have) {
		o = record_patch(&r, NULL);
		path = xasprintf("/api/v1/namespaces/%s/secrets/%s", r.namespace, name);
	} else {
		/* as onyxia-api writes it: owned by the release's first Secret */
		for (long v = 1; v < 64 && !helm; v++) {
			char *owner = record_helm_secret(release, v);

			helm = live_get(s, "secrets", r.namespace, owner);
			free(owner);
		}
		o = record_secret(&r, helm);
		path = xasprintf("/api/v1/namespaces/%s/secrets", r.namespace);
	}
	free(name);
	buf_init(&body, 0);
	json_print(&body, o, false);
	cJSON_Delete(o);
	a = action_new(s, fn, arg, xasprintf("renamed %s", release));
	rc = add_call(a, have ? "PATCH" : "POST", path, have ? "application/merge-patch+json" : NULL, &body, err);
	free(path);
	buf_release(&body);
	return calls_started(a, rc, err);
}

int live_delete_pod(struct live *s, const char *ns, const char *pod, live_done_fn *fn, void *arg,
		    struct error *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", live_ns(s, ns), pod);
	struct action *a = action_new(s, fn, arg, xasprintf("deleted pod %s (its controller starts a new one)", pod));
	int rc = add_call(a, "DELETE", path, NULL, NULL, err);

	free(path);
	return calls_started(a, rc, err);
}

/* --- the equivalent commands --- */

static void kubectl_line(const struct live *s, const char *ns, struct buf *out, const char *const *args)
{
	const char *argv[24];
	size_t n = 0;

	argv[n++] = "kubectl";
	for (; *args && n < 18; args++)
		argv[n++] = *args;
	argv[n++] = "-n";
	argv[n++] = ns;
	if (s->context) {
		argv[n++] = "--context";
		argv[n++] = s->context;
	}
	argv[n] = NULL;
	str_shell_join(out, argv);
}

static const char *first_pod(struct live *s, const char *ns, const char *release)
{
	const struct service *svc = services_find(s->svc, ns, release);

	return svc && svc->npods > 0 ? svc->pods[0].name : "POD";
}

char *live_action_line(struct live *s, const char *action, const char *ns, const char *release, const char *pod)
{
	struct helm_target t = target_in(s, ns);
	struct runner_cmd *cmd = NULL;
	struct buf out;
	char sel[320];

	buf_init(&out, 0);
	if (!pod)
		pod = first_pod(s, t.namespace, release);
	snprintf(sel, sizeof(sel), "app.kubernetes.io/instance=%s", release);
	if (str_eq(action, "delete")) {
		cmd = runner_cmd_release(RUNNER_UNINSTALL, &t, release, NULL);
	} else if (str_eq(action, "status")) {
		/* what a person types: the runner's line adds --output json */
		const char *argv[] = { "helm", "status", release, "-n", t.namespace, s->context ? "--kube-context" : NULL,
				       s->context, NULL };

		str_shell_join(&out, argv);
	} else if (str_eq(action, "pause") || str_eq(action, "resume")) {
		const struct service *svc = services_find(s->svc, t.namespace, release);
		bool pause = str_eq(action, "pause");

		if (svc && svc->suspendable && !(!pause && svc->scaled_down && !svc->suspended))
			cmd = suspend_cmd(s, svc, pause, NULL);
		if (!cmd && svc && svc->nworkloads > 0) {
			const struct service_workload *w = &svc->workloads[0];
			char target[300], reps[32];
			const char *args[] = { "scale", target, reps, NULL };

			snprintf(target, sizeof(target), "%s/%s", w->kind, w->name);
			snprintf(reps, sizeof(reps), "--replicas=%d",
				 pause ? 0 : (w->paused_replicas > 0 ? w->paused_replicas : 1));
			kubectl_line(s, t.namespace, &out, args);
		} else if (!cmd) {
			buf_addf(&out, "helm upgrade %s CHART --reuse-values --set global.suspend=%s -n %s", release,
				 pause ? "true" : "false", t.namespace);
		}
	} else if (str_eq(action, "pods")) {
		const char *args[] = { "get", "pods", "-l", sel, NULL };

		kubectl_line(s, t.namespace, &out, args);
	} else if (str_eq(action, "logs")) {
		const char *args[] = { "logs", "-f", pod, NULL };

		kubectl_line(s, t.namespace, &out, args);
	} else if (str_eq(action, "exec")) {
		const char *args[] = { "exec", "-it", pod, NULL };

		kubectl_line(s, t.namespace, &out, args);
		buf_adds(&out, " -- sh");
	} else if (str_eq(action, "restart")) {
		const char *args[] = { "delete", "pod", pod, NULL };

		kubectl_line(s, t.namespace, &out, args);
	}
	if (cmd) {
		buf_adds(&out, runner_cmd_line(cmd));
		runner_cmd_free(cmd);
	}
	return buf_take(&out, NULL);
}
