/*
 * nn_bench - times libemo's CNN engine through the public API.
 *
 *   nn_bench text PRESET                 print the preset's network text
 *   nn_bench fwd|train PRESET THREADS BATCH RUNS
 *                                        (PRESET may be a network text
 *                                        file, as emo-train --net)
 *                                        median ms per call of
 *                                        emo_network_forward / _train_step
 *   nn_bench sgemm THREADS N             OpenBLAS sgemm GFLOP/s, N^3
 *
 * fwd/train print "median_ms=<ms> flops=<forward flops per image>
 * peak_rss_kb=<kB> weights_kb=<kB> pass_rss_kb=<kB>": peak_rss_kb is the
 * process's VmHWM, pass_rss_kb how far the peak rose above the resident
 * size before the first call (workspace, BLAS buffers): the memory of
 * the pass itself beyond the weights.  (getrusage's ru_maxrss is not
 * used: it survives exec, so a Python parent's size would leak in.)
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h" /* examples/common: presets or network text files */
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

/* A "VmXXX:" value of /proc/self/status in kB, or -1. */
static long proc_kb(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fp && fgets(line, sizeof line, fp))
        if (strncmp(line, key, n) == 0)
            v = atol(line + n);
    if (fp)
        fclose(fp);
    return v;
}

static void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "nn_bench: %s: %s: %s\n", what, emo_strerror(rc),
                emo_last_error());
        exit(1);
    }
}

static int sgemm_bench(int threads, int n)
{
    openblas_set_num_threads(threads);
    float *a = calloc((size_t)n * n, 4), *b = calloc((size_t)n * n, 4),
          *c = calloc((size_t)n * n, 4);
    if (!a || !b || !c)
        return 1;
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = b[i] = 1.0f / (float)(1 + i % 7);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
                    a, n, b, n, 0.0f, c, n);
        t = now_ms() - t;
        best = t < best ? t : best;
    }
    printf("gflops=%.1f\n", 2.0 * n * n * (double)n / best / 1e6);
    free(a);
    free(b);
    free(c);
    return 0;
}

static void one_pass(emo_network *net, int train, const float *x,
                     const int *labels, int batch, float *p)
{
    if (train)
        check(emo_network_train_step(net, x, labels, batch, 0.001, NULL,
                                     NULL), "train_step");
    else
        check(emo_network_forward(net, x, batch, p), "forward");
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    if (argc >= 3 && strcmp(argv[1], "text") == 0) {
        emo_network *net = cli_create_network(argv[2], 0);
        int n = emo_network_get_text(net, NULL, 0);
        char *buf = malloc((size_t)n + 1);
        emo_network_get_text(net, buf, (size_t)n + 1);
        fputs(buf, stdout);
        free(buf);
        emo_network_destroy(net);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "sgemm") == 0)
        return sgemm_bench(atoi(argv[2]), atoi(argv[3]));
    if (argc < 6) {
        fprintf(stderr, "usage: nn_bench fwd|train PRESET|FILE THREADS "
                        "BATCH RUNS | text PRESET | sgemm THREADS N\n");
        return 2;
    }
    int train = strcmp(argv[1], "train") == 0;
    int threads = atoi(argv[3]), batch = atoi(argv[4]), runs = atoi(argv[5]);
    emo_network *net = cli_create_network(argv[2], 0);
    check(emo_network_set_int(net, EMO_OPT_NET_THREADS, threads), "threads");
    int c, h, w;
    emo_network_input_shape(net, &c, &h, &w);
    size_t sz = (size_t)c * h * w;
    float *x = malloc(sizeof(float) * sz * batch);
    float *p = malloc(sizeof(float) * 16 * batch);
    int *labels = malloc(sizeof(int) * batch);
    double *t = malloc(sizeof(double) * runs);
    for (size_t i = 0; i < sz * batch; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    for (int i = 0; i < batch; i++)
        labels[i] = i % 7;
    long before = proc_kb("VmRSS:");
    /* warm-up: calls for half a second, at least one (nn_bench.py's
     * WARMUP_S says why), then the timed runs */
    double warm_end = now_ms() + 500.0;
    do
        one_pass(net, train, x, labels, batch, p);
    while (now_ms() < warm_end);
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        one_pass(net, train, x, labels, batch, p);
        t[r] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    long peak = proc_kb("VmHWM:");
    printf("median_ms=%.3f flops=%lld peak_rss_kb=%ld weights_kb=%lld "
           "pass_rss_kb=%ld\n", t[runs / 2], (long long)emo_network_flops(net),
           peak, (long long)emo_network_num_params(net) * 4 / 1024,
           peak - before);
    emo_network_destroy(net);
    free(x);
    free(p);
    free(labels);
    free(t);
    return 0;
}
