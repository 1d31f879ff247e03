/*
 * sparkline.c: values to eighth-blocks (see sparkline.h).
 *
 * Each value maps to one of eight levels: level = ceil(v * 8 / max), at
 * least 1, so any sample is visible and the largest fills its cell.
 */
#include <math.h>

#include "datalab/core/common.h"
#include "datalab/ui/sparkline.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

static const char *const blocks[8] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char ascii[8] = { '_', '.', ':', '-', '=', '+', '*', '#' };

static int level_of(int64_t v, int64_t max)
{
	double l;

	if (max <= 0 || v <= 0)
		return 0;
	if (v >= max)
		return 7;
	/* doubles: v * 8 may overflow int64 for byte counts near 2^63 */
	l = ceil((double)v * 8.0 / (double)max);	/* 1..8 */
	return l < 1 ? 0 : (int)l - 1;
}

int sparkline_render(struct buf *out, const int64_t *v, size_t n, int cols, int64_t max, bool utf8)
{
	size_t first;

	if (cols <= 0 || n == 0)
		return 0;
	first = n > (size_t)cols ? n - (size_t)cols : 0;
	if (max <= 0) {
		for (size_t i = first; i < n; i++)
			max = DL_MAX(max, v[i]);
	}
	for (size_t i = first; i < n; i++) {
		int rc;

		if (v[i] < 0)
			rc = buf_addc(out, ' ');
		else if (utf8)
			rc = buf_adds(out, blocks[level_of(v[i], max)]);
		else
			rc = buf_addc(out, ascii[level_of(v[i], max)]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void sparkline_draw(WINDOW *win, int y, int x, int cols, const int64_t *v, size_t n, int64_t max)
{
	struct buf b;

	buf_init(&b, 4096);
	sparkline_render(&b, v, n, cols, max, widget_utf8_locale());
	widget_draw_text(win, y, x, cols, b.data, theme_attr(THEME_SPARKLINE), WIDGET_ALIGN_RIGHT);
	buf_release(&b);
}
