/*
 * client.h: S3 calls on the loop, each signed with SigV4.
 *
 * A struct s3 holds a copy of the config and uses the caller's struct
 * http.  Each operation returns a struct s3_call handle (NULL with err
 * when it cannot start) and later calls fn exactly once, never before the
 * starting function has returned, unless s3_cancel comes first.  Inside
 * fn the call's results are read with the s3_call_* accessors; the call
 * is freed when fn returns.  s3_cancel is safe anywhere, including inside
 * the call's own callbacks; s3_free cancels every live call silently.
 *
 * Requests are path style or virtual-host style per the config; bodies
 * held in memory are signed with their sha256, streamed files with
 * UNSIGNED-PAYLOAD.  Failures are sentences naming the object and S3's
 * error code ("access denied to 'user-alice/x.csv' (AccessDenied)"), with
 * err->status the HTTP status.
 *
 * Transfers stream: a download goes through s3/download (temp file in the
 * chosen folder, fsync, no-replace rename); an upload reads its file as
 * curl sends it, in one PUT below the multipart threshold, else as a
 * multipart upload with several parts in flight, each part's ETag checked
 * against its MD5 and the final ETag against the MD5 of the MD5s; a
 * failed or cancelled multipart upload is aborted on the server.
 */
#ifndef DATALAB_S3_CLIENT_H
#define DATALAB_S3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/net/http.h"
#include "datalab/s3/config.h"
#include "datalab/s3/xml.h"

#define S3_PART_SIZE (8u * 1024 * 1024)	/* as aws-cli */
#define S3_MULTIPART_THRESHOLD (16u * 1024 * 1024)
#define S3_PARALLEL_PARTS 4
#define S3_DELETE_BATCH 1000

struct s3;
struct s3_call;

typedef void s3_done_fn(struct s3_call *c, const struct error *err, void *arg);
/* s3_progress_fn: bytes (or, for s3_delete_prefix, objects) done so far
 * and the total (0 when not known yet). */
typedef void s3_progress_fn(struct s3_call *c, uint64_t done, uint64_t total, void *arg);

/* s3_new: cfg is copied (it should have been through s3_config_finish). */
struct s3 *s3_new(struct loop *l, struct http *h, const struct s3_config *cfg);
/* s3_free: cancels every live call without calling back. */
void s3_free(struct s3 *s);
const struct s3_config *s3_get_config(const struct s3 *s);
/* s3_live_calls: calls started and not finished (tests, quit prompts). */
size_t s3_live_calls(const struct s3 *s);

void s3_cancel(struct s3_call *c);

/* ---- results, valid inside the call's fn ---- */

/* s3_call_doc: the parsed XML reply (listings, buckets, copy...). */
const struct s3_doc *s3_call_doc(const struct s3_call *c);
/* s3_call_body: the raw reply body (a policy's JSON, a preview range). */
const struct buf *s3_call_body(const struct s3_call *c);
long s3_call_status(const struct s3_call *c);
/* s3_call_header: a reply header (HEAD: Content-Length, ETag...), or NULL. */
const char *s3_call_header(const struct s3_call *c, const char *name);
/* s3_call_code: S3's error code of a failed call ("NoSuchKey"), or NULL. */
const char *s3_call_code(const struct s3_call *c);
/* s3_call_path: where a download was saved (its final name). */
const char *s3_call_path(const struct s3_call *c);
/* s3_call_etag: the ETag of an uploaded or copied object, unquoted. */
const char *s3_call_etag(const struct s3_call *c);
/* s3_call_count: objects deleted by s3_delete_prefix; failures in *failed. */
uint64_t s3_call_count(const struct s3_call *c, uint64_t *failed);

/* ---- operations ---- */

struct s3_call *s3_list_buckets(struct s3 *s, s3_done_fn *fn, void *arg, struct error *err);

struct s3_list_opts {
	const char *bucket;
	const char *prefix;	/* NULL: the whole bucket */
	const char *delimiter;	/* "/" to list one folder level */
	const char *token;	/* continuation token from the previous page */
	const char *start_after;
	int max_keys;		/* 0: the server's default (1000) */
};

/* s3_list_objects: one ListObjectsV2 page (encoding-type=url, decoded
 * back by s3/xml); the listing is s3_call_doc(c)->listing. */
struct s3_call *s3_list_objects(struct s3 *s, const struct s3_list_opts *o, s3_done_fn *fn, void *arg,
				struct error *err);
struct s3_call *s3_head_object(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg,
			       struct error *err);
/* s3_get_range: bytes first..last (inclusive) into memory, for previews;
 * s3_call_body has them.  A shorter object gives what it has. */
struct s3_call *s3_get_range(struct s3 *s, const char *bucket, const char *key, uint64_t first, uint64_t last,
			     s3_done_fn *fn, void *arg, struct error *err);

struct s3_get_opts {
	const char *bucket, *key;
	const char *dir;	/* the folder to save into (must exist) */
	const char *name;	/* NULL: s3_download_name of the key */
	bool overwrite;		/* replace an existing file (the user said so) */
};

/* s3_get_object: streams the object into dir (see s3/download.h). */
struct s3_call *s3_get_object(struct s3 *s, const struct s3_get_opts *o, s3_progress_fn *progress, s3_done_fn *fn,
			      void *arg, struct error *err);

struct s3_put_opts {
	const char *bucket, *key;
	const char *path;		/* the local file */
	const char *content_type;	/* NULL: guessed from the name */
	uint64_t threshold;		/* 0: S3_MULTIPART_THRESHOLD */
	uint64_t part_size;		/* 0: S3_PART_SIZE, raised to fit 10,000 parts */
	int parallel;			/* 0: S3_PARALLEL_PARTS */
};

struct s3_call *s3_put_object(struct s3 *s, const struct s3_put_opts *o, s3_progress_fn *progress, s3_done_fn *fn,
			      void *arg, struct error *err);
struct s3_call *s3_delete_object(struct s3 *s, const char *bucket, const char *key, s3_done_fn *fn, void *arg,
				 struct error *err);
/* s3_delete_prefix: every object whose key starts with prefix, listed
 * page by page and removed with DeleteObjects in batches of 1000 (keys XML
 * cannot carry go one by one).  Per-key failures are counted, and the
 * first is the call's error. */
struct s3_call *s3_delete_prefix(struct s3 *s, const char *bucket, const char *prefix, s3_progress_fn *progress,
				 s3_done_fn *fn, void *arg, struct error *err);
struct s3_call *s3_copy_object(struct s3 *s, const char *src_bucket, const char *src_key, const char *dst_bucket,
			       const char *dst_key, s3_done_fn *fn, void *arg, struct error *err);

/* Bucket policies: GET gives the JSON in s3_call_body (a bucket without
 * one fails with code NoSuchBucketPolicy). */
struct s3_call *s3_get_policy(struct s3 *s, const char *bucket, s3_done_fn *fn, void *arg, struct error *err);
struct s3_call *s3_put_policy(struct s3 *s, const char *bucket, const char *json, s3_done_fn *fn, void *arg,
			      struct error *err);
struct s3_call *s3_delete_policy(struct s3 *s, const char *bucket, s3_done_fn *fn, void *arg, struct error *err);

/* s3_presign_get: a URL anyone may GET for expires seconds (1..604800)
 * from now (unix seconds), appended to url. */
int s3_presign_get(struct s3 *s, const char *bucket, const char *key, long expires, int64_t now, struct buf *url,
		   struct error *err);
/* s3_object_url: the plain (unsigned) URL of an object, for a public
 * prefix. */
int s3_object_url(struct s3 *s, const char *bucket, const char *key, struct buf *url);

/* s3_error_sentence: an S3 reply as a sentence about subject ("b/k"):
 * status and the <Error> body when there is one (HEAD replies have none).
 * Fills err and returns -1.  Exposed for the tests. */
int s3_error_sentence(struct error *err, long status, const struct s3_doc *doc, const char *subject,
		      const char *host);

#endif
