/*
 * fuzz_watch.c: a watch body split at a point the first byte picks, with a
 * small line cap; invariants: every event has an object, and a split never
 * changes the number of events seen.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/kube/watch.h"

static void on_event(struct watch_event *ev, void *arg)
{
	if (!ev->object || ev->type > WATCH_ERROR)
		abort();
	(*(unsigned long *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct watch_parser a, b;
	unsigned long na = 0, nb = 0;
	size_t split = size ? data[0] % (size + 1) : 0;

	watch_parser_init(&a, 4096, on_event, &na);
	watch_parser_init(&b, 4096, on_event, &nb);
	watch_parser_feed(&a, (const char *)data, size);
	watch_parser_finish(&a);
	watch_parser_feed(&b, (const char *)data, split);
	watch_parser_feed(&b, (const char *)data + split, size - split);
	watch_parser_finish(&b);
	if (na != nb || a.events != na || a.skipped != b.skipped)
		abort();
	watch_parser_release(&a);
	watch_parser_release(&b);
	return 0;
}
