/*
 * fuzz_sb_request.c: what a client sends the sandbox's API, beyond the
 * body parsers fuzzed elsewhere: continue tokens (a decoded token encodes
 * back to the same key), Accept headers (a known form), Status quoting
 * (no control byte survives, the result is valid UTF-8), and hostile
 * objects through field validation, metadata checks and the Table
 * printers of pods and deployments.  The first byte picks the target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/utf8.h"
#include "datalab/sandbox/kinds.h"
#include "datalab/sandbox/media.h"
#include "datalab/sandbox/paging.h"
#include "datalab/sandbox/printer.h"
#include "datalab/sandbox/status.h"
#include "datalab/sandbox/validate.h"

static void token(const char *s)
{
	struct paging_token t, u;
	struct status st;
	char *again;

	status_init(&st);
	if (paging_decode(s, &t, &st) < 0) {
		if (st.code != 400)
			abort();
		status_release(&st);
		return;
	}
	again = paging_encode(t.rv, t.ns, t.name);
	if (paging_decode(again, &u, &st) < 0 || u.rv != t.rv || strcmp(u.ns, t.ns) != 0 ||
	    strcmp(u.name, t.name) != 0)
		abort();
	paging_release(&u);
	paging_release(&t);
	free(again);
}

static void quote(const char *s)
{
	char *q = status_quote_dup(s);
	size_t n = strlen(q), i;

	if (n < 2 || q[0] != '"' || q[n - 1] != '"' || !utf8_valid(q, n))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
			abort();
	free(q);
}

static void object(const char *p, size_t n)
{
	static struct kinds *ks;
	cJSON *obj = cJSON_ParseWithLength(p, n), *errs, *row;
	struct status st;
	static const char *const res[][2] = { { "", "pods" }, { "apps", "deployments" },
					      { "", "services" }, { "", "events" }, { "", "nodes" } };
	size_t i;

	if (!ks)
		ks = kinds_new();
	if (!obj)
		return;
	for (i = 0; i < DL_ARRAY_LEN(res); i++) {
		const struct kind *k = kinds_find(ks, res[i][0], "v1", res[i][1]);

		errs = cJSON_CreateArray();
		validate_fields(k, obj, errs);
		cJSON_Delete(errs);
		status_init(&st);
		validate_meta(k, json_get(obj, "metadata"), &st);
		validate_name(k, json_str(obj, "metadata.name", ""), "metadata.name", &st);
		status_release(&st);
		row = printer_row(k, obj, NULL, 1735689600);
		if (!cJSON_IsArray(json_get(row, "cells")))
			abort();
		cJSON_Delete(row);
	}
	cJSON_Delete(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	enum media_form f;

	if (size < 1 || size > 65536)
		return 0;
	s = xmemdup(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		token(s);
		break;
	case 1:
		f = media_accept(s);
		if (f != MEDIA_OBJECT && f != MEDIA_TABLE && f != MEDIA_PARTIAL && f != MEDIA_NONE)
			abort();
		(void)media_body_type(s);
		break;
	case 2:
		quote(s);
		break;
	case 3:
		object(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
