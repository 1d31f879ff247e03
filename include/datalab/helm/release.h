/*
 * release.h: Helm releases as helm's JSON shows them.
 *
 * Three shapes (PROTOCOLS 6): `helm list -o json` rows (revision is a
 * string, updated a Go time.String()), `helm history -o json` rows
 * (revision a number, updated RFC 3339), and the Release object that
 * install/upgrade/status -o json print and a storage Secret holds
 * (info.status, info.notes, manifest, config, chart.metadata).  All are
 * parsed into struct release; fields a shape lacks stay NULL or 0.
 *
 * A storage Secret's data.release, as the API returns it, is base64 of
 * helm's base64 of gzip'd JSON; release_decode_secret undoes all three,
 * gunzipping with libarchive's raw format (zlib is not a dependency).
 * Strings are kept as sent: sanitize them where they are drawn.
 */
#ifndef DATALAB_HELM_RELEASE_H
#define DATALAB_HELM_RELEASE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

struct release {
	char *name;
	char *namespace;
	long revision;		/* 0 when unknown */
	char *status;		/* deployed, failed, superseded, pending-install... */
	char *chart;		/* "jupyter-python-2.5.2" */
	char *chart_name;	/* "jupyter-python", split from chart when needed */
	char *chart_version;	/* "2.5.2" */
	char *app_version;
	char *updated;		/* list/history: as printed; release: info.last_deployed */
	char *first_deployed;
	char *description;
	char *notes;		/* the rendered NOTES.txt */
	char *manifest;
	char *apply_method;	/* "ssa", "csa" or NULL */
	cJSON *config;		/* the user-supplied values, NULL when none */
};

/* release_parse: one Release object (install, upgrade, status, Secret). */
int release_parse(const char *p, size_t n, struct release *r, struct error *err);
/* release_parse_list: `helm list -o json`: an array of rows into *out
 * (count rows; free with release_list_free).  A row without a name
 * fails the whole list. */
int release_parse_list(const char *p, size_t n, struct release **out, size_t *count,
		       struct error *err);
/* release_parse_history: `helm history NAME -o json`, whose rows carry
 * no name: each gets name. */
int release_parse_history(const char *p, size_t n, const char *name, struct release **out,
			  size_t *count, struct error *err);
/* release_clear: frees r's fields; r is zeroed. */
void release_clear(struct release *r);
void release_list_free(struct release *v, size_t count);

/* release_split_chart: "name-1.2.3-rc.1" into name and version (xmalloc'd):
 * the first '-' after which the rest is SemVer.  -1 when there is none. */
int release_split_chart(const char *chart, char **name, char **version);

/* release_decode_secret: a Secret's data.release from API JSON into the
 * release JSON, appended to out (capped at 64 MiB inflated). */
int release_decode_secret(const char *p, size_t n, struct buf *out, struct error *err);

/* release_gunzip: inflates one gzip stream p[0..n) into out, at most max
 * bytes (ERR_LIMIT past it). */
int release_gunzip(const void *p, size_t n, size_t max, struct buf *out, struct error *err);

#endif
