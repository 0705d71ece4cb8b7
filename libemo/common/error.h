/* error.h - the error helpers (error.c). */
#ifndef EMO_COMMON_ERROR_H
#define EMO_COMMON_ERROR_H

#include "emo.h"

/* Records a thread-local message (printf format) and returns `code`, so an
 * error path reads `return emo__fail(EMO_ERR_IO, "%s: %s", path, why);`. */
int emo__fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prefixes the current thread-local message with "prefix: " and returns
 * `code`; for adding the file name to an error raised deeper down. */
int emo__fail_prefix(int code, const char *prefix);

#endif
