/*
 * quota.c: ResourceQuota usage, admission and status (quota.h).
 *
 * Sums use kube/quantity (integers, no floats), and print in the canonical
 * form the apiserver prints (1536Mi, 500m).  The admission message is the
 * one of the resourcequota admission plugin: the failing keys only, each
 * list sorted by key and printed "k=v" joined with ",".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/kube/quantity.h"
#include "datalab/sandbox/quota.h"

static bool qparse(const cJSON *v, struct quantity *q)
{
	memset(q, 0, sizeof(*q));
	return cJSON_IsString(v) && quantity_parse_str(v->valuestring, q, NULL) == 0;
}

/* add_to: usage[key] += q (creating it) */
static void add_to(cJSON *usage, const char *key, const struct quantity *q)
{
	cJSON *cur = cJSON_GetObjectItemCaseSensitive(usage, key);
	struct quantity sum;
	char tmp[64];

	if (qparse(cur, &sum) && sum.value != 0)
		quantity_add(&sum, q);
	else
		sum = *q;
	quantity_format(&sum, tmp, sizeof(tmp));
	if (cur)
		cJSON_ReplaceItemInObjectCaseSensitive(usage, key, cJSON_CreateString(tmp));
	else
		cJSON_AddStringToObject(usage, key, tmp);
}

static void add_container(cJSON *sum_req, cJSON *sum_lim, const cJSON *c)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, json_get(c, "resources.requests")) {
		struct quantity q;

		if (qparse(r, &q))
			add_to(sum_req, r->string, &q);
	}
	cJSON_ArrayForEach(r, json_get(c, "resources.limits")) {
		struct quantity q;

		if (qparse(r, &q))
			add_to(sum_lim, r->string, &q);
	}
}

cJSON *quota_usage(const cJSON *obj)
{
	const char *kind = json_str(obj, "kind", "");
	cJSON *u, *req, *lim, *r;
	struct quantity one;

	quantity_from_milli(&one, 1000);
	if (strcmp(kind, "PersistentVolumeClaim") == 0) {
		struct quantity q;

		u = cJSON_CreateObject();
		add_to(u, "persistentvolumeclaims", &one);
		add_to(u, "count/persistentvolumeclaims", &one);
		if (qparse(json_get(obj, "spec.resources.requests.storage"), &q))
			add_to(u, "requests.storage", &q);
		return u;
	}
	if (strcmp(kind, "Pod") != 0)
		return NULL;
	/* finished pods no longer count */
	if (strcmp(json_str(obj, "status.phase", ""), "Succeeded") == 0 ||
	    strcmp(json_str(obj, "status.phase", ""), "Failed") == 0)
		return NULL;
	u = cJSON_CreateObject();
	req = cJSON_CreateObject();
	lim = cJSON_CreateObject();
	add_to(u, "pods", &one);
	add_to(u, "count/pods", &one);
	cJSON_ArrayForEach(r, json_get(obj, "spec.containers"))
		add_container(req, lim, r);
	/* a request defaults to its limit */
	cJSON_ArrayForEach(r, lim) {
		struct quantity q;

		if (!cJSON_GetObjectItemCaseSensitive(req, r->string) && qparse(r, &q))
			add_to(req, r->string, &q);
	}
	cJSON_ArrayForEach(r, req) {
		struct quantity q;
		char key[160];

		if (!qparse(r, &q))
			continue;
		snprintf(key, sizeof(key), "requests.%s", r->string);
		add_to(u, key, &q);
		if (strcmp(r->string, "cpu") == 0 || strcmp(r->string, "memory") == 0)
			add_to(u, r->string, &q);
	}
	cJSON_ArrayForEach(r, lim) {
		struct quantity q;
		char key[160];

		if (!qparse(r, &q))
			continue;
		snprintf(key, sizeof(key), "limits.%s", r->string);
		add_to(u, key, &q);
	}
	cJSON_Delete(req);
	cJSON_Delete(lim);
	return u;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* pretty: "k=v,k=v" of the named keys of obj, sorted by key */
static void pretty(struct buf *b, const cJSON *obj, const cJSON *keys)
{
	const cJSON *k;
	const cJSON **v = NULL;
	size_t n = 0;

	cJSON_ArrayForEach(k, keys) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = k;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_key);
	for (size_t i = 0; i < n; i++) {
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(obj, v[i]->string);
		struct quantity q;
		char tmp[64] = "0";

		if (qparse(val, &q))
			quantity_format(&q, tmp, sizeof(tmp));
		buf_addf(b, "%s%s=%s", i ? "," : "", v[i]->string, tmp);
	}
	free(v);
}

static int forbidden(struct error *err, const char *resource, const char *name, const char *why)
{
	if (name && *name)
		error_set(err, ERR_FORBIDDEN, "%s \"%s\" is forbidden: %s", resource, name, why);
	else
		error_set(err, ERR_FORBIDDEN, "%s is forbidden: %s", resource, why);
	if (err)
		err->status = 403;
	return -1;
}

int quota_admit(const cJSON *quota, const cJSON *usage, const cJSON *obj, const char *resource,
		const char *name, struct error *err)
{
	const cJSON *hard = json_get(quota, "spec.hard"), *used = json_get(quota, "status.used"), *h;
	const char *qname = json_str(quota, "metadata.name", "");
	cJSON *failed = cJSON_CreateObject();
	struct buf missing = BUF_INIT;
	int rc = 0;

	/* a tracked limit or request every container must set */
	if (obj && strcmp(json_str(obj, "kind", ""), "Pod") == 0) {
		static const char *const need[] = { "limits.cpu", "limits.memory", "requests.cpu",
						    "requests.memory", "cpu", "memory" };

		for (size_t i = 0; i < DL_ARRAY_LEN(need); i++) {
			const char *res = strchr(need[i], '.') ? strchr(need[i], '.') + 1 : need[i];
			bool lim = strncmp(need[i], "limits.", 7) == 0;
			const cJSON *c;

			if (!cJSON_GetObjectItemCaseSensitive(hard, need[i]))
				continue;
			cJSON_ArrayForEach(c, json_get(obj, "spec.containers")) {
				const cJSON *l = json_get(c, "resources.limits"), *r = json_get(c, "resources.requests");

				if (cJSON_GetObjectItemCaseSensitive(l, res) ||
				    (!lim && cJSON_GetObjectItemCaseSensitive(r, res)))
					continue;
				if (!strstr(missing.data, need[i]))
					buf_addf(&missing, "%s%s", missing.len ? "," : "", need[i]);
			}
		}
	}
	if (missing.len) {
		struct buf why = BUF_INIT;

		buf_addf(&why, "failed quota: %s: must specify %s", qname, missing.data);
		rc = forbidden(err, resource, name, why.data);
		buf_release(&why);
		buf_release(&missing);
		cJSON_Delete(failed);
		return rc;
	}
	buf_release(&missing);
	cJSON_ArrayForEach(h, hard) {
		struct quantity limit, now, req;

		if (!qparse(cJSON_GetObjectItemCaseSensitive(usage, h->string), &req) || req.value == 0)
			continue;
		if (!qparse(h, &limit))
			continue;
		qparse(cJSON_GetObjectItemCaseSensitive(used, h->string), &now);
		quantity_add(&now, &req);
		if (quantity_cmp(&now, &limit) > 0)
			cJSON_AddTrueToObject(failed, h->string);
	}
	if (failed->child) {
		struct buf why = BUF_INIT;

		buf_addf(&why, "exceeded quota: %s, requested: ", qname);
		pretty(&why, usage, failed);
		buf_adds(&why, ", used: ");
		pretty(&why, used, failed);
		buf_adds(&why, ", limited: ");
		pretty(&why, hard, failed);
		rc = forbidden(err, resource, name, why.data);
		buf_release(&why);
	}
	cJSON_Delete(failed);
	return rc;
}

void quota_charge(cJSON *quota, const cJSON *usage, int sign)
{
	const cJSON *hard = json_get(quota, "spec.hard"), *h;
	cJSON *status = cJSON_GetObjectItemCaseSensitive(quota, "status"), *used;

	if (!status)
		status = cJSON_AddObjectToObject(quota, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(status, "hard");
	cJSON_AddItemToObject(status, "hard", cJSON_Duplicate(hard, true));
	used = cJSON_GetObjectItemCaseSensitive(status, "used");
	if (!used)
		used = cJSON_AddObjectToObject(status, "used");
	cJSON_ArrayForEach(h, hard) {
		struct quantity cur, d;
		char tmp[64];

		qparse(cJSON_GetObjectItemCaseSensitive(used, h->string), &cur);
		if (qparse(cJSON_GetObjectItemCaseSensitive(usage, h->string), &d)) {
			if (sign < 0)
				d.value = -d.value;
			if (cur.value == 0)
				cur = d;
			else
				quantity_add(&cur, &d);
		}
		if (cur.value < 0)
			memset(&cur, 0, sizeof(cur));
		quantity_format(&cur, tmp, sizeof(tmp));
		cJSON_DeleteItemFromObjectCaseSensitive(used, h->string);
		cJSON_AddStringToObject(used, h->string, tmp);
	}
}
