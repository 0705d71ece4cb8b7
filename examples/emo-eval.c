/*
 * emo-eval - accuracy of a model on a dataset: confusion matrix (rows true,
 * columns predicted), per-class precision, recall and support, accuracy.
 *
 *   emo-eval --model M [--model M2 ...]
 *            (--folder DIR | --list F [--root R] | --ckplus DIR |
 *             --jaffe DIR | --fer-csv F [--usage U] | --ferplus DIR)...
 *            [--split-from random:TR,VA,TE | subjects:K:FOLD[:noval] --seed S
 *             [--part train|val|test]]
 *            [--views N] [--vote majority|mean] [--detect]
 *            [--photometric none|histeq|clahe|standardize] [--own-classes]
 *            [--json]
 *            [--png F]
 *
 * With --split-from the dataset is split exactly as emo-train split it (same
 * spec and seed) and only its test split (or --part) is evaluated, so the
 * paper's train / val / test table takes three runs; otherwise every image
 * is.  Dataset classes are matched to the model's outputs by name.
 * --views 1 classifies the face alone; 2..8 add, in this order, the mirror,
 * the +-10 degree rotations, the mirror's rotations, and the face and its
 * mirror enlarged 1.1x (EMO_VIEW_* bit order), and vote as the predictor
 * does: by majority (the paper's rule) or by mean probability (--vote).
 * Several --model options evaluate their ensemble: each view's
 * probabilities averaged over the models, then the vote.
 * --photometric replaces the lighting normalisation the model stores
 * (EMO_OPT_PHOTOMETRIC) for the run, with a note on stderr.
 * Every image left out is counted and reported: unreadable, without a
 * face, of a class the model lacks (by class), and what the loaders left
 * out (folders naming no class, FER+ images without an emotion majority).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/ensemble.h"
#include "common/json.h"
#include "common/plot.h"
#include "emo.h"

typedef struct options {
    cli_source src[CLI_MAX_SOURCES];
    int n_src;
    const char *split, *png;
    ensemble models; /* --model, repeatable */
    unsigned long seed;
    int views, vote, detect, json, part, own_classes;
    int photometric; /* EMO_PHOTO_*, -1: the model's */
} options;

static const cli_option eval_options[] = {
    {"--model", "MODEL", "model to evaluate; repeated: their ensemble (up"
     " to 8)"},
    CLI_SOURCE_OPTIONS,
    {"--split-from", "SPEC", "split as emo-train did (its --split and --seed)"},
    {"--part", "train|val|test", "the part of --split-from evaluated"
     " (test)"},
    {"--seed", "N", "seed of --split-from, as given to emo-train (1)"},
    {"--views", "N", "augmentation views 1..8 voted over (1)"},
    {"--vote", "majority|mean", "how views are combined (majority)"},
    {"--detect", NULL, "find the face in each image (for uncropped photos)"},
    {"--photometric", "MODE", "override the model's stored mode (experiments)"},
    {"--own-classes", NULL, "folder names as classes (as emo-train"
     " --own-classes)"},
    {"--json", NULL, "the report as one JSON object on stdout"},
    {"--png", "FILE", "draw the confusion matrix into FILE"},
    {"--max-pixels", "N", "refuse larger images before decoding"},
};

static const char eval_synopsis[] = "--model MODEL SOURCE... [options]";
static const char eval_about[] =
    "Accuracy of a model on a dataset: confusion matrix (rows true, columns"
    "\npredicted), per-class precision, recall and support.  Dataset classes"
    " are\nmatched to the model's by name; images of classes the model lacks"
    " are counted\nas left out.";

static int parse_vote(const char *s)
{
    static const char *const votes[] = {"majority", "mean"}; /* EMO_VOTE_* */
    return cli_choice("--vote", s, votes, 2);
}

static void add_model(options *o, const char *path)
{
    if (!ensemble_add_path(&o->models, path))
        cli_usage_error("at most %d --model", EMO_MAX_NETWORKS);
}

static const char *const part_names[] = {"train", "val", "test"};

static int parse_part(const char *s)
{
    for (int k = EMO_SPLIT_TRAIN; k <= EMO_SPLIT_TEST; k++)
        if (!strcmp(s, part_names[k]))
            return k;
    cli_usage_error("--part: 'train', 'val' or 'test', not '%s'", s);
}

static void parse_args(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->views = 1;
    o->part = EMO_SPLIT_TEST;
    o->photometric = -1;
    cli_parser p;
    cli_parser_init(&p, argc, argv, eval_options,
                    (int)(sizeof eval_options / sizeof *eval_options),
                    eval_synopsis, eval_about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a)
            cli_usage_error("unexpected argument '%s' (the model is given"
                            " with --model, data with --folder, ...)", v);
        if (cli_source_option(a, v, o->src, &o->n_src))
            continue;
        if (!strcmp(a, "--model"))
            add_model(o, v);
        else if (!strcmp(a, "--split-from"))
            o->split = v;
        else if (!strcmp(a, "--seed"))
            o->seed = (unsigned long)cli_int(a, v, 0,
                                             0x7fffffff);
        else if (!strcmp(a, "--views"))
            o->views = cli_int(a, v, 1, 8);
        else if (!strcmp(a, "--part"))
            o->part = parse_part(v);
        else if (!strcmp(a, "--vote"))
            o->vote = parse_vote(v);
        else if (!strcmp(a, "--detect"))
            o->detect = 1;
        else if (!strcmp(a, "--photometric"))
            o->photometric = cli_photometric(a, v);
        else if (!strcmp(a, "--own-classes"))
            o->own_classes = 1;
        else if (!strcmp(a, "--json"))
            o->json = 1;
        else if (!strcmp(a, "--png"))
            o->png = v;
        else if (!strcmp(a, "--max-pixels"))
            cli_max_pixels(a, v);
    }
    if (!o->models.n)
        cli_usage_error("no model (give --model MODEL)");
    if (!o->n_src)
        cli_usage_error("no data (give --folder DIR, --list F, --ckplus DIR,"
                        " --jaffe DIR or --fer-csv F)");
    if (o->part != EMO_SPLIT_TEST && !o->split)
        cli_usage_error("--part needs --split-from");
}

/* ---- classification ------------------------------------------------------ */

typedef struct evaluation {
    int classes;            /* model outputs */
    int *conf;              /* classes x classes, rows true */
    int map[EMO_MAX_CLASSES]; /* dataset class -> model output, -1 none */
    int unreadable, no_face, not_in_model, total;
    int lacking[EMO_MAX_CLASSES]; /* not_in_model by dataset class */
    int left_out[6];              /* the loaders', by EMO_LEFT_OUT_* */
} evaluation;

/* Dataset classes to model outputs, by name. */
static void map_classes(evaluation *ev, const emo_network *net,
                        const emo_dataset *ds)
{
    ev->classes = emo_network_num_classes(net);
    for (int c = 0; c < EMO_MAX_CLASSES; c++) {
        const char *want = emo_dataset_class_name(ds, c);
        ev->map[c] = -1;
        for (int j = 0; want && j < ev->classes && ev->map[c] < 0; j++)
            if (cli_same_class(emo_network_class_name(net, j), want))
                ev->map[c] = j;
    }
    ev->conf = calloc((size_t)ev->classes * ev->classes, sizeof *ev->conf);
    if (!ev->conf)
        exit(1);
}

/* 1 when the model has a class that is not an emotion: it was trained on
 * a folder tree of the user's own classes. */
static int own_classes(const emo_network *net)
{
    for (int j = 0; j < emo_network_num_classes(net); j++)
        if (emo_class_from_name(emo_network_class_name(net, j)) < 0)
            return 1;
    return 0;
}

static int has_contempt(const emo_network *net)
{
    for (int j = 0; j < emo_network_num_classes(net); j++)
        if (emo_class_from_name(emo_network_class_name(net, j)) ==
            EMO_CLASS_CONTEMPT)
            return 1;
    return 0;
}

typedef struct classifier {
    emo_predictor *pred;
    emo_preprocessor *pp; /* the predictor's, configured from the model */
    float *face;
    size_t face_len;
} classifier;

/* --photometric: the model was trained with its stored mode, so another
 * one is an experiment, said on stderr (the report itself is unchanged). */
static void override_photometric(emo_preprocessor *pp, int mode)
{
    static const char *const names[] = {"none", "histeq", "clahe",
                                        "standardize"};
    int stored = 0;
    if (mode < 0)
        return;
    cli_check(emo_preprocessor_get_int(pp, EMO_OPT_PHOTOMETRIC, &stored),
              "model");
    fprintf(stderr, "%s: note: --photometric %s overrides the model's "
            "stored mode (%s)\n", cli_prog(), names[mode],
            stored >= 0 && stored < 4 ? names[stored] : "?");
    cli_check(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC, mode),
              "--photometric");
}

static void classifier_init(classifier *c, const emo_network *net,
                            options *o)
{
    cli_check(emo_predictor_create(net, &c->pred), "predictor");
    const char *failed = NULL;
    int rc = ensemble_attach(&o->models, c->pred, &failed);
    cli_check(rc, failed);
    cli_check(emo_predictor_set_int(c->pred, EMO_OPT_PREDICT_VIEWS,
                                    (1 << o->views) - 1), "--views");
    cli_check(emo_predictor_set_int(c->pred, EMO_OPT_PREDICT_VOTE, o->vote),
              "--vote");
    c->pp = emo_predictor_preprocessor(c->pred);
    cli_check(emo_preprocessor_set_int(c->pp, EMO_OPT_DETECT_ENABLE,
                                       o->detect), "--detect");
    override_photometric(c->pp, o->photometric);
    int side;
    emo_preprocessor_get_int(c->pp, EMO_OPT_FACE_SIZE, &side);
    c->face_len = (size_t)side * side;
    c->face = malloc(c->face_len * sizeof *c->face);
    if (!c->face)
        exit(1);
}

static void classifier_free(classifier *c)
{
    free(c->face);
    emo_predictor_destroy(c->pred);
}

/* Predicted output for item i, or a negative code (no image, no face). */
static int classify(classifier *c, const emo_dataset *ds, int i)
{
    uint8_t *px;
    int w, h;
    int rc = emo_dataset_item_image(ds, i, &px, &w, &h);
    if (rc)
        return EMO_ERR_IO;
    emo_box box;
    rc = emo_preprocessor_choose_face(c->pp, px, w, h, w, &box);
    if (rc == EMO_OK)
        rc = emo_preprocessor_normalize(c->pp, px, w, h, w, &box, c->face,
                                        c->face_len);
    emo_free(px);
    if (rc)
        return EMO_ERR_NO_FACE;
    emo_prediction p;
    rc = emo_predictor_predict_face(c->pred, c->face, c->face_len, &p);
    return rc ? rc : p.label;
}

static void evaluate(evaluation *ev, classifier *c, const emo_dataset *ds,
                     int split)
{
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1);
    int todo = emo_dataset_count(ds, split, -1), done = 0;
    int tty = cli_is_tty(stderr);
    for (int i = 0; i < n; i++) {
        if (split != EMO_SPLIT_ALL && emo_dataset_item_split(ds, i) != split)
            continue;
        done++;
        if (tty && done % 50 == 0) {
            char text[64];
            snprintf(text, sizeof text, "%d/%d images", done, todo);
            cli_progress(stderr, (double)done / todo, text);
        }
        int label = emo_dataset_item_label(ds, i);
        int t = ev->map[label];
        if (t < 0) {
            ev->not_in_model++;
            ev->lacking[label]++;
            continue;
        }
        int p = classify(c, ds, i);
        if (p == EMO_ERR_IO)
            ev->unreadable++;
        else if (p < 0)
            ev->no_face++;
        else {
            ev->conf[t * ev->classes + p]++;
            ev->total++;
        }
    }
    cli_progress_end(stderr);
}

/* ---- reporting ------------------------------------------------------------ */

typedef struct stats {
    double precision, recall;
    int support, predicted;
} stats;

static stats class_stats(const evaluation *ev, int k)
{
    stats s = {NAN, NAN, 0, 0};
    int n = ev->classes;
    for (int j = 0; j < n; j++) {
        s.support += ev->conf[k * n + j];
        s.predicted += ev->conf[j * n + k];
    }
    if (s.predicted)
        s.precision = (double)ev->conf[k * n + k] / s.predicted;
    if (s.support)
        s.recall = (double)ev->conf[k * n + k] / s.support;
    return s;
}

static int hits(const evaluation *ev)
{
    int n = 0;
    for (int k = 0; k < ev->classes; k++)
        n += ev->conf[k * ev->classes + k];
    return n;
}

static double accuracy(const evaluation *ev)
{
    return ev->total ? (double)hits(ev) / ev->total : NAN;
}

/* Accuracy with the images of classes the model lacks counted as
 * errors. */
static double accuracy_with_lacking(const evaluation *ev)
{
    int n = ev->total + ev->not_in_model;
    return n ? (double)hits(ev) / n : NAN;
}

/* The loaders' left-out counts, by EMO_LEFT_OUT_* (names for both
 * reports). */
static const char *const left_out_names[6] = {
    "in_folders_naming_no_class", "class_not_in_model_before_split",
    "ferplus_no_majority",
    "ferplus_majority_unknown", "ferplus_majority_not_a_face",
    "ferplus_no_votes"};
static const char *const left_out_text[6] = {
    "in folders naming no class",
    "of the class the model lacks (contempt), before the split",
    "without a FER+ majority", "with FER+ majority 'unknown'",
    "with FER+ majority 'not a face'", "with no FER+ votes"};

static void print_left_out(const evaluation *ev)
{
    if (ev->not_in_model) {
        printf("left out, of a class the model lacks:");
        for (int c = 0; c < EMO_MAX_CLASSES; c++)
            if (ev->lacking[c])
                printf(" %s %d", emo_class_name(c), ev->lacking[c]);
        printf(" (accuracy %.4f with them counted as errors)\n",
               accuracy_with_lacking(ev));
    }
    int any = 0;
    for (int r = 0; r < 6; r++)
        if (ev->left_out[r])
            printf("%s %d %s", any++ ? "," : "left out while loading:",
                   ev->left_out[r], left_out_text[r]);
    if (any)
        printf("\n");
}

static void print_table(const evaluation *ev, const emo_network *net,
                        const char *protocol)
{
    int n = ev->classes;
    printf("protocol: %s\n\nconfusion matrix (rows: true class, columns: "
           "predicted)\n%-10s", protocol, "");
    for (int j = 0; j < n; j++)
        printf(" %8.8s", emo_network_class_name(net, j));
    printf("\n");
    for (int k = 0; k < n; k++) {
        printf("%-10.10s", emo_network_class_name(net, k));
        for (int j = 0; j < n; j++)
            printf(" %8d", ev->conf[k * n + j]);
        printf("\n");
    }
    printf("\n%-10s %9s %9s %9s\n", "class", "precision", "recall",
           "support");
    for (int k = 0; k < n; k++) {
        stats s = class_stats(ev, k);
        if (!s.support && !s.predicted)
            continue;
        char pr[16] = "        -", rc[16] = "        -";
        if (isfinite(s.precision))
            snprintf(pr, sizeof pr, "%9.4f", s.precision);
        if (isfinite(s.recall))
            snprintf(rc, sizeof rc, "%9.4f", s.recall);
        printf("%-10.10s %s %s %9d\n", emo_network_class_name(net, k), pr,
               rc, s.support);
    }
    printf("\naccuracy %.4f on %d images", accuracy(ev), ev->total);
    if (ev->unreadable || ev->no_face || ev->not_in_model)
        printf(" (left out: %d unreadable, %d without a face, %d of a class "
               "the model lacks)", ev->unreadable, ev->no_face,
               ev->not_in_model);
    printf("\n");
    print_left_out(ev);
}

static void print_json(const evaluation *ev, const emo_network *net,
                       const options *o, const char *protocol)
{
    int n = ev->classes;
    printf("{\"model\": ");
    json_string(stdout, ensemble_first(&o->models));
    printf(", \"models\": [");
    for (int m = 0; m < o->models.n; m++) {
        printf(m ? ", " : "");
        json_string(stdout, o->models.paths[m]);
    }
    printf("]");
    printf(", \"protocol\": ");
    json_string(stdout, protocol);
    printf(", \"views\": %d, \"vote\": \"%s\", \"images\": %d, "
           "\"accuracy\": ", o->views,
           o->vote == EMO_VOTE_MEAN ? "mean" : "majority", ev->total);
    json_number(stdout, accuracy(ev));
    printf(", \"classes\": [");
    for (int k = 0; k < n; k++) {
        printf(k ? ", " : "");
        json_string(stdout, emo_network_class_name(net, k));
    }
    printf("], \"confusion\": [");
    for (int k = 0; k < n; k++) {
        printf(k ? ", [" : "[");
        for (int j = 0; j < n; j++)
            printf(j ? ", %d" : "%d", ev->conf[k * n + j]);
        printf("]");
    }
    printf("], \"per_class\": {");
    for (int k = 0; k < n; k++) {
        stats s = class_stats(ev, k);
        printf(k ? ", " : "");
        json_string(stdout, emo_network_class_name(net, k));
        printf(": {\"precision\": ");
        json_number(stdout, s.precision);
        printf(", \"recall\": ");
        json_number(stdout, s.recall);
        printf(", \"support\": %d}", s.support);
    }
    printf("}, \"left_out\": {\"unreadable\": %d, \"no_face\": %d, "
           "\"class_not_in_model\": %d", ev->unreadable, ev->no_face,
           ev->not_in_model);
    printf(", \"class_not_in_model_by_class\": {");
    for (int c = 0, any = 0; c < EMO_MAX_CLASSES; c++)
        if (ev->lacking[c]) {
            printf(any++ ? ", " : "");
            json_string(stdout, emo_class_name(c));
            printf(": %d", ev->lacking[c]);
        }
    printf("}");
    for (int r = 0; r < 6; r++)
        printf(", \"%s\": %d", left_out_names[r], ev->left_out[r]);
    printf("}, \"accuracy_with_class_not_in_model_as_errors\": ");
    json_number(stdout, accuracy_with_lacking(ev));
    printf("}\n");
}

static void write_png(const evaluation *ev, const emo_network *net,
                      const char *path)
{
    const char *names[EMO_MAX_CLASSES];
    for (int k = 0; k < ev->classes; k++)
        names[k] = emo_network_class_name(net, k);
    char title[96];
    snprintf(title, sizeof title, "accuracy %.1f%% (%d images)",
             100 * accuracy(ev), ev->total);
    cli_check(plot_confusion(path, ev->conf, ev->classes, names, title),
              path);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    options o;
    parse_args(&o, argc, argv);
    emo_network *net;
    const char *first = ensemble_first(&o.models);
    cli_check(emo_network_load(first, &net), first);
    evaluation ev;
    memset(&ev, 0, sizeof ev);

    emo_dataset *ds;
    cli_check(emo_dataset_create(&ds), "dataset");
    /* 8 dataset classes only when the model knows contempt: the items,
     * and with them a --split-from split, are exactly emo-train's; folder
     * names as classes when the model was trained on them (or
     * --own-classes) */
    cli_check(emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES,
                                  has_contempt(net) ? 8 : 7), "classes");
    cli_check(emo_dataset_set_int(ds, EMO_OPT_DATA_FOLDER_CLASSES,
                                  o.own_classes || own_classes(net)),
              "--own-classes");
    cli_load_sources(ds, o.src, o.n_src);
    map_classes(&ev, net, ds);
    cli_warn_left_out(ds, NULL); /* folders that are no class, by name */
    for (int r = 0; r < 6; r++)
        ev.left_out[r] = emo_dataset_left_out(ds, r);
    if (!o.split) {
        /* Contempt, the one class 7 leaves out, is a class the model
         * lacks; with a split those images are in no part of it. */
        int *excluded = &ev.left_out[EMO_LEFT_OUT_EXCLUDED_CLASS];
        ev.lacking[EMO_CLASS_CONTEMPT] += *excluded;
        ev.not_in_model += *excluded;
        *excluded = 0;
    }
    char protocol[256] = "all images";
    int split = EMO_SPLIT_ALL;
    if (o.split) {
        cli_apply_split(ds, o.split, o.seed, EMO_SPLIT_TEST, protocol,
                        sizeof protocol);
        char part[32];
        snprintf(part, sizeof part, ", %s split", part_names[o.part]);
        strncat(protocol, part, sizeof protocol - strlen(protocol) - 1);
        split = o.part;
    }
    if (emo_dataset_count(ds, split, -1) <= 0)
        cli_check(EMO_ERR_EMPTY, "nothing to evaluate");

    classifier c;
    classifier_init(&c, net, &o);
    evaluate(&ev, &c, ds, split);
    char views[64];
    snprintf(views, sizeof views, ", %d view%s", o.views,
             o.views == 1                   ? ""
             : o.vote == EMO_VOTE_MEAN ? "s, mean probability"
                                            : "s voted");
    strncat(protocol, views, sizeof protocol - strlen(protocol) - 1);
    if (o.models.n > 1) {
        snprintf(views, sizeof views, ", ensemble of %d models",
                 o.models.n);
        strncat(protocol, views, sizeof protocol - strlen(protocol) - 1);
    }
    if (o.json)
        print_json(&ev, net, &o, protocol);
    else
        print_table(&ev, net, protocol);
    if (o.png)
        write_png(&ev, net, o.png);
    classifier_free(&c);
    free(ev.conf);
    emo_dataset_destroy(ds);
    emo_network_destroy(net);
    ensemble_free(&o.models);
    return 0;
}
