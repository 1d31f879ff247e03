/*
 * s3d_upload.c: multipart uploads as folders of part files (see
 * s3d_upload.h for the layout and its crash behaviour).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/s3d_upload.h"

static char *upload_dir(const struct s3d_store *st, const char *bucket, const char *id)
{
	return xasprintf("%s/%s/.s3d-uploads/%s", s3d_store_dir(st), bucket, id);
}

int s3d_upload_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n != S3D_UPLOAD_ID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

int s3d_upload_create(struct s3d_store *st, const char *bucket, const char *key, const struct s3d_meta *m,
		      char id[S3D_UPLOAD_ID_LEN + 1], struct error *err)
{
	struct buf json;
	char *tmp_file, *tmpdir, *info, *final;
	int fd, rc = -1;

	/* a folder built in the temp area, renamed into place whole */
	fd = s3d_store_tmp_open(st, &tmp_file, err);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(tmp_file);
	tmpdir = xasprintf("%s.d", tmp_file);
	free(tmp_file);
	str_random_alnum(id, S3D_UPLOAD_ID_LEN);
	info = xasprintf("%s/info.json", tmpdir);
	final = upload_dir(st, bucket, id);
	buf_init(&json, 0);
	s3d_meta_to_json(m, key, &json);
	buf_addf(&json, "\n{\"initiated\":%lld}\n", (long long)time_wall_ms());
	if (mkdir(tmpdir, 0755) < 0)
		error_sys(err, "cannot create '%s'", tmpdir);
	else if (file_write_atomic(info, json.data, json.len, 0644, err) == 0)
		rc = s3d_store_rename_in(st, tmpdir, final, err);
	if (rc < 0)
		file_remove_tree(tmpdir, NULL);
	buf_release(&json);
	free(tmpdir);
	free(info);
	free(final);
	return rc;
}

int s3d_upload_load(const struct s3d_store *st, const char *bucket, const char *id, char **key, struct s3d_meta *m,
		    int64_t *initiated_ms, struct error *err)
{
	char *dir, *path;
	struct buf b;
	const char *nl;
	int rc = 0;

	if (!s3d_upload_id_valid(id))
		return error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	dir = upload_dir(st, bucket, id);
	path = xasprintf("%s/info.json", dir);
	buf_init(&b, 1u << 20);
	if (file_read(path, &b, NULL) < 0) {
		rc = error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	} else {
		nl = memchr(b.data, '\n', b.len);
		if (s3d_meta_from_json(b.data, nl ? (size_t)(nl - b.data) : b.len, m, key) < 0 || !*key) {
			s3d_meta_release(m);
			rc = error_set(err, ERR_PARSE, "upload '%s' has unreadable metadata", id);
		} else if (initiated_ms) {
			const char *t = nl ? strstr(nl, "\"initiated\":") : NULL;
			int64_t v = 0;

			if (t)
				for (t += strlen("\"initiated\":"); *t >= '0' && *t <= '9'; t++)
					v = v * 10 + (*t - '0');
			*initiated_ms = v;
		}
	}
	buf_release(&b);
	free(dir);
	free(path);
	return rc;
}

int s3d_upload_part_commit(struct s3d_store *st, const char *bucket, const char *id, unsigned number, int fd,
			   const char *tmp_path, const struct s3d_meta *m, struct error *err)
{
	char *dir = upload_dir(st, bucket, id);
	char *path = xasprintf("%s/part-%05u", dir, number);
	int rc = -1;

	if (s3d_meta_write(fd, m, NULL, err) < 0)
		goto out;
	if (fsync(fd) < 0) {
		error_sys(err, "cannot sync a part");
		goto out;
	}
	/* no folder creation here: an aborted upload stays gone */
	if (rename(tmp_path, path) < 0) {
		if (errno == ENOENT)
			error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
		else
			error_sys(err, "cannot store part %u", number);
		goto out;
	}
	file_fsync_dir(path);
	rc = 0;
out:
	close(fd);
	if (rc < 0)
		unlink(tmp_path);
	free(dir);
	free(path);
	return rc;
}

static int cmp_part(const void *a, const void *b)
{
	const struct s3d_part *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

int s3d_upload_parts(const struct s3d_store *st, const char *bucket, const char *id, struct s3d_part **out,
		     size_t *n, struct error *err)
{
	char *dir;
	DIR *d;
	struct dirent *e;
	struct s3d_part *v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!s3d_upload_id_valid(id))
		return error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	dir = upload_dir(st, bucket, id);
	d = opendir(dir);
	if (!d) {
		free(dir);
		return error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	}
	while ((e = readdir(d))) {
		uint64_t num;
		struct s3d_meta m;
		char *path;
		int fd;

		if (!str_has_prefix(e->d_name, "part-") || str_parse_u64(e->d_name + 5, &num) < 0 || num < 1 ||
		    num > S3D_PART_MAX_NUMBER)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
		if (fd < 0)
			continue;
		if (s3d_meta_read(fd, &m, NULL) == 0) {
			v = xreallocarray(v, count + 1, sizeof(*v));
			v[count].number = (unsigned)num;
			v[count].size = m.size;
			str_copy(v[count].etag, m.etag, sizeof(v[count].etag));
			v[count].mtime_ms = m.mtime_ms;
			count++;
			s3d_meta_release(&m);
		}
		close(fd);
	}
	closedir(d);
	free(dir);
	if (count)
		qsort(v, count, sizeof(*v), cmp_part);
	*out = v;
	*n = count;
	return 0;
}

static const struct s3d_part *find_part(const struct s3d_part *v, size_t n, unsigned number)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].number == number)
			return &v[mid];
		if (v[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int hex_to_bin(const char *hex, unsigned char out[16])
{
	int ok = strlen(hex) == 32;

	for (int i = 0; ok && i < 16; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				ok = 0;
		}
		out[i] = (unsigned char)v;
	}
	return ok ? 0 : -1;
}

/* copy_part: appends [0, size) of src to dst at *off. */
static int copy_part(int src, int dst, uint64_t size, off_t *off)
{
	off_t in = 0;

	while ((uint64_t)in < size) {
		ssize_t r = copy_file_range(src, &in, dst, off, (size_t)DL_MIN(size - (uint64_t)in, 1u << 30), 0);

		if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			char buf[1 << 16];
			ssize_t got = pread(src, buf, (size_t)DL_MIN(sizeof(buf), size - (uint64_t)in), in);

			if (got <= 0 || pwrite(dst, buf, (size_t)got, *off) != got)
				return -1;
			in += got;
			*off += got;
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1;	/* the part is shorter than it says */
	}
	return 0;
}

static void remove_upload(struct s3d_store *st, const char *dir)
{
	char *tmp_file, *trash;
	int fd = s3d_store_tmp_open(st, &tmp_file, NULL);

	if (fd < 0) {
		file_remove_tree(dir, NULL);
		return;
	}
	close(fd);
	unlink(tmp_file);
	trash = xasprintf("%s.gone", tmp_file);
	if (rename(dir, trash) == 0) {
		file_fsync_dir(dir);
		file_remove_tree(trash, NULL);
	}
	free(tmp_file);
	free(trash);
}

int s3d_upload_complete(struct s3d_store *st, const char *bucket, const char *id, const struct s3d_part_ref *refs,
			size_t n, char etag[48], const char **code, struct error *err)
{
	struct s3d_meta m;
	struct s3d_part *parts = NULL;
	size_t np = 0;
	char *key = NULL, *dir = NULL, *tmp = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char digest[16];
	unsigned int dlen = 0;
	off_t off = 0;
	int fd = -1, rc = -1;

	*code = NULL;
	if (s3d_upload_load(st, bucket, id, &key, &m, NULL, err) < 0) {
		*code = err && err->code == ERR_NOT_FOUND ? "NoSuchUpload" : NULL;
		return -1;
	}
	if (s3d_upload_parts(st, bucket, id, &parts, &np, err) < 0) {
		*code = "NoSuchUpload";
		goto out;
	}
	if (n == 0) {
		*code = "MalformedXML";
		error_set(err, ERR_INVALID, "The XML you provided was not well-formed or did not validate against our published schema.");
		goto out;
	}
	for (size_t i = 1; i < n; i++) {
		if (refs[i].number <= refs[i - 1].number) {
			*code = "InvalidPartOrder";
			error_set(err, ERR_INVALID, "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct s3d_part *p = find_part(parts, np, refs[i].number);

		if (!p || !str_case_eq(p->etag, refs[i].etag)) {
			*code = "InvalidPart";
			error_set(err, ERR_INVALID, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.");
			goto out;
		}
		if (i + 1 < n && p->size < S3D_PART_MIN) {
			*code = "EntityTooSmall";
			error_set(err, ERR_INVALID, "Your proposed upload is smaller than the minimum allowed object size.");
			goto out;
		}
	}
	dir = upload_dir(st, bucket, id);
	fd = s3d_store_tmp_open(st, &tmp, err);
	if (fd < 0)
		goto out;
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	for (size_t i = 0; i < n; i++) {
		const struct s3d_part *p = find_part(parts, np, refs[i].number);
		char *path = xasprintf("%s/part-%05u", dir, p->number);
		int src = open(path, O_RDONLY | O_CLOEXEC);
		unsigned char bin[16];

		free(path);
		if (src < 0) {
			*code = "NoSuchUpload";
			error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
			goto out;
		}
		if (copy_part(src, fd, p->size, &off) < 0) {
			close(src);
			error_sys(err, "cannot assemble part %u", p->number);
			goto out;
		}
		close(src);
		if (hex_to_bin(p->etag, bin) == 0)
			EVP_DigestUpdate(md, bin, 16);
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	for (unsigned i = 0; i < 16; i++)
		snprintf(etag + 2 * i, 3, "%02x", digest[i]);
	snprintf(etag + 32, 16, "-%u", (unsigned)n);
	m.size = (uint64_t)off;
	str_copy(m.etag, etag, sizeof(m.etag));
	m.mtime_ms = time_wall_ms();
	m.parts = (unsigned)n;
	m.sum_algo = S3D_SUM_NONE;
	rc = s3d_store_commit(st, bucket, key, fd, tmp, &m, err);
	fd = -1;
	if (rc == 0)
		remove_upload(st, dir);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (md)
		EVP_MD_CTX_free(md);
	s3d_meta_release(&m);
	free(parts);
	free(key);
	free(dir);
	free(tmp);
	return rc;
}

int s3d_upload_abort(struct s3d_store *st, const char *bucket, const char *id, struct error *err)
{
	char *dir;
	struct stat sb;

	if (!s3d_upload_id_valid(id))
		return error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	dir = upload_dir(st, bucket, id);
	if (stat(dir, &sb) < 0) {
		free(dir);
		return error_set(err, ERR_NOT_FOUND, "The specified upload does not exist.");
	}
	remove_upload(st, dir);
	free(dir);
	return 0;
}

static int cmp_upload(const void *a, const void *b)
{
	const struct s3d_upload_info *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->initiated_ms < y->initiated_ms ? -1 : x->initiated_ms > y->initiated_ms;
}

int s3d_upload_list(const struct s3d_store *st, const char *bucket, struct s3d_upload_info **out, size_t *n)
{
	char *dir = xasprintf("%s/%s/.s3d-uploads", s3d_store_dir(st), bucket);
	DIR *d = opendir(dir);
	struct dirent *e;
	struct s3d_upload_info *v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	free(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct s3d_meta m;
		char *key = NULL;
		int64_t t = 0;

		if (!s3d_upload_id_valid(e->d_name) || s3d_upload_load(st, bucket, e->d_name, &key, &m, &t, NULL) < 0)
			continue;
		s3d_meta_release(&m);
		v = xreallocarray(v, count + 1, sizeof(*v));
		str_copy(v[count].id, e->d_name, sizeof(v[count].id));
		v[count].key = key;
		v[count].initiated_ms = t;
		count++;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), cmp_upload);
	*out = v;
	*n = count;
	return 0;
}

void s3d_upload_list_free(struct s3d_upload_info *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].key);
	free(u);
}
