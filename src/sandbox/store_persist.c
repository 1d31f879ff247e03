/*
 * store_persist.c: the store's journal records (see store.h): replay at
 * open, the line of each write, compaction.
 *
 * Records, one line each:
 *   R <rv>                              the counter (first line after compaction)
 *   P <group>/<resource> <rv> <json>    an object as stored
 *   D <group>/<resource> <rv> ["ns","name"]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "store-internal.h"

/* ---- journal ---- */

void store_line_key(struct buf *b, const char *op, const struct bucket *bk, uint64_t rv)
{
	buf_reset(b);
	buf_addf(b, "%s %s/%s %llu ", op, bk->group, bk->resource, (unsigned long long)rv);
}

static int compact_write(struct buf *out, void *arg)
{
	struct store *s = arg;
	size_t pass, i, j;

	buf_addf(out, "R %llu\n", (unsigned long long)s->rv);
	/* CRDs first (their kinds must exist before their objects), then
	 * namespaces, then everything else */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < s->nb; i++) {
			struct bucket *bk = s->b[i];
			bool crd = strcmp(bk->resource, "customresourcedefinitions") == 0;
			bool ns = !*bk->group && strcmp(bk->resource, "namespaces") == 0;

			if ((pass == 0) != crd || (pass == 1) != ns)
				continue;
			for (j = 0; j < bk->n; j++) {
				buf_addf(out, "P %s/%s %llu ", bk->group, bk->resource,
					 (unsigned long long)bk->v[j]->rv);
				buf_add(out, bk->v[j]->json, bk->v[j]->len);
				if (buf_addc(out, '\n') < 0)
					return -1;
			}
		}
	}
	return 0;
}

int store_compact(struct store *s, struct error *err)
{
	return journal_rewrite(s->j, compact_write, s, err);
}

void store_maybe_compact(struct store *s)
{
	struct error err;

	if (journal_bytes(s->j) < 4 * 1024 * 1024 || journal_bytes(s->j) < 2 * s->live_bytes + 1024 * 1024)
		return;
	if (store_compact(s, &err) < 0)
		log_warn("store: compaction failed: %s", err.msg);
}

/* ---- replay ---- */

static int replay_line(const char *line, size_t n, void *arg, struct error *err)
{
	struct store *s = arg;
	char op = line[0];
	const char *p = line + 2, *sp, *slash;
	char *group, *resource, *end;
	unsigned long long rv;
	const struct kind *k;
	struct bucket *bk;

	if (n < 3 || line[1] != ' ')
		return error_set(err, ERR_PARSE, "bad journal record");
	if (op == 'R') {
		rv = strtoull(p, NULL, 10);
		if (rv > s->rv)
			s->rv = rv;
		return 0;
	}
	sp = strchr(p, ' ');
	slash = memchr(p, '/', sp ? (size_t)(sp - p) : 0);
	if (!sp || !slash)
		return error_set(err, ERR_PARSE, "bad journal record key");
	group = xstrndup(p, (size_t)(slash - p));
	resource = xstrndup(slash + 1, (size_t)(sp - slash - 1));
	rv = strtoull(sp + 1, &end, 10);
	if (*end == ' ')
		end++;
	if (rv > s->rv)
		s->rv = rv;
	k = kinds_find_storage(s->ks, group, resource);
	bk = store_bucket_find(s, group, resource, k != NULL);
	if (k && bk && !bk->kind)
		bk->kind = k;
	free(group);
	free(resource);
	if (!k || !bk) {
		log_warn("journal: skipping an object of an unknown kind");
		return 0;
	}
	if (op == 'P') {
		size_t jl = n - (size_t)(end - line);
		cJSON *tree = cJSON_ParseWithLength(end, jl);
		struct store_obj *o;
		bool found;
		size_t i;

		if (!tree)
			return error_set(err, ERR_PARSE, "bad object in journal at rv %llu", rv);
		o = store_obj_new(bk->kind, tree, rv, xmemdup(end, jl), jl);
		i = store_bucket_search(bk, o->ns, o->name, &found);
		if (found) {
			s->live_bytes -= DL_MIN(s->live_bytes, bk->v[i]->len);
			store_umap_del(&s->uids, store_uid_of(bk->v[i]));
		}
		s->live_bytes += o->len;
		store_bucket_put(bk, o);
		store_umap_put(&s->uids, o);
		store_crd_changed(s, bk, STORE_ADDED, tree);
	} else if (op == 'D') {
		cJSON *key = cJSON_Parse(end);
		const char *ns = cJSON_GetStringValue(cJSON_GetArrayItem(key, 0));
		const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(key, 1));
		bool found;
		size_t i;

		if (!ns || !name) {
			cJSON_Delete(key);
			return error_set(err, ERR_PARSE, "bad delete record in journal at rv %llu", rv);
		}
		i = store_bucket_search(bk, ns, name, &found);
		if (found) {
			s->live_bytes -= DL_MIN(s->live_bytes, bk->v[i]->len);
			store_umap_del(&s->uids, store_uid_of(bk->v[i]));
			store_crd_changed(s, bk, STORE_DELETED, bk->v[i]->obj);
			store_bucket_remove(bk, ns, name);
		}
		cJSON_Delete(key);
	} else {
		return error_set(err, ERR_PARSE, "bad journal record type '%c'", op);
	}
	return 0;
}

struct store *store_open(const char *dir, struct kinds *ks, struct loop *l,
			 const struct store_opts *opts, struct error *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	char *path;

	s->dir = file_join(dir, "store");
	s->ks = ks;
	s->loop = l;
	if (opts)
		s->opts = *opts;
	s->ring_cap = s->opts.ring ? s->opts.ring : 10000;
	s->ring = xcalloc(s->ring_cap, sizeof(*s->ring));
	buf_init(&s->line, 0);
	if (file_mkdirs(s->dir, 0700, err) < 0) {
		store_close(s);
		return NULL;
	}
	path = file_join(s->dir, "journal");
	s->loading = true;
	s->j = journal_open(path, !s->opts.no_fsync, replay_line, s, err);
	s->loading = false;
	free(path);
	if (!s->j) {
		store_close(s);
		return NULL;
	}
	s->oldest = s->rv;
	store_maybe_compact(s);
	return s;
}

void store_close(struct store *s)
{
	size_t i, j;

	if (!s)
		return;
	journal_close(s->j);
	for (i = 0; i < s->nb; i++) {
		for (j = 0; j < s->b[i]->n; j++)
			store_obj_unref(s->b[i]->v[j]);
		free(s->b[i]->v);
		free(s->b[i]->group);
		free(s->b[i]->resource);
		free(s->b[i]);
	}
	free(s->b);
	for (i = 0; i < s->ring_len; i++) {
		struct store_event *ev = &s->ring[(s->ring_start + i) % s->ring_cap];

		store_obj_unref(ev->obj);
		store_obj_unref(ev->old);
	}
	free(s->ring);
	for (i = 0; i < s->qlen; i++) {
		store_obj_unref(s->queue[s->qhead + i].obj);
		store_obj_unref(s->queue[s->qhead + i].old);
	}
	free(s->queue);
	free(s->uids.slots);
	free(s->subs);
	free(s->admits);
	free(s->graceful);
	s->dispatching = false;
	store_release_holds(s);
	free(s->held);
	buf_release(&s->line);
	free(s->dir);
	free(s);
}

