/*
 * mem.h: allocation that never returns NULL.
 *
 * As tmux's xmalloc.c: on exhaustion the fatal hook runs (the UI uses it to
 * restore the terminal), a line is logged, and the process exits with 70.
 */
#ifndef DATALAB_CORE_MEM_H
#define DATALAB_CORE_MEM_H

#include <stdarg.h>
#include <stddef.h>

#include "datalab/core/common.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: overflow-checked nmemb * size. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xmemdup: n bytes plus a terminating NUL. */
char *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) DL_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);

/* Runs before exiting on a fatal error; NULL removes it. */
void mem_set_fatal_hook(void (*hook)(void));
DL_NORETURN void fatal(const char *fmt, ...) DL_PRINTF(1, 2);

#endif
