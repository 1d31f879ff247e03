/*
 * log.h: logging to a file, never to the screen.
 *
 * log_open(NULL) picks $DATALAB_LOG_FILE or the state folder's
 * datalab.log.  The level comes from $DATALAB_LOG (debug, info, warn,
 * error; default info).  Before log_open, messages go nowhere.
 */
#ifndef DATALAB_CORE_LOG_H
#define DATALAB_CORE_LOG_H

#include "datalab/core/common.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

int log_open(const char *path);
void log_close(void);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) DL_PRINTF(2, 3);
/* log_to_stderr: tools without a screen (the sandbox) log to stderr too. */
void log_to_stderr(int on);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
