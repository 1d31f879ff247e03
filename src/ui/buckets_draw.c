/*
 * buckets_draw.c: the panes of the bucket browser (see buckets-view.h).
 *
 * Layout of the body, top to bottom: the location line (s3://bucket/
 * prefix, item count, loading), an error line when the listing failed,
 * the table (with the preview or shared-link pane on its right when one
 * is open), the transfers pane (progress bar, bytes, rate, ETA), the
 * prompt when one is open, and the aws command of the last action.
 * Every remote string (names, preview bytes, errors, the URL) is
 * sanitized here before it is drawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/progress.h"
#include "buckets-view.h"

static char *clean(const char *p, size_t n, unsigned flags)
{
	struct buf b = BUF_INIT;

	utf8_sanitize(&b, p, n, flags);
	return buf_take(&b, NULL);
}

static void draw_location(struct bview *bv, WINDOW *win, int y, int cols)
{
	const char *bucket = buckets_bucket(bv->m);
	struct buf left = BUF_INIT;
	char right[96];
	size_t n = buckets_count(bv->m);
	char *l;
	int rw;

	if (bucket)
		buf_addf(&left, " s3://%s/%s", bucket, buckets_prefix(bv->m));
	else
		buf_addf(&left, " buckets at %s", buckets_config(bv->m)->endpoint);
	if (buckets_loading(bv->m))
		snprintf(right, sizeof(right), "%zu listed, loading… ", n);
	else
		snprintf(right, sizeof(right), "%zu %s%s ", n, bucket ? "items" : "buckets",
			 buckets_more(bv->m) ? ", more as you scroll" : "");
	l = clean(left.data, left.len, 0);
	rw = (int)utf8_width(right, strlen(right));
	widget_draw_text(win, y, 0, DL_MAX(cols - rw, 1), l, theme_attr(THEME_TABLE_HEADER), 0);
	if (cols > rw)
		widget_draw_text(win, y, cols - rw, rw, right, theme_attr(THEME_DIM), WIDGET_ALIGN_RIGHT);
	free(l);
	buf_release(&left);
}

/* Draws text wrapped into the box; returns the rows used. */
static int draw_wrapped(WINDOW *win, int y, int x, int rows, int cols, const char *s, attr_t attr)
{
	int used = 0;
	size_t n = strlen(s);

	while (used < rows) {
		size_t line = strcspn(s, "\n"), row;

		if (line == 0) {
			used++;
		} else {
			while (line > 0 && used < rows) {
				char *part;

				row = widget_wrap(s, line, cols, false);
				part = xstrndup(s, row);
				widget_draw_text(win, y + used++, x, cols, part, attr, 0);
				free(part);
				s += row;
				n -= row;
				line -= row;
			}
		}
		if (!*s)
			break;
		if (*s == '\n') {
			s++;
			n--;
		}
	}
	return used;
}

static void draw_preview(struct bview *bv, WINDOW *win, int y, int x, int rows, int cols)
{
	const char *data, *err;
	size_t len;
	bool loading;
	const char *key = buckets_preview_state(bv->m, &data, &len, &loading, &err);
	const struct buckets_entry *e = buckets_find(bv->m, key);
	char *title, *name = clean(key, strlen(key), 0), size[32] = "?";

	if (e && e->size >= 0)
		str_format_bytes(size, sizeof(size), (uint64_t)e->size);
	title = xasprintf("%s (%s)", name, size);
	widget_draw_text(win, y, x, cols, title, theme_attr(THEME_TABLE_HEADER), 0);
	free(title);
	free(name);
	y++;
	rows--;
	if (rows <= 0)
		return;
	if (loading) {
		widget_draw_text(win, y, x, cols, "loading…", theme_attr(THEME_DIM), 0);
	} else if (err) {
		char *c = clean(err, strlen(err), 0);

		draw_wrapped(win, y, x, rows, cols, c, theme_attr(THEME_FAILED));
		free(c);
	} else if (len == 0) {
		widget_draw_text(win, y, x, cols, "(empty)", theme_attr(THEME_DIM), 0);
	} else if (memchr(data, '\0', len)) {
		widget_draw_text(win, y, x, cols, "binary data: no preview (d downloads it)", theme_attr(THEME_DIM), 0);
	} else {
		char *c = clean(data, len, UTF8_KEEP_NEWLINE);
		int used = draw_wrapped(win, y, x, rows - 1, cols, c, theme_attr(THEME_DEFAULT));

		if (e && e->size > (int64_t)len && used < rows)
			widget_draw_text(win, y + used, x, cols, "… (the first KiB)", theme_attr(THEME_DIM), 0);
		free(c);
	}
}

static void draw_share(struct bview *bv, WINDOW *win, int y, int x, int rows, int cols)
{
	char *name = clean(bv->share_key, strlen(bv->share_key), 0), *title, age[32];
	char *url = clean(bv->share_url, strlen(bv->share_url), 0);
	int used;

	time_age(age, sizeof(age), bv->share_secs);
	title = xasprintf("link to %s, valid %s", name, age);
	widget_draw_text(win, y, x, cols, title, theme_attr(THEME_TABLE_HEADER), 0);
	used = 1 + draw_wrapped(win, y + 1, x, rows - 3, cols, url, theme_attr(THEME_DEFAULT));
	if (used + 1 < rows)
		widget_draw_text(win, y + used + 1, x, cols, "anyone with it can download the object; c copies it",
				 theme_attr(THEME_DIM), 0);
	free(title);
	free(name);
	free(url);
}

static void draw_transfer(struct bview *bv, WINDOW *win, int y, int cols, const struct buckets_transfer *t,
			  bool selected)
{
	const char *base = t->dir == BUCKETS_UP ? t->local : t->key, *slash = strrchr(base, '/');
	char *name = clean(slash && slash[1] ? slash + 1 : base, strlen(slash && slash[1] ? slash + 1 : base), 0);
	bool utf8 = widget_utf8_locale();
	int nw = DL_MIN(DL_MAX(cols / 4, 12), 40), x = 0;
	attr_t base_attr = selected ? theme_attr(THEME_ROW_SELECTED) : theme_attr(THEME_DEFAULT);
	char line[256], a[32], b[32], r[32], eta[32];
	char *msg;

	(void)bv;
	widget_fill(win, y, 0, cols, base_attr);
	widget_draw_text(win, y, x, 2, t->dir == BUCKETS_DOWN ? (utf8 ? "↓" : "v") : (utf8 ? "↑" : "^"), base_attr, 0);
	x += 2;
	widget_draw_text(win, y, x, nw, name, base_attr, 0);
	x += nw + 1;
	free(name);
	if (x >= cols)
		return;
	switch (t->state) {
	case BUCKETS_RUNNING: {
		int bw = DL_MIN(25, DL_MAX(cols - x - 40, 9));
		double frac = t->total ? (double)t->done / (double)t->total : 0;
		char pct[8];

		snprintf(pct, sizeof(pct), "%d%%", (int)(frac * 100));
		progress_draw(win, y, x, bw, frac, pct, NULL);
		x += bw + 1;
		str_format_bytes(a, sizeof(a), t->done);
		str_format_bytes(b, sizeof(b), t->total);
		str_format_bytes(r, sizeof(r), (uint64_t)t->rate);
		if (t->rate > 1 && t->total > t->done)
			time_age(eta, sizeof(eta), (int64_t)((double)(t->total - t->done) / t->rate) + 1);
		else
			str_copy(eta, "?", sizeof(eta));
		snprintf(line, sizeof(line), "%s / %s  %s/s  ETA %s", a, b, r, eta);
		widget_draw_text(win, y, x, cols - x, line, base_attr, 0);
		return;
	}
	case BUCKETS_DONE:
		str_format_bytes(a, sizeof(a), t->total);
		str_format_bytes(r, sizeof(r), (uint64_t)t->rate);
		msg = t->dir == BUCKETS_DOWN ? xasprintf("%s saved as %s (%s, %s/s)", utf8 ? "✓" : "ok", t->local, a, r)
					     : xasprintf("%s uploaded to s3://%s/%s (%s, %s/s)", utf8 ? "✓" : "ok", t->bucket,
							 t->key, a, r);
		break;
	case BUCKETS_FAILED:
		msg = xasprintf("%s %s", utf8 ? "✗" : "failed:", t->error ? t->error : "failed");
		break;
	default:
		msg = xstrdup("cancelled");
	}
	{
		char *c = clean(msg, strlen(msg), 0);

		widget_draw_text(win, y, x, cols - x, c,
				 t->state == BUCKETS_FAILED ? theme_attr(THEME_FAILED) :
				 t->state == BUCKETS_DONE ? theme_attr(THEME_OK) : theme_attr(THEME_DIM), 0);
		free(c);
	}
	free(msg);
}

static int draw_transfers(struct bview *bv, WINDOW *win, int bottom, int cols)
{
	size_t n = buckets_transfer_count(bv->m), first = 0;
	int shown, y;
	char head[96];

	if (n == 0)
		return 0;
	shown = (int)DL_MIN(n, (size_t)BVIEW_TRANSFER_ROWS);
	if (bv->xsel >= n)
		bv->xsel = n - 1;
	if (bv->xsel >= (size_t)shown)
		first = bv->xsel - (size_t)shown + 1;
	y = bottom - shown - 1;
	snprintf(head, sizeof(head), "Transfers (%d running, %zu listed)%s", buckets_running(bv->m), n,
		 bv->focus_transfers ? "  x cancel  c clear finished" : "  t to manage");
	widget_draw_text(win, y, 0, cols, head, theme_attr(THEME_TABLE_HEADER), 0);
	for (int i = 0; i < shown; i++)
		draw_transfer(bv, win, y + 1 + i, cols, buckets_transfer(bv->m, first + (size_t)i),
			      bv->focus_transfers && first + (size_t)i == bv->xsel);
	return shown + 1;
}

static void draw_unconfigured(struct bview *bv, WINDOW *win, int rows, int cols)
{
	static const char *const help[] = {
		"",
		"Set the endpoint and keys as for the AWS CLI:",
		"  export AWS_ENDPOINT_URL=https://minio.example.org AWS_DEFAULT_REGION=us-east-1",
		"  export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_SESSION_TOKEN=...",
		"or put them in the \"s3\" section of the account file (account.json).",
	};
	char *c = clean(bv->config_error, strlen(bv->config_error), 0);
	int y = rows / 3;

	widget_draw_text(win, y++, 2, cols - 4, "S3 is not configured:", theme_attr(THEME_TABLE_HEADER), 0);
	widget_draw_text(win, y++, 2, cols - 4, c, theme_attr(THEME_FAILED), 0);
	for (size_t i = 0; i < DL_ARRAY_LEN(help) && y < rows; i++)
		widget_draw_text(win, y++, 2, cols - 4, help[i], theme_attr(THEME_DIM), 0);
	free(c);
}

void bview_draw(struct bview *bv, WINDOW *win, int rows, int cols)
{
	int top = 1, bottom = rows - 1, side = 0, tx_rows;
	const char *cmd;

	if (bv->config_error) {
		draw_unconfigured(bv, win, rows, cols);
		return;
	}
	if (!bv->m || rows < 4)
		return;
	draw_location(bv, win, 0, cols);
	if (buckets_error(bv->m)) {
		char *c = clean(buckets_error(bv->m), strlen(buckets_error(bv->m)), 0);

		widget_draw_text(win, top++, 1, cols - 1, c, theme_attr(THEME_FAILED), 0);
		free(c);
	}
	/* the last action's command, as Onyxia shows it */
	cmd = buckets_command(bv->m);
	if (*cmd) {
		char *line = xasprintf("$ %s", cmd), *c = clean(line, strlen(line), 0);

		widget_draw_text(win, bottom, 0, cols, c, theme_attr(THEME_DIM), 0);
		free(c);
		free(line);
	}
	if (bv->prompt != PROMPT_NONE) {
		int cy, cx;

		bottom--;
		widget_place(input_widget(bv->input), bottom, 0, 1, cols);
		widget_draw(input_widget(bv->input), win, true);
		input_cursor_pos(bv->input, &cy, &cx);
		app_set_cursor(bv->v.app, getbegy(win) + cy, getbegx(win) + DL_MIN(cx, cols - 1));
	} else {
		app_set_cursor(bv->v.app, -1, 0);
	}
	tx_rows = draw_transfers(bv, win, bottom, cols);
	bottom -= tx_rows;
	if (bottom - top < 2)
		return;
	if ((bv->share_url || buckets_preview_state(bv->m, NULL, NULL, NULL, NULL)) && cols >= 60) {
		side = cols * 2 / 5;
		for (int y = top; y < bottom; y++)
			widget_draw_text(win, y, cols - side - 1, 1, widget_utf8_locale() ? "│" : "|",
					 theme_attr(THEME_BORDER), 0);
		if (bv->share_url)
			draw_share(bv, win, top, cols - side, bottom - top, side);
		else
			draw_preview(bv, win, top, cols - side, bottom - top, side);
		side++;
	}
	bv->table_rows = bottom - top;
	widget_place(table_widget(bv->table), top, 0, bottom - top, cols - side);
	widget_draw(table_widget(bv->table), win, true);
}
