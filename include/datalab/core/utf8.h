/*
 * utf8.h: UTF-8 decoding, display width, and the one sanitize for remote text.
 *
 * Every string that comes from outside (API objects, logs, S3 keys, chart
 * text, helm output) goes through utf8_sanitize once, where it enters a
 * widget.  Only libvterm ever sees raw pty bytes.
 */
#ifndef DATALAB_CORE_UTF8_H
#define DATALAB_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"

#define UTF8_REPLACEMENT 0xFFFDu

/* utf8_decode: one code point from p[0..n).  Returns its length (1..4) and
 * sets *cp, or returns -1 for an invalid, overlong, surrogate, > U+10FFFF or
 * truncated sequence (*cp = U+FFFD; skip one byte). */
int utf8_decode(const char *p, size_t n, uint32_t *cp);
/* utf8_encode: writes 1..4 bytes into out[4]; returns the length. */
int utf8_encode(uint32_t cp, char out[4]);
bool utf8_valid(const char *p, size_t n);

/* utf8_cp_width: columns a code point takes: 0 (combining, zero width),
 * 1, or 2 (East Asian wide, emoji).  Controls return -1. */
int utf8_cp_width(uint32_t cp);
/* utf8_width: display columns of sanitized text (invalid bytes count 1). */
size_t utf8_width(const char *s, size_t n);
/* utf8_fit: the byte length of the longest prefix of s that fits in cols
 * columns; *used gets its width (may be NULL). */
size_t utf8_fit(const char *s, size_t n, size_t cols, size_t *used);

enum utf8_sanitize_flags {
	UTF8_KEEP_NEWLINE = 1 << 0,	/* '\n' kept (multi-line text); else shown as U+23CE */
	UTF8_KEEP_TAB = 1 << 1,		/* '\t' kept; else one space */
};

/*
 * utf8_sanitize: appends a version of p[0..n) that is safe to draw:
 * - escape sequences (CSI, OSC, DCS, SOS, PM, APC, and two-byte ESC forms)
 *   are removed whole, including their 8-bit C1 introducers;
 * - other C0 controls, DEL and C1 controls become U+FFFD;
 * - invalid UTF-8 (overlong, surrogates, > U+10FFFF, truncated) becomes
 *   U+FFFD per bad byte;
 * - bidi controls (U+200E/F, U+202A..E, U+2066..9, U+061C) and zero-width
 *   characters (U+200B..D, U+2060, U+FEFF) are dropped;
 * - runs of combining marks are capped at 4 per base character;
 * - NUL bytes become U+FFFD (the input may contain them).
 * The result is valid UTF-8 holding no byte < 0x20 other than the kept
 * '\n'/'\t', no 0x7F and no C1 code point.  Returns -1 only when b's cap
 * is hit.
 */
int utf8_sanitize(struct buf *out, const char *p, size_t n, unsigned flags);
/* utf8_sanitize_dup: the same into a fresh xmalloc'd string. */
char *utf8_sanitize_dup(const char *s, unsigned flags);

#endif
