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

#define TAB_LABEL_COLS 28

struct terminals;

struct tab {
	struct terminals *owner;
	struct session *s;
	WINDOW *win;		/* the emulator's cells, copied into the body */
	unsigned id;
	bool busy;		/* counted in app_busy */
	bool bell;		/* rang while not shown */
	bool fresh;		/* win new or resized: paint every row */
	int x0, x1;		/* columns of its tab in the bar, last drawn */
};

struct terminals {
	struct view view;	/* first: the app sees a struct view */
	struct tab *tabs[TERMINALS_MAX];
	int ntabs, current;
	bool prefix;		/* Ctrl-] pressed: the next key is the console's */
	bool listing;		/* the session list is shown */
	bool winch;		/* our SIGWINCH handler is registered */
	struct table *list;
	int body_y;		/* screen row of the body, from the last draw */
	int rows, cols;		/* size of the terminal area */
	unsigned next_id;
	/* bracketed paste from the real terminal: curses decodes its markers
	 * to these codes (0 until the view was first drawn) */
	int paste_begin, paste_end;
	bool pasting;
	struct buf paste;
};

static struct terminals *from_view(struct view *v)
{
	return (struct terminals *)v;
}

static struct tab *current_tab(const struct terminals *T)
{
	return T->ntabs > 0 ? T->tabs[T->current] : NULL;
}

static bool is_live(const struct tab *tab)
{
	enum session_state st = session_state(tab->s);

	return st == SESSION_RUNNING || st == SESSION_CONNECTING;
}

static void dirty(struct terminals *T)
{
	app_view_dirty(&T->view);
}

static void sync_busy(struct tab *tab)
{
	bool live = is_live(tab);

	if (live != tab->busy && tab->owner->view.app) {
		app_busy(tab->owner->view.app, live ? 1 : -1);
		tab->busy = live;
	}
}

static void on_session(struct session *s, enum term_event ev, void *arg)
{
	struct tab *tab = arg;
	struct terminals *T = tab->owner;
	bool shown = current_tab(T) == tab && T->view.app && app_current(T->view.app) == &T->view;

	(void)s;
	if (ev == TERM_EVENT_BELL) {
		if (shown)
			beep();
		else
			tab->bell = true;
	}
	sync_busy(tab);
	dirty(T);
}

static void select_tab(struct terminals *T, int i)
{
	if (T->ntabs == 0)
		return;
	T->current = ((i % T->ntabs) + T->ntabs) % T->ntabs;
	T->tabs[T->current]->bell = false;
	T->tabs[T->current]->fresh = true;
	dirty(T);
}

static struct tab *find_tab(struct terminals *T, unsigned id, int *index)
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

	log_info("terminal '%s' closed: %llu bytes in, %llu bytes out, %lu draws, %lu rows drawn",
		 session_label(tab->s), st->fed, st->sent, st->draws, st->rows_drawn);
	session_free(tab->s);
	if (tab->win)
		delwin(tab->win);
	free(tab);
}

static void close_tab(struct terminals *T, unsigned id)
{
	int i;
	struct tab *tab = find_tab(T, id, &i);

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
		select_tab(T, T->current);
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
		close_tab(from_view(v), (unsigned)(uintptr_t)arg);
}

static void ask_close(struct terminals *T)
{
	struct tab *tab = current_tab(T);
	char q[160];

	if (!tab)
		return;
	if (!is_live(tab)) {
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
	T = from_view(v);
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
	sync_busy(tab);
	T->listing = false;
	T->prefix = false;
	select_tab(T, T->ntabs - 1);
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

	return v ? from_view(v)->ntabs : 0;
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

static void list_fill(struct terminals *T)
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

/* --- bracketed paste from the real terminal --- */

#define PASTE_MAX (1u << 20)

/* paste_code: a free key code for seq, or the one curses has for it. */
static int paste_code(const char *seq, int hint)
{
	int code = key_defined(seq);

	if (code > 0)
		return code;
	while (keyname(hint) != NULL && hint < KEY_MAX + 0x400)
		hint++;
	return define_key(seq, hint) == OK ? hint : 0;
}

/* terminal_mode: a mode of the real terminal (ours, not the remote's);
 * putp goes through stdio's stdout, which curses never flushes. */
static void terminal_mode(const char *seq)
{
	putp(seq);
	fflush(stdout);
}

/* paste_setup: once there is a screen, ask the real terminal to bracket
 * pastes (mode 2004) and teach curses the two markers, so a paste reaches
 * the program as one block (term_paste) instead of typed keys. */
static void paste_setup(struct terminals *T)
{
	if (T->paste_begin)
		return;
	T->paste_begin = paste_code("\033[200~", KEY_MAX + 0x200);
	T->paste_end = paste_code("\033[201~", KEY_MAX + 0x201);
	if (T->paste_begin > 0 && T->paste_end > 0)
		terminal_mode("\033[?2004h");
	else
		T->paste_begin = -1;
}

static void paste_done(struct terminals *T)
{
	struct tab *tab = current_tab(T);

	T->pasting = false;
	if (tab && is_live(tab) && T->paste.len > 0)
		term_paste(session_term(tab->s), T->paste.data, T->paste.len);
	buf_reset(&T->paste);
}

/* paste_key: keys between the markers become the pasted text: characters
 * as UTF-8, controls as bytes; curses' decoded function keys (an escape
 * sequence inside the paste) are dropped.  Returns whether key was one. */
static bool paste_key(struct terminals *T, int key)
{
	int32_t ch = widget_key_char(key);
	char utf[4];

	if (T->paste_begin > 0 && key == T->paste_begin) {
		T->pasting = true;
		T->prefix = false;
		buf_reset(&T->paste);
		return true;
	}
	if (!T->pasting)
		return false;
	if (key == T->paste_end) {
		paste_done(T);
		return true;
	}
	if (ch >= 0)
		buf_add(&T->paste, utf, (size_t)utf8_encode((uint32_t)ch, utf));
	else if (key >= 0 && key < 0x80)
		buf_addc(&T->paste, (char)key);
	if (T->paste.len >= PASTE_MAX - 4)
		paste_done(T);	/* an end marker lost: never swallow keys for good */
	return true;
}

static void terminals_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	struct terminals *T = from_view(v);
	struct tab *tab = current_tab(T);
	int trows = DL_MAX(rows - 1, 1), r, c;

	T->body_y = getbegy(win);
	paste_setup(T);
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

		list_fill(T);
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

/* --- keys --- */

static bool key_named(int key, const char *name)
{
	const char *n = key > 0 ? keyname(key) : NULL;

	return n && strcmp(n, name) == 0;
}

static unsigned console_key(struct terminals *T, int key)
{
	struct tab *tab = current_tab(T);
	int32_t ch = widget_key_char(key);
	int c = ch >= 0 ? ch : key;
	struct error err;

	switch (c) {
	case 'n':
	case KEY_RIGHT:
		select_tab(T, T->current + 1);
		break;
	case 'p':
	case KEY_LEFT:
		select_tab(T, T->current - 1);
		break;
	case 'c':
		if (terminals_open_local(T->view.app, NULL, NULL, &err) < 0)
			app_toast(T->view.app, APP_ERROR, "%s", err.msg);
		break;
	case 'x':
		ask_close(T);
		break;
	case 'w':
		if (T->ntabs > 0) {
			char id[16];

			T->listing = !T->listing;
			list_fill(T);
			snprintf(id, sizeof(id), "%u", tab->id);
			table_select_id(T->list, id);
		}
		break;
	case 'r':
	case '\r':
		if (!tab || session_restart(tab->s) < 0)
			return c == 'r' ? WIDGET_HANDLED : 0;
		tab->fresh = true;
		sync_busy(tab);
		break;
	default:
		return 0;
	}
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

/* ended_key: a key on a session that exited or lost its connection.
 * Someone typing when it ended goes on typing: only the keys its banner
 * names act (r, Enter, x, n, p, w), the app's :, ?, q and Esc pass, and
 * the rest is swallowed, so "ls -c" cannot open a shell or switch views. */
static unsigned ended_key(struct terminals *T, int key)
{
	int32_t ch = widget_key_char(key);
	int c = ch >= 0 ? ch : key;

	switch (c) {
	case 'r':
	case '\r':
	case 'x':
	case 'n':
	case 'p':
	case 'w':
	case KEY_LEFT:
	case KEY_RIGHT:
		return console_key(T, c);
	case ':':
	case '?':
	case 'q':
	case 27:
	case KEY_F(1):
		return 0;
	default:
		return WIDGET_HANDLED;
	}
}

static unsigned list_key(struct terminals *T, int key)
{
	unsigned r;
	const char *id;
	int i;

	if (key == 27 || key == 'w' || key == 'q') {
		T->listing = false;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (key == 'x') {
		id = table_selected_id(T->list);
		if (id && find_tab(T, (unsigned)strtoul(id, NULL, 10), &i))
			select_tab(T, i);
		ask_close(T);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	r = widget_key(table_widget(T->list), key);
	if (r & WIDGET_ACTIVATE) {
		id = table_selected_id(T->list);
		if (id && find_tab(T, (unsigned)strtoul(id, NULL, 10), &i))
			select_tab(T, i);
		T->listing = false;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return r ? (r | WIDGET_DIRTY) : 0;
}

static unsigned mouse(struct terminals *T)
{
	struct tab *tab = current_tab(T);
	MEVENT ev;
	int y, button = 0;
	unsigned mods = 0;

	if (getmouse(&ev) != OK || !tab)
		return WIDGET_HANDLED;
	y = ev.y - T->body_y;
	if (y == 0) {
		for (int i = 0; i < T->ntabs; i++)
			if (ev.x >= T->tabs[i]->x0 && ev.x < T->tabs[i]->x1)
				select_tab(T, i);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (T->listing || !is_live(tab))
		return WIDGET_HANDLED;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		button = 1;
	else if (ev.bstate & BUTTON4_PRESSED)
		button = 4;
	else if (ev.bstate & BUTTON5_PRESSED)
		button = 5;
	if (ev.bstate & BUTTON_SHIFT)
		mods |= 1;
	if (ev.bstate & BUTTON_ALT)
		mods |= 2;
	if (ev.bstate & BUTTON_CTRL)
		mods |= 4;
	if (button && term_mouse(session_term(tab->s), y - 1, ev.x, button, true, mods) && button == 1)
		/* the app's mouse mask has no releases: a press is a click */
		term_mouse(session_term(tab->s), y - 1, ev.x, button, false, mods);
	return WIDGET_HANDLED | WIDGET_DIRTY;
}

static unsigned terminals_key(struct view *v, int key)
{
	struct terminals *T = from_view(v);
	struct tab *tab = current_tab(T);

	if (paste_key(T, key))
		return WIDGET_HANDLED;
	if (key == KEY_MOUSE)
		return mouse(T);
	if (T->prefix) {
		T->prefix = false;
		app_view_dirty(v);	/* the hints change back */
		if (key == TERMINALS_PREFIX && tab && is_live(tab)) {
			session_key(tab->s, key);
			return WIDGET_HANDLED;
		}
		return console_key(T, key);
	}
	if (T->listing)
		return list_key(T, key);
	if (key == TERMINALS_PREFIX && T->ntabs > 0) {
		T->prefix = true;
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (key_named(key, "kPRV5") || key_named(key, "kNXT5")) {
		select_tab(T, T->current + (key_named(key, "kPRV5") ? -1 : 1));
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	if (tab && is_live(tab)) {
		session_key(tab->s, key);
		return WIDGET_HANDLED;
	}
	if (tab && (key == KEY_SPREVIOUS || key == KEY_SNEXT)) {
		term_key(session_term(tab->s), key);
		return WIDGET_HANDLED | WIDGET_DIRTY;
	}
	return tab ? ended_key(T, key) : console_key(T, key);
}

static const char *terminals_hints(struct view *v)
{
	struct terminals *T = from_view(v);
	struct tab *tab = current_tab(T);

	if (T->prefix)
		return "C-] then: n/p tab  c shell  x close  w list  r restart  C-] literal  : q ? Esc";
	if (!tab)
		return "c local shell";
	if (T->listing)
		return "Enter switch  x close  w/Esc back";
	if (is_live(tab))
		return "C-] console keys  C-PgUp/PgDn tab  S-PgUp/PgDn scroll";
	return "r restart  x close  n/p tab  w list  C-] c shell";
}

static void terminals_enter(struct view *v)
{
	struct terminals *T = from_view(v);
	struct tab *tab = current_tab(T);

	if (tab) {
		tab->bell = false;
		tab->fresh = true;
	}
}

static void terminals_free(struct view *v)
{
	struct terminals *T = from_view(v);

	if (T->winch)
		loop_off_signal(app_loop(v->app), SIGWINCH, on_winch, T);
	for (int i = 0; i < T->ntabs; i++)
		tab_free(T->tabs[i]);
	if (T->paste_begin > 0)
		terminal_mode("\033[?2004l");
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
	.key = terminals_key,
	.hints = terminals_hints,
	.help = terminals_help,
	.enter = terminals_enter,
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
	buf_init(&T->paste, PASTE_MAX);
	T->list = table_new(cols, DL_ARRAY_LEN(cols));
	table_set_empty_text(T->list, "no terminals open");
	return &T->view;
}
