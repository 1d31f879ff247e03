/*
 * store_write.c: the store's write pipeline (see store.h): create, update,
 * delete.  Each write checks the request (names, labels, namespace,
 * preconditions), sets the system fields (uid, times, generation,
 * resourceVersion, managedFields), runs the kind's strategy and the
 * admission hooks, and only then commits through store.c, so a refused
 * write leaves the store untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/sandbox/patch.h"
#include "datalab/sandbox/strategy.h"
#include "datalab/sandbox/validate.h"
#include "store-internal.h"

#define DEFAULT_MANAGER "datalab-sandbox"

/* ---- writes ---- */

static bool has_generation(const struct kind *k)
{
	static const char *const groups[] = { "apps", "batch", "networking.k8s.io", "policy",
					      "autoscaling", "apiextensions.k8s.io" };
	size_t i;

	if (!k->builtin)
		return true;
	for (i = 0; i < DL_ARRAY_LEN(groups); i++)
		if (strcmp(k->group, groups[i]) == 0)
			return true;
	return !*k->group && (strcmp(k->resource, "pods") == 0 ||
			      strcmp(k->resource, "replicationcontrollers") == 0);
}

static cJSON *meta_of(cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	if (!cJSON_IsObject(md)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
		md = cJSON_AddObjectToObject(obj, "metadata");
	}
	return md;
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (v)
		cJSON_AddStringToObject(o, key, v);
}

static void set_item(cJSON *o, const char *key, const cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (v)
		cJSON_AddItemToObject(o, key, cJSON_Duplicate(v, 1));
}

/* set_type: apiVersion and kind first, as the apiserver prints them. */
static void set_type(cJSON *obj, const struct kind *k)
{
	cJSON *av = cJSON_CreateString(k->api_version), *kd = cJSON_CreateString(k->kind);

	cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
	av->string = xstrdup("apiVersion");
	kd->string = xstrdup("kind");
	cJSON_InsertItemInArray(obj, 0, kd);
	cJSON_InsertItemInArray(obj, 0, av);
}

/* generateName's suffix alphabet (apimachinery util/rand: no vowels or
 * look-alikes, so no words appear) */
static void random_suffix(char out[6])
{
	static const char set[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[5];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	for (i = 0; i < 5; i++)
		out[i] = set[b[i] % (sizeof(set) - 1)];
	out[5] = '\0';
}

static int admit(struct store *s, enum store_op op, const struct kind *k, cJSON *obj,
		 const struct store_obj *old, const struct store_write *w, struct status *st)
{
	static const struct store_write none;
	size_t i;

	for (i = 0; i < s->nadmits; i++)
		if (s->admits[i].fn(s, op, k, obj, old, w ? w : &none, st, s->admits[i].arg) < 0) {
			if (!st->code)
				status_set(st, 403, "Forbidden", "admission refused the request");
			return -1;
		}
	return 0;
}

/* check_namespace: the namespace of a namespaced object exists and is not
 * terminating. */
static int check_namespace(struct store *s, const struct kind *k, const char *ns, const char *name,
			   struct status *st)
{
	const struct kind *nsk = kinds_find_storage(s->ks, "", "namespaces");
	const struct store_obj *n = store_get(s, nsk, "", ns);

	if (!n)
		return status_not_found(st, "", "namespaces", ns);
	if (json_get(n->obj, "metadata.deletionTimestamp")) {
		char *q = status_quote_dup(name);

		status_set(st, 403, "Forbidden",
			   "%s %s is forbidden: unable to create new content in namespace %s because it "
			   "is being terminated", k->gr, q, ns);
		status_details(st, k->group, k->resource, name);
		status_add_cause(st, "NamespaceTerminating", "metadata.namespace",
				 "namespace is being terminated");
		free(q);
		return -1;
	}
	return 0;
}

static void record_update(cJSON *obj, const cJSON *old, const struct store_write *w, const char *now)
{
	if (w && w->apply)
		return;
	patch_record_update(obj, old, w && w->manager ? w->manager : DEFAULT_MANAGER, now);
}

/* prepare_ns: applies the namespace rules; returns the namespace to use. */
static int prepare_ns(const struct kind *k, cJSON *md, const char **ns, struct status *st)
{
	const char *mns = json_str(md, "namespace", "");

	if (!k->namespaced) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
		*ns = "";
		return 0;
	}
	if (!*ns || !**ns)
		*ns = mns;
	if (*mns && strcmp(mns, *ns) != 0)
		return status_bad_request(st, "the namespace of the provided object does not match the "
					  "namespace sent on the request");
	if (!**ns)
		return status_bad_request(st, "an empty namespace may not be set during creation");
	set_str(md, "namespace", *ns);
	*ns = json_str(md, "namespace", "");
	return 0;
}

/* write_start: how a create and an update begin: the last write's holds
 * go, obj (taken: freed on error) must be an object; its metadata (*md)
 * and type are set and its namespace (*ns) checked */
static int write_start(struct store *s, const struct kind *k, cJSON *obj, cJSON **md, const char **ns,
		       const struct store_obj **out, struct status *st)
{
	store_release_holds(s);
	if (out)
		*out = NULL;
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return status_bad_request(st, "the body of the request was not a JSON object");
	}
	*md = meta_of(obj);
	set_type(obj, k->storage);
	if (prepare_ns(k, *md, ns, st) < 0) {
		cJSON_Delete(obj);
		return -1;
	}
	return 0;
}

static const struct store_obj *dry_result(struct store *s, const struct kind *k, cJSON *obj)
{
	struct store_obj *o = store_obj_new(k, obj, s->rv, NULL, 0);

	store_hold_take(s, o);
	return o;
}

int store_create(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st)
{
	const struct kind *sk = k->storage;
	struct bucket *bk;
	const struct store_obj *o;
	cJSON *md;
	const char *name, *gen;
	char uid[37], suffix[6], *genname = NULL;
	int tries;

	if (write_start(s, k, obj, &md, &ns, out, st) < 0)
		return -1;
	bk = store_bucket_of(s, sk, true);
	name = json_str(md, "name", "");
	gen = json_str(md, "generateName", "");
	if (!*name && *gen) {
		for (tries = 0; tries < 8; tries++) {
			random_suffix(suffix);
			free(genname);
			genname = xasprintf("%s%s", gen, suffix);
			if (!store_get(s, sk, ns, genname))
				break;
		}
		set_str(md, "name", genname);
		free(genname);
		name = json_str(md, "name", "");
	}
	if (!*name) {
		status_add_cause(st, "FieldValueRequired", "metadata.name",
				 "Required value: name or generateName is required");
		status_invalid(st, sk->group, sk->kind, "");
		goto fail;
	}
	validate_name(sk, name, "metadata.name", st);
	validate_meta(sk, md, st);
	if (st && st->causes) {
		status_invalid(st, sk->group, sk->kind, name);
		goto fail;
	}
	if (k->namespaced && check_namespace(s, sk, ns, name, st) < 0)
		goto fail;
	if (store_get(s, sk, ns, name)) {
		status_already_exists(st, sk->group, sk->gr, name);
		goto fail;
	}
	str_random_uuid(uid);
	set_str(md, "uid", uid);
	set_str(md, "resourceVersion", NULL);
	set_str(md, "creationTimestamp", store_now(s));
	set_str(md, "deletionTimestamp", NULL);
	set_str(md, "selfLink", NULL);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (has_generation(sk))
		cJSON_AddNumberToObject(md, "generation", 1);
	if (w && w->keep_status && (sk->subs & KIND_SUB_STATUS))
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	if (strategy_prepare(s, sk, obj, NULL, st) < 0) {
		if (!st->code)
			status_invalid(st, sk->group, sk->kind, name);
		goto fail;
	}
	record_update(obj, NULL, w, store_now(s));
	if (admit(s, STORE_ADDED, sk, obj, NULL, w, st) < 0)
		goto fail;
	if (w && w->dry_run) {
		o = dry_result(s, sk, obj);
	} else {
		o = store_commit_put(s, bk, obj, NULL, st);
		if (!o)
			return -1;
	}
	if (out)
		*out = o;
	return 0;
fail:
	cJSON_Delete(obj);
	return -1;
}

/* Managed fields compared without their timestamps. */
static bool mf_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (!a || !b)
		return !a && !b;
	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return false;
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
		const cJSON *f;

		cJSON_ArrayForEach(f, x) {
			if (strcmp(f->string, "time") == 0)
				continue;
			if (!cJSON_Compare(f, cJSON_GetObjectItemCaseSensitive(y, f->string), 1))
				return false;
		}
		if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
			return false;
	}
	return true;
}

/* same_object: equal but for resourceVersion and managedFields times. */
static bool same_object(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *ma = NULL, *mb = NULL;
	int na = 0, nb = 0;

	cJSON_ArrayForEach(x, a) {
		na++;
		if (strcmp(x->string, "metadata") == 0) {
			ma = x;
			continue;
		}
		if (!cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(b, x->string), 1))
			return false;
	}
	cJSON_ArrayForEach(x, b)
		nb++;
	if (na != nb)
		return false;
	mb = cJSON_GetObjectItemCaseSensitive(b, "metadata");
	na = nb = 0;
	cJSON_ArrayForEach(x, ma) {
		if (strcmp(x->string, "resourceVersion") == 0)
			continue;
		na++;
		if (strcmp(x->string, "managedFields") == 0) {
			if (!mf_equal(x, cJSON_GetObjectItemCaseSensitive(mb, "managedFields")))
				return false;
			continue;
		}
		if (!cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(mb, x->string), 1))
			return false;
	}
	cJSON_ArrayForEach(x, mb)
		if (strcmp(x->string, "resourceVersion") != 0)
			nb++;
	return na == nb;
}

static bool finalizers_empty(const cJSON *obj)
{
	return cJSON_GetArraySize(json_get(obj, "metadata.finalizers")) == 0 &&
	       cJSON_GetArraySize(json_get(obj, "spec.finalizers")) == 0;
}

static bool new_finalizer(const cJSON *obj, const cJSON *old)
{
	const cJSON *f, *g;

	cJSON_ArrayForEach(f, json_get(obj, "metadata.finalizers")) {
		bool seen = false;

		cJSON_ArrayForEach(g, json_get(old, "metadata.finalizers"))
			if (cJSON_IsString(f) && cJSON_IsString(g) && strcmp(f->valuestring, g->valuestring) == 0)
				seen = true;
		if (!seen)
			return true;
	}
	return false;
}

int store_update(struct store *s, const struct kind *k, const char *ns, cJSON *obj,
		 const struct store_write *w, const struct store_obj **out, struct status *st)
{
	const struct kind *sk = k->storage;
	const struct store_obj *old, *o;
	struct bucket *bk;
	cJSON *md, *omd, *next;
	const char *name, *rv, *uid;
	char oldrv[24];
	int64_t gen;

	if (write_start(s, k, obj, &md, &ns, out, st) < 0)
		return -1;
	name = json_str(md, "name", "");
	if (!*name) {
		status_add_cause(st, "FieldValueRequired", "metadata.name", "Required value: name is required");
		status_invalid(st, sk->group, sk->kind, "");
		goto fail;
	}
	old = store_get(s, sk, ns, name);
	if (!old) {
		status_not_found(st, sk->group, sk->gr, name);
		goto fail;
	}
	bk = store_bucket_of(s, sk, true);
	snprintf(oldrv, sizeof(oldrv), "%llu", (unsigned long long)old->rv);
	rv = json_str(md, "resourceVersion", "");
	if (*rv && strcmp(rv, oldrv) != 0) {
		status_conflict(st, sk->group, sk->gr, name, "the object has been modified; please apply "
				"your changes to the latest version and try again");
		goto fail;
	}
	uid = json_str(md, "uid", "");
	if (*uid && strcmp(uid, store_uid_of(old)) != 0) {
		char *why = xasprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s",
				      uid, store_uid_of(old));

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		goto fail;
	}
	if (w && w->status_only) {
		/* only .status moves; everything else stays as stored */
		next = store_obj_copy(old);
		set_item(next, "status", cJSON_GetObjectItemCaseSensitive(obj, "status"));
		if (w->apply)
			set_item(meta_of(next), "managedFields", json_get(md, "managedFields"));
		cJSON_Delete(obj);
		obj = next;
		md = meta_of(obj);
	} else {
		omd = cJSON_GetObjectItemCaseSensitive(old->obj, "metadata");
		set_item(md, "uid", json_get(omd, "uid"));
		set_item(md, "creationTimestamp", json_get(omd, "creationTimestamp"));
		set_item(md, "deletionTimestamp", json_get(omd, "deletionTimestamp"));
		set_item(md, "deletionGracePeriodSeconds", json_get(omd, "deletionGracePeriodSeconds"));
		set_str(md, "selfLink", NULL);
		if (w && w->keep_status && (sk->subs & KIND_SUB_STATUS))
			set_item(obj, "status", json_get(old->obj, "status"));
		if (json_get(omd, "deletionTimestamp") && new_finalizer(obj, old->obj)) {
			status_add_cause(st, "FieldValueForbidden", "metadata.finalizers",
					 "Forbidden: no new finalizers can be added if the object is being deleted");
		}
		validate_meta(sk, md, st);
		if (st && st->causes) {
			status_invalid(st, sk->group, sk->kind, name);
			goto fail;
		}
		if (strategy_prepare(s, sk, obj, old->obj, st) < 0) {
			if (!st->code)
				status_invalid(st, sk->group, sk->kind, name);
			goto fail;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (has_generation(sk)) {
		gen = json_int(old->obj, "metadata.generation", 1);
		if (!(w && w->status_only) && strategy_spec_changed(obj, old->obj))
			gen++;
		cJSON_AddNumberToObject(md, "generation", (double)gen);
	}
	set_str(md, "resourceVersion", oldrv);
	if (same_object(obj, old->obj)) {
		cJSON_Delete(obj);
		if (out)
			*out = store_hold(s, old);
		return 0;
	}
	record_update(obj, old->obj, w, store_now(s));
	if (admit(s, STORE_MODIFIED, sk, obj, old, w, st) < 0)
		goto fail;
	if (w && w->dry_run) {
		o = dry_result(s, sk, obj);
	} else if (json_get(md, "deletionTimestamp") && finalizers_empty(obj) &&
		   json_int(md, "deletionGracePeriodSeconds", 0) == 0) {
		/* a graceful deletion (grace > 0) waits for its final delete */
		o = store_commit_delete(s, bk, old, obj, st);
	} else {
		o = store_commit_put(s, bk, obj, old, st);
	}
	if (!o)
		return -1;
	if (out)
		*out = o;
	return 0;
fail:
	cJSON_Delete(obj);
	return -1;
}

/* grace_of: the grace period of a delete of old (of kind sk): 0 unless
 * the kind was made graceful (store_set_graceful, store_set_grace_fn). */
static int64_t grace_of(struct store *s, const struct kind *sk, const struct store_obj *old,
			const struct store_delete *d)
{
	size_t i;

	for (i = 0; i < s->ngraceful; i++)
		if (s->graceful[i].kind == sk) {
			if (s->graceful[i].fn)
				return s->graceful[i].fn(s, old->obj, d ? d->grace_seconds : -1, s->graceful[i].arg);
			return d && d->grace_seconds >= 0 ? d->grace_seconds : s->graceful[i].seconds;
		}
	return 0;
}

static void add_finalizer(cJSON *md, const char *f)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(md, "finalizers"), *c;

	if (!cJSON_IsArray(arr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
		arr = cJSON_AddArrayToObject(md, "finalizers");
	}
	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c) && strcmp(c->valuestring, f) == 0)
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(f));
}

int store_delete(struct store *s, const struct kind *k, const char *ns, const char *name,
		 const struct store_delete *d, const struct store_obj **out, bool *gone,
		 struct status *st)
{
	const struct kind *sk = k->storage;
	const struct store_obj *old, *o;
	struct bucket *bk;
	cJSON *next, *md;
	const char *fin = NULL;
	char oldrv[24];
	bool is_ns = !*sk->group && strcmp(sk->resource, "namespaces") == 0;
	bool is_crd = strcmp(sk->resource, "customresourcedefinitions") == 0;
	int64_t grace;

	store_release_holds(s);
	if (out)
		*out = NULL;
	if (gone)
		*gone = false;
	old = store_get(s, sk, ns, name);
	if (!old)
		return status_not_found(st, sk->group, sk->gr, name);
	bk = store_bucket_of(s, sk, true);
	snprintf(oldrv, sizeof(oldrv), "%llu", (unsigned long long)old->rv);
	if (d && d->uid && *d->uid && strcmp(d->uid, store_uid_of(old)) != 0) {
		char *why = xasprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s",
				      d->uid, store_uid_of(old));

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		return -1;
	}
	if (d && d->rv && *d->rv && strcmp(d->rv, oldrv) != 0) {
		char *why = xasprintf("Precondition failed: ResourceVersion in precondition: %s, "
				      "ResourceVersion in object meta: %s", d->rv, oldrv);

		status_conflict(st, sk->group, sk->gr, name, why);
		free(why);
		return -1;
	}
	if (admit(s, STORE_DELETED, sk, NULL, old, NULL, st) < 0)
		return -1;
	if (d && d->propagation == STORE_PROPAGATE_FOREGROUND)
		fin = "foregroundDeletion";
	else if (d && d->propagation == STORE_PROPAGATE_ORPHAN)
		fin = "orphan";
	grace = grace_of(s, sk, old, d);
	/* a graceful mark stays until a delete of grace 0 (the kubelet's) */
	if (!fin && !is_ns && !is_crd && finalizers_empty(old->obj) &&
	    (grace == 0 || (json_get(old->obj, "metadata.deletionTimestamp") &&
			    json_int(old->obj, "metadata.deletionGracePeriodSeconds", 0) == 0))) {
		if (d && d->dry_run) {
			if (out)
				*out = store_hold(s, old);
			if (gone)
				*gone = true;
			return 0;
		}
		o = store_commit_delete(s, bk, old, NULL, st);
		if (!o)
			return -1;
		if (out)
			*out = o;
		if (gone)
			*gone = true;
		return 0;
	}
	next = store_obj_copy(old);
	md = meta_of(next);
	if (!json_get(md, "deletionTimestamp") ||
	    (grace >= 0 && grace < json_int(md, "deletionGracePeriodSeconds", 0))) {
		char when[32];

		/* a first mark, or a shorter grace bringing the deadline closer:
		 * a graceful delete is due at now + grace (the kubelet's deadline) */
		time_rfc3339(when, sizeof(when), (time_t)(store_now_seconds(s) + (grace > 0 ? grace : 0)));
		set_str(md, "deletionTimestamp", when);
		cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
		cJSON_AddNumberToObject(md, "deletionGracePeriodSeconds", (double)(grace > 0 ? grace : 0));
	}
	if (fin)
		add_finalizer(md, fin);
	if (is_crd)
		add_finalizer(md, "customresourcecleanup.apiextensions.k8s.io");
	if (is_ns) {
		cJSON *status = cJSON_GetObjectItemCaseSensitive(next, "status");

		if (!cJSON_IsObject(status)) {
			cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
			status = cJSON_AddObjectToObject(next, "status");
		}
		set_str(status, "phase", "Terminating");
	}
	if (d && d->dry_run) {
		o = dry_result(s, sk, next);
	} else if (same_object(next, old->obj)) {
		cJSON_Delete(next);
		o = store_hold(s, old);
	} else {
		o = store_commit_put(s, bk, next, old, st);
		if (!o)
			return -1;
	}
	if (out)
		*out = o;
	return 0;
}

