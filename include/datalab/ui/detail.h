/*
 * detail.h: one service, opened from "My services": a header (name,
 * chart, status, URLs) over tabs:
 *
 *   Overview   URLs, status, the chart's NOTES (passwords and tokens
 *              masked until revealed with v), the launch values
 *   Pods       its pods (restart one, follow its logs, open a terminal)
 *   Events     about its objects, newest first, warnings highlighted
 *   Logs       a pod's log followed live: pause, search, wrap, end, save
 *   YAML       its live objects
 *   Commands   the helm and kubectl lines that do the same, to copy
 *
 * The view is hidden (not numbered, not offered by `:`): detail_open
 * picks the release and a tab, then shows it.
 */
#ifndef DATALAB_UI_DETAIL_H
#define DATALAB_UI_DETAIL_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

enum detail_tab {
	DETAIL_OVERVIEW,
	DETAIL_PODS,
	DETAIL_EVENTS,
	DETAIL_LOGS,
	DETAIL_YAML,
	DETAIL_COMMANDS,
	DETAIL_NTABS
};

struct view *detail_new(struct shell *sh);
/* detail_open: shows the release ns/release on tab (its pod pod for the
 * logs; NULL: the first). */
void detail_open(struct view *v, const char *ns, const char *release, enum detail_tab tab, const char *pod);

#endif
