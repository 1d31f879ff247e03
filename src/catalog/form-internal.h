/*
 * form-internal.h: what form.c (building, reading) and form-edit.c
 * (editing, validating) share.  Not a public header.
 */
#ifndef DATALAB_CATALOG_FORM_INTERNAL_H
#define DATALAB_CATALOG_FORM_INTERNAL_H

#include "datalab/catalog/form.h"

struct form {
	cJSON *schema;		/* our copy, fragments swapped in */
	struct form_field *root;
	size_t nfields;
	cJSON *extra;		/* values for paths the schema does not know */
};

/* form_coerce: v converted to the field's scalar type when it reads as
 * one ("2" for an integer, 2 for a string); takes ownership of v. */
cJSON *form_coerce(const struct form_field *fld, cJSON *v);
/* form_number_text: JavaScript's String(number). */
void form_number_text(char *dst, size_t size, double d);

#endif
