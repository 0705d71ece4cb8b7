/*
 * emo-detect - find faces (and, later, their emotions) in image files.
 *
 *   emo-detect --detect-only [--cascade F] [--scale 1.1] [--min-neighbors 5]
 *              [--min-size 30] [--max-size 0] [--threads 1]
 *              [--choice largest|central|all] FILE...
 *
 * prints one JSON object per line per file:
 *   {"file": "a.jpg", "width": 640, "height": 480,
 *    "faces": [{"x": 10, "y": 20, "w": 90, "h": 90}, ...]}
 * An unreadable file prints {"file": ..., "error": "..."}; the exit status
 * is then 1 once every file has been tried.
 *
 * Uses only the public header.  The program is split into option parsing,
 * one function per mode and the JSON writer, so that a prediction mode
 * (--model, --views N, --annotate OUT: labels and scores per face) slots
 * in next to run_detect_only().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emo.h"

#define MAX_FACES 4096

typedef struct options {
    int detect_only;
    const char *cascade;
    double scale;
    int min_neighbors, min_size, max_size, threads, choice;
    const char *model; /* prediction mode (not implemented yet) */
    char **files;
    int nfiles;
} options;

static const char *prog = "emo-detect";

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s --detect-only [--cascade FILE] [--scale 1.1]\n"
            "       [--min-neighbors 5] [--min-size 30] [--max-size 0]\n"
            "       [--threads 1] [--choice largest|central|all] FILE...\n"
            "Prints one JSON object per line per file.\n",
            prog);
}

static void die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    usage(stderr);
    exit(2);
}

static double number(const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n", prog,
                opt, s, lo, hi);
        exit(2);
    }
    return v;
}

static int integer(const char *opt, const char *s, int lo, int hi)
{
    double v = number(opt, s, lo, hi);
    if (v != floor(v)) {
        fprintf(stderr, "%s: %s: '%s' is not an integer\n", prog, opt, s);
        exit(2);
    }
    return (int)v;
}

static void parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->scale = 1.1;
    o->min_neighbors = 5;
    o->min_size = 30;
    o->threads = 1;
    o->choice = EMO_FACE_ALL;
    o->files = malloc(sizeof *o->files * (size_t)(argc > 0 ? argc : 1));
    if (!o->files) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--detect-only")) {
            o->detect_only = 1;
        } else if (!strcmp(a, "--")) {
            while (++i < argc)
                o->files[o->nfiles++] = argv[i];
        } else if (a[0] == '-' && a[1] == '-' && !has) {
            die_usage("%s needs a value", a);
        } else if (!strcmp(a, "--cascade")) {
            o->cascade = argv[++i];
        } else if (!strcmp(a, "--model")) {
            o->model = argv[++i];
        } else if (!strcmp(a, "--scale")) {
            o->scale = number(a, argv[++i], 1.01, 4.0);
        } else if (!strcmp(a, "--min-neighbors")) {
            o->min_neighbors = integer(a, argv[++i], 0, 100);
        } else if (!strcmp(a, "--min-size")) {
            o->min_size = integer(a, argv[++i], 1, 100000);
        } else if (!strcmp(a, "--max-size")) {
            o->max_size = integer(a, argv[++i], 0, 100000);
        } else if (!strcmp(a, "--threads")) {
            o->threads = integer(a, argv[++i], 1, 64);
        } else if (!strcmp(a, "--choice")) {
            const char *c = argv[++i];
            o->choice = !strcmp(c, "largest") ? EMO_FACE_LARGEST
                        : !strcmp(c, "central") ? EMO_FACE_CENTRAL
                        : !strcmp(c, "all")     ? EMO_FACE_ALL
                                                : -1;
            if (o->choice < 0)
                die_usage("--choice: '%s' is not largest, central or all", c);
        } else if (a[0] == '-' && a[1]) {
            die_usage("unknown option %s", a);
        } else {
            o->files[o->nfiles++] = argv[i];
        }
    }
    if (o->nfiles == 0)
        die_usage("%s", "no image files given");
}

/* JSON string literal: quotes, backslashes and control characters escaped;
 * bytes that are not valid UTF-8 become U+FFFD so the line stays JSON. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
            : s[0] >= 0xe0 && s[0] <= 0xef ? 3
            : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                           : 0;
    for (int k = 1; k < n; k++) /* stops at the NUL: it is not 10xxxxxx */
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return n;
}

static void json_str(FILE *fp, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', fp);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fprintf(fp, "\\%c", *s++);
        } else if (*s < 0x20) {
            fprintf(fp, "\\u%04x", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, fp);
        } else {
            int n = utf8_len(s);
            if (n == 0) {
                fputs("\\ufffd", fp);
                s++;
            } else {
                fwrite(s, 1, (size_t)n, fp);
                s += n;
            }
        }
    }
    fputc('"', fp);
}

static void print_error(const char *file, int rc)
{
    const char *detail = emo_last_error();
    printf("{\"file\": ");
    json_str(stdout, file);
    printf(", \"error\": ");
    char msg[600];
    snprintf(msg, sizeof msg, "%s%s%s", emo_strerror(rc), *detail ? ": " : "",
             detail);
    json_str(stdout, msg);
    printf("}\n");
}

static void print_faces(const char *file, int w, int h, const emo_box *b,
                        int n)
{
    printf("{\"file\": ");
    json_str(stdout, file);
    printf(", \"width\": %d, \"height\": %d, \"faces\": [", w, h);
    for (int i = 0; i < n; i++)
        printf("%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d}",
               i ? ", " : "", (int)b[i].x, (int)b[i].y, (int)b[i].w,
               (int)b[i].h);
    printf("]}\n");
}

static emo_preprocessor *make_preprocessor(const options *o)
{
    emo_preprocessor *pp;
    int rc = emo_preprocessor_create(&pp);
    if (!rc)
        rc = emo_preprocessor_load_cascade(pp, o->cascade);
    if (!rc)
        rc = emo_preprocessor_set_float(pp, EMO_OPT_DETECT_SCALE_FACTOR,
                                        o->scale);
    if (!rc)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_NEIGHBORS,
                                      o->min_neighbors);
    if (!rc)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MIN_SIZE,
                                      o->min_size);
    if (!rc)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MAX_SIZE,
                                      o->max_size);
    if (!rc)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_THREADS, o->threads);
    if (!rc)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE, o->choice);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, emo_strerror(rc),
                emo_last_error());
        exit(1);
    }
    return pp;
}

/* --detect-only: boxes per file.  Returns the number of files that
 * failed. */
static int run_detect_only(const options *o)
{
    emo_preprocessor *pp = make_preprocessor(o);
    emo_box *boxes = malloc(sizeof *boxes * MAX_FACES);
    if (!boxes) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    int failed = 0;
    for (int i = 0; i < o->nfiles; i++) {
        uint8_t *px;
        int w, h, n;
        int rc = emo_image_load(o->files[i], 1, &px, &w, &h);
        if (!rc) {
            rc = emo_preprocessor_detect(pp, px, w, h, w, boxes, MAX_FACES,
                                         &n);
            emo_free(px);
        }
        if (rc) {
            print_error(o->files[i], rc);
            failed++;
            continue;
        }
        print_faces(o->files[i], w, h, boxes, n < MAX_FACES ? n : MAX_FACES);
        fflush(stdout);
    }
    free(boxes);
    emo_preprocessor_destroy(pp);
    return failed;
}

int main(int argc, char **argv)
{
    options o;
    parse_args(argc, argv, &o);
    if (!o.detect_only) {
        fprintf(stderr, "%s: prediction mode (--model) is not available in "
                "this build yet; use --detect-only\n", prog);
        free(o.files);
        return 2;
    }
    int failed = run_detect_only(&o);
    free(o.files);
    return failed ? 1 : 0;
}
