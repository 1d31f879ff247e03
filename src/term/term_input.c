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
 *   the right margin that memmoves a negative size (c1_in_utf8); its
 *   decoder also finishes a character across controls and escape
 *   sequences, so C2, a control, 9B is one of them (c1_split);
 * - more than 16 ':' in a control sequence write past its argument array
 *   (csi_colons);
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
	SCAN_STRING,	/* OSC, DCS until BEL or ST */
	SCAN_STRING_ESC,	/* ESC inside a string: ST when '\' follows */
};

void term_input_init(struct term_input *in)
{
	buf_init(&in->held, TERM_INPUT_HOLD_MAX + 16);
	buf_init(&in->ready, 0);
	in->state = SCAN_GROUND;
	in->seps = 0;
}

void term_input_release(struct term_input *in)
{
	buf_release(&in->held);
	buf_release(&in->ready);
}

/* seq_len: the length of the UTF-8 sequence a lead byte starts, 0 for a
 * byte that cannot start one (C0, C1, F5..FF: always invalid). */
static size_t seq_len(unsigned char c)
{
	return c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
}

/* unsafe: a whole character libvterm 0.1.4 cannot take (see the top). */
static bool unsafe(const unsigned char *q, size_t len)
{
	if (len == 2)
		return q[0] == 0xC2 && q[1] < 0xA0;
	return len == 3 && q[0] == 0xE3 &&
	       ((q[1] == 0x80 && q[2] >= 0xAA && q[2] <= 0xAF) || (q[1] == 0x82 && (q[2] == 0x99 || q[2] == 0x9A)));
}

/*
 * guard: one pass over b in place, from in->state.  Bytes are kept
 * except: in ground state, a character libvterm cannot take, and the start
 * of a UTF-8 character that other bytes interrupt (libvterm's decoder
 * would finish it across controls and escape sequences: C2, ^\, 9B is
 * U+009B to it), and bytes >= 0x80 inside an escape or control sequence.
 * Returns where to cut: the start of a string not finished within b (when
 * it began in b and is short), else of a character cut by b's end, else
 * b's length; in->state becomes the state there.
 */
static size_t guard(struct term_input *in, struct buf *b)
{
	unsigned char *q = (unsigned char *)b->data;
	enum scan_state st = (enum scan_state)in->state;
	size_t n = b->len, w = 0, esc_at = 0, str_at = SIZE_MAX, cut = SIZE_MAX, cut_w = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = q[i];

		if (c == 0x18 || c == 0x1A) {	/* CAN, SUB: cancel any sequence */
			st = SCAN_GROUND;
			str_at = SIZE_MAX;
			q[w++] = c;
			continue;
		}
		if (c >= 0x80) {
			size_t len = seq_len(c), k = 1;

			/* dropped inside escape and control sequences: libvterm
			 * never sees them, so its state is the one kept here */
			if (st != SCAN_GROUND && st != SCAN_STRING)
				continue;
			while (k < len && i + k < n && (q[i + k] & 0xC0) == 0x80)
				k++;
			if (len > 0 && k < len && i + k == n && st == SCAN_GROUND) {
				cut = i;	/* finished by the next chunk */
				cut_w = w;
				break;
			}
			if (len > 0 && ((k == len && unsafe(q + i, len)) || (k < len && i + k < n))) {
				i += k - 1;	/* unsafe, or interrupted: dropped */
				continue;
			}
			/* a whole character, one cut by the end of a string's
			 * chunk, or a stray byte (U+FFFD to libvterm) */
			memmove(q + w, q + i, k);
			w += k;
			i += k - 1;
			continue;
		}
		switch (st) {
		case SCAN_GROUND:
			if (c == 0x1B) {
				st = SCAN_ESC;
				esc_at = w;
			}
			break;
		case SCAN_ESC:
			if (c == '[') {
				st = SCAN_CSI;
				in->seps = 0;
			} else if (c == ']' || c == 'P') {
				/* OSC and DCS: libvterm 0.1.4 has no other strings
				 * (APC, PM, SOS end as escapes, their text is text) */
				st = SCAN_STRING;
				str_at = esc_at;
			} else if (c == 0x1B) {
				esc_at = w;
			} else if (c >= 0x30 && c != 0x7F) {
				st = SCAN_GROUND;	/* a two-byte escape ended */
			}
			break;
		case SCAN_CSI:
			/* libvterm counts ';' against its 16 arguments but not ':'
			 * (sub-parameters): 17 of those write past the array
			 * (fuzz input csi_colons); more than a sequence needs are
			 * dropped, the digits after them join the last argument */
			if ((c == ':' || c == ';') && ++in->seps > TERM_INPUT_CSI_SEPS)
				continue;
			if (c == 0x1B) {
				st = SCAN_ESC;
				esc_at = w;
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
				esc_at = w - 1;
				i--;
				continue;
			}
			break;
		}
		q[w++] = c;
	}
	if (cut != SIZE_MAX) {
		/* keep the character's bytes: move them after the kept ones */
		memmove(q + cut_w, q + cut, n - cut);
		buf_truncate(b, cut_w + (n - cut));
		in->state = SCAN_GROUND;
		return cut_w;
	}
	buf_truncate(b, w);
	if ((st == SCAN_STRING || st == SCAN_STRING_ESC) && str_at != SIZE_MAX && w - str_at <= TERM_INPUT_HOLD_MAX) {
		in->state = SCAN_GROUND;
		return str_at;
	}
	in->state = st;
	return w;
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
	cut = guard(in, &in->ready);
	if (cut < in->ready.len) {
		buf_add(&in->held, in->ready.data + cut, in->ready.len - cut);
		buf_truncate(&in->ready, cut);
	}
	*out = in->ready.data;
	*outn = in->ready.len;
}
