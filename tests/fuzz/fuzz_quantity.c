/*
 * fuzz_quantity.c: any bytes either fail to parse or give a quantity whose
 * canonical form parses back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/kube/quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quantity q, r;
	char out[64];

	if (quantity_parse((const char *)data, size, &q, NULL) != 0)
		return 0;
	if (q.scale < -9)
		abort();
	quantity_format(&q, out, sizeof(out));
	if (quantity_parse_str(out, &r, NULL) != 0 || quantity_cmp(&q, &r) != 0)
		abort();
	(void)quantity_milli(&q);
	(void)quantity_value(&q);
	quantity_add(&r, &q);
	return 0;
}
