/*
 * s3d_meta.h: an S3 object's metadata and how it is kept.
 *
 * An object file holds the data, then the metadata as one JSON document,
 * then a fixed 32-byte footer giving the JSON's length
 * ("\nS3DMETA1 <21 digits>\n").  Data and metadata thus live and die
 * together in one file, renamed into place whole, and an open descriptor
 * keeps reading the version it opened.  The same JSON, without footer,
 * holds a multipart upload's pending metadata.
 */
#ifndef DATALAB_SANDBOX_S3D_META_H
#define DATALAB_SANDBOX_S3D_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/sandbox/s3d_sum.h"

#define S3D_USER_META_MAX 2048	/* S3's limit on x-amz-meta-* */

struct s3d_kv {
	char *name, *value;
};

struct s3d_meta {
	uint64_t size;
	char etag[48];		/* hex md5, or hex-N for multipart; unquoted */
	int64_t mtime_ms;
	char *content_type;	/* NULL: binary/octet-stream */
	char *content_encoding, *content_disposition, *cache_control, *content_language, *expires;
	struct s3d_kv *user;	/* x-amz-meta-<name>, names lower case */
	size_t nuser;
	enum s3d_sum_algo sum_algo;	/* a checksum the client sent and we verified */
	char sum[48];
	unsigned parts;		/* multipart: the number of parts */
};

/* s3d_meta_add_user: appends a copy of name (lower-cased) and value. */
void s3d_meta_add_user(struct s3d_meta *m, const char *name, const char *value);
/* s3d_meta_copy_headers: the content-* and user fields of src into dst
 * (dst's own are released first). */
void s3d_meta_copy_headers(struct s3d_meta *dst, const struct s3d_meta *src);
void s3d_meta_release(struct s3d_meta *m);
/* s3d_meta_to_json / s3d_meta_from_json: the on-disk form (also used for
 * an upload's pending metadata). */
int s3d_meta_to_json(const struct s3d_meta *m, const char *key, struct buf *out);
int s3d_meta_from_json(const char *p, size_t n, struct s3d_meta *m, char **key);

/* s3d_meta_encode: the metadata and its footer appended to out, as they
 * follow the data in an object file; -1 past 64 KiB. */
int s3d_meta_encode(const struct s3d_meta *m, const char *key, struct buf *out);
/* s3d_meta_write: writes m's metadata and footer at offset m->size
 * of fd (the data being [0, m->size)) and truncates there. */
int s3d_meta_write(int fd, const struct s3d_meta *m, const char *key, struct error *err);
/* s3d_meta_read: the metadata of an open object file. */
int s3d_meta_read(int fd, struct s3d_meta *m, struct error *err);
/* s3d_meta_peek: only the size, ETag and time of an open object
 * file, without building the whole metadata (listings). */
int s3d_meta_peek(int fd, uint64_t *size, char etag[48], int64_t *mtime_ms);

#endif
