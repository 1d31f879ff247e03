/*
 * term.h: a terminal emulator drawn into a curses window (libvterm inside).
 *
 * A struct term knows nothing of where its bytes come from: the owner feeds
 * it the remote's output (term_feed) and gets back, through callbacks, the
 * bytes to send (keys, and the answers libvterm gives to DA/DSR queries), a
 * resize to forward, and events (damage, title, bell).  Only libvterm ever
 * sees the remote's raw bytes; the screen is drawn cell by cell through
 * curses, each character checked again, so nothing the remote writes can
 * reach the real terminal.
 *
 * libvterm parses and keeps the terminal's state; the cells are ours, in
 * rows a scroll moves as pointers (libvterm 0.1.4's screen moved every
 * cell per scrolled line).  Drawing follows neovim's terminal: a change
 * only widens a dirty row range, and term_draw repaints those rows into a
 * window the owner keeps (so a frame with one changed row touches one row).  Colours:
 * the default foreground and background are the theme's THEME_DEFAULT role,
 * indexed colours are the terminal's palette (degraded to what it has),
 * true colours the nearest palette entry; under NO_COLOR only attributes.
 *
 * Lines scrolled off the top of the main screen go to a ring of scrollback
 * lines (TERM_SCROLLBACK lines by default); term_scroll moves a view back
 * into it, as tmux's copy mode does, and new output keeps that view still.
 */
#ifndef DATALAB_TERM_TERM_H
#define DATALAB_TERM_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#define TERM_SCROLLBACK 5000
#define TERM_MAX_ROWS 500	/* sizes are clamped to 1..TERM_MAX_ROWS rows, */
#define TERM_MAX_COLS 1000	/* TERM_MIN_COLS..TERM_MAX_COLS columns */
#define TERM_MIN_COLS 2		/* libvterm 0.1.4 crashes on a wide character in one */
#define TERM_TITLE_MAX 256	/* bytes kept of an OSC 0/2 title */

struct term;

enum term_event {
	TERM_EVENT_DAMAGE,	/* rows to draw, or the cursor moved */
	TERM_EVENT_TITLE,	/* term_title changed */
	TERM_EVENT_BELL,
};

/* Which mouse events the program inside asked for (xterm modes 1000-1003). */
enum term_mouse_mode {
	TERM_MOUSE_NONE,
	TERM_MOUSE_CLICK,
	TERM_MOUSE_DRAG,
	TERM_MOUSE_MOVE,
};

struct term_cbs {
	/* output: bytes for the remote's stdin; p is borrowed. */
	void (*output)(const char *p, size_t n, void *arg);
	/* resize: the size changed (term_resize): tell the remote. */
	void (*resize)(int rows, int cols, void *arg);
	void (*event)(enum term_event ev, void *arg);
};

/* term_new: a rows x cols terminal (clamped); cbs is copied, any callback
 * may be NULL. */
struct term *term_new(int rows, int cols, const struct term_cbs *cbs, void *arg);
/* term_free: NULL is a no-op.  Not from one of t's own callbacks. */
void term_free(struct term *t);

/* term_feed: the remote's output, split anywhere (UTF-8 and escape
 * sequences may straddle calls). */
void term_feed(struct term *t, const char *p, size_t n);

/*
 * term_key: a widget key (ASCII, KEY_*, WIDGET_KEY_CHAR(cp), curses'
 * extended names such as kUP5 for Ctrl-Up) encoded the way xterm would,
 * honouring the modes the program set (application cursor keys, keypad),
 * and sent through cbs->output.  Shift-PgUp and Shift-PgDn scroll the
 * scrollback instead; any other key sent brings the view back to the
 * bottom.  Returns false for a key it cannot encode (nothing sent).
 */
bool term_key(struct term *t, int key);
/* term_paste: text pasted as one block; bracketed (ESC [200~ ... 201~)
 * when the program asked for it (mode 2004). */
void term_paste(struct term *t, const char *p, size_t n);

/*
 * term_mouse: a mouse event at (row, col) of the terminal: button 1-3 or
 * 4/5 for the wheel, pressed or released, mods as VTermModifier bits
 * (1 shift, 2 alt, 4 ctrl).  Reported to the program when it asked for
 * mouse events; else the wheel scrolls the scrollback.  Returns whether
 * the event was used.
 */
bool term_mouse(struct term *t, int row, int col, int button, bool pressed, unsigned mods);
enum term_mouse_mode term_mouse_mode(const struct term *t);

/* term_resize: new size (clamped); reflows nothing (as xterm), calls
 * cbs->resize when it changed and marks everything dirty. */
void term_resize(struct term *t, int rows, int cols);
void term_size(const struct term *t, int *rows, int *cols);

/*
 * term_draw: paints the dirty rows (every row when force is set or the
 * view is in the scrollback) at (0, 0) of win, which the caller keeps
 * between calls.  Rows and columns beyond win are clipped.  Returns the
 * number of rows painted.  The caller places the cursor (term_cursor).
 */
int term_draw(struct term *t, WINDOW *win, bool force);
/* term_dirty: whether term_draw has rows to paint. */
bool term_dirty(const struct term *t);
/* term_cursor: the cursor's row and column; false when it is hidden (the
 * program hid it, or the view is in the scrollback). */
bool term_cursor(const struct term *t, int *row, int *col);

/* term_title: the last OSC 0/2 title, sanitized and capped; "" if none. */
const char *term_title(const struct term *t);
/* term_altscreen: whether the program is on the alternate screen. */
bool term_altscreen(const struct term *t);

/* term_scroll: moves the view lines back (> 0) or forward (< 0) in the
 * scrollback, clamped; 0 is the live screen. */
void term_scroll(struct term *t, int lines);
int term_scroll_offset(const struct term *t);
size_t term_scrollback_lines(const struct term *t);
/* term_set_scrollback: keep at most lines lines (older ones dropped). */
void term_set_scrollback(struct term *t, size_t lines);

/* term_row_text: row of the live screen as UTF-8 into out (at most size
 * bytes with the NUL), trailing blanks trimmed.  Returns its length. */
size_t term_row_text(const struct term *t, int row, char *out, size_t size);

/* Counters for tests and benchmarks. */
struct term_stats {
	unsigned long long fed;		/* bytes given to term_feed */
	unsigned long long sent;	/* bytes handed to cbs->output */
	unsigned long rows_drawn;
	unsigned long draws;
	unsigned long bells;
};
const struct term_stats *term_stats(const struct term *t);

#endif
