/*
 * validate.c: generic object checks (see validate.h).
 *
 * The messages are apimachinery's (pkg/util/validation/validation.go and
 * pkg/api/validation/objectmeta.go), character for character, because
 * scripts and people match on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/sandbox/schema.h"
#include "datalab/sandbox/validate.h"

#define MSG_SUBDOMAIN "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric " \
	"characters, '-' or '.', and must start and end with an alphanumeric character (e.g. " \
	"'example.com', regex used for validation is " \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define MSG_LABEL "a lowercase RFC 1123 label must consist of lower case alphanumeric " \
	"characters or '-', and must start and end with an alphanumeric character (e.g. " \
	"'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define MSG_1035 "a DNS-1035 label must consist of lower case alphanumeric characters or " \
	"'-', start with an alphabetic character, and end with an alphanumeric character (e.g. " \
	"'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define MSG_LABEL_VALUE "a valid label must be an empty string or consist of alphanumeric " \
	"characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. " \
	"'MyValue',  or 'my_value',  or '12345', regex used for validation is " \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define MSG_QNAME "name part must consist of alphanumeric characters, '-', '_' or '.', and " \
	"must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " \
	"'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool label_n(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool validate_dns_label(const char *s)
{
	return label_n(s, strlen(s));
}

bool validate_dns1035(const char *s)
{
	return validate_dns_label(s) && s[0] >= 'a' && s[0] <= 'z';
}

bool validate_dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	const char *p = s, *dot;

	if (n == 0 || n > 253)
		return false;
	for (;;) {
		dot = strchr(p, '.');
		if (!label_n(p, dot ? (size_t)(dot - p) : strlen(p)))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static void invalid(struct status *st, const char *field, const char *value, const char *why)
{
	char *q = status_quote_dup(value);

	status_add_cause(st, "FieldValueInvalid", field, "Invalid value: %s: %s", q, why);
	free(q);
}

/* Which rule names of k follow (k8s.io/kubernetes pkg/apis/.../validation). */
enum name_rule { RULE_SUBDOMAIN, RULE_LABEL, RULE_1035, RULE_SEGMENT };

static enum name_rule name_rule(const struct kind *k)
{
	if (!*k->group && (strcmp(k->resource, "namespaces") == 0))
		return RULE_LABEL;
	if (!*k->group && strcmp(k->resource, "services") == 0)
		return RULE_1035;
	if (strcmp(k->group, "rbac.authorization.k8s.io") == 0)
		return RULE_SEGMENT;
	return RULE_SUBDOMAIN;
}

bool validate_name(const struct kind *k, const char *name, const char *field, struct status *st)
{
	size_t n = strlen(name);

	switch (name_rule(k)) {
	case RULE_LABEL:
		if (n > 63)
			invalid(st, field, name, "must be no more than 63 characters");
		else if (!validate_dns_label(name))
			invalid(st, field, name, MSG_LABEL);
		else
			return true;
		return false;
	case RULE_1035:
		if (n > 63)
			invalid(st, field, name, "must be no more than 63 characters");
		else if (!validate_dns1035(name))
			invalid(st, field, name, MSG_1035);
		else
			return true;
		return false;
	case RULE_SEGMENT:
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			char *why = xasprintf("may not be '%s'", name);

			invalid(st, field, name, why);
			free(why);
			return false;
		}
		if (strchr(name, '/') || strchr(name, '%')) {
			invalid(st, field, name, strchr(name, '/') ? "may not contain '/'" :
				"may not contain '%'");
			return false;
		}
		return true;
	case RULE_SUBDOMAIN:
		break;
	}
	if (n > 253)
		invalid(st, field, name, "must be no more than 253 characters");
	else if (!validate_dns_subdomain(name))
		invalid(st, field, name, MSG_SUBDOMAIN);
	else
		return true;
	return false;
}

bool validate_label_value(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0)
		return true;
	if (n > 63 || !is_alnum(v[0]) || !is_alnum(v[n - 1]))
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
			return false;
	return true;
}

bool validate_qualified_name(const char *key, char *why, size_t whylen)
{
	const char *slash = strrchr(key, '/'), *name = slash ? slash + 1 : key;
	size_t n = strlen(name), i;

	if (slash) {
		char *prefix = xstrndup(key, (size_t)(slash - key));
		bool ok = *prefix && validate_dns_subdomain(prefix);

		free(prefix);
		if (!ok) {
			snprintf(why, whylen, "prefix part %s", MSG_SUBDOMAIN);
			return false;
		}
	}
	if (n == 0) {
		snprintf(why, whylen, "name part must be non-empty");
		return false;
	}
	if (n > 63) {
		snprintf(why, whylen, "name part must be no more than 63 characters");
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!is_alnum(name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.') {
			snprintf(why, whylen, "%s", MSG_QNAME);
			return false;
		}
	}
	if (!is_alnum(name[0]) || !is_alnum(name[n - 1])) {
		snprintf(why, whylen, "%s", MSG_QNAME);
		return false;
	}
	return true;
}

static bool check_map_keys(const cJSON *m, const char *field, bool values_are_labels, size_t *total,
			   struct status *st)
{
	const cJSON *c;
	char why[600];
	bool ok = true;

	if (!m || cJSON_IsNull(m))
		return true;
	if (!cJSON_IsObject(m)) {
		status_add_cause(st, "FieldValueTypeInvalid", field, "Invalid value: must be a map");
		return false;
	}
	cJSON_ArrayForEach(c, m) {
		if (!validate_qualified_name(c->string, why, sizeof(why))) {
			invalid(st, field, c->string, why);
			ok = false;
		}
		if (!cJSON_IsString(c)) {
			char *f = xasprintf("%s.%s", field, c->string);

			status_add_cause(st, "FieldValueTypeInvalid", f, "Invalid value: must be a string");
			free(f);
			ok = false;
			continue;
		}
		if (total)
			*total += strlen(c->string) + strlen(c->valuestring);
		if (values_are_labels) {
			if (strlen(c->valuestring) > 63) {
				invalid(st, field, c->valuestring, "must be no more than 63 characters");
				ok = false;
			} else if (!validate_label_value(c->valuestring)) {
				invalid(st, field, c->valuestring, MSG_LABEL_VALUE);
				ok = false;
			}
		}
	}
	return ok;
}

bool validate_meta(const struct kind *k, const cJSON *meta, struct status *st)
{
	const char *gen = json_str(meta, "generateName", NULL);
	const cJSON *fin = json_get(meta, "finalizers"), *c;
	const cJSON *owners = json_get(meta, "ownerReferences");
	size_t total = 0;
	bool ok = true;
	int i = 0;

	(void)k;
	ok &= check_map_keys(json_get(meta, "labels"), "metadata.labels", true, NULL, st);
	ok &= check_map_keys(json_get(meta, "annotations"), "metadata.annotations", false, &total, st);
	if (total > 256 * 1024) {
		status_add_cause(st, "FieldValueTooLong", "metadata.annotations",
				 "Too long: may not be more than 262144 bytes");
		ok = false;
	}
	if (gen && *gen && !json_str(meta, "name", NULL)) {
		/* the prefix may end with '-': check it with a letter appended */
		char *probe = xasprintf("%sx", gen);

		if (!validate_name(k, probe, "metadata.generateName", NULL)) {
			invalid(st, "metadata.generateName", gen, MSG_SUBDOMAIN);
			ok = false;
		}
		free(probe);
	}
	if (fin && !cJSON_IsNull(fin)) {
		char why[600];

		if (!cJSON_IsArray(fin)) {
			status_add_cause(st, "FieldValueTypeInvalid", "metadata.finalizers",
					 "Invalid value: must be a list of strings");
			return false;
		}
		cJSON_ArrayForEach(c, fin) {
			char *f = xasprintf("metadata.finalizers[%d]", i++);

			if (!cJSON_IsString(c)) {
				status_add_cause(st, "FieldValueTypeInvalid", f, "Invalid value: must be a string");
				ok = false;
			} else if (!validate_qualified_name(c->valuestring, why, sizeof(why))) {
				invalid(st, f, c->valuestring, why);
				ok = false;
			}
			free(f);
		}
	}
	i = 0;
	if (owners && !cJSON_IsNull(owners)) {
		if (!cJSON_IsArray(owners)) {
			status_add_cause(st, "FieldValueTypeInvalid", "metadata.ownerReferences",
					 "Invalid value: must be a list");
			return false;
		}
		cJSON_ArrayForEach(c, owners) {
			static const char *const req[] = { "apiVersion", "kind", "name", "uid" };
			size_t j;

			for (j = 0; j < DL_ARRAY_LEN(req); j++) {
				const char *v = json_str(c, req[j], "");

				if (!*v) {
					char *f = xasprintf("metadata.ownerReferences[%d].%s", i, req[j]);

					status_add_cause(st, "FieldValueRequired", f, "Required value");
					free(f);
					ok = false;
				}
			}
			i++;
		}
	}
	return ok;
}

/* ---- unknown fields ---- */

#define MAX_FIELD_ERRORS 100

static void field_error(cJSON *out, const char *what, const struct buf *path, const char *key)
{
	char *msg;

	if (cJSON_GetArraySize(out) >= MAX_FIELD_ERRORS)
		return;
	msg = path->len ? xasprintf("%s field \"%s.%s\"", what, path->data, key) :
			  xasprintf("%s field \"%s\"", what, key);
	cJSON_AddItemToArray(out, cJSON_CreateString(msg));
	free(msg);
}

static void check_dups(const cJSON *o, const struct buf *path, cJSON *out)
{
	const cJSON *a, *b;

	for (a = o->child; a; a = a->next)
		for (b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0) {
				field_error(out, "duplicate", path, a->string);
				break;
			}
}

static void walk_msg(const struct schema_msg *m, const cJSON *o, struct buf *path, cJSON *out, int depth);

static void walk_value(const struct schema_field *f, const cJSON *v, struct buf *path, cJSON *out,
		       int depth)
{
	const struct schema_msg *m = schema_field_msg(f);
	const cJSON *c;
	size_t len = path->len;
	int i = 0;

	if (!m || (m->flags & SCHEMA_ATOMIC))
		return;
	if (f->flags & SCHEMA_MAP) {
		cJSON_ArrayForEach(c, v) {
			buf_truncate(path, len);
			buf_addf(path, "[%s]", c->string);
			walk_msg(m, c, path, out, depth + 1);
		}
	} else if (f->flags & SCHEMA_REPEATED) {
		cJSON_ArrayForEach(c, v) {
			buf_truncate(path, len);
			buf_addf(path, "[%d]", i++);
			walk_msg(m, c, path, out, depth + 1);
		}
	} else {
		walk_msg(m, v, path, out, depth + 1);
	}
	buf_truncate(path, len);
}

/* is_kind_msg: m is a kind's message, whose Go struct inlines TypeMeta
 * (a StatefulSet's volumeClaimTemplates carry apiVersion and kind). */
static bool is_kind_msg(const struct schema_msg *m)
{
	size_t i;

	for (i = 0; i < schema_nkinds; i++)
		if (&schema_msgs[schema_kinds[i].msg] == m)
			return true;
	return false;
}

static void walk_msg(const struct schema_msg *m, const cJSON *o, struct buf *path, cJSON *out, int depth)
{
	const cJSON *c;
	size_t len = path->len;
	bool typed = depth == 0 || is_kind_msg(m);

	if (!cJSON_IsObject(o) || depth > 64)
		return;
	check_dups(o, path, out);
	cJSON_ArrayForEach(c, o) {
		const struct schema_field *f = schema_field_by_name(m, c->string);

		if (!f) {
			if (typed && (strcmp(c->string, "apiVersion") == 0 || strcmp(c->string, "kind") == 0))
				continue;
			field_error(out, "unknown", path, c->string);
			continue;
		}
		if (f->type != SCHEMA_MESSAGE || cJSON_IsNull(c))
			continue;
		if (len)
			buf_addc(path, '.');
		buf_adds(path, c->string);
		walk_value(f, c, path, out, depth);
		buf_truncate(path, len);
	}
}

/* CRDs: a structural openAPIV3Schema */
static void walk_schema(const cJSON *sch, const cJSON *o, struct buf *path, cJSON *out, int depth)
{
	const cJSON *props = json_get(sch, "properties"), *add = json_get(sch, "additionalProperties");
	const cJSON *c;
	size_t len = path->len;
	int i = 0;

	if (!sch || depth > 64 || json_bool(sch, "x-kubernetes-preserve-unknown-fields", false))
		return;
	if (cJSON_IsArray(o)) {
		cJSON_ArrayForEach(c, o) {
			buf_truncate(path, len);
			buf_addf(path, "[%d]", i++);
			walk_schema(json_get(sch, "items"), c, path, out, depth + 1);
		}
		buf_truncate(path, len);
		return;
	}
	if (!cJSON_IsObject(o))
		return;
	check_dups(o, path, out);
	cJSON_ArrayForEach(c, o) {
		const cJSON *sub = json_get_key(props, c->string);

		if (depth == 0 && (strcmp(c->string, "apiVersion") == 0 || strcmp(c->string, "kind") == 0 ||
				   strcmp(c->string, "metadata") == 0))
			continue;
		if (!sub && cJSON_IsObject(add))
			sub = add;
		if (!sub) {
			if (props || cJSON_IsFalse(add))
				field_error(out, "unknown", path, c->string);
			continue;
		}
		if (len)
			buf_addc(path, '.');
		buf_adds(path, c->string);
		walk_schema(sub, c, path, out, depth + 1);
		buf_truncate(path, len);
	}
}

size_t validate_fields(const struct kind *k, const cJSON *obj, cJSON *out)
{
	const struct schema_msg *m;
	struct buf path;

	buf_init(&path, 0);
	if (k->builtin) {
		m = schema_kind_msg(k->api_version, k->kind);
		if (m)
			walk_msg(m, obj, &path, out, 0);
		else if (cJSON_IsObject(obj))
			check_dups(obj, &path, out);
	} else if (k->schema) {
		const struct schema_msg *meta = NULL;
		size_t i;

		for (i = 0; i < schema_nmsgs && !meta; i++)
			if (strcmp(schema_msgs[i].name, "ObjectMeta") == 0)
				meta = &schema_msgs[i];

		walk_schema(k->schema, obj, &path, out, 0);
		if (meta) {
			buf_adds(&path, "metadata");
			walk_msg(meta, json_get(obj, "metadata"), &path, out, 1);
		}
	}
	buf_release(&path);
	return (size_t)cJSON_GetArraySize(out);
}
