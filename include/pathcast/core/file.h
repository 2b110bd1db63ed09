/* Reading a whole input file, and writing an output file whole, with the
 * error messages every input and output shares. */
#ifndef PC_FILE_H
#define PC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "pathcast/core/status.h"

/* Reads all of path into a malloc'd buffer (*text, *len; the caller frees
 * it).  Errors are PC_INPUT "path: cannot open: reason" or "path: cannot
 * read: reason", or PC_NOMEM.  Reads in chunks rather than asking for the
 * size, so pipes and /dev/stdin work too. */
pc_status pc_file_read(const char *path, char **text, size_t *len, pc_error *e);

/* ---- output files ------------------------------------------------------
 * An output (export's CSV, --summary-json, report's page) is written to
 * "<path>.partial" beside it and renamed into place when complete, so a
 * full disk or a kill never leaves a truncated file under the final name. */

/* Before any work: PC_INPUT ("what path: reason") unless a file can be
 * created at path -- its folder exists and is writable, and path is not a
 * folder.  `what` names the option, e.g. "--summary-json". */
pc_status pc_file_check_output(const char *path, const char *what,
                               pc_error *e);
/* The same for a folder an output goes into (created with its parents when
 * missing): the nearest existing ancestor must be a writable folder. */
pc_status pc_file_check_output_folder(const char *path, const char *what,
                                      pc_error *e);
/* Opens "<path>.partial" for writing (partial receives its name, len
 * bytes); NULL with PC_IO in e. */
FILE *pc_file_begin(const char *path, char *partial, size_t len, pc_error *e);
/* Closes f and, when ok and every write succeeded, renames partial to
 * path; otherwise removes partial.  PC_IO "path: write failed: reason"
 * (e is left alone when the caller passes ok = 0: its error says why). */
pc_status pc_file_commit(FILE *f, int ok, const char *partial,
                         const char *path, pc_error *e);

/* mkdir -p; 0 on success, -1 with errno. */
int pc_mkdirs(const char *path);

#endif
