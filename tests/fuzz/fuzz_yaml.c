/*
 * fuzz_yaml.c: yaml_parse must return a tree or an error with a message,
 * within its limits, and whatever it returns must emit and parse again.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/core/buf.h"
#include "datalab/core/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_limits lim = { 1 << 20, 64, 100000 };
	struct error err = { 0 };
	cJSON *r = yaml_parse((const char *)data, size, &lim, &err);
	struct buf out;

	if (!r) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	buf_init(&out, 0);
	yaml_emit(&out, r);
	cJSON_Delete(r);
	r = yaml_parse(out.data, out.len, NULL, &err);
	if (!r)
		abort();	/* our own output must read back */
	cJSON_Delete(r);
	buf_release(&out);
	return 0;
}
