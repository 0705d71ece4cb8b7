/*
 * detect.h - emo-detect's work, shared by emo-detect and emo-detect-mpi
 * (examples/mpi/): the command line (options, table, parser), the
 * detector or predictor it sets up, and one JSON line per image file.
 */
#ifndef EMO_EXAMPLES_DETECT_H
#define EMO_EXAMPLES_DETECT_H

#include <stdio.h>

#include "cli.h"
#include "emo.h"
#include "ensemble.h"

typedef struct detect_options {
    int detect_only;
    const char *cascade;
    double scale;
    int min_neighbors, min_size, max_size, threads, choice;
    int detect_max_pixels; /* cascade's working size, -1 = the library's */
    cli_framing framing;   /* --crop-margin/--crop-shift-y overrides */
    ensemble models;      /* --model, repeatable; default: the installed */
    int views;            /* augmentation views 1..8 */
    const char *annotate; /* annotated image file or directory */
    char **files;         /* the operands, in command-line order */
    int nfiles;
} detect_options;

/* Parses emo-detect's command line into *o (the operands are the files);
 * `about` is the --help paragraph.  Exits on a usage error, as the cli_*
 * helpers do.  Free o->files when done. */
void detect_parse(int argc, char **argv, const char *about,
                  detect_options *o);

/* What a run needs: a bare preprocessor (--detect-only) or a predictor on
 * the loaded model, and the output buffer of the mode. */
typedef struct detect_runner {
    emo_preprocessor *pp;
    emo_network *net;
    emo_predictor *pred;
    emo_box *boxes;
    emo_prediction *preds;
} detect_runner;

/* Sets r up for o: loads the model(s) unless --detect-only; exits with a
 * message on error. */
void detect_open(detect_runner *r, detect_options *o);
/* Detects (and predicts) on one image file and writes its JSON line to
 * out -- faces, or an error -- and the annotated image when asked.
 * Returns 1 when the file failed, else 0. */
int detect_file(detect_runner *r, const detect_options *o, const char *file,
                FILE *out);
/* Frees what detect_open made and the ensemble of o. */
void detect_close(detect_runner *r, detect_options *o);

#endif
