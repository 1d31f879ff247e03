/*
 * account.c: the ":account" view: the user context that fills the launch
 * forms' x-onyxia defaults (catalog/context.h), edited as a form.
 *
 * Data flow: on entering, a schema of the account file's fields is built
 * (user, project namespace, S3, git, vault, region resources and GPU
 * sliders, ingress domain), each field's description saying what the
 * context holds now and where that comes from (region file, environment,
 * `git config`).  The form edits the account file's own values; every
 * change is written back at once (atomically, mode 0600: it holds keys),
 * keys the form does not know kept as they were, and the next launch form
 * reads the new context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/form.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/theme.h"
#include "catalog-internal.h"

struct accountview {
	struct view v;
	struct catsession *s;
	struct form *form;
	struct formview *fv;
};

/* One field: where it sits in the account file, and in the context. */
struct afield {
	const char *path;	/* "s3.AWS_ACCESS_KEY_ID": section.key in the account file */
	const char *ctx;	/* the context path it shows, or NULL = same */
	const char *title;
	const char *type;	/* "string", "integer" */
	bool secret;
};

static const struct afield fields[] = {
	{ "user.idep", NULL, "User id", "string", false },
	{ "user.name", NULL, "Display name", "string", false },
	{ "user.email", NULL, "Email", "string", false },
	{ "user.lang", NULL, "Language (en, fr)", "string", false },
	{ "project.id", NULL, "Namespace (project id)", "string", false },
	{ "s3.URL", "s3.AWS_S3_ENDPOINT", "S3 endpoint URL", "string", false },
	{ "s3.AWS_ACCESS_KEY_ID", NULL, "Access key ID", "string", false },
	{ "s3.AWS_SECRET_ACCESS_KEY", NULL, "Secret access key", "string", true },
	{ "s3.AWS_SESSION_TOKEN", NULL, "Session token", "string", true },
	{ "s3.AWS_DEFAULT_REGION", NULL, "Region", "string", false },
	{ "s3.AWS_BUCKET_NAME", NULL, "Bucket", "string", false },
	{ "s3.workingDirectoryPath", NULL, "Working directory", "string", false },
	{ "git.name", NULL, "Git user name", "string", false },
	{ "git.email", NULL, "Git email", "string", false },
	{ "git.token", NULL, "Git personal access token", "string", true },
	{ "git.project", NULL, "Repository to clone", "string", false },
	{ "vault.VAULT_ADDR", NULL, "Vault address", "string", false },
	{ "vault.VAULT_TOKEN", NULL, "Vault token", "string", true },
	{ "vault.VAULT_MOUNT", NULL, "Vault mount", "string", false },
	{ "vault.VAULT_TOP_DIR", NULL, "Vault top folder", "string", false },
	{ "region.resources.cpuRequest", NULL, "Default CPU request (e.g. 100m)", "string", false },
	{ "region.resources.cpuLimit", NULL, "Default CPU limit", "string", false },
	{ "region.resources.memoryRequest", NULL, "Default memory request (e.g. 2Gi)", "string", false },
	{ "region.resources.memoryLimit", NULL, "Default memory limit", "string", false },
	{ "region.resources.disk", NULL, "Default volume size", "string", false },
	{ "region.resources.gpu", NULL, "Default GPUs", "string", false },
	{ "region.sliders.gpu.sliderMin", NULL, "GPU slider minimum", "integer", false },
	{ "region.sliders.gpu.sliderMax", NULL, "GPU slider maximum", "integer", false },
	{ "region.sliders.gpu.sliderStep", NULL, "GPU slider step", "integer", false },
	{ "k8s.domain", NULL, "Ingress domain", "string", false },
	{ "k8s.ingressClassName", NULL, "Ingress class", "string", false },
};

static const struct { const char *key, *title; } sections[] = {
	{ "user", "You" }, { "project", "Project" }, { "s3", "S3 object storage" }, { "git", "Git" },
	{ "vault", "Vault" }, { "region", "Region defaults (resources, GPU)" }, { "k8s", "Kubernetes" },
};

/* The "properties" object of the section at key under node, made (as
 * an object titled title) when missing. */
static cJSON *section_props(cJSON *node, const char *key, const char *title)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties"), *sec, *sp;

	if (!props)
		props = cJSON_AddObjectToObject(node, "properties");
	sec = cJSON_GetObjectItemCaseSensitive(props, key);
	if (!sec) {
		sec = cJSON_AddObjectToObject(props, key);
		cJSON_AddStringToObject(sec, "type", "object");
		cJSON_AddStringToObject(sec, "title", title ? title : key);
	}
	sp = cJSON_GetObjectItemCaseSensitive(sec, "properties");
	return sp ? sp : cJSON_AddObjectToObject(sec, "properties");
}

static void describe(struct buf *d, const struct afield *af, const cJSON *ctx)
{
	const cJSON *now = json_get(ctx, af->ctx ? af->ctx : af->path);

	if (af->secret) {
		buf_adds(d, cJSON_IsString(now) && *now->valuestring ? "now: set" : "now: not set");
	} else if (cJSON_IsString(now) && *now->valuestring) {
		buf_addf(d, "now: %.200s", now->valuestring);
	} else if (cJSON_IsNumber(now)) {
		buf_addf(d, "now: %g", now->valuedouble);
	} else {
		buf_adds(d, "now: not set");
	}
	if (strncmp(af->path, "s3.", 3) == 0)
		buf_adds(d, " (AWS_* variables in the environment win)");
	else if (strcmp(af->path, "git.name") == 0 || strcmp(af->path, "git.email") == 0)
		buf_adds(d, " (else from git config)");
	else if (strncmp(af->path, "region.", 7) == 0)
		buf_adds(d, " (else from the region file)");
}

static cJSON *build_schema(const cJSON *ctx)
{
	cJSON *schema = cJSON_CreateObject();

	cJSON_AddStringToObject(schema, "type", "object");
	for (size_t i = 0; i < DL_ARRAY_LEN(sections); i++)
		section_props(schema, sections[i].key, sections[i].title);
	for (size_t i = 0; i < DL_ARRAY_LEN(fields); i++) {
		const struct afield *af = &fields[i];
		size_t nseg;
		char **seg = str_split(af->path, '.', &nseg);
		cJSON *node = schema, *props = NULL, *f;
		struct buf d;

		/* walk the sections: node is the object whose properties get the next key */
		for (size_t k = 0; k + 1 < nseg; k++) {
			props = section_props(node, seg[k], NULL);
			node = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(node, "properties"),
								seg[k]);
		}
		props = cJSON_GetObjectItemCaseSensitive(node, "properties");
		f = cJSON_AddObjectToObject(props, seg[nseg - 1]);
		cJSON_AddStringToObject(f, "type", af->type);
		cJSON_AddStringToObject(f, "title", af->title);
		if (af->secret)
			cJSON_AddStringToObject(f, "render", "password");
		buf_init(&d, 0);
		describe(&d, af, ctx);
		cJSON_AddStringToObject(f, "description", d.data);
		buf_release(&d);
		str_free_list(seg);
	}
	return schema;
}

static void reload(struct accountview *av)
{
	cJSON *ctx = catsession_context(av->s), *schema = build_schema(ctx);
	struct error err;

	form_free(av->form);
	av->form = form_new(schema, NULL, ctx, NULL, &err);
	if (av->form && form_apply_values(av->form, av->s->account, &err) < 0)
		app_toast(av->v.app, APP_WARN, "account: %s", err.msg);
	formview_set_form(av->fv, av->form);
	cJSON_Delete(schema);
	cJSON_Delete(ctx);
}

static void save(struct accountview *av)
{
	cJSON *v = form_values(av->form, FORM_VALUES_ALL);
	struct error err;

	if (!av->s->account_path) {
		cJSON_Delete(v);
		return;
	}
	if (context_account_save(av->s->account_path, v, &err) < 0) {
		app_toast(av->v.app, APP_ERROR, "cannot save the account: %s", err.msg);
	} else {
		catsession_account_changed(av->s);
		app_toast(av->v.app, APP_INFO, "account saved (the next launch form uses it)");
	}
	cJSON_Delete(v);
}

static void accountview_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct accountview *av = (struct accountview *)v;
	char *line = xasprintf("The values launch forms are filled with; kept in %s (mode 0600)",
			       av->s->account_path ? av->s->account_path : "(no config folder)");
	char *clean = utf8_sanitize_dup(line, 0);

	widget_draw_text(win, 0, 0, cols, clean, theme_attr(THEME_DIM), 0);
	free(line);
	free(clean);
	if (av->s->account_err.code)
		widget_draw_text(win, 1, 0, cols, av->s->account_err.msg, theme_attr(THEME_FAILED), 0);
	widget_place(formview_widget(av->fv), 2, 0, rows - 2, cols);
	widget_draw(formview_widget(av->fv), win, true);
}

static unsigned accountview_key(struct view *v, int key)
{
	struct accountview *av = (struct accountview *)v;
	unsigned r = widget_key(formview_widget(av->fv), key);

	if (r & WIDGET_CHANGED)
		save(av);
	if (!(r & WIDGET_HANDLED) && key == 'p') {
		formview_set_reveal(av->fv, !formview_reveal(av->fv));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return r;
}

static const char *accountview_hints(struct view *v)
{
	(void)v;
	return "Enter edit (saved at once)  p show secrets";
}

static void accountview_enter(struct view *v)
{
	reload((struct accountview *)v);
}

static void accountview_free(struct view *v)
{
	struct accountview *av = (struct accountview *)v;

	formview_free(av->fv);
	form_free(av->form);
	av->s->account_view = NULL;
	catsession_unref(av->s);
	free(av);
}

static const struct app_keyhelp accountview_help[] = {
	{ "Enter", "edit a value; it is saved at once (an empty value removes it)" },
	{ "p", "show or hide secrets" },
	{ NULL, NULL },
};

static const struct view_ops accountview_ops = {
	.name = "account",
	.title = "Account",
	.draw = accountview_draw,
	.key = accountview_key,
	.hints = accountview_hints,
	.help = accountview_help,
	.enter = accountview_enter,
	.free = accountview_free,
};

struct view *accountview_new(struct catsession *s)
{
	struct accountview *av = xcalloc(1, sizeof(*av));

	av->v.ops = &accountview_ops;
	av->s = s;
	av->fv = formview_new(NULL);
	return &av->v;
}
