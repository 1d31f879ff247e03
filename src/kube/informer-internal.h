/*
 * informer-internal.h: the informer's store, shared by informer.c (the
 * list and watch protocol) and informer-store.c (the indexes).  Not a
 * public header.
 *
 * A store is two chained hash tables: objects keyed "ns/name", and label
 * sets keyed "key=value" holding the entries that carry that label.  It
 * owns its objects; istore_put and istore_del hand the replaced or removed
 * object back to the caller, which reports it and frees it.
 */
#ifndef DATALAB_KUBE_INFORMER_INTERNAL_H
#define DATALAB_KUBE_INFORMER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
	const char *key;
};

struct htab {
	struct hnode **b;
	size_t nb, n;
};

struct istore_entry {
	struct hnode h;		/* first: an hnode * is an entry * */
	char *key;		/* "ns/name" */
	cJSON *obj;
	size_t bytes;
	unsigned mark;		/* the relist that last saw it */
};

struct istore {
	struct htab objs, labels;
	size_t bytes;		/* estimated: nodes and strings of the objects */
	bool keep_managed;	/* keep metadata.managedFields */
};

/* istore_key: "ns/name" of obj (xmalloc'd), NULL without a name. */
char *istore_key(const cJSON *obj);
struct istore_entry *istore_find(const struct istore *s, const char *key);
/* istore_put: takes key and obj; returns the object it replaced (the
 * caller frees it) or NULL for a new entry; *out is the entry. */
cJSON *istore_put(struct istore *s, char *key, cJSON *obj, struct istore_entry **out);
/* istore_del: unlinks and frees e; returns its object (the caller frees). */
cJSON *istore_del(struct istore *s, struct istore_entry *e);
/* istore_unmarked: the entries whose mark is not mark (xmalloc'd array). */
struct istore_entry **istore_unmarked(const struct istore *s, unsigned mark, size_t *n);
void istore_each(const struct istore *s, void (*fn)(const cJSON *obj, void *arg), void *arg);
void istore_each_label(const struct istore *s, const char *key, const char *value,
		       void (*fn)(const cJSON *obj, void *arg), void *arg);
/* istore_bytes: the estimate, indexes included. */
size_t istore_bytes(const struct istore *s);
void istore_release(struct istore *s);

#endif
