/*
 * paging.c: continue tokens (see paging.h).
 *
 * "start" holds "ns/name" plus a NUL, as the etcd3 store writes the key to
 * start after; cluster-scoped objects have an empty namespace ("/name").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/paging.h"

char *paging_encode(uint64_t rv, const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *start = xasprintf("%s/%s", ns ? ns : "", name), *txt;
	struct buf b;

	cJSON_AddStringToObject(o, "v", "meta.k8s.io/v1");
	cJSON_AddNumberToObject(o, "rv", (double)rv);
	cJSON_AddStringToObject(o, "start", start);
	txt = cJSON_PrintUnformatted(o);
	/* the NUL cJSON cannot hold: append the escaped form by hand */
	buf_init(&b, 0);
	buf_add(&b, txt, strlen(txt) - 2);	/* drop "\"}" */
	buf_adds(&b, "\\u0000\"}");
	free(txt);
	txt = buf_take(&b, NULL);
	buf_init(&b, 0);
	str_base64_encode(&b, txt, strlen(txt));
	free(txt);
	free(start);
	cJSON_Delete(o);
	return buf_take(&b, NULL);
}

static int bad(struct status *st)
{
	return status_bad_request(st, "continue key is not valid: incorrect encoded start resourceVersion "
				  "(version meta.k8s.io/v1)");
}

int paging_decode(const char *token, struct paging_token *t, struct status *st)
{
	struct buf b;
	cJSON *o;
	const char *start, *slash;
	double rv;

	memset(t, 0, sizeof(*t));
	buf_init(&b, 64 * 1024);
	if (str_base64_decode(&b, token, strlen(token)) < 0) {
		buf_release(&b);
		return bad(st);
	}
	o = cJSON_ParseWithLength(b.data, b.len);
	buf_release(&b);
	if (!o || strcmp(json_str(o, "v", ""), "meta.k8s.io/v1") != 0) {
		cJSON_Delete(o);
		return bad(st);
	}
	rv = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "rv"));
	start = json_str(o, "start", NULL);
	slash = start ? strchr(start, '/') : NULL;
	if (!(rv >= 1) || !slash) {
		cJSON_Delete(o);
		return bad(st);
	}
	t->rv = (uint64_t)rv;
	t->ns = xstrndup(start, (size_t)(slash - start));
	t->name = xstrdup(slash + 1);
	cJSON_Delete(o);
	return 0;
}

void paging_release(struct paging_token *t)
{
	free(t->ns);
	free(t->name);
	memset(t, 0, sizeof(*t));
}
