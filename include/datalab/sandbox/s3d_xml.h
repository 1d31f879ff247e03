/*
 * s3d_xml.h: the XML the S3 service speaks.
 *
 * Replies are written into a struct buf with escaping done here, never by
 * callers.  Request bodies (DeleteObjects, CompleteMultipartUpload,
 * CreateBucketConfiguration) are read with expat into a flat list of
 * element ends, each with its path from the root ("/Delete/Object/Key")
 * and its text, which handlers walk in document order.  Parsing is
 * bounded (depth, element count) and fails on anything not well-formed,
 * which the server answers with MalformedXML.
 */
#ifndef DATALAB_SANDBOX_S3D_XML_H
#define DATALAB_SANDBOX_S3D_XML_H

#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define S3D_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* s3d_xml_begin: the declaration and <root xmlns="...">. */
void s3d_xml_begin(struct buf *b, const char *root);
void s3d_xml_open(struct buf *b, const char *name);
void s3d_xml_close(struct buf *b, const char *name);
/* s3d_xml_elem: <name>escaped text</name>; text NULL gives <name/>. */
void s3d_xml_elem(struct buf *b, const char *name, const char *text);
void s3d_xml_elemf(struct buf *b, const char *name, const char *fmt, ...) DL_PRINTF(3, 4);
/* s3d_xml_escape: text with & < > " ' escaped; control bytes that XML
 * 1.0 cannot carry become &#xN; (clients that care ask for url encoding). */
void s3d_xml_escape(struct buf *b, const char *text);

/* s3d_xml_time: "2025-01-01T00:00:00.000Z" from ms since the epoch. */
void s3d_xml_time(int64_t ms, char out[32]);
/* s3d_xml_http_date: "Wed, 01 Jan 2025 00:00:00 GMT" from seconds. */
void s3d_xml_http_date(int64_t s, char out[40]);
/* s3d_xml_http_date_parse: the inverse (RFC 1123, also RFC 850 and asctime); -1 when not a date. */
int s3d_xml_http_date_parse(const char *s, int64_t *out);

/*
 * s3d_xml_error: a whole S3 error document:
 * <Error><Code/><Message/>[extra...]<Resource/><RequestId/><HostId/></Error>.
 * extra is NULL or pairs name, value, ..., NULL (BucketName, Key, ...).
 */
void s3d_xml_error(struct buf *b, const char *code, const char *message, const char *resource,
		   const char *request_id, const char *const *extra);

struct s3d_xml_node {
	char *path;		/* "/Delete/Object/Key" */
	char *text;		/* the element's own text, trimmed */
};

/* s3d_xml_parse: the element ends of p[0..n) in document order; free with
 * s3d_xml_nodes_free.  -1 with err when not well-formed or over a cap. */
int s3d_xml_parse(const char *p, size_t n, struct s3d_xml_node **out, size_t *count, struct error *err);
void s3d_xml_nodes_free(struct s3d_xml_node *nodes, size_t count);

#endif
