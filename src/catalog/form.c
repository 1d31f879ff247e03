/*
 * form.c: building the launch form from a schema.
 *
 * The schema is copied once; overwriteSchemaWith fragments are swapped
 * into the copy as each node is reached, so a fragment's own x-onyxia
 * rules apply like the chart's.  $ref ("#/definitions/x", "#") is
 * followed within the copy; a reference already being expanded on the
 * way down is a cycle and ends in a placeholder leaf.  Editing and
 * validation live in form-edit.c; reading the form back (rows, values,
 * diff) in form-values.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/xonyxia.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/yaml.h"
#include "form-internal.h"

#define MAX_REF_HOPS 16

/* The chain of $ref targets being expanded above a node. */
struct ref_stack {
	const cJSON *target;
	const struct ref_stack *up;
};

struct builder {
	struct form *f;
	const cJSON *values;	/* values.yaml */
	const cJSON *ctx;
	const char *registry;
	struct error *err;
};

char *form_path_escape(const char *key)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			buf_adds(&b, "~0");
		else if (*p == '/')
			buf_adds(&b, "~1");
		else
			buf_addc(&b, *p);
	}
	return buf_take(&b, NULL);
}

/* One path segment unescaped into a fresh string. */
static char *seg_unescape(const char *p, size_t n)
{
	char *s = xmalloc(n + 1), *o = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
			*o++ = p[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return s;
}

void form_number_text(char *dst, size_t size, double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(dst, size, "%.0f", d);
	else {
		snprintf(dst, size, "%.15g", d);
		if (strtod(dst, NULL) != d)
			snprintf(dst, size, "%.17g", d);
	}
}

/* JSON pointer within the schema copy: "#", "#/definitions/a~1b". */
static const cJSON *pointer_get(const cJSON *root, const char *ref)
{
	const cJSON *cur = root;
	const char *p;

	if (ref[0] != '#')
		return NULL;
	p = ref + 1;
	if (*p == '\0')
		return root;
	if (*p != '/')
		return NULL;
	while (*p == '/' && cur) {
		const char *s = ++p;
		char *key;

		while (*p && *p != '/')
			p++;
		key = seg_unescape(s, (size_t)(p - s));
		if (cJSON_IsArray(cur)) {
			int64_t i;

			cur = str_parse_i64(key, &i) == 0 && i >= 0 && i < 1000000 ?
				cJSON_GetArrayItem(cur, (int)i) : NULL;
		} else {
			cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		}
		free(key);
	}
	return cur;
}

static bool ref_active(const struct ref_stack *st, const cJSON *target)
{
	for (; st; st = st->up)
		if (st->target == target)
			return true;
	return false;
}

static char *str_or_null(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static bool num_of(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		*out = v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) {
		char *end;
		double d = strtod(v->valuestring, &end);

		if (end != v->valuestring && *end == '\0' && isfinite(d)) {
			*out = d;
			return true;
		}
	}
	return false;
}

/* The schema's "type": a string, or an array whose first non-null wins. */
static const char *type_name(const cJSON *node)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(node, "type"), *c;

	if (cJSON_IsString(t))
		return t->valuestring;
	if (cJSON_IsArray(t))
		for (c = t->child; c; c = c->next)
			if (cJSON_IsString(c) && strcmp(c->valuestring, "null") != 0)
				return c->valuestring;
	return NULL;
}

static bool has_properties(const cJSON *node)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");

	return cJSON_IsObject(props) && props->child;
}

static enum form_type classify(const cJSON *node, char **item_type)
{
	const char *t = type_name(node);
	const cJSON *items;

	if ((!t || strcmp(t, "object") == 0) && has_properties(node))
		return FORM_OBJECT;
	if (!t)
		return FORM_JSON;
	if (strcmp(t, "string") == 0)
		return FORM_STRING;
	if (strcmp(t, "integer") == 0)
		return FORM_INTEGER;
	if (strcmp(t, "number") == 0)
		return FORM_NUMBER;
	if (strcmp(t, "boolean") == 0)
		return FORM_BOOLEAN;
	if (strcmp(t, "array") == 0) {
		const char *it;

		items = cJSON_GetObjectItemCaseSensitive(node, "items");
		it = cJSON_IsObject(items) && !has_properties(items) ? type_name(items) : NULL;
		if (it && (strcmp(it, "string") == 0 || strcmp(it, "integer") == 0 ||
			   strcmp(it, "number") == 0 || strcmp(it, "boolean") == 0)) {
			*item_type = xstrdup(it);
			return FORM_ARRAY;
		}
	}
	return FORM_JSON;
}

cJSON *form_coerce(const struct form_field *fld, cJSON *v)
{
	char tmp[64];
	cJSON *n = NULL;

	if (!v)
		return NULL;
	switch (fld->type) {
	case FORM_STRING:
		if (cJSON_IsNumber(v)) {
			form_number_text(tmp, sizeof(tmp), v->valuedouble);
			n = cJSON_CreateString(tmp);
		} else if (cJSON_IsBool(v)) {
			n = cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
		}
		break;
	case FORM_INTEGER:
	case FORM_NUMBER:
		if (cJSON_IsString(v)) {
			char *end;
			double d = strtod(v->valuestring, &end);

			if (end != v->valuestring && *end == '\0' && isfinite(d) &&
			    (fld->type == FORM_NUMBER || d == floor(d)))
				n = cJSON_CreateNumber(d);
		}
		break;
	case FORM_BOOLEAN:
		if (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0)
			n = cJSON_CreateTrue();
		else if (cJSON_IsString(v) && strcmp(v->valuestring, "false") == 0)
			n = cJSON_CreateFalse();
		break;
	default:
		break;
	}
	if (n) {
		cJSON_Delete(v);
		return n;
	}
	return v;
}

/* Options from an array: strings as they are, other scalars as text. */
static void set_options(struct form_field *fld, const cJSON *arr)
{
	const cJSON *c;
	size_t n = 0;

	for (size_t i = 0; i < fld->noptions; i++)
		free(fld->options[i]);
	free(fld->options);
	fld->options = NULL;
	fld->noptions = 0;
	if (!cJSON_IsArray(arr))
		return;
	fld->options = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	for (c = arr->child; c; c = c->next) {
		char tmp[64];

		if (cJSON_IsString(c))
			fld->options[n++] = xstrdup(c->valuestring);
		else if (cJSON_IsNumber(c)) {
			form_number_text(tmp, sizeof(tmp), c->valuedouble);
			fld->options[n++] = xstrdup(tmp);
		} else if (cJSON_IsBool(c))
			fld->options[n++] = xstrdup(cJSON_IsTrue(c) ? "true" : "false");
	}
	fld->noptions = n;
}

/* The values.yaml value for fld (its ancestors' keys walked down). */
static const cJSON *values_at(const cJSON *values, const struct form_field *fld)
{
	const struct form_field *chain[FORM_MAX_DEPTH + 2];
	int n = 0;
	const cJSON *cur = values;

	for (const struct form_field *p = fld; p && p->parent; p = p->parent) {
		if (n >= FORM_MAX_DEPTH + 1)
			return NULL;
		chain[n++] = p;
	}
	while (n > 0 && cur) {
		const struct form_field *p = chain[--n];

		cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, p->key) : NULL;
	}
	return cur;
}

/* hidden: true | {"value":V,"path":"a/b","isPathRelative":bool}. */
static void read_hidden(struct form_field *fld, const cJSON *h)
{
	const cJSON *path, *val, *rel;

	if (cJSON_IsTrue(h)) {
		fld->hidden = true;
		return;
	}
	if (!cJSON_IsObject(h))
		return;
	path = cJSON_GetObjectItemCaseSensitive(h, "path");
	val = cJSON_GetObjectItemCaseSensitive(h, "value");
	rel = cJSON_GetObjectItemCaseSensitive(h, "isPathRelative");
	if (!cJSON_IsString(path) || !val || strlen(path->valuestring) > 1024)
		return;
	free(fld->hidden_path);
	cJSON_Delete(fld->hidden_value);
	if (cJSON_IsTrue(rel) && fld->parent && fld->parent->path[0])
		fld->hidden_path = xasprintf("%s/%s", fld->parent->path, path->valuestring);
	else
		fld->hidden_path = xstrdup(path->valuestring);
	fld->hidden_value = cJSON_Duplicate(val, true);
}

static void read_render(struct form_field *fld, const cJSON *node)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(node, "render");
	const char *s = cJSON_IsString(r) ? r->valuestring : "";

	if (strcmp(s, "password") == 0)
		fld->render = FORM_RENDER_PASSWORD;
	else if (strcmp(s, "slider") == 0)
		fld->render = FORM_RENDER_SLIDER;
	else if (strcmp(s, "textArea") == 0)
		fld->render = FORM_RENDER_TEXTAREA;
	else if (strcmp(s, "list") == 0 || fld->noptions > 0)
		fld->render = FORM_RENDER_LIST;
	if (fld->render == FORM_RENDER_SLIDER) {
		const cJSON *ext = cJSON_GetObjectItemCaseSensitive(node, "sliderExtremity");

		if (!num_of(node, "sliderMin", &fld->slider_min))
			fld->slider_min = 0;
		if (!num_of(node, "sliderMax", &fld->slider_max))
			fld->slider_max = fld->slider_min + 100;
		if (!num_of(node, "sliderStep", &fld->slider_step) || fld->slider_step <= 0)
			fld->slider_step = 1;
		fld->slider_unit = str_or_null(node, "sliderUnit");
		if (!fld->slider_unit)
			fld->slider_unit = xstrdup("");
		fld->slider_range_id = str_or_null(node, "sliderRangeId");
		if (cJSON_IsString(ext))
			fld->slider_extremity = strcmp(ext->valuestring, "down") == 0 ? -1 :
				strcmp(ext->valuestring, "up") == 0 ? 1 : 0;
	}
}

static void read_leaf(struct builder *b, struct form_field *fld, const cJSON *node)
{
	const cJSON *xo = cJSON_GetObjectItemCaseSensitive(node, "x-onyxia");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(node, "default");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(node, "enum");
	const cJSON *le = cJSON_GetObjectItemCaseSensitive(node, "listEnum");
	const cJSON *yv = values_at(b->values, fld);
	const cJSON *ref;
	cJSON *v;

	if (cJSON_IsArray(en) && en->child) {
		set_options(fld, en);
		fld->strict_options = true;
	} else if (cJSON_IsArray(le)) {
		set_options(fld, le);
	}
	ref = cJSON_GetObjectItemCaseSensitive(xo, "overwriteListEnumWith");
	if (ref) {
		v = xonyxia_resolve(b->ctx, ref);
		if (cJSON_IsArray(v) && v->child)
			set_options(fld, v);
		cJSON_Delete(v);
	}
	fld->pattern = str_or_null(node, "pattern");
	fld->has_min = num_of(node, "minimum", &fld->min);
	fld->has_max = num_of(node, "maximum", &fld->max);
	read_render(fld, node);

	fld->chart = yv ? cJSON_Duplicate(yv, true) : def ? cJSON_Duplicate(def, true) : NULL;
	v = NULL;
	ref = cJSON_GetObjectItemCaseSensitive(xo, "overwriteDefaultWith");
	if (ref)
		v = xonyxia_resolve(b->ctx, ref);
	if (!v && def)
		v = cJSON_Duplicate(def, true);
	if (!v && yv)
		v = cJSON_Duplicate(yv, true);
	fld->initial = form_coerce(fld, v);
	fld->value = fld->initial ? cJSON_Duplicate(fld->initial, true) : NULL;
}

static void add_child(struct form_field *parent, struct form_field *child)
{
	parent->children = xreallocarray(parent->children, parent->nchildren + 1, sizeof(*parent->children));
	parent->children[parent->nchildren++] = child;
}

/* Leaves below a section take their initial value from the section's
 * resolved overwriteDefaultWith object (e.g. region.startupProbe). */
static void section_override(struct form_field *sec, const cJSON *obj)
{
	for (size_t i = 0; i < sec->nchildren; i++) {
		struct form_field *c = sec->children[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, c->key);

		if (!v || c->cyclic)
			continue;
		if (c->type == FORM_OBJECT) {
			if (cJSON_IsObject(v))
				section_override(c, v);
			continue;
		}
		cJSON_Delete(c->initial);
		cJSON_Delete(c->value);
		c->initial = form_coerce(c, cJSON_Duplicate(v, true));
		c->value = cJSON_Duplicate(c->initial, true);
	}
}

static struct form_field *build(struct builder *b, struct form_field *parent, const char *key,
				cJSON *node, const struct ref_stack *refs);

static void field_free(struct form_field *fld)
{
	if (!fld)
		return;
	for (size_t i = 0; i < fld->nchildren; i++)
		field_free(fld->children[i]);
	free(fld->children);
	for (size_t i = 0; i < fld->noptions; i++)
		free(fld->options[i]);
	free(fld->options);
	free(fld->key);
	free(fld->path);
	free(fld->title);
	free(fld->description);
	free(fld->pattern);
	free(fld->item_type);
	free(fld->slider_unit);
	free(fld->slider_range_id);
	free(fld->hidden_path);
	cJSON_Delete(fld->hidden_value);
	cJSON_Delete(fld->value);
	cJSON_Delete(fld->initial);
	cJSON_Delete(fld->chart);
	free(fld);
}

static struct form_field *new_field(struct builder *b, struct form_field *parent, const char *key)
{
	struct form_field *fld = xcalloc(1, sizeof(*fld));
	char *esc;

	fld->key = xstrdup(key);
	fld->parent = parent;
	fld->depth = parent ? parent->depth + 1 : -1;
	esc = form_path_escape(key);
	if (!parent)
		fld->path = xstrdup("");
	else if (!parent->path[0])
		fld->path = esc, esc = NULL;
	else
		fld->path = xasprintf("%s/%s", parent->path, esc);
	free(esc);
	b->f->nfields++;
	return fld;
}

static struct form_field *build(struct builder *b, struct form_field *parent, const char *key,
				cJSON *node, const struct ref_stack *refs)
{
	struct form_field *fld;
	struct ref_stack frames[MAX_REF_HOPS];
	const struct ref_stack *chain = refs;
	const cJSON *xo, *ref;
	int hops = 0;

	if (b->f->nfields >= FORM_MAX_FIELDS) {
		error_set(b->err, ERR_LIMIT, "schema has more than %d fields", FORM_MAX_FIELDS);
		return NULL;
	}
	fld = new_field(b, parent, key);
	if (fld->depth >= FORM_MAX_DEPTH) {
		/* Too deep to edit field by field: one JSON leaf. */
		fld->type = FORM_JSON;
		fld->title = xstrdup(key);
		return fld;
	}
	while (cJSON_IsObject(node) && cJSON_IsString(ref = cJSON_GetObjectItemCaseSensitive(node, "$ref"))) {
		cJSON *target = (cJSON *)pointer_get(b->f->schema, ref->valuestring);

		if (!target || hops >= MAX_REF_HOPS || ref_active(chain, target)) {
			fld->cyclic = target != NULL;
			fld->type = FORM_JSON;
			fld->title = xstrdup(key);
			fld->description = xstrdup(target ? "recursive schema reference, not editable here" :
						   "unresolved schema reference");
			return fld;
		}
		frames[hops].target = target;
		frames[hops].up = chain;
		chain = &frames[hops++];
		node = target;
	}
	if (!cJSON_IsObject(node)) {
		fld->type = FORM_JSON;
		fld->title = xstrdup(key);
		return fld;
	}
	xonyxia_apply_schema(node, b->registry);
	xonyxia_slider_config(node, b->ctx);
	xo = cJSON_GetObjectItemCaseSensitive(node, "x-onyxia");

	fld->title = str_or_null(node, "title");
	if (!fld->title || !fld->title[0]) {
		free(fld->title);
		fld->title = xstrdup(key);
	}
	fld->description = str_or_null(node, "description");
	fld->type = classify(node, &fld->item_type);
	read_hidden(fld, cJSON_GetObjectItemCaseSensitive(node, "hidden"));
	read_hidden(fld, cJSON_GetObjectItemCaseSensitive(xo, "hidden"));
	fld->readonly = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(xo, "readonly")) ||
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "readOnly"));

	if (fld->type == FORM_OBJECT) {
		cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties"), *c;
		const cJSON *ow = cJSON_GetObjectItemCaseSensitive(xo, "overwriteDefaultWith");

		for (c = props->child; c; c = c->next) {
			struct form_field *child;

			if (!c->string)
				continue;
			child = build(b, fld, c->string, c, chain);
			if (!child) {
				field_free(fld);
				return NULL;
			}
			add_child(fld, child);
		}
		if (ow) {
			cJSON *v = xonyxia_resolve(b->ctx, ow);

			if (cJSON_IsObject(v))
				section_override(fld, v);
			cJSON_Delete(v);
		}
		return fld;
	}
	read_leaf(b, fld, node);
	return fld;
}

/* Each slider with a sliderRangeId meets the one at the other extremity. */
static void pair_sliders(struct form_field *fld, struct form_field ***list, size_t *n)
{
	if (fld->render == FORM_RENDER_SLIDER && fld->slider_range_id && fld->slider_extremity) {
		for (size_t i = 0; i < *n; i++) {
			struct form_field *o = (*list)[i];

			if (!o->range_peer && o->slider_extremity == -fld->slider_extremity &&
			    strcmp(o->slider_range_id, fld->slider_range_id) == 0 &&
			    o->parent && fld->parent && o->parent->parent == fld->parent->parent) {
				o->range_peer = fld;
				fld->range_peer = o;
				break;
			}
		}
		if (!fld->range_peer) {
			*list = xreallocarray(*list, *n + 1, sizeof(**list));
			(*list)[(*n)++] = fld;
		}
	}
	for (size_t i = 0; i < fld->nchildren; i++)
		pair_sliders(fld->children[i], list, n);
}

static void link_hidden(struct form *f, struct form_field *fld)
{
	if (fld->hidden_path)
		fld->hidden_target = form_find(f, fld->hidden_path);
	for (size_t i = 0; i < fld->nchildren; i++)
		link_hidden(f, fld->children[i]);
}

struct form *form_new(const cJSON *schema, const cJSON *values_yaml, const cJSON *ctx,
		      const char *registry, struct error *err)
{
	struct builder b = { NULL, values_yaml, ctx, registry, err };
	struct ref_stack top;
	struct form *f;
	struct form_field **sliders = NULL;
	size_t nsliders = 0;

	if (!cJSON_IsObject(schema)) {
		error_set(err, ERR_PARSE, "values schema is not a JSON object");
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->schema = cJSON_Duplicate(schema, true);
	f->extra = cJSON_CreateObject();
	b.f = f;
	top.target = f->schema;
	top.up = NULL;
	f->root = build(&b, NULL, "", f->schema, &top);
	if (!f->root) {
		form_free(f);
		return NULL;
	}
	if (f->root->type != FORM_OBJECT) {
		/* A schema with no properties still gives an empty form. */
		struct form_field *r = f->root;

		cJSON_Delete(r->value);
		cJSON_Delete(r->initial);
		cJSON_Delete(r->chart);
		r->value = r->initial = r->chart = NULL;
		r->type = FORM_OBJECT;
		r->cyclic = false;
	}
	link_hidden(f, f->root);
	pair_sliders(f->root, &sliders, &nsliders);
	free(sliders);
	return f;
}

void form_free(struct form *f)
{
	if (!f)
		return;
	field_free(f->root);
	cJSON_Delete(f->schema);
	cJSON_Delete(f->extra);
	free(f);
}

struct form_field *form_root(const struct form *f)
{
	return f->root;
}

size_t form_field_count(const struct form *f)
{
	return f->nfields;
}

struct form_field *form_find(const struct form *f, const char *path)
{
	struct form_field *cur = f->root;
	const char *p = path;

	if (!path)
		return NULL;
	while (*p && cur) {
		const char *s = p;
		char *key;
		struct form_field *next = NULL;

		while (*p && *p != '/')
			p++;
		key = seg_unescape(s, (size_t)(p - s));
		for (size_t i = 0; i < cur->nchildren; i++)
			if (strcmp(cur->children[i]->key, key) == 0) {
				next = cur->children[i];
				break;
			}
		free(key);
		cur = next;
		if (*p == '/')
			p++;
	}
	return cur;
}
