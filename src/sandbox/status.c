/*
 * status.c: Kubernetes Status errors (see status.h).
 *
 * The wording follows apimachinery's pkg/api/errors (NewNotFound,
 * NewAlreadyExists, NewConflict, NewInvalid) so kubectl prints what it
 * prints against a real cluster: `Error from server (NotFound): pods "x"
 * not found`.  Values inside messages are quoted like Go's %q.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/status.h"

void status_init(struct status *st)
{
	memset(st, 0, sizeof(*st));
}

void status_release(struct status *st)
{
	if (!st)
		return;
	free(st->message);
	free(st->group);
	free(st->kind);
	free(st->name);
	cJSON_Delete(st->causes);
	status_init(st);
}

void status_move(struct status *dst, struct status *src)
{
	status_release(dst);
	*dst = *src;
	status_init(src);
}

int status_set(struct status *st, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (!st)
		return -1;
	st->code = code;
	st->reason = reason;
	free(st->message);
	va_start(ap, fmt);
	st->message = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

void status_details(struct status *st, const char *group, const char *kind, const char *name)
{
	if (!st)
		return;
	set_str(&st->group, group && *group ? group : NULL);
	set_str(&st->kind, kind);
	set_str(&st->name, name);
}

void status_add_cause(struct status *st, const char *reason, const char *field, const char *fmt, ...)
{
	cJSON *c;
	char *msg;
	va_list ap;

	if (!st)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (!st->causes)
		st->causes = cJSON_CreateArray();
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	if (field)
		cJSON_AddStringToObject(c, "field", field);
	cJSON_AddItemToArray(st->causes, c);
	free(msg);
}

int status_not_found(struct status *st, const char *group, const char *gr, const char *name)
{
	char *q = status_quote_dup(name);

	status_set(st, 404, "NotFound", "%s %s not found", gr, q);
	free(q);
	status_details(st, group, strchr(gr, '.') ? NULL : gr, name);
	if (st && strchr(gr, '.')) {
		/* details.kind is the bare resource, group apart */
		char *res = xstrndup(gr, (size_t)(strchr(gr, '.') - gr));

		set_str(&st->kind, res);
		free(res);
	}
	return -1;
}

int status_already_exists(struct status *st, const char *group, const char *gr, const char *name)
{
	char *q = status_quote_dup(name);
	const char *dot = strchr(gr, '.');
	char *res = dot ? xstrndup(gr, (size_t)(dot - gr)) : xstrdup(gr);

	status_set(st, 409, "AlreadyExists", "%s %s already exists", gr, q);
	status_details(st, group, res, name);
	free(res);
	free(q);
	return -1;
}

int status_conflict(struct status *st, const char *group, const char *gr, const char *name,
		    const char *why)
{
	char *q = status_quote_dup(name);
	const char *dot = strchr(gr, '.');
	char *res = dot ? xstrndup(gr, (size_t)(dot - gr)) : xstrdup(gr);

	status_set(st, 409, "Conflict", "Operation cannot be fulfilled on %s %s: %s", gr, q, why);
	status_details(st, group, res, name);
	free(res);
	free(q);
	return -1;
}

int status_bad_request(struct status *st, const char *fmt, ...)
{
	va_list ap;

	if (!st)
		return -1;
	st->code = 400;
	st->reason = "BadRequest";
	free(st->message);
	va_start(ap, fmt);
	st->message = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* One cause as apimachinery's field.Error.Error() prints it: the message
 * already holds "Invalid value: ..." or "Required value", so "field: msg". */
static void cause_text(struct buf *b, const cJSON *c)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "field");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");

	if (cJSON_IsString(f) && *f->valuestring)
		buf_addf(b, "%s: ", f->valuestring);
	buf_adds(b, cJSON_IsString(m) ? m->valuestring : "");
}

int status_invalid(struct status *st, const char *group, const char *kind, const char *name)
{
	struct buf b;
	char *q;
	int n, i = 0;
	const cJSON *c;

	if (!st)
		return -1;
	n = st->causes ? cJSON_GetArraySize(st->causes) : 0;
	q = status_quote_dup(name ? name : "");
	buf_init(&b, 0);
	buf_addf(&b, "%s %s is invalid: ", kind, q);
	if (n > 1)
		buf_addc(&b, '[');
	cJSON_ArrayForEach(c, st->causes) {
		if (i++)
			buf_adds(&b, ", ");
		cause_text(&b, c);
	}
	if (n > 1)
		buf_addc(&b, ']');
	st->code = 422;
	st->reason = "Invalid";
	free(st->message);
	st->message = buf_take(&b, NULL);
	status_details(st, group, kind, name);
	free(q);
	return -1;
}

cJSON *status_to_json(const struct status *st)
{
	cJSON *o = cJSON_CreateObject(), *d;
	int code = st && st->code ? st->code : 500;

	cJSON_AddStringToObject(o, "kind", "Status");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddItemToObject(o, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(o, "status", code < 400 ? "Success" : "Failure");
	if (st && st->message)
		cJSON_AddStringToObject(o, "message", st->message);
	if (st && st->reason)
		cJSON_AddStringToObject(o, "reason", st->reason);
	if (st && (st->name || st->group || st->kind || st->causes || st->retry_after)) {
		d = cJSON_AddObjectToObject(o, "details");
		if (st->name)
			cJSON_AddStringToObject(d, "name", st->name);
		if (st->group)
			cJSON_AddStringToObject(d, "group", st->group);
		if (st->kind)
			cJSON_AddStringToObject(d, "kind", st->kind);
		if (st->causes)
			cJSON_AddItemToObject(d, "causes", cJSON_Duplicate(st->causes, 1));
		if (st->retry_after)
			cJSON_AddNumberToObject(d, "retryAfterSeconds", st->retry_after);
	}
	cJSON_AddNumberToObject(o, "code", code);
	return o;
}

/* Code points Go's unicode.IsPrint rejects that matter here: controls,
 * format characters (bidi, zero width), separators other than space. */
static int quote_printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD)
		return 0;
	if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || cp == 0x061C ||
	    (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE000 && cp <= 0xF8FF) ||
	    cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return 1;
}

void status_quote(struct buf *out, const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 0;

	buf_addc(out, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int len;

		if (c < 0x80) {
			switch (c) {
			case '"': buf_adds(out, "\\\""); break;
			case '\\': buf_adds(out, "\\\\"); break;
			case '\n': buf_adds(out, "\\n"); break;
			case '\t': buf_adds(out, "\\t"); break;
			case '\r': buf_adds(out, "\\r"); break;
			case '\a': buf_adds(out, "\\a"); break;
			case '\b': buf_adds(out, "\\b"); break;
			case '\f': buf_adds(out, "\\f"); break;
			case '\v': buf_adds(out, "\\v"); break;
			default:
				if (c < 0x20 || c == 0x7F)
					buf_addf(out, "\\x%02x", c);
				else
					buf_addc(out, (char)c);
			}
			i++;
			continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (len < 0) {
			buf_addf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if (quote_printable(cp))
			buf_add(out, s + i, (size_t)len);
		else if (cp < 0x10000)
			buf_addf(out, "\\u%04x", (unsigned)cp);
		else
			buf_addf(out, "\\U%08x", (unsigned)cp);
		i += (size_t)len;
	}
	buf_addc(out, '"');
}

char *status_quote_dup(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	status_quote(&b, s);
	return buf_take(&b, NULL);
}
