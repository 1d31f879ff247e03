/*
 * xml.c: S3 reply documents through expat, request bodies out (see xml.h).
 *
 * Data flow: expat calls on_start/on_text/on_end; we keep the path of
 * element names under the root ("Contents/Key") and the text of the
 * current element in a capped buffer.  An element that starts a list item
 * (Contents, CommonPrefixes, Bucket, Part, Deleted, Error inside a
 * DeleteResult) appends one zeroed item; leaf ends fill the last item.
 * Names are matched on their local part, so a prefixed or namespaced
 * document reads the same.  Limits stop the parser from a callback
 * (XML_StopParser) with our own sentence.
 */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/s3/xml.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define PATH_MAX_LEN 512

struct xp {
	XML_Parser p;
	struct s3_doc *doc;
	int depth;			/* 1 inside the root */
	char path[PATH_MAX_LEN];	/* names under the root, '/'-joined */
	size_t plen[S3_XML_MAX_DEPTH + 2];
	struct buf text;
	size_t items;
	bool failed;
	struct error err;
};

static const struct {
	const char *name;
	enum s3_doc_kind kind;
} roots[] = {
	{ "Error", S3_DOC_ERROR },
	{ "ListAllMyBucketsResult", S3_DOC_BUCKETS },
	{ "ListBucketResult", S3_DOC_LISTING },
	{ "InitiateMultipartUploadResult", S3_DOC_INITIATE },
	{ "CompleteMultipartUploadResult", S3_DOC_COMPLETE },
	{ "ListPartsResult", S3_DOC_PARTS },
	{ "DeleteResult", S3_DOC_DELETE },
	{ "CopyObjectResult", S3_DOC_COPY },
	{ "CopyPartResult", S3_DOC_COPY },
	{ "LocationConstraint", S3_DOC_LOCATION },
};

const char *s3_xml_kind_name(enum s3_doc_kind kind)
{
	for (size_t i = 0; i < DL_ARRAY_LEN(roots); i++)
		if (roots[i].kind == kind)
			return roots[i].name;
	return "unknown document";
}

static void fail(struct xp *x, int code, const char *fmt, const char *arg)
{
	if (x->failed)
		return;
	x->failed = true;
	error_set(&x->err, code, fmt, arg);
	XML_StopParser(x->p, XML_FALSE);
}

/* The local part of a name: "s3:Key" -> "Key". */
static const char *local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

/* grow: room for one more item in *arr (count *n, item size sz). */
static void *push(struct xp *x, void **arr, size_t *n, size_t sz)
{
	char *p;

	if (++x->items > S3_XML_MAX_ITEMS) {
		fail(x, ERR_LIMIT, "S3 reply lists more than %s items", "100000");
		return NULL;
	}
	if (*n == 0)
		*arr = xreallocarray(*arr, 16, sz);
	else if (*n >= 16 && (*n & (*n - 1)) == 0)
		*arr = xreallocarray(*arr, *n * 2, sz);
	p = (char *)*arr + *n * sz;
	memset(p, 0, sz);
	(*n)++;
	return p;
}

static void on_open(struct xp *x, const char *path)
{
	struct s3_doc *d = x->doc;

	switch (d->kind) {
	case S3_DOC_LISTING:
		if (strcmp(path, "Contents") == 0) {
			struct s3_object *o = push(x, (void **)&d->listing.objects, &d->listing.nobjects,
						   sizeof(*o));

			if (o)
				o->size = -1;
		} else if (strcmp(path, "CommonPrefixes") == 0) {
			push(x, (void **)&d->listing.prefixes, &d->listing.nprefixes, sizeof(struct s3_prefix));
		}
		break;
	case S3_DOC_BUCKETS:
		if (strcmp(path, "Buckets/Bucket") == 0)
			push(x, (void **)&d->buckets, &d->nbuckets, sizeof(struct s3_bucket));
		break;
	case S3_DOC_PARTS:
		if (strcmp(path, "Part") == 0) {
			struct s3_part *pt = push(x, (void **)&d->parts, &d->nparts, sizeof(*pt));

			if (pt)
				pt->size = -1;
		}
		break;
	case S3_DOC_DELETE:
		if (strcmp(path, "Deleted") == 0) {
			push(x, (void **)&d->deleted, &d->ndeleted, sizeof(struct s3_deleted));
		} else if (strcmp(path, "Error") == 0) {
			struct s3_deleted *e = push(x, (void **)&d->deleted, &d->ndeleted, sizeof(*e));

			if (e) {
				e->code = xstrdup("");
				d->nfailed++;
			}
		}
		break;
	default:
		break;
	}
}

static void set_str(char **dst, const char *p, size_t n)
{
	free(*dst);
	*dst = xmemdup(p, n);
}

static void set_key(char **dst, size_t *len, const char *p, size_t n)
{
	set_str(dst, p, n);
	*len = n;
}

/* An ETag without its surrounding quotes. */
static void set_etag(char **dst, const char *p, size_t n)
{
	while (n > 0 && (*p == '"' || *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '"' || p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\t' ||
			 p[n - 1] == '\r'))
		n--;
	set_str(dst, p, n);
}

/* A trimmed copy into a small buffer for numbers, dates and booleans. */
static const char *scalar(const char *p, size_t n, char *tmp, size_t size)
{
	while (n > 0 && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n >= size)
		n = 0;	/* too long to be a number or a date: malformed */
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return tmp;
}

static int64_t parse_size(const char *p, size_t n)
{
	char tmp[32];
	int64_t v;

	if (str_parse_i64(scalar(p, n, tmp, sizeof(tmp)), &v) < 0 || v < 0)
		return -1;
	return v;
}

static time_t parse_time(const char *p, size_t n)
{
	char tmp[64];
	time_t t;

	if (time_parse_rfc3339(scalar(p, n, tmp, sizeof(tmp)), &t) < 0)
		return 0;
	return t;
}

static bool parse_true(const char *p, size_t n)
{
	char tmp[16];

	return strcmp(scalar(p, n, tmp, sizeof(tmp)), "true") == 0;
}

static void close_error(struct s3_xml_error *e, const char *path, const char *p, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "Code", offsetof(struct s3_xml_error, code) },
		{ "Message", offsetof(struct s3_xml_error, message) },
		{ "Key", offsetof(struct s3_xml_error, key) },
		{ "BucketName", offsetof(struct s3_xml_error, bucket) },
		{ "Resource", offsetof(struct s3_xml_error, resource) },
		{ "RequestId", offsetof(struct s3_xml_error, request_id) },
		{ "HostId", offsetof(struct s3_xml_error, host_id) },
		{ "StringToSign", offsetof(struct s3_xml_error, string_to_sign) },
		{ "CanonicalRequest", offsetof(struct s3_xml_error, canonical_request) },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(fields); i++)
		if (strcmp(path, fields[i].name) == 0)
			set_str((char **)((char *)e + fields[i].off), p, n);
}

static void close_listing(struct s3_listing *l, const char *path, const char *p, size_t n)
{
	struct s3_object *o = l->nobjects ? &l->objects[l->nobjects - 1] : NULL;
	char tmp[32];

	if (str_has_prefix(path, "Contents/")) {
		const char *leaf = path + 9;

		if (!o)
			return;
		if (strcmp(leaf, "Key") == 0)
			set_key(&o->key, &o->key_len, p, n);
		else if (strcmp(leaf, "Size") == 0)
			o->size = parse_size(p, n);
		else if (strcmp(leaf, "LastModified") == 0)
			o->mtime = parse_time(p, n);
		else if (strcmp(leaf, "ETag") == 0)
			set_etag(&o->etag, p, n);
		else if (strcmp(leaf, "StorageClass") == 0)
			set_str(&o->storage_class, p, n);
		return;
	}
	if (strcmp(path, "CommonPrefixes/Prefix") == 0) {
		if (l->nprefixes)
			set_key(&l->prefixes[l->nprefixes - 1].prefix, &l->prefixes[l->nprefixes - 1].len, p, n);
	} else if (strcmp(path, "Name") == 0) {
		set_str(&l->bucket, p, n);
	} else if (strcmp(path, "Prefix") == 0) {
		set_str(&l->prefix, p, n);
	} else if (strcmp(path, "Delimiter") == 0) {
		set_str(&l->delimiter, p, n);
	} else if (strcmp(path, "StartAfter") == 0) {
		set_str(&l->start_after, p, n);
		l->v2 = true;
	} else if (strcmp(path, "EncodingType") == 0) {
		set_str(&l->encoding_type, p, n);
	} else if (strcmp(path, "IsTruncated") == 0) {
		l->truncated = parse_true(p, n);
	} else if (strcmp(path, "ContinuationToken") == 0) {
		set_str(&l->token, p, n);
		l->v2 = true;
	} else if (strcmp(path, "NextContinuationToken") == 0) {
		set_str(&l->next_token, p, n);
		l->v2 = true;
	} else if (strcmp(path, "Marker") == 0) {
		set_str(&l->marker, p, n);
	} else if (strcmp(path, "NextMarker") == 0) {
		set_str(&l->next_marker, p, n);
	} else if (strcmp(path, "KeyCount") == 0) {
		l->v2 = true;
		if (str_parse_i64(scalar(p, n, tmp, sizeof(tmp)), &l->key_count) < 0 || l->key_count < 0)
			l->key_count = -1;
	}
}

/* Bucket, Key, UploadId, Location, ETag of the multipart documents. */
static void close_upload(struct s3_doc *d, const char *path, const char *p, size_t n)
{
	if (strcmp(path, "Bucket") == 0)
		set_str(&d->bucket, p, n);
	else if (strcmp(path, "Key") == 0)
		set_str(&d->key, p, n);
	else if (strcmp(path, "UploadId") == 0)
		set_str(&d->upload_id, p, n);
	else if (strcmp(path, "Location") == 0)
		set_str(&d->location, p, n);
	else if (strcmp(path, "ETag") == 0)
		set_etag(&d->etag, p, n);
}

static void close_item(struct xp *x, const char *path, const char *p, size_t n)
{
	struct s3_doc *d = x->doc;
	char tmp[32];
	int64_t v;

	switch (d->kind) {
	case S3_DOC_ERROR:
		close_error(&d->error, path, p, n);
		break;
	case S3_DOC_LISTING:
		close_listing(&d->listing, path, p, n);
		break;
	case S3_DOC_BUCKETS:
		if (strcmp(path, "Owner/ID") == 0)
			set_str(&d->owner_id, p, n);
		else if (strcmp(path, "Owner/DisplayName") == 0)
			set_str(&d->owner_name, p, n);
		else if (d->nbuckets && strcmp(path, "Buckets/Bucket/Name") == 0)
			set_str(&d->buckets[d->nbuckets - 1].name, p, n);
		else if (d->nbuckets && strcmp(path, "Buckets/Bucket/CreationDate") == 0)
			d->buckets[d->nbuckets - 1].created = parse_time(p, n);
		break;
	case S3_DOC_PARTS:
		if (d->nparts && str_has_prefix(path, "Part/")) {
			struct s3_part *pt = &d->parts[d->nparts - 1];

			if (strcmp(path, "Part/PartNumber") == 0)
				pt->number = str_parse_i64(scalar(p, n, tmp, sizeof(tmp)), &v) == 0 && v > 0 &&
					     v <= 100000 ? (int)v : 0;
			else if (strcmp(path, "Part/ETag") == 0)
				set_etag(&pt->etag, p, n);
			else if (strcmp(path, "Part/Size") == 0)
				pt->size = parse_size(p, n);
			else if (strcmp(path, "Part/LastModified") == 0)
				pt->mtime = parse_time(p, n);
			break;
		}
		if (strcmp(path, "IsTruncated") == 0)
			d->parts_truncated = parse_true(p, n);
		else if (strcmp(path, "NextPartNumberMarker") == 0)
			d->next_part_marker = str_parse_i64(scalar(p, n, tmp, sizeof(tmp)), &v) == 0 && v > 0 &&
					      v <= 100000 ? (int)v : 0;
		close_upload(d, path, p, n);
		break;
	case S3_DOC_INITIATE:
	case S3_DOC_COMPLETE:
		close_upload(d, path, p, n);
		break;
	case S3_DOC_DELETE:
		if (d->ndeleted) {
			struct s3_deleted *e = &d->deleted[d->ndeleted - 1];

			if (strcmp(path, "Deleted/Key") == 0 || strcmp(path, "Error/Key") == 0)
				set_key(&e->key, &e->key_len, p, n);
			else if (strcmp(path, "Error/Code") == 0)
				set_str(&e->code, p, n);
			else if (strcmp(path, "Error/Message") == 0)
				set_str(&e->message, p, n);
		}
		break;
	case S3_DOC_COPY:
		if (strcmp(path, "ETag") == 0)
			set_etag(&d->etag, p, n);
		else if (strcmp(path, "LastModified") == 0)
			d->mtime = parse_time(p, n);
		break;
	case S3_DOC_LOCATION:
		if (!*path)
			set_str(&d->region, p, n);
		break;
	case S3_DOC_UNKNOWN:
		break;
	}
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xp *x = arg;
	const char *ln = local_name(name);
	size_t len = strlen(ln), at;

	(void)attrs;
	if (x->failed)
		return;
	x->depth++;
	buf_reset(&x->text);
	if (x->depth > S3_XML_MAX_DEPTH) {
		fail(x, ERR_LIMIT, "S3 reply nested deeper than %s elements", "16");
		return;
	}
	if (x->depth == 1) {
		x->doc->root = xstrdup(ln);
		for (size_t i = 0; i < DL_ARRAY_LEN(roots); i++)
			if (strcmp(ln, roots[i].name) == 0)
				x->doc->kind = roots[i].kind;
		x->plen[1] = 0;
		return;
	}
	at = x->plen[x->depth - 1];
	if (at + len + 2 > sizeof(x->path)) {
		fail(x, ERR_LIMIT, "S3 reply has an element path over %s bytes", "512");
		return;
	}
	if (at)
		x->path[at++] = '/';
	memcpy(x->path + at, ln, len);
	at += len;
	x->path[at] = '\0';
	x->plen[x->depth] = at;
	on_open(x, x->path);
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct xp *x = arg;

	if (x->failed || len <= 0)
		return;
	if (buf_add(&x->text, s, (size_t)len) < 0)
		fail(x, ERR_LIMIT, "S3 reply has an element over %s of text", "64 KiB");
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	struct xp *x = arg;

	(void)name;
	if (x->failed)
		return;
	x->path[x->plen[x->depth]] = '\0';
	close_item(x, x->path, x->text.data, x->text.len);
	buf_reset(&x->text);
	x->depth--;
	if (x->depth >= 1)
		x->path[x->plen[x->depth]] = '\0';
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	fail(arg, ERR_PARSE, "S3 reply holds a DOCTYPE%s: refused", "");
}

/* Decodes a url-encoded name in place (s3 encoding-type=url); a bad %XX
 * keeps the raw text and is counted. */
static void decode_name(char **s, size_t *len, size_t *bad)
{
	struct buf b;
	size_t n;

	if (!*s)
		return;
	n = len ? *len : strlen(*s);
	buf_init(&b, 0);
	if (str_url_decode(&b, *s, n, true) < 0) {
		(*bad)++;
		buf_release(&b);
		return;
	}
	free(*s);
	*s = buf_take(&b, &n);
	if (len)
		*len = n;
}

static void decode_listing(struct s3_listing *l)
{
	size_t dummy;

	if (!l->encoding_type || !str_case_eq(l->encoding_type, "url"))
		return;
	for (size_t i = 0; i < l->nobjects; i++)
		decode_name(&l->objects[i].key, &l->objects[i].key_len, &l->undecodable);
	for (size_t i = 0; i < l->nprefixes; i++)
		decode_name(&l->prefixes[i].prefix, &l->prefixes[i].len, &l->undecodable);
	decode_name(&l->prefix, NULL, &l->undecodable);
	decode_name(&l->delimiter, NULL, &l->undecodable);
	decode_name(&l->start_after, NULL, &l->undecodable);
	decode_name(&l->marker, NULL, &l->undecodable);
	dummy = 0;
	decode_name(&l->next_marker, NULL, &dummy);
	l->undecodable += dummy;
}

/* v1 without NextMarker: the next marker is the last key or prefix. */
static void finish_listing(struct s3_listing *l)
{
	const char *last = NULL;
	size_t last_len = 0;

	decode_listing(l);
	if (l->v2 || !l->truncated || l->next_marker)
		return;
	if (l->nobjects) {
		last = l->objects[l->nobjects - 1].key;
		last_len = l->objects[l->nobjects - 1].key_len;
	}
	if (l->nprefixes && l->prefixes[l->nprefixes - 1].prefix &&
	    (!last || strcmp(l->prefixes[l->nprefixes - 1].prefix, last) > 0)) {
		last = l->prefixes[l->nprefixes - 1].prefix;
		last_len = l->prefixes[l->nprefixes - 1].len;
	}
	if (last)
		l->next_marker = xmemdup(last, last_len);
}

int s3_xml_parse(const char *p, size_t n, struct s3_doc *doc, struct error *err)
{
	struct xp x;
	enum XML_Status st;

	memset(doc, 0, sizeof(*doc));
	doc->listing.key_count = -1;
	if (n > S3_XML_MAX_BODY)
		return error_set(err, ERR_LIMIT, "S3 reply is over %u bytes", S3_XML_MAX_BODY);
	memset(&x, 0, sizeof(x));
	x.doc = doc;
	x.p = XML_ParserCreate(NULL);
	if (!x.p)
		fatal("XML_ParserCreate failed");
	buf_init(&x.text, S3_XML_MAX_TEXT);
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, on_start, on_end);
	XML_SetCharacterDataHandler(x.p, on_text);
	XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
	XML_SetParamEntityParsing(x.p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(x.p, p, (int)n, XML_TRUE);
	if (!x.failed && st != XML_STATUS_OK)
		error_set(&x.err, ERR_PARSE, "malformed S3 reply: %s at line %lu column %lu",
			  XML_ErrorString(XML_GetErrorCode(x.p)), (unsigned long)XML_GetCurrentLineNumber(x.p),
			  (unsigned long)XML_GetCurrentColumnNumber(x.p) + 1);
	XML_ParserFree(x.p);
	buf_release(&x.text);
	if (x.failed || st != XML_STATUS_OK) {
		s3_xml_release(doc);
		if (err)
			*err = x.err;
		return -1;
	}
	if (doc->kind == S3_DOC_LISTING)
		finish_listing(&doc->listing);
	if (doc->kind == S3_DOC_LOCATION && !doc->region)
		doc->region = xstrdup("");
	return 0;
}

static void release_error(struct s3_xml_error *e)
{
	free(e->code);
	free(e->message);
	free(e->key);
	free(e->bucket);
	free(e->resource);
	free(e->request_id);
	free(e->host_id);
	free(e->string_to_sign);
	free(e->canonical_request);
}

static void release_listing(struct s3_listing *l)
{
	for (size_t i = 0; i < l->nobjects; i++) {
		free(l->objects[i].key);
		free(l->objects[i].etag);
		free(l->objects[i].storage_class);
	}
	free(l->objects);
	for (size_t i = 0; i < l->nprefixes; i++)
		free(l->prefixes[i].prefix);
	free(l->prefixes);
	free(l->bucket);
	free(l->prefix);
	free(l->delimiter);
	free(l->start_after);
	free(l->encoding_type);
	free(l->token);
	free(l->next_token);
	free(l->marker);
	free(l->next_marker);
}

void s3_xml_release(struct s3_doc *doc)
{
	if (!doc)
		return;
	release_error(&doc->error);
	release_listing(&doc->listing);
	for (size_t i = 0; i < doc->nbuckets; i++)
		free(doc->buckets[i].name);
	free(doc->buckets);
	for (size_t i = 0; i < doc->nparts; i++)
		free(doc->parts[i].etag);
	free(doc->parts);
	for (size_t i = 0; i < doc->ndeleted; i++) {
		free(doc->deleted[i].key);
		free(doc->deleted[i].code);
		free(doc->deleted[i].message);
	}
	free(doc->deleted);
	free(doc->root);
	free(doc->owner_id);
	free(doc->owner_name);
	free(doc->bucket);
	free(doc->key);
	free(doc->upload_id);
	free(doc->location);
	free(doc->etag);
	free(doc->region);
	memset(doc, 0, sizeof(*doc));
	doc->listing.key_count = -1;
}

/* ---- writing ---- */

int s3_xml_escape(struct buf *out, const char *p, size_t n)
{
	size_t start = out->len;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8_decode(p + i, n - i, &cp);
		int rc = 0;

		if (len < 0 || cp == 0xFFFE || cp == 0xFFFF ||
		    (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')) {
			buf_truncate(out, start);
			return -1;
		}
		switch (cp) {
		case '&': rc = buf_adds(out, "&amp;"); break;
		case '<': rc = buf_adds(out, "&lt;"); break;
		case '>': rc = buf_adds(out, "&gt;"); break;
		case '"': rc = buf_adds(out, "&quot;"); break;
		case '\t': rc = buf_adds(out, "&#9;"); break;
		case '\n': rc = buf_adds(out, "&#10;"); break;
		case '\r': rc = buf_adds(out, "&#13;"); break;
		default: rc = buf_add(out, p + i, (size_t)len);
		}
		if (rc < 0)
			return -1;
		i += (size_t)len;
	}
	return 0;
}

int s3_xml_complete_body(struct buf *out, const struct s3_part *parts, size_t n)
{
	if (buf_adds(out, "<CompleteMultipartUpload xmlns=\"" S3_XMLNS "\">") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *etag = parts[i].etag ? parts[i].etag : "";

		if (buf_addf(out, "<Part><PartNumber>%d</PartNumber><ETag>&quot;", parts[i].number) < 0 ||
		    s3_xml_escape(out, etag, strlen(etag)) < 0 || buf_adds(out, "&quot;</ETag></Part>") < 0)
			return -1;
	}
	return buf_adds(out, "</CompleteMultipartUpload>");
}

int s3_xml_delete_body(struct buf *out, const struct s3_key *keys, size_t n, bool quiet)
{
	size_t start = out->len;

	if (n > 1000)
		return -1;
	if (buf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"" S3_XMLNS
			  "\"><Quiet>%s</Quiet>", quiet ? "true" : "false") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (buf_adds(out, "<Object><Key>") < 0 || s3_xml_escape(out, keys[i].key, keys[i].len) < 0 ||
		    buf_adds(out, "</Key></Object>") < 0) {
			buf_truncate(out, start);
			return -1;
		}
	}
	return buf_adds(out, "</Delete>");
}
