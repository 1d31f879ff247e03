/*
 * terminals_keys.c: keys, mouse and pastes in the terminals view (see
 * terminals.h for the bindings).
 *
 * Data flow: the app hands every key to terminals_key_in.  A paste
 * between the real terminal's markers is gathered and given to the
 * program as one block; Ctrl-] arms the console's keys for one key; a
 * running session gets every other key through session_key; an ended one
 * acts only on the keys its banner names.  Mouse events go to the tab bar
 * or, when the program asked for them, to the program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/utf8.h"
#include "datalab/term/term.h"
#include "datalab/ui/widget.h"
#include "terminals-internal.h"

/* --- bracketed paste from the real terminal --- */

/* paste_code: a free key code for seq, or the one curses has for it. */
static int paste_code(const char *seq, int hint)
{
	int code = key_defined(seq);

	if (code > 0)
		return code;
	while (keyname(hint) != NULL && hint < KEY_MAX + 0x400)
		hint++;
	return define_key(seq, hint) == OK ? hint : 0;
}

/* terminal_mode: a mode of the real terminal (ours, not the remote's);
 * putp goes through stdio's stdout, which curses never flushes. */
static void terminal_mode(const char *seq)
{
	putp(seq);
	fflush(stdout);
}

/* terminals_paste_setup: once there is a screen, ask the real terminal to bracket
 * pastes (mode 2004) and teach curses the two markers, so a paste reaches
 * the program as one block (term_paste) instead of typed keys. */
void terminals_paste_setup(struct terminals *T)
{
	if (T->paste_begin)
		return;
	T->paste_begin = paste_code("\033[200~", KEY_MAX + 0x200);
	T->paste_end = paste_code("\033[201~", KEY_MAX + 0x201);
	if (T->paste_begin > 0 && T->paste_end > 0)
		terminal_mode("\033[?2004h");
	else
		T->paste_begin = -1;
}

void terminals_paste_end(struct terminals *T)
{
	if (T->paste_begin > 0)
		terminal_mode("\033[?2004l");
	T->paste_begin = 0;
}

static void paste_done(struct terminals *T)
{
	struct tab *tab = terminals_current(T);

	T->pasting = false;
	if (tab && terminals_live(tab) && T->paste.len > 0)
		term_paste(session_term(tab->s), T->paste.data, T->paste.len);
	buf_reset(&T->paste);
}

/* paste_key: keys between the markers become the pasted text: characters
 * as UTF-8, controls as bytes; curses' decoded function keys (an escape
 * sequence inside the paste) are dropped.  Returns whether key was one. */
static bool paste_key(struct terminals *T, int key)
{
	int32_t ch = widget_key_char(key);
	char utf[4];

	if (T->paste_begin > 0 && key == T->paste_begin) {
		T->pasting = true;
		T->prefix = false;
		buf_reset(&T->paste);
		return true;
	}
	if (!T->pasting)
		return false;
	if (key == T->paste_end) {
		paste_done(T);
		return true;
	}
	if (ch >= 0)
		buf_add(&T->paste, utf, (size_t)utf8_encode((uint32_t)ch, utf));
	else if (key >= 0 && key < 0x80)
		buf_addc(&T->paste, (char)key);
	if (T->paste.len >= TERMINALS_PASTE_MAX - 4)
		paste_done(T);	/* an end marker lost: never swallow keys for good */
	return true;
}

/* --- keys --- */

static bool key_named(int key, const char *name)
{
	const char *n = key > 0 ? keyname(key) : NULL;

	return n && strcmp(n, name) == 0;
}

static unsigned console_key(struct terminals *T, int key)
{
	struct tab *tab = terminals_current(T);
	int32_t ch = widget_key_char(key);
	int c = ch >= 0 ? ch : key;
	struct error err;

	switch (c) {
	case 'n':
	case KEY_RIGHT:
		terminals_select(T, T->current + 1);
		break;
	case 'p':
	case KEY_LEFT:
		terminals_select(T, T->current - 1);
		break;
	case 'c':
		if (terminals_open_local(T->view.app, NULL, NULL, &err) < 0)
			app_toast(T->view.app, APP_ERROR, "%s", err.msg);
		break;
	case 'x':
		terminals_ask_close(T);
		break;
	case 'w':
		if (T->ntabs > 0) {
			char id[16];

			T->listing = !T->listing;
			terminals_list_fill(T);
			snprintf(id, sizeof(id), "%u", tab->id);
			table_select_id(T->list, id);
		}
		break;
	case 'r':
	case '\r':
		if (!tab || session_restart(tab->s) < 0)
			return c == 'r' ? WIDGET_HANDLED : 0;
		tab->fresh = true;
		terminals_sync_busy(tab);
		break;
	default:
		return 0;
	}
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

/* ended_key: a key on a session that exited or lost its connection.
 * Someone typing when it ended goes on typing: only the keys its banner
 * names act (r, Enter, x, n, p, w), the app's :, ?, q and Esc pass, and
 * the rest is swallowed, so "ls -c" cannot open a shell or switch views. */
static unsigned ended_key(struct terminals *T, int key)
{
	int32_t ch = widget_key_char(key);
	int c = ch >= 0 ? ch : key;

	switch (c) {
	case 'r':
	case '\r':
	case 'x':
	case 'n':
	case 'p':
	case 'w':
	case KEY_LEFT:
	case KEY_RIGHT:
		return console_key(T, c);
	case ':':
	case '?':
	case 'q':
	case 27:
	case KEY_F(1):
		return 0;
	default:
		return WIDGET_HANDLED;
	}
}

static unsigned list_key(struct terminals *T, int key)
{
	unsigned r;
	const char *id;
	int i;

	if (key == 27 || key == 'w' || key == 'q') {
		T->listing = false;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (key == 'x') {
		id = table_selected_id(T->list);
		if (id && terminals_find(T, (unsigned)strtoul(id, NULL, 10), &i))
			terminals_select(T, i);
		terminals_ask_close(T);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	r = widget_key(table_widget(T->list), key);
	if (r & WIDGET_ACTIVATE) {
		id = table_selected_id(T->list);
		if (id && terminals_find(T, (unsigned)strtoul(id, NULL, 10), &i))
			terminals_select(T, i);
		T->listing = false;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return r ? (r | WIDGET_DIRTY) : 0;
}

static unsigned mouse(struct terminals *T)
{
	struct tab *tab = terminals_current(T);
	MEVENT ev;
	int y, button = 0;
	unsigned mods = 0;

	if (getmouse(&ev) != OK || !tab)
		return WIDGET_HANDLED;
	y = ev.y - T->body_y;
	if (y == 0) {
		for (int i = 0; i < T->ntabs; i++)
			if (ev.x >= T->tabs[i]->x0 && ev.x < T->tabs[i]->x1)
				terminals_select(T, i);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (T->listing || !terminals_live(tab))
		return WIDGET_HANDLED;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		button = 1;
	else if (ev.bstate & BUTTON4_PRESSED)
		button = 4;
	else if (ev.bstate & BUTTON5_PRESSED)
		button = 5;
	if (ev.bstate & BUTTON_SHIFT)
		mods |= 1;
	if (ev.bstate & BUTTON_ALT)
		mods |= 2;
	if (ev.bstate & BUTTON_CTRL)
		mods |= 4;
	if (button && term_mouse(session_term(tab->s), y - 1, ev.x, button, true, mods) && button == 1)
		/* the app's mouse mask has no releases: a press is a click */
		term_mouse(session_term(tab->s), y - 1, ev.x, button, false, mods);
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

unsigned terminals_key_in(struct view *v, int key)
{
	struct terminals *T = terminals_of(v);
	struct tab *tab = terminals_current(T);

	if (paste_key(T, key))
		return WIDGET_HANDLED;
	if (key == KEY_MOUSE)
		return mouse(T);
	if (T->prefix) {
		T->prefix = false;
		app_view_dirty(v);	/* the hints change back */
		if (key == TERMINALS_PREFIX && tab && terminals_live(tab)) {
			session_key(tab->s, key);
			return WIDGET_HANDLED;
		}
		return console_key(T, key);
	}
	if (T->listing)
		return list_key(T, key);
	if (key == TERMINALS_PREFIX && T->ntabs > 0) {
		T->prefix = true;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (key_named(key, "kPRV5") || key_named(key, "kNXT5")) {
		terminals_select(T, T->current + (key_named(key, "kPRV5") ? -1 : 1));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (tab && terminals_live(tab)) {
		session_key(tab->s, key);
		return WIDGET_HANDLED;
	}
	if (tab && (key == KEY_SPREVIOUS || key == KEY_SNEXT)) {
		term_key(session_term(tab->s), key);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return tab ? ended_key(T, key) : console_key(T, key);
}
