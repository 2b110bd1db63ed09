/* Work partitioning, pure and MPI-free so it is unit-testable: rank 0 calls
 * it and broadcasts the result with the plan. */
#ifndef PC_PARTITION_H
#define PC_PARTITION_H

#include <stddef.h>

#include "pathcast/core/status.h"

/* The order in which units of the given costs are handed out: decreasing
 * cost, ties by index, so the order is total and the same for every run of
 * the same input.  Handed to ranks as they become free, it is Graham's
 * longest-processing-time-first rule run online.  A cost that is negative
 * or NaN counts as 0.  Writes order[0 .. n) (unit indices); PC_NOMEM if
 * scratch memory cannot be had, order untouched. */
pc_status pc_part_order(const double *cost, size_t n, size_t *order);

#endif
