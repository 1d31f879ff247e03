/*
 * buckets_ops.c: what the bucket browser does to objects: transfers with
 * progress, rate and ETA inputs, deletes, shared links, public prefixes,
 * each with its aws command (see buckets.h).
 *
 * Data flow: an action starts an s3 call whose callbacks update a
 * transfer (or an action record), call the changed hook, and on the end
 * send one sentence to the message hook; an upload or delete that touched
 * the folder on screen refreshes its listing.  Transfers stay listed once
 * done, with their outcome, until buckets_forget_done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/s3/download.h"
#include "datalab/s3/policy.h"
#include "buckets-internal.h"

#define RATE_WINDOW_MS 250

struct xfer {
	struct buckets_transfer t;	/* first: the public view of it */
	struct buckets *b;
	struct s3_call *call;
	uint64_t rate_done, rate_ms;
};

enum action_kind { ACTION_DELETE, ACTION_POLICY_GET, ACTION_POLICY_PUT };

struct action {
	struct buckets *b;
	enum action_kind kind;
	struct s3_call *call;
	char *bucket, *key;	/* key: the object or the prefix */
	bool prefix, public;
	cJSON *policy;		/* the edited policy being written */
};

/* ---- transfers ---- */

static struct xfer *xfer_new(struct buckets *b, enum buckets_direction dir, const char *bucket, const char *key,
			     const char *local)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->b = b;
	x->t.id = ++b->next_id;
	x->t.dir = dir;
	x->t.state = BUCKETS_RUNNING;
	x->t.bucket = xstrdup(bucket);
	x->t.key = xstrdup(key);
	x->t.local = xstrdup(local);
	x->t.started_ms = x->t.updated_ms = x->rate_ms = time_mono_ms();
	b->transfers = xreallocarray(b->transfers, b->ntransfers + 1, sizeof(*b->transfers));
	b->transfers[b->ntransfers++] = &x->t;
	return x;
}

static void xfer_free(struct buckets_transfer *t)
{
	free(t->bucket);
	free(t->key);
	free(t->local);
	free(t->error);
	free(t);
}

static void on_xfer_progress(struct s3_call *c, uint64_t done, uint64_t total, void *arg)
{
	struct xfer *x = arg;
	uint64_t now = time_mono_ms();

	(void)c;
	x->t.done = done;
	if (total)
		x->t.total = total;
	if (now - x->rate_ms >= RATE_WINDOW_MS && done >= x->rate_done) {
		double inst = (double)(done - x->rate_done) * 1000.0 / (double)(now - x->rate_ms);

		x->t.rate = x->t.rate > 0 ? 0.7 * x->t.rate + 0.3 * inst : inst;
		x->rate_done = done;
		x->rate_ms = now;
	}
	x->t.updated_ms = now;
	buckets_changed(x->b);
}

static void on_xfer_done(struct s3_call *c, const struct error *err, void *arg)
{
	struct xfer *x = arg;
	struct buckets *b = x->b;
	uint64_t ms = time_mono_ms() - x->t.started_ms;

	x->call = NULL;
	x->t.updated_ms = time_mono_ms();
	if (err->code) {
		x->t.state = BUCKETS_FAILED;
		x->t.error = xstrdup(err->msg);
		buckets_say(b, 2, "%s", err->msg);
	} else {
		x->t.state = BUCKETS_DONE;
		x->t.done = x->t.total = DL_MAX(x->t.done, x->t.total);
		if (ms > 0)
			x->t.rate = (double)x->t.total * 1000.0 / (double)ms;
		if (x->t.dir == BUCKETS_DOWN) {
			free(x->t.local);
			x->t.local = xstrdup(s3_call_path(c));
			buckets_say(b, 0, "saved '%.100s' as '%.150s'", x->t.key, x->t.local);
		} else {
			buckets_say(b, 0, "uploaded '%.100s' to s3://%.60s/%.100s", x->t.local, x->t.bucket, x->t.key);
			if (str_eq(b->bucket, x->t.bucket))
				buckets_refresh(b);
		}
	}
	buckets_changed(b);
}

char *buckets_default_dir(void)
{
	const char *home = getenv("HOME");
	char cwd[4096];
	struct stat st;

	if (home && *home) {
		char *d = xasprintf("%s/Downloads", home);

		if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
			return d;
		free(d);
	}
	return xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
}

unsigned buckets_download(struct buckets *b, const struct buckets_entry *e, const char *dir, bool overwrite,
			  struct error *err)
{
	struct s3_get_opts o = { .bucket = b->bucket, .dir = dir, .overwrite = overwrite };
	struct buf name = BUF_INIT, cmd = BUF_INIT;
	struct xfer *x;
	char *local;

	if (!e || e->kind != BUCKETS_OBJECT)
		return error_set(err, ERR_INVALID, "pick an object to download (folders go one by one)"), 0;
	if (strlen(e->key) != e->key_len)
		return error_set(err, ERR_INVALID, "this object's name holds a NUL byte: S3 cannot be asked for it"), 0;
	s3_download_name(e->key, e->key_len, &name);
	local = xasprintf("%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/", name.data);
	x = xfer_new(b, BUCKETS_DOWN, b->bucket, e->key, local);
	o.key = e->key;
	o.name = name.data;
	x->t.total = e->size > 0 ? (uint64_t)e->size : 0;
	x->call = s3_get_object(b->s3, &o, on_xfer_progress, on_xfer_done, x, err);
	if (!x->call) {
		b->ntransfers--;
		xfer_free(&x->t);
		buf_release(&name);
		free(local);
		return 0;
	}
	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3 cp ");
	buckets_s3_uri(&cmd, b->bucket, e->key);
	buf_addc(&cmd, ' ');
	str_shell_quote(&cmd, local);
	buckets_set_command(b, &cmd);
	buf_release(&name);
	free(local);
	buckets_changed(b);
	return x->t.id;
}

unsigned buckets_upload(struct buckets *b, const char *path, struct error *err)
{
	const char *base = strrchr(path, '/');
	struct s3_put_opts o = { .bucket = b->bucket, .path = path };
	struct buf cmd = BUF_INIT;
	struct stat st;
	struct xfer *x;
	char *key;

	if (!b->bucket)
		return error_set(err, ERR_INVALID, "open a bucket first: files go into a bucket"), 0;
	base = base ? base + 1 : path;
	if (!*base)
		return error_set(err, ERR_INVALID, "'%.200s' names a folder, not a file", path), 0;
	if (stat(path, &st) != 0)
		return error_sys(err, "unable to read '%.200s'", path), 0;
	key = xasprintf("%s%s", b->prefix, base);
	x = xfer_new(b, BUCKETS_UP, b->bucket, key, path);
	x->t.total = (uint64_t)st.st_size;
	o.key = key;
	x->call = s3_put_object(b->s3, &o, on_xfer_progress, on_xfer_done, x, err);
	if (!x->call) {
		b->ntransfers--;
		xfer_free(&x->t);
		free(key);
		return 0;
	}
	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3 cp ");
	str_shell_quote(&cmd, path);
	buf_addc(&cmd, ' ');
	buckets_s3_uri(&cmd, b->bucket, key);
	buckets_set_command(b, &cmd);
	free(key);
	buckets_changed(b);
	return x->t.id;
}

void buckets_cancel(struct buckets *b, unsigned id)
{
	for (size_t i = 0; i < b->ntransfers; i++) {
		struct xfer *x = (struct xfer *)b->transfers[i];

		if (x->t.id != id || x->t.state != BUCKETS_RUNNING)
			continue;
		s3_cancel(x->call);
		x->call = NULL;
		x->t.state = BUCKETS_CANCELLED;
		buckets_say(b, 1, "cancelled the %s of '%.150s'", x->t.dir == BUCKETS_DOWN ? "download" : "upload",
			    x->t.key);
		buckets_changed(b);
	}
}

void buckets_forget_done(struct buckets *b)
{
	size_t k = 0;

	for (size_t i = 0; i < b->ntransfers; i++) {
		if (b->transfers[i]->state == BUCKETS_RUNNING)
			b->transfers[k++] = b->transfers[i];
		else
			xfer_free(b->transfers[i]);
	}
	b->ntransfers = k;
	buckets_changed(b);
}

size_t buckets_transfer_count(const struct buckets *b)
{
	return b->ntransfers;
}

const struct buckets_transfer *buckets_transfer(const struct buckets *b, size_t i)
{
	return i < b->ntransfers ? b->transfers[i] : NULL;
}

int buckets_running(const struct buckets *b)
{
	int n = 0;

	for (size_t i = 0; i < b->ntransfers; i++)
		n += b->transfers[i]->state == BUCKETS_RUNNING;
	return n;
}

/* ---- actions ---- */

static struct action *action_new(struct buckets *b, enum action_kind kind, const char *bucket, const char *key)
{
	struct action *a = xcalloc(1, sizeof(*a));

	a->b = b;
	a->kind = kind;
	a->bucket = xstrdup(bucket);
	a->key = xstrdup(key ? key : "");
	b->actions = xreallocarray(b->actions, b->nactions + 1, sizeof(*b->actions));
	b->actions[b->nactions++] = a;
	return a;
}

static void action_free(struct action *a)
{
	struct buckets *b = a->b;

	for (size_t i = 0; i < b->nactions; i++) {
		if (b->actions[i] == a) {
			b->actions[i] = b->actions[--b->nactions];
			break;
		}
	}
	cJSON_Delete(a->policy);
	free(a->bucket);
	free(a->key);
	free(a);
}

void buckets_ops_free(struct buckets *b)
{
	for (size_t i = 0; i < b->ntransfers; i++) {
		struct xfer *x = (struct xfer *)b->transfers[i];

		s3_cancel(x->call);
		xfer_free(&x->t);
	}
	free(b->transfers);
	b->transfers = NULL;
	b->ntransfers = 0;
	while (b->nactions) {
		s3_cancel(b->actions[0]->call);
		action_free(b->actions[0]);
	}
	free(b->actions);
	b->actions = NULL;
}

static void on_deleted(struct s3_call *c, const struct error *err, void *arg)
{
	struct action *a = arg;
	struct buckets *b = a->b;
	uint64_t failed, n = s3_call_count(c, &failed);

	a->call = NULL;
	if (err->code && !a->prefix)
		buckets_say(b, 2, "%s", err->msg);
	else if (err->code)
		buckets_say(b, 2, "deleted %llu objects under s3://%.60s/%.100s, %llu refused: %s",
			    (unsigned long long)n, a->bucket, a->key, (unsigned long long)failed, err->msg);
	else if (a->prefix)
		buckets_say(b, 0, "deleted s3://%.60s/%.100s (%llu objects)", a->bucket, a->key, (unsigned long long)n);
	else
		buckets_say(b, 0, "deleted s3://%.60s/%.150s", a->bucket, a->key);
	if (str_eq(b->bucket, a->bucket))
		buckets_refresh(b);
	action_free(a);
}

int buckets_delete(struct buckets *b, const struct buckets_entry *e, struct error *err)
{
	struct buf cmd = BUF_INIT;
	struct action *a;

	if (!e || e->kind == BUCKETS_BUCKET || !b->bucket)
		return error_set(err, ERR_INVALID, "pick an object or a folder to delete");
	if (strlen(e->key) != e->key_len)
		return error_set(err, ERR_INVALID, "this object's name holds a NUL byte: S3 cannot be asked for it");
	a = action_new(b, ACTION_DELETE, b->bucket, e->key);
	a->prefix = e->kind == BUCKETS_PREFIX;
	a->call = a->prefix ? s3_delete_prefix(b->s3, b->bucket, e->key, NULL, on_deleted, a, err)
			    : s3_delete_object(b->s3, b->bucket, e->key, on_deleted, a, err);
	if (!a->call) {
		action_free(a);
		return -1;
	}
	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3 rm ");
	buckets_s3_uri(&cmd, b->bucket, e->key);
	if (a->prefix)
		buf_adds(&cmd, " --recursive");
	buckets_set_command(b, &cmd);
	return 0;
}

int buckets_share(struct buckets *b, const struct buckets_entry *e, long expires, struct buf *url, struct error *err)
{
	struct buf cmd = BUF_INIT;
	char *pub;

	if (!e || e->kind != BUCKETS_OBJECT)
		return error_set(err, ERR_INVALID, "pick an object to share");
	if (strlen(e->key) != e->key_len)
		return error_set(err, ERR_INVALID, "this object's name holds a NUL byte: S3 cannot be asked for it");
	pub = b->policy ? s3_policy_public_prefix(b->policy, b->bucket, e->key) : NULL;
	if (pub) {
		/* inside a public prefix: the plain URL works for anyone */
		s3_object_url(b->s3, b->bucket, e->key, url);
		free(pub);
		buf_adds(&cmd, "curl -O ");
		str_shell_quote(&cmd, url->data);
		buckets_set_command(b, &cmd);
		return 0;
	}
	if (s3_presign_get(b->s3, b->bucket, e->key, expires, (int64_t)time(NULL), url, err) < 0)
		return -1;
	buckets_aws(b, &cmd);
	buf_adds(&cmd, "s3 presign ");
	buckets_s3_uri(&cmd, b->bucket, e->key);
	buf_addf(&cmd, " --expires-in %ld", expires);
	buckets_set_command(b, &cmd);
	return 0;
}

static void policy_command(struct buckets *b, const char *bucket, const cJSON *policy)
{
	struct buf cmd = BUF_INIT, json = BUF_INIT;

	buckets_aws(b, &cmd);
	if (s3_policy_empty(policy)) {
		buf_adds(&cmd, "s3api delete-bucket-policy --bucket ");
		str_shell_quote(&cmd, bucket);
	} else {
		s3_policy_print(policy, &json);
		buf_adds(&cmd, "s3api put-bucket-policy --bucket ");
		str_shell_quote(&cmd, bucket);
		buf_adds(&cmd, " --policy ");
		str_shell_quote(&cmd, json.data);
	}
	buckets_set_command(b, &cmd);
	buf_release(&json);
}

static void on_policy_put(struct s3_call *c, const struct error *err, void *arg)
{
	struct action *a = arg;
	struct buckets *b = a->b;

	(void)c;
	a->call = NULL;
	if (err->code) {
		buckets_say(b, 2, "%s", err->msg);
	} else {
		buckets_say(b, 0, a->public ? "s3://%.60s/%.100s is public: anyone can list and read it"
					    : "s3://%.60s/%.100s is private again", a->bucket, a->key);
		if (str_eq(b->bucket, a->bucket)) {
			buckets_policy_loaded(b, a->policy);
			a->policy = NULL;
		}
	}
	action_free(a);
}

static void on_policy_got(struct s3_call *c, const struct error *err, void *arg)
{
	struct action *a = arg;
	struct buckets *b = a->b;
	const struct buf *body = s3_call_body(c);
	struct buf json = BUF_INIT;
	struct error e2;

	a->call = NULL;
	if (err->code && !str_eq(s3_call_code(c), "NoSuchBucketPolicy")) {
		buckets_say(b, 2, "%s", err->msg);
		action_free(a);
		return;
	}
	a->policy = s3_policy_parse(err->code ? NULL : body->data, err->code ? 0 : body->len, &e2);
	if (!a->policy) {
		buckets_say(b, 2, "the policy of bucket '%.100s' cannot be read: %s", a->bucket, e2.msg);
		action_free(a);
		return;
	}
	s3_policy_set_public(a->policy, a->bucket, a->key, a->public);
	a->kind = ACTION_POLICY_PUT;
	policy_command(b, a->bucket, a->policy);
	if (s3_policy_empty(a->policy)) {
		a->call = s3_delete_policy(b->s3, a->bucket, on_policy_put, a, &e2);
	} else {
		s3_policy_print(a->policy, &json);
		a->call = s3_put_policy(b->s3, a->bucket, json.data, on_policy_put, a, &e2);
	}
	buf_release(&json);
	if (!a->call) {
		buckets_say(b, 2, "%s", e2.msg);
		action_free(a);
	}
	buckets_changed(b);
}

int buckets_set_public(struct buckets *b, const struct buckets_entry *e, bool public, struct error *err)
{
	struct action *a;

	if (!e || e->kind != BUCKETS_PREFIX || !b->bucket)
		return error_set(err, ERR_INVALID, "pick a folder to make public or private");
	a = action_new(b, ACTION_POLICY_GET, b->bucket, e->key);
	a->public = public;
	/* read it fresh: someone (Onyxia, mc) may have changed it */
	a->call = s3_get_policy(b->s3, b->bucket, on_policy_got, a, err);
	if (!a->call) {
		action_free(a);
		return -1;
	}
	return 0;
}
