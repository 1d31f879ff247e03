/*
 * s3d_policy.h: bucket policies, parsed and evaluated for anonymous
 * requests (how Onyxia and `mc anonymous set download` make a prefix
 * public; PROTOCOLS 7.2).
 *
 * Understood: Effect Allow/Deny; Principal "*", {"AWS":"*"} or
 * {"AWS":["*"]} (other principals never match an anonymous caller);
 * Action and Resource as a string or a list, with * and ? wildcards
 * (actions compare without case); Condition with StringEquals,
 * StringNotEquals, StringLike, StringNotLike on "s3:prefix".  A statement
 * using NotAction, NotResource, NotPrincipal or another condition never
 * applies.  A Deny that applies wins over any Allow; nothing applying
 * means no.
 */
#ifndef DATALAB_SANDBOX_S3D_POLICY_H
#define DATALAB_SANDBOX_S3D_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "datalab/core/error.h"

#define S3D_POLICY_MAX (20u << 10)	/* S3's limit: 20 KiB */

struct s3d_policy;

/* s3d_policy_parse: checks the document as S3 does on PUT: JSON object,
 * a Statement (object or list) whose entries have an Effect, an Action and
 * a Resource naming this bucket ("arn:aws:s3:::bucket[/...]").  On error,
 * err holds the message of a MalformedPolicy reply. */
struct s3d_policy *s3d_policy_parse(const char *text, size_t n, const char *bucket, struct error *err);
/* s3d_policy_allows: may an anonymous caller do action ("s3:GetObject")
 * on resource ("arn:aws:s3:::b/key")?  prefix is the request's s3:prefix
 * (ListBucket's prefix parameter), NULL when the request has none. */
bool s3d_policy_allows(const struct s3d_policy *p, const char *action, const char *resource, const char *prefix);
void s3d_policy_free(struct s3d_policy *p);

/* s3d_policy_match: the glob used for actions and resources: '*' any
 * run, '?' one byte; fold compares ASCII without case. */
bool s3d_policy_match(const char *pattern, const char *s, bool fold);

#endif
