/*
 * delete.c: deleting everything under a prefix (see client.h).
 *
 * Data flow: list a page (no delimiter, 1000 keys), send DeleteObjects
 * for it (Quiet, Content-MD5), then DELETE one by one the keys XML cannot
 * carry (controls), then the next page with the continuation token; a
 * token that repeats or is missing on a truncated page ends the call with
 * an error instead of a loop.  Per-key failures are counted; the first
 * is the call's error.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "client-internal.h"

struct del_state {
	struct s3_call *c;
	struct s3 *s;
	char *bucket, *prefix, *token;
	struct s3_doc page;
	size_t single;		/* next key of the page to delete alone */
	bool *alone;		/* per key of the page: XML cannot carry it */
	struct http_request *hr;
	struct error first;	/* the first per-key failure */
};

static void del_free(struct s3_call *c, bool cancelled)
{
	struct del_state *d = c->x;

	(void)cancelled;
	http_cancel(d->hr);
	s3_xml_release(&d->page);
	free(d->alone);
	free(d->bucket);
	free(d->prefix);
	free(d->token);
	free(d);
	c->x = NULL;
}

static void del_next_page(struct del_state *d);
static void del_singles(struct del_state *d);

static void del_report(struct del_state *d)
{
	if (d->c->progress)
		d->c->progress(d->c, d->c->count, 0, d->c->arg);
}

static void del_fail(struct del_state *d, const struct error *err)
{
	http_cancel(d->hr);
	d->hr = NULL;
	s3_call_fail_later(d->c, err);
}

static void del_key_failed(struct del_state *d, const char *key, const char *code, const char *msg)
{
	d->c->failed++;
	if (!d->first.code) {
		struct s3_doc e = { .kind = S3_DOC_ERROR };
		char *subject = xasprintf("%s/%s", d->bucket, key);

		e.error.code = (char *)code;
		e.error.message = (char *)msg;
		s3_error_sentence(&d->first, 403, &e, subject, d->s->hostport);
		free(subject);
	}
}

/* After a page is gone: the next page, or the end. */
static void del_page_done(struct del_state *d)
{
	struct s3_listing *l = &d->page.listing;
	struct error err;

	del_report(d);
	if (!l->truncated) {
		s3_call_fail_later(d->c, &d->first);	/* no error when nothing failed */
		return;
	}
	if (!l->next_token || !*l->next_token || (d->token && strcmp(d->token, l->next_token) == 0)) {
		error_set(&err, ERR_PARSE, "S3 at '%.100s' gave no new continuation token for '%.100s'",
			  d->s->hostport, d->c->subject);
		del_fail(d, &err);
		return;
	}
	free(d->token);
	d->token = xstrdup(l->next_token);
	del_next_page(d);
}

static void single_del_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct del_state *d = arg;
	struct s3_listing *l = &d->page.listing;
	struct s3_doc doc = { 0 };
	struct error err;

	d->hr = NULL;
	if (s3_reply_check(d->c, hr, herr, S3_DOC_UNKNOWN, &doc, &err) < 0) {
		if (!d->first.code)
			d->first = err;
		d->c->failed++;
	} else {
		d->c->count++;
	}
	s3_xml_release(&doc);
	(void)l;
	d->single++;
	del_singles(d);
}

static void del_singles(struct del_state *d)
{
	struct s3_listing *l = &d->page.listing;

	while (d->single < l->nobjects && !d->alone[d->single])
		d->single++;
	if (d->single < l->nobjects) {
		struct s3_req rq = { .method = "DELETE", .bucket = d->bucket, .timeout_ms = S3_META_TIMEOUT_MS };
		const struct s3_object *o = &l->objects[d->single];
		struct error err;

		if (strlen(o->key) != o->key_len) {
			del_key_failed(d, o->key, "InvalidKey", "the name holds a NUL byte");
			d->single++;
			del_singles(d);
			return;
		}
		rq.key = o->key;
		d->hr = s3_request(d->s, &rq, &err);
		if (d->hr) {
			http_request_on_done(d->hr, single_del_done, d);
			if (http_start(d->s->http, d->hr, &err) == 0)
				return;
			d->hr = NULL;
		}
		del_fail(d, &err);
		return;
	}
	del_page_done(d);
}

static void batch_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct del_state *d = arg;
	struct s3_doc doc = { 0 };
	struct error err;
	size_t sent = 0;

	d->hr = NULL;
	if (s3_reply_check(d->c, hr, herr, S3_DOC_DELETE, &doc, &err) < 0) {
		s3_xml_release(&doc);
		del_fail(d, &err);
		return;
	}
	for (size_t i = 0; i < d->page.listing.nobjects; i++)
		sent += !d->alone[i];
	for (size_t i = 0; i < doc.ndeleted; i++)
		if (doc.deleted[i].code)
			del_key_failed(d, doc.deleted[i].key ? doc.deleted[i].key : "", doc.deleted[i].code,
				       doc.deleted[i].message ? doc.deleted[i].message : "");
	d->c->count += sent >= doc.nfailed ? sent - doc.nfailed : 0;
	s3_xml_release(&doc);
	d->single = 0;
	del_singles(d);
}

static void del_page(struct del_state *d)
{
	struct s3_listing *l = &d->page.listing;
	struct s3_req rq = { .method = "POST", .bucket = d->bucket, .timeout_ms = S3_META_TIMEOUT_MS };
	struct s3_key *keys = xcalloc(l->nobjects + 1, sizeof(*keys));
	struct buf body, md5b64;
	size_t n = 0;
	unsigned char digest[16];
	unsigned int dl = 16;
	struct error err;

	free(d->alone);
	d->alone = xcalloc(l->nobjects + 1, sizeof(*d->alone));
	buf_init(&body, 0);
	buf_init(&md5b64, 0);
	for (size_t i = 0; i < l->nobjects; i++) {
		struct buf probe = BUF_INIT;

		if (s3_xml_escape(&probe, l->objects[i].key, l->objects[i].key_len) < 0)
			d->alone[i] = true;
		else
			keys[n++] = (struct s3_key){ l->objects[i].key, l->objects[i].key_len };
		buf_release(&probe);
	}
	if (n == 0) {
		free(keys);
		d->single = 0;
		del_singles(d);
		return;
	}
	s3_xml_delete_body(&body, keys, n, true);
	free(keys);
	EVP_Digest(body.data, body.len, digest, &dl, EVP_md5(), NULL);
	str_base64_encode(&md5b64, digest, 16);
	rq.query[rq.nquery++] = (struct sigv4_param){ "delete", NULL };
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-md5", md5b64.data };
	rq.headers[rq.nheaders++] = (struct sigv4_param){ "content-type", "application/xml" };
	rq.body = body.data;
	rq.body_len = body.len;
	rq.has_body = true;
	d->hr = s3_request(d->s, &rq, &err);
	buf_release(&body);
	buf_release(&md5b64);
	if (d->hr) {
		http_request_on_done(d->hr, batch_done, d);
		if (http_start(d->s->http, d->hr, &err) == 0)
			return;
		d->hr = NULL;
	}
	del_fail(d, &err);
}

static void list_done(struct http_request *hr, const struct error *herr, void *arg)
{
	struct del_state *d = arg;
	struct error err;

	d->hr = NULL;
	if (s3_reply_check(d->c, hr, herr, S3_DOC_LISTING, &d->page, &err) < 0) {
		del_fail(d, &err);
		return;
	}
	del_page(d);
}

static void del_next_page(struct del_state *d)
{
	struct s3_list_opts o = { .bucket = d->bucket, .prefix = d->prefix, .token = d->token, .max_keys = 1000 };
	struct s3_req rq;
	char max[16];
	struct error err;

	s3_list_fill(&rq, &o, max);
	d->hr = s3_request(d->s, &rq, &err);
	if (d->hr) {
		http_request_on_done(d->hr, list_done, d);
		if (http_start(d->s->http, d->hr, &err) == 0)
			return;
		d->hr = NULL;
	}
	del_fail(d, &err);
}

struct s3_call *s3_delete_prefix(struct s3 *s, const char *bucket, const char *prefix, s3_progress_fn *progress,
				 s3_done_fn *fn, void *arg, struct error *err)
{
	struct del_state *d;
	struct s3_call *c;

	if (!prefix || !*prefix)
		return error_set(err, ERR_INVALID, "refusing to empty the whole bucket '%.100s'", bucket), NULL;
	d = xcalloc(1, sizeof(*d));
	d->s = s;
	d->bucket = xstrdup(bucket);
	d->prefix = xstrdup(prefix);
	c = s3_call_new(s, bucket, prefix, fn, arg);
	c->progress = progress;
	c->x = d;
	c->x_free = del_free;
	d->c = c;
	del_next_page(d);
	return c;
}
