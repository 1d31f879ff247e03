/*
 * app.c: the console's frame (see app.h).
 *
 * Data flow: the loop wakes for stdin, a signal, a socket or a timer; the
 * handler changes a model and marks what is stale (title, body, bottom
 * line); before the next poll, app_before_poll draws the stale parts into
 * ncurses' virtual screen and calls doupdate() once.  A frame less than
 * 33 ms after the previous one is deferred to a timer, as tmux defers while
 * the tty is busy, so a burst of watch events costs one frame.  Keys,
 * the command line, prompts, dialogs and the mouse live in app_input.c.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/timeutil.h"
#include "datalab/core/utf8.h"
#include "datalab/ui/app.h"
#include "app-internal.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

static struct app *the_app;	/* for the fatal hook only */

static void app_resize(struct app *a);

void app_restore_terminal(void)
{
	if (the_app && !isendwin())
		endwin();
}

void app_mark(struct app *a, unsigned what)
{
	a->dirty |= what;
}

#define mark app_mark

struct view *app_current(const struct app *a)
{
	return a->current >= 0 ? a->views[a->current] : NULL;
}

struct view *app_find_view(const struct app *a, const char *name)
{
	for (int i = 0; i < a->nviews; i++)
		if (strcmp(a->views[i]->ops->name, name) == 0)
			return a->views[i];
	return NULL;
}

void app_set_cursor(struct app *a, int y, int x)
{
	a->cursor_y = y;
	a->cursor_x = x;
}

struct loop *app_loop(const struct app *a)
{
	return a->loop;
}

const char *app_namespace(const struct app *a)
{
	return a->namespace;
}

const char *app_context(const struct app *a)
{
	return a->context;
}

unsigned long app_frames(const struct app *a)
{
	return a->frames;
}

void app_view_dirty(struct view *v)
{
	if (v->app && app_current(v->app) == v)
		mark(v->app, DIRTY_BODY);
	v->dirty = true;
}

void app_title_dirty(struct app *a)
{
	mark(a, DIRTY_TITLE);
}

static void set_text(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? utf8_sanitize_dup(src, 0) : NULL;
}

void app_set_namespace(struct app *a, const char *ns)
{
	set_text(&a->namespace, ns);
	mark(a, DIRTY_TITLE);
}

void app_set_freshness(struct app *a, const char *text, bool stale)
{
	set_text(&a->freshness, text);
	a->stale = stale;
	mark(a, DIRTY_TITLE);
}

void app_set_quota(struct app *a, const char *text)
{
	set_text(&a->quota, text);
	mark(a, DIRTY_TITLE);
}

void app_busy(struct app *a, int delta)
{
	a->busy += delta;
	if (a->busy < 0)
		a->busy = 0;
}

static long toast_expire(struct loop *l, void *arg)
{
	struct app *a = arg;

	(void)l;
	a->toast[0] = '\0';
	a->toast_timer = 0;
	mark(a, DIRTY_BOTTOM);
	return LOOP_NOMORE;
}

void app_toast(struct app *a, enum app_toast_level level, const char *fmt, ...)
{
	char raw[512];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	clean = utf8_sanitize_dup(raw, 0);
	str_copy(a->toast, clean, sizeof(a->toast));
	free(clean);
	a->toast_level = level;
	if (a->toast_timer)
		loop_del_timer(a->loop, a->toast_timer);
	/* errors stay until the next key; the rest fade after 5 s */
	a->toast_timer = level == APP_ERROR ? 0 : loop_add_timer(a->loop, 5000, toast_expire, a);
	log_msg(level == APP_ERROR ? LOG_WARN : LOG_INFO, "toast: %s", a->toast);
	mark(a, DIRTY_BOTTOM);
}

void app_ask(struct app *a, const char *question, void (*on_yes)(struct app *a, void *arg), void *arg)
{
	set_text(&a->question, question);
	a->on_yes = on_yes;
	a->yes_arg = arg;
	a->mode = MODE_ASK;
	mark(a, DIRTY_BOTTOM);
}

void app_quit(struct app *a)
{
	loop_stop(a->loop);
}

void app_add_view(struct app *a, struct view *v)
{
	if (a->nviews == APP_MAX_VIEWS)
		fatal("too many views");
	v->app = a;
	v->dirty = true;
	a->views[a->nviews++] = v;
}

int app_visible_view(const struct app *a, int n)
{
	for (int i = 0; i < a->nviews; i++) {
		if (a->views[i]->ops->hidden)
			continue;
		if (n-- == 0)
			return i;
	}
	return -1;
}

static int view_index(const struct app *a, const char *name)
{
	for (int i = 0; i < a->nviews; i++)
		if (strcmp(a->views[i]->ops->name, name) == 0)
			return i;
	return -1;
}

void app_show_index(struct app *a, int i)
{
	if (i == a->current)
		return;
	a->previous = a->current;
	a->current = i;
	a->cursor_y = -1;
	a->body_owned = false;
	if (a->previous >= 0 && a->views[a->previous]->ops->leave)
		a->views[a->previous]->ops->leave(a->views[a->previous]);
	if (a->views[i]->ops->enter)
		a->views[i]->ops->enter(a->views[i]);
	mark(a, DIRTY_ALL | DIRTY_CLEAR);
}

int app_show(struct app *a, const char *name)
{
	int i = view_index(a, name);

	if (i < 0)
		return -1;
	app_show_index(a, i);
	return 0;
}

void app_back(struct app *a)
{
	if (a->previous >= 0 && a->previous != a->current)
		app_show_index(a, a->previous);
}

/* --- drawing --- */

bool app_too_small(const struct app *a)
{
	return a->cols < APP_MIN_COLS || a->rows < APP_MIN_ROWS;
}

static void draw_too_small(struct app *a)
{
	char msg[96];
	int y = a->rows / 2;

	werase(stdscr);
	snprintf(msg, sizeof(msg), "terminal too small (%dx%d), need %dx%d", a->cols, a->rows,
		 APP_MIN_COLS, APP_MIN_ROWS);
	widget_draw_text(stdscr, y > 0 ? y - 1 : 0, 0, a->cols, "datalab", theme_attr(THEME_TITLE),
			 WIDGET_ALIGN_CENTER);
	widget_draw_text(stdscr, y, 0, a->cols, msg, theme_attr(THEME_PENDING), WIDGET_ALIGN_CENTER);
	wnoutrefresh(stdscr);
}

static void draw_title(struct app *a)
{
	struct view *v = app_current(a);
	char left[512], right[256];
	attr_t bar = theme_attr(THEME_TITLE);
	int rw;

	snprintf(left, sizeof(left), " datalab \xe2\x94\x82 %s \xe2\x94\x82 ctx %s \xe2\x94\x82 ns %s",
		 v ? v->ops->title : "", a->context ? a->context : "(none)",
		 a->namespace ? a->namespace : "default");
	snprintf(right, sizeof(right), "%s%s%s ", a->quota ? a->quota : "", a->quota && a->freshness ? "  " : "",
		 a->freshness ? a->freshness : "");
	widget_fill(stdscr, 0, 0, a->cols, bar);
	rw = (int)utf8_width(right, strlen(right));
	if (rw > a->cols / 2)
		rw = a->cols / 2;
	widget_draw_text(stdscr, 0, 0, a->cols - rw, left, bar, 0);
	if (rw > 0)
		widget_draw_text(stdscr, 0, a->cols - rw, rw, right,
				 a->stale ? theme_attr(THEME_PENDING) | A_REVERSE : theme_attr(THEME_TITLE_ACCENT),
				 WIDGET_ALIGN_RIGHT);
	wnoutrefresh(stdscr);
}

static void draw_help(struct app *a)
{
	static const struct app_keyhelp global[] = {
		{ "?", "this help (any key closes it)" },
		{ ":", "command: :services :pods :nodes :events :catalog :buckets :terminals, :q quits" },
		{ "Tab", "in the command line: complete a view, a command or its argument" },
		{ "1-9 F2-F10", "switch to the n-th view (Fn is view n; F1 is this help)" },
		{ "Esc", "back to the previous view" },
		{ "q", "quit (asks first while transfers or terminals run)" },
		{ "Ctrl-L", "redraw the screen" },
		{ NULL, NULL },
	};
	struct view *v = app_current(a);
	int y = 0, w = a->cols;

	werase(a->body);
	widget_draw_text(a->body, y++, 1, w - 2, "Keys", theme_attr(THEME_TABLE_HEADER), 0);
	for (int pass = 0; pass < 2; pass++) {
		const struct app_keyhelp *h = pass == 0 ? (v ? v->ops->help : NULL) : global;

		if (!h)
			continue;
		y++;
		widget_draw_text(a->body, y++, 1, w - 2, pass == 0 ? v->ops->title : "Everywhere",
				 theme_attr(THEME_DIM), 0);
		for (; h->key && y < getmaxy(a->body); h++, y++) {
			widget_draw_text(a->body, y, 3, 12, h->key, theme_attr(THEME_HINT_KEY), 0);
			widget_draw_text(a->body, y, 16, w - 17, h->what, theme_attr(THEME_DEFAULT), 0);
		}
	}
	if (a->ncmds > 0 && y + 2 < getmaxy(a->body)) {
		y++;
		widget_draw_text(a->body, y++, 1, w - 2, "Commands", theme_attr(THEME_DIM), 0);
		for (int i = 0; i < a->ncmds && y < getmaxy(a->body); i++, y++) {
			char name[64];

			snprintf(name, sizeof(name), ":%s", a->cmds[i].name);
			widget_draw_text(a->body, y, 3, 12, name, theme_attr(THEME_HINT_KEY), 0);
			widget_draw_text(a->body, y, 16, w - 17, a->cmds[i].help, theme_attr(THEME_DEFAULT), 0);
		}
	}
	wnoutrefresh(a->body);
}

static void draw_body(struct app *a)
{
	struct view *v = app_current(a);

	if (a->mode == MODE_HELP) {
		draw_help(a);
		a->body_owned = false;
		return;
	}
	a->body_erased = !v || !v->ops->paints_all || !a->body_owned;
	if (a->body_erased)
		werase(a->body);
	if (v) {
		v->ops->draw(v, a->body, getmaxy(a->body), getmaxx(a->body));
		v->dirty = false;
	}
	/* a dialog paints over the view: its next frame starts clean */
	a->body_owned = !app_dialog_open(a);
	app_draw_dialog(a);
	wnoutrefresh(a->body);
}

bool app_body_erased(const struct app *a)
{
	return a->body_erased;
}

static void draw_bottom(struct app *a)
{
	int y = a->rows - 1;
	struct view *v = app_current(a);

	widget_fill(stdscr, y, 0, a->cols, theme_attr(THEME_HINT));
	switch (a->mode) {
	case MODE_COMMAND:
	case MODE_PROMPT:
		app_draw_line(a, y);
		break;
	case MODE_ASK: {
		char line[400];

		snprintf(line, sizeof(line), "%s (y/N)", a->question ? a->question : "");
		widget_draw_text(stdscr, y, 0, a->cols, line, theme_attr(THEME_TOAST_WARN), 0);
		break;
	}
	default:
		if (a->toast[0]) {
			static const enum theme_role roles[] = { THEME_TOAST_INFO, THEME_TOAST_WARN, THEME_TOAST_ERROR };

			widget_draw_text(stdscr, y, 0, a->cols, a->toast, theme_attr(roles[a->toast_level]), 0);
		} else {
			char line[400];

			snprintf(line, sizeof(line), " %s  ? help  : command  q quit",
				 v && v->ops->hints ? v->ops->hints(v) : "");
			widget_draw_text(stdscr, y, 0, a->cols, line, theme_attr(THEME_HINT), 0);
		}
	}
	wnoutrefresh(stdscr);
}

/* hints_changed: whether the view's hints differ from the ones drawn (a
 * view's keys may change with its state). */
static bool hints_changed(struct app *a)
{
	struct view *v = app_current(a);
	const char *h = v && v->ops->hints ? v->ops->hints(v) : "";

	if (strcmp(h, a->hints) == 0)
		return false;
	str_copy(a->hints, h, sizeof(a->hints));
	return true;
}

static void draw(struct app *a)
{
	unsigned what = a->dirty;
	uint64_t t0 = time_mono_ms();

	a->dirty = 0;
	if (app_too_small(a)) {
		draw_too_small(a);
	} else {
		if (what & DIRTY_CLEAR) {
			werase(stdscr);
			wnoutrefresh(stdscr);
			what |= DIRTY_ALL;
			a->body_owned = false;
		}
		if (what & DIRTY_TITLE)
			draw_title(a);
		if (what & DIRTY_BODY)
			draw_body(a);
		if (hints_changed(a))
			what |= DIRTY_BOTTOM;
		if (what & DIRTY_BOTTOM)
			draw_bottom(a);
	}
	{
		int cy, cx;
		bool on = !app_too_small(a) && app_cursor(a, &cy, &cx);

		/* the cursor goes last: the window refreshed last places it */
		if (on) {
			wmove(stdscr, cy, cx);
			wnoutrefresh(stdscr);
		}
		curs_set(on ? 1 : 0);
	}
	doupdate();
	a->frames++;
	/* bench/b_ui.sh counts these and sums the milliseconds */
	log_debug("frame %lu %llu ms", a->frames, (unsigned long long)(time_mono_ms() - t0));
	a->last_frame = time_mono_ms();
}

static long frame_due(struct loop *l, void *arg)
{
	struct app *a = arg;

	(void)l;
	a->frame_timer = 0;	/* before_poll draws right after this */
	return LOOP_NOMORE;
}

static void app_before_poll(struct loop *l, void *arg)
{
	struct app *a = arg;
	struct view *v = app_current(a);
	uint64_t now;

	if (v && v->dirty)
		a->dirty |= DIRTY_BODY;
	if (!a->dirty || a->frame_timer)
		return;
	now = time_mono_ms();
	if (now - a->last_frame < APP_FRAME_MS) {
		a->frame_timer = loop_add_timer(l, (long)(APP_FRAME_MS - (now - a->last_frame)), frame_due, a);
		return;
	}
	draw(a);
}

static void app_resize(struct app *a)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, a->rows, a->cols);
	if (a->body)
		delwin(a->body);
	a->body = newwin(a->rows > 2 ? a->rows - 2 : 1, a->cols > 0 ? a->cols : 1, 1, 0);
	for (int i = 0; i < a->nviews; i++)
		a->views[i]->dirty = true;
	mark(a, DIRTY_ALL | DIRTY_CLEAR);
}

static void on_winch(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	app_resize(arg);
}

static void on_term(struct loop *l, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	log_info("signal %d: quitting", signo);
	loop_stop(l);
}

struct app *app_new(struct loop *l, const struct app_opts *o, struct error *err)
{
	struct app *a;
	const char *term = getenv("TERM");
	struct error terr;
	struct theme th;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		error_set(err, ERR_UNSUPPORTED, "the console needs a terminal (stdin and stdout are not one)");
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->loop = l;
	a->current = a->previous = -1;
	a->cursor_y = -1;
	a->context = o && o->context ? utf8_sanitize_dup(o->context, 0) : NULL;
	a->namespace = o && o->namespace ? utf8_sanitize_dup(o->namespace, 0) : NULL;
	set_escdelay(25);
	a->screen = newterm(term && *term ? term : "xterm", stdout, stdin);
	if (!a->screen) {
		error_set(err, ERR_UNSUPPORTED, "unknown terminal type '%s'", term ? term : "");
		free(a->context);
		free(a->namespace);
		free(a);
		return NULL;
	}
	the_app = a;
	mem_set_fatal_hook(app_restore_terminal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	curs_set(0);
	if (theme_load(o && o->theme ? o->theme : NULL, &th, &terr) < 0) {
		log_warn("theme: %s", terr.msg);
		theme_builtin(NULL, &th);
	}
	theme_apply(&th);
	wbkgdset(stdscr, ' ' | theme_attr(THEME_DEFAULT));
	app_resize(a);
	wbkgdset(a->body, ' ' | theme_attr(THEME_DEFAULT));
	app_input_init(a);
	loop_watch_fd(l, STDIN_FILENO, LOOP_READ, app_on_stdin, a);
	loop_on_signal(l, SIGWINCH, on_winch, a);
	loop_on_signal(l, SIGTERM, on_term, a);
	loop_on_signal(l, SIGINT, on_term, a);
	loop_on_signal(l, SIGHUP, on_term, a);
	loop_set_before_poll(l, app_before_poll, a);
	return a;
}

void app_free(struct app *a)
{
	if (!a)
		return;
	loop_set_before_poll(a->loop, NULL, NULL);
	loop_unwatch_fd(a->loop, STDIN_FILENO);
	loop_off_signal(a->loop, SIGWINCH, on_winch, a);
	loop_off_signal(a->loop, SIGTERM, on_term, a);
	loop_off_signal(a->loop, SIGINT, on_term, a);
	loop_off_signal(a->loop, SIGHUP, on_term, a);
	if (a->toast_timer)
		loop_del_timer(a->loop, a->toast_timer);
	if (a->frame_timer)
		loop_del_timer(a->loop, a->frame_timer);
	app_input_free(a);
	for (int i = 0; i < a->nviews; i++)
		if (a->views[i]->ops->free)
			a->views[i]->ops->free(a->views[i]);
	if (a->body)
		delwin(a->body);
	endwin();
	delscreen(a->screen);
	mem_set_fatal_hook(NULL);
	the_app = NULL;
	free(a->context);
	free(a->namespace);
	free(a->freshness);
	free(a->quota);
	free(a->question);
	free(a);
}
