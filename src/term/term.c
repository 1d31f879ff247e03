/*
 * term.c: a terminal emulator on libvterm's state layer, drawn as curses
 * cells (see term.h).
 *
 * Data flow: term_feed hands the remote's bytes, through the guard of
 * term_input.c (libvterm 0.1.4's own faults), to vterm_input_write;
 * libvterm parses them and calls back while it does: term_screen.c writes
 * the cells and widens [dirty_top, dirty_end), lines leaving the top go
 * to the scrollback ring here (term_sb_push), term_prop records title,
 * cursor visibility, alternate screen and mouse mode, and the output
 * callback forwards the answers to queries.  The owner's event callback
 * runs once, after the bytes are parsed, never from inside libvterm.
 * term_draw (term_draw.c) then paints the dirty rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/term/term.h"
#include "datalab/ui/theme.h"
#include "term-internal.h"

/* --- libvterm memory: through xcalloc, zeroed as libvterm requires --- */

static void *vt_malloc(size_t size, void *data)
{
	(void)data;
	return xcalloc(1, size);
}

static void vt_free(void *p, void *data)
{
	(void)data;
	free(p);
}

static VTermAllocatorFunctions vt_alloc = { vt_malloc, vt_free };

/* --- events --- */

void term_mark_rows(struct term *t, int top, int end)
{
	top = DL_MAX(top, 0);
	end = DL_MIN(end, t->rows);
	if (top >= end)
		return;
	t->dirty_top = DL_MIN(t->dirty_top, top);
	t->dirty_end = DL_MAX(t->dirty_end, end);
	t->pending |= PENDING_DAMAGE;
}

static void mark_all(struct term *t)
{
	term_mark_rows(t, 0, t->rows);
}

static void report(struct term *t)
{
	unsigned p = t->pending;

	if (t->in_feed || !p)
		return;
	t->pending = 0;
	if (!t->cbs.event)
		return;
	if (p & PENDING_TITLE)
		t->cbs.event(TERM_EVENT_TITLE, t->arg);
	if (p & PENDING_BELL)
		t->cbs.event(TERM_EVENT_BELL, t->arg);
	if (p & PENDING_DAMAGE)
		t->cbs.event(TERM_EVENT_DAMAGE, t->arg);
}

/* --- cells --- */

static bool cell_blank(const struct term_cell *c)
{
	return (c->ch[0] == 0 || c->ch[0] == ' ') && c->width == 1 && c->bg < 0 &&
	       !(c->attrs & (TERM_ATTR_REVERSE | TERM_ATTR_UNDERLINE));
}

/* --- scrollback --- */

static void line_free_oldest(struct term *t)
{
	free(t->sb[t->sb_start]);
	t->sb[t->sb_start] = NULL;
	t->sb_start = (t->sb_start + 1) % t->sb_max;
	t->sb_len--;
}

void term_sb_push(struct term *t, const struct term_cell *cells, int cols)
{
	struct term_line *line;
	int n = DL_MIN(cols, TERM_MAX_COLS);

	if (t->sb_max == 0)
		return;
	if (!t->sb)
		t->sb = xcalloc(t->sb_max, sizeof(*t->sb));
	while (n > 0 && cell_blank(&cells[n - 1]))
		n--;
	line = xmalloc(sizeof(*line) + (size_t)n * sizeof(struct term_cell));
	memcpy(line->cells, cells, (size_t)n * sizeof(struct term_cell));
	line->cols = n;
	if (t->sb_len == t->sb_max)
		line_free_oldest(t);
	t->sb[(t->sb_start + t->sb_len) % t->sb_max] = line;
	t->sb_len++;
	/* a view back in the scrollback stays on the same lines */
	if (t->offset > 0) {
		t->offset = (int)DL_MIN((size_t)t->offset + 1, t->sb_len);
		mark_all(t);
	}
}

bool term_sb_pop(struct term *t, struct term_cell *cells, int cols)
{
	struct term_line *line;
	size_t last;
	int n;

	if (t->sb_len == 0)
		return false;
	last = (t->sb_start + t->sb_len - 1) % t->sb_max;
	line = t->sb[last];
	n = DL_MIN(line->cols, cols);
	memcpy(cells, line->cells, (size_t)n * sizeof(struct term_cell));
	for (int i = n; i < cols; i++) {
		memset(&cells[i], 0, sizeof(cells[i]));
		cells[i].fg = cells[i].bg = THEME_COLOR_DEFAULT;
		cells[i].width = 1;
	}
	/* a wide character cut by a narrower screen: its half goes */
	term_screen_repair(cells, cols);
	free(line);
	t->sb[last] = NULL;
	t->sb_len--;
	t->offset = (int)DL_MIN((size_t)t->offset, t->sb_len);
	return true;
}

const struct term_line *term_sb_line(const struct term *t, size_t i)
{
	return t->sb[(t->sb_start + i) % t->sb_max];
}

void term_set_scrollback(struct term *t, size_t lines)
{
	struct term_line **ring;

	while (t->sb_len > lines)
		line_free_oldest(t);
	ring = lines ? xcalloc(lines, sizeof(*ring)) : NULL;
	for (size_t i = 0; i < t->sb_len; i++)
		ring[i] = t->sb[(t->sb_start + i) % t->sb_max];
	free(t->sb);
	t->sb = ring;
	t->sb_max = lines;
	t->sb_start = 0;
	t->offset = (int)DL_MIN((size_t)t->offset, t->sb_len);
	mark_all(t);
}

size_t term_scrollback_lines(const struct term *t)
{
	return t->sb_len;
}

int term_scroll_offset(const struct term *t)
{
	return t->offset;
}

void term_scroll(struct term *t, int lines)
{
	long off = (long)t->offset + lines;

	if (off < 0 || t->altscreen)
		off = 0;
	if ((size_t)off > t->sb_len)
		off = (long)t->sb_len;
	if (off == t->offset)
		return;
	t->offset = (int)off;
	mark_all(t);
	report(t);
}

/* --- what libvterm's state reports (through term_screen.c) --- */

static void set_title(struct term *t, const char *s)
{
	struct buf b;
	size_t n;

	buf_init(&b, 0);
	utf8_sanitize(&b, s, strnlen(s, TERM_TITLE_MAX * 4), 0);
	/* cut to the cap on a character boundary */
	n = DL_MIN(b.len, sizeof(t->title) - 1);
	while (n > 0 && n < b.len && ((unsigned char)b.data[n] & 0xC0) == 0x80)
		n--;
	memcpy(t->title, b.data, n);
	t->title[n] = '\0';
	buf_release(&b);
	t->pending |= PENDING_TITLE;
}

void term_prop(struct term *t, VTermProp prop, const VTermValue *val)
{
	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		t->cursor_visible = val->boolean;
		t->pending |= PENDING_DAMAGE;
		break;
	case VTERM_PROP_ALTSCREEN:
		t->altscreen = val->boolean;
		t->offset = 0;
		mark_all(t);
		break;
	case VTERM_PROP_TITLE:
		set_title(t, val->string ? val->string : "");
		break;
	case VTERM_PROP_REVERSE:
		t->reverse = val->boolean;
		mark_all(t);
		break;
	case VTERM_PROP_MOUSE:
		t->mouse = val->number >= 0 && val->number <= TERM_MOUSE_MOVE ? (enum term_mouse_mode)val->number
									       : TERM_MOUSE_NONE;
		break;
	default:
		break;
	}
}

static void on_output(const char *s, size_t len, void *arg)
{
	struct term *t = arg;

	t->stats.sent += len;
	if (t->cbs.output)
		t->cbs.output(s, len, t->arg);
}

/* --- life cycle --- */

static int clamp(int v, int min, int max)
{
	return v < min ? min : v > max ? max : v;
}

struct term *term_new(int rows, int cols, const struct term_cbs *cbs, void *arg)
{
	struct term *t = xcalloc(1, sizeof(*t));

	t->rows = clamp(rows, 1, TERM_MAX_ROWS);
	t->cols = clamp(cols, TERM_MIN_COLS, TERM_MAX_COLS);
	if (cbs)
		t->cbs = *cbs;
	t->arg = arg;
	t->sb_max = TERM_SCROLLBACK;
	t->cursor_visible = true;
	buf_init(&t->scratch, 4096);
	term_input_init(&t->input);
	t->vt = vterm_new_with_allocator(t->rows, t->cols, &vt_alloc, NULL);
	if (!t->vt)
		fatal("unable to start a terminal emulator");
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	/* the state layer only: the cells are ours (term_screen.c) */
	t->state = vterm_obtain_state(t->vt);
	term_screen_init(t);
	vterm_state_reset(t->state, 1);
	/* libvterm 0.1.4 loops forever on REP (CSI b) before any character
	 * was printed (its repeat width is still 0; vim backported the guard
	 * from later libvterm): print a blank first, so every REP has one */
	vterm_input_write(t->vt, " \r", 2);
	t->dirty_top = 0;
	t->dirty_end = t->rows;
	t->pending = 0;
	return t;
}

void term_free(struct term *t)
{
	if (!t)
		return;
	vterm_free(t->vt);
	term_screen_release(t);
	while (t->sb_len)
		line_free_oldest(t);
	free(t->sb);
	buf_release(&t->scratch);
	term_input_release(&t->input);
	free(t);
}

void term_feed(struct term *t, const char *p, size_t n)
{
	const char *q;
	size_t m;

	t->stats.fed += n;
	t->in_feed++;
	/* libvterm 0.1.4 puts a text run's code points on the stack: a
	 * megabyte in one write overflows it, so it gets slices */
	while (n > 0) {
		size_t k = DL_MIN(n, (size_t)TERM_FEED_SLICE);

		term_input_prepare(&t->input, p, k, &q, &m);
		if (m > 0)
			vterm_input_write(t->vt, q, m);
		p += k;
		n -= k;
	}
	t->in_feed--;
	report(t);
}

void term_resize(struct term *t, int rows, int cols)
{
	bool shrink;

	rows = clamp(rows, 1, TERM_MAX_ROWS);
	cols = clamp(cols, TERM_MIN_COLS, TERM_MAX_COLS);
	if (rows == t->rows && cols == t->cols)
		return;
	t->in_feed++;
	shrink = rows < t->rows;
	vterm_set_size(t->vt, rows, cols);	/* the grids follow (term_screen.c) */
	if (shrink) {
		/* libvterm 0.1.4 keeps a scroll region past the new bottom and
		 * then memmoves a negative size: reset it (the program redraws
		 * on SIGWINCH anyway), the cursor staying where it is */
		char seq[48];
		VTermPos pos;
		int n;

		vterm_state_get_cursorpos(t->state, &pos);
		n = snprintf(seq, sizeof(seq), "\x1b[r\x1b[%d;%dH", pos.row + 1, pos.col + 1);
		vterm_input_write(t->vt, seq, (size_t)n);
	}
	t->in_feed--;
	t->dirty_top = 0;
	t->dirty_end = rows;
	t->offset = (int)DL_MIN((size_t)t->offset, t->sb_len);
	t->pending |= PENDING_DAMAGE;
	if (t->cbs.resize)
		t->cbs.resize(rows, cols, t->arg);
	report(t);
}

void term_size(const struct term *t, int *rows, int *cols)
{
	if (rows)
		*rows = t->rows;
	if (cols)
		*cols = t->cols;
}

/* --- input --- */

bool term_key(struct term *t, int key)
{
	VTermKey vk;
	VTermModifier mod;
	uint32_t cp;
	enum term_keys_kind kind;

	if (key == KEY_SPREVIOUS || key == KEY_SNEXT) {
		int page = DL_MAX(t->rows - 1, 1);

		term_scroll(t, key == KEY_SPREVIOUS ? page : -page);
		return true;
	}
	kind = term_keys_map(key, &vk, &cp, &mod);
	if (kind == TERM_KEYS_NONE)
		return false;
	term_scroll(t, -t->offset);
	if (kind == TERM_KEYS_KEY)
		vterm_keyboard_key(t->vt, vk, mod);
	else
		vterm_keyboard_unichar(t->vt, cp, mod);
	return true;
}

void term_paste(struct term *t, const char *p, size_t n)
{
	size_t i = 0;

	term_scroll(t, -t->offset);
	vterm_keyboard_start_paste(t->vt);
	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(p + i, n - i, &cp);

		i += len > 0 ? (size_t)len : 1;
		/* as xterm: line ends become CR, other controls are dropped so
		 * a paste cannot end the bracket or run a sequence */
		if (cp == '\n' && i >= 2 && p[i - 2] == '\r')
			continue;
		if (cp == '\n')
			cp = '\r';
		if ((cp < 0x20 && cp != '\r' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			continue;
		vterm_keyboard_unichar(t->vt, cp, VTERM_MOD_NONE);
	}
	vterm_keyboard_end_paste(t->vt);
}

bool term_mouse(struct term *t, int row, int col, int button, bool pressed, unsigned mods)
{
	if (t->mouse == TERM_MOUSE_NONE) {
		if (button != 4 && button != 5)
			return false;
		if (pressed)
			term_scroll(t, button == 4 ? 3 : -3);
		return true;
	}
	if (row < 0 || col < 0 || row >= t->rows || col >= t->cols)
		return false;
	vterm_mouse_move(t->vt, row, col, (VTermModifier)(mods & VTERM_ALL_MODS_MASK));
	if (button > 0)
		vterm_mouse_button(t->vt, button, pressed, (VTermModifier)(mods & VTERM_ALL_MODS_MASK));
	return true;
}

enum term_mouse_mode term_mouse_mode(const struct term *t)
{
	return t->mouse;
}

bool term_dirty(const struct term *t)
{
	return t->dirty_top < t->dirty_end;
}

bool term_cursor(const struct term *t, int *row, int *col)
{
	VTermPos pos;

	/* asked from libvterm: a resize may move it without a callback; the
	 * pending-wrap position (one past the last column) shows on it */
	vterm_state_get_cursorpos(t->state, &pos);
	if (row)
		*row = DL_MAX(DL_MIN(pos.row, t->rows - 1), 0);
	if (col)
		*col = DL_MAX(DL_MIN(pos.col, t->cols - 1), 0);
	return t->cursor_visible && t->offset == 0;
}

const char *term_title(const struct term *t)
{
	return t->title;
}

bool term_altscreen(const struct term *t)
{
	return t->altscreen;
}

const struct term_stats *term_stats(const struct term *t)
{
	return &t->stats;
}
