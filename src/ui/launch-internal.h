/*
 * launch-internal.h: what launch.c (the view: loading, launching, keys)
 * and launch_panes.c (its text panes) share.  Not a public header.
 */
#ifndef DATALAB_UI_LAUNCH_INTERNAL_H
#define DATALAB_UI_LAUNCH_INTERNAL_H

#include "datalab/catalog/launch.h"
#include "datalab/catalog/record.h"
#include "datalab/helm/repo.h"
#include "datalab/helm/runner.h"
#include "datalab/ui/formview.h"
#include "datalab/ui/textview.h"
#include "catalog-internal.h"

enum lv_state { LV_EMPTY, LV_WAIT_INDEX, LV_FETCHING, LV_FORM, LV_ERROR };
enum lv_pane { PANE_NONE, PANE_TEXT, PANE_OUTPUT };

struct launchview {
	struct view v;
	struct catsession *s;
	enum lv_state state;
	char *catalog_id, *chart, *version, *name, *link;
	cJSON *values;
	bool auto_launch;
	char err[512];
	struct repo_fetch *fetch;
	struct launch *launch;
	struct formview *fv;
	enum lv_pane pane;
	struct textview *text;	/* command, diff, README, link */
	char *text_title;
	char *text_copy;	/* what y copies from the text pane */
	struct textview *out;	/* helm's output, kept after it exits */
	char *out_title;
	struct runner *runner;
	struct record_write *record;	/* the last launch's release record being written */
	int body_rows;
};

/* lvpane_add_masked: text line by line into tv, the form's passwords
 * masked until revealed. */
void lvpane_add_masked(struct launchview *lv, struct textview *tv, const char *text);
/* The text pane: the equivalent commands, the diff with the chart's
 * defaults, the launcher link, the README. */
void lvpane_show_command(struct launchview *lv);
void lvpane_show_diff(struct launchview *lv);
void lvpane_show_link(struct launchview *lv);
void lvpane_show_readme(struct launchview *lv);

#endif
