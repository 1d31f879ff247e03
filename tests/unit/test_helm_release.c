/* test_helm_release.c: helm's list/history/release JSON, Secret decoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/helm/release.h"
#include "testrelease.h"
#include "testutil.h"

static const char list_json[] =
	"[{\"name\":\"demo\",\"namespace\":\"user-alice\",\"revision\":\"2\","
	"\"updated\":\"2026-11-25 05:49:18.388601808 +0000 UTC\",\"status\":\"deployed\","
	"\"chart\":\"jupyter-python-2.5.2-rc.1\",\"app_version\":\"4.4\"},"
	"{\"name\":\"db\",\"namespace\":\"user-alice\",\"revision\":\"11\",\"updated\":\"x\","
	"\"status\":\"failed\",\"chart\":\"postgresql-1.0.12\",\"app_version\":\"\"}]";

static const char history_json[] =
	"[{\"revision\":1,\"updated\":\"2026-11-25T05:49:18Z\",\"status\":\"superseded\","
	"\"chart\":\"demo-0.1.0\",\"app_version\":\"1.0\",\"description\":\"Install complete\"},"
	"{\"revision\":2,\"updated\":\"2026-11-25T05:50:00Z\",\"status\":\"deployed\","
	"\"chart\":\"demo-0.2.0\",\"app_version\":\"1.0\",\"description\":\"Upgrade complete\"}]";

static const char status_json[] =
	"{\"name\":\"demo\",\"namespace\":\"ns\",\"version\":3,\"apply_method\":\"ssa\","
	"\"info\":{\"first_deployed\":\"2026-11-25T05:00:00Z\",\"last_deployed\":\"2026-11-25T06:00:00Z\","
	"\"description\":\"Upgrade complete\",\"status\":\"deployed\",\"notes\":\"open \\u001b[2J me\","
	"\"resources\":{\"v1/ConfigMap\":[]}},\"config\":{\"global\":{\"suspend\":true}},"
	"\"manifest\":\"---\\nkind: ConfigMap\\n\"}";

START_TEST(test_list)
{
	struct release *v;
	size_t n;
	struct error err;

	ck_assert_int_eq(release_parse_list(list_json, strlen(list_json), &v, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].name, "demo");
	ck_assert_str_eq(v[0].namespace, "user-alice");
	ck_assert_int_eq(v[0].revision, 2);
	ck_assert_str_eq(v[0].status, "deployed");
	ck_assert_str_eq(v[0].chart_name, "jupyter-python");
	ck_assert_str_eq(v[0].chart_version, "2.5.2-rc.1");
	ck_assert_str_eq(v[0].app_version, "4.4");
	ck_assert_str_eq(v[0].updated, "2026-11-25 05:49:18.388601808 +0000 UTC");
	ck_assert_int_eq(v[1].revision, 11);
	ck_assert_str_eq(v[1].chart_name, "postgresql");
	ck_assert_ptr_null(v[1].config);
	release_list_free(v, n);

	ck_assert_int_eq(release_parse_list("[]", 2, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	release_list_free(v, n);
	ck_assert_int_eq(release_parse_list("{}", 2, &v, &n, &err), -1);
	ck_assert_int_eq(release_parse_list("[{\"name\":", 9, &v, &n, &err), -1);
	ck_assert_int_eq(err.code, ERR_PARSE);
	ck_assert_int_eq(release_parse_list("[{\"status\":\"x\"}]", 16, &v, &n, &err), -1);
}
END_TEST

START_TEST(test_history)
{
	struct release *v;
	size_t n;
	struct error err;

	ck_assert_int_eq(release_parse_list(history_json, strlen(history_json), &v, &n, &err), -1);
	/* history rows have no name: parse them with the release name known */
	ck_assert_str_eq(err.msg, "helm release has no name");
	ck_assert_int_eq(release_parse_history(history_json, strlen(history_json), "demo", &v, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1].name, "demo");
	ck_assert_int_eq(v[1].revision, 2);
	ck_assert_str_eq(v[1].status, "deployed");
	ck_assert_str_eq(v[1].chart_version, "0.2.0");
	ck_assert_str_eq(v[1].description, "Upgrade complete");
	ck_assert_str_eq(v[0].updated, "2026-11-25T05:49:18Z");
	release_list_free(v, n);
}
END_TEST

START_TEST(test_status)
{
	struct release r;
	struct error err;

	ck_assert_int_eq(release_parse(status_json, strlen(status_json), &r, &err), 0);
	ck_assert_str_eq(r.name, "demo");
	ck_assert_int_eq(r.revision, 3);
	ck_assert_str_eq(r.status, "deployed");
	ck_assert_str_eq(r.updated, "2026-11-25T06:00:00Z");
	ck_assert_str_eq(r.first_deployed, "2026-11-25T05:00:00Z");
	ck_assert_str_eq(r.notes, "open \x1b[2J me");
	ck_assert_str_eq(r.apply_method, "ssa");
	ck_assert_ptr_nonnull(r.config);
	ck_assert(cJSON_IsTrue(json_get(r.config, "global.suspend")));
	ck_assert_ptr_null(r.chart);
	release_clear(&r);
	ck_assert_ptr_null(r.name);
}
END_TEST

/* The real helm's Release JSON (install --dry-run=client works offline),
 * stored the way a Secret holds it, decodes back to the same release. */
START_TEST(test_real_release_and_secret)
{
	struct buf json, gz, b1, b2, back;
	struct release r, r2;
	struct error err;

	release_helm_json("demo", "jupyter-python", "--set global.suspend=false", &json);
	ck_assert_msg(release_parse(json.data, json.len, &r, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(r.name, "demo");
	ck_assert_str_eq(r.namespace, "user-alice");
	ck_assert_int_eq(r.revision, 1);
	ck_assert_str_eq(r.status, "pending-install");
	ck_assert_str_eq(r.chart_name, "jupyter-python");
	ck_assert_str_eq(r.chart_version, "2.5.2");
	ck_assert_str_eq(r.chart, "jupyter-python-2.5.2");
	ck_assert_ptr_nonnull(r.manifest);
	ck_assert(strstr(r.manifest, "kind: StatefulSet") != NULL);
	ck_assert_ptr_nonnull(r.config);
	ck_assert(cJSON_IsFalse(json_get(r.config, "global.suspend")));

	buf_init(&gz, 0);
	buf_init(&b1, 0);
	buf_init(&b2, 0);
	buf_init(&back, 0);
	gzip_buf(json.data, json.len, &gz);
	ck_assert(str_base64_encode(&b1, gz.data, gz.len) == 0);
	ck_assert(str_has_prefix(b1.data, "H4sI"));
	ck_assert(str_base64_encode(&b2, b1.data, b1.len) == 0);
	ck_assert(str_has_prefix(b2.data, "SDRzSU"));
	/* API JSON (two layers) */
	ck_assert_msg(release_decode_secret(b2.data, b2.len, &back, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(back.len, json.len);
	ck_assert(memcmp(back.data, json.data, json.len) == 0);
	ck_assert_int_eq(release_parse(back.data, back.len, &r2, &err), 0);
	ck_assert_str_eq(r2.manifest, r.manifest);
	release_clear(&r2);
	/* helm's layer only */
	buf_reset(&back);
	ck_assert_int_eq(release_decode_secret(b1.data, b1.len, &back, &err), 0);
	ck_assert_uint_eq(back.len, json.len);
	/* not base64, damaged gzip */
	ck_assert_int_eq(release_decode_secret("!!!", 3, &back, &err), -1);
	/* a cut stream (the JSON would end early) */
	buf_reset(&back);
	ck_assert_int_eq(release_gunzip(gz.data, gz.len / 2, 1 << 26, &back, &err), -1);
	ck_assert_uint_eq(back.len, 0);
	ck_assert_int_eq(release_gunzip("plain", 5, 100, &back, &err), -1);
	release_clear(&r);
	buf_release(&json);
	buf_release(&gz);
	buf_release(&b1);
	buf_release(&b2);
	buf_release(&back);
}
END_TEST

/* A small Secret that inflates to a lot stops at the cap. */
START_TEST(test_gunzip_cap)
{
	size_t n = 8u << 20;
	char *zeros = xcalloc(1, n);
	struct buf gz, out;
	struct error err;

	buf_init(&gz, 0);
	buf_init(&out, 0);
	gzip_buf(zeros, n, &gz);
	ck_assert_uint_lt(gz.len, 65536);
	ck_assert_int_eq(release_gunzip(gz.data, gz.len, 1u << 20, &out, &err), -1);
	ck_assert_int_eq(err.code, ERR_LIMIT);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(release_gunzip(gz.data, gz.len, n, &out, &err), 0);
	ck_assert_uint_eq(out.len, n);
	buf_release(&gz);
	buf_release(&out);
	free(zeros);
}
END_TEST

static const struct {
	const char *chart, *name, *version;
} split_rows[] = {
	{ "demo-0.1.0", "demo", "0.1.0" },
	{ "jupyter-python-2.5.2", "jupyter-python", "2.5.2" },
	{ "a-1-2.0.0-rc.1", "a-1", "2.0.0-rc.1" },
	{ "x-1.0.0+build.7", "x", "1.0.0+build.7" },
	{ "noversion", NULL, NULL },
	{ "-1.0.0", NULL, NULL },
	{ "a-1.0.0.0", NULL, NULL },
	{ "a-1.0", NULL, NULL },
};

START_TEST(test_split)
{
	char *name, *version;
	int rc = release_split_chart(split_rows[_i].chart, &name, &version);

	if (!split_rows[_i].name) {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(name);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(name, split_rows[_i].name);
	ck_assert_str_eq(version, split_rows[_i].version);
	free(name);
	free(version);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("helm_release");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_real_release_and_secret);
	tcase_add_test(tc, test_gunzip_cap);
	tcase_add_loop_test(tc, test_split, 0, DL_ARRAY_LEN(split_rows));
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
