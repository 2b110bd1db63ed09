/* Observed daily series read from a CSV file:
 *   date,close[,covariate,...]
 * ISO dates strictly ascending, one row per trading day, an empty cell or NA
 * is missing (NAN here).  Closes must be positive where present. */
#ifndef PC_SERIES_H
#define PC_SERIES_H

#include <stddef.h>

#include "pathcast/core/date.h"
#include "pathcast/core/status.h"

/* Caller-owned struct; pc_series_fini releases its arrays. */
typedef struct {
  size_t n;      /* rows */
  pc_date *date; /* n dates, strictly ascending */
  double *close; /* n closes, NAN where missing */
  size_t ncov;   /* covariate columns */
  char **cov_name; /* ncov names from the header */
  double *cov;     /* n * ncov values, row-major, NAN where missing */
} pc_series;

/* Parses CSV text; name (usually the file path) prefixes every message as
 * "name:line: problem".  Refuses: missing or wrong header, wrong column count,
 * bad or impossible dates, unsorted or duplicate dates, numbers that do not
 * parse or are not finite, non-positive closes.  A UTF-8 BOM and CRLF line
 * ends are accepted.  On error *s is left empty (n == 0, no allocations). */
pc_status pc_series_parse(pc_series *s, const char *name, const char *text,
                          size_t len, pc_error *e);
pc_status pc_series_read(pc_series *s, const char *path, pc_error *e);
void pc_series_fini(pc_series *s);

/* Number of rows dated strictly before d (binary search). */
size_t pc_series_rows_before(const pc_series *s, pc_date d);
/* Row index of date d, or -1 if the series has no row for it. */
long pc_series_find(const pc_series *s, pc_date d);
/* Column index of a covariate by name, or -1. */
int pc_series_cov_index(const pc_series *s, const char *name);

#endif
