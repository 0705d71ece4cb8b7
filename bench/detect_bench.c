/*
 * detect_bench - times libemo's face detection on one image through the
 * public API: the median of RUNS calls of emo_preprocessor_detect on the
 * same gray frame (buffers warm, as in a video loop).
 *
 *   detect_bench CASCADE IMAGE RUNS THREADS [SCALE MIN_NEIGHBORS MIN_SIZE]
 *
 * prints "median_ms=<ms> faces=<n>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "emo.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void check(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "detect_bench: %s: %s: %s\n", what, emo_strerror(rc),
                emo_last_error());
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: detect_bench CASCADE IMAGE RUNS THREADS "
                        "[SCALE MIN_NEIGHBORS MIN_SIZE]\n");
        return 2;
    }
    int runs = atoi(argv[3]), threads = atoi(argv[4]);
    double scale = argc > 5 ? atof(argv[5]) : 1.1;
    int mn = argc > 6 ? atoi(argv[6]) : 5, ms = argc > 7 ? atoi(argv[7]) : 30;
    if (runs < 1 || runs > 100000)
        runs = 15;
    uint8_t *px;
    int w, h, n = 0;
    check(emo_image_load(argv[2], 1, &px, &w, &h), argv[2]);
    emo_preprocessor *pp;
    check(emo_preprocessor_create(&pp), "create");
    check(emo_preprocessor_load_cascade(pp, argv[1]), argv[1]);
    check(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_THREADS, threads),
          "threads");
    check(emo_preprocessor_set_float(pp, EMO_OPT_DETECT_SCALE_FACTOR, scale),
          "scale");
    check(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_NEIGHBORS, mn),
          "min neighbors");
    check(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_SIZE, ms),
          "min size");
    emo_box boxes[64];
    check(emo_preprocessor_detect(pp, px, w, h, w, boxes, 64, &n), "warm-up");
    double *t = malloc(sizeof *t * (size_t)runs);
    if (!t)
        return 1;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        check(emo_preprocessor_detect(pp, px, w, h, w, boxes, 64, &n),
              "detect");
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    printf("median_ms=%.3f faces=%d\n", t[runs / 2], n);
    free(t);
    emo_free(px);
    emo_preprocessor_destroy(pp);
    return 0;
}
