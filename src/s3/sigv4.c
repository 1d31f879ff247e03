/*
 * sigv4.c: AWS Signature Version 4 for S3 (see sigv4.h).
 *
 * The one place both the console (signing) and the sandbox (checking)
 * build a CanonicalRequest, so the two can never disagree.  Steps, as
 * the AWS page "sig-v4-header-based-auth" lays them out:
 *   CanonicalRequest = METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n HASH
 *   StringToSign     = ALGORITHM \n DATE \n SCOPE \n hex(sha256(CR))
 *   Signature        = hex(HMAC(key(secret, date, region, service), STS))
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"

static const char *service_of(const struct sigv4_request *rq)
{
	return rq->service && *rq->service ? rq->service : "s3";
}

int sigv4_uri_encode(struct buf *out, const char *p, size_t n, bool keep_slash)
{
	return str_url_encode(out, p, n, keep_slash);
}

void sigv4_sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static void hmac(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len);
}

static void hex32(const unsigned char md[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* A header prepared for signing: lower-case name, trimmed squeezed value. */
struct canon_hdr {
	char *name;
	char *value;
};

static int cmp_hdr(const void *a, const void *b)
{
	const struct canon_hdr *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static char *squeeze(const char *v)
{
	size_t n = v ? strlen(v) : 0, o = 0;
	char *s = xmalloc(n + 1);
	bool space = false;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		char c = v[i] == '\t' ? ' ' : v[i];

		if (c == ' ') {
			space = true;
			continue;
		}
		if (space && o > 0)
			s[o++] = ' ';
		space = false;
		s[o++] = c;
	}
	s[o] = '\0';
	return s;
}

/* canon_headers: sorted lower-case headers; headers of the same name are
 * joined with ',' as AWS does. */
static struct canon_hdr *canon_headers(const struct sigv4_request *rq, size_t *count)
{
	struct canon_hdr *h = xcalloc(rq->nheaders ? rq->nheaders : 1, sizeof(*h));
	size_t n = 0;

	for (size_t i = 0; i < rq->nheaders; i++) {
		char *name = xstrdup(rq->headers[i].name ? rq->headers[i].name : "");
		char *value = squeeze(rq->headers[i].value);

		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		h[n].name = name;
		h[n].value = value;
		n++;
	}
	if (n > 1)
		qsort(h, n, sizeof(*h), cmp_hdr);
	/* merge duplicates */
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (o > 0 && strcmp(h[o - 1].name, h[i].name) == 0) {
			char *v = xasprintf("%s,%s", h[o - 1].value, h[i].value);

			free(h[o - 1].value);
			h[o - 1].value = v;
			free(h[i].name);
			free(h[i].value);
			continue;
		}
		h[o++] = h[i];
	}
	*count = o;
	return h;
}

static void free_headers(struct canon_hdr *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

/* An encoded query parameter, for sorting. */
struct canon_q {
	char *name, *value;
};

static int cmp_q(const void *a, const void *b)
{
	const struct canon_q *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

static char *encode(const char *s, bool keep_slash)
{
	struct buf b;

	buf_init(&b, 0);
	if (s)
		str_url_encode(&b, s, strlen(s), keep_slash);
	return buf_take(&b, NULL);
}

static int add_query(struct buf *out, const struct sigv4_param *q, size_t nq)
{
	struct canon_q *c = xcalloc(nq ? nq : 1, sizeof(*c));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < nq; i++) {
		if (!q[i].name || strcmp(q[i].name, "X-Amz-Signature") == 0)
			continue;
		c[n].name = encode(q[i].name, false);
		c[n].value = encode(q[i].value, false);
		n++;
	}
	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_q);
	for (size_t i = 0; i < n; i++) {
		if (buf_addf(out, "%s%s=%s", i ? "&" : "", c[i].name, c[i].value) < 0)
			rc = -1;
		free(c[i].name);
		free(c[i].value);
	}
	free(c);
	return rc;
}

int sigv4_signed_headers(const struct sigv4_request *rq, struct buf *out)
{
	size_t n;
	struct canon_hdr *h = canon_headers(rq, &n);
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (buf_addf(out, "%s%s", i ? ";" : "", h[i].name) < 0)
			rc = -1;
	free_headers(h, n);
	return rc;
}

int sigv4_canonical_request(const struct sigv4_request *rq, struct buf *out)
{
	const char *path = rq->path && *rq->path ? rq->path : "/";
	size_t n;
	struct canon_hdr *h;
	int rc = 0;

	if (buf_addf(out, "%s\n", rq->method) < 0 || str_url_encode(out, path, strlen(path), true) < 0 ||
	    buf_addc(out, '\n') < 0 || add_query(out, rq->query, rq->nquery) < 0 || buf_addc(out, '\n') < 0)
		return -1;
	h = canon_headers(rq, &n);
	for (size_t i = 0; i < n; i++)
		if (buf_addf(out, "%s:%s\n", h[i].name, h[i].value) < 0)
			rc = -1;
	free_headers(h, n);
	if (rc < 0 || buf_addc(out, '\n') < 0 || sigv4_signed_headers(rq, out) < 0 ||
	    buf_addf(out, "\n%s", rq->payload_hash ? rq->payload_hash : SIGV4_UNSIGNED) < 0)
		return -1;
	return 0;
}

int sigv4_scope(const struct sigv4_request *rq, struct buf *out)
{
	if (!rq->amz_date || strlen(rq->amz_date) < 8)
		return -1;
	return buf_addf(out, "%.8s/%s/%s/aws4_request", rq->amz_date, rq->region ? rq->region : "us-east-1",
			service_of(rq));
}

void sigv4_signing_key(const char *secret, const char *date8, const char *region, const char *service,
		       unsigned char key[32])
{
	char *k = xasprintf("AWS4%s", secret ? secret : "");
	unsigned char a[32], b[32];

	hmac(k, strlen(k), date8, 8, a);
	hmac(a, 32, region, strlen(region), b);
	hmac(b, 32, service, strlen(service), a);
	hmac(a, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k, strlen(k));
	free(k);
}

/* sign: the signature of rq whose canonical request is in cr. */
static int sign(const struct sigv4_request *rq, const char *secret, const struct buf *cr, char sig[65])
{
	struct buf sts, scope;
	char crhash[65];
	unsigned char key[32], md[32];

	buf_init(&sts, 0);
	buf_init(&scope, 0);
	if (sigv4_scope(rq, &scope) < 0) {
		buf_release(&scope);
		return -1;
	}
	sigv4_sha256_hex(cr->data, cr->len, crhash);
	buf_addf(&sts, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, rq->amz_date, scope.data, crhash);
	sigv4_signing_key(secret, rq->amz_date, rq->region ? rq->region : "us-east-1", service_of(rq), key);
	hmac(key, 32, sts.data, sts.len, md);
	hex32(md, sig);
	OPENSSL_cleanse(key, sizeof(key));
	buf_release(&sts);
	buf_release(&scope);
	return 0;
}

int sigv4_signature(const struct sigv4_request *rq, const char *secret, char sig[65])
{
	struct buf cr;
	int rc;

	buf_init(&cr, 0);
	rc = sigv4_canonical_request(rq, &cr);
	if (rc == 0)
		rc = sign(rq, secret, &cr, sig);
	buf_release(&cr);
	return rc;
}

int sigv4_authorization(const struct sigv4_request *rq, const char *access_key, const char *secret,
			struct buf *out)
{
	char sig[65];
	struct buf scope, signed_h;
	int rc = -1;

	buf_init(&scope, 0);
	buf_init(&signed_h, 0);
	if (sigv4_signature(rq, secret, sig) == 0 && sigv4_scope(rq, &scope) == 0 &&
	    sigv4_signed_headers(rq, &signed_h) == 0)
		rc = buf_addf(out, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
			      access_key, scope.data, signed_h.data, sig);
	buf_release(&scope);
	buf_release(&signed_h);
	return rc;
}

int sigv4_presign(const struct sigv4_request *rq, const char *host, const char *access_key, const char *secret,
		  const char *session_token, long expires, struct buf *out)
{
	struct sigv4_param *q = xcalloc(rq->nquery + 6, sizeof(*q));
	struct sigv4_param hdr = { "host", host };
	struct sigv4_request r = *rq;
	struct buf scope, cred;
	char exp[24], sig[65];
	size_t n = 0;
	int rc = -1;

	buf_init(&scope, 0);
	buf_init(&cred, 0);
	if (expires < 1 || expires > 604800 || sigv4_scope(rq, &scope) < 0)
		goto out;
	buf_addf(&cred, "%s/%s", access_key, scope.data);
	snprintf(exp, sizeof(exp), "%ld", expires);
	for (size_t i = 0; i < rq->nquery; i++)
		q[n++] = rq->query[i];
	q[n++] = (struct sigv4_param){ "X-Amz-Algorithm", SIGV4_ALGORITHM };
	q[n++] = (struct sigv4_param){ "X-Amz-Credential", cred.data };
	q[n++] = (struct sigv4_param){ "X-Amz-Date", rq->amz_date };
	q[n++] = (struct sigv4_param){ "X-Amz-Expires", exp };
	if (session_token && *session_token)
		q[n++] = (struct sigv4_param){ "X-Amz-Security-Token", session_token };
	q[n++] = (struct sigv4_param){ "X-Amz-SignedHeaders", "host" };
	r.query = q;
	r.nquery = n;
	r.headers = &hdr;
	r.nheaders = 1;
	r.payload_hash = SIGV4_UNSIGNED;
	if (sigv4_signature(&r, secret, sig) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(out, '&');
		str_url_encode(out, q[i].name, strlen(q[i].name), false);
		buf_addc(out, '=');
		if (q[i].value)
			str_url_encode(out, q[i].value, strlen(q[i].value), false);
	}
	rc = buf_addf(out, "&X-Amz-Signature=%s", sig);
out:
	buf_release(&scope);
	buf_release(&cred);
	free(q);
	return rc;
}

void sigv4_chunk_signature(const unsigned char key[32], const char *amz_date, const char *scope,
			   const char *prev_sig, const void *data, size_t n, char sig[65])
{
	char dh[65];

	sigv4_sha256_hex(data, n, dh);
	sigv4_chunk_signature_digest(key, amz_date, scope, prev_sig, dh, sig);
}

/* sign_streaming: HMAC of "<algo>\n<date>\n<scope>\n<prev>\n<rest>". */
static void sign_streaming(const unsigned char key[32], const char *algo, const char *amz_date, const char *scope,
			   const char *prev_sig, const char *rest, char sig[65])
{
	struct buf sts;
	unsigned char md[32];

	buf_init(&sts, 0);
	buf_addf(&sts, "%s\n%s\n%s\n%s\n%s", algo, amz_date, scope, prev_sig, rest);
	hmac(key, 32, sts.data, sts.len, md);
	hex32(md, sig);
	buf_release(&sts);
}

void sigv4_chunk_signature_digest(const unsigned char key[32], const char *amz_date, const char *scope,
				  const char *prev_sig, const char data_sha256[65], char sig[65])
{
	char rest[130];

	snprintf(rest, sizeof(rest), "%s\n%s", SIGV4_EMPTY_SHA256, data_sha256);
	sign_streaming(key, "AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev_sig, rest, sig);
}

void sigv4_trailer_signature(const unsigned char key[32], const char *amz_date, const char *scope,
			     const char *prev_sig, const void *canonical, size_t n, char sig[65])
{
	char th[65];

	sigv4_sha256_hex(canonical, n, th);
	sign_streaming(key, "AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev_sig, th, sig);
}

void sigv4_amz_date(int64_t t, char out[17])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int sigv4_parse_amz_date(const char *s, int64_t *t)
{
	struct tm tm = { 0 };
	int v[6];

	if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return -1;
	v[0] = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	v[1] = (s[4] - '0') * 10 + (s[5] - '0');
	v[2] = (s[6] - '0') * 10 + (s[7] - '0');
	v[3] = (s[9] - '0') * 10 + (s[10] - '0');
	v[4] = (s[11] - '0') * 10 + (s[12] - '0');
	v[5] = (s[13] - '0') * 10 + (s[14] - '0');
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*t = (int64_t)timegm(&tm);
	return 0;
}
