/*
 * status.h: Kubernetes Status errors, worded as the apiserver words them.
 *
 * Every refusal the sandbox sends (404, 409, 422, 403 from quota, ...) is a
 * struct status filled by the layer that refuses and turned into a
 * {"kind":"Status",...} body at the HTTP boundary by api_reply_status.
 * Messages follow apimachinery's pkg/api/errors wording, with values quoted
 * as Go's %q quotes them (status_quote), so hostile names come back inert.
 */
#ifndef DATALAB_SANDBOX_STATUS_H
#define DATALAB_SANDBOX_STATUS_H

#include <cjson/cJSON.h>

#include "datalab/core/buf.h"
#include "datalab/core/common.h"

struct status {
	int code;		/* HTTP status; 0 = no error */
	const char *reason;	/* "NotFound", "Invalid", ... (static) */
	char *message;
	char *group, *kind, *name;	/* details, NULL when absent */
	cJSON *causes;		/* [{reason, message, field}], NULL when none */
	int retry_after;	/* details.retryAfterSeconds, 0 = absent */
};

void status_init(struct status *st);
void status_release(struct status *st);	/* then usable again */
/* status_set: code, reason (static string) and message; returns -1 so a
 * caller can `return status_set(...)`.  st may be NULL. */
int status_set(struct status *st, int code, const char *reason, const char *fmt, ...) DL_PRINTF(4, 5);
/* status_details: details.group/kind/name (each may be NULL). */
void status_details(struct status *st, const char *group, const char *kind, const char *name);
/* status_add_cause: appends {reason, message, field} to details.causes. */
void status_add_cause(struct status *st, const char *reason, const char *field, const char *fmt, ...)
	DL_PRINTF(4, 5);
/* status_move: dst takes src's contents; src is left empty. */
void status_move(struct status *dst, struct status *src);

/* The apiserver's common errors.  gr is the group-qualified resource as
 * messages show it: "pods", "deployments.apps".  All return -1. */
int status_not_found(struct status *st, const char *group, const char *gr, const char *name);
int status_already_exists(struct status *st, const char *group, const char *gr, const char *name);
/* status_conflict: "Operation cannot be fulfilled on <gr> \"<name>\": <why>". */
int status_conflict(struct status *st, const char *group, const char *gr, const char *name,
		    const char *why);
int status_bad_request(struct status *st, const char *fmt, ...) DL_PRINTF(2, 3);
/*
 * status_invalid: a 422 from the causes already added with
 * status_add_cause: "<Kind> \"<name>\" is invalid: <field>: <message>"
 * (several causes in brackets, comma separated, as apimachinery joins them).
 */
int status_invalid(struct status *st, const char *group, const char *kind, const char *name);

/* status_to_json: the Status object (caller frees). */
cJSON *status_to_json(const struct status *st);

/* status_quote: appends s the way Go's %q prints it: double quotes,
 * \" \\ \n \t escapes, \x1b for other controls and invalid bytes,
 * \u202e for non-printing code points. */
void status_quote(struct buf *out, const char *s);
/* status_quote_dup: the same as a fresh string. */
char *status_quote_dup(const char *s);

#endif
