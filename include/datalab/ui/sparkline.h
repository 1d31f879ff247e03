/*
 * sparkline.h: a row of block characters showing a short history
 * (CPU and memory of a service over its last 32 metric samples).
 *
 * One implementation, two outputs: sparkline_render writes the text (a
 * table cell holds it, like any other text), sparkline_draw paints it at
 * a place in a window in THEME_SPARKLINE.  Values are scaled so the
 * largest shown (or the given max) is a full block; a negative value is a
 * gap (no sample).  Without a UTF-8 locale the blocks become " .:-=+*#".
 */
#ifndef DATALAB_UI_SPARKLINE_H
#define DATALAB_UI_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "datalab/core/buf.h"

/* sparkline_render: the last cols values of v[0..n) as cols characters or
 * fewer (n < cols), appended to out; max 0 scales to the largest value
 * shown.  A zero value is the lowest block, so "idle" still shows. */
int sparkline_render(struct buf *out, const int64_t *v, size_t n, int cols, int64_t max, bool utf8);
/* sparkline_draw: the same at (y, x) of win, right-aligned in cols. */
void sparkline_draw(WINDOW *win, int y, int x, int cols, const int64_t *v, size_t n, int64_t max);

#endif
