/*
 * test_sb_quota.c: what pods and claims count, the 403 sentences, and
 * status.used kept current, on the quota kubectl generates for Onyxia's
 * user namespace (shared testdata).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/sandbox/quota.h"
#include "testutil.h"

static cJSON *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	cJSON *o;

	ck_assert_msg(f != NULL, "%s", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	o = cJSON_Parse(b.data);
	buf_release(&b);
	ck_assert_ptr_nonnull(o);
	return o;
}

static cJSON *gpu_pod(const char *name, const char *gpus)
{
	char text[600];

	snprintf(text, sizeof(text), "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},\"spec\":{\"containers\":"
		 "[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"},"
		 "\"limits\":{\"cpu\":\"2\",\"memory\":\"2Gi\",\"nvidia.com/gpu\":\"%s\"}}}]}}", name, gpus);
	return cJSON_Parse(text);
}

START_TEST(test_usage)
{
	cJSON *p = gpu_pod("p", "1"), *u = quota_usage(p), *want;
	cJSON *pvc = cJSON_Parse("{\"kind\":\"PersistentVolumeClaim\",\"spec\":{\"resources\":"
				 "{\"requests\":{\"storage\":\"20Gi\"}}}}");
	cJSON *done = cJSON_Parse("{\"kind\":\"Pod\",\"status\":{\"phase\":\"Succeeded\"}}");

	want = cJSON_Parse("{\"pods\":\"1\",\"count/pods\":\"1\",\"requests.cpu\":\"500m\",\"cpu\":\"500m\","
			   "\"requests.memory\":\"1Gi\",\"memory\":\"1Gi\",\"requests.nvidia.com/gpu\":\"1\","
			   "\"limits.cpu\":\"2\",\"limits.memory\":\"2Gi\",\"limits.nvidia.com/gpu\":\"1\"}");
	ck_assert_msg(cJSON_Compare(u, want, true), "%s", cJSON_PrintUnformatted(u));
	cJSON_Delete(u);
	cJSON_Delete(want);
	u = quota_usage(pvc);
	ck_assert_str_eq(json_get_key(u, "requests.storage")->valuestring, "20Gi");
	ck_assert_str_eq(json_str(u, "persistentvolumeclaims", ""), "1");
	cJSON_Delete(u);
	ck_assert_ptr_null(quota_usage(done));
	cJSON_Delete(p);
	cJSON_Delete(pvc);
	cJSON_Delete(done);
}
END_TEST

START_TEST(test_admit_and_charge)
{
	cJSON *q = load(TESTDATA "/kube/kubectl-generated/resourcequota-create-dry-run.json");
	cJSON *p1 = gpu_pod("p1", "2"), *p2 = gpu_pod("p2", "1");
	cJSON *u1 = quota_usage(p1), *u2 = quota_usage(p2);
	struct error err = { 0 };

	ck_assert_int_eq(quota_admit(q, u1, p1, "pods", "p1", &err), 0);
	quota_charge(q, u1, 1);
	ck_assert_str_eq(json_get_key(json_get(q, "status.used"), "requests.nvidia.com/gpu")->valuestring, "2");
	ck_assert_str_eq(json_get_key(json_get(q, "status.used"), "requests.memory")->valuestring, "1Gi");
	ck_assert_str_eq(json_get_key(json_get(q, "status.used"), "count/pods")->valuestring, "1");
	ck_assert_str_eq(json_get_key(json_get(q, "status.hard"), "limits.cpu")->valuestring, "10");
	/* a third GPU is refused with the apiserver's words */
	ck_assert_int_eq(quota_admit(q, u2, p2, "pods", "p2", &err), -1);
	ck_assert_int_eq(err.code, ERR_FORBIDDEN);
	ck_assert_int_eq(err.status, 403);
	ck_assert_str_eq(err.msg, "pods \"p2\" is forbidden: exceeded quota: user-alice-quota, "
			 "requested: limits.nvidia.com/gpu=1,requests.nvidia.com/gpu=1, used: "
			 "limits.nvidia.com/gpu=2,requests.nvidia.com/gpu=2, limited: "
			 "limits.nvidia.com/gpu=2,requests.nvidia.com/gpu=2");
	/* deleting p1 gives it back */
	quota_charge(q, u1, -1);
	ck_assert_str_eq(json_get_key(json_get(q, "status.used"), "requests.nvidia.com/gpu")->valuestring, "0");
	ck_assert_str_eq(json_get_key(json_get(q, "status.used"), "requests.cpu")->valuestring, "0");
	ck_assert_int_eq(quota_admit(q, u2, p2, "pods", "", &err), 0);
	cJSON_Delete(u1);
	cJSON_Delete(u2);
	cJSON_Delete(p1);
	cJSON_Delete(p2);
	cJSON_Delete(q);
}
END_TEST

START_TEST(test_must_specify)
{
	cJSON *q = cJSON_Parse("{\"metadata\":{\"name\":\"q\"},\"spec\":{\"hard\":{\"limits.cpu\":\"1\","
			       "\"requests.memory\":\"1Gi\"}}}");
	cJSON *p = cJSON_Parse("{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
	cJSON *u = quota_usage(p);
	struct error err = { 0 };

	ck_assert_int_eq(quota_admit(q, u, p, "pods", "", &err), -1);
	ck_assert_str_eq(err.msg, "pods is forbidden: failed quota: q: must specify "
			 "limits.cpu,requests.memory");
	cJSON_Delete(u);
	cJSON_Delete(p);
	cJSON_Delete(q);
}
END_TEST

static Suite *quota_suite(void)
{
	Suite *s = suite_create("sb_quota");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_admit_and_charge);
	tcase_add_test(tc, test_must_specify);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(quota_suite)
