/*
 * internal.h - what every libemo source file shares: the export macro, the
 * error helpers and option storage.  Never installed.
 */
#ifndef EMO_INTERNAL_H
#define EMO_INTERNAL_H

#ifndef EMO_BUILDING_LIBRARY
#define EMO_BUILDING_LIBRARY 1
#endif
#include "emo.h"

#include <stddef.h>
#include <stdint.h>

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

/* Option storage.  Options are numbered in groups of 100 (see emo.h); a
 * handle keeps a value for every option of the groups it accepts. */
#define EMO__OPT_GROUPS 6
#define EMO__OPT_PER_GROUP 32
enum {
    EMO__GROUP_GLOBAL = 1 << 0,
    EMO__GROUP_DETECT = 1 << 1,
    EMO__GROUP_NET = 1 << 2,
    EMO__GROUP_TRAIN = 1 << 3,
    EMO__GROUP_PREDICT = 1 << 4,
    EMO__GROUP_DATA = 1 << 5
};
typedef struct emo_opts {
    double v[EMO__OPT_GROUPS][EMO__OPT_PER_GROUP];
} emo_opts;

/* Fills every option with its default. */
void emo__opts_init(emo_opts *o);
/* Range-checked set/get, accepting only options of `groups`.  from_int
 * tells whether the caller used set_int (a float option accepts it) or
 * set_float (an integer option requires an integral value). */
int emo__opts_set(emo_opts *o, unsigned groups, int option, double value);
int emo__opts_get(const emo_opts *o, unsigned groups, int option,
                  double *value);
/* Unchecked fast read for the library's own use (option must exist). */
static inline double emo__opt(const emo_opts *o, int option)
{
    return o->v[option / 100][option % 100];
}
static inline int emo__opti(const emo_opts *o, int option)
{
    return (int)o->v[option / 100][option % 100];
}

/* Process-wide limits (EMO_OPT_MAX_*). */
long long emo__limit(int option);

/* Reads a whole file, refusing files over EMO_OPT_MAX_FILE_BYTES.
 * *data is malloc'ed; NUL-terminated for text convenience (not counted). */
int emo__read_file(const char *path, uint8_t **data, size_t *size);
/* Reads up to `cap` bytes from the start of a file: the count, or -1 when
 * it cannot be read.  Both refuse anything but a regular file, at once
 * (EMO_ERR_IO "not a regular file"): a FIFO never blocks them. */
long emo__read_head(const char *path, uint8_t *buf, size_t cap);

/* Helpers for writing a file atomically: open a temporary next to `path`,
 * then commit (fsync, rename) or abort (remove). */
typedef struct emo_atomic_file {
    void *fp; /* FILE * */
    char *tmp_path;
    char *path;
} emo_atomic_file;
int emo__atomic_open(emo_atomic_file *f, const char *path);
int emo__atomic_commit(emo_atomic_file *f);
void emo__atomic_abort(emo_atomic_file *f);
/* Removes the temporaries of `path` that writers killed before commit or
 * abort (kill -9, a crash) left behind: only names of exactly that form
 * in its folder, only when their process no longer exists.  Best effort,
 * silent.  Model saves call it: their temporaries are large and are
 * written again and again to the same target (checkpoints). */
void emo__atomic_sweep(const char *path);

/* Fixed-seed pseudo-random numbers (splitmix64 seeded xoshiro256**), so
 * results do not depend on the C library's rand(). */
typedef struct emo_rng {
    uint64_t s[4];
} emo_rng;
void emo__rng_seed(emo_rng *r, uint64_t seed);
uint64_t emo__rng_next(emo_rng *r);
double emo__rng_uniform(emo_rng *r);            /* [0, 1) */
uint32_t emo__rng_below(emo_rng *r, uint32_t n); /* [0, n) */
double emo__rng_gauss(emo_rng *r);              /* N(0, 1) */

#endif
