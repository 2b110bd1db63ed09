/* Training cadence.  Training dates are T_k = anchor + k * step, computed
 * from the anchor for every k (never by accumulating steps), so a missed run
 * can never shift the schedule.  Month arithmetic clamps to the end of the
 * month, keeping the anchor's day: Jan 31 + 1 month = Feb 28 (29 in a leap
 * year), Jan 31 + 2 months = Mar 31. */
#ifndef PC_SCHEDULE_H
#define PC_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "pathcast/core/date.h"

typedef enum {
  PC_FREQ_DAILY,
  PC_FREQ_WEEKLY,
  PC_FREQ_BIWEEKLY,
  PC_FREQ_MONTHLY,
  PC_FREQ_QUARTERLY,
  PC_FREQ_SEMIANNUALLY,
  PC_FREQ_ANNUALLY,
  PC_FREQ_COUNT
} pc_freq;

const char *pc_freq_name(pc_freq f);
/* Comma-separated list of every frequency name, for error messages. */
const char *pc_freq_names(void);
bool pc_freq_parse(const char *s, pc_freq *out);

/* T_k for any integer k (negative k lies before the anchor). */
pc_date pc_schedule_date(pc_freq f, pc_date anchor, int64_t k);
/* The greatest k with T_k <= d. */
int64_t pc_schedule_index(pc_freq f, pc_date anchor, pc_date d);
/* T_k for that k: the training date whose model serves a forecast on d. */
pc_date pc_schedule_on_or_before(pc_freq f, pc_date anchor, pc_date d);
/* The first T_k strictly after d: the next scheduled training. */
pc_date pc_schedule_after(pc_freq f, pc_date anchor, pc_date d);

#endif
