/*
 * index.c: index.yaml and Chart.yaml straight from libyaml events.
 *
 * A cursor (struct yp) pulls one event at a time.  The schema is walked by
 * a fixed nest of functions (root -> entries -> versions -> fields), so
 * their depth is bounded by the schema, not the input; any node the
 * schema does not expect is skipped by skip_node, which counts nesting
 * in a loop.  Aliases are never expanded: where a value is expected an
 * alias counts as absent, so an alias bomb costs nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yaml.h>

#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/helm/index.h"
#include "datalab/helm/semver.h"

#define MAX_NAME 250		/* Helm caps chart names at 250 bytes */
#define MAX_VERSION 256

struct yp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have;
	const struct index_limits *lim;
	struct error *err;
};

static const struct index_limits default_limits = {
	64u << 20, 10000, 200000, 256, 1u << 20,
};

static int yp_next(struct yp *y)
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

static yaml_event_type_t yp_type(const struct yp *y)
{
	return y->ev.type;
}

/* The current event starts a node: consume it whole. */
static int skip_node(struct yp *y)
{
	size_t depth = 0;

	for (;;) {
		switch (yp_type(y)) {
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
		if (yp_next(y) != 0)
			return -1;
	}
}

static bool scalar_is_null(const yaml_event_t *ev)
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
static int take_string(struct yp *y, char **out, bool *bad)
{
	free(*out);
	*out = NULL;
	if (yp_type(y) != YAML_SCALAR_EVENT) {
		if (yp_type(y) != YAML_ALIAS_EVENT)
			*bad = true;
		return skip_node(y);
	}
	if (scalar_is_null(&y->ev))
		return 0;
	if (y->ev.data.scalar.length > y->lim->max_string) {
		*bad = true;
		return 0;
	}
	*out = xmemdup(y->ev.data.scalar.value, y->ev.data.scalar.length);
	return 0;
}

static bool key_is(const struct yp *y, const char *k)
{
	size_t n = strlen(k);

	return y->ev.data.scalar.length == n && memcmp(y->ev.data.scalar.value, k, n) == 0;
}

/* A sequence of scalars (null = empty); non-scalar items mark it bad. */
static int take_list(struct yp *y, char ***out, size_t *count, bool *bad)
{
	if (yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		if (yp_type(y) == YAML_SCALAR_EVENT && scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return skip_node(y);
	}
	for (;;) {
		char *s = NULL;

		if (yp_next(y) != 0)
			return -1;
		if (yp_type(y) == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (take_string(y, &s, bad) != 0)
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
	if (yp_type(y) != YAML_MAPPING_START_EVENT) {
		if (yp_type(y) == YAML_SCALAR_EVENT && scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return skip_node(y);
	}
	for (;;) {
		char *k = NULL, *v = NULL;

		if (yp_next(y) != 0)
			return -1;
		if (yp_type(y) == YAML_MAPPING_END_EVENT)
			return 0;
		if (take_string(y, &k, bad) != 0 || yp_next(y) != 0 ||
		    take_string(y, &v, bad) != 0) {
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

	if (take_string(y, &s, bad) != 0)
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
	if (yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		if (yp_type(y) == YAML_SCALAR_EVENT && scalar_is_null(&y->ev))
			return 0;
		*bad = true;
		return skip_node(y);
	}
	for (;;) {
		struct index_dep d;

		if (yp_next(y) != 0)
			return -1;
		if (yp_type(y) == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (yp_type(y) != YAML_MAPPING_START_EVENT) {
			*bad = true;
			if (skip_node(y) != 0)
				return -1;
			continue;
		}
		memset(&d, 0, sizeof(d));
		for (;;) {
			char **field = NULL;
			int rc;

			if (yp_next(y) != 0)
				goto fail;
			if (yp_type(y) == YAML_MAPPING_END_EVENT)
				break;
			if (yp_type(y) == YAML_SCALAR_EVENT) {
				if (key_is(y, "name"))
					field = &d.name;
				else if (key_is(y, "version"))
					field = &d.version;
				else if (key_is(y, "repository"))
					field = &d.repository;
				else if (key_is(y, "condition"))
					field = &d.condition;
				else if (key_is(y, "alias"))
					field = &d.alias;
			} else if (skip_node(y) != 0) {
				goto fail;
			}
			if (yp_next(y) != 0)
				goto fail;
			rc = field ? take_string(y, field, bad) : skip_node(y);
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
static int take_version(struct yp *y, struct index_version *v, bool *bad)
{
	for (;;) {
		char **field = NULL;
		int rc;
		enum { F_SKIP, F_STR, F_LIST_URLS, F_LIST_KW, F_LIST_SRC, F_ANN,
			F_DEPRECATED, F_DEPS } kind = F_SKIP;

		if (yp_next(y) != 0)
			return -1;
		if (yp_type(y) == YAML_MAPPING_END_EVENT)
			return 0;
		if (yp_type(y) == YAML_SCALAR_EVENT) {
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
				if (key_is(y, strs[i].key)) {
					field = (char **)((char *)v + strs[i].off);
					kind = F_STR;
					break;
				}
			}
			if (kind == F_SKIP) {
				if (key_is(y, "urls"))
					kind = F_LIST_URLS;
				else if (key_is(y, "keywords"))
					kind = F_LIST_KW;
				else if (key_is(y, "sources"))
					kind = F_LIST_SRC;
				else if (key_is(y, "annotations"))
					kind = F_ANN;
				else if (key_is(y, "deprecated"))
					kind = F_DEPRECATED;
				else if (key_is(y, "dependencies"))
					kind = F_DEPS;
			}
		} else if (skip_node(y) != 0) {
			return -1;
		}
		if (yp_next(y) != 0)
			return -1;
		switch (kind) {
		case F_STR:
			rc = take_string(y, field, bad);
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
			rc = skip_node(y);
			break;
		}
		if (rc != 0)
			return -1;
	}
}

static bool valid_name(const char *s)
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
static bool version_ok(struct index_version *v, const char *key)
{
	struct semver sv;

	if (!valid_name(v->name) || (key && strcmp(key, v->name) != 0))
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

static void chart_release(struct index_chart *c)
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
		chart_release(&idx->charts[i]);
	free(idx->charts);
	free(idx->api_version);
	free(idx->generated);
	memset(idx, 0, sizeof(*idx));
}

/* One step in entries.NAME (a sequence of version mappings), the cursor
 * on the event before: 1 when a version was read (kept or dropped), 0 at
 * the sequence's end, -1 with y->err. */
static int take_chart_version(struct yp *y, struct index *idx, struct index_chart *c)
{
	struct index_version v;
	bool bad = false;

	if (yp_next(y) != 0)
		return -1;
	if (yp_type(y) == YAML_SEQUENCE_END_EVENT)
		return 0;
	if (yp_type(y) != YAML_MAPPING_START_EVENT) {
		idx->nrejected++;
		return skip_node(y) != 0 ? -1 : 1;
	}
	memset(&v, 0, sizeof(v));
	if (take_version(y, &v, &bad) != 0) {
		index_version_release(&v);
		return -1;
	}
	if (bad || !version_ok(&v, c->name)) {
		idx->nrejected++;
		index_version_release(&v);
		return 1;
	}
	if (idx->nversions >= y->lim->max_versions) {
		index_version_release(&v);
		return error_set(y->err, ERR_LIMIT, "index holds more than %zu versions", y->lim->max_versions);
	}
	c->versions = xreallocarray(c->versions, c->nversions + 1, sizeof(*c->versions));
	c->versions[c->nversions++] = v;
	idx->nversions++;
	return 1;
}

/* A chart read whole: kept (within the limit) or dropped when empty. */
static int keep_chart(struct yp *y, struct index *idx, struct index_chart *c)
{
	if (c->nversions == 0) {
		chart_release(c);
		return 0;
	}
	if (idx->ncharts >= y->lim->max_charts) {
		chart_release(c);
		return error_set(y->err, ERR_LIMIT, "index holds more than %zu charts", y->lim->max_charts);
	}
	idx->charts = xreallocarray(idx->charts, idx->ncharts + 1, sizeof(*idx->charts));
	idx->charts[idx->ncharts++] = *c;
	memset(c, 0, sizeof(*c));
	return 0;
}

static int cmp_version_desc(const void *a, const void *b)
{
	const struct index_version *va = a, *vb = b;

	return semver_compare_str(vb->version, va->version);
}

/* Sorts by name; for a key given twice the later one wins, as in go-yaml. */
static int cmp_chart(const void *a, const void *b)
{
	const struct index_chart *ca = a, *cb = b;
	int c = strcmp(ca->name, cb->name);

	if (c != 0)
		return c;
	/* qsort is not stable: order duplicates by the address they had */
	return ca < cb ? -1 : ca > cb;
}

static void finish(struct index *idx)
{
	size_t out = 0;

	if (idx->ncharts > 1)
		qsort(idx->charts, idx->ncharts, sizeof(*idx->charts), cmp_chart);
	for (size_t i = 0; i < idx->ncharts; i++) {
		if (i + 1 < idx->ncharts && !strcmp(idx->charts[i].name, idx->charts[i + 1].name)) {
			idx->nversions -= idx->charts[i].nversions;
			chart_release(&idx->charts[i]);
			continue;
		}
		idx->charts[out++] = idx->charts[i];
	}
	idx->ncharts = out;
	for (size_t i = 0; i < idx->ncharts; i++) {
		struct index_chart *c = &idx->charts[i];

		if (c->nversions > 1)
			qsort(c->versions, c->nversions, sizeof(*c->versions), cmp_version_desc);
		c->latest = 0;
		for (size_t j = 0; j < c->nversions; j++) {
			if (!c->versions[j].prerelease) {
				c->latest = j;
				break;
			}
		}
		c->library = c->versions[c->latest].library;
		c->deprecated = c->versions[c->latest].deprecated;
	}
}

static int yp_open(struct yp *y, const char *p, size_t n, const struct index_limits *lim,
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
	if (yp_next(y) != 0 || yp_next(y) != 0)
		return -1;
	if (yp_type(y) != YAML_DOCUMENT_START_EVENT)
		return error_set(err, ERR_PARSE, "empty document");
	return yp_next(y);
}

static void yp_close(struct yp *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	yaml_parser_delete(&y->parser);
}

/* ---- the parse, in steps ---- */

enum ip_state {
	IP_ROOT,	/* the top mapping's keys */
	IP_ENTRIES,	/* entries: chart names */
	IP_CHART,	/* one chart's versions */
	IP_DONE,
	IP_FAILED,
};

struct index_parser {
	struct yp y;
	struct error err;	/* y.err points here */
	struct index idx;
	struct index_chart c;	/* the chart being read (IP_CHART) */
	enum ip_state state;
};

struct index_parser *index_parser_new(const char *p, size_t n, const struct index_limits *limits)
{
	struct index_parser *ip = xcalloc(1, sizeof(*ip));

	if (yp_open(&ip->y, p, n, limits, &ip->err) != 0)
		ip->state = IP_FAILED;
	else if (yp_type(&ip->y) != YAML_MAPPING_START_EVENT) {
		error_set(&ip->err, ERR_PARSE, "index is not a mapping");
		ip->state = IP_FAILED;
	}
	return ip;
}

/* root_key: one key of the top mapping and its value (or the start of
 * entries); 1 to go on, 0 at the mapping's end, -1 on error. */
static int root_key(struct index_parser *ip)
{
	struct yp *y = &ip->y;
	bool bad = false;

	if (yp_next(y) != 0)
		return -1;
	if (yp_type(y) == YAML_MAPPING_END_EVENT)
		return 0;
	if (yp_type(y) != YAML_SCALAR_EVENT)
		return skip_node(y) != 0 || yp_next(y) != 0 || skip_node(y) != 0 ? -1 : 1;
	if (key_is(y, "entries")) {
		if (yp_next(y) != 0)
			return -1;
		if (yp_type(y) == YAML_MAPPING_START_EVENT) {
			ip->state = IP_ENTRIES;
			return 1;
		}
		if (yp_type(y) == YAML_SCALAR_EVENT && scalar_is_null(&y->ev))
			return 1;
		return error_set(y->err, ERR_PARSE, "index 'entries' is not a mapping");
	}
	if (key_is(y, "apiVersion"))
		return yp_next(y) != 0 || take_string(y, &ip->idx.api_version, &bad) != 0 ? -1 : 1;
	if (key_is(y, "generated"))
		return yp_next(y) != 0 || take_string(y, &ip->idx.generated, &bad) != 0 ? -1 : 1;
	return yp_next(y) != 0 || skip_node(y) != 0 ? -1 : 1;
}

/* entry: the next chart name in entries, up to its sequence's start; 1 to
 * go on, -1 on error. */
static int entry(struct index_parser *ip)
{
	struct yp *y = &ip->y;
	bool bad = false;

	if (yp_next(y) != 0)
		return -1;
	if (yp_type(y) == YAML_MAPPING_END_EVENT) {
		ip->state = IP_ROOT;
		return 1;
	}
	memset(&ip->c, 0, sizeof(ip->c));
	if (take_string(y, &ip->c.name, &bad) != 0 || yp_next(y) != 0)
		return -1;
	if (!ip->c.name || !valid_name(ip->c.name) || yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		ip->idx.nrejected++;
		chart_release(&ip->c);
		return skip_node(y) != 0 ? -1 : 1;
	}
	ip->state = IP_CHART;
	return 1;
}

static int one_step(struct index_parser *ip)
{
	int rc;

	switch (ip->state) {
	case IP_ROOT:
		if ((rc = root_key(ip)) == 0) {
			finish(&ip->idx);
			ip->state = IP_DONE;
		}
		return rc;
	case IP_ENTRIES:
		return entry(ip);
	case IP_CHART:
		if ((rc = take_chart_version(&ip->y, &ip->idx, &ip->c)) != 0)
			return rc;
		ip->state = IP_ENTRIES;
		return keep_chart(&ip->y, &ip->idx, &ip->c) != 0 ? -1 : 1;
	default:
		return 0;
	}
}

static long elapsed_us(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - since->tv_sec) * 1000000L + (now.tv_nsec - since->tv_nsec) / 1000;
}

int index_parser_step(struct index_parser *ip, long budget_us, struct error *err)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ip->state != IP_DONE && ip->state != IP_FAILED) {
		if (one_step(ip) < 0) {
			ip->state = IP_FAILED;
			break;
		}
		if (budget_us >= 0 && elapsed_us(&t0) >= budget_us)
			break;
	}
	if (ip->state == IP_FAILED) {
		*err = ip->err;
		return -1;
	}
	return ip->state == IP_DONE ? 0 : 1;
}

void index_parser_take(struct index_parser *ip, struct index *idx)
{
	*idx = ip->idx;
	memset(&ip->idx, 0, sizeof(ip->idx));
	if (ip->state != IP_DONE)
		index_release(idx);
}

void index_parser_free(struct index_parser *ip)
{
	if (!ip)
		return;
	yp_close(&ip->y);
	chart_release(&ip->c);
	index_release(&ip->idx);
	free(ip);
}

int index_parse(const char *p, size_t n, const struct index_limits *limits,
		struct index *idx, struct error *err)
{
	struct index_parser *ip = index_parser_new(p, n, limits);
	int rc = index_parser_step(ip, -1, err);

	index_parser_take(ip, idx);
	index_parser_free(ip);
	return rc;
}

int index_parse_metadata(const char *p, size_t n, struct index_version *v, struct error *err)
{
	static const struct index_limits lim = { 1u << 20, 1, 1, 1024, 1u << 20 };
	struct yp y;
	bool bad = false;

	memset(v, 0, sizeof(*v));
	if (yp_open(&y, p, n, &lim, err) != 0)
		goto fail;
	if (yp_type(&y) != YAML_MAPPING_START_EVENT) {
		error_set(err, ERR_PARSE, "Chart.yaml is not a mapping");
		goto fail;
	}
	if (take_version(&y, v, &bad) != 0)
		goto fail;
	yp_close(&y);
	if (!v->name || !v->version) {
		error_set(err, ERR_INVALID, "Chart.yaml has no %s", v->name ? "version" : "name");
		index_version_release(v);
		return -1;
	}
	if (bad || !version_ok(v, NULL)) {
		error_set(err, ERR_INVALID, "Chart.yaml of '%.64s' is not valid", v->name);
		index_version_release(v);
		return -1;
	}
	return 0;
fail:
	yp_close(&y);
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
