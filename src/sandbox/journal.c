/*
 * journal.c: append-only record file with replay and atomic rewrite
 * (see journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/journal.h"

struct journal {
	char *path;
	int fd;
	bool fsync;
	size_t bytes, records;
	struct buf line;
};

static int replay(struct journal *j, journal_line_fn *fn, void *arg, struct error *err)
{
	struct buf b;
	size_t off = 0, good = 0;
	char *nl;

	buf_init(&b, 0);
	if (file_read(j->path, &b, err) < 0) {
		buf_release(&b);
		return -1;
	}
	while (off < b.len) {
		nl = memchr(b.data + off, '\n', b.len - off);
		if (!nl)
			break;
		*nl = '\0';
		if (nl > b.data + off && fn(b.data + off, (size_t)(nl - b.data - off), arg, err) < 0) {
			buf_release(&b);
			return -1;
		}
		j->records++;
		off = (size_t)(nl - b.data) + 1;
		good = off;
	}
	if (good < b.len) {
		log_warn("journal '%s': dropping an incomplete last record (%zu bytes)", j->path,
			 b.len - good);
		if (truncate(j->path, (off_t)good) < 0) {
			buf_release(&b);
			return error_sys(err, "unable to truncate '%s'", j->path);
		}
	}
	j->bytes = good;
	buf_release(&b);
	return 0;
}

struct journal *journal_open(const char *path, bool fsync, journal_line_fn *fn, void *arg,
			     struct error *err)
{
	struct journal *j = xcalloc(1, sizeof(*j));

	j->path = xstrdup(path);
	j->fsync = fsync;
	buf_init(&j->line, 0);
	j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		error_sys(err, "unable to open '%s'", path);
		journal_close(j);
		return NULL;
	}
	if (replay(j, fn, arg, err) < 0) {
		journal_close(j);
		return NULL;
	}
	return j;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	buf_release(&j->line);
	free(j->path);
	free(j);
}

int journal_append(struct journal *j, const char *line, size_t n, struct error *err)
{
	struct stat sb;

	buf_reset(&j->line);
	buf_add(&j->line, line, n);
	buf_addc(&j->line, '\n');
	if (file_write_all(j->fd, j->line.data, j->line.len) < 0) {
		error_sys(err, "unable to append to '%s'", j->path);
		/* never leave half a record before the next one */
		if (fstat(j->fd, &sb) == 0 && (size_t)sb.st_size > j->bytes &&
		    ftruncate(j->fd, (off_t)j->bytes) < 0)
			log_error("journal '%s': cannot cut a failed append", j->path);
		return -1;
	}
	if (j->fsync && fdatasync(j->fd) < 0)
		return error_sys(err, "unable to sync '%s'", j->path);
	j->bytes += j->line.len;
	j->records++;
	return 0;
}

int journal_rewrite(struct journal *j, int (*fn)(struct buf *out, void *arg), void *arg,
		    struct error *err)
{
	struct buf out;
	size_t records = 0, i;
	int fd;

	buf_init(&out, 0);
	if (fn(&out, arg) < 0) {
		buf_release(&out);
		return error_set(err, ERR_LIMIT, "unable to build the compacted journal");
	}
	for (i = 0; i < out.len; i++)
		records += out.data[i] == '\n';
	if (file_write_atomic(j->path, out.data, out.len, 0600, err) < 0) {
		buf_release(&out);
		return -1;
	}
	fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		buf_release(&out);
		return error_sys(err, "unable to reopen '%s'", j->path);
	}
	close(j->fd);
	j->fd = fd;
	j->bytes = out.len;
	j->records = records;
	buf_release(&out);
	return 0;
}

size_t journal_bytes(const struct journal *j)
{
	return j->bytes;
}

size_t journal_records(const struct journal *j)
{
	return j->records;
}
