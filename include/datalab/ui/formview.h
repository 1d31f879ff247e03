/*
 * formview.h: the widget that shows and edits a launch form (catalog/form.h).
 *
 * One row per visible field: sections with a fold marker, leaves with
 * their title and value (booleans as [x], sliders as a bar with the value,
 * lists and enums as ‹ value ›, passwords masked).  The last rows of the
 * widget say what the selected field is: its validation error in the
 * schema's words, else its description.  The form is borrowed; the widget
 * changes it only through catalog/form.h.
 *
 * Keys: Up/Down (j/k), PgUp/PgDn, Home/End move; Tab/Shift-Tab jump to the
 * next/previous editable field; Enter edits a field in a one-line input
 * (Enter keeps, Esc drops; a value that does not parse stays in the input
 * with the reason) or folds a section; Space toggles a boolean or folds;
 * Left/Right step a slider or cycle a list.  A result with WIDGET_CHANGED
 * means a value changed.
 */
#ifndef DATALAB_UI_FORMVIEW_H
#define DATALAB_UI_FORMVIEW_H

#include <stdbool.h>

#include "datalab/catalog/form.h"
#include "datalab/ui/widget.h"

struct formview;

/* formview_new: f is borrowed (may be NULL: an empty widget). */
struct formview *formview_new(struct form *f);
void formview_free(struct formview *fv);
struct widget *formview_widget(struct formview *fv);

/* formview_set_form: shows another form (or none), selection on top. */
void formview_set_form(struct formview *fv, struct form *f);
struct form_field *formview_selected(const struct formview *fv);
/* formview_select: selects fld, unfolding and scrolling as needed. */
void formview_select(struct formview *fv, struct form_field *fld);
/* formview_editing: an input is open (keys all go to it). */
bool formview_editing(const struct formview *fv);
/* formview_cancel_edit: closes the input without storing. */
void formview_cancel_edit(struct formview *fv);
/* formview_set_reveal: show passwords in clear. */
void formview_set_reveal(struct formview *fv, bool reveal);
bool formview_reveal(const struct formview *fv);
/* formview_set_message: a line shown under the form until the next key
 * (an error from the caller, e.g. why a launch was refused). */
void formview_set_message(struct formview *fv, const char *msg, bool error);
/* formview_invalid_count: fields that do not validate now. */
size_t formview_invalid_count(const struct formview *fv);

#endif
