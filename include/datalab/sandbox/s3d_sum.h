/*
 * s3d_sum.h: the checksums S3 clients send, computed incrementally.
 *
 * An upload feeds its body once through a struct s3d_sum per algorithm the
 * request names (x-amz-checksum-<algo> header or trailer, Content-MD5, a hex
 * x-amz-content-sha256); the final digest is compared with what the client
 * sent.  Values are as S3 writes them: the base64 of the big-endian digest
 * (CRC32 of "123456789" = 0xCBF43926 = "y/Q5Jg==").
 */
#ifndef DATALAB_SANDBOX_S3D_SUM_H
#define DATALAB_SANDBOX_S3D_SUM_H

#include <stddef.h>
#include <stdint.h>

enum s3d_sum_algo {
	S3D_SUM_NONE = 0,
	S3D_SUM_CRC32,
	S3D_SUM_CRC32C,
	S3D_SUM_CRC64NVME,
	S3D_SUM_SHA1,
	S3D_SUM_SHA256,
	S3D_SUM_MD5,		/* Content-MD5 and the ETag */
};

struct s3d_sum {
	enum s3d_sum_algo algo;
	uint32_t crc32;
	uint64_t crc64;
	void *md;		/* EVP_MD_CTX for the hashes */
};

/* s3d_sum_algo_parse: "crc32", "CRC32C", "sha256"... (any case); NONE
 * when unknown. */
enum s3d_sum_algo s3d_sum_algo_parse(const char *name);
/* s3d_sum_algo_name: lower case ("crc32"), as in x-amz-checksum-<name>. */
const char *s3d_sum_algo_name(enum s3d_sum_algo algo);
/* s3d_sum_algo_title: as S3 writes it in messages and XML ("CRC32"). */
const char *s3d_sum_algo_title(enum s3d_sum_algo algo);

void s3d_sum_init(struct s3d_sum *s, enum s3d_sum_algo algo);
void s3d_sum_update(struct s3d_sum *s, const void *p, size_t n);
/* s3d_sum_final: the raw big-endian digest into out (up to 32 bytes);
 * returns its length.  The sum is released. */
size_t s3d_sum_final(struct s3d_sum *s, unsigned char out[32]);
/* s3d_sum_final_b64: the digest as base64 text (NUL-terminated). */
void s3d_sum_final_b64(struct s3d_sum *s, char out[48]);
/* s3d_sum_release: frees a sum not finalised (NONE is a no-op). */
void s3d_sum_release(struct s3d_sum *s);

/* s3d_sum_crc32 / s3d_sum_crc32c / s3d_sum_crc64nvme: the raw CRCs, continuing from
 * crc (0 to start), as the PNG writer needs too. */
uint32_t s3d_sum_crc32(uint32_t crc, const void *p, size_t n);
uint32_t s3d_sum_crc32c(uint32_t crc, const void *p, size_t n);
uint64_t s3d_sum_crc64nvme(uint64_t crc, const void *p, size_t n);

#endif
