/*
 * test_s3_client.c: s3/client against a small S3 written here on
 * testserver.h: it recomputes every SigV4 signature from what arrived
 * (401-free: a bad one gets 403 SignatureDoesNotMatch, as S3), keeps
 * objects in memory, pages listings, runs multipart uploads with the real
 * ETag arithmetic, and injects faults (an error status for a matching
 * request, a 200 whose body is an <Error>, slow replies) so each failure
 * path of the client is walked.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/client.h"
#include "datalab/s3/sigv4.h"
#include "testserver.h"
#include "testutil.h"

#define AKID "AKIDTEST"
#define SECRET "secret/key+test"
#define MAX_OBJ 4096

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
	int requests, bad_sigs, unsigned_payloads, aborts, parts_received;
	char last_auth[512], last_path[1024], last_query[1024];
	char *policy[4];	/* per bucket index */
	int max_inflight, inflight;
} st = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *const buckets[] = { "user-alice", "shared" };

static struct ts server;
static struct loop *loop;
static struct http *http;
static char tmpdir[64];

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
		ck_assert_int_lt(st.nobj, MAX_OBJ);
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
		ck_assert_ptr_nonnull(p);
		hex16(u->md5[num], want);
		if (num < 1 || num >= 64 || !u->have[num] || strncmp(p + 12, want, 32) != 0)
			return reply_error(rq, 400, "InvalidPart", "One or more of the specified parts could not be found.");
		ck_assert_int_eq(num, n + 1);
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

			ck_assert(num >= 1 && num < 64);
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

/* ---- client side ---- */

struct result {
	int done;
	struct error err;
	long status;
	char *code, *path, *etag;
	struct buf body;
	struct s3_doc_copy {
		size_t nobjects, nprefixes, nbuckets;
		bool truncated;
		char *next_token;
		char *first_key;
	} doc;
	char header[128];
	uint64_t progress_calls, last_done, last_total, count, failed;
	int cancel_at_progress;
	struct s3_call *call;
};

static void on_progress(struct s3_call *c, uint64_t done, uint64_t total, void *arg)
{
	struct result *res = arg;

	ck_assert_uint_ge(done, res->last_done);
	res->progress_calls++;
	res->last_done = done;
	res->last_total = total;
	if (res->cancel_at_progress && res->progress_calls >= (uint64_t)res->cancel_at_progress) {
		s3_cancel(c);
		res->done = 2;
	}
}

static void on_done(struct s3_call *c, const struct error *err, void *arg)
{
	struct result *res = arg;
	const struct s3_doc *d = s3_call_doc(c);
	const char *h = s3_call_header(c, "ETag");

	ck_assert_int_eq(res->done, 0);
	res->done = 1;
	res->err = *err;
	res->status = s3_call_status(c);
	res->code = s3_call_code(c) ? xstrdup(s3_call_code(c)) : NULL;
	res->path = s3_call_path(c) ? xstrdup(s3_call_path(c)) : NULL;
	res->etag = s3_call_etag(c) ? xstrdup(s3_call_etag(c)) : NULL;
	buf_init(&res->body, 0);
	buf_add(&res->body, s3_call_body(c)->data, s3_call_body(c)->len);
	res->doc.nobjects = d->listing.nobjects;
	res->doc.nprefixes = d->listing.nprefixes;
	res->doc.nbuckets = d->nbuckets;
	res->doc.truncated = d->listing.truncated;
	res->doc.next_token = d->listing.next_token ? xstrdup(d->listing.next_token) : NULL;
	res->doc.first_key = d->listing.nobjects ? xstrdup(d->listing.objects[0].key) : NULL;
	snprintf(res->header, sizeof(res->header), "%s", h ? h : "");
	res->count = s3_call_count(c, &res->failed);
	s3_cancel(c);	/* inside fn: harmless */
}

static void result_release(struct result *res)
{
	free(res->code);
	free(res->path);
	free(res->etag);
	free(res->doc.next_token);
	free(res->doc.first_key);
	buf_release(&res->body);
	memset(res, 0, sizeof(*res));
}

static struct s3 *client(const char *akid, const char *secret)
{
	struct s3_config cfg;
	struct s3 *s;
	char *ep = xasprintf("http://127.0.0.1:%d", server.port);
	const char *env[] = { NULL };
	struct error err;

	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = akid ? xstrdup(akid) : NULL;
	cfg.secret_key = secret ? xstrdup(secret) : NULL;
	ck_assert_int_eq(s3_config_apply_env(&cfg, env, &err), 0);
	ck_assert_int_eq(s3_config_finish(&cfg, &err), 0);
	s = s3_new(loop, http, &cfg);
	s3_config_release(&cfg);
	return s;
}

static void wait_done(struct result *res)
{
	ck_assert_msg(ts_wait(loop, &res->done, 10000), "no answer in 10 s");
}

static void setup(void)
{
	ck_assert_int_eq(ts_start(&server, s3_handler, NULL), 0);
	loop = loop_new();
	http = http_new(loop);
	str_copy(tmpdir, "/tmp/dl-s3c.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	http_free(http);
	loop_free(loop);
	ts_stop(&server);
	pthread_mutex_lock(&st.mu);
	store_reset();
	pthread_mutex_unlock(&st.mu);
	file_remove_tree(tmpdir, NULL);
}

static void add_fault(const char *method, const char *match, unsigned status, const char *code, int times,
		      int delay_ms)
{
	pthread_mutex_lock(&st.mu);
	st.faults[st.nfaults++] = (struct fault){ method, match, status, code, times, delay_ms };
	pthread_mutex_unlock(&st.mu);
}

static void seed(const char *bucket, const char *key, const char *data)
{
	pthread_mutex_lock(&st.mu);
	put_obj(bucket, key, data, strlen(data), NULL);
	pthread_mutex_unlock(&st.mu);
}

static char *write_file(const char *name, size_t size, unsigned seedv)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	char *data = xmalloc(size + 1);
	struct error err;

	for (size_t i = 0; i < size; i++)
		data[i] = (char)((i * 131 + seedv) % 251);
	ck_assert_int_eq(file_write_atomic(p, data, size, 0644, &err), 0);
	free(data);
	return p;
}

/* ---- tests ---- */

START_TEST(test_signed_list_buckets)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;

	ck_assert_ptr_nonnull(s3_list_buckets(s, on_done, &res, &err));
	ck_assert_int_eq(res.done, 0);	/* never called back before returning */
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_uint_eq(res.doc.nbuckets, 2);
	ck_assert_int_eq(st.bad_sigs, 0);
	ck_assert(str_has_prefix(st.last_auth, "AWS4-HMAC-SHA256 Credential=" AKID "/"));
	ck_assert_ptr_nonnull(strstr(st.last_auth, "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;"
					   "x-amz-date, Signature="));
	ck_assert_uint_eq(s3_live_calls(s), 0);
	result_release(&res);

	/* a wrong secret: the server's own recomputation disagrees */
	s3_free(s);
	s = client(AKID, "not-the-secret");
	ck_assert_ptr_nonnull(s3_list_buckets(s, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_AUTH);
	ck_assert_int_eq(res.err.status, 403);
	ck_assert_str_eq(res.code, "SignatureDoesNotMatch");
	ck_assert(str_has_prefix(res.err.msg, "S3 at '127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(res.err.msg, "check the secret key (SignatureDoesNotMatch)"));
	result_release(&res);
	s3_free(s);
}
END_TEST

START_TEST(test_list_pages_and_names)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	struct s3_list_opts o = { .bucket = "user-alice", .prefix = "", .delimiter = "/", .max_keys = 3 };
	char *token;

	seed("user-alice", "a b+c%.csv", "1");
	seed("user-alice", "données/x.csv", "2");
	seed("user-alice", "données/y.csv", "3");
	seed("user-alice", "notes.txt", "4");
	seed("user-alice", "zz/../up", "5");
	seed("user-alice", "zz/z", "6");
	ck_assert_ptr_nonnull(s3_list_objects(s, &o, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_int_eq(st.bad_sigs, 0);
	ck_assert(res.doc.truncated);
	ck_assert_uint_eq(res.doc.nobjects + res.doc.nprefixes, 3);
	ck_assert_str_eq(res.doc.first_key, "a b+c%.csv");	/* '+' space and %2B survive */
	ck_assert_ptr_nonnull(strstr(st.last_query, "encoding-type=url"));
	ck_assert_ptr_nonnull(strstr(st.last_query, "list-type=2"));
	token = xstrdup(res.doc.next_token);
	result_release(&res);

	o.token = token;
	ck_assert_ptr_nonnull(s3_list_objects(s, &o, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert(!res.doc.truncated);
	ck_assert_uint_eq(res.doc.nprefixes, 1);	/* zz/ */
	ck_assert_int_eq(st.bad_sigs, 0);
	result_release(&res);
	free(token);

	/* keys with "..", spaces, UTF-8 are signed and sent as named */
	ck_assert_ptr_nonnull(s3_head_object(s, "user-alice", "zz/../up", on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_str_eq(st.last_path, "/user-alice/zz/../up");
	ck_assert_str_eq(res.header, "e4da3b7fbbce2345d7772b0674a318d5");
	result_release(&res);
	ck_assert_ptr_nonnull(s3_get_range(s, "user-alice", "données/y.csv", 0, 1023, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert_int_eq(res.status, 206);
	ck_assert_str_eq(res.body.data, "3");
	result_release(&res);
	s3_free(s);
}
END_TEST

START_TEST(test_errors_in_words)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	struct s3_list_opts o = { .bucket = "nobucket" };

	ck_assert_ptr_nonnull(s3_get_range(s, "user-alice", "missing.csv", 0, 10, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NOT_FOUND);
	ck_assert_str_eq(res.err.msg, "no object 'user-alice/missing.csv' (NoSuchKey)");
	result_release(&res);

	ck_assert_ptr_nonnull(s3_list_objects(s, &o, on_done, &res, &err));
	wait_done(&res);
	ck_assert_str_eq(res.err.msg, "no bucket 'nobucket' (NoSuchBucket)");
	result_release(&res);

	seed("user-alice", "x.csv", "data");
	add_fault("GET", "/user-alice/x.csv", 403, "AccessDenied", 1, 0);
	ck_assert_ptr_nonnull(s3_get_range(s, "user-alice", "x.csv", 0, 10, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_FORBIDDEN);
	ck_assert_str_eq(res.err.msg, "access denied to 'user-alice/x.csv' (AccessDenied)");
	result_release(&res);

	/* HEAD errors have no body: the status speaks */
	add_fault("HEAD", "/user-alice/x.csv", 403, "AccessDenied", 1, 0);
	ck_assert_ptr_nonnull(s3_head_object(s, "user-alice", "x.csv", on_done, &res, &err));
	wait_done(&res);
	ck_assert_str_eq(res.err.msg, "access denied to 'user-alice/x.csv' (HTTP 403)");
	result_release(&res);

	add_fault("GET", "list-type", 503, "SlowDown", 1, 0);
	o.bucket = "user-alice";
	ck_assert_ptr_nonnull(s3_list_objects(s, &o, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_HTTP);
	ck_assert_int_eq(res.err.status, 503);
	ck_assert(str_has_prefix(res.err.msg, "S3 at '127.0.0.1:"));
	ck_assert(str_has_suffix(res.err.msg, "failed on 'user-alice': injected (SlowDown, HTTP 503)"));
	result_release(&res);

	add_fault("GET", "/user-alice/x.csv", 500, "InternalError", 1, 0);
	ck_assert_ptr_nonnull(s3_get_range(s, "user-alice", "x.csv", 0, 3, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.status, 500);
	result_release(&res);

	/* a dead endpoint */
	s3_free(s);
	{
		struct s3_config cfg;

		s3_config_init(&cfg);
		cfg.endpoint = xstrdup("http://127.0.0.1:1");
		s3_config_finish(&cfg, &err);
		s = s3_new(loop, http, &cfg);
		s3_config_release(&cfg);
	}
	ck_assert_ptr_nonnull(s3_list_buckets(s, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NET);
	ck_assert_str_eq(res.err.msg, "connection refused to '127.0.0.1:1'");
	result_release(&res);
	s3_free(s);
}
END_TEST

START_TEST(test_download_atomic)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	struct s3_get_opts o = { .bucket = "user-alice", .key = "../../etc/passwd", .dir = tmpdir };
	struct buf got = BUF_INIT;
	char *big = xmalloc(3 * 1024 * 1024 + 7);

	for (size_t i = 0; i < 3 * 1024 * 1024 + 7; i++)
		big[i] = (char)(i % 253);
	pthread_mutex_lock(&st.mu);
	put_obj("user-alice", "../../etc/passwd", big, 3 * 1024 * 1024 + 7, NULL);
	pthread_mutex_unlock(&st.mu);
	ck_assert_ptr_nonnull(s3_get_object(s, &o, on_progress, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert(str_has_suffix(res.path, "/passwd"));
	ck_assert(str_has_prefix(res.path, tmpdir));
	ck_assert_int_eq(file_read(res.path, &got, &err), 0);
	ck_assert_uint_eq(got.len, 3 * 1024 * 1024 + 7);
	ck_assert_mem_eq(got.data, big, got.len);
	ck_assert_uint_ge(res.progress_calls, 3);
	ck_assert_uint_eq(res.last_done, got.len);
	ck_assert_uint_eq(res.last_total, got.len);
	result_release(&res);

	/* again: never overwritten silently */
	ck_assert_ptr_nonnull(s3_get_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert(str_has_suffix(res.path, "/passwd (1)"));
	result_release(&res);

	/* a failed download leaves nothing */
	o.key = "missing";
	ck_assert_ptr_nonnull(s3_get_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NOT_FOUND);
	ck_assert_ptr_null(res.path);
	result_release(&res);
	{
		DIR *d = opendir(tmpdir);
		struct dirent *e;
		int n = 0;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.' || str_has_prefix(e->d_name, ".missing"))
				n++;
		closedir(d);
		ck_assert_int_eq(n, 2);	/* passwd, passwd (1) */
	}
	buf_release(&got);
	free(big);
	s3_free(s);
}
END_TEST

START_TEST(test_download_cancel)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	struct s3_get_opts o = { .bucket = "user-alice", .key = "slow.bin", .dir = tmpdir };
	char *big = xcalloc(1, 4 * 1024 * 1024);
	DIR *d;
	struct dirent *e;

	pthread_mutex_lock(&st.mu);
	put_obj("user-alice", "slow.bin", big, 4 * 1024 * 1024, NULL);
	pthread_mutex_unlock(&st.mu);
	res.cancel_at_progress = 1;
	ck_assert_ptr_nonnull(s3_get_object(s, &o, on_progress, on_done, &res, &err));
	ck_assert(ts_wait(loop, &res.done, 10000));
	ck_assert_int_eq(res.done, 2);	/* cancelled from progress: no on_done */
	ck_assert_uint_eq(s3_live_calls(s), 0);
	for (int i = 0; i < 5; i++)
		loop_run_once(loop, 20);
	ck_assert_int_eq(res.done, 2);
	d = opendir(tmpdir);
	while ((e = readdir(d)))
		ck_assert_msg(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."), "left behind: %s", e->d_name);
	closedir(d);
	free(big);
	s3_free(s);
}
END_TEST

START_TEST(test_put_single)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	char *path = write_file("data.csv", 100000, 1);
	struct s3_put_opts o = { .bucket = "user-alice", .key = "up/data.csv", .path = path };
	struct obj *ob;

	ck_assert_ptr_nonnull(s3_put_object(s, &o, on_progress, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_int_eq(st.bad_sigs, 0);
	ck_assert_int_eq(st.unsigned_payloads, 1);
	ck_assert_uint_eq(res.last_done, 100000);
	pthread_mutex_lock(&st.mu);
	ob = find("user-alice", "up/data.csv");
	ck_assert_ptr_nonnull(ob);
	ck_assert_uint_eq(ob->data.len, 100000);
	ck_assert_str_eq(res.etag, ob->etag);
	pthread_mutex_unlock(&st.mu);
	result_release(&res);

	/* an ETag that is not the MD5 of what was sent */
	o.key = "corrupt.csv";
	ck_assert_ptr_nonnull(s3_put_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_INVALID);
	ck_assert(str_has_prefix(res.err.msg, "upload of 'user-alice/corrupt.csv' damaged on the way"));
	result_release(&res);

	/* not a file */
	o.path = tmpdir;
	ck_assert_ptr_null(s3_put_object(s, &o, NULL, on_done, &res, &err));
	ck_assert(str_has_suffix(err.msg, "is not a regular file"));
	free(path);
	s3_free(s);
}
END_TEST

START_TEST(test_put_multipart)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	char *path = write_file("big.bin", 5 * 65536 + 123, 7);
	struct s3_put_opts o = { .bucket = "user-alice", .key = "big.bin", .path = path,
				 .threshold = 65536, .part_size = 65536, .parallel = 3 };
	struct buf want = BUF_INIT;
	struct obj *ob;

	ck_assert_int_eq(file_read(path, &want, &err), 0);
	add_fault("PUT", "partNumber=", 0, NULL, 6, 150);	/* slow parts: see them overlap */
	ck_assert_ptr_nonnull(s3_put_object(s, &o, on_progress, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_int_eq(st.bad_sigs, 0);
	ck_assert_int_eq(st.parts_received, 6);
	ck_assert_int_ge(st.max_inflight, 2);
	ck_assert_int_le(st.max_inflight, 3);
	ck_assert_int_eq(st.aborts, 0);
	pthread_mutex_lock(&st.mu);
	ob = find("user-alice", "big.bin");
	ck_assert_ptr_nonnull(ob);
	ck_assert_uint_eq(ob->data.len, want.len);
	ck_assert_mem_eq(ob->data.data, want.data, want.len);
	ck_assert_str_eq(res.etag, ob->etag);	/* md5 of md5s, -6 */
	ck_assert(str_has_suffix(ob->etag, "-6"));
	pthread_mutex_unlock(&st.mu);
	ck_assert_uint_eq(res.last_done, want.len);
	result_release(&res);

	/* a part failing with a 500 is sent again */
	add_fault("PUT", "partNumber=2&", 500, "InternalError", 1, 0);
	o.key = "retry.bin";
	ck_assert_ptr_nonnull(s3_put_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	result_release(&res);

	/* a 200 whose body is an <Error>: failed, and aborted */
	pthread_mutex_lock(&st.mu);
	st.complete_error = true;
	pthread_mutex_unlock(&st.mu);
	o.key = "complete-error.bin";
	ck_assert_ptr_nonnull(s3_put_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_HTTP);
	ck_assert_str_eq(res.code, "InternalError");
	ck_assert_ptr_nonnull(strstr(res.err.msg, "(InternalError, HTTP 200)"));
	ck_assert(ts_wait(loop, &(int){ 0 }, 200) == 0);
	ck_assert_int_eq(st.aborts, 1);
	ck_assert_ptr_null(find("user-alice", "complete-error.bin"));
	result_release(&res);

	/* a part refused for good: the upload is aborted */
	pthread_mutex_lock(&st.mu);
	st.complete_error = false;
	pthread_mutex_unlock(&st.mu);
	add_fault("PUT", "partNumber=3&", 403, "AccessDenied", 5, 0);
	o.key = "denied.bin";
	ck_assert_ptr_nonnull(s3_put_object(s, &o, NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_FORBIDDEN);
	ck_assert_str_eq(res.err.msg, "access denied to 'user-alice/denied.bin' (AccessDenied)");
	for (int i = 0; i < 20 && st.aborts < 2; i++)
		loop_run_once(loop, 20);
	ck_assert_int_eq(st.aborts, 2);
	result_release(&res);
	buf_release(&want);
	free(path);
	s3_free(s);
}
END_TEST

START_TEST(test_put_cancel_aborts)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	char *path = write_file("c.bin", 8 * 65536, 3);
	struct s3_put_opts o = { .bucket = "user-alice", .key = "cancelled.bin", .path = path,
				 .threshold = 65536, .part_size = 65536, .parallel = 2 };
	struct s3_call *c;

	add_fault("PUT", "partNumber=", 0, NULL, 100, 300);
	c = s3_put_object(s, &o, on_progress, on_done, &res, &err);
	ck_assert_ptr_nonnull(c);
	/* wait until parts are on their way, then cancel */
	for (int i = 0; i < 200 && res.last_done == 0 && !res.done; i++)
		loop_run_once(loop, 10);
	ck_assert_uint_gt(res.last_done, 0);
	ck_assert_int_eq(res.done, 0);
	s3_cancel(c);
	for (int i = 0; i < 100 && st.aborts == 0; i++)
		loop_run_once(loop, 20);
	ck_assert_msg(st.aborts == 1, "requests %d, last %s?%s, bad sigs %d, live %zu", st.requests, st.last_path,
		      st.last_query, st.bad_sigs, s3_live_calls(s));
	ck_assert_int_eq(res.done, 0);	/* no callback after a cancel */
	ck_assert_ptr_null(find("user-alice", "cancelled.bin"));
	free(path);
	s3_free(s);
}
END_TEST

START_TEST(test_delete_prefix)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;

	for (int i = 0; i < 2500; i++) {
		char k[64];

		snprintf(k, sizeof(k), "big/f%05d & <x>.csv", i);
		pthread_mutex_lock(&st.mu);
		put_obj("shared", k, "x", 1, NULL);
		pthread_mutex_unlock(&st.mu);
	}
	seed("shared", "big/ctrl\001key", "y");
	seed("shared", "bigger.csv", "stays");
	ck_assert_ptr_nonnull(s3_delete_prefix(s, "shared", "big/", on_progress, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_uint_eq(res.count, 2501);
	ck_assert_uint_eq(res.failed, 0);
	ck_assert_int_eq(st.bad_sigs, 0);
	ck_assert_int_eq(st.nobj, 1);
	ck_assert_ptr_nonnull(find("shared", "bigger.csv"));
	ck_assert_uint_ge(res.progress_calls, 3);
	result_release(&res);

	/* per-key failures are counted and the first one explains */
	seed("shared", "locked/a", "1");
	seed("shared", "locked/b", "2");
	ck_assert_ptr_nonnull(s3_delete_prefix(s, "shared", "locked/", NULL, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_FORBIDDEN);
	ck_assert_str_eq(res.err.msg, "access denied to 'shared/locked/a' (AccessDenied)");
	ck_assert_uint_eq(res.failed, 2);
	result_release(&res);

	ck_assert_ptr_null(s3_delete_prefix(s, "shared", "", NULL, on_done, &res, &err));
	s3_free(s);
}
END_TEST

START_TEST(test_copy_policy_presign)
{
	struct s3 *s = client(AKID, SECRET);
	struct result res = { 0 };
	struct error err;
	struct buf url = BUF_INIT;
	static const char policy[] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";

	seed("user-alice", "a.csv", "hello");
	ck_assert_ptr_nonnull(s3_copy_object(s, "user-alice", "a.csv", "shared", "copy of a.csv", on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_ptr_nonnull(find("shared", "copy of a.csv"));
	result_release(&res);

	ck_assert_ptr_nonnull(s3_get_policy(s, "shared", on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NOT_FOUND);
	ck_assert_str_eq(res.code, "NoSuchBucketPolicy");
	ck_assert_str_eq(res.err.msg, "bucket 'shared' has no policy (NoSuchBucketPolicy)");
	result_release(&res);
	ck_assert_ptr_nonnull(s3_put_policy(s, "shared", policy, on_done, &res, &err));
	wait_done(&res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_int_eq(st.bad_sigs, 0);	/* the JSON body's sha256 checked */
	result_release(&res);
	ck_assert_ptr_nonnull(s3_get_policy(s, "shared", on_done, &res, &err));
	wait_done(&res);
	ck_assert_str_eq(res.body.data, policy);
	result_release(&res);
	ck_assert_ptr_nonnull(s3_delete_policy(s, "shared", on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	result_release(&res);

	/* presign: AWS's documented example, recomputed */
	s3_free(s);
	{
		struct s3_config cfg;

		s3_config_init(&cfg);
		cfg.endpoint = xstrdup("https://s3.amazonaws.com");
		cfg.access_key = xstrdup("AKIAIOSFODNN7EXAMPLE");
		cfg.secret_key = xstrdup("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
		ck_assert_int_eq(s3_config_finish(&cfg, &err), 0);
		s = s3_new(loop, http, &cfg);
		s3_config_release(&cfg);
	}
	ck_assert_int_eq(s3_presign_get(s, "examplebucket", "test.txt", 86400, 1369353600, &url, &err), 0);
	ck_assert(str_has_prefix(url.data, "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm="));
	ck_assert(str_has_suffix(url.data, "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f6"
				 "04d404"));
	buf_reset(&url);
	ck_assert_int_eq(s3_presign_get(s, "examplebucket", "x", 604801, 0, &url, &err), -1);
	ck_assert_int_eq(s3_object_url(s, "my.dotted.bucket", "a b/../c", &url), 0);
	ck_assert_str_eq(url.data, "https://s3.amazonaws.com/my.dotted.bucket/a%20b/%2E%2E/c");
	buf_release(&url);
	s3_free(s);
}
END_TEST

static void on_http(struct http_request *r, const struct error *err, void *arg)
{
	struct result *res = arg;

	res->done = 1;
	res->err = *err;
	res->status = http_status(r);
	buf_init(&res->body, 0);
	buf_add(&res->body, http_body(r)->data, http_body(r)->len);
}

START_TEST(test_presign_against_server)
{
	struct s3 *s = client(AKID, SECRET);
	struct buf url = BUF_INIT;
	struct error err;
	struct http_request *r;
	struct result res = { 0 };

	seed("user-alice", "shared file+1.csv", "a,b\n1,2\n");
	ck_assert_int_eq(s3_presign_get(s, "user-alice", "shared file+1.csv", 3600, (int64_t)time(NULL), &url, &err), 0);
	ck_assert(str_has_prefix(url.data, "http://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(url.data, "/user-alice/shared%20file%2B1.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
	ck_assert_ptr_nonnull(strstr(url.data, "X-Amz-Expires=3600"));
	/* anyone with the URL: no Authorization header at all */
	r = http_request_new("GET", url.data);
	http_request_on_done(r, on_http, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	wait_done(&res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body.data, "a,b\n1,2\n");
	result_release(&res);

	/* an expired one is refused */
	buf_reset(&url);
	ck_assert_int_eq(s3_presign_get(s, "user-alice", "shared file+1.csv", 60, (int64_t)time(NULL) - 3600, &url,
					&err), 0);
	r = http_request_new("GET", url.data);
	http_request_on_done(r, on_http, &res);
	ck_assert_int_eq(http_start(http, r, &err), 0);
	wait_done(&res);
	ck_assert_int_eq(res.status, 403);
	ck_assert_ptr_nonnull(strstr(res.body.data, "Request has expired"));
	result_release(&res);
	buf_release(&url);
	s3_free(s);
}
END_TEST

START_TEST(test_anonymous_and_free_in_flight)
{
	struct s3 *s = client(NULL, NULL);
	struct result res = { 0 };
	struct error err;

	ck_assert_ptr_nonnull(s3_list_buckets(s, on_done, &res, &err));
	wait_done(&res);
	ck_assert_int_eq(res.err.code, ERR_AUTH);	/* our server wants signatures */
	ck_assert_str_eq(res.code, "SignatureDoesNotMatch");
	result_release(&res);
	s3_free(s);

	/* s3_free with calls in flight: no callback, nothing leaks (ASan) */
	s = client(AKID, SECRET);
	add_fault("GET", "list-type", 0, NULL, 1, 300);
	{
		struct s3_list_opts o = { .bucket = "user-alice" };

		ck_assert_ptr_nonnull(s3_list_objects(s, &o, on_done, &res, &err));
	}
	ck_assert_ptr_nonnull(s3_list_buckets(s, on_done, &res, &err));
	ck_assert_uint_eq(s3_live_calls(s), 2);
	s3_free(s);
	for (int i = 0; i < 20; i++)
		loop_run_once(loop, 20);
	ck_assert_int_eq(res.done, 0);
}
END_TEST

static Suite *s3_client_suite(void)
{
	Suite *s = suite_create("s3_client");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_signed_list_buckets);
	tcase_add_test(tc, test_list_pages_and_names);
	tcase_add_test(tc, test_errors_in_words);
	tcase_add_test(tc, test_download_atomic);
	tcase_add_test(tc, test_download_cancel);
	tcase_add_test(tc, test_put_single);
	tcase_add_test(tc, test_put_multipart);
	tcase_add_test(tc, test_put_cancel_aborts);
	tcase_add_test(tc, test_delete_prefix);
	tcase_add_test(tc, test_copy_policy_presign);
	tcase_add_test(tc, test_presign_against_server);
	tcase_add_test(tc, test_anonymous_and_free_in_flight);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_client_suite)
