/*
 * test_s3d_store.c: the sandbox's S3 store: key validation and encoding,
 * "dir", "dir/" and "dir/file" side by side, metadata kept with the data,
 * listing in UTF-8 byte order with prefixes, delimiters and paging, empty
 * folders pruned, and buckets that refuse to go while they hold objects.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_list.h"
#include "datalab/sandbox/s3d_store.h"
#include "testutil.h"

static char tmp[64];
static struct s3d_store *st;
static struct s3d_lister *ls;

static void setup(void)
{
	struct error err;

	snprintf(tmp, sizeof(tmp), "/tmp/dl-s3d-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	st = s3d_store_open(tmp, &err);
	ck_assert_ptr_nonnull(st);
	ls = s3d_list_new(st);
	ck_assert_int_eq(s3d_store_bucket_create(st, "bkt", &err), 0);
}

static void teardown(void)
{
	s3d_list_free(ls);
	s3d_store_close(st);
	file_remove_tree(tmp, NULL);
}

static void put(const char *key, const char *data)
{
	struct error err;
	struct s3d_meta m = { 0 };
	char *path;
	int fd = s3d_store_tmp_open(st, &path, &err);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	m.size = strlen(data);
	snprintf(m.etag, sizeof(m.etag), "etag-%zu", strlen(data));
	m.mtime_ms = 1700000000000;
	m.content_type = xstrdup("text/plain");
	s3d_meta_add_user(&m, "Owner", "alice");
	ck_assert_msg(s3d_store_commit(st, "bkt", key, fd, path, &m, &err) == 0, "%s", err.msg);
	s3d_meta_release(&m);
	free(path);
}

static char *get(const char *key)
{
	struct error err;
	struct s3d_meta m;
	int fd = s3d_store_object_open(st, "bkt", key, &m, &err);
	char *b;

	if (fd < 0)
		return NULL;
	b = xcalloc(1, m.size + 1);
	ck_assert_int_eq(pread(fd, b, m.size, 0), (ssize_t)m.size);
	ck_assert_str_eq(m.content_type, "text/plain");
	ck_assert_uint_eq(m.nuser, 1);
	ck_assert_str_eq(m.user[0].name, "owner");
	ck_assert_str_eq(m.user[0].value, "alice");
	s3d_meta_release(&m);
	close(fd);
	return b;
}

/* list_all: every key (and prefix, marked with a trailing '*') on one line. */
static char *list_str(const char *prefix, const char *delim, const char *after, size_t max, bool *trunc)
{
	struct s3d_list_opts o = { prefix, delim, after, max };
	struct s3d_list_result r;
	struct error err;
	struct buf b;

	ck_assert_int_eq(s3d_list_page(ls, "bkt", &o, &r, &err), 0);
	buf_init(&b, 0);
	for (size_t i = 0; i < r.n; i++)
		buf_addf(&b, "%s%s%s", i ? "|" : "", r.items[i].key, r.items[i].is_prefix ? "*" : "");
	if (trunc)
		*trunc = r.truncated;
	s3d_list_result_release(&r);
	return buf_take(&b, NULL);
}

START_TEST(test_key_check)
{
	static const char *good[] = { "a", "a b", "été/ü.csv", "a+b", "50%", "what?", "#1", "dir/", "a//b", ".hidden",
				      "a/./b", "..a", "a..", "日本語/データ.parquet" };
	static const char *bad[] = { "..", "a/../b", "/abs", "../x", "x/.." };
	const char *code;
	struct error err;
	char *longk = xmalloc(1100), *longseg = xmalloc(300);

	for (size_t i = 0; i < DL_ARRAY_LEN(good); i++)
		ck_assert_msg(s3d_key_check(good[i], strlen(good[i]), &code, &err) == 0, "%s", good[i]);
	for (size_t i = 0; i < DL_ARRAY_LEN(bad); i++) {
		ck_assert_msg(s3d_key_check(bad[i], strlen(bad[i]), &code, &err) < 0, "%s", bad[i]);
		ck_assert_str_eq(code, "InvalidArgument");
	}
	ck_assert_int_lt(s3d_key_check("a\0b", 3, &code, &err), 0);
	ck_assert(strstr(err.msg, "NUL"));
	ck_assert_int_lt(s3d_key_check("\xff\xfe", 2, &code, &err), 0);
	ck_assert(strstr(err.msg, "UTF-8"));
	memset(longk, 'k', 1100);
	ck_assert_int_lt(s3d_key_check(longk, 1025, &code, &err), 0);
	ck_assert_str_eq(code, "KeyTooLongError");
	memset(longseg, 's', 300);
	ck_assert_int_lt(s3d_key_check(longseg, 300, &code, &err), 0);
	ck_assert_str_eq(code, "KeyTooLongError");
	free(longk);
	free(longseg);
}
END_TEST

START_TEST(test_key_path)
{
	static const struct {
		const char *key, *path;
	} v[] = {
		{ "a/b/c.csv", "a%2F/b%2F/c.csv" },
		{ "dir/", "dir%2F/%" },
		{ "a//b", "a%2F/%%2F/b" },
		{ ".hidden", "%2Ehidden" },
		{ "100%", "100%25" },
		{ "tab\there", "tab%09here" },
		{ "sp ace+?#é", "sp ace+?#é" },
		{ "..a/.", "%2E.a%2F/%2E" },
	};
	for (size_t i = 0; i < DL_ARRAY_LEN(v); i++) {
		char *p = s3d_key_path(v[i].key);
		char **parts;
		size_t n;
		struct buf key;

		ck_assert_str_eq(p, v[i].path);
		/* and back, segment by segment */
		buf_init(&key, 0);
		parts = str_split(p, '/', &n);
		for (size_t j = 0; j < n; j++) {
			bool is_dir;

			ck_assert_int_eq(s3d_key_name_decode(parts[j], &key, &is_dir), 0);
			ck_assert(is_dir == (j + 1 < n));
			if (is_dir)
				buf_addc(&key, '/');
		}
		ck_assert_str_eq(key.data, v[i].key);
		buf_release(&key);
		str_free_list(parts);
		free(p);
	}
	{
		struct buf seg = BUF_INIT;
		bool is_dir;

		ck_assert_int_lt(s3d_key_name_decode(".s3d-policy.json", &seg, &is_dir), 0);
		ck_assert_int_lt(s3d_key_name_decode("bad%4", &seg, &is_dir), 0);
		ck_assert_int_lt(s3d_key_name_decode("bad%zz", &seg, &is_dir), 0);
		buf_release(&seg);
	}
}
END_TEST

START_TEST(test_dir_and_file)
{
	char *s;

	put("dir", "the dir object");
	put("dir/file", "a file inside");
	put("dir/", "a folder marker");
	s = get("dir");
	ck_assert_str_eq(s, "the dir object");
	free(s);
	s = get("dir/file");
	ck_assert_str_eq(s, "a file inside");
	free(s);
	s = get("dir/");
	ck_assert_str_eq(s, "a folder marker");
	free(s);
	ck_assert_ptr_null(get("dir/nope"));
	ck_assert_ptr_null(get("di"));
	s = list_str(NULL, NULL, NULL, 1000, NULL);
	ck_assert_str_eq(s, "dir|dir/|dir/file");
	free(s);
	s = list_str(NULL, "/", NULL, 1000, NULL);
	ck_assert_str_eq(s, "dir|dir/*");
	free(s);
	s = list_str("dir/", "/", NULL, 1000, NULL);
	ck_assert_str_eq(s, "dir/|dir/file");
	free(s);
	/* overwrite: the new data and metadata, together */
	put("dir/file", "replaced");
	s = get("dir/file");
	ck_assert_str_eq(s, "replaced");
	free(s);
}
END_TEST

START_TEST(test_byte_order)
{
	static const char *keys[] = { "z", "é", "a0", "a/b", "a-b", "a", "B", "ab", "a b", "日" };
	char *s;
	bool trunc;

	for (size_t i = 0; i < DL_ARRAY_LEN(keys); i++)
		put(keys[i], keys[i]);
	s = list_str(NULL, NULL, NULL, 1000, &trunc);
	ck_assert_str_eq(s, "B|a|a b|a-b|a/b|a0|ab|z|é|日");
	ck_assert(!trunc);
	free(s);
	s = list_str(NULL, "/", NULL, 1000, NULL);
	ck_assert_str_eq(s, "B|a|a b|a-b|a/*|a0|ab|z|é|日");
	free(s);
	s = list_str("a", "/", NULL, 1000, NULL);
	ck_assert_str_eq(s, "a|a b|a-b|a/*|a0|ab");
	free(s);
	/* a delimiter other than '/' */
	s = list_str(NULL, "-", NULL, 1000, NULL);
	ck_assert_str_eq(s, "B|a|a b|a-*|a/b|a0|ab|z|é|日");
	free(s);
	s = list_str(NULL, NULL, "a-b", 3, &trunc);
	ck_assert_str_eq(s, "a/b|a0|ab");
	ck_assert(trunc);
	free(s);
	s = list_str(NULL, NULL, "z", 3, &trunc);
	ck_assert_str_eq(s, "é|日");
	ck_assert(!trunc);
	free(s);
	s = list_str("nothing", NULL, NULL, 10, &trunc);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_paging)
{
	struct s3d_list_opts o = { "p/", "/", NULL, 1000 };
	char *after = NULL, *prev = NULL;
	size_t total = 0, pages = 0;
	bool more = true;
	char key[32];

	for (int i = 0; i < 2500; i++) {
		snprintf(key, sizeof(key), "p/k%05d", (i * 7919) % 2500);
		put(key, "x");
	}
	put("p/sub/one", "x");
	put("p/sub/two", "x");
	put("q", "x");
	while (more) {
		struct s3d_list_result r;
		struct error err;

		o.after = after;
		ck_assert_int_eq(s3d_list_page(ls, "bkt", &o, &r, &err), 0);
		for (size_t i = 0; i < r.n; i++) {
			ck_assert(str_has_prefix(r.items[i].key, "p/"));
			if (prev)
				ck_assert_msg(strcmp(prev, r.items[i].key) < 0, "%s then %s", prev, r.items[i].key);
			free(prev);
			prev = xstrdup(r.items[i].key);
			if (!r.items[i].is_prefix) {
				ck_assert_uint_eq(r.items[i].size, 1);
				ck_assert_str_eq(r.items[i].etag, "etag-1");
			}
		}
		total += r.n;
		pages++;
		more = r.truncated;
		free(after);
		after = r.n ? xstrdup(r.items[r.n - 1].key) : NULL;
		s3d_list_result_release(&r);
	}
	ck_assert_uint_eq(total, 2501);	/* 2500 keys + the "p/sub/" prefix */
	ck_assert_uint_eq(pages, 3);
	ck_assert_str_eq(prev, "p/sub/");
	free(prev);
	free(after);
}
END_TEST

START_TEST(test_delete_prunes)
{
	struct error err;
	char *p = xasprintf("%s/bkt/a%%2F", tmp);
	char *s;

	put("a/b/c/d", "deep");
	put("a/x", "near");
	ck_assert_int_eq(s3d_store_bucket_delete(st, "bkt", &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	ck_assert_int_eq(s3d_store_object_delete(st, "bkt", "a/b/c/d", &err), 0);
	ck_assert_int_eq(s3d_store_object_delete(st, "bkt", "a/b/c/d", &err), 0);	/* absent: fine */
	ck_assert(file_exists(p));
	s = xasprintf("%s/b%%2F", p);
	ck_assert(!file_exists(s));	/* the emptied folders went */
	free(s);
	ck_assert_int_eq(s3d_store_object_delete(st, "bkt", "a/x", &err), 0);
	ck_assert(!file_exists(p));
	ck_assert_int_eq(s3d_store_bucket_delete(st, "bkt", &err), 0);
	ck_assert(!s3d_store_bucket_exists(st, "bkt"));
	ck_assert_int_eq(s3d_store_bucket_delete(st, "bkt", &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	free(p);
}
END_TEST

START_TEST(test_buckets)
{
	struct error err;
	struct s3d_bucket_info *b;
	size_t n;
	struct buf pol = BUF_INIT;

	ck_assert_int_eq(s3d_store_bucket_create(st, "bkt", &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	ck_assert_int_eq(s3d_store_bucket_create(st, "another", &err), 0);
	ck_assert_int_eq(s3d_store_bucket_list(st, &b, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(b[0].name, "another");
	ck_assert_str_eq(b[1].name, "bkt");
	ck_assert_int_gt(b[0].created_ms, 1600000000000);
	s3d_store_bucket_list_free(b, n);
	ck_assert(s3d_key_bucket_valid("projet-demo"));
	ck_assert(s3d_key_bucket_valid("user-alice"));
	ck_assert(!s3d_key_bucket_valid("ab"));
	ck_assert(!s3d_key_bucket_valid("Upper"));
	ck_assert(!s3d_key_bucket_valid("a..b"));
	ck_assert(!s3d_key_bucket_valid("-ab"));
	ck_assert(!s3d_key_bucket_valid("192.168.1.1"));
	ck_assert(!s3d_key_bucket_valid(".s3d"));
	ck_assert_int_eq(s3d_store_policy_get(st, "bkt", &pol, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	ck_assert_int_eq(s3d_store_policy_put(st, "bkt", "{}", 2, &err), 0);
	ck_assert_int_eq(s3d_store_policy_get(st, "bkt", &pol, &err), 0);
	ck_assert_str_eq(pol.data, "{}");
	ck_assert_int_eq(s3d_store_policy_delete(st, "bkt", &err), 0);
	ck_assert_int_eq(s3d_store_policy_put(st, "nope", "{}", 2, &err), -1);
	buf_release(&pol);
	/* a policy file is not an object: the bucket still deletes */
	ck_assert_int_eq(s3d_store_policy_put(st, "another", "{}", 2, &err), 0);
	ck_assert_int_eq(s3d_store_bucket_delete(st, "another", &err), 0);
}
END_TEST

START_TEST(test_tmp_cleared_at_open)
{
	struct error err;
	char *path;
	int fd = s3d_store_tmp_open(st, &path, &err);
	struct s3d_store *again;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "half", 4), 4);
	close(fd);
	/* as after a kill -9 mid-upload: the next start drops it */
	again = s3d_store_open(tmp, &err);
	ck_assert_ptr_nonnull(again);
	ck_assert(!file_exists(path));
	s3d_store_close(again);
	free(path);
}
END_TEST

static Suite *s3d_store_suite(void)
{
	Suite *s = suite_create("s3d_store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_check);
	tcase_add_test(tc, test_key_path);
	tcase_add_test(tc, test_dir_and_file);
	tcase_add_test(tc, test_byte_order);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_delete_prunes);
	tcase_add_test(tc, test_buckets);
	tcase_add_test(tc, test_tmp_cleared_at_open);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3d_store_suite)
