/*
 * browse.h: the catalogs as the console browses them.
 *
 * One struct browse follows every configured catalog: it resolves the
 * location (sandbox:// against the sandbox's URL), fetches the index with
 * helm/repo (cached, revalidated, stale when offline), and keeps the
 * charts a user may launch: the latest version of each, library charts
 * and excludedCharts/keyword filters left out, highlightedCharts first
 * (in their listed order), then favourites, then the rest by name.  A
 * listener hears when a catalog's state changes; it never draws.
 *
 * Text fields come from remote indexes as sent: views sanitize them.
 */
#ifndef DATALAB_CATALOG_BROWSE_H
#define DATALAB_CATALOG_BROWSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/catalog/catalogs.h"
#include "datalab/catalog/favourites.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/helm/index.h"
#include "datalab/helm/repo.h"
#include "datalab/net/http.h"

#define BROWSE_MAX_AGE_MS (300 * 1000)	/* onyxia-api refreshes every 300000 ms */

enum browse_state {
	BROWSE_IDLE,		/* not fetched yet */
	BROWSE_LOADING,
	BROWSE_READY,
	BROWSE_STALE,		/* a cached copy: err says why the network one is not */
	BROWSE_FAILED,		/* nothing to show: err says why */
};

/* One launchable chart: borrowed from the catalog's index. */
struct browse_chart {
	const struct index_chart *chart;
	const struct index_version *latest;
	bool highlighted;
	bool favourite;
};

struct browse_catalog {
	const struct catalog *cat;	/* borrowed from the catalog list */
	char *url;			/* the repository URL, or NULL (err says why) */
	enum browse_state state;
	struct error err;
	struct index *idx;		/* NULL until fetched */
	enum repo_source source;
	int64_t fetched_ms;		/* wall ms the shown copy was downloaded */
	struct browse_chart *charts;	/* in display order */
	size_t ncharts;
	size_t nhidden;			/* library or filtered-out charts */
	struct repo_fetch *fetch;	/* in flight, or NULL */
	struct http_tls tls;		/* private: skipTlsVerify/caFile, or the sandbox's */
	bool has_tls;
};

struct browse;

typedef void browse_listener_fn(struct browse *b, size_t i, void *arg);

/* browse_new: list and fav are borrowed and must outlive b (fav may be
 * NULL).  sandbox_url (copied) may be NULL; sandbox_tls (copied when a
 * fetch starts; may be NULL) is used for sandbox:// catalogs only. */
struct browse *browse_new(struct loop *l, struct http *h, const struct catalog_list *list,
			  const struct favourites *fav, const char *sandbox_url,
			  const struct http_tls *sandbox_tls);
void browse_free(struct browse *b);
void browse_set_listener(struct browse *b, browse_listener_fn *fn, void *arg);

size_t browse_count(const struct browse *b);
struct browse_catalog *browse_at(struct browse *b, size_t i);
/* browse_find: the catalog with that id, its index in *pos (may be NULL). */
struct browse_catalog *browse_find(struct browse *b, const char *id, size_t *pos);

/* browse_refresh: fetches catalog i (unless one is in flight); force
 * revalidates even a copy younger than BROWSE_MAX_AGE_MS. */
void browse_refresh(struct browse *b, size_t i, bool force);
void browse_refresh_all(struct browse *b, bool force);
/* browse_resort: recomputes every catalog's chart list (after the
 * favourites changed). */
void browse_resort(struct browse *b);

/* browse_chart_matches: needle (case-insensitive) is in the chart's name,
 * description or one of its keywords; an empty needle matches all. */
bool browse_chart_matches(const struct browse_chart *c, const char *needle);
/* browse_find_chart: a launchable chart of catalog bc by name, or NULL. */
const struct browse_chart *browse_find_chart(const struct browse_catalog *bc, const char *name);
/* browse_repo_opts: how to reach catalog bc's repository (credentials,
 * TLS); valid while b lives. */
void browse_repo_opts(const struct browse *b, const struct browse_catalog *bc, struct repo_opts *o);

#endif
