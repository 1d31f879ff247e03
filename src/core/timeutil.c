/*
 * timeutil.c: clocks, RFC 3339 and kubectl-style ages.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/timeutil.h"

uint64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_rfc3339(char *dst, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int time_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, off = 0;
	const char *p;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - off;
	return 0;
}

/* two: "<a><ua><b><ub>", or "<a><ua>" when b is 0 */
static void two(char *dst, size_t size, long long a, const char *ua, long long b, const char *ub)
{
	if (b)
		snprintf(dst, size, "%lld%s%lld%s", a, ua, b, ub);
	else
		snprintf(dst, size, "%lld%s", a, ua);
}

/* time_age: the rules of kubectl's duration.HumanDuration */
void time_age(char *dst, size_t size, int64_t s)
{
	long long m = s / 60, h = s / 3600, d = h / 24;

	if (s < 0)
		snprintf(dst, size, "0s");
	else if (s < 120)
		snprintf(dst, size, "%llds", (long long)s);
	else if (m < 10)
		two(dst, size, m, "m", s % 60, "s");
	else if (m < 180)
		snprintf(dst, size, "%lldm", m);
	else if (h < 8)
		two(dst, size, h, "h", m % 60, "m");
	else if (h < 48)
		snprintf(dst, size, "%lldh", h);
	else if (h < 24 * 8)
		two(dst, size, d, "d", h % 24, "h");
	else if (h < 24 * 365 * 2)
		snprintf(dst, size, "%lldd", d);
	else if (h < 24 * 365 * 8)
		two(dst, size, d / 365, "y", d % 365, "d");
	else
		snprintf(dst, size, "%lldy", d / 365);
}
