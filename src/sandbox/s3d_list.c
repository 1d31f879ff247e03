/*
 * s3d_list.c: ordered walks over the encoded key tree (see s3d_list.h).
 *
 * A folder's entries are read, decoded and sorted into a struct dlist;
 * folders of 64 entries or more are kept in a small cache (16 lists,
 * least recently used out) tagged with the store generation they were
 * read at, shared by reference count between threads.  Entries of one
 * folder stand for disjoint key intervals in sorted order (no segment
 * holds a '/'), so the first entry that may hold keys after the start key
 * is found by binary search.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_list.h"

#define CACHE_SLOTS 16
#define CACHE_MIN_ENTRIES 64
#define MAX_DEPTH 1100

struct dent {
	char *sortkey;		/* the segment, plus '/' for a folder */
	char *name;		/* the file name on disk */
	bool is_dir;
};

struct dlist {
	char *path;
	uint64_t gen;
	uint64_t used;
	int refs;
	size_t n;
	struct dent *e;
};

struct s3d_lister {
	struct s3d_store *st;
	pthread_mutex_t mu;
	struct dlist *slot[CACHE_SLOTS];
	uint64_t tick;
};

struct walk {
	struct s3d_lister *l;
	const char *prefix;
	size_t plen;
	const char *delim;
	size_t dlen;
	const char *after;
	size_t max;
	struct s3d_list_result *out;
	char *last_cp;
	bool stop;
	int rc;
};

static void dlist_unref(struct dlist *d)
{
	if (!d || --d->refs > 0)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].sortkey);
		free(d->e[i].name);
	}
	free(d->e);
	free(d->path);
	free(d);
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->sortkey, ((const struct dent *)b)->sortkey);
}

static struct dlist *dlist_read(const char *path, uint64_t gen)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	struct dlist *d;
	size_t cap = 0;

	if (!dir)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	d->gen = gen;
	d->refs = 1;
	while ((de = readdir(dir))) {
		struct buf seg;
		bool is_dir;

		if (de->d_name[0] == '.')
			continue;
		buf_init(&seg, 0);
		if (s3d_key_name_decode(de->d_name, &seg, &is_dir) < 0 || memchr(seg.data, '\0', seg.len)) {
			buf_release(&seg);
			continue;
		}
		if (d->n == cap) {
			cap = cap ? cap * 2 : 64;
			d->e = xreallocarray(d->e, cap, sizeof(*d->e));
		}
		if (is_dir)
			buf_addc(&seg, '/');
		d->e[d->n].sortkey = buf_take(&seg, NULL);
		d->e[d->n].name = xstrdup(de->d_name);
		d->e[d->n].is_dir = is_dir;
		d->n++;
	}
	closedir(dir);
	qsort(d->e, d->n, sizeof(*d->e), cmp_dent);
	return d;
}

/* dlist_get: the sorted entries of path, from the cache when fresh. */
static struct dlist *dlist_get(struct s3d_lister *l, const char *path)
{
	uint64_t gen = s3d_store_generation(l->st);
	struct dlist *d = NULL;
	int victim = 0;

	pthread_mutex_lock(&l->mu);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct dlist *c = l->slot[i];

		if (c && c->gen == gen && strcmp(c->path, path) == 0) {
			c->refs++;
			c->used = ++l->tick;
			pthread_mutex_unlock(&l->mu);
			return c;
		}
	}
	pthread_mutex_unlock(&l->mu);
	d = dlist_read(path, gen);
	if (!d || d->n < CACHE_MIN_ENTRIES)
		return d;
	pthread_mutex_lock(&l->mu);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (!l->slot[i] || l->slot[i]->gen != gen || strcmp(l->slot[i]->path, path) == 0) {
			victim = i;
			break;
		}
		if (l->slot[i]->used < l->slot[victim]->used)
			victim = i;
	}
	dlist_unref(l->slot[victim]);
	d->refs++;
	d->used = ++l->tick;
	l->slot[victim] = d;
	pthread_mutex_unlock(&l->mu);
	return d;
}

static bool starts(const char *s, const char *p, size_t plen)
{
	return strncmp(s, p, plen) == 0;
}

/* emit: one item; false once the page is full (truncated set). */
static bool emit(struct walk *w, const char *key, bool is_prefix, int dirfd, const char *file)
{
	struct s3d_list_item *it;

	if (w->out->n == w->max) {
		w->out->truncated = true;
		w->stop = true;
		return false;
	}
	it = &w->out->items[w->out->n];
	memset(it, 0, sizeof(*it));
	if (!is_prefix) {
		int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return true;	/* deleted meanwhile */
		if (s3d_meta_peek(fd, &it->size, it->etag, &it->mtime_ms) < 0) {
			close(fd);
			return true;	/* not one of ours */
		}
		close(fd);
	}
	it->key = xstrdup(key);
	it->is_prefix = is_prefix;
	w->out->n++;
	return true;
}

/* common_prefix: the CommonPrefix key k rolls up into, or NULL. */
static char *common_prefix(const struct walk *w, const char *k)
{
	const char *d;

	if (!w->dlen)
		return NULL;
	d = strstr(k + w->plen, w->delim);
	return d ? xstrndup(k, (size_t)(d - k) + w->dlen) : NULL;
}

static void emit_prefix(struct walk *w, char *cp)
{
	if ((w->after && strcmp(cp, w->after) <= 0) || (w->last_cp && strcmp(cp, w->last_cp) == 0)) {
		free(cp);
		return;
	}
	if (emit(w, cp, true, -1, NULL)) {
		free(w->last_cp);
		w->last_cp = cp;
	} else {
		free(cp);
	}
}

/* may_follow: can entry e (full key text f) hold keys after w->after? */
static bool may_follow(const struct walk *w, const char *f, bool is_dir)
{
	if (!w->after)
		return true;
	if (!is_dir)
		return strcmp(f, w->after) > 0;
	return strcmp(f, w->after) > 0 || starts(w->after, f, strlen(f));
}

static void walk_dir(struct walk *w, const char *path, const char *kp, int depth);

static void visit(struct walk *w, const char *path, int dirfd, const char *kp, const struct dent *e, int depth)
{
	char *full = xasprintf("%s%s", kp, e->sortkey);
	size_t flen = strlen(full);
	char *file = xasprintf("%s/%s", path, e->name);

	if (!e->is_dir) {
		if (starts(full, w->prefix, w->plen) && (!w->after || strcmp(full, w->after) > 0)) {
			char *cp = common_prefix(w, full);

			if (cp)
				emit_prefix(w, cp);
			else
				emit(w, full, false, dirfd, e->name);
		}
	} else if (starts(full, w->prefix, w->plen) || starts(w->prefix, full, flen)) {
		char *cp = NULL;

		if (w->dlen && flen >= w->plen) {
			const char *d = strstr(full + w->plen, w->delim);

			/* the whole folder folds into one prefix when the
			 * delimiter ends within its own key text */
			if (d && (size_t)(d - full) + w->dlen <= flen)
				cp = xstrndup(full, (size_t)(d - full) + w->dlen);
		}
		if (cp && ((w->after && strcmp(cp, w->after) <= 0) || (w->last_cp && strcmp(cp, w->last_cp) == 0))) {
			free(cp);	/* already listed: no need to look inside */
		} else if (cp) {
			struct s3d_list_result probe = { 0 };
			struct s3d_list_item one;
			struct walk sub = { .l = w->l, .prefix = "", .delim = "", .max = 1, .out = &probe };

			/* only a folder that still holds an object counts */
			probe.items = &one;
			walk_dir(&sub, file, full, depth + 1);
			if (probe.n) {
				free(one.key);
				emit_prefix(w, cp);
			} else {
				free(cp);
			}
		} else if (depth < MAX_DEPTH) {
			walk_dir(w, file, full, depth + 1);
		}
	}
	free(full);
	free(file);
}

static void walk_dir(struct walk *w, const char *path, const char *kp, int depth)
{
	struct dlist *d = dlist_get(w->l, path);
	size_t lo = 0, hi;
	int dirfd;

	if (!d)
		return;
	/* binary search: the first entry that may hold keys after w->after */
	hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		char *f = xasprintf("%s%s", kp, d->e[mid].sortkey);
		bool ok = may_follow(w, f, d->e[mid].is_dir);

		free(f);
		if (ok)
			hi = mid;
		else
			lo = mid + 1;
	}
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = lo; dirfd >= 0 && i < d->n && !w->stop; i++)
		visit(w, path, dirfd, kp, &d->e[i], depth);
	if (dirfd >= 0)
		close(dirfd);
	pthread_mutex_lock(&w->l->mu);
	dlist_unref(d);
	pthread_mutex_unlock(&w->l->mu);
}

struct s3d_lister *s3d_list_new(struct s3d_store *st)
{
	struct s3d_lister *l = xcalloc(1, sizeof(*l));

	l->st = st;
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void s3d_list_free(struct s3d_lister *l)
{
	if (!l)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		dlist_unref(l->slot[i]);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int s3d_list_page(struct s3d_lister *l, const char *bucket, const struct s3d_list_opts *o, struct s3d_list_result *out,
	     struct error *err)
{
	struct walk w = { 0 };
	const char *prefix = o->prefix ? o->prefix : "";
	const char *slash = strrchr(prefix, '/');
	char *root = s3d_store_bucket_path(l->st, bucket);
	char *kp = xstrndup(prefix, slash ? (size_t)(slash - prefix) + 1 : 0);
	char *rel = NULL, *start;

	memset(out, 0, sizeof(*out));
	if (!s3d_store_bucket_exists(l->st, bucket)) {
		free(root);
		free(kp);
		return error_set(err, ERR_NOT_FOUND, "The specified bucket does not exist");
	}
	if (*kp) {
		/* "a/b/" -> "a%2F/b%2F": the key path of "a/b/x" minus "x" */
		char *withx = xasprintf("%sx", kp);

		rel = s3d_key_path(withx);
		rel[strlen(rel) - 2] = '\0';
		free(withx);
		start = xasprintf("%s/%s", root, rel);
	} else {
		start = xstrdup(root);
	}
	w.l = l;
	w.prefix = prefix;
	w.plen = strlen(prefix);
	w.delim = o->delimiter ? o->delimiter : "";
	w.dlen = strlen(w.delim);
	w.after = o->after && *o->after ? o->after : NULL;
	w.max = o->max_keys;
	w.out = out;
	out->items = xcalloc(o->max_keys + 1, sizeof(*out->items));
	if (o->max_keys > 0)
		walk_dir(&w, start, kp, 0);
	free(w.last_cp);
	free(root);
	free(kp);
	free(rel);
	free(start);
	return 0;
}

void s3d_list_result_release(struct s3d_list_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].key);
	free(r->items);
	memset(r, 0, sizeof(*r));
}
