/*
 * form.h: a chart's values.schema.json as an editable launch form.
 *
 * form_new copies the schema, swaps in registry fragments
 * (overwriteSchemaWith), resolves $ref within the file (cycles stop at a
 * placeholder), and builds a tree of fields: objects with properties are
 * sections, everything else a leaf holding one cJSON value.  A leaf's
 * initial value is its x-onyxia overwriteDefaultWith (resolved against
 * the context), else the schema default, else the chart's values.yaml.
 * Objects without properties and arrays of objects are "json" leaves
 * edited as JSON text.  Values go out as a cJSON tree: all of them, those
 * differing from the chart's values.yaml (what helm needs), or those the
 * user edited (what a link or a saved launch keeps).
 *
 * Field paths are Onyxia's: keys joined by '/', with JSON-pointer escapes
 * ("~1" for '/', "~0" for '~'), e.g. "resources/limits/nvidia.com~1gpu".
 */
#ifndef DATALAB_CATALOG_FORM_H
#define DATALAB_CATALOG_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define FORM_MAX_FIELDS 100000
#define FORM_MAX_DEPTH 32
#define FORM_MAX_INPUT 65536		/* bytes a user may type into one field */
#define FORM_PATTERN_MAX_INPUT 4096	/* longer values are not matched against a pattern */

enum form_type {
	FORM_OBJECT,	/* a section with children */
	FORM_STRING,
	FORM_NUMBER,
	FORM_INTEGER,
	FORM_BOOLEAN,
	FORM_ARRAY,	/* array of scalars; edited as "a, b, c" or JSON */
	FORM_JSON,	/* anything else: free objects, arrays of objects, no type */
};

enum form_render {
	FORM_RENDER_TEXT,
	FORM_RENDER_PASSWORD,
	FORM_RENDER_LIST,	/* pick one of options */
	FORM_RENDER_SLIDER,
	FORM_RENDER_TEXTAREA,
};

struct form_field {
	char *key;		/* the property name ("" for the root) */
	char *path;		/* '/'-joined, escaped; "" for the root */
	char *title;		/* title, else key */
	char *description;	/* may be NULL */
	enum form_type type;
	enum form_render render;
	int depth;		/* 0 for the root's children */
	struct form_field *parent;
	struct form_field **children;
	size_t nchildren;

	cJSON *value;		/* current value; NULL = undefined (left out) */
	cJSON *initial;		/* after x-onyxia; NULL = undefined */
	cJSON *chart;		/* values.yaml's value (or the schema default); may be NULL */

	char **options;		/* enum, listEnum or overwriteListEnumWith */
	size_t noptions;
	bool strict_options;	/* enum: the value must be one of options */
	char *pattern;		/* as written in the schema */
	bool has_min, has_max;
	double min, max;
	char *item_type;	/* FORM_ARRAY: "string", "integer", "number", "boolean" */

	double slider_min, slider_max, slider_step;
	char *slider_unit;	/* "" when none */
	char *slider_range_id;
	int slider_extremity;	/* -1 down (request), +1 up (limit), 0 */
	struct form_field *range_peer;	/* the other end of a sliderRangeId pair */

	bool hidden;		/* hidden: true, schema-level or in x-onyxia */
	cJSON *hidden_value;	/* hidden while the field at hidden_path = this */
	char *hidden_path;	/* absolute, escaped like path */
	struct form_field *hidden_target;	/* the field hidden_path names, or NULL */
	bool readonly;
	bool collapsed;		/* sections: children not listed */
	bool cyclic;		/* a $ref cycle ended here: not editable */
};

struct form;

/* form_new: builds the form.  schema is read only; values_yaml (the
 * chart's values.yaml as cJSON) and ctx may be NULL; registry is the
 * overwriteSchemaWith folder (NULL: never swap).  Fails only when the
 * schema is not an object or exceeds FORM_MAX_FIELDS/FORM_MAX_DEPTH. */
struct form *form_new(const cJSON *schema, const cJSON *values_yaml, const cJSON *ctx,
		      const char *registry, struct error *err);
void form_free(struct form *f);

struct form_field *form_root(const struct form *f);
size_t form_field_count(const struct form *f);
/* form_find: the field at path ("a/b"), or NULL. */
struct form_field *form_find(const struct form *f, const char *path);

/* form_set: parses text by the field's type (numbers, true/false,
 * "a, b" or JSON for arrays, JSON for json leaves) and stores it; an
 * empty text on a field without chart value makes it undefined.  Fails
 * on unparsable text, readonly, sections and cyclic placeholders; the
 * schema rules are checked by form_validate_field, not here. */
int form_set(struct form *f, struct form_field *fld, const char *text, struct error *err);
/* form_set_json: stores a copy of v (NULL = undefined). */
int form_set_json(struct form *f, struct form_field *fld, const cJSON *v, struct error *err);
/* form_toggle: flips a boolean. */
int form_toggle(struct form *f, struct form_field *fld, struct error *err);
/* form_slider_step: moves a slider by dir steps, clamped to its range;
 * "2Gi" with unit "Gi" and step 1 becomes "3Gi". */
int form_slider_step(struct form *f, struct form_field *fld, int dir, struct error *err);
/* form_reset: back to the initial value (fld NULL: every field). */
void form_reset(struct form *f, struct form_field *fld);
/* form_value_text: the value as shown in an input: strings raw,
 * scalars as JSON, arrays of scalars "a, b", others compact JSON. */
char *form_value_text(const struct form_field *fld);

/* form_validate_field: 0, or -1 with the rule it breaks (type, enum,
 * pattern, minimum/maximum, slider range order).  Hidden fields too. */
int form_validate_field(const struct form *f, const struct form_field *fld, struct error *err);
/* form_validate: every leaf; on failure *bad (may be NULL) is the first. */
int form_validate(const struct form *f, struct form_field **bad, struct error *err);

/* form_field_visible: false when the field or a section above it is
 * hidden now (hidden rules are re-evaluated against current values). */
bool form_field_visible(const struct form *f, const struct form_field *fld);

/* form_visible_rows: the fields a UI lists, depth first, skipping hidden
 * fields, sections with nothing visible below, and children of collapsed
 * sections.  Fills *rows (xmalloc'd
 * array of borrowed pointers, caller frees the array) and returns the
 * count. */
size_t form_visible_rows(const struct form *f, struct form_field ***rows);

enum form_values_kind {
	FORM_VALUES_ALL,	/* every defined leaf */
	FORM_VALUES_CHANGED,	/* leaves differing from values.yaml: for helm -f */
	FORM_VALUES_EDITED,	/* leaves differing from their initial value */
};
/* form_values: a new cJSON object (empty objects pruned). Values set by
 * form_apply_values for paths the schema does not know are included in
 * every kind. */
cJSON *form_values(const struct form *f, enum form_values_kind kind);
/* form_values_yaml: form_values as YAML appended to out. */
int form_values_yaml(const struct form *f, enum form_values_kind kind, struct buf *out);

struct form_diff {
	const char *path;	/* borrowed from the field */
	const cJSON *chart;	/* may be NULL */
	const cJSON *value;	/* may be NULL (undefined) */
};
/* form_diff: leaves whose value differs from the chart's, in form order;
 * *out is xmalloc'd (caller frees the array only). */
size_t form_diff(const struct form *f, struct form_diff **out);

/* form_apply_values: sets leaves from a values tree (a saved launch, a
 * launcher link); keys inside json leaves are merged in; unknown paths
 * are kept aside and emitted with the values.  A JSON null at a leaf
 * makes it undefined. */
int form_apply_values(struct form *f, const cJSON *values, struct error *err);

/* form_path_escape: one key escaped for a path (xmalloc'd). */
char *form_path_escape(const char *key);

#endif
