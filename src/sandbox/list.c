/*
 * list.c: collections: LIST with paging, selectors and forms, and
 * DELETE of collections (see list.h).
 *
 * The objects of one answer are first gathered as references (from the
 * live store, or from a snapshot at the resourceVersion a continue token
 * or resourceVersionMatch=Exact names), then written: a plain list is
 * the concatenation of the stored JSON texts, so 5,000 pods cost one
 * memcpy each, not a serialization.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/list.h"
#include "datalab/sandbox/paging.h"
#include "datalab/sandbox/printer.h"
#include "datalab/sandbox/rest.h"

cJSON *list_table(const struct kind *k, const struct store_obj *const *objs, size_t n,
		  const char *include, cJSON *listmeta)
{
	cJSON *t = cJSON_CreateObject(), *rows;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(t, "metadata", listmeta ? listmeta : cJSON_CreateObject());
	cJSON_AddItemToObject(t, "columnDefinitions", printer_columns(k));
	rows = cJSON_AddArrayToObject(t, "rows");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(rows, printer_row(k, objs[i]->obj, include, now));
	return t;
}

int list_selectors(struct api_req *rq, const struct kind *k, struct selector **labels,
		   struct selector **fields, struct status *st)
{
	const char *ls = api_query(rq, "labelSelector"), *fs = api_query(rq, "fieldSelector");
	struct error err;

	*labels = *fields = NULL;
	if (ls && *ls && !(*labels = selector_parse_labels(ls, &err)))
		return status_bad_request(st, "%s", err.msg);
	if (fs && *fs && !(*fields = selector_parse_fields(fs, k->kind, &err))) {
		selector_free(*labels);
		*labels = NULL;
		return status_bad_request(st, "%s", err.msg);
	}
	return 0;
}

bool list_match(const struct selector *labels, const struct selector *fields, const cJSON *obj)
{
	return (!labels || selector_match(labels, obj)) && (!fields || selector_match(fields, obj));
}

/* ---- gathering ---- */

struct gather {
	const struct store_obj **v;
	size_t n, cap;
};

static bool gather_fn(const struct store_obj *o, void *arg)
{
	struct gather *g = arg;

	if (g->n + 1 >= g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->v = xreallocarray(g->v, g->cap, sizeof(*g->v));
	}
	g->v[g->n++] = store_obj_ref(o);
	g->v[g->n] = NULL;
	return true;
}

static const struct store_obj **gather_live(struct store *s, const struct kind *k, const char *ns,
					    size_t *n)
{
	struct gather g = { NULL, 0, 0 };

	g.cap = 256;
	g.v = xcalloc(g.cap, sizeof(*g.v));
	store_each(s, k, ns, NULL, NULL, gather_fn, &g);
	*n = g.n;
	return g.v;
}

static int key_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c ? c : strcmp(n1, n2);
}

struct list_params {
	uint64_t rv;		/* the list's resourceVersion */
	size_t start;		/* first index in objs */
	int64_t limit;		/* 0 = no limit */
};

/* resolve_rv: fills p and *objs from the query; -1 with st. */
static int resolve_rv(struct api_req *rq, const struct store_obj ***objs, size_t *n,
		      struct list_params *p, struct status *st)
{
	struct store *s = api_store(rq->api);
	const char *rv = api_query(rq, "resourceVersion"), *rvm = api_query(rq, "resourceVersionMatch");
	const char *cont = api_query(rq, "continue"), *lim = api_query(rq, "limit");
	struct paging_token t;
	uint64_t want = 0;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (lim && *lim && (str_parse_i64(lim, &p->limit) < 0 || p->limit < 0))
		return status_bad_request(st, "limit: Invalid value: %s: must be a non-negative integer", lim);
	if (rv && *rv && str_parse_u64(rv, &want) < 0)
		return status_bad_request(st, "resourceVersion: Invalid value: \"%s\": strconv.ParseUint: "
					  "parsing \"%s\": invalid syntax", rv, rv);
	if (rvm && *rvm) {
		if (strcmp(rvm, "Exact") != 0 && strcmp(rvm, "NotOlderThan") != 0)
			return status_bad_request(st, "resourceVersionMatch: Unsupported value: \"%s\": "
						  "supported values: \"Exact\", \"NotOlderThan\"", rvm);
		if (!rv || !*rv)
			return status_bad_request(st, "resourceVersionMatch: Forbidden: resourceVersionMatch "
						  "is forbidden unless resourceVersion is provided");
		if (strcmp(rvm, "Exact") == 0 && want == 0)
			return status_bad_request(st, "resourceVersionMatch: Forbidden: resourceVersionMatch "
						  "\"exact\" is forbidden for resourceVersion \"0\"");
	}
	if (cont && *cont) {
		if (rv && *rv)
			return status_bad_request(st, "specifying resource version is not allowed when using "
						  "continue");
		if (paging_decode(cont, &t, st) < 0)
			return -1;
		p->rv = t.rv;
		*objs = t.rv == store_rv(s) ? gather_live(s, rq->kind, rq->ns, n) :
			store_snapshot(s, rq->kind, rq->ns, t.rv, n, st);
		if (!*objs) {
			paging_release(&t);
			status_set(st, 410, "Expired", "The provided continue parameter is too old to display a "
				   "consistent list result. You can start a new list without the continue "
				   "parameter, or use the continue token in this response to retrieve the "
				   "remainder of the results. Continuing with the provided token results in "
				   "an inconsistent list - objects that were created, modified, or deleted "
				   "between the time the first chunk was returned and now may show up in the "
				   "list.");
			return -1;
		}
		for (i = 0; i < *n && key_cmp((*objs)[i]->ns, (*objs)[i]->name, t.ns, t.name) <= 0; i++)
			;
		p->start = i;
		paging_release(&t);
		return 0;
	}
	if (want > store_rv(s)) {
		status_set(st, 504, "Timeout", "Too large resource version: %llu, current: %llu",
			   (unsigned long long)want, (unsigned long long)store_rv(s));
		st->retry_after = 1;
		return -1;
	}
	if (rvm && strcmp(rvm, "Exact") == 0 && want != store_rv(s)) {
		*objs = store_snapshot(s, rq->kind, rq->ns, want, n, st);
		if (!*objs)
			return -1;
		p->rv = want;
		return 0;
	}
	if (rv && strcmp(rv, "0") == 0)
		p->limit = 0;	/* served "from the cache": whole */
	p->rv = store_rv(s);
	*objs = gather_live(s, rq->kind, rq->ns, n);
	return 0;
}

/* ---- writing ---- */

static void list_meta_text(struct buf *b, uint64_t rv, const char *cont, int64_t remaining)
{
	buf_addf(b, "\"metadata\":{\"resourceVersion\":\"%llu\"", (unsigned long long)rv);
	if (cont)
		buf_addf(b, ",\"continue\":\"%s\"", cont);
	if (remaining >= 0 && cont)
		buf_addf(b, ",\"remainingItemCount\":%lld", (long long)remaining);
	buf_addc(b, '}');
}

static cJSON *list_meta_json(uint64_t rv, const char *cont, int64_t remaining)
{
	cJSON *m = cJSON_CreateObject();
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)rv);
	cJSON_AddStringToObject(m, "resourceVersion", num);
	if (cont)
		cJSON_AddStringToObject(m, "continue", cont);
	if (remaining >= 0 && cont)
		cJSON_AddNumberToObject(m, "remainingItemCount", (double)remaining);
	return m;
}

int list_handle(struct api_req *rq, enum media_form form)
{
	const struct store_obj **objs = NULL, **out;
	struct selector *labels, *fields;
	struct list_params p;
	struct status st;
	struct buf b;
	char *cont = NULL;
	size_t n = 0, i, nout = 0;
	int64_t remaining = -1;
	bool filtered;
	int rc;

	status_init(&st);
	if (list_selectors(rq, rq->kind, &labels, &fields, &st) < 0)
		goto fail;
	if (resolve_rv(rq, &objs, &n, &p, &st) < 0) {
		selector_free(labels);
		selector_free(fields);
		goto fail;
	}
	filtered = labels || fields;
	out = xcalloc(n + 1, sizeof(*out));
	for (i = p.start; i < n; i++) {
		if (!list_match(labels, fields, objs[i]->obj))
			continue;
		if (p.limit && (int64_t)nout == p.limit) {
			cont = paging_encode(p.rv, out[nout - 1]->ns, out[nout - 1]->name);
			remaining = filtered ? -1 : (int64_t)(n - i);
			break;
		}
		out[nout++] = objs[i];
	}
	selector_free(labels);
	selector_free(fields);
	if (form == MEDIA_TABLE) {
		cJSON *t = list_table(rq->kind, out, nout, api_query(rq, "includeObject"),
				      list_meta_json(p.rv, cont, remaining));

		rc = api_reply_json(rq, 200, t);
		cJSON_Delete(t);
	} else if (form == MEDIA_PARTIAL) {
		cJSON *l = cJSON_CreateObject(), *items;

		cJSON_AddStringToObject(l, "kind", "PartialObjectMetadataList");
		cJSON_AddStringToObject(l, "apiVersion", "meta.k8s.io/v1");
		cJSON_AddItemToObject(l, "metadata", list_meta_json(p.rv, cont, remaining));
		items = cJSON_AddArrayToObject(l, "items");
		for (i = 0; i < nout; i++)
			cJSON_AddItemToArray(items, printer_partial(out[i]->obj));
		rc = api_reply_json(rq, 200, l);
		cJSON_Delete(l);
	} else {
		buf_init(&b, 0);
		buf_grow(&b, 128 + nout * (nout ? out[0]->len + 1 : 0));
		buf_addf(&b, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",", rq->kind->list_kind,
			 rq->kind->api_version);
		list_meta_text(&b, p.rv, cont, remaining);
		buf_adds(&b, ",\"items\":[");
		for (i = 0; i < nout; i++) {
			size_t len;
			char *conv = rest_object_json(rq->kind, out[i], &len);

			if (i)
				buf_addc(&b, ',');
			if (conv) {
				buf_add(&b, conv, len);
				free(conv);
			} else {
				buf_add(&b, out[i]->json, out[i]->len);
			}
		}
		buf_adds(&b, "]}");
		{
			size_t len;
			char *body = buf_take(&b, &len);

			rc = api_reply_take(rq, 200, "application/json", body, len);
		}
	}
	free(cont);
	free(out);
	store_snapshot_free(objs);
	return rc;
fail:
	rc = api_reply_status(rq, &st);
	status_release(&st);
	return rc;
}

int list_delete_collection(struct api_req *rq)
{
	struct store *s = api_store(rq->api);
	const struct store_obj **objs;
	struct selector *labels, *fields;
	struct store_delete d;
	struct status st;
	cJSON *keep = NULL, *list, *items;
	size_t n, i;
	int rc;

	status_init(&st);
	if (list_selectors(rq, rq->kind, &labels, &fields, &st) < 0 ||
	    rest_delete_opts(rq, &d, &keep, &st) < 0) {
		cJSON_Delete(keep);
		rc = api_reply_status(rq, &st);
		status_release(&st);
		return rc;
	}
	objs = gather_live(s, rq->kind, rq->ns, &n);
	list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "kind", rq->kind->list_kind);
	cJSON_AddStringToObject(list, "apiVersion", rq->kind->api_version);
	cJSON_AddObjectToObject(list, "metadata");
	items = cJSON_AddArrayToObject(list, "items");
	for (i = 0; i < n; i++) {
		const struct store_obj *o;

		if (!list_match(labels, fields, objs[i]->obj))
			continue;
		if (store_delete(s, rq->kind, objs[i]->ns, objs[i]->name, &d, &o, NULL, &st) == 0)
			cJSON_AddItemToArray(items, store_obj_copy(o));
		status_release(&st);
	}
	{
		char num[24];

		snprintf(num, sizeof(num), "%llu", (unsigned long long)store_rv(s));
		cJSON_AddStringToObject(cJSON_GetObjectItem(list, "metadata"), "resourceVersion", num);
	}
	rc = api_reply_json(rq, 200, list);
	cJSON_Delete(list);
	cJSON_Delete(keep);
	selector_free(labels);
	selector_free(fields);
	store_snapshot_free(objs);
	return rc;
}
