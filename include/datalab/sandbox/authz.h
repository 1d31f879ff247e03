/*
 * authz.h: authorization.k8s.io/v1 for the one sandbox user.
 *
 * The sandbox has a single user who may do everything, so a
 * SelfSubjectAccessReview (`kubectl auth can-i`, UIs deciding which
 * actions to offer) is always allowed and a SelfSubjectRulesReview lists
 * "*" on everything.  Served through api_add_group, the extension point
 * part 2 uses for metrics.k8s.io.
 */
#ifndef DATALAB_SANDBOX_AUTHZ_H
#define DATALAB_SANDBOX_AUTHZ_H

#include "datalab/sandbox/api.h"

/* authz_register: adds the group to a's routes and discovery. */
void authz_register(struct api *a);

#endif
