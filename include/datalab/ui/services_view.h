/*
 * services_view.h: "My services", Onyxia's list of the Helm releases of
 * the current namespace: chart and version, a status read from the pods
 * (running, starting with progress, pending with the scheduler's reason,
 * crash-looping, paused), age, CPU and memory now with a sparkline, GPUs
 * and URLs.  Enter opens the service (ui/detail); keys act on the
 * selected one (delete, pause/resume, rename, copy its URL, terminal).
 */
#ifndef DATALAB_UI_SERVICES_VIEW_H
#define DATALAB_UI_SERVICES_VIEW_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

/* services_view_new: the view `:services`; detail is the view Enter
 * opens (ui/detail). */
struct view *services_view_new(struct shell *sh, struct view *detail);

#endif
