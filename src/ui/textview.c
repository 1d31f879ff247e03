/*
 * textview.c: the text pane (see textview.h).
 *
 * Data flow: text enters through add_line / add_secret / append, is
 * sanitized once and stored in a ring of lines.  Lines are numbered
 * absolutely (dropped + index), so a position survives the oldest lines
 * going.  The scroll position is (top line, row within it when wrapped);
 * drawing walks forward from there over the visible rows only, and
 * following recomputes the position backwards from the last line, so a
 * 100,000-line log costs what one screen costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/textview.h"
#include "datalab/ui/theme.h"

#define MASK "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"

struct tv_line {
	char *text;
	size_t len;
	long sec_start, sec_end;	/* byte range of a secret, -1 none */
};

struct textview {
	struct widget w;
	struct tv_line *ring;
	size_t cap, head, n;
	unsigned long dropped;
	struct buf partial;
	bool partial_over;		/* the unfinished line passed the cap */

	unsigned long top;		/* absolute number of the first line shown */
	int top_sub;			/* its first row shown, when wrapping */
	int hscroll;
	bool follow, wrap, reveal;
	size_t unseen;
	char *search;
	unsigned long match;		/* absolute line of the current match */
	bool has_match;
	char *empty;
};

static void textview_draw(struct widget *w, WINDOW *win);
static unsigned textview_key(struct widget *w, int key);
static unsigned textview_mouse(struct widget *w, const MEVENT *ev);
static void textview_widget_free(struct widget *w);

static const struct widget_ops textview_ops = {
	.name = "textview",
	.draw = textview_draw,
	.key = textview_key,
	.mouse = textview_mouse,
	.free = textview_widget_free,
};

struct textview *textview_new(size_t max_lines)
{
	struct textview *tv = xcalloc(1, sizeof(*tv));

	widget_init(&tv->w, &textview_ops);
	tv->cap = max_lines ? max_lines : 100000;
	tv->ring = xcalloc(tv->cap, sizeof(*tv->ring));
	buf_init(&tv->partial, 0);
	tv->wrap = true;
	tv->empty = xstrdup("");
	return tv;
}

void textview_clear(struct textview *tv)
{
	for (size_t i = 0; i < tv->n; i++)
		free(tv->ring[(tv->head + i) % tv->cap].text);
	tv->head = tv->n = 0;
	tv->dropped = 0;
	tv->top = 0;
	tv->top_sub = 0;
	tv->hscroll = 0;
	tv->unseen = 0;
	tv->has_match = false;
	buf_reset(&tv->partial);
	tv->partial_over = false;
	widget_mark_dirty(&tv->w);
}

void textview_free(struct textview *tv)
{
	if (!tv)
		return;
	textview_clear(tv);
	free(tv->ring);
	buf_release(&tv->partial);
	free(tv->search);
	free(tv->empty);
	free(tv);
}

static void textview_widget_free(struct widget *w)
{
	textview_free((struct textview *)w);
}

struct widget *textview_widget(struct textview *tv)
{
	return &tv->w;
}

static struct tv_line *line_at(const struct textview *tv, unsigned long abs)
{
	if (abs < tv->dropped || abs - tv->dropped >= tv->n)
		return NULL;
	return &tv->ring[(tv->head + (abs - tv->dropped)) % tv->cap];
}

static unsigned long end_abs(const struct textview *tv)
{
	return tv->dropped + tv->n;	/* one past the last line */
}

/* Stores an already sanitized line (ownership of text taken). */
static void push(struct textview *tv, char *text, size_t len, long s0, long s1)
{
	struct tv_line *l;

	if (tv->n == tv->cap) {
		free(tv->ring[tv->head].text);
		tv->head = (tv->head + 1) % tv->cap;
		tv->n--;
		tv->dropped++;
		if (tv->top < tv->dropped) {
			tv->top = tv->dropped;
			tv->top_sub = 0;
		}
	}
	l = &tv->ring[(tv->head + tv->n) % tv->cap];
	l->text = text;
	l->len = len;
	l->sec_start = s0;
	l->sec_end = s1;
	tv->n++;
	if (!tv->follow)
		tv->unseen++;
	tv->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

/* Sanitized copy of s[0..n) into b, cut at the line cap. */
static void clean_into(struct buf *b, const char *s, size_t n)
{
	size_t cut = n > TEXTVIEW_MAX_LINE ? TEXTVIEW_MAX_LINE : n;

	/* tabs become spaces to the next multiple of 8 would need columns;
	 * one space keeps widths honest */
	utf8_sanitize(b, s, cut, 0);
	if (cut < n)
		buf_addf(b, " \xe2\x80\xa6[%zu bytes cut]", n - cut);
}

void textview_add_line(struct textview *tv, const char *s, size_t n)
{
	struct buf b;
	size_t len;
	char *t;

	buf_init(&b, 0);
	clean_into(&b, s ? s : "", s ? n : 0);
	t = buf_take(&b, &len);
	push(tv, t, len, -1, -1);
}

void textview_add_secret(struct textview *tv, const char *before, const char *secret, const char *after)
{
	struct buf b;
	size_t len, s0, s1;
	char *t;

	buf_init(&b, 0);
	clean_into(&b, before ? before : "", before ? strlen(before) : 0);
	s0 = b.len;
	clean_into(&b, secret ? secret : "", secret ? strlen(secret) : 0);
	s1 = b.len;
	clean_into(&b, after ? after : "", after ? strlen(after) : 0);
	t = buf_take(&b, &len);
	push(tv, t, len, (long)s0, (long)s1);
}

void textview_set_text(struct textview *tv, const char *text)
{
	textview_clear(tv);
	if (!text)
		return;
	for (const char *p = text;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (!nl && n == 0)
			break;
		textview_add_line(tv, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		if (!nl)
			break;
		p = nl + 1;
	}
}

void textview_append(struct textview *tv, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		/* the unfinished line is capped: the rest of a huge line is
		 * only counted, never stored */
		if (tv->partial.len < TEXTVIEW_MAX_LINE + 1) {
			size_t room = TEXTVIEW_MAX_LINE + 1 - tv->partial.len;

			buf_add(&tv->partial, p, take < room ? take : room);
		}
		if (!nl)
			return;
		{
			size_t len = tv->partial.len;

			if (len > 0 && tv->partial.data[len - 1] == '\r')
				len--;
			textview_add_line(tv, tv->partial.data, len);
		}
		buf_reset(&tv->partial);
		p += take + 1;
		n -= take + 1;
	}
}

void textview_flush(struct textview *tv)
{
	if (tv->partial.len == 0)
		return;
	textview_add_line(tv, tv->partial.data, tv->partial.len);
	buf_reset(&tv->partial);
}

/* Position. */

static int body_rows(const struct textview *tv)
{
	return DL_MAX(tv->w.rows, 1);
}

/* rows_of: rows a line takes at the current width. */
static int rows_of(const struct textview *tv, const struct tv_line *l)
{
	int rows = 0, cols = DL_MAX(tv->w.cols, 1);
	size_t off = 0;

	if (!tv->wrap || l->len == 0)
		return 1;
	while (off < l->len) {
		off += widget_wrap(l->text + off, l->len - off, cols, false);
		rows++;
	}
	return rows;
}

/* to_end: the position showing the last lines, filling the pane. */
static void to_end(struct textview *tv)
{
	int need = body_rows(tv);
	unsigned long a = end_abs(tv);

	tv->top_sub = 0;
	while (a > tv->dropped && need > 0) {
		int r = rows_of(tv, line_at(tv, a - 1));

		a--;
		if (r >= need) {
			tv->top_sub = r - need;
			need = 0;
			break;
		}
		need -= r;
	}
	tv->top = a;
}

static bool at_end(struct textview *tv)
{
	unsigned long top = tv->top;
	int sub = tv->top_sub;
	bool r;

	to_end(tv);
	r = top > tv->top || (top == tv->top && sub >= tv->top_sub);
	tv->top = top;
	tv->top_sub = sub;
	return r;
}

/* scroll_rows: moves the position by delta rows, clamped to the ends. */
static void scroll_rows(struct textview *tv, long delta)
{
	if (tv->n == 0)
		return;
	if (tv->top < tv->dropped) {
		tv->top = tv->dropped;
		tv->top_sub = 0;
	}
	while (delta < 0) {
		if (tv->top_sub > 0) {
			long k = DL_MIN((long)tv->top_sub, -delta);

			tv->top_sub -= (int)k;
			delta += k;
		} else if (tv->top > tv->dropped) {
			tv->top--;
			tv->top_sub = rows_of(tv, line_at(tv, tv->top)) - 1;
			delta++;
		} else {
			break;
		}
	}
	while (delta > 0 && !at_end(tv)) {
		struct tv_line *l = line_at(tv, tv->top);
		int r = l ? rows_of(tv, l) : 1;

		if (tv->top_sub + 1 < r) {
			tv->top_sub++;
		} else if (tv->top + 1 < end_abs(tv)) {
			tv->top++;
			tv->top_sub = 0;
		} else {
			break;
		}
		delta--;
	}
}

void textview_set_follow(struct textview *tv, bool on)
{
	if (tv->follow == on)
		return;
	tv->follow = on;
	if (on)
		tv->unseen = 0;
	widget_mark_dirty(&tv->w);
}

bool textview_following(const struct textview *tv)
{
	return tv->follow;
}

size_t textview_unseen(const struct textview *tv)
{
	return tv->unseen;
}

void textview_set_wrap(struct textview *tv, bool on)
{
	tv->wrap = on;
	tv->top_sub = 0;
	tv->hscroll = 0;
	widget_mark_dirty(&tv->w);
}

bool textview_wrapping(const struct textview *tv)
{
	return tv->wrap;
}

void textview_set_reveal(struct textview *tv, bool on)
{
	tv->reveal = on;
	widget_mark_dirty(&tv->w);
}

bool textview_revealed(const struct textview *tv)
{
	return tv->reveal;
}

void textview_set_empty_text(struct textview *tv, const char *text)
{
	free(tv->empty);
	tv->empty = utf8_sanitize_dup(text ? text : "", 0);
	widget_mark_dirty(&tv->w);
}

/* Search. */

static bool line_matches(const struct textview *tv, unsigned long abs)
{
	const struct tv_line *l = line_at(tv, abs);

	return l && widget_contains_ci(l->text, l->len, tv->search);
}

static void show_line(struct textview *tv, unsigned long abs)
{
	tv->follow = false;
	tv->top = abs;
	tv->top_sub = 0;
	/* a match near the end: keep the pane full */
	if (at_end(tv))
		to_end(tv);
	widget_mark_dirty(&tv->w);
}

static bool find_from(struct textview *tv, unsigned long from, bool forward)
{
	unsigned long first = tv->dropped, end = end_abs(tv);

	if (!tv->search || tv->n == 0)
		return false;
	for (size_t k = 0; k < tv->n; k++) {
		unsigned long a;

		if (forward)
			a = first + ((from - first) + k) % tv->n;
		else
			a = first + ((from - first) + tv->n - k % tv->n) % tv->n;
		if (a >= end)
			continue;
		if (line_matches(tv, a)) {
			tv->match = a;
			tv->has_match = true;
			show_line(tv, a);
			return true;
		}
	}
	tv->has_match = false;
	return false;
}

bool textview_set_search(struct textview *tv, const char *needle)
{
	free(tv->search);
	tv->search = needle && *needle ? utf8_sanitize_dup(needle, 0) : NULL;
	tv->has_match = false;
	widget_mark_dirty(&tv->w);
	if (!tv->search)
		return false;
	return find_from(tv, tv->top < tv->dropped ? tv->dropped : tv->top, true);
}

bool textview_search_next(struct textview *tv, bool forward)
{
	unsigned long from;

	if (!tv->search || tv->n == 0)
		return false;
	if (tv->has_match && line_at(tv, tv->match))
		from = forward ? tv->match + 1 : tv->match + tv->n - 1;
	else
		from = tv->top;
	if (from >= end_abs(tv))
		from = tv->dropped + (from - tv->dropped) % tv->n;
	return find_from(tv, from, forward);
}

const char *textview_search(const struct textview *tv)
{
	return tv->search ? tv->search : "";
}

/* Queries and saving. */

size_t textview_line_count(const struct textview *tv)
{
	return tv->n;
}

const char *textview_line(const struct textview *tv, size_t i)
{
	const struct tv_line *l = line_at(tv, tv->dropped + i);

	return l ? l->text : NULL;
}

unsigned long textview_dropped(const struct textview *tv)
{
	return tv->dropped;
}

size_t textview_top_line(const struct textview *tv)
{
	return tv->top > tv->dropped ? (size_t)(tv->top - tv->dropped) : 0;
}

/* shown: the line as drawn (secret masked unless revealed) into b;
 * s0 and s1 get the secret's range in b, or -1. */
static void shown(const struct textview *tv, const struct tv_line *l, struct buf *b, long *s0, long *s1)
{
	buf_reset(b);
	*s0 = *s1 = -1;
	if (l->sec_start < 0) {
		buf_add(b, l->text, l->len);
		return;
	}
	buf_add(b, l->text, (size_t)l->sec_start);
	*s0 = (long)b->len;
	if (tv->reveal)
		buf_add(b, l->text + l->sec_start, (size_t)(l->sec_end - l->sec_start));
	else
		buf_adds(b, MASK);
	*s1 = (long)b->len;
	buf_add(b, l->text + l->sec_end, l->len - (size_t)l->sec_end);
}

int textview_save(const struct textview *tv, const char *path, struct error *err)
{
	struct buf out, one;
	int rc;

	buf_init(&out, 0);
	buf_init(&one, 0);
	for (size_t i = 0; i < tv->n; i++) {
		long s0, s1;

		shown(tv, line_at(tv, tv->dropped + i), &one, &s0, &s1);
		if (buf_add(&out, one.data, one.len) < 0 || buf_addc(&out, '\n') < 0) {
			buf_release(&one);
			buf_release(&out);
			return error_set(err, ERR_LIMIT, "unable to save '%s': too much text", path);
		}
	}
	rc = file_write_atomic(path, out.data, out.len, 0600, err);
	buf_release(&one);
	buf_release(&out);
	return rc;
}

/* Drawing. */

/* skip_cols: the byte offset after cols columns of s (for sideways
 * scrolling); combining marks after the cut stay with the dropped base. */
static size_t skip_cols(const char *s, size_t n, int cols)
{
	size_t off = 0;
	int used = 0;

	while (off < n && used < cols) {
		uint32_t cp;
		int len = utf8_decode(s + off, n - off, &cp);
		int w = utf8_cp_width(len < 0 ? UTF8_REPLACEMENT : cp);

		used += w < 0 ? 1 : w;
		off += (size_t)(len < 0 ? 1 : len);
	}
	while (off < n) {
		uint32_t cp;
		int len = utf8_decode(s + off, n - off, &cp);

		if (len < 0 || utf8_cp_width(cp) != 0)
			break;
		off += (size_t)len;
	}
	return off;
}

static void draw_segment(const struct textview *tv, WINDOW *win, int y, const char *s, size_t n, size_t base,
			 long s0, long s1, attr_t attr)
{
	struct text_span spans[24];
	size_t ns = 0;

	if (s0 >= 0 && (size_t)s1 > base && (size_t)s0 < base + n) {
		spans[ns].start = (size_t)s0 > base ? (size_t)s0 - base : 0;
		spans[ns].end = DL_MIN((size_t)s1 - base, n);
		spans[ns].attr = theme_attr(THEME_SECRET);
		ns++;
	}
	if (tv->search)
		ns += widget_find_matches(s, n, tv->search, theme_attr(THEME_MATCH), spans + ns,
					  DL_ARRAY_LEN(spans) - ns);
	widget_draw_spans(win, y, tv->w.x, tv->w.cols, s, n, attr, WIDGET_TEXT_NOELLIPSIS, spans, ns);
}

static void textview_draw(struct widget *w, WINDOW *win)
{
	struct textview *tv = (struct textview *)w;
	int rows = body_rows(tv), y = 0;
	unsigned long a;
	int sub;
	struct buf b;

	if (tv->follow) {
		to_end(tv);
		tv->unseen = 0;
	}
	if (tv->top < tv->dropped) {
		tv->top = tv->dropped;
		tv->top_sub = 0;
	}
	if (tv->n == 0) {
		for (int r = 0; r < w->rows; r++)
			widget_fill(win, w->y + r, w->x, w->cols, theme_attr(THEME_DEFAULT));
		widget_draw_text(win, w->y, w->x, w->cols, tv->empty, theme_attr(THEME_DIM), 0);
		return;
	}
	buf_init(&b, 0);
	a = tv->top;
	sub = tv->top_sub;
	for (; y < rows && a < end_abs(tv); a++, sub = 0) {
		const struct tv_line *l = line_at(tv, a);
		attr_t attr = theme_attr(tv->has_match && a == tv->match ? THEME_ROW_SELECTED_UNFOCUSED : THEME_DEFAULT);
		long s0, s1;

		shown(tv, l, &b, &s0, &s1);
		if (!tv->wrap) {
			size_t off = skip_cols(b.data, b.len, tv->hscroll);

			draw_segment(tv, win, w->y + y++, b.data + off, b.len - off, off, s0, s1, attr);
			continue;
		}
		if (b.len == 0) {
			if (sub == 0)
				widget_fill(win, w->y + y++, w->x, w->cols, attr);
			continue;
		}
		for (size_t off = 0, row = 0; off < b.len && y < rows; row++) {
			size_t len = widget_wrap(b.data + off, b.len - off, DL_MAX(w->cols, 1), false);

			if ((int)row >= sub)
				draw_segment(tv, win, w->y + y++, b.data + off, len, off, s0, s1, attr);
			off += len;
		}
	}
	for (; y < w->rows; y++)
		widget_fill(win, w->y + y, w->x, w->cols, theme_attr(THEME_DEFAULT));
	buf_release(&b);
}

/* Input. */

static unsigned scrolled(struct textview *tv, long delta)
{
	if (delta < 0 && tv->follow) {
		to_end(tv);
		tv->follow = false;
	}
	scroll_rows(tv, delta);
	widget_mark_dirty(&tv->w);
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned textview_key(struct widget *w, int key)
{
	struct textview *tv = (struct textview *)w;
	long page = DL_MAX(body_rows(tv) - 1, 1);

	switch (key) {
	case KEY_UP:
	case 'k':
		return scrolled(tv, -1);
	case KEY_DOWN:
	case 'j':
		return scrolled(tv, 1);
	case KEY_PPAGE:
	case 2:			/* ^B */
		return scrolled(tv, -page);
	case KEY_NPAGE:
	case 6:			/* ^F */
	case ' ':
		return scrolled(tv, page);
	case KEY_HOME:
	case 'g':
		tv->follow = false;
		tv->top = tv->dropped;
		tv->top_sub = 0;
		widget_mark_dirty(w);
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
	case KEY_END:
	case 'G':
		textview_set_follow(tv, true);
		to_end(tv);
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
	case 'w':
		textview_set_wrap(tv, !tv->wrap);
		if (tv->follow)
			to_end(tv);
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
	case '<':
		if (tv->wrap)
			return WIDGET_HANDLED;
		tv->hscroll = DL_MAX(tv->hscroll - DL_MAX(w->cols / 2, 1), 0);
		widget_mark_dirty(w);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case '>':
		if (tv->wrap)
			return WIDGET_HANDLED;
		tv->hscroll += DL_MAX(w->cols / 2, 1);
		widget_mark_dirty(w);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'n':
	case 'N':
		if (!tv->search)
			return 0;
		textview_search_next(tv, key == 'n');
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
	default:
		return 0;
	}
}

static unsigned textview_mouse(struct widget *w, const MEVENT *ev)
{
	struct textview *tv = (struct textview *)w;

	if (ev->bstate & BUTTON4_PRESSED)
		return scrolled(tv, -3);
#ifdef BUTTON5_PRESSED
	if (ev->bstate & BUTTON5_PRESSED)
		return scrolled(tv, 3);
#endif
	return 0;
}
