/*
 * terminals.c: the terminals view (see terminals.h).
 *
 * Each tab holds a session and a curses window of its own, off screen,
 * into which term_draw paints only the rows libvterm damaged; a frame
 * copies the current tab's window into the body under the tab bar and
 * puts the real cursor where the program's is (app_set_cursor).  Session
 * events only mark the view dirty, so a flood of output costs one frame
 * per 33 ms, not one per read.  Sizes: the body minus the tab bar; every
 * session follows a console resize (SIGWINCH, read from the tty, so tabs
 * not shown resize too).  Closing is never done from a session's own
 * callback: only from keys and the yes/no answer, which name the tab by
 * id, as it may be gone by the time the answer comes.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/log.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/core/utf8.h"
#include "datalab/term/session.h"
#include "datalab/term/term.h"
#include "datalab/ui/table.h"
#include "datalab/ui/terminals.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/widget.h"
#include "terminals-internal.h"

#define TAB_LABEL_COLS 28

struct terminals *terminals_of(struct view *v)
{
	return (struct terminals *)v;
}

struct tab *terminals_current(const struct terminals *T)
{
	return T->ntabs > 0 ? T->tabs[T->current] : NULL;
}

bool terminals_live(const struct tab *tab)
{
	enum session_state st = session_state(tab->s);

	return st == SESSION_RUNNING || st == SESSION_CONNECTING;
}

static void dirty(struct terminals *T)
{
	app_view_dirty(&T->view);
}

void terminals_sync_busy(struct tab *tab)
{
	bool live = terminals_live(tab);

	if (live != tab->busy && tab->owner->view.app) {
		app_busy(tab->owner->view.app, live ? 1 : -1);
		tab->busy = live;
	}
}

static void on_session(struct session *s, enum term_event ev, void *arg)
{
	struct tab *tab = arg;
	struct terminals *T = tab->owner;
	bool shown = terminals_current(T) == tab && T->view.app && app_current(T->view.app) == &T->view;

	(void)s;
	if (ev == TERM_EVENT_BELL) {
		if (shown)
			beep();
		else
			tab->bell = true;
	}
	terminals_sync_busy(tab);
	dirty(T);
}

void terminals_select(struct terminals *T, int i)
{
	if (T->ntabs == 0)
		return;
	T->current = ((i % T->ntabs) + T->ntabs) % T->ntabs;
	T->tabs[T->current]->bell = false;
	T->tabs[T->current]->fresh = true;
	dirty(T);
}

struct tab *terminals_find(struct terminals *T, unsigned id, int *index)
{
	for (int i = 0; i < T->ntabs; i++) {
		if (T->tabs[i]->id == id) {
			if (index)
				*index = i;
			return T->tabs[i];
		}
	}
	return NULL;
}

/* tab_free: the session and its window; one log line with what it cost
 * (the benchmark reads it). */
static void tab_free(struct tab *tab)
{
	const struct term_stats *st = term_stats(session_term(tab->s));
	const struct session_stats *ss = session_stats(tab->s);

	log_info("terminal '%s' closed: %llu bytes in, %llu bytes out, %lu draws, %lu rows drawn, "
		 "longest feed %llu ms, inbox peak %zu bytes, %lu pauses",
		 session_label(tab->s), st->fed, st->sent, st->draws, st->rows_drawn,
		 (unsigned long long)(ss->longest_feed_us / 1000), ss->inbox_peak, ss->pauses);
	session_free(tab->s);
	if (tab->win)
		delwin(tab->win);
	free(tab);
}

static void close_tab(struct terminals *T, unsigned id)
{
	int i;
	struct tab *tab = terminals_find(T, id, &i);

	if (!tab)
		return;
	if (tab->busy)
		app_busy(T->view.app, -1);
	tab_free(tab);
	memmove(&T->tabs[i], &T->tabs[i + 1], (size_t)(T->ntabs - i - 1) * sizeof(T->tabs[0]));
	T->ntabs--;
	if (T->current >= T->ntabs)
		T->current = T->ntabs > 0 ? T->ntabs - 1 : 0;
	if (T->ntabs > 0)
		terminals_select(T, T->current);
	if (T->ntabs == 0) {
		T->listing = false;
		app_set_cursor(T->view.app, -1, -1);
	}
	dirty(T);
}

static void close_yes(struct app *a, void *arg)
{
	struct view *v = app_find_view(a, "terminals");

	if (v)
		close_tab(terminals_of(v), (unsigned)(uintptr_t)arg);
}

void terminals_ask_close(struct terminals *T)
{
	struct tab *tab = terminals_current(T);
	char q[160];

	if (!tab)
		return;
	if (!terminals_live(tab)) {
		close_tab(T, tab->id);
		return;
	}
	snprintf(q, sizeof(q), "close '%s'? its program is hung up", session_label(tab->s));
	app_ask(T->view.app, q, close_yes, (void *)(uintptr_t)tab->id);
}

/* --- sizes --- */

/* area_size: the terminal area for a screen of rows x cols: the title
 * bar, the bottom line and the tab bar taken away. */
static void area_size(int screen_rows, int screen_cols, int *rows, int *cols)
{
	*rows = DL_MAX(screen_rows - 3, 1);
	*cols = DL_MAX(screen_cols, 1);
}

static void resize_all(struct terminals *T, int rows, int cols)
{
	T->rows = rows;
	T->cols = cols;
	for (int i = 0; i < T->ntabs; i++)
		session_resize(T->tabs[i]->s, rows, cols);
}

static void on_winch(struct loop *l, int signo, void *arg)
{
	struct terminals *T = arg;
	struct winsize ws;
	int rows, cols;

	(void)l;
	(void)signo;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return;
	area_size(ws.ws_row, ws.ws_col, &rows, &cols);
	resize_all(T, rows, cols);
	dirty(T);
}

/* --- opening --- */

int terminals_open(struct app *a, const struct session_opts *o, struct error *err)
{
	struct view *v = app_find_view(a, "terminals");
	struct terminals *T;
	struct session_opts so = *o;
	struct tab *tab;

	if (!v) {
		if (o->spec_free)
			o->spec_free(o->spec);
		return error_set(err, ERR_UNSUPPORTED, "no terminals view in this console");
	}
	T = terminals_of(v);
	if (T->ntabs == TERMINALS_MAX) {
		if (o->spec_free)
			o->spec_free(o->spec);
		return error_set(err, ERR_LIMIT, "%d terminals are open already: close one first (x)",
				 TERMINALS_MAX);
	}
	if (!T->winch) {
		loop_on_signal(app_loop(a), SIGWINCH, on_winch, T);
		T->winch = true;
	}
	if (T->rows <= 0) {
		struct winsize ws;

		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
			area_size(ws.ws_row, ws.ws_col, &T->rows, &T->cols);
		else
			area_size(LINES, COLS, &T->rows, &T->cols);
	}
	tab = xcalloc(1, sizeof(*tab));
	tab->owner = T;
	tab->id = ++T->next_id;
	tab->fresh = true;
	so.rows = T->rows;
	so.cols = T->cols;
	tab->s = session_new(app_loop(a), &so, on_session, tab);
	T->tabs[T->ntabs++] = tab;
	terminals_sync_busy(tab);
	T->listing = false;
	T->prefix = false;
	terminals_select(T, T->ntabs - 1);
	app_show(a, "terminals");
	if (session_state(tab->s) == SESSION_LOST) {
		char status[320];

		app_toast(a, APP_ERROR, "%s", session_status(tab->s, status, sizeof(status)));
	}
	return 0;
}

static void argv_free(void *spec)
{
	str_free_list(spec);
}

int terminals_open_local(struct app *a, const char *label, const char *const *argv, struct error *err)
{
	struct session_opts o = { 0 };
	char **copy = NULL;
	char name[96];
	const char *prog = argv && argv[0] ? argv[0] : getenv("SHELL");
	const char *base;
	size_t n = 0;

	if (argv) {
		while (argv[n])
			n++;
		copy = xcalloc(n + 1, sizeof(*copy));
		for (size_t i = 0; i < n; i++)
			copy[i] = xstrdup(argv[i]);
	}
	if (!prog || !*prog)
		prog = "sh";
	base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	snprintf(name, sizeof(name), "local %s", base);
	o.label = label ? label : name;
	o.start = session_start_local;
	o.spec = copy;
	o.spec_free = argv_free;
	return terminals_open(a, &o, err);
}

int terminals_open_exec(struct app *a, struct kube *k, const char *ns, const char *pod, const char *container,
			const char *const *command, struct error *err)
{
	struct session_opts o = { 0 };
	char label[320];

	if (!pod || !*pod)
		return error_set(err, ERR_INVALID, "no pod to open a terminal in");
	snprintf(label, sizeof(label), "%s%s%s", pod, container && *container ? "/" : "",
		 container ? container : "");
	o.label = label;
	o.start = session_start_exec;
	o.spec = session_exec_spec_new(k, ns, pod, container, command);
	o.spec_free = session_exec_spec_free;
	return terminals_open(a, &o, err);
}

int terminals_count(const struct app *a)
{
	struct view *v = app_find_view(a, "terminals");

	return v ? terminals_of(v)->ntabs : 0;
}

/* keys_raw: while a live terminal is shown, the tty is in raw mode, so
 * Ctrl-C, Ctrl-Z, Ctrl-Backslash and Ctrl-S/Q reach its program as keys rather
 * than signalling or pausing the console (as in tmux; the console's own
 * keys stay behind Ctrl-]); elsewhere the console's cbreak mode is back. */
static void keys_raw(struct terminals *T, bool on)
{
	if (on == T->raw)
		return;
	T->raw = on;
	if (on) {
		raw();
	} else {
		noraw();
		cbreak();
	}
}

/* --- drawing --- */

static void tab_text(const struct tab *tab, int index, char *out, size_t size)
{
	const char *title = term_title(session_term(tab->s));
	char state[32] = "";

	switch (session_state(tab->s)) {
	case SESSION_CONNECTING:
		snprintf(state, sizeof(state), " [connecting]");
		break;
	case SESSION_EXITED:
		snprintf(state, sizeof(state), " [exit %d]", session_exit_code(tab->s));
		break;
	case SESSION_LOST:
		snprintf(state, sizeof(state), " [lost]");
		break;
	default:
		break;
	}
	snprintf(out, size, "%d %s%s%s%s%s", index + 1, session_label(tab->s), title[0] ? ": " : "", title,
		 state, tab->bell ? " !" : "");
}

static void draw_tabs(struct terminals *T, WINDOW *win, int cols)
{
	char text[TAB_LABEL_COLS * 8];
	int widths[TERMINALS_MAX], first = 0, x = 0, sum = 0;

	widget_fill(win, 0, 0, cols, theme_attr(THEME_TAB_INACTIVE));
	for (int i = 0; i < T->ntabs; i++) {
		tab_text(T->tabs[i], i, text, sizeof(text));
		widths[i] = (int)DL_MIN(utf8_width(text, strlen(text)), (size_t)TAB_LABEL_COLS) + 2;
		T->tabs[i]->x0 = T->tabs[i]->x1 = -1;
	}
	/* scroll the bar so the current tab shows */
	for (int i = 0; i <= T->current && i < T->ntabs; i++)
		sum += widths[i] + 1;
	while (first < T->current && sum > cols)
		sum -= widths[first++] + 1;
	for (int i = first; i < T->ntabs && x < cols; i++) {
		struct tab *tab = T->tabs[i];
		enum theme_role role = i == T->current ? THEME_TAB_ACTIVE : THEME_TAB_INACTIVE;
		int w = DL_MIN(widths[i], cols - x);

		tab_text(tab, i, text, sizeof(text));
		widget_fill(win, 0, x, w, theme_attr(role));
		if (w > 2)
			widget_draw_text(win, 0, x + 1, w - 2, text,
					 theme_attr(tab->bell ? THEME_PENDING : role) | (i == T->current ? A_BOLD : 0),
					 0);
		tab->x0 = x;
		tab->x1 = x + w;
		x += w + 1;
	}
}

static void draw_banner(struct tab *tab, WINDOW *win, int y, int cols)
{
	char status[320], line[400];
	enum session_state st = session_state(tab->s);

	if (st == SESSION_RUNNING)
		return;
	session_status(tab->s, status, sizeof(status));
	if (st == SESSION_CONNECTING)
		snprintf(line, sizeof(line), " %s…", status);
	else
		snprintf(line, sizeof(line), " %s  ·  r restart  x close", status);
	widget_draw_text(win, y, 0, cols, line,
			 theme_attr(st == SESSION_EXITED && session_exit_code(tab->s) == 0 ? THEME_PAUSED
			 : st == SESSION_CONNECTING ? THEME_PENDING : THEME_FAILED) | A_REVERSE, 0);
}

void terminals_list_fill(struct terminals *T)
{
	char id[16], num[16], status[320];

	table_begin(T->list);
	for (int i = 0; i < T->ntabs; i++) {
		struct tab *tab = T->tabs[i];
		size_t r;
		enum session_state st = session_state(tab->s);

		snprintf(id, sizeof(id), "%u", tab->id);
		snprintf(num, sizeof(num), "%d", i + 1);
		r = table_add_row(T->list, id);
		table_set_cell(T->list, r, 0, num, -1);
		table_set_cell_key(T->list, r, 0, i + 1);
		table_set_cell(T->list, r, 1, session_label(tab->s), -1);
		table_set_cell(T->list, r, 2, term_title(session_term(tab->s)), THEME_DIM);
		table_set_cell(T->list, r, 3, session_status(tab->s, status, sizeof(status)),
			       st == SESSION_RUNNING ? THEME_OK : st == SESSION_CONNECTING ? THEME_PENDING
			       : st == SESSION_EXITED && session_exit_code(tab->s) == 0 ? THEME_PAUSED : THEME_FAILED);
	}
	table_commit(T->list);
}

static void draw_empty(WINDOW *win, int rows, int cols)
{
	static const char *const lines[] = {
		"No terminals open.",
		"",
		"Open one into a running service from :services,",
		"or press c for a shell on this machine.",
	};
	int n = (int)DL_ARRAY_LEN(lines), y = rows > n ? (rows - n) / 2 : 1;

	for (int i = 0; i < n && y + i < rows; i++)
		widget_draw_text(win, y + i, 0, cols, lines[i], theme_attr(i == 0 ? THEME_TABLE_HEADER : THEME_DIM),
				 WIDGET_ALIGN_CENTER);
}

static void ensure_window(struct tab *tab, int rows, int cols)
{
	if (tab->win && getmaxy(tab->win) == rows && getmaxx(tab->win) == cols)
		return;
	if (tab->win)
		delwin(tab->win);
	tab->win = newwin(rows, cols, 0, 0);
	if (!tab->win)
		fatal("unable to make a %dx%d window", cols, rows);
	wbkgdset(tab->win, ' ' | theme_attr(THEME_DEFAULT));
	tab->fresh = true;
}

static void terminals_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct terminals *T = terminals_of(v);
	struct tab *tab = terminals_current(T);
	int trows = DL_MAX(rows - 1, 1), r, c;

	T->body_y = getbegy(win);
	terminals_paste_setup(T);
	/* every change of tab, state or listing redraws: the mode follows */
	keys_raw(T, tab && !T->listing && terminals_live(tab));
	if (trows != T->rows || cols != T->cols)
		resize_all(T, trows, cols);
	draw_tabs(T, win, cols);
	app_set_cursor(v->app, -1, -1);
	if (!tab) {
		draw_empty(win, rows, cols);
		return;
	}
	if (T->listing) {
		struct widget *w = table_widget(T->list);

		terminals_list_fill(T);
		widget_place(w, 1, 0, trows, cols);
		widget_draw(w, win, true);
		return;
	}
	ensure_window(tab, trows, cols);
	term_draw(session_term(tab->s), tab->win, tab->fresh);
	tab->fresh = false;
	copywin(tab->win, win, 0, 0, 1, 0, trows, cols - 1, FALSE);
	draw_banner(tab, win, rows - 1, cols);
	if (session_state(tab->s) == SESSION_RUNNING && term_cursor(session_term(tab->s), &r, &c) &&
	    r < trows && c < cols)
		app_set_cursor(v->app, T->body_y + 1 + r, getbegx(win) + c);
}

static const char *terminals_hints(struct view *v)
{
	struct terminals *T = terminals_of(v);
	struct tab *tab = terminals_current(T);

	if (T->prefix)
		return "C-] then: n/p tab  c shell  x close  w list  r restart  C-] literal  : q ? Esc";
	if (!tab)
		return "c local shell";
	if (T->listing)
		return "Enter switch  x close  w/Esc back";
	if (terminals_live(tab))
		return "C-] console keys  C-PgUp/PgDn tab  S-PgUp/PgDn scroll";
	return "r restart  x close  n/p tab  w list  C-] c shell";
}

static void terminals_enter(struct view *v)
{
	struct terminals *T = terminals_of(v);
	struct tab *tab = terminals_current(T);

	if (tab) {
		tab->bell = false;
		tab->fresh = true;
	}
}

static void terminals_leave(struct view *v)
{
	keys_raw(terminals_of(v), false);
}

static void terminals_free(struct view *v)
{
	struct terminals *T = terminals_of(v);

	if (T->winch)
		loop_off_signal(app_loop(v->app), SIGWINCH, on_winch, T);
	for (int i = 0; i < T->ntabs; i++)
		tab_free(T->tabs[i]);
	terminals_paste_end(T);
	buf_release(&T->paste);
	table_free(T->list);
	free(T);
}

static const struct app_keyhelp terminals_help[] = {
	{ "C-]", "then a console key: n/p next/previous tab, c local shell, x close, w list, r restart" },
	{ "C-] C-]", "send a literal Ctrl-] to the program" },
	{ "C-] : q ?", "the console's command line, quit, help (every other key goes to the program)" },
	{ "C-PgUp/PgDn", "previous / next tab" },
	{ "S-PgUp/PgDn", "scroll back / forward (the wheel too, unless the program uses the mouse)" },
	{ "r / x", "once a session ended: restart / close it" },
	{ "paste", "reaches the program as one block (bracketed when it asked)" },
	{ NULL, NULL },
};

static const struct view_ops terminals_ops = {
	.name = "terminals",
	.title = "Terminals",
	.draw = terminals_draw,
	.key = terminals_key_in,
	.hints = terminals_hints,
	.help = terminals_help,
	.enter = terminals_enter,
	.leave = terminals_leave,
	.free = terminals_free,
};

struct view *terminals_new(void)
{
	static const struct table_column cols[] = {
		{ "#", 2, 3, 0, WIDGET_ALIGN_RIGHT, TABLE_COL_NUMERIC },
		{ "SESSION", 10, 40, 2, WIDGET_ALIGN_LEFT, 0 },
		{ "TITLE", 10, 0, 3, WIDGET_ALIGN_LEFT, TABLE_COL_WIDE },
		{ "STATE", 10, 40, 2, WIDGET_ALIGN_LEFT, 0 },
	};
	struct terminals *T = xcalloc(1, sizeof(*T));

	T->view.ops = &terminals_ops;
	buf_init(&T->paste, TERMINALS_PASTE_MAX);
	T->list = table_new(cols, DL_ARRAY_LEN(cols));
	table_set_empty_text(T->list, "no terminals open");
	return &T->view;
}
