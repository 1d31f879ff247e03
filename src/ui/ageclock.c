/*
 * ageclock.c: the ages' timer (see ageclock.h).
 *
 * One loop timer at most per clock.  Arming keeps a timer already due
 * sooner and replaces one due later (a younger age came on screen); a tick
 * only calls fire, so the view decides, when it draws, whether to arm
 * again.
 */
#include "datalab/core/timeutil.h"
#include "datalab/ui/ageclock.h"

/* a tick lands this long after the boundary, so the age read then has
 * already moved */
#define AFTER_MS 20

void ageclock_init(struct ageclock *c, struct loop *l, void (*fire)(void *arg), void *arg)
{
	c->loop = l;
	c->fire = fire;
	c->arg = arg;
	c->timer = 0;
	c->due_ms = 0;
}

void ageclock_stop(struct ageclock *c)
{
	if (c->timer && c->loop)
		loop_del_timer(c->loop, c->timer);
	c->timer = 0;
	c->due_ms = 0;
}

void ageclock_release(struct ageclock *c)
{
	ageclock_stop(c);
}

long ageclock_next_ms(int64_t now_ms, int64_t youngest)
{
	int64_t age;

	if (youngest <= 0)
		return -1;
	age = now_ms / 1000 - youngest;
	if (age < AGECLOCK_SECONDS)
		return (long)(1000 - now_ms % 1000) + AFTER_MS;
	return (long)(60000 - now_ms % 60000) + AFTER_MS;
}

static long tick(struct loop *l, void *arg)
{
	struct ageclock *c = arg;

	(void)l;
	c->timer = 0;
	c->due_ms = 0;
	if (c->fire)
		c->fire(c->arg);
	return LOOP_NOMORE;
}

void ageclock_arm(struct ageclock *c, int64_t youngest)
{
	int64_t now = time_wall_ms();
	long delay = ageclock_next_ms(now, youngest);

	if (delay < 0 || !c->loop) {
		ageclock_stop(c);
		return;
	}
	if (c->timer && c->due_ms <= now + delay)
		return;
	ageclock_stop(c);
	c->timer = loop_add_timer(c->loop, delay, tick, c);
	c->due_ms = now + delay;
}
