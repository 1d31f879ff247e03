/*
 * journal.h: an append-only file of text records, one per line.
 *
 * The store's persistence: each write appends one line with a single
 * write(2) (then fdatasync unless disabled) before the API answers, so a
 * kill -9 loses nothing acknowledged.  Replay calls a function per complete
 * line; an incomplete last line (a crash mid-append) is cut off.  Rewrite
 * replaces the whole file atomically (temp file, fsync, rename, fsync of
 * the folder) with the lines a callback produces: compaction.
 */
#ifndef DATALAB_SANDBOX_JOURNAL_H
#define DATALAB_SANDBOX_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

struct journal;

/* Called per line (without its '\n'); returning -1 stops the replay with
 * the error filled. */
typedef int journal_line_fn(const char *line, size_t n, void *arg, struct error *err);

/* journal_open: creates path if missing, replays it through fn, leaves it
 * open for appends. */
struct journal *journal_open(const char *path, bool fsync, journal_line_fn *fn, void *arg,
			     struct error *err);
void journal_close(struct journal *j);

/* journal_append: one record; the '\n' is added.  -1 with err if the
 * bytes could not be written (the record is then not in the file). */
int journal_append(struct journal *j, const char *line, size_t n, struct error *err);

/* journal_rewrite: the file becomes exactly the text fn appends to out
 * (lines ending in '\n').  On failure the old file stays. */
int journal_rewrite(struct journal *j, int (*fn)(struct buf *out, void *arg), void *arg,
		    struct error *err);

/* journal_bytes / journal_records: size and line count since open or the
 * last rewrite (compaction policy). */
size_t journal_bytes(const struct journal *j);
size_t journal_records(const struct journal *j);

#endif
