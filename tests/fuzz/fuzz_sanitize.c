/*
 * fuzz_sanitize.c: utf8_sanitize must never let a control byte, a C1 code
 * point, DEL, a bidi override or invalid UTF-8 through, whatever it is fed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/core/buf.h"
#include "datalab/core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct buf *b, unsigned flags)
{
	size_t i = 0;

	if (!utf8_valid(b->data, b->len))
		abort();
	while (i < b->len) {
		uint32_t cp;
		int len = utf8_decode(b->data + i, b->len - i, &cp);

		if (len <= 0)
			abort();
		if (cp < 0x20 && !((cp == '\n' && (flags & UTF8_KEEP_NEWLINE)) || (cp == '\t' && (flags & UTF8_KEEP_TAB))))
			abort();
		if (cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		i += (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = { 0, UTF8_KEEP_NEWLINE | UTF8_KEEP_TAB };

	for (size_t k = 0; k < 2; k++) {
		struct buf b;
		size_t used;

		buf_init(&b, 0);
		utf8_sanitize(&b, (const char *)data, size, flags[k]);
		check(&b, flags[k]);
		if (utf8_fit(b.data, b.len, 10, &used) > b.len || used > 10)
			abort();
		buf_release(&b);
	}
	return 0;
}
