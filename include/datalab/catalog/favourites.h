/*
 * favourites.h: the user's favourite charts, "catalog/chart" strings kept
 * in a JSON array file in the XDG config folder (favourites.json), written
 * atomically.  The catalog view stars them and lists them first.
 */
#ifndef DATALAB_CATALOG_FAVOURITES_H
#define DATALAB_CATALOG_FAVOURITES_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/error.h"

struct favourites {
	char **items;
	size_t n;
};
/* favourites_path: XDG config + "favourites.json" (xmalloc'd). */
char *favourites_path(struct error *err);
/* favourites_load: a missing file gives an empty list. */
int favourites_load(struct favourites *fav, const char *path, struct error *err);
bool favourites_has(const struct favourites *fav, const char *catalog, const char *chart);
/* favourites_toggle: adds or removes; returns 1 if now a favourite. */
int favourites_toggle(struct favourites *fav, const char *catalog, const char *chart);
/* favourites_save: atomic write. */
int favourites_save(const struct favourites *fav, const char *path, struct error *err);
void favourites_release(struct favourites *fav);

#endif
