/*
 * loop.c: the one event loop (see loop.h).
 *
 * Watches and timers live in small arrays: a console has tens of fds and a
 * handful of timers, so a linear scan per wake-up costs less than any tree.
 * Removal during dispatch only marks an entry dead; dead entries are
 * compacted after dispatch, so callbacks may remove themselves or others,
 * and indexes (never pointers) are held across callbacks because adding an
 * entry may move the arrays.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/loop.h"
#include "datalab/core/mem.h"
#include "datalab/core/timeutil.h"

#define LOOP_NSIG 65

struct watch {
	int fd;
	unsigned events;
	loop_fd_fn *fn;
	void *arg;
	bool dead;
};

struct timer {
	uint64_t id, when;
	loop_timer_fn *fn;
	void *arg;
	bool dead;
};

struct sighandler {
	int signo;
	loop_signal_fn *fn;
	void *arg;
	bool dead;
};

struct loop {
	struct watch *watches;
	size_t nwatches, wcap;
	struct timer *timers;
	size_t ntimers, tcap;
	uint64_t next_id;
	struct sighandler *sigs;
	size_t nsigs, scap;
	struct sigaction old[LOOP_NSIG];
	bool installed[LOOP_NSIG];
	loop_hook_fn *before;
	void *before_arg;
	bool stop;
	uint64_t now, wakeups;
	struct pollfd *pfds;
	size_t pcap;
	struct at_free {
		loop_hook_fn *fn;
		void *arg;
	} *at_free;
	size_t nat_free;
};

/* The self-pipe: the one file-level variable (async-signal-safe writes). */
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* pipe full: a wake-up is already queued */
	}
	errno = saved;
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	if (sig_pipe[0] < 0) {
		if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
			fatal("cannot create the signal pipe: %s", strerror(errno));
	}
	l->next_id = 1;
	l->now = time_mono_ms();
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->nat_free > 0) {
		struct at_free a = l->at_free[--l->nat_free];

		a.fn(l, a.arg);
	}
	free(l->at_free);
	for (int s = 1; s < LOOP_NSIG; s++)
		if (l->installed[s])
			sigaction(s, &l->old[s], NULL);
	free(l->watches);
	free(l->timers);
	free(l->sigs);
	free(l->pfds);
	free(l);
}

void loop_at_free(struct loop *l, loop_hook_fn *fn, void *arg)
{
	l->at_free = xreallocarray(l->at_free, l->nat_free + 1, sizeof(*l->at_free));
	l->at_free[l->nat_free].fn = fn;
	l->at_free[l->nat_free].arg = arg;
	l->nat_free++;
}

void loop_off_free(struct loop *l, loop_hook_fn *fn, void *arg)
{
	for (size_t i = 0; i < l->nat_free; i++) {
		if (l->at_free[i].fn == fn && l->at_free[i].arg == arg) {
			memmove(&l->at_free[i], &l->at_free[i + 1], (l->nat_free - i - 1) * sizeof(*l->at_free));
			l->nat_free--;
			return;
		}
	}
}

static struct watch *watch_find(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nwatches; i++)
		if (l->watches[i].fd == fd && !l->watches[i].dead)
			return &l->watches[i];
	return NULL;
}

int loop_watch_fd(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *arg)
{
	struct watch *w = watch_find(l, fd);

	if (!w) {
		if (l->nwatches == l->wcap) {
			l->wcap = l->wcap ? l->wcap * 2 : 16;
			l->watches = xreallocarray(l->watches, l->wcap, sizeof(*l->watches));
		}
		w = &l->watches[l->nwatches++];
		w->fd = fd;
		w->dead = false;
	}
	w->events = events & (LOOP_READ | LOOP_WRITE);
	w->fn = fn;
	w->arg = arg;
	return 0;
}

void loop_unwatch_fd(struct loop *l, int fd)
{
	struct watch *w = watch_find(l, fd);

	if (w)
		w->dead = true;
}

uint64_t loop_add_timer(struct loop *l, long ms, loop_timer_fn *fn, void *arg)
{
	struct timer *t;

	if (l->ntimers == l->tcap) {
		l->tcap = l->tcap ? l->tcap * 2 : 8;
		l->timers = xreallocarray(l->timers, l->tcap, sizeof(*l->timers));
	}
	t = &l->timers[l->ntimers++];
	t->id = l->next_id++;
	t->when = time_mono_ms() + (uint64_t)(ms > 0 ? ms : 0);
	t->fn = fn;
	t->arg = arg;
	t->dead = false;
	return t->id;
}

void loop_del_timer(struct loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id)
			l->timers[i].dead = true;
}

int loop_on_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	struct sighandler *h;

	if (signo <= 0 || signo >= LOOP_NSIG)
		return -1;
	if (!l->installed[signo]) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
		if (sigaction(signo, &sa, &l->old[signo]) < 0)
			return -1;
		l->installed[signo] = true;
	}
	if (l->nsigs == l->scap) {
		l->scap = l->scap ? l->scap * 2 : 8;
		l->sigs = xreallocarray(l->sigs, l->scap, sizeof(*l->sigs));
	}
	h = &l->sigs[l->nsigs++];
	h->signo = signo;
	h->fn = fn;
	h->arg = arg;
	h->dead = false;
	return 0;
}

void loop_off_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	for (size_t i = 0; i < l->nsigs; i++)
		if (l->sigs[i].signo == signo && l->sigs[i].fn == fn && l->sigs[i].arg == arg)
			l->sigs[i].dead = true;
}

void loop_set_before_poll(struct loop *l, loop_hook_fn *fn, void *arg)
{
	l->before = fn;
	l->before_arg = arg;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int loop_stopped(const struct loop *l)
{
	return l->stop;
}

uint64_t loop_now_ms(struct loop *l)
{
	return l->now;
}

uint64_t loop_wakeups(const struct loop *l)
{
	return l->wakeups;
}

static void reap(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nwatches; i++)
		if (!l->watches[i].dead)
			l->watches[j++] = l->watches[i];
	l->nwatches = j;
	j = 0;
	for (size_t i = 0; i < l->ntimers; i++)
		if (!l->timers[i].dead)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
	j = 0;
	for (size_t i = 0; i < l->nsigs; i++)
		if (!l->sigs[i].dead)
			l->sigs[j++] = l->sigs[i];
	l->nsigs = j;
}

static int dispatch_signals(struct loop *l)
{
	unsigned char sigs[64];
	ssize_t n;
	int ran = 0;

	while ((n = read(sig_pipe[0], sigs, sizeof(sigs))) > 0) {
		for (ssize_t k = 0; k < n; k++) {
			size_t count = l->nsigs;

			for (size_t i = 0; i < count; i++) {
				if (l->sigs[i].dead || l->sigs[i].signo != sigs[k])
					continue;
				l->sigs[i].fn(l, sigs[k], l->sigs[i].arg);
				ran++;
			}
		}
	}
	return ran;
}

static int dispatch_timers(struct loop *l)
{
	size_t count = l->ntimers;
	int ran = 0;

	for (size_t i = 0; i < count; i++) {
		loop_timer_fn *fn;
		void *arg;
		uint64_t id;
		long next;

		if (l->timers[i].dead || l->timers[i].when > l->now)
			continue;
		fn = l->timers[i].fn;
		arg = l->timers[i].arg;
		id = l->timers[i].id;
		next = fn(l, arg);
		ran++;
		/* the array may have moved; the entry stays at index i */
		if (l->timers[i].id != id || l->timers[i].dead)
			continue;
		if (next < 0)
			l->timers[i].dead = true;
		else
			l->timers[i].when = time_mono_ms() + (uint64_t)next;
	}
	return ran;
}

int loop_run_once(struct loop *l, long max_ms)
{
	long timeout = max_ms;
	size_t n = 0, count;
	int ran = 0, r;

	if (l->before)
		l->before(l, l->before_arg);
	l->now = time_mono_ms();
	for (size_t i = 0; i < l->ntimers; i++) {
		long wait;

		if (l->timers[i].dead)
			continue;
		wait = l->timers[i].when > l->now ? (long)(l->timers[i].when - l->now) : 0;
		if (timeout < 0 || wait < timeout)
			timeout = wait;
	}
	if (l->pcap < l->nwatches + 1) {
		l->pcap = l->nwatches + 16;
		l->pfds = xreallocarray(l->pfds, l->pcap, sizeof(*l->pfds));
	}
	l->pfds[n].fd = sig_pipe[0];
	l->pfds[n++].events = POLLIN;
	for (size_t i = 0; i < l->nwatches; i++) {
		struct watch *w = &l->watches[i];

		if (w->dead || !w->events)
			continue;
		l->pfds[n].fd = w->fd;
		l->pfds[n].events = (short)((w->events & LOOP_READ ? POLLIN : 0) |
					    (w->events & LOOP_WRITE ? POLLOUT : 0));
		l->pfds[n++].revents = 0;
	}
	r = poll(l->pfds, n, timeout > 0x7fffffffL ? 0x7fffffff : (int)timeout);
	l->wakeups++;
	l->now = time_mono_ms();
	if (r < 0 && errno != EINTR)
		fatal("poll failed: %s", strerror(errno));
	if (r > 0 && (l->pfds[0].revents & POLLIN))
		ran += dispatch_signals(l);
	count = n;
	for (size_t k = 1; r > 0 && k < count; k++) {
		short re = l->pfds[k].revents;
		struct watch *w;
		unsigned ev = 0;

		if (!re)
			continue;
		w = watch_find(l, l->pfds[k].fd);
		if (!w)
			continue;
		if (re & (POLLIN | POLLHUP))
			ev |= LOOP_READ;
		if (re & POLLOUT)
			ev |= LOOP_WRITE;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERROR;
		/* report only what was asked for, plus errors */
		ev &= w->events | LOOP_ERROR;
		if (!ev)
			continue;
		w->fn(l, l->pfds[k].fd, ev, w->arg);
		ran++;
	}
	ran += dispatch_timers(l);
	reap(l);
	return ran;
}

int loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		loop_run_once(l, -1);
	return 0;
}
