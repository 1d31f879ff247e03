/*
 * yaml.c: YAML to cJSON with libyaml's event parser, and cJSON to YAML.
 *
 * The converter keeps its own stack of open collections instead of
 * recursing, so 100,000 nested '[' cost a bounded error, not the C stack.
 * Every node created counts toward max_nodes, and an alias counts the full
 * size of what it copies, so an alias bomb stops early with ERR_LIMIT.
 * Anchored nodes are kept as private copies: a later duplicate key may
 * free the original while aliases still refer to it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "datalab/core/mem.h"
#include "datalab/core/yaml.h"

#define YAML_DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define YAML_DEFAULT_MAX_DEPTH 256
#define YAML_DEFAULT_MAX_NODES ((size_t)4000000)

struct frame {
	cJSON *node;
	bool is_map;
	char *key;		/* map: the key waiting for its value */
	bool key_merge;		/* that key is a plain "<<" */
	char *anchor;
};

struct anchor {
	char *name;
	cJSON *copy;
	size_t size;		/* nodes in copy */
};

struct conv {
	const struct yaml_limits *lim;
	struct frame *stack;
	int depth, cap;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t nodes;
	cJSON *root;
	bool have_root;
	struct error *err;
	yaml_mark_t mark;
};

static int conv_fail(struct conv *c, int code, const char *what)
{
	return error_set(c->err, code, "line %zu column %zu: %s",
			 (size_t)c->mark.line + 1, (size_t)c->mark.column + 1, what);
}

/* tree_size: recursion is bounded: trees here are at most max_depth deep */
static size_t tree_size(const cJSON *n)
{
	size_t count = 1;

	for (const cJSON *ch = n->child; ch; ch = ch->next)
		count += tree_size(ch);
	return count;
}

static int count_nodes(struct conv *c, size_t n)
{
	if (n > c->lim->max_nodes || c->nodes > c->lim->max_nodes - n)
		return conv_fail(c, ERR_LIMIT, "document expands to too many nodes (alias bomb?)");
	c->nodes += n;
	return 0;
}

static bool plain_is(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", "yes", "Yes", "YES",
					  "on", "On", "ON", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", "no", "No", "NO",
					   "off", "Off", "OFF", NULL };

static bool looks_int(const char *s, long long *out)
{
	const char *p = s;
	char *end;
	int base = 10;
	bool neg = false;
	unsigned long long v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'o') {
		base = 8;
		p += 2;
	}
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (!(base == 16 ? isxdigit((unsigned char)*q) : *q >= '0' && *q < (base == 8 ? '8' : ':')))
			return false;
	errno = 0;
	v = strtoull(p, &end, base);
	/* past 2^53 a double loses digits: keep the text */
	if (errno || *end || v > (1ULL << 53))
		return false;
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

static bool looks_float(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits = true;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, &end);
	return isfinite(*out);
}

static cJSON *resolve_scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	long long i;
	double d;

	if (tag && strcmp(tag, YAML_STR_TAG) == 0)
		return cJSON_CreateString(s);
	if (tag && strcmp(tag, YAML_NULL_TAG) == 0)
		return cJSON_CreateNull();
	if (!plain && !(tag && (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0 ||
				strcmp(tag, YAML_BOOL_TAG) == 0)))
		return cJSON_CreateString(s);
	if (plain_is(s, null_words) && plain)
		return cJSON_CreateNull();
	if (plain_is(s, true_words))
		return cJSON_CreateTrue();
	if (plain_is(s, false_words))
		return cJSON_CreateFalse();
	if (looks_int(s, &i))
		return cJSON_CreateNumber((double)i);
	if (looks_float(s, &d))
		return cJSON_CreateNumber(d);
	return cJSON_CreateString(s);
}

static void anchor_add(struct conv *c, const char *name, const cJSON *node)
{
	struct anchor *a;

	/* a redefined anchor shadows the old one: search from the end */
	if (c->nanchors == c->anchors_cap) {
		c->anchors_cap = c->anchors_cap ? c->anchors_cap * 2 : 8;
		c->anchors = xreallocarray(c->anchors, c->anchors_cap, sizeof(*c->anchors));
	}
	a = &c->anchors[c->nanchors++];
	a->name = xstrdup(name);
	a->copy = cJSON_Duplicate(node, 1);
	a->size = tree_size(node);
}

static const struct anchor *anchor_find(const struct conv *c, const char *name)
{
	for (size_t i = c->nanchors; i > 0; i--)
		if (strcmp(c->anchors[i - 1].name, name) == 0)
			return &c->anchors[i - 1];
	return NULL;
}

static void merge_into(cJSON *map, const cJSON *src)
{
	for (const cJSON *ch = src->child; ch; ch = ch->next)
		if (!cJSON_GetObjectItemCaseSensitive(map, ch->string))
			cJSON_AddItemToObject(map, ch->string, cJSON_Duplicate(ch, 1));
}

/* attach: a finished value goes into the open collection (or becomes the root). */
static int attach(struct conv *c, cJSON *value)
{
	struct frame *f;

	if (c->depth == 0) {
		if (c->have_root) {
			cJSON_Delete(value);
			return 0;
		}
		c->root = value;
		c->have_root = true;
		return 0;
	}
	f = &c->stack[c->depth - 1];
	if (!f->is_map) {
		cJSON_AddItemToArray(f->node, value);
		return 0;
	}
	if (!f->key) {
		char num[64];

		/* keys are scalars, read as text */
		if (cJSON_IsString(value)) {
			f->key = xstrdup(value->valuestring);
		} else if (cJSON_IsNull(value)) {
			f->key = xstrdup("null");
		} else if (cJSON_IsBool(value)) {
			f->key = xstrdup(cJSON_IsTrue(value) ? "true" : "false");
		} else if (cJSON_IsNumber(value)) {
			snprintf(num, sizeof(num), "%.17g", value->valuedouble);
			f->key = xstrdup(num);
		} else {
			cJSON_Delete(value);
			return conv_fail(c, ERR_PARSE, "a mapping key must be a scalar");
		}
		cJSON_Delete(value);
		return 0;
	}
	if (f->key_merge) {
		if (cJSON_IsObject(value)) {
			merge_into(f->node, value);
		} else if (cJSON_IsArray(value)) {
			for (const cJSON *m = value->child; m; m = m->next)
				if (cJSON_IsObject(m))
					merge_into(f->node, m);
		} else {
			cJSON_Delete(value);
			return conv_fail(c, ERR_PARSE, "a merge key '<<' needs a mapping");
		}
		cJSON_Delete(value);
	} else if (cJSON_GetObjectItemCaseSensitive(f->node, f->key)) {
		cJSON_ReplaceItemInObjectCaseSensitive(f->node, f->key, value);	/* last wins */
	} else {
		cJSON_AddItemToObject(f->node, f->key, value);
	}
	free(f->key);
	f->key = NULL;
	f->key_merge = false;
	return 0;
}

static int push(struct conv *c, cJSON *node, bool is_map, const yaml_char_t *anchor)
{
	struct frame *f;

	if (c->depth >= c->lim->max_depth) {
		cJSON_Delete(node);
		return conv_fail(c, ERR_LIMIT, "nesting is too deep");
	}
	if (c->depth == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->stack = xreallocarray(c->stack, (size_t)c->cap, sizeof(*c->stack));
	}
	f = &c->stack[c->depth++];
	f->node = node;
	f->is_map = is_map;
	f->key = NULL;
	f->key_merge = false;
	f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	return 0;
}

static int pop(struct conv *c)
{
	struct frame f = c->stack[--c->depth];

	free(f.key);
	if (f.anchor) {
		anchor_add(c, f.anchor, f.node);
		free(f.anchor);
	}
	return attach(c, f.node);
}

static bool anchor_open(const struct conv *c, const char *name)
{
	for (int i = 0; i < c->depth; i++)
		if (c->stack[i].anchor && strcmp(c->stack[i].anchor, name) == 0)
			return true;
	return false;
}

static int on_event(struct conv *c, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		struct frame *f = c->depth ? &c->stack[c->depth - 1] : NULL;
		cJSON *v;

		if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length)
			return conv_fail(c, ERR_PARSE, "a string holds a NUL character");
		if (count_nodes(c, 1) < 0)
			return -1;
		if (f && f->is_map && !f->key) {
			/* a key: its text as written, whatever it would resolve to */
			f->key = xstrdup((const char *)ev->data.scalar.value);
			f->key_merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				       strcmp(f->key, "<<") == 0;
			return 0;
		}
		v = resolve_scalar(ev);
		if (ev->data.scalar.anchor)
			anchor_add(c, (const char *)ev->data.scalar.anchor, v);
		return attach(c, v);
	}
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		const struct anchor *a = anchor_find(c, name);

		if (!a) {
			if (anchor_open(c, name))
				return conv_fail(c, ERR_PARSE, "an alias refers to a node that contains it");
			return conv_fail(c, ERR_PARSE, "an alias refers to an undefined anchor");
		}
		if (count_nodes(c, a->size) < 0)
			return -1;
		return attach(c, cJSON_Duplicate(a->copy, 1));
	}
	case YAML_MAPPING_START_EVENT:
		if (count_nodes(c, 1) < 0)
			return -1;
		return push(c, cJSON_CreateObject(), true, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_START_EVENT:
		if (count_nodes(c, 1) < 0)
			return -1;
		return push(c, cJSON_CreateArray(), false, ev->data.sequence_start.anchor);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return pop(c);
	default:
		return 0;
	}
}

static void conv_release(struct conv *c)
{
	while (c->depth > 0) {
		struct frame *f = &c->stack[--c->depth];

		free(f->key);
		free(f->anchor);
		cJSON_Delete(f->node);
	}
	free(c->stack);
	for (size_t i = 0; i < c->nanchors; i++) {
		free(c->anchors[i].name);
		cJSON_Delete(c->anchors[i].copy);
	}
	free(c->anchors);
}

static struct yaml_limits limits_or_default(const struct yaml_limits *l)
{
	struct yaml_limits d = { YAML_DEFAULT_MAX_BYTES, YAML_DEFAULT_MAX_DEPTH, YAML_DEFAULT_MAX_NODES };

	if (l) {
		if (l->max_bytes)
			d.max_bytes = l->max_bytes;
		if (l->max_depth > 0)
			d.max_depth = l->max_depth < YAML_DEFAULT_MAX_DEPTH ? l->max_depth : YAML_DEFAULT_MAX_DEPTH;
		if (l->max_nodes)
			d.max_nodes = l->max_nodes;
	}
	return d;
}

/* parse_docs: all documents (all=true) or the first into an array. */
static cJSON *parse_docs(const char *p, size_t n, const struct yaml_limits *limits,
			 bool all, struct error *err)
{
	struct yaml_limits lim = limits_or_default(limits);
	yaml_parser_t parser;
	yaml_event_t ev;
	struct conv c;
	cJSON *docs;
	bool done = false, in_doc = false;

	if (n > lim.max_bytes) {
		error_set(err, ERR_LIMIT, "YAML document of %zu bytes is over the %zu byte limit",
			  n, lim.max_bytes);
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.lim = &lim;
	c.err = err;
	docs = cJSON_CreateArray();
	if (!yaml_parser_initialize(&parser))
		fatal("out of memory initializing the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)p, n);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			error_set(err, ERR_PARSE, "line %zu column %zu: %s%s%s",
				  (size_t)parser.problem_mark.line + 1,
				  (size_t)parser.problem_mark.column + 1,
				  parser.problem ? parser.problem : "malformed YAML",
				  parser.context ? " " : "", parser.context ? parser.context : "");
			goto fail;
		}
		c.mark = ev.start_mark;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			in_doc = true;
			c.have_root = false;
			c.root = NULL;
			c.nodes = 0;
			break;
		case YAML_DOCUMENT_END_EVENT:
			in_doc = false;
			if (c.have_root && (all ? !cJSON_IsNull(c.root) : true))
				cJSON_AddItemToArray(docs, c.root);
			else if (c.have_root)
				cJSON_Delete(c.root);
			else if (!all)
				cJSON_AddItemToArray(docs, cJSON_CreateNull());
			c.root = NULL;
			c.have_root = false;
			if (!all)
				done = true;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			if (in_doc && on_event(&c, &ev) < 0) {
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	conv_release(&c);
	return docs;
fail:
	yaml_parser_delete(&parser);
	cJSON_Delete(c.root);
	conv_release(&c);
	cJSON_Delete(docs);
	return NULL;
}

cJSON *yaml_parse(const char *p, size_t n, const struct yaml_limits *limits, struct error *err)
{
	cJSON *docs = parse_docs(p, n, limits, false, err), *first;

	if (!docs)
		return NULL;
	first = cJSON_DetachItemFromArray(docs, 0);
	cJSON_Delete(docs);
	return first ? first : cJSON_CreateNull();
}

cJSON *yaml_parse_all(const char *p, size_t n, const struct yaml_limits *limits, struct error *err)
{
	return parse_docs(p, n, limits, true, err);
}

/* --- emitting --- */

static bool needs_quotes(const char *s)
{
	const char *p;
	long long i;
	double d;

	if (!*s || plain_is(s, null_words) || plain_is(s, true_words) || plain_is(s, false_words) ||
	    looks_int(s, &i) || looks_float(s, &d) || strcmp(s, ".inf") == 0 || strcmp(s, ".nan") == 0)
		return true;
	if (strchr("-?:,[]{}#&*!|>'\"%@`~= ", s[0]) || s[strlen(s) - 1] == ' ' ||
	    s[strlen(s) - 1] == ':')
		return true;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7F)
			return true;
		if ((c == ':' && (p[1] == ' ' || p[1] == '\0')) || (c == '#' && p > s && p[-1] == ' '))
			return true;
	}
	return false;
}

static int emit_string(struct buf *out, const char *s)
{
	if (!needs_quotes(s))
		return buf_adds(out, s);
	buf_addc(out, '"');
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		switch (c) {
		case '"':
			buf_adds(out, "\\\"");
			break;
		case '\\':
			buf_adds(out, "\\\\");
			break;
		case '\n':
			buf_adds(out, "\\n");
			break;
		case '\t':
			buf_adds(out, "\\t");
			break;
		case '\r':
			buf_adds(out, "\\r");
			break;
		default:
			if (c < 0x20 || c == 0x7F)
				buf_addf(out, "\\x%02x", c);
			else
				buf_addc(out, (char)c);
		}
	}
	return buf_addc(out, '"');
}

static int emit_scalar(struct buf *out, const cJSON *v)
{
	if (cJSON_IsString(v))
		return emit_string(out, v->valuestring ? v->valuestring : "");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return buf_addf(out, "%lld", (long long)d);
		return buf_addf(out, "%.17g", d);
	}
	if (cJSON_IsBool(v))
		return buf_adds(out, cJSON_IsTrue(v) ? "true" : "false");
	return buf_adds(out, "null");
}

static bool is_scalar(const cJSON *v)
{
	return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

static void indent(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(out, ' ');
}

static int emit_node(struct buf *out, const cJSON *v, int ind, bool inline_first);

/* emit_value: after "key:" or "-": a scalar or empty collection on the same line */
static int emit_value(struct buf *out, const cJSON *v, int ind)
{
	if (is_scalar(v)) {
		buf_addc(out, ' ');
		emit_scalar(out, v);
		return buf_addc(out, '\n');
	}
	if (!v->child)
		return buf_adds(out, cJSON_IsObject(v) ? " {}\n" : " []\n");
	buf_addc(out, '\n');
	return emit_node(out, v, ind, false);
}

static int emit_node(struct buf *out, const cJSON *v, int ind, bool inline_first)
{
	bool first = true;

	for (const cJSON *ch = v->child; ch; ch = ch->next) {
		if (!(first && inline_first))
			indent(out, ind);
		first = false;
		if (cJSON_IsObject(v)) {
			emit_string(out, ch->string ? ch->string : "");
			buf_addc(out, ':');
			emit_value(out, ch, ind + 2);
		} else if (cJSON_IsObject(ch) && ch->child) {
			buf_adds(out, "- ");
			emit_node(out, ch, ind + 2, true);
		} else if (cJSON_IsArray(ch) && ch->child) {
			buf_adds(out, "- ");
			emit_node(out, ch, ind + 2, true);
		} else {
			buf_addc(out, '-');
			emit_value(out, ch, ind + 2);
		}
	}
	return 0;
}

int yaml_emit(struct buf *out, const cJSON *item)
{
	if (!item)
		return buf_adds(out, "null\n");
	if (is_scalar(item)) {
		emit_scalar(out, item);
		return buf_addc(out, '\n');
	}
	if (!item->child)
		return buf_adds(out, cJSON_IsObject(item) ? "{}\n" : "[]\n");
	return emit_node(out, item, 0, false);
}
