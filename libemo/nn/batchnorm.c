/*
 * batchnorm.c - batch normalisation over N, H, W per channel.  Parameters:
 * p[0] gamma, p[1] beta (learned), p[2] running mean, p[3] running
 * variance (not learned).  Training normalises with the batch statistics
 * (biased variance) and the running averages follow PyTorch's rule
 * (momentum, unbiased variance); inference uses the running averages.
 */
/* hot elementwise loops: let GCC vectorise them at any -O level */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "nn/nn.h"

#include <math.h>

/* Batch mean, inverse std and variance per channel, in double for
 * stability. */
static void batch_stats(const emo__layer *l, const float *x, int batch,
                        float *stats)
{
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    double m = (double)batch * plane;
    for (int c = 0; c < C; c++) {
        double s = 0.0, s2 = 0.0;
        for (int n = 0; n < batch; n++) {
            const float *p = x + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++)
                s += p[i];
        }
        double mean = s / m;
        for (int n = 0; n < batch; n++) {
            const float *p = x + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++) {
                double d = p[i] - mean;
                s2 += d * d;
            }
        }
        stats[c] = (float)mean;
        stats[C + c] = (float)(1.0 / sqrt(s2 / m + l->eps));
        stats[2 * C + c] = (float)(s2 / m);
    }
}

void emo__bn_forward(const emo__layer *l, const float *x, float *y,
                     int batch, float *stats, emo__ctx *ctx)
{
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    const float *gamma = l->p[0].data, *beta = l->p[1].data;
    if (ctx->train)
        batch_stats(l, x, batch, stats);
    for (int c = 0; c < C; c++) {
        float mean, inv;
        if (ctx->train) {
            mean = stats[c];
            inv = stats[C + c];
        } else {
            mean = l->p[2].data[c];
            inv = 1.0f / sqrtf(l->p[3].data[c] + l->eps);
        }
        float a = gamma[c] * inv, b = beta[c] - mean * a;
        for (int n = 0; n < batch; n++) {
            const float *p = x + ((size_t)n * C + c) * plane;
            float *q = y + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++)
                q[i] = p[i] * a + b;
        }
    }
}

void emo__bn_update_running(emo__layer *l, int batch, const float *stats)
{
    int C = l->in.c;
    double m = (double)batch * l->in.h * l->in.w;
    float mom = l->bn_momentum;
    for (int c = 0; c < C; c++) {
        double var = stats[2 * C + c];
        double unbiased = m > 1 ? var * m / (m - 1) : var;
        l->p[2].data[c] = (1 - mom) * l->p[2].data[c] + mom * stats[c];
        l->p[3].data[c] =
            (float)((1 - mom) * l->p[3].data[c] + mom * unbiased);
    }
}

void emo__bn_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, const float *stats)
{
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    double m = (double)batch * plane;
    for (int c = 0; c < C; c++) {
        float mean = stats[c], inv = stats[C + c];
        double sdy = 0.0, sdyx = 0.0;
        for (int n = 0; n < batch; n++) {
            const float *p = x + ((size_t)n * C + c) * plane;
            const float *g = dy + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++) {
                sdy += g[i];
                sdyx += g[i] * (p[i] - mean) * inv;
            }
        }
        l->p[0].grad[c] += (float)sdyx;
        l->p[1].grad[c] += (float)sdy;
        if (!dx)
            continue;
        float gam = l->p[0].data[c];
        float k1 = (float)(sdy / m), k2 = (float)(sdyx / m);
        for (int n = 0; n < batch; n++) {
            const float *p = x + ((size_t)n * C + c) * plane;
            const float *g = dy + ((size_t)n * C + c) * plane;
            float *d = dx + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++) {
                float xh = (p[i] - mean) * inv;
                d[i] = gam * inv * (g[i] - k1 - xh * k2);
            }
        }
    }
}
