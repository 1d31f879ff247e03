/*
 * dialog.h: a modal box: a title, a message, an optional one-line input,
 * and a row of buttons (delete confirmations, rename, "save logs to").
 *
 * The dialog owns copies of its texts (sanitized: messages often name
 * remote objects).  It centres itself in the rectangle given to
 * dialog_layout and draws a frame, the wrapped message, the input and the
 * buttons.  Keys: Tab / Left / Right move the focus between the input and
 * the buttons, Enter presses the focused button (the default one from the
 * input), Esc presses the cancel button, and a button's underlined first
 * letter presses it while the input is not focused.  A press ends the
 * dialog: dialog_result says which, and the key returns WIDGET_ACTIVATE.
 * A click on a button presses it.
 */
#ifndef DATALAB_UI_DIALOG_H
#define DATALAB_UI_DIALOG_H

#include <stdbool.h>

#include "datalab/ui/widget.h"

struct dialog_opts {
	const char *title;
	const char *message;		/* may hold '\n'; wrapped at words */
	const char *const *buttons;	/* NULL-terminated; NULL: { "OK" } */
	int default_button;		/* Enter from the input; focused first without input */
	int cancel_button;		/* Esc; -1: Esc gives -1 */
	bool danger;			/* the default button is drawn as a failure */
	const char *input_prompt;	/* non-NULL: show an input line */
	const char *input_text;		/* its initial text */
};

struct dialog;

struct dialog *dialog_new(const struct dialog_opts *opts);
void dialog_free(struct dialog *d);
struct widget *dialog_widget(struct dialog *d);

/* dialog_layout: centres the box in the rectangle (y, x, rows, cols). */
void dialog_layout(struct dialog *d, int y, int x, int rows, int cols);
/* dialog_result: the pressed button's index, -1 while open or after Esc
 * without a cancel button. */
int dialog_result(const struct dialog *d);
bool dialog_done(const struct dialog *d);
/* dialog_input: the input's text ("" without an input). */
const char *dialog_input(const struct dialog *d);
/* dialog_cursor: where the terminal cursor belongs (the input has focus),
 * false when it should be hidden. */
bool dialog_cursor(const struct dialog *d, int *y, int *x);

#endif
