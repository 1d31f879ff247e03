/*
 * events.h: `:events`, newest first, warnings highlighted (`w` shows
 * only them), of the namespace or all namespaces (`a`): why a pod waits
 * (FailedScheduling), why it restarts (BackOff).  Enter opens the
 * service an event is about.
 */
#ifndef DATALAB_UI_EVENTS_H
#define DATALAB_UI_EVENTS_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

struct view *events_view_new(struct shell *sh, struct view *detail);

#endif
