/*
 * discovery.h: /version, /api, /apis and the OpenAPI documents.
 *
 * Discovery is the legacy form (APIVersions, APIGroupList, one
 * APIResourceList per group/version), which kubectl 1.34 and helm 4 use
 * fully when the reply's Content-Type is plain application/json.
 * OpenAPI v3 has one document per group/version whose PATCH operations
 * carry x-kubernetes-group-version-kind and the fieldValidation
 * parameter, so kubectl apply and helm use server-side field validation
 * and never need v2; schemas are light (apiVersion, kind, metadata, spec,
 * status) for built-ins and the CRD's own schema for custom resources,
 * enough for `kubectl explain` to answer.  /openapi/v2 answers an empty
 * body, which clients take as "no client-side validation".
 */
#ifndef DATALAB_SANDBOX_DISCOVERY_H
#define DATALAB_SANDBOX_DISCOVERY_H

#include <cjson/cJSON.h>

#include "datalab/sandbox/api.h"

/* discovery_handle: answers rq if its path is a discovery or OpenAPI one
 * and returns its result; -2 when the path is not one. */
int discovery_handle(struct api_req *rq);

/* discovery_openapi_gv: the OpenAPI v3 document of group/version
 * (caller frees), NULL when not served. */
cJSON *discovery_openapi_gv(struct api *a, const char *group, const char *version);

#endif
