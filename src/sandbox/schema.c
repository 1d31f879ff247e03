/*
 * schema.c: lookups in the generated type table (schema.h).
 *
 * Messages are small (at most a few dozen fields), so a linear scan of
 * one message is as fast as anything cleverer; kinds are scanned once per
 * request.
 */
#include <string.h>

#include "datalab/sandbox/schema.h"

const struct schema_msg *schema_kind_msg(const char *api_version, const char *kind)
{
	if (!kind)
		return NULL;
	for (size_t i = 0; i < schema_nkinds; i++) {
		const struct schema_kind *k = &schema_kinds[i];

		if (strcmp(k->kind, kind) != 0)
			continue;
		if (!api_version || !k->api_version || strcmp(k->api_version, api_version) == 0)
			return &schema_msgs[k->msg];
	}
	return NULL;
}

const struct schema_field *schema_field_by_num(const struct schema_msg *m, unsigned num)
{
	if (!m)
		return NULL;
	for (const struct schema_field *f = m->fields; f->name; f++)
		if (f->num == num)
			return f;
	return NULL;
}

const struct schema_field *schema_field_by_name(const struct schema_msg *m, const char *name)
{
	if (!m || !name)
		return NULL;
	for (const struct schema_field *f = m->fields; f->name; f++)
		if (!(f->flags & SCHEMA_INLINE) && strcmp(f->name, name) == 0)
			return f;
	for (const struct schema_field *f = m->fields; f->name; f++) {
		const struct schema_field *in;

		if ((f->flags & SCHEMA_INLINE) && (in = schema_field_by_name(schema_field_msg(f), name)))
			return in;
	}
	return NULL;
}

const struct schema_msg *schema_field_msg(const struct schema_field *f)
{
	if (!f || f->type != SCHEMA_MESSAGE || f->msg < 0 || (size_t)f->msg >= schema_nmsgs)
		return NULL;
	return &schema_msgs[f->msg];
}
