/*
 * chart.h: chart archives (.tgz) read in memory, verified, cached.
 *
 * chart_load walks a gzip'd tar with libarchive and never extracts to
 * disk.  It keeps, for the chart and each dependency under charts/
 * (folders, and nested .tgz such as Onyxia's library-chart), the files a
 * console shows or a launch form needs: Chart.yaml (parsed), values.yaml,
 * values.schema.json, README.md and templates/NOTES.txt.  Other members
 * are read only to be counted against the caps.
 *
 * Refused, failing the whole archive: anything but gzip'd tar, members
 * outside one top folder, absolute paths, ".." or "." segments, empty
 * segments, control bytes in names, links (hard or symbolic), devices,
 * FIFOs, and input over the caps (uncompressed total, member count,
 * path length, nesting of subcharts).  Error messages show member names
 * with non-printable bytes as '?'.
 *
 * The cache keeps archives by digest at XDG_CACHE/charts/<sha256>.tgz,
 * written atomically (0600) and checked again when read.
 */
#ifndef DATALAB_HELM_CHART_H
#define DATALAB_HELM_CHART_H

#include <stddef.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/helm/index.h"

struct chart_text {
	char *data;		/* NUL-terminated (may hold NULs); NULL when absent */
	size_t len;
};

struct chart {
	char *dir;		/* the folder name in the archive */
	struct index_version meta;	/* Chart.yaml */
	struct chart_text chart_yaml;
	struct chart_text values;	/* values.yaml */
	struct chart_text schema;	/* values.schema.json */
	struct chart_text readme;	/* README.md */
	struct chart_text notes;	/* templates/NOTES.txt */
	size_t ntemplates;	/* members under templates/ */
	size_t nfiles;		/* members of this chart, dependencies excluded */
	struct chart **deps;	/* charts/<dep>/ and charts/<dep>.tgz, sorted by dir */
	size_t ndeps;
};

struct chart_limits {
	size_t max_total;	/* uncompressed bytes, nested archives included; 64 MiB */
	size_t max_entries;	/* members, nested archives included; 20,000 */
	size_t max_path;	/* bytes in a member name; 1,024 */
	int max_depth;		/* subchart nesting; 8 */
};

/* chart_load: the archive p[0..n) into a new chart (free with chart_free).
 * limits may be NULL.  Returns 0, or -1 with err (ERR_PARSE for a bad or
 * truncated archive, ERR_LIMIT, ERR_INVALID for a refused member or a
 * bad Chart.yaml) and *out NULL. */
int chart_load(const void *p, size_t n, const struct chart_limits *limits,
	       struct chart **out, struct error *err);
void chart_free(struct chart *c);
/* chart_find_dep: the direct dependency named name (Chart.yaml name). */
const struct chart *chart_find_dep(const struct chart *c, const char *name);

/* chart_sha256_hex: lower-case hex sha256 of p[0..n) into out[65]. */
void chart_sha256_hex(const void *p, size_t n, char out[65]);
/* chart_verify_digest: 0 when p[0..n) has that sha256 (hex, any case);
 * else -1, ERR_INVALID. */
int chart_verify_digest(const void *p, size_t n, const char *digest, struct error *err);

/* chart_cache_path: XDG_CACHE/charts/<digest>.tgz (xmalloc'd), creating
 * the folder; NULL with err when digest is not 64 hex digits. */
char *chart_cache_path(const char *digest, struct error *err);
/* chart_cache_store: verifies p[0..n) against digest, then writes it. */
int chart_cache_store(const char *digest, const void *p, size_t n, struct error *err);
/* chart_cache_load: appends the cached archive to out.  ERR_NOT_FOUND when
 * absent; a cached file that no longer matches is removed (ERR_NOT_FOUND). */
int chart_cache_load(const char *digest, struct buf *out, struct error *err);

#endif
