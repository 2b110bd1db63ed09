/* Per-rank run logs.  Logging never fails the run: a log that cannot be
 * opened falls back to standard error, a write that fails is dropped. */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stdio.h>

typedef struct pc_log pc_log;

/* Opens dir/rank-NNNN.log, creating dir (and parents).  Never returns NULL
 * unless memory is exhausted; then every call below is a no-op. */
pc_log *pc_log_open(const char *dir, int rank);
/* A log to standard error only (tests, read-only commands). */
pc_log *pc_log_stderr(int rank);
void pc_log_close(pc_log *log);
/* "2026-11-28T06:00:01Z rank 0003 INFO message" */
void pc_log_info(pc_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pc_log_warn(pc_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pc_log_error(pc_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The stream under the log (for the HDF5 error stack), never NULL. */
FILE *pc_log_stream(pc_log *log);
const char *pc_log_path(const pc_log *log);
/* Whether the log went to its file (not standard error or nowhere). */
int pc_log_is_file(const pc_log *log);

#endif
