/*
 * test_s3_model.c: model/buckets against the small S3 of s3_testserver.h:
 * browsing down and up, pages fetched only near the end, a repeating
 * continuation token stopped, preview, transfers with progress and their
 * outcome, delete of a folder, public prefixes and the links they give,
 * and the aws command recorded for each action.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/model/buckets.h"
#include "s3_testserver.h"
#include "testutil.h"

static struct ts server;
static struct loop *loop;
static struct http *http;
static struct buckets *m;
static char tmpdir[64];
static int changes;
static char last_msg[512];
static int last_level;

static void on_changed(void *arg)
{
	(void)arg;
	changes++;
}

static void on_message(void *arg, int level, const char *text)
{
	(void)arg;
	last_level = level;
	str_copy(last_msg, text, sizeof(last_msg));
}

static void setup(void)
{
	static const struct buckets_hooks hooks = { on_changed, on_message };
	struct s3_config cfg;
	char *ep;
	struct error err;
	const char *env[] = { NULL };

	ck_assert_int_eq(ts_start(&server, s3_handler, NULL), 0);
	loop = loop_new();
	http = http_new(loop);
	str_copy(tmpdir, "/tmp/dl-s3m.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ep = xasprintf("http://127.0.0.1:%d", server.port);
	s3_config_init(&cfg);
	cfg.endpoint = ep;
	cfg.access_key = xstrdup(AKID);
	cfg.secret_key = xstrdup(SECRET);
	s3_config_apply_env(&cfg, env, &err);
	ck_assert_int_eq(s3_config_finish(&cfg, &err), 0);
	m = buckets_new(loop, http, &cfg, &hooks, NULL);
	s3_config_release(&cfg);
	changes = 0;
	last_msg[0] = '\0';
}

static void teardown(void)
{
	buckets_free(m);
	http_free(http);
	loop_free(loop);
	ts_stop(&server);
	pthread_mutex_lock(&st.mu);
	store_reset();
	pthread_mutex_unlock(&st.mu);
	file_remove_tree(tmpdir, NULL);
}

/*
 * Waits are for events, never for a count of loop turns or a time: the
 * loop runs until the condition holds, and the deadline (generous, for a
 * loaded machine) only turns a hang into a failure.
 */
#define WAIT_MS 30000

static bool run_until(bool (*cond)(const void *arg), const void *arg)
{
	uint64_t end = time_mono_ms() + WAIT_MS;

	while (!cond(arg) && time_mono_ms() < end)
		loop_run_once(loop, 50);
	return cond(arg);
}

/* settled: no listing loading and no request in flight (the policy read
 * that opening a bucket starts in parallel with the listing included). */
static bool settled(const void *arg)
{
	(void)arg;
	return !buckets_loading(m) && http_active(http) == 0;
}

static void settle(void)
{
	ck_assert_msg(run_until(settled, NULL), "not settled in %d ms", WAIT_MS);
}

static bool said(const void *prefix)
{
	return str_has_prefix(last_msg, prefix);
}

static void wait_msg(const char *prefix)
{
	ck_assert_msg(run_until(said, prefix), "message '%s', wanted '%s…'", last_msg, prefix);
}

static bool preview_in(const void *arg)
{
	bool loading;

	(void)arg;
	return !buckets_preview_state(m, NULL, NULL, &loading, NULL) || !loading;
}

static const struct buckets_entry *find_name(const char *name)
{
	for (size_t i = 0; i < buckets_count(m); i++) {
		const struct buckets_entry *e = buckets_entry(m, i);

		if (e->name_len == strlen(name) && !memcmp(e->name, name, e->name_len))
			return e;
	}
	return NULL;
}

START_TEST(test_browse_down_and_up)
{
	const struct buckets_entry *e;

	seed("user-alice", "README.md", "hello\n");
	seed("user-alice", "notebooks/a.ipynb", "{}");
	seed("user-alice", "notebooks/", "");	/* a folder marker */
	seed("user-alice", "notebooks/deep/b.txt", "b");
	buckets_open(m, NULL, NULL);
	ck_assert(buckets_loading(m));
	settle();
	ck_assert_uint_eq(buckets_count(m), 2);
	ck_assert(str_has_prefix(buckets_command(m), "aws --endpoint-url http://127.0.0.1:"));
	ck_assert(str_has_suffix(buckets_command(m), " s3 ls"));
	e = find_name("user-alice");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, BUCKETS_BUCKET);
	ck_assert(buckets_enter(m, e));	/* e points into entries the open replaces */
	settle();
	ck_assert_str_eq(buckets_bucket(m), "user-alice");
	ck_assert_uint_eq(buckets_count(m), 2);
	ck_assert_ptr_nonnull(find_name("notebooks/"));
	ck_assert_int_eq(find_name("notebooks/")->kind, BUCKETS_PREFIX);
	ck_assert_int_eq(find_name("README.md")->size, 6);
	ck_assert(str_has_suffix(buckets_command(m), " s3 ls s3://user-alice/"));
	ck_assert(buckets_enter(m, find_name("notebooks/")));
	settle();
	/* the marker object "notebooks/" itself is not listed inside */
	ck_assert_uint_eq(buckets_count(m), 2);
	ck_assert_ptr_nonnull(find_name("a.ipynb"));
	ck_assert_ptr_nonnull(find_name("deep/"));
	ck_assert(!buckets_enter(m, find_name("a.ipynb")));
	ck_assert(buckets_enter(m, find_name("deep/")));
	settle();
	ck_assert_str_eq(buckets_prefix(m), "notebooks/deep/");
	ck_assert(buckets_up(m));
	settle();
	ck_assert_str_eq(buckets_prefix(m), "notebooks/");
	ck_assert(buckets_up(m));
	settle();
	ck_assert_str_eq(buckets_prefix(m), "");
	ck_assert(buckets_up(m));
	settle();
	ck_assert_ptr_null(buckets_bucket(m));
	ck_assert(!buckets_up(m));
	ck_assert_int_gt(changes, 6);
}
END_TEST

START_TEST(test_pages_as_you_scroll)
{
	for (int i = 0; i < 2500; i++) {
		char k[64];

		snprintf(k, sizeof(k), "diffusion/big/f%05d.csv", i);
		pthread_mutex_lock(&st.mu);
		put_obj("shared", k, "1", 1, NULL);
		pthread_mutex_unlock(&st.mu);
	}
	buckets_open(m, "shared", "diffusion/big/");
	settle();
	ck_assert_uint_eq(buckets_count(m), BUCKETS_PAGE);	/* the first page, at once */
	ck_assert(buckets_more(m));
	buckets_want_more(m, 10);	/* far from the end: nothing */
	ck_assert(!buckets_loading(m));
	buckets_want_more(m, BUCKETS_PAGE - BUCKETS_MORE_MARGIN);
	ck_assert(buckets_loading(m));
	settle();
	ck_assert_uint_eq(buckets_count(m), 2 * BUCKETS_PAGE);
	buckets_want_more(m, buckets_count(m) - 1);
	settle();
	ck_assert_uint_eq(buckets_count(m), 2500);
	ck_assert(!buckets_more(m));
	ck_assert_str_eq(buckets_entry(m, 2499)->name, "f02499.csv");
	ck_assert_int_eq(st.bad_sigs, 0);

	/* a server repeating its token: stopped with a warning, no loop */
	pthread_mutex_lock(&st.mu);
	st.token_loop = true;
	pthread_mutex_unlock(&st.mu);
	buckets_refresh(m);
	settle();
	for (int i = 0; i < 5 && buckets_more(m); i++) {
		buckets_want_more(m, buckets_count(m));
		settle();
	}
	ck_assert(!buckets_more(m));
	ck_assert_int_eq(last_level, 1);
	ck_assert(str_has_prefix(last_msg, "S3 sent the same continuation token twice"));
}
END_TEST

START_TEST(test_preview_and_errors)
{
	const char *data, *err, *key;
	size_t len;
	bool loading;
	struct error e;
	struct buf big = BUF_INIT;

	for (int i = 0; i < 300; i++)
		buf_addf(&big, "row %d,\033[2Jvalue\n", i);
	seed("user-alice", "data.csv", big.data);
	buckets_open(m, "user-alice", NULL);
	settle();
	ck_assert_int_eq(buckets_preview(m, find_name("data.csv"), &e), 0);
	ck_assert(str_has_suffix(buckets_command(m), "s3api get-object --bucket user-alice --key data.csv --range "
				 "bytes=0-1023 /dev/stdout"));
	ck_assert(run_until(preview_in, NULL));
	key = buckets_preview_state(m, &data, &len, &loading, &err);
	ck_assert_str_eq(key, "data.csv");
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(len, BUCKETS_PREVIEW_BYTES);
	ck_assert(str_has_prefix(data, "row 0,"));	/* raw: the view sanitizes */
	buckets_preview_close(m);
	ck_assert_ptr_null(buckets_preview_state(m, NULL, NULL, NULL, NULL));
	ck_assert_int_eq(buckets_preview(m, find_name("nope"), &e), -1);

	/* a listing refused: the error is kept for the view */
	add_fault("GET", "list-type", 403, "AccessDenied", 1, 0);
	buckets_refresh(m);
	settle();
	ck_assert_str_eq(buckets_error(m), "access denied to 'user-alice' (AccessDenied)");
	buf_release(&big);
}
END_TEST

START_TEST(test_transfers)
{
	char *src = xasprintf("%s/up load.csv", tmpdir), *dl = xasprintf("%s/dl", tmpdir);
	struct buf data = BUF_INIT, got = BUF_INIT;
	struct error err;
	const struct buckets_transfer *t;
	unsigned id;

	for (int i = 0; i < 200000; i++)
		buf_addf(&data, "%d,", i);
	ck_assert_int_eq(file_write_atomic(src, data.data, data.len, 0644, &err), 0);
	ck_assert_int_eq(mkdir(dl, 0700), 0);
	buckets_open(m, "user-alice", "in/");
	settle();
	id = buckets_upload(m, src, &err);
	ck_assert_uint_gt(id, 0);
	ck_assert_int_eq(buckets_running(m), 1);
	{
		char *want = xasprintf(" s3 cp '%s' 's3://user-alice/in/up load.csv'", src);

		ck_assert_msg(str_has_suffix(buckets_command(m), want), "%s", buckets_command(m));
		free(want);
	}
	wait_msg("uploaded ");
	t = buckets_transfer(m, 0);
	ck_assert_int_eq(t->state, BUCKETS_DONE);
	ck_assert_uint_eq(t->done, data.len);
	ck_assert_uint_eq(t->total, data.len);
	ck_assert(t->rate > 0 || t->updated_ms == t->started_ms);	/* no rate from 0 ms */
	ck_assert_int_eq(buckets_running(m), 0);
	settle();	/* the folder was listed again */
	ck_assert_ptr_nonnull(find_name("up load.csv"));

	id = buckets_download(m, find_name("up load.csv"), dl, false, &err);
	ck_assert_uint_gt(id, 0);
	wait_msg("saved ");
	t = buckets_transfer(m, 1);
	ck_assert_int_eq(t->state, BUCKETS_DONE);
	ck_assert(str_has_suffix(t->local, "/dl/up load.csv"));
	ck_assert_int_eq(file_read(t->local, &got, &err), 0);
	ck_assert_uint_eq(got.len, data.len);
	ck_assert_mem_eq(got.data, data.data, data.len);

	/* failures land in the transfer, with the sentence */
	add_fault("GET", "/user-alice/in/up load.csv", 403, "AccessDenied", 1, 0);
	id = buckets_download(m, find_name("up load.csv"), dl, false, &err);
	wait_msg("access denied");
	t = buckets_transfer(m, 2);
	ck_assert_int_eq(t->state, BUCKETS_FAILED);
	ck_assert_str_eq(t->error, "access denied to 'user-alice/in/up load.csv' (AccessDenied)");
	ck_assert_int_eq(last_level, 2);

	/* a cancel */
	add_fault("GET", "/user-alice/in/up load.csv", 0, NULL, 1, 500);
	id = buckets_download(m, find_name("up load.csv"), dl, false, &err);
	buckets_cancel(m, id);
	ck_assert_int_eq(buckets_transfer(m, 3)->state, BUCKETS_CANCELLED);
	ck_assert_int_eq(buckets_running(m), 0);
	buckets_forget_done(m);
	ck_assert_uint_eq(buckets_transfer_count(m), 0);
	ck_assert_uint_eq(buckets_download(m, find_name("in/"), dl, false, &err), 0);
	ck_assert_uint_eq(buckets_upload(m, "/nonexistent", &err), 0);
	buf_release(&data);
	buf_release(&got);
	free(src);
	free(dl);
}
END_TEST

START_TEST(test_delete_share_public)
{
	struct buf url = BUF_INIT;
	struct error err;

	seed("shared", "diffusion/a.csv", "a");
	seed("shared", "diffusion/b.csv", "b");
	seed("shared", "private.csv", "p");
	/* the policy read that opening a bucket starts answers after the
	 * listing, as on a loaded machine: settled means it is in too, so it
	 * cannot land over the policy the test writes next */
	add_fault("GET", "policy", 0, NULL, 1, 700);
	buckets_open(m, "shared", NULL);
	settle();
	ck_assert_int_eq(buckets_share(m, find_name("private.csv"), 3600, &url, &err), 0);
	ck_assert_ptr_nonnull(strstr(url.data, "/shared/private.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"));
	ck_assert(str_has_suffix(buckets_command(m), "s3 presign s3://shared/private.csv --expires-in 3600"));
	buf_reset(&url);
	ck_assert_int_eq(buckets_share(m, find_name("private.csv"), 604801, &url, &err), -1);

	ck_assert(!find_name("diffusion/")->public);
	ck_assert_int_eq(buckets_set_public(m, find_name("diffusion/"), true, &err), 0);
	wait_msg("s3://shared/diffusion/ is public");
	ck_assert(find_name("diffusion/")->public);
	ck_assert_ptr_nonnull(strstr(buckets_command(m), "s3api put-bucket-policy --bucket shared --policy "));
	ck_assert_ptr_nonnull(strstr(st.policy[1], "\"arn:aws:s3:::shared/diffusion/*\""));
	/* inside it, a plain URL */
	buckets_enter(m, find_name("diffusion/"));
	settle();
	ck_assert_int_eq(buckets_share(m, find_name("a.csv"), 60, &url, &err), 0);
	ck_assert(str_has_suffix(url.data, "/shared/diffusion/a.csv"));
	ck_assert(str_has_prefix(buckets_command(m), "curl -O "));
	buf_reset(&url);
	buckets_up(m);
	settle();
	ck_assert(find_name("diffusion/")->public);	/* read back from the policy */
	ck_assert_int_eq(buckets_set_public(m, find_name("diffusion/"), false, &err), 0);
	wait_msg("s3://shared/diffusion/ is private again");
	ck_assert_ptr_null(st.policy[1]);	/* emptied: deleted */
	ck_assert(str_has_suffix(buckets_command(m), "s3api delete-bucket-policy --bucket shared"));

	ck_assert_int_eq(buckets_delete(m, find_name("diffusion/"), &err), 0);
	ck_assert(str_has_suffix(buckets_command(m), "s3 rm s3://shared/diffusion/ --recursive"));
	wait_msg("deleted s3://shared/diffusion/ (2 objects)");
	settle();
	ck_assert_ptr_null(find_name("diffusion/"));
	ck_assert_int_eq(buckets_delete(m, find_name("private.csv"), &err), 0);
	wait_msg("deleted s3://shared/private.csv");
	settle();
	ck_assert_uint_eq(buckets_count(m), 0);
	buf_release(&url);
}
END_TEST

START_TEST(test_durations)
{
	static const struct {
		const char *in;
		long secs;
	} rows[] = {
		{ "90", 90 }, { "30m", 1800 }, { "12h", 43200 }, { "7d", 604800 }, { " 1h ", 3600 },
		{ "8d", -1 }, { "0", -1 }, { "-5", -1 }, { "1x", -1 }, { "", -1 }, { "h", -1 }, { "604801", -1 },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++)
		ck_assert_msg(buckets_parse_duration(rows[i].in) == rows[i].secs, "'%s'", rows[i].in);
}
END_TEST

static Suite *s3_model_suite(void)
{
	Suite *s = suite_create("s3_model");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_browse_down_and_up);
	tcase_add_test(tc, test_pages_as_you_scroll);
	tcase_add_test(tc, test_preview_and_errors);
	tcase_add_test(tc, test_transfers);
	tcase_add_test(tc, test_delete_share_public);
	tcase_add_test(tc, test_durations);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_model_suite)
