/* pathcast: a thin main over libpathcast.  It parses the command line, runs
 * the command, and maps the status to the exit code -- nothing else. */
#include <mpi.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/job.h"
#include "pathcast/run.h"
#include "pathcast/version.h"

/* XGBoost and OpenMP would start one thread per core in every rank; ranks
 * already share the cores.  Set before any library reads it. */
static void limit_threads(void) { setenv("OMP_NUM_THREADS", "1", 0); }

static int run_mpi(const pc_job *job) {
  MPI_Init(NULL, NULL);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  pc_error e;
  pc_error_clear(&e);
  pc_summary sum;
  pc_status st = pc_run(job, MPI_COMM_WORLD, &sum, &e);
  if (rank == 0 && e.msg[0] != '\0' && st != PC_OK && st != PC_PARTIAL &&
      st != PC_INTERRUPTED) {
    fprintf(stderr, "pathcast: %s\n", e.msg);
  }
  MPI_Finalize();
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

int main(int argc, char **argv) {
  limit_threads();
  /* First of all: a stop request that arrives while MPI starts must still
   * end the run with its progress saved, not kill it. */
  pc_signal_install();
  pc_job job;
  pc_error e;
  pc_error_clear(&e);
  pc_status st = pc_job_from_args(&job, argc, argv, &e);
  int code = 0;
  if (st != PC_OK) {
    fprintf(stderr, "pathcast: %s\n", e.msg);
    code = pc_status_exit_code(st);
  } else if (job.command == PC_CMD_HELP) {
    pc_job_print_help(&job, stdout);
  } else if (job.command == PC_CMD_VERSION) {
    printf("pathcast %s\n", PC_VERSION);
  } else if ((job.command >= PC_CMD_MODELS && job.command <= PC_CMD_VERIFY) ||
             job.command == PC_CMD_MIGRATE) {
    code = run_read_only(&job);
  } else {
    code = run_mpi(&job);
  }
  pc_job_fini(&job);
  return finish_output(code);
}
