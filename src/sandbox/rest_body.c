/*
 * rest_body.c: what clients send, decoded and checked (see rest.h): JSON,
 * YAML or protobuf into one cJSON object; its apiVersion and kind against
 * the URL's; unknown and duplicate fields per fieldValidation; dryRun and
 * fieldManager; the events.k8s.io view converted to the stored shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"
#include "datalab/sandbox/events.h"
#include "datalab/sandbox/media.h"
#include "datalab/sandbox/proto.h"
#include "datalab/sandbox/rest.h"
#include "datalab/sandbox/validate.h"
#include "rest-internal.h"

/* ---- bodies ---- */

int rest_unknown_media(struct status *st, const char *accepted)
{
	return status_set(st, 415, "UnsupportedMediaType", "the body of the request was in an unknown "
			  "format - accepted media types include: %s", accepted);
}

cJSON *rest_decode_body(struct api_req *rq, struct status *st)
{
	enum media_body type = media_body_type(api_header(rq, "Content-Type"));
	struct error err;
	cJSON *o = NULL;

	if (rq->body_len == 0) {
		status_bad_request(st, "the body of the request was empty");
		return NULL;
	}
	switch (type) {
	case MEDIA_BODY_JSON:
	case MEDIA_BODY_JSON_PATCH:
	case MEDIA_BODY_MERGE_PATCH:
	case MEDIA_BODY_STRATEGIC_PATCH:
		o = json_parse(rq->body, rq->body_len, &err);
		if (!o)
			status_bad_request(st, "the body of the request could not be decoded: "
					   "json parse error: %s", err.msg);
		break;
	case MEDIA_BODY_YAML:
	case MEDIA_BODY_APPLY_PATCH:
		o = yaml_parse(rq->body, rq->body_len, NULL, &err);
		if (!o)
			status_bad_request(st, "error converting YAML to JSON: yaml: %s", err.msg);
		break;
	case MEDIA_BODY_PROTOBUF:
		o = proto_decode(rq->body, rq->body_len, &err);
		if (!o && err.code == ERR_UNSUPPORTED)
			status_set(st, 415, "UnsupportedMediaType", "%s", err.msg);
		else if (!o)
			status_bad_request(st, "the body of the request could not be decoded: %s", err.msg);
		break;
	case MEDIA_BODY_UNKNOWN:
		rest_unknown_media(st, "application/json, application/yaml, application/vnd.kubernetes.protobuf");
		break;
	}
	if (o && type != MEDIA_BODY_JSON_PATCH && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		status_bad_request(st, "the body of the request must be a JSON object");
		return NULL;
	}
	return o;
}

/* check_type: the body's apiVersion and kind, when present, name k (or
 * another served version of it). */
int rest_check_type(const struct kind *k, struct kinds *ks, const cJSON *obj, struct status *st)
{
	const char *av = json_str(obj, "apiVersion", NULL), *kd = json_str(obj, "kind", NULL);
	const struct kind *other;

	if (kd && *kd && strcmp(kd, k->kind) != 0)
		return status_bad_request(st, "the kind in the data (%s) does not match the expected kind "
					  "(%s)", kd, k->kind);
	if (av && *av && strcmp(av, k->api_version) != 0) {
		other = kinds_find_kind(ks, av, k->kind);
		if (!other || other->storage != k->storage)
			return status_bad_request(st, "the API version in the data (%s) does not match the "
						  "expected API version (%s)", av, k->api_version);
	}
	return 0;
}

/* field_validation: fieldValidation=Strict|Warn|Ignore (default Warn). */
int rest_field_validation(struct api_req *rq, const struct kind *k, const cJSON *obj, struct status *st)
{
	const char *mode = api_query(rq, "fieldValidation");
	cJSON *errs;
	const cJSON *e;
	struct buf b;
	bool strict;

	if (!mode || !*mode)
		mode = "Warn";
	if (strcmp(mode, "Ignore") == 0)
		return 0;
	if (strcmp(mode, "Strict") != 0 && strcmp(mode, "Warn") != 0)
		return status_bad_request(st, "fieldValidation must be one of \"Ignore\", \"Warn\", or "
					  "\"Strict\", got %s", mode);
	strict = strcmp(mode, "Strict") == 0;
	errs = cJSON_CreateArray();
	if (validate_fields(k, obj, errs) == 0) {
		cJSON_Delete(errs);
		return 0;
	}
	if (!strict) {
		cJSON_ArrayForEach(e, errs)
			api_warn(rq, "%s", e->valuestring);
		cJSON_Delete(errs);
		return 0;
	}
	buf_init(&b, 0);
	buf_adds(&b, "strict decoding error: ");
	cJSON_ArrayForEach(e, errs) {
		if (e != errs->child)
			buf_adds(&b, ", ");
		buf_adds(&b, e->valuestring);
	}
	status_bad_request(st, "%s", b.data);
	buf_release(&b);
	cJSON_Delete(errs);
	return -1;
}

/* write_opts: dryRun and fieldManager (default: the client's binary name). */
int rest_write_opts(struct api_req *rq, struct store_write *w, char *mgr, size_t mgrlen, struct status *st)
{
	const char *dry = api_query(rq, "dryRun"), *fm = api_query(rq, "fieldManager");
	const char *ua = api_header(rq, "User-Agent");
	size_t i;

	memset(w, 0, sizeof(*w));
	if (dry && *dry) {
		if (strcmp(dry, "All") != 0)
			return status_bad_request(st, "Invalid value: %s: supported values: \"All\"", dry);
		w->dry_run = true;
	}
	if (fm && *fm) {
		if (strlen(fm) > 128)
			return status_set(st, 422, "Invalid", "fieldManager: Too long: may not be more than "
					  "128 bytes");
		str_copy(mgr, fm, mgrlen);
	} else {
		str_copy(mgr, ua && *ua ? ua : "unknown", mgrlen);
		for (i = 0; mgr[i]; i++)
			if (mgr[i] == '/' || mgr[i] == ' ') {
				mgr[i] = '\0';
				break;
			}
	}
	w->manager = mgr;
	return 0;
}

/* to_storage: a body of a view kind (events.k8s.io) in the stored shape. */
cJSON *rest_to_storage(const struct kind *k, cJSON *obj)
{
	cJSON *core;

	if (!events_is_view(k) || !obj)
		return obj;
	core = events_from_view(obj);
	cJSON_Delete(obj);
	return core;
}

/* to_view: a stored object as a view kind shows it (a new tree). */
cJSON *rest_to_view(const struct kind *k, const struct store_obj *o)
{
	cJSON *c = store_obj_copy(o), *v;

	if (!events_is_view(k))
		return c;
	v = events_to_view(c);
	cJSON_Delete(c);
	return v;
}

