/*
 * index_walk.c: the index document walked in steps (index_parser_*, and
 * index_parse, the same walk run to its end): a state machine over the
 * top keys, the entries and one chart's versions, each step reading at
 * most one version with index.c's field readers, then the charts and
 * versions sorted as Helm orders them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/mem.h"
#include "datalab/helm/index.h"
#include "datalab/helm/semver.h"
#include "index-internal.h"

/* One step in entries.NAME (a sequence of version mappings), the cursor
 * on the event before: 1 when a version was read (kept or dropped), 0 at
 * the sequence's end, -1 with y->err. */
static int take_chart_version(struct yp *y, struct index *idx, struct index_chart *c)
{
	struct index_version v;
	bool bad = false;

	if (index_yp_next(y) != 0)
		return -1;
	if (index_yp_type(y) == YAML_SEQUENCE_END_EVENT)
		return 0;
	if (index_yp_type(y) != YAML_MAPPING_START_EVENT) {
		idx->nrejected++;
		return index_skip_node(y) != 0 ? -1 : 1;
	}
	memset(&v, 0, sizeof(v));
	if (index_take_version(y, &v, &bad) != 0) {
		index_version_release(&v);
		return -1;
	}
	if (bad || !index_version_ok(&v, c->name)) {
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
		index_chart_release(c);
		return 0;
	}
	if (idx->ncharts >= y->lim->max_charts) {
		index_chart_release(c);
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
			index_chart_release(&idx->charts[i]);
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

	if (index_yp_open(&ip->y, p, n, limits, &ip->err) != 0)
		ip->state = IP_FAILED;
	else if (index_yp_type(&ip->y) != YAML_MAPPING_START_EVENT) {
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

	if (index_yp_next(y) != 0)
		return -1;
	if (index_yp_type(y) == YAML_MAPPING_END_EVENT)
		return 0;
	if (index_yp_type(y) != YAML_SCALAR_EVENT)
		return index_skip_node(y) != 0 || index_yp_next(y) != 0 || index_skip_node(y) != 0 ? -1 : 1;
	if (index_key_is(y, "entries")) {
		if (index_yp_next(y) != 0)
			return -1;
		if (index_yp_type(y) == YAML_MAPPING_START_EVENT) {
			ip->state = IP_ENTRIES;
			return 1;
		}
		if (index_yp_type(y) == YAML_SCALAR_EVENT && index_scalar_is_null(&y->ev))
			return 1;
		return error_set(y->err, ERR_PARSE, "index 'entries' is not a mapping");
	}
	if (index_key_is(y, "apiVersion"))
		return index_yp_next(y) != 0 || index_take_string(y, &ip->idx.api_version, &bad) != 0 ? -1 : 1;
	if (index_key_is(y, "generated"))
		return index_yp_next(y) != 0 || index_take_string(y, &ip->idx.generated, &bad) != 0 ? -1 : 1;
	return index_yp_next(y) != 0 || index_skip_node(y) != 0 ? -1 : 1;
}

/* entry: the next chart name in entries, up to its sequence's start; 1 to
 * go on, -1 on error. */
static int entry(struct index_parser *ip)
{
	struct yp *y = &ip->y;
	bool bad = false;

	if (index_yp_next(y) != 0)
		return -1;
	if (index_yp_type(y) == YAML_MAPPING_END_EVENT) {
		ip->state = IP_ROOT;
		return 1;
	}
	memset(&ip->c, 0, sizeof(ip->c));
	if (index_take_string(y, &ip->c.name, &bad) != 0 || index_yp_next(y) != 0)
		return -1;
	if (!ip->c.name || !index_valid_name(ip->c.name) || index_yp_type(y) != YAML_SEQUENCE_START_EVENT) {
		ip->idx.nrejected++;
		index_chart_release(&ip->c);
		return index_skip_node(y) != 0 ? -1 : 1;
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
	index_yp_close(&ip->y);
	index_chart_release(&ip->c);
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

