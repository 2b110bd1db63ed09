/* Per-rank logs that never fail the run (see pathcast/core/log.h).
 *
 * A log is a convenience, never a reason to stop: opening falls back to
 * standard error, and writing ignores errors (STYLE 9). One file per rank, so
 * ranks never interleave lines and no locking is needed; lines are "ISO-time
 * rank NNNN LEVEL message" in UTC, so the logs of ranks on nodes in different
 * time zones sort together. */
#include "pathcast/core/log.h"

#include "pathcast/core/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* path is kept for the summary, which tells the user where to look; "(standard
 * error)" when there is no file. */
struct pc_log {
  FILE *f;    /* the log file, or stderr */
  int owned;  /* 1 when f must be closed */
  int rank;
  char path[4096];
};

/* Caller owns the result (pc_log_close). NULL only when calloc fails; every
 * pc_log_* function accepts NULL and does nothing, so a caller need not check.
 */
pc_log *pc_log_stderr(int rank) {
  pc_log *log = calloc(1, sizeof *log);
  if (log != NULL) {
    log->f = stderr;
    log->rank = rank;
    snprintf(log->path, sizeof log->path, "(standard error)");
  }
  return log;
}

/* Appends ("a"): a resumed or daily run adds to the rank's file of the same log
 * folder instead of erasing what earlier runs recorded. A folder that cannot be
 * made or a path too long for the buffer gives a stderr log and one warning,
 * never a failed run. */
pc_log *pc_log_open(const char *dir, int rank) {
  pc_log *log = pc_log_stderr(rank);
  if (log == NULL) {
    return NULL;
  }
  char path[sizeof log->path];
  int n = snprintf(path, sizeof path, "%s/rank-%04d.log", dir, rank);
  FILE *f = NULL;
  if (n > 0 && (size_t)n < sizeof path && pc_mkdirs(dir) == 0) {
    f = fopen(path, "a");
  }
  if (f == NULL) {
    fprintf(stderr, "pathcast: rank %d: cannot open log %s (%s); logging to "
                    "standard error\n", rank, path, strerror(errno));
    return log;
  }
  setvbuf(f, NULL, _IOLBF, 0); /* a killed run keeps its last lines */
  log->f = f;
  log->owned = 1;
  snprintf(log->path, sizeof log->path, "%s", path);
  return log;
}

void pc_log_close(pc_log *log) {
  if (log == NULL) {
    return;
  }
  if (log->owned) {
    fclose(log->f);
  }
  free(log);
}

/* A log is used by one thread of one rank, so gmtime_r is for correctness
 * rather than speed; a failed conversion leaves the stamp empty but still
 * writes the line. */
static void emit(pc_log *log, const char *level, const char *fmt, va_list ap) {
  if (log == NULL) {
    return;
  }
  time_t now = time(NULL);
  struct tm tm;
  char stamp[32] = "";
  if (gmtime_r(&now, &tm) != NULL) {
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  /* Errors from fprintf are ignored on purpose: a full disk must not stop
   * forecasting because the log cannot grow. */
  fprintf(log->f, "%s rank %04d %s ", stamp, log->rank, level);
  vfprintf(log->f, fmt, ap);
  fputc('\n', log->f);
}

void pc_log_info(pc_log *log, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(log, "INFO", fmt, ap);
  va_end(ap);
}

void pc_log_warn(pc_log *log, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(log, "WARN", fmt, ap);
  va_end(ap);
}

void pc_log_error(pc_log *log, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(log, "ERROR", fmt, ap);
  va_end(ap);
}

/* The stream lets others write into the rank's log: the store's HDF5
 * error stack and the echo of the job's effective settings. */
FILE *pc_log_stream(pc_log *log) { return log ? log->f : stderr; }

const char *pc_log_path(const pc_log *log) { return log ? log->path : ""; }

int pc_log_is_file(const pc_log *log) {
  return log != NULL && log->f != stderr;
}
