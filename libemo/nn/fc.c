/*
 * fc.c - inner product (fully connected): y = x W^T + b on the flattened
 * input, W is [outputs][inputs].
 */
#include "nn/nn.h"

#include <cblas.h>

void emo__fc_forward(const emo__layer *l, const float *x, float *y,
                     int batch, int threads)
{
    int in = (int)emo__shape_size(l->in), out = l->outputs;
    if (l->has_bias) {
        const float *b = l->p[1].data;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < out; o++)
                y[(size_t)n * out + o] = b[o];
    }
    float beta = l->has_bias ? 1.0f : 0.0f;
    /* One image: a matrix-vector product streams W once, where sgemm
     * would first copy all of it into packed panels (caffenet's fc6 is
     * 151 MB) for a single column. */
    if (batch == 1)
        emo__sgemv_split(threads, out, in, l->p[0].data, in, x, beta, y);
    else
        emo__sgemm_split(threads, 1, batch, out, in, x, in, l->p[0].data, in,
                         beta, y, out);
}

void emo__fc_backward(emo__layer *l, const float *x, const float *dy,
                      float *dx, int batch, int param_grads)
{
    int in = (int)emo__shape_size(l->in), out = l->outputs;
    /* dW += dy^T x */
    if (param_grads)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, batch,
                    1.0f, dy, out, x, in, 1.0f, l->p[0].grad, in);
    if (l->has_bias && param_grads) {
        float *db = l->p[1].grad;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < out; o++)
                db[o] += dy[(size_t)n * out + o];
    }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, in,
                    out, 1.0f, dy, out, l->p[0].data, in, 0.0f, dx, in);
}
