/*
 * eval.h - a model's evaluation on a dataset, shared by emo-eval and
 * emo-eval-mpi: the options, the dataset and model set up alike, each
 * image classified and counted, and one report (eval_report.h).
 *
 * Everything counted per image is in an eval_tally of int64_t only, so
 * that processes that each took a share of the images (items i = first,
 * first + step, ...) sum their tallies (MPI_Reduce over
 * EVAL_TALLY_WORDS int64_t) into exactly the tally one process makes.
 * What the loaders left out is counted once, apart from the tally.
 */
#ifndef EMO_EXAMPLES_EVAL_H
#define EMO_EXAMPLES_EVAL_H

#include <stdint.h>

#include "calibration.h"
#include "cli.h"
#include "ensemble.h"
#include "emo.h"

typedef struct eval_options {
    cli_source src[CLI_MAX_SOURCES];
    int n_src;
    const char *split, *png;
    ensemble models; /* --model, repeatable */
    unsigned long seed;
    int views, vote, detect, json, part, own_classes;
    cli_framing framing; /* --crop-margin/--crop-shift-y overrides */
    int photometric;     /* EMO_PHOTO_*, -1: the model's */
} eval_options;

/* The per-image counts. */
typedef struct eval_tally {
    int64_t conf[EMO_MAX_CLASSES * EMO_MAX_CLASSES]; /* [true * classes +
                                                        predicted] */
    int64_t unreadable, no_face, not_in_model, total;
    int64_t lacking[EMO_MAX_CLASSES]; /* not_in_model by dataset class */
    calibration cal;
} eval_tally;
#define EVAL_TALLY_WORDS ((int)(sizeof(eval_tally) / sizeof(int64_t)))

#define EVAL_LEFT_OUT_REASONS 6 /* EMO_LEFT_OUT_* */

typedef struct evaluation {
    int classes;                  /* model outputs */
    int map[EMO_MAX_CLASSES];     /* dataset class -> model output, -1 */
    int emotion[EMO_MAX_CLASSES]; /* model output -> EMO_CLASS_*, -1 */
    int left_out[EVAL_LEFT_OUT_REASONS]; /* the loaders', once */
    eval_tally t;
} evaluation;

/* One evaluation run: options, model, dataset, split and predictor. */
typedef struct eval_run {
    eval_options o;
    emo_network *net;
    emo_dataset *ds;
    emo_predictor *pred;
    emo_preprocessor *pp; /* the predictor's */
    int split;            /* the part evaluated, or EMO_SPLIT_ALL */
    char protocol[256];
    evaluation ev;
} eval_run;

/* Parses the command line (about: the --help paragraph), loads the model
 * and the dataset, makes the split and the predictor; exits with a
 * message on any error. */
void eval_open(eval_run *r, int argc, char **argv, const char *about);
/* Classifies and counts items first, first + step, ... of the evaluated
 * part; a progress bar on a terminal when `progress`. */
void eval_items(eval_run *r, int first, int step, int progress);
/* Once the tally is complete (summed over the processes): the report on
 * stdout, text or --json, and the --png. */
void eval_report(eval_run *r);
void eval_close(eval_run *r);

#endif
