/*
 * launch.c: a launch being prepared (launch.h).
 *
 * Data flow: the chart archive's schema and values.yaml are decoded once
 * into the form; everything after that reads the form: FORM_VALUES_CHANGED
 * for helm and the command bar (what differs from the chart, plus the
 * global.suspend that makes a release pausable), and
 * FORM_VALUES_EDITED for links and saved launches (what the user chose,
 * leaving out what the context fills, which is someone else's on another
 * machine).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/context.h"
#include "datalab/catalog/launch.h"
#include "datalab/catalog/record.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"

struct launch {
	char *catalog_id, *repo_url, *chart, *version, *description, *readme;
	char *name, *release, *timeout, *ca_file, *owner;
	char *namespace, *kube_context, *kubeconfig;
	bool inferred, insecure_tls;
	struct form *form;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* ---- schema inference ---- */

static const char *scalar_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNumber(v))
		return v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9e15 ? "integer" : "number";
	return NULL;
}

static cJSON *infer(const cJSON *v, int depth)
{
	cJSON *s = cJSON_CreateObject();
	const char *t;

	if (cJSON_IsObject(v) && v->child && depth < FORM_MAX_DEPTH - 1) {
		cJSON *props;

		cJSON_AddStringToObject(s, "type", "object");
		props = cJSON_AddObjectToObject(s, "properties");
		for (const cJSON *c = v->child; c; c = c->next)
			if (c->string && !cJSON_GetObjectItemCaseSensitive(props, c->string))
				cJSON_AddItemToObject(props, c->string, infer(c, depth + 1));
		return s;
	}
	if (cJSON_IsArray(v)) {
		const char *it = v->child ? scalar_type(v->child) : NULL;

		for (const cJSON *c = v->child; c && it; c = c->next) {
			const char *ct = scalar_type(c);

			if (!ct)
				it = NULL;
			else if (strcmp(ct, it) != 0)
				it = (!strcmp(ct, "number") || !strcmp(it, "number")) &&
				     (!strcmp(ct, "integer") || !strcmp(it, "integer")) ? "number" : NULL;
		}
		cJSON_AddStringToObject(s, "type", "array");
		if (it)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(s, "items"), "type", it);
		cJSON_AddItemToObject(s, "default", cJSON_Duplicate(v, true));
		return s;
	}
	if ((t = scalar_type(v)) != NULL) {
		cJSON_AddStringToObject(s, "type", t);
		cJSON_AddItemToObject(s, "default", cJSON_Duplicate(v, true));
	}
	/* null, empty objects, too deep: a free JSON leaf */
	return s;
}

cJSON *launch_infer_schema(const cJSON *values)
{
	cJSON *s = infer(values, 0);

	if (!cJSON_GetObjectItemCaseSensitive(s, "properties")) {
		cJSON_Delete(s);
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "type", "object");
		cJSON_AddObjectToObject(s, "properties");
	}
	return s;
}

/* ---- building ---- */

static int random_subdomain(const cJSON *ctx)
{
	const char *s = json_str(ctx, "k8s.randomSubdomain", NULL);
	int64_t v;

	if (s && str_parse_i64(s, &v) == 0 && v >= 0 && v < 1000000)
		return (int)v;
	return context_random_subdomain();
}

struct launch *launch_new(const struct launch_spec *spec, struct error *err)
{
	const struct chart *c = spec->chart;
	struct launch *l;
	cJSON *values = NULL, *schema = NULL;
	struct error e;

	if (!c || !c->meta.name || !c->meta.version) {
		error_set(err, ERR_INVALID, "no chart to launch");
		return NULL;
	}
	if (c->meta.library) {
		error_set(err, ERR_INVALID, "'%s' is a library chart: it cannot be launched", c->meta.name);
		return NULL;
	}
	if (c->values.data && c->values.len) {
		values = yaml_parse(c->values.data, c->values.len, NULL, &e);
		if (!values) {
			error_set(err, ERR_PARSE, "values.yaml of '%s': %s", c->meta.name, e.msg);
			return NULL;
		}
	}
	if (c->schema.data) {
		if (c->schema.len > LAUNCH_MAX_SCHEMA) {
			cJSON_Delete(values);
			error_set(err, ERR_LIMIT, "values.schema.json of '%s' is over %u bytes", c->meta.name,
				  LAUNCH_MAX_SCHEMA);
			return NULL;
		}
		schema = json_parse(c->schema.data, c->schema.len, &e);
		if (!schema) {
			cJSON_Delete(values);
			error_set(err, ERR_PARSE, "values.schema.json of '%s': %s", c->meta.name, e.msg);
			return NULL;
		}
	}
	l = xcalloc(1, sizeof(*l));
	if (!schema) {
		schema = launch_infer_schema(values);
		l->inferred = true;
	}
	l->form = form_new(schema, values, spec->ctx, spec->registry, &e);
	cJSON_Delete(schema);
	cJSON_Delete(values);
	if (!l->form) {
		free(l);
		error_set(err, e.code, "the launch form of '%s': %s", c->meta.name, e.msg);
		return NULL;
	}
	l->catalog_id = xstrdup(spec->catalog_id ? spec->catalog_id : "local");
	l->repo_url = dup_or_null(spec->repo_url);
	l->chart = xstrdup(c->meta.name);
	l->version = xstrdup(c->meta.version);
	l->description = xstrdup(c->meta.description ? c->meta.description : "");
	l->readme = c->readme.data ? xmemdup(c->readme.data, c->readme.len) : NULL;
	l->name = xstrdup(spec->name && *spec->name ? spec->name : c->meta.name);
	l->owner = dup_or_null(json_str(spec->ctx, "user.idep", NULL));
	l->release = launcher_release_name(c->meta.name, random_subdomain(spec->ctx));
	l->timeout = dup_or_null(spec->timeout);
	l->ca_file = dup_or_null(spec->ca_file);
	l->insecure_tls = spec->insecure_tls;
	l->namespace = dup_or_null(spec->namespace);
	l->kube_context = dup_or_null(spec->kube_context);
	l->kubeconfig = dup_or_null(spec->kubeconfig);
	return l;
}

void launch_free(struct launch *l)
{
	if (!l)
		return;
	form_free(l->form);
	free(l->catalog_id);
	free(l->repo_url);
	free(l->chart);
	free(l->version);
	free(l->description);
	free(l->readme);
	free(l->name);
	free(l->owner);
	free(l->release);
	free(l->timeout);
	free(l->ca_file);
	free(l->namespace);
	free(l->kube_context);
	free(l->kubeconfig);
	free(l);
}

struct form *launch_form(struct launch *l)
{
	return l->form;
}

const char *launch_catalog_id(const struct launch *l)
{
	return l->catalog_id;
}

const char *launch_chart_name(const struct launch *l)
{
	return l->chart;
}

const char *launch_version(const struct launch *l)
{
	return l->version;
}

const char *launch_repo_url(const struct launch *l)
{
	return l->repo_url;
}

const char *launch_namespace(const struct launch *l)
{
	return l->namespace;
}

const char *launch_description(const struct launch *l)
{
	return l->description;
}

const char *launch_readme(const struct launch *l)
{
	return l->readme;
}

bool launch_schema_inferred(const struct launch *l)
{
	return l->inferred;
}

const char *launch_release(const struct launch *l)
{
	return l->release;
}

int launch_set_release(struct launch *l, const char *release, struct error *err)
{
	if (!launcher_release_name_ok(release))
		return error_set(err, ERR_INVALID,
				 "release name '%.64s' must be lower-case letters, digits and '-', at most %d",
				 release ? release : "", LAUNCHER_RELEASE_MAX);
	free(l->release);
	l->release = xstrdup(release);
	return 0;
}

const char *launch_name(const struct launch *l)
{
	return l->name;
}

const char *launch_owner(const struct launch *l)
{
	return l->owner;
}

void launch_record(const struct launch *l, struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->release = l->release;
	r->namespace = l->namespace;
	r->catalog = l->catalog_id;
	r->owner = l->owner;
	r->friendly_name = l->name;
	r->share = 0;	/* Onyxia's default; a link's shared=true is not kept */
}

void launch_set_name(struct launch *l, const char *name)
{
	if (!name || !*name)
		return;
	free(l->name);
	l->name = xstrdup(name);
}

/* ---- what comes out ---- */

/* helm_values: the values that differ from the chart's, plus
 * global.suspend when the chart has it: Onyxia's API offers pause only
 * when a release's user values hold that key (its web sends the whole
 * form), so a console launch stays pausable there and in My services. */
static cJSON *helm_values(const struct launch *l)
{
	cJSON *v = form_values(l->form, FORM_VALUES_CHANGED);
	const struct form_field *f = form_find(l->form, "global/suspend");

	if (f && f->type == FORM_BOOLEAN && cJSON_IsBool(f->value) && !json_get(v, "global.suspend"))
		json_set_path(v, "global.suspend", cJSON_Duplicate(f->value, 1));
	return v;
}

int launch_values_yaml(const struct launch *l, struct buf *out)
{
	cJSON *v = helm_values(l);
	int rc = yaml_emit(out, v);

	cJSON_Delete(v);
	return rc;
}

int launch_command(const struct launch *l, struct buf *out)
{
	struct launcher_command cmd = { 0 };
	struct buf y;
	int rc;

	buf_init(&y, 0);
	launch_values_yaml(l, &y);
	/* "{}" is what an empty tree emits: no values to write */
	cmd.values_yaml = strcmp(y.data, "{}\n") == 0 ? "" : y.data;
	cmd.catalog_id = l->catalog_id;
	cmd.repo_url = l->repo_url ? l->repo_url : "";
	cmd.chart = l->chart;
	cmd.release = l->release;
	cmd.namespace = l->namespace;
	cmd.version = l->version;
	rc = launcher_command_bar(out, &cmd);
	buf_release(&y);
	if (rc == 0) {
		struct record r;

		/* what Onyxia's API does after helm, shown the same way */
		launch_record(l, &r);
		rc = record_command(&r, NULL, out);
	}
	return rc;
}

int launch_link(const struct launch *l, const char *base, bool auto_launch, struct buf *out)
{
	struct launcher_link link = { 0 };
	cJSON *v = form_values(l->form, FORM_VALUES_EDITED);
	int rc;

	link.catalog = xstrdup(l->catalog_id);
	link.chart = xstrdup(l->chart);
	link.name = xstrdup(l->name);
	link.version = xstrdup(l->version);
	link.auto_launch = auto_launch;
	launcher_link_set_values(&link, v);
	rc = launcher_encode(out, base, &link);
	launcher_link_release(&link);
	cJSON_Delete(v);
	return rc;
}

/* A removal ("-") of a key path: the field becomes undefined. */
static void apply_removal(struct launch *l, const struct launcher_value *v)
{
	struct buf path;
	struct form_field *fld;

	buf_init(&path, 4096);
	for (size_t i = 0; i < v->nsegs; i++) {
		char *esc;

		if (v->segs[i].index >= 0) {
			buf_release(&path);
			return;	/* inside an array: a json leaf, left to helm */
		}
		esc = form_path_escape(v->segs[i].key);
		if (i)
			buf_addc(&path, '/');
		buf_adds(&path, esc);
		free(esc);
	}
	fld = form_find(l->form, path.data);
	if (fld && fld->type != FORM_OBJECT)
		form_set_json(l->form, fld, NULL, NULL);
	buf_release(&path);
}

int launch_apply_link(struct launch *l, const struct launcher_link *link, struct error *err)
{
	cJSON *tree = cJSON_CreateObject();
	int rc;

	if (link->name && *link->name)
		launch_set_name(l, link->name);
	rc = launcher_apply(link, tree, err);
	if (rc == 0)
		rc = form_apply_values(l->form, tree, err);
	cJSON_Delete(tree);
	for (size_t i = 0; rc == 0 && i < link->nvalues; i++)
		if (!link->values[i].value)
			apply_removal(l, &link->values[i]);
	return rc;
}

int launch_apply_values(struct launch *l, const cJSON *values, struct error *err)
{
	return form_apply_values(l->form, values, err);
}

int launch_check(const struct launch *l, struct form_field **bad, struct error *err)
{
	if (bad)
		*bad = NULL;
	if (form_validate(l->form, bad, err) < 0)
		return -1;
	if (!launcher_release_name_ok(l->release))
		return error_set(err, ERR_INVALID, "release name '%.64s' is not usable", l->release);
	return 0;
}

struct runner_cmd *launch_runner_cmd(const struct launch *l, bool dry_run, struct error *err)
{
	struct helm_target t = { l->kubeconfig, l->kube_context, l->namespace };
	struct runner_install in = { 0 };
	struct runner_cmd *c;
	struct buf y;

	if (launch_check(l, NULL, err) < 0)
		return NULL;
	if (!l->repo_url) {
		error_set(err, ERR_INVALID, "'%s' has no repository to install from", l->chart);
		return NULL;
	}
	buf_init(&y, 0);
	launch_values_yaml(l, &y);
	in.release = l->release;
	in.chart = l->chart;
	in.repo_url = l->repo_url;
	in.version = l->version;
	in.values_yaml = y.data;
	in.timeout = l->timeout;
	in.ca_file = l->ca_file;
	in.insecure_tls = l->insecure_tls;
	in.dry_run = dry_run;
	c = runner_cmd_install(dry_run ? RUNNER_INSTALL : RUNNER_UPGRADE_INSTALL, &t, &in, err);
	buf_release(&y);
	return c;
}

int launch_save(const struct launch *l, struct saved_list *list, struct error *err)
{
	cJSON *v = form_values(l->form, FORM_VALUES_EDITED);
	int rc = saved_put(list, l->name, l->catalog_id, l->chart, l->version, v, err);

	cJSON_Delete(v);
	return rc;
}
