/*
 * log.c: logging to a file, never to the screen (the screen belongs to
 * ncurses).  One process-wide log, like the signal pipe: it is the only
 * state that is not passed down.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datalab/core/log.h"
#include "datalab/core/xdg.h"

static FILE *log_file;
static enum log_level log_level = LOG_INFO;
static int log_stderr;

static void log_level_from_env(void)
{
	const char *v = getenv("DATALAB_LOG");

	if (!v)
		return;
	if (strcmp(v, "debug") == 0)
		log_level = LOG_DEBUG;
	else if (strcmp(v, "warn") == 0)
		log_level = LOG_WARN;
	else if (strcmp(v, "error") == 0)
		log_level = LOG_ERROR;
}

int log_open(const char *path)
{
	char *owned = NULL;
	FILE *f;

	log_level_from_env();
	if (!path)
		path = getenv("DATALAB_LOG_FILE");
	if (!path)
		path = owned = xdg_path(XDG_STATE, "datalab.log", NULL);
	if (!path)
		return -1;
	f = fopen(path, "ae");
	free(owned);
	if (!f)
		return -1;
	log_close();
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

void log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_to_stderr(int on)
{
	log_stderr = on;
	if (on)
		log_level_from_env();	/* tools that never call log_open honour $DATALAB_LOG too */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level < log_level || (!log_file && !log_stderr))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	for (int i = 0; i < 2; i++) {
		FILE *f = i == 0 ? log_file : (log_stderr ? stderr : NULL);

		if (!f)
			continue;
		fprintf(f, "%s.%03ldZ %d %s: ", stamp, ts.tv_nsec / 1000000, (int)getpid(), names[level]);
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fputc('\n', f);
	}
}
