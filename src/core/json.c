/* JSON output helpers (see pathcast/core/json.h). */
#include "pathcast/core/json.h"

#include <math.h>
#include <stdlib.h>

void pc_format_double(double v, char *buf, size_t len) {
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
  if (!isfinite(v)) {
    fputs("null", out);
    return;
  }
  pc_format_double(v, buf, sizeof buf);
  fputs(buf, out);
}
