/*
 * catalogs.c: reading catalog configurations and favourites.
 *
 * Field names and defaults follow onyxia-api's CatalogWrapper: type
 * "helm", status "PROD", visible to users and projects, multiple
 * services mode "latest".  A file is decoded into cJSON (YAML via the
 * core converter, JSON5 through a small pre-pass), then each catalog is
 * checked and copied into plain C fields, so a UI never walks JSON.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/catalog/catalogs.h"
#include "datalab/core/build.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/xdg.h"
#include "datalab/core/yaml.h"

#define MAX_LIST 1024	/* entries in one list field */

void catalogs_init(struct catalog_list *list)
{
	list->items = NULL;
	list->n = 0;
}

static void free_list(char **l)
{
	for (char **p = l; p && *p; p++)
		free(*p);
	free(l);
}

static void catalog_release(struct catalog *c)
{
	free(c->id);
	free(c->name);
	cJSON_Delete(c->names);
	free(c->description);
	free(c->maintainer);
	free(c->location);
	free(c->status);
	free(c->type);
	free_list(c->highlighted_charts);
	free_list(c->excluded_charts);
	free_list(c->include_keywords);
	free_list(c->exclude_keywords);
	free(c->ca_file);
	free(c->timeout);
	cJSON_Delete(c->restrictions);
	free(c->multiple_services_mode);
	free(c->username);
	free(c->password);
	free(c->origin);
	memset(c, 0, sizeof(*c));
}

void catalogs_release(struct catalog_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		catalog_release(&list->items[i]);
	free(list->items);
	catalogs_init(list);
}

static char *dup_str(const cJSON *obj, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return def ? xstrdup(def) : NULL;
}

/* A string, or a localized {"en":..} object read in English. */
static char *dup_text(const cJSON *obj, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsObject(v)) {
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(v, "en");

		if (!cJSON_IsString(en))
			for (en = v->child; en && !cJSON_IsString(en); en = en->next)
				;
		if (en)
			return xstrdup(en->valuestring);
	}
	return dup_str(obj, key, def);
}

static bool get_bool(const cJSON *obj, const char *key, bool def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

static char **dup_list(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *c;
	char **l;
	size_t n = 0;

	l = xcalloc(1, sizeof(char *));
	if (!cJSON_IsArray(v))
		return l;
	for (c = v->child; c && n < MAX_LIST; c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		l = xreallocarray(l, n + 2, sizeof(char *));
		l[n++] = xstrdup(c->valuestring);
		l[n] = NULL;
	}
	return l;
}

static bool id_ok(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* restrictions, with the "match" spelling one test file uses mapped to
 * the Java property "matches". */
static cJSON *read_restrictions(const cJSON *obj)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "restrictions");
	cJSON *out = cJSON_CreateArray();

	if (!cJSON_IsArray(r))
		return out;
	for (const cJSON *c = r->child; c; c = c->next) {
		const cJSON *ua = cJSON_GetObjectItemCaseSensitive(c, "userAttribute");
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(ua, "key");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(ua, "matches");
		cJSON *e, *a;

		if (!cJSON_IsString(m))
			m = cJSON_GetObjectItemCaseSensitive(ua, "match");
		if (!cJSON_IsString(key) || !cJSON_IsString(m))
			continue;
		e = cJSON_CreateObject();
		a = cJSON_AddObjectToObject(e, "userAttribute");
		cJSON_AddStringToObject(a, "key", key->valuestring);
		cJSON_AddStringToObject(a, "matches", m->valuestring);
		cJSON_AddItemToArray(out, e);
	}
	return out;
}

static int read_catalog(struct catalog *c, const cJSON *obj, const char *origin, struct error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(obj, "name");
	const cJSON *vis = cJSON_GetObjectItemCaseSensitive(obj, "visible");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(obj, "maxNumberOfVersions");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");

	memset(c, 0, sizeof(*c));
	if (!cJSON_IsObject(obj))
		return error_set(err, ERR_PARSE, "%s: a catalog is not an object", origin);
	if (!cJSON_IsString(id) || !id_ok(id->valuestring))
		return error_set(err, ERR_PARSE, "%s: catalog without a valid 'id'", origin);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "location")))
		return error_set(err, ERR_PARSE, "%s: catalog '%s' has no 'location'", origin, id->valuestring);
	if (cJSON_IsString(type) && strcmp(type->valuestring, "helm") != 0)
		return error_set(err, ERR_UNSUPPORTED, "%s: catalog '%s' has type '%s', only helm is supported",
				 origin, id->valuestring, type->valuestring);
	c->id = xstrdup(id->valuestring);
	c->name = dup_text(obj, "name", c->id);
	c->names = cJSON_IsObject(names) ? cJSON_Duplicate(names, true) : NULL;
	c->description = dup_text(obj, "description", "");
	c->maintainer = dup_str(obj, "maintainer", "");
	c->location = dup_str(obj, "location", NULL);
	c->status = dup_str(obj, "status", "PROD");
	c->type = dup_str(obj, "type", "helm");
	c->highlighted_charts = dup_list(obj, "highlightedCharts");
	c->excluded_charts = dup_list(obj, "excludedCharts");
	c->include_keywords = dup_list(obj, "includeKeywords");
	c->exclude_keywords = dup_list(obj, "excludeKeywords");
	c->skip_tls_verify = get_bool(obj, "skipTlsVerify", false);
	c->ca_file = dup_str(obj, "caFile", NULL);
	c->timeout = dup_str(obj, "timeout", NULL);
	c->allow_sharing = get_bool(obj, "allowSharing", true);
	c->visible_user = get_bool(vis, "user", true);
	c->visible_project = get_bool(vis, "project", true);
	c->restrictions = read_restrictions(obj);
	c->multiple_services_mode = dup_str(obj, "multipleServicesMode", "latest");
	c->max_versions = cJSON_IsNumber(max) && max->valuedouble > 0 && max->valuedouble < 1e6 ?
		(int)max->valuedouble : 0;
	c->username = dup_str(obj, "username", NULL);
	c->password = dup_str(obj, "password", NULL);
	c->origin = xstrdup(origin);
	return 0;
}

static int add_catalog(struct catalog_list *list, const cJSON *obj, const char *origin, struct error *err)
{
	struct catalog c;

	if (read_catalog(&c, obj, origin, err) < 0) {
		catalog_release(&c);
		return -1;
	}
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->items[i].id, c.id) == 0) {
			catalog_release(&list->items[i]);
			list->items[i] = c;
			return 0;
		}
	if (list->n >= CATALOGS_MAX) {
		catalog_release(&c);
		return error_set(err, ERR_LIMIT, "more than %d catalogs", CATALOGS_MAX);
	}
	list->items = xreallocarray(list->items, list->n + 1, sizeof(*list->items));
	list->items[list->n++] = c;
	return 0;
}

/* JSON5: comments, single-quoted strings, trailing commas, unquoted keys. */
static void drop_trailing_comma(struct buf *out)
{
	size_t i = out->len;

	while (i > 0 && strchr(" \t\r\n", out->data[i - 1]))
		i--;
	if (i > 0 && out->data[i - 1] == ',') {
		memmove(out->data + i - 1, out->data + i, out->len - i);
		buf_truncate(out, out->len - 1);
	}
}

int catalogs_json5_to_json(struct buf *out, const char *p, size_t n, struct error *err)
{
	size_t i = 0;

	while (i < n) {
		char ch = p[i];

		if (ch == '/' && i + 1 < n && p[i + 1] == '/') {
			while (i < n && p[i] != '\n')
				i++;
			continue;
		}
		if (ch == '/' && i + 1 < n && p[i + 1] == '*') {
			size_t start = i;

			i += 2;
			while (i + 1 < n && !(p[i] == '*' && p[i + 1] == '/'))
				i++;
			if (i + 1 >= n)
				return error_set(err, ERR_PARSE, "json5: unterminated comment at byte %zu", start);
			i += 2;
			buf_addc(out, ' ');
			continue;
		}
		if (ch == '"' || ch == '\'') {
			size_t start = i++;

			buf_addc(out, '"');
			while (i < n && p[i] != ch) {
				if (p[i] == '\\' && i + 1 < n) {
					if (p[i + 1] == '\'') {
						buf_addc(out, '\'');
					} else if (p[i + 1] == '\n') {
						/* a line continuation */
					} else {
						buf_addc(out, '\\');
						buf_addc(out, p[i + 1]);
					}
					i += 2;
					continue;
				}
				if (p[i] == '"' && ch == '\'')
					buf_adds(out, "\\\"");
				else if (p[i] == '\n')
					return error_set(err, ERR_PARSE, "json5: newline in string at byte %zu", start);
				else
					buf_addc(out, p[i]);
				i++;
			}
			if (i >= n)
				return error_set(err, ERR_PARSE, "json5: unterminated string at byte %zu", start);
			buf_addc(out, '"');
			i++;
			continue;
		}
		if (ch == '}' || ch == ']') {
			drop_trailing_comma(out);
			buf_addc(out, ch);
			i++;
			continue;
		}
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$') {
			size_t s = i, j;

			while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
					 (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '$'))
				i++;
			for (j = i; j < n && strchr(" \t\r\n", p[j]); j++)
				;
			if (j < n && p[j] == ':') {
				buf_addc(out, '"');
				buf_add(out, p + s, i - s);
				buf_addc(out, '"');
			} else {
				buf_add(out, p + s, i - s);
			}
			continue;
		}
		if (buf_addc(out, ch) < 0)
			return error_set(err, ERR_LIMIT, "json5: text too large");
		i++;
	}
	return 0;
}

static cJSON *decode(const char *text, size_t n, const char *origin, struct error *err)
{
	cJSON *root;

	if (str_has_suffix(origin, ".yaml") || str_has_suffix(origin, ".yml"))
		return yaml_parse(text, n, NULL, err);
	if (!str_has_suffix(origin, ".json5")) {
		root = cJSON_ParseWithLength(text, n);
		if (root)
			return root;
	}
	{
		struct buf b;

		buf_init(&b, CATALOGS_MAX_FILE * 2);
		if (catalogs_json5_to_json(&b, text, n, err) < 0) {
			buf_release(&b);
			return NULL;
		}
		root = json_parse(b.data, b.len, err);
		buf_release(&b);
		return root;
	}
}

int catalogs_parse(struct catalog_list *list, const char *text, size_t n, const char *origin,
		   struct error *err)
{
	struct error perr;
	cJSON *root, *arr;
	const cJSON *c;
	int rc = 0;

	if (n > CATALOGS_MAX_FILE)
		return error_set(err, ERR_LIMIT, "%s: larger than %u bytes", origin, CATALOGS_MAX_FILE);
	root = decode(text, n, origin, &perr);
	if (!root)
		return error_set(err, ERR_PARSE, "%s: %s", origin, perr.msg);
	arr = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "catalogs") ?
		cJSON_GetObjectItemCaseSensitive(root, "catalogs") : root;
	if (cJSON_IsArray(arr)) {
		for (c = arr->child; c && rc == 0; c = c->next)
			rc = add_catalog(list, c, origin, err);
	} else if (cJSON_IsObject(arr) && cJSON_GetObjectItemCaseSensitive(arr, "id")) {
		rc = add_catalog(list, arr, origin, err);
	} else if (!cJSON_IsNull(arr)) {
		rc = error_set(err, ERR_PARSE, "%s: no 'catalogs' list", origin);
	}
	cJSON_Delete(root);
	return rc;
}

int catalogs_load_file(struct catalog_list *list, const char *path, struct error *err)
{
	struct buf b;
	int rc;

	buf_init(&b, CATALOGS_MAX_FILE);
	if (file_read(path, &b, err) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = catalogs_parse(list, b.data, b.len, path, err);
	buf_release(&b);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int catalogs_load_dir(struct catalog_list *list, const char *dir, struct error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < CATALOGS_MAX) {
		if (e->d_name[0] == '.')
			continue;
		if (!str_has_suffix(e->d_name, ".yaml") && !str_has_suffix(e->d_name, ".yml") &&
		    !str_has_suffix(e->d_name, ".json") && !str_has_suffix(e->d_name, ".json5"))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		if (n > 1)
			qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *path = file_join(dir, names[i]);

		if (rc == 0)
			rc = catalogs_load_file(list, path, err);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}


char *catalogs_shipped_dir(void)
{
	const char *env = getenv("DATALAB_CATALOGS_DIR");

	if (env && *env)
		return xstrdup(env);
	return build_shipped("catalogs");
}

int catalogs_load_default(struct catalog_list *list, const char *shipped_dir, struct error *err)
{
	char *user;

	if (shipped_dir && catalogs_load_dir(list, shipped_dir, err) < 0)
		return -1;
	user = xdg_path(XDG_CONFIG, "catalogs", err);
	if (!user)
		return -1;
	if (catalogs_load_dir(list, user, err) < 0) {
		free(user);
		return -1;
	}
	free(user);
	return 0;
}

const struct catalog *catalogs_find(const struct catalog_list *list, const char *id)
{
	for (size_t i = 0; i < list->n; i++)
		if (str_eq(list->items[i].id, id))
			return &list->items[i];
	return NULL;
}

const char *catalog_name_for(const struct catalog *c, const char *lang)
{
	const cJSON *v = lang && c->names ? cJSON_GetObjectItemCaseSensitive(c->names, lang) : NULL;

	return cJSON_IsString(v) ? v->valuestring : c->name;
}

char *catalog_location(const struct catalog *c, const char *sandbox_base, struct error *err)
{
	const char *rest;
	size_t n;

	if (!str_has_prefix(c->location, CATALOG_SANDBOX_SCHEME))
		return xstrdup(c->location);
	if (!sandbox_base || !*sandbox_base) {
		error_set(err, ERR_INVALID, "catalog '%s' needs the sandbox, which is not running", c->id);
		return NULL;
	}
	rest = c->location + strlen(CATALOG_SANDBOX_SCHEME);
	while (*rest == '/')
		rest++;
	n = strlen(sandbox_base);
	while (n > 0 && sandbox_base[n - 1] == '/')
		n--;
	return *rest ? xasprintf("%.*s/%s", (int)n, sandbox_base, rest) : xstrndup(sandbox_base, n);
}

char *catalog_sandbox_url(const struct kubeconfig *kc)
{
	const char *env = getenv(CATALOG_SANDBOX_ENV);
	const char *url = env && *env ? env : NULL;
	size_t n;

	if (!url && kc && str_eq(kc->cluster, CATALOG_SANDBOX_CLUSTER) && kc->server && *kc->server)
		url = kc->server;
	if (!url)
		return NULL;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

bool catalog_is_sandbox(const struct catalog *c)
{
	return str_has_prefix(c->location, CATALOG_SANDBOX_SCHEME);
}

static bool in_list(char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

bool catalog_chart_allowed(const struct catalog *c, const char *chart, const char *const *keywords)
{
	if (in_list(c->excluded_charts, chart))
		return false;
	if (c->include_keywords[0]) {
		bool any = false;

		for (const char *const *k = keywords; k && *k && !any; k++)
			any = in_list(c->include_keywords, *k);
		if (!any)
			return false;
	}
	for (const char *const *k = keywords; k && *k; k++)
		if (in_list(c->exclude_keywords, *k))
			return false;
	return true;
}

bool catalog_chart_highlighted(const struct catalog *c, const char *chart)
{
	return in_list(c->highlighted_charts, chart);
}
