/*
 * watch.c: splits a watch body into lines and lines into events.
 *
 * A line wholly inside one chunk is parsed where it lies; only the part of
 * a line that spans chunks is copied into w->line.  An oversized line is
 * dropped as it streams (discarding until its newline) so memory stays at
 * max_line whatever the server sends.
 */
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/str.h"
#include "datalab/kube/watch.h"

static const char *const type_names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" };

const char *watch_type_name(enum watch_type t)
{
	return (unsigned)t < DL_ARRAY_LEN(type_names) ? type_names[t] : "?";
}

void watch_parser_init(struct watch_parser *w, size_t max_line, watch_event_fn *fn, void *arg)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	w->max_line = max_line ? max_line : WATCH_MAX_LINE;
	buf_init(&w->line, w->max_line);
}

void watch_parser_release(struct watch_parser *w)
{
	buf_release(&w->line);
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	}
	return true;
}

static void handle_line(struct watch_parser *w, const char *p, size_t n)
{
	struct watch_event ev;
	cJSON *root, *type, *obj;
	size_t t;

	if (blank(p, n))
		return;
	root = json_parse(p, n, NULL);
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	obj = cJSON_GetObjectItemCaseSensitive(root, "object");
	if (!cJSON_IsString(type) || !cJSON_IsObject(obj))
		goto skip;
	for (t = 0; t < DL_ARRAY_LEN(type_names); t++) {
		if (strcmp(type->valuestring, type_names[t]) == 0)
			break;
	}
	if (t == DL_ARRAY_LEN(type_names))
		goto skip;
	memset(&ev, 0, sizeof(ev));
	ev.type = (enum watch_type)t;
	ev.object = cJSON_DetachItemViaPointer(root, obj);
	ev.resource_version = json_str(ev.object, "metadata.resourceVersion", NULL);
	if (ev.type == WATCH_ERROR) {
		if (str_eq(json_str(ev.object, "kind", NULL), "Status")) {
			ev.code = (int)json_int(ev.object, "code", 0);
			ev.reason = json_str(ev.object, "reason", NULL);
		}
		ev.message = json_str(ev.object, "message", NULL);
	}
	w->events++;
	w->fn(&ev, w->arg);
	cJSON_Delete(ev.object);
	cJSON_Delete(root);
	return;
skip:
	w->skipped++;
	cJSON_Delete(root);
}

/* line_done: keep a small allocation for the next split line, but give a
 * huge one back rather than holding 50 MB for the life of the watch */
static void line_done(struct watch_parser *w)
{
	if (w->line.cap > 1024 * 1024)
		buf_release(&w->line);
	else
		buf_reset(&w->line);
}

void watch_parser_feed(struct watch_parser *w, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		if (w->discarding) {
			if (nl)
				w->discarding = false;
		} else if (!nl) {
			if (buf_add(&w->line, p, len) != 0) {
				/* past max_line: buf_add emptied it; drop the rest */
				w->discarding = true;
				w->skipped++;
			}
		} else if (w->line.len == 0) {
			if (len > w->max_line)
				w->skipped++;
			else
				handle_line(w, p, len);
		} else if (buf_add(&w->line, p, len) != 0) {
			w->skipped++;
		} else {
			handle_line(w, w->line.data, w->line.len);
			line_done(w);
		}
		if (!nl)
			break;
		p = nl + 1;
		n -= len + 1;
	}
}

void watch_parser_finish(struct watch_parser *w)
{
	if (w->line.len > 0 && !blank(w->line.data, w->line.len))
		w->skipped++;
	line_done(w);
	w->discarding = false;
}
