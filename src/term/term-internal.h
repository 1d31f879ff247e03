/*
 * term-internal.h: what term.c and term_keys.c share (not an API).
 */
#ifndef DATALAB_TERM_INTERNAL_H
#define DATALAB_TERM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <vterm.h>

#include "datalab/core/buf.h"

/* How a widget key is sent: as a libvterm key, as a character, or not. */
enum term_keys_kind {
	TERM_KEYS_NONE,
	TERM_KEYS_KEY,		/* *vk with *mod */
	TERM_KEYS_CHAR,		/* *cp with *mod */
};

/* term_keys_map: the libvterm form of a widget key (see term_key). */
enum term_keys_kind term_keys_map(int key, VTermKey *vk, uint32_t *cp, VTermModifier *mod);

/*
 * term_input: what of the remote's bytes reaches libvterm, and when
 * (term_input.c).  A string sequence (OSC, DCS, APC, PM, SOS) cut by a
 * read is held back until its terminator (libvterm 0.1.4 drops a string
 * split across writes), as is half a UTF-8 character; a few characters
 * libvterm mishandles are dropped.  The byte stream is otherwise the same.
 */
#define TERM_INPUT_HOLD_MAX 4096	/* a longer string goes through as is */

struct term_input {
	struct buf held;	/* bytes kept for the next feed */
	struct buf ready;	/* what term_input_prepare hands out */
	int state;		/* the scanner's state after the bytes handed out */
};

void term_input_init(struct term_input *in);
void term_input_release(struct term_input *in);
/* term_input_prepare: the bytes of p[0..n) (after those held before) to
 * give libvterm now, as *out[0..*outn), valid until the next call. */
void term_input_prepare(struct term_input *in, const char *p, size_t n, const char **out, size_t *outn);

#endif
