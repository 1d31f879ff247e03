/*
 * simrev.c: ControllerRevisions, the history of StatefulSets and
 * DaemonSets (sim-internal.h), as k8s.io/kubernetes
 * pkg/controller/history keeps it.
 *
 * A revision's data is the patch that restores its template,
 * {"spec":{"template":{...,"$patch":"replace"}}} with its keys sorted as
 * Go's json.Marshal writes a map (kubectl rollout undo compares those
 * bytes, then sends them as a strategic merge patch).  It is named
 * <owner>-<hash>, labelled with the template's labels and
 * controller.kubernetes.io/hash, and numbered: a new template gets the
 * highest number + 1, and a template that comes back (undo) takes the
 * next number again rather than a new revision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "sim-internal.h"

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* sort_keys: objects' members in byte order, all the way down */
static void sort_keys(cJSON *o)
{
	size_t n = 0, i = 0;
	cJSON **v, *x;

	if (!cJSON_IsObject(o) && !cJSON_IsArray(o))
		return;
	for (x = o->child; x; x = x->next) {
		sort_keys(x);
		n++;
	}
	if (!cJSON_IsObject(o) || n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (x = o->child; x; x = x->next)
		v[i++] = x;
	qsort(v, n, sizeof(*v), key_cmp);
	for (i = 0; i < n; i++) {
		v[i]->prev = i ? v[i - 1] : v[n - 1];	/* cJSON: the head's prev is the tail */
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	}
	o->child = v[0];
	free(v);
}

static cJSON *data_of(const cJSON *owner)
{
	cJSON *data = cJSON_CreateObject(), *spec = cJSON_AddObjectToObject(data, "spec");
	cJSON *tpl = cJSON_Duplicate(json_get(owner, "spec.template"), true);

	if (!tpl)
		tpl = cJSON_CreateObject();
	cJSON_AddStringToObject(tpl, "$patch", "replace");
	cJSON_AddItemToObject(spec, "template", tpl);
	sort_keys(data);
	return data;
}

static const char *manager_of(const cJSON *owner)
{
	return str_eq(json_str(owner, "kind", ""), "DaemonSet") ? "daemonset-controller" :
		"statefulset-controller";
}

static void set_revision(struct sim *c, const struct store_obj *cr, int64_t revision, const char *manager)
{
	cJSON *copy = store_obj_copy(cr);

	cJSON_DeleteItemFromObjectCaseSensitive(copy, "revision");
	cJSON_AddNumberToObject(copy, "revision", (double)revision);
	controllers_put(c, c->k_revs, cr->ns, copy, manager);
}

void simrev_sync(struct sim *c, const struct store_obj *owner, struct simrev *out)
{
	const char *uid = json_str(owner->obj, "metadata.uid", "");
	cJSON *data = data_of(owner->obj);
	const struct store_obj *same = NULL, **crs;
	int64_t maxrev = 0, collisions = json_int(owner->obj, "status.collisionCount", 0);
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!c->k_revs) {
		cJSON_Delete(data);
		return;
	}
	crs = sim_list(c, c->k_revs, owner->ns, &n);
	for (size_t i = 0; i < n; i++) {
		const cJSON *cr = crs[i]->obj;

		if (!controllers_owned(cr, uid))
			continue;
		maxrev = DL_MAX(maxrev, json_int(cr, "revision", 0));
		if (cJSON_Compare(json_get(cr, "data"), data, true) &&
		    (!same || json_int(cr, "revision", 0) > json_int(same->obj, "revision", 0)))
			same = crs[i];
	}
	if (same) {
		const cJSON *h = json_get_key(json_get(same->obj, "metadata.labels"),
					      "controller.kubernetes.io/hash");

		snprintf(out->name, sizeof(out->name), "%s", same->name);
		if (cJSON_IsString(h))
			str_copy(out->hash, h->valuestring, sizeof(out->hash));
		out->revision = json_int(same->obj, "revision", 0);
		if (out->revision < maxrev) {
			out->revision = maxrev + 1;
			set_revision(c, same, out->revision, manager_of(owner->obj));
		}
		cJSON_Delete(data);
		store_snapshot_free(crs);
		return;
	}
	for (;; collisions++) {
		cJSON *cr, *md, *labels;
		const cJSON *tl = json_get(owner->obj, "spec.template.metadata.labels");

		controllers_template_hash(data, collisions, out->hash);
		snprintf(out->name, sizeof(out->name), "%.240s-%s", owner->name, out->hash);
		if (store_get(c->store, c->k_revs, owner->ns, out->name))
			continue;	/* taken by another template */
		cr = cJSON_CreateObject();
		cJSON_AddStringToObject(cr, "apiVersion", "apps/v1");
		cJSON_AddStringToObject(cr, "kind", "ControllerRevision");
		md = cJSON_AddObjectToObject(cr, "metadata");
		cJSON_AddStringToObject(md, "name", out->name);
		cJSON_AddStringToObject(md, "namespace", owner->ns);
		labels = tl ? cJSON_Duplicate(tl, true) : cJSON_CreateObject();
		cJSON_AddItemToObject(md, "labels", labels);
		controllers_add_label(md, "controller.kubernetes.io/hash", out->hash);
		cJSON_AddItemToObject(md, "ownerReferences", controllers_owner_ref(owner->obj));
		cJSON_AddItemToObject(cr, "data", data);
		out->revision = maxrev + 1;
		cJSON_AddNumberToObject(cr, "revision", (double)out->revision);
		out->collisions = collisions;
		controllers_create(c, owner->obj, c->k_revs, owner->ns, cr, manager_of(owner->obj));
		break;
	}
	store_snapshot_free(crs);
}

void simrev_cleanup(struct sim *c, const struct store_obj *owner, const char *const *in_use)
{
	const char *uid = json_str(owner->obj, "metadata.uid", "");
	int64_t limit = json_int(owner->obj, "spec.revisionHistoryLimit", 10);
	const struct store_obj **crs, **old;
	size_t n, nold = 0;

	if (!c->k_revs)
		return;
	crs = sim_list(c, c->k_revs, owner->ns, &n);
	old = xcalloc(n + 1, sizeof(*old));
	for (size_t i = 0; i < n; i++) {
		bool used = false;

		if (!controllers_owned(crs[i]->obj, uid))
			continue;
		for (size_t k = 0; in_use && in_use[k]; k++)
			used = used || str_eq(in_use[k], crs[i]->name);
		if (!used)
			old[nold++] = crs[i];
	}
	/* the oldest unused ones go, down to the limit */
	while ((int64_t)nold > limit) {
		size_t oldest = 0;

		for (size_t i = 1; i < nold; i++)
			if (json_int(old[i]->obj, "revision", 0) < json_int(old[oldest]->obj, "revision", 0))
				oldest = i;
		controllers_delete(c, c->k_revs, old[oldest]->ns, old[oldest]->name);
		old[oldest] = old[--nold];
	}
	free(old);
	store_snapshot_free(crs);
}
