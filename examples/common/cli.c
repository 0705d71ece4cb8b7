/* cli.c - command-line helpers shared by the example programs. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

static void (*exit_hook)(int status);

void cli_set_exit_hook(void (*hook)(int status))
{
    exit_hook = hook;
}

void cli_exit(int status)
{
    if (exit_hook)
        exit_hook(status);
    exit(status);
}

void cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    cli_exit(2);
}

/* ---- the option table ------------------------------------------------- */

void cli_parser_init(cli_parser *p, int argc, char **argv,
                     const cli_option *opts, int n, const char *synopsis,
                     const char *about)
{
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
    p->opts = opts;
    p->n = n;
    p->synopsis = synopsis;
    p->about = about;
}

void cli_help(const cli_parser *p, FILE *fp)
{
    fprintf(fp, "usage: %s %s\n", prog, p->synopsis);
    if (p->about)
        fprintf(fp, "%s\n", p->about);
    fputs("\noptions:\n", fp);
    for (int k = 0; k < p->n; k++) {
        char head[64];
        snprintf(head, sizeof head, "%s%s%s", p->opts[k].name,
                 p->opts[k].arg ? " " : "",
                 p->opts[k].arg ? p->opts[k].arg : "");
        if (strlen(head) > 22)
            fprintf(fp, "  %s\n  %-22s  %s\n", head, "", p->opts[k].help);
        else
            fprintf(fp, "  %-22s  %s\n", head, p->opts[k].help);
    }
    fprintf(fp, "  %-22s  %s\n  %-22s  %s\n", "--help", "this text",
            "--version", "the program's and libemo's version");
}

/* Levenshtein distance, for "did you mean". */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The table's option nearest `name`, NULL when none is near: at most a
 * third of the name's letters wrong (two at least), or a prefix of it. */
static const char *nearest(const cli_parser *p, const char *name)
{
    static const char *const builtin[] = {"--help", "--version"};
    const char *best = NULL;
    int best_d = 99, limit = (int)strlen(name) / 3;
    if (limit < 2)
        limit = 2;
    for (int k = 0; k < p->n + 2; k++) {
        const char *cand = k < p->n ? p->opts[k].name : builtin[k - p->n];
        int d = edit_distance(name, cand);
        if (strlen(name) > 3 && !strncmp(cand, name, strlen(name)))
            d = 1; /* an abbreviation */
        if (d < best_d) {
            best_d = d;
            best = cand;
        }
    }
    return best_d <= limit ? best : NULL;
}

static const cli_option *find_option(const cli_parser *p, const char *name)
{
    for (int k = 0; k < p->n; k++)
        if (!strcmp(p->opts[k].name, name))
            return &p->opts[k];
    return NULL;
}

static void unknown_option(const cli_parser *p, const char *name)
{
    const char *near = nearest(p, name);
    if (near)
        cli_usage_error("unknown option %s (did you mean %s?)", name, near);
    cli_usage_error("unknown option %s", name);
}

const char *cli_next(cli_parser *p, const char **value)
{
    *value = NULL;
    if (p->i >= p->argc)
        return NULL;
    const char *a = p->argv[p->i++];
    if (p->operands_only || a[0] != '-' || !a[1]) { /* "-" is stdin */
        *value = a;
        return "";
    }
    if (!strcmp(a, "--")) {
        p->operands_only = 1;
        return cli_next(p, value);
    }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
        cli_help(p, stdout);
        cli_exit(0);
    }
    if (!strcmp(a, "--version")) {
        printf("%s (libemo) %s\n", prog, emo_version());
        cli_exit(0);
    }
    const char *eq = strchr(a, '=');
    const char *name = a;
    if (eq && a[1] == '-') {
        snprintf(p->eq_name, sizeof p->eq_name, "%.*s", (int)(eq - a), a);
        name = p->eq_name;
    }
    const cli_option *o = find_option(p, name);
    if (!o)
        unknown_option(p, name);
    if (!o->arg) {
        if (eq)
            cli_usage_error("%s takes no value", o->name);
        return o->name;
    }
    if (eq) {
        *value = eq + 1;
        return o->name;
    }
    /* the next word, unless it is missing or an option of the table (a
     * forgotten value, not a value that starts with --) */
    const char *v = p->i < p->argc ? p->argv[p->i] : NULL;
    if (!v || (v[0] == '-' && v[1] == '-' && find_option(p, v)))
        cli_usage_error("%s needs a value (%s)", o->name, o->arg);
    p->i++;
    *value = v;
    return o->name;
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
        cli_exit(2);
    }
    return v;
}

double cli_double(const char *opt, const char *s, double lo, double hi)
{
    double v;
    if (!cli_parse_double(s, lo, hi, &v)) {
        fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n", prog,
                opt, s, lo, hi);
        cli_exit(2);
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
    cli_exit(2);
}

int cli_photometric(const char *opt, const char *s)
{
    static const char *const modes[] = {"none", "histeq", "clahe",
                                        "standardize"}; /* EMO_PHOTO_* */
    return cli_choice(opt, s, modes, 4);
}

void cli_check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    const char *detail = emo_last_error();
    size_t n = strlen(what);
    if (!strncmp(detail, what, n) && detail[n] == ':') {
        /* the library named the file already: say it once */
        fprintf(stderr, "%s: %s (%s)\n", prog, detail, emo_strerror(rc));
        cli_exit(1);
    }
    fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, emo_strerror(rc),
            *detail ? ": " : "", detail);
    cli_exit(1);
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
        cli_exit(1);
    }
    if (bad) {
        fprintf(stderr, "%s: %s: %s\n", prog, path,
                text ? "unreadable or over 1 MB" : "out of memory");
        cli_exit(1);
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

void cli_framing_init(cli_framing *f)
{
    f->margin = f->shift_y = NAN;
}

int cli_framing_option(const char *a, const char *v, cli_framing *f)
{
    if (!strcmp(a, "--crop-margin"))
        f->margin = cli_double(a, v, -0.4, 1.0);
    else if (!strcmp(a, "--crop-shift-y"))
        f->shift_y = cli_double(a, v, -0.5, 0.5);
    else
        return 0;
    return 1;
}

void cli_apply_framing(emo_preprocessor *pp, const cli_framing *f)
{
    if (!isnan(f->margin))
        cli_check(emo_preprocessor_set_float(pp, EMO_OPT_CROP_MARGIN,
                                             f->margin), "--crop-margin");
    if (!isnan(f->shift_y))
        cli_check(emo_preprocessor_set_float(pp, EMO_OPT_CROP_SHIFT_Y,
                                             f->shift_y), "--crop-shift-y");
}

int cli_source_option(const char *a, const char *v, cli_source *src, int *n)
{
    static const struct {
        const char *opt;
        int kind;
    } kinds[] = {{"--folder", SRC_FOLDER}, {"--list", SRC_LIST},
                 {"--ckplus", SRC_CKPLUS}, {"--jaffe", SRC_JAFFE},
                 {"--fer-csv", SRC_FER_CSV}, {"--ferplus", SRC_FERPLUS}};
    if ((!strcmp(a, "--root") || !strcmp(a, "--usage"))) {
        int want = a[2] == 'r' ? SRC_LIST : SRC_FER_CSV;
        if (*n == 0 || src[*n - 1].kind != want)
            cli_usage_error("%s must follow %s", a,
                            want == SRC_LIST ? "--list" : "--fer-csv");
        if (want == SRC_LIST)
            src[*n - 1].root = v;
        else
            src[*n - 1].usage = v;
        return 1;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        if (strcmp(a, kinds[k].opt) != 0)
            continue;
        if (*n == CLI_MAX_SOURCES)
            cli_usage_error("more than %d sources", CLI_MAX_SOURCES);
        cli_source s = {kinds[k].kind, v, NULL, NULL};
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
    cli_exit(2);
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

int cli_same_class(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    int ca = emo_class_from_name(a);
    return !strcmp(a, b) || (ca >= 0 && ca == emo_class_from_name(b));
}

int cli_warn_left_out(const emo_dataset *ds, const char *contempt,
                      const char *hint)
{
    const char *name;
    int k = 0, n;
    for (; (n = emo_dataset_left_out_folder(ds, k, &name)) >= 0; k++)
        fprintf(stderr, "%s: warning: folder '%s' (%d image%s) is not a "
                "class here: left out\n", prog, name, n, n == 1 ? "" : "s");
    /* an emotion outside the class set: contempt with 7 classes */
    n = emo_dataset_left_out(ds, EMO_LEFT_OUT_EXCLUDED_CLASS);
    if (n > 0) {
        fprintf(stderr, "%s: warning: %d image%s of contempt left out (%s)\n",
                prog, n, n == 1 ? "" : "s", contempt);
        k++;
    }
    if (k && hint)
        fprintf(stderr, "  %s\n", hint);
    return k;
}

void cli_print_counts(FILE *fp, const emo_dataset *ds)
{
    static const char *const split_names[] = {"train", "val", "test"};
    int nc = emo_dataset_num_classes(ds);
    fprintf(fp, "%-6s", "split");
    for (int c = 0; c < nc; c++)
        fprintf(fp, " %8.8s", emo_dataset_class_name(ds, c));
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

int cli_columns(FILE *fp)
{
    struct winsize ws;
    if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *env = getenv("COLUMNS");
    int cols;
    if (env && cli_parse_int(env, 1, 10000, &cols))
        return cols;
    return 80;
}

void cli_progress(FILE *fp, double fraction, const char *text)
{
    cli_field f = {text, 0};
    cli_progress_fields(fp, fraction, &f, 1);
}

#define CLI_MAX_FIELDS 16
#define CLI_BAR_MAX 28
#define CLI_BAR_MIN 8

static int fields_width(const cli_field *f, const int *keep, int n)
{
    int w = 0;
    for (int k = 0; k < n; k++)
        if (keep[k])
            w += (w ? 2 : 0) + (int)strlen(f[k].text);
    return w;
}

/* Drops the kept field of the highest prio (the least important) above
 * `floor`; 0 when there is none. */
static int drop_one(const cli_field *f, int *keep, int n, int floor)
{
    int worst = -1;
    for (int k = 0; k < n; k++)
        if (keep[k] && f[k].prio > floor &&
            (worst < 0 || f[k].prio >= f[worst].prio))
            worst = k;
    if (worst < 0)
        return 0;
    keep[worst] = 0;
    return 1;
}

void cli_progress_fields(FILE *fp, double fraction, const cli_field *f,
                         int n)
{
    if (!cli_is_tty(fp))
        return;
    if (n > CLI_MAX_FIELDS)
        n = CLI_MAX_FIELDS;
    fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
    /* one column spare: writing the last one wraps on some terminals */
    int room = cli_columns(fp) - 1, keep[CLI_MAX_FIELDS];
    for (int k = 0; k < n; k++)
        keep[k] = 1;
    enum { PCT = 6 }; /* "100%  " before the fields */
    /* fields beyond the three most important go before the bar does */
    while (PCT + CLI_BAR_MIN + 3 + fields_width(f, keep, n) > room &&
           drop_one(f, keep, n, 2))
        ;
    int bar = room - PCT - 3 - fields_width(f, keep, n);
    if (bar > CLI_BAR_MAX)
        bar = CLI_BAR_MAX;
    if (bar < CLI_BAR_MIN) {
        bar = 0;
        while (PCT + fields_width(f, keep, n) > room &&
               drop_one(f, keep, n, -1))
            ;
    }
    char line[512];
    int len = 0;
    if (bar) {
        int fill = (int)(fraction * bar + 0.5);
        line[len++] = '[';
        for (int i = 0; i < bar; i++)
            line[len++] = i < fill ? '#' : '.';
        line[len++] = ']';
        line[len++] = ' ';
    }
    len += snprintf(line + len, sizeof line - (size_t)len, "%3.0f%%",
                    fraction * 100);
    for (int k = 0; k < n && len < (int)sizeof line - 1; k++)
        if (keep[k])
            len += snprintf(line + len, sizeof line - (size_t)len, "%s%s",
                            len ? "  " : "", f[k].text);
    if (len > (int)sizeof line - 1)
        len = (int)sizeof line - 1;
    if (room > 0 && len > room)
        len = room;
    fprintf(fp, "\r%.*s\033[K", len, line);
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
