/* Minimal JSON output helpers shared by the commands that print JSON. */
#ifndef PC_JSON_H
#define PC_JSON_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string literal, escaped. */
void pc_json_string(FILE *out, const char *s);
/* A number in its shortest exact form; null when not finite. */
void pc_json_number(FILE *out, double v);
/* The shortest text that reads back as the same double. */
void pc_format_double(double v, char *buf, size_t len);

#endif
