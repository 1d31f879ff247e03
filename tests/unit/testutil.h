/*
 * testutil.h: what every Check suite shares.  Tests run from the repo root
 * (scripts/run-unit.sh cds there), so shared test data is at TESTDATA.
 */
#ifndef DATALAB_TESTUTIL_H
#define DATALAB_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/yaml.h"

#define TESTDATA "../shared/testdata"

/* TEST_MAIN(suite_fn): a main() running one suite, exit status = failures. */
#define TEST_MAIN(suite_fn)                                              \
	int main(void)                                                   \
	{                                                                \
		SRunner *sr = srunner_create(suite_fn());                \
		int nf;                                                  \
		srunner_run_all(sr, CK_NORMAL);                          \
		nf = srunner_ntests_failed(sr);                          \
		srunner_free(sr);                                        \
		return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;            \
	}

/* TESTUTIL_WAIT(l, cond, ms): runs loop l until cond holds; fails the
 * test naming cond after ms milliseconds. */
#define TESTUTIL_WAIT(l, cond, ms)                                              \
	do {                                                                    \
		uint64_t end_ = time_mono_ms() + (ms);                          \
		while (!(cond) && time_mono_ms() < end_)                        \
			loop_run_once((l), 20);                                 \
		ck_assert_msg((cond), "timed out waiting for: %s", #cond);      \
	} while (0)

/* testutil_home: a fresh /tmp/dl-NAME-XXXXXX folder into home (size >= 64)
 * as DATALAB_HOME, for the suites that keep state there. */
static DL_UNUSED void testutil_home(char *home, size_t size, const char *name)
{
	ck_assert_int_lt(snprintf(home, size, "/tmp/dl-%s-XXXXXX", name), (int)size);
	ck_assert_ptr_nonnull(mkdtemp(home));
	setenv("DATALAB_HOME", home, 1);
}

/* testutil_read: the file at path into b (initialised here); it must read. */
static DL_UNUSED void testutil_read(const char *path, struct buf *b)
{
	struct error err;

	buf_init(b, 0);
	ck_assert_msg(file_read(path, b, &err) == 0, "%s: %s", path, err.msg);
}

/* testutil_doc: the JSON (or YAML) file at path as cJSON (caller frees);
 * it must read and parse. */
static DL_UNUSED cJSON *testutil_doc(const char *path, bool yaml)
{
	struct buf b;
	struct error err;
	cJSON *j;

	testutil_read(path, &b);
	j = yaml ? yaml_parse(b.data, b.len, NULL, &err) : json_parse(b.data, b.len, &err);
	buf_release(&b);
	ck_assert_msg(j != NULL, "%s: %s", path, err.msg);
	return j;
}

/* testutil_json: TESTDATA/name as JSON (caller frees); it must parse. */
static DL_UNUSED cJSON *testutil_json(const char *name)
{
	char *path = xasprintf("%s/%s", TESTDATA, name);
	cJSON *j = testutil_doc(path, false);

	free(path);
	return j;
}

/* testutil_capture: runs cmd with the shell and appends its standard
 * output to out; returns pclose's status (0: it exited 0), -1 when it
 * could not run. */
static DL_UNUSED int testutil_capture(const char *cmd, struct buf *out)
{
	FILE *f = popen(cmd, "r");
	char tmp[65536];
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(out, tmp, got);
	return pclose(f);
}

#endif
