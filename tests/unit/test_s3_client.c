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
#include "s3_testserver.h"
#include "testutil.h"

static struct ts server;
static struct loop *loop;
static struct http *http;
static char tmpdir[64];

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

/* await: op (what an s3_* call returned) was started and has answered. */
static void await(const void *op, struct result *res)
{
	ck_assert_ptr_nonnull(op);
	wait_done(res);
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
	await(s3_list_buckets(s, on_done, &res, &err), &res);
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
	await(s3_list_objects(s, &o, on_done, &res, &err), &res);
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
	await(s3_list_objects(s, &o, on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert(!res.doc.truncated);
	ck_assert_uint_eq(res.doc.nprefixes, 1);	/* zz/ */
	ck_assert_int_eq(st.bad_sigs, 0);
	result_release(&res);
	free(token);

	/* keys with "..", spaces, UTF-8 are signed and sent as named */
	await(s3_head_object(s, "user-alice", "zz/../up", on_done, &res, &err), &res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_str_eq(st.last_path, "/user-alice/zz/../up");
	ck_assert_str_eq(res.header, "e4da3b7fbbce2345d7772b0674a318d5");
	result_release(&res);
	await(s3_get_range(s, "user-alice", "données/y.csv", 0, 1023, on_done, &res, &err), &res);
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

	await(s3_get_range(s, "user-alice", "missing.csv", 0, 10, on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_NOT_FOUND);
	ck_assert_str_eq(res.err.msg, "no object 'user-alice/missing.csv' (NoSuchKey)");
	result_release(&res);

	await(s3_list_objects(s, &o, on_done, &res, &err), &res);
	ck_assert_str_eq(res.err.msg, "no bucket 'nobucket' (NoSuchBucket)");
	result_release(&res);

	seed("user-alice", "x.csv", "data");
	add_fault("GET", "/user-alice/x.csv", 403, "AccessDenied", 1, 0);
	await(s3_get_range(s, "user-alice", "x.csv", 0, 10, on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_FORBIDDEN);
	ck_assert_str_eq(res.err.msg, "access denied to 'user-alice/x.csv' (AccessDenied)");
	result_release(&res);

	/* HEAD errors have no body: the status speaks */
	add_fault("HEAD", "/user-alice/x.csv", 403, "AccessDenied", 1, 0);
	await(s3_head_object(s, "user-alice", "x.csv", on_done, &res, &err), &res);
	ck_assert_str_eq(res.err.msg, "access denied to 'user-alice/x.csv' (HTTP 403)");
	result_release(&res);

	add_fault("GET", "list-type", 503, "SlowDown", 1, 0);
	o.bucket = "user-alice";
	await(s3_list_objects(s, &o, on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_HTTP);
	ck_assert_int_eq(res.err.status, 503);
	ck_assert(str_has_prefix(res.err.msg, "S3 at '127.0.0.1:"));
	ck_assert(str_has_suffix(res.err.msg, "failed on 'user-alice': injected (SlowDown, HTTP 503)"));
	result_release(&res);

	add_fault("GET", "/user-alice/x.csv", 500, "InternalError", 1, 0);
	await(s3_get_range(s, "user-alice", "x.csv", 0, 3, on_done, &res, &err), &res);
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
	await(s3_list_buckets(s, on_done, &res, &err), &res);
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
	await(s3_get_object(s, &o, on_progress, on_done, &res, &err), &res);
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
	await(s3_get_object(s, &o, NULL, on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_NONE);
	ck_assert(str_has_suffix(res.path, "/passwd (1)"));
	result_release(&res);

	/* a failed download leaves nothing */
	o.key = "missing";
	await(s3_get_object(s, &o, NULL, on_done, &res, &err), &res);
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

	await(s3_put_object(s, &o, on_progress, on_done, &res, &err), &res);
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
	await(s3_put_object(s, &o, NULL, on_done, &res, &err), &res);
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
	await(s3_put_object(s, &o, on_progress, on_done, &res, &err), &res);
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
	await(s3_put_object(s, &o, NULL, on_done, &res, &err), &res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	result_release(&res);

	/* a 200 whose body is an <Error>: failed, and aborted */
	pthread_mutex_lock(&st.mu);
	st.complete_error = true;
	pthread_mutex_unlock(&st.mu);
	o.key = "complete-error.bin";
	await(s3_put_object(s, &o, NULL, on_done, &res, &err), &res);
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
	await(s3_put_object(s, &o, NULL, on_done, &res, &err), &res);
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
	await(s3_delete_prefix(s, "shared", "big/", on_progress, on_done, &res, &err), &res);
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
	await(s3_delete_prefix(s, "shared", "locked/", NULL, on_done, &res, &err), &res);
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
	await(s3_copy_object(s, "user-alice", "a.csv", "shared", "copy of a.csv", on_done, &res, &err), &res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_ptr_nonnull(find("shared", "copy of a.csv"));
	result_release(&res);

	await(s3_get_policy(s, "shared", on_done, &res, &err), &res);
	ck_assert_int_eq(res.err.code, ERR_NOT_FOUND);
	ck_assert_str_eq(res.code, "NoSuchBucketPolicy");
	ck_assert_str_eq(res.err.msg, "bucket 'shared' has no policy (NoSuchBucketPolicy)");
	result_release(&res);
	await(s3_put_policy(s, "shared", policy, on_done, &res, &err), &res);
	ck_assert_msg(res.err.code == ERR_NONE, "%s", res.err.msg);
	ck_assert_int_eq(st.bad_sigs, 0);	/* the JSON body's sha256 checked */
	result_release(&res);
	await(s3_get_policy(s, "shared", on_done, &res, &err), &res);
	ck_assert_str_eq(res.body.data, policy);
	result_release(&res);
	await(s3_delete_policy(s, "shared", on_done, &res, &err), &res);
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

	await(s3_list_buckets(s, on_done, &res, &err), &res);
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
