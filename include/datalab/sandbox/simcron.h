/*
 * simcron.h: CronJob schedules, as robfig/cron v3's ParseStandard reads
 * them for the cronjob controller.
 *
 * Five fields, minute (0-59), hour (0-23), day of month (1-31), month
 * (1-12 or JAN-DEC) and day of week (0-6 or SUN-SAT), names in any case;
 * each a comma-separated list of "*" or "?", a value, a range "a-b", and
 * steps "*\/n", "a-b/n", "a/n" (from a to the field's maximum).  When both
 * day fields are restricted a day matching either one fires ("1 * * * 1"
 * = the 1st, or Mondays); when one is "*" (or "?", not a "*\/n") both must.
 * Descriptors: @yearly, @annually, @monthly, @weekly, @daily, @midnight,
 * @hourly, and @every <Go duration>.  Errors carry robfig's sentences,
 * which the apiserver puts in its 422: "expected exactly 5 fields, found
 * 1: [bad]", "end of range (60) above maximum (59): 0-60".  Times are
 * UTC, as a kube-controller-manager running in a container.
 */
#ifndef DATALAB_SANDBOX_SIMCRON_H
#define DATALAB_SANDBOX_SIMCRON_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/core/error.h"

struct simcron {
	uint64_t minute;	/* bit n: minute n */
	uint32_t hour, dom;	/* hours 0-23, days of month 1-31 */
	uint16_t month;		/* 1-12 */
	uint8_t dow;		/* 0-6, Sunday 0 */
	bool dom_star, dow_star;	/* the field was "*" or "?" */
	int64_t every;		/* @every: seconds between runs; 0 for a spec */
};

/* simcron_parse: 0, or -1 with robfig's message in err. */
int simcron_parse(const char *spec, struct simcron *out, struct error *err);
/* simcron_next: the first time the schedule fires strictly after t (unix
 * seconds), or -1 when it never does within five years. */
int64_t simcron_next(const struct simcron *s, int64_t t);

#endif
