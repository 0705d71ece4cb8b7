/*
 * calibration.h - how far a classifier's probabilities can be taken at
 * their word: top-label expected calibration error over 15 equal-width
 * bins, negative log-likelihood, Brier score, and the KL divergence from
 * the taggers' vote distribution (FER+) to the probabilities.
 *
 * Every sum is kept in fixed point (units of 2^-28) in int64_t: adding
 * is then associative, so the same images split over any number of
 * processes and summed (emo-eval-mpi's MPI_Reduce) give the very same
 * report as one process.  Each image's terms are rounded to 2^-28
 * (4e-9); the sums hold about 3e8 images before they could overflow.
 */
#ifndef EMO_EXAMPLES_CALIBRATION_H
#define EMO_EXAMPLES_CALIBRATION_H

#include <stdint.h>

#define CAL_BINS 15
/* Probabilities below this count as it in the logarithms (a float
 * softmax can round to 0): one image adds at most -ln(1e-12) = 27.6. */
#define CAL_P_FLOOR 1e-12

/* Sums over the images scored; only int64_t members, so that an array
 * of them can be reduced as sizeof / 8 int64_t. */
typedef struct calibration {
    int64_t images;                 /* scored */
    int64_t bin_count[CAL_BINS];    /* images whose confidence is in bin b */
    int64_t bin_correct[CAL_BINS];  /* of them, answered right */
    int64_t bin_confidence[CAL_BINS]; /* their confidences, fixed point */
    int64_t nll, brier;             /* fixed point */
    int64_t kl_images;              /* images with votes over the classes */
    int64_t kl;                     /* fixed point */
} calibration;

/* Adds one image: p its probabilities over `classes` outputs, `answer`
 * the output the predictor answered, `truth` the true output; target the
 * taggers' distribution over the outputs (cal_vote_target), or NULL. */
void cal_add(calibration *c, const float *p, int classes, int answer,
             int truth, const double *target);

/* The FER+ votes (EMO_FERPLUS_VOTES counts, emo_dataset_item_votes) as a
 * distribution over the model's outputs; emotion[j] is output j's
 * EMO_CLASS_* (-1 when it is no emotion).  As the library's soft training
 * targets (EMO_LABELS_SOFT): single votes dropped, "unknown" and "not a
 * face" votes and votes for emotions the model lacks not counted, the
 * rest normalised to 1.  Returns 0 (q unset) when no vote is left. */
int cal_vote_target(const int *votes, const int *emotion, int classes,
                    double *q);

/* Bin of a confidence: bin b holds (b/15, (b+1)/15], bin 0 also 0. */
int cal_bin(double confidence);

/* The report's figures; NAN where nothing was counted. */
typedef struct cal_result {
    double ece, nll, brier, kl;
    double confidence[CAL_BINS], accuracy[CAL_BINS]; /* per bin means */
} cal_result;
cal_result cal_summarise(const calibration *c);

#endif
