/*
 * xml.h: the S3 XML documents, read with expat and written for requests.
 *
 * s3_xml_parse reads one reply body into a struct s3_doc whose kind comes
 * from the root element, so a caller expecting a
 * CompleteMultipartUploadResult also sees the <Error> S3 may send inside
 * a 200.  Bounded: a DOCTYPE is refused (no entity can expand, nothing
 * external is loaded), nesting, element text, item count and body size are
 * capped.  With EncodingType "url" the keys, prefixes, delimiter, markers
 * and StartAfter are percent-decoded (as botocore's unquote_plus), so a
 * key may hold any byte, NUL included: keys carry their length.  Nothing
 * is sanitized here: strings are raw remote bytes for the screen to clean.
 */
#ifndef DATALAB_S3_XML_H
#define DATALAB_S3_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define S3_XML_MAX_BODY (64u * 1024 * 1024)
#define S3_XML_MAX_DEPTH 16
#define S3_XML_MAX_TEXT (64u * 1024)	/* one element's text */
#define S3_XML_MAX_ITEMS 100000u	/* objects + prefixes, buckets, parts... */

enum s3_doc_kind {
	S3_DOC_UNKNOWN,		/* a root this parser does not know (see root) */
	S3_DOC_ERROR,		/* <Error> */
	S3_DOC_BUCKETS,		/* <ListAllMyBucketsResult> */
	S3_DOC_LISTING,		/* <ListBucketResult>, v1 or v2 */
	S3_DOC_INITIATE,	/* <InitiateMultipartUploadResult> */
	S3_DOC_COMPLETE,	/* <CompleteMultipartUploadResult> */
	S3_DOC_PARTS,		/* <ListPartsResult> */
	S3_DOC_DELETE,		/* <DeleteResult> */
	S3_DOC_COPY,		/* <CopyObjectResult> */
	S3_DOC_LOCATION,	/* <LocationConstraint> */
};

struct s3_xml_error {
	char *code, *message, *key, *bucket, *resource, *request_id, *host_id;
	char *string_to_sign, *canonical_request;	/* SignatureDoesNotMatch */
};

struct s3_bucket {
	char *name;
	time_t created;		/* 0 when missing or malformed */
};

struct s3_object {
	char *key;		/* NUL-terminated, but may hold NULs: use key_len */
	size_t key_len;
	int64_t size;		/* -1 when missing or malformed */
	time_t mtime;		/* 0 when missing or malformed */
	char *etag;		/* without its quotes; NULL when missing */
	char *storage_class;
};

struct s3_prefix {
	char *prefix;
	size_t len;
};

struct s3_listing {
	char *bucket, *prefix, *delimiter, *start_after, *encoding_type;
	struct s3_object *objects;
	size_t nobjects;
	struct s3_prefix *prefixes;	/* CommonPrefixes */
	size_t nprefixes;
	bool truncated;		/* IsTruncated is exactly "true" */
	bool v2;		/* KeyCount or a continuation token was seen */
	char *token;		/* ContinuationToken echoed (v2) */
	char *next_token;	/* NextContinuationToken (v2) */
	char *marker;		/* Marker (v1) */
	char *next_marker;	/* NextMarker, else the last key or prefix (v1, truncated) */
	int64_t key_count;	/* -1 when missing or malformed */
	size_t undecodable;	/* url-encoded names left raw (bad %XX) */
};

struct s3_part {
	int number;
	char *etag;		/* without quotes */
	int64_t size;
	time_t mtime;
};

struct s3_deleted {
	char *key;
	size_t key_len;
	char *code, *message;	/* NULL for a deleted key */
};

struct s3_doc {
	enum s3_doc_kind kind;
	char *root;		/* the root element's local name */
	struct s3_xml_error error;
	/* S3_DOC_BUCKETS */
	char *owner_id, *owner_name;
	struct s3_bucket *buckets;
	size_t nbuckets;
	/* S3_DOC_LISTING */
	struct s3_listing listing;
	/* S3_DOC_INITIATE, COMPLETE, PARTS: bucket, key, upload id, location, etag */
	char *bucket, *key, *upload_id, *location, *etag;
	/* S3_DOC_PARTS */
	struct s3_part *parts;
	size_t nparts;
	bool parts_truncated;
	int next_part_marker;
	/* S3_DOC_DELETE: deleted keys and per-key errors in document order */
	struct s3_deleted *deleted;
	size_t ndeleted, nfailed;
	/* S3_DOC_COPY: etag (above) and mtime */
	time_t mtime;
	/* S3_DOC_LOCATION: "" means us-east-1 */
	char *region;
};

/* s3_xml_parse: one document into doc (cleared first).  Returns 0 with
 * doc->kind set (S3_DOC_ERROR is a success: the body was an <Error>), -1
 * with err (ERR_PARSE, ERR_LIMIT) when it is not well-formed or over a
 * cap; doc is then empty.  Release doc either way. */
int s3_xml_parse(const char *p, size_t n, struct s3_doc *doc, struct error *err);
void s3_xml_release(struct s3_doc *doc);
/* s3_xml_kind_name: "ListBucketResult", ... for messages. */
const char *s3_xml_kind_name(enum s3_doc_kind kind);

/* s3_xml_escape: p[0..n) as XML element text (&amp; &lt; &gt; &quot;,
 * and CR, LF and TAB as character references so they survive).  -1 when
 * p holds what XML 1.0 cannot carry (other controls, NUL, invalid UTF-8);
 * out is then unchanged. */
int s3_xml_escape(struct buf *out, const char *p, size_t n);

/* s3_xml_complete_body: <CompleteMultipartUpload> with each part's number
 * and quoted ETag, in the order given (the caller sorts). */
int s3_xml_complete_body(struct buf *out, const struct s3_part *parts, size_t n);

struct s3_key {
	const char *key;
	size_t len;
};

/* s3_xml_delete_body: <Delete><Quiet>quiet</Quiet><Object><Key>... for
 * up to 1000 keys; -1 if a key cannot be written in XML (see
 * s3_xml_escape): delete that one alone. */
int s3_xml_delete_body(struct buf *out, const struct s3_key *keys, size_t n, bool quiet);

#endif
