/*
 * theme.h: colour roles and the themes that map them to curses attributes.
 *
 * Widgets never name a colour: they ask theme_attr(THEME_ROW_SELECTED) and
 * draw with what comes back, as htop's CRT_colors[ROLE].  A theme is a table
 * of {fg, bg, attributes} per role, read from themes/<name>.yaml:
 *
 *	name: dark
 *	roles:
 *	  title:        { fg: black, bg: cyan, attrs: [bold] }
 *	  row-selected: { fg: "#ffffff", bg: 24, attrs: bold }
 *
 * Colours are names (black..white, bright-black..bright-white, default),
 * 0-255 indexes or #rrggbb, each mapped to the nearest colour the terminal
 * has (256, 88, 16 or 8), so one theme degrades on any terminal.  Roles a
 * file leaves out keep the built-in value.  On a terminal without colours,
 * or when NO_COLOR is set, every role is drawn with attributes only.
 *
 * The applied theme is the one piece of file-level state in the ui layer:
 * it is chosen once at start-up and read by every draw, as htop's colour
 * scheme is.
 */
#ifndef DATALAB_UI_THEME_H
#define DATALAB_UI_THEME_H

#include <stdbool.h>

#include <curses.h>

#include "datalab/core/error.h"

enum theme_role {
	THEME_DEFAULT,		/* body text */
	THEME_DIM,		/* secondary text, ages, hints inside widgets */
	THEME_TITLE,		/* top bar */
	THEME_TITLE_ACCENT,	/* context/namespace inside the top bar */
	THEME_HINT,		/* bottom key-hint bar */
	THEME_HINT_KEY,		/* the key names in the hint bar */
	THEME_TABLE_HEADER,
	THEME_ROW_SELECTED,
	THEME_ROW_SELECTED_UNFOCUSED,
	THEME_MATCH,		/* filter and search matches */
	THEME_OK,		/* running, ready, succeeded */
	THEME_PENDING,		/* warnings, pending, creating */
	THEME_FAILED,		/* errors, failed, crash loops */
	THEME_PAUSED,		/* suspended, paused, completed */
	THEME_BORDER,
	THEME_DIALOG,
	THEME_DIALOG_TITLE,
	THEME_BUTTON,
	THEME_BUTTON_FOCUSED,
	THEME_INPUT,
	THEME_PROGRESS_FILL,
	THEME_PROGRESS_EMPTY,
	THEME_SPARKLINE,
	THEME_TOAST_INFO,
	THEME_TOAST_WARN,
	THEME_TOAST_ERROR,
	THEME_TAB_ACTIVE,
	THEME_TAB_INACTIVE,
	THEME_TERMINAL_FRAME,
	THEME_SECRET,		/* masked secret values */
	THEME_COUNT
};

/* Colour values: THEME_COLOR_DEFAULT, 0..255 (xterm palette indexes), or
 * THEME_COLOR_RGB(r, g, b) for a #rrggbb the terminal maps at apply time. */
#define THEME_COLOR_DEFAULT (-1)
#define THEME_COLOR_RGB(r, g, b) (0x1000000 | ((r) << 16) | ((g) << 8) | (b))
#define THEME_COLOR_IS_RGB(c) ((c) >= 0x1000000)

enum theme_attr_flags {
	THEME_BOLD = 1 << 0,
	THEME_DIMMED = 1 << 1,
	THEME_REVERSE = 1 << 2,
	THEME_UNDERLINE = 1 << 3,
	THEME_ITALIC = 1 << 4,
};

struct theme_style {
	int fg, bg;		/* see THEME_COLOR_* */
	unsigned attrs;		/* enum theme_attr_flags */
};

struct theme {
	char name[64];
	struct theme_style roles[THEME_COUNT];
};

/* theme_role_name: the YAML key of a role ("row-selected"). */
const char *theme_role_name(enum theme_role role);
/* theme_role_from_name: accepts '-' or '_' ("row_selected"); -1 if unknown. */
int theme_role_from_name(const char *name);

/* theme_builtin: the compiled-in theme "dark", "light", "high-contrast" or
 * "monochrome" into out; -1 for another name (out gets "dark"). */
int theme_builtin(const char *name, struct theme *out);

/* theme_parse: a theme from YAML text over the built-in dark (roles left
 * out keep its values).  -1 with err on a YAML error, an unknown role,
 * colour or attribute ("theme 'x': unknown colour 'purpel' for 'title'"). */
int theme_parse(struct theme *out, const char *text, size_t n, struct error *err);

/* theme_load: finds <name>.yaml in $DATALAB_THEME_DIR, the config folder's
 * themes/, DATALAB_DATADIR/themes, then ./themes (a name holding '/' is a
 * path).  With no file found, a built-in theme of that name is used.
 * Returns 0, or -1 with err; out always holds a usable theme (the built-in
 * dark one on failure).  name NULL means "dark". */
int theme_load(const char *name, struct theme *out, struct error *err);

/* theme_apply: makes t the theme theme_attr answers from, allocating
 * colour pairs.  Call after initscr/newterm (and start_color when the
 * terminal has colours).  Monochrome when NO_COLOR is set (non-empty) or the
 * terminal has no colours: each role keeps its attributes plus those of
 * the built-in monochrome theme (reverse selection, bold headers). */
void theme_apply(const struct theme *t);
/* theme_attr: the curses attributes (colour pair included) of a role.
 * Before any theme_apply: the monochrome attributes. */
attr_t theme_attr(enum theme_role role);
/* theme_is_mono: whether the applied theme draws attributes only. */
bool theme_is_mono(void);
/* theme_current: the applied theme (the built-in monochrome one before
 * theme_apply). */
const struct theme *theme_current(void);

/* theme_color_nearest: the palette index nearest to (r, g, b) among the
 * first ncolors colours of the xterm palette (ncolors 8, 16, 88 or 256;
 * 88 means xterm's 88-colour palette). */
int theme_color_nearest(int r, int g, int b, int ncolors);
/* theme_color_degrade: a theme colour (index or RGB) as an index a
 * terminal with ncolors colours has; THEME_COLOR_DEFAULT stays as is. */
int theme_color_degrade(int color, int ncolors);

#endif
