/* Names that become paths in the store or labels in it: the commodity,
 * model names and model versions.  One rule for all of them, so that no
 * value can name a folder outside its place (`..`), hide a file (`.x`),
 * collide with another by being empty, or need quoting in a shell. */
#ifndef PC_NAME_H
#define PC_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define PC_NAME_LEN_MAX 64

/* True when s is 1..PC_NAME_LEN_MAX characters of letters, digits, '_', '.'
 * and '-', not starting with '.'. */
bool pc_name_valid(const char *s);
/* The rule in words, for error messages. */
#define PC_NAME_RULE                                                          \
  "1 to 64 letters, digits, '_', '.' or '-', not starting with '.'"

/* Appends item to the list in buf (len bytes, NUL-terminated; start it
 * empty), ", " between items: the valid names a message lists.  A list too
 * long for buf is cut, which only shortens the message, never an error. */
void pc_names_append(char *buf, size_t len, const char *item);

#endif
