/* Work partitioning (see pathcast/core/partition.h).
 *
 * Longest processing time first (Graham 1969): units sorted by decreasing cost,
 * each given to the currently least loaded rank. Its makespan is within 4/3 of
 * the optimum, it needs no tuning, and it is pure (no MPI), so rank 0 computes
 * the plan and the unit tests check it without mpirun. The assignment depends
 * only on the costs and the rank count, never on timing; reproducibility of
 * results does not rest on it anyway, since every unit's output depends only on
 * the unit (docs/DESIGN.md, "Randomness"). */
#include "pathcast/core/partition.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct {
  /* A unit's cost and its position in the caller's array, so the sort can be
   * undone when writing owner[]. */
  double cost;
  size_t index;
} item;

/* Decreasing cost, then increasing index: a total order, so qsort (which is
 * not stable) still gives one fixed sequence for a given input. */
static int cmp_item(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->cost != b->cost) {
    return a->cost > b->cost ? -1 : 1;
  }
  return (a->index > b->index) - (a->index < b->index);
}

/* Ranks ordered by load, then by rank number, so "least loaded, lowest rank
 * on ties" is always the top of the heap. */
typedef struct {
  double *load;
  int *heap;
  int size;
} rank_heap;

static bool lighter(const rank_heap *h, int a, int b) {
  if (h->load[a] != h->load[b]) {
    return h->load[a] < h->load[b];
  }
  return a < b;
}

/* Restores the heap after the top rank's load grew. */
static void sift_down(rank_heap *h) {
  int i = 0;
  for (;;) {
    int best = i, l = 2 * i + 1, r = 2 * i + 2;
    if (l < h->size && lighter(h, h->heap[l], h->heap[best])) {
      best = l;
    }
    if (r < h->size && lighter(h, h->heap[r], h->heap[best])) {
      best = r;
    }
    if (best == i) {
      return;
    }
    int t = h->heap[i];
    h->heap[i] = h->heap[best];
    h->heap[best] = t;
    i = best;
  }
}

/* NaN would make the sort order inconsistent and negative costs have no
 * meaning, so both count as free. */
static void sort_items(item *items, const double *cost, size_t n) {
  for (size_t i = 0; i < n; i++) {
    items[i].cost = cost[i] > 0 ? cost[i] : 0.0;
    items[i].index = i;
  }
  qsort(items, n, sizeof *items, cmp_item);
}

/* owner[i] receives the rank of unit i (caller-allocated, n entries). n = 0 is
 * valid and assigns nothing; nranks < 1 is a caller bug reported as PC_INPUT.
 * All temporary memory is freed on every path. */
pc_status pc_part_lpt(const double *cost, size_t n, int nranks, int *owner) {
  if (nranks < 1) {
    return PC_INPUT;
  }
  /* At least one element: malloc(0) may return NULL, which would read as out of
   * memory. */
  item *items = malloc((n ? n : 1) * sizeof *items);
  rank_heap h = {calloc((size_t)nranks, sizeof(double)),
                 malloc((size_t)nranks * sizeof(int)), nranks};
  pc_status st = PC_NOMEM;
  if (items != NULL && h.load != NULL && h.heap != NULL) {
    /* All loads are zero, so ranks in ascending order already form a heap. */
    for (int r = 0; r < nranks; r++) {
      h.heap[r] = r;
    }
    sort_items(items, cost, n);
    for (size_t i = 0; i < n; i++) {
      /* The top of the heap is the least loaded rank (lowest number on ties);
       * adding the unit can only raise its load, so one sift_down restores the
       * heap in O(log nranks). */
      int r = h.heap[0];
      owner[items[i].index] = r;
      h.load[r] += items[i].cost;
      sift_down(&h);
    }
    st = PC_OK;
  }
  free(items);
  free(h.load);
  free(h.heap);
  return st;
}
