/* Checked MPI calls (see mpi_check.h).
 *
 * The driver's communicator uses MPI_ERRORS_RETURN, so a failing call returns
 * here instead of aborting the job; the caller then votes (STYLE 5), and every
 * rank leaves the phase together. PC_MPI supplies call, file and line. */
#include "pathcast/driver/mpi_check.h"

#include <stdio.h>

pc_status pc_mpi_status(int rc, const char *call, const char *file, int line,
                        pc_error *e) {
  if (rc == MPI_SUCCESS) {
    return PC_OK;
  }
  /* MPI_Error_string may itself fail for a code it does not know; the number is
   * then all there is to report. */
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
