/*
 * patch.h: the four ways a client changes an object.
 *
 * - JSON patch (RFC 6902), application/json-patch+json;
 * - JSON merge patch (RFC 7386), application/merge-patch+json;
 * - strategic merge patch, application/strategic-merge-patch+json: lists
 *   merge by their patchMergeKey (containers/env/volumes/initContainers by
 *   "name", ports by "containerPort", Service ports by "port", volumeMounts
 *   by "mountPath", conditions by "type", ...), directives $patch,
 *   $retainKeys, $setElementOrder/<f>, $deleteFromPrimitiveList/<f>;
 * - server-side apply, application/apply-patch+yaml: fields are owned by
 *   field managers recorded in metadata.managedFields (FieldsV1); a field
 *   another manager owns with a different value is a conflict unless force.
 *
 * All functions work on a copy and replace *doc only on success, so a failed
 * patch leaves the stored object untouched.
 */
#ifndef DATALAB_SANDBOX_PATCH_H
#define DATALAB_SANDBOX_PATCH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

int patch_json(cJSON **doc, const cJSON *ops, struct error *err);
int patch_merge(cJSON **doc, const cJSON *patch, struct error *err);
/* patch_strategic: kind ("Pod", "Deployment", ...) picks the merge keys of
 * built-in kinds; NULL (custom resources) → ERR_UNSUPPORTED (a 415). */
int patch_strategic(cJSON **doc, const cJSON *patch, const char *kind, struct error *err);

/*
 * patch_apply: server-side apply of `applied` (the full intent of manager)
 * onto *live (NULL when the object does not exist yet: it is created from
 * applied).  Fields the manager applied before and no longer applies are
 * removed unless another manager also owns them.  On a conflict without
 * force: ERR_CONFLICT with the apiserver's message ("Apply failed with 1
 * conflict: conflict with \"kubectl\": .data.x") and *conflicts set to a
 * JSON array of {"reason":"FieldManagerConflict","message":...,"field":".data.x"}
 * (caller frees).  now is the RFC 3339 time for managedFields[].time.
 */
int patch_apply(cJSON **live, const cJSON *applied, const char *manager, bool force,
		const char *now, cJSON **conflicts, struct error *err);

/*
 * patch_record_update: after a non-apply write (POST/PUT/PATCH) by manager,
 * record an "Update" entry in managedFields for the fields that changed
 * from old to *doc (old may be NULL), taking them away from other managers.
 */
void patch_record_update(cJSON *doc, const cJSON *old, const char *manager, const char *now);

#endif
