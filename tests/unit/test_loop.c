/*
 * test_loop.c: the event loop (timers, fds, signals, deferred removal) and
 * child processes (output, exit codes, stdin, kill, free while running).
 */
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "datalab/core/buf.h"
#include "datalab/core/loop.h"
#include "datalab/core/proc.h"
#include "datalab/core/timeutil.h"
#include "testutil.h"

static int fired;

static long once(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	fired++;
	return LOOP_NOMORE;
}

static long thrice(struct loop *l, void *arg)
{
	(void)arg;
	if (++fired == 3) {
		loop_stop(l);
		return LOOP_NOMORE;
	}
	return 5;
}

START_TEST(timers_fire_in_order)
{
	struct loop *l = loop_new();
	uint64_t t0 = time_mono_ms();

	fired = 0;
	loop_add_timer(l, 10, thrice, NULL);
	loop_run(l);
	ck_assert_int_eq(fired, 3);
	ck_assert_uint_ge(time_mono_ms() - t0, 19);
	loop_free(l);
}
END_TEST

static uint64_t victim;

static long killer(struct loop *l, void *arg)
{
	(void)arg;
	loop_del_timer(l, victim);	/* due in the same round: must not run */
	loop_add_timer(l, 20, once, NULL);	/* may move the array */
	return LOOP_NOMORE;
}

START_TEST(timer_removed_during_dispatch)
{
	struct loop *l = loop_new();

	fired = 0;
	loop_add_timer(l, 0, killer, NULL);
	victim = loop_add_timer(l, 0, once, NULL);
	usleep(2000);
	loop_run_once(l, 0);
	ck_assert_int_eq(fired, 0);
	loop_run_once(l, 200);
	ck_assert_int_eq(fired, 1);
	loop_free(l);
}
END_TEST

static void on_read(struct loop *l, int fd, unsigned ev, void *arg)
{
	char c;
	int *got = arg;

	ck_assert(ev & LOOP_READ);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	*got = c;
	loop_unwatch_fd(l, fd);
	loop_stop(l);
}

START_TEST(fd_watch)
{
	struct loop *l = loop_new();
	int p[2], got = 0;

	ck_assert_int_eq(pipe(p), 0);
	loop_watch_fd(l, p[0], LOOP_READ, on_read, &got);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	loop_run(l);
	ck_assert_int_eq(got, 'x');
	close(p[0]);
	close(p[1]);
	loop_free(l);
}
END_TEST

static void on_usr1(struct loop *l, int signo, void *arg)
{
	*(int *)arg = signo;
	loop_stop(l);
}

START_TEST(signals_through_the_pipe)
{
	struct loop *l = loop_new();
	int got = 0;

	loop_on_signal(l, SIGUSR1, on_usr1, &got);
	kill(getpid(), SIGUSR1);
	loop_run(l);
	ck_assert_int_eq(got, SIGUSR1);
	loop_free(l);
}
END_TEST

START_TEST(idle_means_no_wakeups)
{
	struct loop *l = loop_new();
	uint64_t before = loop_wakeups(l);

	loop_add_timer(l, 300, once, NULL);
	fired = 0;
	while (!fired)
		loop_run_once(l, -1);
	/* one wake-up for one timer: no busy polling */
	ck_assert_uint_le(loop_wakeups(l) - before, 2);
	loop_free(l);
}
END_TEST

struct run {
	struct buf out, err;
	int status;
	bool done;
};

static void r_out(struct proc *p, const char *d, size_t n, void *arg)
{
	(void)p;
	buf_add(&((struct run *)arg)->out, d, n);
}

static void r_err(struct proc *p, const char *d, size_t n, void *arg)
{
	(void)p;
	buf_add(&((struct run *)arg)->err, d, n);
}

static void r_exit(struct proc *p, int status, void *arg)
{
	struct run *r = arg;

	r->status = status;
	r->done = true;
	proc_free(p);	/* freeing from on_exit is allowed */
}

static const struct proc_cbs run_cbs = { r_out, r_err, r_exit };

static void run_cmd(const char *const *argv, const char *in, struct run *r)
{
	struct loop *l = loop_new();
	struct proc_opts o = { .argv = argv, .stdin_data = in, .stdin_len = in ? strlen(in) : 0 };
	struct error err;
	uint64_t deadline = time_mono_ms() + 10000;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
	ck_assert_ptr_nonnull(proc_spawn(l, &o, &run_cbs, r, &err));
	while (!r->done && time_mono_ms() < deadline)
		loop_run_once(l, 100);
	ck_assert(r->done);
	loop_free(l);
}

START_TEST(proc_output_and_status)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct run r;

	run_cmd(argv, NULL, &r);
	ck_assert_str_eq(r.out.data, "out\n");
	ck_assert_str_eq(r.err.data, "err\n");
	ck_assert_int_eq(r.status, 3);
	buf_release(&r.out);
	buf_release(&r.err);
}
END_TEST

START_TEST(proc_stdin_and_big_output)
{
	const char *argv[] = { "sh", "-c", "cat; head -c 1000000 /dev/zero", NULL };
	struct run r;

	run_cmd(argv, "hello", &r);
	ck_assert_uint_eq(r.out.len, 5 + 1000000);
	ck_assert(memcmp(r.out.data, "hello", 5) == 0);
	ck_assert_int_eq(r.status, 0);
	buf_release(&r.out);
	buf_release(&r.err);
}
END_TEST

START_TEST(proc_exec_failure_is_127)
{
	const char *argv[] = { "/nonexistent/datalab-no-such-program", NULL };
	struct run r;

	run_cmd(argv, NULL, &r);
	ck_assert_int_eq(r.status, 127);
	ck_assert(strstr(r.err.data, "cannot run") != NULL);
	buf_release(&r.out);
	buf_release(&r.err);
}
END_TEST

START_TEST(proc_free_while_running_reaps)
{
	struct loop *l = loop_new();
	const char *argv[] = { "sleep", "30", NULL };
	struct proc_opts o = { .argv = argv };
	struct proc *p = proc_spawn(l, &o, NULL, NULL, NULL);
	pid_t pid;
	uint64_t deadline = time_mono_ms() + 5000;

	ck_assert_ptr_nonnull(p);
	pid = proc_pid(p);
	proc_free(p);
	/* the loop reaps it: kill(pid, 0) fails once it is gone (no zombie) */
	while (kill(pid, 0) == 0 && time_mono_ms() < deadline)
		loop_run_once(l, 50);
	ck_assert_int_ne(kill(pid, 0), 0);
	loop_free(l);
}
END_TEST

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, timers_fire_in_order);
	tcase_add_test(tc, timer_removed_during_dispatch);
	tcase_add_test(tc, fd_watch);
	tcase_add_test(tc, signals_through_the_pipe);
	tcase_add_test(tc, idle_means_no_wakeups);
	tcase_add_test(tc, proc_output_and_status);
	tcase_add_test(tc, proc_stdin_and_big_output);
	tcase_add_test(tc, proc_exec_failure_is_127);
	tcase_add_test(tc, proc_free_while_running_reaps);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(loop_suite)
