/*
 * detect.c - emo-detect's work (detect.h): option parsing, the detector
 * or predictor it configures, the annotated image and the JSON line of
 * each file, for emo-detect and emo-detect-mpi alike.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "emo.h"
#include "annotate.h"
#include "cli.h"
#include "detect.h"
#include "json.h"
#include "model_path.h"

#define MAX_FACES 4096

static const cli_option detect_table[] = {
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

void detect_parse(int argc, char **argv, const char *about,
                  detect_options *o)
{
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
        fprintf(stderr, "%s: out of memory\n", cli_prog());
        cli_exit(1);
    }
    cli_parser p;
    cli_parser_init(&p, argc, argv, detect_table,
                    (int)(sizeof detect_table / sizeof *detect_table),
                    detect_synopsis, about);
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

static void print_error(FILE *out, const char *file, int rc)
{
    const char *detail = emo_last_error();
    fprintf(out, "{\"file\": ");
    json_string(out, file);
    fprintf(out, ", \"error\": ");
    char msg[600];
    snprintf(msg, sizeof msg, "%s%s%s", emo_strerror(rc), *detail ? ": " : "",
             detail);
    json_string(out, msg);
    fprintf(out, "}\n");
}

static void print_faces(FILE *out, const char *file, int w, int h,
                        const emo_box *b, int n)
{
    fprintf(out, "{\"file\": ");
    json_string(out, file);
    fprintf(out, ", \"width\": %d, \"height\": %d, \"faces\": [", w, h);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d}",
               i ? ", " : "", (int)b[i].x, (int)b[i].y, (int)b[i].w,
               (int)b[i].h);
    fprintf(out, "]}\n");
}

/* Applies the detection options to pp; exits on error. */
static void configure(emo_preprocessor *pp, const detect_options *o)
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
        fprintf(stderr, "%s: %s: %s\n", cli_prog(), emo_strerror(rc),
                emo_last_error());
        cli_exit(1);
    }
}

static emo_preprocessor *make_preprocessor(const detect_options *o)
{
    emo_preprocessor *pp;
    int rc = emo_preprocessor_create(&pp);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", cli_prog(), emo_strerror(rc),
                emo_last_error());
        cli_exit(1);
    }
    configure(pp, o);
    return pp;
}

/* Where the annotated image of `file` goes: OUT itself, or
 * OUT/<name>.png when OUT is a directory. */
static void annotate_path(const detect_options *o, const char *file, char *buf,
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
static int write_annotated(const detect_options *o, const char *file,
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
        fprintf(stderr, "%s: out of memory\n", cli_prog());
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
        fprintf(stderr, "%s: %s: %s\n", cli_prog(), path, emo_last_error());
    return rc;
}

static void print_predictions(FILE *out, const char *file, int w, int h,
                              const emo_prediction *p, int n,
                              const emo_network *net)
{
    fprintf(out, "{\"file\": ");
    json_string(out, file);
    fprintf(out, ", \"width\": %d, \"height\": %d, \"faces\": [", w, h);
    for (int i = 0; i < n; i++) {
        const char *label = emo_network_class_name(net, p[i].label);
        fprintf(out, "%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, "
               "\"label\": ", i ? ", " : "", (int)p[i].box.x,
               (int)p[i].box.y, (int)p[i].box.w, (int)p[i].box.h);
        json_string(out, label ? label : "?");
        fprintf(out, ", \"scores\": {");
        for (int c = 0; c < p[i].num_classes; c++) {
            const char *name = emo_network_class_name(net, c);
            fprintf(out, "%s", c ? ", " : "");
            json_string(out, name ? name : "?");
            fprintf(out, ": %.4f", (double)p[i].scores[c]);
        }
        fprintf(out, "}}");
    }
    fprintf(out, "]}\n");
}

/* Loads the model and makes a predictor with the command line's options;
 * exits on error. */
static emo_predictor *make_predictor(detect_options *o, emo_network **net)
{
    const char *model = o->models.n ? ensemble_first(&o->models)
                                    : default_model_path();
    if (!model) {
        fprintf(stderr, "%s: %s (or give --model M, or use "
                "--detect-only)\n", cli_prog(), emo_last_error());
        cli_exit(1);
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

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", cli_prog());
        cli_exit(1);
    }
    return p;
}

/* Finds the faces of one frame (and their emotions unless detect-only). */
static int analyse(detect_runner *r, const uint8_t *px, int w, int h, int *n)
{
    if (r->pred)
        return emo_predictor_predict_frame(r->pred, px, w, h, w, r->preds,
                                           MAX_FACES, n);
    return emo_preprocessor_detect(r->pp, px, w, h, w, r->boxes, MAX_FACES,
                                   n);
}

void detect_open(detect_runner *r, detect_options *o)
{
    memset(r, 0, sizeof *r);
    if (o->detect_only) {
        r->pp = make_preprocessor(o);
        r->boxes = xmalloc(sizeof *r->boxes * MAX_FACES);
    } else {
        r->pred = make_predictor(o, &r->net);
        r->preds = xmalloc(sizeof *r->preds * MAX_FACES);
    }
}

int detect_file(detect_runner *r, const detect_options *o, const char *file,
                FILE *out)
{
    uint8_t *px;
    int w, h, n = 0, failed = 0;
    int rc = emo_image_load(file, 1, &px, &w, &h);
    if (!rc) {
        rc = analyse(r, px, w, h, &n);
        if (rc)
            emo_free(px);
    }
    if (rc) {
        print_error(out, file, rc);
        return 1;
    }
    n = n < MAX_FACES ? n : MAX_FACES;
    if (o->annotate && write_annotated(o, file, px, w, h, r->boxes,
                                       r->preds, n, r->net))
        failed = 1;
    emo_free(px);
    if (r->pred)
        print_predictions(out, file, w, h, r->preds, n, r->net);
    else
        print_faces(out, file, w, h, r->boxes, n);
    return failed;
}

void detect_close(detect_runner *r, detect_options *o)
{
    free(r->boxes);
    free(r->preds);
    emo_preprocessor_destroy(r->pp);
    emo_predictor_destroy(r->pred);
    emo_network_destroy(r->net);
    ensemble_free(&o->models);
}
