/*
 * catalog_pager.c: a scrollable pane of text lines (catalog-internal.h):
 * the equivalent command, the diff, a README, helm's output.
 *
 * Lines are sanitized once when they come in (tabs kept as spaces) and
 * wrapped when drawn, so a long helm error stays readable whole; the
 * scroll position counts source lines.  With follow set, new lines keep
 * the end in view, as a log pane does.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"
#include "catalog-internal.h"

#define PAGER_MAX_LINES 20000

void pager_clear(struct pager *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->title);
	memset(p, 0, sizeof(*p));
}

static void add_line(struct pager *p, const char *s, size_t n)
{
	struct buf b, t;

	if (p->n >= PAGER_MAX_LINES) {
		free(p->lines[0]);
		memmove(p->lines, p->lines + 1, (p->n - 1) * sizeof(*p->lines));
		p->n--;
		if (p->top > 0)
			p->top--;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->lines = xreallocarray(p->lines, p->cap, sizeof(*p->lines));
	}
	buf_init(&t, 1u << 20);
	/* a line over the cap is dropped whole rather than cut mid-escape */
	utf8_sanitize(&t, s, n, UTF8_KEEP_TAB);
	buf_init(&b, 4u << 20);
	for (size_t i = 0; i < t.len; i++)
		if (t.data[i] == '\t')
			buf_adds(&b, "    ");
		else
			buf_addc(&b, t.data[i]);
	buf_release(&t);
	p->lines[p->n++] = buf_take(&b, NULL);
}

void pager_append(struct pager *p, const char *line, size_t n)
{
	if (n > 0 && line[n - 1] == '\r')
		n--;
	add_line(p, line, n);
}

void pager_set(struct pager *p, const char *title, const char *text)
{
	const char *s = text ? text : "";

	pager_clear(p);
	p->title = title ? utf8_sanitize_dup(title, 0) : NULL;
	while (*s) {
		size_t len = strcspn(s, "\n");

		pager_append(p, s, len);
		s += len;
		if (*s == '\n')
			s++;
	}
}

/* Rows line i takes when wrapped to cols. */
static int line_rows(const char *s, int cols)
{
	size_t n = strlen(s), off = 0;
	int rows = 0;

	if (n == 0 || cols <= 0)
		return 1;
	while (off < n) {
		off += widget_wrap(s + off, n - off, cols, true);
		rows++;
	}
	return rows;
}

void pager_draw(struct pager *p, WINDOW *win, int y, int x, int rows, int cols)
{
	int row = 0;

	if (rows <= 0 || cols <= 0)
		return;
	if (p->title) {
		widget_draw_text(win, y, x, cols, p->title, theme_attr(THEME_TABLE_HEADER), 0);
		row++;
	}
	if (p->follow && p->n > 0) {
		/* the last lines that fit */
		int need = 0;
		size_t i = p->n;

		while (i > 0 && need + line_rows(p->lines[i - 1], cols) <= rows - row) {
			need += line_rows(p->lines[i - 1], cols);
			i--;
		}
		p->top = i;
	}
	if (p->top >= p->n)
		p->top = p->n ? p->n - 1 : 0;
	for (size_t i = p->top; i < p->n && row < rows; i++) {
		const char *s = p->lines[i];
		size_t n = strlen(s), off = 0;

		if (n == 0) {
			widget_fill(win, y + row++, x, cols, theme_attr(THEME_DEFAULT));
			continue;
		}
		while (off < n && row < rows) {
			size_t len = widget_wrap(s + off, n - off, cols, true);

			widget_draw_spans(win, y + row++, x, cols, s + off, len, theme_attr(THEME_DEFAULT), 0,
					  NULL, 0);
			off += len;
		}
	}
	for (; row < rows; row++)
		widget_fill(win, y + row, x, cols, theme_attr(THEME_DEFAULT));
}

unsigned pager_key(struct pager *p, int key, int rows)
{
	long page = rows > 2 ? rows - 2 : 1, top = (long)p->top;

	switch (key) {
	case KEY_UP:
	case 'k':
		top--;
		break;
	case KEY_DOWN:
	case 'j':
		top++;
		break;
	case KEY_PPAGE:
		top -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		top += page;
		break;
	case KEY_HOME:
	case 'g':
		top = 0;
		break;
	case KEY_END:
	case 'G':
		top = (long)p->n - 1;
		break;
	default:
		return 0;
	}
	p->follow = key == KEY_END || key == 'G';
	if (top < 0)
		top = 0;
	if (top >= (long)p->n)
		top = p->n ? (long)p->n - 1 : 0;
	p->top = (size_t)top;
	return WIDGET_HANDLED | WIDGET_DIRTY;
}
