/*
 * error.h: errors carry a sentence a view can show as is.
 *
 * Functions return 0 or -1 and fill a caller-owned struct error.  Messages
 * are worded the git way: lowercase, no full stop, subjects in quotes.
 * err may be NULL when the caller does not care.
 */
#ifndef DATALAB_CORE_ERROR_H
#define DATALAB_CORE_ERROR_H

#include "datalab/core/common.h"

enum error_code {
	ERR_NONE = 0,
	ERR_SYS,	/* errno-based */
	ERR_PARSE,	/* malformed input */
	ERR_LIMIT,	/* input over a size/depth/count cap */
	ERR_IO,
	ERR_NET,	/* connection, DNS, TLS */
	ERR_HTTP,	/* a non-2xx status not covered below */
	ERR_AUTH,	/* 401 */
	ERR_FORBIDDEN,	/* 403 */
	ERR_NOT_FOUND,	/* 404 */
	ERR_CONFLICT,	/* 409 */
	ERR_GONE,	/* 410 */
	ERR_INVALID,	/* bad argument or value, 400/422 */
	ERR_TIMEOUT,
	ERR_CANCELLED,
	ERR_CHILD,	/* a child process failed */
	ERR_UNSUPPORTED,
};

struct error {
	int code;
	int status;		/* HTTP status or exit code when relevant, else 0 */
	char msg[512];		/* fits the apiserver's longest validation sentences */
};

/* error_set: fill err (if not NULL) and return -1. */
int error_set(struct error *err, int code, const char *fmt, ...) DL_PRINTF(3, 4);
/* error_sys: "<what>: strerror(errno)", code ERR_SYS; returns -1. */
int error_sys(struct error *err, const char *fmt, ...) DL_PRINTF(2, 3);
void error_clear(struct error *err);
const char *error_code_name(int code);

#endif
