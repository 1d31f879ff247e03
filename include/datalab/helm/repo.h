/*
 * repo.h: Helm repositories fetched on the event loop and cached on disk.
 *
 * repo_fetch_index GETs <repo>/index.yaml through net/http (never
 * blocking) and keeps the body at XDG_CACHE/repos/<key>/index.yaml, with
 * meta.json beside it (url, ETag, Last-Modified, when it was downloaded and
 * when last confirmed).  The next fetch revalidates with If-None-Match /
 * If-Modified-Since: a 304 reuses the copy.  When the repository cannot be
 * reached, answers an error, or sends an index that does not parse, the
 * cached copy is served marked stale (with its age and the reason); only
 * with no cached copy does the fetch fail.  A downloaded index replaces the
 * cached one only after it parsed.
 *
 * repo_fetch_chart gets one chart version's .tgz: from the digest cache
 * (helm/chart.h) when the index gives a digest and it is there, else from
 * the index's first url (resolved and checked by index_resolve_url),
 * verified against the digest, stored, then read in memory by chart_load.
 *
 * Redirects (GitHub release assets) are followed here, at most 5, to
 * http or https only; credentials go to the repository's own host only.
 * Callbacks run on the loop, never inside the call that started the fetch;
 * an index is parsed in slices of a few milliseconds between wake-ups, so
 * the loop keeps serving keys while a large one loads.
 */
#ifndef DATALAB_HELM_REPO_H
#define DATALAB_HELM_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/helm/chart.h"
#include "datalab/helm/index.h"
#include "datalab/net/http.h"

#define REPO_MAX_INDEX (32u << 20)	/* bytes of index.yaml */
#define REPO_MAX_ARCHIVE (16u << 20)	/* bytes of one chart .tgz */
#define REPO_MAX_REDIRECTS 5
#define REPO_TIMEOUT_MS 60000L

/* How to reach a repository; every field optional. */
struct repo_opts {
	const struct http_tls *tls;	/* copied when the request starts */
	const char *username, *password;	/* HTTP basic auth */
	long timeout_ms;		/* 0: REPO_TIMEOUT_MS */
	int64_t max_age_ms;		/* a cached index confirmed this recently is used
					 * without asking the network; 0: always revalidate */
	size_t max_index;		/* 0: REPO_MAX_INDEX */
	int64_t known_fetched_ms;	/* the caller already holds the copy downloaded at
					 * this time: when that copy is still good (304, or
					 * young enough) no index is parsed nor delivered */
};

enum repo_source {
	REPO_DOWNLOADED,	/* 200: a new copy */
	REPO_NOT_MODIFIED,	/* 304: the cached copy, confirmed */
	REPO_CACHED,		/* the cached copy, younger than max_age_ms */
	REPO_STALE,		/* the cached copy; the network failed (fetch_err) */
};

struct repo_index_result {
	struct error err;	/* ERR_NONE when idx is set */
	struct index *idx;	/* the callback's to keep (repo_index_free); NULL on
				 * error, or when the caller's known copy is still good */
	enum repo_source source;
	struct error fetch_err;	/* REPO_STALE: why the network copy is not used */
	int64_t fetched_ms;	/* wall ms when the copy in idx was downloaded */
	const char *url;	/* the repository URL as given */
};

struct repo_chart_result {
	struct error err;	/* ERR_NONE when chart is set */
	struct chart *chart;	/* the callback's to keep (chart_free) or NULL */
	bool from_cache;
	const char *url;	/* the archive URL fetched (or that would be) */
};

struct repo_fetch;

typedef void repo_index_fn(struct repo_fetch *f, struct repo_index_result *res, void *arg);
typedef void repo_chart_fn(struct repo_fetch *f, struct repo_chart_result *res, void *arg);

/* repo_fetch_index: starts the fetch; fn runs once (unless cancelled).
 * Returns NULL with err only for an unusable URL.  The handle is valid
 * until fn returns or repo_fetch_cancel. */
struct repo_fetch *repo_fetch_index(struct loop *l, struct http *h, const char *repo_url,
				    const struct repo_opts *o, repo_index_fn *fn, void *arg,
				    struct error *err);
/* repo_fetch_chart: v is copied (digest, urls); the same contract. */
struct repo_fetch *repo_fetch_chart(struct loop *l, struct http *h, const char *repo_url,
				    const struct index_version *v, const struct repo_opts *o,
				    repo_chart_fn *fn, void *arg, struct error *err);
/* repo_fetch_cancel: no callback after it; NULL is a no-op; not from
 * inside the fetch's own callback. */
void repo_fetch_cancel(struct repo_fetch *f);

/* repo_index_free: index_release + free; NULL is a no-op. */
void repo_index_free(struct index *idx);

/* repo_cache_dir: XDG_CACHE/repos/<first 16 bytes of sha256(url), hex>
 * (xmalloc'd, not created). */
char *repo_cache_dir(const char *repo_url, struct error *err);
/* repo_index_url: the index.yaml URL of a repository URL (xmalloc'd). */
char *repo_index_url(const char *repo_url);

#endif
