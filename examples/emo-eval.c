/*
 * emo-eval - accuracy of a model on a dataset: confusion matrix (rows true,
 * columns predicted), per-class precision, recall and support, accuracy,
 * calibration of the probabilities.
 *
 *   emo-eval --model M [--model M2 ...]
 *            (--folder DIR | --list F [--root R] | --ckplus DIR |
 *             --jaffe DIR | --fer-csv F [--usage U] | --ferplus DIR)...
 *            [--split-from random:TR,VA,TE | subjects:K:FOLD[:noval] --seed S
 *             [--part train|val|test]]
 *            [--views N] [--vote majority|mean] [--detect]
 *            [--crop-margin X] [--crop-shift-y Y]
 *            [--photometric none|histeq|clahe|standardize] [--own-classes]
 *            [--json]
 *            [--png F]
 *
 * With --split-from the dataset is split exactly as emo-train split it (same
 * spec and seed) and only its test split (or --part) is evaluated, so the
 * paper's train / val / test table takes three runs; otherwise every image
 * is.  Dataset classes are matched to the model's outputs by name.
 * --views 1 classifies the face alone; 2..8 add, in this order, the mirror,
 * the +-10 degree rotations, the mirror's rotations, and the face and its
 * mirror enlarged 1.1x (EMO_VIEW_* bit order), and vote as the predictor
 * does: by majority (the paper's rule) or by mean probability (--vote).
 * Several --model options evaluate their ensemble: each view's
 * probabilities averaged over the models, then the vote.
 * Every image left out is counted and reported: unreadable, without a
 * face, of a class the model lacks (by class), and what the loaders left
 * out (folders naming no class, FER+ images without an emotion majority).
 * The report names the model's classes that had images (the others are
 * only ever wrong answers) and their mean recall, and how well the
 * probabilities are calibrated (common/calibration.h): top-label expected
 * calibration error over 15 equal-width bins, negative log-likelihood,
 * Brier score and, for FER+ items, KL(votes || p).  emo-eval-mpi
 * (examples/mpi/) prints the same report from shards evaluated by MPI
 * ranks; both are examples/common/eval.c.
 */
#include "common/eval.h"

static const char eval_about[] =
    "Accuracy of a model on a dataset: confusion matrix (rows true, columns"
    "\npredicted), per-class precision, recall and support.  Dataset classes"
    " are\nmatched to the model's by name; images of classes the model lacks"
    " are counted\nas left out.  Calibration of the probabilities: ECE is"
    " the top-label expected\ncalibration error, sum over 15 equal-width"
    " confidence bins (b/15, (b+1)/15] of\n(images in bin / images) x"
    " |accuracy - mean confidence| in the bin, the\nconfidence being the"
    " answer's probability; NLL the mean -ln p(true class);\nBrier the mean"
    " of sum over classes (p - one-hot truth)^2; for FER+ images the\nmean"
    " KL(votes || p) in nats, votes over the model's classes (single,"
    " unknown,\nnot-a-face and other-class votes dropped).";

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    eval_run r;
    eval_open(&r, argc, argv, eval_about);
    eval_items(&r, 0, 1, 1);
    eval_report(&r);
    eval_close(&r);
    return 0;
}
