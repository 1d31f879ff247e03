/*
 * test_s3d_policy.c: bucket policies as minio-go (`mc anonymous set
 * download`) and Onyxia write them (PROTOCOLS 7.2): which anonymous
 * requests they let through, Deny winning, and the documents S3 refuses.
 */
#include <string.h>

#include "datalab/sandbox/s3d_policy.h"
#include "testutil.h"

static const char *minio_form =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":[\"s3:GetBucketLocation\"],"
	"\"Resource\":[\"arn:aws:s3:::b\"]},"
	"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":[\"s3:ListBucket\"],"
	"\"Resource\":[\"arn:aws:s3:::b\"],\"Condition\":{\"StringEquals\":{\"s3:prefix\":[\"pfx\"]}}},"
	"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":[\"s3:GetObject\"],"
	"\"Resource\":[\"arn:aws:s3:::b/pfx*\"]}]}";

static const char *onyxia_form =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Sid\":\"OnyxiaMakePrefixPublicGetObject\",\"Effect\":\"Allow\",\"Principal\":\"*\","
	"\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::b/p/*\"]},"
	"{\"Sid\":\"OnyxiaMakePrefixPublicListBucket\",\"Effect\":\"Allow\",\"Principal\":\"*\","
	"\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::b\","
	"\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"p/*\"]}}},"
	"{\"Sid\":\"Other\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:user/bob\"},"
	"\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\"}]}";

static struct s3d_policy *parse(const char *text)
{
	struct error err;
	struct s3d_policy *p = s3d_policy_parse(text, strlen(text), "b", &err);

	ck_assert_msg(p != NULL, "%s", err.msg);
	return p;
}

START_TEST(test_minio_form)
{
	struct s3d_policy *p = parse(minio_form);

	ck_assert(s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/pfx/file.csv", NULL));
	ck_assert(s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/pfxother", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/private.csv", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:PutObject", "arn:aws:s3:::b/pfx/file.csv", NULL));
	ck_assert(s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "pfx"));
	ck_assert(!s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "other"));
	ck_assert(!s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", NULL));
	ck_assert(s3d_policy_allows(p, "s3:GetBucketLocation", "arn:aws:s3:::b", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::c/pfx/file.csv", NULL));
	s3d_policy_free(p);
}
END_TEST

START_TEST(test_onyxia_form)
{
	struct s3d_policy *p = parse(onyxia_form);

	ck_assert(s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/p/x/y.parquet", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/p", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/q/x", NULL));
	ck_assert(s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "p/"));
	ck_assert(s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "p/sub/"));
	ck_assert(!s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", ""));
	/* bob's statement is not for anonymous callers */
	ck_assert(!s3d_policy_allows(p, "s3:DeleteObject", "arn:aws:s3:::b/p/x", NULL));
	/* actions compare without case */
	ck_assert(s3d_policy_allows(p, "S3:GETOBJECT", "arn:aws:s3:::b/p/x", NULL));
	s3d_policy_free(p);
}
END_TEST

START_TEST(test_deny_wins)
{
	struct s3d_policy *p = parse(
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\"},"
		"{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/secret/*\"}]}");

	ck_assert(s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/open/x", NULL));
	ck_assert(s3d_policy_allows(p, "s3:PutObject", "arn:aws:s3:::b/secret/x", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:GetObject", "arn:aws:s3:::b/secret/x", NULL));
	s3d_policy_free(p);
	/* a single statement object, and StringNotLike */
	p = parse("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\","
		  "\"Resource\":\"arn:aws:s3:::b\",\"Condition\":{\"StringNotLike\":{\"s3:prefix\":\"private/*\"}}}}");
	ck_assert(s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "public/"));
	ck_assert(s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", NULL));
	ck_assert(!s3d_policy_allows(p, "s3:ListBucket", "arn:aws:s3:::b", "private/x"));
	s3d_policy_free(p);
	ck_assert(!s3d_policy_allows(NULL, "s3:GetObject", "arn:aws:s3:::b/x", NULL));
}
END_TEST

START_TEST(test_refused_documents)
{
	static const char *bad[] = {
		"",
		"[]",
		"{not json",
		"{\"Statement\":[]}",
		"{\"Version\":\"2012-10-17\"}",
		"{\"Statement\":[{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::other/*\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bb/*\"}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[1],\"Resource\":\"arn:aws:s3:::b/*\"}]}",
	};
	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++) {
		struct error err;

		ck_assert_msg(s3d_policy_parse(bad[i], strlen(bad[i]), "b", &err) == NULL, "case %zu", i);
		ck_assert(err.msg[0]);
	}
}
END_TEST

START_TEST(test_glob)
{
	ck_assert(s3d_policy_match("a*c", "abbbc", false));
	ck_assert(s3d_policy_match("a*", "a", false));
	ck_assert(s3d_policy_match("*", "", false));
	ck_assert(s3d_policy_match("a?c", "abc", false));
	ck_assert(!s3d_policy_match("a?c", "ac", false));
	ck_assert(s3d_policy_match("*x*y*", "axbxcy", false));
	ck_assert(!s3d_policy_match("abc", "ABC", false));
	ck_assert(s3d_policy_match("abc", "ABC", true));
}
END_TEST

static Suite *s3d_policy_suite(void)
{
	Suite *s = suite_create("s3d_policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_minio_form);
	tcase_add_test(tc, test_onyxia_form);
	tcase_add_test(tc, test_deny_wins);
	tcase_add_test(tc, test_refused_documents);
	tcase_add_test(tc, test_glob);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3d_policy_suite)
