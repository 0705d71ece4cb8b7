/*
 * emo-detect - find faces and their emotions in image files.
 *
 *   emo-detect [--model M [--model M2...]] [--views 4] [--annotate OUT]
 *              [detection options] [--crop-margin X] [--crop-shift-y Y]
 *              FILE...
 *   emo-detect --detect-only [--annotate OUT] [--cascade F] [--scale 1.1]
 *              [--min-neighbors 5] [--min-size 30] [--max-size 0]
 *              [--threads 1] [--choice largest|central|all]
 *              [--max-pixels N] [--detect-max-pixels N] FILE...
 *
 * prints one JSON object per line per file:
 *   {"file": "a.jpg", "width": 640, "height": 480,
 *    "faces": [{"x": 10, "y": 20, "w": 90, "h": 90, "label": "happy",
 *               "scores": {"neutral": 0.01, ...}}, ...]}
 * (label and scores only with a model).  --annotate OUT writes the image
 * with boxes, labels and scores drawn: OUT is the image file (PNG, or JPEG
 * by its extension) for one input, or an existing directory that gets
 * <name>.png per input.
 * An unreadable file prints {"file": ..., "error": "..."}; the exit status
 * is then 1 once every file has been tried.
 *
 * Uses only the public header (and the example helpers in common/).  The
 * program is split into option parsing, one function per mode and the
 * JSON writer.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "emo.h"
#include "common/annotate.h"
#include "common/cli.h"
#include "common/ensemble.h"
#include "common/json.h"
#include "common/model_path.h"

#define MAX_FACES 4096

typedef struct options {
    int detect_only;
    const char *cascade;
    double scale;
    int min_neighbors, min_size, max_size, threads, choice;
    int detect_max_pixels; /* cascade's working size, -1 = the library's */
    cli_framing framing;   /* --crop-margin/--crop-shift-y overrides */
    ensemble models;      /* --model, repeatable; default emo_default_model_path() */
    int views;            /* augmentation views 1..8 */
    const char *annotate; /* annotated image file or directory */
    char **files;
    int nfiles;
} options;

static const char *prog = "emo-detect";

static const cli_option detect_options[] = {
    {"--model", "MODEL", "model file (default: installed); repeat: ensemble"},
    {"--views", "N", "augmentation views 1..8 voted over (4)"},
    {"--detect-only", NULL, "faces only, no emotions (no model needed)"},
    {"--annotate", "OUT", "annotated image: a file (one input) or a folder"},
    {"--cascade", "FILE", "OpenCV face cascade XML (the built-in one)"},
    {"--scale", "X", "detection pyramid step, 1.01..4 (1.1)"},
    {"--min-neighbors", "N", "hits a face needs to be kept (5)"},
    {"--min-size", "N", "smallest face side in pixels (30)"},
    {"--max-size", "N", "largest face side in pixels (0: any)"},
    {"--threads", "N", "detection threads (1)"},
    {"--choice", "WHICH", "faces reported: largest, central or all (all)"},
    {"--max-pixels", "N", "refuse larger images before decoding (64000000)"},
    {"--detect-max-pixels", "N", "scan larger frames as if downscaled to N px (8388608)"},
    CLI_FRAMING_OVERRIDES,
};

static const char detect_synopsis[] = "[options] FILE...";
static const char detect_about[] =
    "Prints one JSON object per line per file: the faces found and, with a"
    " model,\ntheir emotions.";

static void parse_args(int argc, char **argv, options *o)
{
    cli_init(prog);
    memset(o, 0, sizeof *o);
    o->scale = 1.1;
    o->min_neighbors = 5;
    o->min_size = 30;
    o->threads = 1;
    o->choice = EMO_FACE_ALL;
    o->views = 4;
    o->detect_max_pixels = -1;
    cli_framing_init(&o->framing);
    o->files = malloc(sizeof *o->files * (size_t)(argc > 0 ? argc : 1));
    if (!o->files) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    cli_parser p;
    cli_parser_init(&p, argc, argv, detect_options,
                    (int)(sizeof detect_options / sizeof *detect_options),
                    detect_synopsis, detect_about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a) {
            o->files[o->nfiles++] = (char *)v;
        } else if (cli_framing_option(a, v, &o->framing)) {
            continue;
        } else if (!strcmp(a, "--detect-only")) {
            o->detect_only = 1;
        } else if (!strcmp(a, "--cascade")) {
            o->cascade = v;
        } else if (!strcmp(a, "--model")) {
            if (!ensemble_add_path(&o->models, v))
                cli_usage_error("at most %d --model", EMO_MAX_NETWORKS);
        } else if (!strcmp(a, "--views")) {
            o->views = cli_int(a, v, 1, 8);
        } else if (!strcmp(a, "--annotate")) {
            o->annotate = v;
        } else if (!strcmp(a, "--scale")) {
            o->scale = cli_double(a, v, 1.01, 4.0);
        } else if (!strcmp(a, "--min-neighbors")) {
            o->min_neighbors = cli_int(a, v, 0, 100);
        } else if (!strcmp(a, "--min-size")) {
            o->min_size = cli_int(a, v, 1, 100000);
        } else if (!strcmp(a, "--max-size")) {
            o->max_size = cli_int(a, v, 0, 100000);
        } else if (!strcmp(a, "--max-pixels")) {
            cli_max_pixels(a, v);
        } else if (!strcmp(a, "--detect-max-pixels")) {
            o->detect_max_pixels = cli_int(a, v, 0, INT_MAX);
        } else if (!strcmp(a, "--threads")) {
            o->threads = cli_int(a, v, 1, 64);
        } else if (!strcmp(a, "--choice")) {
            static const char *const choices[] = {"largest", "central",
                                                  "all"};
            static const int value[] = {EMO_FACE_LARGEST, EMO_FACE_CENTRAL,
                                        EMO_FACE_ALL};
            o->choice = value[cli_choice(a, v, choices, 3)];
        }
    }
    if (o->nfiles == 0)
        cli_usage_error("no image files given");
    struct stat st;
    if (o->annotate && o->nfiles > 1 &&
        (stat(o->annotate, &st) != 0 || !S_ISDIR(st.st_mode)))
        cli_usage_error("--annotate %s: with several files, give an "
                        "existing directory", o->annotate);
}

static void print_error(const char *file, int rc)
{
    const char *detail = emo_last_error();
    printf("{\"file\": ");
    json_string(stdout, file);
    printf(", \"error\": ");
    char msg[600];
    snprintf(msg, sizeof msg, "%s%s%s", emo_strerror(rc), *detail ? ": " : "",
             detail);
    json_string(stdout, msg);
    printf("}\n");
}

static void print_faces(const char *file, int w, int h, const emo_box *b,
                        int n)
{
    printf("{\"file\": ");
    json_string(stdout, file);
    printf(", \"width\": %d, \"height\": %d, \"faces\": [", w, h);
    for (int i = 0; i < n; i++)
        printf("%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d}",
               i ? ", " : "", (int)b[i].x, (int)b[i].y, (int)b[i].w,
               (int)b[i].h);
    printf("]}\n");
}

/* Applies the detection options to pp; exits on error. */
static void configure(emo_preprocessor *pp, const options *o)
{
    int rc = emo_preprocessor_load_cascade(pp, o->cascade);
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
    if (!rc && o->detect_max_pixels >= 0)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_DETECT_MAX_PIXELS,
                                      o->detect_max_pixels);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, emo_strerror(rc),
                emo_last_error());
        exit(1);
    }
}

static emo_preprocessor *make_preprocessor(const options *o)
{
    emo_preprocessor *pp;
    int rc = emo_preprocessor_create(&pp);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, emo_strerror(rc),
                emo_last_error());
        exit(1);
    }
    configure(pp, o);
    return pp;
}

/* Where the annotated image of `file` goes: OUT itself, or
 * OUT/<name>.png when OUT is a directory. */
static void annotate_path(const options *o, const char *file, char *buf,
                          size_t cap)
{
    struct stat st;
    if (stat(o->annotate, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(buf, cap, "%s", o->annotate);
        return;
    }
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(buf, cap, "%s/%.*s.png", o->annotate, len, base);
}

/* Writes the frame with boxes (and labels when p is not NULL) drawn. */
static int write_annotated(const options *o, const char *file,
                           const uint8_t *px, int w, int h,
                           const emo_box *b, const emo_prediction *p, int n,
                           const emo_network *net)
{
    char path[4096];
    /* Draw on the colour image when the file has one. */
    uint8_t *color = NULL, *rgb;
    int cw, ch;
    if (!emo_image_load(file, 3, &color, &cw, &ch) && (cw != w || ch != h)) {
        emo_free(color);
        color = NULL;
    }
    rgb = color ? color : malloc((size_t)w * h * 3);
    if (!rgb) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EMO_ERR_NOMEM;
    }
    if (!color)
        annotate_gray_to_rgb(px, w, h, w, rgb);
    if (p)
        annotate_predictions(rgb, w, h, p, n, net);
    else
        annotate_boxes(rgb, w, h, b, n);
    annotate_path(o, file, path, sizeof path);
    const char *ext = strrchr(path, '.');
    int jpeg = ext && (!strcmp(ext, ".jpg") || !strcmp(ext, ".jpeg") ||
                       !strcmp(ext, ".JPG"));
    int rc = jpeg ? emo_image_save_jpeg(path, rgb, w, h, w * 3, 3, 90)
                  : emo_image_save_png(path, rgb, w, h, w * 3, 3);
    if (color)
        emo_free(color);
    else
        free(rgb);
    if (rc)
        fprintf(stderr, "%s: %s: %s\n", prog, path, emo_last_error());
    return rc;
}

static void print_predictions(const char *file, int w, int h,
                              const emo_prediction *p, int n,
                              const emo_network *net)
{
    printf("{\"file\": ");
    json_string(stdout, file);
    printf(", \"width\": %d, \"height\": %d, \"faces\": [", w, h);
    for (int i = 0; i < n; i++) {
        const char *label = emo_network_class_name(net, p[i].label);
        printf("%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, "
               "\"label\": ", i ? ", " : "", (int)p[i].box.x,
               (int)p[i].box.y, (int)p[i].box.w, (int)p[i].box.h);
        json_string(stdout, label ? label : "?");
        printf(", \"scores\": {");
        for (int c = 0; c < p[i].num_classes; c++) {
            const char *name = emo_network_class_name(net, c);
            printf("%s", c ? ", " : "");
            json_string(stdout, name ? name : "?");
            printf(": %.4f", (double)p[i].scores[c]);
        }
        printf("}}");
    }
    printf("]}\n");
}

/* Loads the model and makes a predictor with the command line's options;
 * exits on error. */
static emo_predictor *make_predictor(options *o, emo_network **net)
{
    const char *model = o->models.n ? ensemble_first(&o->models)
                                    : default_model_path();
    if (!model) {
        fprintf(stderr, "%s: %s (or give --model M, or use "
                "--detect-only)\n", prog, emo_last_error());
        exit(1);
    }
    emo_predictor *pred = NULL;
    int rc = emo_network_load(model, net);
    if (!rc)
        rc = emo_predictor_create(*net, &pred);
    const char *failed = model;
    if (!rc)
        rc = ensemble_attach(&o->models, pred, &failed);
    if (!rc)
        rc = emo_predictor_set_int(pred, EMO_OPT_PREDICT_VIEWS,
                                   (1 << o->views) - 1);
    cli_check(rc, failed); /* names the file once */
    configure(emo_predictor_preprocessor(pred), o);
    cli_apply_framing(emo_predictor_preprocessor(pred), &o->framing);
    return pred;
}

/* What one run needs: a bare preprocessor (--detect-only) or a predictor
 * on a loaded network, and the output buffer of the mode. */
typedef struct runner {
    emo_preprocessor *pp;
    emo_network *net;
    emo_predictor *pred;
    emo_box *boxes;
    emo_prediction *preds;
} runner;

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    return p;
}

/* Finds the faces of one frame (and their emotions unless detect-only). */
static int analyse(runner *r, const uint8_t *px, int w, int h, int *n)
{
    if (r->pred)
        return emo_predictor_predict_frame(r->pred, px, w, h, w, r->preds,
                                           MAX_FACES, n);
    return emo_preprocessor_detect(r->pp, px, w, h, w, r->boxes, MAX_FACES,
                                   n);
}

/* One JSON line per file, faces (and emotions) or an error; the annotated
 * image when asked.  Returns the number of files that failed. */
static int run(options *o)
{
    runner r = {0};
    if (o->detect_only) {
        r.pp = make_preprocessor(o);
        r.boxes = xmalloc(sizeof *r.boxes * MAX_FACES);
    } else {
        r.pred = make_predictor(o, &r.net);
        r.preds = xmalloc(sizeof *r.preds * MAX_FACES);
    }
    int failed = 0;
    for (int i = 0; i < o->nfiles; i++) {
        const char *file = o->files[i];
        uint8_t *px;
        int w, h, n = 0;
        int rc = emo_image_load(file, 1, &px, &w, &h);
        if (!rc) {
            rc = analyse(&r, px, w, h, &n);
            if (rc)
                emo_free(px);
        }
        if (rc) {
            print_error(file, rc);
            failed++;
            continue;
        }
        n = n < MAX_FACES ? n : MAX_FACES;
        if (o->annotate && write_annotated(o, file, px, w, h, r.boxes,
                                           r.preds, n, r.net))
            failed++;
        emo_free(px);
        if (r.pred)
            print_predictions(file, w, h, r.preds, n, r.net);
        else
            print_faces(file, w, h, r.boxes, n);
        fflush(stdout);
    }
    free(r.boxes);
    free(r.preds);
    emo_preprocessor_destroy(r.pp);
    emo_predictor_destroy(r.pred);
    emo_network_destroy(r.net);
    ensemble_free(&o->models);
    return failed;
}

int main(int argc, char **argv)
{
    options o;
    cli_init(argv[0]);
    parse_args(argc, argv, &o);
    int failed = run(&o);
    free(o.files);
    return failed ? 1 : 0;
}
