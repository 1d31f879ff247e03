/*
 * timeutil.h: clocks and the time formats of the APIs (RFC 3339, ages).
 */
#ifndef DATALAB_CORE_TIMEUTIL_H
#define DATALAB_CORE_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

uint64_t time_mono_ms(void);	/* CLOCK_MONOTONIC */
int64_t time_wall_ms(void);	/* CLOCK_REALTIME, ms since the epoch */

/* time_rfc3339: "2025-01-02T03:04:05Z" (UTC) into dst[21+]. */
void time_rfc3339(char *dst, size_t size, time_t t);
/* time_parse_rfc3339: accepts fractions and Z or +hh:mm offsets; -1 on error. */
int time_parse_rfc3339(const char *s, time_t *out);
/* time_age: kubectl's AGE column: "0s", "45s", "5m10s", "3h12m", "4d5h", "2y3d". */
void time_age(char *dst, size_t size, int64_t seconds);

#endif
