/*
 * term-internal.h: what term.c and term_keys.c share (not an API).
 */
#ifndef DATALAB_TERM_INTERNAL_H
#define DATALAB_TERM_INTERNAL_H

#include <stdint.h>

#include <vterm.h>

/* How a widget key is sent: as a libvterm key, as a character, or not. */
enum term_keys_kind {
	TERM_KEYS_NONE,
	TERM_KEYS_KEY,		/* *vk with *mod */
	TERM_KEYS_CHAR,		/* *cp with *mod */
};

/* term_keys_map: the libvterm form of a widget key (see term_key). */
enum term_keys_kind term_keys_map(int key, VTermKey *vk, uint32_t *cp, VTermModifier *mod);

#endif
