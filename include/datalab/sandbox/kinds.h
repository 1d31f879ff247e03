/*
 * kinds.h: the sandbox's kind registry, what discovery and routing read.
 *
 * One struct kind per served group/version/resource: the built-ins (core
 * v1 pods, services, ...; apps/v1; batch/v1; networking, policy, rbac,
 * storage, autoscaling, events.k8s.io, apiextensions.k8s.io) are made by
 * kinds_new; every served version of a CustomResourceDefinition is added
 * by kinds_add_crd when the CRD is stored, and marked gone (never freed:
 * objects and watchers may still point at it) when the CRD goes.
 *
 * Objects are stored once per group/resource, whatever the version: the
 * first kind registered for a group/resource is its storage kind (the
 * built-ins have one version each; a CRD's storage version is the one
 * with storage: true).  Pointers returned stay valid until kinds_free.
 */
#ifndef DATALAB_SANDBOX_KINDS_H
#define DATALAB_SANDBOX_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/sandbox/status.h"

enum kind_verbs {
	KIND_CREATE = 1 << 0,
	KIND_DELETE = 1 << 1,
	KIND_DELETECOLLECTION = 1 << 2,
	KIND_GET = 1 << 3,
	KIND_LIST = 1 << 4,
	KIND_PATCH = 1 << 5,
	KIND_UPDATE = 1 << 6,
	KIND_WATCH = 1 << 7,
	KIND_ALL_VERBS = (1 << 8) - 1,
};

/* Subresources served by the generic store (others are routes added with
 * api_add_subresource). */
enum kind_subs {
	KIND_SUB_STATUS = 1 << 0,	/* .../NAME/status: get, update, patch */
	KIND_SUB_SCALE = 1 << 1,	/* .../NAME/scale: autoscaling/v1 Scale */
};

/* A printer column of a CRD (additionalPrinterColumns). */
struct kind_column {
	char *name, *type, *format, *description, *json_path;
	int priority;
};

struct kind {
	const char *group;	/* "" for the core group */
	const char *version;
	const char *resource;	/* plural, lower case: "deployments" */
	const char *kind;	/* "Deployment" */
	const char *singular;	/* "deployment" */
	const char *list_kind;	/* "DeploymentList" */
	const char *api_version;	/* "apps/v1", "v1" */
	const char *gr;		/* messages' form: "deployments.apps", "pods" */
	bool namespaced;
	unsigned verbs;		/* enum kind_verbs */
	unsigned subs;		/* enum kind_subs */
	const char *const *short_names;	/* NULL-terminated, may be NULL */
	const char *const *categories;	/* NULL-terminated ("all"), may be NULL */
	bool builtin;		/* strategic merge patch allowed; fixed field set */
	bool gone;		/* its CRD was deleted: no longer served */
	/* custom resources only (NULL/0 for built-ins) */
	const char *crd_name;	/* "widgets.example.com" */
	cJSON *schema;		/* openAPIV3Schema of this version, or NULL */
	struct kind_column *columns;
	size_t ncolumns;
	const char *scale_spec_path;	/* ".spec.replicas" */
	const char *scale_status_path;	/* ".status.replicas" */
	const char *scale_selector_path;	/* ".status.selector", or NULL */
	const struct kind *storage;	/* the storage kind of this group/resource (may be itself) */
};

struct kinds;

/* kinds_new: a registry holding the built-in kinds. */
struct kinds *kinds_new(void);
void kinds_free(struct kinds *ks);

/* kinds_find: by URL parts (group "" for /api/v1).  Gone kinds are not found. */
const struct kind *kinds_find(const struct kinds *ks, const char *group, const char *version,
			      const char *resource);
/* kinds_find_kind: by apiVersion ("apps/v1", "v1") and kind ("Deployment"). */
const struct kind *kinds_find_kind(const struct kinds *ks, const char *api_version, const char *kind);
/* kinds_find_storage: the storage kind of group/resource, gone ones included
 * (the store reloads objects before their CRD may be known). */
const struct kind *kinds_find_storage(const struct kinds *ks, const char *group, const char *resource);
/* kinds_resolve: kubectl-style lookup of a name a user typed ("po",
 * "deploy", "deployments.apps", "Pod"), for error messages and tests. */
const struct kind *kinds_resolve(const struct kinds *ks, const char *name);

/* kinds_count / kinds_at: every kind, gone ones included, in registration
 * order (built-ins first).  Discovery skips gone kinds. */
size_t kinds_count(const struct kinds *ks);
const struct kind *kinds_at(const struct kinds *ks, size_t i);

/*
 * kinds_check_crd: validates a CustomResourceDefinition object (group,
 * names.plural/kind, scope, versions with exactly one storage version,
 * metadata.name = <plural>.<group>, no clash with a built-in) and returns
 * 0, or -1 with a 422 in st.
 */
int kinds_check_crd(const struct kinds *ks, const cJSON *crd, struct status *st);
/* kinds_add_crd: (re)registers the kinds of a stored CRD: every served
 * version; versions no longer served become gone.  Returns 0 or -1 (st). */
int kinds_add_crd(struct kinds *ks, const cJSON *crd, struct status *st);
/* kinds_remove_crd: marks every kind of that CRD gone. */
void kinds_remove_crd(struct kinds *ks, const char *crd_name);

/* kinds_generation: bumped whenever the served set changes (discovery and
 * OpenAPI hashes). */
uint64_t kinds_generation(const struct kinds *ks);

/* kinds_verb_names: fills names[] (8 entries) with the verbs in v, in
 * discovery order; returns how many. */
size_t kinds_verb_names(unsigned v, const char *names[8]);

#endif
