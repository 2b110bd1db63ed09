/* Reading a whole input file, with the error messages every input shares. */
#ifndef PC_FILE_H
#define PC_FILE_H

#include <stddef.h>

#include "pathcast/status.h"

/* Reads all of path into a malloc'd buffer (*text, *len; the caller frees
 * it).  Errors are PC_INPUT "path: cannot open: reason" or "path: cannot
 * read: reason", or PC_NOMEM.  Reads in chunks rather than asking for the
 * size, so pipes and /dev/stdin work too. */
pc_status pc_file_read(const char *path, char **text, size_t *len, pc_error *e);

#endif
