/*
 * app.c: the console's frame (see app.h).
 *
 * Data flow: the loop wakes for stdin, a signal, a socket or a timer; the
 * handler changes a model and marks what is stale (title, body, bottom
 * line); before the next poll, app_before_poll draws the stale parts into
 * ncurses' virtual screen and calls doupdate() once.  A frame less than
 * 33 ms after the previous one is deferred to a timer, as tmux defers while
 * the tty is busy, so a burst of watch events costs one frame.
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
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"

#define APP_MAX_VIEWS 16
#define APP_FRAME_MS 33
#define APP_MIN_COLS 40
#define APP_MIN_ROWS 10

enum app_dirty {
	DIRTY_TITLE = 1 << 0,
	DIRTY_BODY = 1 << 1,
	DIRTY_BOTTOM = 1 << 2,
	DIRTY_ALL = DIRTY_TITLE | DIRTY_BODY | DIRTY_BOTTOM,
	DIRTY_CLEAR = 1 << 3,	/* erase everything first (resize, overlay closed) */
};

enum app_mode { MODE_NORMAL, MODE_COMMAND, MODE_HELP, MODE_ASK };

struct app {
	struct loop *loop;
	SCREEN *screen;
	WINDOW *body;
	int rows, cols;
	struct view *views[APP_MAX_VIEWS];
	int nviews, current, previous;
	unsigned dirty;
	enum app_mode mode;
	char cmd[128];
	size_t cmd_len;
	char *context, *namespace, *freshness, *quota;
	bool stale;
	char toast[256];
	enum app_toast_level toast_level;
	uint64_t toast_timer;
	char *question;
	void (*on_yes)(struct app *a, void *arg);
	void *yes_arg;
	int busy;
	uint64_t last_frame, frame_timer;
	unsigned long frames;
	int cursor_y, cursor_x;	/* app_set_cursor; y < 0: hidden */
	char hints[256];	/* the view's hints last drawn */
};

static struct app *the_app;	/* for the fatal hook only */

static void app_resize(struct app *a);

void app_restore_terminal(void)
{
	if (the_app && !isendwin())
		endwin();
}

static void mark(struct app *a, unsigned what)
{
	a->dirty |= what;
}

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

static int view_index(const struct app *a, const char *name)
{
	for (int i = 0; i < a->nviews; i++)
		if (strcmp(a->views[i]->ops->name, name) == 0)
			return i;
	return -1;
}

static void show_index(struct app *a, int i)
{
	if (i == a->current)
		return;
	a->previous = a->current;
	a->current = i;
	a->cursor_y = -1;
	if (a->views[i]->ops->enter)
		a->views[i]->ops->enter(a->views[i]);
	mark(a, DIRTY_ALL | DIRTY_CLEAR);
}

int app_show(struct app *a, const char *name)
{
	int i = view_index(a, name);

	if (i < 0)
		return -1;
	show_index(a, i);
	return 0;
}

void app_back(struct app *a)
{
	if (a->previous >= 0 && a->previous != a->current)
		show_index(a, a->previous);
}

/* --- drawing --- */

static bool too_small(const struct app *a)
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
		{ "1-9", "switch to the n-th view" },
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
	wnoutrefresh(a->body);
}

static void draw_body(struct app *a)
{
	struct view *v = app_current(a);

	if (a->mode == MODE_HELP) {
		draw_help(a);
		return;
	}
	werase(a->body);
	if (v) {
		v->ops->draw(v, a->body, getmaxy(a->body), getmaxx(a->body));
		v->dirty = false;
	}
	wnoutrefresh(a->body);
}

static void draw_bottom(struct app *a)
{
	int y = a->rows - 1;
	struct view *v = app_current(a);

	widget_fill(stdscr, y, 0, a->cols, theme_attr(THEME_HINT));
	switch (a->mode) {
	case MODE_COMMAND: {
		char line[160];

		snprintf(line, sizeof(line), ":%.*s", (int)a->cmd_len, a->cmd);
		widget_draw_text(stdscr, y, 0, a->cols, line, theme_attr(THEME_INPUT), 0);
		wmove(stdscr, y, (int)utf8_width(line, strlen(line)) < a->cols ? (int)utf8_width(line, strlen(line)) : a->cols - 1);
		break;
	}
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

	a->dirty = 0;
	if (too_small(a)) {
		draw_too_small(a);
	} else {
		if (what & DIRTY_CLEAR) {
			werase(stdscr);
			wnoutrefresh(stdscr);
			what |= DIRTY_ALL;
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
	if (a->mode == MODE_NORMAL && a->cursor_y >= 0 && !too_small(a)) {
		curs_set(1);
		setsyx(a->cursor_y, a->cursor_x);
	} else {
		curs_set(a->mode == MODE_COMMAND ? 1 : 0);
	}
	doupdate();
	a->frames++;
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

/* --- input --- */

static void run_command(struct app *a)
{
	char cmd[sizeof(a->cmd) + 1];

	memcpy(cmd, a->cmd, a->cmd_len);
	cmd[a->cmd_len] = '\0';
	str_trim(cmd);
	a->mode = MODE_NORMAL;
	mark(a, DIRTY_BOTTOM);
	if (!cmd[0])
		return;
	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0 || strcmp(cmd, "q!") == 0) {
		app_quit(a);
		return;
	}
	if (app_show(a, cmd) < 0)
		app_toast(a, APP_WARN, "no view named '%s' (Tab completes)", cmd);
}

static void complete_command(struct app *a)
{
	int match = -1, count = 0;

	for (int i = 0; i < a->nviews; i++) {
		const char *n = a->views[i]->ops->name;

		if (strlen(n) >= a->cmd_len && strncmp(n, a->cmd, a->cmd_len) == 0) {
			match = i;
			count++;
		}
	}
	if (count == 1) {
		a->cmd_len = str_copy(a->cmd, a->views[match]->ops->name, sizeof(a->cmd));
	} else if (count > 1) {
		char list[256] = "";

		for (int i = 0; i < a->nviews; i++) {
			const char *n = a->views[i]->ops->name;

			if (strncmp(n, a->cmd, a->cmd_len) == 0) {
				strncat(list, " :", sizeof(list) - strlen(list) - 1);
				strncat(list, n, sizeof(list) - strlen(list) - 1);
			}
		}
		app_toast(a, APP_INFO, "%s", list);
		a->mode = MODE_COMMAND;
	}
}

static void command_key(struct app *a, int key)
{
	int32_t ch = widget_key_char(key);

	switch (key) {
	case 27:
		a->mode = MODE_NORMAL;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		run_command(a);
		return;
	case '\t':
		complete_command(a);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (a->cmd_len == 0)
			a->mode = MODE_NORMAL;
		else
			a->cmd_len--;
		break;
	default:
		if (ch >= 0x20 && ch < 0x7F && a->cmd_len + 1 < sizeof(a->cmd))
			a->cmd[a->cmd_len++] = (char)ch;
		else if (key >= 0x20 && key < 0x7F && a->cmd_len + 1 < sizeof(a->cmd))
			a->cmd[a->cmd_len++] = (char)key;
	}
	mark(a, DIRTY_BOTTOM);
}

static void ask_key(struct app *a, int key)
{
	void (*on_yes)(struct app *, void *) = a->on_yes;

	a->mode = MODE_NORMAL;
	a->on_yes = NULL;
	mark(a, DIRTY_BOTTOM);
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
		mark(a, DIRTY_BODY);
		break;
	case ':':
		a->mode = MODE_COMMAND;
		a->cmd_len = 0;
		mark(a, DIRTY_BOTTOM);
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
		mark(a, DIRTY_ALL | DIRTY_CLEAR);
		break;
	default:
		if (c >= '1' && c <= '9' && c - '1' < a->nviews)
			show_index(a, c - '1');
	}
}

static void dispatch_key(struct app *a, int key)
{
	struct view *v = app_current(a);

	if (a->toast[0] && a->toast_level == APP_ERROR) {
		a->toast[0] = '\0';
		mark(a, DIRTY_BOTTOM);
	}
	if (too_small(a))
		return;
	switch (a->mode) {
	case MODE_COMMAND:
		command_key(a, key);
		return;
	case MODE_ASK:
		ask_key(a, key);
		return;
	case MODE_HELP:
		a->mode = MODE_NORMAL;
		mark(a, DIRTY_BODY);
		return;
	default:
		break;
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

static void on_stdin(struct loop *l, int fd, unsigned events, void *arg)
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
	loop_watch_fd(l, STDIN_FILENO, LOOP_READ, on_stdin, a);
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
