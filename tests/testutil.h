/* testutil.h - helpers shared by the Check suites. */
#ifndef EMO_TESTUTIL_H
#define EMO_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emo.h"

/* A fresh temporary directory for one test (removed by the OS tmp
 * cleaner; tests write only small files). */
static inline const char *test_tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/emo-test-XXXXXX");
    if (!mkdtemp(dir))
        ck_abort_msg("mkdtemp failed");
    return dir;
}

/* Intersection over union of two boxes. */
static inline double test_box_iou(emo_box a, emo_box b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    double in = (double)(x1 - x0) * (y1 - y0);
    return in / ((double)a.w * a.h + (double)b.w * b.h - in);
}

/* Path of a file in the source tree (tests run from anywhere). */
static inline const char *test_src_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", EMO_SOURCE_DIR, rel);
    return buf;
}

/* The shared data folder, or NULL (tests that need it then skip). */
static inline const char *test_data_dir(void)
{
    const char *d = getenv("EMO_DATA");
    if (d && *d && access(d, R_OK) == 0)
        return d;
    return NULL;
}

/* EMO_TEST_SCALE, in (0, 1], for runs under an emulator (make check-cross
 * sets 0.1): the slow cases do less work (fewer iterations and threads'
 * repetitions, smaller batches, no ImageNet-size nets).  Unset or 1: every
 * case runs in full.  -1 for any other value (check_main.c refuses it). */
static inline double test_scale(void)
{
    const char *s = getenv("EMO_TEST_SCALE");
    if (!s || !*s)
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    return *end || !(v > 0 && v <= 1) ? -1.0 : v;
}

/* n scaled by EMO_TEST_SCALE, rounded, at least 1. */
static inline int test_scaled(int n)
{
    int k = (int)(n * test_scale() + 0.5);
    return k < 1 ? 1 : k;
}

static inline int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t w = fwrite(data, 1, n, fp);
    fclose(fp);
    return w == n ? 0 : -1;
}

#define ck_assert_emo_ok(expr)                                               \
    do {                                                                     \
        int rc_ = (expr);                                                    \
        ck_assert_msg(rc_ == EMO_OK, "%s -> %d (%s): %s", #expr, rc_,        \
                      emo_strerror(rc_), emo_last_error());                  \
    } while (0)

#endif
