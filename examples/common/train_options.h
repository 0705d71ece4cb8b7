/*
 * train_options.h - the command-line options emo-train and emo-train-mpi
 * share: the dataset sources, the validation folder and split, the network,
 * the class set, the blur, the seeds, the checkpoint and the output model.
 * Each program keeps its own option table (its --help) and its own
 * training options; this is the one parser of what they have in common.
 */
#ifndef EMO_EXAMPLES_TRAIN_OPTIONS_H
#define EMO_EXAMPLES_TRAIN_OPTIONS_H

#include "cli.h"

typedef struct train_args {
    cli_source src[CLI_MAX_SOURCES];
    int n_src;
    const char *val_folder, *split, *net, *checkpoint, *out;
    int classes, blur, resume;
    unsigned long seed; /* of the split */
    long train_seed;    /* of shuffles and augmentation; -1: not given */
} train_args;

/* The defaults: --net default, 7 classes, blur on, seed 1, no train seed,
 * no split (train_args_split chooses it). */
void train_args_init(train_args *t);
/* Recognises the source options and --val-folder, --split, --net,
 * --classes, --no-blur, --seed, --train-seed, --checkpoint, --resume and
 * --out; returns 1 when `name` was one (exits on a bad value). */
int train_args_option(train_args *t, const char *name, const char *value);
/* After the arguments: refuses --val-folder with a split other than
 * "none" (usage error), and sets the split when none was given: "none"
 * with --val-folder, else `default_split`. */
void train_args_split(train_args *t, const char *default_split);

#endif
