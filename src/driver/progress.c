/* Progress on rank 0: every rank reports each finished unit with a small
 * message; rank 0 drains them between its own units and shows done/total,
 * rate and ETA -- in place on a terminal, a plain line every few seconds
 * otherwise.  The messages are point-to-point and fully matched (each rank
 * ends with one END message), so no collective is hidden in here. */
#include <stdlib.h>
#include <unistd.h>

#include "pathcast/core/clock.h"
#include "run_internal.h"

/* Tags of their own, so a progress message can never match a receive elsewhere
 * in the driver (the plan and failures move by collectives, which do not use
 * tags, but a later point-to-point exchange would). */
enum { TAG_STEP = 4101, TAG_END = 4102 };

struct pc_progress {
  pc_ctx *c;
  const char *phase;
  long total, done;
  double t0, last_shown;
  int tty;
  int ended; /* ranks whose END arrived (rank 0 only) */
};

static void show(pc_progress *p, int final) {
  double t = pc_monotonic_seconds();
  /* A terminal redraws one line in place, so frequent updates cost nothing; a
   * log file or batch output gets a new line each time, so every 5 s keeps a
   * Slurm output file readable. */
  double interval = p->tty ? 0.2 : 5.0;
  if (!final && t - p->last_shown < interval) {
    return;
  }
  p->last_shown = t;
  double elapsed = t - p->t0;
  double rate = elapsed > 0 ? (double)p->done / elapsed : 0.0;
  double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0.0;
  fprintf(stderr, "%s%s: %ld/%ld (%.0f/s, ETA %.0fs)%s", p->tty ? "\r" : "",
          p->phase, p->done, p->total, rate, eta,
          p->tty && !final ? "   " : "\n");
  fflush(stderr);
}

/* Collective: progress is shown only when every rank could start it, so
 * rank 0 never waits for the END of a rank that sends none. */
pc_progress *pc_progress_start(pc_ctx *c, const char *phase, long total) {
  pc_progress *p = calloc(1, sizeof *p);
  int ok = p != NULL, all = 0;
  if (!PC_CTX_MPI(c, MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, c->comm)) ||
      !all) {
    free(p);
    return NULL;
  }
  p->c = c;
  p->phase = phase;
  p->total = total;
  p->t0 = p->last_shown = pc_monotonic_seconds();
  p->tty = isatty(STDERR_FILENO);
  return p;
}

/* Rank 0: takes every message already waiting, without blocking. */
/* A message with another tag stops the drain instead of being received: it
 * belongs to someone else, and Iprobe left it in the queue. */
static void drain(pc_progress *p) {
  int flag = 1;
  while (flag) {
    MPI_Status status;
    if (!PC_CTX_MPI(p->c, MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, p->c->comm,
                                     &flag, &status)) ||
        !flag || (status.MPI_TAG != TAG_STEP && status.MPI_TAG != TAG_END)) {
      return;
    }
    long items = 0;
    PC_CTX_MPI(p->c, MPI_Recv(&items, 1, MPI_LONG, status.MPI_SOURCE,
                              status.MPI_TAG, p->c->comm, MPI_STATUS_IGNORE));
    p->done += items;
    p->ended += status.MPI_TAG == TAG_END;
  }
}

/* Other ranks send and go on (MPI_Send of one long is buffered eagerly by every
 * MPI in practice); only rank 0 prints, so progress lines never interleave. A
 * NULL progress (start failed) makes every call a no-op. */
void pc_progress_step(pc_progress *p, long items) {
  if (p == NULL) {
    return;
  }
  if (p->c->rank != 0) {
    PC_CTX_MPI(p->c, MPI_Send(&items, 1, MPI_LONG, 0, TAG_STEP, p->c->comm));
    return;
  }
  p->done += items;
  drain(p);
  show(p, 0);
}

void pc_progress_finish(pc_progress *p) {
  if (p == NULL) {
    return;
  }
  if (p->c->rank != 0) {
    long zero = 0;
    PC_CTX_MPI(p->c, MPI_Send(&zero, 1, MPI_LONG, 0, TAG_END, p->c->comm));
    free(p);
    return;
  }
  /* Rank 0 has finished its own units: it now blocks until every other rank's
   * END, consuming their remaining steps, so no message is left unmatched when
   * the phase's vote begins. */
  while (p->ended < p->c->size - 1) {
    MPI_Status status;
    long items = 0;
    if (!PC_CTX_MPI(p->c, MPI_Recv(&items, 1, MPI_LONG, MPI_ANY_SOURCE,
                                   MPI_ANY_TAG, p->c->comm, &status))) {
      break; /* the failure is voted on after the phase */
    }
    p->done += items;
    p->ended += status.MPI_TAG == TAG_END;
    show(p, 0);
  }
  if (p->total > 0) {
    show(p, 1);
  }
  free(p);
}
