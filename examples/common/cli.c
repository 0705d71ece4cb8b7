/* cli.c - command-line helpers shared by the example programs. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "emo";

void cli_init(const char *argv0)
{
    const char *s = strrchr(argv0, '/');
    prog = s ? s + 1 : argv0;
}

const char *cli_prog(void)
{
    return prog;
}

const char *cli_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, argv[*i]);
        exit(2);
    }
    return argv[++*i];
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int cli_parse_int(const char *s, int lo, int hi, int *out)
{
    double v;
    if (!cli_parse_double(s, lo, hi, &v) || v != floor(v))
        return 0;
    *out = (int)v;
    return 1;
}

int cli_int(const char *opt, const char *s, int lo, int hi)
{
    int v;
    if (!cli_parse_int(s, lo, hi, &v)) {
        fprintf(stderr, "%s: %s: '%s' is not an integer in [%d, %d]\n", prog,
                opt, s, lo, hi);
        exit(2);
    }
    return v;
}

double cli_double(const char *opt, const char *s, double lo, double hi)
{
    double v;
    if (!cli_parse_double(s, lo, hi, &v)) {
        fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n", prog,
                opt, s, lo, hi);
        exit(2);
    }
    return v;
}

int cli_choice(const char *opt, const char *s, const char *const *choices,
               int n)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(s, choices[k]))
            return k;
    fprintf(stderr, "%s: %s: '%s' is not one of", prog, opt, s);
    for (int k = 0; k < n; k++)
        fprintf(stderr, "%s %s", k ? "," : "", choices[k]);
    fputc('\n', stderr);
    exit(2);
}

void cli_check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    const char *detail = emo_last_error();
    fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, emo_strerror(rc),
            *detail ? ": " : "", detail);
    exit(1);
}

void cli_max_pixels(const char *opt, const char *s)
{
    /* Process-wide, as a program wants: every image and frame it reads is
     * refused over the limit before its pixels are allocated. */
    cli_check(emo_set_int(EMO_OPT_MAX_PIXELS, cli_int(opt, s, 1, INT_MAX)),
              opt);
}

/* Network texts are a few kB; the cap only stops a wrong file (a model, an
 * image) from being read whole.  A longer text is refused, not cut. */
#define CLI_MAX_NET_TEXT (1 << 20)

static char *read_net_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *text = fp ? malloc(CLI_MAX_NET_TEXT + 1) : NULL;
    size_t n = text ? fread(text, 1, CLI_MAX_NET_TEXT + 1, fp) : 0;
    int bad = !text || ferror(fp) || n > CLI_MAX_NET_TEXT;
    if (fp)
        fclose(fp);
    if (!fp) { /* the library's message lists the presets */
        fprintf(stderr, "%s: %s: %s, and not a readable file\n", prog, path,
                emo_last_error());
        exit(1);
    }
    if (bad) {
        fprintf(stderr, "%s: %s: %s\n", prog, path,
                text ? "unreadable or over 1 MB" : "out of memory");
        exit(1);
    }
    text[n] = 0;
    return text;
}

emo_network *cli_create_network(const char *spec, int num_classes)
{
    emo_network *net;
    int rc = emo_network_create_preset(spec, num_classes, &net);
    if (rc == EMO_ERR_INVALID_ARG) { /* not a preset name: a text file */
        char *text = read_net_text(spec);
        rc = emo_network_create_text(text, &net);
        free(text);
    }
    cli_check(rc, spec);
    return net;
}

int cli_source_option(int argc, char **argv, int *i, cli_source *src, int *n)
{
    static const struct {
        const char *opt;
        int kind;
    } kinds[] = {{"--folder", SRC_FOLDER}, {"--list", SRC_LIST},
                 {"--ckplus", SRC_CKPLUS}, {"--jaffe", SRC_JAFFE},
                 {"--fer-csv", SRC_FER_CSV}, {"--ferplus", SRC_FERPLUS}};
    const char *a = argv[*i];
    if ((!strcmp(a, "--root") || !strcmp(a, "--usage"))) {
        int want = a[2] == 'r' ? SRC_LIST : SRC_FER_CSV;
        if (*n == 0 || src[*n - 1].kind != want) {
            fprintf(stderr, "%s: %s must follow %s\n", prog, a,
                    want == SRC_LIST ? "--list" : "--fer-csv");
            exit(2);
        }
        const char *v = cli_value(argc, argv, i);
        if (want == SRC_LIST)
            src[*n - 1].root = v;
        else
            src[*n - 1].usage = v;
        return 1;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        if (strcmp(a, kinds[k].opt) != 0)
            continue;
        if (*n == CLI_MAX_SOURCES) {
            fprintf(stderr, "%s: more than %d sources\n", prog,
                    CLI_MAX_SOURCES);
            exit(2);
        }
        cli_source s = {kinds[k].kind, cli_value(argc, argv, i), NULL, NULL};
        src[(*n)++] = s;
        return 1;
    }
    return 0;
}

void cli_load_sources(emo_dataset *ds, const cli_source *src, int n)
{
    for (int k = 0; k < n; k++) {
        const cli_source *s = &src[k];
        int rc = s->kind == SRC_FOLDER   ? emo_dataset_add_folder(ds, s->path)
                 : s->kind == SRC_LIST   ? emo_dataset_add_list(ds, s->path,
                                                                s->root)
                 : s->kind == SRC_CKPLUS ? emo_dataset_add_ckplus(ds, s->path)
                 : s->kind == SRC_JAFFE  ? emo_dataset_add_jaffe(ds, s->path)
                 : s->kind == SRC_FERPLUS
                     ? emo_dataset_add_ferplus(ds, s->path)
                     : emo_dataset_add_fer_csv(ds, s->path, s->usage);
        cli_check(rc, s->path);
    }
}

static void bad_split(const char *spec)
{
    fprintf(stderr, "%s: --split '%s': expected random:TR,VA,TE, "
            "subjects:K:FOLD[:noval] or none\n", prog, spec);
    exit(2);
}

void cli_apply_split(emo_dataset *ds, const char *spec, unsigned long seed,
                     int split_none, char *buf, size_t cap)
{
    double tr, va, te;
    int k, fold, used = 0;
    char tail[16] = "";
    if (sscanf(spec, "random:%lf,%lf,%lf%n", &tr, &va, &te, &used) == 3 &&
        !spec[used]) {
        cli_check(emo_dataset_split_random(ds, tr, va, te, seed), "split");
        snprintf(buf, cap, "random image split %g/%g/%g (stratified, seed "
                 "%lu)", tr, va, te, seed);
    } else if (sscanf(spec, "subjects:%d:%d%n", &k, &fold, &used) == 2 &&
               (!spec[used] || (sscanf(spec + used, ":%15s", tail) == 1 &&
                                !strcmp(tail, "noval")))) {
        int with_val = !tail[0];
        cli_check(emo_dataset_split_subjects(ds, k, fold, with_val, seed),
                  "split");
        snprintf(buf, cap, "subject-disjoint %d-fold, test fold %d%s (seed "
                 "%lu)", k, fold, with_val ? ", next fold validation" : "",
                 seed);
    } else if (!strcmp(spec, "none")) {
        cli_check(emo_dataset_split_all(ds, split_none), "split");
        snprintf(buf, cap, "all images");
    } else {
        bad_split(spec);
    }
}

void cli_print_counts(FILE *fp, const emo_dataset *ds)
{
    static const char *const split_names[] = {"train", "val", "test"};
    int nc = emo_dataset_num_classes(ds);
    fprintf(fp, "%-6s", "split");
    for (int c = 0; c < nc; c++)
        fprintf(fp, " %8.8s", emo_class_name(c));
    fprintf(fp, " %8s\n", "total");
    for (int s = 0; s < 3; s++) {
        if (emo_dataset_count(ds, s, -1) == 0)
            continue;
        fprintf(fp, "%-6s", split_names[s]);
        for (int c = 0; c < nc; c++)
            fprintf(fp, " %8d", emo_dataset_count(ds, s, c));
        fprintf(fp, " %8d\n", emo_dataset_count(ds, s, -1));
    }
}

int cli_is_tty(FILE *fp)
{
    return isatty(fileno(fp));
}

void cli_progress(FILE *fp, double fraction, const char *text)
{
    if (!cli_is_tty(fp))
        return;
    enum { WIDTH = 28 };
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int fill = (int)(fraction * WIDTH + 0.5);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    fprintf(fp, "\r[%s] %3.0f%% %s\033[K", bar, fraction * 100, text);
    fflush(fp);
}

void cli_progress_end(FILE *fp)
{
    if (cli_is_tty(fp)) {
        fputs("\r\033[K", fp);
        fflush(fp);
    }
}

void cli_format_duration(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}
