/*
 * selector_parse.c: label selector strings to requirements (selector.h),
 * as apimachinery's pkg/labels/selector.go does it step by step.
 *
 * A lexer turns the string into tokens (identifiers, "in", "notin", "=",
 * "==", "!=", "!", "(", ")", ",", ">", "<"); a recursive descent parser
 * reads requirements from them and hands each to selector_new_requirement
 * (selector.c), which validates keys and values; the first error is the
 * apiserver's sentence ("unable to parse requirement: ...").
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/selector.h"

#include "selector-internal.h"

/* ---- label lexer (pkg/labels/selector.go: Lexer) ---- */

enum tok {
	TOK_ERROR,
	TOK_EOS,
	TOK_CLOSE,
	TOK_COMMA,
	TOK_NOT,
	TOK_DEQ,
	TOK_EQ,
	TOK_GT,
	TOK_ID,
	TOK_IN,
	TOK_LT,
	TOK_NE,
	TOK_NOTIN,
	TOK_OPEN,
};

struct item {
	enum tok tok;
	char *lit;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static enum tok special_token(const char *s, size_t n)
{
	static const struct {
		const char *s;
		enum tok t;
	} tab[] = {
		{ ")", TOK_CLOSE }, { ",", TOK_COMMA }, { "!", TOK_NOT }, { "==", TOK_DEQ },
		{ "=", TOK_EQ }, { ">", TOK_GT }, { "<", TOK_LT }, { "!=", TOK_NE }, { "(", TOK_OPEN },
	};

	for (size_t i = 0; i < DL_ARRAY_LEN(tab); i++)
		if (strlen(tab[i].s) == n && memcmp(tab[i].s, s, n) == 0)
			return tab[i].t;
	return TOK_ERROR;
}

/* lex_all: every token up to and including TOK_EOS */
static struct item *lex_all(const char *s, size_t *count)
{
	size_t pos = 0, n = 0, cap = 8;
	struct item *items = xmalloc(cap * sizeof(*items));

	for (;;) {
		struct item it = { TOK_EOS, NULL };
		size_t start;

		while (s[pos] && is_ws(s[pos]))
			pos++;
		start = pos;
		if (!s[pos]) {
			it.lit = xstrdup("");
		} else if (is_special(s[pos])) {
			enum tok last = TOK_ERROR;
			size_t end = pos, len = 0;

			/* the longest run of special bytes that is still a token */
			while (s[pos] && is_special(s[pos])) {
				enum tok t = special_token(s + start, pos - start + 1);

				if (t != TOK_ERROR) {
					last = t;
					len = pos - start + 1;
					end = pos + 1;
				} else if (last != TOK_ERROR) {
					break;
				}
				pos++;
			}
			if (last == TOK_ERROR) {
				it.tok = TOK_ERROR;
				it.lit = xasprintf("error expected: keyword found '%.*s'",
						   (int)(pos - start), s + start);
			} else {
				it.tok = last;
				it.lit = xstrndup(s + start, len);
				pos = end;
			}
		} else {
			while (s[pos] && !is_special(s[pos]) && !is_ws(s[pos]))
				pos++;
			it.lit = xstrndup(s + start, pos - start);
			if (strcmp(it.lit, "in") == 0)
				it.tok = TOK_IN;
			else if (strcmp(it.lit, "notin") == 0)
				it.tok = TOK_NOTIN;
			else
				it.tok = TOK_ID;
		}
		if (n == cap) {
			cap *= 2;
			items = xreallocarray(items, cap, sizeof(*items));
		}
		items[n++] = it;
		if (it.tok == TOK_EOS)
			break;
	}
	*count = n;
	return items;
}

/* ---- label parser (pkg/labels/selector.go: Parser) ---- */

struct parser {
	struct item *items;
	size_t n, pos;
	struct selector *sel;
	struct buf msg;		/* the error sentence */
};

enum ctx { CTX_KEY_OP, CTX_VALUES };

static enum tok ctx_tok(enum tok t, enum ctx c)
{
	if (c == CTX_VALUES && (t == TOK_IN || t == TOK_NOTIN))
		return TOK_ID;
	return t;
}

static enum tok lookahead(struct parser *p, enum ctx c, const char **lit)
{
	struct item *it = &p->items[p->pos];

	if (lit)
		*lit = it->lit;
	return ctx_tok(it->tok, c);
}

static enum tok consume(struct parser *p, enum ctx c, const char **lit)
{
	struct item *it = &p->items[p->pos];

	if (p->pos + 1 < p->n)	/* never past TOK_EOS */
		p->pos++;
	if (lit)
		*lit = it->lit;
	return ctx_tok(it->tok, c);
}

static int fail(struct parser *p, const char *fmt, const char *lit)
{
	buf_reset(&p->msg);
	buf_addf(&p->msg, fmt, lit);
	return -1;
}

static int key_error(struct parser *p, const char *key)
{
	struct buf e = BUF_INIT;

	selector_qname_errors(key, &e);
	if (!e.len)
		return 0;
	buf_reset(&p->msg);
	buf_adds(&p->msg, "<nil>: Invalid value: ");
	selector_go_quote(&p->msg, key);
	buf_addf(&p->msg, ": %s", e.data);
	buf_release(&e);
	return -1;
}

static int parse_identifiers(struct parser *p, struct strset *s)
{
	for (;;) {
		const char *lit, *lit2;
		enum tok t = consume(p, CTX_VALUES, &lit), t2;

		switch (t) {
		case TOK_ID:
			selector_strset_add(s, lit);
			t2 = lookahead(p, CTX_VALUES, &lit2);
			if (t2 == TOK_COMMA)
				continue;
			if (t2 == TOK_CLOSE)
				return 0;
			return fail(p, "found '%s', expected: ',' or ')'", lit2);
		case TOK_COMMA:
			if (s->n == 0)
				selector_strset_add(s, "");
			t2 = lookahead(p, CTX_VALUES, NULL);
			if (t2 == TOK_CLOSE) {
				selector_strset_add(s, "");
				return 0;
			}
			if (t2 == TOK_COMMA) {
				consume(p, CTX_VALUES, NULL);
				selector_strset_add(s, "");
			}
			break;
		default:
			return fail(p, "found '%s', expected: ',', or identifier", lit);
		}
	}
}

static int parse_values(struct parser *p, struct strset *s)
{
	const char *lit;
	enum tok t = consume(p, CTX_VALUES, &lit);

	if (t != TOK_OPEN)
		return fail(p, "found '%s' expected: '('", lit);
	t = lookahead(p, CTX_VALUES, &lit);
	switch (t) {
	case TOK_ID:
	case TOK_COMMA:
		if (parse_identifiers(p, s) != 0)
			return -1;
		if (consume(p, CTX_VALUES, NULL) != TOK_CLOSE)
			return fail(p, "found '%s', expected: ')'", lit);
		return 0;
	case TOK_CLOSE:
		consume(p, CTX_VALUES, NULL);
		selector_strset_add(s, "");
		return 0;
	default:
		return fail(p, "found '%s', expected: ',', ')' or identifier", lit);
	}
}

static int parse_exact_value(struct parser *p, struct strset *s)
{
	const char *lit;
	enum tok t = lookahead(p, CTX_VALUES, NULL);

	if (t == TOK_EOS || t == TOK_COMMA) {
		selector_strset_add(s, "");
		return 0;
	}
	t = consume(p, CTX_VALUES, &lit);
	if (t == TOK_ID) {
		selector_strset_add(s, lit);
		return 0;
	}
	return fail(p, "found '%s', expected: identifier", lit);
}

static int parse_requirement(struct parser *p)
{
	enum sel_op op = OP_EXISTS;
	bool inferred = false, negated = false;
	struct strset vals = { 0 };
	const char *key, *lit;
	enum tok t = consume(p, CTX_VALUES, &key);

	if (t == TOK_NOT) {
		negated = true;
		t = consume(p, CTX_VALUES, &key);
	}
	if (t != TOK_ID)
		return fail(p, "found '%s', expected: identifier", key);
	if (key_error(p, key) != 0)
		return -1;
	t = lookahead(p, CTX_VALUES, NULL);
	if (negated || t == TOK_EOS || t == TOK_COMMA) {
		inferred = true;
		op = negated ? OP_NOT_EXISTS : OP_EXISTS;
	}
	if (!inferred) {
		t = consume(p, CTX_KEY_OP, &lit);
		switch (t) {
		case TOK_IN: op = OP_IN; break;
		case TOK_EQ: op = OP_EQUALS; break;
		case TOK_DEQ: op = OP_EQUALS; break;
		case TOK_GT: op = OP_GT; break;
		case TOK_LT: op = OP_LT; break;
		case TOK_NOTIN: op = OP_NOT_IN; break;
		case TOK_NE: op = OP_NOT_EQUALS; break;
		default:
			return fail(p, "found '%s', expected: in, notin, =, ==, !=, gt, lt", lit);
		}
		if (op == OP_IN || op == OP_NOT_IN) {
			if (parse_values(p, &vals) != 0) {
				selector_strset_release(&vals);
				return -1;
			}
		} else if (parse_exact_value(p, &vals) != 0) {
			selector_strset_release(&vals);
			return -1;
		}
	}
	buf_reset(&p->msg);
	return selector_new_requirement(p->sel, key, op, &vals, &p->msg);
}

static int parse_labels(struct parser *p)
{
	for (;;) {
		const char *lit;
		enum tok t = lookahead(p, CTX_VALUES, &lit);

		if (t == TOK_EOS)
			return 0;
		if (t != TOK_ID && t != TOK_NOT)
			return fail(p, "found '%s', expected: !, identifier, or 'end of string'", lit);
		if (p->sel->n >= MAX_REQUIREMENTS)
			return fail(p, "too many requirements%s", "");
		if (parse_requirement(p) != 0) {
			char *inner = buf_take(&p->msg, NULL);

			buf_addf(&p->msg, "unable to parse requirement: %s", inner);
			free(inner);
			return -1;
		}
		t = consume(p, CTX_VALUES, &lit);
		if (t == TOK_EOS)
			return 0;
		if (t != TOK_COMMA)
			return fail(p, "found '%s', expected: ',' or 'end of string'", lit);
		t = lookahead(p, CTX_VALUES, &lit);
		if (t != TOK_ID && t != TOK_NOT)
			return fail(p, "found '%s', expected: identifier after ','", lit);
	}
}

struct selector *selector_parse_labels(const char *s, struct error *err)
{
	struct parser p = { 0 };
	int rc;

	if (s && strlen(s) > MAX_SELECTOR_LEN)
		return selector_too_long(err, "label");
	p.sel = selector_alloc(false);
	if (!s || !*s)
		return p.sel;
	buf_init(&p.msg, 0);
	p.items = lex_all(s, &p.n);
	rc = parse_labels(&p);
	for (size_t i = 0; i < p.n; i++)
		free(p.items[i].lit);
	free(p.items);
	if (rc != 0) {
		error_set(err, ERR_INVALID, "%s", p.msg.data);
		buf_release(&p.msg);
		selector_free(p.sel);
		return NULL;
	}
	buf_release(&p.msg);
	return p.sel;
}
