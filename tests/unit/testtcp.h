/*
 * testtcp.h: a raw TCP server on a thread, for suites that write the
 * bytes themselves (a WebSocket handshake and frames, a misbehaving
 * peer), where testserver.h's HTTP server would answer for them.
 *
 * testtcp_start listens on 127.0.0.1 at a port the kernel picks and runs
 * the suite's thread function, which accepts on t->lfd and checks t->stop
 * in its loops; testtcp_stop raises stop, shuts the socket (a blocked
 * accept returns) and joins the thread.
 */
#ifndef DATALAB_TESTTCP_H
#define DATALAB_TESTTCP_H

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datalab/core/common.h"

struct testtcp {
	int lfd, port;		/* lfd: -1 when not listening */
	pthread_t thread;
	bool thread_on;
	atomic_int stop;	/* set by testtcp_stop: the thread winds down */
};

/* testtcp_start: listen, then run fn(arg) on a thread. */
static DL_UNUSED void testtcp_start(struct testtcp *t, void *(*fn)(void *), void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	atomic_store(&t->stop, 0);
	t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(t->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(t->lfd, 8), 0);
	getsockname(t->lfd, (struct sockaddr *)&a, &al);
	t->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, fn, arg), 0);
	t->thread_on = true;
}

/* testtcp_stop: stop and join the thread; a server never started (or
 * stopped already) is a no-op. */
static DL_UNUSED void testtcp_stop(struct testtcp *t)
{
	atomic_store(&t->stop, 1);
	if (t->lfd >= 0) {
		shutdown(t->lfd, SHUT_RDWR);
		close(t->lfd);
		t->lfd = -1;
	}
	if (t->thread_on)
		pthread_join(t->thread, NULL);
	t->thread_on = false;
}

/* testtcp_send_all: all n bytes to fd, or until the peer is gone. */
static DL_UNUSED void testtcp_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

#endif
