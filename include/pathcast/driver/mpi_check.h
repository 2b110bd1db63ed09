/* Internal to the driver: every MPI call is checked.  The driver works on a
 * duplicate of the caller's communicator with MPI_ERRORS_RETURN, so an MPI
 * failure comes back as an error code, and PC_MPI turns it into a pathcast
 * status with the call, file and line (never an abort). */
#ifndef PC_MPI_CHECK_H
#define PC_MPI_CHECK_H

#include <mpi.h>

#include "pathcast/core/status.h"

/* PC_OK when rc is MPI_SUCCESS; else PC_FATAL with "file:line: call:
 * MPI's message" in e (when e is not NULL and holds no message yet). */
pc_status pc_mpi_status(int rc, const char *call, const char *file, int line,
                        pc_error *e);
#define PC_MPI(e, call) pc_mpi_status((call), #call, __FILE__, __LINE__, (e))

#endif
