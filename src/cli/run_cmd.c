/* The run commands as a user sees them: the driver runs the job's phases
 * on every rank (pathcast/driver/run.h), then rank 0 -- after the run's last
 * vote, with the store closed -- says what happened: the summary or the
 * daily report, the evaluation table, the HTML report, and the counts as
 * JSON.  Its word on the outcome is every rank's. */
#include <string.h>

#include "pathcast/driver/mpi_check.h"
#include "present.h"

/* What rank 0 prints for a finished run of one version; the status it
 * returns adds what printing found (a page that could not be written). */
static pc_status present(const pc_job *job, const pc_run_result *r,
                         pc_status st, pc_error *e) {
  if (!r->reached_store) {
    return st; /* nothing to present: the error says why */
  }
  switch (job->command) {
  case PC_CMD_REPORT:
    st = pc_report_html(job, r, st, e);
    break;
  case PC_CMD_EVALUATE:
    st = pc_report_evaluation(job, r, st, stdout, e);
    break;
  default:
    if (job->command == PC_CMD_DAILY && strcmp(job->format, "json") == 0) {
      pc_daily_report_json(job, r, st, stdout);
    } else {
      pc_report_summary(job, r, st, stdout);
    }
  }
  return pc_status_worst(st, pc_report_summary_json(job, &r->sum, e));
}

pc_status pc_command_run(const pc_job *job, pc_error *e) {
  MPI_Comm comm = MPI_COMM_WORLD;
  /* Versions side by side: a run per version, one table. */
  if (job->command == PC_CMD_EVALUATE && job->nversions > 1) {
    return pc_evaluate_versions(job, e);
  }
  int rank = 0;
  pc_status st = PC_MPI(e, MPI_Comm_rank(comm, &rank));
  if (st != PC_OK) {
    return st;
  }
  pc_run_result r;
  st = pc_run(job, comm, &r, e);
  if (rank == 0) {
    st = present(job, &r, st, e);
  }
  pc_run_result_fini(&r);
  /* Every rank exits with rank 0's status (it alone knows whether the
   * summary file could be written). */
  int code = (int)st;
  if (PC_MPI(e, MPI_Bcast(&code, 1, MPI_INT, 0, comm)) != PC_OK) {
    return pc_status_worst(st, PC_FATAL);
  }
  return (pc_status)code;
}
