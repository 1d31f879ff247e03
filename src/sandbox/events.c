/*
 * events.c: the events.k8s.io/v1 view of core Events (see events.h).
 */
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/events.h"

/* Renamed fields: core v1 name, events.k8s.io/v1 name. */
static const char *const renames[][2] = {
	{ "involvedObject", "regarding" },
	{ "message", "note" },
	{ "reportingComponent", "reportingController" },
	{ "source", "deprecatedSource" },
	{ "firstTimestamp", "deprecatedFirstTimestamp" },
	{ "lastTimestamp", "deprecatedLastTimestamp" },
	{ "count", "deprecatedCount" },
};

bool events_is_view(const struct kind *k)
{
	return k && strcmp(k->group, "events.k8s.io") == 0 && strcmp(k->resource, "events") == 0;
}

/* convert: copies o, renaming top-level fields from column `from` to `to`
 * and setting apiVersion. */
static cJSON *convert(const cJSON *o, int from, int to, const char *api_version)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *c;
	size_t i;

	cJSON_ArrayForEach(c, o) {
		const char *name = c->string;

		if (strcmp(name, "apiVersion") == 0 || strcmp(name, "kind") == 0)
			continue;
		for (i = 0; i < DL_ARRAY_LEN(renames); i++)
			if (strcmp(name, renames[i][from]) == 0) {
				name = renames[i][to];
				break;
			}
		if (!json_get_key(out, name))
			cJSON_AddItemToObject(out, name, cJSON_Duplicate(c, 1));
	}
	cJSON_InsertItemInArray(out, 0, cJSON_CreateString("Event"));
	out->child->string = xstrdup("kind");
	cJSON_InsertItemInArray(out, 0, cJSON_CreateString(api_version));
	out->child->string = xstrdup("apiVersion");
	return out;
}

cJSON *events_to_view(const cJSON *core)
{
	cJSON *ev = convert(core, 0, 1, "events.k8s.io/v1");

	/* reportingController falls back to the old source.component */
	if (!json_str(ev, "reportingController", NULL) && json_str(core, "source.component", NULL))
		cJSON_AddStringToObject(ev, "reportingController", json_str(core, "source.component", ""));
	if (!json_str(ev, "reportingInstance", NULL) && json_str(core, "source.host", NULL))
		cJSON_AddStringToObject(ev, "reportingInstance", json_str(core, "source.host", ""));
	return ev;
}

cJSON *events_from_view(const cJSON *ev)
{
	return convert(ev, 1, 0, "v1");
}
