/* The command layer: what main() calls for each command.  Every function
 * here runs a command to the end, prints what it has to say (standard
 * output, and standard error for counts and errors) and returns the status
 * that becomes the exit code.  The work itself is done below: the MPI
 * driver (pathcast/driver/run.h) for the commands that compute, the store
 * (pathcast/store/store.h) for the ones that read. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H

#include <stdio.h>

#include "pathcast/job/job.h"
#include "pathcast/core/status.h"

/* train, forecast, backfill, daily, evaluate and report, on every rank of
 * MPI_COMM_WORLD (a collective call, after MPI_Init; the program's ranks
 * are the run's): the driver runs the phases, then rank 0 prints
 * the run's summary (the daily report, the evaluation table, the HTML
 * report) and writes --summary-json.  Returns the same status on every
 * rank; e holds a message on rank 0 when the error is one all ranks share
 * (a rank-local error is printed by its rank). */
pc_status pc_command_run(const pc_job *job, pc_error *e);

/* Read-only commands, on one process. */
pc_status pc_models(const pc_job *job, FILE *out, pc_error *e);
pc_status pc_export(const pc_job *job, FILE *out, pc_error *e);
/* `status`: PC_OK when coverage is complete and nothing failed or is
 * flagged, PC_PARTIAL (exit 3) otherwise. */
pc_status pc_status_report(const pc_job *job, FILE *out, pc_error *e);
/* `verify`: PC_OK when every file is intact, PC_PARTIAL (exit 3) when any is
 * damaged (each named on its own DAMAGED line). */
pc_status pc_verify(const pc_job *job, FILE *out, pc_error *e);
/* `check`: the data-quality findings of the job's data file, one line each
 * (pathcast/core/quality.h).  PC_OK when there are none, PC_PARTIAL (exit 3)
 * when something is flagged, PC_INPUT when the file does not parse. */
pc_status pc_check(const pc_job *job, FILE *out, pc_error *e);
/* `migrate`: rewrites the store's files of an older schema in the current
 * one under the writer's lock (pc_store_migrate); PC_DAMAGED (exit 3) when
 * a damaged file was left as it is. */
pc_status pc_migrate(const pc_job *job, FILE *out, pc_error *e);

#endif
