/*
 * favourites.c: favourite charts (favourites.h): a small list in memory,
 * loaded from and saved to one JSON array file; entries that are not
 * "catalog/chart" strings are skipped when loading.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "datalab/catalog/favourites.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/xdg.h"

char *favourites_path(struct error *err)
{
	return xdg_path(XDG_CONFIG, "favourites.json", err);
}

void favourites_release(struct favourites *fav)
{
	for (size_t i = 0; i < fav->n; i++)
		free(fav->items[i]);
	free(fav->items);
	fav->items = NULL;
	fav->n = 0;
}

int favourites_load(struct favourites *fav, const char *path, struct error *err)
{
	cJSON *root;

	fav->items = NULL;
	fav->n = 0;
	if (json_read_file(path, 1u << 20, &root, err) < 0)
		return -1;
	if (!root)
		return 0;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "'%s' is not a JSON array", path);
	}
	for (const cJSON *c = root->child; c && fav->n < 10000; c = c->next) {
		if (!cJSON_IsString(c) || !strchr(c->valuestring, '/'))
			continue;
		fav->items = xreallocarray(fav->items, fav->n + 1, sizeof(char *));
		fav->items[fav->n++] = xstrdup(c->valuestring);
	}
	cJSON_Delete(root);
	return 0;
}

static ssize_t fav_index(const struct favourites *fav, const char *catalog, const char *chart)
{
	size_t lc = strlen(catalog);

	for (size_t i = 0; i < fav->n; i++)
		if (strncmp(fav->items[i], catalog, lc) == 0 && fav->items[i][lc] == '/' &&
		    strcmp(fav->items[i] + lc + 1, chart) == 0)
			return (ssize_t)i;
	return -1;
}

bool favourites_has(const struct favourites *fav, const char *catalog, const char *chart)
{
	return fav_index(fav, catalog, chart) >= 0;
}

int favourites_toggle(struct favourites *fav, const char *catalog, const char *chart)
{
	ssize_t i = fav_index(fav, catalog, chart);

	if (i >= 0) {
		free(fav->items[i]);
		memmove(&fav->items[i], &fav->items[i + 1], (fav->n - (size_t)i - 1) * sizeof(char *));
		fav->n--;
		return 0;
	}
	fav->items = xreallocarray(fav->items, fav->n + 1, sizeof(char *));
	fav->items[fav->n++] = xasprintf("%s/%s", catalog, chart);
	return 1;
}

int favourites_save(const struct favourites *fav, const char *path, struct error *err)
{
	cJSON *arr = cJSON_CreateArray();
	struct buf b;
	int rc;

	for (size_t i = 0; i < fav->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(fav->items[i]));
	buf_init(&b, 0);
	json_print(&b, arr, true);
	buf_addc(&b, '\n');
	rc = file_write_atomic(path, b.data, b.len, 0644, err);
	buf_release(&b);
	cJSON_Delete(arr);
	return rc;
}
