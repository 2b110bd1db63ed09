/* Trading calendars (see pathcast/core/calendar.h).
 *
 * A calendar is a base rule (every day, or Monday to Friday) minus a sorted,
 * duplicate-free list of holidays.  Membership is a binary search, and
 * counting is arithmetic on the base rule minus the holidays that fall in the
 * range, so a count over decades costs no more than a count over a week. */
#include "pathcast/core/calendar.h"
#include "pathcast/core/file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1970-01-05, day 4, was a Monday: the origin of the weekday count. */
enum { FIRST_MONDAY = 4 };

/* A caller-owned struct with no holidays; the holiday array is owned by the
 * calendar and freed by pc_calendar_fini, which leaves it empty and reusable.
 */
void pc_calendar_init(pc_calendar *cal, pc_cal_kind kind) {
  cal->kind = kind;
  cal->holidays = NULL;
  cal->nholidays = 0;
}

void pc_calendar_fini(pc_calendar *cal) {
  free(cal->holidays);
  cal->holidays = NULL;
  cal->nholidays = 0;
}

/* ---- holidays: lookup ---------------------------------------------------- */

/* Index of the first holiday >= d (nholidays if none). */
static size_t holiday_lower_bound(const pc_calendar *cal, pc_date d) {
  size_t lo = 0, hi = cal->nholidays;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cal->holidays[mid] < d) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/* Binary search: the holidays are kept sorted and unique (sort_unique), and the
 * trading-day walks call this once per day. */
static bool is_holiday(const pc_calendar *cal, pc_date d) {
  size_t i = holiday_lower_bound(cal, d);
  return i < cal->nholidays && cal->holidays[i] == d;
}

/* Whether d is a trading day under the base rule, ignoring holidays. */
static bool base_trading(const pc_calendar *cal, pc_date d) {
  return cal->kind == PC_CAL_DAILY || pc_date_weekday(d) < 5;
}

/* ---- holidays: parsing --------------------------------------------------- */

/* A growable list of dates, built before the calendar is touched so that a
 * failure part-way leaves the calendar as it was. */
typedef struct {
  pc_date *v;
  size_t n, cap;
} date_list;

static bool date_list_push(date_list *l, pc_date d) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    pc_date *v = realloc(l->v, cap * sizeof *v);
    if (v == NULL) {
      return false;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = d;
  return true;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Narrows [*b, *e) to exclude leading and trailing blanks and CRs, so files
 * written on Windows or indented by hand read the same. */
static void trim(const char **b, const char **e) {
  while (*b < *e && is_blank(**b)) {
    (*b)++;
  }
  while (*e > *b && is_blank((*e)[-1])) {
    (*e)--;
  }
}

/* Parses one trimmed, non-empty line of len bytes.  The copy gives the strict
 * parser a NUL-terminated string and rejects embedded NULs by length. */
static bool parse_line_date(const char *s, size_t len, pc_date *out) {
  char tmp[PC_DATE_STRLEN];
  if (len != PC_DATE_STRLEN - 1 || memchr(s, '\0', len) != NULL) {
    return false;
  }
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  return pc_date_parse(tmp, out);
}

static bool outside_domain(const char *s, size_t len) {
  char tmp[PC_DATE_STRLEN];
  if (len != PC_DATE_STRLEN - 1 || memchr(s, '\0', len) != NULL) {
    return false;
  }
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  return pc_date_outside_domain(tmp);
}

/* Handles one raw line (without its '\n'): blank and '#' lines are skipped. */
static pc_status parse_line(date_list *l, const char *name, size_t lineno,
                            const char *b, const char *e, pc_error *err) {
  pc_date d;
  trim(&b, &e);
  if (b == e || *b == '#') {
    return PC_OK;
  }
  size_t len = (size_t)(e - b);
  if (!parse_line_date(b, len, &d)) {
    /* Quote at most 64 bytes: enough to recognise the line, and a runaway
     * binary file cannot flood the message. */
    int shown = len > 64 ? 64 : (int)len;
    return pc_error_set(err, PC_INPUT,
                        "%s:%zu: bad date '%.*s' (expected YYYY-MM-DD%s)", name,
                        lineno, shown, b,
                        outside_domain(b, len) ? " within " PC_DATE_DOMAIN
                                               : "");
  }
  if (!date_list_push(l, d)) {
    return pc_error_set(err, PC_NOMEM, "%s: out of memory reading holidays",
                        name);
  }
  return PC_OK;
}

static int cmp_date(const void *a, const void *b) {
  pc_date x = *(const pc_date *)a, y = *(const pc_date *)b;
  return (x > y) - (x < y);
}

/* Sorts v and drops repeats in place; returns the new length. */
static size_t sort_unique(pc_date *v, size_t n) {
  if (n == 0) {
    return 0;
  }
  qsort(v, n, sizeof *v, cmp_date);
  size_t out = 1;
  for (size_t i = 1; i < n; i++) {
    if (v[i] != v[out - 1]) {
      v[out++] = v[i];
    }
  }
  return out;
}

/* Adds the calendar's existing holidays to l, so that loading several files
 * accumulates them, and installs the sorted union as the calendar's list. */
static pc_status merge_into(pc_calendar *cal, date_list *l, const char *name,
                            pc_error *err) {
  for (size_t i = 0; i < cal->nholidays; i++) {
    if (!date_list_push(l, cal->holidays[i])) {
      return pc_error_set(err, PC_NOMEM, "%s: out of memory reading holidays",
                          name);
    }
  }
  free(cal->holidays);
  cal->nholidays = sort_unique(l->v, l->n);
  cal->holidays = l->v;
  l->v = NULL;
  return PC_OK;
}

pc_status pc_calendar_parse_holidays(pc_calendar *cal, const char *name,
                                     const char *text, size_t len,
                                     pc_error *e) {
  date_list l = {NULL, 0, 0};
  /* No arithmetic on a null text: even adding 0 to NULL is undefined. */
  const char *p = text, *end = len != 0 ? text + len : text;
  pc_status st = PC_OK;
  for (size_t lineno = 1; st == PC_OK && p < end; lineno++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = nl != NULL ? nl : end;
    st = parse_line(&l, name, lineno, p, line_end, e);
    p = nl != NULL ? nl + 1 : end;
  }
  if (st == PC_OK) {
    st = merge_into(cal, &l, name, e);
  }
  free(l.v);
  return st;
}

/* ---- holidays: files ----------------------------------------------------- */


pc_status pc_calendar_load_holidays(pc_calendar *cal, const char *path,
                                    pc_error *e) {
  char *text = NULL;
  size_t len = 0;
  pc_status st = pc_file_read(path, &text, &len, e);
  if (st == PC_OK) {
    st = pc_calendar_parse_holidays(cal, path, text, len, e);
  }
  free(text);
  return st;
}

/* ---- trading days -------------------------------------------------------- */

/* A trading day is a base day (every day, or Monday to Friday) that is not a
 * listed holiday. Every forecast date, every day_k date and the training
 * schedule's catch-up all use this one definition, so they agree. */
bool pc_calendar_is_trading(const pc_calendar *cal, pc_date d) {
  return base_trading(cal, d) && !is_holiday(cal, d);
}

/* The loops below end because holidays are finite and every week has base
 * trading days: a run of non-trading days is at most the holiday count plus
 * a weekend long. */
pc_date pc_calendar_next(const pc_calendar *cal, pc_date d) {
  do {
    d++;
  } while (!pc_calendar_is_trading(cal, d));
  return d;
}

pc_date pc_calendar_prev(const pc_calendar *cal, pc_date d) {
  do {
    d--;
  } while (!pc_calendar_is_trading(cal, d));
  return d;
}

pc_date pc_calendar_on_or_after(const pc_calendar *cal, pc_date d) {
  return pc_calendar_is_trading(cal, d) ? d : pc_calendar_next(cal, d);
}

/* k below 1 is treated as 1: there is no zeroth trading day, and the first
 * is the nearest meaningful answer. */
pc_date pc_calendar_nth(const pc_calendar *cal, pc_date d, int k) {
  pc_date t = pc_calendar_on_or_after(cal, d);
  for (int i = 1; i < k; i++) {
    t = pc_calendar_next(cal, t);
  }
  return t;
}

/* Base trading days among the days before d (counted from FIRST_MONDAY; the
 * value is negative before it, which differences do not mind). */
static int64_t base_days_before(const pc_calendar *cal, int64_t d) {
  if (cal->kind == PC_CAL_DAILY) {
    return d;
  }
  int64_t t = d - FIRST_MONDAY;
  int64_t weeks = t / 7, rem = t % 7;
  if (rem < 0) {
    weeks -= 1;
    rem += 7;
  }
  return weeks * 5 + (rem < 5 ? rem : 5);
}

/* Trading days in [a, b], in O(holidays in range) rather than O(days): the
 * base days come from a closed formula, then each holiday in range that
 * falls on a base day removes one. Through pc_calendar_count_between it
 * serves the stale-data rule (max_gap) of every forecast and the data check,
 * so it must not walk day by day. */
size_t pc_calendar_count(const pc_calendar *cal, pc_date a, pc_date b) {
  if (b < a) {
    return 0;
  }
  int64_t n = base_days_before(cal, (int64_t)b + 1) - base_days_before(cal, a);
  /* Only holidays that would otherwise be trading days remove a day: a
   * holiday listed on a Saturday changes nothing. */
  size_t lo = holiday_lower_bound(cal, a);
  for (size_t i = lo; i < cal->nholidays && cal->holidays[i] <= b; i++) {
    if (base_trading(cal, cal->holidays[i])) {
      n--;
    }
  }
  return (size_t)n;
}

/* Strictly between a and b: the trading days a forecast made on b must simulate
 * after the data end at a (the max_gap rule of docs/DESIGN.md). */
size_t pc_calendar_count_between(const pc_calendar *cal, pc_date a, pc_date b) {
  if ((int64_t)b <= (int64_t)a + 1) {
    return 0;
  }
  return pc_calendar_count(cal, a + 1, b - 1);
}

/* A holiday on a day the calendar does not trade anyway changes nothing. */
static bool effective(const pc_calendar *cal, pc_date d) {
  return cal->kind != PC_CAL_WEEKDAYS || pc_date_weekday(d) < 5;
}

/* The effective holidays as "YYYY-MM-DD,..." for the manifest, which compares a
 * version's list across runs (docs/STORE.md, "Holidays"). The caller frees the
 * text. The buffer is sized for every holiday, effective or not, so it can
 * never overflow. */
char *pc_calendar_holiday_list(const pc_calendar *cal) {
  char *out = malloc(cal->nholidays * PC_DATE_STRLEN + 1);
  size_t used = 0;
  if (out == NULL) {
    return NULL;
  }
  out[0] = '\0';
  for (size_t i = 0; i < cal->nholidays; i++) {
    if (effective(cal, cal->holidays[i])) {
      if (used > 0) {
        out[used++] = ',';
      }
      pc_date_format(cal->holidays[i], out + used);
      used += PC_DATE_STRLEN - 1;
    }
  }
  return out;
}

/* The holidays= word of the settings text: only effective holidays count, so
 * listing a holiday on a Saturday does not change the settings, and "none" for
 * a calendar without effective holidays keeps the texts of calendars from
 * before holidays existed. The byte order is fixed, so the fingerprint is the
 * same on every host; changing it would make every stored settings text
 * mismatch. */
void pc_calendar_fingerprint(const pc_calendar *cal, char *buf, size_t len) {
  /* FNV-1a over the little-endian bytes of each effective holiday. */
  uint64_t h = 0xcbf29ce484222325ull;
  size_t used = 0;
  for (size_t i = 0; i < cal->nholidays; i++) {
    pc_date d = cal->holidays[i];
    if (!effective(cal, d)) {
      continue;
    }
    uint32_t u = (uint32_t)d;
    for (int b = 0; b < 4; b++) {
      h = (h ^ ((u >> (8 * b)) & 0xffu)) * 0x100000001b3ull;
    }
    used++;
  }
  if (used == 0) {
    snprintf(buf, len, "none");
  } else {
    snprintf(buf, len, "%016llx", (unsigned long long)h);
  }
}
