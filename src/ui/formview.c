/*
 * formview.c: the launch form widget (formview.h).
 *
 * Data flow: the rows are recomputed from the form (form_visible_rows)
 * whenever the widget draws or moves, so a toggle that hides or shows
 * other fields is seen at once; the selection is a field pointer (fields
 * live as long as the form), with its last position kept for when it
 * disappears.  Only visible rows are drawn and validated, so a schema of
 * 10,000 properties scrolls as fast as one of ten.  Titles, descriptions
 * and values come from remote charts: they are sanitized where drawn.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/input.h"
#include "datalab/ui/theme.h"

#define STATUS_ROWS 2

struct formview {
	struct widget w;
	struct form *f;
	struct form_field *sel;
	size_t sel_pos;		/* where sel was last seen */
	size_t top;
	struct input *in;	/* open editor, or NULL */
	char edit_err[256];
	char *msg;
	bool msg_error;
	bool reveal;
};

static void fv_draw(struct widget *w, WINDOW *win);
static unsigned fv_key(struct widget *w, int key);
static void fv_widget_free(struct widget *w);

static const struct widget_ops formview_ops = {
	.name = "formview",
	.draw = fv_draw,
	.key = fv_key,
	.free = fv_widget_free,
};

struct formview *formview_new(struct form *f)
{
	struct formview *fv = xcalloc(1, sizeof(*fv));

	widget_init(&fv->w, &formview_ops);
	fv->f = f;
	return fv;
}

void formview_cancel_edit(struct formview *fv)
{
	input_free(fv->in);
	fv->in = NULL;
	fv->edit_err[0] = '\0';
}

void formview_free(struct formview *fv)
{
	if (!fv)
		return;
	formview_cancel_edit(fv);
	free(fv->msg);
	free(fv);
}

static void fv_widget_free(struct widget *w)
{
	formview_free((struct formview *)w);
}

struct widget *formview_widget(struct formview *fv)
{
	return &fv->w;
}

void formview_set_form(struct formview *fv, struct form *f)
{
	formview_cancel_edit(fv);
	fv->f = f;
	fv->sel = NULL;
	fv->sel_pos = 0;
	fv->top = 0;
	widget_mark_dirty(&fv->w);
}

struct form_field *formview_selected(const struct formview *fv)
{
	return fv->sel;
}

bool formview_editing(const struct formview *fv)
{
	return fv->in != NULL;
}

void formview_set_reveal(struct formview *fv, bool reveal)
{
	fv->reveal = reveal;
	if (fv->in && fv->sel && fv->sel->render == FORM_RENDER_PASSWORD)
		input_set_mask(fv->in, !reveal);
	widget_mark_dirty(&fv->w);
}

bool formview_reveal(const struct formview *fv)
{
	return fv->reveal;
}

void formview_set_message(struct formview *fv, const char *msg, bool error)
{
	free(fv->msg);
	fv->msg = msg ? utf8_sanitize_dup(msg, 0) : NULL;
	fv->msg_error = error;
	widget_mark_dirty(&fv->w);
}

static size_t count_invalid(const struct form *f, const struct form_field *fld)
{
	size_t n = 0;

	if (fld->type != FORM_OBJECT && form_validate_field(f, fld, NULL) < 0)
		n++;
	for (size_t i = 0; i < fld->nchildren; i++)
		n += count_invalid(f, fld->children[i]);
	return n;
}

size_t formview_invalid_count(const struct formview *fv)
{
	return fv->f ? count_invalid(fv->f, form_root(fv->f)) : 0;
}

/* ---- rows and selection ---- */

struct rows {
	struct form_field **v;
	size_t n;
};

static void rows_get(const struct formview *fv, struct rows *r)
{
	r->v = NULL;
	r->n = fv->f ? form_visible_rows(fv->f, &r->v) : 0;
}

/* The selected position in r; fixes fv->sel when it is gone. */
static size_t sel_index(struct formview *fv, const struct rows *r)
{
	if (r->n == 0) {
		fv->sel = NULL;
		return 0;
	}
	if (fv->sel_pos < r->n && r->v[fv->sel_pos] == fv->sel)
		return fv->sel_pos;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] == fv->sel) {
			fv->sel_pos = i;
			return i;
		}
	/* hidden or folded away: the row now at its old place */
	fv->sel_pos = DL_MIN(fv->sel_pos, r->n - 1);
	fv->sel = r->v[fv->sel_pos];
	return fv->sel_pos;
}

static int list_rows(const struct formview *fv)
{
	return DL_MAX(fv->w.rows - STATUS_ROWS, 1);
}

static void scroll_to(struct formview *fv, size_t pos)
{
	size_t h = (size_t)list_rows(fv);

	if (pos < fv->top)
		fv->top = pos;
	else if (pos >= fv->top + h)
		fv->top = pos - h + 1;
}

static void select_pos(struct formview *fv, const struct rows *r, long pos)
{
	if (r->n == 0)
		return;
	if (pos < 0)
		pos = 0;
	if ((size_t)pos >= r->n)
		pos = (long)r->n - 1;
	fv->sel_pos = (size_t)pos;
	fv->sel = r->v[pos];
	scroll_to(fv, (size_t)pos);
}

void formview_select(struct formview *fv, struct form_field *fld)
{
	struct rows r;

	for (struct form_field *p = fld ? fld->parent : NULL; p; p = p->parent)
		p->collapsed = false;
	rows_get(fv, &r);
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i] == fld) {
			select_pos(fv, &r, (long)i);
			break;
		}
	free(r.v);
	widget_mark_dirty(&fv->w);
}

static bool editable(const struct form_field *fld)
{
	return fld->type != FORM_OBJECT && !fld->readonly && !fld->cyclic;
}

/* ---- drawing ---- */

static void value_text(const struct formview *fv, const struct form_field *fld, struct buf *out)
{
	char *t;

	if (fld->type == FORM_OBJECT) {
		if (fld->collapsed)
			buf_addf(out, "%zu field%s", fld->nchildren, fld->nchildren == 1 ? "" : "s");
		return;
	}
	if (fld->cyclic) {
		buf_adds(out, "(recursive schema)");
		return;
	}
	if (!fld->value) {
		buf_adds(out, "(unset)");
		return;
	}
	if (fld->type == FORM_BOOLEAN) {
		buf_adds(out, cJSON_IsTrue(fld->value) ? "[x]" : "[ ]");
		return;
	}
	t = form_value_text(fld);
	if (fld->render == FORM_RENDER_PASSWORD && !fv->reveal) {
		size_t n = utf8_width(t, strlen(t));

		for (size_t i = 0; i < DL_MIN(n, (size_t)12); i++)
			buf_adds(out, widget_utf8_locale() ? "\u2022" : "*");
		if (n == 0)
			buf_adds(out, "(empty)");
	} else if (fld->noptions > 0) {
		buf_adds(out, widget_utf8_locale() ? "\u2039 " : "< ");
		utf8_sanitize(out, t, strlen(t), 0);
		buf_adds(out, widget_utf8_locale() ? " \u203a" : " >");
	} else {
		utf8_sanitize(out, t, strlen(t), 0);
	}
	free(t);
}

/* A slider's bar: where the value sits between sliderMin and sliderMax. */
static int draw_slider(WINDOW *win, int y, int x, int cols, const struct form_field *fld, attr_t attr)
{
	int bw = DL_MIN(24, cols - 14), pos;
	double n = fld->slider_min, span = fld->slider_max - fld->slider_min;
	bool utf8 = widget_utf8_locale();

	if (bw < 6)
		return 0;
	if (cJSON_IsNumber(fld->value))
		n = fld->value->valuedouble;
	else if (cJSON_IsString(fld->value))
		n = strtod(fld->value->valuestring, NULL);
	pos = span > 0 && isfinite(n) ? (int)lround((n - fld->slider_min) / span * (bw - 1)) : 0;
	pos = DL_MAX(0, DL_MIN(bw - 1, pos));
	for (int i = 0; i < bw; i++) {
		const char *c = i == pos ? (utf8 ? "\u25cf" : "o") : i < pos ? (utf8 ? "\u2501" : "=") :
			(utf8 ? "\u2500" : "-");

		widget_draw_text(win, y, x + i, 1, c, i <= pos ? attr : (attr | A_DIM), WIDGET_TEXT_NOPAD);
	}
	return bw + 1;
}

static void draw_row(struct formview *fv, WINDOW *win, int y, const struct form_field *fld, bool selected)
{
	int cols = fv->w.cols, x0 = fv->w.x;
	int lw = DL_MAX(16, DL_MIN(44, cols * 45 / 100));
	int indent = DL_MIN(fld->depth * 2, lw / 2);
	attr_t base = theme_attr(selected ? THEME_ROW_SELECTED : THEME_DEFAULT);
	attr_t vattr = base;
	bool invalid = fld->type != FORM_OBJECT && form_validate_field(fv->f, fld, NULL) < 0;
	char *title = utf8_sanitize_dup(fld->title, 0);
	struct buf val;
	int vx = x0 + lw + 1, vw = cols - lw - 1;

	widget_fill(win, y, x0, cols, base);
	if (fld->type == FORM_OBJECT) {
		const char *mark = widget_utf8_locale() ? (fld->collapsed ? "\u25b8 " : "\u25be ") :
			(fld->collapsed ? "+ " : "- ");
		char *t = xasprintf("%s%s", mark, title);

		widget_draw_text(win, y, x0 + indent, lw - indent, t, base | A_BOLD, 0);
		free(t);
	} else {
		attr_t la = base;

		if (!selected && (fld->readonly || fld->cyclic))
			la = theme_attr(THEME_DIM);
		if (invalid)
			widget_draw_text(win, y, x0, 1, widget_utf8_locale() ? "\u2717" : "!",
					 selected ? base : theme_attr(THEME_FAILED), WIDGET_TEXT_NOPAD);
		widget_draw_text(win, y, x0 + indent + 2, lw - indent - 2, title, la, 0);
	}
	free(title);
	if (vw <= 0)
		return;
	if (!selected) {
		if (invalid)
			vattr = theme_attr(THEME_FAILED);
		else if (fld->render == FORM_RENDER_PASSWORD && fld->value)
			vattr = theme_attr(THEME_SECRET);
		else if (!fld->value || fld->readonly || fld->cyclic || fld->type == FORM_OBJECT)
			vattr = theme_attr(THEME_DIM);
	}
	if (fld->render == FORM_RENDER_SLIDER && fld->value && fld->type != FORM_OBJECT) {
		int used = draw_slider(win, y, vx, vw, fld, vattr);

		vx += used;
		vw -= used;
	}
	buf_init(&val, 0);
	value_text(fv, fld, &val);
	if (fld->readonly && fld->type != FORM_OBJECT)
		buf_adds(&val, "  (read-only)");
	widget_draw_text(win, y, vx, vw, val.data, vattr, 0);
	buf_release(&val);
}

static void draw_status(struct formview *fv, WINDOW *win, int y)
{
	const struct form_field *fld = fv->sel;
	int x = fv->w.x, cols = fv->w.cols;
	struct error err;

	widget_fill(win, y, x, cols, theme_attr(THEME_DEFAULT));
	widget_fill(win, y + 1, x, cols, theme_attr(THEME_DEFAULT));
	if (fv->in) {
		char *title = utf8_sanitize_dup(fld->title, 0), *prompt = xasprintf("%s: ", title);
		int cy, cx;

		input_set_prompt(fv->in, prompt);
		widget_place(input_widget(fv->in), y, x, 1, cols);
		widget_draw(input_widget(fv->in), win, true);
		input_cursor_pos(fv->in, &cy, &cx);
		if (cx >= x && cx < x + cols)
			mvwchgat(win, cy, cx, 1, A_REVERSE, 0, NULL);
		free(prompt);
		free(title);
		if (fv->edit_err[0])
			widget_draw_text(win, y + 1, x, cols, fv->edit_err, theme_attr(THEME_FAILED), 0);
		else
			widget_draw_text(win, y + 1, x, cols, "Enter keeps, Esc drops" , theme_attr(THEME_DIM), 0);
		return;
	}
	if (fv->msg) {
		widget_draw_text(win, y, x, cols, fv->msg, theme_attr(fv->msg_error ? THEME_FAILED : THEME_OK), 0);
	} else if (fld && fld->type != FORM_OBJECT && form_validate_field(fv->f, fld, &err) < 0) {
		char *m = utf8_sanitize_dup(err.msg, 0);

		widget_draw_text(win, y, x, cols, m, theme_attr(THEME_FAILED), 0);
		free(m);
	} else if (fld) {
		char *p = utf8_sanitize_dup(fld->path, 0);

		widget_draw_text(win, y, x, cols, p, theme_attr(THEME_DIM), 0);
		free(p);
	}
	if (fld && fld->description) {
		char *d = utf8_sanitize_dup(fld->description, 0);

		widget_draw_text(win, y + 1, x, cols, d, theme_attr(THEME_DIM), 0);
		free(d);
	}
}

static void fv_draw(struct widget *w, WINDOW *win)
{
	struct formview *fv = (struct formview *)w;
	struct rows r;
	size_t sel;
	int h = list_rows(fv);

	for (int y = 0; y < w->rows; y++)
		widget_fill(win, w->y + y, w->x, w->cols, theme_attr(THEME_DEFAULT));
	rows_get(fv, &r);
	if (r.n == 0) {
		widget_draw_text(win, w->y, w->x, w->cols, fv->f ? "this chart has no settings" : "",
				 theme_attr(THEME_DIM), WIDGET_ALIGN_CENTER);
		free(r.v);
		return;
	}
	sel = sel_index(fv, &r);
	if (!fv->sel) {
		fv->sel = r.v[0];
		sel = 0;
	}
	if (fv->top > sel)
		fv->top = sel;
	if (sel >= fv->top + (size_t)h)
		fv->top = sel - (size_t)h + 1;
	if (fv->top + (size_t)h > r.n)
		fv->top = r.n > (size_t)h ? r.n - (size_t)h : 0;
	for (int i = 0; i < h && fv->top + (size_t)i < r.n; i++)
		draw_row(fv, win, w->y + i, r.v[fv->top + (size_t)i], fv->top + (size_t)i == sel);
	if (w->rows > STATUS_ROWS)
		draw_status(fv, win, w->y + w->rows - STATUS_ROWS);
	free(r.v);
}

/* ---- keys ---- */

static const char *complete_option(void *ctx, const char *text, size_t nth)
{
	struct formview *fv = ctx;
	size_t seen = 0, n = strlen(text);

	if (!fv->sel)
		return NULL;
	for (size_t i = 0; i < fv->sel->noptions; i++)
		if (strncmp(fv->sel->options[i], text, n) == 0 && seen++ == nth)
			return fv->sel->options[i];
	return NULL;
}

static unsigned start_edit(struct formview *fv)
{
	struct form_field *fld = fv->sel;
	char *t;

	if (fld->readonly) {
		formview_set_message(fv, "this field is read-only", true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (fld->cyclic)
		return WIDGET_HANDLED;
	fv->in = input_new(0);
	input_set_max(fv->in, FORM_MAX_INPUT);
	t = form_value_text(fld);
	input_set_text(fv->in, t);
	free(t);
	input_set_mask(fv->in, fld->render == FORM_RENDER_PASSWORD && !fv->reveal);
	if (fld->noptions)
		input_set_completion(fv->in, complete_option, fv);
	fv->edit_err[0] = '\0';
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static unsigned edit_key(struct formview *fv, int key)
{
	unsigned r = widget_key(input_widget(fv->in), key);
	struct error err;

	if (r & WIDGET_CANCEL) {
		formview_cancel_edit(fv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (r & WIDGET_ACTIVATE) {
		if (form_set(fv->f, fv->sel, input_text(fv->in), &err) < 0) {
			char *m = utf8_sanitize_dup(err.msg, 0);

			str_copy(fv->edit_err, m, sizeof(fv->edit_err));
			free(m);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
		formview_cancel_edit(fv);
		return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
	}
	fv->edit_err[0] = '\0';
	/* every other key belongs to the editor */
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

/* The next option of a list after the current value (dir +1 or -1). */
static unsigned cycle_option(struct formview *fv, int dir)
{
	struct form_field *fld = fv->sel;
	char *t = form_value_text(fld);
	long cur = -1, n = (long)fld->noptions;
	struct error err;

	for (long i = 0; i < n; i++)
		if (strcmp(fld->options[i], t) == 0)
			cur = i;
	free(t);
	cur = cur < 0 ? (dir > 0 ? 0 : n - 1) : (cur + dir + n) % n;
	if (form_set(fv->f, fld, fld->options[cur], &err) < 0) {
		formview_set_message(fv, err.msg, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned change(struct formview *fv, int rc, const struct error *err)
{
	if (rc < 0) {
		formview_set_message(fv, err->msg, true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return WIDGET_HANDLED | WIDGET_DIRTY | WIDGET_CHANGED;
}

static unsigned side_key(struct formview *fv, int dir)
{
	struct form_field *fld = fv->sel;
	struct error err;

	if (fld->type == FORM_OBJECT) {
		if (fld->collapsed == (dir < 0))
			return WIDGET_HANDLED;
		fld->collapsed = dir < 0;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (!editable(fld))
		return WIDGET_HANDLED;
	if (fld->render == FORM_RENDER_SLIDER)
		return change(fv, form_slider_step(fv->f, fld, dir, &err), &err);
	if (fld->noptions)
		return cycle_option(fv, dir);
	if (fld->type == FORM_BOOLEAN) {
		cJSON *v = cJSON_CreateBool(dir > 0);
		int rc = form_set_json(fv->f, fld, v, &err);

		cJSON_Delete(v);
		return change(fv, rc, &err);
	}
	return 0;
}

static unsigned jump(struct formview *fv, const struct rows *r, size_t from, int dir)
{
	long n = (long)r->n;

	for (long k = 1; k <= n; k++) {
		long i = ((long)from + dir * k) % n;

		if (i < 0)
			i += n;
		if (editable(r->v[i])) {
			select_pos(fv, r, i);
			return WIDGET_HANDLED | WIDGET_DIRTY;
		}
	}
	return WIDGET_HANDLED;
}

static unsigned fv_key(struct widget *w, int key)
{
	struct formview *fv = (struct formview *)w;
	struct rows r;
	size_t sel;
	long page = list_rows(fv);
	unsigned res = 0;
	struct error err;

	if (fv->in)
		return edit_key(fv, key);
	if (fv->msg) {
		free(fv->msg);
		fv->msg = NULL;
		res = WIDGET_DIRTY;
	}
	rows_get(fv, &r);
	if (r.n == 0) {
		free(r.v);
		return res;
	}
	sel = sel_index(fv, &r);
	if (!fv->sel)
		fv->sel = r.v[sel = 0];
	switch (key) {
	case KEY_UP:
	case 'k':
		select_pos(fv, &r, (long)sel - 1);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case KEY_DOWN:
	case 'j':
		select_pos(fv, &r, (long)sel + 1);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case KEY_PPAGE:
		select_pos(fv, &r, (long)sel - page);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case KEY_NPAGE:
		select_pos(fv, &r, (long)sel + page);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case KEY_HOME:
	case 'g':
		select_pos(fv, &r, 0);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case KEY_END:
	case 'G':
		select_pos(fv, &r, (long)r.n - 1);
		res |= WIDGET_HANDLED | WIDGET_DIRTY;
		break;
	case '\t':
		res |= jump(fv, &r, sel, 1);
		break;
	case KEY_BTAB:
		res |= jump(fv, &r, sel, -1);
		break;
	case KEY_LEFT:
		res |= side_key(fv, -1);
		break;
	case KEY_RIGHT:
		res |= side_key(fv, 1);
		break;
	case ' ':
		if (fv->sel->type == FORM_OBJECT) {
			fv->sel->collapsed = !fv->sel->collapsed;
			res |= WIDGET_HANDLED | WIDGET_DIRTY;
		} else if (fv->sel->type == FORM_BOOLEAN && editable(fv->sel)) {
			res |= change(fv, form_toggle(fv->f, fv->sel, &err), &err);
		} else if (fv->sel->noptions && editable(fv->sel)) {
			res |= cycle_option(fv, 1);
		} else {
			res |= WIDGET_HANDLED;
		}
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (fv->sel->type == FORM_OBJECT) {
			fv->sel->collapsed = !fv->sel->collapsed;
			res |= WIDGET_HANDLED | WIDGET_DIRTY;
		} else if (fv->sel->type == FORM_BOOLEAN && editable(fv->sel)) {
			res |= change(fv, form_toggle(fv->f, fv->sel, &err), &err);
		} else {
			res |= start_edit(fv);
		}
		break;
	default:
		break;
	}
	free(r.v);
	return res;
}
