/*
 * test_s3_sigv4.c: SigV4 against the examples of the AWS S3 documentation
 * (sig-v4-header-based-auth, sigv4-query-string-auth, sigv4-streaming),
 * whose signatures PROTOCOLS.md section 7.1 recomputed.
 */
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/s3/sigv4.h"
#include "testutil.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DATE "20130524T000000Z"

START_TEST(test_get_object)
{
	const struct sigv4_param h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", DATE },
	};
	struct sigv4_request rq = {
		.method = "GET", .path = "/test.txt", .headers = h, .nheaders = 4,
		.payload_hash = SIGV4_EMPTY_SHA256, .amz_date = DATE, .region = "us-east-1",
	};
	struct buf cr = BUF_INIT, auth = BUF_INIT;
	char sig[65];

	ck_assert_int_eq(sigv4_canonical_request(&rq, &cr), 0);
	ck_assert_str_eq(cr.data, "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
				  "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\nx-amz-date:" DATE "\n\n"
				  "host;range;x-amz-content-sha256;x-amz-date\n" SIGV4_EMPTY_SHA256);
	ck_assert_int_eq(sigv4_signature(&rq, SECRET, sig), 0);
	ck_assert_str_eq(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	ck_assert_int_eq(sigv4_authorization(&rq, AKID, SECRET, &auth), 0);
	ck_assert_str_eq(auth.data, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
				    "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
				    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	buf_release(&cr);
	buf_release(&auth);
}
END_TEST

START_TEST(test_put_object)
{
	const char *body = "Welcome to Amazon S3.";
	char hash[65], sig[65];
	struct sigv4_param h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", NULL },
	};
	struct sigv4_request rq = {
		.method = "PUT", .path = "/test$file.text", .headers = h, .nheaders = 5,
		.amz_date = DATE, .region = "us-east-1",
	};

	sigv4_sha256_hex(body, strlen(body), hash);
	ck_assert_str_eq(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	h[4].value = hash;
	rq.payload_hash = hash;
	ck_assert_int_eq(sigv4_signature(&rq, SECRET, sig), 0);
	ck_assert_str_eq(sig, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}
END_TEST

START_TEST(test_query_params)
{
	/* GET bucket lifecycle: a bare key signs as "lifecycle=" */
	const struct sigv4_param h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-date", DATE },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
	};
	const struct sigv4_param lq[] = { { "lifecycle", NULL } };
	const struct sigv4_param mq[] = { { "prefix", "J" }, { "max-keys", "2" } };
	struct sigv4_request rq = {
		.method = "GET", .path = "/", .query = lq, .nquery = 1, .headers = h, .nheaders = 3,
		.payload_hash = SIGV4_EMPTY_SHA256, .amz_date = DATE, .region = "us-east-1",
	};
	char sig[65];

	ck_assert_int_eq(sigv4_signature(&rq, SECRET, sig), 0);
	ck_assert_str_eq(sig, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	rq.query = mq;
	rq.nquery = 2;
	ck_assert_int_eq(sigv4_signature(&rq, SECRET, sig), 0);
	ck_assert_str_eq(sig, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}
END_TEST

START_TEST(test_presign)
{
	struct sigv4_request rq = {
		.method = "GET", .path = "/test.txt", .amz_date = DATE, .region = "us-east-1",
	};
	struct buf q = BUF_INIT;

	ck_assert_int_eq(sigv4_presign(&rq, "examplebucket.s3.amazonaws.com", AKID, SECRET, NULL, 86400, &q), 0);
	ck_assert_str_eq(q.data, "X-Amz-Algorithm=AWS4-HMAC-SHA256"
				 "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
				 "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
				 "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	buf_reset(&q);
	ck_assert_int_eq(sigv4_presign(&rq, "h", AKID, SECRET, NULL, 0, &q), -1);
	ck_assert_int_eq(sigv4_presign(&rq, "h", AKID, SECRET, NULL, 604801, &q), -1);
	buf_release(&q);
}
END_TEST

START_TEST(test_streaming_chunks)
{
	const struct sigv4_param h[] = {
		{ "Host", "s3.amazonaws.com" },
		{ "x-amz-date", DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", SIGV4_STREAMING },
		{ "Content-Encoding", "aws-chunked" },
		{ "x-amz-decoded-content-length", "66560" },
		{ "Content-Length", "66824" },
	};
	struct sigv4_request rq = {
		.method = "PUT", .path = "/examplebucket/chunkObject.txt", .headers = h, .nheaders = 7,
		.payload_hash = SIGV4_STREAMING, .amz_date = DATE, .region = "us-east-1",
	};
	unsigned char key[32];
	char seed[65], s1[65], s2[65], s3[65];
	char *data = xmalloc(65536);

	memset(data, 'a', 65536);
	ck_assert_int_eq(sigv4_signature(&rq, SECRET, seed), 0);
	ck_assert_str_eq(seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
	sigv4_signing_key(SECRET, "20130524", "us-east-1", "s3", key);
	sigv4_chunk_signature(key, DATE, "20130524/us-east-1/s3/aws4_request", seed, data, 65536, s1);
	ck_assert_str_eq(s1, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
	sigv4_chunk_signature(key, DATE, "20130524/us-east-1/s3/aws4_request", s1, data, 1024, s2);
	ck_assert_str_eq(s2, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
	sigv4_chunk_signature(key, DATE, "20130524/us-east-1/s3/aws4_request", s2, "", 0, s3);
	ck_assert_str_eq(s3, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
	free(data);
}
END_TEST

START_TEST(test_encoding_and_headers)
{
	/* keys are encoded once per segment; header values trimmed and squeezed */
	const struct sigv4_param h[] = {
		{ "X-Amz-Meta-Note", "  a   b \t c  " },
		{ "host", "127.0.0.1:9000" },
	};
	const struct sigv4_param q[] = { { "b", "x y" }, { "a", "é/+" }, { "X-Amz-Signature", "zz" } };
	struct sigv4_request rq = {
		.method = "PUT", .path = "/b/dir/a key+1 é.csv", .query = q, .nquery = 3, .headers = h,
		.nheaders = 2, .payload_hash = SIGV4_UNSIGNED, .amz_date = DATE, .region = "eu-west-3",
	};
	struct buf cr = BUF_INIT, scope = BUF_INIT;

	ck_assert_int_eq(sigv4_canonical_request(&rq, &cr), 0);
	ck_assert_str_eq(cr.data, "PUT\n/b/dir/a%20key%2B1%20%C3%A9.csv\na=%C3%A9%2F%2B&b=x%20y\n"
				  "host:127.0.0.1:9000\nx-amz-meta-note:a b c\n\nhost;x-amz-meta-note\n"
				  "UNSIGNED-PAYLOAD");
	ck_assert_int_eq(sigv4_scope(&rq, &scope), 0);
	ck_assert_str_eq(scope.data, "20130524/eu-west-3/s3/aws4_request");
	rq.path = "";
	buf_reset(&cr);
	ck_assert_int_eq(sigv4_canonical_request(&rq, &cr), 0);
	ck_assert(strncmp(cr.data, "PUT\n/\n", 6) == 0);
	buf_release(&cr);
	buf_release(&scope);
}
END_TEST

START_TEST(test_dates)
{
	char s[17];
	int64_t t;

	sigv4_amz_date(1369353600, s);
	ck_assert_str_eq(s, DATE);
	ck_assert_int_eq(sigv4_parse_amz_date(DATE, &t), 0);
	ck_assert_int_eq(t, 1369353600);
	ck_assert_int_eq(sigv4_parse_amz_date("20130524T000000", &t), -1);
	ck_assert_int_eq(sigv4_parse_amz_date("2013052XT000000Z", &t), -1);
	ck_assert_int_eq(sigv4_parse_amz_date("20131324T000000Z", &t), -1);
	ck_assert_int_eq(sigv4_parse_amz_date(NULL, &t), -1);
}
END_TEST

static Suite *sigv4_suite(void)
{
	Suite *s = suite_create("s3_sigv4");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_get_object);
	tcase_add_test(tc, test_put_object);
	tcase_add_test(tc, test_query_params);
	tcase_add_test(tc, test_presign);
	tcase_add_test(tc, test_streaming_chunks);
	tcase_add_test(tc, test_encoding_and_headers);
	tcase_add_test(tc, test_dates);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(sigv4_suite)
