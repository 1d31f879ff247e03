/*
 * terminals-internal.h: what terminals.c (tabs, sizes, drawing) and
 * terminals_keys.c (keys, mouse, paste) share; not an API.
 */
#ifndef DATALAB_UI_TERMINALS_INTERNAL_H
#define DATALAB_UI_TERMINALS_INTERNAL_H

#include <stdbool.h>

#include <curses.h>

#include "datalab/core/buf.h"
#include "datalab/term/session.h"
#include "datalab/ui/table.h"
#include "datalab/ui/terminals.h"

#define TERMINALS_PASTE_MAX (1u << 20)	/* a paste larger is delivered in pieces */

struct terminals;

struct tab {
	struct terminals *owner;
	struct session *s;
	WINDOW *win;		/* the emulator's cells, copied into the body */
	unsigned id;
	bool busy;		/* counted in app_busy */
	bool bell;		/* rang while not shown */
	bool fresh;		/* win new or resized: paint every row */
	int x0, x1;		/* columns of its tab in the bar, last drawn */
};

struct terminals {
	struct view view;	/* first: the app sees a struct view */
	struct tab *tabs[TERMINALS_MAX];
	int ntabs, current;
	bool prefix;		/* Ctrl-] pressed: the next key is the console's */
	bool listing;		/* the session list is shown */
	bool winch;		/* our SIGWINCH handler is registered */
	bool raw;		/* the tty is in raw mode for a live terminal */
	struct table *list;
	int body_y;		/* screen row of the body, from the last draw */
	int rows, cols;		/* size of the terminal area */
	unsigned next_id;
	/* bracketed paste from the real terminal: curses decodes its markers
	 * to these codes (0 until the view was first drawn) */
	int paste_begin, paste_end;
	bool pasting;
	struct buf paste;
};

struct terminals *terminals_of(struct view *v);
struct tab *terminals_current(const struct terminals *T);
/* terminals_live: connecting or running (keys go to it). */
bool terminals_live(const struct tab *tab);
void terminals_select(struct terminals *T, int i);
struct tab *terminals_find(struct terminals *T, unsigned id, int *index);
/* terminals_ask_close: closes the current tab, asking first if it runs. */
void terminals_ask_close(struct terminals *T);
void terminals_sync_busy(struct tab *tab);
void terminals_list_fill(struct terminals *T);

/* terminals_key_in: the view's key handler (terminals_keys.c). */
unsigned terminals_key_in(struct view *v, int key);
/* terminals_paste_setup / terminals_paste_end: bracketed paste of the
 * real terminal on (first draw) and off (the view freed). */
void terminals_paste_setup(struct terminals *T);
void terminals_paste_end(struct terminals *T);

#endif
