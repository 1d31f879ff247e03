/*
 * record.h: Onyxia's release record, the Secret a launch leaves beside
 * helm's own.
 *
 * After `helm upgrade --install` succeeds, Onyxia's API writes Secret
 * sh.onyxia.release.v1.RELEASE (type onyxia.sh/release.v1) with data
 * catalog, owner, friendlyName and share, owned (ownerReferences, as a
 * controller) by helm's storage Secret sh.helm.release.v1.RELEASE.v1, so
 * the garbage collector removes it when the release is uninstalled.  "My
 * services" reads it back (model/services.h): the friendly name to show
 * and the catalog that serves the chart again for pause and resume.
 *
 * record_secret and record_patch build the objects (the launch and the
 * rename of model/live.h both use them), record_command the kubectl line
 * a person would type, and record_write_start writes a launch's record on
 * the loop: GET helm's storage Secret for its uid, then POST the record
 * (or, when one is there already, merge-patch it).
 */
#ifndef DATALAB_CATALOG_RECORD_H
#define DATALAB_CATALOG_RECORD_H

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/kube/client.h"

#define RECORD_PREFIX "sh.onyxia.release.v1."
#define RECORD_TYPE "onyxia.sh/release.v1"

/* What a record holds; NULL fields (and share < 0) are not written. */
struct record {
	const char *release;		/* required */
	const char *namespace;		/* required by record_write_start */
	const char *catalog;		/* the catalog id the chart came from */
	const char *owner;		/* the user's idep */
	const char *friendly_name;
	int share;			/* 1 "true", 0 "false", -1 not written */
};

/* record_name: "sh.onyxia.release.v1.RELEASE" (xmalloc'd). */
char *record_name(const char *release);
/* record_helm_secret: helm's storage Secret of revision rev (xmalloc'd). */
char *record_helm_secret(const char *release, long rev);

/* record_secret: the Secret to create; helm_secret (may be NULL: no
 * owner) is the storage Secret it is owned by, as the API returned it. */
cJSON *record_secret(const struct record *r, const cJSON *helm_secret);
/* record_patch: a merge patch setting r's data fields (and the owner when
 * helm_secret is not NULL) on an existing record. */
cJSON *record_patch(const struct record *r, const cJSON *helm_secret);

/* record_command: `kubectl create secret generic ...` of r into out, after
 * a comment naming the owner kubectl cannot set; kube_context may be NULL. */
int record_command(const struct record *r, const char *kube_context, struct buf *out);

/* record_done_fn: the record was written (err->code ERR_NONE) or not. */
typedef void record_done_fn(void *arg, const struct error *err);

struct record_write;

/* record_write_start: writes r through k (every string is copied); fn
 * runs once, later.  NULL with err when the first call cannot be sent.
 * The handle is valid until fn returns or the cancel. */
struct record_write *record_write_start(struct kube *k, const struct record *r, record_done_fn *fn, void *arg,
					struct error *err);
/* record_write_cancel: no callback after it; NULL is a no-op. */
void record_write_cancel(struct record_write *w);

#endif
