/*
 * test_term_session.c: sessions over the local pty transport, on a real
 * loop with real shells: output, keys, exit codes, resize followed by
 * `stty size`, restart, and no child left behind.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "datalab/core/loop.h"
#include "datalab/core/timeutil.h"
#include "datalab/term/pty.h"
#include "datalab/term/session.h"
#include "datalab/term/term.h"

static struct loop *loop;
static int changes;

static void on_change(struct session *s, enum term_event ev, void *arg)
{
	(void)s;
	(void)ev;
	(void)arg;
	changes++;
}

static void setup(void)
{
	loop = loop_new();
	changes = 0;
}

static void teardown(void)
{
	loop_free(loop);
}

/* screen_has: whether any row of the live screen holds needle */
static bool screen_has(struct session *s, const char *needle)
{
	char line[1024];
	int rows;

	term_size(session_term(s), &rows, NULL);
	for (int r = 0; r < rows; r++) {
		term_row_text(session_term(s), r, line, sizeof(line));
		if (strstr(line, needle))
			return true;
	}
	return false;
}

static bool run_until_text(struct session *s, const char *needle)
{
	uint64_t end = time_mono_ms() + 20000;

	while (!screen_has(s, needle)) {
		if (time_mono_ms() > end)
			return false;
		loop_run_once(loop, 100);
	}
	return true;
}

static bool run_until_state(struct session *s, enum session_state st)
{
	uint64_t end = time_mono_ms() + 20000;

	while (session_state(s) != st) {
		if (time_mono_ms() > end)
			return false;
		loop_run_once(loop, 100);
	}
	return true;
}

static struct session *open_local(const char *const *argv, int rows, int cols)
{
	struct session_opts o = { 0 };

	o.label = "local";
	o.start = session_start_local;
	o.spec = (void *)argv;
	o.rows = rows;
	o.cols = cols;
	return session_new(loop, &o, on_change, NULL);
}

static void type(struct session *s, const char *text)
{
	for (const char *p = text; *p; p++)
		ck_assert(session_key(s, *p == '\n' ? '\r' : (unsigned char)*p));
}

START_TEST(output_then_exit_code)
{
	static const char *const argv[] = { "/bin/sh", "-c", "printf 'hello from sh\\n'; exit 3", NULL };
	struct session *s = open_local(argv, 10, 40);
	char status[128];

	ck_assert_int_eq(session_state(s), SESSION_RUNNING);
	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert(screen_has(s, "hello from sh"));
	ck_assert_int_eq(session_exit_code(s), 3);
	ck_assert_str_eq(session_status(s, status, sizeof(status)), "exited with code 3");
	ck_assert(changes > 0);
	/* keys go nowhere once it exited */
	ck_assert(!session_key(s, 'x'));
	session_free(s);
}
END_TEST

START_TEST(interactive_shell_and_resize)
{
	static const char *const argv[] = { "/bin/sh", NULL };
	struct session *s = open_local(argv, 10, 40);

	type(s, "echo $((6*7))x\n");
	ck_assert(run_until_text(s, "42x"));
	type(s, "stty size\n");
	ck_assert(run_until_text(s, "10 40"));
	session_resize(s, 12, 50);
	type(s, "stty size\n");
	ck_assert(run_until_text(s, "12 50"));
	type(s, "exit 0\n");
	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert_int_eq(session_exit_code(s), 0);
	session_free(s);
}
END_TEST

START_TEST(restart_keeps_the_screen)
{
	static const char *const argv[] = { "/bin/sh", "-c", "echo run-$$; exit 5", NULL };
	struct session *s = open_local(argv, 10, 40);

	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert(screen_has(s, "run-"));
	ck_assert_int_eq(session_restart(s), 0);
	ck_assert(screen_has(s, "[reconnecting]"));
	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert_int_eq(session_exit_code(s), 5);
	ck_assert_int_eq(session_restart(s), 0);
	ck_assert_int_ne(session_restart(s), 0);	/* running already */
	ck_assert(run_until_state(s, SESSION_EXITED));
	session_free(s);
}
END_TEST

START_TEST(missing_program_exits_127)
{
	static const char *const argv[] = { "/nonexistent/datalab-test", NULL };
	struct session *s = open_local(argv, 10, 60);

	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert_int_eq(session_exit_code(s), 127);
	ck_assert(screen_has(s, "cannot run '/nonexistent/datalab-test'"));
	session_free(s);
}
END_TEST

static void count_output(const char *p, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += n;
}

START_TEST(free_while_running_leaves_no_child)
{
	static const char *const argv[] = { "/bin/sh", "-c", "sleep 30", NULL };
	struct pty_opts o = { argv, NULL, NULL, 5, 20 };
	struct pty_cbs cbs = { count_output, NULL };
	size_t got = 0;
	struct pty *p = pty_spawn(loop, &o, &cbs, &got, NULL);
	pid_t pid;
	uint64_t end = time_mono_ms() + 10000;
	char proc[64];

	ck_assert_ptr_nonnull(p);
	pid = pty_pid(p);
	pty_free(p);
	/* the loop reaps it (a zombie would keep /proc/PID) */
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	while (time_mono_ms() < end && access(proc, F_OK) == 0)
		loop_run_once(loop, 50);
	ck_assert_int_ne(access(proc, F_OK), 0);
}
END_TEST

START_TEST(flood_is_delivered_whole)
{
	static const char *const argv[] = { "/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo; echo END", NULL };
	struct session *s = open_local(argv, 24, 80);

	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert(screen_has(s, "END"));
	/* 1 MB of x plus the line ends the tty adds */
	ck_assert_uint_ge(term_stats(session_term(s))->fed, 1000000);
	session_free(s);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("term_session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, output_then_exit_code);
	tcase_add_test(tc, interactive_shell_and_resize);
	tcase_add_test(tc, restart_keeps_the_screen);
	tcase_add_test(tc, missing_program_exits_127);
	tcase_add_test(tc, free_while_running_leaves_no_child);
	tcase_add_test(tc, flood_is_delivered_whole);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(session_suite)
