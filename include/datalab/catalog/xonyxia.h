/*
 * xonyxia.h: Onyxia's x-onyxia extension to values.schema.json.
 *
 * A chart's schema names context values ("{{s3.AWS_ACCESS_KEY_ID}}",
 * "region.from") that pre-fill the launch form, and registry fragments
 * ("ide/resources.json") that replace parts of the schema.  This module
 * resolves those references against a context tree (see context.h) and a
 * registry folder, one schema node at a time; form.c walks the tree.
 * Nothing here fails on hostile input: an unknown path is "undefined" and
 * an unsafe or missing fragment leaves the chart's own sub-schema.
 */
#ifndef DATALAB_CATALOG_XONYXIA_H
#define DATALAB_CATALOG_XONYXIA_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "datalab/core/error.h"

/* Bounds on what a schema may ask of us. */
#define XONYXIA_MAX_PATH 512		/* bytes in one context path */
#define XONYXIA_MAX_TEMPLATE 4096	/* bytes in one "x-{{a}}" template */
#define XONYXIA_MAX_ELEMENTS 1024	/* array/object elements resolved */
#define XONYXIA_MAX_DEPTH 16		/* nesting of resolved arrays/objects */
#define XONYXIA_MAX_FRAGMENT (1u << 20)	/* bytes in one registry fragment */

/* xonyxia_lookup: the context value at path ("a.b", "a[0].b",
 * 'a["k.dot"]'), borrowed from ctx, or NULL when any step is missing. */
const cJSON *xonyxia_lookup(const cJSON *ctx, const char *path);

/* xonyxia_resolve: resolves an overwriteDefaultWith/overwriteListEnumWith
 * value: a whole "{{a.b}}" or a bare top-level "a.b" gives the raw value
 * (any type); "x-{{a}}.{{b}}" gives a string; arrays and objects resolve
 * element by element.  Returns a new tree, or NULL for undefined (an
 * unknown path, a non-scalar inside a template, an element undefined). */
cJSON *xonyxia_resolve(const cJSON *ctx, const cJSON *ref);

/* xonyxia_fragment_name_ok: a registry name we agree to open: relative,
 * no "..", no URL scheme, no backslash, ends in ".json", bounded. */
bool xonyxia_fragment_name_ok(const char *name);

/* xonyxia_fragment_load: reads registry/name as a JSON schema; NULL with
 * err when the name is unsafe, the file is missing or not an object. */
cJSON *xonyxia_fragment_load(const char *registry, const char *name, struct error *err);

/* xonyxia_apply_schema: when node's x-onyxia names overwriteSchemaWith
 * and the fragment loads, replaces node's content by the fragment (the
 * chart's other x-onyxia keys are kept unless the fragment has its own).
 * Returns 1 if replaced, 0 if the chart's sub-schema stays. */
int xonyxia_apply_schema(cJSON *node, const char *registry);

/* xonyxia_slider_config: with x-onyxia.useRegionSliderConfig = "cpu" and
 * ctx region.sliders.cpu present, copies its sliderMin/Max/Step/Unit into
 * node.  Returns 1 if it did. */
int xonyxia_slider_config(cJSON *node, const cJSON *ctx);

#endif
