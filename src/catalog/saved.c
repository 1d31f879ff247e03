/*
 * saved.c: the saved launches file.
 *
 * The file is the whole list; every change rewrites it through
 * file_write_atomic, so a crash leaves the old list or the new one.
 * Names are what the user typed: bounded, valid UTF-8, no controls.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/saved.h"
#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/core/xdg.h"

void saved_init(struct saved_list *list)
{
	list->items = NULL;
	list->n = 0;
}

static void launch_release(struct saved_launch *s)
{
	free(s->name);
	free(s->catalog);
	free(s->chart);
	free(s->version);
	cJSON_Delete(s->values);
}

void saved_release(struct saved_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		launch_release(&list->items[i]);
	free(list->items);
	saved_init(list);
}

char *saved_path(struct error *err)
{
	return xdg_path(XDG_CONFIG, SAVED_FILE, err);
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > SAVED_MAX_NAME || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static ssize_t index_of(const struct saved_list *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->items[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

const struct saved_launch *saved_find(const struct saved_list *list, const char *name)
{
	ssize_t i = index_of(list, name);

	return i < 0 ? NULL : &list->items[i];
}

int saved_put(struct saved_list *list, const char *name, const char *catalog, const char *chart,
	      const char *version, const cJSON *values, struct error *err)
{
	struct saved_launch s;
	ssize_t i;

	if (!name_ok(name))
		return error_set(err, ERR_INVALID, "a saved launch needs a name of 1 to %d printable characters",
				 SAVED_MAX_NAME);
	if (!catalog || !*catalog || !chart || !*chart)
		return error_set(err, ERR_INVALID, "saved launch '%s' names no chart", name);
	if (values && !cJSON_IsObject(values))
		return error_set(err, ERR_INVALID, "values of '%s' are not an object", name);
	i = index_of(list, name);
	if (i < 0 && list->n >= SAVED_MAX)
		return error_set(err, ERR_LIMIT, "more than %d saved launches", SAVED_MAX);
	s.name = xstrdup(name);
	s.catalog = xstrdup(catalog);
	s.chart = xstrdup(chart);
	s.version = version && *version ? xstrdup(version) : NULL;
	s.values = values ? cJSON_Duplicate(values, true) : cJSON_CreateObject();
	s.saved_at = time_wall_ms();
	if (i >= 0) {
		launch_release(&list->items[i]);
		list->items[i] = s;
		return 0;
	}
	list->items = xreallocarray(list->items, list->n + 1, sizeof(*list->items));
	list->items[list->n++] = s;
	return 0;
}

int saved_delete(struct saved_list *list, const char *name, struct error *err)
{
	ssize_t i = index_of(list, name);

	if (i < 0)
		return error_set(err, ERR_NOT_FOUND, "no saved launch named '%s'", name);
	launch_release(&list->items[i]);
	memmove(&list->items[i], &list->items[i + 1], (list->n - (size_t)i - 1) * sizeof(*list->items));
	list->n--;
	return 0;
}

int saved_rename(struct saved_list *list, const char *from, const char *to, struct error *err)
{
	ssize_t i = index_of(list, from);

	if (i < 0)
		return error_set(err, ERR_NOT_FOUND, "no saved launch named '%s'", from);
	if (!name_ok(to))
		return error_set(err, ERR_INVALID, "a saved launch needs a name of 1 to %d printable characters",
				 SAVED_MAX_NAME);
	if (strcmp(from, to) == 0)
		return 0;
	if (index_of(list, to) >= 0)
		return error_set(err, ERR_CONFLICT, "a saved launch named '%s' exists", to);
	free(list->items[i].name);
	list->items[i].name = xstrdup(to);
	return 0;
}

int saved_load(struct saved_list *list, const char *path, struct error *err)
{
	cJSON *root;
	const cJSON *arr;

	saved_release(list);
	if (json_read_file(path, SAVED_MAX_FILE, &root, err) < 0)
		return -1;
	if (!root)
		return 0;
	arr = cJSON_GetObjectItemCaseSensitive(root, "launches");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		return error_set(err, ERR_PARSE, "'%s' holds no 'launches' list", path);
	}
	for (const cJSON *c = arr->child; c; c = c->next) {
		const char *name = json_str(c, "name", NULL);
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(c, "values");

		if (saved_put(list, name, json_str(c, "catalog", NULL), json_str(c, "chart", NULL),
			      json_str(c, "version", NULL), cJSON_IsObject(values) ? values : NULL, NULL) < 0)
			continue;
		list->items[index_of(list, name)].saved_at = json_int(c, "savedAt", 0);
	}
	cJSON_Delete(root);
	return 0;
}

int saved_store(const struct saved_list *list, const char *path, struct error *err)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	struct buf b;
	int rc;

	cJSON_AddNumberToObject(root, "version", 1);
	arr = cJSON_AddArrayToObject(root, "launches");
	for (size_t i = 0; i < list->n; i++) {
		const struct saved_launch *s = &list->items[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", s->name);
		cJSON_AddStringToObject(e, "catalog", s->catalog);
		cJSON_AddStringToObject(e, "chart", s->chart);
		if (s->version)
			cJSON_AddStringToObject(e, "version", s->version);
		cJSON_AddItemToObject(e, "values", cJSON_Duplicate(s->values, true));
		cJSON_AddNumberToObject(e, "savedAt", (double)s->saved_at);
		cJSON_AddItemToArray(arr, e);
	}
	buf_init(&b, SAVED_MAX_FILE);
	if (json_print(&b, root, true) < 0 || buf_addc(&b, '\n') < 0) {
		cJSON_Delete(root);
		buf_release(&b);
		return error_set(err, ERR_LIMIT, "saved launches larger than %u bytes", SAVED_MAX_FILE);
	}
	cJSON_Delete(root);
	rc = file_write_atomic(path, b.data, b.len, 0600, err);
	buf_release(&b);
	return rc;
}
