/*
 * transfer.c: downloads to files and uploads from files (see client.h;
 * calls and signing are in client.c).
 *
 * Download: one streamed GET; chunks gather in a 1 MiB buffer written to
 * the temp file of s3/download; on a good end the size is checked and the
 * file committed, otherwise it is removed.
 *
 * Upload: the file is opened once and read with pread as curl asks for
 * bytes (http_request_body_cb), each request keeping an MD5 of what it
 * sent.  Below the threshold, one PUT; above it, CreateMultipartUpload,
 * then up to `parallel` UploadPart requests in flight, each part's ETag
 * compared with its MD5 (a part that fails on the network or with a 5xx
 * is sent again, twice at most), then CompleteMultipartUpload, whose
 * reply may be an <Error> inside a 200 and whose ETag must be the MD5 of
 * the part MD5s plus "-N".  Any failure, and a cancel, aborts the upload
 * on the server with a DELETE ?uploadId= nobody waits for.
 *
 * Recursive deletes are in delete.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/s3/download.h"
#include "client-internal.h"

#define WRITE_CHUNK (1024 * 1024)
#define PROGRESS_MIN (64 * 1024)	/* report every 1/64th, within 64 KiB..1 MiB */
#define PROGRESS_MAX (1024 * 1024)
#define PART_TRIES 3
#define MAX_PARTS 10000

static uint64_t progress_step(uint64_t total)
{
	return DL_MAX((uint64_t)PROGRESS_MIN, DL_MIN((uint64_t)PROGRESS_MAX, total / 64));
}

static void md5_hex(const unsigned char d[16], char out[33])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[32] = '\0';
}

static EVP_MD_CTX *md5_new(void)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	if (!m || EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1)
		fatal("MD5 is not available");
	return m;
}

static void md5_done(EVP_MD_CTX **m, unsigned char out[16])
{
	unsigned int n = 16;

	EVP_DigestFinal_ex(*m, out, &n);
	EVP_MD_CTX_free(*m);
	*m = NULL;
}

/* "\"abc\"" -> "abc" into a fresh string. */
static char *unquote(const char *etag)
{
	size_t n;

	if (!etag)
		return NULL;
	while (*etag == '"' || *etag == ' ')
		etag++;
	n = strlen(etag);
	while (n > 0 && (etag[n - 1] == '"' || etag[n - 1] == ' '))
		n--;
	return xstrndup(etag, n);
}

/* Server-side encryption with KMS or customer keys: ETags are not MD5s. */
static bool etag_not_md5(struct http_request *hr)
{
	const char *sse = http_header(hr, "x-amz-server-side-encryption");

	return (sse && str_has_prefix(sse, "aws:kms")) ||
	       http_header(hr, "x-amz-server-side-encryption-customer-algorithm");
}

/* ---- download ---- */

struct get_state {
	struct s3_call *c;
	struct s3_download dl;
	struct buf wbuf;
	uint64_t total, reported;
	bool overwrite;
	struct http_request *hr;
};

static void get_free(struct s3_call *c, bool cancelled)
{
	struct get_state *g = c->x;

	if (cancelled && g->hr)
		http_cancel(g->hr);
	s3_download_abort(&g->dl);
	buf_release(&g->wbuf);
	free(g);
	c->x = NULL;
}

static int get_flush(struct get_state *g, struct error *err)
{
	int rc = s3_download_write(&g->dl, g->wbuf.data, g->wbuf.len, err);

	buf_reset(&g->wbuf);
	return rc;
}

static void get_progress(struct get_state *g, bool force)
{
	uint64_t done = g->dl.written + g->wbuf.len;

	if (g->c->progress && (force || done - g->reported >= progress_step(g->total))) {
		g->reported = done;
		g->c->progress(g->c, done, g->total, g->c->arg);
	}
}

static void get_on_data(struct http_request *hr, const char *p, size_t n, void *arg)
{
	struct s3_call *c = arg;
	struct get_state *g = c->x;
	struct error err;

	if (!g->total) {
		const char *cl = http_header(hr, "Content-Length");
		uint64_t v;

		if (cl && str_parse_u64(cl, &v) == 0)
			g->total = v;
	}
	buf_add(&g->wbuf, p, n);
	if (g->wbuf.len >= WRITE_CHUNK && get_flush(g, &err) < 0) {
		http_cancel(hr);
		g->hr = NULL;
		s3_call_fail_later(c, &err);
		return;
	}
	get_progress(g, false);
}

static void get_on_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct s3_call *c = arg;
	struct get_state *g = c->x;
	struct error err;

	g->hr = NULL;
	error_clear(&err);
	if (s3_reply_check(c, hr, herr, S3_DOC_UNKNOWN, &c->doc, &err) == 0 && get_flush(g, &err) == 0) {
		const char *cl = http_header(hr, "Content-Length");
		uint64_t want;

		if (cl && str_parse_u64(cl, &want) == 0 && want != g->dl.written)
			error_set(&err, ERR_NET, "the download of '%.150s' ended early: %llu of %llu bytes", c->subject,
				  (unsigned long long)g->dl.written, (unsigned long long)want);
		else if (s3_download_commit(&g->dl, g->overwrite, &err) == 0)
			c->path = s3_download_path(&g->dl);
		if (!err.code) {
			g->total = g->dl.written;
			get_progress(g, true);
		}
	}
	c->hr = hr;
	s3_call_finish(c, &err);	/* get_free removes a temp file left */
}

struct s3_call *s3_get_object(struct s3 *s, const struct s3_get_opts *o, s3_progress_fn *progress, s3_done_fn *fn,
			      void *arg, struct error *err)
{
	struct s3_req rq = { .method = "GET", .bucket = o->bucket, .key = o->key };
	struct get_state *g;
	struct s3_call *c;
	struct buf name;

	if (s3_check_key(o->key, err) < 0)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	buf_init(&name, 0);
	if (o->name)
		buf_adds(&name, o->name);
	else
		s3_download_name(o->key, strlen(o->key), &name);
	if (s3_download_open(&g->dl, o->dir, name.data, err) < 0) {
		buf_release(&name);
		free(g);
		return NULL;
	}
	buf_release(&name);
	buf_init(&g->wbuf, 0);
	buf_grow(&g->wbuf, WRITE_CHUNK + 64 * 1024);
	g->overwrite = o->overwrite;
	c = s3_call_new(s, o->bucket, o->key, fn, arg);
	c->progress = progress;
	c->x = g;
	c->x_free = get_free;
	g->c = c;
	g->hr = s3_request(s, &rq, err);
	if (g->hr) {
		http_request_stream(g->hr, get_on_data, c);
		http_request_on_done(g->hr, get_on_done, c);
		if (http_start(s->http, g->hr, err) == 0)
			return c;
		g->hr = NULL;
	}
	c->fn = NULL;
	s3_cancel(c);
	return NULL;
}

/* ---- upload ---- */

struct part {
	struct put_state *ps;
	int number;		/* 1-based */
	uint64_t off, len, sent;
	EVP_MD_CTX *md5;
	unsigned char digest[16];
	char *etag;
	struct http_request *hr;
	int tries;
	bool done;
};

struct put_state {
	struct s3_call *c;
	struct s3 *s;
	char *bucket, *key, *path, *content_type;
	int fd;
	uint64_t size, sent, reported;
	/* single PUT */
	struct part single;
	/* multipart */
	uint64_t part_size;
	int nparts, next, inflight, parallel, ndone;
	struct part *parts;
	char *upload_id;
	struct http_request *hr;	/* initiate or complete */
	bool not_md5;			/* SSE-KMS / SSE-C: ETags are not MD5s */
};

static const char *guess_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".csv", "text/csv" }, { ".txt", "text/plain" }, { ".md", "text/markdown" },
		{ ".json", "application/json" }, { ".html", "text/html" }, { ".xml", "application/xml" },
		{ ".yaml", "application/yaml" }, { ".yml", "application/yaml" }, { ".py", "text/x-python" },
		{ ".r", "text/plain" }, { ".ipynb", "application/x-ipynb+json" }, { ".png", "image/png" },
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" }, { ".pdf", "application/pdf" },
		{ ".zip", "application/zip" }, { ".gz", "application/gzip" }, { ".parquet", "application/vnd.apache.parquet" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < DL_ARRAY_LEN(types); i++)
		if (str_case_eq(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static void put_progress(struct put_state *ps, bool force)
{
	/* a part sent again makes sent go back: the report never does */
	if (ps->c->progress && (force || (ps->sent > ps->reported && ps->sent - ps->reported >= progress_step(ps->size)))) {
		ps->reported = ps->sent;
		ps->c->progress(ps->c, ps->sent, ps->size, ps->c->arg);
	}
}

static long part_read(struct http_request *hr, char *p, size_t max, void *arg)
{
	struct part *pt = arg;
	struct put_state *ps = pt->ps;
	size_t want = (size_t)DL_MIN((uint64_t)max, pt->len - pt->sent);
	ssize_t k;

	(void)hr;
	if (want == 0)
		return 0;
	do
		k = pread(ps->fd, p, want, (off_t)(pt->off + pt->sent));
	while (k < 0 && errno == EINTR);
	if (k <= 0) {
		log_warn("s3: reading '%s' at %llu: %s", ps->path, (unsigned long long)(pt->off + pt->sent),
			 k < 0 ? strerror(errno) : "end of file");
		return -1;	/* the file shrank or failed: curl aborts */
	}
	EVP_DigestUpdate(pt->md5, p, (size_t)k);
	pt->sent += (uint64_t)k;
	ps->sent += (uint64_t)k;
	put_progress(ps, false);
	return (long)k;
}

static void part_reset(struct part *pt)
{
	pt->ps->sent -= pt->sent;
	pt->sent = 0;
	if (pt->md5)
		EVP_MD_CTX_free(pt->md5);
	pt->md5 = md5_new();
}

static void abort_upload(struct put_state *ps)
{
	struct s3_req rq = { .method = "DELETE", .bucket = ps->bucket, .key = ps->key, .timeout_ms = S3_META_TIMEOUT_MS };
	struct error err;

	if (!ps->upload_id)
		return;
	rq.query[rq.nquery++] = (struct sigv4_param){ "uploadId", ps->upload_id };
	if (!s3_call_simple(ps->s, ps->bucket, ps->key, &rq, S3_DOC_UNKNOWN, NULL, NULL, &err))
		log_warn("s3: cannot abort the upload of '%s/%s': %s", ps->bucket, ps->key, err.msg);
	free(ps->upload_id);
	ps->upload_id = NULL;
}

static void put_free(struct s3_call *c, bool cancelled)
{
	struct put_state *ps = c->x;

	http_cancel(ps->hr);
	http_cancel(ps->single.hr);
	for (int i = 0; i < ps->nparts; i++) {
		http_cancel(ps->parts[i].hr);
		if (ps->parts[i].md5)
			EVP_MD_CTX_free(ps->parts[i].md5);
		free(ps->parts[i].etag);
	}
	if (ps->single.md5)
		EVP_MD_CTX_free(ps->single.md5);
	free(ps->single.etag);
	if (cancelled || ps->upload_id)
		abort_upload(ps);	/* a finished upload has no id left */
	if (ps->fd >= 0)
		close(ps->fd);
	free(ps->parts);
	free(ps->bucket);
	free(ps->key);
	free(ps->path);
	free(ps->content_type);
	free(ps);
	c->x = NULL;
}

/* Ends the upload with err (aborting it server-side) from a timer. */
static void put_fail(struct put_state *ps, const struct error *err)
{
	http_cancel(ps->hr);
	ps->hr = NULL;
	for (int i = 0; i < ps->nparts; i++) {
		http_cancel(ps->parts[i].hr);
		ps->parts[i].hr = NULL;
	}
	abort_upload(ps);
	s3_call_fail_later(ps->c, err);
}

/* Compares a reply's ETag with the MD5 of what was sent. */
static int check_etag(struct put_state *ps, struct part *pt, struct http_request *hr, struct error *err)
{
	char hex[33];

	free(pt->etag);
	pt->etag = unquote(http_header(hr, "ETag"));
	md5_done(&pt->md5, pt->digest);
	if (!pt->etag)
		return error_set(err, ERR_PARSE, "S3 sent no ETag for '%.150s'", ps->c->subject);
	if (etag_not_md5(hr)) {
		ps->not_md5 = true;
		return 0;
	}
	md5_hex(pt->digest, hex);
	if (!str_case_eq(hex, pt->etag))
		return error_set(err, ERR_INVALID, "upload of '%.120s' damaged on the way: S3 has ETag %.40s, "
				 "sent MD5 %s", ps->c->subject, pt->etag, hex);
	return 0;
}

static void single_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct put_state *ps = arg;
	struct s3_call *c = ps->c;
	struct error err;

	ps->single.hr = NULL;
	error_clear(&err);
	if (s3_reply_check(c, hr, herr, S3_DOC_UNKNOWN, &c->doc, &err) == 0 &&
	    check_etag(ps, &ps->single, hr, &err) == 0) {
		c->etag = xstrdup(ps->single.etag);
		put_progress(ps, true);
	}
	c->hr = hr;
	s3_call_finish(c, &err);
}

static int start_single(struct put_state *ps, struct error *err)
{
	struct s3_req rq = { .method = "PUT", .bucket = ps->bucket, .key = ps->key };

	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-type", ps->content_type };
	ps->single.ps = ps;
	ps->single.len = ps->size;
	ps->single.md5 = md5_new();
	rq.stream_size = (long long)ps->size;
	rq.stream_fn = part_read;
	rq.stream_arg = &ps->single;
	ps->single.hr = s3_request(ps->s, &rq, err);
	if (!ps->single.hr)
		return -1;
	http_request_on_done(ps->single.hr, single_done, ps);
	if (http_start(ps->s->http, ps->single.hr, err) < 0) {
		ps->single.hr = NULL;
		return -1;
	}
	return 0;
}

static void complete_done(struct http_request *hr, const struct error *herr, void *arg);
static void launch_parts(struct put_state *ps);

static void start_complete(struct put_state *ps)
{
	struct s3_req rq = { .method = "POST", .bucket = ps->bucket, .key = ps->key, .timeout_ms = 0 };
	struct s3_part *list = xcalloc((size_t)ps->nparts, sizeof(*list));
	struct buf body;
	struct error err;

	buf_init(&body, 0);
	for (int i = 0; i < ps->nparts; i++) {
		list[i].number = ps->parts[i].number;
		list[i].etag = ps->parts[i].etag;
	}
	s3_xml_complete_body(&body, list, (size_t)ps->nparts);
	free(list);
	rq.query[rq.nquery++] = (struct sigv4_param){ "uploadId", ps->upload_id };
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-type", "application/xml" };
	rq.body = body.data;
	rq.body_len = body.len;
	rq.has_body = true;
	ps->hr = s3_request(ps->s, &rq, &err);
	buf_release(&body);
	if (ps->hr) {
		http_request_on_done(ps->hr, complete_done, ps);
		if (http_start(ps->s->http, ps->hr, &err) == 0)
			return;
		ps->hr = NULL;
	}
	put_fail(ps, &err);
}

static bool retryable(struct http_request *hr, const struct error *herr)
{
	return (herr && herr->code == ERR_NET) || http_status(hr) >= 500;
}

static void part_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct part *pt = arg;
	struct put_state *ps = pt->ps;
	struct s3_doc doc = { 0 };
	struct error err;

	pt->hr = NULL;
	ps->inflight--;
	error_clear(&err);
	if (s3_reply_check(ps->c, hr, herr, S3_DOC_UNKNOWN, &doc, &err) < 0 ||
	    check_etag(ps, pt, hr, &err) < 0) {
		s3_xml_release(&doc);
		if (++pt->tries < PART_TRIES && retryable(hr, herr)) {
			log_info("s3: part %d of '%s' again (%s)", pt->number, ps->c->subject, err.msg);
			part_reset(pt);
			ps->next = DL_MIN(ps->next, pt->number - 1);
			launch_parts(ps);
			return;
		}
		put_fail(ps, &err);
		return;
	}
	s3_xml_release(&doc);
	pt->done = true;
	ps->ndone++;
	if (ps->ndone == ps->nparts)
		start_complete(ps);
	else
		launch_parts(ps);
}

static void launch_parts(struct put_state *ps)
{
	while (ps->inflight < ps->parallel && ps->next < ps->nparts) {
		struct part *pt = &ps->parts[ps->next++];
		struct s3_req rq = { .method = "PUT", .bucket = ps->bucket, .key = ps->key };
		char num[16];
		struct error err;

		if (pt->done || pt->hr)
			continue;
		snprintf(num, sizeof(num), "%d", pt->number);
		rq.query[rq.nquery++] = (struct sigv4_param){ "partNumber", num };
		rq.query[rq.nquery++] = (struct sigv4_param){ "uploadId", ps->upload_id };
		rq.stream_size = (long long)pt->len;
		rq.stream_fn = part_read;
		rq.stream_arg = pt;
		if (!pt->md5)
			pt->md5 = md5_new();
		pt->hr = s3_request(ps->s, &rq, &err);
		if (pt->hr) {
			http_request_on_done(pt->hr, part_done, pt);
			if (http_start(ps->s->http, pt->hr, &err) == 0) {
				ps->inflight++;
				continue;
			}
			pt->hr = NULL;
		}
		put_fail(ps, &err);
		return;
	}
}

static void complete_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct put_state *ps = arg;
	struct s3_call *c = ps->c;
	struct error err;
	unsigned char all[16];
	char hex[33], *want;

	ps->hr = NULL;
	error_clear(&err);
	if (s3_reply_check(c, hr, herr, S3_DOC_COMPLETE, &c->doc, &err) < 0) {
		put_fail(ps, &err);	/* aborts: the parts are not kept */
		return;
	}
	free(ps->upload_id);	/* completed: nothing to abort any more */
	ps->upload_id = NULL;
	{
		EVP_MD_CTX *m = md5_new();

		for (int i = 0; i < ps->nparts; i++)
			EVP_DigestUpdate(m, ps->parts[i].digest, 16);
		md5_done(&m, all);
	}
	md5_hex(all, hex);
	want = xasprintf("%s-%d", hex, ps->nparts);
	c->etag = xstrdup(c->doc.etag ? c->doc.etag : "");
	if (!ps->not_md5 && !etag_not_md5(hr) && !str_case_eq(c->etag, want))
		error_set(&err, ERR_INVALID, "upload of '%.120s' does not match: S3 has ETag %.40s, expected %s",
			  c->subject, c->etag, want);
	free(want);
	if (!err.code)
		put_progress(ps, true);
	c->hr = hr;
	s3_call_finish(c, &err);
}

static void initiate_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct put_state *ps = arg;
	struct s3_call *c = ps->c;
	struct s3_doc doc = { 0 };
	struct error err;

	ps->hr = NULL;
	if (s3_reply_check(c, hr, herr, S3_DOC_INITIATE, &doc, &err) < 0 || !doc.upload_id || !*doc.upload_id) {
		if (!err.code || doc.kind == S3_DOC_INITIATE)
			error_set(&err, ERR_PARSE, "S3 at '%.100s' gave no upload id for '%.100s'", ps->s->hostport,
				  c->subject);
		s3_xml_release(&doc);
		s3_call_fail_later(c, &err);
		return;
	}
	ps->upload_id = xstrdup(doc.upload_id);
	s3_xml_release(&doc);
	launch_parts(ps);
}

static int start_multipart(struct put_state *ps, const struct s3_put_opts *o, struct error *err)
{
	struct s3_req rq = { .method = "POST", .bucket = ps->bucket, .key = ps->key, .timeout_ms = S3_META_TIMEOUT_MS };
	uint64_t ps_min = (ps->size + MAX_PARTS - 1) / MAX_PARTS;

	ps->part_size = o->part_size ? o->part_size : S3_PART_SIZE;
	if (ps->part_size < ps_min)
		ps->part_size = (ps_min + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	ps->nparts = (int)((ps->size + ps->part_size - 1) / ps->part_size);
	ps->parallel = o->parallel > 0 ? o->parallel : S3_PARALLEL_PARTS;
	ps->parts = xcalloc((size_t)ps->nparts, sizeof(*ps->parts));
	for (int i = 0; i < ps->nparts; i++) {
		ps->parts[i].ps = ps;
		ps->parts[i].number = i + 1;
		ps->parts[i].off = (uint64_t)i * ps->part_size;
		ps->parts[i].len = DL_MIN(ps->part_size, ps->size - ps->parts[i].off);
	}
	rq.query[rq.nquery++] = (struct sigv4_param){ "uploads", NULL };
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-type", ps->content_type };
	ps->hr = s3_request(ps->s, &rq, err);
	if (!ps->hr)
		return -1;
	http_request_on_done(ps->hr, initiate_done, ps);
	if (http_start(ps->s->http, ps->hr, err) < 0) {
		ps->hr = NULL;
		return -1;
	}
	return 0;
}

struct s3_call *s3_put_object(struct s3 *s, const struct s3_put_opts *o, s3_progress_fn *progress, s3_done_fn *fn,
			      void *arg, struct error *err)
{
	struct put_state *ps;
	struct s3_call *c;
	struct stat st;
	int fd, rc;

	if (s3_check_key(o->key, err) < 0)
		return NULL;
	fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "unable to open '%.200s'", o->path), NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, ERR_INVALID, "'%.200s' is not a regular file", o->path), NULL;
	}
	ps = xcalloc(1, sizeof(*ps));
	ps->s = s;
	ps->fd = fd;
	ps->size = (uint64_t)st.st_size;
	ps->bucket = xstrdup(o->bucket);
	ps->key = xstrdup(o->key);
	ps->path = xstrdup(o->path);
	ps->content_type = xstrdup(o->content_type ? o->content_type : guess_type(o->path));
	c = s3_call_new(s, o->bucket, o->key, fn, arg);
	c->progress = progress;
	c->x = ps;
	c->x_free = put_free;
	ps->c = c;
	if (ps->size >= (o->threshold ? o->threshold : S3_MULTIPART_THRESHOLD) && ps->size > 0)
		rc = start_multipart(ps, o, err);
	else
		rc = start_single(ps, err);
	if (rc < 0) {
		c->fn = NULL;
		s3_cancel(c);
		return NULL;
	}
	return c;
}
