/* Status codes and error messages (see pathcast/core/status.h). */
#include "pathcast/core/status.h"

#include <stdarg.h>
#include <stdio.h>

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

static const status_info *info_of(pc_status s) {
  if ((int)s < 0 || s >= PC_STATUS_COUNT) {
    return &status_table[PC_FATAL];
  }
  return &status_table[s];
}

const char *pc_strerror(pc_status s) { return info_of(s)->message; }

int pc_status_exit_code(pc_status s) { return info_of(s)->exit_code; }

int pc_status_severity(pc_status s) { return info_of(s)->severity; }

pc_status pc_status_worst(pc_status a, pc_status b) {
  return pc_status_severity(b) > pc_status_severity(a) ? b : a;
}

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
