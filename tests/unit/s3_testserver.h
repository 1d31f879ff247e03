/*
 * s3_testserver.h: a small S3 for the s3 suites, on testserver.h.
 *
 * It recomputes every SigV4 signature from what arrived (header and
 * presigned forms; a bad one gets 403 SignatureDoesNotMatch, a body that
 * does not match x-amz-content-sha256 400), keeps objects in memory
 * (buckets "user-alice" and "shared"), pages ListObjectsV2 with
 * encoding-type=url ('+' for spaces, as S3), runs multipart uploads with
 * the real ETag arithmetic, bucket policies, copies, DeleteObjects with
 * Content-MD5 (keys under "locked/" are refused), and injects faults: an
 * error status or a delay for a matching request, a 200 whose body is an
 * <Error> for CompleteMultipartUpload.  State is the global `st`, guarded
 * by st.mu (the server runs in libmicrohttpd's threads).  Header-only,
 * for one test binary at a time.
 */
#ifndef DATALAB_S3_TESTSERVER_H
#define DATALAB_S3_TESTSERVER_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "testserver.h"

#define AKID "AKIDTEST"
#define SECRET "secret/key+test"
#define MAX_OBJ 4096

/* Check's asserts report from the test's own thread only: the server,
 * running in libmicrohttpd's threads, aborts loudly instead. */
#define TS_CHECK(cond)                                                          \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: s3 test server: %s\n", __FILE__, \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

/* ---- the server's store ---- */

struct obj {
	char *bucket, *key;
	struct buf data;
	char etag[48];
};

struct upload {
	char id[24], *bucket, *key;
	struct buf parts[64];
	unsigned char md5[64][16];
	bool have[64], aborted, completed;
};

struct fault {
	const char *method, *match;	/* match: a substring of "path?query" */
	unsigned status;
	const char *code;
	int times;
	int delay_ms;			/* before answering (status 0: answer normally) */
};

static struct {
	pthread_mutex_t mu;
	struct obj objs[MAX_OBJ];
	int nobj;
	struct upload ups[8];
	int nups;
	struct fault faults[8];
	int nfaults;
	bool complete_error;	/* CompleteMultipartUpload: 200 + <Error> */
	bool token_loop;	/* every truncated listing sends the same token */
	int requests, bad_sigs, unsigned_payloads, aborts, parts_received;
	char last_auth[512], last_path[1024], last_query[1024];
	char *policy[4];	/* per bucket index */
	int max_inflight, inflight;
} st = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *const buckets[] = { "user-alice", "shared" };


static void md5(const void *p, size_t n, unsigned char out[16])
{
	unsigned int len = 16;

	EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

static void hex16(const unsigned char d[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static struct obj *find(const char *b, const char *k)
{
	for (int i = 0; i < st.nobj; i++)
		if (!strcmp(st.objs[i].bucket, b) && !strcmp(st.objs[i].key, k))
			return &st.objs[i];
	return NULL;
}

static void put_obj(const char *b, const char *k, const void *p, size_t n, const char *etag)
{
	struct obj *o = find(b, k);
	unsigned char d[16];

	if (!o) {
		TS_CHECK(st.nobj < MAX_OBJ);
		o = &st.objs[st.nobj++];
		o->bucket = xstrdup(b);
		o->key = xstrdup(k);
		buf_init(&o->data, 0);
	}
	buf_reset(&o->data);
	buf_add(&o->data, p, n);
	if (etag) {
		str_copy(o->etag, etag, sizeof(o->etag));
	} else {
		md5(p, n, d);
		hex16(d, o->etag);
	}
}

static void del_obj(const char *b, const char *k)
{
	struct obj *o = find(b, k);

	if (!o)
		return;
	free(o->bucket);
	free(o->key);
	buf_release(&o->data);
	*o = st.objs[--st.nobj];
}

static void store_reset(void)
{
	while (st.nobj)
		del_obj(st.objs[0].bucket, st.objs[0].key);
	for (int i = 0; i < st.nups; i++) {
		free(st.ups[i].bucket);
		free(st.ups[i].key);
		for (int p = 0; p < 64; p++)
			buf_release(&st.ups[i].parts[p]);
	}
	for (int i = 0; i < 4; i++) {
		free(st.policy[i]);
		st.policy[i] = NULL;
	}
	st.nups = st.nfaults = 0;
	st.complete_error = false;
	st.token_loop = false;
	st.requests = st.bad_sigs = st.unsigned_payloads = st.aborts = st.parts_received = 0;
	st.max_inflight = st.inflight = 0;
}

/* ---- request decoding ---- */

struct args {
	struct sigv4_param q[16];
	size_t n;
	struct buf raw;		/* "k=v&k" for fault matching */
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct args *a = cls;

	(void)kind;
	if (a->n < 16)
		a->q[a->n++] = (struct sigv4_param){ k, v };
	buf_addf(&a->raw, "%s%s%s%s", a->raw.len ? "&" : "", k, v ? "=" : "", v ? v : "");
	return MHD_YES;
}

static const char *arg(const struct args *a, const char *k)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->q[i].name, k))
			return a->q[i].value ? a->q[i].value : "";
	return NULL;
}

static const char *hdr(const struct ts_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result reply_error(const struct ts_req *rq, unsigned status, const char *code, const char *msg)
{
	char *body;
	enum MHD_Result r;

	if (!strcmp(rq->method, "HEAD"))
		return ts_reply(rq->conn, status, NULL, "", 0);
	body = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
			 "<Resource>%s</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>", code, msg,
			 rq->path);
	r = ts_reply(rq->conn, status, "application/xml", body, strlen(body));
	free(body);
	return r;
}

/* The request's signature as S3 recomputes it: 0 good, -1 bad, -2 the
 * body does not match x-amz-content-sha256. */
static int check_sig(const struct ts_req *rq, const struct args *a)
{
	const char *auth = hdr(rq, "Authorization"), *date = hdr(rq, "x-amz-date");
	const char *hash = hdr(rq, "x-amz-content-sha256");
	char names[256], scope_date[9], region[32], **list;
	struct sigv4_param h[12];
	struct sigv4_request sr = { 0 };
	struct buf want = BUF_INIT;
	size_t nh = 0, count;
	int rc = -1;

	if (!auth || !date || !hash)
		return -1;
	str_copy(st.last_auth, auth, sizeof(st.last_auth));
	if (sscanf(auth, "AWS4-HMAC-SHA256 Credential=" AKID "/%8[0-9]/%31[^/]/s3/aws4_request, SignedHeaders=%255[^,]",
		   scope_date, region, names) != 3)
		return -1;
	if (strcmp(hash, SIGV4_UNSIGNED) == 0) {
		st.unsigned_payloads++;
	} else {
		char got[65];

		sigv4_sha256_hex(rq->body, rq->body_len, got);
		if (strcmp(got, hash) != 0)
			return -2;
	}
	list = str_split(names, ';', &count);
	for (size_t i = 0; i < count && nh < 12; i++) {
		const char *v = hdr(rq, list[i]);

		if (!v)
			goto out;
		h[nh++] = (struct sigv4_param){ list[i], v };
	}
	sr.method = rq->method;
	sr.path = rq->path;
	sr.query = a->q;
	sr.nquery = a->n;
	sr.headers = h;
	sr.nheaders = nh;
	sr.payload_hash = hash;
	sr.amz_date = date;
	sr.region = region;
	sigv4_authorization(&sr, AKID, SECRET, &want);
	rc = strcmp(want.data, auth) == 0 ? 0 : -1;
out:
	buf_release(&want);
	str_free_list(list);
	return rc;
}

/* A presigned GET, checked by presigning the same request again. */
static int check_presigned(const struct ts_req *rq, const struct args *a)
{
	struct sigv4_param q[16];
	struct sigv4_request sr = { 0 };
	struct buf out = BUF_INIT;
	const char *cred = arg(a, "X-Amz-Credential"), *date = arg(a, "X-Amz-Date"), *exp = arg(a, "X-Amz-Expires");
	const char *sig = arg(a, "X-Amz-Signature"), *got;
	char region[32];
	int64_t t;
	long expires;
	size_t n = 0;
	int rc = -1;

	if (!cred || !date || !exp || !sig || sscanf(cred, AKID "/%*8[0-9]/%31[^/]/s3/aws4_request", region) != 1)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (!str_has_prefix(a->q[i].name, "X-Amz-"))
			q[n++] = a->q[i];
	expires = strtol(exp, NULL, 10);
	if (sigv4_parse_amz_date(date, &t) < 0 || time(NULL) > t + expires)
		return -3;
	sr.method = rq->method;
	sr.path = rq->path;
	sr.query = q;
	sr.nquery = n;
	sr.amz_date = date;
	sr.region = region;
	sigv4_presign(&sr, hdr(rq, "Host"), AKID, SECRET, NULL, expires, &out);
	got = strstr(out.data, "X-Amz-Signature=");
	if (got && strcmp(got + 16, sig) == 0)
		rc = 0;
	buf_release(&out);
	return rc;
}

/* ---- S3 operations ---- */

static int cmp_obj(const void *a, const void *b)
{
	return strcmp(((const struct obj *)a)->key, ((const struct obj *)b)->key);
}

static void url_key(struct buf *b, const char *k)
{
	struct buf e = BUF_INIT;

	str_url_encode(&e, k, strlen(k), false);
	/* as S3 and MinIO do: a space is '+' */
	for (size_t i = 0; i < e.len; i++) {
		if (i + 2 < e.len && !memcmp(e.data + i, "%20", 3)) {
			buf_addc(b, '+');
			i += 2;
		} else {
			buf_addc(b, e.data[i]);
		}
	}
	buf_release(&e);
}

static enum MHD_Result list(const struct ts_req *rq, const char *bucket, const struct args *a)
{
	const char *prefix = arg(a, "prefix") ? arg(a, "prefix") : "", *delim = arg(a, "delimiter");
	const char *token = arg(a, "continuation-token"), *mk = arg(a, "max-keys");
	int max = mk ? (int)strtol(mk, NULL, 10) : 1000, count = 0;
	struct obj *sorted = xcalloc((size_t)st.nobj + 1, sizeof(*sorted));
	int n = 0;
	struct buf b = BUF_INIT, contents = BUF_INIT;
	char last_prefix[1024] = "", last[1100] = "";
	bool truncated = false;
	enum MHD_Result r;
	struct buf after = BUF_INIT;

	/* tokens are "T:" + the hex of the last name sent */
	for (size_t i = 2; token && i + 1 < strlen(token); i += 2) {
		unsigned v;

		sscanf(token + i, "%2x", &v);
		buf_addc(&after, (char)v);
	}
	for (int i = 0; i < st.nobj; i++)
		if (!strcmp(st.objs[i].bucket, bucket) && str_has_prefix(st.objs[i].key, prefix))
			sorted[n++] = st.objs[i];
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_obj);
	for (int i = 0; i < n; i++) {
		const char *k = sorted[i].key, *rest = k + strlen(prefix), *d;

		if (after.len && strcmp(k, after.data) <= 0)
			continue;
		if (delim && *delim && (d = strstr(rest, delim))) {
			size_t plen = (size_t)(d - k) + strlen(delim);

			if (strlen(last_prefix) == plen && !strncmp(last_prefix, k, plen))
				continue;
			if (count == max) {
				truncated = true;
				break;
			}
			snprintf(last_prefix, sizeof(last_prefix), "%.*s", (int)plen, k);
			buf_adds(&contents, "<CommonPrefixes><Prefix>");
			url_key(&contents, last_prefix);
			buf_adds(&contents, "</Prefix></CommonPrefixes>");
			/* the token skips the whole prefix */
			{
				size_t l = strlen(last_prefix);

				memcpy(last, last_prefix, l);
				last[l] = '\xff';	/* after every key under it */
				last[l + 1] = '\0';
			}
			count++;
			continue;
		}
		if (count == max) {
			truncated = true;
			break;
		}
		buf_adds(&contents, "<Contents><Key>");
		url_key(&contents, k);
		buf_addf(&contents, "</Key><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>&quot;%s&quot;"
			 "</ETag><Size>%zu</Size><StorageClass>STANDARD</StorageClass></Contents>",
			 sorted[i].etag, sorted[i].data.len);
		str_copy(last, k, sizeof(last));
		count++;
	}
	buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/"
		 "doc/2006-03-01/\"><Name>%s</Name><Prefix>", bucket);
	url_key(&b, prefix);
	buf_addf(&b, "</Prefix><KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys><EncodingType>url</EncodingType>"
		 "<IsTruncated>%s</IsTruncated>", count, max, truncated ? "true" : "false");
	if (truncated) {
		buf_adds(&b, "<NextContinuationToken>T:");
		if (!st.token_loop)
			str_hex_encode(&b, last, strlen(last));
		buf_adds(&b, "</NextContinuationToken>");
	}
	buf_add(&b, contents.data, contents.len);
	buf_adds(&b, "</ListBucketResult>");
	r = ts_reply(rq->conn, 200, "application/xml", b.data, b.len);
	buf_release(&b);
	buf_release(&contents);
	buf_release(&after);
	free(sorted);
	return r;
}

static enum MHD_Result get_obj(const struct ts_req *rq, struct obj *o)
{
	const char *range = hdr(rq, "Range");
	struct MHD_Response *resp;
	enum MHD_Result r;
	unsigned long long a = 0, z = o->data.len ? o->data.len - 1 : 0;
	unsigned status = 200;

	if (range && sscanf(range, "bytes=%llu-%llu", &a, &z) == 2) {
		if (z >= o->data.len)
			z = o->data.len - 1;
		status = 206;
	}
	resp = MHD_create_response_from_buffer(o->data.len ? (size_t)(z - a + 1) : 0, o->data.data + a,
					       MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "ETag", o->etag);
	MHD_add_response_header(resp, "Content-Type", "text/csv");
	r = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static struct upload *find_upload(const char *id)
{
	for (int i = 0; i < st.nups; i++)
		if (id && !strcmp(st.ups[i].id, id))
			return &st.ups[i];
	return NULL;
}

static enum MHD_Result complete(const struct ts_req *rq, struct upload *u)
{
	struct buf all = BUF_INIT, cat = BUF_INIT;
	unsigned char d[16];
	char hex[33], etag[48], *body;
	const char *p = rq->body;
	int n = 0;
	enum MHD_Result r;

	if (st.complete_error)
		return reply_error(rq, 200, "InternalError", "We encountered an internal error. Please try again.");
	/* the parts the client names, in order, with quoted ETags */
	while ((p = strstr(p, "<PartNumber>"))) {
		int num = (int)strtol(p + 12, NULL, 10);
		char want[33];

		p = strstr(p, "<ETag>&quot;");
		TS_CHECK(p != NULL);
		hex16(u->md5[num], want);
		if (num < 1 || num >= 64 || !u->have[num] || strncmp(p + 12, want, 32) != 0)
			return reply_error(rq, 400, "InvalidPart", "One or more of the specified parts could not be found.");
		TS_CHECK(num == n + 1);
		buf_add(&all, u->parts[num].data, u->parts[num].len);
		buf_add(&cat, u->md5[num], 16);
		n++;
	}
	md5(cat.data, cat.len, d);
	hex16(d, hex);
	snprintf(etag, sizeof(etag), "%s-%d", hex, n);
	put_obj(u->bucket, u->key, all.data, all.len, etag);
	u->completed = true;
	body = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult><Location>x"
			 "</Location><Bucket>%s</Bucket><Key>k</Key><ETag>\"%s\"</ETag></CompleteMultipartUploadResult>",
			 u->bucket, etag);
	r = ts_reply(rq->conn, 200, "application/xml", body, strlen(body));
	free(body);
	buf_release(&all);
	buf_release(&cat);
	return r;
}

static enum MHD_Result delete_objects(const struct ts_req *rq, const char *bucket)
{
	struct buf b = BUF_INIT;
	const char *p = rq->body, *e;
	char want[64];
	unsigned char d[16];
	enum MHD_Result r;

	md5(rq->body, rq->body_len, d);
	{
		struct buf m = BUF_INIT;

		str_base64_encode(&m, d, 16);
		str_copy(want, m.data, sizeof(want));
		buf_release(&m);
	}
	if (!hdr(rq, "Content-MD5") || strcmp(hdr(rq, "Content-MD5"), want) != 0)
		return reply_error(rq, 400, "InvalidRequest", "Missing required header for this request: Content-Md5");
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult>");
	while ((p = strstr(p, "<Key>")) && (e = strstr(p, "</Key>"))) {
		char *k = xstrndup(p + 5, (size_t)(e - p - 5));
		struct buf dec = BUF_INIT;

		/* un-escape the few entities the client writes */
		for (size_t i = 0; k[i]; i++) {
			if (!strncmp(k + i, "&amp;", 5)) { buf_addc(&dec, '&'); i += 4; }
			else if (!strncmp(k + i, "&lt;", 4)) { buf_addc(&dec, '<'); i += 3; }
			else if (!strncmp(k + i, "&gt;", 4)) { buf_addc(&dec, '>'); i += 3; }
			else buf_addc(&dec, k[i]);
		}
		if (str_has_prefix(dec.data, "locked/"))
			buf_addf(&b, "<Error><Key>%s</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", k);
		else
			del_obj(bucket, dec.data);
		buf_release(&dec);
		free(k);
		p = e;
	}
	buf_adds(&b, "</DeleteResult>");
	r = ts_reply(rq->conn, 200, "application/xml", b.data, b.len);
	buf_release(&b);
	return r;
}

static enum MHD_Result s3_handler(const struct ts_req *rq, void *unused)
{
	struct args a = { .n = 0 };
	char bucket[128] = "", *key = NULL;
	const char *path = rq->path + 1;
	enum MHD_Result r;
	int sig, delay = 0;

	(void)unused;
	buf_init(&a.raw, 0);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
	pthread_mutex_lock(&st.mu);
	st.requests++;
	str_copy(st.last_path, rq->path, sizeof(st.last_path));
	str_copy(st.last_query, a.raw.data, sizeof(st.last_query));
	snprintf(bucket, sizeof(bucket), "%.*s", (int)strcspn(path, "/"), path);
	if (path[strcspn(path, "/")] == '/' && path[strcspn(path, "/") + 1])
		key = xstrdup(path + strcspn(path, "/") + 1);
	sig = arg(&a, "X-Amz-Signature") ? check_presigned(rq, &a) : check_sig(rq, &a);
	if (sig == -3) {
		r = reply_error(rq, 403, "AccessDenied", "Request has expired");
		goto out;
	}
	if (sig < 0) {
		st.bad_sigs++;
		r = sig == -2 ? reply_error(rq, 400, "XAmzContentSHA256Mismatch", "The provided hash does not match")
			      : reply_error(rq, 403, "SignatureDoesNotMatch", "The request signature we calculated "
					    "does not match the signature you provided.");
		goto out;
	}
	for (int i = 0; i < st.nfaults; i++) {
		struct fault *f = &st.faults[i];
		char *where = xasprintf("%s?%s", rq->path, a.raw.data);
		bool hit = f->times > 0 && !strcmp(f->method, rq->method) && strstr(where, f->match);

		free(where);
		if (!hit)
			continue;
		f->times--;
		if (f->delay_ms)
			delay = f->delay_ms;
		if (f->status) {
			r = reply_error(rq, f->status, f->code, "injected");
			goto out;
		}
	}
	if (delay) {
		st.inflight++;
		if (st.inflight > st.max_inflight)
			st.max_inflight = st.inflight;
		pthread_mutex_unlock(&st.mu);
		usleep((useconds_t)delay * 1000);
		pthread_mutex_lock(&st.mu);
		st.inflight--;
	}
	if (!bucket[0]) {
		struct buf b = BUF_INIT;

		buf_adds(&b, "<ListAllMyBucketsResult><Owner><ID>x</ID><DisplayName>alice</DisplayName></Owner><Buckets>");
		for (size_t i = 0; i < DL_ARRAY_LEN(buckets); i++)
			buf_addf(&b, "<Bucket><Name>%s</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate>"
				 "</Bucket>", buckets[i]);
		buf_adds(&b, "</Buckets></ListAllMyBucketsResult>");
		r = ts_reply(rq->conn, 200, "application/xml", b.data, b.len);
		buf_release(&b);
		goto out;
	}
	if (strcmp(bucket, "user-alice") && strcmp(bucket, "shared")) {
		r = reply_error(rq, 404, "NoSuchBucket", "The specified bucket does not exist");
		goto out;
	}
	if (!key) {
		int bi = !strcmp(bucket, "shared");

		if (arg(&a, "policy")) {
			if (!strcmp(rq->method, "GET"))
				r = st.policy[bi] ? ts_reply_str(rq->conn, 200, "application/json", st.policy[bi])
						  : reply_error(rq, 404, "NoSuchBucketPolicy", "The bucket policy does not exist");
			else if (!strcmp(rq->method, "PUT")) {
				free(st.policy[bi]);
				st.policy[bi] = xmemdup(rq->body, rq->body_len);
				r = ts_reply(rq->conn, 204, NULL, "", 0);
			} else {
				free(st.policy[bi]);
				st.policy[bi] = NULL;
				r = ts_reply(rq->conn, 204, NULL, "", 0);
			}
		} else if (arg(&a, "delete") && !strcmp(rq->method, "POST")) {
			r = delete_objects(rq, bucket);
		} else {
			r = list(rq, bucket, &a);
		}
		goto out;
	}
	if (!strcmp(rq->method, "POST") && arg(&a, "uploads")) {
		struct upload *u = &st.ups[st.nups++];
		char *body;

		memset(u, 0, sizeof(*u));
		snprintf(u->id, sizeof(u->id), "up%d~x", st.nups);
		u->bucket = xstrdup(bucket);
		u->key = xstrdup(key);
		body = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult><Bucket>%s"
				 "</Bucket><Key>k</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>", bucket, u->id);
		r = ts_reply(rq->conn, 200, "application/xml", body, strlen(body));
		free(body);
	} else if (arg(&a, "uploadId")) {
		struct upload *u = find_upload(arg(&a, "uploadId"));

		if (!u || u->aborted) {
			r = reply_error(rq, 404, "NoSuchUpload", "The specified upload does not exist.");
		} else if (!strcmp(rq->method, "PUT")) {
			int num = (int)strtol(arg(&a, "partNumber") ? arg(&a, "partNumber") : "0", NULL, 10);
			struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			char etag[40];

			TS_CHECK(num >= 1 && num < 64);
			buf_reset(&u->parts[num]);
			buf_add(&u->parts[num], rq->body, rq->body_len);
			md5(rq->body, rq->body_len, u->md5[num]);
			u->have[num] = true;
			st.parts_received++;
			etag[0] = '"';
			hex16(u->md5[num], etag + 1);
			str_copy(etag + 33, "\"", 7);
			MHD_add_response_header(resp, "ETag", etag);
			r = MHD_queue_response(rq->conn, 200, resp);
			MHD_destroy_response(resp);
		} else if (!strcmp(rq->method, "DELETE")) {
			u->aborted = true;
			st.aborts++;
			r = ts_reply(rq->conn, 204, NULL, "", 0);
		} else {
			r = complete(rq, u);
		}
	} else if (!strcmp(rq->method, "PUT") && hdr(rq, "x-amz-copy-source")) {
		char src[1024];
		struct obj *o;
		const char *cs = hdr(rq, "x-amz-copy-source");
		struct buf dec = BUF_INIT;

		str_url_decode(&dec, cs, strlen(cs), false);
		str_copy(src, dec.data, sizeof(src));
		buf_release(&dec);
		o = NULL;
		{
			char *slash = strchr(src + 1, '/');

			if (slash) {
				*slash = '\0';
				o = find(src + 1, slash + 1);
			}
		}
		if (!o) {
			r = reply_error(rq, 404, "NoSuchKey", "The specified key does not exist.");
		} else {
			char *body = xasprintf("<CopyObjectResult><LastModified>2025-01-02T03:04:05.000Z</LastModified>"
					       "<ETag>\"%s\"</ETag></CopyObjectResult>", o->etag);

			put_obj(bucket, key, o->data.data, o->data.len, o->etag);
			r = ts_reply(rq->conn, 200, "application/xml", body, strlen(body));
			free(body);
		}
	} else if (!strcmp(rq->method, "PUT")) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		char etag[40];

		put_obj(bucket, key, rq->body, rq->body_len, NULL);
		snprintf(etag, sizeof(etag), "\"%.36s\"", find(bucket, key)->etag);
		if (strstr(key, "corrupt"))
			snprintf(etag, sizeof(etag), "\"00000000000000000000000000000000\"");
		MHD_add_response_header(resp, "ETag", etag);
		r = MHD_queue_response(rq->conn, 200, resp);
		MHD_destroy_response(resp);
	} else if (!strcmp(rq->method, "DELETE")) {
		del_obj(bucket, key);
		r = ts_reply(rq->conn, 204, NULL, "", 0);
	} else {
		struct obj *o = find(bucket, key);

		if (!o)
			r = reply_error(rq, 404, "NoSuchKey", "The specified key does not exist.");
		else if (!strcmp(rq->method, "HEAD"))
			r = get_obj(rq, o);
		else
			r = get_obj(rq, o);
	}
out:
	pthread_mutex_unlock(&st.mu);
	buf_release(&a.raw);
	free(key);
	return r;
}

/* ---- test helpers ---- */

static DL_UNUSED void add_fault(const char *method, const char *match, unsigned status, const char *code, int times,
		      int delay_ms)
{
	pthread_mutex_lock(&st.mu);
	st.faults[st.nfaults++] = (struct fault){ method, match, status, code, times, delay_ms };
	pthread_mutex_unlock(&st.mu);
}

static DL_UNUSED void seed(const char *bucket, const char *key, const char *data)
{
	pthread_mutex_lock(&st.mu);
	put_obj(bucket, key, data, strlen(data), NULL);
	pthread_mutex_unlock(&st.mu);
}


#endif
