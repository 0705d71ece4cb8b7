/* error.c - status strings and the thread-local error detail. */
#include "common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMO__ERRMSG_MAX 512
static _Thread_local char last_error[EMO__ERRMSG_MAX];

int emo__fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

int emo__fail_prefix(int code, const char *prefix)
{
    /* Shift the message right and put the prefix in front; whatever does
     * not fit is cut at the end (the start names the file, which matters
     * most). */
    size_t p = strlen(prefix), m = strlen(last_error);
    if (p + 2 >= sizeof last_error)
        p = sizeof last_error - 3;
    if (p + 2 + m >= sizeof last_error)
        m = sizeof last_error - 3 - p;
    memmove(last_error + p + 2, last_error, m);
    memcpy(last_error, prefix, p);
    last_error[p] = ':';
    last_error[p + 1] = ' ';
    last_error[p + 2 + m] = '\0';
    return code;
}

EMO_API const char *emo_last_error(void)
{
    return last_error;
}

EMO_API const char *emo_strerror(int code)
{
    switch (code) {
    case EMO_OK: return "success";
    case EMO_ERR_INVALID_ARG: return "invalid argument";
    case EMO_ERR_NOMEM: return "out of memory";
    case EMO_ERR_IO: return "input/output error";
    case EMO_ERR_FORMAT: return "malformed or corrupt data";
    case EMO_ERR_UNSUPPORTED: return "unsupported format or variant";
    case EMO_ERR_LIMIT: return "limit exceeded";
    case EMO_ERR_RANGE: return "value out of range";
    case EMO_ERR_STATE: return "invalid state for this call";
    case EMO_ERR_NO_FACE: return "no face found";
    case EMO_ERR_MISMATCH: return "shape or class mismatch";
    case EMO_ERR_CHECKSUM: return "checksum mismatch";
    case EMO_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case EMO_ERR_CANCELLED: return "cancelled";
    case EMO_ERR_EMPTY: return "empty dataset or split";
    case EMO_ERR_INTERNAL: return "internal error";
    default: return "unknown error code";
    }
}

EMO_API void emo_free(void *ptr)
{
    free(ptr);
}
