/* eval_report.c - the evaluation report as text, JSON or PNG
 * (eval_report.h). */
#include "eval_report.h"

#include <math.h>
#include <stdio.h>

#include "json.h"
#include "plot.h"

typedef struct stats {
    double precision, recall;
    int64_t support, predicted;
} stats;

static int64_t cell(const evaluation *ev, int truth, int predicted)
{
    return ev->t.conf[truth * ev->classes + predicted];
}

static stats class_stats(const evaluation *ev, int k)
{
    stats s = {NAN, NAN, 0, 0};
    for (int j = 0; j < ev->classes; j++) {
        s.support += cell(ev, k, j);
        s.predicted += cell(ev, j, k);
    }
    if (s.predicted)
        s.precision = (double)cell(ev, k, k) / (double)s.predicted;
    if (s.support)
        s.recall = (double)cell(ev, k, k) / (double)s.support;
    return s;
}

static int64_t hits(const evaluation *ev)
{
    int64_t n = 0;
    for (int k = 0; k < ev->classes; k++)
        n += cell(ev, k, k);
    return n;
}

static double accuracy(const evaluation *ev)
{
    return ev->t.total ? (double)hits(ev) / (double)ev->t.total : NAN;
}

/* Accuracy with the images of classes the model lacks counted as
 * errors. */
static double accuracy_with_lacking(const evaluation *ev)
{
    int64_t n = ev->t.total + ev->t.not_in_model;
    return n ? (double)hits(ev) / (double)n : NAN;
}

/* The unweighted mean of the recalls of the classes with images: what
 * accuracy would be on a set balanced over them. */
static double mean_recall(const evaluation *ev, int *scored)
{
    double sum = 0;
    *scored = 0;
    for (int k = 0; k < ev->classes; k++) {
        stats s = class_stats(ev, k);
        if (s.support) {
            sum += s.recall;
            ++*scored;
        }
    }
    return *scored ? sum / *scored : NAN;
}

/* The loaders' left-out counts, by EMO_LEFT_OUT_* (names for both
 * reports). */
static const char *const left_out_names[EVAL_LEFT_OUT_REASONS] = {
    "in_folders_naming_no_class", "class_not_in_model_before_split",
    "ferplus_no_majority",
    "ferplus_majority_unknown", "ferplus_majority_not_a_face",
    "ferplus_no_votes"};
static const char *const left_out_text[EVAL_LEFT_OUT_REASONS] = {
    "in folders naming no class",
    "of the class the model lacks (contempt), before the split",
    "without a FER+ majority", "with FER+ majority 'unknown'",
    "with FER+ majority 'not a face'", "with no FER+ votes"};

static void print_left_out(const evaluation *ev)
{
    const eval_tally *t = &ev->t;
    if (t->not_in_model) {
        printf("left out, of a class the model lacks:");
        for (int c = 0; c < EMO_MAX_CLASSES; c++)
            if (t->lacking[c])
                printf(" %s %lld", emo_class_name(c),
                       (long long)t->lacking[c]);
        printf(" (accuracy %.4f with them counted as errors)\n",
               accuracy_with_lacking(ev));
    }
    int any = 0;
    for (int r = 0; r < EVAL_LEFT_OUT_REASONS; r++)
        if (ev->left_out[r])
            printf("%s %d %s", any++ ? "," : "left out while loading:",
                   ev->left_out[r], left_out_text[r]);
    if (any)
        printf("\n");
}

static void print_matrix(const evaluation *ev, const emo_network *net)
{
    int n = ev->classes;
    printf("confusion matrix (rows: true class, columns: predicted)\n%-10s",
           "");
    for (int j = 0; j < n; j++)
        printf(" %8.8s", emo_network_class_name(net, j));
    printf("\n");
    for (int k = 0; k < n; k++) {
        printf("%-10.10s", emo_network_class_name(net, k));
        for (int j = 0; j < n; j++)
            printf(" %8lld", (long long)cell(ev, k, j));
        printf("\n");
    }
}

static void print_per_class(const evaluation *ev, const emo_network *net)
{
    printf("\n%-10s %9s %9s %9s\n", "class", "precision", "recall",
           "support");
    for (int k = 0; k < ev->classes; k++) {
        stats s = class_stats(ev, k);
        if (!s.support && !s.predicted)
            continue;
        char pr[16] = "        -", rc[16] = "        -";
        if (isfinite(s.precision))
            snprintf(pr, sizeof pr, "%9.4f", s.precision);
        if (isfinite(s.recall))
            snprintf(rc, sizeof rc, "%9.4f", s.recall);
        printf("%-10.10s %s %s %9lld\n", emo_network_class_name(net, k), pr,
               rc, (long long)s.support);
    }
}

/* Which of the model's classes had images; answers of the others are
 * errors whatever the image. */
static void print_scored(const evaluation *ev, const emo_network *net)
{
    int scored;
    double mr = mean_recall(ev, &scored);
    printf("\nclasses scored (with images): %d of the model's %d:", scored,
           ev->classes);
    for (int k = 0; k < ev->classes; k++)
        if (class_stats(ev, k).support)
            printf(" %s", emo_network_class_name(net, k));
    if (scored < ev->classes) {
        printf("\nmodel classes without images (answering them is an "
               "error):");
        for (int k = 0; k < ev->classes; k++)
            if (!class_stats(ev, k).support)
                printf(" %s", emo_network_class_name(net, k));
    }
    printf("\nmean recall %.4f over the classes scored\n", mr);
}

static void print_calibration(const evaluation *ev)
{
    const calibration *c = &ev->t.cal;
    cal_result r = cal_summarise(c);
    printf("calibration (top label, %d equal-width bins): ECE %.4f, NLL "
           "%.4f, Brier %.4f on %lld images\n", CAL_BINS, r.ece, r.nll,
           r.brier, (long long)c->images);
    if (c->kl_images)
        printf("KL(votes || p) %.4f nats on %lld images with FER+ votes\n",
               r.kl, (long long)c->kl_images);
}

/* The sources as given: the option that named each (SRC_* order), and
 * its path. */
static const char *const source_options[] = {
    "--folder", "--list", "--ckplus", "--jaffe", "--fer-csv", "--ferplus"};

static void print_sources(const eval_options *o)
{
    printf("data:");
    for (int k = 0; k < o->n_src; k++) {
        const cli_source *s = &o->src[k];
        printf("%s %s %s", k ? "," : "", source_options[s->kind], s->path);
        if (s->root)
            printf(" --root %s", s->root);
        if (s->usage)
            printf(" --usage %s", s->usage);
    }
    printf("\n");
}

void eval_print_text(const eval_run *r)
{
    const evaluation *ev = &r->ev;
    const emo_network *net = r->net;
    const eval_tally *t = &ev->t;
    print_sources(&r->o);
    printf("protocol: %s\n\n", r->protocol);
    print_matrix(ev, net);
    print_per_class(ev, net);
    print_scored(ev, net);
    printf("\naccuracy %.4f on %lld images", accuracy(ev),
           (long long)t->total);
    if (t->unreadable || t->no_face || t->not_in_model)
        printf(" (left out: %lld unreadable, %lld without a face, %lld of a "
               "class the model lacks)", (long long)t->unreadable,
               (long long)t->no_face, (long long)t->not_in_model);
    printf("\n");
    print_left_out(ev);
    print_calibration(ev);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_names(const evaluation *ev, const emo_network *net,
                       int with_images)
{
    printf("[");
    for (int k = 0, any = 0; k < ev->classes; k++)
        if (with_images < 0 || !class_stats(ev, k).support == !with_images) {
            printf(any++ ? ", " : "");
            json_string(stdout, emo_network_class_name(net, k));
        }
    printf("]");
}

static void json_per_class(const evaluation *ev, const emo_network *net)
{
    int n = ev->classes;
    printf(", \"confusion\": [");
    for (int k = 0; k < n; k++) {
        printf(k ? ", [" : "[");
        for (int j = 0; j < n; j++)
            printf(j ? ", %lld" : "%lld", (long long)cell(ev, k, j));
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
        printf(", \"support\": %lld, \"predicted\": %lld}",
               (long long)s.support, (long long)s.predicted);
    }
    int scored;
    double mr = mean_recall(ev, &scored);
    printf("}, \"scored_classes\": ");
    json_names(ev, net, 1);
    printf(", \"classes_without_images\": ");
    json_names(ev, net, 0);
    printf(", \"mean_recall\": ");
    json_number(stdout, mr);
}

static void json_left_out(const evaluation *ev)
{
    const eval_tally *t = &ev->t;
    printf(", \"left_out\": {\"unreadable\": %lld, \"no_face\": %lld, "
           "\"class_not_in_model\": %lld", (long long)t->unreadable,
           (long long)t->no_face, (long long)t->not_in_model);
    printf(", \"class_not_in_model_by_class\": {");
    for (int c = 0, any = 0; c < EMO_MAX_CLASSES; c++)
        if (t->lacking[c]) {
            printf(any++ ? ", " : "");
            json_string(stdout, emo_class_name(c));
            printf(": %lld", (long long)t->lacking[c]);
        }
    printf("}");
    for (int r = 0; r < EVAL_LEFT_OUT_REASONS; r++)
        printf(", \"%s\": %d", left_out_names[r], ev->left_out[r]);
    printf("}, \"accuracy_with_class_not_in_model_as_errors\": ");
    json_number(stdout, accuracy_with_lacking(ev));
}

static void json_reliability(const calibration *c, const cal_result *r)
{
    printf(", \"reliability\": [");
    for (int b = 0; b < CAL_BINS; b++) {
        printf("%s{\"from\": ", b ? ", " : "");
        json_number(stdout, (double)b / CAL_BINS);
        printf(", \"to\": ");
        json_number(stdout, (double)(b + 1) / CAL_BINS);
        printf(", \"count\": %lld, \"confidence\": ",
               (long long)c->bin_count[b]);
        json_number(stdout, r->confidence[b]);
        printf(", \"accuracy\": ");
        json_number(stdout, r->accuracy[b]);
        printf("}");
    }
    printf("]");
}

static void json_calibration(const evaluation *ev)
{
    const calibration *c = &ev->t.cal;
    cal_result r = cal_summarise(c);
    printf(", \"calibration\": {\"images\": %lld, \"bins\": %d, \"ece\": ",
           (long long)c->images, CAL_BINS);
    json_number(stdout, r.ece);
    printf(", \"nll\": ");
    json_number(stdout, r.nll);
    printf(", \"brier\": ");
    json_number(stdout, r.brier);
    printf(", \"kl_votes\": ");
    json_number(stdout, r.kl);
    printf(", \"kl_images\": %lld", (long long)c->kl_images);
    json_reliability(c, &r);
    printf("}");
}

static void json_sources(const eval_options *o)
{
    printf(", \"data\": [");
    for (int k = 0; k < o->n_src; k++) {
        const cli_source *s = &o->src[k];
        printf("%s{\"source\": \"%s\", \"path\": ", k ? ", " : "",
               source_options[s->kind] + 2);
        json_string(stdout, s->path);
        if (s->root) {
            printf(", \"root\": ");
            json_string(stdout, s->root);
        }
        if (s->usage) {
            printf(", \"usage\": ");
            json_string(stdout, s->usage);
        }
        printf("}");
    }
    printf("]");
}

void eval_print_json(const eval_run *r)
{
    const evaluation *ev = &r->ev;
    const emo_network *net = r->net;
    const ensemble *models = &r->o.models;
    int views = r->o.views, vote = r->o.vote;
    const char *protocol = r->protocol;
    printf("{\"model\": ");
    json_string(stdout, ensemble_first(models));
    printf(", \"models\": [");
    for (int m = 0; m < models->n; m++) {
        printf(m ? ", " : "");
        json_string(stdout, models->paths[m]);
    }
    printf("]");
    json_sources(&r->o);
    printf(", \"protocol\": ");
    json_string(stdout, protocol);
    printf(", \"views\": %d, \"vote\": \"%s\", \"images\": %lld, "
           "\"accuracy\": ", views,
           vote == EMO_VOTE_MEAN ? "mean" : "majority",
           (long long)ev->t.total);
    json_number(stdout, accuracy(ev));
    printf(", \"classes\": ");
    json_names(ev, net, -1);
    json_per_class(ev, net);
    json_left_out(ev);
    json_calibration(ev);
    printf("}\n");
}

void eval_write_png(const evaluation *ev, const emo_network *net,
                    const char *path)
{
    const char *names[EMO_MAX_CLASSES];
    int conf[EMO_MAX_CLASSES * EMO_MAX_CLASSES];
    int n = ev->classes;
    for (int k = 0; k < n; k++)
        names[k] = emo_network_class_name(net, k);
    for (int k = 0; k < n * n; k++)
        conf[k] = (int)ev->t.conf[k];
    char title[96];
    snprintf(title, sizeof title, "accuracy %.1f%% (%lld images)",
             100 * accuracy(ev), (long long)ev->t.total);
    cli_check(plot_confusion(path, conf, n, names, title), path);
}
