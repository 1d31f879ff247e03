/*
 * classroom.c: a class's namespaces, quotas, buckets and kubeconfigs
 * (see classroom.h).
 *
 * Each student is seeded exactly as the sandbox's own user is, through
 * bootstrap_seed and bootstrap_kubeconfig, so a student's namespace and
 * quota cannot drift from user-<user>'s; only the folder differs
 * (DIR/class/NAME/kubeconfig).  Buckets are made through the S3 store
 * before the S3 service opens it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/bootstrap.h"
#include "datalab/sandbox/classroom.h"
#include "datalab/sandbox/s3d_store.h"

/* valid_name: a DNS label that still is one after "user-". */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 58 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

char **classroom_names(const char *spec, struct error *err)
{
	char **names;
	size_t n;
	int64_t count;

	if (!spec || !*spec) {
		error_set(err, ERR_INVALID, "empty class: give a count or names");
		return NULL;
	}
	if (strspn(spec, "0123456789") == strlen(spec)) {
		if (str_parse_i64(spec, &count) < 0 || count < 1 || count > CLASSROOM_MAX) {
			error_set(err, ERR_INVALID, "a class has 1 to %d students, not '%s'", CLASSROOM_MAX, spec);
			return NULL;
		}
		names = xcalloc((size_t)count + 1, sizeof(*names));
		for (int64_t i = 0; i < count; i++)
			names[i] = xasprintf("student%0*lld", count > 99 ? 3 : 2, (long long)i + 1);
		return names;
	}
	names = str_split(spec, ',', &n);
	for (size_t i = 0; i < n; i++) {
		if (!valid_name(names[i])) {
			error_set(err, ERR_INVALID, "bad student name '%s': lower-case letters, digits and '-', "
				  "at most 58", names[i]);
			str_free_list(names);
			return NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				error_set(err, ERR_INVALID, "student '%s' named twice", names[i]);
				str_free_list(names);
				return NULL;
			}
	}
	if (n > CLASSROOM_MAX) {
		error_set(err, ERR_INVALID, "a class has at most %d students", CLASSROOM_MAX);
		str_free_list(names);
		return NULL;
	}
	return names;
}

/* read_ca: DIR/tls/ca.crt when the API speaks https, else NULL. */
static int read_ca(const char *dir, const char *server, char **ca, struct error *err)
{
	char *path;
	struct buf b;

	*ca = NULL;
	if (!str_has_prefix(server, "https://"))
		return 0;
	path = xasprintf("%s/tls/ca.crt", dir);
	buf_init(&b, 1024 * 1024);
	if (file_read(path, &b, err) < 0) {
		buf_release(&b);
		free(path);
		return -1;
	}
	free(path);
	*ca = buf_take(&b, NULL);
	return 0;
}

static int make_buckets(const char *dir, char *const *names, struct error *err)
{
	char *s3dir = file_join(dir, "s3");
	struct s3d_store *st = s3d_store_open(s3dir, err);
	int rc = 0;

	free(s3dir);
	if (!st)
		return -1;
	for (size_t i = 0; names[i] && rc == 0; i++) {
		char *bucket = xasprintf("user-%s", names[i]);

		if (!s3d_store_bucket_exists(st, bucket))
			rc = s3d_store_bucket_create(st, bucket, err);
		free(bucket);
	}
	s3d_store_close(st);
	return rc;
}

int classroom_setup(struct store *s, const char *dir, const char *server, char *const *names, bool s3,
		    struct error *err)
{
	char *ca = NULL, *cdir = file_join(dir, "class");
	struct buf list = BUF_INIT;
	int rc = -1;
	size_t i;

	if (read_ca(dir, server, &ca, err) < 0 || file_mkdirs(cdir, 0700, err) < 0)
		goto out;
	for (i = 0; names[i]; i++) {
		char *sdir = file_join(cdir, names[i]), *token = NULL;
		int r = bootstrap_seed(s, names[i], err);

		if (r == 0)
			r = file_mkdirs(sdir, 0700, err);
		/* the student's own token, kept across restarts (classroom_admit) */
		if (r == 0 && !(token = bootstrap_token(sdir, err)))
			r = -1;
		if (r == 0)
			r = bootstrap_kubeconfig(sdir, server, token, ca, names[i], err);
		free(token);
		free(sdir);
		if (r < 0)
			goto out;
		buf_addf(&list, "%s\n", names[i]);
	}
	if (s3 && make_buckets(dir, names, err) < 0)
		goto out;
	{
		char *path = file_join(cdir, "students");

		rc = bootstrap_replace_file(path, list.data, list.len, 0644, err);
		free(path);
	}
	if (rc == 0)
		log_info("class of %zu: namespaces user-%s..., kubeconfigs in %s", i, names[0], cdir);
	/* client-go sends no token over http (kubernetes/kubectl#744) */
	if (rc == 0 && str_has_prefix(server, "http:"))
		log_info("class over plain HTTP: datalab keeps each student to their namespace, kubectl and helm "
			 "send no token there and act as the sandbox's user (--tls keeps them in too)");
out:
	buf_release(&list);
	free(ca);
	free(cdir);
	return rc;
}

int classroom_admit(struct api *api, const char *dir, char *const *names, struct error *err)
{
	for (size_t i = 0; names[i]; i++) {
		char *cdir = file_join(dir, "class"), *sdir = file_join(cdir, names[i]);
		char *token = bootstrap_token(sdir, err), *ns = xasprintf("user-%s", names[i]);

		if (token)
			api_add_user(api, token, names[i], ns);
		free(ns);
		free(token);
		free(sdir);
		free(cdir);
		if (!token)
			return -1;
	}
	return 0;
}
