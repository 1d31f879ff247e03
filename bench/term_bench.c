/*
 * term_bench.c: the emulator alone (term_feed and term_draw), for
 * bench/b_term.sh and for profiling (valgrind --tool=callgrind counts
 * instructions, repeatable on a loaded machine).
 *
 * Built by the script against build/libdatalab.a.  A file is fed to a
 * rows x cols terminal in reads of 16 KiB, as a socket or a pty gives
 * them, and drawn into a window on a headless screen every FRAME_BYTES
 * (a frame per 33 ms at 8 MB/s); it prints the throughput, the longest
 * feed of one session slice, and what the emulator counted.
 * Usage: term_bench FILE [ROWS COLS]
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalab/core/buf.h"
#include "datalab/core/file.h"
#include "datalab/core/mem.h"
#include "datalab/term/session.h"
#include "datalab/term/term.h"

#define READ_BYTES 16384
#define FRAME_BYTES (256 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	int rows = argc > 3 ? (int)strtol(argv[2], NULL, 10) : 37;
	int cols = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 120;
	double t0, longest = 0;
	size_t since_frame = 0, slice_left = SESSION_SLICE;
	double slice_t0;
	const struct term_stats *st;
	struct buf data = BUF_INIT;
	struct error err;
	struct term *t;
	SCREEN *scr;
	WINDOW *win;

	if (argc < 2 || file_read(argv[1], &data, &err) != 0) {
		fprintf(stderr, "usage: term_bench FILE [ROWS COLS]\n");
		return 2;
	}
	setenv("TERM", "xterm-256color", 1);
	setlocale(LC_ALL, "C.UTF-8");
	scr = newterm("xterm-256color", out, in);
	if (!scr)
		return 1;
	set_term(scr);
	start_color();
	use_default_colors();
	win = newwin(rows, cols, 0, 0);
	t = term_new(rows, cols, NULL, NULL);
	t0 = slice_t0 = now_s();
	for (size_t off = 0; off < data.len;) {
		size_t n = DL_MIN(data.len - off, (size_t)READ_BYTES);

		term_feed(t, data.data + off, n);
		off += n;
		since_frame += n;
		/* a session feeds a slice per wake-up: the longest one */
		slice_left -= DL_MIN(n, slice_left);
		if (slice_left == 0) {
			double now = now_s();

			if (now - slice_t0 > longest)
				longest = now - slice_t0;
			slice_t0 = now;
			slice_left = SESSION_SLICE;
		}
		if (since_frame >= FRAME_BYTES) {
			term_draw(t, win, false);
			wnoutrefresh(win);
			since_frame = 0;
		}
	}
	term_draw(t, win, false);
	{
		double s = now_s() - t0;

		st = term_stats(t);
		printf("emulator alone, %.1f MB at %dx%d: %.1f MB/s (%.0f ms); longest %u KiB slice %.1f ms; "
		       "%lu draws, %lu rows drawn\n",
		       (double)data.len / 1e6, cols, rows, (double)data.len / 1e6 / s, s * 1000,
		       SESSION_SLICE / 1024, longest * 1000, st->draws, st->rows_drawn);
	}
	term_free(t);
	delwin(win);
	endwin();
	delscreen(scr);
	buf_release(&data);
	fclose(out);
	fclose(in);
	return 0;
}
