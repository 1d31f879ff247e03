/*
 * test_ageclock.c: when the ages' timer fires: the next second while the
 * youngest age on screen shows seconds, the next whole minute after, and
 * never without an age; and on a real loop, one tick then nothing until
 * the view arms it again.
 */
#include "testutil.h"

#include "datalab/core/common.h"
#include "datalab/core/loop.h"
#include "datalab/core/timeutil.h"
#include "datalab/ui/ageclock.h"

static const struct {
	int64_t now_ms, youngest;
	long want;
} rows[] = {
	{ 1700000000250, 1700000000 - 5, 750 + 20 },		/* "5s": the next second */
	{ 1700000000999, 1700000000 - 599, 1 + 20 },		/* "9m59s" still shows seconds */
	{ 1699999980250, 1699999980 - 600, 59750 + 20 },	/* "10m": the next minute (:00) */
	{ 1700000020000, 1699999980 - 86400, 20000 + 20 },	/* "1d": the next minute too */
	{ 1700000000250, 0, -1 },				/* no age on screen: no timer */
	{ 1700000000250, 1700000000 + 30, 750 + 20 },		/* born "in the future" (skew): seconds */
};

START_TEST(next_tick)
{
	ck_assert_int_eq(ageclock_next_ms(rows[_i].now_ms, rows[_i].youngest), rows[_i].want);
}
END_TEST

static int fired;

static void fire(void *arg)
{
	(void)arg;
	fired++;
}

START_TEST(ticks_once_per_arm)
{
	struct loop *l = loop_new();
	struct ageclock c;
	uint64_t end;

	fired = 0;
	ageclock_init(&c, l, fire, NULL);
	ageclock_arm(&c, time_wall_ms() / 1000 - 3);	/* "3s" */
	ageclock_arm(&c, time_wall_ms() / 1000 - 3);	/* again: the same timer */
	end = time_mono_ms() + 3000;
	while (!fired && time_mono_ms() < end)
		loop_run_once(l, 100);
	ck_assert_int_eq(fired, 1);
	/* not armed again: nothing more */
	end = time_mono_ms() + 1300;
	while (time_mono_ms() < end)
		loop_run_once(l, 100);
	ck_assert_int_eq(fired, 1);
	/* an old age arms for the next minute; no age stops it */
	ageclock_arm(&c, time_wall_ms() / 1000 - 3600);
	ck_assert(c.timer != 0);
	ageclock_arm(&c, 0);
	ck_assert(c.timer == 0);
	ageclock_release(&c);
	loop_free(l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ageclock");
	TCase *tc = tcase_create("ageclock");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, next_tick, 0, DL_ARRAY_LEN(rows));
	tcase_add_test(tc, ticks_once_per_arm);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
