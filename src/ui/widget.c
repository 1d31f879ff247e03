/*
 * widget.c: the widget base (dispatch through ops, dirty flags) and the
 * text drawing every widget uses.
 *
 * Text goes to curses one cell at a time as a cchar_t: a base character
 * plus its combining marks, so curses never interprets a byte itself and
 * a width is always the one core/utf8 computed.
 */
#include <langinfo.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "datalab/core/common.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/widget.h"

void widget_init(struct widget *w, const struct widget_ops *ops)
{
	memset(w, 0, sizeof(*w));
	w->ops = ops;
	w->flags = WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

void widget_place(struct widget *w, int y, int x, int rows, int cols)
{
	w->y = y;
	w->x = x;
	w->rows = DL_MAX(rows, 0);
	w->cols = DL_MAX(cols, 0);
	w->flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
	if (w->ops->resize != NULL)
		w->ops->resize(w);
}

void widget_mark_dirty(struct widget *w)
{
	w->flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

bool widget_is_dirty(const struct widget *w)
{
	return (w->flags & WIDGET_DIRTY) != 0;
}

void widget_set_focus(struct widget *w, bool focused)
{
	unsigned old = w->flags;

	if (focused)
		w->flags |= WIDGET_FOCUSED;
	else
		w->flags &= ~(unsigned)WIDGET_FOCUSED;
	if (old != w->flags)
		w->flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

void widget_set_hidden(struct widget *w, bool hidden)
{
	unsigned old = w->flags;

	if (hidden)
		w->flags |= WIDGET_HIDDEN;
	else
		w->flags &= ~(unsigned)WIDGET_HIDDEN;
	if (old != w->flags)
		w->flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

bool widget_draw(struct widget *w, WINDOW *win, bool force)
{
	if (w->flags & WIDGET_HIDDEN)
		return false;
	if (!force && !(w->flags & WIDGET_DIRTY))
		return false;
	if (force)
		w->flags |= WIDGET_REDRAW_ALL;
	if (w->rows > 0 && w->cols > 0)
		w->ops->draw(w, win);
	w->flags &= ~(unsigned)(WIDGET_DIRTY | WIDGET_REDRAW_ALL);
	return true;
}

unsigned widget_key(struct widget *w, int key)
{
	unsigned r;

	if ((w->flags & WIDGET_HIDDEN) || w->ops->key == NULL)
		return 0;
	r = w->ops->key(w, key);
	if (r & WIDGET_DIRTY)
		w->flags |= WIDGET_DIRTY;
	return r;
}

bool widget_contains(const struct widget *w, int y, int x)
{
	return y >= w->y && y < w->y + w->rows && x >= w->x && x < w->x + w->cols;
}

unsigned widget_mouse(struct widget *w, const MEVENT *ev)
{
	unsigned r;

	if ((w->flags & WIDGET_HIDDEN) || w->ops->mouse == NULL || !widget_contains(w, ev->y, ev->x))
		return 0;
	r = w->ops->mouse(w, ev);
	if (r & WIDGET_DIRTY)
		w->flags |= WIDGET_DIRTY;
	return r;
}

void widget_free(struct widget *w)
{
	if (w != NULL && w->ops->free != NULL)
		w->ops->free(w);
}

int32_t widget_key_char(int key)
{
	if (key >= 0x20 && key < 0x7f)
		return key;
	if (key & WIDGET_KEY_CHAR_TAG) {
		int32_t cp = key & ~WIDGET_KEY_CHAR_TAG;

		if (cp >= 0x20 && cp <= 0x10ffff && utf8_cp_width((uint32_t)cp) >= 0)
			return cp;
	}
	return -1;
}

int widget_key_from_wch(int rc, wint_t wch)
{
	if (rc == KEY_CODE_YES)
		return (int)wch;
	if (wch < 0x80)
		return (int)wch;
	return WIDGET_KEY_CHAR(wch);
}

bool widget_utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

void widget_fill(WINDOW *win, int y, int x, int cols, attr_t attr)
{
	int maxx = getmaxx(win);
	cchar_t cc;
	wchar_t sp[2] = { L' ', L'\0' };

	if (y < 0 || y >= getmaxy(win) || x < 0)
		return;
	cols = DL_MIN(cols, maxx - x);
	setcchar(&cc, sp, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	for (int i = 0; i < cols; i++)
		mvwadd_wch(win, y, x + i, &cc);
}

/* One code point as drawn: what to show and how wide. */
static int cell_of(const char *s, size_t n, bool utf8, uint32_t *cp, int *width)
{
	int len = utf8_decode(s, n, cp);

	if (len < 0) {
		len = 1;
		*cp = UTF8_REPLACEMENT;
	}
	*width = utf8_cp_width(*cp);
	if (*width < 0) {
		*cp = UTF8_REPLACEMENT;
		*width = 1;
	}
	if (!utf8 && *cp >= 0x80) {
		if (*width == 0)
			*cp = 0;	/* dropped: no base to hang it on */
		else
			*cp = '?';
	}
	return len;
}

static attr_t span_attr(size_t off, attr_t attr, const struct text_span *spans, size_t nspans)
{
	for (size_t i = 0; i < nspans; i++) {
		if (off >= spans[i].start && off < spans[i].end)
			return spans[i].attr;
	}
	return attr;
}

struct cluster {
	wchar_t wc[CCHARW_MAX + 1];
	int nwc, width, col;
	attr_t attr;
};

static void cluster_flush(WINDOW *win, int y, struct cluster *c)
{
	cchar_t cc;

	if (c->nwc == 0)
		return;
	c->wc[c->nwc] = L'\0';
	setcchar(&cc, c->wc, c->attr & ~A_COLOR, (short)PAIR_NUMBER(c->attr), NULL);
	mvwadd_wch(win, y, c->col, &cc);
	/* A wide base repeated as two '?' in a non-UTF-8 locale. */
	if (c->width == 2 && c->wc[0] == L'?')
		mvwadd_wch(win, y, c->col + 1, &cc);
	c->nwc = 0;
}

int widget_draw_spans(WINDOW *win, int y, int x, int cols, const char *s, size_t n, attr_t attr,
		      unsigned flags, const struct text_span *spans, size_t nspans)
{
	bool utf8 = widget_utf8_locale();
	size_t total = 0, budget, off;
	int col, pad, end;
	bool ellipsis = false;
	struct cluster c;

	if (win == NULL || y < 0 || y >= getmaxy(win) || x < 0 || x >= getmaxx(win) || cols <= 0)
		return 0;
	cols = DL_MIN(cols, getmaxx(win) - x);
	if (s == NULL)
		s = "";
	for (off = 0; off < n;) {
		uint32_t cp;
		int w;

		off += (size_t)cell_of(s + off, n - off, utf8, &cp, &w);
		total += (size_t)w;
	}
	budget = (size_t)cols;
	if (total > (size_t)cols && !(flags & WIDGET_TEXT_NOELLIPSIS)) {
		ellipsis = true;
		budget = (size_t)cols - 1;
	}
	pad = 0;
	if (total < (size_t)cols) {
		switch (flags & 3) {
		case WIDGET_ALIGN_RIGHT:
			pad = cols - (int)total;
			break;
		case WIDGET_ALIGN_CENTER:
			pad = (cols - (int)total) / 2;
			break;
		default:
			break;
		}
	}
	if (pad > 0 && !(flags & WIDGET_TEXT_NOPAD))
		widget_fill(win, y, x, pad, attr);
	col = x + pad;
	end = x + pad + (int)budget;
	if (end > x + cols)
		end = x + cols;
	c.nwc = 0;
	for (off = 0; off < n;) {
		uint32_t cp;
		int w;
		size_t at = off;

		off += (size_t)cell_of(s + off, n - off, utf8, &cp, &w);
		if (cp == 0)
			continue;
		if (w == 0) {
			/* A combining mark joins the cell before it; one with
			 * nothing before it is dropped. */
			if (c.nwc > 0 && c.nwc < CCHARW_MAX)
				c.wc[c.nwc++] = (wchar_t)cp;
			continue;
		}
		cluster_flush(win, y, &c);
		if (col + w > end)
			break;
		c.wc[0] = (wchar_t)cp;
		c.nwc = 1;
		c.width = w;
		c.col = col;
		c.attr = span_attr(at, attr, spans, nspans);
		col += w;
	}
	cluster_flush(win, y, &c);
	if (ellipsis) {
		/* The cut may leave a column free when a wide character did
		 * not fit: the ellipsis goes right after the text. */
		cchar_t cc;
		wchar_t e[2] = { utf8 ? 0x2026 : L'~', L'\0' };

		setcchar(&cc, e, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
		mvwadd_wch(win, y, col, &cc);
		col++;
	}
	if (!(flags & WIDGET_TEXT_NOPAD) && col < x + cols)
		widget_fill(win, y, col, x + cols - col, attr);
	return (flags & WIDGET_TEXT_NOPAD) ? col - x : cols;
}

int widget_draw_text(WINDOW *win, int y, int x, int cols, const char *s, attr_t attr, unsigned flags)
{
	return widget_draw_spans(win, y, x, cols, s, s != NULL ? strlen(s) : 0, attr, flags, NULL, 0);
}

static uint32_t fold(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	return (uint32_t)towlower((wint_t)cp);
}

/* Decoded, case-folded needle; bounded so a pasted megabyte cannot
 * make every row's match quadratic in it. */
#define NEEDLE_MAX 256

static size_t fold_needle(const char *needle, uint32_t *out)
{
	size_t n = strlen(needle), k = 0;

	for (size_t off = 0; off < n && k < NEEDLE_MAX;) {
		uint32_t cp;
		int len = utf8_decode(needle + off, n - off, &cp);

		if (len < 0) {
			len = 1;
			cp = UTF8_REPLACEMENT;
		}
		out[k++] = fold(cp);
		off += (size_t)len;
	}
	return k;
}

/* match_at: the byte length of a match of nd at s[off..n), or 0. */
static size_t match_at(const char *s, size_t n, size_t off, const uint32_t *nd, size_t k)
{
	size_t start = off;

	for (size_t i = 0; i < k; i++) {
		uint32_t cp;
		int len;

		if (off >= n)
			return 0;
		len = utf8_decode(s + off, n - off, &cp);
		if (len < 0) {
			len = 1;
			cp = UTF8_REPLACEMENT;
		}
		if (fold(cp) != nd[i])
			return 0;
		off += (size_t)len;
	}
	return off - start;
}

static size_t next_cp(const char *s, size_t n, size_t off)
{
	uint32_t cp;
	int len = utf8_decode(s + off, n - off, &cp);

	return off + (size_t)(len < 0 ? 1 : len);
}

size_t widget_find_matches(const char *s, size_t n, const char *needle, attr_t attr,
			   struct text_span *spans, size_t max)
{
	uint32_t nd[NEEDLE_MAX];
	size_t k, found = 0;

	if (needle == NULL || needle[0] == '\0' || max == 0)
		return 0;
	k = fold_needle(needle, nd);
	for (size_t off = 0; off < n && found < max;) {
		size_t m = match_at(s, n, off, nd, k);

		if (m > 0) {
			spans[found].start = off;
			spans[found].end = off + m;
			spans[found].attr = attr;
			found++;
			off += m;
		} else {
			off = next_cp(s, n, off);
		}
	}
	return found;
}

bool widget_contains_ci(const char *s, size_t n, const char *needle)
{
	struct text_span sp;

	if (needle == NULL || needle[0] == '\0')
		return true;
	return widget_find_matches(s, n, needle, 0, &sp, 1) == 1;
}

size_t widget_wrap(const char *s, size_t n, int cols, bool words)
{
	size_t off = 0, brk = 0;
	int used = 0;

	while (off < n) {
		uint32_t cp;
		int w, len = utf8_decode(s + off, n - off, &cp);

		if (len < 0) {
			len = 1;
			cp = UTF8_REPLACEMENT;
		}
		w = utf8_cp_width(cp);
		if (w < 0)
			w = 1;
		if (w > 0 && used + w > cols && off > 0)
			break;
		used += w;
		off += (size_t)len;
		if (cp == ' ')
			brk = off;
	}
	if (off < n && words && brk > 0)
		return brk;
	return off;
}
