/*
 * s3d_auth.h: checking a request's SigV4 credentials (header or presigned
 * query) against the one key pair the sandbox serves.
 *
 * The server hands over the request as it arrived (method, decoded path,
 * decoded query parameters, a header lookup) and the current time; the
 * signature is recomputed with s3/sigv4 over exactly the headers the
 * client says it signed.  On failure the result names the S3 error code,
 * HTTP status and message (and, for SignatureDoesNotMatch, the
 * StringToSign and CanonicalRequest we computed, as S3 does).  On success
 * it keeps what a streaming body needs to check its chunk signatures.
 *
 * Legacy SigV2 is also accepted ("Authorization: AWS AK:sig" and the
 * AWSAccessKeyId/Signature/Expires query), because aws-cli v1's
 * `aws s3 presign` still writes such URLs for us-east-1.
 */
#ifndef DATALAB_SANDBOX_S3D_AUTH_H
#define DATALAB_SANDBOX_S3D_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/s3/sigv4.h"

#define S3D_AUTH_MAX_SKEW 900	/* seconds: 15 minutes */

/* Returns the value of a request header (any case), or NULL. */
typedef const char *s3d_auth_header_fn(void *ctx, const char *name);

struct s3d_auth_req {
	const char *method;
	const char *path;		/* decoded: "/bucket/key" */
	const char *raw_path;		/* as sent, still encoded (SigV2 signs it); NULL = path */
	const struct sigv4_param *query;	/* decoded, as sent */
	size_t nquery;
	s3d_auth_header_fn *header;
	void *ctx;
	int64_t now;			/* unix seconds */
};

enum s3d_auth_kind {
	S3D_AUTH_FAILED = -1,
	S3D_AUTH_ANONYMOUS = 0,		/* no credentials at all */
	S3D_AUTH_HEADER,
	S3D_AUTH_PRESIGNED,
	S3D_AUTH_V2,			/* SigV2 header or query: no streaming */
};

struct s3d_auth {
	enum s3d_auth_kind kind;
	/* on success */
	char signature[65];
	char amz_date[17];
	char scope[128];
	char region[64];
	unsigned char key[32];		/* signing key: chunk signatures */
	char payload_hash[72];		/* x-amz-content-sha256 (or UNSIGNED-PAYLOAD) */
	/* on failure */
	int status;			/* 400 or 403 */
	const char *code;		/* "SignatureDoesNotMatch" */
	char message[200];
	struct buf string_to_sign;	/* SignatureDoesNotMatch only */
	struct buf canonical;
};

/* s3d_auth_check: fills out; returns its kind.  Release out with
 * s3d_auth_release. */
enum s3d_auth_kind s3d_auth_check(const struct s3d_auth_req *rq, const char *access_key, const char *secret,
				  struct s3d_auth *out);
void s3d_auth_release(struct s3d_auth *a);

/* s3d_auth_query_param: the value of a decoded query parameter, or NULL. */
const char *s3d_auth_query_param(const struct sigv4_param *q, size_t n, const char *name);

#endif
