/*
 * term_input.c: the guard between the remote's bytes and libvterm 0.1.4.
 *
 * Data flow: term_feed gives each chunk as it was read; the bytes held
 * from the previous chunk go first, a small scanner (ECMA-48's states:
 * ground, escape, control sequence, string, as tmux's input.c names them)
 * finds where the chunk may be cut, and what is ready goes to libvterm in
 * one write, less the characters unsafe_len names.  Why each rule, from
 * fuzzing libvterm 0.1.4 (tests/fuzz/corpus/term/):
 * - a string sequence split across two writes is lost (no title);
 * - a resize while half a UTF-8 character waits in its decoder corrupts
 *   its heap (utf8_split_resize);
 * - U+0080..U+009F in UTF-8 are glyphs of width -1 to it; in insert mode at
 *   the right margin that memmoves a negative size (c1_in_utf8);
 * - U+302A..U+302F and U+3099..U+309A are combining marks it gives width
 *   2, so a base and a few dozen of them overflow the row (wide_marks;
 *   these two sets are all of them: every code point was probed after
 *   "x").
 * Dropping C1 controls loses nothing in UTF-8 text; a decomposed kana
 * loses its dakuten, which beats a heap overflow.
 */
#include <stdbool.h>
#include <string.h>

#include "datalab/core/common.h"
#include "term-internal.h"

enum scan_state {
	SCAN_GROUND,
	SCAN_ESC,	/* after ESC (and intermediates) */
	SCAN_CSI,
	SCAN_STRING,	/* OSC, DCS, SOS, PM, APC until BEL or ST */
	SCAN_STRING_ESC,	/* ESC inside a string: ST when '\' follows */
};

void term_input_init(struct term_input *in)
{
	buf_init(&in->held, TERM_INPUT_HOLD_MAX + 16);
	buf_init(&in->ready, 0);
	in->state = SCAN_GROUND;
}

void term_input_release(struct term_input *in)
{
	buf_release(&in->held);
	buf_release(&in->ready);
}

/* utf8_incomplete: how many bytes at the end of p[0..n) start a UTF-8
 * sequence that is not finished yet (0 when it ends on a boundary). */
static size_t utf8_incomplete(const char *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned char c = (unsigned char)p[n - k];
		size_t need;

		if ((c & 0xC0) == 0x80)
			continue;	/* a continuation byte: look further back */
		need = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		return c >= 0xF8 || need <= k ? 0 : k;
	}
	return 0;
}

/*
 * scan: runs the states over p[0..n) from in->state and returns where to
 * cut: the start of a string not finished within the chunk (when it began
 * in it and is short), else the start of an unfinished UTF-8 character,
 * else n.  in->state becomes the state at the cut.
 */
static size_t scan(struct term_input *in, const char *p, size_t n)
{
	enum scan_state st = (enum scan_state)in->state;
	size_t esc_at = 0, str_at = SIZE_MAX, k;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0x18 || c == 0x1A) {	/* CAN, SUB: cancel any sequence */
			st = SCAN_GROUND;
			str_at = SIZE_MAX;
			continue;
		}
		switch (st) {
		case SCAN_GROUND:
			if (c == 0x1B) {
				st = SCAN_ESC;
				esc_at = i;
			}
			break;
		case SCAN_ESC:
			if (c == '[') {
				st = SCAN_CSI;
			} else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
				st = SCAN_STRING;
				str_at = esc_at;
			} else if (c == 0x1B) {
				esc_at = i;
			} else if (c < 0x20 || (c >= 0x30 && c != 0x7F)) {
				st = c < 0x20 ? SCAN_ESC : SCAN_GROUND;	/* C0 runs inside; a final ends it */
			}
			break;
		case SCAN_CSI:
			if (c == 0x1B) {
				st = SCAN_ESC;
				esc_at = i;
			} else if (c >= 0x40 && c <= 0x7E) {
				st = SCAN_GROUND;
			}
			break;
		case SCAN_STRING:
			if (c == 0x07) {
				st = SCAN_GROUND;
				str_at = SIZE_MAX;
			} else if (c == 0x1B) {
				st = SCAN_STRING_ESC;
			}
			break;
		case SCAN_STRING_ESC:
			str_at = SIZE_MAX;
			if (c == '\\') {
				st = SCAN_GROUND;
			} else {	/* the ESC ended the string and starts anew */
				st = SCAN_ESC;
				esc_at = i - 1;
				i--;
			}
			break;
		}
	}
	/* a string that began in an earlier chunk was given out already: its
	 * start is at 0 only when the ESC before it was the last byte given */
	if ((st == SCAN_STRING || st == SCAN_STRING_ESC) && str_at != SIZE_MAX && n - str_at <= TERM_INPUT_HOLD_MAX) {
		in->state = SCAN_GROUND;
		return str_at;
	}
	in->state = st;
	if (st != SCAN_GROUND)
		return n;
	k = utf8_incomplete(p, n);
	return n - k;
}

/* unsafe_len: the length of a character at p libvterm 0.1.4 cannot take
 * (see the top of the file), else 0. */
static size_t unsafe_len(const char *p, size_t n)
{
	const unsigned char *q = (const unsigned char *)p;

	if (n >= 2 && q[0] == 0xC2 && q[1] >= 0x80 && q[1] < 0xA0)
		return 2;
	if (n >= 3 && q[0] == 0xE3 &&
	    ((q[1] == 0x80 && q[2] >= 0xAA && q[2] <= 0xAF) || (q[1] == 0x82 && (q[2] == 0x99 || q[2] == 0x9A))))
		return 3;
	return 0;
}

/* drop_unsafe: removes those characters from b in place. */
static void drop_unsafe(struct buf *b)
{
	size_t w = 0;

	for (size_t r = 0; r < b->len;) {
		unsigned char c = (unsigned char)b->data[r];
		size_t bad = c == 0xC2 || c == 0xE3 ? unsafe_len(b->data + r, b->len - r) : 0;

		if (bad) {
			r += bad;
			continue;
		}
		b->data[w++] = b->data[r++];
	}
	buf_truncate(b, w);
}

void term_input_prepare(struct term_input *in, const char *p, size_t n, const char **out, size_t *outn)
{
	size_t cut;

	buf_reset(&in->ready);
	if (in->held.len > 0) {
		buf_add(&in->ready, in->held.data, in->held.len);
		buf_reset(&in->held);
	}
	buf_add(&in->ready, p, n);
	/* the scan restarts at the held bytes: they began in ground state
	 * (a string's ESC, or a character's first byte) */
	cut = scan(in, in->ready.data, in->ready.len);
	if (cut < in->ready.len) {
		buf_add(&in->held, in->ready.data + cut, in->ready.len - cut);
		buf_truncate(&in->ready, cut);
	}
	drop_unsafe(&in->ready);
	*out = in->ready.data;
	*outn = in->ready.len;
}
