/*
 * catalog_session.c: the state the catalog views share (catalog-internal.h)
 * and catalogview_add, which makes it and the views.
 *
 * Data flow: at start the session reads local files only (catalogs,
 * favourites, saved launches, account, region), loads the kubeconfig to
 * find the sandbox and the namespace, and asks `git config` for the git
 * identity as two child processes on the loop.  Catalog indexes are
 * fetched the first time a view needs them; the browse listener passes
 * each change to the catalog and launch views, which mark themselves
 * dirty.  A user context is built afresh for every launch form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/launcher.h"
#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/xdg.h"
#include "datalab/core/yaml.h"
#include "catalog-internal.h"

/* Without a region file, ingress hosts still need a domain. */
#define DEFAULT_DOMAIN "datalab.localhost"

extern char **environ;

static void on_browse(struct browse *b, size_t i, void *arg)
{
	struct catsession *s = arg;

	(void)b;
	if (s->catalog_view)
		catview_changed(s->catalog_view, i);
	if (s->launch_view)
		launchview_catalog_changed(s->launch_view, i);
}

void catsession_ensure_fetched(struct catsession *s)
{
	if (s->fetched)
		return;
	s->fetched = true;
	browse_refresh_all(s->browse, false);
}

static cJSON *read_doc(const char *path, struct error *err)
{
	struct buf b;
	cJSON *j;

	buf_init(&b, 4u << 20);
	if (file_read(path, &b, err) < 0) {
		buf_release(&b);
		return NULL;
	}
	j = yaml_parse(b.data, b.len, NULL, err);
	buf_release(&b);
	return j;
}

/* XDG config region.json (or .yaml), else a region with a domain. */
static cJSON *load_region(void)
{
	static const char *const names[] = { "region.json", "region.yaml", "region.yml" };

	for (size_t i = 0; i < DL_ARRAY_LEN(names); i++) {
		char *p = xdg_path(XDG_CONFIG, names[i], NULL);
		struct error err;
		cJSON *r;

		if (p && file_exists(p)) {
			r = read_doc(p, &err);
			if (!r)
				log_warn("region: %s", err.msg);
			free(p);
			if (r)
				return r;
			continue;
		}
		free(p);
	}
	return cJSON_Parse("{\"services\":{\"expose\":{\"domain\":\"" DEFAULT_DOMAIN "\"}}}");
}

/* The sandbox's CA as a file helm can take (--ca-file): the
 * kubeconfig's own file, or its inline data written to the cache. */
static char *sandbox_ca_file(const struct kubeconfig *kc)
{
	struct error err;
	char *path;

	if (kc->ca_file && *kc->ca_file)
		return xstrdup(kc->ca_file);
	if (!kc->ca_data.len)
		return NULL;
	path = xdg_path(XDG_CACHE, "sandbox-ca.pem", &err);
	if (path && file_write_atomic(path, kc->ca_data.data, kc->ca_data.len, 0600, &err) == 0)
		return path;
	log_warn("sandbox CA: %s", err.msg);
	free(path);
	return NULL;
}

/* ---- git config ---- */

static void git_stdout(struct proc *p, const char *data, size_t n, void *arg)
{
	struct catsession *s = arg;
	int k = p == s->git_proc[0] ? 0 : 1;

	buf_add(&s->git_out[k], data, n);
}

static void git_exit(struct proc *p, int status, void *arg)
{
	struct catsession *s = arg;
	int k = p == s->git_proc[0] ? 0 : 1;
	char **dst = k == 0 ? &s->git_name : &s->git_email;

	if (status == 0 && s->git_out[k].len) {
		free(*dst);
		*dst = xstrdup(str_trim(s->git_out[k].data));
	}
	buf_release(&s->git_out[k]);
	s->git_proc[k] = NULL;
	proc_free(p);
}

static void ask_git(struct catsession *s)
{
	static const char *const keys[] = { "user.name", "user.email" };
	struct proc_cbs cbs = { git_stdout, NULL, git_exit };

	for (int k = 0; k < 2; k++) {
		const char *argv[] = { "git", "config", "--get", keys[k], NULL };
		struct proc_opts po = { 0 };
		struct error err;

		po.argv = argv;
		buf_init(&s->git_out[k], 4096);
		s->git_proc[k] = proc_spawn(s->loop, &po, &cbs, s, &err);
		if (!s->git_proc[k])
			log_info("git config: %s", err.msg);
	}
}

/* ---- the context ---- */

/* build_context: the context for namespace ns (NULL: none known, the
 * project then comes from the user's idep). */
static cJSON *build_context(struct catsession *s, const char *ns)
{
	struct context_input in = { 0 };
	struct error err;
	cJSON *ctx;

	in.account = s->account;
	in.region = s->region;
	in.env = (const char *const *)environ;
	in.git_name = s->git_name;
	in.git_email = s->git_email;
	in.random_subdomain = -1;
	in.namespace = ns;
	ctx = context_build(&in, &err);
	if (!ctx) {
		log_warn("context: %s", err.msg);
		in.account = NULL;
		ctx = context_build(&in, &err);
	}
	return ctx;
}

cJSON *catsession_context(struct catsession *s)
{
	return build_context(s, catsession_namespace(s));
}

const char *catsession_namespace(struct catsession *s)
{
	static char ns[64];
	const char *v = app_namespace(s->app);
	const cJSON *p;

	if (v && *v)
		return v;
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->account, "project"), "id");
	if (cJSON_IsString(p) && *p->valuestring && strlen(p->valuestring) < sizeof(ns)) {
		str_copy(ns, p->valuestring, sizeof(ns));
		return ns;
	}
	if (s->kc && s->kc->namespace && *s->kc->namespace)
		return s->kc->namespace;
	{
		/* not catsession_context: it asks this function for the namespace */
		cJSON *ctx = build_context(s, NULL);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(ctx, "project"), "id"));

		str_copy(ns, id ? id : "default", sizeof(ns));
		cJSON_Delete(ctx);
	}
	return ns;
}

void catsession_account_changed(struct catsession *s)
{
	struct error err;
	cJSON *a = context_account_load(s->account_path, &err);

	if (!a) {
		s->account_err = err;
		return;
	}
	error_clear(&s->account_err);
	cJSON_Delete(s->account);
	s->account = a;
}

void catsession_store_saved(struct catsession *s)
{
	struct error err;

	if (!s->saved_path)
		return;
	if (saved_store(&s->saved, s->saved_path, &err) < 0)
		app_toast(s->app, APP_ERROR, "cannot save launches: %s", err.msg);
	if (s->saved_view)
		savedview_changed(s->saved_view);
}

/* ---- lifetime ---- */

void catsession_unref(struct catsession *s)
{
	if (--s->refs > 0)
		return;
	for (int k = 0; k < 2; k++) {
		proc_free(s->git_proc[k]);
		buf_release(&s->git_out[k]);
	}
	browse_free(s->browse);
	if (s->own_http)
		http_free(s->http);
	kubeconfig_free(s->kc);
	free(s->kubeconfig);
	free(s->sandbox_url);
	free(s->sandbox_ca);
	catalogs_release(&s->catalogs);
	favourites_release(&s->fav);
	free(s->fav_path);
	saved_release(&s->saved);
	free(s->saved_path);
	cJSON_Delete(s->account);
	free(s->account_path);
	cJSON_Delete(s->region);
	free(s->registry);
	free(s->git_name);
	free(s->git_email);
	free(s);
}

static struct catsession *session_new(struct app *a, const struct catalogview_opts *o)
{
	struct catsession *s = xcalloc(1, sizeof(*s));
	struct kubeconfig_opts ko = { 0 };
	struct error err;
	struct http_tls tls;
	bool sandbox_kc;
	char *reg, *shipped;

	s->app = a;
	s->loop = app_loop(a);
	s->http = o && o->http ? o->http : NULL;
	if (!s->http) {
		s->http = http_new(s->loop);
		s->own_http = true;
	}
	s->kube = o ? o->kube : NULL;
	ko.kubeconfig = o ? o->kubeconfig : NULL;
	ko.context = app_context(a);
	s->kubeconfig = ko.kubeconfig ? xstrdup(ko.kubeconfig) : NULL;
	s->kc = kubeconfig_load(&ko, &err);
	if (!s->kc)
		log_info("catalog: no kubeconfig: %s", err.msg);
	s->sandbox_url = catalog_sandbox_url(s->kc);

	catalogs_init(&s->catalogs);
	shipped = o && o->shipped_dir ? xstrdup(o->shipped_dir) : catalogs_shipped_dir();
	if (catalogs_load_default(&s->catalogs, shipped, &s->catalogs_err) < 0)
		log_warn("catalogs: %s", s->catalogs_err.msg);
	free(shipped);
	if ((s->fav_path = favourites_path(&err)) && favourites_load(&s->fav, s->fav_path, &err) < 0)
		log_warn("favourites: %s", err.msg);
	saved_init(&s->saved);
	if ((s->saved_path = saved_path(&err)) && saved_load(&s->saved, s->saved_path, &err) < 0)
		log_warn("saved launches: %s", err.msg);
	s->account_path = context_account_path(&err);
	s->account = s->account_path ? context_account_load(s->account_path, &s->account_err) : NULL;
	if (!s->account)
		s->account = cJSON_CreateObject();
	s->region = load_region();
	reg = xdg_path(XDG_CONFIG, "schemas", NULL);
	if (reg && file_exists(reg))
		s->registry = reg;
	else
		free(reg);
	/* the kubeconfig's CA is the sandbox's only when it is the sandbox's */
	memset(&tls, 0, sizeof(tls));
	sandbox_kc = s->kc && str_eq(s->kc->cluster, CATALOG_SANDBOX_CLUSTER);
	if (sandbox_kc) {
		kubeconfig_tls(s->kc, &tls);
		s->sandbox_ca = sandbox_ca_file(s->kc);
	}
	s->browse = browse_new(s->loop, s->http, &s->catalogs, &s->fav, s->sandbox_url,
			       sandbox_kc ? &tls : NULL);
	browse_set_listener(s->browse, on_browse, s);
	ask_git(s);
	return s;
}

/* ":launch LINK": a launcher link's form; ":launch" alone: the form. */
static void cmd_launch(struct app *a, const char *args, void *arg)
{
	struct catsession *s = arg;
	struct launcher_link link = { 0 };
	struct launch_request rq = { 0 };
	struct error err;

	if (!*args) {
		app_show(a, "launch");
		return;
	}
	if (launcher_parse(args, &link, &err) < 0) {
		app_toast(a, APP_ERROR, "launcher link: %s", err.msg);
		launcher_link_release(&link);
		return;
	}
	rq.catalog_id = link.catalog;
	rq.chart = link.chart;
	rq.version = link.version;
	rq.name = link.name;
	rq.link = args;
	rq.auto_launch = link.auto_launch;
	launchview_open(s->launch_view, &rq);
	launcher_link_release(&link);
}

int catalogview_add(struct app *a, const struct catalogview_opts *o, struct error *err)
{
	struct launcher_link link = { 0 };
	struct catsession *s;

	if (o && o->launch_link && launcher_parse(o->launch_link, &link, err) < 0) {
		launcher_link_release(&link);
		return -1;
	}
	s = session_new(a, o);
	s->refs = 4;
	s->catalog_view = catview_new(s);
	s->launch_view = launchview_new(s);
	s->saved_view = savedview_new(s);
	s->account_view = accountview_new(s);
	app_add_view(a, s->catalog_view);
	app_add_view(a, s->launch_view);
	app_add_view(a, s->saved_view);
	app_add_view(a, s->account_view);
	app_add_command(a, "launch", "open a launcher link's form: :launch LINK (alone: the form)", cmd_launch,
			NULL, s);
	if (s->catalogs_err.code)
		app_toast(a, APP_WARN, "%s", s->catalogs_err.msg);
	if (s->account_err.code)
		app_toast(a, APP_WARN, "%s", s->account_err.msg);
	if (o && o->launch_link) {
		struct launch_request rq = { 0 };

		rq.catalog_id = link.catalog;
		rq.chart = link.chart;
		rq.version = link.version;
		rq.name = link.name;
		rq.link = o->launch_link;
		rq.auto_launch = link.auto_launch;
		launchview_open(s->launch_view, &rq);
	}
	launcher_link_release(&link);
	return 0;
}

void catalog_age_text(char *dst, size_t size, int64_t then_ms)
{
	char age[32];
	int64_t d = (time_wall_ms() - then_ms) / 1000;

	if (then_ms <= 0) {
		snprintf(dst, size, "at an unknown time");
		return;
	}
	time_age(age, sizeof(age), d < 0 ? 0 : d);
	snprintf(dst, size, "%s ago", age);
}
