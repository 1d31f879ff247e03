/*
 * gc.c: garbage collection, namespace and CRD cleanup (see gc.h).
 *
 * A pass takes references on every object first (the store must not be
 * written while it is walked), counts each owner's dependents, then
 * writes through the ordinary store calls, so every change it makes is
 * validated, persisted and seen by watchers like any client's.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/gc.h"

#define GC_MANAGER "datalab-sandbox-gc"

struct gc {
	struct store *s;
	uint64_t sub;
	uint64_t timer;
	bool running;
};

struct objs {
	const struct store_obj **v;
	size_t n, cap;
};

static bool collect(const struct store_obj *o, void *arg)
{
	struct objs *a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = store_obj_ref(o);
	return true;
}

static void collect_all(struct store *s, struct objs *a)
{
	struct kinds *ks = store_kinds(s);
	size_t i, n = kinds_count(ks);

	for (i = 0; i < n; i++) {
		const struct kind *k = kinds_at(ks, i);

		if (!k->gone && k->storage == k)
			store_each(s, k, NULL, NULL, NULL, collect, a);
	}
}

static void objs_release(struct objs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		store_obj_unref(a->v[i]);
	free(a->v);
}

static bool has_finalizer(const cJSON *obj, const char *f)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(obj, "metadata.finalizers"))
		if (cJSON_IsString(c) && strcmp(c->valuestring, f) == 0)
			return true;
	return false;
}

static bool deleting(const cJSON *obj)
{
	return json_get(obj, "metadata.deletionTimestamp") != NULL;
}

/* dependents: how many objects in a name an owner uid. */
static size_t dependents(const struct objs *a, const char *uid)
{
	size_t i, n = 0;
	const cJSON *r;

	for (i = 0; i < a->n; i++)
		cJSON_ArrayForEach(r, json_get(a->v[i]->obj, "metadata.ownerReferences"))
			if (strcmp(json_str(r, "uid", ""), uid) == 0) {
				n++;
				break;
			}
	return n;
}

static size_t do_delete(struct store *s, const struct store_obj *o, enum store_propagation p)
{
	struct store_delete d = { .propagation = p, .grace_seconds = -1 };
	struct status st;
	size_t n = 0;

	status_init(&st);
	if (store_get(s, o->kind, o->ns, o->name) == o) {
		if (store_delete(s, o->kind, o->ns, o->name, &d, NULL, NULL, &st) == 0)
			n = 1;
		else
			log_debug("gc: cannot delete '%s': %s", o->name, st.message ? st.message : "");
	}
	status_release(&st);
	return n;
}

static size_t write_back(struct store *s, const struct store_obj *o, cJSON *obj)
{
	struct store_write w = { .manager = GC_MANAGER };
	struct status st;
	size_t n = 0;

	status_init(&st);
	if (store_update(s, o->kind, o->ns, obj, &w, NULL, &st) == 0)
		n = 1;
	else
		log_debug("gc: cannot update '%s': %s", o->name, st.message ? st.message : "");
	status_release(&st);
	return n;
}

static void remove_string(cJSON *arr, const char *v)
{
	cJSON *c;

	for (c = arr ? arr->child : NULL; c; c = c->next) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, v) == 0) {
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, c));
			return;
		}
	}
}

static size_t drop_finalizer(struct store *s, const struct store_obj *o, const char *f, bool spec)
{
	cJSON *obj = store_obj_copy(o);

	remove_string((cJSON *)json_get(obj, spec ? "spec.finalizers" : "metadata.finalizers"), f);
	return write_back(s, o, obj);
}

/* owners: the dependent o against its owners' states. */
static size_t owners(struct store *s, const struct store_obj *o)
{
	const cJSON *refs = json_get(o->obj, "metadata.ownerReferences"), *r;
	cJSON *copy = NULL, *crefs, *c, *next;
	int alive = 0, total = 0;
	bool foreground = false;

	if (!cJSON_IsArray(refs) || cJSON_GetArraySize(refs) == 0 || store_get(s, o->kind, o->ns, o->name) != o)
		return 0;
	cJSON_ArrayForEach(r, refs) {
		const struct store_obj *ow = store_find_uid(s, json_str(r, "uid", ""));

		total++;
		if (!ow)
			continue;
		if (deleting(ow->obj) && has_finalizer(ow->obj, "orphan")) {
			if (!copy)
				copy = store_obj_copy(o);
			continue;
		}
		alive++;
		if (deleting(ow->obj) && has_finalizer(ow->obj, "foregroundDeletion"))
			foreground = true;
	}
	if (copy) {
		/* orphaned: drop the references to owners being orphan-deleted */
		crefs = (cJSON *)json_get(copy, "metadata.ownerReferences");
		for (c = crefs->child; c; c = next) {
			const struct store_obj *ow = store_find_uid(s, json_str(c, "uid", ""));

			next = c->next;
			if (ow && deleting(ow->obj) && has_finalizer(ow->obj, "orphan"))
				cJSON_Delete(cJSON_DetachItemViaPointer(crefs, c));
		}
		if (cJSON_GetArraySize(crefs) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(copy, "metadata"),
								"ownerReferences");
		return write_back(s, o, copy);
	}
	if (deleting(o->obj))
		return 0;
	if (alive == 0 && total > 0)
		return do_delete(s, o, STORE_PROPAGATE_BACKGROUND);
	if (foreground && alive == 1)
		return do_delete(s, o, STORE_PROPAGATE_FOREGROUND);
	return 0;
}

static size_t empty_namespace(struct store *s, const struct objs *a, const struct store_obj *ns)
{
	size_t i, n = 0, left = 0;

	for (i = 0; i < a->n; i++) {
		const struct store_obj *o = a->v[i];

		if (!o->kind->namespaced || strcmp(o->ns, ns->name) != 0)
			continue;
		left++;
		if (!deleting(o->obj))
			n += do_delete(s, o, STORE_PROPAGATE_BACKGROUND);
	}
	if (left == 0 && cJSON_GetArraySize(json_get(ns->obj, "spec.finalizers")) > 0)
		n += drop_finalizer(s, ns, "kubernetes", true);
	return n;
}

static size_t empty_crd(struct store *s, const struct objs *a, const struct store_obj *crd)
{
	const char *group = json_str(crd->obj, "spec.group", ""), *plural = json_str(crd->obj, "spec.names.plural", "");
	size_t i, n = 0, left = 0;

	for (i = 0; i < a->n; i++) {
		const struct store_obj *o = a->v[i];

		if (strcmp(o->kind->group, group) != 0 || strcmp(o->kind->resource, plural) != 0)
			continue;
		left++;
		if (!deleting(o->obj))
			n += do_delete(s, o, STORE_PROPAGATE_BACKGROUND);
	}
	if (left == 0)
		n += drop_finalizer(s, crd, "customresourcecleanup.apiextensions.k8s.io", false);
	return n;
}

static void default_sa(struct store *s, const struct store_obj *ns);

size_t gc_run(struct gc *g)
{
	struct store *s = g->s;
	struct objs a = { NULL, 0, 0 };
	uint64_t rv0 = store_rv(s);
	size_t i, n = 0;

	g->running = true;
	collect_all(s, &a);
	for (i = 0; i < a.n; i++)
		n += owners(s, a.v[i]);
	for (i = 0; i < a.n; i++) {
		const struct store_obj *o = a.v[i];
		bool is_ns = !*o->kind->group && strcmp(o->kind->resource, "namespaces") == 0;
		bool is_crd = strcmp(o->kind->resource, "customresourcedefinitions") == 0;

		if (is_ns && !deleting(o->obj))
			default_sa(s, o);
		if (!deleting(o->obj) || store_get(s, o->kind, o->ns, o->name) != o)
			continue;
		if (is_ns)
			n += empty_namespace(s, &a, o);
		else if (is_crd && has_finalizer(o->obj, "customresourcecleanup.apiextensions.k8s.io"))
			n += empty_crd(s, &a, o);
		else if (has_finalizer(o->obj, "foregroundDeletion") &&
			 dependents(&a, json_str(o->obj, "metadata.uid", "")) == 0)
			n += drop_finalizer(s, o, "foregroundDeletion", false);
		else if (has_finalizer(o->obj, "orphan") &&
			 dependents(&a, json_str(o->obj, "metadata.uid", "")) == 0)
			n += drop_finalizer(s, o, "orphan", false);
	}
	objs_release(&a);
	g->running = false;
	(void)n;
	/* count commits, not calls: a write that changed nothing is no progress */
	return (size_t)(store_rv(s) - rv0);
}

static void schedule(struct gc *g);

/* A pass that wrote may have unblocked more work (an orphaned dependent
 * frees its owner's finalizer): run again until a pass writes nothing. */
static long on_timer(struct loop *l, void *arg)
{
	struct gc *g = arg;

	(void)l;
	g->timer = 0;
	if (gc_run(g) > 0)
		schedule(g);
	return LOOP_NOMORE;
}

static void schedule(struct gc *g)
{
	struct loop *l = store_loop(g->s);

	if (l && !g->timer)
		g->timer = loop_add_timer(l, 0, on_timer, g);
}

static void default_sa(struct store *s, const struct store_obj *ns)
{
	const struct kind *k = kinds_find_storage(store_kinds(s), "", "serviceaccounts");
	struct store_write w = { .manager = "datalab-sandbox" };
	struct status st;

	if (!k || deleting(ns->obj) || store_get(s, k, ns->name, "default"))
		return;
	status_init(&st);
	store_create(s, k, ns->name, cJSON_Parse("{\"metadata\":{\"name\":\"default\"}}"), &w, NULL, &st);
	status_release(&st);
}

static void on_change(struct store *s, const struct store_event *ev, void *arg)
{
	struct gc *g = arg;
	const cJSON *obj = ev->obj->obj;

	if (ev->op == STORE_ADDED && !*ev->obj->kind->group &&
	    strcmp(ev->obj->kind->resource, "namespaces") == 0)
		default_sa(s, ev->obj);
	if (ev->op == STORE_DELETED || deleting(obj) ||
	    (ev->op == STORE_ADDED && json_get(obj, "metadata.ownerReferences")))
		schedule(g);
}

struct gc *gc_start(struct store *s)
{
	struct gc *g = xcalloc(1, sizeof(*g));

	g->s = s;
	g->sub = store_subscribe(s, on_change, g);
	schedule(g);	/* deletions interrupted by a restart resume */
	return g;
}

void gc_stop(struct gc *g)
{
	if (!g)
		return;
	store_unsubscribe(g->s, g->sub);
	if (g->timer)
		loop_del_timer(store_loop(g->s), g->timer);
	free(g);
}
