/*
 * train_options.c - the options emo-train and emo-train-mpi share (see
 * train_options.h).
 */
#include "train_options.h"

#include <string.h>

void train_args_init(train_args *t)
{
    memset(t, 0, sizeof *t);
    t->net = "default";
    t->classes = 7;
    t->blur = 1;
    t->seed = 1;
    t->train_seed = -1;
}

int train_args_option(train_args *t, const char *a, const char *v)
{
    if (cli_source_option(a, v, t->src, &t->n_src))
        return 1;
    if (!strcmp(a, "--val-folder"))
        t->val_folder = v;
    else if (!strcmp(a, "--split"))
        t->split = v;
    else if (!strcmp(a, "--net"))
        t->net = v;
    else if (!strcmp(a, "--classes"))
        t->classes = cli_int(a, v, 7, 8);
    else if (!strcmp(a, "--no-blur"))
        t->blur = 0;
    else if (!strcmp(a, "--seed"))
        t->seed = (unsigned long)cli_int(a, v, 0, 0x7fffffff);
    else if (!strcmp(a, "--train-seed"))
        t->train_seed = cli_int(a, v, 0, 0x7fffffff);
    else if (!strcmp(a, "--checkpoint"))
        t->checkpoint = v;
    else if (!strcmp(a, "--resume"))
        t->resume = 1;
    else if (!strcmp(a, "--out"))
        t->out = v;
    else
        return 0;
    return 1;
}

void train_args_split(train_args *t, const char *default_split)
{
    if (t->val_folder && t->split && strcmp(t->split, "none"))
        cli_usage_error("--val-folder is the validation set: use --split"
                        " none (the sources are then all training data)");
    if (!t->split)
        t->split = t->val_folder ? "none" : default_split;
}
