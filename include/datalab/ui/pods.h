/*
 * pods.h: `:pods`, every pod of the namespace (or of all namespaces, `a`
 * or `:pods all`): status as kubectl words it, node, GPUs, restarts,
 * CPU and memory, and why a pod waits.  Enter follows the logs of a
 * service's pod; x restarts (deletes) a pod of the namespace.
 */
#ifndef DATALAB_UI_PODS_H
#define DATALAB_UI_PODS_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

struct view *pods_view_new(struct shell *sh, struct view *detail);

#endif
