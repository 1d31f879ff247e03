/*
 * test_s3_download.c: s3/download: every hostile key maps to one harmless
 * file name inside the chosen folder; commits never overwrite unless
 * asked; an abort leaves nothing; names keep their extension when cut.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/s3/download.h"
#include "datalab/s3/xml.h"
#include "testutil.h"

static char tmpdir[64];

static void setup(void)
{
	str_copy(tmpdir, "/tmp/dl-s3dl.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	file_remove_tree(tmpdir, NULL);
}

/* The entries of dir, sorted, '\n'-joined. */
static char *listing(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	struct buf b = BUF_INIT;

	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			buf_adds(&b, ents[i]->d_name);
			buf_addc(&b, '\n');
		}
		free(ents[i]);
	}
	free(ents);
	return buf_take(&b, NULL);
}

static char *name_of(const char *key, size_t len)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(s3_download_name(key, len, &b), 0);
	return buf_take(&b, NULL);
}

static void check_name(const char *name)
{
	size_t n = strlen(name);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, S3_DOWNLOAD_NAME_MAX);
	ck_assert_ptr_null(strchr(name, '/'));
	ck_assert_ptr_null(strchr(name, '\\'));
	ck_assert_str_ne(name, ".");
	ck_assert_str_ne(name, "..");
	ck_assert(utf8_valid(name, n));
	for (size_t i = 0; i < n; i++)
		ck_assert((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
	/* sanitizing for the screen changes nothing: no hidden characters */
	{
		char *clean = utf8_sanitize_dup(name, 0);

		ck_assert_str_eq(clean, name);
		free(clean);
	}
}

START_TEST(test_names)
{
	static const struct {
		const char *key, *name;
	} rows[] = {
		{ "../../etc/passwd", "passwd" },
		{ "a/../../b", "b" },
		{ "/x", "x" },
		{ "/", "download" },
		{ "//", "download" },
		{ ".", "download" },
		{ "..", "download" },
		{ "a/..", "download" },
		{ "...", "..." },
		{ "notebooks/", "notebooks" },
		{ "..\\..\\windows\\win.ini", ".._.._windows_win.ini" },
		{ "C:\\Windows\\x", "C:_Windows_x" },
		{ "line1\nline2", "line1_line2" },
		{ "invoice\xe2\x80\xaegpj.exe", "invoice_gpj.exe" },
		{ "~/x", "x" },
		{ "$(touch pwned)", "$(touch pwned)" },
		{ "données & résultats.csv", "données & résultats.csv" },
		{ "bad-\xc0\xaf-\xff.txt", "bad-__-_.txt" },
		{ "\033]52;c;cHduZWQ=\a", "_]52;c;cHduZWQ=_" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		char *n = name_of(rows[i].key, strlen(rows[i].key));

		ck_assert_msg(strcmp(n, rows[i].name) == 0, "'%s' -> '%s'", rows[i].key, n);
		check_name(n);
		free(n);
	}
	{
		char *n = name_of("a\0b", 3);

		ck_assert_str_eq(n, "a_b");
		free(n);
	}
}
END_TEST

START_TEST(test_long_names)
{
	struct buf key = BUF_INIT;
	char *n;

	for (int i = 0; i < 1000; i++)
		buf_addc(&key, 'x');
	buf_adds(&key, ".parquet");
	n = name_of(key.data, key.len);
	ck_assert_uint_eq(strlen(n), S3_DOWNLOAD_NAME_MAX);
	ck_assert(str_has_suffix(n, "xx.parquet"));
	free(n);
	/* cut on a character boundary */
	buf_reset(&key);
	for (int i = 0; i < 300; i++)
		buf_adds(&key, "é");
	n = name_of(key.data, key.len);
	ck_assert(utf8_valid(n, strlen(n)));
	ck_assert_uint_le(strlen(n), S3_DOWNLOAD_NAME_MAX);
	free(n);
	buf_release(&key);
}
END_TEST

/* Every hostile key of the shared list, saved into one folder: nothing
 * lands outside it and every file is there under a clean name. */
START_TEST(test_hostile_keys_stay_inside)
{
	struct buf raw = BUF_INIT;
	struct error err;
	char *path = xasprintf("%s/hostile/names/object-keys-nul-separated.bin", TESTDATA);
	char *dir = xasprintf("%s/inside", tmpdir), *list;
	size_t start = 0, count = 0, files = 0;
	struct s3_doc doc;

	ck_assert_int_eq(file_read(path, &raw, &err), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (size_t i = 0; i <= raw.len; i++) {
		struct s3_download d;
		char *n;

		if (i < raw.len && raw.data[i] != '\0')
			continue;
		n = name_of(raw.data + start, i - start);
		check_name(n);
		ck_assert_int_eq(s3_download_open(&d, dir, n, &err), 0);
		ck_assert_int_eq(s3_download_write(&d, "x", 1, &err), 0);
		ck_assert_int_eq(s3_download_commit(&d, false, &err), 0);
		ck_assert_ptr_null(strchr(d.final, '/'));
		s3_download_abort(&d);
		free(n);
		count++;
		start = i + 1;
	}
	ck_assert_uint_ge(count, 39);
	list = listing(dir);
	for (char *p = list; *p; p++)
		files += *p == '\n';
	ck_assert_uint_eq(files, count);	/* one file each, no temp left */
	ck_assert_ptr_null(strstr(list, ".datalab-"));
	free(list);
	/* and nothing appeared next to the folder */
	list = listing(tmpdir);
	ck_assert_str_eq(list, "inside\n");
	free(list);

	/* the same through the XML keys, traversal listing */
	buf_reset(&raw);
	free(path);
	path = xasprintf("%s/hostile/xml/list-objects-v2-traversal-keys.xml", TESTDATA);
	ck_assert_int_eq(file_read(path, &raw, &err), 0);
	ck_assert_int_eq(s3_xml_parse(raw.data, raw.len, &doc, &err), 0);
	for (size_t i = 0; i < doc.listing.nobjects; i++) {
		char *n = name_of(doc.listing.objects[i].key, doc.listing.objects[i].key_len);

		check_name(n);
		free(n);
	}
	s3_xml_release(&doc);
	buf_release(&raw);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_no_silent_overwrite)
{
	struct s3_download d;
	struct error err;
	struct buf b = BUF_INIT;
	char *p, *list;

	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(s3_download_open(&d, tmpdir, "data.csv", &err), 0);
		ck_assert_int_eq(s3_download_write(&d, k == 0 ? "first" : "later", 5, &err), 0);
		ck_assert_int_eq(s3_download_commit(&d, false, &err), 0);
		ck_assert_str_eq(d.final, k == 0 ? "data.csv" : k == 1 ? "data (1).csv" : "data (2).csv");
		s3_download_abort(&d);
	}
	p = xasprintf("%s/data.csv", tmpdir);
	ck_assert_int_eq(file_read(p, &b, &err), 0);
	ck_assert_str_eq(b.data, "first");
	ck_assert(s3_download_exists(tmpdir, "data.csv"));
	ck_assert(!s3_download_exists(tmpdir, "data (3).csv"));

	/* asked to overwrite: replaced, no numbered copy */
	ck_assert_int_eq(s3_download_open(&d, tmpdir, "data.csv", &err), 0);
	ck_assert_int_eq(s3_download_write(&d, "third", 5, &err), 0);
	ck_assert_int_eq(s3_download_commit(&d, true, &err), 0);
	ck_assert_str_eq(d.final, "data.csv");
	s3_download_abort(&d);
	buf_reset(&b);
	ck_assert_int_eq(file_read(p, &b, &err), 0);
	ck_assert_str_eq(b.data, "third");

	/* a dot file keeps its name whole: ".env (1)" */
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(s3_download_open(&d, tmpdir, ".env", &err), 0);
		ck_assert_int_eq(s3_download_commit(&d, false, &err), 0);
		ck_assert_str_eq(d.final, k == 0 ? ".env" : ".env (1)");
		s3_download_abort(&d);
	}
	/* a symlink in the way is not followed nor replaced */
	free(p);
	p = xasprintf("%s/link.txt", tmpdir);
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	ck_assert_int_eq(s3_download_open(&d, tmpdir, "link.txt", &err), 0);
	ck_assert_int_eq(s3_download_commit(&d, false, &err), 0);
	ck_assert_str_eq(d.final, "link (1).txt");
	s3_download_abort(&d);
	list = listing(tmpdir);
	ck_assert_str_eq(list, ".env\n.env (1)\ndata (1).csv\ndata (2).csv\ndata.csv\nlink (1).txt\nlink.txt\n");
	free(list);
	free(p);
	buf_release(&b);
}
END_TEST

START_TEST(test_abort_leaves_nothing)
{
	struct s3_download d;
	struct error err;
	char *list, *path;

	ck_assert_int_eq(s3_download_open(&d, tmpdir, "big.bin", &err), 0);
	ck_assert_int_eq(s3_download_write(&d, "partial", 7, &err), 0);
	list = listing(tmpdir);
	ck_assert(str_has_prefix(list, ".big.bin.datalab-"));
	free(list);
	path = s3_download_path(&d);
	ck_assert(str_has_suffix(path, "/big.bin"));
	free(path);
	s3_download_abort(&d);
	list = listing(tmpdir);
	ck_assert_str_eq(list, "");
	free(list);

	/* refusals */
	ck_assert_int_eq(s3_download_open(&d, tmpdir, "../x", &err), -1);
	ck_assert_int_eq(s3_download_open(&d, tmpdir, "..", &err), -1);
	ck_assert_int_eq(s3_download_open(&d, "/nonexistent/folder", "x", &err), -1);
	ck_assert_str_eq(err.msg, "unable to open the folder '/nonexistent/folder': No such file or directory");
}
END_TEST

static Suite *s3_download_suite(void)
{
	Suite *s = suite_create("s3_download");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_hostile_keys_stay_inside);
	tcase_add_test(tc, test_no_silent_overwrite);
	tcase_add_test(tc, test_abort_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(s3_download_suite)
