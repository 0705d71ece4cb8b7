/*
 * eval.c - emo-eval's and emo-eval-mpi's common part: options, model and
 * dataset set up, each image classified and counted (eval.h).
 */
#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_report.h"

static const cli_option eval_options_table[] = {
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
    CLI_FRAMING_OVERRIDES,
    {"--photometric", "MODE", "override the model's stored mode (experiments)"},
    {"--own-classes", NULL, "folder names as classes (as emo-train"
     " --own-classes)"},
    {"--json", NULL, "the report as one JSON object on stdout"},
    {"--png", "FILE", "draw the confusion matrix into FILE"},
    {"--max-pixels", "N", "refuse larger images before decoding"},
};

static const char eval_synopsis[] = "--model MODEL SOURCE... [options]";

static int parse_vote(const char *s)
{
    static const char *const votes[] = {"majority", "mean"}; /* EMO_VOTE_* */
    return cli_choice("--vote", s, votes, 2);
}

static void add_model(eval_options *o, const char *path)
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

static void parse_option(eval_options *o, const char *a, const char *v)
{
    if (!strcmp(a, "--model"))
        add_model(o, v);
    else if (!strcmp(a, "--split-from"))
        o->split = v;
    else if (!strcmp(a, "--seed"))
        o->seed = (unsigned long)cli_int(a, v, 0, 0x7fffffff);
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

static void parse_args(eval_options *o, int argc, char **argv,
                       const char *about)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->views = 1;
    o->part = EMO_SPLIT_TEST;
    cli_framing_init(&o->framing);
    o->photometric = -1;
    cli_parser p;
    cli_parser_init(&p, argc, argv, eval_options_table,
                    (int)(sizeof eval_options_table /
                          sizeof *eval_options_table),
                    eval_synopsis, about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a)
            cli_usage_error("unexpected argument '%s' (the model is given"
                            " with --model, data with --folder, ...)", v);
        if (!cli_source_option(a, v, o->src, &o->n_src) &&
            !cli_framing_option(a, v, &o->framing))
            parse_option(o, a, v);
    }
    if (!o->models.n)
        cli_usage_error("no model (give --model MODEL)");
    if (!o->n_src)
        cli_usage_error("no data (give --folder DIR, --list F, --ckplus DIR,"
                        " --jaffe DIR or --fer-csv F)");
    if (o->part != EMO_SPLIT_TEST && !o->split)
        cli_usage_error("--part needs --split-from");
}

/* Dataset classes to model outputs, by name; model outputs to emotions
 * (for the FER+ votes). */
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
    for (int j = 0; j < ev->classes; j++) {
        int e = emo_class_from_name(emo_network_class_name(net, j));
        ev->emotion[j] = e < 0 ? -1 : e;
    }
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

static void open_predictor(eval_run *r)
{
    eval_options *o = &r->o;
    cli_check(emo_predictor_create(r->net, &r->pred), "predictor");
    const char *failed = NULL;
    int rc = ensemble_attach(&o->models, r->pred, &failed);
    cli_check(rc, failed);
    cli_check(emo_predictor_set_int(r->pred, EMO_OPT_PREDICT_VIEWS,
                                    (1 << o->views) - 1), "--views");
    cli_check(emo_predictor_set_int(r->pred, EMO_OPT_PREDICT_VOTE, o->vote),
              "--vote");
    r->pp = emo_predictor_preprocessor(r->pred);
    cli_check(emo_preprocessor_set_int(r->pp, EMO_OPT_DETECT_ENABLE,
                                       o->detect), "--detect");
    cli_apply_framing(r->pp, &o->framing);
    override_photometric(r->pp, o->photometric);
}

static void open_dataset(eval_run *r)
{
    cli_check(emo_dataset_create(&r->ds), "dataset");
    /* 8 dataset classes only when the model knows contempt: the items,
     * and with them a --split-from split, are exactly emo-train's; folder
     * names as classes when the model was trained on them (or
     * --own-classes) */
    cli_check(emo_dataset_set_int(r->ds, EMO_OPT_DATA_CLASSES,
                                  has_contempt(r->net) ? 8 : 7), "classes");
    cli_check(emo_dataset_set_int(r->ds, EMO_OPT_DATA_FOLDER_CLASSES,
                                  r->o.own_classes || own_classes(r->net)),
              "--own-classes");
    cli_load_sources(r->ds, r->o.src, r->o.n_src);
    map_classes(&r->ev, r->net, r->ds);
    for (int k = 0; k < EVAL_LEFT_OUT_REASONS; k++)
        r->ev.left_out[k] = emo_dataset_left_out(r->ds, k);
}

static void apply_split(eval_run *r)
{
    snprintf(r->protocol, sizeof r->protocol, "all images");
    r->split = EMO_SPLIT_ALL;
    if (r->o.split) {
        cli_apply_split(r->ds, r->o.split, r->o.seed, EMO_SPLIT_TEST,
                        r->protocol, sizeof r->protocol);
        char part[32];
        snprintf(part, sizeof part, ", %s split", part_names[r->o.part]);
        strncat(r->protocol, part,
                sizeof r->protocol - strlen(r->protocol) - 1);
        r->split = r->o.part;
    }
    if (emo_dataset_count(r->ds, r->split, -1) <= 0)
        cli_check(EMO_ERR_EMPTY, "nothing to evaluate");
}

void eval_open(eval_run *r, int argc, char **argv, const char *about)
{
    memset(r, 0, sizeof *r);
    parse_args(&r->o, argc, argv, about);
    const char *first = ensemble_first(&r->o.models);
    cli_check(emo_network_load(first, &r->net), first);
    open_dataset(r);
    apply_split(r);
    open_predictor(r);
}

/* Predicted output for item i with its probabilities, or a negative code
 * (no image, no face). */
static int classify(eval_run *r, int i, emo_prediction *p)
{
    uint8_t *px;
    int w, h;
    int rc = emo_dataset_item_image(r->ds, i, &px, &w, &h);
    if (rc)
        return EMO_ERR_IO;
    emo_box box;
    rc = emo_preprocessor_choose_face(r->pp, px, w, h, w, &box);
    /* At the box rather than from a normalised face: the views are then
     * made from the raw crop, as training augmented. */
    if (rc == EMO_OK)
        rc = emo_predictor_predict_box(r->pred, px, w, h, w, &box, p);
    emo_free(px);
    return rc ? EMO_ERR_NO_FACE : p->label;
}

/* Counts item i, whose true class is model output t. */
static void count(eval_run *r, int i, int t)
{
    eval_tally *tl = &r->ev.t;
    emo_prediction p;
    int got = classify(r, i, &p);
    if (got == EMO_ERR_IO) {
        tl->unreadable++;
        return;
    }
    if (got < 0) {
        tl->no_face++;
        return;
    }
    tl->conf[t * r->ev.classes + got]++;
    tl->total++;
    int votes[EMO_FERPLUS_VOTES];
    double q[EMO_MAX_CLASSES];
    int has = emo_dataset_item_votes(r->ds, i, votes, EMO_FERPLUS_VOTES) > 0
              && cal_vote_target(votes, r->ev.emotion, r->ev.classes, q);
    cal_add(&tl->cal, p.scores, r->ev.classes, got, t, has ? q : NULL);
}

void eval_items(eval_run *r, int first, int step, int progress)
{
    int n = emo_dataset_count(r->ds, EMO_SPLIT_ALL, -1);
    int todo = emo_dataset_count(r->ds, r->split, -1) / step, done = 0;
    int tty = progress && cli_is_tty(stderr);
    for (int i = first; i < n; i += step) {
        if (r->split != EMO_SPLIT_ALL &&
            emo_dataset_item_split(r->ds, i) != r->split)
            continue;
        if (tty && ++done % 50 == 0) {
            char text[64];
            snprintf(text, sizeof text, "%d/%d images", done, todo);
            cli_progress(stderr, done < todo ? (double)done / todo : 1.0,
                         text);
        }
        int label = emo_dataset_item_label(r->ds, i);
        int t = r->ev.map[label];
        if (t >= 0) {
            count(r, i, t);
        } else {
            r->ev.t.not_in_model++;
            r->ev.t.lacking[label]++;
        }
    }
    if (tty)
        cli_progress_end(stderr);
}

static void finish_protocol(eval_run *r)
{
    const eval_options *o = &r->o;
    char views[64];
    if (o->detect)
        strncat(r->protocol, ", faces found by the detector",
                sizeof r->protocol - strlen(r->protocol) - 1);
    snprintf(views, sizeof views, ", %d view%s", o->views,
             o->views == 1               ? ""
             : o->vote == EMO_VOTE_MEAN ? "s, mean probability"
                                         : "s voted");
    strncat(r->protocol, views, sizeof r->protocol - strlen(r->protocol) - 1);
    if (o->models.n > 1) {
        snprintf(views, sizeof views, ", ensemble of %d models",
                 o->models.n);
        strncat(r->protocol, views,
                sizeof r->protocol - strlen(r->protocol) - 1);
    }
}

void eval_report(eval_run *r)
{
    /* folders that are no class, by name; contempt, which the data's class
     * set follows the model in leaving out (eval_open) */
    cli_warn_left_out(r->ds, "the model has no contempt class; counted as "
                      "left out; a model trained with 8 classes, such as "
                      "ferplus8.emo, scores them", NULL);
    if (!r->o.split) {
        /* Contempt, the one class 7 leaves out, is a class the model
         * lacks; with a split those images are in no part of it. */
        int *excluded = &r->ev.left_out[EMO_LEFT_OUT_EXCLUDED_CLASS];
        r->ev.t.lacking[EMO_CLASS_CONTEMPT] += *excluded;
        r->ev.t.not_in_model += *excluded;
        *excluded = 0;
    }
    finish_protocol(r);
    if (r->o.json)
        eval_print_json(r);
    else
        eval_print_text(r);
    if (r->o.png)
        eval_write_png(&r->ev, r->net, r->o.png);
}

void eval_close(eval_run *r)
{
    emo_predictor_destroy(r->pred);
    emo_dataset_destroy(r->ds);
    emo_network_destroy(r->net);
    ensemble_free(&r->o.models);
}
