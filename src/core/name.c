/* The one validator of names that become paths (see pathcast/core/name.h). */
#include "pathcast/core/name.h"

#include <stdio.h>
#include <string.h>

void pc_names_append(char *buf, size_t len, const char *item) {
  size_t used = strlen(buf);
  if (used + 1 < len) {
    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", item);
  }
}

bool pc_name_valid(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > PC_NAME_LEN_MAX || s[0] == '.') {
    return false;
  }
  for (const char *p = s; *p != '\0'; p++) {
    /* isalnum in the C locale only: a name must mean the same bytes on
     * every node whatever its locale. */
    unsigned char c = (unsigned char)*p;
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9');
    if (!alnum && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}
