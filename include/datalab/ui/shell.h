/*
 * shell.h: the glue between a live connection (model/live) and the frame
 * (ui/app), and what every cluster view shares.
 *
 * shell_attach registers the `:ns` command (with completion from the
 * namespaces one may see, else those used this run), keeps the title bar
 * current (namespace, quota of the namespace, freshness of the data), and
 * turns the live connection's change notices into a redraw of the current view:
 * views compare the models' generations when they draw, so a burst of
 * watch events costs one rebuild per frame.
 *
 * The helpers give every view the same words and colours: a service's or
 * pod's status as a theme role, ages as kubectl prints them, quantities.
 */
#ifndef DATALAB_UI_SHELL_H
#define DATALAB_UI_SHELL_H

#include <stddef.h>
#include <stdint.h>

#include "datalab/model/services.h"
#include "datalab/model/live.h"
#include "datalab/ui/app.h"

struct shell;

/* shell_attach: wires s to a.  Free the shell, then the live connection, after
 * the loop stops and before the app. */
struct shell *shell_attach(struct app *a, struct live *s);
void shell_free(struct shell *sh);
struct app *shell_app(const struct shell *sh);
struct live *shell_live(const struct shell *sh);
/* shell_watch: redraw v when it is current and the live connection reports a
 * change in mask (enum live_change). */
void shell_watch(struct shell *sh, struct view *v, unsigned mask);

/* shell_service_role / shell_pod_role: the theme role of a status. */
int shell_service_role(enum service_state st);
int shell_pod_role(const char *status);
/* shell_age: kubectl's AGE of a unix time ("-" when 0). */
void shell_age(char *dst, size_t size, int64_t since);
/* shell_gpu_cell: a GPU column: "" without GPUs, "2" while the
 * utilisation is unknown (util < 0), "2 87%" with it. */
void shell_gpu_cell(char *dst, size_t size, int gpus, int util);
/* shell_draw_remote: a line holding remote text (names, reasons):
 * sanitized (core/utf8), then drawn as widget_draw_text does. */
void shell_draw_remote(WINDOW *win, int y, int x, int cols, const char *text, attr_t attr);
/* The service actions act on the release (or pod) of namespace ns, in
 * all-namespaces mode not the current one.
 * shell_copy_url: the service's first URL to the clipboard. */
void shell_copy_url(struct shell *sh, const char *ns, const char *release);
/* shell_confirm_delete: the dialog that names what deleting release
 * removes and runs it on yes. */
void shell_confirm_delete(struct shell *sh, const char *ns, const char *release);
/* shell_toggle_pause: pauses or resumes release (whichever applies),
 * with a toast naming the command. */
void shell_toggle_pause(struct shell *sh, const char *ns, const char *release);
/* shell_rename: the friendly-name dialog. */
void shell_rename(struct shell *sh, const char *ns, const char *release);
/* shell_terminal: a terminal tab with a shell in pod (NULL: the release's
 * first running pod); the kubectl line to copy when none can open. */
void shell_terminal(struct shell *sh, const char *ns, const char *release, const char *pod);
/* shell_restart_pod: confirms, then deletes pod. */
void shell_restart_pod(struct shell *sh, const char *ns, const char *pod);

#endif
