/*
 * cli.h - command-line helpers shared by the example programs: option
 * values, numbers with range checks, dataset sources and split specs, a
 * terminal progress bar.  JSON output is json.h's.
 */
#ifndef EMO_EXAMPLES_CLI_H
#define EMO_EXAMPLES_CLI_H

#include <stdio.h>

#include "emo.h"

/* The programs' one command-line convention.  Each program lists its
 * options in a table; cli_next walks argv against it and answers --help
 * (every option with its line, exit 0) and --version (program name and
 * emo_version(), exit 0) itself.  Usage errors print one line that
 * names the option and the problem ("emo-train: unknown option --epoch
 * (did you mean --epochs?)", "emo-live: --input needs a value") and exit
 * 2; runtime errors exit 1 (cli_check). */
typedef struct cli_option {
    const char *name; /* "--epochs" */
    const char *arg;  /* the value's placeholder ("N"); NULL for a flag */
    const char *help; /* one line: what the option does */
} cli_option;

typedef struct cli_parser {
    int argc, i, operands_only;
    char **argv;
    const cli_option *opts;
    int n;
    const char *synopsis; /* "usage: PROG <synopsis>" */
    const char *about;    /* paragraph printed before the options */
    char eq_name[64];     /* the name part of --name=value */
} cli_parser;

void cli_parser_init(cli_parser *p, int argc, char **argv,
                     const cli_option *opts, int n, const char *synopsis,
                     const char *about);
/* The next argument: the table's name of an option (its value in *value,
 * NULL for a flag), "" for an operand (in *value), NULL at the end.
 * "--name=value" is accepted; after "--" everything is an operand. */
const char *cli_next(cli_parser *p, const char **value);
/* Writes the help text (usage line, about, one line per option). */
void cli_help(const cli_parser *p, FILE *fp);
/* "prog: <message>" and "Try 'prog --help'." on stderr, exit 2. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
void cli_usage_error(const char *fmt, ...);
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
/* --photometric none|histeq|clahe|standardize: the EMO_PHOTO_* value;
 * exits as cli_choice otherwise. */
int cli_photometric(const char *opt, const char *s);
/* Prints "prog: what: <libemo detail>" and exits 1 when rc < 0. */
void cli_check(int rc, const char *what);
/* --max-pixels N: sets the library's decoding limit (EMO_OPT_MAX_PIXELS);
 * exits with a message when N is not in [1, INT_MAX]. */
void cli_max_pixels(const char *opt, const char *s);
/* Program name for messages (set by cli_init). */
void cli_init(const char *argv0);
const char *cli_prog(void);
/* Every exit of the helpers in examples/common (--help, --version, usage
 * errors, cli_check, ...) is cli_exit(status): the hook, if one is set,
 * then exit(status).  The MPI programs set one that ends MPI. */
void cli_set_exit_hook(void (*hook)(int status));
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void cli_exit(int status);

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

/* The table lines of the source options, for a program's cli_option[]. */
#define CLI_SOURCE_OPTIONS                                                    \
    {"--folder", "DIR", "one folder per class (class = folder name)"},       \
    {"--list", "FILE", "'path label' lines (Caffe convert_imageset)"},       \
    {"--root", "DIR", "folder of the relative paths of the --list before"},  \
    {"--ckplus", "DIR", "CK+ distribution (cohn-kanade-images/, Emotion/)"}, \
    {"--jaffe", "DIR", "JAFFE images (class from the file name)"},           \
    {"--fer-csv", "FILE", "FER2013 CSV (emotion,pixels,Usage)"},             \
    {"--ferplus", "DIR", "FER+ folder (images and label.csv of votes)"},     \
    {"--usage", "U", "only the rows of the --fer-csv before with Usage U"}

/* Recognises --folder/--list/--ckplus/--jaffe/--fer-csv/--ferplus and the
 * --root /
 * --usage modifiers that follow them.  Returns 1 when `name` was one. */
int cli_source_option(const char *name, const char *value, cli_source *src,
                      int *n);
/* Adds every source to ds (exits on error). */
void cli_load_sources(emo_dataset *ds, const cli_source *src, int n);
/* Applies "random:TR,VA,TE", "subjects:K:FOLD[:noval]" or "none" (every
 * item in split_none).  Returns a short protocol description in buf. */
void cli_apply_split(emo_dataset *ds, const char *spec, unsigned long seed,
                     int split_none, char *buf, size_t cap);
/* Two class names name the same class: the same text, or two spellings of
 * one emotion ("sadness", "sad"). */
int cli_same_class(const char *a, const char *b);
/* Writes "prog: warning: folder 'bored' (30 images) is not a class: left
 * out" for each folder the folder sources left out, "prog: warning: 3
 * images of contempt left out (<contempt>)" when the 7-class set left
 * contempt out (`contempt` says what applies to the program), then `hint`
 * if any. */
int cli_warn_left_out(const emo_dataset *ds, const char *contempt,
                      const char *hint);
/* Prints per-split, per-class counts to fp. */
void cli_print_counts(FILE *fp, const emo_dataset *ds);

/* Framing of detector boxes (EMO_OPT_CROP_MARGIN, EMO_OPT_CROP_SHIFT_Y)
 * from --crop-margin X and --crop-shift-y Y; unset fields stay NAN and
 * leave the preprocessor's (the model's) value alone. */
typedef struct cli_framing {
    double margin, shift_y;
} cli_framing;
/* Table lines for programs that run a model: the values override the
 * model's stored framing, for experiments (a model works best with the
 * framing it was trained for). */
#define CLI_FRAMING_OVERRIDES                                                 \
    {"--crop-margin", "X", "experiments: the model's crop margin, -0.4..1"},  \
    {"--crop-shift-y", "Y", "experiments: the model's crop shift, -0.5..0.5"}
void cli_framing_init(cli_framing *f);
/* Recognises --crop-margin / --crop-shift-y; 1 when `name` was one. */
int cli_framing_option(const char *name, const char *value, cli_framing *f);
/* Sets the options given on pp (exits on error). */
void cli_apply_framing(emo_preprocessor *pp, const cli_framing *f);

/* A one-line progress bar redrawn in place on a terminal (fp a tty);
 * does nothing otherwise.  `text` is shown after the bar. */
int cli_is_tty(FILE *fp);
/* Columns of the terminal fp is (TIOCGWINSZ), else $COLUMNS, else 80. */
int cli_columns(FILE *fp);
void cli_progress(FILE *fp, double fraction, const char *text);
/* One field of a progress line; prio 0 is kept longest. */
typedef struct cli_field {
    const char *text;
    int prio;
} cli_field;
/* The progress line from fields in display order, fitted to the terminal:
 * the least important fields go first, then the bar, so that the line
 * never wraps. */
void cli_progress_fields(FILE *fp, double fraction, const cli_field *f,
                         int n);
/* Ends the progress line (newline on a tty). */
void cli_progress_end(FILE *fp);
/* "1h02m", "3m05s", "12s" */
void cli_format_duration(double seconds, char *buf, size_t cap);

#endif
