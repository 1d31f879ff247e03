/*
 * buckets.c: the bucket browser view (see buckets.h); the panes are drawn
 * in buckets_draw.c.
 *
 * Data flow: the model (model/buckets) lists and transfers; its changed
 * hook marks this view dirty, its message hook becomes a toast.  On each
 * draw the table's rows are rebuilt when the model's generation moved
 * (each name sanitized with its full length, so a NUL inside a key shows
 * as U+FFFD instead of hiding the rest).  Keys go to the open prompt
 * first (upload path, download folder, link lifetime, overwrite
 * question), then to the transfers pane when focused, then to the view's
 * actions, then to the table; moving near the end asks the model for the
 * next page.  Questions whose answer is only yes or no use app_ask.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/s3/download.h"
#include "datalab/ui/dialog.h"
#include "buckets-view.h"

extern char **environ;

/* ---- model hooks ---- */

static void on_changed(void *arg)
{
	struct bview *bv = arg;
	int running = buckets_running(bv->m);

	if (running != bv->busy) {
		app_busy(bv->v.app, running - bv->busy);
		bv->busy = running;
	}
	app_view_dirty(&bv->v);
}

static void on_message(void *arg, int level, const char *text)
{
	struct bview *bv = arg;
	static const enum app_toast_level levels[] = { APP_INFO, APP_WARN, APP_ERROR };

	app_toast(bv->v.app, levels[level < 0 ? 0 : level > 2 ? 2 : level], "%s", text);
}

static void start(struct bview *bv)
{
	static const struct buckets_hooks hooks = { on_changed, on_message };
	struct s3_config cfg;
	struct error err;

	bv->started = true;
	if (buckets_config_load(&cfg, (const char *const *)environ, &err) < 0) {
		bv->config_error = xstrdup(err.msg);
		s3_config_release(&cfg);
		return;
	}
	bv->http = http_new(app_loop(bv->v.app));
	bv->m = buckets_new(app_loop(bv->v.app), bv->http, &cfg, &hooks, bv);
	s3_config_release(&cfg);
	buckets_open(bv->m, NULL, NULL);
}

/* The bucket to open when listing buckets is refused (MinIO policies
 * often allow only the user's own): DATALAB_S3_BUCKET, else user-$USER. */
static void maybe_home(struct bview *bv)
{
	const char *b = getenv("DATALAB_S3_BUCKET"), *user = getenv("USER");
	char *home;

	if (bv->tried_home || buckets_bucket(bv->m) || !buckets_error(bv->m) || buckets_count(bv->m))
		return;
	bv->tried_home = true;
	home = b && *b ? xstrdup(b) : xasprintf("user-%s", user && *user ? user : "user");
	app_toast(bv->v.app, APP_WARN, "%s: opening '%s'", buckets_error(bv->m), home);
	buckets_open(bv->m, home, NULL);
	free(home);
}

/* ---- rows ---- */

static char *clean(const char *p, size_t n)
{
	struct buf b = BUF_INIT;

	utf8_sanitize(&b, p, n, 0);
	return buf_take(&b, NULL);
}

void bview_rebuild(struct bview *bv)
{
	size_t n = buckets_count(bv->m);

	table_begin(bv->table);
	for (size_t i = 0; i < n; i++) {
		const struct buckets_entry *e = buckets_entry(bv->m, i);
		size_t r = table_add_row(bv->table, e->key);
		char *name = clean(e->name, e->name_len), size[32] = "", date[32] = "";

		table_set_cell(bv->table, r, 0, name, e->kind == BUCKETS_OBJECT ? -1 : THEME_TABLE_HEADER);
		if (e->size >= 0) {
			str_format_bytes(size, sizeof(size), (uint64_t)e->size);
			table_set_cell(bv->table, r, 1, size, -1);
			table_set_cell_key(bv->table, r, 1, (double)e->size);
		} else {
			table_set_cell(bv->table, r, 1, e->kind == BUCKETS_OBJECT ? "?" : "", THEME_DIM);
			table_set_cell_key(bv->table, r, 1, -1);
		}
		if (e->mtime) {
			struct tm tm;

			localtime_r(&e->mtime, &tm);
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
		}
		table_set_cell(bv->table, r, 2, date, THEME_DIM);
		table_set_cell_key(bv->table, r, 2, (double)e->mtime);
		table_set_cell(bv->table, r, 3, e->public ? "public" : "", THEME_PENDING);
		free(name);
	}
	table_commit(bv->table);
	table_set_empty_text(bv->table, buckets_loading(bv->m) ? "loading…" :
			     buckets_error(bv->m) ? "nothing listed (see the error above)" :
			     buckets_bucket(bv->m) ? "this folder is empty: u uploads a file here" :
			     "no buckets with these keys");
	bv->gen_seen = buckets_generation(bv->m);
}

const struct buckets_entry *bview_selected(const struct bview *bv)
{
	return bv->m ? buckets_find(bv->m, table_selected_id(bv->table)) : NULL;
}

/* Asks for the next page when the selection nears the end. */
static void near_end(struct bview *bv)
{
	long sel = table_selected(bv->table);
	size_t shown = table_visible_count(bv->table);

	if (buckets_more(bv->m) && (size_t)(sel < 0 ? 0 : sel) + (size_t)DL_MAX(bv->table_rows, 1) +
	    BUCKETS_MORE_MARGIN >= shown)
		buckets_want_more(bv->m, buckets_count(bv->m));
}

/* ---- prompts ---- */

/* "~/x" -> "$HOME/x" (xmalloc'd). */
static char *expand(const char *path)
{
	const char *home = getenv("HOME");

	while (*path == ' ')
		path++;
	if (path[0] == '~' && (path[1] == '/' || !path[1]) && home)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Local path completion: the nth entry of the typed folder whose name
 * starts with what follows the last '/'; folders end with '/'. */
static const char *complete_path(void *ctx, const char *text, size_t nth)
{
	struct bview *bv = ctx;
	const char *slash = strrchr(text, '/');
	char *dir, *typed_dir = slash ? xstrndup(text, (size_t)(slash - text + 1)) : xstrdup("");
	const char *base = slash ? slash + 1 : text;
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *e;

	dir = expand(*typed_dir ? typed_dir : "./");
	if ((d = opendir(dir))) {
		while ((e = readdir(d)) && n < 4096) {
			struct stat st;
			char *full;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !str_has_prefix(e->d_name, base) ||
			    (e->d_name[0] == '.' && base[0] != '.'))
				continue;
			full = xasprintf("%s/%s", dir, e->d_name);
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xasprintf("%s%s%s", typed_dir, e->d_name,
					       stat(full, &st) == 0 && S_ISDIR(st.st_mode) ? "/" : "");
			free(full);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(*names), cmp_str);
	free(bv->completion);
	bv->completion = nth < n ? xstrdup(names[nth]) : NULL;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	free(typed_dir);
	return bv->completion;
}

static void prompt_open(struct bview *bv, enum bview_prompt p, const char *label, const char *text, bool paths)
{
	bv->prompt = p;
	input_set_prompt(bv->input, label);
	input_set_text(bv->input, text ? text : "");
	input_set_completion(bv->input, paths ? complete_path : NULL, bv);
	widget_set_focus(input_widget(bv->input), true);
}

static void prompt_close(struct bview *bv)
{
	bv->prompt = PROMPT_NONE;
	widget_set_focus(input_widget(bv->input), false);
}

static void start_download(struct bview *bv, bool overwrite)
{
	const struct buckets_entry *e = buckets_find(bv->m, bv->pending_key);
	struct error err;

	if (!e) {
		app_toast(bv->v.app, APP_WARN, "that object is no longer listed");
		return;
	}
	if (!buckets_download(bv->m, e, bv->pending_dir, overwrite, &err))
		app_toast(bv->v.app, APP_ERROR, "%s", err.msg);
}

static void overwrite_done(struct app *a, struct dialog *d, int button, void *arg)
{
	(void)a;
	(void)d;
	if (button == 0 || button == 1)
		start_download(arg, button == 0);
}

static void replace_done(struct app *a, struct dialog *d, int button, void *arg)
{
	struct bview *bv = arg;
	struct error err;

	(void)d;
	if (button == 0 && !buckets_upload(bv->m, bv->pending_dir, &err))
		app_toast(a, APP_ERROR, "%s", err.msg);
}

static void prompt_done(struct bview *bv)
{
	char *text = expand(input_text(bv->input));
	const struct buckets_entry *e = buckets_find(bv->m, bv->pending_key);
	struct error err;
	struct buf name = BUF_INIT;
	enum bview_prompt p = bv->prompt;

	prompt_close(bv);
	switch (p) {
	case PROMPT_UPLOAD: {
		const char *base = strrchr(text, '/');
		char *key = xasprintf("%s%s", buckets_prefix(bv->m), base ? base + 1 : text);

		if (!*text) {
			free(key);
			break;
		}
		free(bv->pending_dir);
		bv->pending_dir = xstrdup(text);	/* the local file */
		if (buckets_find(bv->m, key)) {
			/* S3 would replace it without a word: ask, as for downloads */
			static const char *const buttons[] = { "Replace", "Cancel", NULL };
			char *msg = xasprintf("s3://%s/%s already exists: the upload replaces it.",
					      buckets_bucket(bv->m), key);
			struct dialog_opts o = { .title = "Object exists", .message = msg, .buttons = buttons,
						 .default_button = 1, .cancel_button = 1, .danger = true };

			app_dialog(bv->v.app, dialog_new(&o), replace_done, bv);
			free(msg);
		} else if (!buckets_upload(bv->m, text, &err)) {
			app_toast(bv->v.app, APP_ERROR, "%s", err.msg);
		}
		free(key);
		break;
	}
	case PROMPT_DOWNLOAD: {
		struct stat st;

		if (!e)
			break;
		if (stat(text, &st) != 0 || !S_ISDIR(st.st_mode)) {
			app_toast(bv->v.app, APP_ERROR, "'%s' is not a folder", text);
			break;
		}
		free(bv->pending_dir);
		bv->pending_dir = xstrdup(text);
		s3_download_name(e->key, e->key_len, &name);
		if (s3_download_exists(text, name.data)) {
			static const char *const buttons[] = { "Overwrite", "Keep both", "Cancel", NULL };
			char *msg = xasprintf("'%s' already exists in '%s'.\nKeep both saves the download as a numbered "
					      "copy.", name.data, text);
			struct dialog_opts o = { .title = "File exists", .message = msg, .buttons = buttons,
						 .default_button = 1, .cancel_button = 2 };

			app_dialog(bv->v.app, dialog_new(&o), overwrite_done, bv);
			free(msg);
		} else {
			start_download(bv, false);
		}
		break;
	}
	case PROMPT_SHARE: {
		long secs = buckets_parse_duration(text);
		struct buf url = BUF_INIT;

		if (secs < 0) {
			app_toast(bv->v.app, APP_ERROR, "'%s' is not a duration: 90, 30m, 12h or 7d (7 days at most)", text);
			break;
		}
		if (!e)
			break;
		if (buckets_share(bv->m, e, secs, &url, &err) < 0) {
			app_toast(bv->v.app, APP_ERROR, "%s", err.msg);
			buf_release(&url);
			break;
		}
		buckets_preview_close(bv->m);
		free(bv->share_url);
		bv->share_url = buf_take(&url, NULL);
		free(bv->share_key);
		bv->share_key = xstrdup(e->key);
		bv->share_secs = secs;
		break;
	}
	default:
		break;
	}
	buf_release(&name);
	free(text);
}

/* ---- actions ---- */

static void delete_yes(struct app *a, struct dialog *d, int button, void *arg)
{
	struct bview *bv = arg;
	const struct buckets_entry *e = buckets_find(bv->m, bv->pending_key);
	struct error err;

	(void)d;
	if (button != 0)
		return;
	if (!e)
		app_toast(a, APP_WARN, "that entry is no longer listed");
	else if (buckets_delete(bv->m, e, &err) < 0)
		app_toast(a, APP_ERROR, "%s", err.msg);
	app_view_dirty(&bv->v);
}

static void public_yes(struct app *a, struct dialog *d, int button, void *arg)
{
	struct bview *bv = arg;
	const struct buckets_entry *e = buckets_find(bv->m, bv->pending_key);
	struct error err;

	(void)d;
	if (button != 0)
		return;
	if (!e)
		app_toast(a, APP_WARN, "that folder is no longer listed");
	else if (buckets_set_public(bv->m, e, !e->public, &err) < 0)
		app_toast(a, APP_ERROR, "%s", err.msg);
}

static void remember(struct bview *bv, const struct buckets_entry *e)
{
	free(bv->pending_key);
	bv->pending_key = xstrdup(e->key);
}

static unsigned action_key(struct bview *bv, int key)
{
	const struct buckets_entry *e = bview_selected(bv);
	struct error err;
	char *q;

	switch (key) {
	case 'u':
		if (!buckets_bucket(bv->m)) {
			app_toast(bv->v.app, APP_WARN, "open a bucket first: files go into a bucket");
			return WIDGET_HANDLED;
		}
		prompt_open(bv, PROMPT_UPLOAD, "upload file: ", "", true);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'd':
		if (!e || e->kind != BUCKETS_OBJECT) {
			app_toast(bv->v.app, APP_WARN, "pick an object to download");
			return WIDGET_HANDLED;
		}
		remember(bv, e);
		{
			char *dir = buckets_default_dir();

			prompt_open(bv, PROMPT_DOWNLOAD, "save into folder: ", dir, true);
			free(dir);
		}
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'x':
	case KEY_DC:
		if (!e || e->kind == BUCKETS_BUCKET) {
			app_toast(bv->v.app, APP_WARN, "pick an object or a folder to delete");
			return WIDGET_HANDLED;
		}
		remember(bv, e);
		{
			static const char *const buttons[] = { "Delete", "Cancel", NULL };
			struct dialog_opts o = { .title = "Delete", .buttons = buttons, .default_button = 1,
						 .cancel_button = 1, .danger = true };

			q = xasprintf(e->kind == BUCKETS_PREFIX ? "s3://%s/%s and every object under it will be deleted." :
				      "s3://%s/%s will be deleted.", buckets_bucket(bv->m), e->key);
			o.message = q;
			app_dialog(bv->v.app, dialog_new(&o), delete_yes, bv);
			free(q);
		}
		return WIDGET_HANDLED;
	case 's':
		if (!e || e->kind != BUCKETS_OBJECT) {
			app_toast(bv->v.app, APP_WARN, "pick an object to share");
			return WIDGET_HANDLED;
		}
		remember(bv, e);
		prompt_open(bv, PROMPT_SHARE, "link valid for (90, 30m, 12h, 7d): ", "1h", false);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'p':
		if (!e || e->kind != BUCKETS_PREFIX) {
			app_toast(bv->v.app, APP_WARN, "pick a folder to make public or private");
			return WIDGET_HANDLED;
		}
		remember(bv, e);
		{
			static const char *const pub[] = { "Make public", "Cancel", NULL };
			static const char *const priv[] = { "Make private", "Cancel", NULL };
			struct dialog_opts o = { .title = e->public ? "Make private" : "Make public",
						 .buttons = e->public ? priv : pub, .default_button = e->public ? 0 : 1,
						 .cancel_button = 1, .danger = !e->public };

			q = xasprintf(e->public ? "s3://%s/%s will need keys again." :
				      "Anyone will be able to list and read s3://%s/%s without keys.",
				      buckets_bucket(bv->m), e->key);
			o.message = q;
			app_dialog(bv->v.app, dialog_new(&o), public_yes, bv);
			free(q);
		}
		return WIDGET_HANDLED;
	case 'c':
		if (bv->share_url)
			app_copy(bv->v.app, "link", bv->share_url);
		return WIDGET_HANDLED;
	case 'r':
	case 18:	/* ^R */
		buckets_refresh(bv->m);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 't':
	case '\t':
		if (buckets_transfer_count(bv->m)) {
			bv->focus_transfers = true;
			widget_set_focus(table_widget(bv->table), false);
		}
		return WIDGET_HANDLED | WIDGET_DIRTY;
	case 'v':
	case ' ':
		if (e && e->kind == BUCKETS_OBJECT && buckets_preview(bv->m, e, &err) < 0)
			app_toast(bv->v.app, APP_ERROR, "%s", err.msg);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	default:
		return 0;
	}
}

static bool close_panes(struct bview *bv)
{
	bool any = bv->share_url || buckets_preview_state(bv->m, NULL, NULL, NULL, NULL);

	buckets_preview_close(bv->m);
	free(bv->share_url);
	bv->share_url = NULL;
	return any;
}

static unsigned go_up(struct bview *bv)
{
	char *from = xasprintf("%s", buckets_bucket(bv->m) && !*buckets_prefix(bv->m) ? buckets_bucket(bv->m) :
			       buckets_prefix(bv->m));

	close_panes(bv);
	table_set_filter(bv->table, NULL);
	if (!buckets_up(bv->m)) {
		free(from);
		return 0;
	}
	/* come back onto the folder we left */
	free(bv->reselect);
	bv->reselect = from;
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static unsigned transfers_key(struct bview *bv, int key)
{
	size_t n = buckets_transfer_count(bv->m);

	switch (key) {
	case KEY_UP:
	case 'k':
		if (bv->xsel > 0)
			bv->xsel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (bv->xsel + 1 < n)
			bv->xsel++;
		break;
	case 'x':
	case KEY_DC:
		if (bv->xsel < n)
			buckets_cancel(bv->m, buckets_transfer(bv->m, bv->xsel)->id);
		break;
	case 'c':
		buckets_forget_done(bv->m);
		bv->xsel = 0;
		if (!buckets_transfer_count(bv->m))
			bv->focus_transfers = false;
		break;
	case 27:
	case '\t':
	case 't':
		bv->focus_transfers = false;
		break;
	default:
		return 0;
	}
	widget_set_focus(table_widget(bv->table), !bv->focus_transfers);
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static void on_filter(struct view *v, const char *text, enum app_prompt_event ev)
{
	struct bview *bv = (struct bview *)v;

	table_set_filter(bv->table, ev == APP_PROMPT_CANCEL ? NULL : text);
	app_view_dirty(v);
}

static unsigned bview_key(struct view *v, int key)
{
	struct bview *bv = (struct bview *)v;
	unsigned r;

	if (!bv->m)
		return 0;
	if (bv->prompt != PROMPT_NONE) {
		r = widget_key(input_widget(bv->input), key);
		if (r & WIDGET_ACTIVATE)
			prompt_done(bv);
		else if (r & WIDGET_CANCEL)
			prompt_close(bv);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (bv->focus_transfers && (r = transfers_key(bv, key)))
		return r;
	switch (key) {
	case KEY_BACKSPACE:
	case 127:
	case 8:
	case KEY_LEFT:
	case 'h':
		return go_up(bv) | WIDGET_HANDLED;
	case 27:
		if (close_panes(bv))
			return WIDGET_HANDLED | WIDGET_DIRTY;
		return go_up(bv);	/* at the bucket list: the app's back */
	default:
		break;
	}
	if ((r = action_key(bv, key)))
		return r;
	if (key == '/') {
		app_prompt(v->app, v, "/", table_filter(bv->table), on_filter);
		return WIDGET_HANDLED;
	}
	r = widget_key(table_widget(bv->table), key == KEY_RIGHT || key == 'l' ? '\n' : key);
	if (r & WIDGET_ACTIVATE) {
		const struct buckets_entry *e = bview_selected(bv);
		struct error err;

		close_panes(bv);
		if (e && e->kind != BUCKETS_OBJECT) {
			table_set_filter(bv->table, NULL);
			buckets_enter(bv->m, e);
		}
		else if (e && key != KEY_RIGHT && key != 'l' && buckets_preview(bv->m, e, &err) < 0)
			app_toast(bv->v.app, APP_ERROR, "%s", err.msg);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (r & WIDGET_HANDLED)
		near_end(bv);
	return r;
}

/* `:buckets s3://bucket/prefix` (or bucket/prefix) opens that place. */
static void bview_args(struct view *v, const char *args)
{
	struct bview *bv = (struct bview *)v;
	const char *p = args, *slash;
	char *bucket, *prefix;

	if (!bv->m || !*args)
		return;
	if (str_has_prefix(p, "s3://"))
		p += 5;
	slash = strchr(p, '/');
	bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	prefix = xstrdup(slash ? slash + 1 : "");
	if (*prefix && !str_has_suffix(prefix, "/")) {
		char *with = xasprintf("%s/", prefix);

		free(prefix);
		prefix = with;
	}
	close_panes(bv);
	table_set_filter(bv->table, NULL);
	buckets_open(bv->m, *bucket ? bucket : NULL, prefix);
	free(bucket);
	free(prefix);
}

static const char *bview_hints(struct view *v)
{
	struct bview *bv = (struct bview *)v;

	if (!bv->m)
		return "";
	if (bv->prompt != PROMPT_NONE)
		return "Enter ok  Esc cancel  Tab complete";
	if (bv->focus_transfers)
		return "x cancel  c clear finished  Tab back";
	if (bv->share_url)
		return "c copy link  Esc close";
	if (!buckets_bucket(bv->m))
		return "Enter open  r refresh";
	return "Enter open  ⌫ up  d download  u upload  x delete  s share  p public  t transfers";
}

static void bview_enter(struct view *v)
{
	struct bview *bv = (struct bview *)v;

	if (!bv->started)
		start(bv);
}

static void bview_free(struct view *v)
{
	struct bview *bv = (struct bview *)v;

	buckets_free(bv->m);
	http_free(bv->http);
	table_free(bv->table);
	input_free(bv->input);
	free(bv->config_error);
	free(bv->pending_key);
	free(bv->pending_dir);
	free(bv->share_url);
	free(bv->share_key);
	free(bv->completion);
	free(bv->reselect);
	free(bv);
}

static void bview_draw_top(struct view *v, WINDOW *win, int rows, int cols)
{
	struct bview *bv = (struct bview *)v;

	if (bv->m) {
		maybe_home(bv);
		if (bv->gen_seen != buckets_generation(bv->m)) {
			bview_rebuild(bv);
			if (bv->reselect && table_select_id(bv->table, bv->reselect) == 0) {
				free(bv->reselect);
				bv->reselect = NULL;
			}
		}
	}
	bview_draw(bv, win, rows, cols);
}

static const struct app_keyhelp bview_help[] = {
	{ "Enter / →", "open a bucket or folder; preview an object (first KiB)" },
	{ "⌫ / ← / Esc", "up one folder (Esc first closes the preview or link)" },
	{ "d", "download the object into a folder (~/Downloads by default)" },
	{ "u", "upload a local file into this folder (Tab completes paths)" },
	{ "x / Del", "delete the object, or the folder and all under it (asks first)" },
	{ "s", "share: a link anyone can open, valid for the time you pick" },
	{ "c", "copy the shared link to the clipboard (OSC 52)" },
	{ "p", "make a folder public or private (bucket policy, as Onyxia)" },
	{ "t / Tab", "go to the transfers: x cancels one, c clears the finished" },
	{ "/", "show only the names holding a text (Esc clears)" },
	{ "r", "list again" },
	{ ":buckets B/P", "open bucket B at folder P (s3://B/P works too)" },
	{ NULL, NULL },
};

static const struct view_ops bview_ops = {
	.name = "buckets",
	.title = "Buckets",
	.draw = bview_draw_top,
	.key = bview_key,
	.hints = bview_hints,
	.help = bview_help,
	.enter = bview_enter,
	.free = bview_free,
	.args = bview_args,
};

struct view *buckets_view_new(void)
{
	static const struct table_column cols[] = {
		{ "NAME", 20, 0, 4, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE },
		{ "SIZE", 9, 12, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_SORTABLE | TABLE_COL_NUMERIC },
		{ "MODIFIED", 16, 16, 0, WIDGET_ALIGN_LEFT, TABLE_COL_SORTABLE | TABLE_COL_WIDE },
		{ "ACCESS", 6, 6, 0, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
	};
	struct bview *bv = xcalloc(1, sizeof(*bv));

	bv->v.ops = &bview_ops;
	bv->table = table_new(cols, DL_ARRAY_LEN(cols));
	widget_set_focus(table_widget(bv->table), true);
	bv->input = input_new(16);
	return &bv->v;
}
