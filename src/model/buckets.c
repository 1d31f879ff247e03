/*
 * buckets.c: location, paged listing and preview of the bucket browser
 * (see buckets.h); transfers and actions are in buckets_ops.c.
 *
 * Data flow: buckets_open cancels what was in flight for the old place,
 * empties the entries and asks for the first page (and, on entering a
 * bucket, its policy, to mark public prefixes).  Each page appends its
 * common prefixes and objects (the folder's own marker object skipped)
 * and keeps the continuation token; buckets_want_more asks for the next
 * page only when the view nears the end.  A server that sends no token
 * with IsTruncated, or a token already used, stops the pager with a
 * warning instead of looping.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalab/catalog/context.h"
#include "datalab/core/json.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/s3/policy.h"
#include "buckets-internal.h"

int buckets_config_load(struct s3_config *cfg, const char *const *env, struct error *err)
{
	char *path = context_account_path(err);
	cJSON *acc = path ? context_account_load(path, err) : NULL;
	int rc = -1;

	s3_config_init(cfg);
	if (acc && s3_config_apply_json(cfg, cJSON_GetObjectItemCaseSensitive(acc, "s3"), err) == 0 &&
	    s3_config_apply_env(cfg, env, err) == 0 && s3_config_finish(cfg, err) == 0)
		rc = 0;
	cJSON_Delete(acc);
	free(path);
	return rc;
}

void buckets_changed(struct buckets *b)
{
	if (b->hooks.changed)
		b->hooks.changed(b->arg);
}

void buckets_say(struct buckets *b, int level, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	log_info("buckets: %s", s);
	if (b->hooks.message)
		b->hooks.message(b->arg, level, s);
	free(s);
}

struct buckets *buckets_new(struct loop *l, struct http *h, const struct s3_config *cfg,
			    const struct buckets_hooks *hooks, void *arg)
{
	struct buckets *b = xcalloc(1, sizeof(*b));

	b->loop = l;
	b->s3 = s3_new(l, h, cfg);
	if (hooks)
		b->hooks = *hooks;
	b->arg = arg;
	b->prefix = xstrdup("");
	buf_init(&b->preview, BUCKETS_PREVIEW_BYTES * 4);
	return b;
}

static void clear_entries(struct buckets *b)
{
	for (size_t i = 0; i < b->nentries; i++)
		free(b->entries[i].key);
	b->nentries = 0;
}

static void clear_tokens(struct buckets *b)
{
	for (size_t i = 0; i < b->ntokens; i++)
		free(b->tokens_seen[i]);
	free(b->tokens_seen);
	b->tokens_seen = NULL;
	b->ntokens = 0;
	free(b->token);
	b->token = NULL;
}

void buckets_free(struct buckets *b)
{
	if (!b)
		return;
	s3_cancel(b->list_call);
	s3_cancel(b->policy_call);
	s3_cancel(b->preview_call);
	buckets_ops_free(b);
	s3_free(b->s3);
	clear_entries(b);
	free(b->entries);
	clear_tokens(b);
	cJSON_Delete(b->policy);
	free(b->bucket);
	free(b->prefix);
	free(b->error);
	free(b->preview_key);
	free(b->preview_error);
	buf_release(&b->preview);
	free(b->command);
	free(b);
}

/* ---- reading ---- */

const char *buckets_bucket(const struct buckets *b)
{
	return b->bucket;
}

const char *buckets_prefix(const struct buckets *b)
{
	return b->prefix;
}

size_t buckets_count(const struct buckets *b)
{
	return b->nentries;
}

const struct buckets_entry *buckets_entry(const struct buckets *b, size_t i)
{
	return i < b->nentries ? &b->entries[i] : NULL;
}

const struct buckets_entry *buckets_find(const struct buckets *b, const char *key)
{
	for (size_t i = 0; key && i < b->nentries; i++)
		if (!strcmp(b->entries[i].key, key))
			return &b->entries[i];
	return NULL;
}

bool buckets_loading(const struct buckets *b)
{
	return b->loading;
}

bool buckets_more(const struct buckets *b)
{
	return b->more;
}

const char *buckets_error(const struct buckets *b)
{
	return b->error;
}

unsigned long buckets_generation(const struct buckets *b)
{
	return b->generation;
}

const struct s3_config *buckets_config(const struct buckets *b)
{
	return s3_get_config(b->s3);
}

const char *buckets_command(const struct buckets *b)
{
	return b->command ? b->command : "";
}

/* ---- commands ---- */

void buckets_aws(const struct buckets *b, struct buf *out)
{
	buf_adds(out, "aws");
	s3_config_endpoint_arg(buckets_config(b), out);
	buf_addc(out, ' ');
}

void buckets_s3_uri(struct buf *out, const char *bucket, const char *key)
{
	char *uri = xasprintf("s3://%s%s%s", bucket ? bucket : "", bucket ? "/" : "", key ? key : "");

	str_shell_quote(out, uri);
	free(uri);
}

void buckets_set_command(struct buckets *b, struct buf *cmd)
{
	free(b->command);
	b->command = buf_take(cmd, NULL);
}

static void list_command(struct buckets *b)
{
	struct buf cmd = BUF_INIT;

	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3 ls");
	if (b->bucket) {
		buf_addc(&cmd, ' ');
		buckets_s3_uri(&cmd, b->bucket, b->prefix);
	}
	buckets_set_command(b, &cmd);
}

/* ---- listing ---- */

static struct buckets_entry *add_entry(struct buckets *b, enum buckets_kind kind, const char *key, size_t len)
{
	struct buckets_entry *e;
	size_t plen = strlen(b->prefix);

	if (b->nentries == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->entries = xreallocarray(b->entries, b->cap, sizeof(*b->entries));
	}
	e = &b->entries[b->nentries++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->key = xmemdup(key, len);
	e->key_len = len;
	if (kind != BUCKETS_BUCKET && len >= plen && !memcmp(key, b->prefix, plen)) {
		e->name = e->key + plen;
		e->name_len = len - plen;
	} else {
		e->name = e->key;
		e->name_len = len;
	}
	e->size = -1;
	if (kind == BUCKETS_PREFIX && b->policy)
		e->public = s3_policy_is_public(b->policy, b->bucket, e->key);
	return e;
}

static bool token_seen(struct buckets *b, const char *token)
{
	for (size_t i = 0; i < b->ntokens; i++)
		if (!strcmp(b->tokens_seen[i], token))
			return true;
	b->tokens_seen = xreallocarray(b->tokens_seen, b->ntokens + 1, sizeof(*b->tokens_seen));
	b->tokens_seen[b->ntokens++] = xstrdup(token);
	return false;
}

static void take_page(struct buckets *b, const struct s3_doc *d)
{
	const struct s3_listing *l = &d->listing;

	if (d->kind == S3_DOC_BUCKETS) {
		for (size_t i = 0; i < d->nbuckets; i++) {
			struct buckets_entry *e;

			if (!d->buckets[i].name)
				continue;
			e = add_entry(b, BUCKETS_BUCKET, d->buckets[i].name, strlen(d->buckets[i].name));
			e->mtime = d->buckets[i].created;
		}
		b->more = false;
		return;
	}
	for (size_t i = 0; i < l->nprefixes; i++)
		if (l->prefixes[i].prefix && l->prefixes[i].len)
			add_entry(b, BUCKETS_PREFIX, l->prefixes[i].prefix, l->prefixes[i].len);
	for (size_t i = 0; i < l->nobjects; i++) {
		const struct s3_object *o = &l->objects[i];
		struct buckets_entry *e;

		if (!o->key || (o->key_len == strlen(b->prefix) && !memcmp(o->key, b->prefix, o->key_len)))
			continue;	/* the folder's own marker ("zzz/" inside zzz/) */
		e = add_entry(b, BUCKETS_OBJECT, o->key, o->key_len);
		e->size = o->size;
		e->mtime = o->mtime;
	}
	free(b->token);
	b->token = NULL;
	b->more = false;
	if (!l->truncated)
		return;
	if (!l->next_token || !*l->next_token) {
		buckets_say(b, 1, "S3 says the listing of '%.100s/%.100s' goes on but gave no continuation token",
			    b->bucket, b->prefix);
	} else if (token_seen(b, l->next_token)) {
		buckets_say(b, 1, "S3 sent the same continuation token twice for '%.100s/%.100s': listing stopped",
			    b->bucket, b->prefix);
	} else {
		b->token = xstrdup(l->next_token);
		b->more = true;
	}
}

static void start_page(struct buckets *b);

static void on_page(struct s3_call *c, const struct error *err, void *arg)
{
	struct buckets *b = arg;

	b->list_call = NULL;
	b->loading = false;
	if (err->code) {
		free(b->error);
		b->error = xstrdup(err->msg);
		b->more = false;
	} else {
		take_page(b, s3_call_doc(c));
	}
	b->generation++;
	buckets_changed(b);
}

static void start_page(struct buckets *b)
{
	struct error err;

	if (b->bucket) {
		struct s3_list_opts o = { .bucket = b->bucket, .prefix = b->prefix, .delimiter = "/",
					  .token = b->token, .max_keys = BUCKETS_PAGE };

		b->list_call = s3_list_objects(b->s3, &o, on_page, b, &err);
	} else {
		b->list_call = s3_list_buckets(b->s3, on_page, b, &err);
	}
	if (!b->list_call) {
		free(b->error);
		b->error = xstrdup(err.msg);
		b->more = false;
		return;
	}
	b->loading = true;
}

void buckets_policy_loaded(struct buckets *b, cJSON *policy)
{
	/* a policy read still on its way is older than this one */
	s3_cancel(b->policy_call);
	b->policy_call = NULL;
	cJSON_Delete(b->policy);
	b->policy = policy;
	for (size_t i = 0; i < b->nentries; i++)
		if (b->entries[i].kind == BUCKETS_PREFIX)
			b->entries[i].public = policy && s3_policy_is_public(policy, b->bucket, b->entries[i].key);
	b->generation++;
	buckets_changed(b);
}

static void on_policy(struct s3_call *c, const struct error *err, void *arg)
{
	struct buckets *b = arg;
	const struct buf *body = s3_call_body(c);
	struct error perr;
	cJSON *p = NULL;

	b->policy_call = NULL;
	if (!err->code)
		p = s3_policy_parse(body->data, body->len, &perr);
	else if (str_eq(s3_call_code(c), "NoSuchBucketPolicy"))
		p = s3_policy_parse(NULL, 0, &perr);
	/* anything else (denied, not supported): public marks unknown */
	buckets_policy_loaded(b, p);
}

/* open_at: the place (bucket and prefix may point into b's own strings);
 * command: show the listing's aws command (not on a refresh). */
static void open_at(struct buckets *b, const char *bucket, const char *prefix, bool command)
{
	bool new_bucket = !str_eq(bucket, b->bucket);
	char *nb = bucket ? xstrdup(bucket) : NULL, *np = xstrdup(bucket && prefix ? prefix : "");
	struct error err;

	s3_cancel(b->list_call);
	b->list_call = NULL;
	clear_entries(b);
	clear_tokens(b);
	free(b->error);
	b->error = NULL;
	if (new_bucket) {
		s3_cancel(b->policy_call);
		b->policy_call = NULL;
		cJSON_Delete(b->policy);
		b->policy = NULL;
	}
	free(b->bucket);
	b->bucket = nb;
	free(b->prefix);
	b->prefix = np;
	b->more = false;
	start_page(b);
	if (new_bucket && b->bucket) {
		b->policy_call = s3_get_policy(b->s3, b->bucket, on_policy, b, &err);
		if (!b->policy_call)
			log_warn("buckets: no policy for '%s': %s", b->bucket, err.msg);
	}
	if (command)
		list_command(b);
	b->generation++;
	buckets_changed(b);
}

void buckets_open(struct buckets *b, const char *bucket, const char *prefix)
{
	open_at(b, bucket, prefix, true);
}

bool buckets_up(struct buckets *b)
{
	size_t n = strlen(b->prefix);
	char *parent;

	if (!b->bucket)
		return false;
	if (n == 0) {
		buckets_open(b, NULL, NULL);
		return true;
	}
	/* "a/b/" -> "a/" */
	n--;
	while (n > 0 && b->prefix[n - 1] != '/')
		n--;
	parent = xstrndup(b->prefix, n);
	buckets_open(b, b->bucket, parent);
	free(parent);
	return true;
}

bool buckets_enter(struct buckets *b, const struct buckets_entry *e)
{
	char *key;

	if (!e || e->kind == BUCKETS_OBJECT)
		return false;
	key = xstrdup(e->key);	/* e goes with the old entries */
	if (e->kind == BUCKETS_BUCKET)
		buckets_open(b, key, NULL);
	else
		buckets_open(b, b->bucket, key);
	free(key);
	return true;
}

void buckets_refresh(struct buckets *b)
{
	open_at(b, b->bucket, b->prefix, false);
}

void buckets_want_more(struct buckets *b, size_t last)
{
	if (b->more && !b->loading && last + BUCKETS_MORE_MARGIN >= b->nentries) {
		start_page(b);
		buckets_changed(b);
	}
}

/* ---- preview ---- */

static void on_preview(struct s3_call *c, const struct error *err, void *arg)
{
	struct buckets *b = arg;
	const struct buf *body = s3_call_body(c);

	b->preview_call = NULL;
	b->preview_loading = false;
	if (err->code)
		b->preview_error = xstrdup(err->msg);
	else
		buf_add(&b->preview, body->data, DL_MIN(body->len, (size_t)BUCKETS_PREVIEW_BYTES));
	buckets_changed(b);
}

int buckets_preview(struct buckets *b, const struct buckets_entry *e, struct error *err)
{
	struct buf cmd = BUF_INIT;

	if (!e || e->kind != BUCKETS_OBJECT)
		return error_set(err, ERR_INVALID, "only objects have a preview");
	if (strlen(e->key) != e->key_len)
		return error_set(err, ERR_INVALID, "this object's name holds a NUL byte: S3 cannot be asked for it");
	buckets_preview_close(b);
	b->preview_key = xstrdup(e->key);
	if (e->size == 0) {
		buckets_changed(b);
		return 0;
	}
	b->preview_call = s3_get_range(b->s3, b->bucket, e->key, 0, BUCKETS_PREVIEW_BYTES - 1, on_preview, b, err);
	if (!b->preview_call) {
		buckets_preview_close(b);
		return -1;
	}
	b->preview_loading = true;
	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3api get-object --bucket ");
	str_shell_quote(&cmd, b->bucket);
	buf_adds(&cmd, " --key ");
	str_shell_quote(&cmd, e->key);
	buf_addf(&cmd, " --range bytes=0-%d /dev/stdout", BUCKETS_PREVIEW_BYTES - 1);
	buckets_set_command(b, &cmd);
	buckets_changed(b);
	return 0;
}

void buckets_preview_close(struct buckets *b)
{
	s3_cancel(b->preview_call);
	b->preview_call = NULL;
	b->preview_loading = false;
	free(b->preview_key);
	b->preview_key = NULL;
	free(b->preview_error);
	b->preview_error = NULL;
	buf_reset(&b->preview);
}

const char *buckets_preview_state(const struct buckets *b, const char **data, size_t *len, bool *loading,
				  const char **error)
{
	if (data)
		*data = b->preview.data;
	if (len)
		*len = b->preview.len;
	if (loading)
		*loading = b->preview_loading;
	if (error)
		*error = b->preview_error;
	return b->preview_key;
}

long buckets_parse_duration(const char *s)
{
	char *end;
	long v, mult = 1;

	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	switch (*end) {
	case 's': mult = 1; end++; break;
	case 'm': mult = 60; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = 86400; end++; break;
	default: break;
	}
	while (*end == ' ')
		end++;
	if (*end || v <= 0 || v > 604800 / mult)
		return -1;
	return v * mult;
}
