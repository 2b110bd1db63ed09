/* `pathcast evaluate` as a command: after the driver's scoring phase,
 * rank 0 prints the counts and the table of the store's scores
 * (pathcast/eval/evaluate.h), and --model_version A,B runs the phases once per
 * version and prints one table. */
#include <stdlib.h>
#include <string.h>

#include "pathcast/eval/evaluate.h"
#include "pathcast/driver/mpi_check.h"
#include "present.h"

/* ---- after the scoring phase (rank 0) ---------------------------------- */


/* The averages of each version of evaluate --model_version A,B (rank 0). */
typedef struct {
  size_t n;
  char version[PC_VERSIONS_MAX][PC_NAME_LEN_MAX + 1];
  pc_eval_groups *lists[PC_VERSIONS_MAX];
} eval_table;

/* Counts and failures go to standard error, the table to standard output, so
 * `pathcast evaluate --format csv > file` leaves a clean CSV. At most twenty
 * failures are listed; the counts are exact. */
void pc_report_score_counts(const pc_job *job, const pc_run_result *r,
                            pc_status st) {
  const pc_summary *s = &r->sum;
  const char *cmd = pc_command_name(job->command);
  fprintf(stderr, "%s: scored %ld forecast(s), %ld up to date, %ld "
          "failed, on %d rank(s); scores are stored in %s\n", cmd, s->scored,
          s->score_skipped, s->score_failed, r->nranks, job->store);
  for (size_t i = 0; i < r->nfailures && i < 20; i++) {
    const pc_failure *f = &r->failures[i];
    fprintf(stderr, "  cannot score %s: %s\n", f->model, f->reason);
  }
  if (r->nfailures > 0) {
    fprintf(stderr, "  (a damaged forecast partition is rebuilt by the next "
            "backfill; then evaluate scores it)\n");
  }
  if (st != PC_OK) {
    fprintf(stderr, "%s: %s (exit %d)\n", cmd, pc_strerror(st),
            pc_status_exit_code(st));
  }
}

/* The averages of one version's stored scores, read by a reader of its
 * own: the run that scored them has closed the store.  lists (of
 * job->nmodels) is the caller's to free with pc_eval_free and free. */
static pc_status collect_version(const pc_job *job, pc_eval_groups **lists,
                                 pc_error *e) {
  *lists = calloc(job->nmodels, sizeof **lists);
  if (*lists == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_store *store = NULL;
  pc_status st = pc_store_open(&store, job->store, PC_STORE_READ, NULL, e);
  if (st == PC_OK) {
    st = pc_eval_collect(store, job,
                         &(pc_eval_view){pc_eval_by_of(job->by), *lists}, 1, e);
  }
  pc_store_close(store);
  return st;
}

static void free_lists(const pc_job *job, pc_eval_groups *lists) {
  if (lists != NULL) {
    pc_eval_free(lists, job->nmodels);
    free(lists);
  }
}

/* A run's counts, then (when it scored) its table -- or, given a table,
 * the version's averages added to it.  The counts come first, so that on
 * a terminal they stand before the table, not inside it (mpirun forwards
 * the two streams separately). */
static pc_status present_version(const pc_job *job, const pc_run_result *r,
                                 pc_status st, eval_table *table, FILE *out,
                                 pc_error *e) {
  pc_eval_groups *lists = NULL;
  pc_status cst = PC_OK;
  if (st == PC_OK || st == PC_PARTIAL) {
    cst = collect_version(job, &lists, e);
    st = pc_status_worst(st, cst);
  }
  if (table != NULL) {
    fprintf(stderr, "model_version %s:\n", job->model_version);
  }
  pc_report_score_counts(job, r, st);
  fflush(stderr);
  int scored = lists != NULL && cst == PC_OK &&
               (st == PC_OK || st == PC_PARTIAL);
  if (scored && table != NULL) {
    snprintf(table->version[table->n], sizeof table->version[0], "%s",
             job->model_version);
    table->lists[table->n++] = lists;
    return st;
  }
  if (scored) {
    pc_eval_version one = {job->model_version, lists};
    pc_eval_print(out, job, pc_eval_by_of(job->by), &one, 1);
    fflush(out);
  }
  free_lists(job, lists);
  return st;
}

pc_status pc_report_evaluation(const pc_job *job, const pc_run_result *r,
                               pc_status st, FILE *out, pc_error *e) {
  return present_version(job, r, st, NULL, out, e);
}

/* ---- versions side by side -------------------------------------------- */

/* The job as it runs for one version of its list.
 * The copy shares the job's arrays (models, calendar): it is a view for one
 * version's run and is never passed to pc_job_fini. */
static void select_version(pc_job *one, const pc_job *job, size_t v) {
  *one = *job;
  snprintf(one->model_version, sizeof one->model_version, "%s",
           job->versions[v]);
  snprintf(one->model_versions, sizeof one->model_versions, "%s",
           job->versions[v]);
  snprintf(one->versions[0], sizeof one->versions[0], "%s", job->versions[v]);
  one->nversions = 1;
}

static void add_counts(pc_summary *sum, const pc_summary *s) {
  sum->scored += s->scored;
  sum->score_skipped += s->score_skipped;
  sum->score_failed += s->score_failed;
}

/* The table goes to standard output, the counts went to standard error. */
static void print_table(const pc_job *job, const eval_table *table) {
  pc_eval_version v[PC_VERSIONS_MAX];
  for (size_t i = 0; i < table->n; i++) {
    v[i] = (pc_eval_version){table->version[i], table->lists[i]};
  }
  pc_eval_print(stdout, job, pc_eval_by_of(job->by), v, table->n);
  fflush(stdout);
}

/* One version's run and, on rank 0, its part of the table. */
static pc_status run_version(const pc_job *one, MPI_Comm comm, int rank,
                             eval_table *table, pc_summary *sum,
                             pc_error *e) {
  pc_run_result r;
  pc_status st = pc_run(one, comm, &r, e);
  if (rank == 0 && r.reached_store) {
    st = present_version(one, &r, st, table, stdout, e);
  }
  add_counts(sum, &r.sum);
  pc_run_result_fini(&r);
  return st;
}

/* evaluate --model_version A,B: the scoring phase runs once per version on
 * every rank (each run is collective), and rank 0 keeps each version's averages
 * until all are in, then prints one table with the versions side by side. A
 * version that fails stops the loop on every rank alike, and no table is
 * printed: half a comparison would read as a whole one. */
pc_status pc_evaluate_versions(const pc_job *job, pc_error *e) {
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  pc_status st = PC_MPI(e, MPI_Comm_rank(comm, &rank));
  /* The job is large (its texts): the copies live on the heap.  Every
   * rank allocates alike; a rank that could not would leave the others in
   * a collective, so all of them agree first. */
  pc_job *one = malloc(sizeof *one);
  eval_table *table = calloc(1, sizeof *table);
  int ok = st == PC_OK && one != NULL && table != NULL, all = 0;
  if (PC_MPI(e, MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm)) != PC_OK) {
    all = 0;
  }
  st = all ? PC_OK : pc_status_worst(st, pc_error_set(e, PC_NOMEM,
                                                      "out of memory"));
  pc_summary sum;
  memset(&sum, 0, sizeof sum);
  for (size_t v = 0; v < job->nversions && (st == PC_OK || st == PC_PARTIAL);
       v++) {
    select_version(one, job, v);
    /* Every rank's run returns the same status; rank 0's presentation
     * may add its own, shared below before the next version. */
    pc_status vst = run_version(one, comm, rank, table, &sum, e);
    int code = (int)vst;
    if (PC_MPI(e, MPI_Bcast(&code, 1, MPI_INT, 0, comm)) != PC_OK) {
      code = (int)PC_FATAL;
    }
    st = pc_status_worst(st, (pc_status)code);
  }
  if (rank == 0 && table->n == job->nversions &&
      (st == PC_OK || st == PC_PARTIAL)) {
    print_table(job, table);
  }
  if (rank == 0 && all) {
    st = pc_status_worst(st, pc_report_summary_json(job, &sum, e));
  }
  for (size_t i = 0; table != NULL && i < table->n; i++) {
    free_lists(job, table->lists[i]);
  }
  free(table);
  free(one);
  return st;
}
