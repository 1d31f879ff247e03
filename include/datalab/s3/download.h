/*
 * download.h: writing a downloaded object to disk safely.
 *
 * Three promises.  A download never escapes the folder the user chose: the
 * local name is one path component made from the key's last segment
 * (s3_download_name), and every file operation is relative to the
 * folder's descriptor.  It never overwrites silently: s3_download_commit
 * renames with RENAME_NOREPLACE, picking "name (1).csv", "name (2).csv"...
 * when the name is taken, unless the caller asked to overwrite.  It is
 * atomic: bytes go to a hidden temp file in the same folder, which is
 * fsync'd and renamed into place, and the folder fsync'd; a cancelled or
 * failed download (s3_download_abort) leaves nothing behind.
 */
#ifndef DATALAB_S3_DOWNLOAD_H
#define DATALAB_S3_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define S3_DOWNLOAD_NAME_MAX 200	/* bytes, leaving room for " (999)" and the temp prefix */

/*
 * s3_download_name: the local file name for a key: its last non-empty
 * '/'-segment (so "a/b/" gives "b"), with NUL, controls, backslashes,
 * bidi and zero-width characters and invalid UTF-8 each turned into '_',
 * cut to S3_DOWNLOAD_NAME_MAX bytes keeping the extension; "", "." and
 * ".." become "download".  Appended to out.
 */
int s3_download_name(const char *key, size_t len, struct buf *out);
/* s3_download_exists: whether name is taken in dir (any file type). */
bool s3_download_exists(const char *dir, const char *name);

struct s3_download {
	int dirfd;		/* the chosen folder */
	int fd;			/* the temp file, -1 once closed */
	char *dir;		/* as given, for messages */
	char *name;		/* the wanted name (one component) */
	char *tmp;		/* the temp file's name in dir */
	char *final;		/* the name it was saved under, after commit */
	uint64_t written;
};

/* s3_download_open: creates the temp file for name in dir (which must
 * exist).  name must be one component (s3_download_name's output). */
int s3_download_open(struct s3_download *d, const char *dir, const char *name, struct error *err);
int s3_download_write(struct s3_download *d, const void *p, size_t n, struct error *err);
/* s3_download_commit: fsync, rename into place (see above), fsync the
 * folder.  On failure the temp file is removed. */
int s3_download_commit(struct s3_download *d, bool overwrite, struct error *err);
/* s3_download_abort: removes the temp file (if any) and frees d's
 * contents; also the way to release d after a commit. */
void s3_download_abort(struct s3_download *d);
/* s3_download_path: dir + "/" + final (or name before the commit), xmalloc'd. */
char *s3_download_path(const struct s3_download *d);

#endif
