/*
 * test_s3d_server.c: the S3 service in process, spoken to with libcurl and
 * signed with s3/sigv4: the body forms no CLI here sends over plain HTTP
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD with chunk signatures, the same
 * with a signed trailer, the unsigned trailer form with a CRC32 trailer),
 * tampered chunks, trailers and checksums, cut bodies and bad framing
 * (refused, nothing written), multipart rules (ETag, EntityTooSmall,
 * InvalidPart, NoSuchUpload), copies, and TLS, where the real aws-cli
 * uploads with its aws-chunked trailer inside HTTP chunked encoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d.h"
#include "datalab/sandbox/s3d_sum.h"
#include "testutil.h"

#define AK "AKIDSANDBOXTEST00001"
#define SK "secret/for+the/sandbox+tests000000000000"

static char tmp[64];
static struct s3d *srv;
static int port;

static struct s3d *start(const char *cert, const char *key)
{
	struct s3d_config c = { 0 };
	struct error err;
	char *dir = file_join(tmp, cert ? "s3tls" : "s3");
	struct s3d *s;

	c.data_dir = dir;
	c.bind_addr = "127.0.0.1";
	c.access_key = AK;
	c.secret_key = SK;
	c.region = "us-east-1";
	c.user = "tester";
	c.tls_cert_pem = cert;
	c.tls_key_pem = key;
	s = s3d_start(&c, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	free(dir);
	return s;
}

static void mkbucket(const char *path);

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/dl-s3d-srv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	srv = start(NULL, NULL);
	port = s3d_port(srv);
	ck_assert_int_gt(port, 0);
	mkbucket("/user-tester");
}

static void teardown(void)
{
	s3d_stop(srv);
	file_remove_tree(tmp, NULL);
}

struct resp {
	long status;
	struct buf body, headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

/* header_params: NULL-terminated "name: value" lines as signing
 * parameters into h; returns their count.  Names are xstrndup'd. */
static size_t header_params(const char *const *lines, struct sigv4_param *h)
{
	size_t n = 0;

	for (; lines && lines[n]; n++) {
		const char *colon = strchr(lines[n], ':');

		h[n].name = xstrndup(lines[n], (size_t)(colon - lines[n]));
		h[n].value = colon + 2;
	}
	return n;
}

/*
 * call: one request; path is decoded ("/b/a key"), query a raw encoded
 * query string or "".  Signed with x-amz-date now + skew, the payload hash
 * given (NULL: the sha256 of body), and extra "name: value" headers, which
 * are signed too.
 */
static long call(const char *method, const char *path, const char *query, const char *payload_hash,
		 const char *body, size_t n, const char *const *extra, struct resp *out)
{
	struct sigv4_param h[16], q[8];
	struct sigv4_request rq = { 0 };
	struct curl_slist *hl = NULL;
	struct buf url = BUF_INIT, auth = BUF_INIT, line = BUF_INIT;
	char date[17], host[32], hash[65];
	size_t nh = 0, nq = 0;
	char **qparts = NULL;
	CURL *c = curl_easy_init();

	sigv4_amz_date(time(NULL), date);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	if (!payload_hash) {
		sigv4_sha256_hex(body ? body : "", n, hash);
		payload_hash = hash;
	}
	h[nh++] = (struct sigv4_param){ "host", host };
	h[nh++] = (struct sigv4_param){ "x-amz-date", date };
	h[nh++] = (struct sigv4_param){ "x-amz-content-sha256", payload_hash };
	nh += header_params(extra, h + nh);
	if (*query) {
		size_t count;

		qparts = str_split(query, '&', &count);
		for (size_t i = 0; i < count; i++) {
			char *eq = strchr(qparts[i], '=');
			struct buf nm = BUF_INIT, v = BUF_INIT;

			if (eq)
				*eq = '\0';
			str_url_decode(&nm, qparts[i], strlen(qparts[i]), false);
			if (eq)
				str_url_decode(&v, eq + 1, strlen(eq + 1), false);
			q[nq].name = buf_take(&nm, NULL);
			q[nq].value = buf_take(&v, NULL);
			nq++;
			if (eq)
				*eq = '=';
		}
	}
	rq.method = method;
	rq.path = path;
	rq.query = q;
	rq.nquery = nq;
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload_hash = payload_hash;
	rq.amz_date = date;
	rq.region = "us-east-1";
	ck_assert_int_eq(sigv4_authorization(&rq, AK, SK, &auth), 0);
	buf_addf(&url, "http://%s", host);
	str_url_encode(&url, path, strlen(path), true);
	if (*query)
		buf_addf(&url, "?%s", query);
	for (size_t i = 1; i < nh; i++) {
		buf_reset(&line);
		buf_addf(&line, "%s: %s", h[i].name, h[i].value);
		hl = curl_slist_append(hl, line.data);
	}
	buf_reset(&line);
	buf_addf(&line, "Authorization: %s", auth.data);
	hl = curl_slist_append(hl, line.data);
	hl = curl_slist_append(hl, "Expect:");
	hl = curl_slist_append(hl, "Content-Type:");
	buf_init(&out->body, 0);
	buf_init(&out->headers, 0);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	for (size_t i = 3; i < nh; i++)
		free((char *)h[i].name);
	for (size_t i = 0; i < nq; i++) {
		free((char *)q[i].name);
		free((char *)q[i].value);
	}
	str_free_list(qparts);
	buf_release(&url);
	buf_release(&auth);
	buf_release(&line);
	return out->status;
}

static void resp_release(struct resp *r)
{
	buf_release(&r->body);
	buf_release(&r->headers);
}

static void expect_code(struct resp *r, long status, const char *code)
{
	char *want = xasprintf("<Code>%s</Code>", code);

	ck_assert_msg(r->status == status && strstr(r->body.data, want), "want %ld %s, got %ld %s", status, code,
		      r->status, r->body.data);
	free(want);
}

static void mkbucket(const char *path)
{
	struct resp r;

	ck_assert_int_eq(call("PUT", path, "", NULL, NULL, 0, NULL, &r), 200);
	resp_release(&r);
}

static void put_plain(const char *path, const char *data, size_t n)
{
	struct resp r;

	ck_assert_int_eq(call("PUT", path, "", NULL, data, n, NULL, &r), 200);
	resp_release(&r);
}

static void expect_object(const char *path, const char *data, size_t n)
{
	struct resp r;

	ck_assert_int_eq(call("GET", path, "", NULL, NULL, 0, NULL, &r), 200);
	ck_assert_uint_eq(r.body.len, n);
	ck_assert(memcmp(r.body.data, data, n) == 0);
	resp_release(&r);
}

static void expect_absent(const char *path)
{
	struct resp r;

	ck_assert_int_eq(call("GET", path, "", NULL, NULL, 0, NULL, &r), 404);
	resp_release(&r);
}

enum tamper {
	T_NONE,
	T_CHUNK,		/* a bit flipped in the middle of the body */
	T_TRAILER_SIG,		/* a wrong x-amz-trailer-signature */
	T_CHECKSUM,		/* a signed trailer with a wrong CRC32 */
	T_TRUNCATE,		/* the body ends before its final chunk */
};

/* signed_chunks: data as aws-chunked with chunk signatures chained from
 * the request's seed signature; with trailer, a signed
 * x-amz-checksum-crc32 trailer follows. */
static void signed_chunks(const char *data, size_t n, size_t chunk, const char *date, const char *seed,
			  bool trailer, enum tamper t, struct buf *body)
{
	char prev[65], scope[64];
	unsigned char key[32];
	size_t off = 0;

	sigv4_signing_key(SK, date, "us-east-1", "s3", key);
	snprintf(scope, sizeof(scope), "%.8s/us-east-1/s3/aws4_request", date);
	str_copy(prev, seed, sizeof(prev));
	buf_init(body, 0);
	for (;;) {
		size_t len = DL_MIN(chunk, n - off);
		char sig[65];

		sigv4_chunk_signature(key, date, scope, prev, data + off, len, sig);
		buf_addf(body, "%zx;chunk-signature=%s\r\n", len, sig);
		buf_add(body, data + off, len);
		str_copy(prev, sig, sizeof(prev));
		if (len == 0)
			break;
		buf_adds(body, "\r\n");
		off += len;
	}
	if (trailer) {
		char crc[48], sig[65];
		char *canon;
		struct s3d_sum s;

		s3d_sum_init(&s, S3D_SUM_CRC32);
		s3d_sum_update(&s, data, n);
		s3d_sum_final_b64(&s, crc);
		canon = xasprintf("x-amz-checksum-crc32:%s\n", t == T_CHECKSUM ? "AAAAAA==" : crc);
		sigv4_trailer_signature(key, date, scope, prev, canon, strlen(canon), sig);
		if (t == T_TRAILER_SIG)
			sig[10] = sig[10] == 'f' ? 'e' : 'f';
		buf_add(body, canon, strlen(canon) - 1);
		buf_addf(body, "\r\nx-amz-trailer-signature:%s\r\n", sig);
		free(canon);
	}
	buf_adds(body, "\r\n");
	if (t == T_CHUNK)
		body->data[body->len / 2] ^= 1;
	if (t == T_TRUNCATE)
		buf_truncate(body, body->len / 2);
}

/* put_streaming: a PUT in 64 KiB signed chunks (with a signed CRC32
 * trailer when trailer), whose Authorization we build around them. */
static long put_streaming(const char *path, const char *data, size_t n, bool trailer, enum tamper t,
			  struct resp *r)
{
	char date[17], host[32], dlen[24], clen[24];
	struct buf body, auth = BUF_INIT, url = BUF_INIT, line = BUF_INIT;
	struct sigv4_param h[8];
	struct sigv4_request rq = { 0 };
	struct curl_slist *hl = NULL;
	CURL *c;
	char *owned[9] = { NULL }, seed[65];
	size_t nh = 0;

	sigv4_amz_date(time(NULL), date);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	snprintf(dlen, sizeof(dlen), "%zu", n);
	/* the body's length depends only on the chunk sizes: compute it first */
	{
		struct buf probe;

		signed_chunks(data, n, 65536, date, SIGV4_EMPTY_SHA256, trailer, t, &probe);
		snprintf(clen, sizeof(clen), "%zu", probe.len);
		buf_release(&probe);
	}
	owned[nh++] = xasprintf("content-encoding: aws-chunked");
	owned[nh++] = xasprintf("content-length: %s", clen);
	owned[nh++] = xasprintf("host: %s", host);
	owned[nh++] = xasprintf("x-amz-content-sha256: %s", trailer ? SIGV4_STREAMING "-TRAILER" : SIGV4_STREAMING);
	owned[nh++] = xasprintf("x-amz-date: %s", date);
	owned[nh++] = xasprintf("x-amz-decoded-content-length: %s", dlen);
	if (trailer)
		owned[nh++] = xasprintf("x-amz-trailer: x-amz-checksum-crc32");
	header_params((const char *const *)owned, h);
	rq.method = "PUT";
	rq.path = path;
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload_hash = trailer ? SIGV4_STREAMING "-TRAILER" : SIGV4_STREAMING;
	rq.amz_date = date;
	rq.region = "us-east-1";
	ck_assert_int_eq(sigv4_signature(&rq, SK, seed), 0);
	ck_assert_int_eq(sigv4_authorization(&rq, AK, SK, &auth), 0);
	signed_chunks(data, n, 65536, date, seed, trailer, t, &body);
	buf_addf(&url, "http://%s", host);
	str_url_encode(&url, path, strlen(path), true);
	for (size_t i = 0; i < nh; i++)
		if (i != 1 && i != 2)
			hl = curl_slist_append(hl, owned[i]);
	buf_addf(&line, "Authorization: %s", auth.data);
	hl = curl_slist_append(hl, line.data);
	hl = curl_slist_append(hl, "Expect:");
	hl = curl_slist_append(hl, "Content-Type:");
	buf_init(&r->body, 0);
	buf_init(&r->headers, 0);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	for (size_t i = 0; i < nh; i++) {
		free((char *)h[i].name);
		free(owned[i]);
	}
	buf_release(&body);
	buf_release(&auth);
	buf_release(&url);
	buf_release(&line);
	return r->status;
}

/* expect_no_temp: nothing left in the store's temp directory. */
static void expect_no_temp(void)
{
	char *dir = xasprintf("%s/s3/.s3d/tmp", tmp);
	char *cmd = xasprintf("test -d '%s' && test -z \"$(ls -A '%s')\"", dir, dir);

	ck_assert_msg(system(cmd) == 0, "temp files left in %s", dir);
	free(cmd);
	free(dir);
}

static char *random_data(size_t n)
{
	char *p = xmalloc(n ? n : 1);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)x;
	}
	return p;
}

START_TEST(test_streaming_signed)
{
	size_t n = 200000;
	char *data = random_data(n);
	struct resp r;

	ck_assert_int_eq(put_streaming("/user-tester/stream/ok.bin", data, n, false, T_NONE, &r), 200);
	resp_release(&r);
	expect_object("/user-tester/stream/ok.bin", data, n);
	/* one flipped bit in the middle: refused, nothing stored */
	put_streaming("/user-tester/stream/tampered.bin", data, n, false, T_CHUNK, &r);
	expect_code(&r, 403, "SignatureDoesNotMatch");
	resp_release(&r);
	expect_absent("/user-tester/stream/tampered.bin");
	expect_no_temp();
	free(data);
}
END_TEST

/* STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks, then a CRC32
 * trailer signed by x-amz-trailer-signature; each fault gets S3's code and
 * leaves neither the object (an older version stays) nor a temp file */
static const struct {
	const char *name;
	enum tamper t;
	long status;
	const char *code;
} trailer_faults[] = {
	{ "bad chunk signature", T_CHUNK, 403, "SignatureDoesNotMatch" },
	{ "bad trailer signature", T_TRAILER_SIG, 403, "SignatureDoesNotMatch" },
	{ "bad checksum", T_CHECKSUM, 400, "BadDigest" },
	{ "truncated body", T_TRUNCATE, 400, "IncompleteBody" },
};

START_TEST(test_signed_trailer)
{
	size_t n = 150000;
	char *data = random_data(n);
	const char *path = "/user-tester/trailer/signed.bin";
	struct resp r;

	ck_assert_int_eq(put_streaming(path, data, n, true, T_NONE, &r), 200);
	resp_release(&r);
	expect_object(path, data, n);
	for (size_t i = 0; i < sizeof(trailer_faults) / sizeof(trailer_faults[0]); i++) {
		char *other = random_data(n / 2);

		put_streaming(path, other, n / 2, true, trailer_faults[i].t, &r);
		ck_assert_msg(r.status == trailer_faults[i].status &&
				      strstr(r.body.data, trailer_faults[i].code),
			      "%s: got %ld %s", trailer_faults[i].name, r.status, r.body.data);
		resp_release(&r);
		expect_object(path, data, n);
		expect_no_temp();
		free(other);
	}
	free(data);
}
END_TEST

START_TEST(test_unsigned_trailer)
{
	const char *hello = "hello, trailer";
	struct buf body = BUF_INIT;
	char crc[48], len[16];
	struct s3d_sum s;
	struct resp r;
	char *hdr_crc;
	const char *extra[5];

	s3d_sum_init(&s, S3D_SUM_CRC32);
	s3d_sum_update(&s, hello, strlen(hello));
	s3d_sum_final_b64(&s, crc);
	snprintf(len, sizeof(len), "%zu", strlen(hello));
	buf_addf(&body, "5\r\nhello\r\n%zx\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", strlen(hello) - 5, hello + 5, crc);
	hdr_crc = xasprintf("x-amz-decoded-content-length: %s", len);
	extra[0] = "content-encoding: aws-chunked";
	extra[1] = "x-amz-trailer: x-amz-checksum-crc32";
	extra[2] = hdr_crc;
	extra[3] = NULL;
	ck_assert_int_eq(call("PUT", "/user-tester/trailer/ok", "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", body.data,
			      body.len, extra, &r), 200);
	ck_assert_msg(strstr(r.headers.data, crc), "%s", r.headers.data);
	resp_release(&r);
	expect_object("/user-tester/trailer/ok", hello, strlen(hello));
	/* a wrong checksum in the trailer */
	buf_reset(&body);
	buf_addf(&body, "%zx\r\n%s\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", strlen(hello), hello);
	call("PUT", "/user-tester/trailer/bad", "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", body.data, body.len, extra,
	     &r);
	expect_code(&r, 400, "BadDigest");
	resp_release(&r);
	expect_absent("/user-tester/trailer/bad");
	/* bad framing */
	buf_reset(&body);
	buf_addf(&body, "%zx\r\n%sXX\r\n0\r\n\r\n", strlen(hello), hello);
	call("PUT", "/user-tester/trailer/framing", "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", body.data, body.len,
	     extra, &r);
	ck_assert_int_eq(r.status, 400);
	resp_release(&r);
	expect_absent("/user-tester/trailer/framing");
	/* cut short: no final chunk */
	buf_reset(&body);
	buf_addf(&body, "%zx\r\n%s\r\n", strlen(hello), hello);
	call("PUT", "/user-tester/trailer/short", "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", body.data, body.len,
	     extra, &r);
	expect_code(&r, 400, "IncompleteBody");
	resp_release(&r);
	expect_absent("/user-tester/trailer/short");
	free(hdr_crc);
	buf_release(&body);
}
END_TEST

static char *upload_id(struct resp *r)
{
	const char *a = strstr(r->body.data, "<UploadId>"), *b = a ? strstr(a, "</UploadId>") : NULL;

	ck_assert_ptr_nonnull(b);
	return xstrndup(a + 10, (size_t)(b - a - 10));
}

static char *etag_of(struct resp *r)
{
	const char *a = strcasestr(r->headers.data, "\netag: ");
	const char *b;

	ck_assert_ptr_nonnull(a);
	a += 7;
	b = strchr(a, '\r');
	return xstrndup(a, (size_t)(b - a));
}

START_TEST(test_multipart_rules)
{
	size_t n1 = 5u << 20, n2 = 1234;
	char *data = random_data(n1 + n2);
	struct resp r;
	char *id, *e1, *e2, *q, *xml;
	unsigned char md[32], both[64], second[32];
	struct s3d_sum s;
	char want[64];

	ck_assert_int_eq(call("POST", "/user-tester/mp/obj", "uploads", NULL, NULL, 0, NULL, &r), 200);
	id = upload_id(&r);
	resp_release(&r);
	q = xasprintf("partNumber=1&uploadId=%s", id);
	ck_assert_int_eq(call("PUT", "/user-tester/mp/obj", q, NULL, data, n1, NULL, &r), 200);
	e1 = etag_of(&r);
	resp_release(&r);
	free(q);
	q = xasprintf("partNumber=2&uploadId=%s", id);
	ck_assert_int_eq(call("PUT", "/user-tester/mp/obj", q, NULL, data + n1, n2, NULL, &r), 200);
	e2 = etag_of(&r);
	resp_release(&r);
	free(q);
	q = xasprintf("uploadId=%s", id);
	/* a wrong ETag: InvalidPart */
	xml = xasprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
			"<Part><PartNumber>2</PartNumber><ETag>\"00000000000000000000000000000000\"</ETag></Part>"
			"</CompleteMultipartUpload>", e1);
	call("POST", "/user-tester/mp/obj", q, NULL, xml, strlen(xml), NULL, &r);
	expect_code(&r, 400, "InvalidPart");
	resp_release(&r);
	free(xml);
	/* a missing part number */
	xml = xasprintf("<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>%s</ETag></Part>"
			"</CompleteMultipartUpload>", e1);
	call("POST", "/user-tester/mp/obj", q, NULL, xml, strlen(xml), NULL, &r);
	expect_code(&r, 400, "InvalidPart");
	resp_release(&r);
	free(xml);
	/* malformed */
	call("POST", "/user-tester/mp/obj", q, NULL, "<Complete", 9, NULL, &r);
	expect_code(&r, 400, "MalformedXML");
	resp_release(&r);
	expect_absent("/user-tester/mp/obj");
	/* right */
	xml = xasprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
			"<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>", e1, e2);
	ck_assert_int_eq(call("POST", "/user-tester/mp/obj", q, NULL, xml, strlen(xml), NULL, &r), 200);
	s3d_sum_init(&s, S3D_SUM_MD5);
	s3d_sum_update(&s, data, n1);
	s3d_sum_final(&s, both);
	s3d_sum_init(&s, S3D_SUM_MD5);
	s3d_sum_update(&s, data + n1, n2);
	s3d_sum_final(&s, second);
	memcpy(both + 16, second, 16);
	s3d_sum_init(&s, S3D_SUM_MD5);
	s3d_sum_update(&s, both, 32);
	s3d_sum_final(&s, md);
	for (int i = 0; i < 16; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	str_copy(want + 32, "-2", 3);
	ck_assert_msg(strstr(r.body.data, want), "want %s in %s", want, r.body.data);
	resp_release(&r);
	expect_object("/user-tester/mp/obj", data, n1 + n2);
	/* the upload is gone */
	call("POST", "/user-tester/mp/obj", q, NULL, xml, strlen(xml), NULL, &r);
	expect_code(&r, 404, "NoSuchUpload");
	resp_release(&r);
	free(xml);
	free(q);
	free(id);
	/* EntityTooSmall: a small part that is not the last */
	ck_assert_int_eq(call("POST", "/user-tester/mp/small", "uploads", NULL, NULL, 0, NULL, &r), 200);
	id = upload_id(&r);
	resp_release(&r);
	q = xasprintf("partNumber=1&uploadId=%s", id);
	call("PUT", "/user-tester/mp/small", q, NULL, data, 100, NULL, &r);
	free(e1);
	e1 = etag_of(&r);
	resp_release(&r);
	free(q);
	q = xasprintf("partNumber=2&uploadId=%s", id);
	call("PUT", "/user-tester/mp/small", q, NULL, data, 100, NULL, &r);
	free(e2);
	e2 = etag_of(&r);
	resp_release(&r);
	free(q);
	q = xasprintf("uploadId=%s", id);
	xml = xasprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
			"<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>", e1, e2);
	call("POST", "/user-tester/mp/small", q, NULL, xml, strlen(xml), NULL, &r);
	expect_code(&r, 400, "EntityTooSmall");
	resp_release(&r);
	ck_assert_int_eq(call("DELETE", "/user-tester/mp/small", q, NULL, NULL, 0, NULL, &r), 204);
	resp_release(&r);
	call("GET", "/user-tester/mp/small", q, NULL, NULL, 0, NULL, &r);
	expect_code(&r, 404, "NoSuchUpload");
	resp_release(&r);
	/* a made-up id never names a path */
	call("GET", "/user-tester/mp/small", "uploadId=..%2F..%2Fetc", NULL, NULL, 0, NULL, &r);
	expect_code(&r, 404, "NoSuchUpload");
	resp_release(&r);
	free(xml);
	free(q);
	free(id);
	free(e1);
	free(e2);
	free(data);
}
END_TEST

START_TEST(test_copy)
{
	const char *extra_copy[] = { "x-amz-copy-source: /user-tester/src%20key%2B.txt", NULL };
	const char *extra_replace[] = { "x-amz-copy-source: /user-tester/src%20key%2B.txt",
					"x-amz-metadata-directive: REPLACE", "x-amz-meta-color: blue", NULL };
	const char *extra_self[] = { "x-amz-copy-source: /user-tester/src%20key%2B.txt", NULL };
	const char *extra_meta[] = { "x-amz-meta-color: red", NULL };
	struct resp r;

	ck_assert_int_eq(call("PUT", "/user-tester/src key+.txt", "", NULL, "copied", 6, extra_meta, &r), 200);
	resp_release(&r);
	ck_assert_int_eq(call("PUT", "/user-tester/dst1", "", NULL, NULL, 0, extra_copy, &r), 200);
	ck_assert(strstr(r.body.data, "<CopyObjectResult"));
	resp_release(&r);
	ck_assert_int_eq(call("HEAD", "/user-tester/dst1", "", NULL, NULL, 0, NULL, &r), 200);
	ck_assert(strcasestr(r.headers.data, "x-amz-meta-color: red"));
	resp_release(&r);
	ck_assert_int_eq(call("PUT", "/user-tester/dst2", "", NULL, NULL, 0, extra_replace, &r), 200);
	resp_release(&r);
	ck_assert_int_eq(call("HEAD", "/user-tester/dst2", "", NULL, NULL, 0, NULL, &r), 200);
	ck_assert(strcasestr(r.headers.data, "x-amz-meta-color: blue"));
	resp_release(&r);
	expect_object("/user-tester/dst2", "copied", 6);
	call("PUT", "/user-tester/src key+.txt", "", NULL, NULL, 0, extra_self, &r);
	expect_code(&r, 400, "InvalidRequest");
	resp_release(&r);
}
END_TEST

START_TEST(test_list_v2_url_encoding)
{
	struct resp r;

	put_plain("/user-tester/l/a b+c%.txt", "1", 1);
	put_plain("/user-tester/l/d/e", "2", 1);
	ck_assert_int_eq(call("GET", "/user-tester", "list-type=2&prefix=l%2F&delimiter=%2F&encoding-type=url", NULL,
			      NULL, 0, NULL, &r), 200);
	ck_assert_msg(strstr(r.body.data, "<Key>l/a%20b%2Bc%25.txt</Key>"), "%s", r.body.data);
	ck_assert(strstr(r.body.data, "<CommonPrefixes><Prefix>l/d/</Prefix></CommonPrefixes>"));
	ck_assert(strstr(r.body.data, "<KeyCount>2</KeyCount>"));
	ck_assert(strstr(r.body.data, "<EncodingType>url</EncodingType>"));
	resp_release(&r);
	ck_assert_int_eq(call("GET", "/user-tester", "list-type=2&max-keys=1&prefix=l%2F", NULL, NULL, 0, NULL, &r), 200);
	ck_assert(strstr(r.body.data, "<IsTruncated>true</IsTruncated>"));
	ck_assert(strstr(r.body.data, "<NextContinuationToken>"));
	resp_release(&r);
	call("GET", "/user-tester", "list-type=2&continuation-token=bm9wZQ%3D%3D", NULL, NULL, 0, NULL, &r);
	expect_code(&r, 400, "InvalidArgument");
	resp_release(&r);
	call("GET", "/nobucket", "list-type=2", NULL, NULL, 0, NULL, &r);
	expect_code(&r, 404, "NoSuchBucket");
	resp_release(&r);
	call("DELETE", "/user-tester", "", NULL, NULL, 0, NULL, &r);
	expect_code(&r, 409, "BucketNotEmpty");
	resp_release(&r);
	call("PUT", "/Bad_Name", "", NULL, NULL, 0, NULL, &r);
	expect_code(&r, 400, "InvalidBucketName");
	resp_release(&r);
}
END_TEST

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_tls_and_aws_trailer)
{
	struct buf cert = BUF_INIT, key = BUF_INIT;
	struct error err;
	struct s3d *t;
	char *cmd, *ca, *f, *back;
	struct resp r;
	CURL *c;
	char *url;

	cmd = xasprintf("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
			"-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", tmp);
	if (run(cmd) != 0) {
		free(cmd);
		return;	/* no openssl: nothing to test with */
	}
	free(cmd);
	ca = xasprintf("%s/cert.pem", tmp);
	f = xasprintf("%s/key.pem", tmp);
	ck_assert_int_eq(file_read(ca, &cert, &err), 0);
	ck_assert_int_eq(file_read(f, &key, &err), 0);
	free(f);
	t = start(cert.data, key.data);
	/* plain libcurl over TLS, trusting the certificate */
	c = curl_easy_init();
	url = xasprintf("https://127.0.0.1:%d/", s3d_port(t));
	buf_init(&r.body, 0);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	ck_assert_int_eq(r.status, 403);	/* anonymous ListBuckets */
	curl_easy_cleanup(c);
	buf_release(&r.body);
	free(url);
	/* aws-cli over HTTPS sends STREAMING-UNSIGNED-PAYLOAD-TRAILER
	 * inside HTTP chunked encoding (PROTOCOLS 7.1) */
	f = xasprintf("%s/up.bin", tmp);
	back = xasprintf("%s/back.bin", tmp);
	cmd = xasprintf("command -v aws >/dev/null || exit 77; head -c 3000000 /dev/urandom >%s && "
			"AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE=%s "
			"AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
			"sh -c 'aws --endpoint-url https://127.0.0.1:%d s3 mb s3://user-tester >/dev/null && "
			"aws --endpoint-url https://127.0.0.1:%d s3 cp --quiet %s s3://user-tester/tls.bin && "
			"aws --endpoint-url https://127.0.0.1:%d s3 cp --quiet s3://user-tester/tls.bin %s' && cmp -s %s %s",
			f, AK, SK, ca, s3d_port(t), s3d_port(t), f, s3d_port(t), back, f, back);
	{
		int rc = run(cmd);

		ck_assert_msg(rc == 0 || rc == 77, "aws over TLS failed (%d)", rc);
	}
	free(cmd);
	free(f);
	free(back);
	free(ca);
	s3d_stop(t);
	buf_release(&cert);
	buf_release(&key);
}
END_TEST

static Suite *s3d_server_suite(void)
{
	Suite *s = suite_create("s3d_server");
	TCase *tc = tcase_create("core");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_streaming_signed);
	tcase_add_test(tc, test_signed_trailer);
	tcase_add_test(tc, test_unsigned_trailer);
	tcase_add_test(tc, test_multipart_rules);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_list_v2_url_encoding);
	tcase_add_test(tc, test_tls_and_aws_trailer);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3d_server_suite)
