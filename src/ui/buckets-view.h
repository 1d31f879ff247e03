/*
 * buckets-view.h: what ui/buckets.c (keys, prompts, actions) shares with
 * ui/buckets_draw.c (the panes).  Not a public header.
 */
#ifndef DATALAB_UI_BUCKETS_VIEW_H
#define DATALAB_UI_BUCKETS_VIEW_H

#include "datalab/model/buckets.h"
#include "datalab/net/http.h"
#include "datalab/ui/buckets.h"
#include "datalab/ui/input.h"
#include "datalab/ui/table.h"
#include "datalab/ui/theme.h"

#define BVIEW_TRANSFER_ROWS 5

enum bview_prompt { PROMPT_NONE, PROMPT_UPLOAD, PROMPT_DOWNLOAD, PROMPT_SHARE };

struct bview {
	struct view v;			/* first: the app sees a struct view */
	struct buckets *m;
	struct http *http;
	struct table *table;
	struct input *input;
	enum bview_prompt prompt;
	char *pending_key;		/* the entry a prompt or question is about */
	char *pending_dir;
	char *share_url, *share_key;
	long share_secs;
	bool focus_transfers;
	size_t xsel;
	unsigned long gen_seen;
	int busy;			/* transfers counted in app_busy */
	bool started, tried_home;
	char *config_error;
	char *completion;
	char *reselect;			/* the row to select once listed (after going up) */
	int table_rows;
};

/* bview_draw: every pane into the body window. */
void bview_draw(struct bview *bv, WINDOW *win, int rows, int cols);
/* bview_rebuild: the table's rows from the model. */
void bview_rebuild(struct bview *bv);
/* bview_selected: the model entry under the selection, or NULL. */
const struct buckets_entry *bview_selected(const struct bview *bv);

#endif
