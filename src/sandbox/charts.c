/*
 * charts.c: the /charts/ route (see charts.h).
 *
 * Only plain file names made of [A-Za-z0-9._-] are served, from the one
 * folder chartrepo_build wrote: no path ever leaves it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/build.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/chartrepo.h"
#include "datalab/sandbox/charts.h"


char *charts_find_source(void)
{
	char *p = build_shipped("catalogs/charts");

	if (file_exists(p))
		return p;
	free(p);
	return NULL;
}

struct charts {
	char *dir;
};

static bool safe_name(const char *s)
{
	size_t i;

	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int on_charts(struct api_req *rq, void *arg)
{
	struct charts *c = arg;
	const char *name = rq->nparts == 2 ? rq->parts[1] : rq->nparts == 1 ? "index.yaml" : NULL;
	struct buf b;
	char *path;
	size_t len;

	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
		return api_reply(rq, 405, "text/plain", "method not allowed\n", 19);
	if (!name || strcmp(rq->parts[0], "charts") != 0 || !safe_name(name))
		return api_reply(rq, 404, "text/plain", "not found\n", 10);
	path = file_join(c->dir, name);
	buf_init(&b, 256u * 1024 * 1024);
	if (file_read(path, &b, NULL) < 0) {
		free(path);
		buf_release(&b);
		return api_reply(rq, 404, "text/plain", "not found\n", 10);
	}
	free(path);
	{
		char *body = buf_take(&b, &len);

		return api_reply_take(rq, 200, str_has_suffix(name, ".tgz") ? "application/gzip" :
				      str_has_suffix(name, ".yaml") ? "application/x-yaml" :
				      "application/octet-stream", body, len);
	}
}

struct charts *charts_serve(struct api *a, const char *src, const char *out_dir, struct error *err)
{
	char *base = xasprintf("%s/charts", api_url(a));
	struct charts *c;
	int rc = chartrepo_build(src, out_dir, base, err);

	free(base);
	if (rc < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(out_dir);
	api_add_route(a, "/charts", API_ROUTE_PUBLIC, on_charts, c);
	return c;
}

void charts_free(struct charts *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}
