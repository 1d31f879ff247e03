/*
 * policy.h: making a prefix public or private the way Onyxia does.
 *
 * Onyxia keeps two managed statements in a bucket policy: Sid
 * "OnyxiaMakePrefixPublicGetObject" (anonymous s3:GetObject on
 * arn:aws:s3:::b/<prefix>* for each public prefix) and
 * "OnyxiaMakePrefixPublicListBucket" (anonymous s3:ListBucket on
 * arn:aws:s3:::b with Condition StringLike s3:prefix <prefix>*).  A prefix
 * is public when both name it.  Editing drops the managed statements,
 * keeps every other statement as it was, and appends the rebuilt pair, so
 * the console and Onyxia read each other's work.  Pure: cJSON in and out.
 */
#ifndef DATALAB_S3_POLICY_H
#define DATALAB_S3_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"

#define S3_POLICY_SID_GET "OnyxiaMakePrefixPublicGetObject"
#define S3_POLICY_SID_LIST "OnyxiaMakePrefixPublicListBucket"

/* s3_policy_parse: a policy document (NULL or empty text: an empty
 * policy with Version 2012-10-17).  -1 when it is not a JSON object. */
cJSON *s3_policy_parse(const char *json, size_t n, struct error *err);
/* s3_policy_set_public: makes prefix ("data/", with its delimiter)
 * public or private in policy. */
void s3_policy_set_public(cJSON *policy, const char *bucket, const char *prefix, bool public);
/* s3_policy_is_public: prefix was made public (exactly this prefix). */
bool s3_policy_is_public(const cJSON *policy, const char *bucket, const char *prefix);
/* s3_policy_public_prefix: the longest public prefix key lies under
 * (xmalloc'd), or NULL. */
char *s3_policy_public_prefix(const cJSON *policy, const char *bucket, const char *key);
/* s3_policy_empty: no statement left: delete the policy rather than put it. */
bool s3_policy_empty(const cJSON *policy);
/* s3_policy_print: compact JSON, as sent. */
int s3_policy_print(const cJSON *policy, struct buf *out);

#endif
