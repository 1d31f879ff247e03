/*
 * chartrepo.h: the sandbox's Helm chart repository, built from folders.
 *
 * chartrepo_build packages every chart folder directly under charts_dir
 * (a folder holding Chart.yaml) the way `helm package` does: a gzip'd tar
 * whose members sit under "<name>/", Chart.yaml first, then values.yaml
 * and values.schema.json, then the rest in byte order, dependencies under
 * charts/ included.  Names matched by the chart's .helmignore (globs,
 * "dir/" patterns, "a/b" paths; no "!" negation) and VCS folders are left
 * out; symbolic links are skipped.
 *
 * Output, in out_dir: <name>-<version>.tgz per chart, then index.yaml
 * (apiVersion v1; per version: apiVersion, name, version, appVersion,
 * description, type, keywords, home, icon, sources, digest = sha256 of the
 * .tgz, created, urls = [base_url/<file>]), each written atomically.
 * Builds are deterministic: every member's mtime and "created" are the
 * newest mtime among the chart's files, "generated" the newest of those,
 * and the gzip header carries no timestamp, so rebuilding unchanged
 * folders gives the same bytes; unchanged archives are not rewritten.
 */
#ifndef DATALAB_SANDBOX_CHARTREPO_H
#define DATALAB_SANDBOX_CHARTREPO_H

#include "datalab/core/error.h"

/* chartrepo_build: see above.  out_dir is created if missing.  Returns 0,
 * or -1 with err: a chart folder with a bad Chart.yaml, or two folders
 * with the same name and version, fail the build, naming the folder. */
int chartrepo_build(const char *charts_dir, const char *out_dir, const char *base_url,
		    struct error *err);

#endif
