/* model_path.c - the default model's location: libemo's own rule
 * (emo_default_model_path), so that the programs, the Python binding and
 * any program built against an install agree. */
#include "model_path.h"

#include <emo.h>
#include <limits.h>

const char *default_model_path(void)
{
    static char path[PATH_MAX + 64];
    int n = emo_default_model_path(path, sizeof path);
    if (n < 0 || (size_t)n >= sizeof path)
        return NULL;
    return path;
}
