/*
 * test_sb_patch.c: the four patch engines.  JSON patch, merge patch and
 * strategic merge patch run the {doc, patch, expected|error} rows of
 * tests/data/patch/ (RFC 6902 and 7386 appendix examples, the Kubernetes
 * docs' kubectl patch examples); server-side apply runs helm's and
 * kubectl's sequences: install, upgrade, rollback, conflicts, force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/sandbox/patch.h"
#include "testutil.h"

#define NOW "2025-01-01T00:00:00Z"

static cJSON *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	struct error err = { 0 };
	cJSON *o;

	ck_assert_msg(f != NULL, "%s", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	o = json_parse(b.data, b.len, &err);
	ck_assert_msg(o != NULL, "%s: %s", path, err.msg);
	buf_release(&b);
	return o;
}

static cJSON *J(const char *text)
{
	cJSON *o = cJSON_Parse(text);

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	return o;
}

static void expect_eq(const cJSON *got, const cJSON *want, const char *name)
{
	if (!cJSON_Compare(got, want, true)) {
		char *a = cJSON_PrintUnformatted(got), *b = cJSON_PrintUnformatted(want);

		ck_abort_msg("%s:\n got  %s\n want %s", name, a, b);
	}
}

enum engine { ENGINE_JSON, ENGINE_MERGE, ENGINE_SMP };

static void run_rows(const char *file, enum engine e)
{
	cJSON *rows = load(file);
	const cJSON *row;
	int n = 0;

	cJSON_ArrayForEach(row, rows) {
		const char *name = json_str(row, "name", "?");
		cJSON *doc = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(row, "doc"), true);
		cJSON *before = cJSON_Duplicate(doc, true);
		const cJSON *patch = cJSON_GetObjectItemCaseSensitive(row, "patch");
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(row, "expected");
		const char *werr = json_str(row, "error", NULL);
		struct error err = { 0 };
		int rc;

		if (e == ENGINE_JSON)
			rc = patch_json(&doc, patch, &err);
		else if (e == ENGINE_MERGE)
			rc = patch_merge(&doc, patch, &err);
		else
			rc = patch_strategic(&doc, patch, json_str(row, "kind", NULL), &err);
		if (werr) {
			ck_assert_msg(rc != 0, "%s: should fail", name);
			ck_assert_msg(strcmp(err.msg, werr) == 0, "%s: error '%s'", name, err.msg);
			/* a failed patch leaves the document as it was */
			expect_eq(doc, before, name);
		} else {
			ck_assert_msg(rc == 0, "%s: %s", name, err.msg);
			expect_eq(doc, want, name);
		}
		cJSON_Delete(doc);
		cJSON_Delete(before);
		n++;
	}
	ck_assert_int_gt(n, 10);
	cJSON_Delete(rows);
}

START_TEST(test_json_rows)
{
	run_rows("tests/data/patch/json.json", ENGINE_JSON);
}
END_TEST

START_TEST(test_merge_rows)
{
	run_rows("tests/data/patch/merge.json", ENGINE_MERGE);
}
END_TEST

START_TEST(test_strategic_rows)
{
	run_rows("tests/data/patch/strategic.json", ENGINE_SMP);
}
END_TEST

START_TEST(test_json_status)
{
	cJSON *doc = J("{\"a\":1}"), *ops = J("{\"op\":\"add\"}"), *bad = J("[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]");
	struct error err = { 0 };

	ck_assert_int_eq(patch_json(&doc, ops, &err), -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_int_eq(patch_json(&doc, bad, &err), -1);
	ck_assert_int_eq(err.status, 422);
	cJSON_Delete(doc);
	cJSON_Delete(ops);
	cJSON_Delete(bad);
}
END_TEST

/* ---- server-side apply ---- */

static const cJSON *entry(const cJSON *obj, const char *manager, const char *op)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, json_get(obj, "metadata.managedFields"))
		if (strcmp(json_str(e, "manager", ""), manager) == 0 &&
		    strcmp(json_str(e, "operation", ""), op) == 0)
			return e;
	return NULL;
}

static void apply_ok(cJSON **live, const char *applied, const char *manager, bool force)
{
	cJSON *a = J(applied), *conflicts = NULL;
	struct error err = { 0 };

	ck_assert_msg(patch_apply(live, a, manager, force, NOW, &conflicts, &err) == 0,
		      "%s: %s", manager, err.msg);
	ck_assert_ptr_null(conflicts);
	cJSON_Delete(a);
}

START_TEST(test_apply_helm_lifecycle)
{
	cJSON *live = NULL, *want;
	const cJSON *e;

	/* install: the object is created from the applied config */
	apply_ok(&live, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"r1-cm\","
		 "\"labels\":{\"app.kubernetes.io/managed-by\":\"Helm\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}",
		 "helm", false);
	e = entry(live, "helm", "Apply");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(json_str(e, "apiVersion", ""), "v1");
	ck_assert_str_eq(json_str(e, "time", ""), NOW);
	ck_assert_str_eq(json_str(e, "fieldsType", ""), "FieldsV1");
	want = J("{\"f:data\":{\"f:a\":{},\"f:b\":{}},\"f:metadata\":{\"f:labels\":"
		 "{\"f:app.kubernetes.io/managed-by\":{}}}}");
	expect_eq(json_get(e, "fieldsV1"), want, "install fieldsV1");
	cJSON_Delete(want);
	/* upgrade: b dropped from the chart, c added, a changed */
	apply_ok(&live, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"r1-cm\","
		 "\"labels\":{\"app.kubernetes.io/managed-by\":\"Helm\"}},\"data\":{\"a\":\"10\",\"c\":\"3\"}}",
		 "helm", false);
	want = J("{\"a\":\"10\",\"c\":\"3\"}");
	expect_eq(json_get(live, "data"), want, "upgrade data");
	cJSON_Delete(want);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(live, "metadata.managedFields")), 1);
	/* rollback: the old manifest again */
	apply_ok(&live, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"r1-cm\","
		 "\"labels\":{\"app.kubernetes.io/managed-by\":\"Helm\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}",
		 "helm", false);
	want = J("{\"a\":\"1\",\"b\":\"2\"}");
	expect_eq(json_get(live, "data"), want, "rollback data");
	cJSON_Delete(want);
	ck_assert_str_eq(json_str(live, "metadata.name", ""), "r1-cm");
	cJSON_Delete(live);
}
END_TEST

START_TEST(test_apply_conflict)
{
	cJSON *live = NULL, *a, *conflicts = NULL, *before, *want;
	struct error err = { 0 };

	apply_ok(&live, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
		 "\"data\":{\"x\":\"1\",\"y\":\"1\"}}", "kubectl", false);
	before = cJSON_Duplicate(live, true);
	a = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
	      "\"data\":{\"x\":\"2\",\"y\":\"1\"}}");
	ck_assert_int_eq(patch_apply(&live, a, "other", false, NOW, &conflicts, &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.msg, "Apply failed with 1 conflict: conflict with \"kubectl\": .data.x");
	want = J("[{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict with \\\"kubectl\\\"\","
		 "\"field\":\".data.x\"}]");
	expect_eq(conflicts, want, "causes");
	cJSON_Delete(want);
	cJSON_Delete(conflicts);
	expect_eq(live, before, "live untouched");
	/* force takes x; y, applied with the same value, is shared */
	ck_assert_int_eq(patch_apply(&live, a, "other", true, NOW, NULL, &err), 0);
	ck_assert_str_eq(json_str(live, "data.x", ""), "2");
	want = J("{\"f:data\":{\"f:y\":{}}}");
	expect_eq(json_get(entry(live, "kubectl", "Apply"), "fieldsV1"), want, "kubectl keeps y");
	cJSON_Delete(want);
	want = J("{\"f:data\":{\"f:x\":{},\"f:y\":{}}}");
	expect_eq(json_get(entry(live, "other", "Apply"), "fieldsV1"), want, "other owns x, y");
	cJSON_Delete(want);
	/* kubectl stops applying y: other still owns it, so it stays */
	apply_ok(&live, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
		 "\"data\":{}}", "kubectl", false);
	ck_assert_str_eq(json_str(live, "data.y", ""), "1");
	cJSON_Delete(a);
	cJSON_Delete(before);
	cJSON_Delete(live);
}
END_TEST

START_TEST(test_apply_lists)
{
	cJSON *live = NULL, *want;

	apply_ok(&live, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
		 "\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
		 "\"image\":\"x\",\"ports\":[{\"containerPort\":80}],\"args\":[\"-v\"]},{\"name\":\"b\","
		 "\"image\":\"y\"}]}}}}", "helm", false);
	want = J("{\"f:spec\":{\"f:replicas\":{},\"f:template\":{\"f:spec\":{\"f:containers\":{"
		 "\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{},\"f:name\":{},\"f:image\":{},\"f:args\":{},"
		 "\"f:ports\":{\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},"
		 "\"f:containerPort\":{}}}},\"k:{\\\"name\\\":\\\"b\\\"}\":{\".\":{},\"f:name\":{},"
		 "\"f:image\":{}}}}}}}");
	expect_eq(json_get(entry(live, "helm", "Apply"), "fieldsV1"), want, "list fieldsV1");
	cJSON_Delete(want);
	/* scale to 0 (Onyxia's suspend) and drop container b */
	apply_ok(&live, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
		 "\"spec\":{\"replicas\":0,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
		 "\"image\":\"x2\",\"ports\":[{\"containerPort\":80}],\"args\":[\"-q\"]}]}}}}", "helm", false);
	want = J("{\"replicas\":0,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x2\","
		 "\"ports\":[{\"containerPort\":80}],\"args\":[\"-q\"]}]}}}");
	expect_eq(json_get(live, "spec"), want, "upgraded spec");
	cJSON_Delete(want);
	cJSON_Delete(live);
}
END_TEST

START_TEST(test_record_update)
{
	cJSON *doc = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		       "\"namespace\":\"ns\"},\"data\":{\"x\":\"1\"}}");
	cJSON *old, *a, *want, *conflicts = NULL;
	struct error err = { 0 };

	/* a POST by kubectl create */
	patch_record_update(doc, NULL, "kubectl-create", NOW);
	want = J("{\"f:data\":{\"f:x\":{}}}");
	expect_eq(json_get(entry(doc, "kubectl-create", "Update"), "fieldsV1"), want, "create");
	cJSON_Delete(want);
	/* helm applying another value of x conflicts with the Update manager */
	a = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
	      "\"data\":{\"x\":\"2\"}}");
	ck_assert_int_eq(patch_apply(&doc, a, "helm", false, NOW, &conflicts, &err), -1);
	ck_assert_str_eq(err.msg, "Apply failed with 1 conflict: conflict with \"kubectl-create\" "
			 "using v1 at " NOW ": .data.x");
	cJSON_Delete(conflicts);
	cJSON_Delete(a);
	/* kubectl edit changes x and adds y: both move to kubectl-edit */
	old = cJSON_Duplicate(doc, true);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "data"), "x",
					       cJSON_CreateString("3"));
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(doc, "data"), "y", "4");
	patch_record_update(doc, old, "kubectl-edit", NOW);
	ck_assert_ptr_null(entry(doc, "kubectl-create", "Update"));
	want = J("{\"f:data\":{\"f:x\":{},\"f:y\":{}}}");
	expect_eq(json_get(entry(doc, "kubectl-edit", "Update"), "fieldsV1"), want, "edit");
	cJSON_Delete(want);
	cJSON_Delete(old);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_apply_errors)
{
	cJSON *live = NULL, *a = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
				   "{\"name\":\"c\",\"managedFields\":[]}}");
	cJSON *b = J("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
		     "\"spec\":{\"containers\":[{\"image\":\"x\"}]}}");
	struct error err = { 0 };

	ck_assert_int_eq(patch_apply(&live, a, "m", false, NOW, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "metadata.managedFields must be nil");
	ck_assert_int_eq(patch_apply(&live, a, "", false, NOW, NULL, &err), -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_int_eq(patch_apply(&live, b, "m", false, NOW, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "associative list with keys has an element that omits key field "
			 "\"name\" (and doesn't have default value)");
	ck_assert_ptr_null(live);
	cJSON_Delete(a);
	cJSON_Delete(b);
}
END_TEST

static Suite *patch_suite(void)
{
	Suite *s = suite_create("sb_patch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_json_rows);
	tcase_add_test(tc, test_merge_rows);
	tcase_add_test(tc, test_strategic_rows);
	tcase_add_test(tc, test_json_status);
	tcase_add_test(tc, test_apply_helm_lifecycle);
	tcase_add_test(tc, test_apply_conflict);
	tcase_add_test(tc, test_apply_lists);
	tcase_add_test(tc, test_record_update);
	tcase_add_test(tc, test_apply_errors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(patch_suite)
