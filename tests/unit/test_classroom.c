/*
 * test_classroom.c: --class SPEC: the names a count or a list gives, the
 * refusals, and what a class leaves in the store and in DIR/class (each
 * student seeded as the sandbox's own user, a kubeconfig each, buckets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/classroom.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/store.h"
#include "testutil.h"

static size_t count(char **names)
{
	size_t n = 0;

	while (names && names[n])
		n++;
	return n;
}

START_TEST(names_from_a_count_or_a_list)
{
	struct error err;
	char **n = classroom_names("30", &err);

	ck_assert_uint_eq(count(n), 30);
	ck_assert_str_eq(n[0], "student01");
	ck_assert_str_eq(n[29], "student30");
	str_free_list(n);
	n = classroom_names("120", &err);
	ck_assert_str_eq(n[0], "student001");
	ck_assert_str_eq(n[119], "student120");
	str_free_list(n);
	n = classroom_names("ada,bob-2", &err);
	ck_assert_uint_eq(count(n), 2);
	ck_assert_str_eq(n[1], "bob-2");
	str_free_list(n);
}
END_TEST

START_TEST(bad_specs_refused)
{
	static const struct {
		const char *spec, *msg;
	} rows[] = {
		{ "0", "a class has 1 to 999 students, not '0'" },
		{ "1000", "a class has 1 to 999 students, not '1000'" },
		{ "", "empty class: give a count or names" },
		{ "Ada", "bad student name 'Ada'" },
		{ "ada,,bob", "bad student name ''" },
		{ "-ada", "bad student name '-ada'" },
		{ "ada,bob,ada", "student 'ada' named twice" },
		{ "a_b", "bad student name 'a_b'" },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(rows); i++) {
		struct error err = { 0 };

		ck_assert_msg(classroom_names(rows[i].spec, &err) == NULL, "%s accepted", rows[i].spec);
		ck_assert_msg(str_has_prefix(err.msg, rows[i].msg), "%s: %s", rows[i].spec, err.msg);
	}
}
END_TEST

START_TEST(setup_seeds_each_student)
{
	char tmp[] = "/tmp/dl-classroom-XXXXXX";
	struct store_opts o = { .no_fsync = true, .ring = 64 };
	struct kinds *ks = kinds_new();
	struct store *st;
	struct error err;
	char **names = classroom_names("ada,bob", &err);
	struct buf b = BUF_INIT, tokens = BUF_INIT;
	char *p;

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	buf_adds(&tokens, "");
	st = store_open(tmp, ks, NULL, &o, &err);
	ck_assert_msg(st != NULL, "%s", err.msg);
	ck_assert_msg(classroom_setup(st, tmp, "http://127.0.0.1:6443", names, true, &err) == 0, "%s", err.msg);
	/* twice: a restart keeps what exists */
	ck_assert_msg(classroom_setup(st, tmp, "http://127.0.0.1:6444", names, true, &err) == 0, "%s", err.msg);
	for (size_t i = 0; names[i]; i++) {
		char ns[80];
		const struct store_obj *obj;

		snprintf(ns, sizeof(ns), "user-%s", names[i]);
		obj = store_get(st, kinds_find_storage(ks, "", "namespaces"), NULL, ns);
		ck_assert_ptr_nonnull(obj);
		ck_assert_str_eq(cJSON_GetStringValue((cJSON *)json_get_key(json_get(obj->obj, "metadata.labels"),
										    "onyxia.sh/user")), names[i]);
		ck_assert_ptr_nonnull(store_get(st, kinds_find_storage(ks, "", "resourcequotas"), ns, "onyxia-quota"));
		p = xasprintf("%s/class/%s/kubeconfig", tmp, names[i]);
		buf_reset(&b);
		ck_assert_msg(file_read(p, &b, &err) == 0, "%s", err.msg);
		free(p);
		ck_assert_msg(strstr(b.data, "    namespace: user-") && strstr(b.data, ns), "%s", b.data);
		ck_assert_msg(strstr(b.data, "server: http://127.0.0.1:6444\n"), "%s", b.data);
		/* the student's own token, the one kept in its folder */
		{
			char *tp = xasprintf("%s/class/%s/token", tmp, names[i]), *line;
			struct buf tok = BUF_INIT;

			ck_assert_msg(file_read(tp, &tok, &err) == 0, "%s", err.msg);
			line = xasprintf("    token: %s\n", tok.data);
			ck_assert_msg(strstr(b.data, line), "%s lacks %s", b.data, line);
			ck_assert_msg(!strstr(tokens.data, tok.data), "two students share a token");
			buf_adds(&tokens, tok.data);
			free(line);
			free(tp);
			buf_release(&tok);
		}
		p = xasprintf("%s/s3/user-%s", tmp, names[i]);
		ck_assert_msg(file_exists(p), "no bucket %s", p);
		free(p);
	}
	p = xasprintf("%s/class/students", tmp);
	buf_reset(&b);
	ck_assert_msg(file_read(p, &b, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(b.data, "ada\nbob\n");
	free(p);
	buf_release(&b);
	buf_release(&tokens);
	str_free_list(names);
	store_close(st);
	kinds_free(ks);
	file_remove_tree(tmp, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("classroom");
	TCase *tc = tcase_create("classroom");

	tcase_add_test(tc, names_from_a_count_or_a_list);
	tcase_add_test(tc, bad_specs_refused);
	tcase_add_test(tc, setup_seeds_each_student);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
