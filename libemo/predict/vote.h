/*
 * vote.h - augmentation voting: per-view class probabilities -> one
 * prediction.  Internal to libemo (used by predictor.c).
 */
#ifndef EMO_VOTE_H
#define EMO_VOTE_H

#include "common/internal.h"

/* Index of the largest of n scores; the lowest index wins a tie (n >= 1). */
int emo__argmax(const float *scores, int n);

/* Votes over `views` probability vectors of `classes` floats each, stored
 * one after the other in probs (the layout a batched forward produces).
 * Fills out->label, num_classes, scores (mean over views), num_views and
 * view_labels; out->box is left as it is.  EMO_VOTE_MAJORITY: the label is
 * the class most views chose; a tie goes to the tied class with the
 * highest summed score (then to the lowest index, so the result never
 * depends on order of equal floats).  EMO_VOTE_MEAN: the class with the
 * highest mean score (lowest index among equals).  Errors:
 * EMO_ERR_INVALID_ARG (NULL, views outside 1..EMO_MAX_VIEWS, classes
 * outside 1..EMO_MAX_CLASSES, unknown rule). */
int emo__vote(const float *probs, int views, int classes, int rule,
              emo_prediction *out);

#endif
