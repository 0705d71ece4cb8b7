/* relu.c - rectified linear unit, y = max(x, 0). */
#include "nn/nn.h"

typedef struct relu_job {
    const float *x, *y, *dy;
    float *out;
} relu_job;

static void fwd_range(void *arg, size_t b, size_t e)
{
    const relu_job *j = arg;
    for (size_t i = b; i < e; i++)
        j->out[i] = j->x[i] > 0.0f ? j->x[i] : 0.0f;
}

/* Uses the output: y > 0 exactly where x > 0. */
static void bwd_range(void *arg, size_t b, size_t e)
{
    const relu_job *j = arg;
    for (size_t i = b; i < e; i++)
        j->out[i] = j->y[i] > 0.0f ? j->dy[i] : 0.0f;
}

void emo__relu_forward(const float *x, float *y, size_t n, int threads)
{
    relu_job j = {x, NULL, NULL, y};
    emo__parallel_for(threads, n, 1 << 18, fwd_range, &j);
}

void emo__relu_backward(const float *y, const float *dy, float *dx, size_t n,
                        int threads)
{
    relu_job j = {NULL, y, dy, dx};
    emo__parallel_for(threads, n, 1 << 18, bwd_range, &j);
}
