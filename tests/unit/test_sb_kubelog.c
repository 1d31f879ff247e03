/*
 * test_sb_kubelog.c: startup lines per image, and the /log options:
 * tailLines, sinceSeconds, timestamps, limitBytes, following, rotation.
 */
#include <stdio.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/sandbox/kubelog.h"
#include "testutil.h"

#define T0 1735689600000000000LL	/* 2025-01-01T00:00:00Z */

START_TEST(test_startup)
{
	struct kubelog *log = kubelog_new(0);
	struct kubelog_opts o = PODLOG_OPTS_INIT;
	struct buf out = BUF_INIT;

	ck_assert_uint_gt(kubelog_startup(log, "inseefrlab/onyxia-jupyter-python:py3.12", "jupyter-python-1-0", T0), 5);
	kubelog_render(log, &o, 0, &out);
	ck_assert(strstr(out.data, "Entered start.sh with args: jupyter lab\n") == out.data);
	ck_assert(strstr(out.data, "[I 2025-01-01 00:00:00.") != NULL);
	ck_assert(strstr(out.data, "http://jupyter-python-1-0:8888/lab\n") != NULL);
	buf_release(&out);
	kubelog_free(log);
	log = kubelog_new(0);
	ck_assert_uint_eq(kubelog_startup(log, "busybox", "p", T0), 1);
	kubelog_render(log, &o, 0, &out);
	ck_assert_str_eq(out.data, "starting busybox on p\n");
	buf_release(&out);
	kubelog_free(log);
}
END_TEST

START_TEST(test_options)
{
	struct kubelog *log = kubelog_new(0);
	struct kubelog_opts o = PODLOG_OPTS_INIT;
	struct buf out = BUF_INIT;
	uint64_t next;

	kubelog_append(log, T0, "a\nb\n", 4);
	kubelog_append(log, T0 + 1500000000LL, "c\n", 2);
	kubelog_append(log, T0 + 2000000000LL, "d", 1);
	ck_assert_uint_eq(kubelog_lines(log), 4);
	o.tail_lines = 2;
	next = kubelog_render(log, &o, 0, &out);
	ck_assert_str_eq(out.data, "c\nd\n");
	ck_assert_uint_eq(next, 4);
	buf_reset(&out);
	o.tail_lines = -1;
	o.timestamps = true;
	o.since_ns = T0 + 1000000000LL;
	kubelog_render(log, &o, 0, &out);
	ck_assert_str_eq(out.data, "2025-01-01T00:00:01.5Z c\n2025-01-01T00:00:02Z d\n");
	buf_reset(&out);
	o.timestamps = false;
	o.since_ns = 0;
	o.limit_bytes = 3;
	kubelog_render(log, &o, 0, &out);
	ck_assert_str_eq(out.data, "a\nb");
	buf_reset(&out);
	/* following: only what came after */
	o.limit_bytes = 0;
	kubelog_append(log, T0 + 3000000000LL, "e\n", 2);
	next = kubelog_render(log, &o, next, &out);
	ck_assert_str_eq(out.data, "e\n");
	ck_assert_uint_eq(next, 5);
	buf_release(&out);
	kubelog_free(log);
}
END_TEST

START_TEST(test_rotation)
{
	struct kubelog *log = kubelog_new(100);
	struct kubelog_opts o = PODLOG_OPTS_INIT;
	struct buf out = BUF_INIT;
	uint64_t next;

	for (int i = 0; i < 1000; i++) {
		char line[32];

		snprintf(line, sizeof(line), "line %03d\n", i);
		kubelog_append(log, T0 + i, line, strlen(line));
	}
	ck_assert_uint_eq(kubelog_lines(log), 11);	/* 11 lines of 9 bytes fit in 100 */
	next = kubelog_render(log, &o, 0, &out);
	ck_assert(strncmp(out.data, "line 989\n", 9) == 0);
	ck_assert_uint_eq(next, 1000);
	buf_release(&out);
	kubelog_free(log);
}
END_TEST

static Suite *kubelog_suite(void)
{
	Suite *s = suite_create("sb_kubelog");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_startup);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_rotation);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(kubelog_suite)
