/* pathcast: a thin main over libpathcast.  It parses the command line, runs
 * the command, and maps the status to the exit code -- nothing else. */
#include <mpi.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/driver/mpi_check.h"
#include "pathcast/job/job.h"
#include "pathcast/core/paths.h"
#include "pathcast/cli/commands.h"
#include "pathcast/core/signal.h"
#include "pathcast/core/version.h"

/* XGBoost and OpenMP would start one thread per core in every rank; ranks
 * already share the cores.  Set before any library reads it. */
static void limit_threads(void) { setenv("OMP_NUM_THREADS", "1", 0); }

/* Store files are built in memory a partition at a time (megabytes each):
 * keeping freed blocks in the heap rather than returning them to the system
 * saves mapping and zeroing fresh pages for every file (a tenth of a
 * backfill's time, measured: docs/PERFORMANCE.md). */
static void keep_large_blocks(void) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* MPI start-up and shut-down are checked too: a failure is a message and
 * exit 1, not an abort (the driver checks every call in between). */
static int run_mpi(const pc_job *job) {
  pc_error e;
  pc_error_clear(&e);
  /* FUNNELED: only this thread calls MPI; the store's flusher thread
   * (write-behind, pathcast/store/store.h) and XGBoost's make none. */
  int provided = 0;
  if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) !=
      MPI_SUCCESS) {
    fprintf(stderr, "pathcast: MPI_Init_thread failed\n");
    return pc_status_exit_code(PC_FATAL);
  }
  PC_MPI(&e, MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int rank = 0;
  pc_status st = PC_MPI(&e, MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  if (st == PC_OK) {
    st = pc_command_run(job, &e);
  }
  if (rank == 0 && e.msg[0] != '\0' && st != PC_OK && st != PC_PARTIAL &&
      st != PC_INTERRUPTED) {
    fprintf(stderr, "pathcast: %s\n", e.msg);
  }
  if (MPI_Finalize() != MPI_SUCCESS) {
    fprintf(stderr, "pathcast: MPI_Finalize failed\n");
    st = pc_status_worst(st, PC_FATAL);
  }
  return pc_status_exit_code(st);
}

/* The commands of one process: the readers, and migrate. */
static int run_read_only(const pc_job *job) {
  pc_error e;
  pc_error_clear(&e);
  pc_status st;
  switch (job->command) {
  case PC_CMD_MODELS:
    st = pc_models(job, stdout, &e);
    break;
  case PC_CMD_STATUS:
    st = pc_status_report(job, stdout, &e);
    break;
  case PC_CMD_VERIFY:
    st = pc_verify(job, stdout, &e);
    break;
  case PC_CMD_CHECK:
    st = pc_check(job, stdout, &e);
    break;
  case PC_CMD_MIGRATE:
    st = pc_migrate(job, stdout, &e);
    break;
  default:
    st = pc_export(job, stdout, &e);
  }
  /* PARTIAL and DAMAGED results were reported in the output itself; an
   * error message, when there is one, is still worth saying. */
  if ((st != PC_OK && st != PC_PARTIAL && st != PC_DAMAGED) || e.msg[0]) {
    fprintf(stderr, "pathcast: %s\n", e.msg[0] ? e.msg : pc_strerror(st));
  }
  return pc_status_exit_code(st);
}

/* What a command printed must have reached its destination: a failed write
 * or close of standard output (a full disk under `status > file`, say) or
 * of standard error turns a success into exit 1. */
static int finish_output(int code) {
  int out_failed = fflush(stdout) != 0 || ferror(stdout);
  int err = errno;
  if (fclose(stdout) != 0 && !out_failed) {
    out_failed = 1;
    err = errno;
  }
  if (out_failed) {
    fprintf(stderr, "pathcast: cannot write standard output: %s\n",
            strerror(err));
  }
  int err_failed = fflush(stderr) != 0 || ferror(stderr);
  if ((out_failed || err_failed) && (code == 0 || code == 3)) {
    code = 1;
  }
  return code;
}

/* Exit codes come only from here (STYLE 4): library code returns statuses, and
 * pc_status_exit_code maps them once (README, "Exit status"). The job is freed
 * on every path after it was read, help and errors included. */
int main(int argc, char **argv) {
  limit_threads();
  keep_large_blocks();
  /* First of all: a stop request that arrives while MPI starts must still
   * end the run with its progress saved, not kill it. */
  pc_signal_install();
  pc_job job;
  pc_error e;
  pc_error_clear(&e);
  /* A bad PATHCAST_SIMD is an input error before any work (exit 2). */
  pc_status st = pc_simd_check_env(&e);
  if (st != PC_OK) {
    fprintf(stderr, "pathcast: %s\n", e.msg);
    return pc_status_exit_code(st);
  }
  st = pc_job_from_args(&job, argc, argv, &e);
  int code = 0;
  if (st != PC_OK) {
    fprintf(stderr, "pathcast: %s\n", e.msg);
    code = pc_status_exit_code(st);
  } else if (job.command == PC_CMD_HELP) {
    pc_job_print_help(&job, stdout);
  } else if (job.command == PC_CMD_VERSION) {
    printf("pathcast %s (numerics %d, SIMD %s)\n", PC_VERSION,
           PC_NUMERICS_VERSION, pc_simd_name(pc_simd_active()));
  } else if ((job.command >= PC_CMD_MODELS && job.command <= PC_CMD_CHECK) ||
             job.command == PC_CMD_MIGRATE) {
    code = run_read_only(&job);
  } else {
    code = run_mpi(&job);
  }
  pc_job_fini(&job);
  return finish_output(code);
}
