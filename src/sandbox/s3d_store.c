/*
 * s3d_store.c: buckets as folders, objects as files with a metadata
 * trailer, keys encoded to paths (see s3d_store.h for the layout and why
 * it is crash-safe).  Everything here is called from libmicrohttpd's
 * connection threads; the mutex covers only namespace changes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/s3d_store.h"

struct s3d_store {
	char *dir;
	char *tmp;
	pthread_mutex_t ns;
	atomic_uint_fast64_t gen;
};

/* ---- the store ---- */

struct s3d_store *s3d_store_open(const char *dir, struct error *err)
{
	struct s3d_store *st;
	char *tmp = xasprintf("%s/.s3d/tmp", dir);

	if (file_mkdirs(tmp, 0700, err) < 0) {
		free(tmp);
		return NULL;
	}
	/* what a crash left half-written: never acknowledged, so dropped */
	file_remove_tree(tmp, NULL);
	if (file_mkdirs(tmp, 0700, err) < 0) {
		free(tmp);
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	st->tmp = tmp;
	pthread_mutex_init(&st->ns, NULL);
	atomic_init(&st->gen, 1);
	return st;
}

void s3d_store_close(struct s3d_store *st)
{
	if (!st)
		return;
	pthread_mutex_destroy(&st->ns);
	free(st->dir);
	free(st->tmp);
	free(st);
}

const char *s3d_store_dir(const struct s3d_store *st)
{
	return st->dir;
}

uint64_t s3d_store_generation(const struct s3d_store *st)
{
	return atomic_load(&((struct s3d_store *)st)->gen);
}

static void bump(struct s3d_store *st)
{
	atomic_fetch_add(&st->gen, 1);
}

char *s3d_store_bucket_path(const struct s3d_store *st, const char *bucket)
{
	return xasprintf("%s/%s", st->dir, bucket);
}

static char *object_path(const struct s3d_store *st, const char *bucket, const char *key)
{
	char *rel = s3d_key_path(key);
	char *p = xasprintf("%s/%s/%s", st->dir, bucket, rel);

	free(rel);
	return p;
}

static int fsync_path(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int s3d_store_tmp_open(struct s3d_store *st, char **path, struct error *err)
{
	for (int tries = 0; tries < 8; tries++) {
		char rnd[17];
		char *p;
		int fd;

		str_random_alnum(rnd, 16);
		p = xasprintf("%s/%s", st->tmp, rnd);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			*path = p;
			return fd;
		}
		free(p);
		if (errno != EEXIST)
			return error_sys(err, "cannot create a temp file in '%s'", st->tmp);
	}
	return error_set(err, ERR_IO, "cannot create a temp file in '%s'", st->tmp);
}

/* mkdirs_under: creates the folders of path below root (which exists);
 * *top gets the parent of the topmost folder created (for fsync). */
static int mkdirs_under(const char *root, const char *path, char **top)
{
	size_t rl = strlen(root);
	char *p = xstrdup(path);
	int rc = 0;

	*top = NULL;
	for (char *s = p + rl + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			if (!*top) {
				char *slash = strrchr(p, '/');

				*top = xstrndup(p, (size_t)(slash - p));
			}
		} else if (errno != EEXIST) {
			rc = -1;
			*s = '/';
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrndup(path, slash ? (size_t)(slash - path) : 0);
}

/* rename_into: mkdirs + rename under the mutex, then the fsyncs. */
static int rename_into(struct s3d_store *st, const char *root, const char *tmp, const char *path,
		       struct error *err)
{
	char *top = NULL, *parent;
	struct stat sb;
	int rc = 0;

	pthread_mutex_lock(&st->ns);
	if (stat(root, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		pthread_mutex_unlock(&st->ns);
		return error_set(err, ERR_NOT_FOUND, "The specified bucket does not exist");
	}
	if (mkdirs_under(root, path, &top) < 0 || rename(tmp, path) < 0)
		rc = error_sys(err, "cannot store '%s'", path);
	else
		bump(st);
	pthread_mutex_unlock(&st->ns);
	if (rc == 0) {
		parent = parent_of(path);
		fsync_path(parent);
		free(parent);
		if (top) {
			fsync_path(top);
			free(top);
		}
	} else {
		free(top);
	}
	return rc;
}

int s3d_store_rename_in(struct s3d_store *st, const char *tmp_path, const char *path, struct error *err)
{
	/* the folder that must already exist is the bucket's: the first
	 * component below the store's folder */
	const char *rel = path + strlen(st->dir) + 1;
	const char *slash = strchr(rel, '/');
	char *root = xstrndup(path, (size_t)((slash ? slash : rel + strlen(rel)) - path));
	int rc = rename_into(st, root, tmp_path, path, err);

	free(root);
	return rc;
}

int s3d_store_commit(struct s3d_store *st, const char *bucket, const char *key, int fd, const char *tmp_path,
		     const struct s3d_meta *m, struct error *err)
{
	char *root, *path;
	int rc;

	if (s3d_meta_write(fd, m, key, err) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		error_sys(err, "cannot sync '%s'", tmp_path);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_sys(err, "cannot write '%s'", tmp_path);
		goto fail;
	}
	fd = -1;
	root = s3d_store_bucket_path(st, bucket);
	path = object_path(st, bucket, key);
	rc = rename_into(st, root, tmp_path, path, err);
	free(root);
	free(path);
	if (rc == 0)
		return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp_path);
	return -1;
}

int s3d_store_object_open(const struct s3d_store *st, const char *bucket, const char *key, struct s3d_meta *m,
			  struct error *err)
{
	char *path = object_path(st, bucket, key);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	free(path);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR || errno == ENAMETOOLONG)
			return error_set(err, ERR_NOT_FOUND, "The specified key does not exist.");
		return error_sys(err, "cannot open an object");
	}
	if (s3d_meta_read(fd, m, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* prune: removes now-empty folders from dir up to (not including) root. */
static void prune(const char *root, char *dir)
{
	size_t rl = strlen(root);

	while (strlen(dir) > rl && rmdir(dir) == 0) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			break;
		*slash = '\0';
	}
}

int s3d_store_object_delete(struct s3d_store *st, const char *bucket, const char *key, struct error *err)
{
	char *root = s3d_store_bucket_path(st, bucket);
	char *path = object_path(st, bucket, key);
	char *parent = parent_of(path);
	int rc = 0;

	pthread_mutex_lock(&st->ns);
	if (unlink(path) == 0) {
		prune(root, parent);
		bump(st);
	} else if (errno != ENOENT && errno != ENOTDIR && errno != EISDIR) {
		rc = error_sys(err, "cannot delete '%s'", key);
	}
	pthread_mutex_unlock(&st->ns);
	if (rc == 0) {
		char *p2 = parent_of(path);

		fsync_path(p2);
		free(p2);
	}
	free(root);
	free(path);
	free(parent);
	return rc;
}

/* ---- buckets ---- */

bool s3d_store_bucket_exists(const struct s3d_store *st, const char *name)
{
	char *p = s3d_store_bucket_path(st, name);
	struct stat sb;
	bool ok = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(p);
	return ok;
}

int64_t s3d_store_bucket_created(const struct s3d_store *st, const char *name)
{
	char *p = xasprintf("%s/%s/.s3d-bucket.json", st->dir, name);
	struct buf b;
	int64_t t = 0;
	cJSON *o;

	buf_init(&b, 4096);
	if (file_read(p, &b, NULL) == 0 && (o = json_parse(b.data, b.len, NULL))) {
		t = json_int(o, "created", 0);
		cJSON_Delete(o);
	}
	if (!t) {
		struct stat sb;
		char *d = s3d_store_bucket_path(st, name);

		if (stat(d, &sb) == 0)
			t = (int64_t)sb.st_mtime * 1000;
		free(d);
	}
	buf_release(&b);
	free(p);
	return t;
}

int s3d_store_bucket_build(struct s3d_store *st, char **dir, struct error *err)
{
	char rnd[17];
	char *tmp, *info, *text;
	int rc = 0;

	str_random_alnum(rnd, 16);
	tmp = xasprintf("%s/b-%s", st->tmp, rnd);
	info = xasprintf("%s/.s3d-bucket.json", tmp);
	text = xasprintf("{\"created\":%lld}\n", (long long)time_wall_ms());
	if (mkdir(tmp, 0755) < 0)
		rc = error_sys(err, "cannot create '%s'", tmp);
	else if (file_write_atomic(info, text, strlen(text), 0644, err) < 0)
		rc = -1;
	free(info);
	free(text);
	if (rc < 0) {
		file_remove_tree(tmp, NULL);
		free(tmp);
		return -1;
	}
	*dir = tmp;
	return 0;
}

int s3d_store_put_into(const char *dir, const char *key, const void *data, const struct s3d_meta *m,
		       struct error *err)
{
	char *rel = s3d_key_path(key);
	char *path = xasprintf("%s/%s", dir, rel);
	char *top = NULL;
	struct buf b;
	int fd, rc = -1;

	free(rel);
	/* one write of data, metadata and footer; folders only when missing */
	buf_init(&b, 0);
	buf_add(&b, data, m->size);
	s3d_meta_encode(m, key, &b);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && mkdirs_under(dir, path, &top) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		error_sys(err, "cannot create '%s'", path);
	} else {
		if (write(fd, b.data, b.len) != (ssize_t)b.len)
			error_sys(err, "cannot write '%s'", path);
		else
			rc = 0;
		close(fd);
	}
	buf_release(&b);
	free(top);
	free(path);
	return rc;
}

int s3d_store_bucket_publish(struct s3d_store *st, const char *dir, const char *name, struct error *err)
{
	char *path = s3d_store_bucket_path(st, name);
	int rc = 0;

	pthread_mutex_lock(&st->ns);
	if (renameat2(AT_FDCWD, dir, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			rc = error_set(err, ERR_CONFLICT, "Your previous request to create the named bucket succeeded and you already own it.");
		else
			rc = error_sys(err, "cannot create bucket '%s'", name);
	} else {
		bump(st);
	}
	pthread_mutex_unlock(&st->ns);
	if (rc == 0)
		fsync_path(st->dir);
	else
		file_remove_tree(dir, NULL);
	free(path);
	return rc;
}

int s3d_store_bucket_create(struct s3d_store *st, const char *name, struct error *err)
{
	char *dir;
	int rc;

	if (s3d_store_bucket_build(st, &dir, err) < 0)
		return -1;
	rc = s3d_store_bucket_publish(st, dir, name, err);
	free(dir);
	return rc;
}

/* has_objects: any object file below dir (depth-first, stops at the first). */
static bool has_objects(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		struct buf seg;
		bool is_dir;

		if (e->d_name[0] == '.')
			continue;
		buf_init(&seg, 0);
		if (s3d_key_name_decode(e->d_name, &seg, &is_dir) == 0) {
			if (!is_dir) {
				found = true;
			} else if (depth < 1100) {
				char *sub = xasprintf("%s/%s", dir, e->d_name);

				found = has_objects(sub, depth + 1);
				free(sub);
			}
		}
		buf_release(&seg);
	}
	closedir(d);
	return found;
}

int s3d_store_bucket_delete(struct s3d_store *st, const char *name, struct error *err)
{
	char rnd[17];
	char *path = s3d_store_bucket_path(st, name), *trash;
	int rc = 0;

	str_random_alnum(rnd, 16);
	trash = xasprintf("%s/trash-%s", st->tmp, rnd);
	pthread_mutex_lock(&st->ns);
	if (!s3d_store_bucket_exists(st, name))
		rc = error_set(err, ERR_NOT_FOUND, "The specified bucket does not exist");
	else if (has_objects(path, 0))
		rc = error_set(err, ERR_CONFLICT, "The bucket you tried to delete is not empty");
	else if (rename(path, trash) < 0)
		rc = error_sys(err, "cannot delete bucket '%s'", name);
	else
		bump(st);
	pthread_mutex_unlock(&st->ns);
	if (rc == 0) {
		fsync_path(st->dir);
		file_remove_tree(trash, NULL);
	}
	free(path);
	free(trash);
	return rc;
}

static int cmp_bucket(const void *a, const void *b)
{
	return strcmp(((const struct s3d_bucket_info *)a)->name, ((const struct s3d_bucket_info *)b)->name);
}

int s3d_store_bucket_list(const struct s3d_store *st, struct s3d_bucket_info **out, size_t *n)
{
	DIR *d = opendir(st->dir);
	struct dirent *e;
	struct s3d_bucket_info *v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!s3d_key_bucket_valid(e->d_name) || !s3d_store_bucket_exists(st, e->d_name))
			continue;
		v = xreallocarray(v, count + 1, sizeof(*v));
		v[count].name = xstrdup(e->d_name);
		v[count].created_ms = s3d_store_bucket_created(st, e->d_name);
		count++;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), cmp_bucket);
	*out = v;
	*n = count;
	return 0;
}

void s3d_store_bucket_list_free(struct s3d_bucket_info *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].name);
	free(b);
}

static char *policy_path(const struct s3d_store *st, const char *bucket)
{
	return xasprintf("%s/%s/.s3d-policy.json", st->dir, bucket);
}

int s3d_store_policy_get(const struct s3d_store *st, const char *bucket, struct buf *out, struct error *err)
{
	char *p = policy_path(st, bucket);
	int rc = 0;

	if (file_read(p, out, NULL) < 0)
		rc = error_set(err, ERR_NOT_FOUND, "The bucket policy does not exist");
	free(p);
	return rc;
}

int s3d_store_policy_put(struct s3d_store *st, const char *bucket, const char *text, size_t n, struct error *err)
{
	char *p = policy_path(st, bucket);
	int rc;

	pthread_mutex_lock(&st->ns);
	if (!s3d_store_bucket_exists(st, bucket))
		rc = error_set(err, ERR_NOT_FOUND, "The specified bucket does not exist");
	else
		rc = file_write_atomic(p, text, n, 0644, err);
	pthread_mutex_unlock(&st->ns);
	free(p);
	return rc;
}

int s3d_store_policy_delete(struct s3d_store *st, const char *bucket, struct error *err)
{
	char *p = policy_path(st, bucket);
	int rc = 0;

	if (unlink(p) < 0 && errno != ENOENT)
		rc = error_sys(err, "cannot delete the policy of '%s'", bucket);
	else
		file_fsync_dir(p);
	free(p);
	return rc;
}
