/* default_path.c - where the default model is: one rule for the C
 * examples, the Python binding and any program built against an install.
 * The library finds itself with dladdr, so a prefix moved after
 * installation (or a DESTDIR staging tree) still works; the datadir baked
 * in at build time (emo_config.h, from the Makefile) is the fallback for a
 * libdir that is not <prefix>/lib. */
#include "common/internal.h"
#include "emo_config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODEL_NAME "default.emo"

/* Directory of the object emo_default_model_path lives in, canonical;
 * 0 when dladdr or realpath cannot tell. */
static int library_dir(char *dir, size_t cap)
{
    Dl_info info;
    if (!dladdr((void *)(uintptr_t)emo_default_model_path, &info) ||
        !info.dli_fname || !*info.dli_fname)
        return 0;
    char *real = realpath(info.dli_fname, NULL);
    if (!real)
        return 0;
    char *slash = strrchr(real, '/');
    int ok = slash && (size_t)(slash - real) < cap;
    if (ok) {
        memcpy(dir, real, (size_t)(slash - real));
        dir[slash - real] = 0;
    }
    free(real);
    return ok;
}

/* Canonical path of `path` if it is a readable file, else NULL. */
static char *readable(const char *path)
{
    if (access(path, R_OK) != 0)
        return NULL;
    return realpath(path, NULL);
}

static int copy_out(const char *path, char *buf, size_t cap)
{
    size_t n = strlen(path);
    if (n > INT_MAX)
        return emo__fail(EMO_ERR_LIMIT, "model path too long");
    if (buf && cap) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(buf, path, c);
        buf[c] = 0;
    }
    return (int)n;
}

EMO_API int emo_default_model_path(char *buf, size_t cap)
{
    if (!buf && cap)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL buffer with cap > 0");
    const char *env = getenv("EMO_MODEL");
    if (env && *env)
        return copy_out(env, buf, cap);

    char dir[PATH_MAX];
    char cand[3][PATH_MAX + 64];
    int n = 0;
    if (library_dir(dir, sizeof dir)) {
        snprintf(cand[n++], sizeof cand[0],
                 "%s/../share/libemo/models/" MODEL_NAME, dir);
        snprintf(cand[n++], sizeof cand[0], "%s/../models/" MODEL_NAME, dir);
    }
    snprintf(cand[n++], sizeof cand[0], "%s/" MODEL_NAME, EMO_MODELDIR);
    for (int i = 0; i < n; i++) {
        char *real = readable(cand[i]);
        if (real) {
            int rc = copy_out(real, buf, cap);
            free(real);
            return rc;
        }
    }
    return emo__fail(EMO_ERR_IO, "no default model: not in %s%s%s%s%s "
                     "(set EMO_MODEL)", cand[0], n > 1 ? ", " : "",
                     n > 1 ? cand[1] : "", n > 2 ? ", " : "",
                     n > 2 ? cand[2] : "");
}
