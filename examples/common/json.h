/*
 * json.h - JSON output of the example programs: strings escaped and kept
 * valid UTF-8, numbers that stay JSON when they are not finite.
 */
#ifndef EMO_EXAMPLES_JSON_H
#define EMO_EXAMPLES_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal: quotes, backslashes and control
 * characters escaped; bytes that are not valid UTF-8 (stray continuation
 * bytes, overlong forms, surrogates, past U+10FFFF, cut sequences) become
 * U+FFFD, so that a file name in any encoding still gives a JSON line. */
void json_string(FILE *fp, const char *s);
/* Writes v with 6 significant digits, or null when it is not finite. */
void json_number(FILE *fp, double v);

#endif
