/*
 * layer.c - dispatch from a layer's type to its kernels, and the scratch
 * and auxiliary memory each kind needs.
 */
#include "nn/nn.h"

#include <string.h>

static const char *const type_names[EMO__L_COUNT] = {
    "conv", "fc", "relu", "maxpool", "avgpool",
    "gap", "lrn", "dropout", "bn", "softmax"};

const char *emo__layer_type_name(int type)
{
    return type >= 0 && type < EMO__L_COUNT ? type_names[type] : "?";
}

size_t emo__layer_scratch(const emo__layer *l, int batch)
{
    return l->type == EMO__L_CONV ? emo__conv_scratch(l, batch) : 0;
}

size_t emo__layer_aux_bytes(const emo__layer *l, int batch)
{
    size_t in = (size_t)batch * emo__shape_size(l->in);
    size_t out = (size_t)batch * emo__shape_size(l->out);
    switch (l->type) {
    case EMO__L_MAXPOOL:
        return out * sizeof(int32_t);
    case EMO__L_DROPOUT:
    case EMO__L_LRN:
        return in * sizeof(float);
    case EMO__L_BN:
        return 3 * (size_t)l->in.c * sizeof(float);
    default:
        return 0;
    }
}

void emo__layer_forward(const emo__layer *l, const float *x, float *y,
                        int batch, void *aux, emo__ctx *ctx)
{
    size_t n = (size_t)batch * emo__shape_size(l->out);
    switch (l->type) {
    case EMO__L_CONV:
        emo__conv_forward(l, x, y, batch, ctx);
        break;
    case EMO__L_FC:
        emo__fc_forward(l, x, y, batch,
                        ctx->split_products ? ctx->threads : 1);
        break;
    case EMO__L_RELU:
        emo__relu_forward(x, y, n, ctx->threads);
        break;
    case EMO__L_MAXPOOL:
        emo__maxpool_forward(l, x, y, batch, aux, ctx->threads);
        break;
    case EMO__L_AVGPOOL:
        emo__avgpool_forward(l, x, y, batch);
        break;
    case EMO__L_GAP:
        emo__gap_forward(l, x, y, batch);
        break;
    case EMO__L_LRN:
        emo__lrn_forward(l, x, y, batch, aux);
        break;
    case EMO__L_DROPOUT:
        emo__dropout_forward(l, x, y, batch, aux, ctx);
        break;
    case EMO__L_BN:
        emo__bn_forward(l, x, y, batch, aux, ctx);
        break;
    case EMO__L_SOFTMAX:
        emo__softmax_forward(x, y, batch, (int)emo__shape_size(l->out));
        break;
    default:
        break;
    }
}

void emo__layer_backward(emo__layer *l, const float *x, const float *y,
                         const float *dy, float *dx, int batch, void *aux,
                         emo__ctx *ctx)
{
    size_t n = (size_t)batch * emo__shape_size(l->out);
    switch (l->type) {
    case EMO__L_CONV:
        emo__conv_backward(l, x, dy, dx, batch, ctx);
        return;
    case EMO__L_FC:
        emo__fc_backward(l, x, dy, dx, batch, !ctx->skip_param_grads);
        return;
    case EMO__L_BN:
        emo__bn_backward(l, x, dy, dx, batch, aux, ctx->threads);
        return;
    default:
        break;
    }
    if (!dx)
        return;
    switch (l->type) {
    case EMO__L_RELU:
        emo__relu_backward(y, dy, dx, n, ctx->threads);
        break;
    case EMO__L_MAXPOOL:
        emo__maxpool_backward(l, dy, dx, batch, aux, ctx->threads);
        break;
    case EMO__L_AVGPOOL:
        emo__avgpool_backward(l, dy, dx, batch);
        break;
    case EMO__L_GAP:
        emo__gap_backward(l, dy, dx, batch);
        break;
    case EMO__L_LRN:
        emo__lrn_backward(l, x, y, dy, dx, batch, aux);
        break;
    case EMO__L_DROPOUT:
        emo__dropout_backward(l, dy, dx, batch, aux);
        break;
    case EMO__L_SOFTMAX:
        /* the loss gives d/dlogits directly (softmax + cross-entropy) */
        memcpy(dx, dy, sizeof(float) * n);
        break;
    default:
        break;
    }
}
