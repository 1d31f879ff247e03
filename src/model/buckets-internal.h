/*
 * buckets-internal.h: what model/buckets.c (location, listing, preview)
 * shares with model/buckets_ops.c (transfers, delete, share, policy,
 * commands).  Not a public header.
 */
#ifndef DATALAB_MODEL_BUCKETS_INTERNAL_H
#define DATALAB_MODEL_BUCKETS_INTERNAL_H

#include <cjson/cJSON.h>

#include "datalab/model/buckets.h"
#include "datalab/s3/client.h"

struct buckets {
	struct loop *loop;
	struct s3 *s3;
	struct buckets_hooks hooks;
	void *arg;
	/* location */
	char *bucket, *prefix;
	struct buckets_entry *entries;
	size_t nentries, cap;
	struct s3_call *list_call;
	char *token;			/* for the next page, NULL when none */
	char **tokens_seen;		/* a server repeating one stops the pager */
	size_t ntokens;
	bool more, loading;
	char *error;
	unsigned long generation;
	/* the bucket's policy: public prefixes */
	cJSON *policy;
	struct s3_call *policy_call;
	/* preview */
	char *preview_key;
	struct buf preview;
	bool preview_loading;
	char *preview_error;
	struct s3_call *preview_call;
	/* transfers and other actions */
	struct buckets_transfer **transfers;
	size_t ntransfers;
	unsigned next_id;
	struct action **actions;	/* deletes, policy edits in flight */
	size_t nactions;
	char *command;
};

/* buckets_changed / buckets_say: the hooks, when set. */
void buckets_changed(struct buckets *b);
void buckets_say(struct buckets *b, int level, const char *fmt, ...) DL_PRINTF(3, 4);
/* buckets_set_command: records the aws command of the last action. */
void buckets_set_command(struct buckets *b, struct buf *cmd);
/* buckets_aws: "aws[ --endpoint-url URL] " into out. */
void buckets_aws(const struct buckets *b, struct buf *out);
/* buckets_s3_uri: "s3://bucket/key", shell-quoted, into out. */
void buckets_s3_uri(struct buf *out, const char *bucket, const char *key);
/* buckets_policy_loaded: a fresh policy (owned) for the current bucket;
 * a read still in flight is cancelled (it would answer older news). */
void buckets_policy_loaded(struct buckets *b, cJSON *policy);
/* buckets_ops_free: cancels and frees transfers and actions. */
void buckets_ops_free(struct buckets *b);

#endif
