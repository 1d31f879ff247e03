/*
 * rest.h: the generic Kubernetes REST handlers behind the API server.
 *
 * rest_dispatch is the server's fallback route: /version, /api, /apis,
 * /openapi/v2 and /v3 (discovery.c), then /api/v1/... and /apis/G/V/...:
 * the path resolves to a kind, a namespace, a name and a subresource;
 * groups and subresources registered with api_add_group and
 * api_add_subresource go to their handlers; everything else is the store:
 * get, list (paging, selectors, Table), watch (watch.c), create, update,
 * patch (patch.h), delete, deletecollection, status and scale.
 */
#ifndef DATALAB_SANDBOX_REST_H
#define DATALAB_SANDBOX_REST_H

#include <cjson/cJSON.h>

#include "datalab/sandbox/api.h"

/* rest_dispatch: answers rq (404 for an unknown path). */
int rest_dispatch(struct api_req *rq);

/*
 * rest_decode_body: the request body as a JSON object, whatever its
 * Content-Type: JSON, YAML (application/yaml, apply-patch+yaml) or
 * Kubernetes protobuf.  NULL with a 400 (malformed) or 415 (type) in st.
 */
cJSON *rest_decode_body(struct api_req *rq, struct status *st);

/* rest_object_json: o as the requested kind's version shows it (its
 * apiVersion rewritten for another served version of a CRD): a fresh
 * string, or NULL when o->json can be sent as is. */
char *rest_object_json(const struct kind *k, const struct store_obj *o, size_t *len);

/* rest_delete_opts: DeleteOptions from rq's body and query into d; the
 * strings in d point into *keep (free it after the deletes). */
int rest_delete_opts(struct api_req *rq, struct store_delete *d, cJSON **keep, struct status *st);

#endif
