/*
 * selector_fields.c: field selectors (selector.h), as pkg/fields/selector.go
 * parses them and the apiserver converts their labels.
 *
 * Comma-separated terms (a backslash escapes ',', '=' and itself), sorted,
 * each "lhs(=|==|!=)rhs"; then every label goes through the kind's field
 * label table (pkg/apis/core/v1/conversion.go and the registries' field
 * sets); a kind without a table knows metadata.name and metadata.namespace
 * only, with runtime's DefaultMetaV1 message.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "selector-internal.h"

enum field_type {
	FT_STRING,
	FT_BOOL,		/* strconv.FormatBool, absent = "false" */
	FT_INT,			/* strconv.Itoa, absent = "0" */
	FT_POD_IP,		/* status.podIP, else status.podIPs[0].ip */
	FT_POD_IPS,		/* the podIPs joined with "," */
};

struct field_def {
	const char *label;
	const char *path;	/* in the object */
	enum field_type type;
	const char *alt_path;	/* events.k8s.io/v1 shape (regarding, note...) */
};

static const struct field_def pod_fields[] = {
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "spec.nodeName", "spec.nodeName", FT_STRING, NULL },
	{ "spec.restartPolicy", "spec.restartPolicy", FT_STRING, NULL },
	{ "spec.schedulerName", "spec.schedulerName", FT_STRING, NULL },
	{ "spec.serviceAccountName", "spec.serviceAccountName", FT_STRING, NULL },
	{ "spec.hostNetwork", "spec.hostNetwork", FT_BOOL, NULL },
	{ "status.phase", "status.phase", FT_STRING, NULL },
	{ "status.podIP", "status.podIP", FT_POD_IP, NULL },
	{ "status.podIPs", "status.podIPs", FT_POD_IPS, NULL },
	{ "status.nominatedNodeName", "status.nominatedNodeName", FT_STRING, NULL },
	{ "spec.host", "spec.nodeName", FT_STRING, NULL },	/* old v1 clients */
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def node_fields[] = {
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "spec.unschedulable", "spec.unschedulable", FT_BOOL, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def event_fields[] = {
	{ "involvedObject.kind", "involvedObject.kind", FT_STRING, "regarding.kind" },
	{ "involvedObject.namespace", "involvedObject.namespace", FT_STRING, "regarding.namespace" },
	{ "involvedObject.name", "involvedObject.name", FT_STRING, "regarding.name" },
	{ "involvedObject.uid", "involvedObject.uid", FT_STRING, "regarding.uid" },
	{ "involvedObject.apiVersion", "involvedObject.apiVersion", FT_STRING, "regarding.apiVersion" },
	{ "involvedObject.resourceVersion", "involvedObject.resourceVersion", FT_STRING,
	  "regarding.resourceVersion" },
	{ "involvedObject.fieldPath", "involvedObject.fieldPath", FT_STRING, "regarding.fieldPath" },
	{ "reason", "reason", FT_STRING, "reason" },
	{ "reportingComponent", "reportingComponent", FT_STRING, "reportingController" },
	{ "source", "source.component", FT_STRING, "deprecatedSource.component" },
	{ "type", "type", FT_STRING, "type" },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def namespace_fields[] = {
	{ "status.phase", "status.phase", FT_STRING, NULL },
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def secret_fields[] = {
	{ "type", "type", FT_STRING, NULL },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def service_fields[] = {
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "spec.clusterIP", "spec.clusterIP", FT_STRING, NULL },
	{ "spec.type", "spec.type", FT_STRING, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def rc_fields[] = {
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "status.replicas", "status.replicas", FT_INT, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct field_def job_fields[] = {
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ "status.successful", "status.succeeded", FT_INT, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

/* runtime.DefaultMetaV1FieldSelectorConversion, for kinds without a table */
static const struct field_def default_fields[] = {
	{ "metadata.name", "metadata.name", FT_STRING, NULL },
	{ "metadata.namespace", "metadata.namespace", FT_STRING, NULL },
	{ NULL, NULL, FT_STRING, NULL },
};

static const struct {
	const char *kind;
	const struct field_def *defs;
} kind_fields[] = {
	{ "Pod", pod_fields },
	{ "Node", node_fields },
	{ "Event", event_fields },
	{ "Namespace", namespace_fields },
	{ "Secret", secret_fields },
	{ "Service", service_fields },
	{ "ReplicationController", rc_fields },
	{ "Job", job_fields },
};

static const struct field_def *kind_table(const char *kind)
{
	for (size_t i = 0; kind && i < DL_ARRAY_LEN(kind_fields); i++)
		if (strcmp(kind_fields[i].kind, kind) == 0)
			return kind_fields[i].defs;
	return NULL;
}

/* fields.splitTerms: split on commas a backslash does not escape */
static char **split_terms(const char *s, size_t *count)
{
	size_t n = 0, cap = 4, start = 0;
	char **out = xmalloc(cap * sizeof(*out));
	bool slash = false;

	for (size_t i = 0;; i++) {
		if (s[i] == '\0' || (!slash && s[i] == ',')) {
			if (n == cap) {
				cap *= 2;
				out = xreallocarray(out, cap, sizeof(*out));
			}
			out[n++] = xstrndup(s + start, i - start);
			if (s[i] == '\0')
				break;
			start = i + 1;
			continue;
		}
		slash = !slash && s[i] == '\\';
	}
	*count = n;
	return out;
}

/* fields.UnescapeValue */
static int unescape_value(const char *s, struct buf *out, struct error *err)
{
	bool slash = false;

	for (const char *p = s; *p; p++) {
		if (slash) {
			if (*p != '\\' && *p != ',' && *p != '=') {
				/* Go prints the rune: take a whole UTF-8 sequence */
				size_t len = 1;

				while (p[len] && ((unsigned char)p[len] & 0xc0) == 0x80 && len < 4)
					len++;
				return error_set(err, ERR_INVALID,
						 "invalid field selector: invalid escape sequence: \\%.*s",
						 (int)len, p);
			}
			buf_addc(out, *p);
			slash = false;
			continue;
		}
		if (*p == '\\')
			slash = true;
		else if (*p == ',' || *p == '=')
			return error_set(err, ERR_INVALID,
					 "invalid field selector: unescaped character in value: %d", *p);
		else
			buf_addc(out, *p);
	}
	if (slash)
		return error_set(err, ERR_INVALID,
				 "invalid field selector: invalid escape sequence: \\");
	return 0;
}

static int cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct selector *selector_parse_fields(const char *s, const char *kind, struct error *err)
{
	const struct field_def *table = kind_table(kind);
	struct selector *sel;
	char **parts;
	size_t nparts;
	int rc = 0;

	if (s && strlen(s) > MAX_SELECTOR_LEN)
		return selector_too_long(err, "field");
	sel = selector_alloc(true);
	if (!s || !*s)
		return sel;
	parts = split_terms(s, &nparts);
	qsort(parts, nparts, sizeof(*parts), cmp_pstr);
	/* step 1, fields.ParseSelector: syntax of every term */
	for (size_t i = 0; i < nparts && rc == 0; i++) {
		const char *part = parts[i], *op = NULL;
		size_t oplen = 0;
		enum sel_op sop = OP_EQUALS;
		struct buf val = BUF_INIT;
		struct requirement *r;

		if (!*part)
			continue;
		if (sel->n >= MAX_REQUIREMENTS) {
			rc = error_set(err, ERR_INVALID, "field selector has too many terms");
			break;
		}
		for (const char *p = part; *p && !op; p++) {
			if (strncmp(p, "!=", 2) == 0) {
				op = p, oplen = 2, sop = OP_NOT_EQUALS;
			} else if (strncmp(p, "==", 2) == 0) {
				op = p, oplen = 2;
			} else if (*p == '=') {
				op = p, oplen = 1;
			}
		}
		if (!op) {
			rc = error_set(err, ERR_INVALID, "invalid selector: '%s'; can't understand '%s'",
				       s, part);
			break;
		}
		if (unescape_value(op + oplen, &val, err) != 0) {
			buf_release(&val);
			rc = -1;
			break;
		}
		r = selector_push(sel);
		r->key = xstrndup(part, (size_t)(op - part));
		r->op = sop;
		r->values = xmalloc(sizeof(*r->values));
		r->values[0] = buf_take(&val, NULL);
		r->nvalues = 1;
	}
	/* step 2, the kind's field label conversion, in the same order */
	for (size_t i = 0; i < sel->n && rc == 0; i++) {
		const struct field_def *d = table ? table : default_fields;

		for (; d->label; d++)
			if (strcmp(d->label, sel->reqs[i].key) == 0)
				break;
		if (!d->label) {
			if (table)
				rc = error_set(err, ERR_INVALID, "field label not supported: %s",
					       sel->reqs[i].key);
			else
				rc = error_set(err, ERR_INVALID, "\"%s\" is not a known field "
					       "selector: only \"metadata.name\", \"metadata.namespace\"",
					       sel->reqs[i].key);
			break;
		}
		sel->defs[i] = d;
	}
	for (size_t i = 0; i < nparts; i++)
		free(parts[i]);
	free(parts);
	if (rc != 0) {
		selector_free(sel);
		return NULL;
	}
	return sel;
}


/* field_value: the string the registry's field set holds for d */
const char *selector_field_value(const struct field_def *d, const cJSON *obj, struct buf *tmp)
{
	const char *path = d->path;
	const cJSON *v;

	if (d->alt_path && !json_get(obj, "involvedObject") && json_get(obj, "regarding"))
		path = d->alt_path;
	v = json_get(obj, path);
	switch (d->type) {
	case FT_STRING:
		return cJSON_IsString(v) ? v->valuestring : "";
	case FT_BOOL:
		return cJSON_IsTrue(v) ? "true" : "false";
	case FT_INT:
		buf_reset(tmp);
		buf_addf(tmp, "%lld", cJSON_IsNumber(v) ? (long long)v->valuedouble : 0LL);
		return tmp->data;
	case FT_POD_IP:
		if (cJSON_IsString(v) && *v->valuestring)
			return v->valuestring;
		return json_str(obj, "status.podIPs.0.ip", "");
	case FT_POD_IPS: {
		const cJSON *e;

		buf_reset(tmp);
		cJSON_ArrayForEach(e, json_get(obj, "status.podIPs")) {
			const char *ip = json_str(e, "ip", NULL);

			if (!ip)
				continue;
			if (tmp->len)
				buf_addc(tmp, ',');
			buf_adds(tmp, ip);
		}
		return tmp->data;
	}
	}
	return "";
}
