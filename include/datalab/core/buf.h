/*
 * buf.h: the one growable byte buffer (curl's dynbuf cap + git's strbuf verbs).
 *
 * data is never NULL: it points at "" before the first add and is always
 * NUL-terminated, so text can be used as a C string.  max caps the length:
 * an add past it fails, empties the buffer and returns -1, which turns a
 * hostile body into an error instead of an allocation storm.  max 0 = 1 GiB.
 */
#ifndef DATALAB_CORE_BUF_H
#define DATALAB_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "datalab/core/common.h"

struct buf {
	char *data;
	size_t len, cap, max;
};

#define BUF_INIT { (char *)"", 0, 0, 0 }

void buf_init(struct buf *b, size_t max);	/* cannot fail, allocates nothing */
int buf_add(struct buf *b, const void *p, size_t n);	/* -1 past max; b left empty */
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) DL_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* buf_grow: make room for n more bytes without adding them. */
int buf_grow(struct buf *b, size_t n);
void buf_truncate(struct buf *b, size_t len);
/* buf_consume: drop the first n bytes (a read cursor for stream parsers). */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);	/* length 0, keeps the allocation */
char *buf_take(struct buf *b, size_t *len);	/* caller frees; b is empty again; never NULL */
void buf_release(struct buf *b);	/* frees the contents; b usable again */

#endif
