/*
 * catalog-internal.h: what the catalog, launch, saved-launches and account
 * views share.  Not a public header.
 *
 * One struct catsession is created by catalogview_add and shared by the
 * four views (each holds a reference; the last view freed frees it).  It
 * owns the catalogs configuration, the browse model, the favourites, the
 * saved launches, the account file and region configuration the user
 * context is built from, the kubeconfig facts (sandbox URL, namespace),
 * and a struct http when the caller gave none.
 */
#ifndef DATALAB_UI_CATALOG_INTERNAL_H
#define DATALAB_UI_CATALOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/catalog/browse.h"
#include "datalab/catalog/catalogs.h"
#include "datalab/catalog/favourites.h"
#include "datalab/catalog/saved.h"
#include "datalab/core/proc.h"
#include "datalab/kube/kubeconfig.h"
#include "datalab/net/http.h"
#include "datalab/ui/app.h"
#include "datalab/ui/catalogview.h"

struct catsession {
	int refs;
	struct app *app;
	struct loop *loop;
	struct http *http;
	bool own_http;
	struct kubeconfig *kc;		/* NULL without a kubeconfig */
	struct kube *kube;		/* the console's client (borrowed), or NULL */
	char *kubeconfig;		/* --kubeconfig, passed on to helm; or NULL */
	char *sandbox_url;		/* NULL without a sandbox */
	char *sandbox_ca;		/* its CA as a PEM file for helm, or NULL */
	struct catalog_list catalogs;
	struct error catalogs_err;	/* a catalog file that did not load */
	struct favourites fav;
	char *fav_path;
	struct browse *browse;
	bool fetched;			/* browse_refresh_all ran once */
	struct saved_list saved;
	char *saved_path;
	cJSON *account;			/* the account file, an object */
	char *account_path;
	struct error account_err;
	cJSON *region;			/* region configuration, or NULL */
	char *registry;			/* overwriteSchemaWith folder, or NULL */
	char *git_name, *git_email;	/* from `git config`, once it answered */
	struct proc *git_proc[2];
	struct buf git_out[2];
	struct view *catalog_view, *launch_view, *saved_view, *account_view;
};

void catsession_unref(struct catsession *s);
/* catsession_context: a fresh user context (a new randomSubdomain and
 * one-time password each call); the caller frees it. */
cJSON *catsession_context(struct catsession *s);
/* catsession_namespace: where services are launched: -n, else the
 * account's project, else the kubeconfig's namespace, else the context's
 * project id.  Valid until the next call. */
const char *catsession_namespace(struct catsession *s);
/* catsession_ensure_fetched: starts fetching every catalog once. */
void catsession_ensure_fetched(struct catsession *s);
/* catsession_account_saved: the account changed on disk. */
void catsession_account_changed(struct catsession *s);
/* catsession_save_saved: writes the saved launches; toasts on error. */
void catsession_store_saved(struct catsession *s);

/* ---- views ---- */

struct view *catview_new(struct catsession *s);
/* catview_changed: a catalog's state changed (browse listener). */
void catview_changed(struct view *v, size_t i);

/* What the launch view should open. */
struct launch_request {
	const char *catalog_id;
	const char *chart;
	const char *version;		/* NULL: the latest */
	const char *name;		/* friendly name, or NULL */
	const cJSON *values;		/* saved values (copied), or NULL */
	const char *link;		/* a launcher link to apply, or NULL */
	bool auto_launch;		/* launch once the form is ready (after the command shows) */
};

struct view *launchview_new(struct catsession *s);
/* launchview_open: shows the launch view and starts loading rq's chart. */
void launchview_open(struct view *v, const struct launch_request *rq);
/* launchview_catalog_changed: a catalog the view may wait for changed. */
void launchview_catalog_changed(struct view *v, size_t i);

struct view *savedview_new(struct catsession *s);
void savedview_changed(struct view *v);

struct view *accountview_new(struct catsession *s);

/* catalog_age_text: "3m ago" from wall ms into dst. */
void catalog_age_text(char *dst, size_t size, int64_t then_ms);

#endif
