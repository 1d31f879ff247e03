/*
 * download.c: safe local files for downloads (see download.h).
 *
 * Data flow: s3_download_open opens the chosen folder (O_DIRECTORY) and
 * creates ".<name>.datalab-<random>" in it with O_EXCL|O_NOFOLLOW; the
 * transfer appends with s3_download_write; s3_download_commit fsyncs and
 * renameat2(RENAME_NOREPLACE)s it to the first free name among "name",
 * "name (1)", ... (linkat + unlinkat where the file system lacks
 * renameat2), then fsyncs the folder.  Every path is relative to the
 * folder's descriptor, so no name can reach outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/s3/download.h"

#define MAX_VARIANTS 999
#define EXT_MAX 16

/* Characters that hide or reorder text: a name must read as it is. */
static bool invisible(uint32_t cp)
{
	return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* The byte offset where a trailing extension (".csv") starts, or n. */
static size_t ext_start(const char *s, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		if (s[i - 1] == '.')
			return n - (i - 1) <= EXT_MAX && i - 1 > 0 ? i - 1 : n;
		if (n - i >= EXT_MAX)
			break;
	}
	return n;
}

int s3_download_name(const char *key, size_t len, struct buf *out)
{
	size_t end = len, start, ext;
	struct buf b;
	int rc;

	while (end > 0 && key[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && key[start - 1] != '/')
		start--;
	buf_init(&b, 0);
	for (size_t i = start; i < end;) {
		uint32_t cp;
		int l = utf8_decode(key + i, end - i, &cp);

		if (l < 0) {
			buf_addc(&b, '_');
			i++;
			continue;
		}
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == '\\' || invisible(cp))
			buf_addc(&b, '_');
		else
			buf_add(&b, key + i, (size_t)l);
		i += (size_t)l;
	}
	if (b.len == 0 || strcmp(b.data, ".") == 0 || strcmp(b.data, "..") == 0) {
		buf_reset(&b);
		buf_adds(&b, "download");
	}
	if (b.len > S3_DOWNLOAD_NAME_MAX) {
		size_t head;

		ext = ext_start(b.data, b.len);
		head = S3_DOWNLOAD_NAME_MAX - (b.len - ext);
		while (head > 0 && ((unsigned char)b.data[head] & 0xC0) == 0x80)
			head--;
		memmove(b.data + head, b.data + ext, b.len - ext);
		buf_truncate(&b, head + (b.len - ext));
	}
	rc = buf_add(out, b.data, b.len);
	buf_release(&b);
	return rc;
}

bool s3_download_exists(const char *dir, const char *name)
{
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool taken;

	if (dfd < 0)
		return false;
	taken = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	return taken;
}

static bool one_component(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int s3_download_open(struct s3_download *d, const char *dir, const char *name, struct error *err)
{
	memset(d, 0, sizeof(*d));
	d->fd = d->dirfd = -1;
	if (!one_component(name))
		return error_set(err, ERR_INVALID, "'%.100s' is not a plain file name", name);
	d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return error_sys(err, "unable to open the folder '%.150s'", dir);
	d->dir = xstrdup(dir);
	d->name = xstrdup(name);
	for (int tries = 0; tries < 16; tries++) {
		char rnd[9];

		str_random_alnum(rnd, 8);
		free(d->tmp);
		d->tmp = xasprintf(".%.*s.datalab-%s", 100, name, rnd);
		d->fd = openat(d->dirfd, d->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (d->fd >= 0 || errno != EEXIST)
			break;
	}
	if (d->fd < 0) {
		error_sys(err, "unable to create a file in '%.150s'", dir);
		free(d->tmp);
		d->tmp = NULL;
		s3_download_abort(d);
		return -1;
	}
	return 0;
}

int s3_download_write(struct s3_download *d, const void *p, size_t n, struct error *err)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(d->fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return error_sys(err, "unable to write '%.100s' in '%.100s'", d->name, d->dir);
		c += k;
		n -= (size_t)k;
		d->written += (uint64_t)k;
	}
	return 0;
}

/* Moves tmp to name without replacing anything; errno EEXIST when taken. */
static int place_noreplace(int dfd, const char *tmp, const char *name)
{
	if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* no renameat2 here: a hard link fails with EEXIST as well */
	if (linkat(dfd, tmp, dfd, name, 0) != 0)
		return -1;
	unlinkat(dfd, tmp, 0);
	return 0;
}

/* "name (k).ext" */
static char *variant(const char *name, int k)
{
	size_t n = strlen(name);
	size_t e = name[0] == '.' && !strchr(name + 1, '.') ? n : ext_start(name, n);

	return xasprintf("%.*s (%d)%s", (int)e, name, k, name + e);
}

int s3_download_commit(struct s3_download *d, bool overwrite, struct error *err)
{
	int rc = -1;

	if (fsync(d->fd) != 0 || close(d->fd) != 0) {
		d->fd = -1;
		error_sys(err, "unable to write '%.100s' in '%.100s'", d->name, d->dir);
		goto fail;
	}
	d->fd = -1;
	if (overwrite) {
		if (renameat(d->dirfd, d->tmp, d->dirfd, d->name) != 0) {
			error_sys(err, "unable to save '%.100s' in '%.100s'", d->name, d->dir);
			goto fail;
		}
		d->final = xstrdup(d->name);
	} else {
		for (int k = 0; k <= MAX_VARIANTS && !d->final; k++) {
			char *cand = k == 0 ? xstrdup(d->name) : variant(d->name, k);

			if (place_noreplace(d->dirfd, d->tmp, cand) == 0) {
				d->final = cand;
				break;
			}
			free(cand);
			if (errno != EEXIST) {
				error_sys(err, "unable to save '%.100s' in '%.100s'", d->name, d->dir);
				goto fail;
			}
		}
		if (!d->final) {
			error_set(err, ERR_CONFLICT, "'%.100s' and %d numbered copies already exist in '%.100s'",
				  d->name, MAX_VARIANTS, d->dir);
			goto fail;
		}
	}
	free(d->tmp);
	d->tmp = NULL;
	fsync(d->dirfd);
	rc = 0;
fail:
	if (rc < 0 && d->tmp) {
		unlinkat(d->dirfd, d->tmp, 0);
		free(d->tmp);
		d->tmp = NULL;
	}
	return rc;
}

void s3_download_abort(struct s3_download *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->tmp && d->dirfd >= 0)
		unlinkat(d->dirfd, d->tmp, 0);
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->tmp);
	free(d->dir);
	free(d->name);
	free(d->final);
	memset(d, 0, sizeof(*d));
	d->fd = d->dirfd = -1;
}

char *s3_download_path(const struct s3_download *d)
{
	const char *name = d->final ? d->final : d->name;

	if (!d->dir || !name)
		return xstrdup("");
	return xasprintf("%s%s%s", d->dir, str_has_suffix(d->dir, "/") ? "" : "/", name);
}
