/*
 * testjson.h: a JSON file of ../shared/testdata parsed for a test, the
 * test failing with the reason when it cannot be read or parsed.
 * Header-only, for the model suites.
 */
#ifndef DATALAB_TESTJSON_H
#define DATALAB_TESTJSON_H

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "testutil.h"

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"

/* test_load_json: TESTDATA/rel parsed; the caller frees it. */
static DL_UNUSED cJSON *test_load_json(const char *rel)
{
	struct buf b;
	struct error err;
	cJSON *j;
	char *path = xasprintf(TESTDATA "/%s", rel);

	buf_init(&b, 0);
	ck_assert_msg(file_read(path, &b, &err) == 0, "%s: %s", path, err.msg);
	j = json_parse(b.data, b.len, &err);
	ck_assert_msg(j != NULL, "%s: %s", path, err.msg);
	buf_release(&b);
	free(path);
	return j;
}

#endif
