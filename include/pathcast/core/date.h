/* Calendar dates as integer day numbers: pure functions, no mktime/localtime,
 * so they are exact and independent of the time zone and the C library. */
#ifndef PC_DATE_H
#define PC_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/status.h"

/* Days since 1970-01-01 (proleptic Gregorian); 1970-01-01 is day 0. */
typedef int32_t pc_date;
#define PC_DATE_NONE INT32_MIN
#define PC_DATE_STRLEN 11 /* "YYYY-MM-DD" and the terminating NUL */
/* The date domain: every date pathcast reads (data, job files, the command
 * line, holidays, the store) or writes lies in 1800-01-01..9999-12-31, so
 * every stored date formats as YYYY-MM-DD and reads back. */
#define PC_DATE_MIN (-62091) /* 1800-01-01 */
#define PC_DATE_MAX 2932896  /* 9999-12-31 */
#define PC_DATE_DOMAIN "1800-01-01..9999-12-31"

/* Day number of a valid y-m-d; false (and *out untouched) if the triple is not
 * a real date (Feb 30, month 13, ...).  Years 1..9999. */
bool pc_date_from_ymd(int y, int m, int d, pc_date *out);
void pc_date_to_ymd(pc_date date, int *y, int *m, int *d);
/* Strict ISO 8601 "YYYY-MM-DD": exactly ten characters, a real date within
 * the date domain. */
bool pc_date_parse(const char *s, pc_date *out);
/* True when s is a real date in the right shape that lies outside the
 * domain (for messages that say why pc_date_parse refused it). */
bool pc_date_outside_domain(const char *s);
/* Writes "YYYY-MM-DD" into buf (at least PC_DATE_STRLEN bytes); returns buf. */
char *pc_date_format(pc_date date, char *buf);
/* 0 = Monday ... 6 = Sunday. */
int pc_date_weekday(pc_date date);
int pc_days_in_month(int y, int m);
bool pc_is_leap_year(int y);
/* Months since year 0 (y*12 + m-1): the key of a monthly partition. */
int32_t pc_date_month_index(pc_date date);
/* First day of a month index. */
pc_date pc_month_first_day(int32_t month_index);
/* Binary searches of an ascending array v[0..n-1]: how many of its dates
 * lie before d; the index of d or -1; whether it holds d. */
size_t pc_dates_before(const pc_date *v, size_t n, pc_date d);
long pc_dates_find(const pc_date *v, size_t n, pc_date d);
bool pc_dates_contain(const pc_date *v, size_t n, pc_date d);
/* Today's date in UTC. */
pc_date pc_date_today_utc(void);

#endif
