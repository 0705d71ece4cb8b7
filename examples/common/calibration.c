/* calibration.c - calibration sums of a classifier's probabilities, in
 * fixed point so that shards of a dataset add up exactly (calibration.h). */
#include "calibration.h"

#include <math.h>

#include "emo.h"

#define CAL_ONE 268435456.0 /* 2^28: the fixed-point unit's inverse */

static int64_t fixed(double x)
{
    return (int64_t)llround(x * CAL_ONE);
}

static double floored_log(double p)
{
    return log(p > CAL_P_FLOOR ? p : CAL_P_FLOOR);
}

int cal_bin(double confidence)
{
    int b = (int)ceil(confidence * CAL_BINS) - 1;
    return b < 0 ? 0 : b >= CAL_BINS ? CAL_BINS - 1 : b;
}

void cal_add(calibration *c, const float *p, int classes, int answer,
             int truth, const double *target)
{
    double conf = p[answer], brier = 0;
    int b = cal_bin(conf);
    c->images++;
    c->bin_count[b]++;
    c->bin_correct[b] += answer == truth;
    c->bin_confidence[b] += fixed(conf);
    c->nll += fixed(-floored_log(p[truth]));
    for (int k = 0; k < classes; k++) {
        double d = p[k] - (k == truth);
        brier += d * d;
    }
    c->brier += fixed(brier);
    if (target) {
        double kl = 0;
        for (int k = 0; k < classes; k++)
            if (target[k] > 0)
                kl += target[k] * (log(target[k]) - floored_log(p[k]));
        c->kl += fixed(kl);
        c->kl_images++;
    }
}

int cal_vote_target(const int *votes, const int *emotion, int classes,
                    double *q)
{
    int sum = 0;
    for (int k = 0; k < classes; k++) {
        int e = emotion[k];
        /* a single vote is the FER+ protocol's outlier */
        int v = e >= 0 && e <= EMO_CLASS_CONTEMPT && votes[e] > 1 ? votes[e]
                                                                 : 0;
        q[k] = v;
        sum += v;
    }
    if (!sum)
        return 0;
    for (int k = 0; k < classes; k++)
        q[k] /= sum;
    return 1;
}

cal_result cal_summarise(const calibration *c)
{
    cal_result r;
    double n = (double)c->images, gap = 0;
    for (int b = 0; b < CAL_BINS; b++) {
        r.confidence[b] = r.accuracy[b] = NAN;
        if (!c->bin_count[b])
            continue;
        double conf = c->bin_confidence[b] / CAL_ONE;
        r.confidence[b] = conf / (double)c->bin_count[b];
        r.accuracy[b] = (double)c->bin_correct[b] / (double)c->bin_count[b];
        /* (n_b / N) |acc_b - conf_b| = |correct_b - sum conf_b| / N */
        gap += fabs((double)c->bin_correct[b] - conf);
    }
    r.ece = c->images ? gap / n : NAN;
    r.nll = c->images ? c->nll / CAL_ONE / n : NAN;
    r.brier = c->images ? c->brier / CAL_ONE / n : NAN;
    r.kl = c->kl_images ? c->kl / CAL_ONE / (double)c->kl_images : NAN;
    return r;
}
