/*
 * fuzz_s3d_chunked.c: any bytes through the aws-chunked decoder, unsigned
 * and signed (fixed key and seed), whole and split at a point the first
 * byte picks.  Invariants: the two splittings agree on the status, the
 * data and the trailers; a signed stream verifies nothing and never
 * completes (no random chunk carries a matching signature), though it may
 * hand on the bytes of the chunk that fails; the decoded count equals the
 * data handed on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d_chunked.h"

static int sink(void *arg, const char *p, size_t n)
{
	struct buf *b = arg;

	/* a 1 MiB cap stands for a disk that fills */
	return buf_add(b, p, n);
}

static enum s3d_chunked_status run(const struct s3d_chunked_sign *sign, const uint8_t *d, size_t n, size_t cut,
				   struct buf *out, char *trailer, size_t tsize, int *done, uint64_t *verified)
{
	struct s3d_chunked *c = s3d_chunked_new(sign, sink, out);
	enum s3d_chunked_status st = s3d_chunked_feed(c, (const char *)d, cut);
	const char *t;

	if (st == S3D_CHUNKED_OK)
		st = s3d_chunked_feed(c, (const char *)d + cut, n - cut);
	if (s3d_chunked_decoded(c) != out->len && st != S3D_CHUNKED_ESINK)
		abort();
	t = s3d_chunked_trailer(c, "x-amz-checksum-crc32");
	str_copy(trailer, t ? t : "", tsize);
	*done = s3d_chunked_done(c);
	*verified = s3d_chunked_verified(c);
	if (*done && st != S3D_CHUNKED_OK)
		abort();
	s3d_chunked_free(c);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3d_chunked_sign sign;
	size_t cut = size ? data[0] % (size + 1) : 0;
	struct buf a, b;
	char ta[128], tb[128];
	int da, db;
	uint64_t va, vb;
	enum s3d_chunked_status sa, sb;

	buf_init(&a, 1u << 20);
	buf_init(&b, 1u << 20);
	sa = run(NULL, data, size, size, &a, ta, sizeof(ta), &da, &va);
	sb = run(NULL, data, size, cut, &b, tb, sizeof(tb), &db, &vb);
	if (sa != sb || da != db || a.len != b.len || memcmp(a.data, b.data, a.len) != 0 || strcmp(ta, tb) != 0)
		abort();
	if (va != a.len && sa != S3D_CHUNKED_ESINK)
		abort();	/* unsigned: everything handed on counts as verified */
	buf_release(&a);
	buf_release(&b);

	memset(&sign, 0, sizeof(sign));
	sigv4_signing_key("secret", "20130524", "us-east-1", "s3", sign.key);
	str_copy(sign.amz_date, "20130524T000000Z", sizeof(sign.amz_date));
	str_copy(sign.scope, "20130524/us-east-1/s3/aws4_request", sizeof(sign.scope));
	str_copy(sign.seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", sizeof(sign.seed));
	buf_init(&a, 1u << 20);
	sa = run(&sign, data, size, cut, &a, ta, sizeof(ta), &da, &va);
	if (va != 0 || da)
		abort();	/* no random chunk carries a matching signature */
	(void)sa;
	buf_release(&a);
	return 0;
}
