/*
 * test_term_session.c: sessions over the local pty transport, on a real
 * loop with real shells: output, keys, exit codes, resize followed by
 * `stty size`, restart, and no child left behind; flow control: the
 * transport paused above the high-water mark and resumed below the low
 * one, bounded slices per wake-up, a paused pty reads nothing; a freed pty
 * reaped when the loop goes first.
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

/* --- flow control: a fake transport that counts pauses and resumes --- */

struct fake {
	int pauses, resumes;
	bool paused;
};

static int fake_send(void *impl, const char *p, size_t n)
{
	(void)impl;
	(void)p;
	(void)n;
	return 0;
}

static void fake_pause(void *impl)
{
	struct fake *f = impl;

	ck_assert(!f->paused);	/* told once, not at every slice */
	f->paused = true;
	f->pauses++;
}

static void fake_resume(void *impl)
{
	struct fake *f = impl;

	ck_assert(f->paused);
	f->paused = false;
	f->resumes++;
}

static void fake_free(void *impl)
{
	(void)impl;
}

static const struct session_transport_ops fake_ops = {
	.name = "fake",
	.send = fake_send,
	.pause = fake_pause,
	.resume = fake_resume,
	.free = fake_free,
};

static int fake_start(struct session *s, void *spec, int rows, int cols, const struct session_transport_ops **ops,
		      void **impl, struct error *err)
{
	(void)rows;
	(void)cols;
	(void)err;
	*ops = &fake_ops;
	*impl = spec;
	session_transport_running(s);
	return 0;
}

static struct session *open_fake(struct fake *f)
{
	struct session_opts o = { 0 };

	o.label = "fake";
	o.start = fake_start;
	o.spec = f;
	o.rows = 24;
	o.cols = 80;
	return session_new(loop, &o, on_change, NULL);
}

START_TEST(pause_above_high_water_resume_below_low)
{
	struct fake f = { 0 };
	struct session *s = open_fake(&f);
	static char chunk[16384];
	const struct term_stats *ts = term_stats(session_term(s));
	size_t total = 0;
	int wakeups = 0;

	/* printable lines: what a flood looks like */
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	/* one wake-up's worth of reads: past the high-water mark it pauses */
	while (!f.paused) {
		size_t before = session_backlog(s);

		ck_assert_uint_le(before, SESSION_HIGH_WATER);
		session_transport_output(s, chunk, sizeof(chunk));
		total += sizeof(chunk);
	}
	ck_assert_uint_gt(session_backlog(s), SESSION_HIGH_WATER);
	ck_assert_uint_le(session_backlog(s), SESSION_HIGH_WATER + sizeof(chunk));
	/* what was read already still goes in, without another pause */
	session_transport_output(s, chunk, sizeof(chunk));
	total += sizeof(chunk);
	ck_assert_int_eq(f.pauses, 1);
	ck_assert_uint_eq(session_stats(s)->pauses, 1);
	/* draining: a bounded slice per wake-up, still paused down to the
	 * low-water mark, resumed below it */
	while (f.paused) {
		unsigned long long fed = ts->fed;
		size_t before = session_backlog(s);

		ck_assert_uint_ge(before, SESSION_LOW_WATER);
		ck_assert_int_eq(f.resumes, 0);
		loop_run_once(loop, 0);
		wakeups++;
		ck_assert_uint_le(ts->fed - fed, SESSION_SLICE + SESSION_PIECE);
		ck_assert_uint_lt(session_backlog(s), before);
		ck_assert(wakeups < 1000);
	}
	ck_assert_uint_lt(session_backlog(s), SESSION_LOW_WATER);
	ck_assert_int_eq(f.resumes, 1);
	/* took several wake-ups: the slices are bounded */
	ck_assert_int_ge(wakeups, (int)((SESSION_HIGH_WATER - SESSION_LOW_WATER) / SESSION_SLICE));
	/* the rest drains with no more pause */
	while (session_backlog(s) > 0)
		loop_run_once(loop, 0);
	ck_assert_int_eq(f.pauses, 1);
	ck_assert(!f.paused);
	ck_assert_uint_eq(ts->fed, total);	/* every byte, once */
	session_free(s);
}
END_TEST

START_TEST(exit_waits_for_the_backlog)
{
	struct fake f = { 0 };
	struct session *s = open_fake(&f);
	static char chunk[SESSION_HIGH_WATER + 4096];

	memset(chunk, 'z', sizeof(chunk));
	memcpy(chunk + sizeof(chunk) - 8, "\r\nLAST\r\n", 8);
	session_transport_output(s, chunk, sizeof(chunk));
	ck_assert(f.paused);
	/* the exit comes after the output: shown once the output is in */
	session_transport_exit(s, 4, NULL);
	ck_assert_int_eq(session_state(s), SESSION_RUNNING);
	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert_int_eq(session_backlog(s), 0);
	ck_assert(screen_has(s, "LAST"));
	ck_assert_int_eq(session_exit_code(s), 4);
	session_free(s);
}
END_TEST

START_TEST(pty_pause_stops_reading)
{
	static const char *const argv[] = { "/bin/sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo END", NULL };
	struct pty_opts o = { argv, NULL, NULL, 5, 20 };
	struct pty_cbs cbs = { count_output, NULL };
	size_t got = 0, held;
	struct pty *p = pty_spawn(loop, &o, &cbs, &got, NULL);
	uint64_t end = time_mono_ms() + 10000;

	ck_assert_ptr_nonnull(p);
	while (got == 0 && time_mono_ms() < end)
		loop_run_once(loop, 50);
	ck_assert_uint_gt(got, 0);
	pty_pause_read(p);
	held = got;
	end = time_mono_ms() + 300;
	while (time_mono_ms() < end)
		loop_run_once(loop, 20);
	ck_assert_uint_eq(got, held);	/* nothing read while paused */
	pty_resume_read(p);
	end = time_mono_ms() + 20000;
	while (got < 3000000 && time_mono_ms() < end)
		loop_run_once(loop, 50);
	ck_assert_uint_ge(got, 3000000);
	pty_free(p);
}
END_TEST

START_TEST(flood_pauses_the_pty)
{
	static const char *const argv[] = { "/bin/sh", "-c", "head -c 4000000 /dev/zero | tr '\\0' x; echo; echo END",
					    NULL };
	struct session *s = open_local(argv, 24, 80);
	const struct session_stats *st = session_stats(s);

	ck_assert(run_until_state(s, SESSION_EXITED));
	ck_assert(screen_has(s, "END"));
	ck_assert_uint_ge(term_stats(session_term(s))->fed, 4000000);
	/* the emulator is slower than a pty: the backlog stays bounded (the
	 * pty is paused, or read no faster than it is fed) */
	ck_assert_uint_le(st->inbox_peak, SESSION_HIGH_WATER + 65536);
	session_free(s);
}
END_TEST

/* the console quits right after closing a terminal: the loop goes before
 * the child's SIGCHLD came; it is killed and reaped then, and the pty
 * freed (LeakSanitizer saw the pty leak before loop_at_free) */
START_TEST(loop_free_reaps_a_freed_pty)
{
	static const char *const argv[] = { "/bin/sh", "-c", "trap '' HUP; sleep 30", NULL };
	struct pty_opts o = { argv, NULL, NULL, 5, 20 };
	struct pty_cbs cbs = { count_output, NULL };
	size_t got = 0;
	struct pty *p = pty_spawn(loop, &o, &cbs, &got, NULL);
	char proc[64];
	pid_t pid;

	ck_assert_ptr_nonnull(p);
	pid = pty_pid(p);
	pty_free(p);
	loop_free(loop);
	loop = loop_new();
	/* gone at once: not even a zombie */
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	ck_assert_int_ne(access(proc, F_OK), 0);
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
	tcase_add_test(tc, pause_above_high_water_resume_below_low);
	tcase_add_test(tc, exit_waits_for_the_backlog);
	tcase_add_test(tc, pty_pause_stops_reading);
	tcase_add_test(tc, flood_pauses_the_pty);
	tcase_add_test(tc, loop_free_reaps_a_freed_pty);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(session_suite)
