/*
 * welcome.c: the view shown before any cluster data arrives: where you are,
 * and what to press next.
 */
#include <stdlib.h>

#include "datalab/core/mem.h"
#include "datalab/ui/theme.h"
#include "datalab/ui/welcome.h"
#include "datalab/ui/widget.h"

static void welcome_draw(struct view *v, WINDOW *win, int rows, int cols)
{
	static const char *const lines[] = {
		"Welcome to datalab.",
		"",
		"No services are running in this namespace yet.",
		"",
		"Press : and type catalog to launch Jupyter, RStudio, VS Code or a database,",
		":buckets to browse your files, ? to see every key.",
	};
	int n = (int)(sizeof(lines) / sizeof(lines[0]));
	int y = rows > n ? (rows - n) / 2 : 0;

	(void)v;
	for (int i = 0; i < n && y + i < rows; i++)
		widget_draw_text(win, y + i, 0, cols, lines[i],
				 theme_attr(i == 0 ? THEME_TABLE_HEADER : THEME_DIM), WIDGET_ALIGN_CENTER);
}

static const char *welcome_hints(struct view *v)
{
	(void)v;
	return ":catalog launch";
}

static void welcome_free(struct view *v)
{
	free(v);
}

static const struct app_keyhelp welcome_help[] = {
	{ ":catalog", "browse the service catalogs and launch one" },
	{ NULL, NULL },
};

static const struct view_ops welcome_ops = {
	.name = "welcome",
	.title = "Welcome",
	.draw = welcome_draw,
	.hints = welcome_hints,
	.help = welcome_help,
	.free = welcome_free,
};

struct view *welcome_new(void)
{
	struct view *v = xcalloc(1, sizeof(*v));

	v->ops = &welcome_ops;
	return v;
}
