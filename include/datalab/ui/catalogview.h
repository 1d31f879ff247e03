/*
 * catalogview.h: the catalog screens of the console: ":catalog" (catalogs
 * as tabs, charts as rows, search, favourites), "launch" (the launch form,
 * the equivalent command, helm's output), ":saved" (saved launches to
 * relaunch, edit or delete) and ":account" (the user context that fills
 * the forms).
 *
 * catalogview_add registers the four views with the app.  They share the
 * catalogs configuration (shipped folder, then the XDG config folder's
 * catalogs/), the user's account file and region configuration (XDG
 * config account.json and region.json), `git config` for the git
 * identity, and the kubeconfig for the sandbox's chart repository and the
 * namespace.  Everything remote is fetched on the loop.
 */
#ifndef DATALAB_UI_CATALOGVIEW_H
#define DATALAB_UI_CATALOGVIEW_H

#include "datalab/core/error.h"
#include "datalab/kube/client.h"
#include "datalab/net/http.h"
#include "datalab/ui/app.h"

struct catalogview_opts {
	const char *shipped_dir;	/* NULL: catalogs_shipped_dir() */
	const char *launch_link;	/* a launcher link to open at start, or NULL */
	struct http *http;		/* NULL: the views make their own */
	const char *kubeconfig;		/* --kubeconfig, or NULL ($KUBECONFIG, ~/.kube/config) */
	struct kube *kube;		/* writes launches' release records; NULL: none written */
};

/* catalogview_add: adds the views; with a launch link, shows its form.
 * -1 with err only for a launch link that does not parse. */
int catalogview_add(struct app *a, const struct catalogview_opts *o, struct error *err);

#endif
