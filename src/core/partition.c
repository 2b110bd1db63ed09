/* Work partitioning (see pathcast/core/partition.h).
 *
 * Longest processing time first (Graham 1969), run online: units in
 * decreasing cost, each taken by the next rank to become free (the driver's
 * dispatch, src/driver/dispatch.c).  With exact costs that is LPT's own
 * assignment, whose makespan is within 4/3 of the optimum; with wrong costs
 * (a search that tries more candidates on one date, a booster with more
 * trees) no rank idles while another has units waiting.  The order is pure
 * (no MPI), so rank 0 computes it with the plan and the unit tests check it
 * without mpirun; which rank takes which unit depends on timing, and nothing
 * else may: every unit's output depends only on the unit (docs/DESIGN.md,
 * "Randomness"). */
#include "pathcast/core/partition.h"

#include <stdlib.h>

typedef struct {
  /* A unit's cost and its position in the caller's array, which the order
   * lists. */
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

/* NaN would make the sort order inconsistent and negative costs have no
 * meaning, so both count as free. */
static void sort_items(item *items, const double *cost, size_t n) {
  for (size_t i = 0; i < n; i++) {
    items[i].cost = cost[i] > 0 ? cost[i] : 0.0;
    items[i].index = i;
  }
  qsort(items, n, sizeof *items, cmp_item);
}

pc_status pc_part_order(const double *cost, size_t n, size_t *order) {
  /* At least one element: malloc(0) may return NULL, which would read as out of
   * memory. */
  item *items = malloc((n ? n : 1) * sizeof *items);
  if (items == NULL) {
    return PC_NOMEM;
  }
  sort_items(items, cost, n);
  for (size_t i = 0; i < n; i++) {
    order[i] = items[i].index;
  }
  free(items);
  return PC_OK;
}
