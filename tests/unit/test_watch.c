/*
 * test_watch.c: the watch line parser on the canned streams, split at
 * every byte, a hostile stream, a 50 MB event and the line cap.
 */
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/kube/watch.h"
#include "testutil.h"

struct log {
	struct buf text;	/* "TYPE name rv code;" per event */
	int count;
	size_t biggest;
};

static void on_event(struct watch_event *ev, void *arg)
{
	struct log *l = arg;
	char *s = cJSON_PrintUnformatted(ev->object);

	l->biggest = DL_MAX(l->biggest, strlen(s));
	free(s);
	buf_addf(&l->text, "%s %s %s %d;", watch_type_name(ev->type),
		 json_str(ev->object, "metadata.name", "-"),
		 ev->resource_version ? ev->resource_version : "-", ev->code);
	l->count++;
}

static void run(const char *p, size_t n, size_t step, size_t max_line, struct log *l,
		unsigned long *skipped)
{
	struct watch_parser w;

	memset(l, 0, sizeof(*l));
	buf_init(&l->text, 0);
	watch_parser_init(&w, max_line, on_event, l);
	for (size_t off = 0; off < n; off += step)
		watch_parser_feed(&w, p + off, DL_MIN(step, n - off));
	watch_parser_finish(&w);
	*skipped = w.skipped;
	ck_assert_uint_eq(w.events, (unsigned long)l->count);
	watch_parser_release(&w);
}

START_TEST(test_canned_every_split)
{
	struct buf b = BUF_INIT;
	struct log l, ref;
	unsigned long skipped;

	ck_assert_int_eq(file_read(TESTDATA "/kube/derived/watch-pods.jsonl", &b, NULL), 0);
	run(b.data, b.len, b.len, 0, &ref, &skipped);
	ck_assert_int_eq(ref.count, 5);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_ptr_nonnull(strstr(ref.text.data, "ADDED jupyter-pytorch-gpu-0 612041 0;"));
	ck_assert_ptr_nonnull(strstr(ref.text.data, "BOOKMARK "));
	ck_assert_ptr_nonnull(strstr(ref.text.data, "DELETED "));
	ck_assert_ptr_nonnull(strstr(ref.text.data, "ERROR - - 410;"));
	/* every chunk size, including 1 byte at a time, yields the same events */
	for (size_t step = 1; step < b.len; step += step < 64 ? 1 : 97) {
		run(b.data, b.len, step, 0, &l, &skipped);
		ck_assert_str_eq(l.text.data, ref.text.data);
		ck_assert_uint_eq(skipped, 0);
		buf_release(&l.text);
	}
	buf_release(&ref.text);
	buf_release(&b);
}
END_TEST

START_TEST(test_hostile_stream)
{
	struct buf b = BUF_INIT;
	struct log l;
	unsigned long skipped;

	ck_assert_int_eq(file_read(TESTDATA "/hostile/kube/watch-stream-hostile.jsonl", &b, NULL), 0);
	for (size_t step = 1; step <= b.len; step = step * 3 + 1) {
		run(b.data, b.len, step, 0, &l, &skipped);
		/* ok-1, the ERROR with a Pod object, the OSC 52 pod, the 300 KB
		 * event, the 410 ERROR; skipped: {}, FOO, no object, non-JSON,
		 * the cut last line */
		ck_assert_int_eq(l.count, 5);
		ck_assert_uint_eq(skipped, 5);
		ck_assert_ptr_nonnull(strstr(l.text.data, "ADDED ok-1"));
		ck_assert_ptr_nonnull(strstr(l.text.data, "ERROR - - 0;"));
		ck_assert_ptr_nonnull(strstr(l.text.data, "ADDED big"));
		ck_assert_ptr_nonnull(strstr(l.text.data, "ERROR - - 410;"));
		ck_assert_uint_gt(l.biggest, 300000);
		buf_release(&l.text);
	}
	/* a 64 KiB line cap drops the 300 KB event, and only it */
	run(b.data, b.len, 4096, 65536, &l, &skipped);
	ck_assert_int_eq(l.count, 4);
	ck_assert_uint_eq(skipped, 6);
	ck_assert_ptr_null(strstr(l.text.data, "ADDED big"));
	buf_release(&l.text);
	run(b.data, b.len, b.len, 65536, &l, &skipped);
	ck_assert_int_eq(l.count, 4);
	ck_assert_uint_eq(skipped, 6);
	buf_release(&l.text);
	buf_release(&b);
}
END_TEST

START_TEST(test_50mb_event)
{
	struct buf b = BUF_INIT;
	struct log l;
	unsigned long skipped;
	size_t big = 50u * 1000 * 1000;

	buf_adds(&b, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"7\"}}}\r\n\n");
	buf_adds(&b, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"huge\",\"annotations\":{\"x\":\"");
	buf_grow(&b, big);
	memset(b.data + b.len, 'x', big);
	b.len += big;
	buf_adds(&b, "\"}}}}\n{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n");
	run(b.data, b.len, 1 << 20, 0, &l, &skipped);
	ck_assert_int_eq(l.count, 3);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_str_eq(l.text.data, "ADDED a 7 0;MODIFIED huge - 0;DELETED a - 0;");
	ck_assert_uint_gt(l.biggest, big);
	buf_release(&l.text);
	buf_release(&b);
}
END_TEST

START_TEST(test_cut_and_blank)
{
	struct log l;
	unsigned long skipped;
	const char *s = "\n\r\n  \n{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"12\"}}}\n{\"type\":\"ADD";

	run(s, strlen(s), 5, 0, &l, &skipped);
	ck_assert_str_eq(l.text.data, "BOOKMARK - 12 0;");
	ck_assert_uint_eq(skipped, 1);
	buf_release(&l.text);
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_canned_every_split);
	tcase_add_test(tc, test_hostile_stream);
	tcase_add_test(tc, test_50mb_event);
	tcase_add_test(tc, test_cut_and_blank);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(watch_suite)
