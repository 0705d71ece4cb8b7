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

/* Row b's target: the distribution targets[b] when given, else the one-hot
 * label.  Returns -sum_j q_j log p_j for the row. */
static double row_xent(const float *p, const float *q, int label, int n)
{
    if (!q) {
        double py = p[label];
        return -log(py > 1e-30 ? py : 1e-30);
    }
    double l = 0.0;
    for (int j = 0; j < n; j++)
        if (q[j] > 0.0f)
            l -= q[j] * log(p[j] > 1e-30 ? p[j] : 1e-30);
    return l;
}

double emo__xent_sums(const float *probs, const int *labels,
                      const float *targets, int batch, int n,
                      const float *class_weights, double *wsum)
{
    double ws = 0.0, loss = 0.0;
    for (int b = 0; b < batch; b++) {
        double w = class_weights ? class_weights[labels[b]] : 1.0;
        ws += class_weights ? class_weights[labels[b]] : 1.0f;
        loss += w * row_xent(probs + (size_t)b * n,
                             targets ? targets + (size_t)b * n : NULL,
                             labels[b], n);
    }
    *wsum = ws;
    return loss;
}

void emo__xent_grad(const float *probs, const int *labels,
                    const float *targets, int batch, int n,
                    const float *class_weights, double wsum, float *dlogits)
{
    if (wsum <= 0.0)
        wsum = 1.0;
    for (int b = 0; b < batch; b++) {
        const float *p = probs + (size_t)b * n;
        const float *q = targets ? targets + (size_t)b * n : NULL;
        double w = class_weights ? class_weights[labels[b]] : 1.0;
        float *d = dlogits + (size_t)b * n;
        float f = (float)(w / wsum);
        for (int j = 0; j < n; j++)
            d[j] = f * (p[j] - (q ? q[j] : j == labels[b] ? 1.0f : 0.0f));
    }
}

double emo__softmax_xent(const float *probs, const int *labels,
                         const float *targets, int batch, int n,
                         const float *class_weights, float *dlogits)
{
    double wsum;
    double loss = emo__xent_sums(probs, labels, targets, batch, n,
                                 class_weights, &wsum);
    if (dlogits)
        emo__xent_grad(probs, labels, targets, batch, n, class_weights, wsum,
                       dlogits);
    return loss / (wsum > 0.0 ? wsum : 1.0);
}
