/*
 * s3d_xml.c: S3 XML out (escaped writers, error documents, times) and in
 * (expat, flattened to element paths; see s3d_xml.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_xml.h"

#define MAX_DEPTH 16
#define MAX_NODES 200000
#define MAX_TEXT 8192

void s3d_xml_escape(struct buf *b, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		switch (*p) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&apos;");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(b, "&#x%X;", *p);
			else
				buf_addc(b, (char)*p);
		}
	}
}

void s3d_xml_begin(struct buf *b, const char *root)
{
	buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"" S3D_XMLNS "\">", root);
}

void s3d_xml_open(struct buf *b, const char *name)
{
	buf_addf(b, "<%s>", name);
}

void s3d_xml_close(struct buf *b, const char *name)
{
	buf_addf(b, "</%s>", name);
}

void s3d_xml_elem(struct buf *b, const char *name, const char *text)
{
	if (!text) {
		buf_addf(b, "<%s/>", name);
		return;
	}
	buf_addf(b, "<%s>", name);
	s3d_xml_escape(b, text);
	buf_addf(b, "</%s>", name);
}

void s3d_xml_elemf(struct buf *b, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	s3d_xml_elem(b, name, s);
	free(s);
}

void s3d_xml_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000 + 1000) % 1000);
}

void s3d_xml_http_date(int64_t s, char out[40])
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)s;
	struct tm tm;

	/* by hand, so the names never follow the locale */
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int s3d_xml_http_date_parse(const char *s, int64_t *out)
{
	static const char *forms[] = { "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
				       "%a %b %e %H:%M:%S %Y" };

	for (size_t i = 0; s && i < DL_ARRAY_LEN(forms); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, forms[i], &tm);

		if (end && *end == '\0') {
			*out = (int64_t)timegm(&tm);
			return 0;
		}
	}
	return -1;
}

void s3d_xml_error(struct buf *b, const char *code, const char *message, const char *resource,
		   const char *request_id, const char *const *extra)
{
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	s3d_xml_elem(b, "Code", code);
	s3d_xml_elem(b, "Message", message);
	for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
		s3d_xml_elem(b, extra[i], extra[i + 1]);
	if (resource)
		s3d_xml_elem(b, "Resource", resource);
	s3d_xml_elem(b, "RequestId", request_id);
	s3d_xml_elem(b, "HostId", "datalab-sandbox");
	buf_adds(b, "</Error>");
}

/* ---- parsing ---- */

struct pstate {
	XML_Parser xp;
	struct buf path;
	size_t marks[MAX_DEPTH + 1];	/* path length before each open element */
	int depth;
	struct buf text;
	struct s3d_xml_node *nodes;
	size_t n, cap;
	const char *fail;
};

static void stop(struct pstate *ps, const char *why)
{
	if (!ps->fail)
		ps->fail = why;
	XML_StopParser(ps->xp, XML_FALSE);
}

static void on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct pstate *ps = arg;

	(void)attrs;
	if (ps->depth >= MAX_DEPTH) {
		stop(ps, "the document is nested too deeply");
		return;
	}
	ps->marks[ps->depth++] = ps->path.len;
	buf_addc(&ps->path, '/');
	buf_adds(&ps->path, name);
	buf_reset(&ps->text);
}

static void on_end(void *arg, const XML_Char *name)
{
	struct pstate *ps = arg;
	char *t;

	(void)name;
	if (ps->n == MAX_NODES) {
		stop(ps, "the document has too many elements");
		return;
	}
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 32;
		ps->nodes = xreallocarray(ps->nodes, ps->cap, sizeof(*ps->nodes));
	}
	t = xmemdup(ps->text.data, ps->text.len);
	ps->nodes[ps->n].path = xstrdup(ps->path.data);
	ps->nodes[ps->n].text = str_trim(t);
	ps->n++;
	buf_truncate(&ps->path, ps->marks[--ps->depth]);
	buf_reset(&ps->text);
}

static void on_text(void *arg, const XML_Char *s, int len)
{
	struct pstate *ps = arg;

	if (buf_add(&ps->text, s, (size_t)len) < 0)
		stop(ps, "an element's text is too long");
}

/* Entities declared in a DTD could expand without bound: refuse any. */
static void on_entity_decl(void *arg, const XML_Char *name, int param, const XML_Char *value, int vlen,
			   const XML_Char *base, const XML_Char *sys, const XML_Char *pub, const XML_Char *notation)
{
	(void)name; (void)param; (void)value; (void)vlen; (void)base; (void)sys; (void)pub; (void)notation;
	stop(arg, "entity declarations are not allowed");
}

int s3d_xml_parse(const char *p, size_t n, struct s3d_xml_node **out, size_t *count, struct error *err)
{
	struct pstate ps = { 0 };
	int ok;

	*out = NULL;
	*count = 0;
	if (n > (size_t)INT32_MAX)
		return error_set(err, ERR_LIMIT, "the XML document is too large");
	ps.xp = XML_ParserCreate("UTF-8");
	buf_init(&ps.path, 4096);
	buf_init(&ps.text, MAX_TEXT);
	XML_SetUserData(ps.xp, &ps);
	XML_SetElementHandler(ps.xp, on_start, on_end);
	XML_SetCharacterDataHandler(ps.xp, on_text);
	XML_SetEntityDeclHandler(ps.xp, on_entity_decl);
	ok = XML_Parse(ps.xp, p, (int)n, XML_TRUE) == XML_STATUS_OK && !ps.fail && ps.n > 0;
	if (!ok) {
		if (ps.fail)
			error_set(err, ERR_PARSE, "%s", ps.fail);
		else if (ps.n == 0 && XML_GetErrorCode(ps.xp) == XML_ERROR_NONE)
			error_set(err, ERR_PARSE, "the XML document is empty");
		else
			error_set(err, ERR_PARSE, "line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(ps.xp),
				  XML_ErrorString(XML_GetErrorCode(ps.xp)));
		s3d_xml_nodes_free(ps.nodes, ps.n);
	} else {
		*out = ps.nodes;
		*count = ps.n;
	}
	XML_ParserFree(ps.xp);
	buf_release(&ps.path);
	buf_release(&ps.text);
	return ok ? 0 : -1;
}

void s3d_xml_nodes_free(struct s3d_xml_node *nodes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(nodes[i].path);
		free(nodes[i].text);
	}
	free(nodes);
}
