/*
 * launcher.h: Onyxia launcher links, release names, the command bar.
 *
 * A link is what Onyxia's "copy launch link" gives:
 *   https://HOST/launcher/CATALOG/CHART?name=..&version=..&shared=true
 *     &s3=PROFILE&autoLaunch=true&resources.limits.nvidia%5C.com/gpu=«1»
 * (or only its path).  Query keys holding a dot are helm values paths:
 * split on '.', "%5C." (or "\.") a literal dot, "a[2]" an array index.
 * Values are true, false, null, "-" (remove the key), a number, or
 * «text» around encodeURIComponent(text).  A key without a dot cannot
 * set a value and is ignored, as in Onyxia.
 */
#ifndef DATALAB_CATALOG_LAUNCHER_H
#define DATALAB_CATALOG_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define LAUNCHER_MAX_URL 65536
#define LAUNCHER_MAX_PARAMS 1024
#define LAUNCHER_MAX_SEGMENTS 32
#define LAUNCHER_MAX_INDEX 9999
#define LAUNCHER_RELEASE_MAX 53

/* One step of a values path: a key (index -1), or an index (key NULL). */
struct launcher_seg {
	char *key;
	int index;
};

struct launcher_value {
	struct launcher_seg *segs;
	size_t nsegs;
	cJSON *value;		/* NULL: remove the key ("-") */
};

struct launcher_link {
	char *catalog;
	char *chart;
	char *name;		/* friendly name; NULL when absent */
	char *version;		/* NULL when absent */
	char *s3;		/* S3 profile; NULL when absent */
	bool shared;
	bool auto_launch;
	struct launcher_value *values;
	size_t nvalues;
};

/* launcher_parse: fills link (which the caller releases even on error). */
int launcher_parse(const char *url, struct launcher_link *link, struct error *err);
void launcher_link_release(struct launcher_link *link);

/* launcher_link_set_values: replaces link's values by the leaves of a
 * values tree (arrays element by element; empty arrays and objects
 * cannot be written in a link and are left out). */
void launcher_link_set_values(struct launcher_link *link, const cJSON *values);
/* launcher_apply: applies link's values (and removals) to a tree. */
int launcher_apply(const struct launcher_link *link, cJSON *values, struct error *err);

/* launcher_encode: base ("https://host", may be NULL or "") + the
 * "/launcher/CATALOG/CHART?..." of link. */
int launcher_encode(struct buf *out, const char *base, const struct launcher_link *link);

/* launcher_release_name: "<chart>-<n>", a DNS-1123 label of at most 53
 * characters (the chart part is lowered and cut to fit).  n is
 * k8s.randomSubdomain (0..999999).  Returns an xmalloc'd string. */
char *launcher_release_name(const char *chart, int n);
/* launcher_release_name_ok: a name the API would accept. */
bool launcher_release_name_ok(const char *name);

struct launcher_command {
	const char *catalog_id;
	const char *repo_url;
	const char *chart;
	const char *release;
	const char *namespace;	/* only for group projects; NULL otherwise */
	const char *version;	/* only when not the latest; NULL otherwise */
	const char *values_yaml;	/* may be NULL or "" */
};
/* launcher_command_bar: the text Onyxia shows before a launch:
 * helm repo add, cat << EOF > ./values.yaml ... EOF, helm install. */
int launcher_command_bar(struct buf *out, const struct launcher_command *cmd);

#endif
