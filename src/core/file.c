/*
 * file.c: whole-file reads, atomic writes (temp + fsync + rename + fsync of
 * the folder), mkdir -p and rm -rf that never follows links.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"

int file_read(const char *path, struct buf *out, struct error *err)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_sys(err, "cannot open '%s'", path);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_sys(err, "cannot read '%s'", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n) < 0) {
			close(fd);
			return error_set(err, ERR_LIMIT, "'%s' is larger than %zu bytes", path, out->max);
		}
	}
	close(fd);
	return 0;
}

int file_fsync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, r;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		str_copy(dir, ".", 2);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, struct error *err)
{
	char *tmp;
	char rnd[9];
	int fd;

	str_random_alnum(rnd, 8);
	tmp = xasprintf("%s.tmp-%s", path, rnd);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		error_sys(err, "cannot create '%s'", tmp);
		free(tmp);
		return -1;
	}
	if (file_write_all(fd, data, n) < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	file_fsync_dir(path);
	free(tmp);
	return 0;
fail:
	error_sys(err, "cannot write '%s'", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int file_mkdirs(const char *path, mode_t mode, struct error *err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				error_sys(err, "cannot create folder '%s'", p);
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *file_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n && a[n - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

int file_remove_tree(const char *path, struct error *err)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_sys(err, "cannot remove '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return error_sys(err, "cannot remove '%s'", path);
		return 0;
	}
	if (!(d = opendir(path)))
		return error_sys(err, "cannot open folder '%s'", path);
	while ((e = readdir(d))) {
		char *child;
		int r;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = file_join(path, e->d_name);
		r = file_remove_tree(child, err);
		free(child);
		if (r < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (rmdir(path) < 0)
		return error_sys(err, "cannot remove folder '%s'", path);
	return 0;
}

int file_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
