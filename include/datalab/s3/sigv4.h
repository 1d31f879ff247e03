/*
 * sigv4.h: AWS Signature Version 4 for S3, both sides of it.
 *
 * The console signs its requests with it (s3/client); the sandbox's S3
 * service recomputes the same signature to check them.  Everything here is
 * pure: no I/O, no clock (the caller passes the time), so the AWS test
 * vectors are unit tests.
 *
 * Paths and query parameters are given DECODED (as a key is named, as a
 * server sees them after URL decoding); the canonical request encodes each
 * path segment once and each query name and value, as S3 wants
 * (A-Za-z0-9-._~ kept, '/' kept in the path, everything else %XX upper
 * case).  Header names may be in any case; values are trimmed and inner
 * runs of spaces squeezed.
 */
#ifndef DATALAB_S3_SIGV4_H
#define DATALAB_S3_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_param {
	const char *name;
	const char *value;	/* NULL or "" for a bare key ("uploads" -> "uploads=") */
};

struct sigv4_request {
	const char *method;		/* "GET" */
	const char *path;		/* decoded: "/bucket/a key+1.csv"; "" -> "/" */
	const struct sigv4_param *query;	/* decoded; any order; X-Amz-Signature is skipped */
	size_t nquery;
	const struct sigv4_param *headers;	/* exactly the headers to sign */
	size_t nheaders;
	const char *payload_hash;	/* hex sha256, SIGV4_UNSIGNED, SIGV4_STREAMING... */
	const char *amz_date;		/* "20130524T000000Z" */
	const char *region;		/* "us-east-1" */
	const char *service;		/* NULL = "s3" */
};

/* sigv4_canonical_request: the CanonicalRequest text, appended to out. */
int sigv4_canonical_request(const struct sigv4_request *rq, struct buf *out);
/* sigv4_signed_headers: "host;range;x-amz-date" (sorted, lower case). */
int sigv4_signed_headers(const struct sigv4_request *rq, struct buf *out);
/* sigv4_scope: "20130524/us-east-1/s3/aws4_request" into out. */
int sigv4_scope(const struct sigv4_request *rq, struct buf *out);
/* sigv4_signing_key: the HMAC chain "AWS4"+secret -> date -> region ->
 * service -> "aws4_request". date8 is "YYYYMMDD". */
void sigv4_signing_key(const char *secret, const char *date8, const char *region, const char *service,
		       unsigned char key[32]);
/* sigv4_signature: the hex signature of rq with secret, into sig (65 bytes). */
int sigv4_signature(const struct sigv4_request *rq, const char *secret, char sig[65]);
/* sigv4_authorization: the whole Authorization header value:
 * "AWS4-HMAC-SHA256 Credential=AKID/<scope>, SignedHeaders=..., Signature=...". */
int sigv4_authorization(const struct sigv4_request *rq, const char *access_key, const char *secret,
			struct buf *out);

/*
 * sigv4_presign: the query string of a presigned URL for rq (method, path,
 * region, amz_date; rq->query holds any extra parameters, such as
 * response-content-disposition; headers and payload_hash are ignored: only
 * host is signed, the payload is UNSIGNED-PAYLOAD).  host is "h:port" as
 * sent.  expires is seconds (1..604800).  session_token may be NULL.
 * Appends "X-Amz-Algorithm=...&...&X-Amz-Signature=<hex>" (encoded) to out.
 */
int sigv4_presign(const struct sigv4_request *rq, const char *host, const char *access_key, const char *secret,
		  const char *session_token, long expires, struct buf *out);

/* sigv4_chunk_signature: the signature of one aws-chunked chunk:
 * "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<prev>\n<sha256("")>\n<sha256(data)>"
 * signed with key. */
void sigv4_chunk_signature(const unsigned char key[32], const char *amz_date, const char *scope,
			   const char *prev_sig, const void *data, size_t n, char sig[65]);
/* sigv4_chunk_signature_digest: the same from the chunk's hex sha256, for
 * a verifier that hashes the data as it arrives. */
void sigv4_chunk_signature_digest(const unsigned char key[32], const char *amz_date, const char *scope,
				  const char *prev_sig, const char data_sha256[65], char sig[65]);
/* sigv4_trailer_signature: the x-amz-trailer-signature of a signed
 * trailer: "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<prev>\n<sha256(canonical)>",
 * prev being the final (empty) chunk's signature and canonical the trailer
 * lines as "name:value\n", names lower case, sorted. */
void sigv4_trailer_signature(const unsigned char key[32], const char *amz_date, const char *scope,
			     const char *prev_sig, const void *canonical, size_t n, char sig[65]);

/* sigv4_sha256_hex: the hex sha256 of p[0..n) into out (65 bytes). */
void sigv4_sha256_hex(const void *p, size_t n, char out[65]);
/* sigv4_amz_date: t (unix seconds, UTC) as "YYYYMMDDTHHMMSSZ" (17 bytes). */
void sigv4_amz_date(int64_t t, char out[17]);
/* sigv4_parse_amz_date: the inverse; -1 when malformed. */
int sigv4_parse_amz_date(const char *s, int64_t *t);

/* sigv4_uri_encode: S3's encoding of one string, appended to out. */
int sigv4_uri_encode(struct buf *out, const char *p, size_t n, bool keep_slash);

#endif
