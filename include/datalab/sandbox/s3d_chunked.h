/*
 * s3d_chunked.h: the aws-chunked body decoder (SigV4 streaming uploads).
 *
 * Framing, as PROTOCOLS 7.1 gives it:
 *   signed:    hex(len);chunk-signature=S\r\n<data>\r\n ... 0;chunk-signature=S\r\n
 *   unsigned:  hex(len)\r\n<data>\r\n ... 0\r\n
 * then trailer lines "name:value\r\n" (x-amz-checksum-crc32:..., maybe
 * x-amz-trailer-signature:...) and an empty line.  Bytes may be fed split
 * anywhere.  Data is handed on as it arrives, nothing is buffered.  With a
 * signing key, each chunk's data is hashed as it passes and its signature
 * checked at the chunk's end, chained from the previous one (the first from
 * the request's seed signature); a signed trailer's x-amz-trailer-signature
 * is checked over the trailer lines, chained from the final chunk's.  So
 * data handed on is not yet verified: the receiver must keep it unpublished
 * until s3d_chunked_done (the sandbox writes a temp file it renames only
 * then), and drop it on any error.
 */
#ifndef DATALAB_SANDBOX_S3D_CHUNKED_H
#define DATALAB_SANDBOX_S3D_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum s3d_chunked_status {
	S3D_CHUNKED_OK = 0,
	S3D_CHUNKED_EFRAME,	/* malformed framing: 400 */
	S3D_CHUNKED_ESIG,	/* a chunk or trailer signature is missing or wrong: 403 */
	S3D_CHUNKED_ELIMIT,	/* a line or the trailer over its cap: 400 */
	S3D_CHUNKED_ESINK,	/* the data callback failed (disk) */
};

/* Receives decoded data; returns 0, or -1 to stop with ESINK. */
typedef int s3d_chunked_data_fn(void *arg, const char *p, size_t n);

struct s3d_chunked_sign {
	unsigned char key[32];	/* the SigV4 signing key of the request */
	char amz_date[17];	/* "20130524T000000Z" */
	char scope[128];	/* "20130524/us-east-1/s3/aws4_request" */
	char seed[65];		/* the request's header signature */
};

struct s3d_chunked;

/* s3d_chunked_new: sign NULL = unsigned chunks (signatures, if present,
 * are ignored).  fn receives the data. */
struct s3d_chunked *s3d_chunked_new(const struct s3d_chunked_sign *sign, s3d_chunked_data_fn *fn, void *arg);
/* s3d_chunked_feed: consumes all n bytes; once an error is returned, every
 * later call returns it again.  The message is in s3d_chunked_error. */
enum s3d_chunked_status s3d_chunked_feed(struct s3d_chunked *c, const char *p, size_t n);
/* s3d_chunked_done: the final chunk and the trailer's empty line were seen. */
bool s3d_chunked_done(const struct s3d_chunked *c);
const char *s3d_chunked_error(const struct s3d_chunked *c);
/* s3d_chunked_decoded: data bytes handed on so far. */
uint64_t s3d_chunked_decoded(const struct s3d_chunked *c);
/* s3d_chunked_verified: of those, the bytes of chunks whose signature
 * matched (all of them when unsigned). */
uint64_t s3d_chunked_verified(const struct s3d_chunked *c);
/* s3d_chunked_trailer: a trailer's value by name (case-insensitive), or
 * NULL; x-amz-trailer-signature is not among them. */
const char *s3d_chunked_trailer(const struct s3d_chunked *c, const char *name);
void s3d_chunked_free(struct s3d_chunked *c);

#endif
