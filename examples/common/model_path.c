/* model_path.c - the default model's location, relative to the program so
 * that both the build tree and an installed prefix work without
 * configuration. */
#include "model_path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *default_model_path(void)
{
    static char path[PATH_MAX + 64];
    const char *env = getenv("EMO_MODEL");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    static const char *const rel[] = {
        "../models/default.emo",
        "../share/libemo/models/default.emo",
    };
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        snprintf(path, sizeof path, "%s/%s", exe, rel[i]);
        if (access(path, R_OK) == 0)
            return path;
    }
    return NULL;
}
