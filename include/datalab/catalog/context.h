/*
 * context.h: the user context that x-onyxia references read (Onyxia's
 * XOnyxiaContext): user, service, project, git, vault, s3, region, k8s,
 * proxyInjection, packageRepositoryInjection, certificateAuthorityInjection.
 *
 * Built as one cJSON tree from, lowest priority first: the region
 * configuration (a regions.json document or one region of it), the
 * account file (XDG config "account.json", mode 0600: user, project,
 * git, vault, s3 keys, region overrides, k8s domain and ingress class),
 * the environment (AWS_*), and
 * `git config user.name/email` output the caller ran.  No process is
 * spawned and nothing is fetched here.
 */
#ifndef DATALAB_CATALOG_CONTEXT_H
#define DATALAB_CATALOG_CONTEXT_H

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

#define CONTEXT_ACCOUNT_FILE "account.json"
#define CONTEXT_MAX_FILE (1u << 20)

struct context_input {
	const cJSON *account;		/* may be NULL */
	const cJSON *region;		/* {"regions":[...]} or one region; may be NULL */
	const char *const *env;		/* "K=V" strings, NULL-terminated; may be NULL */
	const char *git_name;		/* `git config user.name` output; may be NULL */
	const char *git_email;		/* `git config user.email` output; may be NULL */
	int random_subdomain;		/* 0..999999; negative: drawn here */
	const char *one_time_password;	/* NULL: 16 random characters */
	const char *namespace;		/* the console's namespace; may be NULL */
};

/* context_build: a new context tree.  user.idep comes from the account,
 * else from the namespace when it is the region's namespacePrefix
 * ("user-") + idep, else USER from env, else "user"; project.id is the
 * namespace (Onyxia's project is the namespace one works in), else the
 * account's project, else namespacePrefix + idep. */
cJSON *context_build(const struct context_input *in, struct error *err);

/* context_random_subdomain: String(Math.floor(Math.random()*1000000)). */
int context_random_subdomain(void);

/* context_account_path: XDG config + account.json (xmalloc'd). */
char *context_account_path(struct error *err);
/* context_account_load: the account tree (JSON or YAML); a missing file
 * gives an empty object.  A file others may read is refused: it holds
 * keys. */
cJSON *context_account_load(const char *path, struct error *err);
/* context_account_save: atomic write, mode 0600. */
int context_account_save(const char *path, const cJSON *account, struct error *err);

/* context_region_pick: the region object in a regions.json document
 * (the one with this id, or the first when id is NULL), borrowed. */
const cJSON *context_region_pick(const cJSON *doc, const char *id);

#endif
