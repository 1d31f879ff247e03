/*
 * term_draw.c: a terminal's cells into a curses window (see term.h).
 *
 * Data flow: term_draw reads the dirty rows of the live screen (or of the
 * scrollback ring when the view is scrolled), turns each cell into a
 * cchar_t and paints it.  Characters pass utf8_sanitize like any remote
 * text (ASCII skips it) and are checked against the width libvterm gave
 * them, so nothing can move curses' cursor; colours become pairs of the
 * palette the theme uses (alloc_pair keeps and recycles them).
 */
#include <stdio.h>
#include <wchar.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/utf8.h"
#include "datalab/term/term.h"
#include "datalab/ui/theme.h"
#include "term-internal.h"


/* The palette index (or -1 for the terminal's default) a cell colour is
 * drawn with: defaults are the theme's body colours. */
static int draw_color(int32_t c, bool is_fg)
{
	int ncolors = COLORS > 256 ? 256 : COLORS;

	if (c < 0) {
		const struct theme_style *d = &theme_current()->roles[THEME_DEFAULT];

		c = is_fg ? d->fg : d->bg;
		if (c < 0)
			return -1;
	}
	return theme_color_degrade(c, ncolors);
}

struct pair_cache {
	int32_t fg, bg;
	int pair;
};

static int cell_pair(struct pair_cache *pc, int32_t fg, int32_t bg)
{
	int f, b, pair;

	if (pc->pair >= 0 && pc->fg == fg && pc->bg == bg)
		return pc->pair;
	f = draw_color(fg, true);
	b = draw_color(bg, false);
	pair = f < 0 && b < 0 ? 0 : alloc_pair(f, b);
	if (pair < 0)	/* no default colours on this terminal */
		pair = alloc_pair(f < 0 ? COLOR_WHITE : f, b < 0 ? COLOR_BLACK : b);
	pc->fg = fg;
	pc->bg = bg;
	pc->pair = pair < 0 ? 0 : pair;
	return pc->pair;
}

/* cell_chars: the characters of a cell as wide characters safe to draw,
 * through utf8_sanitize like any remote text; returns their columns. */
static int cell_chars(struct term *t, const struct term_cell *c, wchar_t wc[CCHARW_MAX + 1])
{
	char raw[8];
	size_t n = 0, off = 0;
	int k = 0, w;

	wc[0] = L' ';
	wc[1] = L'\0';
	if (c->ch[0] == 0)
		return 1;
	if (c->ch[0] >= 0x20 && c->ch[0] < 0x7F && c->ch[1] == 0) {
		wc[0] = (wchar_t)c->ch[0];
		return 1;
	}
	for (int i = 0; i < 2 && c->ch[i]; i++) {
		if (c->ch[i] > 0x10FFFF)
			break;
		n += (size_t)utf8_encode(c->ch[i], raw + n);
	}
	buf_reset(&t->scratch);
	if (n == 0 || utf8_sanitize(&t->scratch, raw, n, 0) < 0 || t->scratch.len == 0)
		return 1;
	while (off < t->scratch.len && k < CCHARW_MAX) {
		uint32_t cp;
		int len = utf8_decode(t->scratch.data + off, t->scratch.len - off, &cp);

		off += len > 0 ? (size_t)len : 1;
		wc[k++] = (wchar_t)cp;
	}
	wc[k] = L'\0';
	w = wcwidth(wc[0]);
	if (w < 1 || w > c->width) {
		/* a lone mark, or wider than libvterm thought: it would push
		 * the rest of the row */
		wc[0] = (wchar_t)UTF8_REPLACEMENT;
		wc[1] = L'\0';
		return 1;
	}
	return w;
}

static attr_t cell_attrs(const struct term *t, const struct term_cell *c)
{
	attr_t a = A_NORMAL;
	bool rev = !!(c->attrs & TERM_ATTR_REVERSE) != t->reverse;	/* DECSCNM turns the screen over */

	if (c->attrs & TERM_ATTR_BOLD)
		a |= A_BOLD;
	if (c->attrs & TERM_ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (c->attrs & TERM_ATTR_ITALIC)
		a |= A_ITALIC;
	if (c->attrs & TERM_ATTR_BLINK)
		a |= A_BLINK;
	if (rev)
		a |= A_REVERSE;
	return a;
}

static void draw_cell(struct term *t, WINDOW *win, int y, int x, int maxx, const struct term_cell *c,
		      struct pair_cache *pc, bool mono)
{
	wchar_t wc[CCHARW_MAX + 1];
	cchar_t cc;
	int w = cell_chars(t, c, wc), pair = mono ? 0 : cell_pair(pc, c->fg, c->bg);
	attr_t a = cell_attrs(t, c);

	if (mono)
		a |= theme_attr(THEME_DEFAULT) & ~A_COLOR;
	if (x + w > maxx) {	/* a wide character cut by the window's edge */
		wc[0] = L' ';
		wc[1] = L'\0';
		w = 1;
	}
	setcchar(&cc, wc, a, 0, &pair);
	mvwadd_wch(win, y, x, &cc);
	if (c->width == 2 && w == 1 && x + 1 < maxx) {
		wc[0] = L' ';
		wc[1] = L'\0';
		setcchar(&cc, wc, a, 0, &pair);
		mvwadd_wch(win, y, x + 1, &cc);
	}
}

static void draw_line(struct term *t, WINDOW *win, int y, int maxx, const struct term_cell *cells,
		      int ncells, struct pair_cache *pc, bool mono)
{
	struct term_cell blank = { { 0, 0 }, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0, 1 };
	int cols = DL_MIN(t->cols, maxx);

	for (int x = 0; x < cols; x++) {
		const struct term_cell *c = x < ncells ? &cells[x] : &blank;

		if (c->width == 0 && x > 0 && cells[x - 1].width == 2)
			continue;	/* drawn with the wide character before it */
		draw_cell(t, win, y, x, cols, c, pc, mono);
		if (c->width == 2)
			x++;
	}
}


static void draw_position(struct term *t, WINDOW *win, int maxx)
{
	char tag[48];
	int n = snprintf(tag, sizeof(tag), "[%d/%zu]", t->offset, t->sb_len);

	if (n <= 0 || n >= maxx)
		return;
	wattr_set(win, theme_attr(THEME_PENDING) | A_REVERSE, 0, NULL);
	mvwaddnstr(win, 0, maxx - n, tag, n);
	wattr_set(win, A_NORMAL, 0, NULL);
}

int term_draw(struct term *t, WINDOW *win, bool force)
{
	struct pair_cache pc = { 0, 0, -1 };
	bool mono = theme_is_mono() || COLORS < 8;
	int maxy = getmaxy(win), maxx = getmaxx(win);
	int top = t->dirty_top, end = t->dirty_end, drawn = 0;

	if (force || t->offset > 0) {
		top = 0;
		end = t->rows;
	}
	end = DL_MIN(end, DL_MIN(t->rows, maxy));
	for (int y = top; y < end; y++) {
		size_t li = t->sb_len - (size_t)t->offset + (size_t)y;

		if (li < t->sb_len) {
			const struct term_line *l = term_sb_line(t, li);

			draw_line(t, win, y, maxx, l->cells, l->cols, &pc, mono);
		} else {
			draw_line(t, win, y, maxx, term_screen_row(t, (int)(li - t->sb_len)), t->cols, &pc, mono);
		}
		drawn++;
	}
	if (t->offset > 0 && maxy > 0)
		draw_position(t, win, maxx);
	t->dirty_top = t->rows;
	t->dirty_end = 0;
	t->stats.draws++;
	t->stats.rows_drawn += (unsigned long)drawn;
	return drawn;
}
