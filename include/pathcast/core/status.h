/* Status codes shared by every module (libuv-style X-macro table).
 *
 * Library code never exits or aborts: it returns a pc_status and, where a
 * person needs to know more, fills a pc_error with a sentence that names the
 * file, line or setting at fault.  Only main() turns a status into an exit
 * code, through pc_status_exit_code(). */
#ifndef PC_STATUS_H
#define PC_STATUS_H

#include <stddef.h>

/* X(name, exit code, severity, message).  Severity orders statuses when ranks
 * vote: the most severe status of any rank wins. */
#define PC_STATUS_MAP(X)                                                       \
  X(OK, 0, 0, "success")                                                       \
  X(PARTIAL, 3, 1, "finished, but some models or dates failed")                \
  X(MODEL, 3, 1, "model failed")                                               \
  X(DAMAGED, 3, 1, "a store file is damaged")                                  \
  X(INTERRUPTED, 4, 2, "stopped by a signal after saving progress")           \
  X(INPUT, 2, 3, "bad input or usage")                                         \
  X(LOCKED, 5, 4, "the store is in use by another writer")                     \
  X(NOMEM, 1, 5, "out of memory")                                              \
  X(IO, 1, 5, "input/output error")                                            \
  X(FATAL, 1, 5, "fatal error")

typedef enum {
#define PC_STATUS_ENUM(name, code, sev, msg) PC_##name,
  PC_STATUS_MAP(PC_STATUS_ENUM)
#undef PC_STATUS_ENUM
  PC_STATUS_COUNT
} pc_status;

/* A message for a person; empty when nothing more is known than the status. */
typedef struct {
  char msg[1024];
} pc_error;

const char *pc_strerror(pc_status s);
int pc_status_exit_code(pc_status s);
int pc_status_severity(pc_status s);
/* The more severe of two statuses (used to combine results and rank votes). */
pc_status pc_status_worst(pc_status a, pc_status b);

/* Formats the message into e (when e is not NULL) and returns s, so a caller
 * can write `return pc_error_set(e, PC_INPUT, "%s:%zu: bad date", f, l);`. */
pc_status pc_error_set(pc_error *e, pc_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pc_error_clear(pc_error *e);

#endif
