/*
 * dialog.c: the modal box (see dialog.h).
 *
 * Layout is computed in dialog_layout and on every draw from the message
 * lines: width = the widest of title, message and buttons (capped by the
 * rectangle), height = frame + message rows + input + buttons.  Focus is
 * an index: -1 the input, 0..n-1 the buttons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/dialog.h"
#include "datalab/ui/input.h"
#include "datalab/ui/theme.h"

#define DIALOG_MAX_BUTTONS 8

struct dialog {
	struct widget w;
	char *title, *message;
	char *buttons[DIALOG_MAX_BUTTONS];
	int bx[DIALOG_MAX_BUTTONS], bw[DIALOG_MAX_BUTTONS];	/* drawn button columns */
	int nbuttons, def, cancel, focus, result;
	bool danger, done;
	struct input *input;
	int area_y, area_x, area_rows, area_cols;
	int cur_y, cur_x;
};

static void dialog_draw(struct widget *w, WINDOW *win);
static unsigned dialog_key(struct widget *w, int key);
static unsigned dialog_mouse(struct widget *w, const MEVENT *ev);
static void dialog_widget_free(struct widget *w);

static const struct widget_ops dialog_ops = {
	.name = "dialog",
	.draw = dialog_draw,
	.key = dialog_key,
	.mouse = dialog_mouse,
	.free = dialog_widget_free,
};

struct dialog *dialog_new(const struct dialog_opts *o)
{
	static const char *const ok[] = { "OK", NULL };
	struct dialog *d = xcalloc(1, sizeof(*d));
	const char *const *b = o->buttons ? o->buttons : ok;

	widget_init(&d->w, &dialog_ops);
	d->title = utf8_sanitize_dup(o->title ? o->title : "", 0);
	d->message = utf8_sanitize_dup(o->message ? o->message : "", UTF8_KEEP_NEWLINE);
	for (; *b && d->nbuttons < DIALOG_MAX_BUTTONS; b++)
		d->buttons[d->nbuttons++] = utf8_sanitize_dup(*b, 0);
	d->def = o->default_button >= 0 && o->default_button < d->nbuttons ? o->default_button : 0;
	d->cancel = o->cancel_button < d->nbuttons ? o->cancel_button : -1;
	d->danger = o->danger;
	d->result = -1;
	d->focus = d->def;
	if (o->input_prompt) {
		d->input = input_new(0);
		input_set_prompt(d->input, o->input_prompt);
		input_set_text(d->input, o->input_text ? o->input_text : "");
		widget_set_focus(input_widget(d->input), true);
		d->focus = -1;
	}
	return d;
}

void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	free(d->title);
	free(d->message);
	for (int i = 0; i < d->nbuttons; i++)
		free(d->buttons[i]);
	input_free(d->input);
	free(d);
}

static void dialog_widget_free(struct widget *w)
{
	dialog_free((struct dialog *)w);
}

struct widget *dialog_widget(struct dialog *d)
{
	return &d->w;
}

int dialog_result(const struct dialog *d)
{
	return d->result;
}

bool dialog_done(const struct dialog *d)
{
	return d->done;
}

const char *dialog_input(const struct dialog *d)
{
	return d->input ? input_text(d->input) : "";
}

bool dialog_cursor(const struct dialog *d, int *y, int *x)
{
	if (!d->input || d->focus != -1)
		return false;
	*y = d->cur_y;
	*x = d->cur_x;
	return true;
}

/* The message's rows at width cols: each as [start, end) into message. */
static int message_rows(const struct dialog *d, int cols, size_t (*rows)[2], int max)
{
	const char *m = d->message;
	size_t n = strlen(m), off = 0;
	int k = 0;

	if (cols <= 0)
		return 0;
	while (off < n && k < max) {
		const char *nl = memchr(m + off, '\n', n - off);
		size_t end = nl ? (size_t)(nl - m) : n;

		if (end == off) {
			rows[k][0] = rows[k][1] = off;
			k++;
		}
		while (off < end && k < max) {
			size_t len = widget_wrap(m + off, end - off, cols, true);

			rows[k][0] = off;
			rows[k][1] = off + len;
			k++;
			off += len;
			while (off < end && m[off] == ' ')
				off++;
		}
		off = end + 1;
	}
	return k;
}

static int buttons_width(const struct dialog *d)
{
	int w = 0;

	for (int i = 0; i < d->nbuttons; i++)
		w += (int)utf8_width(d->buttons[i], strlen(d->buttons[i])) + 4 + 2;
	return w;
}

/* Sizes the box from its contents and the area. */
static void fit(struct dialog *d, int *nrows, size_t (*rows)[2], int max)
{
	int want = DL_MAX(40, buttons_width(d) + 4);
	int longest = 0, inner, h;
	const char *m = d->message;

	for (const char *p = m; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		longest = DL_MAX(longest, (int)utf8_width(p, len));
		p += len + (nl ? 1 : 0);
	}
	want = DL_MAX(want, longest + 4);
	want = DL_MAX(want, (int)utf8_width(d->title, strlen(d->title)) + 6);
	if (d->input)
		want = DL_MAX(want, 60);
	want = DL_MIN(want, DL_MIN(d->area_cols - 2, 78));
	want = DL_MAX(want, DL_MIN(12, d->area_cols));
	inner = want - 4;
	*nrows = message_rows(d, inner, rows, max);
	h = 2 + *nrows + 1 + (d->input ? 2 : 0) + 1;	/* frame, text, gap, input, buttons */
	if (h > d->area_rows) {
		*nrows -= h - d->area_rows;
		if (*nrows < 0)
			*nrows = 0;
		h = DL_MIN(h, d->area_rows);
	}
	d->w.rows = h;
	d->w.cols = want;
	d->w.y = d->area_y + DL_MAX((d->area_rows - h) / 2, 0);
	d->w.x = d->area_x + DL_MAX((d->area_cols - want) / 2, 0);
}

void dialog_layout(struct dialog *d, int y, int x, int rows, int cols)
{
	size_t r[64][2];
	int n;

	d->area_y = y;
	d->area_x = x;
	d->area_rows = rows;
	d->area_cols = cols;
	fit(d, &n, r, (int)DL_ARRAY_LEN(r));
	widget_mark_dirty(&d->w);
}

static void dialog_draw(struct widget *w, WINDOW *win)
{
	struct dialog *d = (struct dialog *)w;
	size_t rows[64][2];
	int nrows, y, bx, bw;
	attr_t box = theme_attr(THEME_DIALOG);
	bool utf8 = widget_utf8_locale();
	const char *h = utf8 ? "\xe2\x94\x80" : "-", *v = utf8 ? "\xe2\x94\x82" : "|";

	fit(d, &nrows, rows, (int)DL_ARRAY_LEN(rows));
	if (w->rows < 3 || w->cols < 6)
		return;
	for (int r = 0; r < w->rows; r++) {
		char line[1024];
		size_t k = 0;
		const char *l = r == 0 ? (utf8 ? "\xe2\x94\x8c" : "+") : r == w->rows - 1 ? (utf8 ? "\xe2\x94\x94" : "+") : v;
		const char *rgt = r == 0 ? (utf8 ? "\xe2\x94\x90" : "+") : r == w->rows - 1 ? (utf8 ? "\xe2\x94\x98" : "+") : v;

		k += (size_t)snprintf(line + k, sizeof(line) - k, "%s", l);
		for (int c = 1; c < w->cols - 1 && k + 4 < sizeof(line); c++)
			k += (size_t)snprintf(line + k, sizeof(line) - k, "%s", r == 0 || r == w->rows - 1 ? h : " ");
		snprintf(line + k, sizeof(line) - k, "%s", rgt);
		widget_draw_text(win, w->y + r, w->x, w->cols, line, r == 0 || r == w->rows - 1 ? theme_attr(THEME_BORDER) | box : box,
				 WIDGET_TEXT_NOELLIPSIS);
	}
	if (d->title[0]) {
		char t[300];

		snprintf(t, sizeof(t), " %s ", d->title);
		widget_draw_text(win, w->y, w->x + 2, w->cols - 4, t, theme_attr(THEME_DIALOG_TITLE), WIDGET_TEXT_NOPAD);
	}
	y = w->y + 1;
	for (int i = 0; i < nrows; i++, y++)
		widget_draw_spans(win, y, w->x + 2, w->cols - 4, d->message + rows[i][0], rows[i][1] - rows[i][0], box,
				  0, NULL, 0);
	y++;
	if (d->input) {
		widget_place(input_widget(d->input), y, w->x + 2, 1, w->cols - 4);
		widget_set_focus(input_widget(d->input), d->focus == -1);
		widget_draw(input_widget(d->input), win, true);
		input_cursor_pos(d->input, &d->cur_y, &d->cur_x);
		y += 2;
	}
	bw = buttons_width(d);
	bx = w->x + DL_MAX((w->cols - bw) / 2, 1);
	for (int i = 0; i < d->nbuttons && y < w->y + w->rows - 1; i++) {
		char label[300];
		int lw = (int)utf8_width(d->buttons[i], strlen(d->buttons[i])) + 4;
		enum theme_role role = i == d->focus ? THEME_BUTTON_FOCUSED : THEME_BUTTON;
		struct text_span sp = { 2, 3, 0 };
		attr_t a;

		if (i == d->focus && i == d->def && d->danger)
			role = THEME_TOAST_ERROR;
		a = theme_attr(role);
		sp.attr = a | A_UNDERLINE;
		snprintf(label, sizeof(label), "[ %s ]", d->buttons[i]);
		if (bx + lw > w->x + w->cols - 1)
			lw = w->x + w->cols - 1 - bx;
		if (lw <= 0)
			break;
		widget_draw_spans(win, y, bx, lw, label, strlen(label), a, WIDGET_TEXT_NOELLIPSIS, &sp, 1);
		d->bx[i] = bx;
		d->bw[i] = lw;
		bx += lw + 2;
	}
}

static unsigned press(struct dialog *d, int i)
{
	d->result = i;
	d->done = true;
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_ACTIVATE;
}

static unsigned move_focus(struct dialog *d, int delta)
{
	int lo = d->input ? -1 : 0, n = d->nbuttons - lo;

	if (n <= 0)
		return WIDGET_HANDLED;
	d->focus = ((d->focus - lo + delta) % n + n) % n + lo;
	widget_mark_dirty(&d->w);
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static int button_of_letter(const struct dialog *d, int32_t ch)
{
	if (ch >= 'A' && ch <= 'Z')
		ch += 32;
	for (int i = 0; i < d->nbuttons; i++) {
		int32_t c = (unsigned char)d->buttons[i][0];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c == ch)
			return i;
	}
	return -1;
}

static unsigned dialog_key(struct widget *w, int key)
{
	struct dialog *d = (struct dialog *)w;
	int32_t ch = widget_key_char(key);

	if (d->done)
		return 0;
	switch (key) {
	case 27:
		if (d->cancel >= 0)
			return press(d, d->cancel);
		d->result = -1;
		d->done = true;
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CANCEL;
	case '\t':
	case KEY_DOWN:
		return move_focus(d, 1);
	case KEY_BTAB:
	case KEY_UP:
		return move_focus(d, -1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return press(d, d->focus >= 0 ? d->focus : d->def);
	default:
		break;
	}
	if (d->focus == -1) {
		unsigned r = widget_key(input_widget(d->input), key);

		if (r & WIDGET_DIRTY)
			widget_mark_dirty(&d->w);
		return r ? r | WIDGET_HANDLED : WIDGET_HANDLED;
	}
	if (key == KEY_LEFT)
		return move_focus(d, -1);
	if (key == KEY_RIGHT)
		return move_focus(d, 1);
	if (ch > 0) {
		int b = button_of_letter(d, ch);

		if (b >= 0)
			return press(d, b);
	}
	/* modal: every other key is swallowed */
	return WIDGET_HANDLED;
}

static unsigned dialog_mouse(struct widget *w, const MEVENT *ev)
{
	struct dialog *d = (struct dialog *)w;

	if (d->done || !(ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return WIDGET_HANDLED;
	for (int i = 0; i < d->nbuttons; i++)
		if (d->bw[i] > 0 && ev->y == d->w.y + d->w.rows - 2 && ev->x >= d->bx[i] && ev->x < d->bx[i] + d->bw[i])
			return press(d, i);
	return WIDGET_HANDLED;
}
