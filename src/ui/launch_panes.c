/*
 * launch_panes.c: the launch view's text panes (launch-internal.h): the
 * equivalent commands, what differs from the chart's defaults, the
 * launcher link, the README, and the lines helm's output pane is fed.
 *
 * Every text goes through lvpane_add_masked, which hides the form's
 * passwords wherever a text repeats them (the values heredoc, the NOTES
 * helm printed) until p reveals them; textview sanitizes each line.
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "launch-internal.h"

/* The password values of the form, to mask where a text repeats them. */
static void collect_secrets(const struct form_field *f, const char **out, size_t *n, size_t max)
{
	if (f->render == FORM_RENDER_PASSWORD && cJSON_IsString(f->value) && strlen(f->value->valuestring) >= 4 &&
	    *n < max)
		out[(*n)++] = f->value->valuestring;
	for (size_t i = 0; i < f->nchildren; i++)
		collect_secrets(f->children[i], out, n, max);
}

/* add_masked: text line by line into tv, the form's passwords masked
 * until revealed (p toggles). */
void lvpane_add_masked(struct launchview *lv, struct textview *tv, const char *text)
{
	const char *sec[32];
	size_t nsec = 0;
	const char *p = text ? text : "";

	if (lv->launch)
		collect_secrets(form_root(launch_form(lv->launch)), sec, &nsec, DL_ARRAY_LEN(sec));

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		const char *hit = NULL, *which = NULL;

		for (size_t i = 0; i < nsec && !hit; i++)
			if ((hit = strstr(line, sec[i])) != NULL)
				which = sec[i];
		if (hit) {
			char *before = xstrndup(line, (size_t)(hit - line));

			textview_add_secret(tv, before, which, hit + strlen(which));
			free(before);
		} else {
			textview_add_line(tv, line, len);
		}
		free(line);
		p += len + (p[len] == '\n');
	}
}

/* show_text: text in the pane; copy (may be NULL) is what y copies. */
static void show_text(struct launchview *lv, const char *title, const char *text, const char *copy)
{
	textview_clear(lv->text);
	lvpane_add_masked(lv, lv->text, text);
	textview_set_follow(lv->text, false);
	free(lv->text_title);
	lv->text_title = xstrdup(title);
	free(lv->text_copy);
	lv->text_copy = copy ? xstrdup(copy) : NULL;
	lv->pane = PANE_TEXT;
}

void lvpane_show_command(struct launchview *lv)
{
	struct buf b;

	buf_init(&b, 0);
	launch_command(lv->launch, &b);
	show_text(lv, "The equivalent commands (y copies, Esc closes)", b.data, b.data);
	buf_release(&b);
}

static void diff_value(struct buf *b, const struct form_field *fld, const cJSON *v, bool reveal)
{
	char *t;

	if (!v) {
		buf_adds(b, "(unset)");
		return;
	}
	if (fld && fld->render == FORM_RENDER_PASSWORD && !reveal) {
		buf_adds(b, "(hidden)");
		return;
	}
	t = cJSON_PrintUnformatted(v);
	buf_adds(b, t ? t : "?");
	cJSON_free(t);
}

void lvpane_show_diff(struct launchview *lv)
{
	struct form *f = launch_form(lv->launch);
	struct form_diff *d;
	size_t n = form_diff(f, &d);
	struct buf b;

	buf_init(&b, 0);
	if (n == 0)
		buf_adds(&b, "Every value is the chart's default.\n");
	for (size_t i = 0; i < n; i++) {
		const struct form_field *fld = form_find(f, d[i].path);

		buf_addf(&b, "%s\n    chart: ", d[i].path);
		diff_value(&b, fld, d[i].chart, formview_reveal(lv->fv));
		buf_adds(&b, "\n    now:   ");
		diff_value(&b, fld, d[i].value, formview_reveal(lv->fv));
		buf_adds(&b, fld && fld->value && fld->initial && !cJSON_Compare(fld->value, fld->initial, true) ?
			 "   (edited)\n" : "\n");
	}
	free(d);
	{
		char *title = xasprintf("%zu value%s differ from the chart's values.yaml (Esc closes)", n,
					n == 1 ? "" : "s");

		show_text(lv, title, b.data, NULL);
		free(title);
	}
	buf_release(&b);
}

void lvpane_show_link(struct launchview *lv)
{
	const char *base = getenv("DATALAB_LAUNCHER_BASE");
	struct buf b, t;

	buf_init(&b, 0);
	launch_link(lv->launch, base, false, &b);
	buf_init(&t, 0);
	buf_addf(&t, "%s\n\nOpen it with:\n    datalab launch '%s'\n\nLaunching at once (autoLaunch):\n    ", b.data,
		 b.data);
	buf_reset(&b);
	launch_link(lv->launch, base, true, &b);
	buf_addf(&t, "datalab launch '%s'\n\nThe link keeps the values you edited; the ones your account fills "
		 "(keys, passwords, hosts) are filled again from the account of whoever opens it.\n", b.data);
	buf_reset(&b);
	launch_link(lv->launch, base, false, &b);
	show_text(lv, "Launcher link for this form (y copies it, Esc closes)", t.data, b.data);
	buf_release(&b);
	buf_release(&t);
}

void lvpane_show_readme(struct launchview *lv)
{
	const char *r = launch_readme(lv->launch);
	char *title = xasprintf("README of %s %s (Esc closes)", launch_chart_name(lv->launch),
				launch_version(lv->launch));

	show_text(lv, title, r ? r : "This chart has no README.", NULL);
	free(title);
}
