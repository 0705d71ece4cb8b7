/*
 * dropout.c - inverted dropout: in training each value is kept with
 * probability 1 - ratio and scaled by 1 / (1 - ratio), so inference is the
 * identity.  The mask comes from the workspace's seeded generator.
 */
#include "nn/nn.h"

#include <string.h>

void emo__dropout_forward(const emo__layer *l, const float *x, float *y,
                          int batch, float *mask, emo__ctx *ctx)
{
    size_t n = (size_t)batch * emo__shape_size(l->in);
    if (!ctx->train || l->ratio <= 0.0f || !mask) {
        if (y != x)
            memcpy(y, x, sizeof(float) * n);
        if (mask)
            for (size_t i = 0; i < n; i++)
                mask[i] = 1.0f;
        return;
    }
    float keep = 1.0f - l->ratio, scale = 1.0f / keep;
    for (size_t i = 0; i < n; i++) {
        mask[i] = emo__rng_uniform(ctx->rng) < keep ? scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
}

void emo__dropout_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch, const float *mask)
{
    size_t n = (size_t)batch * emo__shape_size(l->in);
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];
}
