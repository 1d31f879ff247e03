/*
 * simcron.c: the standard cron syntax and the next time it fires
 * (simcron.h), after robfig/cron v3 parser.go (getField, getRange,
 * parseDescriptor) and spec.go (SpecSchedule.Next).
 *
 * Fields become bit sets; Next walks forward in UTC as spec.go does: up to
 * the next matching month, then day, hour and minute, starting the walk
 * again when a field wraps, and gives up after five years (Feb 30).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "datalab/sandbox/simcron.h"

struct bounds {
	unsigned min, max;
	const char *const *names;	/* names[i] is value min + i... as listed */
	unsigned name_base;
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
				      "nov", "dec", NULL };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const struct bounds b_minute = { 0, 59, NULL, 0 }, b_hour = { 0, 23, NULL, 0 },
	b_dom = { 1, 31, NULL, 0 }, b_month = { 1, 12, months, 1 }, b_dow = { 0, 6, days, 0 };

#define STAR_BIT (1ull << 63)

/* must_int: strconv.Atoi's errors, then robfig's negative check */
static int must_int(const char *s, unsigned *out, struct error *err)
{
	int64_t v;

	if (str_parse_i64(s, &v) != 0)
		return error_set(err, ERR_INVALID, "failed to parse int from %s: strconv.Atoi: parsing \"%s\": "
				 "invalid syntax", s, s);
	if (v < 0)
		return error_set(err, ERR_INVALID, "negative number (%lld) not allowed: %s", (long long)v, s);
	if (v > 1000000)
		v = 1000000;	/* a range check follows */
	*out = (unsigned)v;
	return 0;
}

static int int_or_name(const char *s, const struct bounds *b, unsigned *out, struct error *err)
{
	if (b->names) {
		char low[8];
		size_t n = strlen(s);

		if (n < sizeof(low)) {
			for (size_t i = 0; i <= n; i++)
				low[i] = (char)tolower((unsigned char)s[i]);
			for (unsigned i = 0; b->names[i]; i++)
				if (strcmp(low, b->names[i]) == 0) {
					*out = b->name_base + i;
					return 0;
				}
		}
	}
	return must_int(s, out, err);
}

/* range: one comma-separated part of a field (getRange) */
static int range(const char *expr, const struct bounds *b, uint64_t *bits, struct error *err)
{
	char **rs, **lh;
	size_t nrs, nlh;
	unsigned start = 0, end = 0, step = 1;
	uint64_t extra = 0;
	int rc = -1;

	rs = str_split(expr, '/', &nrs);
	lh = str_split(rs[0], '-', &nlh);
	if (strcmp(lh[0], "*") == 0 || strcmp(lh[0], "?") == 0) {
		start = b->min;
		end = b->max;
		extra = STAR_BIT;
	} else {
		if (int_or_name(lh[0], b, &start, err) != 0)
			goto out;
		if (nlh == 1) {
			end = start;
		} else if (nlh == 2) {
			if (int_or_name(lh[1], b, &end, err) != 0)
				goto out;
		} else {
			error_set(err, ERR_INVALID, "too many hyphens: %s", expr);
			goto out;
		}
	}
	if (nrs == 2) {
		if (must_int(rs[1], &step, err) != 0)
			goto out;
		if (nlh == 1 && extra == 0)
			end = b->max;		/* "N/step" means "N-max/step" */
		if (step > 1)
			extra = 0;
	} else if (nrs > 2) {
		error_set(err, ERR_INVALID, "too many slashes: %s", expr);
		goto out;
	}
	if (start < b->min)
		error_set(err, ERR_INVALID, "beginning of range (%u) below minimum (%u): %s", start, b->min, expr);
	else if (end > b->max)
		error_set(err, ERR_INVALID, "end of range (%u) above maximum (%u): %s", end, b->max, expr);
	else if (start > end)
		error_set(err, ERR_INVALID, "beginning of range (%u) beyond end of range (%u): %s", start, end,
			  expr);
	else if (step == 0)
		error_set(err, ERR_INVALID, "step of range should be a positive number: %s", expr);
	else {
		for (unsigned i = start; i <= end; i += step)
			*bits |= 1ull << i;
		*bits |= extra;
		rc = 0;
	}
out:
	str_free_list(lh);
	str_free_list(rs);
	return rc;
}

static int field(const char *f, const struct bounds *b, uint64_t *bits, struct error *err)
{
	char **parts;
	size_t n;
	int rc = 0;

	*bits = 0;
	parts = str_split(f, ',', &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = range(parts[i], b, bits, err);
	str_free_list(parts);
	return rc;
}

/* duration: Go's time.ParseDuration, in whole seconds (robfig rounds) */
static int duration(const char *s, int64_t *out, struct error *err)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
		      { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	const char *p = s;
	double total = 0;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		double v;
		size_t best = 0, len = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		for (size_t i = 0; i < DL_ARRAY_LEN(units); i++) {
			size_t n = strlen(units[i].unit);

			if (strncmp(p, units[i].unit, n) == 0 && n > len) {
				best = i;
				len = n;
			}
		}
		if (!len)
			goto bad;
		p += len;
		total += v * units[best].ns;
	}
	*out = (int64_t)(total / 1e9) * (neg ? -1 : 1);
	return 0;
bad:
	{
		struct buf q = BUF_INIT;
		int rc;

		buf_adds(&q, s);
		rc = error_set(err, ERR_INVALID, "failed to parse duration %s: time: invalid duration \"%s\"", s,
			       q.data);
		buf_release(&q);
		return rc;
	}
}

static const struct {
	const char *name, *spec;
} descriptors[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

int simcron_parse(const char *spec, struct simcron *out, struct error *err)
{
	char *copy, *fields[8], *f;
	size_t n = 0;
	uint64_t bits[5];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (spec && (*spec == ' ' || *spec == '\t'))
		spec++;
	if (!spec || !*spec)
		return error_set(err, ERR_INVALID, "empty spec string");
	if (*spec == '@') {
		for (size_t i = 0; i < DL_ARRAY_LEN(descriptors); i++)
			if (strcmp(spec, descriptors[i].name) == 0)
				return simcron_parse(descriptors[i].spec, out, err);
		if (strncmp(spec, "@every ", 7) == 0) {
			int64_t secs = 0;

			if (duration(spec + 7, &secs, err) != 0)
				return -1;
			out->every = secs < 1 ? 1 : secs;
			return 0;
		}
		return error_set(err, ERR_INVALID, "unrecognized descriptor: %s", spec);
	}
	/* strings.Fields: runs of blanks separate the fields */
	copy = xstrdup(spec);
	for (f = copy; *f;) {
		while (*f && isspace((unsigned char)*f))
			*f++ = '\0';
		if (!*f)
			break;
		if (n < DL_ARRAY_LEN(fields))
			fields[n] = f;
		n++;
		while (*f && !isspace((unsigned char)*f))
			f++;
	}
	if (n != 5) {
		struct buf list = BUF_INIT;

		for (size_t i = 0; i < n && i < DL_ARRAY_LEN(fields); i++)
			buf_addf(&list, "%s%s", i ? " " : "", fields[i]);
		rc = error_set(err, ERR_INVALID, "expected exactly 5 fields, found %zu: [%s]", n, list.data);
		buf_release(&list);
		free(copy);
		return rc;
	}
	rc = field(fields[0], &b_minute, &bits[0], err);
	if (rc == 0)
		rc = field(fields[1], &b_hour, &bits[1], err);
	if (rc == 0)
		rc = field(fields[2], &b_dom, &bits[2], err);
	if (rc == 0)
		rc = field(fields[3], &b_month, &bits[3], err);
	if (rc == 0)
		rc = field(fields[4], &b_dow, &bits[4], err);
	free(copy);
	if (rc != 0)
		return -1;
	out->minute = bits[0] & ~STAR_BIT;
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->dom_star = (bits[2] & STAR_BIT) != 0;
	out->month = (uint16_t)bits[3];
	out->dow = (uint8_t)bits[4];
	out->dow_star = (bits[4] & STAR_BIT) != 0;
	return 0;
}

static bool day_matches(const struct simcron *s, const struct tm *t)
{
	bool dom = (s->dom >> t->tm_mday) & 1, dow = (s->dow >> t->tm_wday) & 1;

	if (s->dom_star || s->dow_star)
		return dom && dow;
	return dom || dow;
}

/* norm: struct tm normalised (timegm fixes overflowed fields) */
static time_t norm(struct tm *t)
{
	time_t v = timegm(t);

	gmtime_r(&v, t);
	return v;
}

int64_t simcron_next(const struct simcron *s, int64_t t0)
{
	struct tm t;
	time_t v = (time_t)t0 + 1;
	bool added = false;
	int year_limit;

	if (s->every)
		return t0 + s->every;
	gmtime_r(&v, &t);
	year_limit = t.tm_year + 5;
wrap:
	if (t.tm_year > year_limit)
		return -1;
	while (!((s->month >> (t.tm_mon + 1)) & 1)) {
		if (!added) {
			added = true;
			t.tm_mday = 1;
			t.tm_hour = t.tm_min = t.tm_sec = 0;
		}
		t.tm_mon++;
		norm(&t);
		if (t.tm_mon == 0)
			goto wrap;
	}
	while (!day_matches(s, &t)) {
		if (!added) {
			added = true;
			t.tm_hour = t.tm_min = t.tm_sec = 0;
		}
		t.tm_mday++;
		norm(&t);
		if (t.tm_mday == 1)
			goto wrap;
	}
	while (!((s->hour >> t.tm_hour) & 1)) {
		if (!added) {
			added = true;
			t.tm_min = t.tm_sec = 0;
		}
		t.tm_hour++;
		norm(&t);
		if (t.tm_hour == 0)
			goto wrap;
	}
	while (!((s->minute >> t.tm_min) & 1)) {
		if (!added) {
			added = true;
			t.tm_sec = 0;
		}
		t.tm_min++;
		norm(&t);
		if (t.tm_min == 0)
			goto wrap;
	}
	/* the seconds field of a standard spec is 0 */
	if (t.tm_sec != 0) {
		added = true;
		t.tm_sec = 0;
		t.tm_min++;
		norm(&t);
		goto wrap;
	}
	return (int64_t)norm(&t);
}
