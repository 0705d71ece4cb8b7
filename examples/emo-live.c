/*
 * emo-live - faces and emotions in a video stream, one JSON line per frame.
 *
 *   ffmpeg -i clip.mp4 -f yuv4mpegpipe - | emo-live --input -
 *   emo-live --device /dev/video0 --annotate-y4m | ffplay -
 *
 * Frames come from a V4L2 camera (YUYV or MJPEG), a Y4M stream or bare
 * gray8 frames (--raw WxH).  The predictor runs in video mode: faces are
 * searched near their last place, the whole frame every --rescan frames
 * and whenever the face is lost.
 * Statistics (frames/s, frames with a face) go to standard error.
 */
#include <emo.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/annotate.h"
#include "common/cli.h"
#include "common/frames.h"
#include "common/json.h"
#include "common/ensemble.h"
#include "common/model_path.h"

#define MAX_FACES 16
#define MAX_SMOOTH 64
#define REPORT_EVERY_S 5.0

typedef struct options {
    const char *device, *input, *cascade, *json_path;
    int raw_w, raw_h, cam_w, cam_h;
    int views, track, rescan, all_faces, smooth, max_frames;
    int annotate, json, quiet;
    ensemble models; /* --model, repeatable */
    cli_framing framing; /* --crop-margin/--crop-shift-y overrides */
} options;

/* Label history of one face rank, for --smooth. */
typedef struct history {
    int labels[MAX_SMOOTH];
    int n, next;
} history;

static const cli_option live_options[] = {
    {"--device", "DEV", "V4L2 camera (default /dev/video0 without --input)"},
    {"--size", "WxH", "camera capture size (640x480)"},
    {"--input", "FILE", "Y4M stream, '-' for standard input"},
    {"--raw", "WxH", "the input is bare gray8 frames of this size"},
    {"--model", "MODEL", "model file (default: installed); repeat: ensemble"},
    {"--cascade", "FILE", "OpenCV face cascade XML (the built-in one)"},
    {"--views", "N", "augmentation views 1..8 voted over (4)"},
    CLI_FRAMING_OVERRIDES,
    {"--no-track", NULL, "full-frame detection on every frame"},
    {"--rescan", "N", "full-frame detection every N frames (30)"},
    {"--all-faces", NULL, "every face, not only the largest"},
    {"--smooth", "K", "label = majority over the last K frames (1..64)"},
    {"--max-frames", "N", "stop after N frames"},
    {"--max-pixels", "N", "refuse frames of more pixels (64000000)"},
    {"--annotate-y4m", NULL, "annotated video as Y4M to stdout (JSON: stderr)"},
    {"--json", "FILE", "JSON lines to FILE ('-': stdout)"},
    {"--no-json", NULL, "no JSON output"},
    {"--quiet", NULL, "no periodic frame rate on stderr"},
};

static const char live_synopsis[] = "[options]";
static const char live_about[] =
    "Faces and emotions in a video stream, one JSON line per frame:\n"
    "  ffmpeg -i clip.mp4 -f yuv4mpegpipe - | emo-live --input -\n"
    "  emo-live --device /dev/video0 --annotate-y4m | ffplay -";

static int parse_size(const char *s, int *w, int *h)
{
    char tail;
    return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w > 0 && *h > 0;
}

/* Exits 2 with a line naming the problem on a usage error. */
static void parse_args(int argc, char **argv, options *o)
{
    /* rescan 0: the library's EMO_OPT_PREDICT_RESCAN default, 30 frames
     * (1 s at 30 fps), so that emo-live and a program on the library
     * behave alike: a lost face is searched for at once anyway, so this
     * only bounds how late a new face is noticed, and each full scan
     * costs as much as ~30 tracked frames. */
    *o = (options){.views = 4, .track = 1, .json = 1,
                   .cam_w = 640, .cam_h = 480};
    cli_framing_init(&o->framing);
    cli_parser p;
    cli_parser_init(&p, argc, argv, live_options,
                    (int)(sizeof live_options / sizeof *live_options),
                    live_synopsis, live_about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a)
            cli_usage_error("unexpected argument '%s' (a stream is given "
                            "with --input)", v);
        else if (cli_framing_option(a, v, &o->framing))
            continue;
        else if (!strcmp(a, "--no-track"))
            o->track = 0;
        else if (!strcmp(a, "--all-faces"))
            o->all_faces = 1;
        else if (!strcmp(a, "--annotate-y4m"))
            o->annotate = 1;
        else if (!strcmp(a, "--no-json"))
            o->json = 0;
        else if (!strcmp(a, "--quiet"))
            o->quiet = 1;
        else if (!strcmp(a, "--device"))
            o->device = v;
        else if (!strcmp(a, "--input"))
            o->input = v;
        else if (!strcmp(a, "--model")) {
            if (!ensemble_add_path(&o->models, v))
                cli_usage_error("at most %d --model", EMO_MAX_NETWORKS);
        } else if (!strcmp(a, "--cascade"))
            o->cascade = v;
        else if (!strcmp(a, "--json"))
            o->json_path = v;
        else if (!strcmp(a, "--raw")) {
            if (!parse_size(v, &o->raw_w, &o->raw_h))
                cli_usage_error("--raw: '%s' is not WxH", v);
        } else if (!strcmp(a, "--size")) {
            if (!parse_size(v, &o->cam_w, &o->cam_h))
                cli_usage_error("--size: '%s' is not WxH", v);
        } else if (!strcmp(a, "--views"))
            o->views = cli_int(a, v, 1, 8);
        else if (!strcmp(a, "--rescan"))
            o->rescan = cli_int(a, v, 1, 100000);
        else if (!strcmp(a, "--smooth"))
            o->smooth = cli_int(a, v, 1, MAX_SMOOTH);
        else if (!strcmp(a, "--max-frames"))
            o->max_frames = cli_int(a, v, 1, 2000000000);
        else if (!strcmp(a, "--max-pixels"))
            cli_max_pixels(a, v);
    }
    if (o->device && o->input)
        cli_usage_error("give --device or --input, not both");
    if (o->raw_w && !o->input)
        cli_usage_error("--raw needs --input");
    /* Binary video on a terminal is garbage and can upset it. */
    if (o->annotate && isatty(STDOUT_FILENO))
        cli_usage_error("--annotate-y4m writes video to standard output, "
                        "which is a terminal: pipe it (| ffplay -) or "
                        "redirect it (> out.y4m)");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- the predictor -------------------------------------------------------- */

static int die_emo(const char *what, int rc)
{
    fprintf(stderr, "emo-live: %s: %s (%s)\n", what, emo_last_error(),
            emo_strerror(rc));
    return 1;
}

/* Loads the model and makes a predictor in video mode.  1 on error. */
static int setup(options *o, emo_network **net, emo_predictor **pred)
{
    const char *model = o->models.n ? ensemble_first(&o->models)
                                    : default_model_path();
    if (!model) {
        fprintf(stderr, "emo-live: %s (or give --model M)\n",
                emo_last_error());
        return 1;
    }
    cli_check(emo_network_load(model, net), model); /* names it once */
    int rc;
    rc = emo_predictor_create(*net, pred);
    if (rc)
        return die_emo("the model does not fit", rc);
    const char *failed = NULL;
    rc = ensemble_attach(&o->models, *pred, &failed);
    if (rc)
        return die_emo(failed, rc);
    emo_preprocessor *pp = emo_predictor_preprocessor(*pred);
    if (!rc)
        rc = emo_predictor_set_int(*pred, EMO_OPT_PREDICT_VIEWS,
                                   (1 << o->views) - 1);
    if (!rc)
        rc = emo_predictor_set_int(*pred, EMO_OPT_PREDICT_TRACK, o->track);
    if (!rc && o->rescan)
        rc = emo_predictor_set_int(*pred, EMO_OPT_PREDICT_RESCAN, o->rescan);
    if (!rc && o->all_faces)
        rc = emo_preprocessor_set_int(pp, EMO_OPT_FACE_CHOICE, EMO_FACE_ALL);
    if (rc)
        return die_emo("options", rc);
    cli_apply_framing(pp, &o->framing);
    /* Load the cascade now, so that a bad one fails before any frame. */
    rc = emo_preprocessor_load_cascade(pp, o->cascade);
    if (rc)
        return die_emo(o->cascade ? o->cascade : "default cascade", rc);
    return 0;
}

static int open_source(const options *o, frame_source **src, FILE **in)
{
    char err[512];
    int rc;
    if (o->input) {
        FILE *fp = stdin;
        if (strcmp(o->input, "-") && !(fp = fopen(o->input, "rb"))) {
            fprintf(stderr, "emo-live: %s: %s\n", o->input, strerror(errno));
            return 1;
        }
        rc = frames_open_stream(src, fp, strcmp(o->input, "-") ? o->input
                                                               : "stdin",
                                o->raw_w, o->raw_h, err, sizeof err);
        if (fp != stdin) {
            if (rc)
                fclose(fp);
            else
                *in = fp;
        }
    } else {
        rc = frames_open_camera(src, o->device ? o->device : "/dev/video0",
                                o->cam_w, o->cam_h, err, sizeof err);
    }
    if (rc)
        fprintf(stderr, "emo-live: %s\n", err);
    return rc ? 1 : 0;
}

/* ---- output --------------------------------------------------------------- */

/* Majority label of a face rank over the last K frames; a tie goes to the
 * most recent of the tied labels. */
static int smooth_label(history *h, int label, int k)
{
    h->labels[h->next] = label;
    h->next = (h->next + 1) % k;
    if (h->n < k)
        h->n++;
    int counts[EMO_MAX_CLASSES] = {0}, best = label;
    for (int i = 0; i < h->n; i++)
        counts[h->labels[i]]++;
    for (int age = 0; age < h->n; age++) {
        int l = h->labels[(h->next - 1 - age + 2 * k) % k];
        if (counts[l] > counts[best])
            best = l;
    }
    return best;
}

static const char *class_name(const emo_network *net, int i)
{
    const char *s = emo_network_class_name(net, i);
    return s ? s : "?";
}

static void print_json(FILE *fp, const emo_network *net, long frame,
                       const emo_prediction *p, int n, const int *smoothed)
{
    fprintf(fp, "{\"frame\": %ld, \"faces\": [", frame);
    for (int i = 0; i < n; i++) {
        fprintf(fp, "%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, "
                "\"label\": ", i ? ", " : "", p[i].box.x, p[i].box.y,
                p[i].box.w, p[i].box.h);
        json_string(fp, class_name(net, smoothed[i]));
        if (smoothed[i] != p[i].label) {
            fputs(", \"frame_label\": ", fp);
            json_string(fp, class_name(net, p[i].label));
        }
        fputs(", \"scores\": {", fp);
        for (int c = 0; c < p[i].num_classes; c++) {
            fputs(c ? ", " : "", fp);
            json_string(fp, class_name(net, c));
            fprintf(fp, ": %.4f", (double)p[i].scores[c]);
        }
        fputs("}}", fp);
    }
    fputs("]}\n", fp);
}

/* ---- main loop ------------------------------------------------------------- */

typedef struct stats {
    long frames, with_face;
    double start, predict_s, last_report;
} stats;

static void report(const stats *s, const char *prefix)
{
    double t = now_s() - s->start;
    fprintf(stderr,
            "emo-live: %sframes=%ld faces=%ld face_rate=%.3f seconds=%.2f "
            "fps=%.1f predict_ms=%.2f\n",
            prefix, s->frames, s->with_face,
            s->frames ? (double)s->with_face / s->frames : 0.0, t,
            t > 0 ? s->frames / t : 0.0,
            s->frames ? 1000.0 * s->predict_s / s->frames : 0.0);
}

typedef struct session {
    const options *o;
    emo_network *net;
    emo_predictor *pred;
    frame_source *src;
    FILE *in;              /* --input file (not stdin) */
    FILE *json;
    uint8_t *canvas;       /* RGB frame for --annotate-y4m */
    size_t canvas_cap;
    y4m_writer out;
    history hist[MAX_FACES];
    stats st;
} session;

/* Annotated copy of the frame to stdout as Y4M.  1 on a write error. */
static int write_annotated(session *s, const uint8_t *gray, int w, int h,
                           int stride, const emo_prediction *p, int n)
{
    size_t need = (size_t)w * h * 3;
    if (need > s->canvas_cap) {
        free(s->canvas);
        s->canvas = malloc(need);
        s->canvas_cap = s->canvas ? need : 0;
        if (!s->canvas) {
            fputs("emo-live: out of memory\n", stderr);
            return 1;
        }
    }
    /* In the stream's colour when it has some (a Y4M with chroma). */
    if (!frames_color(s->src, s->canvas))
        annotate_gray_to_rgb(gray, w, h, stride, s->canvas);
    annotate_predictions(s->canvas, w, h, p, n, s->net);
    if (frames_write_y4m(stdout, &s->out, s->canvas, w, h,
                         frames_rate(s->src))) {
        fprintf(stderr, "emo-live: writing the video: %s\n",
                strerror(errno));
        return 1;
    }
    return 0;
}

/* One frame: predict, print, annotate.  1 on error. */
static int process(session *s, const uint8_t *gray, int w, int h,
                   int stride)
{
    emo_prediction p[MAX_FACES];
    int n = 0, smoothed[MAX_FACES];
    double t0 = now_s();
    int rc = emo_predictor_predict_frame(s->pred, gray, w, h, stride, p,
                                         MAX_FACES, &n);
    s->st.predict_s += now_s() - t0;
    if (rc)
        return die_emo("predict", rc);
    if (n > MAX_FACES)
        n = MAX_FACES;
    for (int i = 0; i < n; i++)
        smoothed[i] = s->o->smooth
                          ? smooth_label(&s->hist[i], p[i].label,
                                         s->o->smooth)
                          : p[i].label;
    if (s->json)
        print_json(s->json, s->net, s->st.frames, p, n, smoothed);
    s->st.frames++;
    s->st.with_face += n > 0;
    if (s->o->annotate)
        return write_annotated(s, gray, w, h, stride, p, n);
    return 0;
}

static int run(session *s)
{
    char err[512];
    const uint8_t *gray;
    int w, h, stride, r;
    s->st.start = s->st.last_report = now_s();
    while ((!s->o->max_frames || s->st.frames < s->o->max_frames) &&
           (r = frames_next(s->src, &gray, &w, &h, &stride, err,
                            sizeof err)) == 1) {
        if (process(s, gray, w, h, stride))
            return 1;
        if (!s->o->quiet && now_s() - s->st.last_report > REPORT_EVERY_S) {
            report(&s->st, "progress ");
            s->st.last_report = now_s();
        }
    }
    if (s->o->max_frames && s->st.frames >= s->o->max_frames)
        r = 0;
    report(&s->st, "");
    if (r < 0) {
        fprintf(stderr, "emo-live: %s\n", err);
        return 1;
    }
    return 0;
}

static FILE *open_json(const options *o)
{
    if (!o->json)
        return NULL;
    if (o->json_path && strcmp(o->json_path, "-")) {
        FILE *fp = fopen(o->json_path, "w");
        if (!fp)
            fprintf(stderr, "emo-live: %s: %s\n", o->json_path,
                    strerror(errno));
        return fp;
    }
    return o->annotate && !o->json_path ? stderr : stdout;
}

int main(int argc, char **argv)
{
    options o;
    cli_init(argv[0]);
    parse_args(argc, argv, &o);
    session s = {.o = &o};
    int status = setup(&o, &s.net, &s.pred);
    if (!status)
        status = open_source(&o, &s.src, &s.in);
    if (!status) {
        s.json = open_json(&o);
        if (o.json && !s.json)
            status = 1;
    }
    if (!status)
        status = run(&s);
    if (s.json && s.json != stdout && s.json != stderr &&
        fclose(s.json) != 0)
        status = 1;
    if (fflush(stdout) != 0)
        status = 1;
    frames_close(s.src);
    if (s.in)
        fclose(s.in);
    frames_writer_free(&s.out);
    emo_predictor_destroy(s.pred);
    emo_network_destroy(s.net);
    ensemble_free(&o.models);
    free(s.canvas);
    return status;
}
