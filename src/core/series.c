/* Observed daily series read from CSV text (see pathcast/core/series.h).
 *
 * The parser works in place over the caller's text with (pointer, length)
 * spans, so no line or field is ever copied into a buffer whose size depends
 * on the input; the only fixed buffers hold a date (ten characters), a number
 * (bounded and checked) or the excerpt quoted in an error message. */
#include "pathcast/core/series.h"

#include "pathcast/core/file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plain decimal needs at most a few dozen characters; anything longer is
 * refused rather than copied, which keeps the strtod buffer fixed. */
#define NUMBER_MAX 100
/* How much of an offending field an error message quotes. */
#define QUOTE_MAX 40
#define FIRST_CAPACITY 256

/* A run of bytes inside the text; never NUL-terminated. */
typedef struct {
  const char *p;
  size_t n;
} span;

/* State of one pass over the text.  Rows are written straight into the
 * series arrays; cap is the capacity every array is known to have. */
typedef struct {
  const char *name;
  const char *text;
  size_t len;
  size_t pos;       /* start of the next unread line */
  size_t line;      /* 1-based number of the line last read */
  size_t prev_line; /* line of the previous data row, for duplicate dates */
  size_t ncol;      /* fields per line, from the header */
  size_t cap;
  pc_series *s;
  pc_error *e;
} parser;

static bool span_is(span f, const char *word) {
  size_t n = strlen(word);
  return f.n == n && memcmp(f.p, word, n) == 0;
}

static span trim(span f) {
  while (f.n > 0 && (f.p[0] == ' ' || f.p[0] == '\t')) {
    f.p++;
    f.n--;
  }
  while (f.n > 0 && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t')) {
    f.n--;
  }
  return f;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* The YYYY-MM-DD shape, so a well-formed but impossible date (Feb 30) gets
 * its own message. */
static bool looks_like_date(span f) {
  if (f.n != 10 || f.p[4] != '-' || f.p[7] != '-') {
    return false;
  }
  for (size_t i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && !is_digit(f.p[i])) {
      return false;
    }
  }
  return true;
}

/* Writes a short, printable excerpt of f into buf (QUOTE_MAX + 4 bytes) so
 * that a huge or binary field cannot swamp or garble a message. */
static const char *excerpt(span f, char *buf) {
  size_t n = f.n < QUOTE_MAX ? f.n : QUOTE_MAX;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)f.p[i];
    buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  strcpy(buf + n, f.n > QUOTE_MAX ? "..." : "");
  return buf;
}

/* Sets an input error prefixed with "name:line: ". */
__attribute__((format(printf, 2, 3))) static pc_status
fail(const parser *p, const char *fmt, ...) {
  char what[sizeof p->e->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return pc_error_set(p->e, PC_INPUT, "%s:%zu: %s", p->name, p->line, what);
}

static pc_status out_of_memory(const parser *p) {
  return pc_error_set(p->e, PC_NOMEM, "%s:%zu: out of memory", p->name,
                      p->line);
}

/* The name of 0-based column col (close or a covariate), made safe to quote
 * in a message; buf holds QUOTE_MAX + 4 bytes. */
static const char *column_label(const parser *p, size_t col, char *buf) {
  const char *name = col == 1 ? "close" : p->s->cov_name[col - 2];
  return excerpt((span){name, strlen(name)}, buf);
}

/* ---- Lines and fields ---------------------------------------------------- */

/* Reads the next line (without its LF or CRLF); false at the end of text. */
static bool next_line(parser *p, span *out) {
  if (p->pos >= p->len) {
    return false;
  }
  const char *start = p->text + p->pos;
  size_t rest = p->len - p->pos;
  const char *nl = memchr(start, '\n', rest);
  size_t n = nl ? (size_t)(nl - start) : rest;
  p->pos += nl ? n + 1 : n;
  p->line++;
  if (n > 0 && start[n - 1] == '\r') {
    n--;
  }
  *out = (span){start, n};
  return true;
}

/* True when nothing but line ends follows: empty lines there are harmless,
 * while an empty line before more data usually means a damaged file. */
static bool only_line_ends_left(const parser *p) {
  for (size_t i = p->pos; i < p->len; i++) {
    if (p->text[i] != '\n' && p->text[i] != '\r') {
      return false;
    }
  }
  return true;
}

static size_t count_fields(span line) {
  size_t count = 1;
  const char *q = line.p;
  const char *end = line.p + line.n;
  while ((q = memchr(q, ',', (size_t)(end - q))) != NULL) {
    count++;
    q++;
  }
  return count;
}

/* Splits off the field at the front of *rest (which must hold one). */
static span next_field(span *rest) {
  const char *comma = memchr(rest->p, ',', rest->n);
  span f = {rest->p, comma ? (size_t)(comma - rest->p) : rest->n};
  size_t used = comma ? f.n + 1 : f.n;
  rest->p += used;
  rest->n -= used;
  return f;
}

/* Checks what every line shares: no quotes (so a comma inside quotes cannot
 * silently shift columns) and the header's field count. */
static pc_status check_shape(const parser *p, span line) {
  if (memchr(line.p, '"', line.n) != NULL) {
    return fail(p, "quoted fields are not supported");
  }
  size_t found = count_fields(line);
  if (found != p->ncol) {
    return fail(p, "wrong column count: expected %zu fields, found %zu",
                p->ncol, found);
  }
  return PC_OK;
}

/* ---- Header -------------------------------------------------------------- */

static bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static pc_status check_cov_name(const parser *p, span f, size_t column) {
  char q[QUOTE_MAX + 4];
  if (f.n == 0) {
    return fail(p, "column %zu has an empty name", column);
  }
  for (size_t i = 0; i < f.n; i++) {
    if (!name_char(f.p[i])) {
      return fail(p,
                  "column %zu name '%s' may only contain letters, digits, "
                  "'_' and '.'",
                  column, excerpt(f, q));
    }
  }
  return PC_OK;
}

static pc_status add_cov_name(parser *p, span f) {
  char *copy = malloc(f.n + 1);
  if (copy == NULL) {
    return out_of_memory(p);
  }
  memcpy(copy, f.p, f.n);
  copy[f.n] = '\0';
  p->s->cov_name[p->s->ncov++] = copy;
  return PC_OK;
}

/* C11 qsort has no context argument, so each element carries its name. */
typedef struct {
  const char *name;
  size_t index;
} name_ref;

/* Orders by name, then by position, so equal names form runs in column
 * order. */
static int cmp_name_ref(const void *a, const void *b) {
  const name_ref *x = a;
  const name_ref *y = b;
  int c = strcmp(x->name, y->name);
  if (c != 0) {
    return c;
  }
  return (x->index > y->index) - (x->index < y->index);
}

/* Finds the first column (left to right) whose name appeared before, and
 * that earlier column, as a naive scan would, but in O(k log k) so a header
 * with a million columns cannot stall the parse.  Returns false when all k
 * names are unique. */
static bool find_duplicate(name_ref *refs, size_t k, size_t *first,
                           size_t *dup) {
  qsort(refs, k, sizeof *refs, cmp_name_ref);
  bool found = false;
  size_t run = 0;
  for (size_t i = 1; i < k; i++) {
    if (strcmp(refs[i].name, refs[run].name) != 0) {
      run = i;
    } else if (i == run + 1 && (!found || refs[i].index < *dup)) {
      found = true;
      *first = refs[run].index;
      *dup = refs[i].index;
    }
  }
  return found;
}

/* Covariates may not repeat each other or shadow 'date' and 'close'. */
static pc_status check_unique(const parser *p) {
  size_t k = p->s->ncov + 2;
  name_ref *refs = malloc(k * sizeof *refs);
  if (refs == NULL) {
    return out_of_memory(p);
  }
  refs[0] = (name_ref){"date", 0};
  refs[1] = (name_ref){"close", 1};
  for (size_t i = 2; i < k; i++) {
    refs[i] = (name_ref){p->s->cov_name[i - 2], i};
  }
  size_t first = 0;
  size_t dup = 0;
  pc_status st = PC_OK;
  if (find_duplicate(refs, k, &first, &dup)) {
    char q[QUOTE_MAX + 4];
    st = fail(p, "duplicate column name '%s' (columns %zu and %zu)",
              column_label(p, dup, q), first + 1, dup + 1);
  }
  free(refs);
  return st;
}

static pc_status check_fixed_columns(const parser *p, span date, span close,
                                     size_t ncol) {
  char q[QUOTE_MAX + 4];
  if (!span_is(date, "date")) {
    if (looks_like_date(date)) {
      return fail(p, "missing header (the first line looks like data; "
                     "expected 'date,close,...')");
    }
    return fail(p, "first column must be 'date', found '%s'", excerpt(date, q));
  }
  if (ncol < 2) {
    return fail(p, "header has only 1 column (expected 'date,close,...')");
  }
  if (!span_is(close, "close")) {
    return fail(p, "second column must be 'close', found '%s'",
                excerpt(close, q));
  }
  return PC_OK;
}

static pc_status parse_header(parser *p, span line) {
  if (memchr(line.p, '"', line.n) != NULL) {
    return fail(p, "quoted fields are not supported");
  }
  size_t ncol = count_fields(line);
  span rest = line;
  span date = next_field(&rest);
  span close = ncol > 1 ? next_field(&rest) : (span){"", 0};
  pc_status st = check_fixed_columns(p, date, close, ncol);
  if (st != PC_OK) {
    return st;
  }
  p->ncol = ncol;
  if (ncol > 2) {
    p->s->cov_name = calloc(ncol - 2, sizeof *p->s->cov_name);
    if (p->s->cov_name == NULL) {
      return out_of_memory(p);
    }
  }
  for (size_t c = 3; c <= ncol && st == PC_OK; c++) {
    span f = next_field(&rest);
    st = check_cov_name(p, f, c);
    st = st == PC_OK ? add_cov_name(p, f) : st;
  }
  return st == PC_OK ? check_unique(p) : st;
}

/* ---- Cells --------------------------------------------------------------- */

static pc_status parse_date(const parser *p, span f, pc_date *out) {
  char q[QUOTE_MAX + 4];
  if (f.n == 0) {
    return fail(p, "missing date (expected YYYY-MM-DD)");
  }
  if (!looks_like_date(f)) {
    return fail(p, "bad date '%s' (expected YYYY-MM-DD)", excerpt(f, q));
  }
  char buf[PC_DATE_STRLEN];
  memcpy(buf, f.p, 10);
  buf[10] = '\0';
  if (pc_date_outside_domain(buf)) {
    return fail(p, "date %s is outside the supported range " PC_DATE_DOMAIN,
                buf);
  }
  if (!pc_date_parse(buf, out)) {
    return fail(p, "date %s does not exist", buf);
  }
  return PC_OK;
}

static size_t skip_digits(span f, size_t i) {
  while (i < f.n && is_digit(f.p[i])) {
    i++;
  }
  return i;
}

/* Plain decimal only: [+-] digits [. digits] [e [+-] digits], with digits on
 * at least one side of the point.  This keeps out everything else strtod
 * would take (hex floats, nan, inf) and anything locale-dependent. */
static bool plain_decimal(span f) {
  size_t i = (f.n > 0 && (f.p[0] == '+' || f.p[0] == '-')) ? 1 : 0;
  size_t int_end = skip_digits(f, i);
  size_t digits = int_end - i;
  i = int_end;
  if (i < f.n && f.p[i] == '.') {
    size_t frac_end = skip_digits(f, i + 1);
    digits += frac_end - (i + 1);
    i = frac_end;
  }
  if (digits == 0) {
    return false;
  }
  if (i < f.n && (f.p[i] == 'e' || f.p[i] == 'E')) {
    i++;
    i += (i < f.n && (f.p[i] == '+' || f.p[i] == '-')) ? 1 : 0;
    size_t exp_end = skip_digits(f, i);
    if (exp_end == i) {
      return false;
    }
    i = exp_end;
  }
  return i == f.n;
}

static bool span_equal_nocase(span f, const char *word) {
  size_t n = strlen(word);
  if (f.n != n) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char c = f.p[i];
    char lower = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    if (lower != word[i]) {
      return false;
    }
  }
  return true;
}

/* Spellings of NaN and infinity that strtod would accept, so the message can
 * tell the user how missing values are written instead. */
static bool names_nonfinite(span f) {
  if (f.n > 0 && (f.p[0] == '+' || f.p[0] == '-')) {
    f.p++;
    f.n--;
  }
  span head = {f.p, f.n < 4 ? f.n : 4};
  return span_equal_nocase(f, "nan") || span_equal_nocase(f, "inf") ||
         span_equal_nocase(f, "infinity") || span_equal_nocase(head, "nan(");
}

static pc_status number_syntax_error(const parser *p, size_t col, span f) {
  char q[QUOTE_MAX + 4];
  char qcol[QUOTE_MAX + 4];
  column_label(p, col, qcol);
  if (names_nonfinite(f)) {
    return fail(p,
                "column '%s': '%s' is not a finite number (leave the cell "
                "empty or write NA for a missing value)",
                qcol, excerpt(f, q));
  }
  if (f.n > NUMBER_MAX && plain_decimal(f)) {
    return fail(p,
                "column '%s': '%s' is too long for a number (%zu characters)",
                qcol, excerpt(f, q), f.n);
  }
  return fail(p, "column '%s': '%s' is not a number", qcol, excerpt(f, q));
}

/* Parses the cell of 0-based column col; empty or NA gives NAN. */
static pc_status parse_number(const parser *p, size_t col, span raw,
                              double *out) {
  span f = trim(raw);
  if (f.n == 0 || span_is(f, "NA")) {
    *out = NAN;
    return PC_OK;
  }
  if (f.n > NUMBER_MAX || !plain_decimal(f)) {
    return number_syntax_error(p, col, f);
  }
  char buf[NUMBER_MAX + 1];
  memcpy(buf, f.p, f.n);
  buf[f.n] = '\0';
  char *end = NULL;
  double v = strtod(buf, &end);
  if (end != buf + f.n) {
    return number_syntax_error(p, col, f);
  }
  if (!isfinite(v)) {
    char qcol[QUOTE_MAX + 4];
    return fail(p, "column '%s': '%s' is out of range",
                column_label(p, col, qcol), buf);
  }
  *out = v;
  return PC_OK;
}

/* ---- Rows ---------------------------------------------------------------- */

/* Doubles the capacity of every row array.  Each array is replaced as soon
 * as it has grown, so a failure part-way leaks nothing, and p->cap only moves
 * once all of them have, so it stays a true lower bound. */
static pc_status grow(parser *p) {
  pc_series *s = p->s;
  size_t cap = p->cap ? 2 * p->cap : FIRST_CAPACITY;
  size_t ncov = s->ncov ? s->ncov : 1;
  if (cap < p->cap || ncov > SIZE_MAX / sizeof(double) / cap) {
    return out_of_memory(p);
  }
  pc_date *date = realloc(s->date, cap * sizeof *date);
  if (date == NULL) {
    return out_of_memory(p);
  }
  s->date = date;
  double *close = realloc(s->close, cap * sizeof *close);
  if (close == NULL) {
    return out_of_memory(p);
  }
  s->close = close;
  if (s->ncov > 0) {
    double *cov = realloc(s->cov, cap * s->ncov * sizeof *cov);
    if (cov == NULL) {
      return out_of_memory(p);
    }
    s->cov = cov;
  }
  p->cap = cap;
  return PC_OK;
}

static pc_status check_order(parser *p, pc_date d) {
  const pc_series *s = p->s;
  if (s->n > 0 && d <= s->date[s->n - 1]) {
    char now[PC_DATE_STRLEN];
    char before[PC_DATE_STRLEN];
    pc_date_format(d, now);
    if (d == s->date[s->n - 1]) {
      return fail(p, "duplicate date %s (also on line %zu)", now, p->prev_line);
    }
    pc_date_format(s->date[s->n - 1], before);
    return fail(p,
                "date %s is not after the previous row's %s (dates must be "
                "ascending)",
                now, before);
  }
  return PC_OK;
}

static pc_status check_close(const parser *p, span raw, double v) {
  if (v <= 0) {
    span f = trim(raw);
    return fail(p, "close must be positive, found %.*s", (int)f.n, f.p);
  }
  return PC_OK;
}

/* Parses close and the covariates of row s->n from the fields in rest. */
static pc_status parse_values(const parser *p, span rest) {
  pc_series *s = p->s;
  span close = next_field(&rest);
  pc_status st = parse_number(p, 1, close, &s->close[s->n]);
  if (st == PC_OK) {
    st = check_close(p, close, s->close[s->n]);
  }
  double *cov = s->cov + s->n * s->ncov;
  for (size_t c = 0; c < s->ncov && st == PC_OK; c++) {
    st = parse_number(p, c + 2, next_field(&rest), &cov[c]);
  }
  return st;
}

/* Parses one data line into row s->n; the row only counts once complete. */
static pc_status parse_row(parser *p, span line) {
  pc_status st = check_shape(p, line);
  if (st == PC_OK && p->s->n == p->cap) {
    st = grow(p);
  }
  span rest = line;
  pc_date d = 0;
  if (st == PC_OK) {
    st = parse_date(p, next_field(&rest), &d);
  }
  if (st == PC_OK) {
    st = check_order(p, d);
  }
  if (st == PC_OK) {
    st = parse_values(p, rest);
  }
  if (st == PC_OK) {
    p->s->date[p->s->n++] = d;
    p->prev_line = p->line;
  }
  return st;
}

/* Gives back the slack left by doubling; failure to shrink is harmless. */
static void shrink_block(void **p, size_t bytes) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (q != NULL) {
    *p = q;
  }
}

static void shrink_to_fit(pc_series *s) {
  shrink_block((void **)&s->date, s->n * sizeof *s->date);
  shrink_block((void **)&s->close, s->n * sizeof *s->close);
  if (s->ncov > 0) {
    shrink_block((void **)&s->cov, s->n * s->ncov * sizeof *s->cov);
  }
}

/* Handles an empty line: fine when only line ends follow, else an error. */
static pc_status blank_line(const parser *p, bool *done) {
  *done = only_line_ends_left(p);
  if (*done) {
    return PC_OK;
  }
  return fail(p, "empty line (only the end of the file may have empty lines)");
}

static pc_status parse_rows(parser *p) {
  span line;
  pc_status st = PC_OK;
  bool done = false;
  while (st == PC_OK && !done && next_line(p, &line)) {
    st = line.n == 0 ? blank_line(p, &done) : parse_row(p, line);
  }
  if (st == PC_OK && p->s->n == 0) {
    return pc_error_set(p->e, PC_INPUT, "%s: no data rows", p->name);
  }
  return st;
}

static pc_status parse_all(parser *p) {
  static const char bom[] = "\xEF\xBB\xBF";
  if (p->len >= 3 && memcmp(p->text, bom, 3) == 0) {
    p->pos = 3;
  }
  span line;
  if (!next_line(p, &line) || (line.n == 0 && only_line_ends_left(p))) {
    p->line = 1;
    return fail(p, "empty file (expected header 'date,close,...')");
  }
  bool done = false;
  pc_status st = line.n == 0 ? blank_line(p, &done) : parse_header(p, line);
  return st == PC_OK ? parse_rows(p) : st;
}

/* ---- Public API ---------------------------------------------------------- */

pc_status pc_series_parse(pc_series *s, const char *name, const char *text,
                          size_t len, pc_error *e) {
  memset(s, 0, sizeof *s);
  parser p = {
      .name = name ? name : "<input>",
      .text = text ? text : "",
      .len = text ? len : 0,
      .s = s,
      .e = e,
  };
  pc_status st = parse_all(&p);
  if (st != PC_OK) {
    pc_series_fini(s);
    return st;
  }
  shrink_to_fit(s);
  return PC_OK;
}

pc_status pc_series_read(pc_series *s, const char *path, pc_error *e) {
  memset(s, 0, sizeof *s);
  char *text = NULL;
  size_t len = 0;
  pc_status st = pc_file_read(path, &text, &len, e);
  if (st == PC_OK) {
    st = pc_series_parse(s, path, text, len, e);
  }
  free(text);
  return st;
}

void pc_series_fini(pc_series *s) {
  if (s->cov_name != NULL) {
    for (size_t i = 0; i < s->ncov; i++) {
      free(s->cov_name[i]);
    }
  }
  free(s->cov_name);
  free(s->cov);
  free(s->close);
  free(s->date);
  memset(s, 0, sizeof *s);
}

size_t pc_series_rows_before(const pc_series *s, pc_date d) {
  return pc_dates_before(s->date, s->n, d);
}

long pc_series_find(const pc_series *s, pc_date d) {
  return pc_dates_find(s->date, s->n, d);
}

int pc_series_cov_index(const pc_series *s, const char *name) {
  if (name == NULL) {
    return -1;
  }
  for (size_t i = 0; i < s->ncov && i < (size_t)INT_MAX; i++) {
    if (strcmp(s->cov_name[i], name) == 0) {
      return (int)i;
    }
  }
  return -1;
}
