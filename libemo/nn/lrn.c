/*
 * lrn.c - local response normalisation across channels, Caffe's formula:
 *   scale_c = k + alpha / n * sum_{c' = c - n/2 .. c + n/2} x_c'^2
 *   y_c = x_c * scale_c^-beta
 * (n odd, so the window is symmetric and PyTorch's LocalResponseNorm
 * agrees.)  scale is kept for backward.
 */
#include "nn/nn.h"

#include <math.h>

void emo__lrn_forward(const emo__layer *l, const float *x, float *y,
                      int batch, float *scale)
{
    int C = l->in.c, half = (l->local_size - 1) / 2;
    size_t plane = (size_t)l->in.h * l->in.w;
    float a = l->alpha / (float)l->local_size;
    for (int n = 0; n < batch; n++) {
        const float *xn = x + (size_t)n * C * plane;
        float *yn = y + (size_t)n * C * plane;
        float *sn = scale ? scale + (size_t)n * C * plane : NULL;
        for (size_t i = 0; i < plane; i++) {
            for (int c = 0; c < C; c++) {
                int c0 = c - half < 0 ? 0 : c - half;
                int c1 = c + half >= C ? C - 1 : c + half;
                float s = 0.0f;
                for (int j = c0; j <= c1; j++) {
                    float v = xn[(size_t)j * plane + i];
                    s += v * v;
                }
                float sc = l->k + a * s;
                if (sn)
                    sn[(size_t)c * plane + i] = sc;
                yn[(size_t)c * plane + i] =
                    xn[(size_t)c * plane + i] * powf(sc, -l->beta);
            }
        }
    }
}

void emo__lrn_backward(const emo__layer *l, const float *x, const float *y,
                       const float *dy, float *dx, int batch,
                       const float *scale)
{
    int C = l->in.c, half = (l->local_size - 1) / 2;
    size_t plane = (size_t)l->in.h * l->in.w;
    float f = 2.0f * l->alpha * l->beta / (float)l->local_size;
    for (int n = 0; n < batch; n++) {
        size_t off = (size_t)n * C * plane;
        const float *xn = x + off, *yn = y + off, *gn = dy + off;
        const float *sn = scale + off;
        float *dn = dx + off;
        for (size_t i = 0; i < plane; i++) {
            for (int c = 0; c < C; c++) {
                int c0 = c - half < 0 ? 0 : c - half;
                int c1 = c + half >= C ? C - 1 : c + half;
                float acc = 0.0f;
                for (int j = c0; j <= c1; j++) {
                    size_t q = (size_t)j * plane + i;
                    acc += gn[q] * yn[q] / sn[q];
                }
                size_t p = (size_t)c * plane + i;
                dn[p] = gn[p] * powf(sn[p], -l->beta) - f * xn[p] * acc;
            }
        }
    }
}
