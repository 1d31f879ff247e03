/*
 * progress.c: fraction to bar (see progress.h).
 *
 * The bar is cols cells: full blocks for the whole part, one of seven
 * partial blocks for the remainder (UTF-8), spaces for the rest; the empty
 * part is drawn as a light shade so it reads on any background.
 */
#include <math.h>
#include <string.h>

#include "datalab/core/common.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/progress.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

static const char *const partial[8] = {
	"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c",
	"\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89",
};

int progress_render(struct buf *out, double frac, int cols, bool utf8, int *filled)
{
	long eighths;
	int full, rest, used;

	if (!(frac > 0))	/* also NaN */
		frac = 0;
	if (frac > 1)
		frac = 1;
	if (cols <= 0) {
		if (filled)
			*filled = 0;
		return 0;
	}
	eighths = lround(frac * cols * 8);
	full = (int)(eighths / 8);
	rest = (int)(eighths % 8);
	if (filled)
		*filled = full;
	for (int i = 0; i < full; i++)
		if (buf_adds(out, utf8 ? "\xe2\x96\x88" : "#") < 0)
			return -1;
	used = full;
	if (used < cols && rest > 0) {
		if (buf_adds(out, utf8 ? partial[rest] : (rest >= 4 ? "#" : ".")) < 0)
			return -1;
		used++;
	}
	for (; used < cols; used++)
		if (buf_adds(out, utf8 ? "\xe2\x96\x91" : ".") < 0)
			return -1;
	return 0;
}

void progress_draw(WINDOW *win, int y, int x, int cols, double frac, const char *label,
		   const struct progress_style *style)
{
	int lw = label ? (int)utf8_width(label, strlen(label)) : 0;
	int bar = label && lw > 0 ? cols - lw - 1 : cols;
	attr_t fill = theme_attr(THEME_PROGRESS_FILL), empty = theme_attr(THEME_PROGRESS_EMPTY);
	struct text_span span;
	struct buf b;
	int filled = 0;

	if (bar < 3) {		/* no room for a bar: the label alone */
		widget_draw_text(win, y, x, cols, label ? label : "", theme_attr(THEME_DEFAULT), 0);
		return;
	}
	if (style && style->crit > 0 && frac >= style->crit)
		fill = theme_attr(THEME_FAILED);
	else if (style && style->warn > 0 && frac >= style->warn)
		fill = theme_attr(THEME_PENDING);
	buf_init(&b, 8192);
	progress_render(&b, frac, bar, widget_utf8_locale(), &filled);
	/* the full cells and the partial one are fill, the shade is empty */
	span.start = 0;
	span.end = 0;
	for (int col = 0; span.end < b.len; col++) {
		uint32_t cp;
		int n = utf8_decode(b.data + span.end, b.len - span.end, &cp);

		if (cp == 0x2591 || (cp == '.' && col >= filled))
			break;
		span.end += (size_t)(n > 0 ? n : 1);
	}
	span.attr = fill;
	widget_draw_spans(win, y, x, bar, b.data, b.len, empty, WIDGET_TEXT_NOELLIPSIS, &span, 1);
	buf_release(&b);
	if (label && lw > 0)
		widget_draw_text(win, y, x + bar + 1, cols - bar - 1, label, theme_attr(THEME_DEFAULT), 0);
}
