/* Checked MPI calls (see mpi_check.h). */
#include "pathcast/driver/mpi_check.h"

#include <stdio.h>

pc_status pc_mpi_status(int rc, const char *call, const char *file, int line,
                        pc_error *e) {
  if (rc == MPI_SUCCESS) {
    return PC_OK;
  }
  char text[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) {
    snprintf(text, sizeof text, "error code %d", rc);
  }
  /* The first failure explains the rest: keep it. */
  if (e != NULL && e->msg[0] == '\0') {
    pc_error_set(e, PC_FATAL, "%s:%d: %s failed: %s", file, line, call, text);
  }
  return PC_FATAL;
}
