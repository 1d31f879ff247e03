/*
 * s3d_bucket.c: service and bucket operations of the S3 service:
 * ListBuckets, Create/Head/DeleteBucket, GetBucketLocation, ListObjects v1
 * and v2, Get/Put/DeleteBucketPolicy, ListMultipartUploads, DeleteObjects,
 * and the sub-resources clients probe (acl, versioning, cors...) answered
 * as an unconfigured AWS bucket answers them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_policy.h"
#include "datalab/sandbox/s3d_upload.h"
#include "datalab/sandbox/s3d_xml.h"
#include "s3d_internal.h"

#define OWNER_ID "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"

static void owner(struct buf *b, struct s3d_req *r, const char *tag)
{
	s3d_xml_open(b, tag);
	s3d_xml_elem(b, "ID", OWNER_ID);
	s3d_xml_elem(b, "DisplayName", r->s->user);
	s3d_xml_close(b, tag);
}

enum MHD_Result s3d_bucket_list_all(struct s3d_req *r)
{
	struct s3d_bucket_info *v;
	size_t n;
	struct buf b;

	if (s3d_store_bucket_list(r->s->st, &v, &n) < 0)
		return s3d_reply_error(r, 500, "InternalError", "cannot read the data folder");
	buf_init(&b, 0);
	s3d_xml_begin(&b, "ListAllMyBucketsResult");
	owner(&b, r, "Owner");
	s3d_xml_open(&b, "Buckets");
	for (size_t i = 0; i < n; i++) {
		char t[32];

		s3d_xml_time(v[i].created_ms, t);
		s3d_xml_open(&b, "Bucket");
		s3d_xml_elem(&b, "Name", v[i].name);
		s3d_xml_elem(&b, "CreationDate", t);
		s3d_xml_close(&b, "Bucket");
	}
	s3d_xml_close(&b, "Buckets");
	s3d_xml_close(&b, "ListAllMyBucketsResult");
	s3d_store_bucket_list_free(v, n);
	return s3d_reply_xml(r, 200, &b);
}

static enum MHD_Result no_bucket(struct s3d_req *r)
{
	return s3d_reply_error(r, 404, "NoSuchBucket", "The specified bucket does not exist");
}

static enum MHD_Result denied(struct s3d_req *r)
{
	return s3d_reply_error(r, 403, "AccessDenied", "Access Denied");
}

/* ---- listing ---- */

static void add_key(struct buf *b, const char *name, const char *v, bool url)
{
	if (!url) {
		s3d_xml_elem(b, name, v);
	} else {
		struct buf e;

		buf_init(&e, 0);
		str_url_encode(&e, v, strlen(v), true);
		s3d_xml_elem(b, name, e.data);
		buf_release(&e);
	}
}

static enum MHD_Result list_objects(struct s3d_req *r, bool v2)
{
	const char *prefix = s3d_req_query(r, "prefix");
	const char *delim = s3d_req_query(r, "delimiter");
	const char *maxs = s3d_req_query(r, "max-keys");
	const char *enc = s3d_req_query(r, "encoding-type");
	const char *token = v2 ? s3d_req_query(r, "continuation-token") : NULL;
	const char *start_after = v2 ? s3d_req_query(r, "start-after") : s3d_req_query(r, "marker");
	const char *fetch_owner = s3d_req_query(r, "fetch-owner");
	struct s3d_list_opts o = { 0 };
	struct s3d_list_result res;
	struct error err;
	struct buf b, tok;
	bool url = false;
	int64_t max = 1000;
	size_t count = 0;
	enum MHD_Result ret;

	if (enc) {
		if (strcmp(enc, "url") != 0)
			return s3d_reply_error(r, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
		url = true;
	}
	if (maxs && (str_parse_i64(maxs, &max) < 0 || max < 0))
		return s3d_reply_error(r, 400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
	if (max > 1000)
		max = 1000;
	buf_init(&tok, 0);
	if (token) {
		if (!*token || str_base64_decode(&tok, token, strlen(token)) < 0 || !str_has_prefix(tok.data, "s3d:")) {
			buf_release(&tok);
			return s3d_reply_error(r, 400, "InvalidArgument", "The continuation token provided is incorrect");
		}
	}
	o.prefix = prefix;
	o.delimiter = delim;
	o.after = token ? tok.data + 4 : start_after;
	if (token && start_after && strcmp(start_after, tok.data + 4) > 0)
		o.after = start_after;
	o.max_keys = (size_t)max;
	if (s3d_list_page(r->s->lister, r->bucket, &o, &res, &err) < 0) {
		buf_release(&tok);
		if (err.code == ERR_NOT_FOUND)
			return no_bucket(r);
		return s3d_reply_error(r, 500, "InternalError", err.msg);
	}
	buf_init(&b, 0);
	s3d_xml_begin(&b, "ListBucketResult");
	s3d_xml_elem(&b, "Name", r->bucket);
	add_key(&b, "Prefix", prefix ? prefix : "", url);
	if (!v2)
		add_key(&b, "Marker", start_after ? start_after : "", url);
	if (delim && *delim)
		add_key(&b, "Delimiter", delim, url);
	s3d_xml_elemf(&b, "MaxKeys", "%lld", (long long)max);
	if (url)
		s3d_xml_elem(&b, "EncodingType", "url");
	if (v2)
		s3d_xml_elemf(&b, "KeyCount", "%zu", res.n);
	s3d_xml_elem(&b, "IsTruncated", res.truncated ? "true" : "false");
	if (v2) {
		if (token)
			s3d_xml_elem(&b, "ContinuationToken", token);
		if (res.truncated && res.n) {
			struct buf raw, t;

			buf_init(&raw, 0);
			buf_init(&t, 0);
			buf_addf(&raw, "s3d:%s", res.items[res.n - 1].key);
			str_base64_encode(&t, raw.data, raw.len);
			s3d_xml_elem(&b, "NextContinuationToken", t.data);
			buf_release(&raw);
			buf_release(&t);
		}
		if (start_after)
			add_key(&b, "StartAfter", start_after, url);
	} else if (res.truncated && res.n && delim && *delim) {
		add_key(&b, "NextMarker", res.items[res.n - 1].key, url);
	}
	for (size_t i = 0; i < res.n; i++) {
		char t[32];

		if (res.items[i].is_prefix)
			continue;
		count++;
		s3d_xml_time(res.items[i].mtime_ms, t);
		s3d_xml_open(&b, "Contents");
		add_key(&b, "Key", res.items[i].key, url);
		s3d_xml_elem(&b, "LastModified", t);
		s3d_xml_elemf(&b, "ETag", "\"%s\"", res.items[i].etag);
		s3d_xml_elemf(&b, "Size", "%llu", (unsigned long long)res.items[i].size);
		if (!v2 || (fetch_owner && strcmp(fetch_owner, "true") == 0))
			owner(&b, r, "Owner");
		s3d_xml_elem(&b, "StorageClass", "STANDARD");
		s3d_xml_close(&b, "Contents");
	}
	for (size_t i = 0; i < res.n; i++) {
		if (!res.items[i].is_prefix)
			continue;
		s3d_xml_open(&b, "CommonPrefixes");
		add_key(&b, "Prefix", res.items[i].key, url);
		s3d_xml_close(&b, "CommonPrefixes");
	}
	s3d_xml_close(&b, "ListBucketResult");
	(void)count;
	s3d_list_result_release(&res);
	buf_release(&tok);
	ret = s3d_reply_xml(r, 200, &b);
	return ret;
}

/* ---- policies ---- */

static enum MHD_Result policy_put_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct s3d_policy *p;
	struct error err;

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	p = s3d_policy_parse(r->mem.data, r->mem.len, r->bucket, &err);
	if (!p)
		return s3d_reply_error(r, 400, "MalformedPolicy", err.msg);
	s3d_policy_free(p);
	if (s3d_store_policy_put(r->s->st, r->bucket, r->mem.data, r->mem.len, &err) < 0)
		return err.code == ERR_NOT_FOUND ? no_bucket(r) : s3d_reply_error(r, 500, "InternalError", err.msg);
	return s3d_reply_empty(r, 204);
}

static enum MHD_Result policy_get(struct s3d_req *r)
{
	struct buf b;
	struct MHD_Response *resp;
	size_t n;
	char *data;

	buf_init(&b, S3D_POLICY_MAX * 2);
	if (s3d_store_policy_get(r->s->st, r->bucket, &b, NULL) < 0) {
		buf_release(&b);
		return s3d_reply_error(r, 404, "NoSuchBucketPolicy", "The bucket policy does not exist");
	}
	data = buf_take(&b, &n);
	resp = MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return s3d_reply(r, 200, resp);
}

/* ---- bucket creation (its body may name a location) ---- */

static enum MHD_Result create_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct error err;
	struct MHD_Response *resp;
	char *loc;

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	if (r->mem.len) {
		struct s3d_xml_node *nodes;
		size_t n;

		if (s3d_xml_parse(r->mem.data, r->mem.len, &nodes, &n, &err) < 0)
			return s3d_reply_error(r, 400, "MalformedXML",
					       "The XML you provided was not well-formed or did not validate against our published schema.");
		s3d_xml_nodes_free(nodes, n);
	}
	if (s3d_store_bucket_create(r->s->st, r->bucket, &err) < 0) {
		if (err.code == ERR_CONFLICT)
			return s3d_reply_error(r, 409, "BucketAlreadyOwnedByYou", err.msg);
		return s3d_reply_error(r, 500, "InternalError", err.msg);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	loc = xasprintf("/%s", r->bucket);
	MHD_add_response_header(resp, "Location", loc);
	free(loc);
	return s3d_reply(r, 200, resp);
}

/* ---- DeleteObjects ---- */

static enum MHD_Result delete_objects_finish(struct s3d_req *r)
{
	struct s3d_meta m = { 0 };
	struct s3d_xml_node *nodes;
	size_t n, count = 0;
	struct error err;
	struct buf b;
	bool quiet = false;
	const char *key = NULL;

	if (!s3d_req_body_done(r, &m))
		return MHD_YES;
	if (s3d_xml_parse(r->mem.data, r->mem.len, &nodes, &n, &err) < 0 || strcmp(nodes[n - 1].path, "/Delete") != 0) {
		if (n && nodes)
			s3d_xml_nodes_free(nodes, n);
		return s3d_reply_error(r, 400, "MalformedXML",
				       "The XML you provided was not well-formed or did not validate against our published schema.");
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].path, "/Delete/Object") == 0)
			count++;
	if (count == 0 || count > 1000) {
		s3d_xml_nodes_free(nodes, n);
		return s3d_reply_error(r, 400, "MalformedXML",
				       "The XML you provided was not well-formed or did not validate against our published schema.");
	}
	buf_init(&b, 0);
	s3d_xml_begin(&b, "DeleteResult");
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].path, "/Delete/Quiet") == 0)
			quiet = str_case_eq(nodes[i].text, "true");
	for (size_t i = 0; i < n; i++) {
		const char *code;

		if (strcmp(nodes[i].path, "/Delete/Object/Key") == 0) {
			key = nodes[i].text;
			continue;
		}
		if (strcmp(nodes[i].path, "/Delete/Object") != 0)
			continue;
		if (!key || s3d_key_check(key, strlen(key), &code, &err) < 0 ||
		    s3d_store_object_delete(r->s->st, r->bucket, key, &err) < 0) {
			s3d_xml_open(&b, "Error");
			s3d_xml_elem(&b, "Key", key ? key : "");
			s3d_xml_elem(&b, "Code", key ? "InvalidArgument" : "MalformedXML");
			s3d_xml_elem(&b, "Message", key ? err.msg : "an Object has no Key");
			s3d_xml_close(&b, "Error");
		} else if (!quiet) {
			s3d_xml_open(&b, "Deleted");
			s3d_xml_elem(&b, "Key", key);
			s3d_xml_close(&b, "Deleted");
		}
		key = NULL;
	}
	s3d_xml_close(&b, "DeleteResult");
	s3d_xml_nodes_free(nodes, n);
	return s3d_reply_xml(r, 200, &b);
}

/* ---- multipart uploads of a bucket ---- */

static enum MHD_Result list_uploads(struct s3d_req *r)
{
	const char *prefix = s3d_req_query(r, "prefix");
	struct s3d_upload_info *u;
	size_t n;
	struct buf b;

	s3d_upload_list(r->s->st, r->bucket, &u, &n);
	buf_init(&b, 0);
	s3d_xml_begin(&b, "ListMultipartUploadsResult");
	s3d_xml_elem(&b, "Bucket", r->bucket);
	s3d_xml_elem(&b, "KeyMarker", "");
	s3d_xml_elem(&b, "UploadIdMarker", "");
	s3d_xml_elem(&b, "NextKeyMarker", "");
	s3d_xml_elem(&b, "NextUploadIdMarker", "");
	if (prefix)
		s3d_xml_elem(&b, "Prefix", prefix);
	s3d_xml_elem(&b, "MaxUploads", "1000");
	s3d_xml_elem(&b, "IsTruncated", "false");
	for (size_t i = 0; i < n && i < 1000; i++) {
		char t[32];

		if (prefix && !str_has_prefix(u[i].key, prefix))
			continue;
		s3d_xml_time(u[i].initiated_ms, t);
		s3d_xml_open(&b, "Upload");
		s3d_xml_elem(&b, "Key", u[i].key);
		s3d_xml_elem(&b, "UploadId", u[i].id);
		owner(&b, r, "Initiator");
		owner(&b, r, "Owner");
		s3d_xml_elem(&b, "StorageClass", "STANDARD");
		s3d_xml_elem(&b, "Initiated", t);
		s3d_xml_close(&b, "Upload");
	}
	s3d_xml_close(&b, "ListMultipartUploadsResult");
	s3d_upload_list_free(u, n);
	return s3d_reply_xml(r, 200, &b);
}

static enum MHD_Result acl(struct s3d_req *r)
{
	struct buf b;

	buf_init(&b, 0);
	s3d_xml_begin(&b, "AccessControlPolicy");
	owner(&b, r, "Owner");
	s3d_xml_open(&b, "AccessControlList");
	buf_adds(&b, "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">");
	s3d_xml_elem(&b, "ID", OWNER_ID);
	s3d_xml_elem(&b, "DisplayName", r->s->user);
	buf_adds(&b, "</Grantee><Permission>FULL_CONTROL</Permission></Grant>");
	s3d_xml_close(&b, "AccessControlList");
	s3d_xml_close(&b, "AccessControlPolicy");
	return s3d_reply_xml(r, 200, &b);
}

enum MHD_Result s3d_acl_reply(struct s3d_req *r)
{
	return acl(r);
}

static enum MHD_Result bucket_get(struct s3d_req *r)
{
	static const struct {
		const char *sub, *code, *msg;
	} unset[] = {
		{ "cors", "NoSuchCORSConfiguration", "The CORS configuration does not exist" },
		{ "lifecycle", "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist" },
		{ "tagging", "NoSuchTagSet", "The TagSet does not exist" },
		{ "website", "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration" },
		{ "encryption", "ServerSideEncryptionConfigurationNotFoundError",
		  "The server side encryption configuration was not found" },
		{ "object-lock", "ObjectLockConfigurationNotFoundError",
		  "Object Lock configuration does not exist for this bucket" },
		{ "replication", "ReplicationConfigurationNotFoundError", "The replication configuration was not found" },
		{ "publicAccessBlock", "NoSuchPublicAccessBlockConfiguration",
		  "The public access block configuration was not found" },
		{ "ownershipControls", "OwnershipControlsNotFoundError", "The bucket ownership controls were not found" },
	};
	struct buf b;

	if (s3d_req_query(r, "location")) {
		buf_init(&b, 0);
		buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" S3D_XMLNS "\">");
		s3d_xml_escape(&b, r->s->region);
		buf_adds(&b, "</LocationConstraint>");
		return s3d_reply_xml(r, 200, &b);
	}
	if (s3d_req_query(r, "policy"))
		return policy_get(r);
	if (s3d_req_query(r, "uploads"))
		return list_uploads(r);
	if (s3d_req_query(r, "acl"))
		return acl(r);
	if (s3d_req_query(r, "versioning")) {
		buf_init(&b, 0);
		s3d_xml_begin(&b, "VersioningConfiguration");
		s3d_xml_close(&b, "VersioningConfiguration");
		return s3d_reply_xml(r, 200, &b);
	}
	if (s3d_req_query(r, "requestPayment")) {
		buf_init(&b, 0);
		s3d_xml_begin(&b, "RequestPaymentConfiguration");
		s3d_xml_elem(&b, "Payer", "BucketOwner");
		s3d_xml_close(&b, "RequestPaymentConfiguration");
		return s3d_reply_xml(r, 200, &b);
	}
	if (s3d_req_query(r, "logging")) {
		buf_init(&b, 0);
		s3d_xml_begin(&b, "BucketLoggingStatus");
		s3d_xml_close(&b, "BucketLoggingStatus");
		return s3d_reply_xml(r, 200, &b);
	}
	for (size_t i = 0; i < DL_ARRAY_LEN(unset); i++)
		if (s3d_req_query(r, unset[i].sub))
			return s3d_reply_error(r, 404, unset[i].code, unset[i].msg);
	if (s3d_req_query(r, "notification") || s3d_req_query(r, "accelerate") || s3d_req_query(r, "analytics") ||
	    s3d_req_query(r, "metrics") || s3d_req_query(r, "inventory") || s3d_req_query(r, "intelligent-tiering") ||
	    s3d_req_query(r, "versions") || s3d_req_query(r, "policyStatus"))
		return s3d_reply_error(r, 501, "NotImplemented",
				       "A header you provided implies functionality that is not implemented");
	{
		const char *lt = s3d_req_query(r, "list-type");

		if (lt && strcmp(lt, "2") != 0)
			return s3d_reply_error(r, 400, "InvalidArgument", "Invalid List Type specified in Request");
		return list_objects(r, lt != NULL);
	}
}

enum MHD_Result s3d_bucket_route(struct s3d_req *r)
{
	const char *m = r->method;
	bool exists;
	char *arn;
	const char *action;
	const char *prefix = NULL;

	if (strcmp(m, "PUT") == 0 && !r->nq) {
		if (r->anonymous)
			return denied(r);
		if (!s3d_key_bucket_valid(r->bucket))
			return s3d_reply_error(r, 400, "InvalidBucketName", "The specified bucket is not valid.");
		return s3d_req_expect_body(r, S3D_BODY_MEM, 64u << 10, create_finish);
	}
	exists = s3d_key_bucket_valid(r->bucket) && s3d_store_bucket_exists(r->s->st, r->bucket);
	if (!exists)
		return no_bucket(r);
	/* what an anonymous caller would need */
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
		action = s3d_req_query(r, "location") ? "s3:GetBucketLocation"
			 : s3d_req_query(r, "policy") ? "s3:GetBucketPolicy"
			 : s3d_req_query(r, "uploads") ? "s3:ListBucketMultipartUploads"
			 : s3d_req_query(r, "acl") ? "s3:GetBucketAcl" : "s3:ListBucket";
		if (strcmp(action, "s3:ListBucket") == 0)
			prefix = s3d_req_query(r, "prefix");
	} else if (strcmp(m, "POST") == 0 && s3d_req_query(r, "delete")) {
		action = "s3:DeleteObject";
	} else {
		action = "s3:PutBucketPolicy";	/* administrative: never anonymous in practice */
	}
	arn = xasprintf("arn:aws:s3:::%s", r->bucket);
	if (r->anonymous && !s3d_req_anonymous_allowed(r, r->bucket, action, arn, prefix)) {
		free(arn);
		return denied(r);
	}
	free(arn);
	if (strcmp(m, "HEAD") == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

		MHD_add_response_header(resp, "x-amz-bucket-region", r->s->region);
		return s3d_reply(r, 200, resp);
	}
	if (strcmp(m, "GET") == 0)
		return bucket_get(r);
	if (strcmp(m, "PUT") == 0) {
		if (s3d_req_query(r, "policy"))
			return s3d_req_expect_body(r, S3D_BODY_MEM, S3D_POLICY_MAX, policy_put_finish);
		if (s3d_req_query(r, "acl") || s3d_req_query(r, "cors") || s3d_req_query(r, "tagging") ||
		    s3d_req_query(r, "versioning"))
			return s3d_req_expect_body(r, S3D_BODY_MEM, 64u << 10, s3d_req_body_accept);
		return s3d_reply_error(r, 501, "NotImplemented",
				       "A header you provided implies functionality that is not implemented");
	}
	if (strcmp(m, "DELETE") == 0) {
		struct error err;

		if (s3d_req_query(r, "policy")) {
			if (s3d_store_policy_delete(r->s->st, r->bucket, &err) < 0)
				return s3d_reply_error(r, 500, "InternalError", err.msg);
			return s3d_reply_empty(r, 204);
		}
		if (s3d_req_query(r, "cors") || s3d_req_query(r, "lifecycle") || s3d_req_query(r, "tagging"))
			return s3d_reply_empty(r, 204);
		if (r->nq)
			return s3d_reply_error(r, 501, "NotImplemented",
					       "A header you provided implies functionality that is not implemented");
		if (s3d_store_bucket_delete(r->s->st, r->bucket, &err) < 0) {
			if (err.code == ERR_CONFLICT)
				return s3d_reply_error(r, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
			if (err.code == ERR_NOT_FOUND)
				return no_bucket(r);
			return s3d_reply_error(r, 500, "InternalError", err.msg);
		}
		return s3d_reply_empty(r, 204);
	}
	if (strcmp(m, "POST") == 0 && s3d_req_query(r, "delete"))
		return s3d_req_expect_body(r, S3D_BODY_MEM, S3D_XML_MAX, delete_objects_finish);
	return s3d_reply_error(r, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
