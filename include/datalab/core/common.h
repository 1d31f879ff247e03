/*
 * common.h: attributes and tiny macros every module may use.
 */
#ifndef DATALAB_CORE_COMMON_H
#define DATALAB_CORE_COMMON_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define DL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define DL_NORETURN __attribute__((noreturn))
#define DL_UNUSED __attribute__((unused))
#else
#define DL_PRINTF(fmt, args)
#define DL_NORETURN
#define DL_UNUSED
#endif

#define DL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define DL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
