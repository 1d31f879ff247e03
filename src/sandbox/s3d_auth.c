/*
 * s3d_auth.c: SigV4 checks for the sandbox's S3 service (see s3d_auth.h).
 *
 * Header auth: parse "AWS4-HMAC-SHA256 Credential=AK/scope, SignedHeaders=
 * a;b, Signature=hex", check the key id, the clock (15 minutes) and the
 * payload hash token, then recompute the signature with s3/sigv4 over the
 * signed headers' values as received.  Presigned: the X-Amz-* query
 * parameters, the expiry, then the same recomputation with
 * UNSIGNED-PAYLOAD.  Every refusal carries the code, status and wording
 * real S3 uses, so clients print what they print against AWS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_auth.h"

#define MAX_SIGNED_HEADERS 64

const char *s3d_auth_query_param(const struct sigv4_param *q, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (q[i].name && strcmp(q[i].name, name) == 0)
			return q[i].value ? q[i].value : "";
	return NULL;
}

static enum s3d_auth_kind refuse(struct s3d_auth *a, int status, const char *code, const char *fmt, ...)
	DL_PRINTF(4, 5);

static enum s3d_auth_kind refuse(struct s3d_auth *a, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	a->kind = S3D_AUTH_FAILED;
	a->status = status;
	a->code = code;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	return S3D_AUTH_FAILED;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static bool payload_hash_valid(const char *h)
{
	return is_hex64(h) || strcmp(h, SIGV4_UNSIGNED) == 0 || strcmp(h, SIGV4_STREAMING) == 0 ||
	       strcmp(h, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0 ||
	       strcmp(h, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 0;
}

/* A parsed credential: "AK/20130524/us-east-1/s3/aws4_request". */
struct cred {
	char ak[128], date[16], region[64], service[16];
};

static int cred_parse(const char *s, struct cred *c)
{
	size_t count;
	char **parts = str_split(s, '/', &count);
	int rc = -1;

	if (count == 5 && strlen(parts[1]) == 8 && strcmp(parts[4], "aws4_request") == 0 && *parts[0] &&
	    *parts[2]) {
		str_copy(c->ak, parts[0], sizeof(c->ak));
		str_copy(c->date, parts[1], sizeof(c->date));
		str_copy(c->region, parts[2], sizeof(c->region));
		str_copy(c->service, parts[3], sizeof(c->service));
		rc = 0;
	}
	str_free_list(parts);
	return rc;
}

/* rfc1123: a Date header ("Fri, 24 May 2013 00:00:00 GMT") to unix seconds. */
static int rfc1123(const char *s, int64_t *t)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;

	if (!end || *end)
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* verify: recompute the signature of rq/headers and compare it. */
static enum s3d_auth_kind verify(const struct s3d_auth_req *rq, const struct cred *c, const char *signed_list,
				 const char *given, const char *secret, struct s3d_auth *a)
{
	struct sigv4_param hdrs[MAX_SIGNED_HEADERS];
	struct sigv4_request sr = { 0 };
	size_t nh = 0;
	char **names = str_split(signed_list, ';', &nh);
	char sig[65];
	bool has_host = false;

	if (nh > MAX_SIGNED_HEADERS) {
		str_free_list(names);
		return refuse(a, 400, "InvalidRequest", "Too many signed headers.");
	}
	for (size_t i = 0; i < nh; i++) {
		const char *v = rq->header(rq->ctx, names[i]);

		hdrs[i].name = names[i];
		hdrs[i].value = v ? v : "";
		if (str_case_eq(names[i], "host"))
			has_host = true;
	}
	if (!has_host) {
		str_free_list(names);
		return a->kind == S3D_AUTH_PRESIGNED
			       ? refuse(a, 400, "AuthorizationQueryParametersError",
					"X-Amz-SignedHeaders must contain host.")
			       : refuse(a, 400, "AuthorizationHeaderMalformed",
					"The authorization header is malformed; host must be signed.");
	}
	sr.method = rq->method;
	sr.path = rq->path;
	sr.query = rq->query;
	sr.nquery = rq->nquery;
	sr.headers = hdrs;
	sr.nheaders = nh;
	sr.payload_hash = a->payload_hash;
	sr.amz_date = a->amz_date;
	sr.region = c->region;
	sr.service = c->service;
	if (sigv4_signature(&sr, secret, sig) < 0) {
		str_free_list(names);
		return refuse(a, 400, "InvalidRequest", "The request cannot be signed.");
	}
	if (strlen(given) != 64 || CRYPTO_memcmp(sig, given, 64) != 0) {
		char crhash[65];

		sigv4_canonical_request(&sr, &a->canonical);
		sigv4_sha256_hex(a->canonical.data, a->canonical.len, crhash);
		buf_addf(&a->string_to_sign, "%s\n%s\n%s/%s/%s/aws4_request\n%s", SIGV4_ALGORITHM, a->amz_date,
			 c->date, c->region, c->service, crhash);
		str_free_list(names);
		return refuse(a, 403, "SignatureDoesNotMatch",
			      "The request signature we calculated does not match the signature you provided. "
			      "Check your key and signing method.");
	}
	str_free_list(names);
	str_copy(a->signature, sig, sizeof(a->signature));
	snprintf(a->scope, sizeof(a->scope), "%s/%s/%s/aws4_request", c->date, c->region, c->service);
	str_copy(a->region, c->region, sizeof(a->region));
	sigv4_signing_key(secret, c->date, c->region, c->service, a->key);
	return a->kind;
}

/* next_field: "Name=value" up to ',' in *p, spaces skipped. */
static int next_field(const char **p, char *name, size_t nsize, const char **val, size_t *vlen)
{
	const char *s = *p, *eq, *end;

	while (*s == ' ' || *s == ',')
		s++;
	if (!*s)
		return 0;
	eq = strchr(s, '=');
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	if (!eq || eq > end || (size_t)(eq - s) >= nsize)
		return -1;
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	*val = eq + 1;
	*vlen = (size_t)(end - eq - 1);
	while (*vlen && (*val)[*vlen - 1] == ' ')
		(*vlen)--;
	*p = end;
	return 1;
}

static enum s3d_auth_kind check_header(const struct s3d_auth_req *rq, const char *auth, const char *access_key,
				       const char *secret, struct s3d_auth *a)
{
	char *credential = NULL, *signed_list = NULL, *signature = NULL;
	const char *p, *date, *hash;
	struct cred c;
	int64_t t;
	enum s3d_auth_kind k;

	a->kind = S3D_AUTH_HEADER;
	if (!str_has_prefix(auth, SIGV4_ALGORITHM " "))
		return refuse(a, 400, "InvalidArgument",
			      "Unsupported Authorization Type: only AWS4-HMAC-SHA256 (SigV4) is accepted.");
	p = auth + strlen(SIGV4_ALGORITHM) + 1;
	for (;;) {
		char name[32];
		const char *v;
		size_t vl;
		int r = next_field(&p, name, sizeof(name), &v, &vl);

		if (r == 0)
			break;
		if (r < 0)
			goto malformed;
		if (strcmp(name, "Credential") == 0 && !credential)
			credential = xstrndup(v, vl);
		else if (strcmp(name, "SignedHeaders") == 0 && !signed_list)
			signed_list = xstrndup(v, vl);
		else if (strcmp(name, "Signature") == 0 && !signature)
			signature = xstrndup(v, vl);
	}
	if (!credential || !signed_list || !signature || cred_parse(credential, &c) < 0)
		goto malformed;
	if (strcmp(c.service, "s3") != 0) {
		refuse(a, 400, "AuthorizationHeaderMalformed",
		       "The authorization header is malformed; incorrect service \"%s\". This endpoint belongs to \"s3\".",
		       c.service);
		goto out;
	}
	if (strcmp(c.ak, access_key) != 0) {
		refuse(a, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
		goto out;
	}
	date = rq->header(rq->ctx, "x-amz-date");
	if (date) {
		if (sigv4_parse_amz_date(date, &t) < 0) {
			refuse(a, 403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
			goto out;
		}
		str_copy(a->amz_date, date, sizeof(a->amz_date));
	} else if (rfc1123(rq->header(rq->ctx, "date"), &t) == 0) {
		sigv4_amz_date(t, a->amz_date);
	} else {
		refuse(a, 403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
		goto out;
	}
	if (strncmp(c.date, a->amz_date, 8) != 0) {
		refuse(a, 400, "AuthorizationHeaderMalformed",
		       "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.");
		goto out;
	}
	if (t > rq->now + S3D_AUTH_MAX_SKEW || t < rq->now - S3D_AUTH_MAX_SKEW) {
		refuse(a, 403, "RequestTimeTooSkewed",
		       "The difference between the request time and the current time is too large.");
		goto out;
	}
	hash = rq->header(rq->ctx, "x-amz-content-sha256");
	if (!hash) {
		refuse(a, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
		goto out;
	}
	if (!payload_hash_valid(hash)) {
		refuse(a, 400, "InvalidArgument",
		       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
		       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], or a valid sha256 value.");
		goto out;
	}
	str_copy(a->payload_hash, hash, sizeof(a->payload_hash));
	verify(rq, &c, signed_list, signature, secret, a);
	goto out;
malformed:
	refuse(a, 400, "AuthorizationHeaderMalformed",
	       "The authorization header is malformed; the Credential, SignedHeaders and Signature fields are required.");
out:
	k = a->kind;
	free(credential);
	free(signed_list);
	free(signature);
	return k;
}

static enum s3d_auth_kind check_query(const struct s3d_auth_req *rq, const char *access_key, const char *secret,
				      struct s3d_auth *a)
{
	const char *alg = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Algorithm");
	const char *cred = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Credential");
	const char *date = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Date");
	const char *exp = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Expires");
	const char *signed_list = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-SignedHeaders");
	const char *sig = s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Signature");
	const char *hash = rq->header(rq->ctx, "x-amz-content-sha256");
	struct cred c;
	int64_t t, e;

	a->kind = S3D_AUTH_PRESIGNED;
	if (!alg || !cred || !date || !exp || !signed_list || !sig)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
			      "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
	if (strcmp(alg, SIGV4_ALGORITHM) != 0)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
	if (cred_parse(cred, &c) < 0 || strcmp(c.service, "s3") != 0)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
			      "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
	if (sigv4_parse_amz_date(date, &t) < 0)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
	if (str_parse_i64(exp, &e) < 0 || e < 0)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "X-Amz-Expires should be a number");
	if (e > 604800)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "X-Amz-Expires must be less than a week (in seconds) that is 604800");
	if (strcmp(c.ak, access_key) != 0)
		return refuse(a, 403, "InvalidAccessKeyId",
			      "The AWS Access Key Id you provided does not exist in our records.");
	if (rq->now > t + e)
		return refuse(a, 403, "AccessDenied", "Request has expired");
	if (t > rq->now + S3D_AUTH_MAX_SKEW)
		return refuse(a, 403, "AccessDenied", "Request is not valid yet");
	str_copy(a->amz_date, date, sizeof(a->amz_date));
	if (strncmp(c.date, a->amz_date, 8) != 0)
		return refuse(a, 400, "AuthorizationQueryParametersError",
			      "Invalid credential date. Date is not the same as X-Amz-Date.");
	if (hash && !payload_hash_valid(hash))
		return refuse(a, 400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.");
	str_copy(a->payload_hash, hash ? hash : SIGV4_UNSIGNED, sizeof(a->payload_hash));
	return verify(rq, &c, signed_list, sig, secret, a);
}

/* ---- SigV2 (legacy) ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* v2_string_to_sign: VERB \n MD5 \n TYPE \n DATE \n AMZ-HEADERS RESOURCE,
 * the resource being the path as sent plus the sub-resources it names. */
static void v2_string_to_sign(const struct s3d_auth_req *rq, const char *date, struct buf *out)
{
	static const char *sub[] = {
		"acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber",
		"policy", "requestPayment", "response-cache-control", "response-content-disposition",
		"response-content-encoding", "response-content-language", "response-content-type",
		"response-expires", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
		"versioning", "versions", "website",
	};
	static const char *amz[] = { "x-amz-acl", "x-amz-copy-source", "x-amz-date", "x-amz-metadata-directive",
				     "x-amz-security-token", "x-amz-storage-class", "x-amz-server-side-encryption" };
	const char *md5 = rq->header(rq->ctx, "content-md5"), *type = rq->header(rq->ctx, "content-type");
	char *qs[DL_ARRAY_LEN(sub)];
	size_t nq = 0;

	buf_addf(out, "%s\n%s\n%s\n%s\n", rq->method, md5 ? md5 : "", type ? type : "",
		 rq->header(rq->ctx, "x-amz-date") ? "" : date);
	for (size_t i = 0; i < DL_ARRAY_LEN(amz); i++) {
		const char *v = rq->header(rq->ctx, amz[i]);

		if (v)
			buf_addf(out, "%s:%s\n", amz[i], v);
	}
	buf_adds(out, rq->raw_path ? rq->raw_path : rq->path);
	for (size_t i = 0; i < DL_ARRAY_LEN(sub); i++) {
		const char *v = s3d_auth_query_param(rq->query, rq->nquery, sub[i]);

		if (v)
			qs[nq++] = *v ? xasprintf("%s=%s", sub[i], v) : xstrdup(sub[i]);
	}
	qsort(qs, nq, sizeof(*qs), cmp_str);
	for (size_t i = 0; i < nq; i++) {
		buf_addf(out, "%c%s", i ? '&' : '?', qs[i]);
		free(qs[i]);
	}
}

static enum s3d_auth_kind check_v2(const struct s3d_auth_req *rq, const char *ak, const char *given,
				   const char *date, const char *access_key, const char *secret, struct s3d_auth *a)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf sig;
	bool ok;

	a->kind = S3D_AUTH_V2;
	if (strcmp(ak, access_key) != 0)
		return refuse(a, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
	v2_string_to_sign(rq, date, &a->string_to_sign);
	HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)a->string_to_sign.data,
	     a->string_to_sign.len, md, &mdlen);
	buf_init(&sig, 0);
	str_base64_encode(&sig, md, mdlen);
	ok = strlen(given) == sig.len && CRYPTO_memcmp(given, sig.data, sig.len) == 0;
	buf_release(&sig);
	if (!ok)
		return refuse(a, 403, "SignatureDoesNotMatch",
			      "The request signature we calculated does not match the signature you provided. "
			      "Check your key and signing method.");
	buf_reset(&a->string_to_sign);
	str_copy(a->payload_hash, SIGV4_UNSIGNED, sizeof(a->payload_hash));
	return S3D_AUTH_V2;
}

static enum s3d_auth_kind check_v2_header(const struct s3d_auth_req *rq, const char *auth, const char *access_key,
					  const char *secret, struct s3d_auth *a)
{
	const char *colon = strrchr(auth, ':');
	const char *date = rq->header(rq->ctx, "x-amz-date");
	char *ak;
	int64_t t;
	enum s3d_auth_kind k;

	a->kind = S3D_AUTH_V2;
	if (!colon || colon < auth + 4)
		return refuse(a, 400, "InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
	if (!date)
		date = rq->header(rq->ctx, "date");
	if (!date || (rfc1123(date, &t) < 0 && sigv4_parse_amz_date(date, &t) < 0))
		return refuse(a, 403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
	if (t > rq->now + S3D_AUTH_MAX_SKEW || t < rq->now - S3D_AUTH_MAX_SKEW)
		return refuse(a, 403, "RequestTimeTooSkewed",
			      "The difference between the request time and the current time is too large.");
	ak = xstrndup(auth + 4, (size_t)(colon - auth - 4));
	k = check_v2(rq, str_trim(ak), colon + 1, rq->header(rq->ctx, "date") ? rq->header(rq->ctx, "date") : "",
		     access_key, secret, a);
	free(ak);
	return k;
}

static enum s3d_auth_kind check_v2_query(const struct s3d_auth_req *rq, const char *access_key, const char *secret,
					 struct s3d_auth *a)
{
	const char *ak = s3d_auth_query_param(rq->query, rq->nquery, "AWSAccessKeyId");
	const char *sig = s3d_auth_query_param(rq->query, rq->nquery, "Signature");
	const char *exp = s3d_auth_query_param(rq->query, rq->nquery, "Expires");
	int64_t e;

	a->kind = S3D_AUTH_V2;
	if (!ak || !sig || !exp || str_parse_i64(exp, &e) < 0)
		return refuse(a, 403, "AccessDenied",
			      "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
	if (rq->now > e)
		return refuse(a, 403, "AccessDenied", "Request has expired");
	return check_v2(rq, ak, sig, exp, access_key, secret, a);
}

enum s3d_auth_kind s3d_auth_check(const struct s3d_auth_req *rq, const char *access_key, const char *secret,
				  struct s3d_auth *out)
{
	const char *auth = rq->header(rq->ctx, "authorization");

	memset(out, 0, sizeof(*out));
	buf_init(&out->string_to_sign, 0);
	buf_init(&out->canonical, 0);
	if (auth && str_has_prefix(auth, "AWS "))
		return check_v2_header(rq, auth, access_key, secret, out);
	if (auth && *auth)
		return check_header(rq, auth, access_key, secret, out);
	if (s3d_auth_query_param(rq->query, rq->nquery, "AWSAccessKeyId") &&
	    s3d_auth_query_param(rq->query, rq->nquery, "Signature"))
		return check_v2_query(rq, access_key, secret, out);
	if (s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Signature") ||
	    s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Credential") ||
	    s3d_auth_query_param(rq->query, rq->nquery, "X-Amz-Algorithm"))
		return check_query(rq, access_key, secret, out);
	out->kind = S3D_AUTH_ANONYMOUS;
	return S3D_AUTH_ANONYMOUS;
}

void s3d_auth_release(struct s3d_auth *a)
{
	buf_release(&a->string_to_sign);
	buf_release(&a->canonical);
	OPENSSL_cleanse(a->key, sizeof(a->key));
}
