/* Elapsed time for what only measures durations (progress rates, the age
 * of a write-behind batch): never a date, never a stored value. */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H

/* Seconds of CLOCK_MONOTONIC: it does not jump when the system clock is
 * set, so differences are true durations. */
double pc_monotonic_seconds(void);

#endif
