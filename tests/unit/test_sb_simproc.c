/*
 * test_sb_simproc.c: the CPU and memory of real processes by session: a
 * child in its own session burning CPU and touching memory is seen with
 * its children, a session that is not asked for is not, and the rate is
 * CPU time over wall time against the right sample.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/timeutil.h"
#include "datalab/sandbox/simproc.h"
#include "testutil.h"

static pid_t burning;
static char *volatile kept;	/* the memory escapes: no compiler drops it */

/* burner: a session leader whose child spins and holds 32 MiB */
static pid_t burner(int ready_fd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* whatever happens to the test, this dies with it, or in 30 s */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		setsid();
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(30);
			size_t n = 32u << 20;
			char *m = malloc(n);
			volatile unsigned long x = 0;

			kept = m;
			memset(kept, 1, n);
			if (write(ready_fd, "r", 1) != 1)
				_exit(1);
			for (;;)
				x++;
		}
		for (;;)
			pause();
	}
	burning = pid;
	return pid;
}

/* stop: the burner goes, whatever the test's outcome */
static void stop(void)
{
	if (burning > 0) {
		kill(-burning, SIGKILL);
		kill(burning, SIGKILL);
		waitpid(burning, NULL, 0);
		burning = 0;
	}
}

START_TEST(test_session_sum)
{
	int fds[2];
	char c;
	pid_t pid;
	struct simproc_table *t;
	int64_t cpu = 0, rss = 0, cpu2 = 0, rss2 = 0;
	int other = 1;	/* init's session: not ours */
	uint64_t t0;

	ck_assert_int_eq(pipe(fds), 0);
	pid = burner(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	t0 = time_mono_ms();
	/* spin until the child has shown 200 ms of CPU, or 20 s on a loaded machine */
	do {
		struct timespec ts = { 0, 50000000 };

		nanosleep(&ts, NULL);
		t = simproc_scan();
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(simproc_sum(t, (int[]){ pid }, 1, &cpu, &rss), 2);
		simproc_table_free(t);
	} while (cpu < 200000000 && time_mono_ms() - t0 < 20000);
	ck_assert_int_ge(cpu, 200000000);
	ck_assert_int_ge(rss, 32 << 20);
	/* another session's processes are not counted */
	t = simproc_scan();
	simproc_sum(t, &other, 1, &cpu2, &rss2);
	ck_assert_int_lt(rss2, 32 << 20);
	ck_assert_uint_eq(simproc_sum(t, (int[]){ 0x7ffffff0 }, 1, &cpu2, &rss2), 0);
	ck_assert_int_eq(cpu2, 0);
	simproc_table_free(t);
	stop();
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_rate)
{
	struct simproc *p = simproc_new();

	/* no sample yet: since the sessions started (2 s ago, 1 s of CPU: 500m) */
	ck_assert_int_eq(simproc_rate(p, "u/c", 1000000000LL, 8000, 10000), 500000000);
	/* 0.5 s later: the only sample is too recent for a window, but the one there is */
	ck_assert_int_eq(simproc_rate(p, "u/c", 1250000000LL, 0, 10500), 500000000);
	/* 2 s after the first: against the newest sample at least 1 s old (10000) */
	ck_assert_int_eq(simproc_rate(p, "u/c", 2000000000LL, 0, 12000), 500000000);
	/* a busy second: a full core */
	ck_assert_int_eq(simproc_rate(p, "u/c", 3000000000LL, 0, 13000), 1000000000);
	/* a session ended: the total went down, the rate is 0, not negative */
	ck_assert_int_eq(simproc_rate(p, "u/c", 100000000LL, 0, 14000), 0);
	/* keys are apart; forget drops by prefix */
	ck_assert_int_eq(simproc_rate(p, "u/d", 0, 0, 14000), 0);
	simproc_forget(p, "u/");
	ck_assert_int_eq(simproc_rate(p, "u/c", 500000000LL, 13500, 14000), 1000000000);
	/* samples older than a minute go, and the rate uses what is left */
	ck_assert_int_eq(simproc_rate(p, "u/c", 500000000LL, 0, 90000), 0);
	simproc_free(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sb_simproc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_session_sum);
	tcase_add_test(tc, test_rate);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
