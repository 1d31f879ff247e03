/*
 * error.c: error values that carry a sentence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "datalab/core/error.h"

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	err->status = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int error_sys(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	char what[200];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err->code = ERR_SYS;
	err->status = saved;
	snprintf(err->msg, sizeof(err->msg), "%s: %s", what, strerror(saved));
	errno = saved;
	return -1;
}

void error_clear(struct error *err)
{
	if (err) {
		err->code = ERR_NONE;
		err->status = 0;
		err->msg[0] = '\0';
	}
}

const char *error_code_name(int code)
{
	static const char *const names[] = {
		[ERR_NONE] = "none", [ERR_SYS] = "system", [ERR_PARSE] = "parse",
		[ERR_LIMIT] = "limit", [ERR_IO] = "io", [ERR_NET] = "network",
		[ERR_HTTP] = "http", [ERR_AUTH] = "unauthorized",
		[ERR_FORBIDDEN] = "forbidden", [ERR_NOT_FOUND] = "not found",
		[ERR_CONFLICT] = "conflict", [ERR_GONE] = "gone",
		[ERR_INVALID] = "invalid", [ERR_TIMEOUT] = "timeout",
		[ERR_CANCELLED] = "cancelled", [ERR_CHILD] = "child",
		[ERR_UNSUPPORTED] = "unsupported",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]) || !names[code])
		return "unknown";
	return names[code];
}
