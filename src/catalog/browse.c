/*
 * browse.c: catalogs fetched and filtered for the console (browse.h).
 *
 * Data flow: browse_refresh starts a repo fetch per catalog; its callback
 * swaps the catalog's index for the new one, rebuilds the chart list
 * (filter, order) and tells the listener.  The list points into the
 * index, so both are replaced together.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/catalog/browse.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"

struct browse {
	struct loop *loop;
	struct http *http;
	const struct catalog_list *list;
	const struct favourites *fav;
	char *sandbox_url;
	bool has_sandbox_tls;
	struct http_tls sandbox_tls;	/* strings borrowed from the kubeconfig's owner */
	struct browse_catalog *items;
	size_t n;
	browse_listener_fn *fn;
	void *arg;
};

static void notify(struct browse *b, size_t i)
{
	if (b->fn)
		b->fn(b, i, b->arg);
}

struct browse *browse_new(struct loop *l, struct http *h, const struct catalog_list *list,
			  const struct favourites *fav, const char *sandbox_url,
			  const struct http_tls *sandbox_tls)
{
	struct browse *b = xcalloc(1, sizeof(*b));

	b->loop = l;
	b->http = h;
	b->list = list;
	b->fav = fav;
	b->sandbox_url = sandbox_url ? xstrdup(sandbox_url) : NULL;
	if (sandbox_tls) {
		b->has_sandbox_tls = true;
		b->sandbox_tls = *sandbox_tls;
	}
	b->n = list->n;
	b->items = xcalloc(b->n ? b->n : 1, sizeof(*b->items));
	for (size_t i = 0; i < b->n; i++) {
		struct browse_catalog *bc = &b->items[i];

		bc->cat = &list->items[i];
		bc->url = catalog_location(bc->cat, b->sandbox_url, &bc->err);
		bc->state = bc->url ? BROWSE_IDLE : BROWSE_FAILED;
		if (catalog_is_sandbox(bc->cat) && b->has_sandbox_tls) {
			bc->tls = b->sandbox_tls;
			bc->has_tls = true;
		} else if (bc->cat->skip_tls_verify || bc->cat->ca_file) {
			/* skipTlsVerify and caFile, as onyxia-api reads them */
			bc->tls.insecure = bc->cat->skip_tls_verify;
			bc->tls.ca_file = bc->cat->ca_file;
			bc->has_tls = true;
		}
	}
	return b;
}

static void catalog_clear(struct browse_catalog *bc)
{
	free(bc->charts);
	bc->charts = NULL;
	bc->ncharts = bc->nhidden = 0;
	repo_index_free(bc->idx);
	bc->idx = NULL;
}

void browse_free(struct browse *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		repo_fetch_cancel(b->items[i].fetch);
		catalog_clear(&b->items[i]);
		free(b->items[i].url);
	}
	free(b->items);
	free(b->sandbox_url);
	free(b);
}

void browse_set_listener(struct browse *b, browse_listener_fn *fn, void *arg)
{
	b->fn = fn;
	b->arg = arg;
}

size_t browse_count(const struct browse *b)
{
	return b->n;
}

struct browse_catalog *browse_at(struct browse *b, size_t i)
{
	return i < b->n ? &b->items[i] : NULL;
}

struct browse_catalog *browse_find(struct browse *b, const char *id, size_t *pos)
{
	for (size_t i = 0; i < b->n; i++)
		if (str_eq(b->items[i].cat->id, id)) {
			if (pos)
				*pos = i;
			return &b->items[i];
		}
	return NULL;
}

/* Rank: highlighted charts in their listed order, then favourites. */
static size_t rank(const struct browse_catalog *bc, const struct browse_chart *c)
{
	if (c->highlighted) {
		size_t k = 0;

		for (char **h = bc->cat->highlighted_charts; *h; h++, k++)
			if (strcmp(*h, c->chart->name) == 0)
				return k;
	}
	return c->favourite ? 100000 : 200000;
}

static const struct browse_catalog *sort_ctx;

static int cmp_chart(const void *pa, const void *pb)
{
	const struct browse_chart *a = pa, *b = pb;
	size_t ra = rank(sort_ctx, a), rb = rank(sort_ctx, b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a->chart->name, b->chart->name);
}

/* catalog_chart_allowed wants a NULL-terminated keyword list. */
static bool allowed(const struct catalog *cat, const char *name, const struct index_version *v)
{
	const char **kw = xcalloc(v->nkeywords + 1, sizeof(*kw));
	bool ok;

	for (size_t k = 0; k < v->nkeywords; k++)
		kw[k] = v->keywords[k];
	ok = catalog_chart_allowed(cat, name, kw);
	free(kw);
	return ok;
}

static void build_list(struct browse *b, struct browse_catalog *bc)
{
	free(bc->charts);
	bc->charts = NULL;
	bc->ncharts = bc->nhidden = 0;
	if (!bc->idx)
		return;
	bc->charts = xcalloc(bc->idx->ncharts ? bc->idx->ncharts : 1, sizeof(*bc->charts));
	for (size_t i = 0; i < bc->idx->ncharts; i++) {
		const struct index_chart *ic = &bc->idx->charts[i];
		const struct index_version *v = index_latest(ic);
		struct browse_chart *c;

		if (!v || ic->library || v->library || !allowed(bc->cat, ic->name, v)) {
			bc->nhidden++;
			continue;
		}
		c = &bc->charts[bc->ncharts++];
		c->chart = ic;
		c->latest = v;
		c->highlighted = catalog_chart_highlighted(bc->cat, ic->name);
		c->favourite = b->fav && favourites_has(b->fav, bc->cat->id, ic->name);
	}
	/* qsort has no context argument; the sort runs on the loop's one thread */
	sort_ctx = bc;
	if (bc->ncharts > 1)
		qsort(bc->charts, bc->ncharts, sizeof(*bc->charts), cmp_chart);
	sort_ctx = NULL;
}

void browse_resort(struct browse *b)
{
	for (size_t i = 0; i < b->n; i++)
		build_list(b, &b->items[i]);
}

static void on_index(struct repo_fetch *f, struct repo_index_result *res, void *arg)
{
	struct browse *b = arg;
	size_t i;
	struct browse_catalog *bc = NULL;

	for (i = 0; i < b->n; i++)
		if (b->items[i].fetch == f) {
			bc = &b->items[i];
			break;
		}
	if (!bc)
		return;
	bc->fetch = NULL;
	if (!res->idx && res->err.code == ERR_NONE && bc->idx) {
		/* the copy shown is still the repository's (304, or young) */
		bc->source = res->source;
		bc->fetched_ms = res->fetched_ms;
		bc->state = res->source == REPO_STALE ? BROWSE_STALE : BROWSE_READY;
		if (res->source == REPO_STALE)
			bc->err = res->fetch_err;
		else
			error_clear(&bc->err);
	} else if (res->idx) {
		catalog_clear(bc);
		bc->idx = res->idx;
		res->idx = NULL;
		bc->source = res->source;
		bc->fetched_ms = res->fetched_ms;
		if (res->source == REPO_STALE) {
			bc->state = BROWSE_STALE;
			bc->err = res->fetch_err;
		} else {
			bc->state = BROWSE_READY;
			error_clear(&bc->err);
		}
		build_list(b, bc);
		if (bc->idx->nrejected)
			log_info("catalog %s: %zu index entries rejected", bc->cat->id, bc->idx->nrejected);
	} else if (bc->idx) {
		/* a failure while an older copy is shown: keep it, stale */
		bc->state = BROWSE_STALE;
		bc->err = res->err;
	} else {
		bc->state = BROWSE_FAILED;
		bc->err = res->err;
	}
	notify(b, i);
}

void browse_repo_opts(const struct browse *b, const struct browse_catalog *bc, struct repo_opts *o)
{
	memset(o, 0, sizeof(*o));
	(void)b;
	o->username = bc->cat->username;
	o->password = bc->cat->password;
	if (bc->has_tls)
		o->tls = &bc->tls;
}

void browse_refresh(struct browse *b, size_t i, bool force)
{
	struct browse_catalog *bc = browse_at(b, i);
	struct repo_opts o;
	struct error err;

	if (!bc || bc->fetch || !bc->url)
		return;
	browse_repo_opts(b, bc, &o);
	o.max_age_ms = force ? 0 : BROWSE_MAX_AGE_MS;
	o.known_fetched_ms = bc->idx ? bc->fetched_ms : 0;
	bc->fetch = repo_fetch_index(b->loop, b->http, bc->url, &o, on_index, b, &err);
	if (!bc->fetch) {
		bc->state = BROWSE_FAILED;
		bc->err = err;
	} else if (!bc->idx) {
		bc->state = BROWSE_LOADING;
	}
	notify(b, i);
}

void browse_refresh_all(struct browse *b, bool force)
{
	for (size_t i = 0; i < b->n; i++)
		browse_refresh(b, i, force);
}

/* ASCII case-insensitive substring search. */
static bool contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

bool browse_chart_matches(const struct browse_chart *c, const char *needle)
{
	const struct index_version *v = c->latest;

	if (!needle || !*needle)
		return true;
	if (contains_ci(c->chart->name, needle))
		return true;
	if (v->description && contains_ci(v->description, needle))
		return true;
	for (size_t k = 0; k < v->nkeywords; k++)
		if (contains_ci(v->keywords[k], needle))
			return true;
	return false;
}

const struct browse_chart *browse_find_chart(const struct browse_catalog *bc, const char *name)
{
	for (size_t i = 0; i < bc->ncharts; i++)
		if (strcmp(bc->charts[i].chart->name, name) == 0)
			return &bc->charts[i];
	return NULL;
}
