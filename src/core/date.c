/* Calendar dates as day numbers (see pathcast/core/date.h).
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days
 * (http://howardhinnant.github.io/date_algorithms.html).  They use only
 * integer arithmetic, so results do not depend on the time zone, the locale or
 * the C library's idea of time_t, and they are exact for any year. */
#include "pathcast/core/date.h"

#include <stddef.h>
#include <time.h>

/* Days from 0000-03-01 to 1970-01-01: shifts Hinnant's era-based day count so
 * that 1970-01-01 is day 0. */
enum { DAYS_0000_03_01_TO_EPOCH = 719468, DAYS_PER_ERA = 146097 };

/* Floor division: C's '/' truncates toward zero, which is wrong for the
 * negative day and month numbers that lie before the epoch. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    q -= 1;
  }
  return q;
}

/* Day number of y-m-d for any year; the caller has validated m and d. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= (m <= 2);
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;                                   /* [0, 399] */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
  return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

/* Inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += DAYS_0000_03_01_TO_EPOCH;
  int64_t era = floor_div(z, DAYS_PER_ERA);
  int64_t doe = z - era * DAYS_PER_ERA; /* [0, 146096] */
  int64_t yoe =
      (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);     /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                          /* [0, 11] */
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool pc_is_leap_year(int y) {
  return (y % 4 == 0) && (y % 100 != 0 || y % 400 == 0);
}

int pc_days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) {
    return 0;
  }
  if (m == 2 && pc_is_leap_year(y)) {
    return 29;
  }
  return days[m - 1];
}

bool pc_date_from_ymd(int y, int m, int d, pc_date *out) {
  if (y < 1 || y > 9999 || m < 1 || m > 12) {
    return false;
  }
  if (d < 1 || d > pc_days_in_month(y, m)) {
    return false;
  }
  *out = (pc_date)days_from_civil(y, m, d);
  return true;
}

void pc_date_to_ymd(pc_date date, int *y, int *m, int *d) {
  int64_t year;
  civil_from_days(date, &year, m, d);
  *y = (int)year;
}

/* Value of n decimal digits at s, or -1 if any of them is not a digit.  The
 * fields have a fixed width, so strtol (which accepts signs, blanks and any
 * width) would be looser than the format we promise to enforce. */
static int fixed_digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* The shape and calendar check of pc_date_parse, without the domain. */
static bool parse_any(const char *s, pc_date *out) {
  if (s == NULL) {
    return false;
  }
  /* Check the shape character by character before reading s[10], so a short
   * string is rejected at its terminating NUL and never read past. */
  for (int i = 0; i < 10; i++) {
    bool dash = (i == 4 || i == 7);
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) {
      return false;
    }
  }
  if (s[10] != '\0') {
    return false;
  }
  return pc_date_from_ymd(fixed_digits(s, 4), fixed_digits(s + 5, 2),
                          fixed_digits(s + 8, 2), out);
}

bool pc_date_parse(const char *s, pc_date *out) {
  pc_date d;
  if (!parse_any(s, &d) || d < PC_DATE_MIN || d > PC_DATE_MAX) {
    return false;
  }
  *out = d;
  return true;
}

bool pc_date_outside_domain(const char *s) {
  pc_date d;
  return parse_any(s, &d) && (d < PC_DATE_MIN || d > PC_DATE_MAX);
}

/* Writes v as exactly n decimal digits (v must fit). */
static void put_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

char *pc_date_format(pc_date date, char *buf) {
  int y, m, d;
  pc_date_to_ymd(date, &y, &m, &d);
  /* A date outside years 0..9999 (PC_DATE_NONE, for one) has no four-digit
   * form; print a placeholder of the same width rather than a wrong date. */
  if (y < 0 || y > 9999) {
    const char *none = "XXXX-XX-XX";
    for (int i = 0; i < PC_DATE_STRLEN; i++) {
      buf[i] = none[i];
    }
    return buf;
  }
  put_digits(buf, y, 4);
  buf[4] = '-';
  put_digits(buf + 5, m, 2);
  buf[7] = '-';
  put_digits(buf + 8, d, 2);
  buf[10] = '\0';
  return buf;
}

int pc_date_weekday(pc_date date) {
  /* Day 0, 1970-01-01, was a Thursday (3 when Monday is 0). */
  int64_t w = ((int64_t)date + 3) % 7;
  return (int)(w < 0 ? w + 7 : w);
}

int32_t pc_date_month_index(pc_date date) {
  int y, m, d;
  pc_date_to_ymd(date, &y, &m, &d);
  return (int32_t)y * 12 + (m - 1);
}

pc_date pc_month_first_day(int32_t month_index) {
  int64_t y = floor_div(month_index, 12);
  int m = (int)(month_index - y * 12) + 1;
  return (pc_date)days_from_civil(y, m, 1);
}

pc_date pc_date_today_utc(void) {
  time_t now = time(NULL);
  if (now == (time_t)-1) {
    return PC_DATE_NONE;
  }
  /* POSIX time has no leap seconds, so every day is exactly 86400 s. */
  return (pc_date)floor_div((int64_t)now, 86400);
}

size_t pc_dates_before(const pc_date *v, size_t n, pc_date d) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] < d) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

long pc_dates_find(const pc_date *v, size_t n, pc_date d) {
  size_t i = pc_dates_before(v, n, d);
  return i < n && v[i] == d ? (long)i : -1;
}

bool pc_dates_contain(const pc_date *v, size_t n, pc_date d) {
  return pc_dates_find(v, n, d) >= 0;
}
