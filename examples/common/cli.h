/*
 * cli.h - command-line helpers shared by the example programs: option
 * values, numbers with range checks, dataset sources and split specs, a
 * terminal progress bar.  JSON output is json.h's.
 */
#ifndef EMO_EXAMPLES_CLI_H
#define EMO_EXAMPLES_CLI_H

#include <stdio.h>

#include "emo.h"

/* The value after option argv[*i] (advancing *i); exits with a message
 * when it is missing. */
const char *cli_value(int argc, char **argv, int *i);
/* The examples' one number parser: the whole of s is a number (strtod's
 * forms), finite, within [lo, hi]; for an int also integral ("8", "8.0",
 * "1e3").  1 and *out set, or 0 (nothing printed). */
int cli_parse_double(const char *s, double lo, double hi, double *out);
int cli_parse_int(const char *s, int lo, int hi, int *out);
/* The same, exiting with "prog: --opt: '...' is not ..." on failure. */
int cli_int(const char *opt, const char *s, int lo, int hi);
double cli_double(const char *opt, const char *s, double lo, double hi);
/* The index of s among the n words of `choices`; exits with "prog: --opt:
 * one of ..." when it is none of them.  The callers' enums (EMO_LR_*,
 * EMO_KEEP_*, EMO_VOTE_*) number their values in the order listed. */
int cli_choice(const char *opt, const char *s, const char *const *choices,
               int n);
/* Prints "prog: what: <libemo detail>" and exits 1 when rc < 0. */
void cli_check(int rc, const char *what);
/* --max-pixels N: sets the library's decoding limit (EMO_OPT_MAX_PIXELS);
 * exits with a message when N is not in [1, INT_MAX]. */
void cli_max_pixels(const char *opt, const char *s);
/* Program name for messages (set by cli_init). */
void cli_init(const char *argv0);
const char *cli_prog(void);

/* A network from a preset name (default, lenet, caffenet, alexnet; with
 * num_classes outputs, 0 = 7) or else from a network text file of at most
 * 1 MB (its own outputs); exits with a message on error. */
emo_network *cli_create_network(const char *spec, int num_classes);

/* Dataset sources as given on the command line. */
enum { SRC_FOLDER, SRC_LIST, SRC_CKPLUS, SRC_JAFFE, SRC_FER_CSV,
       SRC_FERPLUS };
typedef struct cli_source {
    int kind;
    const char *path;
    const char *root;  /* --list only */
    const char *usage; /* --fer-csv only */
} cli_source;
#define CLI_MAX_SOURCES 32

/* Recognises --folder/--list/--ckplus/--jaffe/--fer-csv/--ferplus and the
 * --root / --usage modifiers that follow them.  Returns 1 when argv[*i]
 * was one. */
int cli_source_option(int argc, char **argv, int *i, cli_source *src,
                      int *n);
/* Adds every source to ds (exits on error). */
void cli_load_sources(emo_dataset *ds, const cli_source *src, int n);
/* Applies "random:TR,VA,TE", "subjects:K:FOLD[:noval]" or "none" (every
 * item in split_none).  Returns a short protocol description in buf. */
void cli_apply_split(emo_dataset *ds, const char *spec, unsigned long seed,
                     int split_none, char *buf, size_t cap);
/* Prints per-split, per-class counts to fp. */
void cli_print_counts(FILE *fp, const emo_dataset *ds);

/* A one-line progress bar redrawn in place on a terminal (fp a tty);
 * does nothing otherwise.  `text` is shown after the bar. */
int cli_is_tty(FILE *fp);
void cli_progress(FILE *fp, double fraction, const char *text);
/* Ends the progress line (newline on a tty). */
void cli_progress_end(FILE *fp);
/* "1h02m", "3m05s", "12s" */
void cli_format_duration(double seconds, char *buf, size_t cap);

#endif
