/*
 * s3d_sum.c: CRC32, CRC32C and CRC64NVME by table (slicing by 8, tables
 * built once), SHA-1, SHA-256 and MD5 through libcrypto's EVP (see
 * s3d_sum.h).  All three CRCs are the reflected forms with all-ones init
 * and final xor, as the AWS SDKs compute them.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "datalab/core/buf.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_sum.h"

static uint32_t t32[8][256], t32c[8][256];
static uint64_t t64[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t a = i, c = i;
		uint64_t d = i;

		for (int k = 0; k < 8; k++) {
			a = (a >> 1) ^ (0xEDB88320u & (0u - (a & 1)));
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
			d = (d >> 1) ^ (0x9A6C9329AC4BC9B5ull & (0ull - (d & 1)));
		}
		t32[0][i] = a;
		t32c[0][i] = c;
		t64[0][i] = d;
	}
	for (int s = 1; s < 8; s++)
		for (int i = 0; i < 256; i++) {
			t32[s][i] = (t32[s - 1][i] >> 8) ^ t32[0][t32[s - 1][i] & 0xff];
			t32c[s][i] = (t32c[s - 1][i] >> 8) ^ t32c[0][t32c[s - 1][i] & 0xff];
			t64[s][i] = (t64[s - 1][i] >> 8) ^ t64[0][t64[s - 1][i] & 0xff];
		}
}

static uint32_t crc32_tab(uint32_t t[8][256], uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t s3d_sum_crc32(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&tables_once, tables_build);
	return crc32_tab(t32, crc, p, n);
}

uint32_t s3d_sum_crc32c(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&tables_once, tables_build);
	return crc32_tab(t32c, crc, p, n);
}

uint64_t s3d_sum_crc64nvme(uint64_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	pthread_once(&tables_once, tables_build);
	crc = ~crc;
	while (n >= 8) {
		uint64_t v = 0;

		for (int i = 0; i < 8; i++)
			v |= (uint64_t)b[i] << (8 * i);
		v ^= crc;
		crc = t64[7][v & 0xff] ^ t64[6][(v >> 8) & 0xff] ^ t64[5][(v >> 16) & 0xff] ^
		      t64[4][(v >> 24) & 0xff] ^ t64[3][(v >> 32) & 0xff] ^ t64[2][(v >> 40) & 0xff] ^
		      t64[1][(v >> 48) & 0xff] ^ t64[0][v >> 56];
		b += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ t64[0][(crc ^ *b++) & 0xff];
	return ~crc;
}

static const struct {
	enum s3d_sum_algo algo;
	const char *name, *title;
} algos[] = {
	{ S3D_SUM_CRC32, "crc32", "CRC32" },
	{ S3D_SUM_CRC32C, "crc32c", "CRC32C" },
	{ S3D_SUM_CRC64NVME, "crc64nvme", "CRC64NVME" },
	{ S3D_SUM_SHA1, "sha1", "SHA1" },
	{ S3D_SUM_SHA256, "sha256", "SHA256" },
	{ S3D_SUM_MD5, "md5", "MD5" },
};

enum s3d_sum_algo s3d_sum_algo_parse(const char *name)
{
	for (size_t i = 0; name && i < DL_ARRAY_LEN(algos); i++)
		if (str_case_eq(name, algos[i].name))
			return algos[i].algo;
	return S3D_SUM_NONE;
}

const char *s3d_sum_algo_name(enum s3d_sum_algo algo)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(algos); i++)
		if (algos[i].algo == algo)
			return algos[i].name;
	return "";
}

const char *s3d_sum_algo_title(enum s3d_sum_algo algo)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(algos); i++)
		if (algos[i].algo == algo)
			return algos[i].title;
	return "";
}

void s3d_sum_init(struct s3d_sum *s, enum s3d_sum_algo algo)
{
	const EVP_MD *md = NULL;

	memset(s, 0, sizeof(*s));
	s->algo = algo;
	if (algo == S3D_SUM_SHA1)
		md = EVP_sha1();
	else if (algo == S3D_SUM_SHA256)
		md = EVP_sha256();
	else if (algo == S3D_SUM_MD5)
		md = EVP_md5();
	if (md) {
		s->md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(s->md, md, NULL);
	}
}

void s3d_sum_update(struct s3d_sum *s, const void *p, size_t n)
{
	switch (s->algo) {
	case S3D_SUM_CRC32:
		s->crc32 = s3d_sum_crc32(s->crc32, p, n);
		break;
	case S3D_SUM_CRC32C:
		s->crc32 = s3d_sum_crc32c(s->crc32, p, n);
		break;
	case S3D_SUM_CRC64NVME:
		s->crc64 = s3d_sum_crc64nvme(s->crc64, p, n);
		break;
	case S3D_SUM_SHA1:
	case S3D_SUM_SHA256:
	case S3D_SUM_MD5:
		EVP_DigestUpdate(s->md, p, n);
		break;
	case S3D_SUM_NONE:
		break;
	}
}

size_t s3d_sum_final(struct s3d_sum *s, unsigned char out[32])
{
	unsigned int len = 0;

	switch (s->algo) {
	case S3D_SUM_CRC32:
	case S3D_SUM_CRC32C:
		for (int i = 0; i < 4; i++)
			out[i] = (unsigned char)(s->crc32 >> (24 - 8 * i));
		return 4;
	case S3D_SUM_CRC64NVME:
		for (int i = 0; i < 8; i++)
			out[i] = (unsigned char)(s->crc64 >> (56 - 8 * i));
		return 8;
	case S3D_SUM_SHA1:
	case S3D_SUM_SHA256:
	case S3D_SUM_MD5:
		EVP_DigestFinal_ex(s->md, out, &len);
		s3d_sum_release(s);
		return len;
	case S3D_SUM_NONE:
		break;
	}
	return 0;
}

void s3d_sum_final_b64(struct s3d_sum *s, char out[48])
{
	unsigned char md[32];
	size_t n = s3d_sum_final(s, md);
	struct buf b;

	buf_init(&b, 0);
	str_base64_encode(&b, md, n);
	str_copy(out, b.data, 48);
	buf_release(&b);
}

void s3d_sum_release(struct s3d_sum *s)
{
	if (s->md)
		EVP_MD_CTX_free(s->md);
	s->md = NULL;
}
