/*
 * index.h: Helm repository index.yaml (and Chart.yaml) parsing.
 *
 * index_parse reads libyaml events straight into these structs (no
 * intermediate tree): apiVersion, generated, and entries {NAME: [version
 * ...]}, each version holding the Chart.yaml fields plus urls, created and
 * digest (helm/helm: pkg/repo/v1/index.go, pkg/chart/v2/metadata.go).
 *
 * Remote input is not trusted.  A version is rejected (dropped and
 * counted in index.nrejected, as Helm's loadIndex drops what fails
 * Validate) when its name is missing, is not [A-Za-z0-9._-]+, or differs
 * from its entries key; when its version is not SemVer 2; when its type
 * is neither application nor library; when its digest is not 64 hex
 * digits; or when a list in it is over the limit.  Text fields are kept
 * as sent (they may hold escape sequences): utf8_sanitize them where they
 * are drawn.  urls are kept as sent too: index_resolve_url turns one into
 * a URL that is safe to fetch, or refuses it.
 *
 * Per chart, versions are sorted newest first by SemVer precedence, and
 * latest names the newest release that is not a pre-release (the newest
 * pre-release when there is nothing else), as `helm install` without
 * --version picks.  Library charts are flagged: they are never launchable.
 */
#ifndef DATALAB_HELM_INDEX_H
#define DATALAB_HELM_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

struct index_kv {
	char *key;
	char *value;
};

struct index_dep {
	char *name, *version, *repository, *condition, *alias;
};

/* One chart version: Chart.yaml metadata plus the index's own fields.
 * Every string is xmalloc'd or NULL when absent. */
struct index_version {
	char *api_version;
	char *name;
	char *version;
	char *app_version;
	char *kube_version;
	char *description;
	char *type;		/* "application", "library" or NULL */
	char *home;
	char *icon;
	char *created;		/* index only, RFC 3339 */
	char *digest;		/* index only, 64 lower-case hex digits */
	bool deprecated;
	bool library;		/* type is "library" */
	bool prerelease;
	char **urls;		/* index only */
	size_t nurls;
	char **keywords;
	size_t nkeywords;
	char **sources;
	size_t nsources;
	struct index_kv *annotations;
	size_t nannotations;
	struct index_dep *deps;
	size_t ndeps;
};

struct index_chart {
	char *name;
	struct index_version *versions;	/* newest first */
	size_t nversions;
	size_t latest;		/* index into versions */
	bool library;		/* the latest version is a library chart */
	bool deprecated;	/* the latest version is deprecated */
};

struct index {
	char *api_version;
	char *generated;
	struct index_chart *charts;	/* sorted by name */
	size_t ncharts;
	size_t nversions;	/* kept, over all charts */
	size_t nrejected;	/* versions (or entries) dropped */
};

struct index_limits {
	size_t max_bytes;	/* default 64 MiB */
	size_t max_charts;	/* default 10,000 */
	size_t max_versions;	/* over all charts, default 200,000 */
	size_t max_list;	/* urls, keywords, annotations... per version, default 256 */
	size_t max_string;	/* one scalar, default 1 MiB */
};

/* index_parse: p[0..n) into idx (zeroed first).  limits may be NULL.
 * Returns 0, or -1 with err (ERR_PARSE with "line L column C", ERR_LIMIT)
 * and idx empty.  Individual bad versions do not fail the parse. */
int index_parse(const char *p, size_t n, const struct index_limits *limits,
		struct index *idx, struct error *err);
/* The same parse in steps, for an event loop (a 2.3 MB index costs tens
 * of milliseconds, more on a loaded machine): index_parser_new keeps p
 * (which must outlive the parser); each index_parser_step parses for
 * about budget_us microseconds (at least one version; < 0: to the end)
 * and returns 1 while more remains, 0 when done, -1 with err;
 * index_parser_take then hands the index over (empty unless done). */
struct index_parser;
struct index_parser *index_parser_new(const char *p, size_t n, const struct index_limits *limits);
int index_parser_step(struct index_parser *ip, long budget_us, struct error *err);
void index_parser_take(struct index_parser *ip, struct index *idx);
void index_parser_free(struct index_parser *ip);

/* index_release: frees what idx holds; idx is empty again. */
void index_release(struct index *idx);

/* index_parse_metadata: a Chart.yaml into v (zeroed first), with the
 * same checks as an index version (name and version required). */
int index_parse_metadata(const char *p, size_t n, struct index_version *v, struct error *err);
void index_version_release(struct index_version *v);

/* index_find: the chart by exact name, or NULL (binary search). */
const struct index_chart *index_find(const struct index *idx, const char *name);
/* index_find_version: version by exact string, "" or NULL = latest. */
const struct index_version *index_find_version(const struct index_chart *c, const char *version);
/* index_latest: the chart's latest version. */
const struct index_version *index_latest(const struct index_chart *c);

/*
 * index_resolve_url: appends to out the absolute URL of ref, a urls[]
 * entry of the index at repo_url (the repository URL, with or without
 * a trailing "/index.yaml").  As Helm, a relative ref resolves against
 * the repository folder (RFC 3986 section 5.2, dot segments removed, so
 * "../" never climbs above the host's root).  Refused (ERR_INVALID):
 * schemes other than http and https, userinfo ("user@host", the
 * "a.example@169.254.169.254" trick), network-path refs ("//host"),
 * controls, spaces, backslashes and non-ASCII bytes.
 */
int index_resolve_url(const char *repo_url, const char *ref, struct buf *out, struct error *err);

#endif
