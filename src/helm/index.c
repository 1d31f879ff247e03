/*
 * index.c: index.yaml and Chart.yaml straight from libyaml events.
 *
 * A cursor (struct yp) pulls one event at a time.  The schema is walked by
 * a fixed nest of functions (root -> entries -> versions -> fields), so
 * their depth is bounded by the schema, not the input; any node the
 * schema does not expect is skipped by index_skip_node, which counts nesting
 * in a loop.  Aliases are never expanded: where a value is expected an
 * alias counts as absent, so an alias bomb costs nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/helm/index.h"
#include "datalab/helm/semver.h"
#include "index-internal.h"

#define MAX_NAME 250		/* Helm caps chart names at 250 bytes */
#define MAX_VERSION 256


static const struct index_limits default_limits = {
	64u << 20, 10000, 200000, 256, 1u << 20,
};

int index_yp_next(struct yp *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = false;
	if (!yaml_parser_parse(&y->parser, &y->ev)) {
		return error_set(y->err, ERR_PARSE, "line %zu column %zu: %s",
		    y->parser.problem_mark.line + 1, y->parser.problem_mark.column + 1,
		    y->parser.problem ? y->parser.problem : "invalid yaml");
	}
	y->have = true;
	return 0;
}

yaml_event_type_t index_yp_type(const struct yp *y)
{
	return y->ev.type;
}

/* The current event starts a node: consume it whole. */
int index_skip_node(struct yp *y)
{
	size_t depth = 0;

	for (;;) {
		switch (index_yp_type(y)) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			break;
		default:
			return error_set(y->err, ERR_PARSE, "unexpected yaml event");
		}
		if (depth == 0)
			return 0;
		if (index_yp_next(y) != 0)
			return -1;
	}
}

bool index_scalar_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n == 0 || (n == 1 && v[0] == '~') ||
	    (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
	    !memcmp(v, "NULL", 4)));
}

/* The value node at the cursor as a string: scalars only, null = NULL.
 * Consumes the node.  *bad is set when it was present but unusable. */
int index_take_string(struct yp *y, char **out, bool *bad)
{
	free(*out);
	*out = NULL;
	if (index_yp_type(y) != YAML_SCALAR_EVENT) {
		if (index_yp_type(y) != YAML_ALIAS_EVENT)
			*bad = true;
		return index_skip_node(y);
	}
	if (index_scalar_is_null(&y->ev))
		return 0;
	if (y->ev.data.scalar.length > y->lim->max_string) {
		*bad = true;
		return 0;
	}
	*out = xmemdup(y->ev.data.scalar.value, y->ev.data.scalar.length);
	return 0;
}

bool index_key_is(const struct yp *y, const char *k)
{
	size_t n = strlen(k);

	return y->ev.data.scalar.length == n && memcmp(y->ev.data.scalar.value, k, n) == 0;
}

/* A sequence of scalars (null = empty); non-scalar items mark it bad. */
static int take_list(struct yp *y, char ***out, size_t *count, bool *bad)
{
	if (index_yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		if (index_yp_type(y) == YAML_SCALAR_EVENT && index_scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return index_skip_node(y);
	}
	for (;;) {
		char *s = NULL;

		if (index_yp_next(y) != 0)
			return -1;
		if (index_yp_type(y) == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (index_take_string(y, &s, bad) != 0)
			return -1;
		if (!s)
			continue;
		if (*count >= y->lim->max_list) {
			*bad = true;
			free(s);
			continue;
		}
		*out = xreallocarray(*out, *count + 1, sizeof(**out));
		(*out)[(*count)++] = s;
	}
}

/* A mapping of scalar keys to scalar values (annotations). */
static int take_kv(struct yp *y, struct index_kv **out, size_t *count, bool *bad)
{
	if (index_yp_type(y) != YAML_MAPPING_START_EVENT) {
		if (index_yp_type(y) == YAML_SCALAR_EVENT && index_scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return index_skip_node(y);
	}
	for (;;) {
		char *k = NULL, *v = NULL;

		if (index_yp_next(y) != 0)
			return -1;
		if (index_yp_type(y) == YAML_MAPPING_END_EVENT)
			return 0;
		if (index_take_string(y, &k, bad) != 0 || index_yp_next(y) != 0 ||
		    index_take_string(y, &v, bad) != 0) {
			free(k);
			free(v);
			return -1;
		}
		if (!k || *count >= y->lim->max_list) {
			*bad = *bad || k;
			free(k);
			free(v);
			continue;
		}
		*out = xreallocarray(*out, *count + 1, sizeof(**out));
		(*out)[*count].key = k;
		(*out)[*count].value = v ? v : xstrdup("");
		(*count)++;
	}
}

static int take_bool(struct yp *y, bool *out, bool *bad)
{
	char *s = NULL;

	if (index_take_string(y, &s, bad) != 0)
		return -1;
	if (!s)
		return 0;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*out = false;
	else
		*bad = true;
	free(s);
	return 0;
}

static void dep_release(struct index_dep *d)
{
	free(d->name);
	free(d->version);
	free(d->repository);
	free(d->condition);
	free(d->alias);
}

static int take_deps(struct yp *y, struct index_version *v, bool *bad)
{
	if (index_yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		if (index_yp_type(y) == YAML_SCALAR_EVENT && index_scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return index_skip_node(y);
	}
	for (;;) {
		struct index_dep d;

		if (index_yp_next(y) != 0)
			return -1;
		if (index_yp_type(y) == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (index_yp_type(y) != YAML_MAPPING_START_EVENT) {
			*bad = true;
			if (index_skip_node(y) != 0)
				return -1;
			continue;
		}
		memset(&d, 0, sizeof(d));
		for (;;) {
			char **field = NULL;
			int rc;

			if (index_yp_next(y) != 0)
				goto fail;
			if (index_yp_type(y) == YAML_MAPPING_END_EVENT)
				break;
			if (index_yp_type(y) == YAML_SCALAR_EVENT) {
				if (index_key_is(y, "name"))
					field = &d.name;
				else if (index_key_is(y, "version"))
					field = &d.version;
				else if (index_key_is(y, "repository"))
					field = &d.repository;
				else if (index_key_is(y, "condition"))
					field = &d.condition;
				else if (index_key_is(y, "alias"))
					field = &d.alias;
			} else if (index_skip_node(y) != 0) {
				goto fail;
			}
			if (index_yp_next(y) != 0)
				goto fail;
			rc = field ? index_take_string(y, field, bad) : index_skip_node(y);
			if (rc != 0)
				goto fail;
		}
		if (!d.name || v->ndeps >= y->lim->max_list) {
			*bad = true;
			dep_release(&d);
			continue;
		}
		v->deps = xreallocarray(v->deps, v->ndeps + 1, sizeof(*v->deps));
		v->deps[v->ndeps++] = d;
		continue;
fail:
		dep_release(&d);
		return -1;
	}
}

/* One version mapping at the cursor (MAPPING_START), up to its end. */
int index_take_version(struct yp *y, struct index_version *v, bool *bad)
{
	for (;;) {
		char **field = NULL;
		int rc;
		enum { F_SKIP, F_STR, F_LIST_URLS, F_LIST_KW, F_LIST_SRC, F_ANN,
			F_DEPRECATED, F_DEPS } kind = F_SKIP;

		if (index_yp_next(y) != 0)
			return -1;
		if (index_yp_type(y) == YAML_MAPPING_END_EVENT)
			return 0;
		if (index_yp_type(y) == YAML_SCALAR_EVENT) {
			static const struct { const char *key; size_t off; } strs[] = {
				{ "apiVersion", offsetof(struct index_version, api_version) },
				{ "name", offsetof(struct index_version, name) },
				{ "version", offsetof(struct index_version, version) },
				{ "appVersion", offsetof(struct index_version, app_version) },
				{ "kubeVersion", offsetof(struct index_version, kube_version) },
				{ "description", offsetof(struct index_version, description) },
				{ "type", offsetof(struct index_version, type) },
				{ "home", offsetof(struct index_version, home) },
				{ "icon", offsetof(struct index_version, icon) },
				{ "created", offsetof(struct index_version, created) },
				{ "digest", offsetof(struct index_version, digest) },
			};

			for (size_t i = 0; i < DL_ARRAY_LEN(strs); i++) {
				if (index_key_is(y, strs[i].key)) {
					field = (char **)((char *)v + strs[i].off);
					kind = F_STR;
					break;
				}
			}
			if (kind == F_SKIP) {
				if (index_key_is(y, "urls"))
					kind = F_LIST_URLS;
				else if (index_key_is(y, "keywords"))
					kind = F_LIST_KW;
				else if (index_key_is(y, "sources"))
					kind = F_LIST_SRC;
				else if (index_key_is(y, "annotations"))
					kind = F_ANN;
				else if (index_key_is(y, "deprecated"))
					kind = F_DEPRECATED;
				else if (index_key_is(y, "dependencies"))
					kind = F_DEPS;
			}
		} else if (index_skip_node(y) != 0) {
			return -1;
		}
		if (index_yp_next(y) != 0)
			return -1;
		switch (kind) {
		case F_STR:
			rc = index_take_string(y, field, bad);
			break;
		case F_LIST_URLS:
			rc = take_list(y, &v->urls, &v->nurls, bad);
			break;
		case F_LIST_KW:
			rc = take_list(y, &v->keywords, &v->nkeywords, bad);
			break;
		case F_LIST_SRC:
			rc = take_list(y, &v->sources, &v->nsources, bad);
			break;
		case F_ANN:
			rc = take_kv(y, &v->annotations, &v->nannotations, bad);
			break;
		case F_DEPRECATED:
			rc = take_bool(y, &v->deprecated, bad);
			break;
		case F_DEPS:
			rc = take_deps(y, v, bad);
			break;
		default:
			rc = index_skip_node(y);
			break;
		}
		if (rc != 0)
			return -1;
	}
}

bool index_valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool valid_digest(char *s)
{
	size_t n = strlen(s);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'F')
			s[i] = (char)(s[i] - 'A' + 'a');
		else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* Helm's Validate, the parts a console depends on; fills derived flags. */
bool index_version_ok(struct index_version *v, const char *key)
{
	struct semver sv;

	if (!index_valid_name(v->name) || (key && strcmp(key, v->name) != 0))
		return false;
	if (!v->version || strlen(v->version) > MAX_VERSION ||
	    semver_parse(v->version, strlen(v->version), &sv) != 0)
		return false;
	if (v->type && strcmp(v->type, "application") != 0 && strcmp(v->type, "library") != 0)
		return false;
	if (v->digest && !valid_digest(v->digest))
		return false;
	v->library = v->type && strcmp(v->type, "library") == 0;
	v->prerelease = semver_is_prerelease(&sv);
	return true;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void index_version_release(struct index_version *v)
{
	free(v->api_version);
	free(v->name);
	free(v->version);
	free(v->app_version);
	free(v->kube_version);
	free(v->description);
	free(v->type);
	free(v->home);
	free(v->icon);
	free(v->created);
	free(v->digest);
	free_list(v->urls, v->nurls);
	free_list(v->keywords, v->nkeywords);
	free_list(v->sources, v->nsources);
	for (size_t i = 0; i < v->nannotations; i++) {
		free(v->annotations[i].key);
		free(v->annotations[i].value);
	}
	free(v->annotations);
	for (size_t i = 0; i < v->ndeps; i++)
		dep_release(&v->deps[i]);
	free(v->deps);
	memset(v, 0, sizeof(*v));
}

void index_chart_release(struct index_chart *c)
{
	for (size_t i = 0; i < c->nversions; i++)
		index_version_release(&c->versions[i]);
	free(c->versions);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

void index_release(struct index *idx)
{
	for (size_t i = 0; i < idx->ncharts; i++)
		index_chart_release(&idx->charts[i]);
	free(idx->charts);
	free(idx->api_version);
	free(idx->generated);
	memset(idx, 0, sizeof(*idx));
}

int index_yp_open(struct yp *y, const char *p, size_t n, const struct index_limits *lim,
		   struct error *err)
{
	memset(y, 0, sizeof(*y));
	y->lim = lim ? lim : &default_limits;
	y->err = err;
	if (n > y->lim->max_bytes)
		return error_set(err, ERR_LIMIT, "document is over %zu bytes", y->lim->max_bytes);
	if (!yaml_parser_initialize(&y->parser))
		fatal("out of memory");
	yaml_parser_set_input_string(&y->parser, (const unsigned char *)p, n);
	/* stream start, then the first document's start (or the stream end) */
	if (index_yp_next(y) != 0 || index_yp_next(y) != 0)
		return -1;
	if (index_yp_type(y) != YAML_DOCUMENT_START_EVENT)
		return error_set(err, ERR_PARSE, "empty document");
	return index_yp_next(y);
}

void index_yp_close(struct yp *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	yaml_parser_delete(&y->parser);
}

int index_parse_metadata(const char *p, size_t n, struct index_version *v, struct error *err)
{
	static const struct index_limits lim = { 1u << 20, 1, 1, 1024, 1u << 20 };
	struct yp y;
	bool bad = false;

	memset(v, 0, sizeof(*v));
	if (index_yp_open(&y, p, n, &lim, err) != 0)
		goto fail;
	if (index_yp_type(&y) != YAML_MAPPING_START_EVENT) {
		error_set(err, ERR_PARSE, "Chart.yaml is not a mapping");
		goto fail;
	}
	if (index_take_version(&y, v, &bad) != 0)
		goto fail;
	index_yp_close(&y);
	if (!v->name || !v->version) {
		error_set(err, ERR_INVALID, "Chart.yaml has no %s", v->name ? "version" : "name");
		index_version_release(v);
		return -1;
	}
	if (bad || !index_version_ok(v, NULL)) {
		error_set(err, ERR_INVALID, "Chart.yaml of '%.64s' is not valid", v->name);
		index_version_release(v);
		return -1;
	}
	return 0;
fail:
	index_yp_close(&y);
	index_version_release(v);
	return -1;
}

const struct index_chart *index_find(const struct index *idx, const char *name)
{
	size_t lo = 0, hi = idx->ncharts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, idx->charts[mid].name);

		if (c == 0)
			return &idx->charts[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct index_version *index_latest(const struct index_chart *c)
{
	return c->nversions ? &c->versions[c->latest] : NULL;
}

const struct index_version *index_find_version(const struct index_chart *c, const char *version)
{
	if (!version || !*version)
		return index_latest(c);
	for (size_t i = 0; i < c->nversions; i++)
		if (!strcmp(c->versions[i].version, version))
			return &c->versions[i];
	return NULL;
}
