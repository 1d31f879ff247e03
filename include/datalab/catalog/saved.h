/*
 * saved.h: saved launches, Onyxia's "saved services": a name, the chart
 * (catalog, chart, version) and the values the user edited.
 *
 * Kept in one JSON file in the XDG config folder,
 * {"version":1,"launches":[{name,catalog,chart,version,values,savedAt}]},
 * mode 0600 (edited values may hold passwords), rewritten atomically
 * after each change.  The list is loaded, changed in memory, then stored.
 */
#ifndef DATALAB_CATALOG_SAVED_H
#define DATALAB_CATALOG_SAVED_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

#define SAVED_FILE "saved-launches.json"
#define SAVED_MAX 1000
#define SAVED_MAX_NAME 200
#define SAVED_MAX_FILE (8u << 20)

struct saved_launch {
	char *name;
	char *catalog;
	char *chart;
	char *version;		/* NULL: the latest when launched */
	cJSON *values;		/* an object */
	int64_t saved_at;	/* ms since the epoch */
};

struct saved_list {
	struct saved_launch *items;
	size_t n;
};

void saved_init(struct saved_list *list);
void saved_release(struct saved_list *list);

/* saved_path: XDG config + saved-launches.json (xmalloc'd). */
char *saved_path(struct error *err);
/* saved_load: replaces list's contents; a missing file gives none.
 * Entries that are not well formed are skipped. */
int saved_load(struct saved_list *list, const char *path, struct error *err);
/* saved_store: atomic write, mode 0600. */
int saved_store(const struct saved_list *list, const char *path, struct error *err);

/* saved_put: adds, or replaces the launch of the same name (copies
 * everything; version may be NULL). */
int saved_put(struct saved_list *list, const char *name, const char *catalog, const char *chart,
	      const char *version, const cJSON *values, struct error *err);
int saved_delete(struct saved_list *list, const char *name, struct error *err);
/* saved_rename: fails with ERR_CONFLICT when to is taken. */
int saved_rename(struct saved_list *list, const char *from, const char *to, struct error *err);
const struct saved_launch *saved_find(const struct saved_list *list, const char *name);

#endif
