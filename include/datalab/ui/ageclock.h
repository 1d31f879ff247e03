/*
 * ageclock.h: keeps the ages a view shows right, with one coarse timer.
 *
 * Ages ("45s", "5m12s", "3h") change with time alone: nothing in the
 * models says so.  After each draw a view tells its clock the youngest age
 * it left on screen (ageclock_arm); the clock arms one timer for the next
 * moment that age's text can change: the next second while it shows
 * seconds (under 10 minutes, as kubectl writes ages), else the next whole
 * minute of the wall clock (a minute-granular age is then at most a
 * minute late).  When the timer fires the view's fire function runs
 * (listview: repaint the table if the view is the current one; a table
 * column flagged TABLE_COL_AGE draws its ages from their birth times, so
 * a repaint is all it takes).  A view out of sight, or one showing no
 * age, arms nothing: an idle console without ages on screen is not woken.
 */
#ifndef DATALAB_UI_AGECLOCK_H
#define DATALAB_UI_AGECLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "datalab/core/loop.h"

struct ageclock {
	struct loop *loop;
	void (*fire)(void *arg);
	void *arg;
	uint64_t timer;
	int64_t due_ms;		/* wall ms the timer fires at, 0 when none */
};

/* AGECLOCK_SECONDS: ages younger than this show seconds ("9m59s"). */
#define AGECLOCK_SECONDS 600

/* ageclock_init: fire runs on each tick (it may be NULL). */
void ageclock_init(struct ageclock *c, struct loop *l, void (*fire)(void *arg), void *arg);
void ageclock_release(struct ageclock *c);
/* ageclock_arm: after a draw: youngest is the unix time (s) of the
 * youngest age on screen, 0 when none is. */
void ageclock_arm(struct ageclock *c, int64_t youngest);
/* ageclock_stop: the view went out of sight. */
void ageclock_stop(struct ageclock *c);
/* ageclock_next_ms: the delay from now_ms (wall) to the next tick for a
 * youngest age born at youngest (unix s); -1 for none (youngest 0). */
long ageclock_next_ms(int64_t now_ms, int64_t youngest);

#endif
