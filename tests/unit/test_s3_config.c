/*
 * test_s3_config.c: s3/config: the account section, the environment over
 * it, defaults, addressing style for AWS and MinIO, and refusals.
 */
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/s3/config.h"
#include "testutil.h"

static int load(struct s3_config *c, const char *json, const char *const *env, struct error *err)
{
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	int rc;

	s3_config_init(c);
	rc = s3_config_apply_json(c, j, err);
	if (rc == 0)
		rc = s3_config_apply_env(c, env, err);
	if (rc == 0)
		rc = s3_config_finish(c, err);
	cJSON_Delete(j);
	return rc;
}

START_TEST(test_defaults_aws)
{
	struct s3_config c;
	struct error err;
	const char *env[] = { "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=secret", NULL };
	struct buf b = BUF_INIT;

	ck_assert_int_eq(load(&c, NULL, env, &err), 0);
	ck_assert_str_eq(c.region, "us-east-1");
	ck_assert_str_eq(c.endpoint, "https://s3.amazonaws.com");
	ck_assert(s3_config_is_aws(&c));
	ck_assert_int_eq(c.style, S3_STYLE_VIRTUAL);
	ck_assert(s3_config_virtual_host(&c, "my-bucket"));
	ck_assert(!s3_config_virtual_host(&c, "my.dotted.bucket"));	/* TLS name mismatch */
	ck_assert(!s3_config_virtual_host(&c, "Upper_Case"));
	ck_assert(!s3_config_virtual_host(&c, NULL));
	ck_assert_ptr_null(c.session_token);
	s3_config_endpoint_arg(&c, &b);
	ck_assert_str_eq(b.data, "");	/* aws needs no --endpoint-url for AWS */
	s3_config_release(&c);

	{
		const char *env2[] = { "AWS_REGION=eu-west-3", NULL };

		ck_assert_int_eq(load(&c, NULL, env2, &err), 0);
		ck_assert_str_eq(c.endpoint, "https://s3.eu-west-3.amazonaws.com");
		ck_assert_ptr_null(c.access_key);	/* anonymous */
		s3_config_release(&c);
	}
	buf_release(&b);
}
END_TEST

START_TEST(test_minio_env)
{
	struct s3_config c, copy;
	struct error err;
	const char *env[] = {
		"AWS_ENDPOINT_URL=https://ignored.example", "DATALAB_S3_ENDPOINT=http://127.0.0.1:9000/",
		"AWS_ACCESS_KEY_ID=minio", "AWS_SECRET_ACCESS_KEY=minio123", "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=ignored", NULL,
	};
	struct buf b = BUF_INIT;

	ck_assert_int_eq(load(&c, NULL, env, &err), 0);
	ck_assert_str_eq(c.endpoint, "http://127.0.0.1:9000");
	ck_assert_int_eq(c.style, S3_STYLE_PATH);
	ck_assert(!s3_config_is_aws(&c));
	ck_assert(!s3_config_virtual_host(&c, "user-alice"));
	ck_assert_ptr_null(c.session_token);	/* empty means unset */
	ck_assert_str_eq(c.region, "us-east-1");
	s3_config_endpoint_arg(&c, &b);
	ck_assert_str_eq(b.data, " --endpoint-url http://127.0.0.1:9000");
	s3_config_copy(&copy, &c);
	s3_config_release(&c);
	ck_assert_str_eq(copy.access_key, "minio");
	s3_config_release(&copy);
	buf_release(&b);
}
END_TEST

START_TEST(test_account_then_env)
{
	struct s3_config c;
	struct error err;
	static const char account[] = "{\"URL\":\"https://minio.example.org\",\"AWS_ACCESS_KEY_ID\":\"file-key\","
				      "\"AWS_SECRET_ACCESS_KEY\":\"file-secret\",\"AWS_SESSION_TOKEN\":\"tok\","
				      "\"AWS_DEFAULT_REGION\":\"fr-central\",\"pathStyleAccess\":false,"
				      "\"caFile\":\"/etc/ssl/minio.pem\",\"insecure\":true}";
	const char *env[] = { "AWS_ACCESS_KEY_ID=env-key", "AWS_SECRET_ACCESS_KEY=env-secret", NULL };
	const char *none[] = { NULL };

	ck_assert_int_eq(load(&c, account, none, &err), 0);
	ck_assert_str_eq(c.endpoint, "https://minio.example.org");
	ck_assert_str_eq(c.access_key, "file-key");
	ck_assert_str_eq(c.session_token, "tok");
	ck_assert_str_eq(c.region, "fr-central");
	ck_assert_int_eq(c.style, S3_STYLE_VIRTUAL);
	ck_assert_str_eq(c.ca_file, "/etc/ssl/minio.pem");
	ck_assert(c.insecure);
	s3_config_release(&c);

	/* the environment wins over the file */
	ck_assert_int_eq(load(&c, account, env, &err), 0);
	ck_assert_str_eq(c.access_key, "env-key");
	ck_assert_str_eq(c.secret_key, "env-secret");
	ck_assert_str_eq(c.endpoint, "https://minio.example.org");
	s3_config_release(&c);

	/* Onyxia's context form: a bare host and a port */
	ck_assert_int_eq(load(&c, "{\"AWS_S3_ENDPOINT\":\"minio.lab\",\"port\":9000}", none, &err), 0);
	ck_assert_str_eq(c.endpoint, "https://minio.lab:9000");
	ck_assert_int_eq(c.style, S3_STYLE_PATH);
	s3_config_release(&c);
	ck_assert_int_eq(load(&c, "{\"URL\":\"minio.lab:9000\"}", none, &err), 0);
	ck_assert_str_eq(c.endpoint, "https://minio.lab:9000");
	s3_config_release(&c);
}
END_TEST

START_TEST(test_style_flags)
{
	struct s3_config c;
	struct error err;
	const char *path[] = { "AWS_ENDPOINT_URL_S3=https://s3.amazonaws.com", "DATALAB_S3_PATH_STYLE=true",
			       "DATALAB_S3_INSECURE=1", "AWS_CA_BUNDLE=/tmp/ca.pem", NULL };
	const char *bad[] = { "DATALAB_S3_PATH_STYLE=perhaps", NULL };

	ck_assert_int_eq(load(&c, NULL, path, &err), 0);
	ck_assert_int_eq(c.style, S3_STYLE_PATH);
	ck_assert(c.insecure);
	ck_assert_str_eq(c.ca_file, "/tmp/ca.pem");
	s3_config_release(&c);

	ck_assert_int_eq(load(&c, NULL, bad, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_str_eq(err.msg, "DATALAB_S3_PATH_STYLE: expected true or false, got 'perhaps'");
	s3_config_release(&c);
}
END_TEST

START_TEST(test_refusals)
{
	struct s3_config c;
	struct error err;
	const char *ftp[] = { "AWS_ENDPOINT_URL=ftp://x", NULL };
	const char *userinfo[] = { "AWS_ENDPOINT_URL=https://u:p@host", NULL };
	const char *half[] = { "AWS_ACCESS_KEY_ID=AKID", NULL };
	const char *notaws[] = { "AWS_ENDPOINT_URL=https://evilamazonaws.com", NULL };

	ck_assert_int_eq(load(&c, NULL, ftp, &err), -1);
	ck_assert_str_eq(err.msg, "S3 endpoint 'ftp://x' is not an http or https URL");
	s3_config_release(&c);
	ck_assert_int_eq(load(&c, NULL, userinfo, &err), -1);
	s3_config_release(&c);
	ck_assert_int_eq(load(&c, NULL, half, &err), -1);
	ck_assert_str_eq(err.msg, "an S3 access key 'AKID' is set but no secret key");
	s3_config_release(&c);
	ck_assert_int_eq(load(&c, "[1]", NULL, &err), -1);
	s3_config_release(&c);
	ck_assert_int_eq(load(&c, NULL, notaws, &err), 0);
	ck_assert(!s3_config_is_aws(&c));
	ck_assert_int_eq(c.style, S3_STYLE_PATH);
	s3_config_release(&c);
}
END_TEST

static Suite *s3_config_suite(void)
{
	Suite *s = suite_create("s3_config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults_aws);
	tcase_add_test(tc, test_minio_env);
	tcase_add_test(tc, test_account_then_env);
	tcase_add_test(tc, test_style_flags);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_config_suite)
