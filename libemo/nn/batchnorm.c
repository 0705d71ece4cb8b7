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

typedef struct bn_job {
    emo__layer *l;
    const float *x, *dy;
    float *y, *dx;
    float *stats;
    const float *cstats;
    int batch, train;
} bn_job;

/* Sums of one plane in float with 8 independent partial sums, so that
 * the compiler can use vector adds without reassociating (no fast-math);
 * channels then sum the planes in double. */
static float plane_sum(const float *p, size_t n)
{
    float acc[8] = {0}, s = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += p[i + k];
    for (; i < n; i++)
        s += p[i];
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

static float plane_sq_dev(const float *p, size_t n, float mean)
{
    float acc[8] = {0}, s = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += (p[i + k] - mean) * (p[i + k] - mean);
    for (; i < n; i++)
        s += (p[i] - mean) * (p[i] - mean);
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

/* sum(g) and sum(g * (x - mean)) of one plane. */
static void plane_grad_sums(const float *x, const float *g, size_t n,
                            float mean, float *sg, float *sgx)
{
    float a[8] = {0}, b[8] = {0}, sa = 0.0f, sb = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            a[k] += g[i + k];
            b[k] += g[i + k] * (x[i + k] - mean);
        }
    for (; i < n; i++) {
        sa += g[i];
        sb += g[i] * (x[i] - mean);
    }
    for (int k = 0; k < 8; k++) {
        sa += a[k];
        sb += b[k];
    }
    *sg = sa;
    *sgx = sb;
}

/* Batch mean, inverse std and variance of channel c: float within a
 * plane, double across planes. */
static void channel_stats(const bn_job *j, int c)
{
    const emo__layer *l = j->l;
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    double m = (double)j->batch * plane, s = 0.0, s2 = 0.0;
    for (int n = 0; n < j->batch; n++)
        s += plane_sum(j->x + ((size_t)n * C + c) * plane, plane);
    double mean = s / m;
    for (int n = 0; n < j->batch; n++)
        s2 += plane_sq_dev(j->x + ((size_t)n * C + c) * plane, plane,
                           (float)mean);
    j->stats[c] = (float)mean;
    j->stats[C + c] = (float)(1.0 / sqrt(s2 / m + l->eps));
    j->stats[2 * C + c] = (float)(s2 / m);
}

static void fwd_channels(void *arg, size_t c0, size_t c1)
{
    const bn_job *j = arg;
    const emo__layer *l = j->l;
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    for (size_t c = c0; c < c1; c++) {
        float mean, inv;
        if (j->train) {
            channel_stats(j, (int)c);
            mean = j->stats[c];
            inv = j->stats[C + c];
        } else {
            mean = l->p[2].data[c];
            inv = 1.0f / sqrtf(l->p[3].data[c] + l->eps);
        }
        float a = l->p[0].data[c] * inv, b = l->p[1].data[c] - mean * a;
        for (int n = 0; n < j->batch; n++) {
            const float *p = j->x + ((size_t)n * C + c) * plane;
            float *q = j->y + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++)
                q[i] = p[i] * a + b;
        }
    }
}

static size_t min_channels(const emo__layer *l, int batch)
{
    return 1 + 262144 / ((size_t)batch * l->in.h * l->in.w);
}

void emo__bn_forward(const emo__layer *l, const float *x, float *y,
                     int batch, float *stats, emo__ctx *ctx)
{
    bn_job j = {(emo__layer *)l, x, NULL, y, NULL, stats, NULL, batch,
                ctx->train};
    emo__parallel_for(ctx->threads, (size_t)l->in.c, min_channels(l, batch),
                      fwd_channels, &j);
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

static void bwd_channels(void *arg, size_t c0, size_t c1)
{
    const bn_job *j = arg;
    emo__layer *l = j->l;
    int C = l->in.c;
    size_t plane = (size_t)l->in.h * l->in.w;
    double m = (double)j->batch * plane;
    for (size_t c = c0; c < c1; c++) {
        float mean = j->cstats[c], inv = j->cstats[C + c];
        double sdy = 0.0, sdyx = 0.0;
        for (int n = 0; n < j->batch; n++) {
            const float *p = j->x + ((size_t)n * C + c) * plane;
            const float *g = j->dy + ((size_t)n * C + c) * plane;
            float a, b;
            plane_grad_sums(p, g, plane, mean, &a, &b);
            sdy += a;
            sdyx += (double)b * inv;
        }
        l->p[0].grad[c] += (float)sdyx;
        l->p[1].grad[c] += (float)sdy;
        if (!j->dx)
            continue;
        float gam = l->p[0].data[c];
        float k1 = (float)(sdy / m), k2 = (float)(sdyx / m);
        for (int n = 0; n < j->batch; n++) {
            const float *p = j->x + ((size_t)n * C + c) * plane;
            const float *g = j->dy + ((size_t)n * C + c) * plane;
            float *d = j->dx + ((size_t)n * C + c) * plane;
            for (size_t i = 0; i < plane; i++) {
                float xh = (p[i] - mean) * inv;
                d[i] = gam * inv * (g[i] - k1 - xh * k2);
            }
        }
    }
}

void emo__bn_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, const float *stats, int threads)
{
    bn_job j = {l, x, dy, NULL, dx, NULL, stats, batch, 1};
    emo__parallel_for(threads, (size_t)l->in.c, min_channels(l, batch),
                      bwd_channels, &j);
}
