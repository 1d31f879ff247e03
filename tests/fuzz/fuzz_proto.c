/*
 * fuzz_proto.c: any bytes through the protobuf decoder.  Invariants: it
 * answers an object or an error code; an object has "kind", and printing
 * it gives JSON that parses back to the same tree (no invalid UTF-8 or
 * NUL survives into a string).
 */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	cJSON *o = proto_decode(data, size, &err), *back;
	struct buf b = BUF_INIT;

	if (!o) {
		if (err.code == ERR_NONE)
			abort();
		return 0;
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "kind")))
		abort();
	json_print(&b, o, false);
	if (!utf8_valid(b.data, b.len))
		abort();
	back = json_parse(b.data, b.len, &err);
	if (!back || !cJSON_Compare(o, back, true))
		abort();
	cJSON_Delete(back);
	cJSON_Delete(o);
	buf_release(&b);
	return 0;
}
