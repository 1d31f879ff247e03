/*
 * input.h: a one-line text editor (":" commands, "/" filters, dialog
 * prompts, form fields).
 *
 * The text is UTF-8 with no control characters (typed keys that are not
 * printable are ignored; set_text sanitizes).  The cursor sits between
 * characters, a base character and its combining marks moving as one.
 * Keys: printable characters insert; Left/Right, Home/End (^A/^E),
 * Backspace, Delete (^D), ^W deletes the word before the cursor, ^U to the
 * start, ^K to the end; Up/Down walk the history; Tab asks the completion
 * callback; Enter returns WIDGET_ACTIVATE, Esc WIDGET_CANCEL.  The text
 * scrolls sideways to keep the cursor visible.
 */
#ifndef DATALAB_UI_INPUT_H
#define DATALAB_UI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/ui/widget.h"

/* input_complete_fn: the nth (0-based) completion of text, or NULL when
 * there are no more; the string need only live until the next call.  Tab
 * cycles through them, then back to what was typed. */
typedef const char *(*input_complete_fn)(void *ctx, const char *text, size_t nth);

struct input;

/* input_new: an empty editor keeping up to history_max entries (0: no
 * history). */
struct input *input_new(size_t history_max);
void input_free(struct input *in);
struct widget *input_widget(struct input *in);

/* input_set_text: replaces the text (sanitized), cursor at the end. */
void input_set_text(struct input *in, const char *text);
const char *input_text(const struct input *in);
/* input_set_prompt: drawn before the text (":", "/", "Name: "). */
void input_set_prompt(struct input *in, const char *prompt);
/* input_set_mask: draw every character as '•' (passwords). */
void input_set_mask(struct input *in, bool mask);
/* input_set_max: at most max bytes of text (0: 4096). */
void input_set_max(struct input *in, size_t max);
void input_set_completion(struct input *in, input_complete_fn fn, void *ctx);

/* input_history_add: remembers text (not an empty one, not twice in a
 * row); the oldest go past history_max. */
void input_history_add(struct input *in, const char *text);

/* input_cursor: the byte offset of the cursor in the text. */
size_t input_cursor(const struct input *in);
/* input_cursor_pos: where the terminal cursor belongs after the last
 * draw (window coordinates), so the app can wmove + curs_set(1). */
void input_cursor_pos(const struct input *in, int *y, int *x);

#endif
