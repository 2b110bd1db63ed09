/* Status codes and error messages (see pathcast/core/status.h).
 *
 * Every property of a status lives in one row of PC_STATUS_MAP, so the enum,
 * the message, the exit code and the vote severity cannot drift apart; this
 * file only indexes that table. */
#include "pathcast/core/status.h"

#include <stdarg.h>
#include <stdio.h>

/* One row of the table, indexed by the pc_status value itself: the X-macro
 * expands in enum order, so status_table[s] is the row of s without a search.
 */
typedef struct {
  const char *message;
  int exit_code;
  int severity;
} status_info;

static const status_info status_table[PC_STATUS_COUNT] = {
#define PC_STATUS_ROW(name, code, sev, msg) {msg, code, sev},
    PC_STATUS_MAP(PC_STATUS_ROW)
#undef PC_STATUS_ROW
};

/* A value outside the enum (a cast int, memory gone bad) answers as PC_FATAL:
 * the most severe row, so a corrupt status can never win a vote as success or
 * map to exit 0. */
static const status_info *info_of(pc_status s) {
  if ((int)s < 0 || s >= PC_STATUS_COUNT) {
    return &status_table[PC_FATAL];
  }
  return &status_table[s];
}

const char *pc_strerror(pc_status s) { return info_of(s)->message; }

int pc_status_exit_code(pc_status s) { return info_of(s)->exit_code; }

int pc_status_severity(pc_status s) { return info_of(s)->severity; }

/* Ties keep a, so combining equal severities (PC_MODEL and PC_PARTIAL) is
 * stable in the caller's order. The driver's rank vote (run.c) orders by the
 * same severity and breaks ties by enum value, since MPI_MAX must be total. */
pc_status pc_status_worst(pc_status a, pc_status b) {
  return pc_status_severity(b) > pc_status_severity(a) ? b : a;
}

/* vsnprintf truncates a message longer than pc_error's buffer rather than
 * failing: the message is for a person, and its start names the file and line.
 */
pc_status pc_error_set(pc_error *e, pc_status s, const char *fmt, ...) {
  if (e != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return s;
}

void pc_error_clear(pc_error *e) {
  if (e != NULL) {
    e->msg[0] = '\0';
  }
}
