/*
 * informer-store.c: the informer's store and its indexes (see
 * informer-internal.h).
 *
 * Both tables chain their nodes, which live inside the entries and label
 * sets themselves, so an insert allocates the entry and nothing else.  The
 * label index holds entry pointers; an update unindexes the old labels and
 * indexes the new ones.  Sizes are estimates: cJSON nodes and the strings
 * they own, without allocator overhead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "informer-internal.h"

/* ---- chained hash tables of string keys ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static struct hnode *htab_find(const struct htab *t, const char *key)
{
	uint64_t h;
	struct hnode *n;

	if (!t->nb)
		return NULL;
	h = hash_str(key);
	for (n = t->b[h & (t->nb - 1)]; n; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

static void htab_grow(struct htab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64;
	struct hnode **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < t->nb; i++) {
		struct hnode *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* htab_add: n->key must be set and absent from t */
static void htab_add(struct htab *t, struct hnode *n)
{
	if (t->n >= t->nb)
		htab_grow(t);
	n->hash = hash_str(n->key);
	n->next = t->b[n->hash & (t->nb - 1)];
	t->b[n->hash & (t->nb - 1)] = n;
	t->n++;
}

static void htab_del(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->b[n->hash & (t->nb - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			t->n--;
			return;
		}
	}
}

/* ---- objects and label sets ---- */

struct lset {
	struct hnode h;
	char *kv;		/* "key=value" */
	struct istore_entry **v;
	size_t n, cap;
};

static size_t json_bytes(const cJSON *j)
{
	size_t n = 0;

	for (; j; j = j->next) {
		n += sizeof(*j);
		if (j->string)
			n += strlen(j->string) + 1;
		if (j->valuestring)
			n += strlen(j->valuestring) + 1;
		if (j->child)
			n += json_bytes(j->child);
	}
	return n;
}

static size_t obj_bytes(const cJSON *obj)
{
	return sizeof(*obj) + (obj->child ? json_bytes(obj->child) : 0);
}

char *istore_key(const cJSON *obj)
{
	const char *name = json_str(obj, "metadata.name", NULL);

	if (!name || !*name)
		return NULL;
	return xasprintf("%s/%s", json_str(obj, "metadata.namespace", ""), name);
}

static void lset_add(struct istore *s, const char *k, const char *v, struct istore_entry *e)
{
	char *kv = xasprintf("%s=%s", k, v);
	struct lset *l = (struct lset *)htab_find(&s->labels, kv);

	if (!l) {
		l = xcalloc(1, sizeof(*l));
		l->kv = kv;
		l->h.key = l->kv;
		htab_add(&s->labels, &l->h);
	} else {
		free(kv);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = e;
}

static void lset_del(struct istore *s, const char *k, const char *v, struct istore_entry *e)
{
	char *kv = xasprintf("%s=%s", k, v);
	struct lset *l = (struct lset *)htab_find(&s->labels, kv);

	free(kv);
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] == e) {
			l->v[i] = l->v[--l->n];
			break;
		}
	}
	if (l->n == 0) {
		htab_del(&s->labels, &l->h);
		free(l->kv);
		free(l->v);
		free(l);
	}
}

static void index_labels(struct istore *s, struct istore_entry *e, bool add)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, json_get(e->obj, "metadata.labels")) {
		if (!l->string || !cJSON_IsString(l))
			continue;
		if (add)
			lset_add(s, l->string, l->valuestring, e);
		else
			lset_del(s, l->string, l->valuestring, e);
	}
}

struct istore_entry *istore_find(const struct istore *s, const char *key)
{
	return (struct istore_entry *)htab_find(&s->objs, key);
}

cJSON *istore_put(struct istore *s, char *key, cJSON *obj, struct istore_entry **out)
{
	struct istore_entry *e = istore_find(s, key);
	cJSON *old = NULL;

	/* what the store keeps: managedFields only on request, as client-go's
	 * TransformStripManagedFields */
	if (!s->keep_managed)
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
							"managedFields");
	if (e) {
		free(key);
		index_labels(s, e, false);
		s->bytes -= e->bytes;
		old = e->obj;
	} else {
		e = xcalloc(1, sizeof(*e));
		e->key = key;
		e->h.key = e->key;
		htab_add(&s->objs, &e->h);
		s->bytes += sizeof(*e) + strlen(key) + 1;
	}
	e->obj = obj;
	e->bytes = obj_bytes(obj);
	s->bytes += e->bytes;
	index_labels(s, e, true);
	*out = e;
	return old;
}

cJSON *istore_del(struct istore *s, struct istore_entry *e)
{
	cJSON *obj = e->obj;

	index_labels(s, e, false);
	htab_del(&s->objs, &e->h);
	s->bytes -= e->bytes + sizeof(*e) + strlen(e->key) + 1;
	free(e->key);
	free(e);
	return obj;
}

struct istore_entry **istore_unmarked(const struct istore *s, unsigned mark, size_t *n)
{
	struct istore_entry **v = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < s->objs.nb; i++) {
		for (struct hnode *h = s->objs.b[i]; h; h = h->next) {
			struct istore_entry *e = (struct istore_entry *)h;

			if (e->mark == mark)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[(*n)++] = e;
		}
	}
	return v;
}

void istore_each(const struct istore *s, void (*fn)(const cJSON *obj, void *arg), void *arg)
{
	for (size_t i = 0; i < s->objs.nb; i++)
		for (struct hnode *n = s->objs.b[i]; n; n = n->next)
			fn(((struct istore_entry *)n)->obj, arg);
}

void istore_each_label(const struct istore *s, const char *key, const char *value,
		       void (*fn)(const cJSON *obj, void *arg), void *arg)
{
	char *kv = xasprintf("%s=%s", key, value);
	const struct lset *l = (const struct lset *)htab_find(&s->labels, kv);

	free(kv);
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		/* "a=b" + "c" and "a" + "b=c" share a slot: check the real pair */
		const cJSON *v = json_get_key(json_get(l->v[i]->obj, "metadata.labels"), key);

		if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
			fn(l->v[i]->obj, arg);
	}
}

size_t istore_bytes(const struct istore *s)
{
	size_t n = s->bytes + (s->objs.nb + s->labels.nb) * sizeof(void *);

	for (size_t i = 0; i < s->labels.nb; i++)
		for (struct hnode *h = s->labels.b[i]; h; h = h->next)
			n += sizeof(struct lset) + strlen(h->key) + 1 + ((const struct lset *)h)->cap * sizeof(void *);
	return n;
}

void istore_release(struct istore *s)
{
	for (size_t i = 0; i < s->objs.nb; i++) {
		struct hnode *n = s->objs.b[i], *next;

		for (; n; n = next) {
			struct istore_entry *e = (struct istore_entry *)n;

			next = n->next;
			cJSON_Delete(e->obj);
			free(e->key);
			free(e);
		}
	}
	free(s->objs.b);
	for (size_t i = 0; i < s->labels.nb; i++) {
		struct hnode *n = s->labels.b[i], *next;

		for (; n; n = next) {
			struct lset *l = (struct lset *)n;

			next = n->next;
			free(l->kv);
			free(l->v);
			free(l);
		}
	}
	free(s->labels.b);
	memset(s, 0, sizeof(*s));
}
