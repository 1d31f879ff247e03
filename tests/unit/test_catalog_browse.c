/*
 * test_catalog_browse.c: catalogs browsed over HTTP: sandbox:// resolved,
 * library and excluded charts left out, highlighted then favourite charts
 * first, search over names, descriptions and keywords, an unreachable and
 * a malformed catalog failing alone, and the stale copy when offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/catalog/browse.h"
#include "datalab/core/file.h"
#include "datalab/sandbox/chartrepo.h"
#include "testserver.h"
#include "testutil.h"

static char home[64];
static char *repo_dir;

static void setup(void)
{
	testutil_home(home, sizeof(home), "browse");
	repo_dir = file_join(home, "repo");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
	free(repo_dir);
}

static enum MHD_Result handler(const struct ts_req *rq, void *arg)
{
	char *path = NULL;
	enum MHD_Result r;

	(void)arg;
	if (strcmp(rq->path, "/bad/index.yaml") == 0)
		return ts_reply_str(rq->conn, 200, "text/yaml", "apiVersion: v1\nentries: [1, 2\n");
	if (strncmp(rq->path, "/charts/", 8) == 0)
		path = file_join(repo_dir, rq->path + 8);
	else if (strcmp(rq->path, "/shared/index.yaml") == 0)
		path = xstrdup(TESTDATA "/index/generated/index.yaml");
	r = ts_reply_file(rq->conn, strstr(rq->path, "..") ? NULL : path);
	free(path);
	return r;
}

struct heard {
	int calls;
	int settled;	/* catalogs no longer loading */
};

static void listener(struct browse *b, size_t i, void *arg)
{
	struct heard *h = arg;
	struct browse_catalog *bc = browse_at(b, i);

	h->calls++;
	if (bc->state != BROWSE_LOADING && !bc->fetch)
		h->settled++;
}

static void wait_settled(struct loop *l, struct browse *b, struct heard *h, int n)
{
	for (int i = 0; i < 400 && h->settled < n; i++)
		loop_run_once(l, 50);
	ck_assert_int_ge(h->settled, n);
	(void)b;
}

static const char *names(const struct browse_catalog *bc, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < bc->ncharts; i++) {
		strncat(out, bc->charts[i].chart->name, size - strlen(out) - 1);
		strncat(out, " ", size - strlen(out) - 1);
	}
	return out;
}

START_TEST(browse_catalogs)
{
	struct loop *l = loop_new();
	struct http *h = http_new(l);
	struct ts t;
	struct catalog_list list;
	struct favourites fav = { 0 };
	struct browse *b;
	struct heard heard = { 0 };
	struct error err;
	char *base, *cfg, *sandbox, out[512];
	struct browse_catalog *demo, *shared, *bad, *down;
	size_t pos;

	ck_assert_int_eq(ts_start(&t, handler, NULL), 0);
	base = ts_url(&t, "/charts/");
	ck_assert_int_eq(chartrepo_build("catalogs/charts", repo_dir, base, &err), 0);
	sandbox = ts_url(&t, "");
	cfg = xasprintf("catalogs:\n"
			"- {id: demo, location: 'sandbox://charts', highlightedCharts: [postgres-demo, gpu-demo],"
			" excludedCharts: [job-demo]}\n"
			"- {id: shared, location: 'http://127.0.0.1:%d/shared'}\n"
			"- {id: bad, location: 'http://127.0.0.1:%d/bad'}\n"
			"- {id: down, location: 'http://127.0.0.1:1/nothing'}\n"
			"- {id: nosb, location: 'sandbox://x'}\n", t.port, t.port);
	catalogs_init(&list);
	ck_assert_int_eq(catalogs_parse(&list, cfg, strlen(cfg), "test.yaml", &err), 0);
	favourites_toggle(&fav, "shared", "rstudio");

	b = browse_new(l, h, &list, &fav, sandbox, NULL);
	browse_set_listener(b, listener, &heard);
	ck_assert_uint_eq(browse_count(b), 5);
	/* the sandbox catalog without a sandbox URL is failed from the start */
	{
		struct browse *nb = browse_new(l, h, &list, NULL, NULL, NULL);

		ck_assert_int_eq(browse_find(nb, "demo", NULL)->state, BROWSE_FAILED);
		ck_assert_msg(strstr(browse_find(nb, "demo", NULL)->err.msg, "sandbox"), "%s",
			      browse_find(nb, "demo", NULL)->err.msg);
		browse_free(nb);
	}
	ck_assert_int_eq(browse_find(b, "nosb", NULL)->state, BROWSE_IDLE);
	browse_refresh_all(b, false);
	ck_assert_int_eq(browse_find(b, "demo", NULL)->state, BROWSE_LOADING);
	wait_settled(l, b, &heard, 5);

	demo = browse_find(b, "demo", &pos);
	ck_assert_uint_eq(pos, 0);
	ck_assert_int_eq(demo->state, BROWSE_READY);
	ck_assert_str_eq(names(demo, out, sizeof(out)), "postgres-demo gpu-demo jupyter-demo ");
	ck_assert_uint_eq(demo->nhidden, 1);
	ck_assert(demo->charts[0].highlighted);

	shared = browse_find(b, "shared", NULL);
	ck_assert_int_eq(shared->state, BROWSE_READY);
	/* the library chart is never offered; the favourite comes first */
	ck_assert_ptr_null(browse_find_chart(shared, "library-chart"));
	ck_assert_uint_eq(shared->nhidden, 1);
	ck_assert_str_eq(shared->charts[0].chart->name, "rstudio");
	ck_assert(shared->charts[0].favourite);
	favourites_toggle(&fav, "shared", "rstudio");
	browse_resort(b);
	ck_assert_str_eq(shared->charts[0].chart->name, "jupyter-python");

	/* search: name, description, keyword, any case */
	ck_assert(browse_chart_matches(browse_find_chart(shared, "rstudio"), "RSTUDIO"));
	ck_assert(browse_chart_matches(browse_find_chart(demo, "gpu-demo"), "pytorch"));
	ck_assert(browse_chart_matches(browse_find_chart(demo, "postgres-demo"), "sql"));
	ck_assert(!browse_chart_matches(browse_find_chart(demo, "postgres-demo"), "jupyter"));
	ck_assert(browse_chart_matches(browse_find_chart(demo, "postgres-demo"), ""));

	bad = browse_find(b, "bad", NULL);
	ck_assert_int_eq(bad->state, BROWSE_FAILED);
	ck_assert_msg(strstr(bad->err.msg, "index of"), "%s", bad->err.msg);
	down = browse_find(b, "down", NULL);
	ck_assert_int_eq(down->state, BROWSE_FAILED);
	ck_assert_int_eq(down->err.code, ERR_NET);

	/* offline: the cached copies stay usable, marked stale */
	ts_stop(&t);
	heard.settled = 0;
	browse_refresh(b, 0, true);
	wait_settled(l, b, &heard, 1);
	ck_assert_int_eq(demo->state, BROWSE_STALE);
	ck_assert_int_eq(demo->err.code, ERR_NET);
	ck_assert_uint_eq(demo->ncharts, 3);
	ck_assert_int_gt(demo->fetched_ms, 0);

	browse_free(b);
	favourites_release(&fav);
	catalogs_release(&list);
	free(cfg);
	free(base);
	free(sandbox);
	http_free(h);
	loop_free(l);
}
END_TEST

static Suite *browse_suite(void)
{
	Suite *s = suite_create("catalog_browse");
	TCase *tc = tcase_create("browse");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, browse_catalogs);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(browse_suite)
