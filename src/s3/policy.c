/*
 * policy.c: Onyxia's managed public-prefix statements (see policy.h).
 *
 * Data flow: read the managed prefixes out of every statement that looks
 * like Onyxia's (Sid prefix, Allow, anonymous principal, the action, the
 * bucket's ARN), edit the two lists, then rebuild: unmanaged statements
 * first, in their order, then the managed pair.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/policy.h"

#define ARN "arn:aws:s3:::"

struct plist {
	char **v;
	size_t n;
};

static void plist_add(struct plist *l, const char *s, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == n && !memcmp(l->v[i], s, n))
			return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrndup(s, n);
}

static void plist_del(struct plist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], s)) {
			free(l->v[i]);
			l->v[i] = l->v[--l->n];
			return;
		}
	}
}

static bool plist_has(const struct plist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Whether v (a string or an array of strings) holds want. */
static bool has_string(const cJSON *v, const char *want)
{
	const cJSON *c;

	if (cJSON_IsString(v))
		return !strcmp(v->valuestring, want);
	cJSON_ArrayForEach(c, (cJSON_IsArray(v) ? v : NULL))
		if (cJSON_IsString(c) && !strcmp(c->valuestring, want))
			return true;
	return false;
}

static bool anonymous(const cJSON *principal)
{
	if (cJSON_IsString(principal))
		return !strcmp(principal->valuestring, "*");
	return cJSON_IsObject(principal) && has_string(cJSON_GetObjectItemCaseSensitive(principal, "AWS"), "*");
}

static bool allows(const cJSON *st, const char *action)
{
	return cJSON_IsObject(st) && str_eq(json_str(st, "Effect", NULL), "Allow") &&
	       anonymous(cJSON_GetObjectItemCaseSensitive(st, "Principal")) &&
	       has_string(cJSON_GetObjectItemCaseSensitive(st, "Action"), action);
}

/* Adds to out each "<prefix>*" value of v that starts with lead, minus
 * lead and the star; returns how many. */
static size_t collect(const cJSON *v, const char *lead, struct plist *out)
{
	size_t ll = strlen(lead), found = 0;
	const cJSON *c;

	if (cJSON_IsString(v)) {
		if (str_has_prefix(v->valuestring, lead) && str_has_suffix(v->valuestring, "*") &&
		    strlen(v->valuestring) > ll) {
			plist_add(out, v->valuestring + ll, strlen(v->valuestring) - ll - 1);
			found++;
		}
		return found;
	}
	cJSON_ArrayForEach(c, (cJSON_IsArray(v) ? v : NULL)) {
		if (cJSON_IsString(c) && str_has_prefix(c->valuestring, lead) && str_has_suffix(c->valuestring, "*") &&
		    strlen(c->valuestring) > ll) {
			plist_add(out, c->valuestring + ll, strlen(c->valuestring) - ll - 1);
			found++;
		}
	}
	return found;
}

/* Reads one statement; true when it is a managed one (its prefixes added). */
static bool managed(const cJSON *st, const char *bucket, struct plist *get, struct plist *list)
{
	const char *sid = json_str(st, "Sid", NULL);
	char *lead;
	size_t found = 0;

	if (!sid)
		return false;
	if (str_has_prefix(sid, S3_POLICY_SID_GET)) {
		if (!allows(st, "s3:GetObject"))
			return !strcmp(sid, S3_POLICY_SID_GET);
		lead = xasprintf(ARN "%s/", bucket);
		found = collect(cJSON_GetObjectItemCaseSensitive(st, "Resource"), lead, get);
		free(lead);
	} else if (str_has_prefix(sid, S3_POLICY_SID_LIST)) {
		char *arn = xasprintf(ARN "%s", bucket);
		const cJSON *like = json_get(st, "Condition.StringLike");

		if (allows(st, "s3:ListBucket") && has_string(cJSON_GetObjectItemCaseSensitive(st, "Resource"), arn) &&
		    cJSON_IsObject(like))
			found = collect(json_get_key(like, "s3:prefix"), "", list);
		free(arn);
		if (!found)
			return !strcmp(sid, S3_POLICY_SID_LIST);
	}
	return found > 0 || !strcmp(sid, S3_POLICY_SID_GET) || !strcmp(sid, S3_POLICY_SID_LIST);
}

static const cJSON *statements(const cJSON *policy)
{
	return cJSON_GetObjectItemCaseSensitive(policy, "Statement");
}

static void read_managed(const cJSON *policy, const char *bucket, struct plist *get, struct plist *list)
{
	const cJSON *s = statements(policy), *c;

	if (cJSON_IsObject(s)) {
		managed(s, bucket, get, list);
		return;
	}
	cJSON_ArrayForEach(c, (cJSON_IsArray(s) ? s : NULL))
		managed(c, bucket, get, list);
}

cJSON *s3_policy_parse(const char *json, size_t n, struct error *err)
{
	cJSON *p;

	if (!json || n == 0) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "Version", "2012-10-17");
		cJSON_AddArrayToObject(p, "Statement");
		return p;
	}
	p = json_parse(json, n, err);
	if (p && !cJSON_IsObject(p)) {
		cJSON_Delete(p);
		error_set(err, ERR_PARSE, "the bucket policy is not a JSON object");
		return NULL;
	}
	return p;
}

static cJSON *strings(const struct plist *l, const char *fmt_lead, const char *bucket, bool arn)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < l->n; i++) {
		char *s = arn ? xasprintf("%s%s/%s*", fmt_lead, bucket, l->v[i]) : xasprintf("%s*", l->v[i]);

		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	return a;
}

void s3_policy_set_public(cJSON *policy, const char *bucket, const char *prefix, bool public)
{
	struct plist get = { 0 }, list = { 0 };
	cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(policy, "Statement"), *out = cJSON_CreateArray(), *c;

	if (!cJSON_GetObjectItemCaseSensitive(policy, "Version"))
		cJSON_AddStringToObject(policy, "Version", "2012-10-17");
	if (cJSON_IsObject(old)) {
		/* a lone statement: the array form from now on */
		cJSON *a = cJSON_CreateArray();

		cJSON_AddItemToArray(a, old);
		old = a;
	}
	cJSON_ArrayForEach(c, (cJSON_IsArray(old) ? old : NULL)) {
		if (managed(c, bucket, &get, &list))
			continue;
		cJSON_AddItemToArray(out, cJSON_Duplicate(c, true));
	}
	if (public) {
		plist_add(&get, prefix, strlen(prefix));
		plist_add(&list, prefix, strlen(prefix));
	} else {
		plist_del(&get, prefix);
		plist_del(&list, prefix);
	}
	if (get.n) {
		cJSON *st = cJSON_CreateObject();

		cJSON_AddStringToObject(st, "Sid", S3_POLICY_SID_GET);
		cJSON_AddStringToObject(st, "Effect", "Allow");
		cJSON_AddStringToObject(st, "Principal", "*");
		cJSON_AddStringToObject(st, "Action", "s3:GetObject");
		cJSON_AddItemToObject(st, "Resource", strings(&get, ARN, bucket, true));
		cJSON_AddItemToArray(out, st);
	}
	if (list.n) {
		cJSON *st = cJSON_CreateObject(), *cond = cJSON_CreateObject(), *like = cJSON_CreateObject();
		char *arn = xasprintf(ARN "%s", bucket);

		cJSON_AddStringToObject(st, "Sid", S3_POLICY_SID_LIST);
		cJSON_AddStringToObject(st, "Effect", "Allow");
		cJSON_AddStringToObject(st, "Principal", "*");
		cJSON_AddStringToObject(st, "Action", "s3:ListBucket");
		cJSON_AddStringToObject(st, "Resource", arn);
		cJSON_AddItemToObject(like, "s3:prefix", strings(&list, "", bucket, false));
		cJSON_AddItemToObject(cond, "StringLike", like);
		cJSON_AddItemToObject(st, "Condition", cond);
		cJSON_AddItemToArray(out, st);
		free(arn);
	}
	cJSON_AddItemToObject(policy, "Statement", out);
	cJSON_Delete(old);
	plist_free(&get);
	plist_free(&list);
}

bool s3_policy_is_public(const cJSON *policy, const char *bucket, const char *prefix)
{
	struct plist get = { 0 }, list = { 0 };
	bool yes;

	read_managed(policy, bucket, &get, &list);
	yes = plist_has(&get, prefix) && plist_has(&list, prefix);
	plist_free(&get);
	plist_free(&list);
	return yes;
}

char *s3_policy_public_prefix(const cJSON *policy, const char *bucket, const char *key)
{
	struct plist get = { 0 }, list = { 0 };
	const char *best = NULL;
	char *out;

	read_managed(policy, bucket, &get, &list);
	for (size_t i = 0; i < get.n; i++)
		if (plist_has(&list, get.v[i]) && str_has_prefix(key, get.v[i]) &&
		    (!best || strlen(get.v[i]) > strlen(best)))
			best = get.v[i];
	out = best ? xstrdup(best) : NULL;
	plist_free(&get);
	plist_free(&list);
	return out;
}

bool s3_policy_empty(const cJSON *policy)
{
	const cJSON *s = statements(policy);

	return !s || (cJSON_IsArray(s) && cJSON_GetArraySize(s) == 0);
}

int s3_policy_print(const cJSON *policy, struct buf *out)
{
	return json_print(out, policy, false);
}
