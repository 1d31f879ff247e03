/*
 * term_keys.c: widget keys (as the app reads them from curses) to the keys
 * libvterm encodes for the program inside a terminal.
 *
 * curses has already decoded the outer terminal's sequences; this file
 * only names them again: KEY_* codes by table, modified keys by the
 * extended terminfo name curses gives them (kUP5 is Ctrl-Up: xterm's
 * modifier digit minus one is the VTermModifier bits), Shift-, Ctrl- and
 * Alt- function keys by xterm's numbering (F13-F24 are Shift-F1-F12...).
 * libvterm then writes the bytes, honouring application cursor and
 * keypad modes.
 */
#include <string.h>

#include <curses.h>

#include "datalab/core/common.h"
#include "datalab/ui/widget.h"
#include "term-internal.h"

static const struct {
	int key;
	VTermKey vk;
	VTermModifier mod;
} key_table[] = {
	{ KEY_UP, VTERM_KEY_UP, 0 },
	{ KEY_DOWN, VTERM_KEY_DOWN, 0 },
	{ KEY_LEFT, VTERM_KEY_LEFT, 0 },
	{ KEY_RIGHT, VTERM_KEY_RIGHT, 0 },
	{ KEY_SR, VTERM_KEY_UP, VTERM_MOD_SHIFT },
	{ KEY_SF, VTERM_KEY_DOWN, VTERM_MOD_SHIFT },
	{ KEY_SLEFT, VTERM_KEY_LEFT, VTERM_MOD_SHIFT },
	{ KEY_SRIGHT, VTERM_KEY_RIGHT, VTERM_MOD_SHIFT },
	{ KEY_HOME, VTERM_KEY_HOME, 0 },
	{ KEY_END, VTERM_KEY_END, 0 },
	{ KEY_SHOME, VTERM_KEY_HOME, VTERM_MOD_SHIFT },
	{ KEY_SEND, VTERM_KEY_END, VTERM_MOD_SHIFT },
	{ KEY_IC, VTERM_KEY_INS, 0 },
	{ KEY_DC, VTERM_KEY_DEL, 0 },
	{ KEY_SIC, VTERM_KEY_INS, VTERM_MOD_SHIFT },
	{ KEY_SDC, VTERM_KEY_DEL, VTERM_MOD_SHIFT },
	{ KEY_PPAGE, VTERM_KEY_PAGEUP, 0 },
	{ KEY_NPAGE, VTERM_KEY_PAGEDOWN, 0 },
	{ KEY_BACKSPACE, VTERM_KEY_BACKSPACE, 0 },
	{ 127, VTERM_KEY_BACKSPACE, 0 },
	{ KEY_ENTER, VTERM_KEY_ENTER, 0 },
	{ '\r', VTERM_KEY_ENTER, 0 },
	{ '\t', VTERM_KEY_TAB, 0 },
	{ KEY_BTAB, VTERM_KEY_TAB, VTERM_MOD_SHIFT },
	{ KEY_A1, VTERM_KEY_HOME, 0 },	/* keypad corners, as xterm sends them */
	{ KEY_A3, VTERM_KEY_PAGEUP, 0 },
	{ KEY_C1, VTERM_KEY_END, 0 },
	{ KEY_C3, VTERM_KEY_PAGEDOWN, 0 },
	{ KEY_B2, VTERM_KEY_KP_5, 0 },
};

/* Extended terminfo key names (ncurses' xterm+pcc* building blocks). */
static const struct {
	const char *name;
	VTermKey vk;
} ext_table[] = {
	{ "kUP", VTERM_KEY_UP }, { "kDN", VTERM_KEY_DOWN },
	{ "kLFT", VTERM_KEY_LEFT }, { "kRIT", VTERM_KEY_RIGHT },
	{ "kHOM", VTERM_KEY_HOME }, { "kEND", VTERM_KEY_END },
	{ "kPRV", VTERM_KEY_PAGEUP }, { "kNXT", VTERM_KEY_PAGEDOWN },
	{ "kIC", VTERM_KEY_INS }, { "kDC", VTERM_KEY_DEL },
};

static enum term_keys_kind map_extended(int key, VTermKey *vk, VTermModifier *mod)
{
	const char *name = keyname(key);
	size_t n;

	if (!name)
		return TERM_KEYS_NONE;
	n = strlen(name);
	/* "kUP5": a base name and xterm's modifier parameter 2..8 */
	if (n < 3 || name[n - 1] < '2' || name[n - 1] > '8')
		return TERM_KEYS_NONE;
	for (size_t i = 0; i < DL_ARRAY_LEN(ext_table); i++) {
		size_t bl = strlen(ext_table[i].name);

		if (bl == n - 1 && strncmp(name, ext_table[i].name, bl) == 0) {
			*vk = ext_table[i].vk;
			*mod = (VTermModifier)(name[n - 1] - '1');
			return TERM_KEYS_KEY;
		}
	}
	return TERM_KEYS_NONE;
}

enum term_keys_kind term_keys_map(int key, VTermKey *vk, uint32_t *cp, VTermModifier *mod)
{
	int32_t ch = widget_key_char(key);

	*mod = VTERM_MOD_NONE;
	*vk = VTERM_KEY_NONE;
	*cp = 0;
	if (ch >= 0 && (key & WIDGET_KEY_CHAR_TAG)) {
		*cp = (uint32_t)ch;
		return TERM_KEYS_CHAR;
	}
	for (size_t i = 0; i < DL_ARRAY_LEN(key_table); i++) {
		if (key_table[i].key == key) {
			*vk = key_table[i].vk;
			*mod = key_table[i].mod;
			return TERM_KEYS_KEY;
		}
	}
	/* the rest of ASCII, controls included (Alt-x comes as ESC then x,
	 * so the two bytes pass as they came) */
	if (key >= 0 && key < 0x80) {
		*cp = (uint32_t)key;
		return TERM_KEYS_CHAR;
	}
	/* xterm's terminfo: F13-F24 Shift, F25-F36 Ctrl, F37-F48 Ctrl-Shift,
	 * F49-F60 Alt, F61-F63 Alt-Shift */
	if (key >= KEY_F(1) && key <= KEY_F(63)) {
		static const VTermModifier mods[] = {
			VTERM_MOD_NONE, VTERM_MOD_SHIFT, VTERM_MOD_CTRL,
			VTERM_MOD_CTRL | VTERM_MOD_SHIFT, VTERM_MOD_ALT, VTERM_MOD_ALT | VTERM_MOD_SHIFT,
		};
		int f = key - KEY_F(1);

		*vk = VTERM_KEY_FUNCTION(f % 12 + 1);
		*mod = mods[f / 12];
		return TERM_KEYS_KEY;
	}
	return map_extended(key, vk, mod);
}
