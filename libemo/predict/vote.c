/*
 * vote.c - augmentation voting.  The paper's test-time scheme: each view
 * votes for its argmax class; the majority wins and the summed
 * probabilities break ties, so two confident views beat two lukewarm ones.
 * The alternative takes the highest mean probability outright.
 */
#include "predict/vote.h"

int emo__argmax(const float *scores, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (scores[i] > scores[best])
            best = i;
    return best;
}

/* The class with the most votes; among equals the highest summed score,
 * then the lowest index. */
static int majority(const int *votes, const float *sums, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++) {
        if (votes[c] > votes[best] ||
            (votes[c] == votes[best] && sums[c] > sums[best]))
            best = c;
    }
    return best;
}

int emo__vote(const float *probs, int views, int classes, int rule,
              emo_prediction *out)
{
    if (!probs || !out)
        return emo__fail(EMO_ERR_INVALID_ARG, "vote: NULL argument");
    if (views < 1 || views > EMO_MAX_VIEWS)
        return emo__fail(EMO_ERR_INVALID_ARG, "vote: %d views (1..%d)",
                         views, EMO_MAX_VIEWS);
    if (classes < 1 || classes > EMO_MAX_CLASSES)
        return emo__fail(EMO_ERR_INVALID_ARG, "vote: %d classes (1..%d)",
                         classes, EMO_MAX_CLASSES);
    if (rule != EMO_VOTE_MAJORITY && rule != EMO_VOTE_MEAN)
        return emo__fail(EMO_ERR_INVALID_ARG, "vote: unknown rule %d", rule);

    int votes[EMO_MAX_CLASSES] = {0};
    float sums[EMO_MAX_CLASSES] = {0};
    for (int v = 0; v < views; v++) {
        const float *p = probs + (size_t)v * classes;
        int l = emo__argmax(p, classes);
        out->view_labels[v] = l;
        votes[l]++;
        for (int c = 0; c < classes; c++)
            sums[c] += p[c];
    }
    for (int v = views; v < EMO_MAX_VIEWS; v++)
        out->view_labels[v] = -1;
    for (int c = 0; c < EMO_MAX_CLASSES; c++)
        out->scores[c] = c < classes ? sums[c] / (float)views : 0.0f;
    out->label = rule == EMO_VOTE_MEAN ? emo__argmax(sums, classes)
                                       : majority(votes, sums, classes);
    out->num_classes = classes;
    out->num_views = views;
    return EMO_OK;
}
