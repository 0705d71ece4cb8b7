/*
 * conv_bench - one 3x3 pad-1 convolution layer's passes, im2col against
 * Winograd F(2x2,3x3), F(3x3,3x3) and F(4x4,3x3), interleaved run by run
 * so that a loaded machine slows all alike.  Links the static library
 * (internal kernels).  Winograd's products here are OpenBLAS's (no packed
 * filter forms): inference and training use gemm_packed.c's kernels
 * where they run, so the tile rule is measured on whole nets too
 * (build/nn_bench).
 *
 *   conv_bench CIN SIZE COUT BATCH RUNS [THREADS]
 *
 * prints, per pass, the median milliseconds of thread CPU time (wall time
 * with THREADS > 1) of each path and their ratios to im2col:
 *   fwd ref_ms=.. f2_ms=.. f3_ms=.. f4_ms=.. f2/ref=.. f3/ref=.. f4/ref=..
 * (also fwd_cached, inference's forward with the filter transform made
 * beforehand, bwd_data and bwd_filter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/network.h"
#include "nn/nn.h"

static double now_ms(int wall)
{
    struct timespec ts;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { FWD, FWD_CACHED, BWD_DATA, BWD_FILTER, PASSES };
enum { REF, F2, F3, F4, PATHS };

/* The tile size of a Winograd path. */
static int tile_of(int path)
{
    return path == F4 ? 4 : path == F3 ? 3 : 2;
}

static void choose(int path)
{
    if (path == REF)
        setenv("EMO_CONV_REFERENCE", "1", 1);
    else
        unsetenv("EMO_CONV_REFERENCE");
    emo__wino_force_tile(tile_of(path));
}

static void run(emo__layer *l, int pass, const float *U, int m,
                const float *x, float *y, const float *dy, float *dx,
                int batch, emo__ctx *ctx)
{
    ctx->skip_param_grads = pass == BWD_DATA;
    if (pass == FWD_CACHED && U)
        emo__wino_forward_u(l, U, m, NULL, 0, x, y, batch, ctx);
    else if (pass == FWD || pass == FWD_CACHED)
        emo__conv_forward(l, x, y, batch, ctx);
    else
        emo__conv_backward(l, x, dy, pass == BWD_DATA ? dx : NULL, batch,
                           ctx);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: conv_bench CIN SIZE COUT BATCH RUNS "
                        "[THREADS]\n");
        return 2;
    }
    int cin = atoi(argv[1]), hw = atoi(argv[2]), cout = atoi(argv[3]);
    int batch = atoi(argv[4]), runs = atoi(argv[5]);
    int threads = argc > 6 ? atoi(argv[6]) : 1;
    char text[512];
    snprintf(text, sizeof text,
             "[net]\nchannels = %d\nsize = %d\n[c]\ntype = conv\n"
             "filters = %d\nsize = 3\npad = 1\nbias = 0\n[fc]\ntype = fc\n"
             "outputs = 2\n[prob]\ntype = softmax\n", cin, hw, cout);
    emo_network *net = NULL;
    if (emo_network_create_text(text, &net) < 0 ||
        emo__net_alloc_train(&net->nn) < 0) {
        fprintf(stderr, "conv_bench: %s\n", emo_last_error());
        return 1;
    }
    emo__nn_set_threads(threads);
    emo__layer *l = &net->nn.layers[0];
    size_t nx = batch * emo__shape_size(l->in);
    size_t ny = batch * emo__shape_size(l->out);
    size_t cap = emo__layer_scratch(l, batch);
    float *x = calloc(nx, 4), *dx = calloc(nx, 4), *y = calloc(ny, 4);
    float *dy = calloc(ny, 4), *col = calloc(cap + 1, 4);
    double *t = calloc((size_t)runs * PATHS * PASSES, sizeof *t);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    for (size_t i = 0; i < ny; i++)
        dy[i] = (float)((i * 40503u) % 1000) / 1000.0f - 0.5f;
    emo__ctx ctx = {.threads = threads, .col = col, .col_cap = cap};
    float *U[PATHS] = {NULL};
    for (int path = F2; path < PATHS; path++) {
        choose(path);
        int m = tile_of(path);
        U[path] = malloc(4 * emo__wino_filter_floats(l, m));
        if (!U[path])
            return 1;
        emo__wino_filter(l, m, l->p[0].data, U[path]);
    }
    int wall = threads > 1;
    for (int r = -1; r < runs; r++)
        for (int pass = 0; pass < PASSES; pass++)
            for (int path = 0; path < PATHS; path++) {
                choose(path);
                double t0 = now_ms(wall);
                run(l, pass, U[path], tile_of(path), x, y, dy, dx,
                    batch, &ctx);
                if (r >= 0)
                    t[(pass * PATHS + path) * runs + r] = now_ms(wall) - t0;
            }
    static const char *names[] = {"fwd", "fwd_cached", "bwd_data",
                                  "bwd_filter"};
    for (int pass = 0; pass < PASSES; pass++) {
        double m[PATHS];
        for (int path = 0; path < PATHS; path++) {
            double *v = t + (pass * PATHS + path) * runs;
            qsort(v, (size_t)runs, sizeof *v, cmp);
            m[path] = v[runs / 2];
        }
        printf("%s c%d %dx%d f%d b%d t%d ref_ms=%.3f f2_ms=%.3f f3_ms=%.3f "
               "f4_ms=%.3f f2/ref=%.2f f3/ref=%.2f f4/ref=%.2f\n",
               names[pass], cin, hw, hw, cout, batch, threads, m[REF], m[F2],
               m[F3], m[F4], m[F2] / m[REF], m[F3] / m[REF], m[F4] / m[REF]);
    }
    emo_network_destroy(net);
    free(x);
    free(dx);
    free(y);
    free(dy);
    free(col);
    free(t);
    for (int path = 0; path < PATHS; path++)
        free(U[path]);
    return 0;
}
