/*
 * test_s3_policy.c: s3/policy makes prefixes public and private as Onyxia
 * does, keeps foreign statements, reads Onyxia's own output and the
 * minio-go read-only form without claiming it.
 */
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/s3/policy.h"
#include "testutil.h"

static char *print(const cJSON *p)
{
	struct buf b = BUF_INIT;

	s3_policy_print(p, &b);
	return buf_take(&b, NULL);
}

START_TEST(test_public_then_private)
{
	struct error err;
	cJSON *p = s3_policy_parse(NULL, 0, &err);
	char *s, *pp;

	ck_assert(s3_policy_empty(p));
	s3_policy_set_public(p, "user-alice", "diffusion/", true);
	s = print(p);
	ck_assert_str_eq(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"OnyxiaMakePrefixPublicGetObject\","
			 "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":"
			 "[\"arn:aws:s3:::user-alice/diffusion/*\"]},{\"Sid\":\"OnyxiaMakePrefixPublicListBucket\","
			 "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\",\"Resource\":"
			 "\"arn:aws:s3:::user-alice\",\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"diffusion/*\"]}}}]}");
	free(s);
	ck_assert(s3_policy_is_public(p, "user-alice", "diffusion/"));
	ck_assert(!s3_policy_is_public(p, "user-alice", "diffusion/sub/"));
	ck_assert(!s3_policy_is_public(p, "other", "diffusion/"));
	pp = s3_policy_public_prefix(p, "user-alice", "diffusion/sub/a.csv");
	ck_assert_str_eq(pp, "diffusion/");
	free(pp);
	ck_assert_ptr_null(s3_policy_public_prefix(p, "user-alice", "private/a.csv"));

	/* a second prefix joins the same two statements */
	s3_policy_set_public(p, "user-alice", "open data/", true);
	s3_policy_set_public(p, "user-alice", "open data/", true);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(p, "Statement")), 2);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(p, "Statement.0.Resource")), 2);

	s3_policy_set_public(p, "user-alice", "diffusion/", false);
	ck_assert(!s3_policy_is_public(p, "user-alice", "diffusion/"));
	ck_assert(s3_policy_is_public(p, "user-alice", "open data/"));
	s3_policy_set_public(p, "user-alice", "open data/", false);
	ck_assert(s3_policy_empty(p));
	cJSON_Delete(p);
}
END_TEST

START_TEST(test_foreign_statements_kept)
{
	/* minio-go's read-only form (mc anonymous set download) plus a deny */
	static const char minio[] =
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},"
		"\"Action\":[\"s3:GetBucketLocation\"],\"Resource\":[\"arn:aws:s3:::b\"]},{\"Effect\":\"Allow\","
		"\"Principal\":{\"AWS\":[\"*\"]},\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::b/pfx*\"]},"
		"{\"Sid\":\"OnyxiaMakePrefixPublicGetObject\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},"
		"\"Action\":[\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::b/old/*\"},"
		"{\"Sid\":\"OnyxiaMakePrefixPublicListBucket\",\"Effect\":\"Allow\",\"Principal\":\"*\","
		"\"Action\":\"s3:ListBucket\",\"Resource\":[\"arn:aws:s3:::b\"],\"Condition\":{\"StringLike\":"
		"{\"s3:prefix\":\"old/*\"}}}]}";
	struct error err;
	cJSON *p = s3_policy_parse(minio, strlen(minio), &err);

	ck_assert_ptr_nonnull(p);
	/* Onyxia's statements written in the other accepted shapes still count */
	ck_assert(s3_policy_is_public(p, "b", "old/"));
	/* minio-go's GetObject alone is not Onyxia's "public" */
	ck_assert(!s3_policy_is_public(p, "b", "pfx"));
	s3_policy_set_public(p, "b", "new/", true);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(p, "Statement")), 4);
	ck_assert_str_eq(json_str(p, "Statement.0.Action.0", ""), "s3:GetBucketLocation");
	ck_assert_str_eq(json_str(p, "Statement.1.Resource.0", ""), "arn:aws:s3:::b/pfx*");
	ck_assert(s3_policy_is_public(p, "b", "old/"));
	ck_assert(s3_policy_is_public(p, "b", "new/"));
	s3_policy_set_public(p, "b", "old/", false);
	s3_policy_set_public(p, "b", "new/", false);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(p, "Statement")), 2);
	ck_assert(!s3_policy_empty(p));
	cJSON_Delete(p);

	ck_assert_ptr_null(s3_policy_parse("[1]", 3, &err));
	ck_assert_ptr_null(s3_policy_parse("{", 1, &err));
	/* a lone statement object */
	{
		static const char lone[] = "{\"Statement\":{\"Effect\":\"Deny\"}}";

		p = s3_policy_parse(lone, strlen(lone), &err);
	}
	ck_assert_ptr_nonnull(p);
	s3_policy_set_public(p, "b", "x/", true);
	ck_assert_int_eq(cJSON_GetArraySize(json_get(p, "Statement")), 3);
	ck_assert_str_eq(json_str(p, "Version", ""), "2012-10-17");
	cJSON_Delete(p);
}
END_TEST

static Suite *s3_policy_suite(void)
{
	Suite *s = suite_create("s3_policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_public_then_private);
	tcase_add_test(tc, test_foreign_statements_kept);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_policy_suite)
