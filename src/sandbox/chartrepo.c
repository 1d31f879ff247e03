/*
 * chartrepo.c: chart folders -> .tgz archives + index.yaml (chartrepo.h).
 *
 * Per chart folder: Chart.yaml is parsed with helm/index's metadata
 * reader, the tree is walked (sorted, .helmignore applied, links skipped),
 * the archive is written to memory with libarchive and its sha256 taken;
 * then index.yaml is emitted by hand with every string double-quoted, so
 * no value can change type or meaning in the YAML.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/helm/chart.h"
#include "datalab/helm/index.h"
#include "datalab/helm/semver.h"
#include "datalab/sandbox/chartrepo.h"

#define MAX_DEPTH 32
#define MAX_FILES 20000
#define MAX_CHART_BYTES (256u << 20)

struct rules {
	char **pat;
	size_t n;
};

struct files {
	char **rel;		/* paths below the chart folder */
	size_t n;
	time_t newest;
};

struct built {
	struct index_version meta;
	char *file;		/* <name>-<version>.tgz */
	char digest[65];
	time_t created;
};

static void rules_load(struct rules *r, const char *dir)
{
	char *path = file_join(dir, ".helmignore");
	struct buf b;
	char **lines;
	size_t n;

	memset(r, 0, sizeof(*r));
	buf_init(&b, 1u << 20);
	if (file_read(path, &b, NULL) == 0) {
		lines = str_split(b.data, '\n', &n);
		for (size_t i = 0; i < n; i++) {
			char *l = str_trim(lines[i]);

			/* "!" negation is not supported: such lines are dropped */
			if (!*l || *l == '#' || *l == '!')
				continue;
			r->pat = xreallocarray(r->pat, r->n + 1, sizeof(*r->pat));
			r->pat[r->n++] = xstrdup(l);
		}
		str_free_list(lines);
	}
	buf_release(&b);
	free(path);
}

static void rules_release(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->pat[i]);
	free(r->pat);
}

static bool ignored(const struct rules *r, const char *rel, const char *base, bool isdir)
{
	static const char *const vcs[] = { ".git", ".hg", ".svn", ".bzr" };

	for (size_t i = 0; isdir && i < DL_ARRAY_LEN(vcs); i++)
		if (!strcmp(base, vcs[i]))
			return true;
	for (size_t i = 0; i < r->n; i++) {
		char pat[1024];
		size_t len = str_copy(pat, r->pat[i], sizeof(pat));

		if (len >= sizeof(pat))
			continue;
		if (len > 1 && pat[len - 1] == '/') {
			if (!isdir)
				continue;
			pat[len - 1] = '\0';
		}
		if (strchr(pat, '/') ? fnmatch(pat[0] == '/' ? pat + 1 : pat, rel, FNM_PATHNAME) == 0 :
		    fnmatch(pat, base, 0) == 0)
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *root, const char *rel, const struct rules *r, int depth,
		struct files *f, struct error *err)
{
	char *dirpath = *rel ? file_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dirpath);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		error_sys(err, "cannot open '%s'", dirpath);
		free(dirpath);
		return -1;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *sub = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		char *full = file_join(root, sub);
		struct stat st;

		if (lstat(full, &st) != 0) {
			rc = error_sys(err, "cannot stat '%s'", full);
		} else if (S_ISDIR(st.st_mode)) {
			if (!ignored(r, sub, names[i], true)) {
				if (depth >= MAX_DEPTH)
					rc = error_set(err, ERR_LIMIT, "'%s' nests too deep", full);
				else
					rc = walk(root, sub, r, depth + 1, f, err);
			}
		} else if (S_ISREG(st.st_mode) && !ignored(r, sub, names[i], false)) {
			if (f->n >= MAX_FILES) {
				rc = error_set(err, ERR_LIMIT, "'%s' holds over %d files", root, MAX_FILES);
			} else {
				f->rel = xreallocarray(f->rel, f->n + 1, sizeof(*f->rel));
				f->rel[f->n++] = sub;
				sub = NULL;
				if (st.st_mtime > f->newest)
					f->newest = st.st_mtime;
			}
		}
		free(sub);
		free(full);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dirpath);
	return rc;
}

/* helm package's order: these three first, then the walk's order. */
static int rank(const char *rel)
{
	if (!strcmp(rel, "Chart.yaml"))
		return 0;
	if (!strcmp(rel, "values.yaml"))
		return 1;
	if (!strcmp(rel, "values.schema.json"))
		return 2;
	return 3;
}

static int cmp_member(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = rank(x) - rank(y);

	return c ? c : strcmp(x, y);
}

static la_ssize_t to_buf(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	return buf_add(arg, p, n) == 0 ? (la_ssize_t)n : -1;
}

static int package(const char *dir, const char *name, struct files *f, struct buf *out,
		   struct error *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct buf data;
	int rc = -1;

	buf_init(&data, MAX_CHART_BYTES);
	archive_write_add_filter_gzip(a);
	/* no timestamp in the gzip header: the same input, the same bytes */
	archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, out, NULL, to_buf, NULL) != ARCHIVE_OK) {
		error_set(err, ERR_IO, "cannot start the archive of '%s': %s", name, archive_error_string(a));
		goto out;
	}
	if (f->n > 1)
		qsort(f->rel, f->n, sizeof(*f->rel), cmp_member);
	for (size_t i = 0; i < f->n; i++) {
		char *full = file_join(dir, f->rel[i]);
		char *member = xasprintf("%s/%s", name, f->rel[i]);
		int ok;

		buf_reset(&data);
		ok = file_read(full, &data, err) == 0;
		free(full);
		if (!ok) {
			free(member);
			goto out;
		}
		archive_entry_clear(e);
		archive_entry_set_pathname(e, member);
		free(member);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)data.len);
		archive_entry_set_mtime(e, f->newest, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (data.len && archive_write_data(a, data.data, data.len) != (la_ssize_t)data.len)) {
			error_set(err, ERR_IO, "cannot archive '%s/%s': %s", name, f->rel[i],
			    archive_error_string(a));
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		error_set(err, ERR_IO, "cannot finish the archive of '%s': %s", name, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	buf_release(&data);
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

static void files_release(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->rel[i]);
	free(f->rel);
}

/* Writes path only when its bytes differ (or it is missing). */
static int write_if_changed(const char *path, const void *p, size_t n, struct error *err)
{
	struct buf old;
	bool same;

	buf_init(&old, n + 1);
	same = file_read(path, &old, NULL) == 0 && old.len == n && memcmp(old.data, p, n) == 0;
	buf_release(&old);
	return same ? 0 : file_write_atomic(path, p, n, 0644, err);
}

static int build_one(const char *dir, const char *out_dir, struct built *b, struct error *err)
{
	char *cy = file_join(dir, "Chart.yaml");
	struct buf y, tgz;
	struct rules r;
	struct files f = { NULL, 0, 0 };
	char *path;
	int rc = -1;

	memset(b, 0, sizeof(*b));
	buf_init(&y, 1u << 20);
	buf_init(&tgz, MAX_CHART_BYTES);
	rules_load(&r, dir);
	if (file_read(cy, &y, err) != 0)
		goto out;
	if (index_parse_metadata(y.data, y.len, &b->meta, err) != 0) {
		char msg[sizeof(err->msg)];

		if (err) {
			str_copy(msg, err->msg, sizeof(msg));
			error_set(err, ERR_INVALID, "'%s': %s", cy, msg);
		}
		goto out;
	}
	if (walk(dir, "", &r, 0, &f, err) != 0 || package(dir, b->meta.name, &f, &tgz, err) != 0)
		goto out;
	b->created = f.newest;
	b->file = xasprintf("%s-%s.tgz", b->meta.name, b->meta.version);
	chart_sha256_hex(tgz.data, tgz.len, b->digest);
	path = file_join(out_dir, b->file);
	rc = write_if_changed(path, tgz.data, tgz.len, err);
	free(path);
out:
	files_release(&f);
	rules_release(&r);
	buf_release(&y);
	buf_release(&tgz);
	free(cy);
	return rc;
}

static void built_release(struct built *b)
{
	index_version_release(&b->meta);
	free(b->file);
}

/* A YAML double-quoted scalar: JSON-style escapes, valid UTF-8 only. */
static void yq(struct buf *out, const char *s)
{
	char *clean = NULL;

	if (!utf8_valid(s, strlen(s)))
		s = clean = utf8_sanitize_dup(s, UTF8_KEEP_NEWLINE | UTF8_KEEP_TAB);
	buf_addc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(out, "\\%c", c);
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
	buf_addc(out, '"');
	free(clean);
}

static void field(struct buf *out, const char *key, const char *value)
{
	if (!value)
		return;
	buf_addf(out, "    %s: ", key);
	yq(out, value);
	buf_addc(out, '\n');
}

static void list_field(struct buf *out, const char *key, char *const *v, size_t n)
{
	if (n == 0)
		return;
	buf_addf(out, "    %s:\n", key);
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "    - ");
		yq(out, v[i]);
		buf_addc(out, '\n');
	}
}

/* By name, then newest version first, as helm's index keeps them. */
static int cmp_built(const void *a, const void *b)
{
	const struct built *x = a, *y = b;
	int c = strcmp(x->meta.name, y->meta.name);

	return c ? c : semver_compare_str(y->meta.version, x->meta.version);
}

static void emit_index(struct buf *out, struct built *v, size_t n, const char *base_url)
{
	time_t generated = 0;
	char ts[32];
	size_t bl = strlen(base_url);

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_built);
	buf_adds(out, "apiVersion: v1\nentries:\n");
	if (n == 0)
		buf_adds(out, "  {}\n");
	for (size_t i = 0; i < n; i++) {
		const struct index_version *m = &v[i].meta;
		char *url = xasprintf("%.*s/%s", (int)(bl && base_url[bl - 1] == '/' ? bl - 1 : bl),
		    base_url, v[i].file);

		if (i == 0 || strcmp(v[i - 1].meta.name, m->name) != 0) {
			buf_adds(out, "  ");
			yq(out, m->name);
			buf_adds(out, ":\n");
		}
		time_rfc3339(ts, sizeof(ts), v[i].created);
		if (v[i].created > generated)
			generated = v[i].created;
		buf_adds(out, "  - apiVersion: ");
		yq(out, m->api_version ? m->api_version : "v2");
		buf_addc(out, '\n');
		field(out, "appVersion", m->app_version);
		field(out, "created", ts);
		field(out, "description", m->description);
		field(out, "digest", v[i].digest);
		field(out, "home", m->home);
		field(out, "icon", m->icon);
		list_field(out, "keywords", m->keywords, m->nkeywords);
		field(out, "kubeVersion", m->kube_version);
		field(out, "name", m->name);
		list_field(out, "sources", m->sources, m->nsources);
		field(out, "type", m->type);
		list_field(out, "urls", &url, 1);
		field(out, "version", m->version);
		free(url);
	}
	time_rfc3339(ts, sizeof(ts), generated);
	buf_adds(out, "generated: ");
	yq(out, ts);
	buf_addc(out, '\n');
}

int chartrepo_build(const char *charts_dir, const char *out_dir, const char *base_url,
		    struct error *err)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, nb = 0;
	struct built *v = NULL;
	struct buf idx;
	char *path;
	int rc = -1;

	if (file_mkdirs(out_dir, 0755, err) != 0)
		return -1;
	if (!(d = opendir(charts_dir)))
		return error_sys(err, "cannot open '%s'", charts_dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.') {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char *dir = file_join(charts_dir, names[i]);
		char *cy = file_join(dir, "Chart.yaml");
		struct stat st;
		bool is_chart = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && file_exists(cy);

		free(cy);
		if (is_chart && build_one(dir, out_dir, &v[nb], err) != 0) {
			free(dir);
			goto out;
		}
		free(dir);
		if (!is_chart)
			continue;
		for (size_t j = 0; j < nb; j++) {
			if (!strcmp(v[j].file, v[nb].file)) {
				error_set(err, ERR_CONFLICT, "'%s' and another folder are both %s",
				    names[i], v[nb].file);
				nb++;
				goto out;
			}
		}
		nb++;
	}
	buf_init(&idx, 0);
	emit_index(&idx, v, nb, base_url);
	path = file_join(out_dir, "index.yaml");
	rc = write_if_changed(path, idx.data, idx.len, err);
	free(path);
	buf_release(&idx);
out:
	for (size_t i = 0; i < nb; i++)
		built_release(&v[i]);
	free(v);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
