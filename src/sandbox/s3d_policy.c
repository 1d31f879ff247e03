/*
 * s3d_policy.c: bucket policy documents (cJSON) and their evaluation for
 * anonymous callers (see s3d_policy.h).  The parsed form keeps the cJSON
 * tree; statements are checked when a request asks, which is rare enough
 * (anonymous requests only) that nothing is precompiled.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/s3d_policy.h"

struct s3d_policy {
	cJSON *doc;
	const cJSON *statements;	/* an array, or the one object */
};

static char fold_c(char c, bool fold)
{
	return fold && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool s3d_policy_match(const char *pattern, const char *s, bool fold)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pattern == '*') {
			star = pattern++;
			resume = s;
		} else if (*pattern == '?' || (*pattern && fold_c(*pattern, fold) == fold_c(*s, fold))) {
			pattern++;
			s++;
		} else if (star) {
			pattern = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* all_strings: a string, or a non-empty list of strings. */
static bool all_strings(const cJSON *v)
{
	const cJSON *it;

	if (cJSON_IsString(v))
		return true;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return false;
	cJSON_ArrayForEach(it, v)
		if (!cJSON_IsString(it))
			return false;
	return true;
}

static bool any_matches(const cJSON *v, const char *s, bool fold)
{
	const cJSON *it;

	if (cJSON_IsString(v))
		return s3d_policy_match(v->valuestring, s, fold);
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsString(it) && s3d_policy_match(it->valuestring, s, fold))
			return true;
	return false;
}

static bool principal_is_anyone(const cJSON *p)
{
	const cJSON *aws, *it;

	if (cJSON_IsString(p))
		return strcmp(p->valuestring, "*") == 0;
	aws = json_get_key(p, "AWS");
	if (cJSON_IsString(aws))
		return strcmp(aws->valuestring, "*") == 0;
	cJSON_ArrayForEach(it, aws)
		if (cJSON_IsString(it) && strcmp(it->valuestring, "*") == 0)
			return true;
	return false;
}

/* condition_holds: every operator's every key must hold. */
static bool condition_holds(const cJSON *cond, const char *prefix)
{
	const cJSON *op;

	if (!cond)
		return true;
	if (!cJSON_IsObject(cond))
		return false;
	cJSON_ArrayForEach(op, cond) {
		const cJSON *kv;
		bool like = strcmp(op->string, "StringLike") == 0 || strcmp(op->string, "StringNotLike") == 0;
		bool negate = strcmp(op->string, "StringNotEquals") == 0 || strcmp(op->string, "StringNotLike") == 0;

		if (!like && !negate && strcmp(op->string, "StringEquals") != 0)
			return false;
		cJSON_ArrayForEach(kv, op) {
			bool hit = false;
			const cJSON *it;

			if (!str_case_eq(kv->string, "s3:prefix") || !all_strings(kv))
				return false;
			if (!prefix) {
				/* the key is absent: only the negated forms hold */
				if (!negate)
					return false;
				continue;
			}
			if (cJSON_IsString(kv)) {
				hit = like ? s3d_policy_match(kv->valuestring, prefix, false)
					   : strcmp(kv->valuestring, prefix) == 0;
			} else {
				cJSON_ArrayForEach(it, kv)
					if (like ? s3d_policy_match(it->valuestring, prefix, false)
						 : strcmp(it->valuestring, prefix) == 0)
						hit = true;
			}
			if (hit == negate)
				return false;
		}
	}
	return true;
}

static bool statement_applies(const cJSON *s, const char *action, const char *resource, const char *prefix)
{
	if (json_get_key(s, "NotAction") || json_get_key(s, "NotResource") || json_get_key(s, "NotPrincipal"))
		return false;
	return principal_is_anyone(json_get_key(s, "Principal")) &&
	       any_matches(json_get_key(s, "Action"), action, true) &&
	       any_matches(json_get_key(s, "Resource"), resource, false) &&
	       condition_holds(json_get_key(s, "Condition"), prefix);
}

static int check_statement(const cJSON *s, const char *bucket, struct error *err)
{
	const char *effect = json_str(s, "Effect", NULL);
	const cJSON *res = NULL, *it;
	char *arn = xasprintf("arn:aws:s3:::%s", bucket);
	size_t alen = strlen(arn);
	int rc = 0;

	if (!cJSON_IsObject(s))
		rc = error_set(err, ERR_INVALID, "Policies must be valid JSON and the first byte must be '{'");
	else if (!effect || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0))
		rc = error_set(err, ERR_INVALID, "Invalid effect: %s", effect ? effect : "(missing)");
	else if (!json_get_key(s, "Principal") && !json_get_key(s, "NotPrincipal"))
		rc = error_set(err, ERR_INVALID, "Missing required field Principal");
	else if (!all_strings(json_get_key(s, "Action")) && !all_strings(json_get_key(s, "NotAction")))
		rc = error_set(err, ERR_INVALID, "Missing required field Action");
	else if (!all_strings(res = json_get_key(s, "Resource")) && !all_strings(json_get_key(s, "NotResource")))
		rc = error_set(err, ERR_INVALID, "Missing required field Resource");
	if (rc == 0 && res) {
		if (cJSON_IsString(res)) {
			if (strncmp(res->valuestring, arn, alen) != 0 ||
			    (res->valuestring[alen] && res->valuestring[alen] != '/' && res->valuestring[alen] != '*'))
				rc = error_set(err, ERR_INVALID, "Policy has invalid resource");
		} else {
			cJSON_ArrayForEach(it, res)
				if (strncmp(it->valuestring, arn, alen) != 0 ||
				    (it->valuestring[alen] && it->valuestring[alen] != '/' && it->valuestring[alen] != '*'))
					rc = error_set(err, ERR_INVALID, "Policy has invalid resource");
		}
	}
	free(arn);
	return rc;
}

struct s3d_policy *s3d_policy_parse(const char *text, size_t n, const char *bucket, struct error *err)
{
	cJSON *doc;
	const cJSON *st, *it;
	struct s3d_policy *p;

	if (n > S3D_POLICY_MAX) {
		error_set(err, ERR_LIMIT, "Policy exceeds the maximum allowed document size.");
		return NULL;
	}
	doc = json_parse(text, n, NULL);
	if (!doc || !cJSON_IsObject(doc)) {
		error_set(err, ERR_INVALID, "Policies must be valid JSON and the first byte must be '{'");
		cJSON_Delete(doc);
		return NULL;
	}
	st = json_get_key(doc, "Statement");
	if (!st || (!cJSON_IsObject(st) && !cJSON_IsArray(st)) ||
	    (cJSON_IsArray(st) && cJSON_GetArraySize(st) == 0)) {
		error_set(err, ERR_INVALID, "Missing required field Statement");
		cJSON_Delete(doc);
		return NULL;
	}
	if (cJSON_IsObject(st)) {
		if (check_statement(st, bucket, err) < 0) {
			cJSON_Delete(doc);
			return NULL;
		}
	} else {
		cJSON_ArrayForEach(it, st)
			if (check_statement(it, bucket, err) < 0) {
				cJSON_Delete(doc);
				return NULL;
			}
	}
	p = xcalloc(1, sizeof(*p));
	p->doc = doc;
	p->statements = st;
	return p;
}

bool s3d_policy_allows(const struct s3d_policy *p, const char *action, const char *resource, const char *prefix)
{
	const cJSON *it;
	bool allow = false;

	if (!p)
		return false;
	if (cJSON_IsObject(p->statements)) {
		return statement_applies(p->statements, action, resource, prefix) &&
		       strcmp(json_str(p->statements, "Effect", ""), "Allow") == 0;
	}
	cJSON_ArrayForEach(it, p->statements) {
		if (!statement_applies(it, action, resource, prefix))
			continue;
		if (strcmp(json_str(it, "Effect", ""), "Deny") == 0)
			return false;
		allow = true;
	}
	return allow;
}

void s3d_policy_free(struct s3d_policy *p)
{
	if (!p)
		return;
	cJSON_Delete(p->doc);
	free(p);
}
