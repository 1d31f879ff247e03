/*
 * catalogs.h: the catalogs configuration (onyxia-api's catalogs.json
 * shape) and the user's favourite charts.
 *
 * Files may be YAML, JSON or JSON5 (comments, single quotes, trailing
 * commas, unquoted keys: turned into JSON by catalogs_json5_to_json).  A
 * file holds {"catalogs": [...]}, a bare list, or one catalog object.
 * The shipped folder is read first, then the XDG config folder's
 * "catalogs/": a catalog whose id is already known replaces it in place.
 * Favourite charts are in catalog/favourites.h.
 *
 * A location "sandbox://PATH" names the local sandbox's chart
 * repository; catalog_location resolves it against the sandbox's base
 * URL, which catalog_sandbox_url finds: $DATALAB_SANDBOX_URL, else the
 * server of the current kubeconfig cluster when that cluster is named
 * "datalab-sandbox" (the sandbox serves its charts, unauthenticated, at
 * <API server URL>/charts/).
 */
#ifndef DATALAB_CATALOG_CATALOGS_H
#define DATALAB_CATALOG_CATALOGS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/kube/kubeconfig.h"

#define CATALOGS_MAX 256
#define CATALOGS_MAX_FILE (4u << 20)
#define CATALOG_SANDBOX_SCHEME "sandbox://"
#define CATALOG_SANDBOX_CLUSTER "datalab-sandbox"
#define CATALOG_SANDBOX_ENV "DATALAB_SANDBOX_URL"

struct catalog {
	char *id;
	char *name;			/* "en" name, else the first, else id */
	cJSON *names;			/* {"en":..,"fr":..} or NULL */
	char *description;		/* "" when absent (also localized: "en") */
	char *maintainer;
	char *location;			/* helm repository URL or sandbox://... */
	char *status;			/* PROD, TEST, INTERNAL */
	char *type;			/* helm */
	char **highlighted_charts;	/* NULL-terminated lists, never NULL */
	char **excluded_charts;
	char **include_keywords;
	char **exclude_keywords;
	bool skip_tls_verify;
	char *ca_file;			/* NULL when absent */
	char *timeout;			/* "10m" etc., NULL when absent */
	bool allow_sharing;
	bool visible_user, visible_project;
	cJSON *restrictions;		/* [{"userAttribute":{"key","matches"}}] ("match" read too) */
	char *multiple_services_mode;	/* latest, all, skipPatches, maxNumber */
	int max_versions;		/* maxNumberOfVersions, 0 when absent */
	char *username, *password;	/* NULL when absent */
	char *origin;			/* the file it came from */
};

struct catalog_list {
	struct catalog *items;
	size_t n;
};

void catalogs_init(struct catalog_list *list);
void catalogs_release(struct catalog_list *list);

/* catalogs_parse: adds (or replaces by id) the catalogs in text.  The
 * format comes from origin's extension (.yaml/.yml, .json, .json5); a
 * .json file that is not strict JSON is read as JSON5. */
int catalogs_parse(struct catalog_list *list, const char *text, size_t n, const char *origin,
		   struct error *err);
int catalogs_load_file(struct catalog_list *list, const char *path, struct error *err);
/* catalogs_load_dir: every *.yaml, *.yml, *.json, *.json5 in name order;
 * a missing folder adds nothing. */
int catalogs_load_dir(struct catalog_list *list, const char *dir, struct error *err);
/* catalogs_shipped_dir: the catalogs folder of this install or checkout
 * (xmalloc'd): $DATALAB_CATALOGS_DIR, else <binary's folder>/../catalogs
 * when it exists (a checkout's bin/), else DATALAB_DATADIR/catalogs. */
char *catalogs_shipped_dir(void);
/* catalogs_load_default: shipped_dir (may be NULL), then the XDG config
 * folder's "catalogs/". */
int catalogs_load_default(struct catalog_list *list, const char *shipped_dir, struct error *err);

const struct catalog *catalogs_find(const struct catalog_list *list, const char *id);
/* catalog_name_for: the name in lang ("fr"), else English. */
const char *catalog_name_for(const struct catalog *c, const char *lang);
/* catalog_location: the repository URL with sandbox:// resolved against
 * sandbox_base (xmalloc'd); NULL with err when it names the sandbox and
 * no sandbox_base is given. */
char *catalog_location(const struct catalog *c, const char *sandbox_base, struct error *err);
/* catalog_sandbox_url: the sandbox's base URL (xmalloc'd, no trailing
 * '/'): $DATALAB_SANDBOX_URL, else kc's server when kc (may be NULL) is
 * the sandbox's cluster; NULL when neither. */
char *catalog_sandbox_url(const struct kubeconfig *kc);
/* catalog_is_sandbox: the catalog's location names the sandbox. */
bool catalog_is_sandbox(const struct catalog *c);
/* catalog_chart_allowed: excludedCharts, includeKeywords (any must be
 * among the chart's keywords when set) and excludeKeywords. */
bool catalog_chart_allowed(const struct catalog *c, const char *chart, const char *const *keywords);
/* catalog_chart_highlighted: listed in highlightedCharts. */
bool catalog_chart_highlighted(const struct catalog *c, const char *chart);

/* catalogs_json5_to_json: JSON5 text to strict JSON appended to out. */
int catalogs_json5_to_json(struct buf *out, const char *p, size_t n, struct error *err);

#endif
