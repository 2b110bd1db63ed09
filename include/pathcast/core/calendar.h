/* Trading calendars: which dates are trading days.  A forecast is made for
 * every trading day, and day_k of a forecast is the k-th trading day from its
 * forecast date. */
#ifndef PC_CALENDAR_H
#define PC_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "pathcast/core/date.h"
#include "pathcast/core/status.h"

typedef enum { PC_CAL_WEEKDAYS, PC_CAL_DAILY } pc_cal_kind;

/* Caller-owned struct: pc_calendar_init / pc_calendar_fini. */
typedef struct {
  pc_cal_kind kind;
  pc_date *holidays; /* sorted, unique; not trading days */
  size_t nholidays;
} pc_calendar;

void pc_calendar_init(pc_calendar *cal, pc_cal_kind kind);
void pc_calendar_fini(pc_calendar *cal);
/* Reads a holidays file: one ISO date per line, '#' comments and blank lines
 * allowed, any order, duplicates allowed.  Errors name "file:line: problem"
 * (status PC_INPUT); the calendar is unchanged on error. */
pc_status pc_calendar_load_holidays(pc_calendar *cal, const char *path,
                                    pc_error *e);
/* Same, from text already in memory; name is used in messages. */
pc_status pc_calendar_parse_holidays(pc_calendar *cal, const char *name,
                                     const char *text, size_t len, pc_error *e);

/* A fingerprint of the holidays that change the calendar (those that would
 * otherwise be trading days): 16 hex digits, or "none".  Part of every
 * model's settings, so a model version never mixes calendars. */
void pc_calendar_fingerprint(const pc_calendar *cal, char *buf, size_t len);
/* The same holidays as comma-separated ISO dates, ascending ("" when
 * none); malloc'd, the caller frees it (NULL when out of memory). */
char *pc_calendar_holiday_list(const pc_calendar *cal);

bool pc_calendar_is_trading(const pc_calendar *cal, pc_date d);
/* First trading day strictly after / before d. */
pc_date pc_calendar_next(const pc_calendar *cal, pc_date d);
pc_date pc_calendar_prev(const pc_calendar *cal, pc_date d);
/* First trading day on or after d. */
pc_date pc_calendar_on_or_after(const pc_calendar *cal, pc_date d);
/* The k-th trading day counting d as the first when d is a trading day
 * (k >= 1): k = 1 gives d itself (or the next trading day if d is not one). */
pc_date pc_calendar_nth(const pc_calendar *cal, pc_date d, int k);
/* Number of trading days in the inclusive range [a, b] (0 if b < a). */
size_t pc_calendar_count(const pc_calendar *cal, pc_date a, pc_date b);
/* Number of trading days strictly between a and b (0 if b <= a + 1). */
size_t pc_calendar_count_between(const pc_calendar *cal, pc_date a, pc_date b);

#endif
