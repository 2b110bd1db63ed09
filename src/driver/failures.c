/* The failure record of the store (failures.h5), kept by rank 0 at the end
 * of a train, forecast, backfill or daily run: what failed in this run,
 * and what failed before and is still neither retried nor in the store.
 *
 * Why a record at all: a failure must be visible to the next day's operator
 * (status, the daily report) even when the run that saw it is long gone, and
 * each recorded failure is retried by the next run, because its unit is still
 * missing from the store and is planned again. The record is therefore a view
 * of what is missing, never a log: resolved entries leave it. */
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

/* ---- recorded failures ------------------------------------------------ */

/* The identity of a failure: what failed (training or forecast), which model
 * version, which date. The reason is not part of it, so a retry that fails
 * differently replaces the old record. */
static int same_key(const pc_failure *a, const pc_failure *b) {
  return a->kind == b->kind && a->date == b->date &&
         strcmp(a->model, b->model) == 0 && strcmp(a->version, b->version) == 0;
}

/* Trainings first (a failed training explains the forecasts that needed
 * it), each kind newest first, then by model. */
static int cmp_failure(const void *pa, const void *pb) {
  const pc_failure *a = pa, *b = pb;
  if (a->kind != b->kind) {
    return (int)a->kind - (int)b->kind;
  }
  if (a->date != b->date) {
    return a->date > b->date ? -1 : 1;
  }
  int m = strcmp(a->model, b->model);
  return m != 0 ? m : strcmp(a->version, b->version);
}

/* An old failure is resolved when what failed is in the store now. */
/* Read errors count as "not resolved": a damaged file keeps its failure on
 * record, which is the conservative side (the next run rebuilds the file and
 * resolves it then). */
static int resolved(pc_ctx *c, const pc_failure *f) {
  pc_error ignored;
  pc_date *dates = NULL;
  size_t n = 0;
  int found = 0;
  if (f->kind == PC_FAIL_TRAIN) {
    if (pc_store_trained_dates(c->store, f->model, f->version, &dates, &n,
                               &ignored) == PC_OK) {
      found = pc_dates_contain(dates, n, f->date);
    }
    free(dates);
    return found;
  }
  pc_partition p;
  /* A forecast failure is resolved when its date is in its month's
   * partition, read with every reader's checks; any_shape = 1, because the
   * question is whether the date is stored, not whether its shape is the
   * job's. */
  pc_partition_init(&p, c->job->paths, c->job->horizon);
  if (pc_store_read_partition(c->store, f->model, f->version,
                              pc_date_month_index(f->date), &p, 1,
                              &ignored) == PC_OK) {
    found = pc_dates_contain(p.date, p.n, f->date);
  }
  pc_partition_fini(&p);
  return found;
}

static int keep_old(pc_ctx *c, const pc_failure *f) {
  for (size_t i = 0; i < c->nfailures; i++) {
    if (same_key(f, &c->failures[i])) {
      return 0; /* retried in this run: the new record replaces it */
    }
  }
  return !resolved(c, f);
}

static int lists_equal(const pc_failure *a, size_t na, const pc_failure *b,
                       size_t nb) {
  if (na != nb) {
    return 0;
  }
  for (size_t i = 0; i < na; i++) {
    if (!same_key(&a[i], &b[i]) || strcmp(a[i].reason, b[i].reason) != 0) {
      return 0;
    }
  }
  return 1;
}

/* Rank 0: recorded = this run's failures + earlier ones neither retried nor
 * resolved.  Written only when it changed, so a run with nothing to do
 * changes no byte of the store. */
pc_status pc_run_record_failures(pc_ctx *c, pc_error *e) {
  pc_failure *old = NULL;
  size_t nold = 0;
  pc_status st = pc_store_read_failures(c->store, &old, &nold, e);
  int damaged = st != PC_OK;
  if (damaged) {
    pc_log_warn(c->log, "%s; recording this run's failures only", e->msg);
    nold = 0;
  }
  size_t n = c->nfailures;
  /* At least one element, so an empty list is not mistaken for a failed
   * malloc(0). Ownership: all replaces c->failures, which the run result hands
   * to the caller. */
  pc_failure *all = malloc((n + nold ? n + nold : 1) * sizeof *all);
  if (all == NULL) {
    free(old);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  memcpy(all, c->failures, n * sizeof *all);
  for (size_t i = 0; i < nold; i++) {
    if (keep_old(c, &old[i])) {
      all[n++] = old[i];
    }
  }
  /* Sorted before comparing and writing, so the file's bytes depend on the set
   * of failures only, not on which rank reported first. */
  qsort(all, n, sizeof *all, cmp_failure);
  st = PC_OK;
  if (damaged || !lists_equal(all, n, old, nold)) {
    st = pc_store_write_failures(c->store, all, n, e);
  }
  free(old);
  free(c->failures);
  c->failures = all;
  c->nfailures = c->capfailures = n;
  return st;
}
