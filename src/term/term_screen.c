/*
 * term_screen.c: the cells of a terminal's screens, kept from libvterm's
 * state layer (see term.h, term-internal.h).
 *
 * libvterm 0.1.4's own screen layer moves every cell of the screen on
 * each scrolled line and copies each line leaving the top cell by cell
 * through vterm_screen_get_cell: a flood of short lines ran at 0.1 MB/s.
 * Here libvterm keeps parsing and the terminal's state (cursor, modes,
 * margins, pen, charsets), and its state callbacks write our cells
 * directly: a screen is an array of row pointers, so a full-width scroll
 * moves pointers, and a line leaving the top goes to the scrollback ring
 * (term.c) as the cells it already is.  Colours are packed once per SGR,
 * not per cell.
 *
 * Every position and rectangle libvterm gives is clipped to the grid, and
 * wide characters are kept whole (a half overwritten or moved alone turns
 * into a blank), so no input can make a write leave a row.  The semantics
 * follow libvterm's screen.c: the alternate screen has no scrollback,
 * lines scrolled off the top of a region starting at row 0 of the main
 * screen go to the scrollback, a shrinking resize pushes the lines above
 * the cursor and a growing one pulls them back.  Erased cells take the
 * pen's colours only (as later libvterm and xterm's BCE).
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/theme.h"
#include "term-internal.h"

/* --- cells --- */

static void blank_cell(struct term_cell *c, int32_t fg, int32_t bg)
{
	c->ch[0] = c->ch[1] = 0;
	c->fg = fg;
	c->bg = bg;
	c->attrs = 0;
	c->width = 1;
}

static void erase_cells(struct term *t, struct term_cell *row, int start, int end)
{
	for (int c = start; c < end; c++)
		blank_cell(&row[c], t->pen.fg, t->pen.bg);
}

/* unwide: cells [start, end) of row are about to be overwritten: a wide
 * character cut by either edge loses its other half too */
static inline void unwide(const struct term *t, struct term_cell *row, int start, int end)
{
	if (start > 0 && start < t->cols && row[start].width == 0 && row[start - 1].width == 2)
		blank_cell(&row[start - 1], row[start - 1].fg, row[start - 1].bg);
	if (end > 0 && end < t->cols && row[end].width == 0)
		blank_cell(&row[end], row[end].fg, row[end].bg);
}

void term_screen_repair(struct term_cell *row, int cols)
{
	for (int c = 0; c < cols; c++) {
		struct term_cell *x = &row[c];

		if (x->width == 2 && (c + 1 >= cols || row[c + 1].width != 0))
			blank_cell(x, x->fg, x->bg);
		else if (x->width == 0 && (c == 0 || row[c - 1].width != 2))
			blank_cell(x, x->fg, x->bg);
		else if (x->width > 2)
			blank_cell(x, x->fg, x->bg);
	}
}

static bool row_blank(const struct term_cell *row, int cols)
{
	for (int c = 0; c < cols; c++)
		if (row[c].ch[0] != 0)
			return false;
	return true;
}

static int32_t color_pack(const VTermColor *c, bool is_fg)
{
	if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return THEME_COLOR_DEFAULT;
	if (VTERM_COLOR_IS_INDEXED(c))
		return c->indexed.idx;
	return THEME_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue);
}

/* --- the grids --- */

static void grid_alloc(struct term_grid *g, int rows, int cols)
{
	g->cells = xcalloc((size_t)rows * (size_t)cols, sizeof(*g->cells));
	g->row = xcalloc((size_t)rows, sizeof(*g->row));
	for (int r = 0; r < rows; r++) {
		g->row[r] = g->cells + (size_t)r * (size_t)cols;
		for (int c = 0; c < cols; c++)
			blank_cell(&g->row[r][c], THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT);
	}
}

static void grid_release(struct term_grid *g)
{
	free(g->cells);
	free(g->row);
	g->cells = NULL;
	g->row = NULL;
}

/* grid_resize: the same rows top-aligned, cut or padded with blanks */
static void grid_resize(struct term_grid *g, int old_rows, int old_cols, int rows, int cols)
{
	struct term_grid n;

	grid_alloc(&n, rows, cols);
	for (int r = 0; r < rows && r < old_rows; r++) {
		memcpy(n.row[r], g->row[r], (size_t)DL_MIN(cols, old_cols) * sizeof(struct term_cell));
		term_screen_repair(n.row[r], cols);
	}
	grid_release(g);
	*g = n;
}

static bool on_main(const struct term *t)
{
	return t->grid == &t->grids[0];
}

static void damage(struct term *t, int top, int end)
{
	if (t->offset > 0)
		top = 0, end = t->rows;
	term_mark_rows(t, top, end);
}

/* clip: r within the grid; false when nothing is left */
static bool clip(const struct term *t, VTermRect *r)
{
	r->start_row = DL_MAX(r->start_row, 0);
	r->start_col = DL_MAX(r->start_col, 0);
	r->end_row = DL_MIN(r->end_row, t->rows);
	r->end_col = DL_MIN(r->end_col, t->cols);
	return r->start_row < r->end_row && r->start_col < r->end_col;
}

/* --- scrolling --- */

/* scroll_rows: full-width rows [top, end) move up by n (down when n < 0);
 * the rows that leave are reused, blank, for the ones that come in */
static void scroll_rows(struct term *t, int top, int end, int n)
{
	struct term_cell **row = t->grid->row, *spare[TERM_MAX_ROWS];
	int h = end - top, k = abs(n);

	if (k == 0 || k > h)
		return;
	if (n > 0) {
		if (top == 0 && on_main(t))
			for (int i = 0; i < k; i++)
				term_sb_push(t, row[i], t->cols);
		memcpy(spare, row + top, (size_t)k * sizeof(*row));
		memmove(row + top, row + top + k, (size_t)(h - k) * sizeof(*row));
		memcpy(row + end - k, spare, (size_t)k * sizeof(*row));
		for (int i = end - k; i < end; i++)
			erase_cells(t, row[i], 0, t->cols);
	} else {
		memcpy(spare, row + end - k, (size_t)k * sizeof(*row));
		memmove(row + top + k, row + top, (size_t)(h - k) * sizeof(*row));
		memcpy(row + top, spare, (size_t)k * sizeof(*row));
		for (int i = top; i < top + k; i++)
			erase_cells(t, row[i], 0, t->cols);
	}
}

/* move_cells: a rectangle narrower than the screen (left/right margins,
 * inserted or deleted characters) moves as libvterm's vterm_scroll_rect
 * moves it; the area it leaves is erased */
static void move_cells(struct term *t, VTermRect r, int down, int right)
{
	struct term_cell **row = t->grid->row;
	int w = r.end_col - r.start_col - abs(right);
	int dst_col = right >= 0 ? r.start_col : r.start_col - right;
	int src_col = right >= 0 ? r.start_col + right : r.start_col;
	int first = down >= 0 ? r.start_row : r.end_row - 1;
	int last = down >= 0 ? r.end_row - abs(down) : r.start_row + abs(down) - 1;
	int step = down >= 0 ? 1 : -1;

	for (int d = first; d != last; d += step)
		memmove(&row[d][dst_col], &row[d + down][src_col], (size_t)w * sizeof(struct term_cell));
	if (down > 0)
		r.start_row = r.end_row - down;
	else if (down < 0)
		r.end_row = r.start_row - down;
	if (right > 0)
		r.start_col = r.end_col - right;
	else if (right < 0)
		r.end_col = r.start_col - right;
	for (int y = r.start_row; y < r.end_row; y++)
		erase_cells(t, row[y], r.start_col, r.end_col);
}

/* --- libvterm's state callbacks --- */

static int on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *arg)
{
	struct term *t = arg;
	struct term_cell *row, *c;
	int w = info->width == 2 && pos.col + 2 <= t->cols ? 2 : 1;

	if (pos.row < 0 || pos.row >= t->rows || pos.col < 0 || pos.col >= t->cols)
		return 1;
	row = t->grid->row[pos.row];
	unwide(t, row, pos.col, pos.col + w);
	c = &row[pos.col];
	c->ch[0] = info->chars[0];
	c->ch[1] = info->chars[0] ? info->chars[1] : 0;
	c->fg = t->pen.fg;
	c->bg = t->pen.bg;
	c->attrs = (uint8_t)(t->pen.attrs | (info->protected_cell ? TERM_ATTR_PROTECTED : 0));
	c->width = (uint8_t)w;
	if (w == 2) {
		row[pos.col + 1] = *c;
		row[pos.col + 1].ch[0] = row[pos.col + 1].ch[1] = 0;
		row[pos.col + 1].width = 0;
	}
	/* the hot path: most glyphs land on a row already dirty (a view in
	 * the scrollback is drawn whole anyway) */
	if (pos.row < t->dirty_top || pos.row >= t->dirty_end)
		damage(t, pos.row, pos.row + 1);
	t->pending |= PENDING_DAMAGE;
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *arg)
{
	struct term *t = arg;

	(void)pos;
	(void)oldpos;
	(void)visible;	/* settermprop reports visibility; term_cursor asks */
	t->pending |= PENDING_DAMAGE;
	return 1;
}

static int on_scrollrect(VTermRect r, int down, int right, void *arg)
{
	struct term *t = arg;

	if (!clip(t, &r))
		return 1;
	if (abs(down) >= r.end_row - r.start_row || abs(right) >= r.end_col - r.start_col) {
		for (int y = r.start_row; y < r.end_row; y++) {
			unwide(t, t->grid->row[y], r.start_col, r.end_col);
			erase_cells(t, t->grid->row[y], r.start_col, r.end_col);
		}
	} else if (right == 0 && r.start_col == 0 && r.end_col == t->cols) {
		scroll_rows(t, r.start_row, r.end_row, down);
	} else {
		move_cells(t, r, down, right);
		for (int y = r.start_row; y < r.end_row; y++)
			term_screen_repair(t->grid->row[y], t->cols);
	}
	damage(t, r.start_row, r.end_row);
	return 1;
}

static int on_erase(VTermRect r, int selective, void *arg)
{
	struct term *t = arg;

	if (!clip(t, &r))
		return 1;
	for (int y = r.start_row; y < r.end_row; y++) {
		struct term_cell *row = t->grid->row[y];

		unwide(t, row, r.start_col, r.end_col);
		for (int x = r.start_col; x < r.end_col; x++)
			if (!selective || !(row[x].attrs & TERM_ATTR_PROTECTED))
				blank_cell(&row[x], t->pen.fg, t->pen.bg);
	}
	damage(t, r.start_row, r.end_row);
	return 1;
}

static int on_initpen(void *arg)
{
	struct term *t = arg;

	blank_cell(&t->pen, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT);
	return 1;
}

static void pen_flag(struct term *t, unsigned flag, bool on)
{
	t->pen.attrs = (uint8_t)(on ? t->pen.attrs | flag : t->pen.attrs & ~flag);
}

static int on_setpenattr(VTermAttr attr, VTermValue *val, void *arg)
{
	struct term *t = arg;

	switch (attr) {
	case VTERM_ATTR_BOLD:
		pen_flag(t, TERM_ATTR_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE:
		pen_flag(t, TERM_ATTR_UNDERLINE, val->number != 0);
		break;
	case VTERM_ATTR_ITALIC:
		pen_flag(t, TERM_ATTR_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		pen_flag(t, TERM_ATTR_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		pen_flag(t, TERM_ATTR_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_FOREGROUND:
		t->pen.fg = color_pack(&val->color, true);
		break;
	case VTERM_ATTR_BACKGROUND:
		t->pen.bg = color_pack(&val->color, false);
		break;
	default:
		break;	/* strike-through and fonts: curses has none */
	}
	return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *arg)
{
	struct term *t = arg;

	if (prop == VTERM_PROP_ALTSCREEN)
		t->grid = &t->grids[val->boolean ? 1 : 0];	/* libvterm erases it on the way in */
	term_prop(t, prop, val);
	return 1;
}

static int on_bell(void *arg)
{
	struct term *t = arg;

	t->stats.bells++;
	t->pending |= PENDING_BELL;
	return 1;
}

static int on_resize(int rows, int cols, VTermPos *delta, void *arg)
{
	struct term *t = arg;
	bool primary = on_main(t);
	int old_rows = t->rows, old_cols = t->cols;

	if (primary && rows < old_rows) {
		/* as libvterm: the lines below the cursor that are blank go;
		 * if that is not enough, the top ones go to the scrollback */
		VTermPos cur;
		int r;

		vterm_state_get_cursorpos(t->state, &cur);
		for (r = old_rows - 1; r >= rows; r--)
			if (!row_blank(t->grid->row[r], old_cols) || cur.row == r)
				break;
		if (r + 1 > rows) {
			scroll_rows(t, 0, old_rows, r + 1 - rows);
			delta->row -= r + 1 - rows;
		}
	}
	grid_resize(&t->grids[0], old_rows, old_cols, rows, cols);
	grid_resize(&t->grids[1], old_rows, old_cols, rows, cols);
	t->rows = rows;
	t->cols = cols;
	if (primary) {
		/* growing: lines come back from the scrollback at the top */
		for (int added = rows - old_rows; added > 0; added--) {
			struct term_cell **row = t->grid->row, *last = row[rows - 1];

			if (!term_sb_pop(t, last, cols))
				break;
			memmove(row + 1, row, (size_t)(rows - 1) * sizeof(*row));
			row[0] = last;
			delta->row++;
		}
	}
	term_mark_rows(t, 0, rows);
	return 1;
}

static int on_setlineinfo(int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo, void *arg)
{
	(void)newinfo;
	(void)oldinfo;
	damage(arg, row, row + 1);	/* double width and height: drawn single */
	return 1;
}

static const VTermStateCallbacks state_cbs = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.erase = on_erase,
	.initpen = on_initpen,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
	.setlineinfo = on_setlineinfo,
};

/* --- the rest of the emulator's view of it --- */

void term_screen_init(struct term *t)
{
	blank_cell(&t->pen, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT);
	grid_alloc(&t->grids[0], t->rows, t->cols);
	grid_alloc(&t->grids[1], t->rows, t->cols);
	t->grid = &t->grids[0];
	vterm_state_set_callbacks(t->state, &state_cbs, t);
}

void term_screen_release(struct term *t)
{
	grid_release(&t->grids[0]);
	grid_release(&t->grids[1]);
}

const struct term_cell *term_screen_row(const struct term *t, int row)
{
	return t->grid->row[row];
}

size_t term_row_text(const struct term *t, int row, char *out, size_t size)
{
	const struct term_cell *cells;
	size_t n = 0, pad = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	if (row < 0 || row >= t->rows)
		return 0;
	cells = t->grid->row[row];
	for (int x = 0; x < t->cols; x++) {
		const struct term_cell *c = &cells[x];

		if (c->width == 0)
			continue;
		if (c->ch[0] == 0) {
			pad++;	/* blanks count only when text follows */
			continue;
		}
		for (; pad > 0 && n + 1 < size; pad--)
			out[n++] = ' ';
		for (int i = 0; i < 2 && c->ch[i]; i++) {
			char enc[4];
			int len;

			if (c->ch[i] > 0x10FFFF)
				break;
			len = utf8_encode(c->ch[i], enc);
			if (n + (size_t)len >= size)
				goto done;
			memcpy(out + n, enc, (size_t)len);
			n += (size_t)len;
		}
	}
done:
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}
