/*
 * form-values.c: reading a built form back: which fields a UI lists now,
 * the values tree for helm, links and saved launches, and the diff with
 * the chart's values.yaml.
 *
 * Split from form.c (building) along the seam between making the field
 * tree and walking it; hidden rules are evaluated here, against the
 * current values, each time rows are asked for.
 */
#include <stdlib.h>

#include "datalab/core/mem.h"
#include "datalab/core/yaml.h"
#include "form-internal.h"

bool form_field_visible(const struct form *f, const struct form_field *fld)
{
	(void)f;
	for (const struct form_field *p = fld; p && p->parent; p = p->parent) {
		if (p->hidden)
			return false;
		if (p->hidden_target && p->hidden_target != p &&
		    cJSON_Compare(p->hidden_target->value, p->hidden_value, true))
			return false;
	}
	return true;
}

static bool hidden_now(const struct form_field *c)
{
	return c->hidden || (c->hidden_target && c->hidden_target != c &&
			     cJSON_Compare(c->hidden_target->value, c->hidden_value, true));
}

/* A section is listed only when something below it can be seen. */
static bool shows_something(const struct form_field *fld)
{
	if (fld->type != FORM_OBJECT)
		return true;
	for (size_t i = 0; i < fld->nchildren; i++)
		if (!hidden_now(fld->children[i]) && shows_something(fld->children[i]))
			return true;
	return false;
}

static void rows_walk(const struct form *f, struct form_field *fld, struct form_field ***rows,
		      size_t *n, size_t *cap)
{
	for (size_t i = 0; i < fld->nchildren; i++) {
		struct form_field *c = fld->children[i];

		if (hidden_now(c) || !shows_something(c))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*rows = xreallocarray(*rows, *cap, sizeof(**rows));
		}
		(*rows)[(*n)++] = c;
		if (c->type == FORM_OBJECT && !c->collapsed)
			rows_walk(f, c, rows, n, cap);
	}
}

size_t form_visible_rows(const struct form *f, struct form_field ***rows)
{
	size_t n = 0, cap = 0;

	*rows = NULL;
	rows_walk(f, f->root, rows, &n, &cap);
	return n;
}

static bool same(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	return cJSON_Compare(a, b, true);
}

static void merge_into(cJSON *dst, const cJSON *src)
{
	for (const cJSON *c = src->child; c; c = c->next) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, c->string);

		if (d && cJSON_IsObject(d) && cJSON_IsObject(c)) {
			merge_into(d, c);
			continue;
		}
		if (d)
			cJSON_DeleteItemFromObjectCaseSensitive(dst, c->string);
		cJSON_AddItemToObject(dst, c->string, cJSON_Duplicate(c, true));
	}
}

static void emit(const struct form_field *fld, enum form_values_kind kind, cJSON *out)
{
	for (size_t i = 0; i < fld->nchildren; i++) {
		const struct form_field *c = fld->children[i];

		if (c->type == FORM_OBJECT) {
			cJSON *sub = cJSON_CreateObject();

			emit(c, kind, sub);
			if (sub->child || (kind == FORM_VALUES_ALL && !c->cyclic && c->nchildren == 0))
				cJSON_AddItemToObject(out, c->key, sub);
			else
				cJSON_Delete(sub);
			continue;
		}
		if (c->cyclic)
			continue;
		switch (kind) {
		case FORM_VALUES_ALL:
			if (!c->value)
				continue;
			break;
		case FORM_VALUES_CHANGED:
			if (same(c->value, c->chart))
				continue;
			break;
		case FORM_VALUES_EDITED:
			if (same(c->value, c->initial))
				continue;
			break;
		}
		cJSON_AddItemToObject(out, c->key, c->value ? cJSON_Duplicate(c->value, true) : cJSON_CreateNull());
	}
}

cJSON *form_values(const struct form *f, enum form_values_kind kind)
{
	cJSON *out = cJSON_CreateObject();

	emit(f->root, kind, out);
	merge_into(out, f->extra);
	return out;
}

int form_values_yaml(const struct form *f, enum form_values_kind kind, struct buf *out)
{
	cJSON *v = form_values(f, kind);
	int rc = yaml_emit(out, v);

	cJSON_Delete(v);
	return rc;
}

static void diff_walk(const struct form_field *fld, struct form_diff **out, size_t *n)
{
	for (size_t i = 0; i < fld->nchildren; i++) {
		const struct form_field *c = fld->children[i];

		if (c->type == FORM_OBJECT) {
			diff_walk(c, out, n);
			continue;
		}
		if (c->cyclic || same(c->value, c->chart))
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[*n].path = c->path;
		(*out)[*n].chart = c->chart;
		(*out)[*n].value = c->value;
		(*n)++;
	}
}

size_t form_diff(const struct form *f, struct form_diff **out)
{
	size_t n = 0;

	*out = NULL;
	diff_walk(f->root, out, &n);
	return n;
}
