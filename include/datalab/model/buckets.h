/*
 * buckets.h: the state behind the bucket browser: where the user is, what
 * is listed there, the preview, the transfers, and the actions.
 *
 * Data flow: buckets_open lists one level (ListObjectsV2 with delimiter
 * '/'); the first page is shown as soon as it lands and the view asks for
 * the next ones with buckets_want_more as the user scrolls near the end.
 * Every change (a page, a progress step, an action's end) calls the
 * changed hook; results worth telling (saved, deleted, refused) go to the
 * message hook as sentences.  Remote strings are kept raw here and
 * sanitized by the view where they are drawn.  Each action also records
 * the equivalent aws command (buckets_command), as Onyxia shows one.
 *
 * Async work carries the model's own calls, all cancelled by
 * buckets_free; a reply for a location the user has left is dropped.
 */
#ifndef DATALAB_MODEL_BUCKETS_H
#define DATALAB_MODEL_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"
#include "datalab/net/http.h"
#include "datalab/s3/config.h"

#define BUCKETS_PAGE 1000		/* keys per listing page */
#define BUCKETS_PREVIEW_BYTES 1024
#define BUCKETS_MORE_MARGIN 100		/* fetch the next page this close to the end */

enum buckets_kind { BUCKETS_BUCKET, BUCKETS_PREFIX, BUCKETS_OBJECT };

struct buckets_entry {
	enum buckets_kind kind;
	char *key;		/* bucket name, "a/b/" prefix or object key; raw, NUL-terminated */
	size_t key_len;		/* may exceed strlen(key): a key holding NUL */
	const char *name;	/* inside key: the part below the current prefix */
	size_t name_len;
	int64_t size;		/* -1: not known (prefixes, buckets) */
	time_t mtime;		/* 0: not known */
	bool public;		/* a prefix made public (bucket policy) */
};

enum buckets_direction { BUCKETS_DOWN, BUCKETS_UP };
enum buckets_state { BUCKETS_RUNNING, BUCKETS_DONE, BUCKETS_FAILED, BUCKETS_CANCELLED };

struct buckets_transfer {
	unsigned id;
	enum buckets_direction dir;
	enum buckets_state state;
	char *bucket, *key;
	char *local;		/* the file uploaded, or the file saved (the folder until then) */
	uint64_t done, total;
	double rate;		/* bytes per second, smoothed */
	uint64_t started_ms, updated_ms;
	char *error;
};

struct buckets_hooks {
	void (*changed)(void *arg);
	/* level: 0 info, 1 warning, 2 error */
	void (*message)(void *arg, int level, const char *text);
};

struct buckets;

/* buckets_config_load: the S3 config from the account file's "s3"
 * section (catalog/context's account.json) and env (environ form). */
int buckets_config_load(struct s3_config *cfg, const char *const *env, struct error *err);

/* buckets_new: cfg is copied; hooks may be NULL. */
struct buckets *buckets_new(struct loop *l, struct http *h, const struct s3_config *cfg,
			    const struct buckets_hooks *hooks, void *arg);
void buckets_free(struct buckets *b);

/* ---- where we are and what is there ---- */

/* buckets_open: bucket NULL lists the buckets; prefix NULL or "" is the
 * bucket's top.  Starts the first page. */
void buckets_open(struct buckets *b, const char *bucket, const char *prefix);
/* buckets_up: the parent folder, the bucket list above a bucket's top;
 * returns false when already at the bucket list. */
bool buckets_up(struct buckets *b);
/* buckets_enter: opens a bucket or prefix entry; false for an object. */
bool buckets_enter(struct buckets *b, const struct buckets_entry *e);
void buckets_refresh(struct buckets *b);
/* buckets_want_more: the view shows rows up to last: fetch the next page
 * when that is within BUCKETS_MORE_MARGIN of the end. */
void buckets_want_more(struct buckets *b, size_t last);

const char *buckets_bucket(const struct buckets *b);	/* NULL at the bucket list */
const char *buckets_prefix(const struct buckets *b);	/* "" at a bucket's top */
size_t buckets_count(const struct buckets *b);
const struct buckets_entry *buckets_entry(const struct buckets *b, size_t i);
/* buckets_find: the entry whose key is key (the view keeps ids), or NULL. */
const struct buckets_entry *buckets_find(const struct buckets *b, const char *key);
bool buckets_loading(const struct buckets *b);
bool buckets_more(const struct buckets *b);		/* pages left */
const char *buckets_error(const struct buckets *b);	/* the listing's failure, or NULL */
/* buckets_generation: bumps when the listing changes (rows to rebuild). */
unsigned long buckets_generation(const struct buckets *b);
const struct s3_config *buckets_config(const struct buckets *b);

/* ---- preview ---- */

/* buckets_preview: the first BUCKETS_PREVIEW_BYTES of an object. */
int buckets_preview(struct buckets *b, const struct buckets_entry *e, struct error *err);
void buckets_preview_close(struct buckets *b);
/* buckets_preview_state: the key previewed (NULL: none), its bytes so
 * far (raw), whether they are still coming, and a failure. */
const char *buckets_preview_state(const struct buckets *b, const char **data, size_t *len, bool *loading,
				  const char **error);

/* ---- transfers ---- */

/* buckets_default_dir: ~/Downloads when it exists, else the current
 * folder (xmalloc'd). */
char *buckets_default_dir(void);
/* buckets_download: the object into dir; a name taken there is replaced
 * only with overwrite, else saved as "name (1).ext".  Returns the
 * transfer id (> 0), or 0 with err. */
unsigned buckets_download(struct buckets *b, const struct buckets_entry *e, const char *dir, bool overwrite,
			  struct error *err);
/* buckets_upload: a local file into the current folder, named as it is. */
unsigned buckets_upload(struct buckets *b, const char *path, struct error *err);
void buckets_cancel(struct buckets *b, unsigned id);
/* buckets_forget_done: drops the finished transfers from the list. */
void buckets_forget_done(struct buckets *b);
size_t buckets_transfer_count(const struct buckets *b);
const struct buckets_transfer *buckets_transfer(const struct buckets *b, size_t i);
int buckets_running(const struct buckets *b);

/* ---- other actions ---- */

/* buckets_delete: an object, or a prefix and everything under it. */
int buckets_delete(struct buckets *b, const struct buckets_entry *e, struct error *err);
/* buckets_share: a link to an object valid for expires seconds (an
 * unsigned URL when the object lies in a public prefix), into url. */
int buckets_share(struct buckets *b, const struct buckets_entry *e, long expires, struct buf *url,
		  struct error *err);
/* buckets_set_public: edits the bucket policy for a prefix (read,
 * change, write back; an emptied policy is deleted). */
int buckets_set_public(struct buckets *b, const struct buckets_entry *e, bool public, struct error *err);

/* buckets_command: the aws command equivalent to the last action. */
const char *buckets_command(const struct buckets *b);
/* buckets_parse_duration: "90", "30m", "12h", "7d" as seconds; -1 if not. */
long buckets_parse_duration(const char *s);

#endif
