/*
 * terminals.h: the terminals view (`:terminals`): several terminal
 * sessions at once, one tab each, into running containers or local
 * programs.
 *
 * While a session runs every key goes to it, except:
 *	Ctrl-]  then a console key: n/p next/previous tab, c a local shell,
 *	        x close, w the list of sessions, r restart, Ctrl-] sends a
 *	        literal Ctrl-]; any other key (: q ? Esc 1-9) is the app's
 *	Ctrl-PgUp / Ctrl-PgDn  previous / next tab
 *	Shift-PgUp / Shift-PgDn  scroll back / forward (the wheel too)
 * Once a session exited or lost its connection, the keys its banner names
 * act without the prefix (r restart, x close, n/p, w), the app's : ? q Esc
 * pass, and other typing is swallowed.
 *
 * Opening a terminal from another view (the services, detail and pods
 * views' `t`):
 *
 *	struct error err;
 *
 *	if (terminals_open_exec(app, kube, ns, pod, NULL, NULL, &err) < 0)
 *		app_toast(app, APP_ERROR, "%s", err.msg);
 *
 * (container NULL: the pod's default one; command NULL: bash, else sh),
 * terminals_open_local for a program on this machine, or terminals_open
 * with any session_start_fn (session.h).
 * It opens a new tab, shows the terminals view, and connects in the
 * background; the tab shows "connecting", then the shell.  Resizing the
 * console resizes every session; `q` asks first while any session runs.
 */
#ifndef DATALAB_UI_TERMINALS_H
#define DATALAB_UI_TERMINALS_H

#include "datalab/core/error.h"
#include "datalab/term/session.h"
#include "datalab/ui/app.h"

#define TERMINALS_MAX 32	/* open sessions */
#define TERMINALS_PREFIX 0x1d	/* Ctrl-] */

/* terminals_new: the view; register it with app_add_view. */
struct view *terminals_new(void);

/* terminals_open: a new tab running a session made from o (see
 * session.h), made current, and the view shown.  -1 with err when no
 * terminals view is registered or TERMINALS_MAX are open. */
int terminals_open(struct app *a, const struct session_opts *o, struct error *err);

/* terminals_open_local: a local program in a pty; argv NULL-terminated
 * (copied), NULL for the user's shell; label NULL for the program name. */
int terminals_open_local(struct app *a, const char *label, const char *const *argv, struct error *err);

struct kube;

/* terminals_open_exec: a shell (or command, NULL-terminated, copied) in
 * pod's container (NULL: the default one) in ns, through k's exec
 * channel; the tab is named "pod/container" (or "pod"). */
int terminals_open_exec(struct app *a, struct kube *k, const char *ns, const char *pod, const char *container,
			const char *const *command, struct error *err);

/* terminals_count: sessions open (tests, the title bar). */
int terminals_count(const struct app *a);

#endif
