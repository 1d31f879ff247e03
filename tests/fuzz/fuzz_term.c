/*
 * fuzz_term.c: arbitrary remote bytes, resizes, keys and scrolling into a
 * terminal drawn on a headless curses screen.  Invariants: no crash, the
 * scrollback stays within its cap, no drawn cell and no title holds a
 * control character (C0, DEL, C1) or a bidi override, and the cursor stays
 * inside the screen.
 *
 * Input: a list of operations; each starts with a byte op:
 *	op < 0xF0	feed the next (op & 0x7F) + 1 bytes
 *	0xF0 r c	resize to r % 60 + 1 rows, c % 200 + 1 columns
 *	0xF1 k k	a key (two bytes, little end first, a widget key)
 *	0xF2 n		scroll by (signed char)n lines
 *	0xF3		draw the dirty rows
 *	0xF4 ...	paste the next (op2 & 0x3F) + 1 bytes
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "datalab/core/utf8.h"
#include "datalab/term/term.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

#define FUZZ_SCROLLBACK 64

static WINDOW *win;

static void init_screen(void)
{
	struct theme th;
	FILE *out, *in;

	if (win)
		return;
	setlocale(LC_ALL, "C.UTF-8");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (!out || !in || !newterm("xterm-256color", out, in))
		abort();
	start_color();
	use_default_colors();
	theme_builtin("dark", &th);
	theme_apply(&th);
	win = newwin(60, 200, 0, 0);
	if (!win)
		abort();
}

static int bad_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F;
}

static void check_cells(const struct term *t)
{
	int rows, cols, r, c;

	term_size(t, &rows, &cols);
	for (int y = 0; y < rows && y < getmaxy(win); y++) {
		for (int x = 0; x < cols && x < getmaxx(win); x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pair;

			if (mvwin_wch(win, y, x, &cc) == ERR)
				continue;
			getcchar(&cc, wc, &a, &pair, NULL);
			for (int i = 0; wc[i]; i++) {
				if (bad_cp((uint32_t)wc[i])) {
					fprintf(stderr, "U+%04X drawn at %d,%d\n", (unsigned)wc[i], y, x);
					abort();
				}
			}
		}
	}
	term_cursor(t, &r, &c);
	if (r < 0 || c < 0 || r >= rows || c >= cols)
		abort();
}

static void check_title(const struct term *t)
{
	const char *s = term_title(t);
	size_t n = strlen(s), i = 0;

	if (n > TERM_TITLE_MAX || !utf8_valid(s, n))
		abort();
	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);

		if (len <= 0 || bad_cp(cp))
			abort();
		i += (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct term *t;
	size_t i = 0;

	init_screen();
	t = term_new(24, 80, NULL, NULL);
	term_set_scrollback(t, FUZZ_SCROLLBACK);
	while (i < size) {
		uint8_t op = data[i++];
		size_t n;

		switch (op) {
		case 0xF0:
			if (i + 2 > size)
				goto done;
			term_resize(t, data[i] % 60 + 1, data[i + 1] % 200 + 1);
			i += 2;
			break;
		case 0xF1:
			if (i + 2 > size)
				goto done;
			term_key(t, data[i] | (data[i + 1] << 8));
			i += 2;
			break;
		case 0xF2:
			if (i + 1 > size)
				goto done;
			term_scroll(t, (signed char)data[i++]);
			break;
		case 0xF3:
			term_draw(t, win, false);
			break;
		case 0xF4:
			if (i + 1 > size)
				goto done;
			n = (size_t)(data[i] & 0x3F) + 1;
			i++;
			n = DL_MIN(n, size - i);
			term_paste(t, (const char *)data + i, n);
			i += n;
			break;
		default:
			n = DL_MIN((size_t)(op & 0x7F) + 1, size - i);
			term_feed(t, (const char *)data + i, n);
			i += n;
		}
		if (term_scrollback_lines(t) > FUZZ_SCROLLBACK)
			abort();
	}
done:
	term_draw(t, win, true);
	check_cells(t);
	check_title(t);
	term_free(t);
	return 0;
}
