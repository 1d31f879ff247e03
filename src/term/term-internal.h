/*
 * term-internal.h: what the files of the emulator share (term.c, term_draw.c,
 * term_input.c, term_keys.c, term_screen.c); not an API.
 */
#ifndef DATALAB_TERM_INTERNAL_H
#define DATALAB_TERM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vterm.h>

#include "datalab/core/buf.h"
#include "datalab/term/term.h"

/*
 * term_input: what of the remote's bytes reaches libvterm, and when
 * (term_input.c).  A string sequence (OSC, DCS, APC, PM, SOS) cut by a
 * read is held back until its terminator (libvterm 0.1.4 drops a string
 * split across writes), as is half a UTF-8 character; a few characters
 * libvterm mishandles are dropped.  The byte stream is otherwise the same.
 */
#define TERM_INPUT_HOLD_MAX 4096	/* a longer string goes through as is */
#define TERM_FEED_SLICE 4096	/* bytes per vterm_input_write (its stack) */

struct term_input {
	struct buf held;	/* bytes kept for the next feed */
	struct buf ready;	/* what term_input_prepare hands out */
	int state;		/* the scanner's state after the bytes handed out */
	int seps;		/* ':' and ';' seen in the current control sequence */
};

#define TERM_INPUT_CSI_SEPS 12	/* SGR 38:2::r:g:b needs 5, the most in use */

void term_input_init(struct term_input *in);
void term_input_release(struct term_input *in);
/* term_input_prepare: the bytes of p[0..n) (after those held before) to
 * give libvterm now, as *out[0..*outn), valid until the next call. */
void term_input_prepare(struct term_input *in, const char *p, size_t n, const char **out, size_t *outn);

enum term_attr {
	TERM_ATTR_BOLD = 1 << 0,
	TERM_ATTR_UNDERLINE = 1 << 1,
	TERM_ATTR_ITALIC = 1 << 2,
	TERM_ATTR_BLINK = 1 << 3,
	TERM_ATTR_REVERSE = 1 << 4,
	TERM_ATTR_PROTECTED = 1 << 5,	/* DECSCA: a selective erase keeps it */
};

/* One cell, as drawn and as kept in the scrollback: a base character and
 * one combining mark (further marks are dropped). */
struct term_cell {
	uint32_t ch[2];		/* ch[0] 0: blank */
	int32_t fg, bg;		/* THEME_COLOR_DEFAULT, 0..255 or THEME_COLOR_RGB */
	uint8_t attrs;		/* enum term_attr */
	uint8_t width;		/* 0: the right half of a wide character */
};

struct term_line {
	int cols;		/* trailing blanks trimmed */
	struct term_cell cells[];
};

/* A screen's cells (term_screen.c): rows x cols in one block, reached
 * through row pointers that a scroll permutes. */
struct term_grid {
	struct term_cell *cells;
	struct term_cell **row;
};

enum pending {
	PENDING_DAMAGE = 1 << 0,
	PENDING_TITLE = 1 << 1,
	PENDING_BELL = 1 << 2,
};

struct term {
	VTerm *vt;
	VTermState *state;
	int rows, cols;
	struct term_grid grids[2];	/* the main screen, the alternate one */
	struct term_grid *grid;		/* the one shown */
	struct term_cell pen;		/* colours and attributes of new cells */
	struct term_cbs cbs;
	void *arg;
	int dirty_top, dirty_end;	/* rows [top, end) to paint */
	unsigned pending;		/* events to report after a feed */
	int in_feed;
	bool cursor_visible, altscreen, reverse;
	enum term_mouse_mode mouse;
	char title[TERM_TITLE_MAX];
	/* scrollback ring: sb[(sb_start + i) % sb_max], i < sb_len, oldest first */
	struct term_line **sb;
	size_t sb_max, sb_len, sb_start;
	int offset;			/* lines the view is scrolled back */
	struct buf scratch;		/* sanitize's output, reused */
	struct term_input input;	/* what may reach libvterm, and when */
	struct term_stats stats;
};

/* term_screen_init: both grids at t->rows x t->cols, and libvterm's
 * state callbacks writing them (term_screen.c); term_screen_release. */
void term_screen_init(struct term *t);
void term_screen_release(struct term *t);
/* term_screen_row: row of the live screen, t->cols cells (term_screen.c). */
const struct term_cell *term_screen_row(const struct term *t, int row);
/* term_screen_repair: wide characters in row made whole again: a half
 * without its other half becomes a blank (term_screen.c). */
void term_screen_repair(struct term_cell *row, int cols);

/* term.c, for term_screen.c: rows to draw again; a terminal property
 * libvterm set; a line leaving the top of the main screen, and the newest
 * scrollback line taken back into cells (cols of them; false when none). */
void term_mark_rows(struct term *t, int top, int end);
void term_prop(struct term *t, VTermProp prop, const VTermValue *val);
void term_sb_push(struct term *t, const struct term_cell *cells, int cols);
bool term_sb_pop(struct term *t, struct term_cell *cells, int cols);
/* term_sb_line: scrollback line i, oldest first (term.c). */
const struct term_line *term_sb_line(const struct term *t, size_t i);

/* How a widget key is sent: as a libvterm key, as a character, or not. */
enum term_keys_kind {
	TERM_KEYS_NONE,
	TERM_KEYS_KEY,		/* *vk with *mod */
	TERM_KEYS_CHAR,		/* *cp with *mod */
};

/* term_keys_map: the libvterm form of a widget key (see term_key). */
enum term_keys_kind term_keys_map(int key, VTermKey *vk, uint32_t *cp, VTermModifier *mod);

#endif
