/*
 * chart.c: chart archives in memory (libarchive), digests, the cache.
 *
 * chart_load makes one pass over the tar: each member is checked, then
 * read in blocks against a byte budget shared with nested archives, so a
 * gzip bomb stops at the cap whatever its headers claim.  Members are kept
 * in a flat list (the wanted ones with their bytes), then build() cuts the
 * list into the chart and its dependencies by path prefix.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "datalab/core/common.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/xdg.h"
#include "datalab/helm/chart.h"

#define BLOCK 65536

static const struct chart_limits default_limits = { 64u << 20, 20000, 1024, 8 };

struct budget {
	const struct chart_limits *lim;
	size_t bytes;		/* uncompressed bytes read so far */
	size_t entries;
};

struct member {
	char *path;		/* below the top folder */
	char *data;		/* kept members only */
	size_t len;
};

struct members {
	char *top;
	struct member *v;
	size_t n;
};

static void members_release(struct members *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].path);
		free(m->v[i].data);
	}
	free(m->v);
	free(m->top);
}

/* A member name fit for an error message: printable ASCII, capped. */
static void printable(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < size; s++)
		dst[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	dst[i] = '\0';
}

/* Checks a member name; on success *rest points after the top folder. */
static int check_path(const char *path, const struct chart_limits *lim,
		      struct members *m, const char **rest, struct error *err)
{
	char shown[96];
	size_t n = path ? strlen(path) : 0, top;
	const char *seg;

	printable(shown, sizeof(shown), path);
	if (n == 0 || n > lim->max_path)
		return error_set(err, ERR_LIMIT, "chart member name is empty or over %zu bytes",
		    lim->max_path);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return error_set(err, ERR_INVALID, "chart member '%s' has control bytes in its name", shown);
	if (path[0] == '/')
		return error_set(err, ERR_INVALID, "chart member '%s' has an absolute path", shown);
	seg = path;
	while (*seg) {
		size_t len = strcspn(seg, "/");

		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return error_set(err, ERR_INVALID, "chart member '%s' has a '.' or '..' segment", shown);
		if (len == 0)
			return error_set(err, ERR_INVALID, "chart member '%s' has an empty segment", shown);
		seg += len;
		if (*seg == '/')
			seg++;
	}
	top = strcspn(path, "/");
	if (!m->top)
		m->top = xstrndup(path, top);
	else if (strlen(m->top) != top || memcmp(m->top, path, top) != 0)
		return error_set(err, ERR_INVALID, "chart member '%s' is outside the folder '%s'", shown, m->top);
	*rest = path[top] == '/' ? path + top + 1 : path + top;
	return 0;
}

static bool wanted(const char *rest)
{
	static const char *const names[] = {
		"Chart.yaml", "values.yaml", "values.schema.json", "README.md",
		"templates/NOTES.txt",
	};
	size_t n = strlen(rest);

	for (;;) {
		for (size_t i = 0; i < DL_ARRAY_LEN(names); i++)
			if (!strcmp(rest, names[i]))
				return true;
		/* charts/<dep>.tgz, or recurse into charts/<dep>/ */
		if (strncmp(rest, "charts/", 7) != 0)
			return false;
		rest += 7;
		n = strcspn(rest, "/");
		if (rest[n] == '\0')
			return n > 4 && !strcmp(rest + n - 4, ".tgz");
		rest += n + 1;
	}
}

static int read_members(const void *p, size_t n, struct budget *b, struct members *m,
			struct error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *block = xmalloc(BLOCK);
	int rc = -1, r;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		/* a gzip stream that ends before one tar header: truncated */
		error_set(err, ERR_PARSE, "%s: %s", archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP ?
		    "chart archive is damaged" : "not a chart archive", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *rest = "";
		struct member mb = { NULL, NULL, 0 };
		struct buf data;
		bool keep;
		mode_t type = archive_entry_filetype(e);
		char shown[96];

		if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
			error_set(err, ERR_PARSE, "not a chart archive: not gzip-compressed");
			goto out;
		}
		if (++b->entries > b->lim->max_entries) {
			error_set(err, ERR_LIMIT, "chart archive has more than %zu members", b->lim->max_entries);
			goto out;
		}
		if (check_path(archive_entry_pathname(e), b->lim, m, &rest, err) != 0)
			goto out;
		printable(shown, sizeof(shown), archive_entry_pathname(e));
		if (archive_entry_hardlink(e) || type == AE_IFLNK) {
			error_set(err, ERR_INVALID, "chart member '%s' is a link", shown);
			goto out;
		}
		if (type == AE_IFDIR)
			continue;
		if (type != AE_IFREG) {
			error_set(err, ERR_INVALID, "chart member '%s' is not a regular file", shown);
			goto out;
		}
		keep = wanted(rest);
		buf_init(&data, b->lim->max_total - b->bytes);
		for (;;) {
			la_ssize_t got = archive_read_data(a, block, BLOCK);

			if (got < 0) {
				error_set(err, ERR_PARSE, "chart archive is damaged: %s", archive_error_string(a));
				buf_release(&data);
				goto out;
			}
			if (got == 0)
				break;
			if ((size_t)got > b->lim->max_total - b->bytes) {
				error_set(err, ERR_LIMIT, "chart archive inflates past %zu bytes", b->lim->max_total);
				buf_release(&data);
				goto out;
			}
			b->bytes += (size_t)got;
			if (keep)
				buf_add(&data, block, (size_t)got);
		}
		mb.path = xstrdup(rest);
		if (keep) {
			mb.len = data.len;
			mb.data = buf_take(&data, NULL);
		}
		m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
		m->v[m->n++] = mb;
	}
	if (r != ARCHIVE_EOF) {
		error_set(err, ERR_PARSE, "chart archive is damaged: %s", archive_error_string(a));
		goto out;
	}
	if (!m->top) {
		error_set(err, ERR_PARSE, "chart archive is empty");
		goto out;
	}
	rc = 0;
out:
	free(block);
	archive_read_free(a);
	return rc;
}

void chart_free(struct chart *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ndeps; i++)
		chart_free(c->deps[i]);
	free(c->deps);
	free(c->dir);
	index_version_release(&c->meta);
	free(c->chart_yaml.data);
	free(c->values.data);
	free(c->schema.data);
	free(c->readme.data);
	free(c->notes.data);
	free(c);
}

static int load_nested(const void *p, size_t n, struct budget *b, int depth,
		       struct chart **out, struct error *err);

static void take_text(struct member *mb, struct chart_text *t)
{
	t->data = mb->data ? mb->data : xstrdup("");
	t->len = mb->len;
	mb->data = NULL;
}

static int cmp_dep(const void *a, const void *b)
{
	return strcmp((*(struct chart *const *)a)->dir, (*(struct chart *const *)b)->dir);
}

/* The chart whose files start with prefix (e.g. "charts/dep/"). */
static int build(struct members *m, const char *prefix, const char *dir, struct budget *b,
		 int depth, struct chart **out, struct error *err)
{
	struct chart *c = xcalloc(1, sizeof(*c));
	size_t pl = strlen(prefix);

	*out = NULL;
	c->dir = xstrdup(dir);
	if (depth > b->lim->max_depth) {
		chart_free(c);
		return error_set(err, ERR_LIMIT, "chart dependencies nest deeper than %d", b->lim->max_depth);
	}
	for (size_t i = 0; i < m->n; i++) {
		struct member *mb = &m->v[i];
		const char *r;
		size_t dl;

		if (strncmp(mb->path, prefix, pl) != 0)
			continue;
		r = mb->path + pl;
		if (strncmp(r, "charts/", 7) == 0) {
			struct chart *dep = NULL;
			char *sub, *name;
			int rc;

			r += 7;
			dl = strcspn(r, "/");
			if (r[dl] == '/') {
				/* one folder dependency per charts/<dep>/Chart.yaml */
				if (strcmp(r + dl, "/Chart.yaml") != 0)
					continue;
				sub = xasprintf("%scharts/%.*s/", prefix, (int)dl, r);
				name = xstrndup(r, dl);
				rc = build(m, sub, name, b, depth + 1, &dep, err);
				free(sub);
				free(name);
				if (rc != 0)
					goto fail;
			} else if (mb->data) {
				if (load_nested(mb->data, mb->len, b, depth + 1, &dep, err) != 0)
					goto fail;
			} else {
				continue;
			}
			c->deps = xreallocarray(c->deps, c->ndeps + 1, sizeof(*c->deps));
			c->deps[c->ndeps++] = dep;
			continue;
		}
		c->nfiles++;
		if (strncmp(r, "templates/", 10) == 0)
			c->ntemplates++;
		if (!mb->data)
			continue;
		if (!strcmp(r, "Chart.yaml"))
			take_text(mb, &c->chart_yaml);
		else if (!strcmp(r, "values.yaml"))
			take_text(mb, &c->values);
		else if (!strcmp(r, "values.schema.json"))
			take_text(mb, &c->schema);
		else if (!strcmp(r, "README.md"))
			take_text(mb, &c->readme);
		else if (!strcmp(r, "templates/NOTES.txt"))
			take_text(mb, &c->notes);
	}
	if (!c->chart_yaml.data) {
		char shown[96];

		printable(shown, sizeof(shown), dir);
		error_set(err, ERR_INVALID, "chart '%s' has no Chart.yaml", shown);
		goto fail;
	}
	if (index_parse_metadata(c->chart_yaml.data, c->chart_yaml.len, &c->meta, err) != 0)
		goto fail;
	if (c->ndeps > 1)
		qsort(c->deps, c->ndeps, sizeof(*c->deps), cmp_dep);
	*out = c;
	return 0;
fail:
	chart_free(c);
	return -1;
}

static int load_nested(const void *p, size_t n, struct budget *b, int depth,
		       struct chart **out, struct error *err)
{
	struct members m = { NULL, NULL, 0 };
	int rc;

	*out = NULL;
	if (depth > b->lim->max_depth)
		return error_set(err, ERR_LIMIT, "chart dependencies nest deeper than %d", b->lim->max_depth);
	rc = read_members(p, n, b, &m, err);
	if (rc == 0)
		rc = build(&m, "", m.top, b, depth, out, err);
	members_release(&m);
	return rc;
}

int chart_load(const void *p, size_t n, const struct chart_limits *limits,
	       struct chart **out, struct error *err)
{
	struct budget b = { limits ? limits : &default_limits, 0, 0 };

	return load_nested(p, n, &b, 0, out, err);
}

const struct chart *chart_find_dep(const struct chart *c, const char *name)
{
	for (size_t i = 0; i < c->ndeps; i++)
		if (!strcmp(c->deps[i]->meta.name, name))
			return c->deps[i];
	return NULL;
}

void chart_sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
		fatal("sha256 failed");
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static bool digest_ok(const char *d)
{
	size_t i = 0;

	for (; d && d[i]; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f') ||
		    (d[i] >= 'A' && d[i] <= 'F')))
			return false;
	return i == 64;
}

int chart_verify_digest(const void *p, size_t n, const char *digest, struct error *err)
{
	char got[65];

	if (!digest_ok(digest))
		return error_set(err, ERR_INVALID, "chart digest is not a sha256");
	chart_sha256_hex(p, n, got);
	if (strcasecmp(got, digest) != 0)
		return error_set(err, ERR_INVALID, "chart archive does not match its digest: sha256 is %.12s..., index says %.12s...",
		    got, digest);
	return 0;
}

char *chart_cache_path(const char *digest, struct error *err)
{
	char *dir, *path, lower[65];

	if (!digest_ok(digest)) {
		error_set(err, ERR_INVALID, "chart digest is not a sha256");
		return NULL;
	}
	for (int i = 0; i < 65; i++)
		lower[i] = (char)(digest[i] >= 'A' && digest[i] <= 'F' ? digest[i] - 'A' + 'a' : digest[i]);
	if (!(dir = xdg_path(XDG_CACHE, "charts", err)))
		return NULL;
	if (file_mkdirs(dir, 0700, err) != 0) {
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/%s.tgz", dir, lower);
	free(dir);
	return path;
}

int chart_cache_store(const char *digest, const void *p, size_t n, struct error *err)
{
	char *path;
	int rc;

	if (chart_verify_digest(p, n, digest, err) != 0)
		return -1;
	if (!(path = chart_cache_path(digest, err)))
		return -1;
	rc = file_write_atomic(path, p, n, 0600, err);
	free(path);
	return rc;
}

int chart_cache_load(const char *digest, struct buf *out, struct error *err)
{
	char *path = chart_cache_path(digest, err);
	size_t start = out->len;

	if (!path)
		return -1;
	if (!file_exists(path)) {
		free(path);
		return error_set(err, ERR_NOT_FOUND, "chart %.12s... is not cached", digest);
	}
	if (file_read(path, out, err) != 0) {
		free(path);
		return -1;
	}
	if (chart_verify_digest(out->data + start, out->len - start, digest, NULL) != 0) {
		/* a torn or tampered cache entry: drop it, fetch again */
		unlink(path);
		buf_truncate(out, start);
		free(path);
		return error_set(err, ERR_NOT_FOUND, "cached chart %.12s... was damaged and is removed", digest);
	}
	free(path);
	return 0;
}
