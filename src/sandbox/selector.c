/*
 * selector.c: label and field selectors, parsed and matched as the
 * apiserver does (selector.h).
 *
 * Labels follow apimachinery's pkg/labels/selector.go step by step: a lexer
 * turns the string into tokens (identifiers, "in", "notin", "=", "==",
 * "!=", "!", "(", ")", ",", ">", "<"), a recursive descent parser builds
 * requirements, and keys and values are validated with the messages of
 * pkg/util/validation, so a client sees the same 400 text as from a real
 * cluster ("unable to parse requirement: <nil>: Invalid value: ...").
 * This file holds the requirements, their validation and the matching;
 * the label lexer and parser are in selector_parse.c, field selectors in
 * selector_fields.c.  Matching reads the object: metadata.labels for
 * labels, the kind's field set for fields.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/selector.h"

#include "selector-internal.h"

/* ---- validation (apimachinery pkg/util/validation) ---- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG "must consist of alphanumeric characters, '-', '_' or '.', " \
	"and must start and end with an alphanumeric character"
#define QNAME_REGEX_MSG QNAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', " \
	"regex used for validation is '" QNAME_FMT "')"
#define DNS1123_SUB_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define DNS1123_SUB_MSG "a lowercase RFC 1123 subdomain must consist of lower case " \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for validation is '" \
	DNS1123_SUB_FMT "')"
#define LABEL_VALUE_MSG "a valid label must be an empty string or consist of " \
	"alphanumeric characters, '-', '_' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " \
	"regex used for validation is '(" QNAME_FMT ")?')"

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qname_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

static bool dns_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool dns1123_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!dns_label_char((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		/* one label s[start..i) */
		if (i == start || !dns_label_char((unsigned char)s[start]) ||
		    !dns_label_char((unsigned char)s[i - 1]))
			return false;
		start = i + 1;
	}
	return true;
}

static void add_msg(struct buf *b, const char *msg)
{
	if (b->len)
		buf_adds(b, "; ");
	buf_adds(b, msg);
}

/* selector_qname_errors: validation.IsQualifiedName: the messages joined
 * with "; ", empty = valid */
void selector_qname_errors(const char *k, struct buf *out)
{
	const char *slash = strchr(k, '/');
	const char *name = k;
	size_t n;

	if (slash && strchr(slash + 1, '/')) {
		add_msg(out, "a qualified name " QNAME_REGEX_MSG
			" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
		return;
	}
	if (slash) {
		size_t plen = (size_t)(slash - k);

		if (plen == 0) {
			add_msg(out, "prefix part must be non-empty");
		} else {
			if (plen > 253)
				add_msg(out, "prefix part must be no more than 253 characters");
			if (!dns1123_subdomain_ok(k, plen))
				add_msg(out, "prefix part " DNS1123_SUB_MSG);
		}
		name = slash + 1;
	}
	n = strlen(name);
	if (n == 0)
		add_msg(out, "name part must be non-empty");
	else if (n > 63)
		add_msg(out, "name part must be no more than 63 characters");
	if (!qname_ok(name, n))
		add_msg(out, "name part " QNAME_REGEX_MSG);
}

static void label_value_errors(const char *v, struct buf *out)
{
	size_t n = strlen(v);

	if (n > 63)
		add_msg(out, "must be no more than 63 characters");
	if (n && !qname_ok(v, n))
		add_msg(out, LABEL_VALUE_MSG);
}

/* selector_go_quote: Go's %q of a string, as field errors print bad values */
void selector_go_quote(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(b, '"');
	while (*p) {
		unsigned char c = *p;
		size_t len = 0;
		uint32_t cp = 0;

		if (c < 0x80) {
			switch (c) {
			case '"': buf_adds(b, "\\\""); break;
			case '\\': buf_adds(b, "\\\\"); break;
			case '\a': buf_adds(b, "\\a"); break;
			case '\b': buf_adds(b, "\\b"); break;
			case '\f': buf_adds(b, "\\f"); break;
			case '\n': buf_adds(b, "\\n"); break;
			case '\r': buf_adds(b, "\\r"); break;
			case '\t': buf_adds(b, "\\t"); break;
			case '\v': buf_adds(b, "\\v"); break;
			default:
				if (c < 0x20 || c == 0x7f)
					buf_addf(b, "\\x%02x", c);
				else
					buf_addc(b, (char)c);
			}
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		}
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (len == 0 || (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			buf_addf(b, "\\x%02x", c);
			p++;
			continue;
		}
		if (cp < 0xa0)		/* C1 controls are not printable */
			buf_addf(b, "\\u%04x", (unsigned)cp);
		else
			buf_add(b, p, len);
		p += len;
	}
	buf_addc(b, '"');
}

/* ---- requirements ---- */

static void requirement_release(struct requirement *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

struct selector *selector_alloc(bool fields)
{
	struct selector *sel = xcalloc(1, sizeof(*sel));

	sel->fields = fields;
	return sel;
}

struct requirement *selector_push(struct selector *sel)
{
	if (sel->n == sel->cap) {
		sel->cap = sel->cap ? sel->cap * 2 : 4;
		sel->reqs = xreallocarray(sel->reqs, sel->cap, sizeof(*sel->reqs));
		sel->defs = xreallocarray(sel->defs, sel->cap, sizeof(*sel->defs));
	}
	memset(&sel->reqs[sel->n], 0, sizeof(sel->reqs[0]));
	sel->defs[sel->n] = NULL;
	return &sel->reqs[sel->n++];
}

void selector_free(struct selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++)
		requirement_release(&sel->reqs[i]);
	free(sel->reqs);
	free(sel->defs);
	free(sel);
}

bool selector_empty(const struct selector *sel)
{
	return !sel || sel->n == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void selector_strset_add(struct strset *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = xstrdup(v);
}

void selector_strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Go's strconv.ParseInt(s, 10, 64) succeeding */
static bool parse_int64(const char *s, long long *out)
{
	int64_t v;

	if (!*s || str_parse_i64(s, &v) != 0)
		return false;
	for (const char *p = *s == '-' || *s == '+' ? s + 1 : s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	*out = v;
	return true;
}

/* json_strings: Go's json.Marshal of a []string ("null" when empty) */
static void json_strings(struct buf *b, const struct strset *vals)
{
	if (vals->n == 0) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '[');
	for (size_t i = 0; i < vals->n; i++) {
		cJSON *s = cJSON_CreateString(vals->v[i]);

		if (i)
			buf_addc(b, ',');
		json_print(b, s, false);
		cJSON_Delete(s);
	}
	buf_addc(b, ']');
}

/* aggregate: utilerrors' aggregate of field errors, duplicates dropped */
struct aggregate {
	struct buf all, one;
	size_t n;
};

static void agg_add(struct aggregate *a, const char *fmt, ...) DL_PRINTF(2, 3);

static void agg_add(struct aggregate *a, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&a->one);
	va_start(ap, fmt);
	buf_vaddf(&a->one, fmt, ap);
	va_end(ap);
	if (strstr(a->all.data, a->one.data))
		return;
	if (a->n++)
		buf_adds(&a->all, ", ");
	buf_add(&a->all, a->one.data, a->one.len);
}

/*
 * selector_new_requirement: labels.NewRequirement.  Takes the values
 * (sorted here, as the parser's sets.String.List()); on error the
 * aggregated field errors ("[a, b]" when several) are appended to msg.
 */
int selector_new_requirement(struct selector *sel, const char *key, enum sel_op op,
			     struct strset *vals, struct buf *msg)
{
	struct aggregate agg = { BUF_INIT, BUF_INIT, 0 };
	struct buf tmp = BUF_INIT, q = BUF_INIT;
	struct requirement *r;
	long long num = 0;

	if (vals->n)
		qsort(vals->v, vals->n, sizeof(*vals->v), cmp_str);
	selector_qname_errors(key, &tmp);
	if (tmp.len) {
		selector_go_quote(&q, key);
		agg_add(&agg, "key: Invalid value: %s: %s", q.data, tmp.data);
	}
	buf_reset(&tmp);
	json_strings(&tmp, vals);
	switch (op) {
	case OP_IN:
	case OP_NOT_IN:
		if (vals->n == 0)
			agg_add(&agg, "values: Invalid value: %s: for 'in', 'notin' operators, "
				"values set can't be empty", tmp.data);
		break;
	case OP_EQUALS:
	case OP_NOT_EQUALS:
		if (vals->n != 1)
			agg_add(&agg, "values: Invalid value: %s: exact-match compatibility "
				"requires one single value", tmp.data);
		break;
	case OP_EXISTS:
	case OP_NOT_EXISTS:
		if (vals->n != 0)
			agg_add(&agg, "values: Invalid value: %s: values set must be empty for "
				"exists and does not exist", tmp.data);
		break;
	case OP_GT:
	case OP_LT:
		if (vals->n != 1)
			agg_add(&agg, "values: Invalid value: %s: for 'Gt', 'Lt' operators, "
				"exactly one value is required", tmp.data);
		for (size_t i = 0; i < vals->n; i++) {
			if (parse_int64(vals->v[i], &num))
				continue;
			buf_reset(&q);
			selector_go_quote(&q, vals->v[i]);
			agg_add(&agg, "values[%zu]: Invalid value: %s: for 'Gt', 'Lt' operators, "
				"the value must be an integer", i, q.data);
		}
		break;
	}
	for (size_t i = 0; i < vals->n; i++) {
		buf_reset(&tmp);
		label_value_errors(vals->v[i], &tmp);
		if (!tmp.len)
			continue;
		buf_reset(&q);
		selector_go_quote(&q, vals->v[i]);
		agg_add(&agg, "values[%zu][%s]: Invalid value: %s: %s", i, key, q.data, tmp.data);
	}
	buf_release(&tmp);
	buf_release(&q);
	buf_release(&agg.one);
	if (agg.n) {
		buf_addf(msg, agg.n > 1 ? "[%s]" : "%s", agg.all.data);
		buf_release(&agg.all);
		selector_strset_release(vals);
		return -1;
	}
	buf_release(&agg.all);
	r = selector_push(sel);
	r->key = xstrdup(key);
	r->op = op;
	r->values = vals->v;
	r->nvalues = vals->n;
	r->num = num;
	memset(vals, 0, sizeof(*vals));
	return 0;
}

struct selector *selector_too_long(struct error *err, const char *what)
{
	error_set(err, ERR_INVALID, "%s selector is too long", what);
	return NULL;
}

/* ---- matching ---- */

static bool has_value(const struct requirement *r, const char *v)
{
	for (size_t i = 0; i < r->nvalues; i++)
		if (strcmp(r->values[i], v) == 0)
			return true;
	return false;
}

static bool label_requirement_match(const struct requirement *r, const cJSON *labels)
{
	const cJSON *l = labels ? cJSON_GetObjectItemCaseSensitive(labels, r->key) : NULL;
	const char *v = cJSON_IsString(l) ? l->valuestring : NULL;
	long long n;

	switch (r->op) {
	case OP_EQUALS:
	case OP_IN:
		return v && has_value(r, v);
	case OP_NOT_EQUALS:
	case OP_NOT_IN:
		return !v || !has_value(r, v);
	case OP_EXISTS:
		return v != NULL;
	case OP_NOT_EXISTS:
		return v == NULL;
	case OP_GT:
	case OP_LT:
		if (!v || !parse_int64(v, &n))
			return false;
		return r->op == OP_GT ? n > r->num : n < r->num;
	}
	return false;
}

bool selector_match_labels(const struct selector *sel, const cJSON *labels)
{
	if (!sel || sel->fields)
		return sel == NULL;
	for (size_t i = 0; i < sel->n; i++)
		if (!label_requirement_match(&sel->reqs[i], labels))
			return false;
	return true;
}

bool selector_match(const struct selector *sel, const cJSON *obj)
{
	struct buf tmp = BUF_INIT;
	bool ok = true;

	if (!sel)
		return true;
	if (!sel->fields)
		return selector_match_labels(sel, json_get(obj, "metadata.labels"));
	for (size_t i = 0; i < sel->n && ok; i++) {
		const char *v = selector_field_value(sel->defs[i], obj, &tmp);
		bool eq = strcmp(v, sel->reqs[i].values[0]) == 0;

		ok = sel->reqs[i].op == OP_NOT_EQUALS ? !eq : eq;
	}
	buf_release(&tmp);
	return ok;
}

/* metav1.LabelSelectorAsSelector: matchLabels and matchExpressions */
struct selector *selector_from_json(const cJSON *ls, struct error *err)
{
	struct selector *sel = selector_alloc(false);
	const cJSON *e;
	struct buf msg = BUF_INIT;

	if (!ls || cJSON_IsNull(ls))
		return sel;	/* callers decide what a missing selector means */
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ls, "matchLabels")) {
		struct strset vals = { 0 };

		selector_strset_add(&vals, cJSON_IsString(e) ? e->valuestring : "");
		if (selector_new_requirement(sel, e->string, OP_EQUALS, &vals, &msg) != 0)
			goto fail;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ls, "matchExpressions")) {
		const char *key = json_str(e, "key", "");
		const char *op = json_str(e, "operator", "");
		struct strset vals = { 0 };
		const cJSON *v;
		enum sel_op sop;

		if (strcmp(op, "In") == 0)
			sop = OP_IN;
		else if (strcmp(op, "NotIn") == 0)
			sop = OP_NOT_IN;
		else if (strcmp(op, "Exists") == 0)
			sop = OP_EXISTS;
		else if (strcmp(op, "DoesNotExist") == 0)
			sop = OP_NOT_EXISTS;
		else {
			buf_addf(&msg, "\"%s\" is not a valid label selector operator", op);
			goto fail;
		}
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "values"))
			if (cJSON_IsString(v))
				selector_strset_add(&vals, v->valuestring);
		if (selector_new_requirement(sel, key, sop, &vals, &msg) != 0)
			goto fail;
	}
	buf_release(&msg);
	return sel;
fail:
	error_set(err, ERR_INVALID, "%s", msg.data);
	buf_release(&msg);
	selector_free(sel);
	return NULL;
}
