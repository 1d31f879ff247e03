/*
 * tabs.h: a one-row tab bar (Overview │ Pods │ Events │ Logs │ YAML).
 *
 * The bar owns copies of its titles and which one is current; the view
 * that holds it shows the current tab's content below.  Keys: Tab and
 * Right go to the next tab, Shift-Tab and Left to the previous (wrapping);
 * a click on a title selects it.  Both return WIDGET_CHANGED when the
 * current tab changed.  Titles are sanitized when set, so a count taken
 * from remote data ("Events (3)") is safe.
 */
#ifndef DATALAB_UI_TABS_H
#define DATALAB_UI_TABS_H

#include <stddef.h>

#include "datalab/ui/widget.h"

struct tabs;

/* tabs_new: n tabs titled titles[0..n); the first is current. */
struct tabs *tabs_new(const char *const *titles, size_t n);
void tabs_free(struct tabs *t);
struct widget *tabs_widget(struct tabs *t);

size_t tabs_count(const struct tabs *t);
size_t tabs_current(const struct tabs *t);
/* tabs_select: makes tab i current (ignored when out of range). */
void tabs_select(struct tabs *t, size_t i);
void tabs_set_title(struct tabs *t, size_t i, const char *title);
const char *tabs_title(const struct tabs *t, size_t i);

#endif
