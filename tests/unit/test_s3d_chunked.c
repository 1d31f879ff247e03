/*
 * test_s3d_chunked.c: the aws-chunked decoder on hand-built bodies, signed
 * with the AWS example credentials: signed chunks (good, a bad chunk
 * signature, a missing one), the signed trailer form (good, a bad trailer
 * signature, a trailer with none), the unsigned trailer form, truncated
 * bodies, every split point, and the streaming contract: a signed chunk's
 * bytes are handed on as they arrive, not held until its end, and the
 * verified count lags until the signature is checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d_chunked.h"
#include "testutil.h"

#define DATE "20130524T000000Z"
#define SCOPE "20130524/us-east-1/s3/aws4_request"
/* the seed signature of AWS's streaming example (sigv4-streaming.html) */
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

enum tamper {
	T_NONE,
	T_CHUNK_SIG,		/* the second chunk's signature is wrong */
	T_CHUNK_DATA,		/* a byte of the last data chunk flipped */
	T_TRAILER_SIG,		/* the trailer signature is wrong */
	T_TRAILER_VALUE,	/* the trailer's value changed after signing */
	T_NO_TRAILER_SIG,	/* a signed trailer without its signature */
};

static struct s3d_chunked_sign sign;

static void setup(void)
{
	memset(&sign, 0, sizeof(sign));
	sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", sign.key);
	str_copy(sign.amz_date, DATE, sizeof(sign.amz_date));
	str_copy(sign.scope, SCOPE, sizeof(sign.scope));
	str_copy(sign.seed, SEED, sizeof(sign.seed));
}

/* build: data as signed aws-chunked in chunks of `chunk` bytes, with a
 * signed "x-amz-checksum-crc32" trailer when trailer is non-NULL. */
static void build(struct buf *body, const char *data, size_t n, size_t chunk, const char *trailer,
		  enum tamper t)
{
	char prev[65], sig[65];
	size_t off = 0;
	int i = 0;

	buf_init(body, 0);
	str_copy(prev, SEED, sizeof(prev));
	for (;; i++) {
		size_t len = DL_MIN(chunk, n - off);

		sigv4_chunk_signature(sign.key, DATE, SCOPE, prev, data + off, len, sig);
		str_copy(prev, sig, sizeof(prev));
		if (t == T_CHUNK_SIG && i == 1)
			sig[0] = sig[0] == '0' ? '1' : '0';
		buf_addf(body, "%zx;chunk-signature=%s\r\n", len, sig);
		buf_add(body, data + off, len);
		if (t == T_CHUNK_DATA && len && off + len == n)
			body->data[body->len - 1] ^= 1;
		if (len == 0)
			break;		/* the final chunk's line is followed by the trailer */
		buf_adds(body, "\r\n");
		off += len;
	}
	if (trailer) {
		char *canon = xasprintf("x-amz-checksum-crc32:%s\n", trailer);

		sigv4_trailer_signature(sign.key, DATE, SCOPE, prev, canon, strlen(canon), sig);
		if (t == T_TRAILER_SIG)
			sig[63] = sig[63] == 'a' ? 'b' : 'a';
		buf_addf(body, "x-amz-checksum-crc32:%s\r\n", t == T_TRAILER_VALUE ? "AAAAAA==" : trailer);
		if (t != T_NO_TRAILER_SIG)
			buf_addf(body, "x-amz-trailer-signature:%s\r\n", sig);
		free(canon);
	}
	buf_adds(body, "\r\n");
}

static int sink(void *arg, const char *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* feed: body through a fresh decoder in pieces of `step` bytes. */
static enum s3d_chunked_status feed(const struct s3d_chunked_sign *sg, const struct buf *body, size_t step,
				    struct buf *out, bool *done, uint64_t *verified)
{
	struct s3d_chunked *c = s3d_chunked_new(sg, sink, out);
	enum s3d_chunked_status st = S3D_CHUNKED_OK;

	for (size_t off = 0; off < body->len && st == S3D_CHUNKED_OK; off += step)
		st = s3d_chunked_feed(c, body->data + off, DL_MIN(step, body->len - off));
	*done = s3d_chunked_done(c);
	*verified = s3d_chunked_verified(c);
	ck_assert_uint_eq(s3d_chunked_decoded(c), out->len);
	s3d_chunked_free(c);
	return st;
}

static char *pattern(size_t n)
{
	char *p = xmalloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
	return p;
}

/* AWS's own example: 64 KiB + 1 KiB of 'a', the first chunk signed
 * ad80c730..., the second 0055627c..., the final b6c6ea8a... */
START_TEST(test_aws_example)
{
	size_t n = 65536 + 1024;
	char *data = xmalloc(n);
	struct buf body, out = BUF_INIT;
	bool done;
	uint64_t v;

	memset(data, 'a', n);
	build(&body, data, n, 65536, NULL, T_NONE);
	ck_assert(strstr(body.data, "10000;chunk-signature="
				    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"));
	ck_assert(strstr(body.data, "400;chunk-signature="
				    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"));
	ck_assert(strstr(body.data, "0;chunk-signature="
				    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"));
	ck_assert_int_eq(feed(&sign, &body, body.len, &out, &done, &v), S3D_CHUNKED_OK);
	ck_assert(done);
	ck_assert_uint_eq(v, n);
	ck_assert_uint_eq(out.len, n);
	ck_assert(memcmp(out.data, data, n) == 0);
	buf_release(&body);
	/* the same with a signed trailer; the signature computed apart (python
	 * hmac) from the final chunk's */
	build(&body, data, n, 65536, "XXp8hQ==", T_NONE);
	ck_assert(strstr(body.data, "x-amz-trailer-signature:"
				    "8682b071dd2bd608a9c3970793e9c74f04865f59d2e0c0a2636c252c7278e0b8\r\n\r\n"));
	buf_reset(&out);
	ck_assert_int_eq(feed(&sign, &body, 4096, &out, &done, &v), S3D_CHUNKED_OK);
	ck_assert(done);
	buf_release(&body);
	buf_release(&out);
	free(data);
}
END_TEST

/* every split point of a small body gives the same result */
START_TEST(test_split_anywhere)
{
	char *data = pattern(300);
	struct buf body;

	build(&body, data, 300, 128, "XXp8hQ==", T_NONE);
	for (size_t step = 1; step <= body.len; step += step < 40 ? 1 : 37) {
		struct buf out = BUF_INIT;
		bool done;
		uint64_t v;

		ck_assert_int_eq(feed(&sign, &body, step, &out, &done, &v), S3D_CHUNKED_OK);
		ck_assert_msg(done, "step %zu", step);
		ck_assert_uint_eq(v, 300);
		ck_assert(out.len == 300 && memcmp(out.data, data, 300) == 0);
		buf_release(&out);
	}
	buf_release(&body);
	free(data);
}
END_TEST

/* a chunk's bytes go on as they arrive: a signed 8 MiB chunk is never
 * held whole, and its bytes count as verified only at its end */
START_TEST(test_signed_chunk_streams)
{
	size_t n = 8u << 20, fed = 0;
	char *data = pattern(n);
	struct buf body, out = BUF_INIT;
	struct s3d_chunked *c;

	build(&body, data, n, n, NULL, T_NONE);
	c = s3d_chunked_new(&sign, sink, &out);
	while (fed < body.len / 2) {
		ck_assert_int_eq(s3d_chunked_feed(c, body.data + fed, 65536), S3D_CHUNKED_OK);
		fed += 65536;
	}
	ck_assert_uint_gt(out.len, n / 2 - 65536);
	ck_assert_uint_eq(s3d_chunked_verified(c), 0);
	ck_assert_int_eq(s3d_chunked_feed(c, body.data + fed, body.len - fed), S3D_CHUNKED_OK);
	ck_assert(s3d_chunked_done(c));
	ck_assert_uint_eq(s3d_chunked_verified(c), n);
	ck_assert(out.len == n && memcmp(out.data, data, n) == 0);
	s3d_chunked_free(c);
	buf_release(&body);
	buf_release(&out);
	free(data);
}
END_TEST

static const struct {
	const char *name;
	bool trailer;
	enum tamper t;
	enum s3d_chunked_status want;
	uint64_t verified;	/* of 300 bytes in chunks of 128 */
} refusals[] = {
	{ "bad second chunk signature", false, T_CHUNK_SIG, S3D_CHUNKED_ESIG, 128 },
	{ "flipped byte in the last chunk", false, T_CHUNK_DATA, S3D_CHUNKED_ESIG, 256 },
	{ "bad trailer signature", true, T_TRAILER_SIG, S3D_CHUNKED_ESIG, 300 },
	{ "trailer changed after signing", true, T_TRAILER_VALUE, S3D_CHUNKED_ESIG, 300 },
	{ "signed trailer without signature", true, T_NO_TRAILER_SIG, S3D_CHUNKED_ESIG, 300 },
};

START_TEST(test_refusals)
{
	char *data = pattern(300);
	struct buf body, out = BUF_INIT;
	bool done;
	uint64_t v;

	build(&body, data, 300, 128, refusals[_i].trailer ? "XXp8hQ==" : NULL, refusals[_i].t);
	ck_assert_msg(feed(&sign, &body, 100, &out, &done, &v) == refusals[_i].want, "%s", refusals[_i].name);
	ck_assert_msg(!done, "%s", refusals[_i].name);
	ck_assert_uint_eq(v, refusals[_i].verified);
	buf_release(&body);
	buf_release(&out);
	free(data);
}
END_TEST

START_TEST(test_truncated)
{
	char *data = pattern(300);
	struct buf body, cut, out = BUF_INIT;
	bool done;
	uint64_t v;

	build(&body, data, 300, 128, "XXp8hQ==", T_NONE);
	/* cut before the final chunk, inside the trailer, before the last CRLF */
	for (size_t drop = 2; drop < body.len; drop += 97) {
		buf_init(&cut, 0);
		buf_add(&cut, body.data, body.len - drop);
		buf_reset(&out);
		ck_assert_int_eq(feed(&sign, &cut, 64, &out, &done, &v), S3D_CHUNKED_OK);
		ck_assert_msg(!done, "cut %zu short", drop);
		buf_release(&cut);
	}
	buf_release(&body);
	buf_release(&out);
	free(data);
}
END_TEST

START_TEST(test_unsigned_trailer)
{
	const char *text = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
	struct buf body = BUF_INIT, out = BUF_INIT;
	struct s3d_chunked *c;
	bool done;
	uint64_t v;

	buf_adds(&body, text);
	c = s3d_chunked_new(NULL, sink, &out);
	ck_assert_int_eq(s3d_chunked_feed(c, body.data, body.len), S3D_CHUNKED_OK);
	ck_assert(s3d_chunked_done(c));
	ck_assert_str_eq(s3d_chunked_trailer(c, "X-Amz-Checksum-CRC32"), "DUoRhQ==");
	ck_assert_uint_eq(s3d_chunked_verified(c), 11);
	s3d_chunked_free(c);
	ck_assert_str_eq(out.data, "hello world");
	/* the same body to a signed decoder: the first chunk has no signature */
	buf_reset(&out);
	ck_assert_int_eq(feed(&sign, &body, body.len, &out, &done, &v), S3D_CHUNKED_ESIG);
	ck_assert_uint_eq(v, 0);
	buf_release(&body);
	buf_release(&out);
}
END_TEST

/* the signed trailer's value is there for the checksum check, its
 * signature is not a trailer */
START_TEST(test_signed_trailer_values)
{
	char *data = pattern(300);
	struct buf body, out = BUF_INIT;
	struct s3d_chunked *c;

	build(&body, data, 300, 300, "XXp8hQ==", T_NONE);
	c = s3d_chunked_new(&sign, sink, &out);
	ck_assert_int_eq(s3d_chunked_feed(c, body.data, body.len), S3D_CHUNKED_OK);
	ck_assert(s3d_chunked_done(c));
	ck_assert_str_eq(s3d_chunked_trailer(c, "x-amz-checksum-crc32"), "XXp8hQ==");
	ck_assert_ptr_null(s3d_chunked_trailer(c, "x-amz-trailer-signature"));
	s3d_chunked_free(c);
	buf_release(&body);
	buf_release(&out);
	free(data);
}
END_TEST

static Suite *s3d_chunked_suite(void)
{
	Suite *s = suite_create("s3d_chunked");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_aws_example);
	tcase_add_test(tc, test_split_anywhere);
	tcase_add_test(tc, test_signed_chunk_streams);
	tcase_add_loop_test(tc, test_refusals, 0, (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_unsigned_trailer);
	tcase_add_test(tc, test_signed_trailer_values);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3d_chunked_suite)
