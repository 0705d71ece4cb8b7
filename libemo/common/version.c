/* version.c - runtime twins of the version macros. */
#include "common/internal.h"

EMO_API const char *emo_version(void)
{
    return EMO_VERSION_STRING;
}

EMO_API int emo_version_number(void)
{
    return EMO_VERSION_NUMBER;
}
