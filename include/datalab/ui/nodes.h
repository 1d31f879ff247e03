/*
 * nodes.h: `:nodes`, for admins: per node, CPU and memory requested
 * against allocatable, GPUs used of total with the model, usage from
 * metrics, and below the list who uses the selected node's GPUs, by
 * namespace.  A user who may not list nodes is told so.
 */
#ifndef DATALAB_UI_NODES_H
#define DATALAB_UI_NODES_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

struct view *nodes_view_new(struct shell *sh);

#endif
