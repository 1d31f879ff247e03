/*
 * textview.h: a scrolling pane of text lines: followed logs, YAML, notes,
 * commands.  One implementation for every text a view shows.
 *
 * Lines are kept in a ring of at most max_lines (the oldest go first, and
 * are counted); each is sanitized when it is added, and cut at
 * TEXTVIEW_MAX_LINE bytes.  textview_append takes a raw stream (a log
 * body in chunks split anywhere) and keeps the unfinished line until its
 * newline.  A line may carry a secret (a password in NOTES), drawn as
 * bullets until textview_set_reveal.
 *
 * Following: while on, the view stays at the end as lines arrive.
 * Scrolling up pauses it (new lines are counted as unseen); End or G
 * resumes it.  Keys: Up/Down/j/k, PgUp/PgDn, Home/g, End/G, w (wrap),
 * < and > (sideways, when not wrapping), n/N (next/previous match).
 * Search matches are highlighted; the current match's line is marked.
 */
#ifndef DATALAB_UI_TEXTVIEW_H
#define DATALAB_UI_TEXTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/error.h"
#include "datalab/ui/widget.h"

#define TEXTVIEW_MAX_LINE 16384

struct textview;

/* textview_new: a pane keeping up to max_lines (0: 100,000). */
struct textview *textview_new(size_t max_lines);
void textview_free(struct textview *tv);
struct widget *textview_widget(struct textview *tv);

void textview_clear(struct textview *tv);
/* textview_add_line: one line (no newline expected; one is shown as ⏎). */
void textview_add_line(struct textview *tv, const char *s, size_t n);
/* textview_add_secret: before + secret + after as one line, the secret
 * part masked until revealed. */
void textview_add_secret(struct textview *tv, const char *before, const char *secret, const char *after);
/* textview_set_text: clears, then one line per '\n' of text. */
void textview_set_text(struct textview *tv, const char *text);
/* textview_append: a chunk of a stream; complete lines are added, a
 * trailing '\r' dropped, the rest kept for the next chunk. */
void textview_append(struct textview *tv, const char *p, size_t n);
/* textview_flush: the stream ended: its unfinished line is added. */
void textview_flush(struct textview *tv);

void textview_set_follow(struct textview *tv, bool on);
bool textview_following(const struct textview *tv);
/* textview_unseen: lines added while not following. */
size_t textview_unseen(const struct textview *tv);
void textview_set_wrap(struct textview *tv, bool on);
bool textview_wrapping(const struct textview *tv);
void textview_set_reveal(struct textview *tv, bool on);
bool textview_revealed(const struct textview *tv);
/* textview_set_empty_text: shown while there are no lines. */
void textview_set_empty_text(struct textview *tv, const char *text);

/* textview_set_search: highlights needle (case-insensitive; NULL or ""
 * clears) and moves to its first match from the top line on, wrapping
 * around.  Returns whether there is one. */
bool textview_set_search(struct textview *tv, const char *needle);
/* textview_search_next: the next (or previous) match; false when none. */
bool textview_search_next(struct textview *tv, bool forward);
const char *textview_search(const struct textview *tv);

/* textview_save: every line kept, '\n'-terminated, written atomically
 * (mode 0600); secrets are written as shown (masked unless revealed). */
int textview_save(const struct textview *tv, const char *path, struct error *err);

size_t textview_line_count(const struct textview *tv);
/* textview_line: line i of those kept (0 = the oldest kept). */
const char *textview_line(const struct textview *tv, size_t i);
/* textview_dropped: lines gone past max_lines. */
unsigned long textview_dropped(const struct textview *tv);
/* textview_top_line: index (as textview_line) of the first line shown. */
size_t textview_top_line(const struct textview *tv);

#endif
