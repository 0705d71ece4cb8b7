/*
 * dropout.c - inverted dropout: in training each value is kept with
 * probability 1 - ratio and scaled by 1 / (1 - ratio), so inference is the
 * identity.
 *
 * Each image's mask has its own stream, seeded from a key the layer draws
 * from the step's generator (one draw per layer: the same on every process
 * of a data-parallel step, different for every layer and step) and the
 * image's index in the global batch (ctx->image0 + its index here).  The
 * mask of an image therefore does not depend on how the global batch is
 * cut into processes, slices or threads.
 */
#include "nn/nn.h"

#include <string.h>

/* splitmix64's finaliser: spreads (key, image) over the seed space. */
static uint64_t image_seed(uint64_t key, int64_t image)
{
    uint64_t z = key ^ ((uint64_t)image * 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void emo__dropout_forward(const emo__layer *l, const float *x, float *y,
                          int batch, float *mask, emo__ctx *ctx)
{
    size_t per = emo__shape_size(l->in), n = (size_t)batch * per;
    if (!ctx->train || l->ratio <= 0.0f || !mask) {
        if (y != x)
            memcpy(y, x, sizeof(float) * n);
        if (mask)
            for (size_t i = 0; i < n; i++)
                mask[i] = 1.0f;
        return;
    }
    float keep = 1.0f - l->ratio, scale = 1.0f / keep;
    uint64_t key = emo__rng_next(ctx->rng);
    for (int b = 0; b < batch; b++) {
        emo_rng r;
        emo__rng_seed(&r, image_seed(key, ctx->image0 + b));
        for (size_t i = (size_t)b * per; i < (size_t)(b + 1) * per; i++) {
            mask[i] = emo__rng_uniform(&r) < keep ? scale : 0.0f;
            y[i] = x[i] * mask[i];
        }
    }
}

void emo__dropout_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch, const float *mask)
{
    size_t n = (size_t)batch * emo__shape_size(l->in);
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];
}
