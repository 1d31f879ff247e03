/*
 * buckets.h: the bucket browser view (`:buckets`): buckets, folders and
 * objects in the one table, a preview or share pane, the transfers pane
 * with progress, and the aws command of the last action.
 */
#ifndef DATALAB_UI_BUCKETS_H
#define DATALAB_UI_BUCKETS_H

#include "datalab/ui/app.h"

/* buckets_view_new: the view; S3 is configured (account file, env) and
 * contacted the first time it is shown. */
struct view *buckets_view_new(void);

#endif
