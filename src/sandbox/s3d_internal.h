/*
 * s3d_internal.h: what the S3 service's own files share (s3d.c: daemon,
 * request lifecycle, routing, auth, replies; s3d_body.c: request bodies
 * and their checks; s3d_bucket.c: service and bucket operations;
 * s3d_object.c: object operations; s3d_mpu.c: multipart operations).  Not
 * a public header: nothing outside src/sandbox/s3d*.c includes it.
 *
 * A request lives in one struct s3d_req from the URI callback to the
 * completion callback.  The first handler call routes it, checks its
 * credentials and either replies at once or prepares a body sink (a temp
 * file for object data, a capped buffer for XML and policies); body bytes
 * go through the aws-chunked decoder when there is one, into the sink and
 * the running checksums; the last call verifies them and runs the
 * operation's finish function.
 */
#ifndef DATALAB_SANDBOX_S3D_INTERNAL_H
#define DATALAB_SANDBOX_S3D_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "datalab/core/buf.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d.h"
#include "datalab/sandbox/s3d_auth.h"
#include "datalab/sandbox/s3d_chunked.h"
#include "datalab/sandbox/s3d_list.h"
#include "datalab/sandbox/s3d_store.h"
#include "datalab/sandbox/s3d_sum.h"

#define S3D_OBJECT_MAX (5ull << 30)	/* a single PUT or part: 5 GiB */
#define S3D_XML_MAX (4u << 20)		/* DeleteObjects, CompleteMultipartUpload */

struct s3d {
	struct MHD_Daemon *d;
	int port;
	bool tls;
	char *ca_path;
	char *bind;
	struct s3d_store *st;
	struct s3d_lister *lister;
	char *access_key, *secret_key, *region, *user;
	atomic_uint_fast64_t reqno;
	uint32_t idbase;
	/* seeding runs beside the daemon; requests wait for it */
	pthread_t seeder;
	bool seeder_started, seeded;
	pthread_mutex_t seed_mu;
	pthread_cond_t seed_cv;
};

enum s3d_body {
	S3D_BODY_NONE,		/* none expected: any bytes are dropped */
	S3D_BODY_FILE,		/* object data to a temp file */
	S3D_BODY_MEM,		/* a small document */
};

struct s3d_req;
typedef enum MHD_Result s3d_finish_fn(struct s3d_req *r);

struct s3d_req {
	struct s3d *s;
	struct MHD_Connection *conn;
	char *uri;		/* raw, as sent */
	const char *method;
	char *path;		/* decoded */
	char *raw_path;		/* as sent */
	char *bucket;		/* NULL for "/" */
	char *key;		/* NULL for bucket requests */
	struct sigv4_param *q;	/* decoded query parameters */
	size_t nq;
	char id[20];		/* x-amz-request-id */
	bool started, replied;
	struct s3d_auth auth;
	bool anonymous;
	/* body */
	enum s3d_body body;
	s3d_finish_fn *finish;
	int fd;
	char *tmp;
	struct buf mem;
	uint64_t limit;		/* decoded bytes allowed */
	uint64_t received;	/* decoded bytes so far */
	int64_t decoded_len;	/* x-amz-decoded-content-length, or -1 */
	uint64_t discarded;
	struct s3d_chunked *chunked;
	struct s3d_sum md5, sha256, csum;
	bool want_sha256;
	/* a failure met while reading the body, replied at the end */
	int fail_status;
	const char *fail_code;
	char fail_msg[200];
	/* operation state */
	unsigned part;		/* UploadPart */
	char upload_id[40];
};

/* s3d.c: requests and replies; s3d_body.c: bodies */
const char *s3d_req_header(struct s3d_req *r, const char *name);
/* s3d_req_query: a decoded query parameter, "" for a bare key, NULL when absent. */
const char *s3d_req_query(const struct s3d_req *r, const char *name);
enum MHD_Result s3d_reply(struct s3d_req *r, unsigned status, struct MHD_Response *resp);
enum MHD_Result s3d_reply_empty(struct s3d_req *r, unsigned status);
/* s3d_reply_xml: takes b's contents. */
enum MHD_Result s3d_reply_xml(struct s3d_req *r, unsigned status, struct buf *b);
/* s3d_reply_error: the S3 error document (no body for HEAD); extra as
 * s3d_xml_error's. */
enum MHD_Result s3d_reply_error(struct s3d_req *r, unsigned status, const char *code, const char *msg);
enum MHD_Result s3d_reply_error_x(struct s3d_req *r, unsigned status, const char *code, const char *msg,
				  const char *const *extra);
/* s3d_req_fail: record a failure while the body is still arriving. */
void s3d_req_fail(struct s3d_req *r, int status, const char *code, const char *fmt, ...) DL_PRINTF(4, 5);
/* s3d_req_body_bytes: body bytes as they arrive (MHD_NO hangs up). */
enum MHD_Result s3d_req_body_bytes(struct s3d_req *r, const char *p, size_t n);
/* s3d_req_expect_body: set up the sink; limit caps the decoded bytes. */
enum MHD_Result s3d_req_expect_body(struct s3d_req *r, enum s3d_body kind, uint64_t limit, s3d_finish_fn *finish);
/* s3d_req_body_drop: a refused body's temp file closed and removed now,
 * not when the connection completes (later bytes are discarded). */
void s3d_req_body_drop(struct s3d_req *r);
/* s3d_req_body_done: for finish functions: lengths, x-amz-content-sha256,
 * Content-MD5 and x-amz-checksum-* verified (false after replying); m gets
 * the size, the ETag, the checksum and the time.  A refused body's temp
 * file is dropped before the reply. */
bool s3d_req_body_done(struct s3d_req *r, struct s3d_meta *m);
/* s3d_req_body_accept: a finish function for settings the sandbox does
 * not model (ACLs, CORS, tags): the body is checked, then accepted and
 * forgotten, as a permissive S3 would keep them. */
enum MHD_Result s3d_req_body_accept(struct s3d_req *r);
/* s3d_req_meta: content-* headers and x-amz-meta-* of the request into m;
 * -1 after replying MetadataTooLarge. */
int s3d_req_meta(struct s3d_req *r, struct s3d_meta *m);
/* s3d_req_anonymous_allowed: the bucket's policy lets anyone do action. */
bool s3d_req_anonymous_allowed(struct s3d_req *r, const char *bucket, const char *action, const char *resource,
			       const char *prefix);

/* s3d_bucket.c */
enum MHD_Result s3d_bucket_list_all(struct s3d_req *r);
enum MHD_Result s3d_bucket_route(struct s3d_req *r);
/* s3d_acl_reply: the owner-only ACL (buckets and objects). */
enum MHD_Result s3d_acl_reply(struct s3d_req *r);

/* s3d_object.c */
enum MHD_Result s3d_object_route(struct s3d_req *r);
enum MHD_Result s3d_object_no_upload(struct s3d_req *r);
enum MHD_Result s3d_object_internal(struct s3d_req *r, const char *msg);
/* s3d_object_parse_range: "bytes=a-b|a-|-n" against size: 1 with the
 * inclusive [*start, *end], 0 when absent or not one byte range (served
 * whole, as S3 does), -1 when unsatisfiable. */
int s3d_object_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end);
/* s3d_object_etag_headers: ETag and the verified checksum on a reply. */
void s3d_object_etag_headers(struct MHD_Response *resp, const struct s3d_meta *m);
/* s3d_object_copy_data: [start, start+n) of src into a new temp file
 * (*out_fd, *out_tmp) and its md5. */
int s3d_object_copy_data(struct s3d_req *r, int src, uint64_t start, uint64_t n, char md5hex[33], int *out_fd,
			 char **out_tmp, struct error *err);
/* s3d_object_copy_reply: CopyObjectResult or CopyPartResult (root) for
 * the copy m describes. */
enum MHD_Result s3d_object_copy_reply(struct s3d_req *r, const char *root, const struct s3d_meta *m);
/* s3d_object_copy_source: opens x-amz-copy-source after its checks and
 * conditions; replies and returns -1 on a refusal. */
int s3d_object_copy_source(struct s3d_req *r, char **sb, char **sk, struct s3d_meta *sm);

/* s3d_mpu.c */
enum MHD_Result s3d_mpu_create_upload(struct s3d_req *r);
enum MHD_Result s3d_mpu_upload_part(struct s3d_req *r);
enum MHD_Result s3d_mpu_list_parts(struct s3d_req *r);
enum MHD_Result s3d_mpu_complete_finish(struct s3d_req *r);

#endif
