/*
 * app_input.c: what reaches the frame from the user (see app.h): keys in
 * their order of precedence (command line, prompt, question, dialog, help,
 * the view, then the global keys), mouse events, and the clipboard.
 *
 * The command line and the views' prompts share one input widget on the
 * bottom line.  `:name ARGS` runs a registered command, or shows the view
 * of that name (passing ARGS to it); Tab completes view and command names,
 * then a command's argument through its completion function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"
#include "app-internal.h"

/* --- commands --- */

void app_add_command(struct app *a, const char *name, const char *help, app_command_fn *fn,
		     app_complete_fn *complete, void *arg)
{
	struct app_command *c;

	if (a->ncmds == APP_MAX_COMMANDS)
		fatal("too many commands");
	c = &a->cmds[a->ncmds++];
	c->name = xstrdup(name);
	c->help = xstrdup(help ? help : "");
	c->fn = fn;
	c->complete = complete;
	c->arg = arg;
}

static const struct app_command *command_named(const struct app *a, const char *name, size_t n)
{
	for (int i = 0; i < a->ncmds; i++)
		if (strlen(a->cmds[i].name) == n && strncmp(a->cmds[i].name, name, n) == 0)
			return &a->cmds[i];
	return NULL;
}

/* complete: the nth completion of the whole line text. */
static const char *complete(void *ctx, const char *text, size_t nth)
{
	struct app *a = ctx;
	const char *sp = strchr(text, ' ');
	size_t n = strlen(text), k = 0;

	if (sp) {
		const struct app_command *c = command_named(a, text, (size_t)(sp - text));
		const char *arg;

		if (!c || !c->complete || !(arg = c->complete(a, sp + 1, nth, c->arg)))
			return NULL;
		buf_reset(&a->complete_buf);
		buf_addf(&a->complete_buf, "%.*s %s", (int)(sp - text), text, arg);
		return a->complete_buf.data;
	}
	for (int i = 0; i < a->nviews; i++) {
		const char *v = a->views[i]->ops->name;

		if (!a->views[i]->ops->hidden && strncmp(v, text, n) == 0 && k++ == nth)
			return v;
	}
	for (int i = 0; i < a->ncmds; i++) {
		if (strncmp(a->cmds[i].name, text, n) == 0 && k++ == nth) {
			/* a command taking an argument gets its space */
			buf_reset(&a->complete_buf);
			buf_addf(&a->complete_buf, "%s%s", a->cmds[i].name, a->cmds[i].complete ? " " : "");
			return a->complete_buf.data;
		}
	}
	return NULL;
}

/* run_trimmed: cmd is a trimmed, non-empty copy of the line (changed). */
static void run_trimmed(struct app *a, char *cmd)
{
	char *args;
	const struct app_command *c;
	int i;

	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0 || strcmp(cmd, "q!") == 0) {
		app_quit(a);
		return;
	}
	args = strchr(cmd, ' ');
	if (args) {
		*args++ = '\0';
		while (*args == ' ')
			args++;
	} else {
		args = cmd + strlen(cmd);
	}
	if ((c = command_named(a, cmd, strlen(cmd)))) {
		c->fn(a, args, c->arg);
		return;
	}
	for (i = 0; i < a->nviews; i++)
		if (!a->views[i]->ops->hidden && strcmp(a->views[i]->ops->name, cmd) == 0)
			break;
	if (i == a->nviews) {
		app_toast(a, APP_WARN, "no view named '%s' (Tab completes)", cmd);
		return;
	}
	if (*args && !a->views[i]->ops->args) {
		app_toast(a, APP_WARN, ":%s takes no arguments", cmd);
		return;
	}
	app_show_index(a, i);
	if (a->views[i]->ops->args)
		a->views[i]->ops->args(a->views[i], args);
	app_view_dirty(a->views[i]);
}

static void run_command(struct app *a, const char *line)
{
	char *cmd = xstrdup(line);	/* a launcher link runs to kilobytes */

	str_trim(cmd);
	if (cmd[0])
		run_trimmed(a, cmd);
	free(cmd);
}

/* --- the bottom line's editor --- */

static void open_line(struct app *a, enum app_mode mode, const char *prompt, const char *text)
{
	a->mode = mode;
	input_set_prompt(a->line, prompt);
	input_set_text(a->line, text ? text : "");
	input_set_completion(a->line, mode == MODE_COMMAND ? complete : NULL, a);
	app_mark(a, DIRTY_BOTTOM);
}

void app_prompt(struct app *a, struct view *v, const char *prompt, const char *text, app_prompt_fn *fn)
{
	a->prompt_view = v;
	a->prompt_fn = fn;
	open_line(a, MODE_PROMPT, prompt, text);
}

static void line_key(struct app *a, int key)
{
	unsigned r = widget_key(input_widget(a->line), key);
	enum app_mode mode = a->mode;
	char *text = xstrdup(input_text(a->line));

	app_mark(a, DIRTY_BOTTOM);
	if (r & (WIDGET_ACTIVATE | WIDGET_CANCEL)) {
		a->mode = MODE_NORMAL;
		if (mode == MODE_COMMAND && (r & WIDGET_ACTIVATE)) {
			input_history_add(a->line, text);
			run_command(a, text);
		} else if (mode == MODE_PROMPT && a->prompt_fn) {
			a->prompt_fn(a->prompt_view, text, (r & WIDGET_ACTIVATE) ? APP_PROMPT_DONE : APP_PROMPT_CANCEL);
			app_view_dirty(a->prompt_view);
		}
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		/* backspace on an empty line closes it, as in vi */
		if (!(r & WIDGET_DIRTY) && text[0] == '\0') {
			a->mode = MODE_NORMAL;
			if (mode == MODE_PROMPT && a->prompt_fn) {
				a->prompt_fn(a->prompt_view, "", APP_PROMPT_CANCEL);
				app_view_dirty(a->prompt_view);
			}
		} else if (mode == MODE_PROMPT && a->prompt_fn) {
			a->prompt_fn(a->prompt_view, text, APP_PROMPT_EDIT);
			app_view_dirty(a->prompt_view);
		}
	} else if (mode == MODE_PROMPT && (r & WIDGET_DIRTY) && a->prompt_fn) {
		a->prompt_fn(a->prompt_view, text, APP_PROMPT_EDIT);
		app_view_dirty(a->prompt_view);
	}
	free(text);
}

void app_draw_line(struct app *a, int y)
{
	widget_place(input_widget(a->line), y, 0, 1, a->cols);
	widget_draw(input_widget(a->line), stdscr, true);
}

bool app_cursor(struct app *a, int *y, int *x)
{
	if (a->mode == MODE_COMMAND || a->mode == MODE_PROMPT) {
		input_cursor_pos(a->line, y, x);
		return true;
	}
	if (a->dialog && a->mode == MODE_NORMAL && dialog_cursor(a->dialog, y, x)) {
		*y += getbegy(a->body);
		*x += getbegx(a->body);
		return true;
	}
	if (a->mode == MODE_NORMAL && !a->dialog && a->cursor_y >= 0) {
		*y = a->cursor_y;
		*x = a->cursor_x;
		return true;
	}
	return false;
}

/* --- dialogs --- */

void app_dialog(struct app *a, struct dialog *d, app_dialog_fn *fn, void *arg)
{
	if (a->dialog) {	/* one at a time: the newer replaces it */
		dialog_free(a->dialog);
		a->dialog = NULL;
	}
	a->dialog = d;
	a->dialog_fn = fn;
	a->dialog_arg = arg;
	app_mark(a, DIRTY_BODY);
}

bool app_dialog_open(const struct app *a)
{
	return a->dialog != NULL;
}

void app_draw_dialog(struct app *a)
{
	if (!a->dialog)
		return;
	dialog_layout(a->dialog, 0, 0, getmaxy(a->body), getmaxx(a->body));
	widget_draw(dialog_widget(a->dialog), a->body, true);
}

static void dialog_result_to(struct app *a, unsigned r)
{
	struct dialog *d = a->dialog;
	app_dialog_fn *fn = a->dialog_fn;
	void *arg = a->dialog_arg;

	app_mark(a, DIRTY_BODY | DIRTY_CLEAR);
	if (!(r & (WIDGET_ACTIVATE | WIDGET_CANCEL)) || !dialog_done(d))
		return;
	a->dialog = NULL;
	a->dialog_fn = NULL;
	if (fn)
		fn(a, d, dialog_result(d), arg);
	dialog_free(d);
}

/* --- keys --- */

static void ask_key(struct app *a, int key)
{
	void (*on_yes)(struct app *, void *) = a->on_yes;

	a->mode = MODE_NORMAL;
	a->on_yes = NULL;
	app_mark(a, DIRTY_BOTTOM);
	if ((key == 'y' || key == 'Y' || widget_key_char(key) == 'y') && on_yes)
		on_yes(a, a->yes_arg);
}

static void quit_yes(struct app *a, void *arg)
{
	(void)arg;
	app_quit(a);
}

static void global_key(struct app *a, int key)
{
	int32_t ch = widget_key_char(key);
	int c = ch >= 0 ? ch : key;

	switch (c) {
	case '?':
	case KEY_F(1):
		a->mode = MODE_HELP;
		app_mark(a, DIRTY_BODY);
		break;
	case ':':
		open_line(a, MODE_COMMAND, ":", "");
		break;
	case 'q':
		if (a->busy > 0) {
			char q[128];

			snprintf(q, sizeof(q), "%d transfer(s) or terminal(s) still running: quit anyway?", a->busy);
			app_ask(a, q, quit_yes, NULL);
		} else {
			app_quit(a);
		}
		break;
	case 27:
		app_back(a);
		break;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		app_mark(a, DIRTY_ALL | DIRTY_CLEAR);
		break;
	default:
		if (c >= '1' && c <= '9' && app_visible_view(a, c - '1') >= 0)
			app_show_index(a, app_visible_view(a, c - '1'));
		else if (c >= KEY_F(2) && c <= KEY_F(10) && app_visible_view(a, c - KEY_F(1)) >= 0)
			app_show_index(a, app_visible_view(a, c - KEY_F(1)));	/* Fn: view n (F1 is help) */
	}
}

static void mouse_event(struct app *a)
{
	struct view *v = app_current(a);
	MEVENT ev;
	unsigned r;

	if (getmouse(&ev) != OK)
		return;
	if (a->dialog) {
		if (!wmouse_trafo(a->body, &ev.y, &ev.x, FALSE))
			return;
		r = widget_mouse(dialog_widget(a->dialog), &ev);
		dialog_result_to(a, r);
		return;
	}
	if (a->mode != MODE_NORMAL || !v || !v->ops->mouse || !wmouse_trafo(a->body, &ev.y, &ev.x, FALSE))
		return;
	r = v->ops->mouse(v, &ev);
	if (r & WIDGET_DIRTY)
		app_view_dirty(v);
}

static void dispatch_key(struct app *a, int key)
{
	struct view *v = app_current(a);

	if (a->toast[0] && a->toast_level == APP_ERROR) {
		a->toast[0] = '\0';
		app_mark(a, DIRTY_BOTTOM);
	}
	if (app_too_small(a))
		return;
	if (key == KEY_MOUSE) {
		mouse_event(a);
		return;
	}
	switch (a->mode) {
	case MODE_COMMAND:
	case MODE_PROMPT:
		line_key(a, key);
		return;
	case MODE_ASK:
		ask_key(a, key);
		return;
	case MODE_HELP:
		a->mode = MODE_NORMAL;
		app_mark(a, DIRTY_BODY);
		return;
	default:
		break;
	}
	if (a->dialog) {
		dialog_result_to(a, widget_key(dialog_widget(a->dialog), key));
		return;
	}
	if (v && v->ops->key) {
		unsigned r = v->ops->key(v, key);

		if (r & WIDGET_DIRTY)
			app_view_dirty(v);
		if (r & WIDGET_HANDLED)
			return;
	}
	global_key(a, key);
}

void app_on_stdin(struct loop *l, int fd, unsigned events, void *arg)
{
	struct app *a = arg;
	wint_t wch;
	int rc;

	(void)l;
	(void)fd;
	(void)events;
	while ((rc = wget_wch(stdscr, &wch)) != ERR) {
		int key = widget_key_from_wch(rc, wch);

		/* SIGWINCH comes through the loop (on_winch); ncurses' own
		 * KEY_RESIZE would only repeat it */
		if (rc == KEY_CODE_YES && wch == KEY_RESIZE)
			break;
		dispatch_key(a, key);
	}
}

/* --- clipboard --- */

/* osc52_ok: whether the terminal takes OSC 52.  xterm-like terminals
 * (xterm, kitty, foot, alacritty, wezterm, VTE) and tmux do (tmux with
 * set-clipboard on); screen and the Linux console do not. */
static bool osc52_ok(struct app *a)
{
	const char *force = getenv("DATALAB_OSC52"), *term = getenv("TERM");

	if (a->osc52 >= 0)
		return a->osc52;
	if (force && *force)
		a->osc52 = strcmp(force, "0") != 0;
	else if (getenv("TMUX"))
		a->osc52 = 1;
	else if (!term || str_has_prefix(term, "screen") || str_has_prefix(term, "linux") || str_eq(term, "dumb") ||
		 str_has_prefix(term, "vt"))
		a->osc52 = 0;
	else
		a->osc52 = 1;
	return a->osc52;
}

bool app_copy(struct app *a, const char *what, const char *text)
{
	struct buf seq;
	bool ok;

	if (!osc52_ok(a)) {
		static const char *const close[] = { "Close", NULL };
		char *msg = xasprintf("This terminal (TERM=%s) does not take copies from programs (OSC 52). "
				      "Select the text below with the mouse:\n\n%s",
				      getenv("TERM") ? getenv("TERM") : "", text);
		struct dialog_opts o = { .title = what, .message = msg, .buttons = close, .cancel_button = 0 };

		app_dialog(a, dialog_new(&o), NULL, NULL);
		free(msg);
		return false;
	}
	buf_init(&seq, 1 << 20);
	buf_adds(&seq, "\x1b]52;c;");
	ok = str_base64_encode(&seq, text, strlen(text)) == 0 && buf_adds(&seq, "\x07") == 0;
	if (ok) {
		size_t off = 0;

		/* curses' output is flushed at each doupdate: the sequence
		 * goes between two frames, never inside one */
		while (off < seq.len) {
			ssize_t w = write(STDOUT_FILENO, seq.data + off, seq.len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		ok = off == seq.len;
	}
	buf_release(&seq);
	if (ok)
		app_toast(a, APP_INFO, "%s copied to the clipboard (OSC 52%s)", what,
			  getenv("TMUX") ? "; tmux needs set-clipboard on" : "");
	else
		app_toast(a, APP_ERROR, "unable to copy %s: too long or the terminal closed", what);
	return ok;
}

/* --- life --- */

void app_input_init(struct app *a)
{
	a->line = input_new(50);
	input_set_max(a->line, APP_LINE_MAX);
	buf_init(&a->complete_buf, APP_LINE_MAX);
	a->osc52 = -1;
}

void app_input_free(struct app *a)
{
	input_free(a->line);
	a->line = NULL;
	buf_release(&a->complete_buf);
	dialog_free(a->dialog);
	a->dialog = NULL;
	for (int i = 0; i < a->ncmds; i++) {
		free(a->cmds[i].name);
		free(a->cmds[i].help);
	}
	a->ncmds = 0;
}
