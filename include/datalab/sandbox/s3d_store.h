/*
 * s3d_store.h: buckets and objects on disk for the sandbox's S3 service.
 *
 * Layout under the data folder:
 *   <bucket>/                      one folder per bucket
 *   <bucket>/.s3d-bucket.json      creation time
 *   <bucket>/.s3d-policy.json      the bucket policy, as PUT
 *   <bucket>/.s3d-uploads/<id>/    open multipart uploads (s3d_upload)
 *   <bucket>/<encoded key path>    one file per object
 *   .s3d/tmp/                      temp files (same filesystem), emptied at open
 *   .s3d/credentials.json          the generated key pair (s3d_seed)
 *
 * A key is split on '/'; every segment but the last names a folder, the
 * last names the object file.  Folders carry the suffix "%2F" (the '/' they
 * stand for) and object files none, so "dir" and "dir/file" both fit, as
 * does "dir/" (segment "" is the file "%" inside "dir%2F").  In a segment,
 * '%', control bytes and a leading '.' are %XX-escaped, so no name can be
 * ".", "..", or one of our dot files; every other UTF-8 byte is kept.
 *
 * An object file holds the data, then its metadata as JSON, then a fixed
 * 32-byte footer giving the JSON's length: one file, written to a temp file,
 * fsync'd and renamed into place, so a crash leaves the old object or the
 * new one, never new data with old metadata, and an open descriptor keeps
 * serving the version it opened.  Renames, unlinks and folder creation and
 * removal happen under one mutex, so a PUT never loses its folder to a
 * concurrent DELETE's cleanup; data is streamed and synced outside it.
 */
#ifndef DATALAB_SANDBOX_S3D_STORE_H
#define DATALAB_SANDBOX_S3D_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/sandbox/s3d_key.h"
#include "datalab/sandbox/s3d_meta.h"

struct s3d_store;

/* s3d_store_open: creates dir, dir/.s3d/tmp and empties the latter. */
struct s3d_store *s3d_store_open(const char *dir, struct error *err);
void s3d_store_close(struct s3d_store *st);
const char *s3d_store_dir(const struct s3d_store *st);
/* s3d_store_generation: bumped by every change of any bucket's contents
 * (listing caches compare it). */
uint64_t s3d_store_generation(const struct s3d_store *st);
/* s3d_store_bucket_path: "<dir>/<bucket>", xmalloc'd. */
char *s3d_store_bucket_path(const struct s3d_store *st, const char *bucket);

struct s3d_bucket_info {
	char *name;
	int64_t created_ms;
};

/* Buckets.  Errors: ERR_CONFLICT (exists; not empty), ERR_NOT_FOUND. */
int s3d_store_bucket_create(struct s3d_store *st, const char *name, struct error *err);
int s3d_store_bucket_delete(struct s3d_store *st, const char *name, struct error *err);
bool s3d_store_bucket_exists(const struct s3d_store *st, const char *name);
int64_t s3d_store_bucket_created(const struct s3d_store *st, const char *name);
/* s3d_store_bucket_list: name order; free with s3d_store_bucket_list_free. */
int s3d_store_bucket_list(const struct s3d_store *st, struct s3d_bucket_info **out, size_t *n);
void s3d_store_bucket_list_free(struct s3d_bucket_info *b, size_t n);
/* The policy text as stored; get fails with ERR_NOT_FOUND when none. */
int s3d_store_policy_get(const struct s3d_store *st, const char *bucket, struct buf *out, struct error *err);
int s3d_store_policy_put(struct s3d_store *st, const char *bucket, const char *text, size_t n, struct error *err);
int s3d_store_policy_delete(struct s3d_store *st, const char *bucket, struct error *err);

/* s3d_store_tmp_open: a new empty temp file; *path is xmalloc'd. */
int s3d_store_tmp_open(struct s3d_store *st, char **path, struct error *err);
/* s3d_store_commit: fd holds m->size bytes of data: add the metadata,
 * fsync, close fd, and rename tmp_path over the object.  fd is closed and
 * tmp_path removed in every case.  ERR_NOT_FOUND: the bucket is gone. */
int s3d_store_commit(struct s3d_store *st, const char *bucket, const char *key, int fd, const char *tmp_path,
		     const struct s3d_meta *m, struct error *err);
/* s3d_store_object_open: an O_RDONLY fd on the object and its metadata;
 * -1 with ERR_NOT_FOUND when absent. */
int s3d_store_object_open(const struct s3d_store *st, const char *bucket, const char *key, struct s3d_meta *m,
			  struct error *err);
/* s3d_store_object_delete: 0 whether or not the key existed. */
int s3d_store_object_delete(struct s3d_store *st, const char *bucket, const char *key, struct error *err);

/*
 * Building a whole bucket at once (seeding): s3d_store_bucket_build makes
 * an empty bucket folder in the temp area (*dir, xmalloc'd);
 * s3d_store_put_into writes objects straight into it, without temp files
 * or fsyncs; s3d_store_bucket_publish renames it into place as name (it
 * fails if name exists), so the bucket appears whole or not at all.
 */
int s3d_store_bucket_build(struct s3d_store *st, char **dir, struct error *err);
int s3d_store_put_into(const char *dir, const char *key, const void *data, const struct s3d_meta *m,
		       struct error *err);
int s3d_store_bucket_publish(struct s3d_store *st, const char *dir, const char *name, struct error *err);

/* s3d_store_rename_in: renames a finished temp file (or folder) to path
 * under the store's mutex, creating parent folders; bumps the generation. */
int s3d_store_rename_in(struct s3d_store *st, const char *tmp_path, const char *path, struct error *err);

#endif
