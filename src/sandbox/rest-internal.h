/*
 * rest-internal.h: request-body helpers shared by rest.c (the verbs) and
 * rest_body.c (decoding and checking what clients send).
 */
#ifndef DATALAB_SANDBOX_REST_INTERNAL_H
#define DATALAB_SANDBOX_REST_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/api.h"
#include "datalab/sandbox/store.h"

/* rest_unknown_media: a 415 naming the accepted types; returns -1. */
int rest_unknown_media(struct status *st, const char *accepted);
/* rest_check_type: the body's apiVersion and kind, when present, name k
 * (or another served version of it); -1 with a 400. */
int rest_check_type(const struct kind *k, struct kinds *ks, const cJSON *obj, struct status *st);
/* rest_field_validation: fieldValidation=Strict (400 on unknown or
 * duplicate fields), Warn (the default: Warning headers) or Ignore. */
int rest_field_validation(struct api_req *rq, const struct kind *k, const cJSON *obj, struct status *st);
/* rest_write_opts: dryRun and fieldManager (default: the client's binary
 * name, from its User-Agent) into w; mgr holds the name. */
int rest_write_opts(struct api_req *rq, struct store_write *w, char *mgr, size_t mgrlen, struct status *st);
/* rest_to_storage: a body of a view kind (events.k8s.io) in the stored
 * shape (obj taken); rest_to_view: a stored object as k shows it (new). */
cJSON *rest_to_storage(const struct kind *k, cJSON *obj);
cJSON *rest_to_view(const struct kind *k, const struct store_obj *o);

#endif
