/*
 * app-internal.h: the frame's state, shared by app.c (views, drawing,
 * terminal) and app_input.c (keys, command line, prompts, dialogs,
 * mouse, clipboard).  Not for views: they use ui/app.h.
 */
#ifndef DATALAB_UI_APP_INTERNAL_H
#define DATALAB_UI_APP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/core/buf.h"
#include "datalab/ui/app.h"
#include "datalab/ui/dialog.h"
#include "datalab/ui/input.h"

#define APP_MAX_VIEWS 16
#define APP_MAX_COMMANDS 32
#define APP_FRAME_MS 33
#define APP_MIN_COLS 40
#define APP_MIN_ROWS 10
/* the bottom line's text: launcher links carry values and tokens (an STS
 * session token alone is 1-2 KB), so far more than a screen width */
#define APP_LINE_MAX (64u * 1024)

enum app_dirty {
	DIRTY_TITLE = 1 << 0,
	DIRTY_BODY = 1 << 1,
	DIRTY_BOTTOM = 1 << 2,
	DIRTY_ALL = DIRTY_TITLE | DIRTY_BODY | DIRTY_BOTTOM,
	DIRTY_CLEAR = 1 << 3,	/* erase everything first (resize, overlay closed) */
};

enum app_mode { MODE_NORMAL, MODE_COMMAND, MODE_HELP, MODE_ASK, MODE_PROMPT };

struct app_command {
	char *name, *help;
	app_command_fn *fn;
	app_complete_fn *complete;
	void *arg;
};

struct app {
	struct loop *loop;
	SCREEN *screen;
	WINDOW *body;
	int rows, cols;
	struct view *views[APP_MAX_VIEWS];
	int nviews, current, previous;
	struct app_command cmds[APP_MAX_COMMANDS];
	int ncmds;
	unsigned dirty;
	enum app_mode mode;
	struct input *line;		/* the command line and prompts */
	struct buf complete_buf;	/* a completion handed to the input */
	struct view *prompt_view;
	app_prompt_fn *prompt_fn;
	struct dialog *dialog;
	app_dialog_fn *dialog_fn;
	void *dialog_arg;
	char *context, *namespace, *freshness, *quota;
	bool stale;
	char toast[256];
	enum app_toast_level toast_level;
	uint64_t toast_timer;
	char *question;
	void (*on_yes)(struct app *a, void *arg);
	void *yes_arg;
	int busy;
	int osc52;			/* -1 unknown, 0 no, 1 yes */
	uint64_t last_frame, frame_timer;
	unsigned long frames;
	bool body_owned;	/* the body holds only the current view's last frame */
	bool body_erased;	/* during a view's draw: it was erased first */
	int cursor_y, cursor_x;	/* app_set_cursor; y < 0: hidden */
	char hints[256];	/* the view's hints last drawn */
};

void app_mark(struct app *a, unsigned what);
void app_show_index(struct app *a, int i);
bool app_too_small(const struct app *a);
/* app_visible_view: the view numbered n (0-based) among the non-hidden. */
int app_visible_view(const struct app *a, int n);

/* app_input.c */
void app_input_init(struct app *a);
void app_input_free(struct app *a);
void app_on_stdin(struct loop *l, int fd, unsigned events, void *arg);
/* app_draw_line: the bottom line in the command or prompt mode. */
void app_draw_line(struct app *a, int y);
/* app_draw_dialog: the open dialog over the body, if any. */
void app_draw_dialog(struct app *a);
/* app_cursor: where the terminal cursor belongs (false: hidden). */
bool app_cursor(struct app *a, int *y, int *x);

#endif
