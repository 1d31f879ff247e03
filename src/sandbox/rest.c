/*
 * rest.c: the generic Kubernetes REST handlers (see rest.h).
 *
 * A request flows: path → (group, version, resource, namespace, name,
 * subresource) → kind; registered groups and subresources first; then by
 * method: GET (get, list, watch), POST (create), PUT (update), PATCH (the
 * four patch types), DELETE (delete, deletecollection).  Bodies are
 * decoded whatever their type (JSON, YAML, protobuf) into one cJSON
 * object, checked against the URL's kind and, per fieldValidation, for
 * unknown fields; the store does the rest.  Replies are JSON: the stored
 * text as is when possible (no re-serialization), a Table or
 * PartialObjectMetadata when Accept asks for one.  Listing is in list.c,
 * decoding and checking bodies in rest_body.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"
#include "datalab/sandbox/discovery.h"
#include "datalab/sandbox/events.h"
#include "datalab/sandbox/list.h"
#include "datalab/sandbox/media.h"
#include "datalab/sandbox/patch.h"
#include "datalab/sandbox/printer.h"
#include "datalab/sandbox/proto.h"
#include "datalab/sandbox/rest.h"
#include "datalab/sandbox/validate.h"
#include "datalab/sandbox/watchers.h"
#include "rest-internal.h"

#define NOT_FOUND_MSG "the server could not find the requested resource"

/* ---- replies ---- */

char *rest_object_json(const struct kind *k, const struct store_obj *o, size_t *len)
{
	cJSON *c;
	char *s;

	if (events_is_view(k) && !events_is_view(o->kind)) {
		c = events_to_view(o->obj);
		s = cJSON_PrintUnformatted(c);
		cJSON_Delete(c);
		if (len)
			*len = strlen(s);
		return s;
	}

	if (strcmp(json_str(o->obj, "apiVersion", ""), k->api_version) == 0)
		return NULL;
	c = store_obj_copy(o);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "apiVersion");
	cJSON_AddStringToObject(c, "apiVersion", k->api_version);
	s = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	if (len)
		*len = strlen(s);
	return s;
}

static int reply_object(struct api_req *rq, int code, const struct kind *k, const struct store_obj *o)
{
	enum media_form form = media_accept(api_header(rq, "Accept"));
	size_t len;
	char *s;
	cJSON *t;
	int rc;

	if (form == MEDIA_TABLE) {
		t = list_table(k, &o, 1, api_query(rq, "includeObject"), NULL);
		rc = api_reply_json(rq, code, t);
		cJSON_Delete(t);
		return rc;
	}
	if (form == MEDIA_PARTIAL) {
		t = printer_partial(o->obj);
		rc = api_reply_json(rq, code, t);
		cJSON_Delete(t);
		return rc;
	}
	s = rest_object_json(k, o, &len);
	if (s)
		return api_reply_take(rq, code, "application/json", s, len);
	return api_reply(rq, code, "application/json", o->json, o->len);
}

static int reply_st(struct api_req *rq, struct status *st)
{
	int rc = api_reply_status(rq, st);

	status_release(st);
	return rc;
}

/* write_body: the write's options and its decoded body; NULL with st */
static cJSON *write_body(struct api_req *rq, struct store_write *w, char *mgr, size_t mgrlen,
			 struct status *st)
{
	if (rest_write_opts(rq, w, mgr, mgrlen, st) < 0)
		return NULL;
	return rest_decode_body(rq, st);
}

/* update_reply: obj (taken) replaces the object, or its status with
 * status_sub; the reply is what was stored */
static int update_reply(struct api_req *rq, cJSON *obj, struct store_write *w, bool status_sub)
{
	const struct store_obj *o;
	struct status st;

	status_init(&st);
	w->status_only = status_sub;
	w->keep_status = !status_sub;
	w->subresource = status_sub ? "status" : NULL;
	obj = rest_to_storage(rq->kind, obj);
	if (store_update(api_store(rq->api), rq->kind, rq->ns, obj, w, &o, &st) < 0)
		return reply_st(rq, &st);
	return reply_object(rq, 200, rq->kind, o);
}

static int not_acceptable(struct api_req *rq)
{
	return api_reply_error(rq, 406, "NotAcceptable", "only the following media types are accepted: "
			       "application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

/* ---- verbs ---- */

static int do_get(struct api_req *rq)
{
	const struct store_obj *o = store_get(api_store(rq->api), rq->kind, rq->ns, rq->name);
	struct status st;

	if (!o) {
		status_init(&st);
		status_not_found(&st, rq->kind->group, rq->kind->gr, rq->name);
		return reply_st(rq, &st);
	}
	return reply_object(rq, 200, rq->kind, o);
}

static int check_name(cJSON *obj, const char *name, struct status *st)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *n = json_str(obj, "metadata.name", "");

	if (!*n) {
		if (!cJSON_IsObject(md)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
			md = cJSON_AddObjectToObject(obj, "metadata");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(md, "name");
		cJSON_AddStringToObject(md, "name", name);
		return 0;
	}
	if (strcmp(n, name) != 0)
		return status_bad_request(st, "the name of the object (%s) does not match the name on the URL "
					  "(%s)", n, name);
	return 0;
}

/* write_object: the write's options and the object in its body, checked:
 * its type, the URL's name (when name is set), its fields; NULL with st */
static cJSON *write_object(struct api_req *rq, struct store_write *w, char *mgr, size_t mgrlen,
			   const char *name, struct status *st)
{
	cJSON *obj = write_body(rq, w, mgr, mgrlen, st);

	if (!obj)
		return NULL;
	if (rest_check_type(rq->kind, api_kinds(rq->api), obj, st) < 0 ||
	    (name && check_name(obj, name, st) < 0) || rest_field_validation(rq, rq->kind, obj, st) < 0) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static int do_create(struct api_req *rq)
{
	struct store *s = api_store(rq->api);
	const struct store_obj *o;
	struct store_write w;
	struct status st;
	char mgr[160];
	cJSON *obj;

	status_init(&st);
	obj = write_object(rq, &w, mgr, sizeof(mgr), NULL, &st);
	if (!obj)
		return reply_st(rq, &st);
	w.keep_status = true;
	obj = rest_to_storage(rq->kind, obj);
	if (store_create(s, rq->kind, rq->ns, obj, &w, &o, &st) < 0)
		return reply_st(rq, &st);
	return reply_object(rq, 201, rq->kind, o);
}

static int do_update(struct api_req *rq, bool status_sub)
{
	struct store_write w;
	struct status st;
	char mgr[160];
	cJSON *obj;

	status_init(&st);
	obj = write_object(rq, &w, mgr, sizeof(mgr), rq->name, &st);
	if (!obj)
		return reply_st(rq, &st);
	return update_reply(rq, obj, &w, status_sub);
}

/* patch_error: the patch functions' errors as Status. */
static int patch_error(struct api_req *rq, const struct error *err, cJSON *conflicts)
{
	struct status st;

	status_init(&st);
	switch (err->code) {
	case ERR_CONFLICT:
		status_set(&st, 409, "Conflict", "%s", err->msg);
		st.causes = conflicts;
		conflicts = NULL;
		break;
	case ERR_UNSUPPORTED:
		status_set(&st, 415, "UnsupportedMediaType", "%s", err->msg);
		break;
	case ERR_INVALID:
		status_set(&st, 422, "Invalid", "%s", err->msg);
		break;
	default:
		status_bad_request(&st, "%s", err->msg);
	}
	cJSON_Delete(conflicts);
	if (rq->kind && rq->name)
		status_details(&st, rq->kind->group, rq->kind->resource, rq->name);
	return reply_st(rq, &st);
}

/* apply: server-side apply, creating the object when it is missing. */
static int do_apply(struct api_req *rq, cJSON *applied, struct store_write *w, bool status_sub)
{
	struct store *s = api_store(rq->api);
	const struct store_obj *old = store_get(s, rq->kind, rq->ns, rq->name), *o;
	const char *force = api_query(rq, "force");
	cJSON *live, *conflicts = NULL;
	struct error err;
	struct status st;
	int rc;

	status_init(&st);
	if (!api_query(rq, "fieldManager") || !*api_query(rq, "fieldManager")) {
		cJSON_Delete(applied);
		status_add_cause(&st, "FieldValueRequired", "fieldManager", "Required value: is required for "
				 "apply patch");
		status_invalid(&st, "meta.k8s.io", "PatchOptions", "");
		return reply_st(rq, &st);
	}
	if (!json_str(applied, "apiVersion", NULL) || !json_str(applied, "kind", NULL)) {
		cJSON_Delete(applied);
		status_bad_request(&st, "Object 'Kind' is missing in apply patch");
		return reply_st(rq, &st);
	}
	if (rest_check_type(rq->kind, api_kinds(rq->api), applied, &st) < 0 ||
	    check_name(applied, rq->name, &st) < 0 || rest_field_validation(rq, rq->kind, applied, &st) < 0) {
		cJSON_Delete(applied);
		return reply_st(rq, &st);
	}
	if (!old && status_sub) {
		cJSON_Delete(applied);
		status_not_found(&st, rq->kind->group, rq->kind->gr, rq->name);
		return reply_st(rq, &st);
	}
	/* the apply is computed on the object as the request's version shows it */
	live = old ? rest_to_view(rq->kind, old) : NULL;
	if (live) {
		cJSON_DeleteItemFromObjectCaseSensitive(live, "apiVersion");
		cJSON_AddStringToObject(live, "apiVersion", rq->kind->api_version);
	}
	if (patch_apply(&live, applied, w->manager, force && strcmp(force, "true") == 0, store_now(s),
			&conflicts, &err) < 0) {
		cJSON_Delete(live);
		cJSON_Delete(applied);
		return patch_error(rq, &err, conflicts);
	}
	cJSON_Delete(applied);
	live = rest_to_storage(rq->kind, live);
	w->apply = true;
	w->status_only = status_sub;
	w->keep_status = !status_sub;
	if (!old) {
		rc = store_create(s, rq->kind, rq->ns, live, w, &o, &st);
		return rc < 0 ? reply_st(rq, &st) : reply_object(rq, 201, rq->kind, o);
	}
	rc = store_update(s, rq->kind, rq->ns, live, w, &o, &st);
	return rc < 0 ? reply_st(rq, &st) : reply_object(rq, 200, rq->kind, o);
}

/* patch_doc: applies a non-apply patch body to *doc. */
static int patch_doc(const struct kind *k, enum media_body type, cJSON **doc, const cJSON *body,
		     struct error *err)
{
	switch (type) {
	case MEDIA_BODY_JSON_PATCH:
		if (!cJSON_IsArray(body))
			return error_set(err, ERR_PARSE, "json: cannot unmarshal object into Go value of "
					 "type []handlers.jsonPatchOp");
		return patch_json(doc, body, err);
	case MEDIA_BODY_MERGE_PATCH:
		return patch_merge(doc, body, err);
	case MEDIA_BODY_STRATEGIC_PATCH:
		if (!k->builtin)
			return error_set(err, ERR_UNSUPPORTED, "the body of the request was in an unknown format - "
					 "accepted media types include: application/json-patch+json, "
					 "application/merge-patch+json, application/apply-patch+yaml");
		return patch_strategic(doc, body, k->kind, err);
	default:
		return error_set(err, ERR_UNSUPPORTED, "the body of the request was in an unknown format - "
				 "accepted media types include: application/json-patch+json, "
				 "application/merge-patch+json, application/apply-patch+yaml, "
				 "application/strategic-merge-patch+json");
	}
}

static int do_patch(struct api_req *rq, bool status_sub)
{
	struct store *s = api_store(rq->api);
	enum media_body type = media_body_type(api_header(rq, "Content-Type"));
	const struct store_obj *old;
	struct store_write w;
	struct status st;
	struct error err;
	char mgr[160];
	cJSON *body, *doc;

	status_init(&st);
	if (type != MEDIA_BODY_JSON_PATCH && type != MEDIA_BODY_MERGE_PATCH &&
	    type != MEDIA_BODY_STRATEGIC_PATCH && type != MEDIA_BODY_APPLY_PATCH) {
		rest_unknown_media(&st, "application/json-patch+json, application/merge-patch+json, "
			      "application/apply-patch+yaml, application/strategic-merge-patch+json");
		return reply_st(rq, &st);
	}
	body = write_body(rq, &w, mgr, sizeof(mgr), &st);
	if (!body)
		return reply_st(rq, &st);
	if (type == MEDIA_BODY_APPLY_PATCH)
		return do_apply(rq, body, &w, status_sub);
	old = store_get(s, rq->kind, rq->ns, rq->name);
	if (!old) {
		cJSON_Delete(body);
		status_not_found(&st, rq->kind->group, rq->kind->gr, rq->name);
		return reply_st(rq, &st);
	}
	doc = rest_to_view(rq->kind, old);
	if (patch_doc(rq->kind, type, &doc, body, &err) < 0) {
		cJSON_Delete(doc);
		cJSON_Delete(body);
		return patch_error(rq, &err, NULL);
	}
	cJSON_Delete(body);
	if (check_name(doc, rq->name, &st) < 0 || rest_field_validation(rq, rq->kind, doc, &st) < 0) {
		cJSON_Delete(doc);
		return reply_st(rq, &st);
	}
	return update_reply(rq, doc, &w, status_sub);
}

/* rest_delete_opts: DeleteOptions from the body (JSON or protobuf) and the query. */
int rest_delete_opts(struct api_req *rq, struct store_delete *d, cJSON **keep, struct status *st)
{
	const char *pp = api_query(rq, "propagationPolicy"), *dry = api_query(rq, "dryRun");
	const char *grace = api_query(rq, "gracePeriodSeconds"), *orphan = api_query(rq, "orphanDependents");
	const cJSON *dr;
	cJSON *body = NULL;
	int64_t g;

	memset(d, 0, sizeof(*d));
	d->grace_seconds = -1;
	*keep = NULL;
	if (rq->body_len) {
		body = rest_decode_body(rq, st);
		if (!body)
			return -1;
		*keep = body;
		if (json_str(body, "propagationPolicy", NULL))
			pp = json_str(body, "propagationPolicy", NULL);
		if (json_get(body, "orphanDependents"))
			orphan = json_bool(body, "orphanDependents", false) ? "true" : "false";
		d->uid = json_str(body, "preconditions.uid", NULL);
		d->rv = json_str(body, "preconditions.resourceVersion", NULL);
		dr = json_get(body, "dryRun");
		if (cJSON_GetArraySize(dr) > 0)
			dry = cJSON_GetStringValue(cJSON_GetArrayItem(dr, 0));
		if (json_get(body, "gracePeriodSeconds"))
			d->grace_seconds = json_int(body, "gracePeriodSeconds", -1);
	}
	if (grace && str_parse_i64(grace, &g) == 0)
		d->grace_seconds = g;
	if (dry && *dry) {
		if (strcmp(dry, "All") != 0)
			return status_bad_request(st, "Invalid value: %s: supported values: \"All\"", dry);
		d->dry_run = true;
	}
	if (pp && *pp) {
		if (strcmp(pp, "Background") == 0)
			d->propagation = STORE_PROPAGATE_BACKGROUND;
		else if (strcmp(pp, "Foreground") == 0)
			d->propagation = STORE_PROPAGATE_FOREGROUND;
		else if (strcmp(pp, "Orphan") == 0)
			d->propagation = STORE_PROPAGATE_ORPHAN;
		else {
			char *q = status_quote_dup(pp);

			status_add_cause(st, "FieldValueNotSupported", "propagationPolicy",
					 "Unsupported value: %s: supported values: \"Foreground\", "
					 "\"Background\", \"Orphan\", \"nil\"", q);
			free(q);
			return status_invalid(st, "meta.k8s.io", "DeleteOptions", "");
		}
	} else if (orphan && strcmp(orphan, "true") == 0) {
		d->propagation = STORE_PROPAGATE_ORPHAN;
	}
	return 0;
}

static int do_delete(struct api_req *rq)
{
	struct store *s = api_store(rq->api);
	const struct store_obj *o;
	struct store_delete d;
	struct status st;
	cJSON *keep;
	bool gone;
	int rc;

	status_init(&st);
	if (rest_delete_opts(rq, &d, &keep, &st) < 0) {
		cJSON_Delete(keep);
		return reply_st(rq, &st);
	}
	rc = store_delete(s, rq->kind, rq->ns, rq->name, &d, &o, &gone, &st);
	cJSON_Delete(keep);
	if (rc < 0)
		return reply_st(rq, &st);
	return reply_object(rq, 200, rq->kind, o);
}

/* ---- scale ---- */

static const cJSON *path_get(const cJSON *obj, const char *p)
{
	return printer_jsonpath(obj, p);
}

static cJSON *scale_of(const struct kind *k, const struct store_obj *o)
{
	cJSON *sc = cJSON_CreateObject(), *md, *spec, *status;
	const char *spec_path = k->scale_spec_path ? k->scale_spec_path : ".spec.replicas";
	const char *status_path = k->scale_status_path ? k->scale_status_path : ".status.replicas";
	const cJSON *ml, *c, *sel;
	struct buf b;

	cJSON_AddStringToObject(sc, "kind", "Scale");
	cJSON_AddStringToObject(sc, "apiVersion", "autoscaling/v1");
	md = cJSON_AddObjectToObject(sc, "metadata");
	cJSON_AddStringToObject(md, "name", o->name);
	if (*o->ns)
		cJSON_AddStringToObject(md, "namespace", o->ns);
	cJSON_AddStringToObject(md, "uid", json_str(o->obj, "metadata.uid", ""));
	cJSON_AddStringToObject(md, "resourceVersion", json_str(o->obj, "metadata.resourceVersion", ""));
	cJSON_AddStringToObject(md, "creationTimestamp", json_str(o->obj, "metadata.creationTimestamp", ""));
	spec = cJSON_AddObjectToObject(sc, "spec");
	cJSON_AddNumberToObject(spec, "replicas", cJSON_GetNumberValue(path_get(o->obj, spec_path)) > 0 ?
				cJSON_GetNumberValue(path_get(o->obj, spec_path)) : 0);
	status = cJSON_AddObjectToObject(sc, "status");
	cJSON_AddNumberToObject(status, "replicas", cJSON_IsNumber(path_get(o->obj, status_path)) ?
				cJSON_GetNumberValue(path_get(o->obj, status_path)) : 0);
	if (k->scale_selector_path) {
		sel = path_get(o->obj, k->scale_selector_path);
		if (cJSON_IsString(sel))
			cJSON_AddStringToObject(status, "selector", sel->valuestring);
		return sc;
	}
	ml = json_get(o->obj, "spec.selector.matchLabels");
	buf_init(&b, 0);
	cJSON_ArrayForEach(c, ml) {
		if (!cJSON_IsString(c))
			continue;
		if (b.len)
			buf_addc(&b, ',');
		buf_addf(&b, "%s=%s", c->string, c->valuestring);
	}
	if (b.len)
		cJSON_AddStringToObject(status, "selector", b.data);
	buf_release(&b);
	return sc;
}

/* set_path: sets a ".a.b" path to a number, creating objects. */
static void set_replicas(cJSON *obj, const char *p, double v)
{
	char *path = xstrdup(p[0] == '.' ? p + 1 : p);

	json_set_path(obj, path, cJSON_CreateNumber(v));
	free(path);
}

static int do_scale(struct api_req *rq)
{
	struct store *s = api_store(rq->api);
	const struct store_obj *o = store_get(s, rq->kind, rq->ns, rq->name), *n;
	enum media_body type = media_body_type(api_header(rq, "Content-Type"));
	struct store_write w;
	struct status st;
	struct error err;
	char mgr[160];
	cJSON *sc, *body, *obj;
	double replicas;
	int rc;

	status_init(&st);
	if (!o) {
		status_not_found(&st, rq->kind->group, rq->kind->gr, rq->name);
		return reply_st(rq, &st);
	}
	sc = scale_of(rq->kind, o);
	if (strcmp(rq->method, "GET") == 0) {
		rc = api_reply_json(rq, 200, sc);
		cJSON_Delete(sc);
		return rc;
	}
	if (strcmp(rq->method, "PUT") != 0 && strcmp(rq->method, "PATCH") != 0) {
		cJSON_Delete(sc);
		return api_reply_error(rq, 405, "MethodNotAllowed", "the server does not allow this method on "
				       "the requested resource");
	}
	if (rest_write_opts(rq, &w, mgr, sizeof(mgr), &st) < 0 || !(body = rest_decode_body(rq, &st))) {
		cJSON_Delete(sc);
		return reply_st(rq, &st);
	}
	if (strcmp(rq->method, "PUT") == 0) {
		cJSON_Delete(sc);
		sc = body;
	} else {
		if (type == MEDIA_BODY_APPLY_PATCH)
			type = MEDIA_BODY_MERGE_PATCH;	/* a Scale has one field to own */
		rc = type == MEDIA_BODY_STRATEGIC_PATCH ? patch_merge(&sc, body, &err) :
		     patch_doc(rq->kind, type, &sc, body, &err);
		cJSON_Delete(body);
		if (rc < 0) {
			cJSON_Delete(sc);
			return patch_error(rq, &err, NULL);
		}
	}
	replicas = cJSON_GetNumberValue(json_get(sc, "spec.replicas"));
	cJSON_Delete(sc);
	if (!(replicas >= 0)) {
		status_add_cause(&st, "FieldValueInvalid", "spec.replicas", "Invalid value: %g: must be "
				 "greater than or equal to 0", replicas);
		status_invalid(&st, "autoscaling", "Scale", rq->name);
		return reply_st(rq, &st);
	}
	obj = store_obj_copy(o);
	set_replicas(obj, rq->kind->scale_spec_path ? rq->kind->scale_spec_path : ".spec.replicas", replicas);
	w.subresource = "scale";
	if (store_update(s, rq->kind, rq->ns, obj, &w, &n, &st) < 0)
		return reply_st(rq, &st);
	sc = scale_of(rq->kind, n);
	rc = api_reply_json(rq, 200, sc);
	cJSON_Delete(sc);
	return rc;
}

/* ---- routing ---- */

static int method_not_allowed(struct api_req *rq)
{
	return api_reply_error(rq, 405, "MethodNotAllowed", "the server does not allow this method on the "
			       "requested resource");
}

static int resource_verbs(struct api_req *rq)
{
	const char *m = rq->method;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	const char *watch = api_query(rq, "watch");
	bool watching = watch && (strcmp(watch, "true") == 0 || strcmp(watch, "1") == 0);
	enum media_form form = media_accept(api_header(rq, "Accept"));

	if (get && form == MEDIA_NONE)
		return not_acceptable(rq);
	if (rq->sub) {
		int rc = api_call_subresource(rq);

		if (rc != -2)
			return rc;
		if (strcmp(rq->sub, "status") == 0 && (rq->kind->subs & KIND_SUB_STATUS)) {
			if (get)
				return do_get(rq);
			if (strcmp(m, "PUT") == 0)
				return do_update(rq, true);
			if (strcmp(m, "PATCH") == 0)
				return do_patch(rq, true);
			return method_not_allowed(rq);
		}
		if (strcmp(rq->sub, "scale") == 0 && (rq->kind->subs & KIND_SUB_SCALE))
			return do_scale(rq);
		return api_reply_error(rq, 404, "NotFound", NOT_FOUND_MSG);
	}
	if (!rq->name) {
		if (get && watching)
			return watchers_start(api_watchers(rq->api), rq, form);
		if (get)
			return list_handle(rq, form);
		if (strcmp(m, "POST") == 0) {
			if (rq->kind->namespaced && !rq->ns)
				return method_not_allowed(rq);
			return do_create(rq);
		}
		if (strcmp(m, "DELETE") == 0)
			return list_delete_collection(rq);
		return method_not_allowed(rq);
	}
	if (get && watching)
		return watchers_start(api_watchers(rq->api), rq, form);
	if (get)
		return do_get(rq);
	if (strcmp(m, "PUT") == 0)
		return do_update(rq, false);
	if (strcmp(m, "PATCH") == 0)
		return do_patch(rq, false);
	if (strcmp(m, "DELETE") == 0)
		return do_delete(rq);
	return method_not_allowed(rq);
}

/* resolve: parts after the group/version: [namespaces/NS/]RES[/NAME[/SUB]]. */
static int resolve(struct api_req *rq, const char *group, const char *version, char **p, size_t n)
{
	struct kinds *ks = api_kinds(rq->api);
	const struct kind *k;
	const char *ns = NULL;

	if (n >= 3 && strcmp(p[0], "namespaces") == 0 && !(n == 3 && (strcmp(p[2], "status") == 0 ||
								     strcmp(p[2], "finalize") == 0) &&
							     !*group)) {
		ns = p[1];
		p += 2;
		n -= 2;
	}
	if (n < 1 || n > 3)
		return api_reply_error(rq, 404, "NotFound", NOT_FOUND_MSG);
	k = kinds_find(ks, group, version, p[0]);
	if (!k || (ns && !k->namespaced))
		return api_reply_error(rq, 404, "NotFound", NOT_FOUND_MSG);
	rq->kind = k;
	rq->ns = k->namespaced ? ns : NULL;
	rq->name = n >= 2 ? p[1] : NULL;
	rq->sub = n == 3 ? p[2] : NULL;
	if (k->namespaced && !ns && rq->name)
		return api_reply_error(rq, 404, "NotFound", NOT_FOUND_MSG);
	if (api_scope_denied(rq, rq->ns, NULL, NULL))
		return 0;
	if (rq->sub && !store_get(api_store(rq->api), k, rq->ns, rq->name) &&
	    !(strcmp(rq->method, "PATCH") == 0 && strcmp(rq->sub, "status") == 0)) {
		struct status st;

		status_init(&st);
		status_not_found(&st, k->group, k->gr, rq->name);
		return reply_st(rq, &st);
	}
	return resource_verbs(rq);
}

int rest_dispatch(struct api_req *rq)
{
	char **p = rq->parts;
	size_t n = rq->nparts;
	int rc = discovery_handle(rq);

	if (rc != -2)
		return rc;
	if (n >= 3 && strcmp(p[0], "api") == 0 && strcmp(p[1], "v1") == 0)
		return resolve(rq, "", "v1", p + 2, n - 2);
	if (n >= 4 && strcmp(p[0], "apis") == 0) {
		/* a group's own handler (metrics, access reviews): the namespace
		 * is in the path, or the review is about oneself */
		const char *ns = n >= 6 && strcmp(p[3], "namespaces") == 0 ? p[4] : NULL;

		if (strcmp(p[1], "authorization.k8s.io") != 0 && api_group_served(rq->api, p[1], p[2]) &&
		    api_scope_denied(rq, ns, p[1], p[n >= 6 && ns ? 5 : 3]))
			return 0;
		rc = api_call_group(rq, p[1], p[2]);
		if (rc != -2)
			return rc;
		return resolve(rq, p[1], p[2], p + 3, n - 3);
	}
	if (n >= 1 && (strcmp(p[0], "api") == 0 || strcmp(p[0], "apis") == 0))
		return method_not_allowed(rq);
	return api_reply_error(rq, 404, "NotFound", NOT_FOUND_MSG);
}
