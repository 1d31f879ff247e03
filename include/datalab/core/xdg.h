/*
 * xdg.h: XDG base directories for datalab (config, cache, state).
 *
 * $XDG_CONFIG_HOME/datalab, else ~/.config/datalab; likewise cache
 * (~/.cache) and state (~/.local/state).  DATALAB_HOME, when set, replaces
 * all three roots with DATALAB_HOME/{config,cache,state} (tests use it).
 */
#ifndef DATALAB_CORE_XDG_H
#define DATALAB_CORE_XDG_H

#include "datalab/core/error.h"

enum xdg_kind { XDG_CONFIG, XDG_CACHE, XDG_STATE };

/* xdg_dir: the datalab folder of that kind, created 0700 if missing.
 * Returns an xmalloc'd path, or NULL with err filled. */
char *xdg_dir(enum xdg_kind kind, struct error *err);
/* xdg_path: xdg_dir + "/" + name (name's own folders are not created). */
char *xdg_path(enum xdg_kind kind, const char *name, struct error *err);

#endif
