/*
 * test_sb_simcron.c: the CronJob schedule grammar (robfig/cron's standard
 * parser) and the next time a schedule fires, as {input, expected} rows.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "datalab/core/timeutil.h"
#include "datalab/sandbox/simcron.h"
#include "testutil.h"

static int64_t at(const char *rfc3339)
{
	time_t t;

	ck_assert_int_eq(time_parse_rfc3339(rfc3339, &t), 0);
	return (int64_t)t;
}

static const char *fmt(int64_t t)
{
	static char b[32];

	if (t < 0)
		return "never";
	time_rfc3339(b, sizeof(b), (time_t)t);
	return b;
}

/* the next firing after a time, for a spec */
static const struct {
	const char *spec, *after, *next;
} nexts[] = {
	{ "* * * * *", "2025-03-10T10:15:30Z", "2025-03-10T10:16:00Z" },
	{ "* * * * *", "2025-03-10T10:15:00Z", "2025-03-10T10:16:00Z" },	/* strictly after */
	{ "*/15 * * * *", "2025-03-10T10:15:00Z", "2025-03-10T10:30:00Z" },
	{ "5/20 * * * *", "2025-03-10T10:26:00Z", "2025-03-10T10:45:00Z" },	/* 5, 25, 45 */
	{ "0 9-17/4 * * *", "2025-03-10T13:00:00Z", "2025-03-10T17:00:00Z" },	/* 9, 13, 17 */
	{ "30 2 * * *", "2025-03-10T03:00:00Z", "2025-03-11T02:30:00Z" },
	{ "0 0 1 * *", "2025-12-15T00:00:00Z", "2026-01-01T00:00:00Z" },	/* over the year */
	{ "0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z" },	/* the next leap day */
	{ "0 0 30 2 *", "2025-03-01T00:00:00Z", "never" },
	{ "0 12 * * MON-FRI", "2025-03-08T00:00:00Z", "2025-03-10T12:00:00Z" },	/* Sat → Mon */
	{ "0 12 * * sun", "2025-03-10T00:00:00Z", "2025-03-16T12:00:00Z" },
	{ "0 0 * JAN,jul *", "2025-03-10T00:00:00Z", "2025-07-01T00:00:00Z" },
	/* both day fields restricted: either one (the 13th, or a Friday) */
	{ "0 0 13 * 5", "2025-03-10T00:00:00Z", "2025-03-13T00:00:00Z" },
	{ "0 0 13 * 5", "2025-03-13T00:00:00Z", "2025-03-14T00:00:00Z" },
	/* one of them "*": both (a 13th that is a Friday) */
	{ "0 0 13 * *", "2025-03-10T00:00:00Z", "2025-03-13T00:00:00Z" },
	{ "0 0 ? * 5", "2025-03-10T00:00:00Z", "2025-03-14T00:00:00Z" },
	/* "*\/2" is not "*": dom and dow OR again */
	{ "0 0 */10 * 1", "2025-03-01T12:00:00Z", "2025-03-03T00:00:00Z" },
	{ "@hourly", "2025-03-10T10:15:30Z", "2025-03-10T11:00:00Z" },
	{ "@daily", "2025-03-10T10:15:30Z", "2025-03-11T00:00:00Z" },
	{ "@midnight", "2025-03-10T00:00:00Z", "2025-03-11T00:00:00Z" },
	{ "@weekly", "2025-03-10T10:15:30Z", "2025-03-16T00:00:00Z" },
	{ "@monthly", "2025-03-10T10:15:30Z", "2025-04-01T00:00:00Z" },
	{ "@yearly", "2025-03-10T10:15:30Z", "2026-01-01T00:00:00Z" },
	{ "@annually", "2025-03-10T10:15:30Z", "2026-01-01T00:00:00Z" },
	{ "@every 1h30m", "2025-03-10T10:15:30Z", "2025-03-10T11:45:30Z" },
	{ "@every 10s", "2025-03-10T10:15:30Z", "2025-03-10T10:15:40Z" },
	{ "  0   0  *\t* *", "2025-03-10T10:15:30Z", "2025-03-11T00:00:00Z" },
};

START_TEST(test_next)
{
	for (size_t i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		struct simcron sc;
		struct error err = { 0 };

		ck_assert_msg(simcron_parse(nexts[i].spec, &sc, &err) == 0, "%s: %s", nexts[i].spec, err.msg);
		ck_assert_msg(strcmp(fmt(simcron_next(&sc, at(nexts[i].after))), nexts[i].next) == 0,
			      "%s after %s: %s, want %s", nexts[i].spec, nexts[i].after,
			      fmt(simcron_next(&sc, at(nexts[i].after))), nexts[i].next);
	}
}
END_TEST

/* robfig's sentences, which the apiserver's 422 carries */
static const struct {
	const char *spec, *msg;
} errors[] = {
	{ "", "empty spec string" },
	{ "*/5 * * *", "expected exactly 5 fields, found 4: [*/5 * * *]" },
	{ "* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]" },
	{ "0-60 * * * *", "end of range (60) above maximum (59): 0-60" },
	{ "* 24 * * *", "end of range (24) above maximum (23): 24" },
	{ "* * 0 * *", "beginning of range (0) below minimum (1): 0" },
	{ "* * * 13 *", "end of range (13) above maximum (12): 13" },
	{ "* * * * 7", "end of range (7) above maximum (6): 7" },
	{ "5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1" },
	{ "1-2-3 * * * *", "too many hyphens: 1-2-3" },
	{ "*/2/3 * * * *", "too many slashes: */2/3" },
	{ "*/0 * * * *", "step of range should be a positive number: */0" },
	{ "x * * * *", "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax" },
	{ "* * * FOO *", "failed to parse int from FOO: strconv.Atoi: parsing \"FOO\": invalid syntax" },
	{ "*/-1 * * * *", "negative number (-1) not allowed: -1" },
	{ "@fortnightly", "unrecognized descriptor: @fortnightly" },
	{ "@every soon", "failed to parse duration soon: time: invalid duration \"soon\"" },
};

START_TEST(test_errors)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct simcron sc;
		struct error err = { 0 };

		ck_assert_msg(simcron_parse(errors[i].spec, &sc, &err) == -1, "'%s' parsed", errors[i].spec);
		ck_assert_msg(strcmp(err.msg, errors[i].msg) == 0, "'%s': '%s', want '%s'", errors[i].spec, err.msg,
			      errors[i].msg);
	}
}
END_TEST

START_TEST(test_bits)
{
	struct simcron sc;
	struct error err = { 0 };

	ck_assert_int_eq(simcron_parse("1,3-5,50/5 0 1 */6 SUN,sat", &sc, &err), 0);
	ck_assert_uint_eq(sc.minute, (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 50) |
			  (1ull << 55));
	ck_assert_uint_eq(sc.hour, 1u);
	ck_assert_uint_eq(sc.dom, 1u << 1);
	ck_assert_uint_eq(sc.month, (1u << 1) | (1u << 7));
	ck_assert_uint_eq(sc.dow, (1u << 0) | (1u << 6));
	ck_assert(!sc.dom_star && !sc.dow_star);
	ck_assert_int_eq(simcron_parse("* * * * *", &sc, &err), 0);
	ck_assert(sc.dom_star && sc.dow_star);
	ck_assert_uint_eq(sc.minute, (1ull << 60) - 1);
	/* every minute for a day: 1440 firings, each a minute apart */
	{
		int64_t t = at("2025-03-10T00:00:00Z"), n = 0;

		for (int64_t x = simcron_next(&sc, t - 1); x < t + 86400; x = simcron_next(&sc, x), n++)
			ck_assert_int_eq(x % 60, 0);
		ck_assert_int_eq(n, 1440);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_simcron");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_next);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_bits);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
