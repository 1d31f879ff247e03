/*
 * launch.h: one launch being prepared: a chart version, its form, the
 * release name, and what launching it means.
 *
 * launch_new reads the loaded chart archive (helm/chart.h): its
 * values.schema.json becomes the form (catalog/form.h) filled from the
 * user context; a chart without a schema gets one inferred from its
 * values.yaml, so every application chart can be launched.  The release
 * is "<chart>-<k8s.randomSubdomain>", as Onyxia names it.  From the form
 * come the values helm needs (those differing from values.yaml), the
 * command bar (helm repo add, the values heredoc, helm install), the
 * Onyxia launcher link (the values the user edited), the saved launch,
 * the `helm upgrade --install` command the runner spawns, and the release
 * record (catalog/record.h) written once helm succeeded.  Nothing
 * here runs or fetches anything.
 */
#ifndef DATALAB_CATALOG_LAUNCH_H
#define DATALAB_CATALOG_LAUNCH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/catalog/form.h"
#include "datalab/catalog/launcher.h"
#include "datalab/catalog/record.h"
#include "datalab/catalog/saved.h"
#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/helm/chart.h"
#include "datalab/helm/runner.h"

#define LAUNCH_MAX_SCHEMA (8u << 20)	/* bytes of values.schema.json */

/* What to launch and where; every string is copied. */
struct launch_spec {
	const char *catalog_id;
	const char *repo_url;
	const struct chart *chart;	/* borrowed during launch_new only */
	const char *name;		/* friendly name (link, saved launch); NULL: the chart's */
	const char *timeout;		/* the catalog's helm timeout ("10m"), or NULL */
	const char *ca_file;		/* the repository's CA for helm (caFile), or NULL */
	bool insecure_tls;		/* the catalog's skipTlsVerify */
	const cJSON *ctx;		/* the user context (context.h); may be NULL */
	const char *registry;		/* overwriteSchemaWith folder, or NULL */
	const char *namespace;		/* NULL: helm's */
	const char *kube_context;	/* NULL: the kubeconfig's current one */
	const char *kubeconfig;		/* NULL: $KUBECONFIG or ~/.kube/config */
};

struct launch;

/* launch_new: NULL with err when the schema is unusable (not JSON, not an
 * object, over the form's limits) or the chart is a library chart. */
struct launch *launch_new(const struct launch_spec *spec, struct error *err);
void launch_free(struct launch *l);

struct form *launch_form(struct launch *l);
const char *launch_catalog_id(const struct launch *l);
const char *launch_chart_name(const struct launch *l);
const char *launch_version(const struct launch *l);
const char *launch_repo_url(const struct launch *l);
const char *launch_namespace(const struct launch *l);
const char *launch_description(const struct launch *l);
/* launch_readme: README.md, or NULL; the dependencies' names in deps. */
const char *launch_readme(const struct launch *l);
/* launch_schema_inferred: the chart had no values.schema.json. */
bool launch_schema_inferred(const struct launch *l);

const char *launch_release(const struct launch *l);
/* launch_set_release: a DNS-1123 label of at most 53 characters. */
int launch_set_release(struct launch *l, const char *release, struct error *err);
const char *launch_name(const struct launch *l);
void launch_set_name(struct launch *l, const char *name);
/* launch_owner: the context's user.idep, or NULL without a context. */
const char *launch_owner(const struct launch *l);
/* launch_record: Onyxia's release record of this launch (record.h):
 * catalog id, owner, friendly name, share=false; r's strings are
 * borrowed from l. */
void launch_record(const struct launch *l, struct record *r);

/* launch_values_yaml: the values passed to helm with -f, as YAML: those
 * differing from the chart's, and global.suspend when the chart has it
 * (what marks a release pausable, for Onyxia as for My services). */
int launch_values_yaml(const struct launch *l, struct buf *out);
/* launch_command: the command bar text, then the kubectl line of the
 * release record written after helm. */
int launch_command(const struct launch *l, struct buf *out);
/* launch_link: the launcher link of the values the user edited (base:
 * "https://host" or NULL for the path alone). */
int launch_link(const struct launch *l, const char *base, bool auto_launch, struct buf *out);
/* launch_apply_link: a parsed link's name and values onto the form. */
int launch_apply_link(struct launch *l, const struct launcher_link *link, struct error *err);
/* launch_apply_values: a values tree (a saved launch) onto the form. */
int launch_apply_values(struct launch *l, const cJSON *values, struct error *err);

/* launch_check: the form validates and the release name is usable;
 * *bad (may be NULL) gets the first invalid field. */
int launch_check(const struct launch *l, struct form_field **bad, struct error *err);
/* launch_runner_cmd: `helm upgrade --install ... --output json` (or a
 * client dry run), values in a private 0600 file.  Checks first. */
struct runner_cmd *launch_runner_cmd(const struct launch *l, bool dry_run, struct error *err);
/* launch_save: adds (or replaces, by name) the launch in list with the
 * values the user edited. */
int launch_save(const struct launch *l, struct saved_list *list, struct error *err);

/* launch_infer_schema: a JSON schema for a values tree (objects become
 * sections, scalars typed leaves with their value as default, arrays of
 * scalars typed arrays, anything else free JSON). */
cJSON *launch_infer_schema(const cJSON *values);

#endif
