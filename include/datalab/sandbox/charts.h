/*
 * charts.h: the sandbox's Helm chart repository at <API URL>/charts/.
 *
 * At start the chart folders (the project's catalogs/charts: found beside
 * the binary as bin/../catalogs/charts, else DATALAB_DATADIR/catalogs/charts
 * once installed, or given with --charts) are packaged by chartrepo_build
 * into DIR/charts (index.yaml + one .tgz per chart, URLs absolute under
 * <API URL>/charts/); the route then serves those files, without a token,
 * so `helm repo add demo <URL>/charts` works as with any public repo.
 */
#ifndef DATALAB_SANDBOX_CHARTS_H
#define DATALAB_SANDBOX_CHARTS_H

#include "datalab/core/error.h"
#include "datalab/sandbox/api.h"

/* charts_find_source: the chart folders to serve (caller frees), or NULL
 * when none is found. */
char *charts_find_source(void);

struct charts;

/* charts_serve: builds out_dir from src and routes /charts/ on a.  NULL
 * with err on failure (the API keeps running without charts). */
struct charts *charts_serve(struct api *a, const char *src, const char *out_dir, struct error *err);
/* charts_free: after api_stop; NULL is a no-op. */
void charts_free(struct charts *c);

#endif
