/*
 * fuzz_s3xml.c: s3_xml_parse on any bytes; invariants: a failure leaves
 * an empty document, a success has a root and bounded item counts, keys
 * are as long as they say, and sanitized keys hold no control.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/utf8.h"
#include "datalab/s3/xml.h"

static void check_text(const char *p, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	utf8_sanitize(&b, p, n, 0);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			abort();
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_doc d;
	struct error err;

	if (s3_xml_parse((const char *)data, size, &d, &err) < 0) {
		if (d.root || d.kind != S3_DOC_UNKNOWN || d.listing.nobjects || !err.msg[0])
			abort();
		return 0;
	}
	if (!d.root)
		abort();
	if (d.listing.nobjects + d.listing.nprefixes + d.nbuckets + d.nparts + d.ndeleted > S3_XML_MAX_ITEMS)
		abort();
	for (size_t i = 0; i < d.listing.nobjects; i++) {
		const struct s3_object *o = &d.listing.objects[i];

		if (o->key && (strlen(o->key) > o->key_len || o->key[o->key_len] != '\0'))
			abort();
		if (o->key)
			check_text(o->key, o->key_len);
		if (o->size < -1)
			abort();
	}
	for (size_t i = 0; i < d.listing.nprefixes; i++)
		if (d.listing.prefixes[i].prefix)
			check_text(d.listing.prefixes[i].prefix, d.listing.prefixes[i].len);
	if (d.nfailed > d.ndeleted)
		abort();
	s3_xml_release(&d);
	return 0;
}
