/*
 * batchnorm.c - batch normalisation over N, H, W per channel.  Parameters:
 * p[0] gamma, p[1] beta (learned), p[2] running mean, p[3] running
 * variance (not learned).  Training normalises with the batch statistics
 * (biased variance) and the running averages follow PyTorch's rule
 * (momentum, unbiased variance); inference uses the running averages.
 */
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

/* sum(g) and sum(g * (x - mean)) of one plane, in 8 float lanes so that
 * the reduction vectorises without reassociating across the plane. */
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

/* The ReLU's backward: g = 0 where its output y is not positive.  Done as
 * its own pass because GCC 12 vectorises neither a masked 8-lane sum nor
 * a masked dx loop, and this loop it does. */
static void relu_mask_plane(float *g, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

/* ---- per-channel pieces over the items [0, nb) of x ------------------- */

/* Offset of plane (n, c) in an NCHW tensor of the layer's input shape. */
static size_t plane_at(const emo__layer *l, int n, size_t c)
{
    return ((size_t)n * l->in.c + c) * l->in.h * l->in.w;
}

static const float *plane_of(const emo__layer *l, const float *x, int n,
                             size_t c)
{
    return x + plane_at(l, n, c);
}

/* Sums in float within a plane, in double across planes. */
static double chan_sum(const emo__layer *l, const float *x, int nb, size_t c)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    double s = 0.0;
    for (int n = 0; n < nb; n++)
        s += plane_sum(plane_of(l, x, n, c), plane);
    return s;
}

static double chan_sq_dev(const emo__layer *l, const float *x, int nb,
                          size_t c, float mean)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    double s = 0.0;
    for (int n = 0; n < nb; n++)
        s += plane_sq_dev(plane_of(l, x, n, c), plane, mean);
    return s;
}

/* y = x * a + b on channel c; relu: y = max(x * a + b, 0).  (GCC
 * unswitches the loop on relu at this file's -O3, both versions
 * vectorised.) */
static void chan_affine(const emo__layer *l, const float *x, float *y,
                        int nb, size_t c, float a, float b, int relu)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    for (int n = 0; n < nb; n++) {
        const float *p = plane_of(l, x, n, c);
        float *q = y + plane_at(l, n, c);
        for (size_t i = 0; i < plane; i++) {
            float v = p[i] * a + b;
            q[i] = !relu || v > 0.0f ? v : 0.0f;
        }
    }
}

/* The fused ReLU's backward on channel c: dy = 0 where the output y is
 * not positive (in place; dy is the ReLU's gradient, dead afterwards). */
static void chan_relu_mask(const emo__layer *l, float *dy, const float *y,
                           int nb, size_t c)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    for (int n = 0; n < nb; n++)
        relu_mask_plane(dy + plane_at(l, n, c), plane_of(l, y, n, c), plane);
}

/* sum(dy) and sum(dy * xhat) of channel c. */
static void chan_grad_sums(const emo__layer *l, const float *x,
                           const float *dy, int nb, size_t c, float mean,
                           float inv, double *sdy, double *sdyx)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    double a = 0.0, b = 0.0;
    for (int n = 0; n < nb; n++) {
        float pa, pb;
        plane_grad_sums(plane_of(l, x, n, c), plane_of(l, dy, n, c), plane,
                        mean, &pa, &pb);
        a += pa;
        b += (double)pb * inv;
    }
    *sdy = a;
    *sdyx = b;
}

/* dx of channel c given the batch means k1 = sum(dy) / m and
 * k2 = sum(dy * xhat) / m. */
static void chan_dx(const emo__layer *l, const float *x, const float *dy,
                    float *dx, int nb, size_t c, float mean, float inv,
                    float k1, float k2)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    float gi = l->p[0].data[c] * inv;
    for (int n = 0; n < nb; n++) {
        const float *p = plane_of(l, x, n, c), *g = plane_of(l, dy, n, c);
        float *d = dx + plane_at(l, n, c);
        for (size_t i = 0; i < plane; i++)
            d[i] = gi * (g[i] - k1 - (p[i] - mean) * inv * k2);
    }
}

/* Inverse std and variance from the sum of squared deviations. */
static void finish_stats(const emo__layer *l, size_t c, double m, double s2,
                         float *stats)
{
    int C = l->in.c;
    stats[C + c] = (float)(1.0 / sqrt(s2 / m + l->eps));
    stats[2 * C + c] = (float)(s2 / m);
}

static void fwd_channels(void *arg, size_t c0, size_t c1)
{
    const bn_job *j = arg;
    const emo__layer *l = j->l;
    int C = l->in.c;
    double m = (double)j->batch * l->in.h * l->in.w;
    for (size_t c = c0; c < c1; c++) {
        float mean, inv;
        if (j->train) {
            j->stats[c] = (float)(chan_sum(l, j->x, j->batch, c) / m);
            finish_stats(l, c, m,
                         chan_sq_dev(l, j->x, j->batch, c, j->stats[c]),
                         j->stats);
            mean = j->stats[c];
            inv = j->stats[C + c];
        } else {
            mean = l->p[2].data[c];
            inv = 1.0f / sqrtf(l->p[3].data[c] + l->eps);
        }
        float a = l->p[0].data[c] * inv;
        chan_affine(l, j->x, j->y, j->batch, c, a, l->p[1].data[c] - mean * a,
                    0);
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

void emo__bn_update_running(emo__layer *l, double m, const float *stats)
{
    int C = l->in.c;
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
    double m = (double)j->batch * l->in.h * l->in.w;
    for (size_t c = c0; c < c1; c++) {
        float mean = j->cstats[c], inv = j->cstats[C + c];
        double sdy, sdyx;
        chan_grad_sums(l, j->x, j->dy, j->batch, c, mean, inv, &sdy, &sdyx);
        l->p[0].grad[c] += (float)sdyx;
        l->p[1].grad[c] += (float)sdy;
        if (j->dx)
            chan_dx(l, j->x, j->dy, j->dx, j->batch, c, mean, inv,
                    (float)(sdy / m), (float)(sdyx / m));
    }
}

void emo__bn_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, const float *stats, int threads)
{
    bn_job j = {l, x, dy, NULL, dx, NULL, stats, batch, 1};
    emo__parallel_for(threads, (size_t)l->in.c, min_channels(l, batch),
                      bwd_channels, &j);
}

/* ---- one slice of a batch split across threads ------------------------- */

void emo__bn_slice_sums(const emo__layer *l, const float *x, int nb,
                        double *sum)
{
    for (int c = 0; c < l->in.c; c++)
        sum[c] = chan_sum(l, x, nb, (size_t)c);
}

void emo__bn_slice_sq_dev(const emo__layer *l, const float *x, int nb,
                          const float *stats, double *s2)
{
    for (int c = 0; c < l->in.c; c++)
        s2[c] = chan_sq_dev(l, x, nb, (size_t)c, stats[c]);
}

void emo__bn_set_mean(const emo__layer *l, double m, const double *sum,
                      float *stats)
{
    for (int c = 0; c < l->in.c; c++)
        stats[c] = (float)(sum[c] / m);
}

void emo__bn_set_spread(const emo__layer *l, double m, const double *s2,
                        float *stats)
{
    for (int c = 0; c < l->in.c; c++)
        finish_stats(l, (size_t)c, m, s2[c], stats);
}

void emo__bn_slice_apply(const emo__layer *l, const float *x, float *y,
                         int nb, const float *stats, int relu)
{
    int C = l->in.c;
    for (int c = 0; c < C; c++) {
        float a = l->p[0].data[c] * stats[C + c];
        chan_affine(l, x, y, nb, (size_t)c, a,
                    l->p[1].data[c] - stats[c] * a, relu);
    }
}

void emo__bn_slice_grad_sums(const emo__layer *l, const float *x, float *dy,
                             const float *y, int nb, const float *stats,
                             double *sdy, double *sdyx)
{
    int C = l->in.c;
    for (int c = 0; c < C; c++) {
        if (y)
            chan_relu_mask(l, dy, y, nb, (size_t)c);
        chan_grad_sums(l, x, dy, nb, (size_t)c, stats[c], stats[C + c],
                       &sdy[c], &sdyx[c]);
    }
}

void emo__bn_slice_dx(const emo__layer *l, const float *x, const float *dy,
                      float *dx, int nb, const float *stats, double m,
                      const double *sdy, const double *sdyx)
{
    int C = l->in.c;
    for (int c = 0; c < C; c++)
        chan_dx(l, x, dy, dx, nb, (size_t)c, stats[c], stats[C + c],
                (float)(sdy[c] / m), (float)(sdyx[c] / m));
}
