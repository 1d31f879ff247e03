/*
 * tabs.c: the tab bar (see tabs.h).
 *
 * Drawing lays the titles left to right, " title " each, separated by one
 * column; the x range of each is remembered for mouse clicks.  When the
 * titles do not fit, the bar scrolls so the current one stays visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/tabs.h"
#include "datalab/ui/theme.h"

struct tab {
	char *title;
	int width;		/* of " title " */
	int x0, x1;		/* drawn columns [x0, x1), relative to w.x; -1 hidden */
};

struct tabs {
	struct widget w;
	struct tab *tabs;
	size_t n, cur;
};

static void tabs_draw(struct widget *w, WINDOW *win);
static unsigned tabs_key(struct widget *w, int key);
static unsigned tabs_mouse(struct widget *w, const MEVENT *ev);
static void tabs_widget_free(struct widget *w);

static const struct widget_ops tabs_ops = {
	.name = "tabs",
	.draw = tabs_draw,
	.key = tabs_key,
	.mouse = tabs_mouse,
	.free = tabs_widget_free,
};

void tabs_set_title(struct tabs *t, size_t i, const char *title)
{
	char *clean;

	if (i >= t->n)
		return;
	clean = utf8_sanitize_dup(title ? title : "", 0);
	if (t->tabs[i].title && strcmp(t->tabs[i].title, clean) == 0) {
		free(clean);
		return;
	}
	free(t->tabs[i].title);
	t->tabs[i].title = clean;
	t->tabs[i].width = (int)utf8_width(clean, strlen(clean)) + 2;
	widget_mark_dirty(&t->w);
}

struct tabs *tabs_new(const char *const *titles, size_t n)
{
	struct tabs *t = xcalloc(1, sizeof(*t));

	widget_init(&t->w, &tabs_ops);
	t->n = n;
	t->tabs = xcalloc(n ? n : 1, sizeof(*t->tabs));
	for (size_t i = 0; i < n; i++)
		tabs_set_title(t, i, titles[i]);
	return t;
}

void tabs_free(struct tabs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->tabs[i].title);
	free(t->tabs);
	free(t);
}

static void tabs_widget_free(struct widget *w)
{
	tabs_free((struct tabs *)w);
}

struct widget *tabs_widget(struct tabs *t)
{
	return &t->w;
}

size_t tabs_count(const struct tabs *t)
{
	return t->n;
}

size_t tabs_current(const struct tabs *t)
{
	return t->cur;
}

const char *tabs_title(const struct tabs *t, size_t i)
{
	return i < t->n ? t->tabs[i].title : NULL;
}

void tabs_select(struct tabs *t, size_t i)
{
	if (i >= t->n || i == t->cur)
		return;
	t->cur = i;
	widget_mark_dirty(&t->w);
}

static void tabs_draw(struct widget *w, WINDOW *win)
{
	struct tabs *t = (struct tabs *)w;
	attr_t inactive = theme_attr(THEME_TAB_INACTIVE);
	size_t first = 0;
	int x, span = 0;

	/* scroll: drop tabs from the left until the current one fits */
	for (size_t i = 0; i <= t->cur && i < t->n; i++)
		span += t->tabs[i].width + 1;
	while (first < t->cur && span > w->cols) {
		span -= t->tabs[first].width + 1;
		first++;
	}
	widget_fill(win, w->y, w->x, w->cols, inactive);
	x = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tab *tb = &t->tabs[i];
		char label[512];
		int drawn;

		tb->x0 = tb->x1 = -1;
		if (i < first || x >= w->cols)
			continue;
		snprintf(label, sizeof(label), " %s ", tb->title);
		drawn = widget_draw_text(win, w->y, w->x + x, DL_MIN(tb->width, w->cols - x), label,
					 theme_attr(i == t->cur ? THEME_TAB_ACTIVE : THEME_TAB_INACTIVE), 0);
		tb->x0 = x;
		tb->x1 = x + drawn;
		x += drawn + 1;
	}
}

static unsigned go(struct tabs *t, size_t i)
{
	if (t->n == 0 || i == t->cur)
		return WIDGET_HANDLED;
	tabs_select(t, i);
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned tabs_key(struct widget *w, int key)
{
	struct tabs *t = (struct tabs *)w;

	if (t->n == 0)
		return 0;
	switch (key) {
	case '\t':
	case KEY_RIGHT:
		return go(t, (t->cur + 1) % t->n);
	case KEY_BTAB:
	case KEY_LEFT:
		return go(t, (t->cur + t->n - 1) % t->n);
	default:
		return 0;
	}
}

static unsigned tabs_mouse(struct widget *w, const MEVENT *ev)
{
	struct tabs *t = (struct tabs *)w;
	int x = ev->x - w->x;

	if (!(ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->tabs[i].x0 >= 0 && x >= t->tabs[i].x0 && x < t->tabs[i].x1)
			return go(t, i);
	return WIDGET_HANDLED;
}
