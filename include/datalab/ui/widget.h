/*
 * widget.h: the widget base, and the one function that draws text.
 *
 * A widget is a struct embedding `struct widget` as its first member and
 * pointing at a const table of functions (htop's PanelClass, tmux's
 * window_mode): nothing switches on a widget's type.  Handlers change the
 * model and return what happened; they never draw.  The app draws dirty
 * widgets once per wake-up (widget_draw skips clean and hidden ones).
 *
 * Keys reach widgets as one int: ASCII characters as themselves, curses
 * function keys as KEY_*, every other character as WIDGET_KEY_CHAR(cp)
 * (curses function key codes overlap code points 257..511, so non-ASCII
 * characters carry a tag); widget_key_from_wch builds it from get_wch.
 *
 * Text drawing: every widget draws strings through widget_draw_text (or
 * widget_draw_spans), which clips to a number of columns with an ellipsis,
 * pads, and never lets a control byte reach the terminal even if given
 * unsanitized text.  Widths come from core/utf8, so CJK takes 2 columns.
 */
#ifndef DATALAB_UI_WIDGET_H
#define DATALAB_UI_WIDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

/*
 * Widget state flags (struct widget.flags) and key/mouse results share one
 * space: a handler returning WIDGET_DIRTY asks for a redraw.
 */
enum widget_flags {
	WIDGET_DIRTY = 1 << 0,		/* state: needs drawing; result: redraw me */
	WIDGET_FOCUSED = 1 << 1,	/* state */
	WIDGET_HIDDEN = 1 << 2,		/* state */
	WIDGET_REDRAW_ALL = 1 << 3,	/* state: repaint everything, not only
					 * what the widget knows changed */
	WIDGET_HANDLED = 1 << 8,	/* result: the event was consumed */
	WIDGET_ACTIVATE = 1 << 9,	/* result: Enter / double click on the item */
	WIDGET_CANCEL = 1 << 10,	/* result: Esc: the widget wants to close */
	WIDGET_CHANGED = 1 << 11,	/* result: selection or value changed */
};

struct widget;

struct widget_ops {
	const char *name;
	/* draw: paint the widget's rectangle of win (y, x, rows, cols). */
	void (*draw)(struct widget *w, WINDOW *win);
	/* key: WIDGET_* result flags, 0 when the key is not for this widget. */
	unsigned (*key)(struct widget *w, int key);
	/* mouse: ev's y/x are relative to the window the widget draws in
	 * (the app translates with wmouse_trafo); may be NULL. */
	unsigned (*mouse)(struct widget *w, const MEVENT *ev);
	/* resize: called after y/x/rows/cols changed; may be NULL. */
	void (*resize)(struct widget *w);
	/* free: releases the containing struct; may be NULL if static. */
	void (*free)(struct widget *w);
};

struct widget {
	const struct widget_ops *ops;
	int y, x, rows, cols;
	unsigned flags;
};

/* widget_init: ops set, geometry zero, dirty.  A widget may repaint only
 * what it changed (htop redraws the old and new selected rows) unless
 * WIDGET_REDRAW_ALL is set: widget_mark_dirty, widget_place and a forced
 * widget_draw set it. */
void widget_init(struct widget *w, const struct widget_ops *ops);
/* widget_place: moves and resizes; marks dirty and calls ops->resize. */
void widget_place(struct widget *w, int y, int x, int rows, int cols);
void widget_mark_dirty(struct widget *w);
bool widget_is_dirty(const struct widget *w);
void widget_set_focus(struct widget *w, bool focused);
void widget_set_hidden(struct widget *w, bool hidden);
/* widget_draw: draws w into win if dirty and visible, then clears dirty.
 * Returns whether it drew.  force repaints all of it, dirty or not (after
 * something else drew over it). */
bool widget_draw(struct widget *w, WINDOW *win, bool force);
/* widget_key: hidden widgets ignore keys; a WIDGET_DIRTY result marks w. */
unsigned widget_key(struct widget *w, int key);
/* widget_mouse: 0 unless the event falls inside w and ops->mouse takes it. */
unsigned widget_mouse(struct widget *w, const MEVENT *ev);
bool widget_contains(const struct widget *w, int y, int x);
/* widget_free: ops->free; NULL is a no-op. */
void widget_free(struct widget *w);

#define WIDGET_KEY_CHAR_TAG 0x40000000
#define WIDGET_KEY_CHAR(cp) ((int)(WIDGET_KEY_CHAR_TAG | (uint32_t)(cp)))
/* widget_key_char: the code point of a character key, or -1 for a
 * function key (KEY_*) or a control character. */
int32_t widget_key_char(int key);
/* widget_key_from_wch: get_wch's (rc, wch) as a widget key. */
int widget_key_from_wch(int rc, wint_t wch);

/* widget_utf8_locale: whether the terminal takes UTF-8 (LC_CTYPE).  When
 * not, text drawing shows '?' for non-ASCII and widgets use ASCII art. */
bool widget_utf8_locale(void);

enum widget_align {
	WIDGET_ALIGN_LEFT,
	WIDGET_ALIGN_RIGHT,
	WIDGET_ALIGN_CENTER,
};

enum widget_text_flags {
	WIDGET_TEXT_NOPAD = 1 << 4,	/* do not pad the rest of the columns */
	WIDGET_TEXT_NOELLIPSIS = 1 << 5,	/* cut without "…" */
};

/* A byte range [start, end) of a string drawn with attr instead. */
struct text_span {
	size_t start, end;
	attr_t attr;
};

/*
 * widget_draw_text: draws s (NUL-terminated UTF-8) at (y, x) in at most
 * cols columns with attr (a theme_attr value): clipped with "…" when too
 * wide, padded with spaces to cols, aligned per flags (an enum
 * widget_align value or'd with enum widget_text_flags).  Controls, escape
 * bytes and invalid UTF-8 are drawn as U+FFFD: nothing it draws moves the
 * cursor or reaches outside the columns.  A wide character that does not
 * fit the last column becomes a space.  Returns the columns drawn.
 */
int widget_draw_text(WINDOW *win, int y, int x, int cols, const char *s, attr_t attr, unsigned flags);
/* widget_draw_spans: the same for s[0..n) with byte ranges drawn in their
 * own attribute (match highlights, secrets, status words). */
int widget_draw_spans(WINDOW *win, int y, int x, int cols, const char *s, size_t n, attr_t attr,
		      unsigned flags, const struct text_span *spans, size_t nspans);
/* widget_fill: cols spaces in attr from (y, x). */
void widget_fill(WINDOW *win, int y, int x, int cols, attr_t attr);

/*
 * widget_find_matches: every non-overlapping case-insensitive occurrence
 * of needle in s[0..n), as byte spans with attr, into spans[0..max).
 * Returns how many were found (at most max).  An empty needle finds none.
 */
size_t widget_find_matches(const char *s, size_t n, const char *needle, attr_t attr,
			   struct text_span *spans, size_t max);
/* widget_wrap: the byte length of the first row of s[0..n) that fits in
 * cols columns: cut after the last space in it when words is set (and
 * there is one), else at the column limit; never less than one character,
 * so a caller always advances.  Combining marks stay with their base. */
size_t widget_wrap(const char *s, size_t n, int cols, bool words);

/* widget_contains_ci: whether needle occurs in s[0..n), ignoring case. */
bool widget_contains_ci(const char *s, size_t n, const char *needle);

#endif
