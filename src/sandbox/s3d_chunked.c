/*
 * s3d_chunked.c: aws-chunked decoding as a byte-at-a-time state machine
 * (see s3d_chunked.h), shaped like curl's WebSocket decoder: a line state
 * collecting the chunk header or a trailer line, a data state counting the
 * chunk down, and the CRLF after the data.  Data is handed on as it
 * arrives, signed or not: a signed chunk's bytes feed a running SHA-256
 * and its signature is checked when its CRLF arrives, so memory stays flat
 * whatever the chunk size; the caller keeps what it received unpublished
 * until s3d_chunked_done.  Lines and trailers are capped so hostile input
 * cannot grow memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/sigv4.h"
#include "datalab/sandbox/s3d_chunked.h"
#include "datalab/sandbox/s3d_sum.h"

#define LINE_MAX_BYTES 4096
#define TRAILER_MAX_LINES 16

enum state {
	ST_HEADER,	/* collecting "hex[;ext]\r\n" */
	ST_DATA,
	ST_DATA_CR,
	ST_DATA_LF,
	ST_TRAILER,	/* collecting "name:value\r\n" or the final "\r\n" */
	ST_DONE,
	ST_ERROR,
};

struct trailer {
	char *name, *value;
};

struct s3d_chunked {
	enum state st;
	enum s3d_chunked_status status;
	char err[160];
	bool signed_;
	struct s3d_chunked_sign sign;
	char prev[65];
	s3d_chunked_data_fn *fn;
	void *arg;
	struct buf line;
	uint64_t size;		/* the current chunk's size */
	uint64_t left;		/* bytes of it still to come */
	bool last;		/* the zero-length chunk was seen */
	char chunk_sig[65];	/* the signature announced for the current chunk */
	struct s3d_sum hash;	/* sha256 of the current signed chunk so far */
	bool hashing;
	uint64_t decoded, verified;
	struct trailer trailers[TRAILER_MAX_LINES];
	size_t ntrailers;
	char trailer_sig[65];	/* x-amz-trailer-signature, kept apart */
	bool has_trailer_sig;
};

struct s3d_chunked *s3d_chunked_new(const struct s3d_chunked_sign *sign, s3d_chunked_data_fn *fn, void *arg)
{
	struct s3d_chunked *c = xcalloc(1, sizeof(*c));

	c->st = ST_HEADER;
	c->fn = fn;
	c->arg = arg;
	buf_init(&c->line, LINE_MAX_BYTES);
	if (sign) {
		c->signed_ = true;
		c->sign = *sign;
		str_copy(c->prev, sign->seed, sizeof(c->prev));
	}
	return c;
}

static enum s3d_chunked_status fail(struct s3d_chunked *c, enum s3d_chunked_status st, const char *msg)
{
	c->st = ST_ERROR;
	c->status = st;
	str_copy(c->err, msg, sizeof(c->err));
	return st;
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* parse_header: "hex[;chunk-signature=S]" in c->line (CRLF stripped). */
static enum s3d_chunked_status parse_header(struct s3d_chunked *c)
{
	const char *p = c->line.data, *semi = strchr(p, ';');
	size_t hexlen = semi ? (size_t)(semi - p) : c->line.len;
	uint64_t v = 0;

	if (hexlen == 0 || hexlen > 16)
		return fail(c, S3D_CHUNKED_EFRAME, "bad chunk size line");
	for (size_t i = 0; i < hexlen; i++) {
		char ch = p[i];

		if (!is_hex(ch))
			return fail(c, S3D_CHUNKED_EFRAME, "bad chunk size line");
		v = v * 16 + (uint64_t)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
	}
	c->chunk_sig[0] = '\0';
	if (semi) {
		const char *ext = semi + 1;

		if (str_has_prefix(ext, "chunk-signature=")) {
			const char *s = ext + strlen("chunk-signature=");

			if (strlen(s) != 64)
				return fail(c, S3D_CHUNKED_ESIG, "malformed chunk signature");
			str_copy(c->chunk_sig, s, sizeof(c->chunk_sig));
		}
	}
	if (c->signed_) {
		if (!c->chunk_sig[0])
			return fail(c, S3D_CHUNKED_ESIG, "a chunk has no signature");
		s3d_sum_init(&c->hash, S3D_SUM_SHA256);
		c->hashing = true;
	}
	c->left = v;
	c->last = v == 0;
	return S3D_CHUNKED_OK;
}

/* sig_eq: two hex signatures, compared in constant time. */
static bool sig_eq(const char *a, const char *b)
{
	unsigned char d = 0;

	if (strlen(a) != 64 || strlen(b) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		d |= (unsigned char)((a[i] | 0x20) ^ (b[i] | 0x20));
	return d == 0;
}

/* chunk_end: the data of one signed chunk is complete (it was handed on
 * as it came): check its signature, which the next chunk chains from. */
static enum s3d_chunked_status chunk_end(struct s3d_chunked *c, uint64_t len)
{
	unsigned char md[32];
	char hex[65], sig[65];

	if (!c->signed_)
		return S3D_CHUNKED_OK;
	s3d_sum_final(&c->hash, md);
	c->hashing = false;
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	sigv4_chunk_signature_digest(c->sign.key, c->sign.amz_date, c->sign.scope, c->prev, hex, sig);
	if (!sig_eq(sig, c->chunk_sig))
		return fail(c, S3D_CHUNKED_ESIG, "a chunk signature does not match");
	str_copy(c->prev, sig, sizeof(c->prev));
	c->verified += len;
	return S3D_CHUNKED_OK;
}

static int trailer_cmp(const void *a, const void *b)
{
	const struct trailer *x = *(const struct trailer *const *)a, *y = *(const struct trailer *const *)b;

	return strcasecmp(x->name, y->name);
}

/* trailer_end: the trailer's empty line arrived.  Signed: the trailer
 * lines, as "name:value\n" with names lower case and sorted, are signed
 * by x-amz-trailer-signature chained from the final chunk's signature. */
static enum s3d_chunked_status trailer_end(struct s3d_chunked *c)
{
	const struct trailer *sorted[TRAILER_MAX_LINES];
	struct buf canon;
	char sig[65];

	c->st = ST_DONE;
	if (!c->signed_ || (c->ntrailers == 0 && !c->has_trailer_sig))
		return S3D_CHUNKED_OK;
	if (!c->has_trailer_sig)
		return fail(c, S3D_CHUNKED_ESIG, "the trailer has no signature");
	for (size_t i = 0; i < c->ntrailers; i++)
		sorted[i] = &c->trailers[i];
	qsort(sorted, c->ntrailers, sizeof(sorted[0]), trailer_cmp);
	buf_init(&canon, 0);
	for (size_t i = 0; i < c->ntrailers; i++) {
		for (const char *p = sorted[i]->name; *p; p++)
			buf_addc(&canon, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
		buf_addf(&canon, ":%s\n", sorted[i]->value);
	}
	sigv4_trailer_signature(c->sign.key, c->sign.amz_date, c->sign.scope, c->prev, canon.data, canon.len, sig);
	buf_release(&canon);
	if (!sig_eq(sig, c->trailer_sig))
		return fail(c, S3D_CHUNKED_ESIG, "the trailer signature does not match");
	return S3D_CHUNKED_OK;
}

static enum s3d_chunked_status trailer_line(struct s3d_chunked *c)
{
	char *colon;
	struct trailer *t;

	if (c->line.len == 0)
		return trailer_end(c);
	colon = memchr(c->line.data, ':', c->line.len);
	if (!colon || colon == c->line.data)
		return fail(c, S3D_CHUNKED_EFRAME, "bad trailer line");
	if ((size_t)(colon - c->line.data) == strlen("x-amz-trailer-signature") &&
	    strncasecmp(c->line.data, "x-amz-trailer-signature", strlen("x-amz-trailer-signature")) == 0) {
		char *v = str_trim(xstrdup(colon + 1));

		if (c->has_trailer_sig || strlen(v) != 64) {
			free(v);
			return fail(c, S3D_CHUNKED_ESIG, "malformed trailer signature");
		}
		str_copy(c->trailer_sig, v, sizeof(c->trailer_sig));
		c->has_trailer_sig = true;
		free(v);
		return S3D_CHUNKED_OK;
	}
	if (c->ntrailers == TRAILER_MAX_LINES)
		return fail(c, S3D_CHUNKED_ELIMIT, "too many trailer lines");
	t = &c->trailers[c->ntrailers++];
	t->name = xstrndup(c->line.data, (size_t)(colon - c->line.data));
	t->value = str_trim(xstrdup(colon + 1));
	str_trim(t->name);
	return S3D_CHUNKED_OK;
}

/* line_byte: collects one byte of a CRLF-terminated line; returns 1 when
 * the line is complete (CRLF removed), 0 to go on, -1 on error. */
static int line_byte(struct s3d_chunked *c, char ch)
{
	if (ch == '\n') {
		if (c->line.len == 0 || c->line.data[c->line.len - 1] != '\r') {
			fail(c, S3D_CHUNKED_EFRAME, "a line does not end in CRLF");
			return -1;
		}
		buf_truncate(&c->line, c->line.len - 1);
		return 1;
	}
	if (ch == '\0' || (c->line.len && c->line.data[c->line.len - 1] == '\r')) {
		fail(c, S3D_CHUNKED_EFRAME, "a stray byte in a chunk line");
		return -1;
	}
	if (buf_addc(&c->line, ch) < 0) {
		fail(c, S3D_CHUNKED_ELIMIT, "a chunk line is too long");
		return -1;
	}
	return 0;
}

enum s3d_chunked_status s3d_chunked_feed(struct s3d_chunked *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int r;

		switch (c->st) {
		case ST_HEADER:
			r = line_byte(c, p[i++]);
			if (r < 0)
				return c->status;
			if (r == 0)
				break;
			if (parse_header(c) != S3D_CHUNKED_OK)
				return c->status;
			buf_reset(&c->line);
			c->st = c->left ? ST_DATA : ST_DATA_CR;
			c->size = c->left;
			if (c->last) {
				if (chunk_end(c, 0) != S3D_CHUNKED_OK)
					return c->status;
				c->st = ST_TRAILER;
			}
			break;
		case ST_DATA: {
			size_t take = n - i < c->left ? n - i : (size_t)c->left;

			if (c->signed_)
				s3d_sum_update(&c->hash, p + i, take);
			if (c->fn(c->arg, p + i, take) < 0)
				return fail(c, S3D_CHUNKED_ESINK, "cannot store the data");
			c->decoded += take;
			i += take;
			c->left -= take;
			if (c->left == 0)
				c->st = ST_DATA_CR;
			break;
		}
		case ST_DATA_CR:
			if (p[i++] != '\r')
				return fail(c, S3D_CHUNKED_EFRAME, "chunk data is longer than its size");
			c->st = ST_DATA_LF;
			break;
		case ST_DATA_LF:
			if (p[i++] != '\n')
				return fail(c, S3D_CHUNKED_EFRAME, "chunk data is not followed by CRLF");
			if (chunk_end(c, c->size) != S3D_CHUNKED_OK)
				return c->status;
			c->st = ST_HEADER;
			break;
		case ST_TRAILER:
			r = line_byte(c, p[i++]);
			if (r < 0)
				return c->status;
			if (r == 1) {
				if (trailer_line(c) != S3D_CHUNKED_OK)
					return c->status;
				buf_reset(&c->line);
			}
			break;
		case ST_DONE:
			return fail(c, S3D_CHUNKED_EFRAME, "data after the final chunk");
		case ST_ERROR:
			return c->status;
		}
	}
	return c->st == ST_ERROR ? c->status : S3D_CHUNKED_OK;
}

bool s3d_chunked_done(const struct s3d_chunked *c)
{
	return c->st == ST_DONE;
}

const char *s3d_chunked_error(const struct s3d_chunked *c)
{
	if (c->st == ST_ERROR)
		return c->err;
	if (c->st != ST_DONE)
		return "the body ended before the final chunk";
	return "";
}

uint64_t s3d_chunked_decoded(const struct s3d_chunked *c)
{
	return c->decoded;
}

uint64_t s3d_chunked_verified(const struct s3d_chunked *c)
{
	return c->signed_ ? c->verified : c->decoded;
}

const char *s3d_chunked_trailer(const struct s3d_chunked *c, const char *name)
{
	for (size_t i = 0; i < c->ntrailers; i++)
		if (str_case_eq(c->trailers[i].name, name))
			return c->trailers[i].value;
	return NULL;
}

void s3d_chunked_free(struct s3d_chunked *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ntrailers; i++) {
		free(c->trailers[i].name);
		free(c->trailers[i].value);
	}
	buf_release(&c->line);
	if (c->hashing)
		s3d_sum_release(&c->hash);
	free(c);
}
