/*
 * input.c: the one-line editor.
 *
 * The text lives in a struct buf, the cursor is a byte offset always on a
 * cluster boundary (a base character plus its combining marks).  Drawing
 * works in columns: `scroll` is the first text column shown, moved only
 * as far as needed to keep the cursor inside the widget.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/input.h"
#include "datalab/ui/theme.h"

struct input {
	struct widget w;
	struct buf text;
	size_t cursor;		/* byte offset */
	size_t max;
	int scroll;		/* first text column shown */
	char *prompt;
	bool mask;

	char **history;
	size_t nhistory, history_max;
	long hpos;		/* -1: editing a new line */
	char *draft;		/* the new line while walking the history */

	input_complete_fn complete;
	void *complete_ctx;
	char *typed;		/* what Tab completes; NULL when not cycling */
	size_t nth;

	int cur_y, cur_x;
};

static void input_draw(struct widget *w, WINDOW *win);
static unsigned input_key(struct widget *w, int key);
static void input_widget_free(struct widget *w);

static const struct widget_ops input_ops = {
	.name = "input",
	.draw = input_draw,
	.key = input_key,
	.mouse = NULL,
	.resize = NULL,
	.free = input_widget_free,
};

struct input *input_new(size_t history_max)
{
	struct input *in = xcalloc(1, sizeof(*in));

	widget_init(&in->w, &input_ops);
	buf_init(&in->text, 0);
	in->max = 4096;
	in->prompt = xstrdup("");
	in->history_max = history_max;
	in->hpos = -1;
	return in;
}

static void stop_completing(struct input *in)
{
	free(in->typed);
	in->typed = NULL;
	in->nth = 0;
}

void input_free(struct input *in)
{
	if (in == NULL)
		return;
	buf_release(&in->text);
	free(in->prompt);
	for (size_t i = 0; i < in->nhistory; i++)
		free(in->history[i]);
	free(in->history);
	free(in->draft);
	stop_completing(in);
	free(in);
}

static void input_widget_free(struct widget *w)
{
	input_free((struct input *)w);
}

struct widget *input_widget(struct input *in)
{
	return &in->w;
}

static void set_text_raw(struct input *in, const char *s)
{
	char *clean = utf8_sanitize_dup(s, 0);
	size_t n = strlen(clean);

	if (n > in->max) {
		/* Cut on a character boundary. */
		n = in->max;
		while (n > 0 && ((unsigned char)clean[n] & 0xc0) == 0x80)
			n--;
	}
	buf_reset(&in->text);
	buf_add(&in->text, clean, n);
	in->cursor = in->text.len;
	free(clean);
	in->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
}

void input_set_text(struct input *in, const char *text)
{
	stop_completing(in);
	set_text_raw(in, text != NULL ? text : "");
}

const char *input_text(const struct input *in)
{
	return in->text.data;
}

void input_set_prompt(struct input *in, const char *prompt)
{
	free(in->prompt);
	in->prompt = utf8_sanitize_dup(prompt != NULL ? prompt : "", 0);
	widget_mark_dirty(&in->w);
}

void input_set_mask(struct input *in, bool mask)
{
	in->mask = mask;
	widget_mark_dirty(&in->w);
}

void input_set_max(struct input *in, size_t max)
{
	in->max = max ? max : 4096;
}

void input_set_completion(struct input *in, input_complete_fn fn, void *ctx)
{
	in->complete = fn;
	in->complete_ctx = ctx;
}

void input_history_add(struct input *in, const char *text)
{
	if (in->history_max == 0 || text == NULL || text[0] == '\0')
		return;
	if (in->nhistory > 0 && strcmp(in->history[in->nhistory - 1], text) == 0)
		return;
	if (in->nhistory == in->history_max) {
		free(in->history[0]);
		memmove(in->history, in->history + 1, (in->nhistory - 1) * sizeof(*in->history));
		in->nhistory--;
	}
	in->history = xreallocarray(in->history, in->nhistory + 1, sizeof(*in->history));
	in->history[in->nhistory++] = utf8_sanitize_dup(text, 0);
	in->hpos = -1;
}

size_t input_cursor(const struct input *in)
{
	return in->cursor;
}

void input_cursor_pos(const struct input *in, int *y, int *x)
{
	*y = in->cur_y;
	*x = in->cur_x;
}

/* Clusters. */

static int cp_at(const struct input *in, size_t off, uint32_t *cp)
{
	int len = utf8_decode(in->text.data + off, in->text.len - off, cp);

	if (len < 0) {
		*cp = UTF8_REPLACEMENT;
		len = 1;
	}
	return len;
}

static size_t next_cluster(const struct input *in, size_t off)
{
	uint32_t cp;

	if (off >= in->text.len)
		return in->text.len;
	off += (size_t)cp_at(in, off, &cp);
	while (off < in->text.len) {
		int len = cp_at(in, off, &cp);

		if (utf8_cp_width(cp) != 0)
			break;
		off += (size_t)len;
	}
	return off;
}

static size_t prev_cluster(const struct input *in, size_t off)
{
	size_t p = 0, last = 0;

	while (p < off) {
		last = p;
		p = next_cluster(in, p);
	}
	return last;
}

static int width_to(const struct input *in, size_t off)
{
	return (int)utf8_width(in->text.data, off);
}

/* Editing. */

static unsigned edited(struct input *in)
{
	in->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned moved(struct input *in)
{
	in->w.flags |= WIDGET_DIRTY | WIDGET_REDRAW_ALL;
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static void delete_range(struct input *in, size_t from, size_t to)
{
	memmove(in->text.data + from, in->text.data + to, in->text.len - to);
	buf_truncate(&in->text, in->text.len - (to - from));
	in->cursor = from;
}

static unsigned insert_cp(struct input *in, uint32_t cp)
{
	char enc[4];
	int n = utf8_encode(cp, enc);
	size_t tail = in->text.len - in->cursor;

	if (in->text.len + (size_t)n > in->max)
		return WIDGET_HANDLED;
	if (buf_add(&in->text, enc, (size_t)n) < 0)
		return WIDGET_HANDLED;
	memmove(in->text.data + in->cursor + n, in->text.data + in->cursor, tail);
	memcpy(in->text.data + in->cursor, enc, (size_t)n);
	in->cursor += (size_t)n;
	return edited(in);
}

static unsigned word_delete(struct input *in)
{
	size_t p = in->cursor;

	while (p > 0 && in->text.data[p - 1] == ' ')
		p--;
	while (p > 0 && in->text.data[p - 1] != ' ')
		p--;
	if (p == in->cursor)
		return WIDGET_HANDLED;
	delete_range(in, p, in->cursor);
	return edited(in);
}

static unsigned history_move(struct input *in, int dir)
{
	long pos;

	if (in->nhistory == 0)
		return WIDGET_HANDLED;
	if (in->hpos < 0) {
		if (dir > 0)
			return WIDGET_HANDLED;
		free(in->draft);
		in->draft = xstrdup(in->text.data);
		pos = (long)in->nhistory - 1;
	} else {
		pos = in->hpos + dir;
		if (pos < 0)
			return WIDGET_HANDLED;
	}
	if (pos >= (long)in->nhistory) {
		in->hpos = -1;
		set_text_raw(in, in->draft != NULL ? in->draft : "");
	} else {
		in->hpos = pos;
		set_text_raw(in, in->history[pos]);
	}
	return edited(in);
}

static unsigned complete(struct input *in)
{
	const char *c;

	if (in->complete == NULL)
		return WIDGET_HANDLED;
	if (in->typed == NULL) {
		in->typed = xstrdup(in->text.data);
		in->nth = 0;
	}
	c = in->complete(in->complete_ctx, in->typed, in->nth);
	if (c == NULL) {
		/* Past the last candidate: back to what was typed, and
		 * the next Tab starts over. */
		set_text_raw(in, in->typed);
		in->nth = 0;
		return edited(in);
	}
	set_text_raw(in, c);
	in->nth++;
	return edited(in);
}

static unsigned input_key(struct widget *w, int key)
{
	struct input *in = (struct input *)w;
	int32_t cp = widget_key_char(key);

	if (key != '\t')
		stop_completing(in);
	if (cp >= 0) {
		in->hpos = -1;
		return insert_cp(in, (uint32_t)cp);
	}
	switch (key) {
	case KEY_LEFT:
		if (in->cursor == 0)
			return WIDGET_HANDLED;
		in->cursor = prev_cluster(in, in->cursor);
		return moved(in);
	case KEY_RIGHT:
		if (in->cursor == in->text.len)
			return WIDGET_HANDLED;
		in->cursor = next_cluster(in, in->cursor);
		return moved(in);
	case KEY_HOME:
	case 1:			/* ^A */
		in->cursor = 0;
		return moved(in);
	case KEY_END:
	case 5:			/* ^E */
		in->cursor = in->text.len;
		return moved(in);
	case KEY_BACKSPACE:
	case 127:
	case 8:			/* ^H */
		if (in->cursor == 0)
			return WIDGET_HANDLED;
		delete_range(in, prev_cluster(in, in->cursor), in->cursor);
		return edited(in);
	case KEY_DC:
	case 4:			/* ^D */
		if (in->cursor == in->text.len)
			return WIDGET_HANDLED;
		delete_range(in, in->cursor, next_cluster(in, in->cursor));
		return edited(in);
	case 23:		/* ^W */
		return word_delete(in);
	case 21:		/* ^U */
		if (in->cursor == 0)
			return WIDGET_HANDLED;
		delete_range(in, 0, in->cursor);
		return edited(in);
	case 11:		/* ^K */
		if (in->cursor == in->text.len)
			return WIDGET_HANDLED;
		buf_truncate(&in->text, in->cursor);
		return edited(in);
	case KEY_UP:
		return history_move(in, -1);
	case KEY_DOWN:
		return history_move(in, 1);
	case '\t':
		return complete(in);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return WIDGET_HANDLED | WIDGET_ACTIVATE;
	case 27:
		return WIDGET_HANDLED | WIDGET_CANCEL;
	default:
		return 0;
	}
}

/* Drawing. */

static void input_draw(struct widget *w, WINDOW *win)
{
	struct input *in = (struct input *)w;
	attr_t a = theme_attr(THEME_INPUT);
	int pw = (int)utf8_width(in->prompt, strlen(in->prompt));
	int avail, cur, off;
	size_t start;
	struct buf shown;

	pw = DL_MIN(pw, w->cols / 2);
	widget_draw_text(win, w->y, w->x, pw, in->prompt, theme_attr(THEME_DEFAULT), WIDGET_TEXT_NOELLIPSIS);
	avail = w->cols - pw;
	if (avail <= 0)
		return;
	/* Masked text is drawn as one bullet per character, so columns
	 * count characters, not the secret's widths. */
	buf_init(&shown, 0);
	if (in->mask) {
		size_t ncur = 0;

		for (size_t p = 0; p < in->text.len; p = next_cluster(in, p)) {
			if (p < in->cursor)
				ncur++;
			buf_adds(&shown, "\u2022");
		}
		cur = (int)ncur;
	} else {
		buf_add(&shown, in->text.data, in->text.len);
		cur = width_to(in, in->cursor);
	}
	/* The last column stays free for the cursor at the end. */
	if (cur < in->scroll)
		in->scroll = cur;
	if (cur >= in->scroll + avail)
		in->scroll = cur - avail + 1;
	if (in->scroll < 0)
		in->scroll = 0;
	/* Skip `scroll` columns; a wide character cut in half becomes a
	 * blank column. */
	start = 0;
	off = 0;
	while (start < shown.len && off < in->scroll) {
		uint32_t cp;
		int len = utf8_decode(shown.data + start, shown.len - start, &cp);
		int cw = utf8_cp_width(len < 0 ? UTF8_REPLACEMENT : cp);

		off += cw < 0 ? 1 : cw;
		start += (size_t)(len < 0 ? 1 : len);
	}
	while (start < shown.len) {
		uint32_t cp;
		int len = utf8_decode(shown.data + start, shown.len - start, &cp);

		if (len < 0 || utf8_cp_width(cp) != 0)
			break;
		start += (size_t)len;
	}
	widget_fill(win, w->y, w->x + pw, off - in->scroll, a);
	widget_draw_spans(win, w->y, w->x + pw + (off - in->scroll), avail - (off - in->scroll),
			  shown.data + start, shown.len - start, a, WIDGET_TEXT_NOELLIPSIS, NULL, 0);
	buf_release(&shown);
	in->cur_y = w->y;
	in->cur_x = w->x + pw + cur - in->scroll;
	wmove(win, in->cur_y, in->cur_x);
}
