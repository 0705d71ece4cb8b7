/* policy.c - learning-rate policies and class-imbalance weights. */
#include "train/train.h"

#include <math.h>

double emo__lr_at(int policy, double base, double gamma, int step_epochs,
                  double t, int epochs)
{
    if (t < 0)
        t = 0;
    switch (policy) {
    case EMO_LR_STEP:
        return base * pow(gamma, floor(t / (step_epochs > 0 ? step_epochs
                                                            : 1)));
    case EMO_LR_COSINE: {
        /* A short warm-up keeps the first steps of a fresh network (large
         * gradients, BN statistics still moving) from diverging. */
        double warm = epochs / 20.0 < 1.0 ? epochs / 20.0 : 1.0;
        if (t < warm)
            return base * (0.1 + 0.9 * t / warm);
        double u = epochs > warm ? (t - warm) / (epochs - warm) : 1.0;
        if (u > 1.0)
            u = 1.0;
        return base * 0.5 * (1.0 + cos(M_PI * u));
    }
    default:
        return base;
    }
}

void emo__class_weights(const int *counts, int classes, float *weights)
{
    double sum = 0;
    int present = 0;
    for (int c = 0; c < classes; c++)
        if (counts[c] > 0) {
            sum += 1.0 / counts[c];
            present++;
        }
    for (int c = 0; c < classes; c++)
        weights[c] = counts[c] > 0 ? (float)(present / (counts[c] * sum))
                                   : 1.0f;
}
