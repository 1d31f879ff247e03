/*
 * app.h: the console's frame: the screen, the views, and the one redraw.
 *
 * The app owns ncurses.  Its layout is a title bar (context, namespace,
 * freshness, quota), the current view's body, and a bottom line that shows
 * key hints, a toast, the `:` command line, a view's prompt (`/` filter)
 * or a yes/no question.  A dialog may sit over the body.  Views are const
 * tables of functions (struct view_ops); keys go first to the command
 * line, prompt, question or dialog when open, then to the view, then to
 * the global keys (`?` help, `:` command, `q` quit, Esc back, 1-9 and
 * F2-F10 views).  Mouse clicks go to the dialog, else to the view.
 *
 * Nothing draws from a handler: handlers mark what changed, and the loop's
 * before_poll hook draws once per wake-up, at most every 33 ms (a timer
 * picks up the rest), and writes nothing when nothing changed.
 */
#ifndef DATALAB_UI_APP_H
#define DATALAB_UI_APP_H

#include <stdbool.h>

#include <curses.h>

#include "datalab/core/common.h"
#include "datalab/core/error.h"
#include "datalab/core/loop.h"

struct app;
struct view;
struct dialog;

struct app_keyhelp {
	const char *key, *what;
};

struct view_ops {
	const char *name;	/* the `:name` command */
	const char *title;	/* shown in the title bar */
	/* draw: paint the body: rows x cols of win, from (0, 0). */
	void (*draw)(struct view *v, WINDOW *win, int rows, int cols);
	/* key: WIDGET_HANDLED (and WIDGET_DIRTY) when used, 0 to pass it on. */
	unsigned (*key)(struct view *v, int key);
	/* hints: the bottom line's text for this view ("Enter open  / filter"). */
	const char *(*hints)(struct view *v);
	const struct app_keyhelp *help;	/* NULL-key terminated */
	void (*enter)(struct view *v);	/* became current (may be NULL) */
	void (*free)(struct view *v);	/* may be NULL */
	/* mouse: a click or wheel in the body; ev's y/x relative to the
	 * body window.  May be NULL. */
	unsigned (*mouse)(struct view *v, const MEVENT *ev);
	/* args: the view was opened with `:name ARGS` (":pods all").  May
	 * be NULL (the arguments are then refused). */
	void (*args)(struct view *v, const char *args);
	/* hidden: not numbered nor offered by `:` (a detail view that
	 * another view opens with app_show). */
	bool hidden;
	/* leave: another view became current (stop streams).  May be NULL. */
	void (*leave)(struct view *v);
	/* paints_all: draw covers every cell of the body, so the app need not
	 * erase it first, and the view may repaint only what changed unless
	 * app_body_erased says the body was erased (a list redraws two rows
	 * when only its selection moved). */
	bool paints_all;
};

struct view {
	const struct view_ops *ops;
	struct app *app;
	bool dirty;
};

enum app_toast_level { APP_INFO, APP_WARN, APP_ERROR };

struct app_opts {
	const char *context;	/* shown in the title bar */
	const char *namespace;
	const char *theme;	/* NULL: "dark" (or monochrome under NO_COLOR) */
};

/* app_new: takes the terminal (newterm on stdin/stdout); NULL with err when
 * the terminal cannot be used. */
struct app *app_new(struct loop *l, const struct app_opts *opts, struct error *err);
/* app_free: frees the views and gives the terminal back as it was. */
void app_free(struct app *a);
/* app_restore_terminal: endwin() for fatal paths (safe to call twice). */
void app_restore_terminal(void);

/* app_add_view: takes ownership of v; views are numbered 1-9 in order. */
void app_add_view(struct app *a, struct view *v);
/* app_show: makes the named view current, remembering the previous one for
 * Esc; -1 when no view has that name. */
int app_show(struct app *a, const char *name);
void app_back(struct app *a);
struct view *app_current(const struct app *a);
/* app_find_view: the view registered under name, NULL if none (a view
 * reaching another one, as services opens a terminal). */
struct view *app_find_view(const struct app *a, const char *name);
struct loop *app_loop(const struct app *a);

void app_view_dirty(struct view *v);	/* redraw v if it is current */
/* app_body_erased: inside a view's draw, whether the body was erased
 * before it (always, unless the view paints_all and nothing else drew
 * over it since its last frame). */
bool app_body_erased(const struct app *a);
/* app_set_cursor: show the terminal's cursor at screen row y, column x
 * after each frame (an embedded terminal's); y < 0 hides it.  Reset when
 * the current view changes. */
void app_set_cursor(struct app *a, int y, int x);
void app_title_dirty(struct app *a);
void app_toast(struct app *a, enum app_toast_level level, const char *fmt, ...) DL_PRINTF(3, 4);
/* app_set_namespace / app_set_freshness / app_set_quota: title bar text
 * (copied; remote text is sanitized here). */
void app_set_namespace(struct app *a, const char *ns);
void app_set_freshness(struct app *a, const char *text, bool stale);
void app_set_quota(struct app *a, const char *text);
const char *app_namespace(const struct app *a);
const char *app_context(const struct app *a);

/* app_busy: work that quitting would cut (transfers, terminals); `q` asks
 * first while the count is above zero. */
void app_busy(struct app *a, int delta);

/* app_ask: a yes/no question on the bottom line; on_yes runs on `y`. */
void app_ask(struct app *a, const char *question, void (*on_yes)(struct app *a, void *arg), void *arg);

/* app_command_fn: a `:name ARGS` command; args is "" when none. */
typedef void app_command_fn(struct app *a, const char *args, void *arg);
/* app_complete_fn: the nth completion of an argument prefix, or NULL. */
typedef const char *app_complete_fn(struct app *a, const char *prefix, size_t nth, void *arg);
/* app_add_command: `:name` runs fn (":ns user-bob"); help is shown by `?`.
 * complete may be NULL.  Names are copied. */
void app_add_command(struct app *a, const char *name, const char *help, app_command_fn *fn,
		     app_complete_fn *complete, void *arg);

enum app_prompt_event { APP_PROMPT_EDIT, APP_PROMPT_DONE, APP_PROMPT_CANCEL };
/* app_prompt_fn: the prompt's text changed (each key: incremental
 * filters), was accepted with Enter, or cancelled with Esc. */
typedef void app_prompt_fn(struct view *v, const char *text, enum app_prompt_event ev);
/* app_prompt: a one-line editor on the bottom line for view v ("/"),
 * starting with text. */
void app_prompt(struct app *a, struct view *v, const char *prompt, const char *text, app_prompt_fn *fn);

/* app_dialog_fn: the dialog closed with button (dialog_result); d is
 * freed after it returns. */
typedef void app_dialog_fn(struct app *a, struct dialog *d, int button, void *arg);
/* app_dialog: shows d over the body, modal, taking ownership of it.  fn
 * may be NULL; it is not called when the app is freed first. */
void app_dialog(struct app *a, struct dialog *d, app_dialog_fn *fn, void *arg);
bool app_dialog_open(const struct app *a);

/* app_copy: text to the terminal's clipboard with OSC 52 when the
 * terminal takes it (xterm-like, or tmux; DATALAB_OSC52=1|0 overrides),
 * with a toast naming what; otherwise a dialog showing the text to
 * select by hand, and false. */
bool app_copy(struct app *a, const char *what, const char *text);

void app_quit(struct app *a);
/* app_frames: frames drawn so far (tests and benchmarks read it). */
unsigned long app_frames(const struct app *a);

#endif
