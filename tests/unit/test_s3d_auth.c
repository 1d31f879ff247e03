/*
 * test_s3d_auth.c: the sandbox's SigV4 checks against the AWS examples
 * (PROTOCOLS 7.1): header auth, presigned URLs and their expiry, clock
 * skew, wrong keys; the aws-chunked decoder fed the AWS streaming example
 * split at every offset, with a flipped byte, bad framing and trailers;
 * and the checksums S3 clients send.
 */
#include <stdio.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d_auth.h"
#include "datalab/sandbox/s3d_chunked.h"
#include "datalab/sandbox/s3d_sum.h"
#include "testutil.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DATE "20130524T000000Z"
#define T0 1369353600		/* 2013-05-24T00:00:00Z */

struct hdrs {
	const struct sigv4_param *h;
	size_t n;
};

static const char *lookup(void *ctx, const char *name)
{
	struct hdrs *hs = ctx;

	for (size_t i = 0; i < hs->n; i++)
		if (str_case_eq(hs->h[i].name, name))
			return hs->h[i].value;
	return NULL;
}

static const char *get_auth =
	"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
	"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
	"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

static enum s3d_auth_kind check_get(const char *auth, int64_t now, const char *ak, const char *secret,
				    struct s3d_auth *a)
{
	struct sigv4_param h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", DATE },
		{ "Authorization", auth },
	};
	struct hdrs hs = { h, 5 };
	struct s3d_auth_req rq = { .method = "GET", .path = "/test.txt", .header = lookup, .ctx = &hs, .now = now };

	return s3d_auth_check(&rq, ak, secret, a);
}

START_TEST(test_header_vector)
{
	struct s3d_auth a;

	ck_assert_int_eq(check_get(get_auth, T0 + 300, AKID, SECRET, &a), S3D_AUTH_HEADER);
	ck_assert_str_eq(a.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	ck_assert_str_eq(a.scope, "20130524/us-east-1/s3/aws4_request");
	ck_assert_str_eq(a.payload_hash, SIGV4_EMPTY_SHA256);
	s3d_auth_release(&a);
}
END_TEST

START_TEST(test_header_refusals)
{
	struct s3d_auth a;
	char *bad;

	/* 16 minutes late: skew */
	ck_assert_int_eq(check_get(get_auth, T0 + 16 * 60, AKID, SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "RequestTimeTooSkewed");
	ck_assert_int_eq(a.status, 403);
	s3d_auth_release(&a);
	/* 14 minutes early is fine */
	ck_assert_int_eq(check_get(get_auth, T0 - 14 * 60, AKID, SECRET, &a), S3D_AUTH_HEADER);
	s3d_auth_release(&a);
	/* another key id */
	ck_assert_int_eq(check_get(get_auth, T0, "AKIDOTHER", SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "InvalidAccessKeyId");
	ck_assert_int_eq(a.status, 403);
	s3d_auth_release(&a);
	/* wrong secret: the string to sign is given back */
	ck_assert_int_eq(check_get(get_auth, T0, AKID, "not-the-secret", &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "SignatureDoesNotMatch");
	ck_assert_int_eq(a.status, 403);
	ck_assert(str_has_prefix(a.string_to_sign.data, "AWS4-HMAC-SHA256\n" DATE "\n20130524/us-east-1/s3/aws4_request\n"));
	ck_assert(str_has_prefix(a.canonical.data, "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"));
	s3d_auth_release(&a);
	/* a signature one character off */
	bad = xstrdup(get_auth);
	bad[strlen(bad) - 1] = '0';
	ck_assert_int_eq(check_get(bad, T0, AKID, SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "SignatureDoesNotMatch");
	s3d_auth_release(&a);
	free(bad);
	/* malformed */
	ck_assert_int_eq(check_get("AWS4-HMAC-SHA256 Credential=x", T0, AKID, SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "AuthorizationHeaderMalformed");
	ck_assert_int_eq(a.status, 400);
	s3d_auth_release(&a);
	/* SigV2 with a wrong signature */
	ck_assert_int_eq(check_get("AWS " AKID ":c2lnbmF0dXJl", T0, AKID, SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "SignatureDoesNotMatch");
	s3d_auth_release(&a);
}
END_TEST

static enum s3d_auth_kind check_presigned(const char *sig, int64_t now, struct s3d_auth *a)
{
	struct sigv4_param q[] = {
		{ "X-Amz-Algorithm", "AWS4-HMAC-SHA256" },
		{ "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request" },
		{ "X-Amz-Date", DATE },
		{ "X-Amz-Expires", "86400" },
		{ "X-Amz-SignedHeaders", "host" },
		{ "X-Amz-Signature", sig },
	};
	struct sigv4_param h[] = { { "Host", "examplebucket.s3.amazonaws.com" } };
	struct hdrs hs = { h, 1 };
	struct s3d_auth_req rq = { .method = "GET", .path = "/test.txt", .query = q, .nquery = 6,
				   .header = lookup, .ctx = &hs, .now = now };

	return s3d_auth_check(&rq, AKID, SECRET, a);
}

START_TEST(test_presigned)
{
	const char *good = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
	struct s3d_auth a;

	ck_assert_int_eq(check_presigned(good, T0 + 3600, &a), S3D_AUTH_PRESIGNED);
	ck_assert_str_eq(a.payload_hash, SIGV4_UNSIGNED);
	s3d_auth_release(&a);
	/* valid up to the last second, then expired */
	ck_assert_int_eq(check_presigned(good, T0 + 86400, &a), S3D_AUTH_PRESIGNED);
	s3d_auth_release(&a);
	ck_assert_int_eq(check_presigned(good, T0 + 86401, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "AccessDenied");
	ck_assert_str_eq(a.message, "Request has expired");
	ck_assert_int_eq(a.status, 403);
	s3d_auth_release(&a);
	ck_assert_int_eq(check_presigned("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d405",
					 T0, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "SignatureDoesNotMatch");
	s3d_auth_release(&a);
}
END_TEST

START_TEST(test_presign_roundtrip)
{
	/* what the console's signer presigns, the sandbox accepts */
	struct sigv4_request rq = { .method = "GET", .path = "/b/a key+1%.csv", .amz_date = DATE,
				    .region = "us-east-1" };
	struct buf qs = BUF_INIT;
	struct sigv4_param q[16];
	struct sigv4_param h[] = { { "host", "127.0.0.1:9000" } };
	struct hdrs hs = { h, 1 };
	struct s3d_auth_req arq = { .method = "GET", .path = "/b/a key+1%.csv", .query = q, .header = lookup,
				    .ctx = &hs, .now = T0 + 10 };
	struct s3d_auth a;
	char **parts;
	size_t np;

	ck_assert_int_eq(sigv4_presign(&rq, "127.0.0.1:9000", AKID, SECRET, NULL, 60, &qs), 0);
	parts = str_split(qs.data, '&', &np);
	ck_assert_uint_le(np, 16);
	for (size_t i = 0; i < np; i++) {
		char *eq = strchr(parts[i], '=');
		struct buf n = BUF_INIT, v = BUF_INIT;

		*eq = '\0';
		str_url_decode(&n, parts[i], strlen(parts[i]), false);
		str_url_decode(&v, eq + 1, strlen(eq + 1), false);
		q[i].name = buf_take(&n, NULL);
		q[i].value = buf_take(&v, NULL);
	}
	arq.nquery = np;
	ck_assert_int_eq(s3d_auth_check(&arq, AKID, SECRET, &a), S3D_AUTH_PRESIGNED);
	s3d_auth_release(&a);
	arq.now = T0 + 61;
	ck_assert_int_eq(s3d_auth_check(&arq, AKID, SECRET, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.message, "Request has expired");
	s3d_auth_release(&a);
	for (size_t i = 0; i < np; i++) {
		free((char *)q[i].name);
		free((char *)q[i].value);
	}
	str_free_list(parts);
	buf_release(&qs);
}
END_TEST

/* The SigV2 query-string example of the S3 documentation (RESTAuthentication). */
static enum s3d_auth_kind check_v2_query(const char *sig, int64_t now, struct s3d_auth *a)
{
	struct sigv4_param q[] = {
		{ "AWSAccessKeyId", AKID },
		{ "Expires", "1175139620" },
		{ "Signature", sig },
	};
	struct sigv4_param h[] = { { "Host", "johnsmith.s3.amazonaws.com" } };
	struct hdrs hs = { h, 1 };
	struct s3d_auth_req rq = { .method = "GET", .path = "/johnsmith/photos/puppy.jpg", .query = q, .nquery = 3,
				   .header = lookup, .ctx = &hs, .now = now };

	return s3d_auth_check(&rq, AKID, SECRET, a);
}

START_TEST(test_v2_presigned)
{
	struct s3d_auth a;

	ck_assert_int_eq(check_v2_query("NpgCjnDzrM+WFzoENXmpNDUsSn8=", 1175139600, &a), S3D_AUTH_V2);
	ck_assert_str_eq(a.payload_hash, SIGV4_UNSIGNED);
	s3d_auth_release(&a);
	ck_assert_int_eq(check_v2_query("NpgCjnDzrM+WFzoENXmpNDUsSn8=", 1175139621, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.message, "Request has expired");
	s3d_auth_release(&a);
	ck_assert_int_eq(check_v2_query("NpgCjnDzrM+WFzoENXmpNDUsSn9=", 1175139600, &a), S3D_AUTH_FAILED);
	ck_assert_str_eq(a.code, "SignatureDoesNotMatch");
	s3d_auth_release(&a);
}
END_TEST

START_TEST(test_anonymous)
{
	struct sigv4_param h[] = { { "Host", "x" } };
	struct hdrs hs = { h, 1 };
	struct s3d_auth_req rq = { .method = "GET", .path = "/b/k", .header = lookup, .ctx = &hs, .now = T0 };
	struct s3d_auth a;

	ck_assert_int_eq(s3d_auth_check(&rq, AKID, SECRET, &a), S3D_AUTH_ANONYMOUS);
	s3d_auth_release(&a);
}
END_TEST

/* The AWS sigv4-streaming example: 66560 bytes of 'a' in 64 KiB chunks. */
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1 "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2 "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3 "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

static void streaming_body(struct buf *b)
{
	char *a = xmalloc(65536);

	memset(a, 'a', 65536);
	buf_init(b, 0);
	buf_adds(b, "10000;chunk-signature=" SIG1 "\r\n");
	buf_add(b, a, 65536);
	buf_adds(b, "\r\n400;chunk-signature=" SIG2 "\r\n");
	buf_add(b, a, 1024);
	buf_adds(b, "\r\n0;chunk-signature=" SIG3 "\r\n\r\n");
	free(a);
}

static int sink(void *arg, const char *p, size_t n)
{
	return buf_add(arg, p, n);
}

static void streaming_sign(struct s3d_chunked_sign *s)
{
	memset(s, 0, sizeof(*s));
	sigv4_signing_key(SECRET, "20130524", "us-east-1", "s3", s->key);
	str_copy(s->amz_date, DATE, sizeof(s->amz_date));
	str_copy(s->scope, "20130524/us-east-1/s3/aws4_request", sizeof(s->scope));
	str_copy(s->seed, SEED, sizeof(s->seed));
}

START_TEST(test_streaming_header_seed)
{
	struct sigv4_param h[] = {
		{ "Host", "s3.amazonaws.com" },
		{ "x-amz-date", DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", SIGV4_STREAMING },
		{ "Content-Encoding", "aws-chunked" },
		{ "x-amz-decoded-content-length", "66560" },
		{ "Content-Length", "66824" },
		{ "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
				   "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
				   "x-amz-decoded-content-length;x-amz-storage-class,Signature=" SEED },
	};
	struct hdrs hs = { h, 8 };
	struct s3d_auth_req rq = { .method = "PUT", .path = "/examplebucket/chunkObject.txt", .header = lookup,
				   .ctx = &hs, .now = T0 };
	struct s3d_auth a;
	struct s3d_chunked_sign s;

	ck_assert_int_eq(s3d_auth_check(&rq, AKID, SECRET, &a), S3D_AUTH_HEADER);
	ck_assert_str_eq(a.signature, SEED);
	ck_assert_str_eq(a.payload_hash, SIGV4_STREAMING);
	streaming_sign(&s);
	ck_assert(memcmp(s.key, a.key, 32) == 0);
	ck_assert_str_eq(a.scope, s.scope);
	s3d_auth_release(&a);
}
END_TEST

START_TEST(test_chunked_signed_split_anywhere)
{
	struct buf body, out;
	struct s3d_chunked_sign s;
	size_t step[] = { 1, 2, 7, 100, 4096, 65600 };

	streaming_body(&body);
	streaming_sign(&s);
	for (size_t k = 0; k < DL_ARRAY_LEN(step); k++) {
		struct s3d_chunked *c;

		buf_init(&out, 0);
		c = s3d_chunked_new(&s, sink, &out);
		for (size_t i = 0; i < body.len; i += step[k]) {
			size_t n = DL_MIN(step[k], body.len - i);

			ck_assert_int_eq(s3d_chunked_feed(c, body.data + i, n), S3D_CHUNKED_OK);
		}
		ck_assert(s3d_chunked_done(c));
		ck_assert_uint_eq(s3d_chunked_decoded(c), 66560);
		ck_assert_uint_eq(out.len, 66560);
		s3d_chunked_free(c);
		buf_release(&out);
	}
	/* every split point of the chunk headers and trailer, in two feeds */
	for (size_t cut = 0; cut <= body.len; cut += (cut < 200 || cut > body.len - 200) ? 1 : 997) {
		struct s3d_chunked *c;

		buf_init(&out, 0);
		c = s3d_chunked_new(&s, sink, &out);
		ck_assert_int_eq(s3d_chunked_feed(c, body.data, cut), S3D_CHUNKED_OK);
		ck_assert_int_eq(s3d_chunked_feed(c, body.data + cut, body.len - cut), S3D_CHUNKED_OK);
		ck_assert_msg(s3d_chunked_done(c), "cut %zu", cut);
		s3d_chunked_free(c);
		buf_release(&out);
	}
	buf_release(&body);
}
END_TEST

START_TEST(test_chunked_signed_tampered)
{
	struct buf body, out;
	struct s3d_chunked_sign s;
	struct s3d_chunked *c;

	streaming_body(&body);
	streaming_sign(&s);
	body.data[200] = 'b';		/* one data byte of chunk 1 */
	buf_init(&out, 0);
	c = s3d_chunked_new(&s, sink, &out);
	ck_assert_int_eq(s3d_chunked_feed(c, body.data, body.len), S3D_CHUNKED_ESIG);
	ck_assert_uint_eq(s3d_chunked_verified(c), 0);	/* handed on, never verified */
	ck_assert(!s3d_chunked_done(c));
	s3d_chunked_free(c);
	buf_release(&out);
	/* a good body with the wrong seed */
	body.data[200] = 'a';
	s.seed[0] = '5';
	buf_init(&out, 0);
	c = s3d_chunked_new(&s, sink, &out);
	ck_assert_int_eq(s3d_chunked_feed(c, body.data, body.len), S3D_CHUNKED_ESIG);
	s3d_chunked_free(c);
	buf_release(&out);
	buf_release(&body);
}
END_TEST

static enum s3d_chunked_status feed_unsigned(const char *body, struct buf *out, struct s3d_chunked **cp)
{
	struct s3d_chunked *c = s3d_chunked_new(NULL, sink, out);
	enum s3d_chunked_status st = s3d_chunked_feed(c, body, strlen(body));

	*cp = c;
	return st;
}

START_TEST(test_chunked_unsigned_trailer)
{
	struct buf out = BUF_INIT;
	struct s3d_chunked *c;

	ck_assert_int_eq(feed_unsigned("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
				       &out, &c), S3D_CHUNKED_OK);
	ck_assert(s3d_chunked_done(c));
	ck_assert_str_eq(out.data, "hello world");
	ck_assert_str_eq(s3d_chunked_trailer(c, "X-Amz-Checksum-CRC32"), "DUoRhQ==");
	ck_assert_ptr_null(s3d_chunked_trailer(c, "x-amz-checksum-sha256"));
	s3d_chunked_free(c);
	buf_release(&out);
}
END_TEST

START_TEST(test_chunked_bad_framing)
{
	static const char *bad[] = {
		"zz\r\nhello\r\n0\r\n\r\n",		/* not hex */
		"5\r\nhelloX\r\n0\r\n\r\n",		/* data longer than its size */
		"5\nhello\r\n0\r\n\r\n",		/* LF without CR */
		"5\r\nhello\r\n0\r\n\r\nextra",		/* bytes after the end */
		"\r\n",				/* empty size line */
		"5\r\nhello\r\n0\r\nno-colon\r\n\r\n",	/* bad trailer */
		"11111111111111111\r\n",		/* 17 hex digits */
	};
	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++) {
		struct buf out = BUF_INIT;
		struct s3d_chunked *c;

		ck_assert_msg(feed_unsigned(bad[i], &out, &c) == S3D_CHUNKED_EFRAME, "case %zu", i);
		ck_assert(*s3d_chunked_error(c));
		/* once failed, it stays failed */
		ck_assert_int_eq(s3d_chunked_feed(c, "0\r\n\r\n", 5), S3D_CHUNKED_EFRAME);
		s3d_chunked_free(c);
		buf_release(&out);
	}
	{
		/* truncated: no error, but not done either */
		struct buf out = BUF_INIT;
		struct s3d_chunked *c;

		ck_assert_int_eq(feed_unsigned("5\r\nhel", &out, &c), S3D_CHUNKED_OK);
		ck_assert(!s3d_chunked_done(c));
		ck_assert_str_eq(s3d_chunked_error(c), "the body ended before the final chunk");
		s3d_chunked_free(c);
		buf_release(&out);
	}
	{
		/* a signed stream without signatures */
		struct buf out = BUF_INIT;
		struct s3d_chunked_sign s;
		struct s3d_chunked *c;

		streaming_sign(&s);
		c = s3d_chunked_new(&s, sink, &out);
		ck_assert_int_eq(s3d_chunked_feed(c, "5\r\nhello\r\n", 10), S3D_CHUNKED_ESIG);
		s3d_chunked_free(c);
		buf_release(&out);
	}
}
END_TEST

START_TEST(test_checksums)
{
	static const struct {
		enum s3d_sum_algo algo;
		const char *b64;
	} v[] = {
		{ S3D_SUM_CRC32, "y/Q5Jg==" },			/* 0xCBF43926 */
		{ S3D_SUM_CRC32C, "4waSgw==" },			/* 0xE3069283 */
		{ S3D_SUM_CRC64NVME, "rosUhgp5mIg=" },		/* 0xAE8B14860A799888 */
		{ S3D_SUM_SHA1, "98O8HYCOBHMq32eZZczDTKeuNEE=" },
		{ S3D_SUM_SHA256, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=" },
		{ S3D_SUM_MD5, "JfnnlDI7RTiF9RgfG2JNCw==" },
	};
	for (size_t i = 0; i < DL_ARRAY_LEN(v); i++) {
		struct s3d_sum s;
		char out[48];

		/* fed in uneven pieces, so the sliced loop and the tail both run */
		s3d_sum_init(&s, v[i].algo);
		s3d_sum_update(&s, "1", 1);
		s3d_sum_update(&s, "23456789", 8);
		s3d_sum_final_b64(&s, out);
		ck_assert_msg(strcmp(out, v[i].b64) == 0, "%s: %s", s3d_sum_algo_name(v[i].algo), out);
	}
	ck_assert_int_eq(s3d_sum_algo_parse("CRC32C"), S3D_SUM_CRC32C);
	ck_assert_int_eq(s3d_sum_algo_parse("crc64nvme"), S3D_SUM_CRC64NVME);
	ck_assert_int_eq(s3d_sum_algo_parse("adler"), S3D_SUM_NONE);
	ck_assert_uint_eq(s3d_sum_crc32(s3d_sum_crc32(0, "hello ", 6), "world", 5), s3d_sum_crc32(0, "hello world", 11));
}
END_TEST

static Suite *s3d_auth_suite(void)
{
	Suite *s = suite_create("s3d_auth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_header_vector);
	tcase_add_test(tc, test_header_refusals);
	tcase_add_test(tc, test_presigned);
	tcase_add_test(tc, test_presign_roundtrip);
	tcase_add_test(tc, test_v2_presigned);
	tcase_add_test(tc, test_anonymous);
	tcase_add_test(tc, test_streaming_header_seed);
	tcase_add_test(tc, test_chunked_signed_split_anywhere);
	tcase_add_test(tc, test_chunked_signed_tampered);
	tcase_add_test(tc, test_chunked_unsigned_trailer);
	tcase_add_test(tc, test_chunked_bad_framing);
	tcase_add_test(tc, test_checksums);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3d_auth_suite)
