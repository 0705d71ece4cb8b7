/*
 * softmax.c - softmax over each row and the weighted cross-entropy loss.
 * The loss normalises by the summed weights of the batch's labels, as
 * PyTorch's CrossEntropyLoss(weight=w) does, so weights only rebalance.
 */
#include "nn/nn.h"

#include <float.h>
#include <math.h>

void emo__softmax_forward(const float *x, float *y, int batch, int n)
{
    for (int b = 0; b < batch; b++) {
        const float *xi = x + (size_t)b * n;
        float *yi = y + (size_t)b * n;
        float mx = -FLT_MAX;
        for (int j = 0; j < n; j++)
            mx = xi[j] > mx ? xi[j] : mx;
        double s = 0.0;
        for (int j = 0; j < n; j++) {
            yi[j] = expf(xi[j] - mx);
            s += yi[j];
        }
        float inv = (float)(1.0 / s);
        for (int j = 0; j < n; j++)
            yi[j] *= inv;
    }
}

double emo__softmax_xent(const float *probs, const int *labels,
                         const float *targets, int batch, int n,
                         const float *class_weights, float *dlogits)
{
    double wsum = 0.0, loss = 0.0;
    for (int b = 0; b < batch; b++)
        wsum += class_weights ? class_weights[labels[b]] : 1.0f;
    if (wsum <= 0.0)
        wsum = 1.0;
    for (int b = 0; b < batch; b++) {
        const float *p = probs + (size_t)b * n;
        const float *q = targets ? targets + (size_t)b * n : NULL;
        double w = class_weights ? class_weights[labels[b]] : 1.0;
        if (q) {
            for (int j = 0; j < n; j++)
                if (q[j] > 0.0f)
                    loss -= w * q[j] * log(p[j] > 1e-30 ? p[j] : 1e-30);
        } else {
            double py = p[labels[b]];
            loss -= w * log(py > 1e-30 ? py : 1e-30);
        }
        if (!dlogits)
            continue;
        float *d = dlogits + (size_t)b * n;
        float f = (float)(w / wsum);
        for (int j = 0; j < n; j++)
            d[j] = f * (p[j] - (q ? q[j] : j == labels[b] ? 1.0f : 0.0f));
    }
    return loss / wsum;
}
