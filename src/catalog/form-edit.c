/*
 * form-edit.c: changing a form's values and checking them.
 *
 * Text typed by the user is parsed by the field's type; the schema's
 * rules (type, enum, pattern, minimum/maximum, slider range) are checked
 * apart, so a UI can keep a bad value on screen with its message.
 * Patterns are ECMAScript in JSON Schema; the usual escapes (\d, \w, \s)
 * are translated to POSIX ERE and matched with regexec, whose matcher
 * does not backtrack on `^(a+)+$`; input length is bounded anyway.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "form-internal.h"

static const char *label(const struct form_field *fld)
{
	return fld->path[0] ? fld->path : "(root)";
}

static int editable(const struct form_field *fld, struct error *err)
{
	if (fld->type == FORM_OBJECT)
		return error_set(err, ERR_INVALID, "'%s' is a section", label(fld));
	if (fld->cyclic)
		return error_set(err, ERR_INVALID, "'%s' is a recursive schema reference", label(fld));
	if (fld->readonly)
		return error_set(err, ERR_INVALID, "'%s' is read-only", label(fld));
	return 0;
}

static void store(struct form_field *fld, cJSON *v)
{
	cJSON_Delete(fld->value);
	fld->value = v;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "y" };
	static const char *const no[] = { "false", "no", "off", "0", "n" };

	for (size_t i = 0; i < DL_ARRAY_LEN(yes); i++) {
		if (str_case_eq(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (str_case_eq(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* One scalar of type t ("string", "integer", "number", "boolean"). */
static cJSON *parse_scalar(const char *t, const char *s)
{
	if (strcmp(t, "integer") == 0) {
		int64_t i;

		if (str_parse_i64(s, &i) < 0 || i > (int64_t)1 << 53 || i < -((int64_t)1 << 53))
			return NULL;
		return cJSON_CreateNumber((double)i);
	}
	if (strcmp(t, "number") == 0) {
		char *end;
		double d;

		if (!*s)
			return NULL;
		d = strtod(s, &end);
		if (*end || !isfinite(d))
			return NULL;
		return cJSON_CreateNumber(d);
	}
	if (strcmp(t, "boolean") == 0) {
		bool b;

		if (parse_bool(s, &b) < 0)
			return NULL;
		return cJSON_CreateBool(b);
	}
	return cJSON_CreateString(s);
}

int form_set(struct form *f, struct form_field *fld, const char *text, struct error *err)
{
	char *tmp;
	cJSON *v = NULL;

	(void)f;
	if (editable(fld, err) < 0)
		return -1;
	if (strlen(text) > FORM_MAX_INPUT)
		return error_set(err, ERR_LIMIT, "'%s': value longer than %d bytes", label(fld), FORM_MAX_INPUT);
	if (!*text && !fld->chart && !fld->initial && fld->type != FORM_ARRAY) {
		store(fld, NULL);
		return 0;
	}
	tmp = xstrdup(text);
	switch (fld->type) {
	case FORM_STRING:
		v = cJSON_CreateString(text);
		break;
	case FORM_INTEGER:
		v = parse_scalar("integer", str_trim(tmp));
		if (!v)
			error_set(err, ERR_INVALID, "'%s' expects an integer", label(fld));
		break;
	case FORM_NUMBER:
		v = parse_scalar("number", str_trim(tmp));
		if (!v)
			error_set(err, ERR_INVALID, "'%s' expects a number", label(fld));
		break;
	case FORM_BOOLEAN:
		v = parse_scalar("boolean", str_trim(tmp));
		if (!v)
			error_set(err, ERR_INVALID, "'%s' expects true or false", label(fld));
		break;
	case FORM_ARRAY:
		str_trim(tmp);
		if (tmp[0] == '[') {
			v = cJSON_Parse(tmp);
			if (!cJSON_IsArray(v)) {
				cJSON_Delete(v);
				v = NULL;
				error_set(err, ERR_INVALID, "'%s' expects a JSON array", label(fld));
			}
			break;
		}
		v = cJSON_CreateArray();
		if (tmp[0]) {
			size_t n;
			char **parts = str_split(tmp, ',', &n);

			for (size_t i = 0; i < n; i++) {
				cJSON *e = parse_scalar(fld->item_type, str_trim(parts[i]));

				if (!e) {
					error_set(err, ERR_INVALID, "'%s': item %zu is not %s %s", label(fld),
						  i + 1, fld->item_type[0] == 'i' ? "an" : "a", fld->item_type);
					cJSON_Delete(v);
					v = NULL;
					break;
				}
				cJSON_AddItemToArray(v, e);
			}
			str_free_list(parts);
		}
		break;
	case FORM_JSON:
		v = cJSON_Parse(text);
		if (!v)
			error_set(err, ERR_INVALID, "'%s' expects JSON", label(fld));
		break;
	case FORM_OBJECT:
		break;
	}
	free(tmp);
	if (!v)
		return -1;
	store(fld, v);
	return 0;
}

int form_set_json(struct form *f, struct form_field *fld, const cJSON *v, struct error *err)
{
	(void)f;
	if (editable(fld, err) < 0)
		return -1;
	store(fld, v && !cJSON_IsNull(v) ? form_coerce(fld, cJSON_Duplicate(v, true)) : NULL);
	return 0;
}

int form_toggle(struct form *f, struct form_field *fld, struct error *err)
{
	(void)f;
	if (editable(fld, err) < 0)
		return -1;
	if (fld->type != FORM_BOOLEAN)
		return error_set(err, ERR_INVALID, "'%s' is not a boolean", label(fld));
	store(fld, cJSON_CreateBool(!cJSON_IsTrue(fld->value)));
	return 0;
}

/* "2Gi" → 2 and "Gi"; -1 when there is no leading number. */
static int split_quantity(const cJSON *v, double *num, const char **unit)
{
	char *end;

	if (cJSON_IsNumber(v)) {
		*num = v->valuedouble;
		*unit = "";
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	*num = strtod(v->valuestring, &end);
	if (end == v->valuestring || !isfinite(*num))
		return -1;
	*unit = end;
	return 0;
}

int form_slider_step(struct form *f, struct form_field *fld, int dir, struct error *err)
{
	double n;
	const char *unit;
	char num[64];

	(void)f;
	if (editable(fld, err) < 0)
		return -1;
	if (fld->render != FORM_RENDER_SLIDER)
		return error_set(err, ERR_INVALID, "'%s' is not a slider", label(fld));
	if (!fld->value) {
		n = fld->slider_min;
	} else {
		if (split_quantity(fld->value, &n, &unit) < 0)
			return error_set(err, ERR_INVALID, "'%s': cannot step a non-numeric value", label(fld));
		if (*unit && strcmp(unit, fld->slider_unit) != 0)
			return error_set(err, ERR_INVALID, "'%s': cannot step '%s', unit '%s' expected",
					 label(fld), fld->value->valuestring, fld->slider_unit);
		n += dir * fld->slider_step;
	}
	if (n < fld->slider_min)
		n = fld->slider_min;
	if (n > fld->slider_max)
		n = fld->slider_max;
	if (fld->type == FORM_STRING) {
		char *s;

		form_number_text(num, sizeof(num), n);
		s = xasprintf("%s%s", num, fld->slider_unit);
		store(fld, cJSON_CreateString(s));
		free(s);
	} else {
		store(fld, cJSON_CreateNumber(fld->type == FORM_INTEGER ? floor(n) : n));
	}
	return 0;
}

static void reset_walk(struct form_field *fld)
{
	if (fld->type != FORM_OBJECT && !fld->cyclic)
		store(fld, fld->initial ? cJSON_Duplicate(fld->initial, true) : NULL);
	for (size_t i = 0; i < fld->nchildren; i++)
		reset_walk(fld->children[i]);
}

void form_reset(struct form *f, struct form_field *fld)
{
	reset_walk(fld ? fld : form_root(f));
}

char *form_value_text(const struct form_field *fld)
{
	const cJSON *v = fld->value;
	char tmp[64];

	if (!v)
		return xstrdup("");
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		form_number_text(tmp, sizeof(tmp), v->valuedouble);
		return xstrdup(tmp);
	}
	if (cJSON_IsArray(v) && fld->type == FORM_ARRAY) {
		struct buf b;
		bool plain = true;

		for (const cJSON *c = v->child; c; c = c->next)
			if (cJSON_IsString(c) && strchr(c->valuestring, ','))
				plain = false;
		if (plain) {
			buf_init(&b, 0);
			for (const cJSON *c = v->child; c; c = c->next) {
				char *t;

				if (c != v->child)
					buf_adds(&b, ", ");
				if (cJSON_IsString(c))
					buf_adds(&b, c->valuestring);
				else if ((t = cJSON_PrintUnformatted(c)) != NULL) {
					buf_adds(&b, t);
					cJSON_free(t);
				}
			}
			return buf_take(&b, NULL);
		}
	}
	{
		char *t = cJSON_PrintUnformatted(v), *r;

		r = xstrdup(t ? t : "");
		cJSON_free(t);
		return r;
	}
}

/* ECMAScript pattern → POSIX ERE, for the escapes schemas use. */
static char *translate_pattern(const char *pat)
{
	struct buf b;
	bool in_class = false;

	buf_init(&b, 0);
	for (const char *p = pat; *p; p++) {
		if (*p == '\\' && p[1]) {
			const char *cls = NULL;

			p++;
			switch (*p) {
			case 'd': cls = in_class ? "0-9" : "[0-9]"; break;
			case 'D': cls = in_class ? NULL : "[^0-9]"; break;
			case 'w': cls = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]"; break;
			case 'W': cls = in_class ? NULL : "[^A-Za-z0-9_]"; break;
			case 's': cls = in_class ? "[:space:]" : "[[:space:]]"; break;
			case 'S': cls = in_class ? NULL : "[^[:space:]]"; break;
			case 'n': cls = "\n"; break;
			case 't': cls = "\t"; break;
			default: break;
			}
			if (cls) {
				buf_adds(&b, cls);
			} else if (in_class) {
				/* Inside brackets a backslash is literal in POSIX:
				 * keep the escaped character alone. */
				buf_addc(&b, *p);
			} else {
				buf_addc(&b, '\\');
				buf_addc(&b, *p);
			}
			continue;
		}
		if (!in_class && *p == '[') {
			in_class = true;
			buf_addc(&b, *p);
			if (p[1] == '^')
				buf_addc(&b, *++p);
			if (p[1] == ']')
				buf_addc(&b, *++p);
			continue;
		}
		if (in_class && *p == ']')
			in_class = false;
		if (!in_class && *p == '(' && p[1] == '?' && p[2] == ':') {
			buf_addc(&b, '(');
			p += 2;
			continue;
		}
		buf_addc(&b, *p);
	}
	return buf_take(&b, NULL);
}

static int check_pattern(const struct form_field *fld, const char *s, struct error *err)
{
	regex_t re;
	char *ere;
	int rc;

	if (strlen(s) > FORM_PATTERN_MAX_INPUT)
		return error_set(err, ERR_LIMIT, "'%s' is too long to check against its pattern", label(fld));
	ere = translate_pattern(fld->pattern);
	rc = regcomp(&re, ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc != 0)
		return 0;	/* a pattern POSIX cannot express: not enforced */
	rc = regexec(&re, s, 0, NULL, 0);
	regfree(&re);
	if (rc == REG_NOMATCH)
		return error_set(err, ERR_INVALID, "'%s' does not match the pattern '%.80s'",
				 label(fld), fld->pattern);
	return 0;
}

static bool scalar_is(const char *t, const cJSON *v)
{
	if (strcmp(t, "string") == 0)
		return cJSON_IsString(v);
	if (strcmp(t, "boolean") == 0)
		return cJSON_IsBool(v);
	if (strcmp(t, "integer") == 0)
		return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble);
	if (strcmp(t, "number") == 0)
		return cJSON_IsNumber(v);
	return true;
}

static const char *type_word(enum form_type t)
{
	switch (t) {
	case FORM_STRING: return "a string";
	case FORM_INTEGER: return "an integer";
	case FORM_NUMBER: return "a number";
	case FORM_BOOLEAN: return "a boolean";
	case FORM_ARRAY: return "an array";
	default: return "a value";
	}
}

/* A request slider (down) may not exceed its limit (up). */
static int check_range(const struct form_field *fld, struct error *err)
{
	const struct form_field *lo, *hi;
	double a, b;
	const char *ua, *ub;

	if (!fld->range_peer)
		return 0;
	lo = fld->slider_extremity < 0 ? fld : fld->range_peer;
	hi = lo == fld ? fld->range_peer : fld;
	if (!lo->value || !hi->value || split_quantity(lo->value, &a, &ua) < 0 ||
	    split_quantity(hi->value, &b, &ub) < 0 || strcmp(ua, ub) != 0)
		return 0;
	if (a > b)
		return error_set(err, ERR_INVALID, "'%s' (%s) is above '%s'", label(lo),
				 cJSON_IsString(lo->value) ? lo->value->valuestring : "value", label(hi));
	return 0;
}

int form_validate_field(const struct form *f, const struct form_field *fld, struct error *err)
{
	const cJSON *v = fld->value;

	(void)f;
	if (fld->type == FORM_OBJECT || fld->cyclic || !v)
		return 0;
	switch (fld->type) {
	case FORM_STRING:
	case FORM_INTEGER:
	case FORM_NUMBER:
	case FORM_BOOLEAN:
		if (!scalar_is(fld->type == FORM_STRING ? "string" : fld->type == FORM_INTEGER ? "integer" :
			       fld->type == FORM_NUMBER ? "number" : "boolean", v))
			return error_set(err, ERR_INVALID, "'%s' must be %s", label(fld), type_word(fld->type));
		break;
	case FORM_ARRAY:
		if (!cJSON_IsArray(v))
			return error_set(err, ERR_INVALID, "'%s' must be an array", label(fld));
		for (const cJSON *c = v->child; c; c = c->next)
			if (!scalar_is(fld->item_type, c))
				return error_set(err, ERR_INVALID, "'%s': every item must be of type %s",
						 label(fld), fld->item_type);
		break;
	default:
		break;
	}
	if (fld->strict_options && fld->noptions > 0) {
		char *t = form_value_text(fld);
		bool ok = false;

		for (size_t i = 0; i < fld->noptions && !ok; i++)
			ok = strcmp(t, fld->options[i]) == 0;
		free(t);
		if (!ok)
			return error_set(err, ERR_INVALID, "'%s' must be one of the %zu listed values",
					 label(fld), fld->noptions);
	}
	if (cJSON_IsString(v) && fld->pattern && check_pattern(fld, v->valuestring, err) < 0)
		return -1;
	if (cJSON_IsNumber(v)) {
		if (fld->has_min && v->valuedouble < fld->min)
			return error_set(err, ERR_INVALID, "'%s' must be at least %g", label(fld), fld->min);
		if (fld->has_max && v->valuedouble > fld->max)
			return error_set(err, ERR_INVALID, "'%s' must be at most %g", label(fld), fld->max);
	}
	if (fld->render == FORM_RENDER_SLIDER) {
		double n;
		const char *unit;

		if (split_quantity(v, &n, &unit) == 0 && (!*unit || strcmp(unit, fld->slider_unit) == 0) &&
		    (n < fld->slider_min || n > fld->slider_max))
			return error_set(err, ERR_INVALID, "'%s' must be between %g%s and %g%s", label(fld),
					 fld->slider_min, fld->slider_unit, fld->slider_max, fld->slider_unit);
		if (check_range(fld, err) < 0)
			return -1;
	}
	return 0;
}

static int validate_walk(const struct form *f, struct form_field *fld, struct form_field **bad,
			 struct error *err)
{
	if (fld->type != FORM_OBJECT && form_validate_field(f, fld, err) < 0) {
		if (bad)
			*bad = fld;
		return -1;
	}
	for (size_t i = 0; i < fld->nchildren; i++)
		if (validate_walk(f, fld->children[i], bad, err) < 0)
			return -1;
	return 0;
}

int form_validate(const struct form *f, struct form_field **bad, struct error *err)
{
	if (bad)
		*bad = NULL;
	return validate_walk(f, form_root(f), bad, err);
}

/* Puts v at keys[0..n) under f->extra. */
static void extra_put(struct form *f, const char *const *keys, int n, const cJSON *v)
{
	cJSON *cur = f->extra;

	for (int i = 0; i < n - 1; i++) {
		cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, keys[i]);

		if (!cJSON_IsObject(next)) {
			if (next)
				cJSON_DeleteItemFromObjectCaseSensitive(cur, keys[i]);
			next = cJSON_AddObjectToObject(cur, keys[i]);
		}
		cur = next;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(cur, keys[n - 1]);
	cJSON_AddItemToObject(cur, keys[n - 1], cJSON_Duplicate(v, true));
}

static int apply_walk(struct form *f, struct form_field *sec, const cJSON *obj, const char **keys,
		      int depth, struct error *err)
{
	if (depth >= FORM_MAX_DEPTH)
		return error_set(err, ERR_LIMIT, "values nested deeper than %d", FORM_MAX_DEPTH);
	for (const cJSON *c = obj->child; c; c = c->next) {
		struct form_field *fld = NULL;

		keys[depth] = c->string;
		for (size_t i = 0; sec && i < sec->nchildren; i++)
			if (strcmp(sec->children[i]->key, c->string) == 0) {
				fld = sec->children[i];
				break;
			}
		if (fld && fld->type == FORM_OBJECT) {
			if (cJSON_IsObject(c)) {
				if (apply_walk(f, fld, c, keys, depth + 1, err) < 0)
					return -1;
				continue;
			}
			fld = NULL;	/* not an object: helm will say so */
		}
		if (fld && !fld->cyclic) {
			cJSON_Delete(fld->value);
			fld->value = cJSON_IsNull(c) ? NULL : form_coerce(fld, cJSON_Duplicate(c, true));
			continue;
		}
		if (!fld && cJSON_IsObject(c) && c->child) {
			if (apply_walk(f, NULL, c, keys, depth + 1, err) < 0)
				return -1;
			continue;
		}
		extra_put(f, keys, depth + 1, c);
	}
	return 0;
}

int form_apply_values(struct form *f, const cJSON *values, struct error *err)
{
	const char *keys[FORM_MAX_DEPTH + 1];

	if (!cJSON_IsObject(values))
		return error_set(err, ERR_INVALID, "values are not an object");
	return apply_walk(f, form_root(f), values, keys, 0, err);
}
