/*
 * fuzz_selector.c: any text as a label selector and as a field selector of
 * a Pod.  Invariants: a parse answers a selector or an ERR_INVALID with a
 * sentence; a selector matches the same object the same way twice; an
 * empty selector matches everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pod[] = "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":{\"a\":\"b\","
		"\"in\":\"\",\"x.io/y\":\"3\"}},\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}";
	char *s = malloc(size + 1);
	cJSON *obj = cJSON_Parse(pod);
	struct error err = { 0 };
	struct selector *sel;

	memcpy(s, data, size);
	s[size] = '\0';
	for (int fields = 0; fields < 2; fields++) {
		err.code = 0;
		sel = fields ? selector_parse_fields(s, "Pod", &err) : selector_parse_labels(s, &err);
		if (!sel) {
			if (err.code != ERR_INVALID || !err.msg[0])
				abort();
			continue;
		}
		if (selector_match(sel, obj) != selector_match(sel, obj))
			abort();
		if (selector_empty(sel) && !selector_match(sel, obj))
			abort();
		selector_free(sel);
	}
	cJSON_Delete(obj);
	free(s);
	return 0;
}
