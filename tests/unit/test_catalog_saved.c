/*
 * test_catalog_saved.c: saved launches listed, saved, renamed, deleted,
 * stored atomically with mode 0600, and read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/catalog/saved.h"
#include "datalab/core/file.h"
#include "testutil.h"

static char home[64];

static void setup(void)
{
	testutil_home(home, sizeof(home), "saved");
}

static void teardown(void)
{
	file_remove_tree(home, NULL);
	unsetenv("DATALAB_HOME");
}

START_TEST(save_list_rename_delete)
{
	struct saved_list l, back;
	struct error err;
	char *path = saved_path(&err);
	cJSON *v = cJSON_Parse("{\"resources\":{\"requests\":{\"cpu\":\"2000m\"}}}");
	struct stat st;

	ck_assert_ptr_nonnull(path);
	saved_init(&l);
	saved_init(&back);
	ck_assert_int_eq(saved_load(&l, path, &err), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(saved_put(&l, "big jupyter", "ide", "jupyter-python", "2.5.2", v, &err), 0);
	ck_assert_int_eq(saved_put(&l, "pg", "databases", "postgresql", NULL, NULL, &err), 0);
	ck_assert_int_eq(saved_put(&l, "", "ide", "x", NULL, NULL, &err), -1);
	ck_assert_int_eq(saved_put(&l, "bad\x1b[2J", "ide", "x", NULL, NULL, &err), -1);
	ck_assert_int_eq(saved_put(&l, "nochart", "ide", "", NULL, NULL, &err), -1);
	ck_assert_int_eq(saved_rename(&l, "pg", "big jupyter", &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	ck_assert_int_eq(saved_rename(&l, "nope", "x", &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	ck_assert_int_eq(saved_rename(&l, "pg", "postgres for stats", &err), 0);
	ck_assert_int_eq(saved_store(&l, path, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(saved_load(&back, path, &err), 0);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(saved_find(&back, "big jupyter")->version, "2.5.2");
	ck_assert(cJSON_Compare(saved_find(&back, "big jupyter")->values, v, true));
	ck_assert_ptr_null(saved_find(&back, "postgres for stats")->version);
	ck_assert_int_eq(saved_find(&back, "big jupyter")->saved_at, l.items[0].saved_at);
	/* same name replaces */
	ck_assert_int_eq(saved_put(&back, "big jupyter", "ide", "rstudio", NULL, NULL, &err), 0);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(saved_find(&back, "big jupyter")->chart, "rstudio");
	ck_assert_int_eq(saved_delete(&back, "big jupyter", &err), 0);
	ck_assert_int_eq(saved_delete(&back, "big jupyter", &err), -1);
	ck_assert_int_eq(saved_store(&back, path, &err), 0);
	ck_assert_int_eq(saved_load(&l, path, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.items[0].name, "postgres for stats");

	saved_release(&l);
	saved_release(&back);
	cJSON_Delete(v);
	free(path);
}
END_TEST

START_TEST(bad_file)
{
	struct saved_list l;
	struct error err;
	char *path = saved_path(&err);
	static const char junk[] = "{\"launches\":[{\"name\":1},{\"name\":\"ok\",\"catalog\":\"c\",\"chart\":\"x\","
				   "\"values\":[1]},{\"catalog\":\"c\"}]}";

	saved_init(&l);
	ck_assert_int_eq(file_write_atomic(path, "{not json", 9, 0600, &err), 0);
	ck_assert_int_eq(saved_load(&l, path, &err), -1);
	ck_assert_int_eq(file_write_atomic(path, "[]", 2, 0600, &err), 0);
	ck_assert_int_eq(saved_load(&l, path, &err), -1);
	ck_assert_int_eq(file_write_atomic(path, junk, sizeof(junk) - 1, 0600, &err), 0);
	ck_assert_int_eq(saved_load(&l, path, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(cJSON_IsObject(l.items[0].values));
	saved_release(&l);
	free(path);
}
END_TEST

static Suite *saved_suite(void)
{
	Suite *s = suite_create("saved");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, save_list_rename_delete);
	tcase_add_test(tc, bad_file);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(saved_suite)
