/*
 * namespaces.h: `:namespaces`, the namespaces one may switch to, as
 * Onyxia names them: user-NAME (personal) first, projet-GROUP (projects)
 * next.  When the cluster will not list them, those used this run.
 * Enter switches and shows My services.
 */
#ifndef DATALAB_UI_NAMESPACES_H
#define DATALAB_UI_NAMESPACES_H

#include "datalab/ui/app.h"
#include "datalab/ui/shell.h"

struct view *namespaces_view_new(struct shell *sh);

#endif
