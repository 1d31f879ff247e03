/*
 * file.h: whole-file reads, atomic writes, folders.
 */
#ifndef DATALAB_CORE_FILE_H
#define DATALAB_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

/* file_read: appends the file to out (its cap applies); -1 with err. */
int file_read(const char *path, struct buf *out, struct error *err);
/* file_write_atomic: temp file in the same folder, fsync, rename, fsync of
 * the folder; a crash leaves the old file or the new one, never a torn one. */
int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, struct error *err);
/* file_mkdirs: mkdir -p with mode for the folders it creates. */
int file_mkdirs(const char *path, mode_t mode, struct error *err);
bool file_exists(const char *path);
/* file_write_all: all n bytes to fd (a blocking fd), EINTR retried; -1
 * with errno set on a failed write. */
int file_write_all(int fd, const void *data, size_t n);
/* file_join: a + "/" + b, xmalloc'd. */
char *file_join(const char *a, const char *b);
/* file_fsync_dir: fsync the folder holding path. */
int file_fsync_dir(const char *path);
/* file_remove_tree: rm -rf without following symlinks. */
int file_remove_tree(const char *path, struct error *err);

#endif
