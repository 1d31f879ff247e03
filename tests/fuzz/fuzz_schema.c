/*
 * fuzz_schema.c: a values.schema.json from a chart becomes a launch form
 * or an error with a message; whatever form comes out lists its rows,
 * validates, gives its values (which the form takes back), and survives
 * every field being toggled, stepped and set to text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "datalab/catalog/form.h"
#include "datalab/core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void poke(struct form *f, struct form_field *fld, int depth)
{
	if (depth > FORM_MAX_DEPTH + 2)
		abort();
	if (fld->type != FORM_OBJECT) {
		char *t = form_value_text(fld);

		form_validate_field(f, fld, NULL);
		form_toggle(f, fld, NULL);
		form_slider_step(f, fld, 1, NULL);
		form_set(f, fld, "1", NULL);
		form_set(f, fld, t, NULL);
		form_validate_field(f, fld, NULL);
		free(t);
	}
	for (size_t i = 0; i < fld->nchildren; i++)
		poke(f, fld->children[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	cJSON *schema = json_parse((const char *)data, size, &err);
	cJSON *ctx = cJSON_Parse("{\"region\":{\"resources\":{\"cpuRequest\":\"100m\"}},\"k8s\":{\"domain\":\"x\"}}");
	struct form *f;
	struct form_field **rows;
	cJSON *v;

	if (!schema) {
		cJSON_Delete(ctx);
		return 0;
	}
	f = form_new(schema, NULL, ctx, NULL, &err);
	if (!f) {
		if (err.msg[0] == '\0')
			abort();
	} else {
		form_visible_rows(f, &rows);
		free(rows);
		form_validate(f, NULL, NULL);
		v = form_values(f, FORM_VALUES_ALL);
		if (form_apply_values(f, v, &err) < 0 && err.msg[0] == '\0')
			abort();
		cJSON_Delete(v);
		poke(f, form_root(f), 0);
		v = form_values(f, FORM_VALUES_CHANGED);
		cJSON_Delete(v);
		form_free(f);
	}
	cJSON_Delete(schema);
	cJSON_Delete(ctx);
	return 0;
}
