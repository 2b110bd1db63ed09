/* Work partitioning, pure and MPI-free so it is unit-testable: rank 0 calls
 * these and broadcasts the result. */
#ifndef PC_PARTITION_H
#define PC_PARTITION_H

#include <stddef.h>

#include "pathcast/core/status.h"

/* Longest-processing-time-first assignment of n items with the given costs to
 * nranks ranks: items in decreasing cost (ties by index), each to the rank
 * with the least load so far (ties to the lowest rank).  Writes owner[i].
 * Deterministic: the same input always gives the same owners.  A cost that is
 * negative or NaN counts as 0.  Returns PC_INPUT if nranks < 1 and PC_NOMEM
 * if scratch memory cannot be had; owner is untouched on error. */
pc_status pc_part_lpt(const double *cost, size_t n, int nranks, int *owner);

#endif
