/*
 * str.h: string helpers: prefixes, trimming, quoting, URL and base64 coding.
 *
 * Encoders append to a struct buf; decoders return -1 on malformed input.
 */
#ifndef DATALAB_CORE_STR_H
#define DATALAB_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b);	/* NULL-safe */
bool str_case_eq(const char *a, const char *b);	/* ASCII, NULL-safe */
/* str_trim: trims ASCII whitespace in place, returns s. */
char *str_trim(char *s);
/* str_copy: strlcpy semantics; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);

/* str_split: splits on sep into a NULL-terminated xmalloc'd array of
 * xmalloc'd strings (empty fields kept); free with str_free_list. */
char **str_split(const char *s, char sep, size_t *count);
void str_free_list(char **list);

/* str_shell_quote: appends s quoted for a POSIX shell: bare when it only
 * holds safe characters, else in single quotes with ' as '\''. */
int str_shell_quote(struct buf *out, const char *s);
/* str_shell_join: argv as one copyable command line. */
int str_shell_join(struct buf *out, const char *const *argv);

/* str_url_encode: percent-encodes every byte outside A-Za-z0-9-._~
 * (and '/' too unless keep_slash), upper-case hex (RFC 3986, SigV4). */
int str_url_encode(struct buf *out, const char *p, size_t n, bool keep_slash);
/* str_url_decode: %XX decoding, '+' kept as is unless plus_space.
 * Returns -1 on a malformed escape.  The result may hold NUL bytes. */
int str_url_decode(struct buf *out, const char *p, size_t n, bool plus_space);

int str_base64_encode(struct buf *out, const void *p, size_t n);
/* str_base64_decode: standard alphabet, padding optional, whitespace
 * skipped; -1 on any other byte. */
int str_base64_decode(struct buf *out, const char *p, size_t n);
int str_hex_encode(struct buf *out, const void *p, size_t n);	/* lower case */

/* str_parse_i64 / str_parse_u64: the whole string must be a number. */
int str_parse_i64(const char *s, int64_t *out);
int str_parse_u64(const char *s, uint64_t *out);

/* str_format_bytes: "0 B", "512 B", "1.5 KiB", "20.0 GiB" into dst. */
void str_format_bytes(char *dst, size_t size, uint64_t n);

/* str_random_alnum: n random [a-z0-9] characters (from /dev/urandom) and a
 * NUL: dst holds n + 1 bytes. */
void str_random_alnum(char *dst, size_t n);
/* str_random_uuid: a version 4 UUID, lower-case, as the apiserver makes
 * metadata.uid: out holds 37 bytes. */
void str_random_uuid(char out[37]);

#endif
