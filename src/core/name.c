/* The one validator of names that become paths (see pathcast/core/name.h). */
#include "pathcast/core/name.h"

#include <string.h>

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
