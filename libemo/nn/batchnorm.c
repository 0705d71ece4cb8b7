/*
 * batchnorm.c - batch normalisation over N, H, W per channel.  Parameters:
 * p[0] gamma, p[1] beta (learned), p[2] running mean, p[3] running
 * variance (not learned).  Training normalises with the batch statistics
 * (biased variance) and the running averages follow PyTorch's rule
 * (momentum, unbiased variance); inference uses the running averages.
 */
#include "nn/nn.h"

#include <math.h>
#include <string.h>

/* One batch norm over channel ranges, with what is fused after it: a
 * ReLU (relu) and a plain 2x2 max pool (pool, its argmax am).  Forward
 * writes y: the batch norm's output, clamped with relu, pooled with pool.
 * Backward reads that y and its gradient dy (masked in place with a ReLU
 * alone; dead afterwards). */
typedef struct bn_job {
    emo__layer *l;
    const emo__layer *pool;
    const float *x, *fy;
    float *y, *dy, *dx;
    float *stats;
    const float *cstats;
    int32_t *am;
    int batch, train, relu, param_grads;
} bn_job;

/* Eight float lanes as one vector (emo__lanes8): GCC 12 vectorised
 * the float a[8] lane loops these replace with permutes between
 * iterations (a third of plane_grad_sums' samples in perf annotate); the
 * vector type gives one add per group of lanes, the same floats in the
 * same order. */
typedef emo__lanes8 lanes8;
typedef emo__mask8 mask8;

/* Sums of one plane in float with 8 independent partial sums, so that
 * the compiler can use vector adds without reassociating (no fast-math);
 * channels then sum the planes in double. */
EMO__INLINE float plane_sum(const float *p, size_t n)
{
    lanes8 acc = {0};
    float s = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc += emo__load8(p + i);
    for (; i < n; i++)
        s += p[i];
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

EMO__INLINE float plane_sq_dev(const float *p, size_t n, float mean)
{
    lanes8 acc = {0}, m8 = emo__splat8(mean);
    float s = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        lanes8 d = emo__load8(p + i) - m8;
        acc += d * d;
    }
    for (; i < n; i++)
        s += (p[i] - mean) * (p[i] - mean);
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

/* sum(g) and sum(g * (x - mean)) of one plane, in 8 float lanes so that
 * the reduction vectorises without reassociating across the plane. */
EMO__INLINE void plane_grad_sums(const float *x, const float *g, size_t n,
                                 float mean, float *sg, float *sgx)
{
    lanes8 a = {0}, b = {0}, m8 = emo__splat8(mean);
    float sa = 0.0f, sb = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        lanes8 gk = emo__load8(g + i);
        a += gk;
        b += gk * (emo__load8(x + i) - m8);
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

/* plane_grad_sums of the fused ReLU's gradient: g = 0 where its output y
 * is not positive, written back (g is the ReLU's output gradient, dead
 * afterwards) so that dx reads it; the same sums as masking first. */
EMO__INLINE void plane_grad_sums_relu(const float *x, float *g,
                                      const float *y, size_t n, float mean,
                                      float *sg, float *sgx)
{
    lanes8 a = {0}, b = {0}, zero = {0}, m8 = emo__splat8(mean);
    float sa = 0.0f, sb = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        /* g where y > 0, else +0: the comparison's all-ones lanes */
        mask8 live = emo__load8(y + i) > zero;
        lanes8 gk = (lanes8)((mask8)emo__load8(g + i) & live);
        memcpy(g + i, &gk, sizeof gk);
        a += gk;
        b += gk * (emo__load8(x + i) - m8);
    }
    for (; i < n; i++) {
        float gk = y[i] > 0.0f ? g[i] : 0.0f;
        g[i] = gk;
        sa += gk;
        sb += gk * (x[i] - mean);
    }
    for (int k = 0; k < 8; k++) {
        sa += a[k];
        sb += b[k];
    }
    *sg = sa;
    *sgx = sb;
}

/* y = x * a + b on one plane; relu: y = max(x * a + b, 0).  (GCC
 * unswitches the loop on relu at this file's -O3, both versions
 * vectorised.) */
EMO__INLINE void plane_affine(const float *p, float *q, size_t n, float a,
                              float b, int relu)
{
    for (size_t i = 0; i < n; i++) {
        float v = p[i] * a + b;
        q[i] = !relu || v > 0.0f ? v : 0.0f;
    }
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
EMO__SIMD_CLONES
static double chan_sum(const emo__layer *l, const float *x, int nb, size_t c)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    double s = 0.0;
    for (int n = 0; n < nb; n++)
        s += plane_sum(plane_of(l, x, n, c), plane);
    return s;
}

EMO__SIMD_CLONES
static double chan_sq_dev(const emo__layer *l, const float *x, int nb,
                          size_t c, float mean)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    double s = 0.0;
    for (int n = 0; n < nb; n++)
        s += plane_sq_dev(plane_of(l, x, n, c), plane, mean);
    return s;
}

/* y = x * a + b on channel c, clamped at 0 with relu. */
EMO__SIMD_CLONES
static void chan_affine(const emo__layer *l, const float *x, float *y,
                        int nb, size_t c, float a, float b, int relu)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    for (int n = 0; n < nb; n++)
        plane_affine(plane_of(l, x, n, c), y + plane_at(l, n, c), plane, a,
                     b, relu);
}

/* Offset of the pooled plane (n, c) in the fused pool's output. */
static size_t pooled_at(const bn_job *j, int n, size_t c)
{
    const emo__layer *p = j->pool;
    return ((size_t)n * p->out.c + c) * p->out.h * p->out.w;
}

/* The forward's last step on channel c with the pool fused: each plane
 * normalised and clamped into tmp, then pooled into y (the full-size
 * ReLU output is never stored). */
EMO__SIMD_CLONES
static void chan_affine_pool(const bn_job *j, size_t c, float a, float b,
                             float *tmp)
{
    const emo__layer *l = j->l, *p = j->pool;
    size_t plane = (size_t)l->in.h * l->in.w;
    for (int n = 0; n < j->batch; n++) {
        size_t o = pooled_at(j, n, c);
        plane_affine(plane_of(l, j->x, n, c), tmp, plane, a, b, j->relu);
        emo__maxpool_2x2_plane(tmp, l->in.w, p->out.h, p->out.w, j->y + o,
                               j->am + o);
    }
}

/* The gradient at the batch norm's output where the fused pool routes
 * one back: window w's argmax gets 0 + dy[w] (what the unfused pool's
 * zeroed plane and += leave), or 0 where the ReLU's output there (the
 * pooled value) is not positive.  Everywhere else it is 0. */
EMO__INLINE float pooled_g(const bn_job *j, const float *dy, const float *y,
                           size_t w)
{
    return !j->relu || y[w] > 0.0f ? 0.0f + dy[w] : 0.0f;
}

/* plane_grad_sums of that sparse gradient on plane (n, c): the gradient
 * is scattered into tmp (zeros elsewhere, as the unfused pool's zeroed
 * plane) and summed by the dense code, so the floats are those of the
 * unfused layers.  Summing only the argmax entries in the dense code's
 * lane order (a scalar loop over both rows of each window, dependent
 * through the lane accumulators) made the default net's training step
 * 2.6 % slower (build/nn_bench, 9 interleaved runs, Xeon). */
EMO__INLINE void pooled_grad_sums(const bn_job *j, int n, size_t c, float mean,
                                  float *tmp, float *sg, float *sgx)
{
    const emo__layer *l = j->l, *p = j->pool;
    size_t plane = (size_t)l->in.h * l->in.w, o = pooled_at(j, n, c);
    size_t out = (size_t)p->out.h * p->out.w;
    const float *dy = j->dy + o;
    const float *y = j->relu ? j->fy + o : NULL;
    const int32_t *am = j->am + o;
    memset(tmp, 0, plane * sizeof *tmp);
    for (size_t w = 0; w < out; w++)
        tmp[am[w]] = pooled_g(j, dy, y, w);
    plane_grad_sums(plane_of(l, j->x, n, c), tmp, plane, mean, sg, sgx);
}

/* chan_dx's plane with that sparse gradient: the dense formula with
 * g = +0 (0 - k1 is the same float either way), then the argmax entries
 * recomputed with their g. */
EMO__INLINE void pooled_dx(const bn_job *j, int n, size_t c, float mean,
                           float inv, float gi, float k1, float k2)
{
    const emo__layer *l = j->l, *p = j->pool;
    size_t plane = (size_t)l->in.h * l->in.w, o = pooled_at(j, n, c);
    size_t out = (size_t)p->out.h * p->out.w;
    const float *x = plane_of(l, j->x, n, c), *dy = j->dy + o;
    const float *y = j->relu ? j->fy + o : NULL;
    const int32_t *am = j->am + o;
    float *d = j->dx + plane_at(l, n, c), z = 0.0f - k1;
    for (size_t i = 0; i < plane; i++)
        d[i] = gi * (z - (x[i] - mean) * inv * k2);
    for (size_t w = 0; w < out; w++) {
        int32_t i = am[w];
        d[i] = gi * (pooled_g(j, dy, y, w) - k1 - (x[i] - mean) * inv * k2);
    }
}

/* sum(dy) and sum(dy * xhat) of channel c, dy being the gradient at the
 * batch norm's output (see bn_job). */
EMO__SIMD_CLONES
static void chan_grad_sums(const bn_job *j, size_t c, float mean, float inv,
                           double *sdy, double *sdyx)
{
    const emo__layer *l = j->l;
    size_t plane = (size_t)l->in.h * l->in.w;
    double a = 0.0, b = 0.0;
    float tmp[EMO__BN_POOL_PLANE];
    for (int n = 0; n < j->batch; n++) {
        float pa, pb;
        const float *x = plane_of(l, j->x, n, c);
        if (j->pool)
            pooled_grad_sums(j, n, c, mean, tmp, &pa, &pb);
        else if (j->relu)
            plane_grad_sums_relu(x, j->dy + plane_at(l, n, c),
                                 plane_of(l, j->fy, n, c), plane, mean, &pa,
                                 &pb);
        else
            plane_grad_sums(x, plane_of(l, j->dy, n, c), plane, mean, &pa,
                            &pb);
        a += pa;
        b += (double)pb * inv;
    }
    *sdy = a;
    *sdyx = b;
}

/* dx of channel c given the batch means k1 = sum(dy) / m and
 * k2 = sum(dy * xhat) / m (dy as masked by chan_grad_sums). */
EMO__SIMD_CLONES
static void chan_dx(const bn_job *j, size_t c, float mean, float inv,
                    float k1, float k2)
{
    const emo__layer *l = j->l;
    size_t plane = (size_t)l->in.h * l->in.w;
    float gi = l->p[0].data[c] * inv;
    for (int n = 0; n < j->batch; n++) {
        if (j->pool) {
            pooled_dx(j, n, c, mean, inv, gi, k1, k2);
            continue;
        }
        const float *p = plane_of(l, j->x, n, c);
        const float *g = plane_of(l, j->dy, n, c);
        float *d = j->dx + plane_at(l, n, c);
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
    float tmp[EMO__BN_POOL_PLANE];
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
        float a = l->p[0].data[c] * inv, b = l->p[1].data[c] - mean * a;
        if (j->pool)
            chan_affine_pool(j, c, a, b, tmp);
        else
            chan_affine(l, j->x, j->y, j->batch, c, a, b, j->relu);
    }
}

static size_t min_channels(const emo__layer *l, int batch)
{
    return 1 + 262144 / ((size_t)batch * l->in.h * l->in.w);
}

int emo__bn_can_fuse_pool(const emo__layer *bn, const emo__layer *pool)
{
    return pool->type == EMO__L_MAXPOOL && emo__maxpool_is_plain_2x2(pool) &&
           (size_t)bn->in.h * bn->in.w <= EMO__BN_POOL_PLANE;
}

void emo__bn_forward(const emo__layer *l, const float *x, float *y,
                     int batch, float *stats, emo__ctx *ctx)
{
    bn_job j = {.l = (emo__layer *)l, .x = x, .y = y, .stats = stats,
                .batch = batch, .train = ctx->train};
    emo__parallel_for(ctx->threads, (size_t)l->in.c, min_channels(l, batch),
                      fwd_channels, &j);
}

void emo__bn_train_forward(const emo__layer *l, const emo__bn_fusion *f,
                           const float *x, float *y, int batch, float *stats,
                           int threads)
{
    bn_job j = {.l = (emo__layer *)l, .pool = f->pool, .x = x, .y = y,
                .stats = stats, .am = f->argmax, .batch = batch, .train = 1,
                .relu = f->relu};
    emo__parallel_for(threads, (size_t)l->in.c, min_channels(l, batch),
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
        chan_grad_sums(j, c, mean, inv, &sdy, &sdyx);
        if (j->param_grads) {
            l->p[0].grad[c] += (float)sdyx;
            l->p[1].grad[c] += (float)sdy;
        }
        if (j->dx)
            chan_dx(j, c, mean, inv, (float)(sdy / m), (float)(sdyx / m));
    }
}

void emo__bn_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, const float *stats, int threads)
{
    /* dy is only written when a ReLU is fused (not here) */
    bn_job j = {.l = l, .x = x, .dy = (float *)dy, .dx = dx, .cstats = stats,
                .batch = batch, .param_grads = 1};
    emo__parallel_for(threads, (size_t)l->in.c, min_channels(l, batch),
                      bwd_channels, &j);
}

void emo__bn_train_backward(emo__layer *l, const emo__bn_fusion *f,
                            const float *x, const float *y, float *dy,
                            float *dx, int batch, const float *stats,
                            int param_grads, int threads)
{
    bn_job j = {.l = l, .pool = f->pool, .x = x, .fy = y, .dy = dy,
                .dx = dx, .cstats = stats, .am = f->argmax, .batch = batch,
                .relu = f->relu, .param_grads = param_grads};
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

void emo__bn_slice_apply(const emo__layer *l, const emo__bn_fusion *f,
                         const float *x, float *y, int nb,
                         const float *stats)
{
    bn_job j = {.l = (emo__layer *)l, .pool = f->pool, .x = x, .y = y,
                .am = f->argmax, .batch = nb, .relu = f->relu};
    int C = l->in.c;
    float tmp[EMO__BN_POOL_PLANE];
    for (int c = 0; c < C; c++) {
        float a = l->p[0].data[c] * stats[C + c];
        float b = l->p[1].data[c] - stats[c] * a;
        if (f->pool)
            chan_affine_pool(&j, (size_t)c, a, b, tmp);
        else
            chan_affine(l, x, y, nb, (size_t)c, a, b, f->relu);
    }
}

void emo__bn_slice_grad_sums(const emo__layer *l, const emo__bn_fusion *f,
                             const float *x, const float *y, float *dy,
                             int nb, const float *stats, double *sdy,
                             double *sdyx)
{
    bn_job j = {.l = (emo__layer *)l, .pool = f->pool, .x = x, .fy = y,
                .dy = dy, .am = f->argmax, .batch = nb, .relu = f->relu};
    int C = l->in.c;
    for (int c = 0; c < C; c++)
        chan_grad_sums(&j, (size_t)c, stats[c], stats[C + c], &sdy[c],
                       &sdyx[c]);
}

void emo__bn_slice_dx(const emo__layer *l, const emo__bn_fusion *f,
                      const float *x, const float *y, const float *dy,
                      float *dx, int nb, const float *stats, double m,
                      const double *sdy, const double *sdyx)
{
    bn_job j = {.l = (emo__layer *)l, .pool = f->pool, .x = x, .fy = y,
                .dy = (float *)dy, .dx = dx, .am = f->argmax, .batch = nb,
                .relu = f->relu};
    int C = l->in.c;
    for (int c = 0; c < C; c++)
        chan_dx(&j, (size_t)c, stats[c], stats[C + c], (float)(sdy[c] / m),
                (float)(sdyx[c] / m));
}
