/* A phase's units handed out as ranks become free (see run_internal.h).
 *
 * Why not a fixed assignment: the expected costs the plan orders units by
 * are per model type, and the real cost of a unit varies far more than
 * that: an order search tries 8 candidates on one date and 25 on the next,
 * a booster has one tree or fifteen.  Fixed shares computed from such
 * costs left one of two ranks idle for a tenth of a six-model backfill.
 * Handed out in decreasing expected cost to whichever rank is free, the
 * long units start first and the ranks finish within about one short unit
 * of each other, whatever the costs really are.
 *
 * How: rank 0 holds one counter in an MPI window (MPI_Win_allocate), the
 * number of turns handed out.  A rank that needs work adds one to it with
 * MPI_Fetch_and_op under a shared lock, which returns the previous value:
 * its turn.  The atomic makes every turn go to exactly one rank without a
 * reply from rank 0, which is busy with units of its own.  Which rank
 * takes which unit depends on timing; what a unit writes depends only on
 * the unit, so the store is the same for any rank count and any timing
 * (tests/integration/test_mpi.sh compares the stores and counts of 1, 2
 * and 3 ranks). */
#include <stdlib.h>

#include "run_internal.h"

/* The phase's units by turn, from the plan every rank holds. */
static pc_status list_units(const pc_plan *p, int kind, pc_dispatch *d) {
  size_t n = 0;
  for (size_t i = 0; i < p->nunits; i++) {
    n += p->units[i].kind == kind;
  }
  d->unit = malloc((n ? n : 1) * sizeof *d->unit);
  if (d->unit == NULL) {
    return PC_NOMEM;
  }
  for (size_t i = 0; i < p->nunits; i++) {
    const pc_unit *u = &p->units[i];
    if (u->kind == kind && u->turn >= 0 && (size_t)u->turn < n) {
      d->unit[u->turn] = i;
    }
  }
  d->n = n;
  return PC_OK;
}

/* The counter, at 0 on rank 0 before any rank can take a turn.  MPI failures
 * are kept in the context; without a window no unit is handed out. */
static void open_counter(pc_ctx *c, pc_dispatch *d) {
  long *base = NULL;
  MPI_Aint size = c->rank == 0 ? (MPI_Aint)sizeof(long) : 0;
  if (!PC_CTX_MPI(c, MPI_Win_allocate(size, (int)sizeof(long), MPI_INFO_NULL,
                                       c->comm, &base, &d->win))) {
    d->win = MPI_WIN_NULL;
  }
  if (d->win != MPI_WIN_NULL) {
    PC_CTX_MPI(c, MPI_Win_set_errhandler(d->win, MPI_ERRORS_RETURN));
  }
  if (c->rank == 0 && d->win != MPI_WIN_NULL &&
      PC_CTX_MPI(c, MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, d->win))) {
    *base = 0;
    PC_CTX_MPI(c, MPI_Win_unlock(0, d->win));
  }
  /* Every rank has its window and rank 0's counter is set, or none takes a
   * turn (a window that only some ranks have cannot be freed collectively,
   * so it is then left to MPI_Finalize). */
  int ok = d->win != MPI_WIN_NULL && c->mpi_failed == PC_OK, all = 0;
  if (!PC_CTX_MPI(c, MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN,
                                   c->comm)) ||
      !all) {
    d->win = MPI_WIN_NULL;
    d->n = 0;
  }
}

pc_status pc_dispatch_start(pc_ctx *c, int kind, pc_dispatch *d) {
  d->unit = NULL;
  d->n = d->next = 0;
  d->win = MPI_WIN_NULL;
  pc_status st = list_units(&c->plan, kind, d);
  if (c->size > 1) {
    /* Collective even when the list failed, so no rank waits alone. */
    open_counter(c, d);
  }
  if (st != PC_OK) {
    d->n = 0;
  }
  return st;
}

long pc_dispatch_next(pc_ctx *c, pc_dispatch *d) {
  long turn = (long)d->next;
  if (c->size > 1) {
    const long one = 1;
    turn = -1;
    if (d->win == MPI_WIN_NULL ||
        !PC_CTX_MPI(c, MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, d->win))) {
      return -1;
    }
    int got = PC_CTX_MPI(c, MPI_Fetch_and_op(&one, &turn, MPI_LONG, 0, 0,
                                             MPI_SUM, d->win));
    if (!PC_CTX_MPI(c, MPI_Win_unlock(0, d->win)) || !got) {
      return -1;
    }
  }
  if (turn < 0 || (size_t)turn >= d->n) {
    return -1;
  }
  d->next = (size_t)turn + 1;
  return (long)d->unit[turn];
}

void pc_dispatch_end(pc_ctx *c, pc_dispatch *d) {
  if (d->win != MPI_WIN_NULL) {
    PC_CTX_MPI(c, MPI_Win_free(&d->win));
  }
  free(d->unit);
  d->unit = NULL;
  d->n = 0;
}
