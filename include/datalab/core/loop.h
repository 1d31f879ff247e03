/*
 * loop.h: the one event loop, shaped like redis's ae.c.
 *
 * One thread.  poll() over the watched fds; its timeout is the nearest
 * timer.  Signals arrive through a self-pipe and are dispatched as normal
 * callbacks, never inside the handler.  The before_poll hook runs before
 * each wait: the UI draws there, once per wake-up.  A timer callback returns
 * its next delay in ms, or LOOP_NOMORE; a timer or watch removed during
 * dispatch is only marked and reaped later, so a callback may remove
 * itself or others.
 */
#ifndef DATALAB_CORE_LOOP_H
#define DATALAB_CORE_LOOP_H

#include <stdint.h>

struct loop;

enum loop_events {
	LOOP_READ = 1 << 0,
	LOOP_WRITE = 1 << 1,
	LOOP_ERROR = 1 << 2,	/* reported only: POLLERR/POLLHUP/POLLNVAL */
};

#define LOOP_NOMORE (-1L)

typedef void loop_fd_fn(struct loop *l, int fd, unsigned events, void *arg);
typedef long loop_timer_fn(struct loop *l, void *arg);
typedef void loop_signal_fn(struct loop *l, int signo, void *arg);
typedef void loop_hook_fn(struct loop *l, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);	/* restores signal dispositions it changed */

/* loop_watch_fd: watch fd for events (LOOP_READ|LOOP_WRITE); replaces any
 * watch already on fd.  events 0 keeps the watch but polls nothing. */
int loop_watch_fd(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *arg);
void loop_unwatch_fd(struct loop *l, int fd);

/* loop_add_timer: fn runs after ms; returns an id > 0 for loop_del_timer. */
uint64_t loop_add_timer(struct loop *l, long ms, loop_timer_fn *fn, void *arg);
void loop_del_timer(struct loop *l, uint64_t id);

/* loop_on_signal: SIGWINCH, SIGCHLD, SIGTERM, SIGINT, SIGHUP... are
 * delivered as callbacks.  Several handlers per signal are allowed. */
int loop_on_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg);
/* loop_off_signal: removes the handler registered with the same fn and arg. */
void loop_off_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg);

void loop_set_before_poll(struct loop *l, loop_hook_fn *fn, void *arg);

/* loop_at_free: fn runs in loop_free, before the loop goes (objects that
 * outlive their owner, such as a freed proc whose child is not reaped yet,
 * release themselves there).  loop_off_free removes the same fn and arg. */
void loop_at_free(struct loop *l, loop_hook_fn *fn, void *arg);
void loop_off_free(struct loop *l, loop_hook_fn *fn, void *arg);

/* loop_run: dispatch until loop_stop.  Returns 0. */
int loop_run(struct loop *l);
/* loop_run_once: one wait (at most max_ms, -1 = until something happens)
 * and its dispatch.  Returns the number of callbacks run. */
int loop_run_once(struct loop *l, long max_ms);
void loop_stop(struct loop *l);
int loop_stopped(const struct loop *l);

/* loop_now_ms: monotonic milliseconds, read once per wake-up. */
uint64_t loop_now_ms(struct loop *l);
/* loop_wakeups: how many times poll() returned (the idle-CPU test reads it). */
uint64_t loop_wakeups(const struct loop *l);

#endif
