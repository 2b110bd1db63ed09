/* JSON output helpers (see pathcast/core/json.h).
 *
 * No JSON library: pathcast only writes JSON (--summary-json, status and
 * evaluate output), never parses it, and these three helpers are all writing
 * needs. */
#include "pathcast/core/json.h"

#include <math.h>
#include <stdlib.h>

void pc_format_double(double v, char *buf, size_t len) {
  /* Shortest of 15, 16 or 17 significant digits that reads back exactly. 17
   * always round-trips an IEEE double, so the loop ends with an exact text;
   * starting at 15 keeps common values like 0.1 short instead of
   * 0.10000000000000001. */
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) {
      return;
    }
  }
}

void pc_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    /* RFC 8259 requires escaping only the quote, the backslash and control
     * characters; bytes of 0x80 and above pass through, so UTF-8 names stay
     * readable (pathcast never produces other encodings). */
    if (*p == '"' || *p == '\\') {
      fprintf(out, "\\%c", *p);
    } else if (*p < 0x20) {
      fprintf(out, "\\u%04x", *p);
    } else {
      fputc(*p, out);
    }
  }
  fputc('"', out);
}

void pc_json_number(FILE *out, double v) {
  char buf[40];
  /* JSON has no NaN or infinity; null is how a missing score (for example a
   * horizon with no actuals yet) reaches the reader. */
  if (!isfinite(v)) {
    fputs("null", out);
    return;
  }
  pc_format_double(v, buf, sizeof buf);
  fputs(buf, out);
}
