/*
 * fuzz_launcher.c: launcher_parse either fills a link or says why; a link
 * it accepts encodes to one that parses again to the same catalog, chart,
 * name, version, flags and values (the round trip a trainer's link takes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/launcher.h"
#include "datalab/core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launcher_link a = { 0 }, b = { 0 };
	struct error err = { 0 };
	struct buf out;
	char *url;
	cJSON *ta, *tb;

	if (size > LAUNCHER_MAX_URL)
		return 0;
	url = xmemdup(data, size);
	if (launcher_parse(url, &a, &err) < 0) {
		if (err.msg[0] == '\0')
			abort();
		launcher_link_release(&a);
		free(url);
		return 0;
	}
	buf_init(&out, 0);
	launcher_encode(&out, NULL, &a);
	if (launcher_parse(out.data, &b, &err) < 0)
		abort();	/* our own link must read back */
	if (!same(a.catalog, b.catalog) || !same(a.chart, b.chart) || !same(a.name, b.name) ||
	    !same(a.version, b.version) || a.auto_launch != b.auto_launch || a.nvalues != b.nvalues)
		abort();
	ta = cJSON_CreateObject();
	tb = cJSON_CreateObject();
	if (launcher_apply(&a, ta, &err) == 0 && (launcher_apply(&b, tb, &err) != 0 || !cJSON_Compare(ta, tb, true)))
		abort();
	cJSON_Delete(ta);
	cJSON_Delete(tb);
	buf_release(&out);
	launcher_link_release(&a);
	launcher_link_release(&b);
	free(url);
	return 0;
}
