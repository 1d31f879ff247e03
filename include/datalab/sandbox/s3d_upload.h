/*
 * s3d_upload.h: multipart uploads on disk.
 *
 * An upload is the folder <bucket>/.s3d-uploads/<id>/ holding info.json
 * (the key and the metadata the object will get, written before the
 * folder is renamed into place) and one file per part, "part-NNNNN", in
 * the object file format (data + metadata trailer: size, ETag), each
 * written to a temp file, fsync'd and renamed.  Complete copies the parts
 * into a new temp file (copy_file_range), commits it like a PUT, then
 * removes the folder; abort renames the folder away before deleting it, so
 * a part arriving meanwhile fails instead of resurrecting it.  A kill at
 * any point leaves the upload, or the object, or both, never half of one.
 */
#ifndef DATALAB_SANDBOX_S3D_UPLOAD_H
#define DATALAB_SANDBOX_S3D_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "datalab/core/error.h"
#include "datalab/sandbox/s3d_store.h"

#define S3D_UPLOAD_ID_LEN 32
#define S3D_PART_MIN (5u << 20)	/* every part but the last */
#define S3D_PART_MAX_NUMBER 10000

struct s3d_part {
	unsigned number;
	uint64_t size;
	char etag[48];
	int64_t mtime_ms;
};

struct s3d_part_ref {
	unsigned number;
	char etag[48];		/* as the client sent it, quotes removed */
};

struct s3d_upload_info {
	char id[S3D_UPLOAD_ID_LEN + 1];
	char *key;
	int64_t initiated_ms;
};

/* s3d_upload_id_valid: 32 of [a-z0-9] (an id never names another path). */
int s3d_upload_id_valid(const char *id);
/* s3d_upload_create: a new upload of key with metadata m; id gets its id. */
int s3d_upload_create(struct s3d_store *st, const char *bucket, const char *key, const struct s3d_meta *m,
		      char id[S3D_UPLOAD_ID_LEN + 1], struct error *err);
/* s3d_upload_load: the key (xmalloc'd) and metadata of an upload;
 * ERR_NOT_FOUND: NoSuchUpload. */
int s3d_upload_load(const struct s3d_store *st, const char *bucket, const char *id, char **key, struct s3d_meta *m,
		    int64_t *initiated_ms, struct error *err);
/* s3d_upload_part_commit: as s3d_store_commit, into the upload's folder. */
int s3d_upload_part_commit(struct s3d_store *st, const char *bucket, const char *id, unsigned number, int fd,
			   const char *tmp_path, const struct s3d_meta *m, struct error *err);
/* s3d_upload_parts: the stored parts in number order; free *out. */
int s3d_upload_parts(const struct s3d_store *st, const char *bucket, const char *id, struct s3d_part **out,
		     size_t *n, struct error *err);
/*
 * s3d_upload_complete: checks refs (ascending: InvalidPartOrder; present
 * with that ETag: InvalidPart; all but the last >= 5 MiB: EntityTooSmall,
 * reported through *code), assembles and commits the object, removes the
 * upload.  etag gets "hex(md5 of the part md5s)-N".
 */
int s3d_upload_complete(struct s3d_store *st, const char *bucket, const char *id, const struct s3d_part_ref *refs,
			size_t n, char etag[48], const char **code, struct error *err);
int s3d_upload_abort(struct s3d_store *st, const char *bucket, const char *id, struct error *err);
/* s3d_upload_list: the bucket's open uploads by key, then age. */
int s3d_upload_list(const struct s3d_store *st, const char *bucket, struct s3d_upload_info **out, size_t *n);
void s3d_upload_list_free(struct s3d_upload_info *u, size_t n);

#endif
