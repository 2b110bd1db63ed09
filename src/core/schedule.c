/* Training cadence (see pathcast/core/schedule.h).
 *
 * Every T_k is computed directly from the anchor, so a run that was skipped or
 * came late cannot move any later training date. */
#include "pathcast/core/schedule.h"

#include <stddef.h>
#include <string.h>

/* A step is a number of days or a number of months, never both: months vary
 * in length, so month steps need calendar arithmetic, not a day count. */
typedef struct {
  const char *name;
  int days;
  int months;
} freq_info;

static const freq_info freq_table[PC_FREQ_COUNT] = {
    [PC_FREQ_DAILY] = {"daily", 1, 0},
    [PC_FREQ_WEEKLY] = {"weekly", 7, 0},
    [PC_FREQ_BIWEEKLY] = {"biweekly", 14, 0},
    [PC_FREQ_MONTHLY] = {"monthly", 0, 1},
    [PC_FREQ_QUARTERLY] = {"quarterly", 0, 3},
    [PC_FREQ_SEMIANNUALLY] = {"semiannually", 0, 6},
    [PC_FREQ_ANNUALLY] = {"annually", 0, 12},
};

/* Out-of-range values map to daily so that no lookup reads outside the
 * table; pc_freq_parse never produces such a value. */
static const freq_info *info_of(pc_freq f) {
  if ((int)f < 0 || f >= PC_FREQ_COUNT) {
    return &freq_table[PC_FREQ_DAILY];
  }
  return &freq_table[f];
}

const char *pc_freq_name(pc_freq f) {
  if ((int)f < 0 || f >= PC_FREQ_COUNT) {
    return "unknown";
  }
  return freq_table[f].name;
}

/* Kept in the table's order; the job's error message for a bad train_frequency
 * prints this list. */
const char *pc_freq_names(void) {
  return "daily, weekly, biweekly, monthly, quarterly, semiannually, annually";
}

bool pc_freq_parse(const char *s, pc_freq *out) {
  if (s == NULL) {
    return false;
  }
  for (int f = 0; f < PC_FREQ_COUNT; f++) {
    if (strcmp(s, freq_table[f].name) == 0) {
      *out = (pc_freq)f;
      return true;
    }
  }
  return false;
}

/* Division rounding toward minus infinity: C's truncation would put the dates
 * just before the anchor in period 0 instead of period -1. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    q -= 1;
  }
  return q;
}

/* anchor + n months, keeping the anchor's day of month but clamping it to the
 * length of the target month (Jan 31 + 1 month = Feb 28 or 29). */
static pc_date add_months(pc_date anchor, int64_t n) {
  int y, m, d;
  pc_date_to_ymd(anchor, &y, &m, &d);
  int64_t mi = (int64_t)y * 12 + (m - 1) + n;
  int64_t ty = floor_div(mi, 12);
  int tm = (int)(mi - ty * 12) + 1;
  int dim = pc_days_in_month((int)ty, tm);
  return pc_month_first_day((int32_t)mi) + (d < dim ? d : dim) - 1;
}

/* T_k = anchor + k steps for any integer k, negative too: dates before the
 * anchor have training dates as well. Month steps are always taken from the
 * anchor, never from T_(k-1), so a clamped Feb 28 does not pull the later dates
 * to the 28th. */
pc_date pc_schedule_date(pc_freq f, pc_date anchor, int64_t k) {
  const freq_info *fi = info_of(f);
  if (fi->months != 0) {
    return add_months(anchor, k * fi->months);
  }
  return (pc_date)(anchor + k * fi->days);
}

/* For month steps the month difference divided by the step is within one of
 * the answer (the clamped day may or may not have been reached in d's month);
 * the loops settle it and are written generally, so they also cover any
 * estimate that is off in either direction. */
int64_t pc_schedule_index(pc_freq f, pc_date anchor, pc_date d) {
  const freq_info *fi = info_of(f);
  if (fi->months == 0) {
    return floor_div((int64_t)d - anchor, fi->days);
  }
  int64_t dm = (int64_t)pc_date_month_index(d) - pc_date_month_index(anchor);
  int64_t k = floor_div(dm, fi->months);
  while (pc_schedule_date(f, anchor, k) > d) {
    k--;
  }
  while (pc_schedule_date(f, anchor, k + 1) <= d) {
    k++;
  }
  return k;
}

pc_date pc_schedule_on_or_before(pc_freq f, pc_date anchor, pc_date d) {
  return pc_schedule_date(f, anchor, pc_schedule_index(f, anchor, d));
}

pc_date pc_schedule_after(pc_freq f, pc_date anchor, pc_date d) {
  return pc_schedule_date(f, anchor, pc_schedule_index(f, anchor, d) + 1);
}
