/* libFuzzer target: dates and holiday lists.  A parsed date formats back to
 * the same text; a holiday list parses or is refused with a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/calendar.h"
#include "pathcast/core/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_date(const uint8_t *data, size_t size) {
  char text[32];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  memcpy(text, data, n);
  text[n] = '\0';
  pc_date d;
  if (pc_date_parse(text, &d)) {
    char back[PC_DATE_STRLEN];
    int y, m, dd;
    pc_date_to_ymd(d, &y, &m, &dd);
    pc_date round;
    if (strcmp(pc_date_format(d, back), text) != 0 ||
        !pc_date_from_ymd(y, m, dd, &round) || round != d) {
      abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_date(data, size);
  pc_calendar cal;
  pc_error e;
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  if (pc_calendar_parse_holidays(&cal, "fuzz.txt", (const char *)data, size,
                                 &e) == PC_OK) {
    for (size_t i = 1; i < cal.nholidays; i++) {
      if (cal.holidays[i] <= cal.holidays[i - 1]) {
        abort(); /* sorted and unique */
      }
    }
  }
  pc_calendar_fini(&cal);
  return 0;
}
