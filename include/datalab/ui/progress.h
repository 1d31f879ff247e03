/*
 * progress.h: a horizontal bar for a fraction done (pods ready, quota
 * used, bytes transferred), with an optional label after it.
 *
 * progress_render gives the bar as text (eighth blocks for the partial
 * cell in UTF-8, '#' and '.' otherwise); progress_draw paints the filled
 * part in THEME_PROGRESS_FILL and the rest in THEME_PROGRESS_EMPTY, or in
 * THEME_PENDING / THEME_FAILED past warn / crit (quota bars).
 */
#ifndef DATALAB_UI_PROGRESS_H
#define DATALAB_UI_PROGRESS_H

#include <stdbool.h>

#include <curses.h>

#include "datalab/core/buf.h"

/* progress_render: a bar of exactly cols columns for frac (clamped to
 * 0..1), appended to out; filled is set to the full cells drawn. */
int progress_render(struct buf *out, double frac, int cols, bool utf8, int *filled);

struct progress_style {
	double warn, crit;	/* fractions where the fill turns pending / failed; 0: never */
};

/* progress_draw: the bar in cols - (label width + 1) columns, then the
 * label ("3/4", "42%"); style may be NULL. */
void progress_draw(WINDOW *win, int y, int x, int cols, double frac, const char *label,
		   const struct progress_style *style);

#endif
