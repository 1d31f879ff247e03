/*
 * repo.c: repository indexes and chart archives over HTTP, with a disk
 * cache (repo.h).
 *
 * Data flow: a fetch is one struct repo_fetch holding at most one request
 * in flight.  Its on_done looks at the status: 3xx starts the next hop,
 * 304 reads the cached copy, 200 parses (and, for an index, stores), and
 * anything else falls back to the cache.  An index (a body or the cached
 * copy) is parsed in slices of PARSE_SLICE_US from a 0 ms timer, one per
 * loop turn, and what follows depends on why it was parsed (enum
 * parse_for); results that need no parse are delivered from a 0 ms timer
 * too, so a caller never sees its callback before the start call returns.
 * The fetch frees itself after its callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/xdg.h"
#include "datalab/helm/repo.h"

enum fetch_kind { FETCH_INDEX, FETCH_CHART };

/* Why an index is being parsed: what follows a parse that succeeds or
 * fails. */
enum parse_for {
	PARSE_DOWNLOADED,	/* a 200's body: cached once it parsed, else the cached copy */
	PARSE_YOUNG,		/* the young cached copy: else ask the network */
	PARSE_NOT_MODIFIED,	/* a 304: the cached copy, else an error */
	PARSE_STALE,		/* the network failed: the cached copy, else that failure */
};

/* An index parse runs in slices of this many microseconds, one per loop
 * turn, so keys and streams are served while a 2.3 MB index loads. */
#define PARSE_SLICE_US 4000L

struct repo_fetch {
	enum fetch_kind kind;
	struct loop *loop;
	struct http *http;
	struct http_request *req;
	uint64_t timer;
	char *repo_url;		/* as given */
	char *url;		/* the current hop */
	char origin[300];	/* host:port credentials may go to */
	int hops;
	bool has_tls;
	struct http_tls tls;	/* strings borrowed from tls_copy */
	char *tls_copy[4];
	void *tls_blob;
	char *username, *password;
	long timeout_ms;
	size_t max_body;
	int64_t known_ms;	/* the caller's copy, by its download time */
	/* index */
	char *dir;		/* cache folder */
	cJSON *meta;		/* meta.json, or NULL */
	repo_index_fn *index_fn;
	struct repo_index_result ires;
	struct index_parser *parser;	/* a parse in slices, or NULL */
	struct buf bytes;	/* what it parses (a body or the cached copy) */
	enum parse_for pfor;	/* what comes after it */
	char *etag, *last_modified;	/* a downloaded index's validators */
	/* chart */
	char *digest;		/* NULL when the index gave none */
	repo_chart_fn *chart_fn;
	struct repo_chart_result cres;
	void *arg;
};

void repo_index_free(struct index *idx)
{
	if (!idx)
		return;
	index_release(idx);
	free(idx);
}

char *repo_index_url(const char *repo_url)
{
	size_t n = strlen(repo_url);

	if (str_has_suffix(repo_url, "/index.yaml"))
		return xstrdup(repo_url);
	while (n > 0 && repo_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/index.yaml", (int)n, repo_url);
}

char *repo_cache_dir(const char *repo_url, struct error *err)
{
	char hex[65], *name, *path;

	chart_sha256_hex(repo_url, strlen(repo_url), hex);
	hex[32] = '\0';
	name = xasprintf("repos/%s", hex);
	path = xdg_path(XDG_CACHE, name, err);
	free(name);
	return path;
}

static void fetch_free(struct repo_fetch *f)
{
	if (!f)
		return;
	http_cancel(f->req);
	if (f->timer)
		loop_del_timer(f->loop, f->timer);
	free(f->repo_url);
	free(f->url);
	for (size_t i = 0; i < DL_ARRAY_LEN(f->tls_copy); i++)
		free(f->tls_copy[i]);
	free(f->tls_blob);
	free(f->username);
	free(f->password);
	free(f->dir);
	cJSON_Delete(f->meta);
	repo_index_free(f->ires.idx);
	index_parser_free(f->parser);
	buf_release(&f->bytes);
	free(f->etag);
	free(f->last_modified);
	chart_free(f->cres.chart);
	free(f->digest);
	free(f);
}

void repo_fetch_cancel(struct repo_fetch *f)
{
	fetch_free(f);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct repo_fetch *fetch_new(enum fetch_kind kind, struct loop *l, struct http *h,
				    const char *repo_url, const struct repo_opts *o, void *arg)
{
	struct repo_fetch *f = xcalloc(1, sizeof(*f));

	f->kind = kind;
	buf_init(&f->bytes, 0);
	f->loop = l;
	f->http = h;
	f->arg = arg;
	f->repo_url = xstrdup(repo_url);
	http_host_of(repo_url, f->origin, sizeof(f->origin));
	f->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : REPO_TIMEOUT_MS;
	f->known_ms = o ? o->known_fetched_ms : 0;
	if (o && o->tls) {
		f->has_tls = true;
		f->tls = *o->tls;
		f->tls.ca_file = f->tls_copy[0] = dup_or_null(o->tls->ca_file);
		f->tls.cert_file = f->tls_copy[1] = dup_or_null(o->tls->cert_file);
		f->tls.key_file = f->tls_copy[2] = dup_or_null(o->tls->key_file);
		f->tls.server_name = f->tls_copy[3] = dup_or_null(o->tls->server_name);
		/* client certificates are not used for chart repositories */
		f->tls.cert_data = f->tls.key_data = NULL;
		f->tls.cert_len = f->tls.key_len = 0;
		if (o->tls->ca_data && o->tls->ca_len) {
			f->tls_blob = xmemdup(o->tls->ca_data, o->tls->ca_len);
			f->tls.ca_data = f->tls_blob;
		}
	}
	if (o && o->username) {
		f->username = xstrdup(o->username);
		f->password = xstrdup(o->password ? o->password : "");
	}
	return f;
}

static void on_done(struct http_request *r, const struct error *err, void *arg);

/* Starts a GET of f->url; -1 with err. */
static int start_get(struct repo_fetch *f, struct error *err)
{
	struct http_request *r = http_request_new("GET", f->url);
	char host[300];

	http_host_of(f->url, host, sizeof(host));
	http_request_timeout(r, f->timeout_ms);
	http_request_max_body(r, f->max_body);
	if (f->has_tls)
		http_request_tls(r, &f->tls);
	if (f->username && strcmp(host, f->origin) == 0) {
		struct buf b;
		char *raw = xasprintf("%s:%s", f->username, f->password);

		buf_init(&b, 0);
		str_base64_encode(&b, raw, strlen(raw));
		http_request_header(r, "Authorization: Basic %s", b.data);
		buf_release(&b);
		free(raw);
	}
	if (f->kind == FETCH_INDEX && f->hops == 0 && f->meta) {
		const char *etag = json_str(f->meta, "etag", NULL);
		const char *lm = json_str(f->meta, "lastModified", NULL);

		if (etag && *etag && !strpbrk(etag, "\r\n"))
			http_request_header(r, "If-None-Match: %s", etag);
		if (lm && *lm && !strpbrk(lm, "\r\n"))
			http_request_header(r, "If-Modified-Since: %s", lm);
	}
	http_request_on_done(r, on_done, f);
	f->req = r;
	if (http_start(f->http, r, err) < 0) {
		f->req = NULL;
		return -1;
	}
	return 0;
}

/* ---- index ---- */

static void meta_load(struct repo_fetch *f)
{
	char *path = file_join(f->dir, "meta.json");

	json_read_file(path, 1u << 16, &f->meta, NULL);
	if (f->meta && (!cJSON_IsObject(f->meta) || !str_eq(json_str(f->meta, "url", NULL), f->repo_url))) {
		cJSON_Delete(f->meta);
		f->meta = NULL;
	}
	free(path);
}

static int meta_store(struct repo_fetch *f, struct error *err)
{
	struct buf b;
	char *path = file_join(f->dir, "meta.json");
	int rc;

	buf_init(&b, 0);
	json_print(&b, f->meta, true);
	buf_addc(&b, '\n');
	rc = file_write_atomic(path, b.data, b.len, 0600, err);
	buf_release(&b);
	free(path);
	return rc;
}

static void meta_set(cJSON *meta, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(meta, key);
	cJSON_AddItemToObject(meta, key, v);
}

static void index_deliver(struct repo_fetch *f)
{
	repo_index_fn *fn = f->index_fn;

	f->ires.url = f->repo_url;
	fn(f, &f->ires, f->arg);
	f->ires.idx = NULL;	/* the callback's now */
	fetch_free(f);
}

static long deliver_later(struct loop *l, void *arg);

/* deliver_soon: from a 0 ms timer, never inside the call that started
 * the fetch */
static void deliver_soon(struct repo_fetch *f)
{
	f->timer = loop_add_timer(f->loop, 0, deliver_later, f);
}

/* The cached copy is the one the caller holds: nothing to parse. */
static bool caller_has_cache(const struct repo_fetch *f)
{
	return f->known_ms > 0 && f->meta && json_int(f->meta, "fetchedAt", 0) == f->known_ms;
}

static void parse_done(struct repo_fetch *f, struct index *idx, const struct error *err);
static void not_modified_done(struct repo_fetch *f);

/* parse_tick: one slice of the parse; the next on the next loop turn. */
static long parse_tick(struct loop *l, void *arg)
{
	struct repo_fetch *f = arg;
	struct index *idx;
	struct error err;
	int rc;

	(void)l;
	rc = index_parser_step(f->parser, PARSE_SLICE_US, &err);
	if (rc == 1)
		return 0;
	f->timer = 0;
	idx = xcalloc(1, sizeof(*idx));
	index_parser_take(f->parser, idx);
	index_parser_free(f->parser);
	f->parser = NULL;
	if (rc < 0) {
		free(idx);
		idx = NULL;
	}
	parse_done(f, idx, &err);	/* may free f */
	return LOOP_NOMORE;
}

/* parse_begin: parses f->bytes in slices, then parse_done(why). */
static void parse_begin(struct repo_fetch *f, enum parse_for why)
{
	/* the body is already capped at max_body; the parser's own limits
	 * bound charts, versions and strings */
	f->pfor = why;
	f->parser = index_parser_new(f->bytes.data, f->bytes.len, NULL);
	f->timer = loop_add_timer(f->loop, 0, parse_tick, f);
}

/* cache_begin: the cached copy read, its parse begun; -1 with err when
 * there is none. */
static int cache_begin(struct repo_fetch *f, enum parse_for why, struct error *err)
{
	char *path = file_join(f->dir, "index.yaml");
	int rc;

	if (!f->meta || !file_exists(path)) {
		free(path);
		return error_set(err, ERR_NOT_FOUND, "no cached copy of '%s'", f->repo_url);
	}
	buf_release(&f->bytes);
	buf_init(&f->bytes, f->max_body);
	rc = file_read(path, &f->bytes, err);
	free(path);
	if (rc == 0)
		parse_begin(f, why);
	return rc;
}

/* The network failed with why: the cached copy, stale, or the failure. */
static void index_fallback(struct repo_fetch *f, const struct error *why)
{
	struct error cerr;

	f->ires.fetch_err = *why;
	if (caller_has_cache(f)) {
		f->ires.source = REPO_STALE;
		f->ires.fetched_ms = f->known_ms;
		error_clear(&f->ires.err);
	} else if (cache_begin(f, PARSE_STALE, &cerr) == 0) {
		return;
	} else {
		f->ires.err = *why;
	}
	deliver_soon(f);
}

/* store_downloaded: the parsed body becomes the cached copy. */
static void store_downloaded(struct repo_fetch *f, int64_t now)
{
	struct error err;
	char *path = file_join(f->dir, "index.yaml");

	if (file_mkdirs(f->dir, 0700, &err) == 0 &&
	    file_write_atomic(path, f->bytes.data, f->bytes.len, 0600, &err) == 0) {
		cJSON_Delete(f->meta);
		f->meta = cJSON_CreateObject();
		cJSON_AddStringToObject(f->meta, "url", f->repo_url);
		if (f->etag)
			cJSON_AddStringToObject(f->meta, "etag", f->etag);
		if (f->last_modified)
			cJSON_AddStringToObject(f->meta, "lastModified", f->last_modified);
		cJSON_AddNumberToObject(f->meta, "fetchedAt", (double)now);
		cJSON_AddNumberToObject(f->meta, "checkedAt", (double)now);
		if (meta_store(f, &err) < 0)
			log_warn("repo: %s", err.msg);
	} else {
		log_warn("repo: cannot cache the index of '%s': %s", f->repo_url, err.msg);
	}
	free(path);
}

/* parse_done: what follows a parse, by why it ran; idx is NULL (err
 * says why) when it failed. */
static void parse_done(struct repo_fetch *f, struct index *idx, const struct error *err)
{
	struct error e;

	if (idx) {
		repo_index_free(f->ires.idx);
		f->ires.idx = idx;
	}
	switch (f->pfor) {
	case PARSE_DOWNLOADED:
		if (!idx) {
			error_set(&e, err->code, "index of '%s': %s", f->repo_url, err->msg);
			index_fallback(f, &e);
			return;
		}
		f->ires.source = REPO_DOWNLOADED;
		f->ires.fetched_ms = time_wall_ms();
		store_downloaded(f, f->ires.fetched_ms);
		break;
	case PARSE_YOUNG:
		if (!idx) {
			/* the cached copy is unusable: ask the network after all */
			if (start_get(f, &e) == 0)
				return;
			f->ires.fetch_err = e;
			f->ires.err = e;
			break;
		}
		f->ires.source = REPO_CACHED;
		f->ires.fetched_ms = json_int(f->meta, "fetchedAt", 0);
		break;
	case PARSE_NOT_MODIFIED:
		if (!idx) {
			/* a 304 we did not ask for (or the copy vanished) */
			error_set(&f->ires.err, ERR_HTTP, "'%s' answered 304 but no usable cached copy exists: %s",
				  f->repo_url, err->msg);
			break;
		}
		f->ires.fetched_ms = json_int(f->meta, "fetchedAt", 0);
		not_modified_done(f);
		break;
	case PARSE_STALE:
		if (!idx) {
			f->ires.err = f->ires.fetch_err;
			break;
		}
		f->ires.source = REPO_STALE;
		f->ires.fetched_ms = json_int(f->meta, "fetchedAt", 0);
		error_clear(&f->ires.err);
		log_info("repo: %s unreachable (%s), using the cached index", f->repo_url, f->ires.fetch_err.msg);
		break;
	}
	index_deliver(f);
}

/* index_downloaded: a 200; its body and validators are kept (the
 * request goes when on_done returns) and parsed in slices. */
static void index_downloaded(struct repo_fetch *f, const struct buf *body)
{
	const char *etag = http_header(f->req, "ETag");
	const char *lm = http_header(f->req, "Last-Modified");

	f->etag = etag ? xstrdup(etag) : NULL;
	f->last_modified = lm ? xstrdup(lm) : NULL;
	f->req = NULL;
	buf_release(&f->bytes);
	buf_init(&f->bytes, 0);
	buf_add(&f->bytes, body->data, body->len);
	parse_begin(f, PARSE_DOWNLOADED);
}

/* not_modified_done: a 304's copy confirmed, now. */
static void not_modified_done(struct repo_fetch *f)
{
	struct error err;

	f->ires.source = REPO_NOT_MODIFIED;
	meta_set(f->meta, "checkedAt", cJSON_CreateNumber((double)time_wall_ms()));
	if (meta_store(f, &err) < 0)
		log_warn("repo: %s", err.msg);
}

static void index_not_modified(struct repo_fetch *f)
{
	struct error err;

	f->req = NULL;
	if (caller_has_cache(f)) {
		f->ires.fetched_ms = f->known_ms;
		not_modified_done(f);
		deliver_soon(f);
		return;
	}
	if (cache_begin(f, PARSE_NOT_MODIFIED, &err) < 0) {
		error_set(&f->ires.err, ERR_HTTP, "'%s' answered 304 but no usable cached copy exists: %s",
			  f->repo_url, err.msg);
		deliver_soon(f);
	}
}

/* ---- chart ---- */

static void chart_deliver(struct repo_fetch *f)
{
	repo_chart_fn *fn = f->chart_fn;

	f->cres.url = f->url;
	fn(f, &f->cres, f->arg);
	f->cres.chart = NULL;
	fetch_free(f);
}

static void chart_fail(struct repo_fetch *f, const struct error *err)
{
	f->cres.err = *err;
	chart_deliver(f);
}

static void chart_downloaded(struct repo_fetch *f, const struct buf *body)
{
	struct error err;

	if (f->digest && chart_verify_digest(body->data, body->len, f->digest, &err) < 0) {
		error_set(&err, ERR_INVALID, "'%s' does not match the digest in the index (sha256 %.12s...)",
			  f->url, f->digest);
		chart_fail(f, &err);
		return;
	}
	if (chart_load(body->data, body->len, NULL, &f->cres.chart, &err) < 0) {
		struct error e2;

		error_set(&e2, err.code, "chart archive '%s': %s", f->url, err.msg);
		chart_fail(f, &e2);
		return;
	}
	if (f->digest && chart_cache_store(f->digest, body->data, body->len, &err) < 0)
		log_warn("repo: cannot cache '%s': %s", f->url, err.msg);
	chart_deliver(f);
}

/* ---- both ---- */

static void fail_or_fallback(struct repo_fetch *f, const struct error *err)
{
	if (f->kind == FETCH_INDEX)
		index_fallback(f, err);
	else
		chart_fail(f, err);
}

static void on_done(struct http_request *r, const struct error *err, void *arg)
{
	struct repo_fetch *f = arg;
	long status = http_status(r);
	struct error e;

	if (err->code != ERR_NONE) {
		f->req = NULL;
		fail_or_fallback(f, err);
		return;
	}
	if (status >= 300 && status < 400 && status != 304) {
		const char *loc = http_header(r, "Location");
		struct buf next;

		f->req = NULL;
		if (!loc || ++f->hops > REPO_MAX_REDIRECTS) {
			error_set(&e, ERR_HTTP, "GET '%s': HTTP %ld %s", f->url, status,
				  loc ? "(too many redirects)" : "without a Location");
			fail_or_fallback(f, &e);
			return;
		}
		buf_init(&next, 8192);
		if (index_resolve_url(f->url, loc, &next, &e) < 0) {
			struct error e2;

			buf_release(&next);
			error_set(&e2, ERR_INVALID, "redirect from '%s': %s", f->url, e.msg);
			fail_or_fallback(f, &e2);
			return;
		}
		free(f->url);
		f->url = buf_take(&next, NULL);
		if (start_get(f, &e) < 0)
			fail_or_fallback(f, &e);
		return;
	}
	if (f->kind == FETCH_INDEX && status == 304) {
		index_not_modified(f);
		return;
	}
	if (status != 200) {
		f->req = NULL;
		error_set(&e, status == 404 ? ERR_NOT_FOUND : status == 401 ? ERR_AUTH :
			  status == 403 ? ERR_FORBIDDEN : ERR_HTTP, "GET '%s': HTTP %ld", f->url, status);
		e.status = (int)status;
		fail_or_fallback(f, &e);
		return;
	}
	/* f->req stays valid for the headers until this callback returns */
	if (f->kind == FETCH_INDEX)
		index_downloaded(f, http_body(r));
	else
		chart_downloaded(f, http_body(r));
}

static long deliver_later(struct loop *l, void *arg)
{
	struct repo_fetch *f = arg;

	(void)l;
	f->timer = 0;
	if (f->kind == FETCH_INDEX)
		index_deliver(f);
	else
		chart_deliver(f);
	return LOOP_NOMORE;
}

struct repo_fetch *repo_fetch_index(struct loop *l, struct http *h, const char *repo_url,
				    const struct repo_opts *o, repo_index_fn *fn, void *arg,
				    struct error *err)
{
	struct repo_fetch *f;
	struct error e;

	if (!str_has_prefix(repo_url, "http://") && !str_has_prefix(repo_url, "https://")) {
		error_set(err, ERR_INVALID, "repository '%s' is not an http or https URL", repo_url);
		return NULL;
	}
	f = fetch_new(FETCH_INDEX, l, h, repo_url, o, arg);
	f->index_fn = fn;
	f->max_body = o && o->max_index ? o->max_index : REPO_MAX_INDEX;
	f->url = repo_index_url(repo_url);
	if (!(f->dir = repo_cache_dir(repo_url, err))) {
		fetch_free(f);
		return NULL;
	}
	meta_load(f);
	if (o && o->max_age_ms > 0 && f->meta &&
	    time_wall_ms() - json_int(f->meta, "checkedAt", 0) < o->max_age_ms) {
		if (caller_has_cache(f)) {
			f->ires.fetched_ms = f->known_ms;
			f->ires.source = REPO_CACHED;
			deliver_soon(f);
			return f;
		}
		if (cache_begin(f, PARSE_YOUNG, &e) == 0)
			return f;
	}
	if (start_get(f, &e) < 0) {
		/* not even started (no curl handle): the cache may still serve */
		f->ires.fetch_err = e;
		if (cache_begin(f, PARSE_STALE, &e) < 0) {
			f->ires.err = f->ires.fetch_err;
			deliver_soon(f);
		}
	}
	return f;
}

struct repo_fetch *repo_fetch_chart(struct loop *l, struct http *h, const char *repo_url,
				    const struct index_version *v, const struct repo_opts *o,
				    repo_chart_fn *fn, void *arg, struct error *err)
{
	struct repo_fetch *f;
	struct buf b;
	struct error e;

	if (!v->nurls || !v->urls[0]) {
		error_set(err, ERR_INVALID, "chart '%s' %s has no download url", v->name ? v->name : "?",
			  v->version ? v->version : "?");
		return NULL;
	}
	buf_init(&b, 8192);
	if (index_resolve_url(repo_url, v->urls[0], &b, err) < 0) {
		buf_release(&b);
		return NULL;
	}
	f = fetch_new(FETCH_CHART, l, h, repo_url, o, arg);
	f->chart_fn = fn;
	f->max_body = REPO_MAX_ARCHIVE;
	f->url = buf_take(&b, NULL);
	f->digest = dup_or_null(v->digest);
	if (f->digest) {
		struct buf a;

		buf_init(&a, REPO_MAX_ARCHIVE);
		if (chart_cache_load(f->digest, &a, &e) == 0) {
			if (chart_load(a.data, a.len, NULL, &f->cres.chart, &e) == 0) {
				f->cres.from_cache = true;
			} else {
				error_set(&f->cres.err, e.code, "cached chart %.12s...: %s", f->digest, e.msg);
			}
			buf_release(&a);
			f->timer = loop_add_timer(l, 0, deliver_later, f);
			return f;
		}
		buf_release(&a);
	}
	if (start_get(f, &e) < 0) {
		f->cres.err = e;
		f->timer = loop_add_timer(l, 0, deliver_later, f);
	}
	return f;
}
