/*
 * ui_testscreen.h: a headless curses screen for the ui widget suites.
 *
 * ts_open makes a real ncursesw screen (xterm-256color, UTF-8 locale)
 * writing to /dev/null; widgets draw into windows and the tests read the
 * cells back.  ts_line gives a row as UTF-8 (a wide character once, its
 * second column skipped), ts_cell_attr a cell's attributes.
 */
#ifndef DATALAB_UI_TESTSCREEN_H
#define DATALAB_UI_TESTSCREEN_H

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "datalab/core/common.h"

static SCREEN *ts_scr;
static FILE *ts_out, *ts_in;

DL_UNUSED static void ts_open(void)
{
	setenv("TERM", "xterm-256color", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("LINES", "40", 1);
	setenv("COLUMNS", "120", 1);
	setlocale(LC_ALL, "C.UTF-8");
	ts_out = fopen("/dev/null", "w");
	ts_in = fopen("/dev/null", "r");
	ts_scr = newterm("xterm-256color", ts_out, ts_in);
	ck_assert_ptr_nonnull(ts_scr);
	set_term(ts_scr);
}

DL_UNUSED static void ts_close(void)
{
	endwin();
	delscreen(ts_scr);
	fclose(ts_out);
	fclose(ts_in);
	ts_scr = NULL;
}

/* ts_line: row y of win as UTF-8 into out (static storage). */
DL_UNUSED static const char *ts_line(WINDOW *win, int y)
{
	static char out[4096];
	size_t k = 0;
	int maxx = getmaxx(win);

	for (int x = 0; x < maxx; x++) {
		cchar_t cc;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short pair;
		char mb[16];

		if (mvwin_wch(win, y, x, &cc) == ERR)
			break;
		if (getcchar(&cc, wc, &a, &pair, NULL) == ERR)
			continue;
		for (int i = 0; wc[i] != L'\0'; i++) {
			size_t n = wcrtomb(mb, wc[i], NULL);

			if (n != (size_t)-1 && k + n < sizeof(out)) {
				memcpy(out + k, mb, n);
				k += n;
			}
		}
		if (wc[0] != L'\0' && wcwidth(wc[0]) == 2)
			x++;
	}
	out[k] = '\0';
	return out;
}

/* ts_cell_attr: the attributes (pair included) of the cell at (y, x). */
DL_UNUSED static attr_t ts_cell_attr(WINDOW *win, int y, int x)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a = 0;
	short pair = 0;

	mvwin_wch(win, y, x, &cc);
	getcchar(&cc, wc, &a, &pair, NULL);
	return (a & ~A_COLOR) | (attr_t)COLOR_PAIR(pair);
}

/* ts_assert_inert: no cell of win holds a control character. */
DL_UNUSED static void ts_assert_inert(WINDOW *win)
{
	for (int y = 0; y < getmaxy(win); y++) {
		for (int x = 0; x < getmaxx(win); x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pair;

			mvwin_wch(win, y, x, &cc);
			getcchar(&cc, wc, &a, &pair, NULL);
			for (int i = 0; wc[i] != L'\0'; i++) {
				ck_assert_msg(wc[i] >= 0x20 && wc[i] != 0x7f && !(wc[i] >= 0x80 && wc[i] < 0xa0),
					      "control U+%04X drawn at %d,%d", (unsigned)wc[i], y, x);
			}
		}
	}
}

/* ts_blank_outside: every cell of win outside the rectangle is a blank
 * space (a widget drew nothing beyond its box). */
DL_UNUSED static void ts_assert_blank_outside(WINDOW *win, int y0, int x0, int rows, int cols)
{
	for (int y = 0; y < getmaxy(win); y++) {
		for (int x = 0; x < getmaxx(win); x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pair;

			if (y >= y0 && y < y0 + rows && x >= x0 && x < x0 + cols)
				continue;
			mvwin_wch(win, y, x, &cc);
			getcchar(&cc, wc, &a, &pair, NULL);
			ck_assert_msg(wc[0] == L' ' && wc[1] == L'\0', "cell %d,%d outside the box holds U+%04X",
				      y, x, (unsigned)wc[0]);
		}
	}
}

#endif
