/*
 * emo-train - train an emotion network on one or more datasets.
 *
 *   emo-train --folder DIR | --list F [--root R] | --ckplus DIR |
 *             --jaffe DIR | --fer-csv F [--usage U] | --ferplus DIR
 *             (repeatable: merged)
 *             [--val-folder DIR] [--split random:0.7,0.1,0.2 |
 *             subjects:K:FOLD[:noval] | none] [--net default|lenet|caffenet|alexnet|
 *             FILE.txt] [--classes 7|8] [--own-classes] [--face-size N]
 *             [--detect] [--crop-margin X] [--crop-shift-y Y]
 *             [--no-blur] [--photometric MODE] [--epochs N] [--batch N]
 *             [--lr X]
 *             [--lr-policy fixed|step|cosine] [--step N] [--gamma X]
 *             [--momentum X] [--weight-decay X] [--augment LIST]
 *             [--rotate-deg X] [--train-shift X] [--train-scale X]
 *             [--class-weights] [--early-stop N]
 *             [--keep best|last] [--labels majority|draw|soft] [--seed N]
 *             [--train-seed N] [--net-seed N]
 *             [--threads N] [--finetune MODEL]
 *             [--freeze-except L1,L2] [--lr-mult LAYER=M]
 *             [--checkpoint F [--resume]] [--curve PNG]
 *             [--weight-storage f32|f16] --out MODEL
 *
 * Uses the public API only.  The model has exactly the classes present
 * (--own-classes: every folder a class named after it).  --out is checked
 * before training.  Progress: a line fitted to the terminal, one line per
 * epoch otherwise.  Prints the test accuracy when the split has a test set.
 * --help lists every option.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/model_path.h"
#include "common/plot.h"
#include "common/train_options.h"
#include "emo.h"

#define MAX_EPOCHS 100000
/* Below this many training images in a class, a network trained from
 * scratch tends to answer one class for everything: the warning points to
 * --finetune.  (CK+48's smallest classes have 54-84 images and still train
 * from scratch only to a modest accuracy.) */
#define MIN_SCRATCH_PER_CLASS 100
#define MAX_LR_MULTS 64

typedef struct options {
    train_args base; /* sources, split, net, seeds, checkpoint, --out */
    const char *finetune, *freeze_except;
    const char *lr_mult[MAX_LR_MULTS];
    int n_lr_mult;
    const char *curve;
    int face_size, detect, threads, own_classes;
    cli_framing framing; /* stored in the model */
    int photometric; /* EMO_PHOTO_* */
    /* training options as (key, value) pairs applied to the network */
    int keys[32];
    double vals[32];
    int n_keys;
} options;

static const cli_option train_options[] = {
    CLI_SOURCE_OPTIONS,
    {"--val-folder", "DIR", "validation set, folder per class (--split none)"},
    {"--split", "SPEC", "random:TR,VA,TE, subjects:K:FOLD[:noval] or none"},
    {"--net", "NET", "default, lenet, caffenet, alexnet or a text file"},
    {"--classes", "7|8", "canonical emotions: 8 keeps contempt (7)"},
    {"--own-classes", NULL, "every --folder subfolder is a class named after"
     " it"},
    {"--face-size", "N", "face side in pixels (the network's input)"},
    {"--detect", NULL, "find the face in each image (for uncropped photos)"},
    {"--crop-margin", "X", "grow detector boxes by X, -0.4..1 (stored; 0)"},
    {"--crop-shift-y", "Y", "crop Y box heights lower, -0.5..0.5 (stored; 0)"},
    {"--no-blur", NULL, "no 5x5 Gaussian before the network"},
    {"--photometric", "MODE", "none|histeq|clahe|standardize, stored (none)"},
    {"--epochs", "N", "passes over the training set (the preset's)"},
    {"--batch", "N", "images per SGD step"},
    {"--lr", "X", "base learning rate"},
    {"--lr-policy", "P", "fixed, step or cosine"},
    {"--step", "N", "epochs between steps of the step policy"},
    {"--gamma", "X", "factor of each step of the step policy"},
    {"--momentum", "X", "SGD momentum"},
    {"--weight-decay", "X", "L2 weight decay"},
    {"--augment", "LIST", "mirror,rotate,shift,scale,erase, lighting or"
     " none"},
    {"--rotate-deg", "X", "largest rotation of the rotate augmentation"},
    {"--train-shift", "X", "largest shift augmentation, face sides (1/12)"},
    {"--train-scale", "X", "largest scale augmentation, 1 +- X (0.1)"},
    {"--class-weights", NULL, "weigh classes by inverse frequency"},
    {"--early-stop", "N", "stop after N epochs without a better val loss"},
    {"--keep", "best|last", "the epoch whose weights are saved"},
    {"--labels", "majority|draw|soft", "FER+ votes: majority, drawn,"
     " or soft"},
    {"--seed", "N", "seed of the split (1)"},
    {"--train-seed", "N", "seed of shuffles and augmentation (--seed)"},
    {"--net-seed", "N", "seed of the initial weights"},
    {"--threads", "N", "threads (1)"},
    {"--finetune", "MODEL", "start from MODEL's layers of the same name and"
     " shape"},
    {"--freeze-except", "L1,L2", "train only these layers"},
    {"--lr-mult", "LAYER=M", "learning-rate multiplier of one layer"
     " (repeatable)"},
    {"--checkpoint", "FILE", "write a checkpoint after every epoch"},
    {"--resume", NULL, "continue from the --checkpoint"},
    {"--curve", "PNG", "plot loss and accuracy per epoch"},
    {"--weight-storage", "f32|f16", "precision of the saved weights"},
    {"--max-pixels", "N", "refuse larger images before decoding"},
    {"--out", "MODEL", "the model file to write (required)"},
};

static const char train_synopsis[] =
    "SOURCE... --out MODEL [options]";
static const char train_about[] =
    "Trains an emotion network on the sources (repeatable, merged) and saves"
    " it.\n"
    "Class folders may carry the canonical emotion names or any names of"
    " your own;\n"
    "the model has exactly the classes found.  With fewer than 100 training"
    "\nimages per class, fine-tune the shipped model (--finetune MODEL)"
    " instead of\ntraining from scratch.  --augment also takes brightness,"
    " gamma, shade, blur\nand noise alone; lighting is all five, applied"
    " before --photometric.";

/* A repeated option replaces its earlier value (the last one wins, as
 * for every other flag), so the table holds at most one entry per option
 * key, fewer than its slots; the check below only guards that promise. */
static void set_opt(options *o, int key, double v)
{
    int k = 0;
    while (k < o->n_keys && o->keys[k] != key)
        k++;
    if (k == (int)(sizeof o->keys / sizeof *o->keys)) {
        fprintf(stderr, "%s: too many training options\n", cli_prog());
        exit(2);
    }
    o->keys[k] = key;
    o->vals[k] = v;
    if (k == o->n_keys)
        o->n_keys++;
}

static int parse_augment(const char *s)
{
    static const struct {
        const char *name;
        int bit;
    } bits[] = {{"mirror", EMO_AUG_MIRROR}, {"rotate", EMO_AUG_ROTATE},
                {"shift", EMO_AUG_SHIFT}, {"scale", EMO_AUG_SCALE},
                {"brightness", EMO_AUG_BRIGHTNESS}, {"erase", EMO_AUG_ERASE},
                {"gamma", EMO_AUG_GAMMA}, {"shade", EMO_AUG_SHADE},
                {"blur", EMO_AUG_BLUR}, {"noise", EMO_AUG_NOISE},
                {"lighting", EMO_AUG_BRIGHTNESS | EMO_AUG_GAMMA |
                                 EMO_AUG_SHADE | EMO_AUG_BLUR |
                                 EMO_AUG_NOISE}};
    if (!strcmp(s, "none"))
        return 0;
    int mask = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < sizeof bits / sizeof *bits && strcmp(t, bits[k].name))
            k++;
        if (k == sizeof bits / sizeof *bits) {
            fprintf(stderr, "%s: --augment: unknown '%s'\n", cli_prog(), t);
            exit(2);
        }
        mask |= bits[k].bit;
    }
    return mask;
}

static int parse_policy(const char *s)
{
    static const char *const policies[] = {"fixed", "step", "cosine"};
    return cli_choice("--lr-policy", s, policies, 3); /* EMO_LR_* order */
}

static int parse_keep(const char *s)
{
    static const char *const keep[] = {"best", "last"}; /* EMO_KEEP_* */
    return cli_choice("--keep", s, keep, 2);
}

static int parse_labels(const char *s)
{
    static const char *const labels[] = {"majority", "draw",
                                         "soft"}; /* EMO_LABELS_* */
    return cli_choice("--labels", s, labels, 3);
}

static int parse_storage(const char *s)
{
    static const char *const storage[] = {"f32", "f16"}; /* EMO_STORE_* */
    return cli_choice("--weight-storage", s, storage, 2);
}

/* Options that map one-to-one onto EMO_OPT_TRAIN_* (and the saved
 * model's EMO_OPT_NET_WEIGHT_STORAGE). */
static int train_option(options *o, const char *a, const char *v)
{
    static const struct {
        const char *opt;
        int key;
        double lo, hi;
    } num[] = {{"--epochs", EMO_OPT_TRAIN_EPOCHS, 1, MAX_EPOCHS},
               {"--batch", EMO_OPT_TRAIN_BATCH, 1, 4096},
               {"--lr", EMO_OPT_TRAIN_LR, 1e-9, 10},
               {"--step", EMO_OPT_TRAIN_LR_STEP, 1, MAX_EPOCHS},
               {"--gamma", EMO_OPT_TRAIN_LR_GAMMA, 1e-6, 1},
               {"--momentum", EMO_OPT_TRAIN_MOMENTUM, 0, 0.999},
               {"--weight-decay", EMO_OPT_TRAIN_WEIGHT_DECAY, 0, 1},
               {"--rotate-deg", EMO_OPT_TRAIN_ROTATE_DEG, 0, 45},
               {"--train-shift", EMO_OPT_TRAIN_SHIFT, 0, 0.5},
               {"--train-scale", EMO_OPT_TRAIN_SCALE, 0, 0.5},
               {"--early-stop", EMO_OPT_TRAIN_EARLY_STOP, 0, MAX_EPOCHS}};
    for (size_t k = 0; k < sizeof num / sizeof *num; k++)
        if (!strcmp(a, num[k].opt)) {
            set_opt(o, num[k].key, cli_double(a, v, num[k].lo, num[k].hi));
            return 1;
        }
    if (!strcmp(a, "--lr-policy"))
        set_opt(o, EMO_OPT_TRAIN_LR_POLICY,
                parse_policy(v));
    else if (!strcmp(a, "--augment"))
        set_opt(o, EMO_OPT_TRAIN_AUGMENT,
                parse_augment(v));
    else if (!strcmp(a, "--class-weights"))
        set_opt(o, EMO_OPT_TRAIN_CLASS_WEIGHTING, 1);
    else if (!strcmp(a, "--keep"))
        set_opt(o, EMO_OPT_TRAIN_KEEP, parse_keep(v));
    else if (!strcmp(a, "--labels"))
        set_opt(o, EMO_OPT_TRAIN_LABELS, parse_labels(v));
    else if (!strcmp(a, "--weight-storage"))
        set_opt(o, EMO_OPT_NET_WEIGHT_STORAGE,
                parse_storage(v));
    else
        return 0;
    return 1;
}

static void parse_args(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    train_args_init(&o->base);
    o->threads = 1;
    cli_framing_init(&o->framing);
    cli_parser p;
    cli_parser_init(&p, argc, argv, train_options,
                    (int)(sizeof train_options / sizeof *train_options),
                    train_synopsis, train_about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a)
            cli_usage_error("unexpected argument '%s' (sources are given"
                            " with --folder, --list, ...)", v);
        if (train_args_option(&o->base, a, v) ||
            cli_framing_option(a, v, &o->framing) || train_option(o, a, v))
            continue;
        if (!strcmp(a, "--face-size"))
            o->face_size = cli_int(a, v, 8, 512);
        else if (!strcmp(a, "--detect"))
            o->detect = 1;
        else if (!strcmp(a, "--own-classes"))
            o->own_classes = 1;
        else if (!strcmp(a, "--photometric"))
            o->photometric = cli_photometric(a, v);
        else if (!strcmp(a, "--net-seed"))
            set_opt(o, EMO_OPT_NET_SEED,
                    cli_int(a, v, 0, 0x7fffffff));
        else if (!strcmp(a, "--threads"))
            o->threads = cli_int(a, v, 1, 64);
        else if (!strcmp(a, "--finetune"))
            o->finetune = v;
        else if (!strcmp(a, "--freeze-except"))
            o->freeze_except = v;
        else if (!strcmp(a, "--lr-mult")) {
            if (o->n_lr_mult == MAX_LR_MULTS)
                cli_usage_error("--lr-mult: at most %d layers",
                                MAX_LR_MULTS);
            o->lr_mult[o->n_lr_mult++] = v;
        } else if (!strcmp(a, "--curve"))
            o->curve = v;
        else if (!strcmp(a, "--max-pixels"))
            cli_max_pixels(a, v);
    }
    if (!o->base.n_src)
        cli_usage_error("no training data (give --folder DIR, --list F, "
                        "--ckplus DIR, --jaffe DIR or --fer-csv F)");
    if (!o->base.out)
        cli_usage_error("no output model (give --out MODEL)");
    if (o->base.resume && !o->base.checkpoint)
        cli_usage_error("--resume needs --checkpoint");
    train_args_split(&o->base, "random:0.7,0.1,0.2");
}

/* ---- checks before the long run ------------------------------------------ */

/* Exits 1 unless a file can be written at `path`: its folder exists and is
 * writable, and the path is not a folder.  Training may take hours; a bad
 * --out should not wait for its end. */
static void check_writable(const char *opt, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat st;
    const char *why = NULL;
    if (!*path || path[strlen(path) - 1] == '/' ||
        (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        why = "is a folder, not a file name";
    else if (stat(dir, &st) != 0)
        why = errno == ENOENT ? "its folder does not exist" : strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "its folder is not a folder";
    else if (access(dir, W_OK | X_OK) != 0)
        why = "its folder is not writable";
    if (why) {
        fprintf(stderr, "%s: %s %s: %s\n", cli_prog(), opt, path, why);
        exit(1);
    }
}

/* Warns when a class has too few training images to train from scratch. */
static void check_size(const options *o, const emo_dataset *ds)
{
    if (o->finetune)
        return;
    int nc = emo_dataset_num_classes(ds), least = -1, n_least = 0;
    for (int c = 0; c < nc; c++) {
        int n = emo_dataset_count(ds, EMO_SPLIT_TRAIN, c);
        if (n > 0 && (least < 0 || n < n_least)) {
            least = c;
            n_least = n;
        }
    }
    if (least < 0 || n_least >= MIN_SCRATCH_PER_CLASS)
        return;
    const char *shipped = default_model_path();
    fprintf(stderr, "%s: warning: only %d training images of class '%s' "
            "(under %d per class):\n  a network trained from scratch on so "
            "few tends to answer one class for\n  everything; fine-tune a "
            "trained model instead: --finetune %s\n", cli_prog(), n_least,
            emo_dataset_class_name(ds, least), MIN_SCRATCH_PER_CLASS,
            shipped ? shipped : "MODEL");
}

/* ---- network -------------------------------------------------------------- */

/* The names of the classes that have images, in the dataset's order. */
static int present_classes(const emo_dataset *ds, const char **names)
{
    int n = 0;
    for (int c = 0; c < emo_dataset_num_classes(ds); c++)
        if (emo_dataset_count(ds, EMO_SPLIT_ALL, c) > 0)
            names[n++] = emo_dataset_class_name(ds, c);
    return n;
}

/* The network, with exactly the classes present in the data. */
static emo_network *make_network(const options *o, const emo_dataset *ds)
{
    const char *names[EMO_MAX_CLASSES];
    int n = present_classes(ds, names);
    emo_network *net = cli_create_network(o->base.net, n);
    if (emo_network_num_classes(net) == n)
        cli_check(emo_network_set_class_names(net, names, n), "class names");
    else /* a network text's own outputs: matched to the data by name */
        fprintf(stderr, "%s: note: %s has %d outputs for %d classes in the "
                "data: its own class names are kept\n", cli_prog(),
                o->base.net,
                emo_network_num_classes(net), n);
    cli_check(emo_network_set_int(net, EMO_OPT_NET_THREADS, o->threads),
              "--threads");
    /* --train-seed varies shuffles and augmentation over the same split,
     * to measure how much a result owes to the draw */
    int train_seed = o->base.train_seed >= 0 ? (int)o->base.train_seed
                                             : (int)o->base.seed;
    cli_check(emo_network_set_int(net, EMO_OPT_TRAIN_SEED, train_seed),
              "--train-seed");
    /* on the fresh network, so EMO_OPT_NET_SEED (--net-seed) redraws its
     * weights; layers copied by --finetune below replace theirs */
    for (int k = 0; k < o->n_keys; k++)
        cli_check(emo_network_set_float(net, o->keys[k], o->vals[k]),
                  "training option");
    if (o->finetune) {
        emo_network *src;
        int copied = 0;
        cli_check(emo_network_load(o->finetune, &src), o->finetune);
        cli_check(emo_network_transfer(net, src, &copied), "--finetune");
        fprintf(stderr, "fine-tuning: %d layers copied from %s\n", copied,
                o->finetune);
        emo_network_destroy(src);
    }
    return net;
}

/* Names of the layers with weights: the "[name]" sections of the network
 * text that have a parameter 0. */
static int weighted_layers(const emo_network *net, char names[][64], int max)
{
    int len = emo_network_get_text(net, NULL, 0);
    cli_check(len, "network text");
    char *buf = malloc((size_t)len + 1);
    if (!buf)
        exit(1);
    emo_network_get_text(net, buf, (size_t)len + 1);
    int n = 0;
    char *save;
    for (char *line = strtok_r(buf, "\n", &save); line && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        if (sscanf(line, " [%63[^]]]", name) == 1 && strcmp(name, "net") &&
            emo_network_get_param(net, name, 0, NULL, 0) > 0)
            snprintf(names[n++], 64, "%s", name);
    }
    free(buf);
    return n;
}

static void apply_layer_lr(emo_network *net, const options *o)
{
    if (o->freeze_except) {
        char names[256][64];
        int n = weighted_layers(net, names, 256), kept = 0;
        char list[512];
        snprintf(list, sizeof list, ",%s,", o->freeze_except);
        for (int k = 0; k < n; k++) {
            char key[80];
            snprintf(key, sizeof key, ",%.63s,", names[k]);
            int keep = strstr(list, key) != NULL;
            kept += keep;
            if (!keep)
                cli_check(emo_network_set_layer_lr(net, names[k], 0, 0),
                          names[k]);
        }
        fprintf(stderr, "training %d of %d weighted layers (%s)\n", kept, n,
                o->freeze_except);
    }
    for (int k = 0; k < o->n_lr_mult; k++) {
        char layer[64];
        double m;
        if (sscanf(o->lr_mult[k], "%63[^=]=%lf", layer, &m) != 2) {
            fprintf(stderr, "%s: --lr-mult LAYER=M, not '%s'\n", cli_prog(),
                    o->lr_mult[k]);
            exit(2);
        }
        cli_check(emo_network_set_layer_lr(net, layer, m, 1.0), layer);
    }
}

/* ---- progress ---------------------------------------------------------- */

typedef struct history {
    int total, tty, started;
    double first_epoch, first_seconds; /* at the first batch of this run */
    double *loss, *val_loss, *acc, *val_acc;
} history;

static void history_init(history *h, int epochs)
{
    memset(h, 0, sizeof *h);
    h->total = epochs;
    h->tty = cli_is_tty(stderr);
    h->loss = malloc(sizeof(double) * 4 * (size_t)epochs);
    if (!h->loss)
        exit(1);
    h->val_loss = h->loss + epochs;
    h->acc = h->val_loss + epochs;
    h->val_acc = h->acc + epochs;
    for (int i = 0; i < 4 * epochs; i++)
        h->loss[i] = NAN;
}

static void batch_line(history *h, int done, int total, const double *m)
{
    double epoch = m[EMO_METRIC_EPOCH], sec = m[EMO_METRIC_SECONDS];
    if (!h->started) {
        h->started = 1;
        h->first_epoch = epoch;
        h->first_seconds = sec;
    }
    char eta[32] = "?";
    double ran = epoch - h->first_epoch;
    if (ran > 0.01 && sec > h->first_seconds)
        cli_format_duration((sec - h->first_seconds) / ran *
                                (h->total - epoch), eta, sizeof eta);
    char ep[32], batch[32], loss[32], acc[32], rate[32], left[40];
    snprintf(ep, sizeof ep, "epoch %d/%d", (int)ceil(epoch - 1e-9),
             h->total);
    snprintf(batch, sizeof batch, "batch %d/%d", done, total);
    snprintf(loss, sizeof loss, "loss %.4f", m[EMO_METRIC_LOSS]);
    snprintf(acc, sizeof acc, "acc %.3f", m[EMO_METRIC_TRAIN_ACCURACY]);
    snprintf(rate, sizeof rate, "%.0f img/s", m[EMO_METRIC_IMAGES_PER_SEC]);
    snprintf(left, sizeof left, "ETA %s", eta);
    /* on a narrow terminal the batch count, accuracy, bar and loss go
     * first: the epoch, ETA and rate are what a glance looks for */
    const cli_field f[] = {{ep, 0},   {batch, 5}, {loss, 3},
                           {acc, 4},  {rate, 2},  {left, 1}};
    cli_progress_fields(stderr, epoch / h->total, f, 6);
}

static void epoch_line(history *h, int done, const double *m)
{
    int e = done - 1;
    h->loss[e] = m[EMO_METRIC_LOSS];
    h->acc[e] = m[EMO_METRIC_TRAIN_ACCURACY];
    h->val_loss[e] = m[EMO_METRIC_VAL_LOSS];
    h->val_acc[e] = m[EMO_METRIC_VAL_ACCURACY];
    char t[32];
    cli_format_duration(m[EMO_METRIC_SECONDS], t, sizeof t);
    cli_progress_end(stderr);
    fprintf(stderr, "epoch %d/%d loss %.4f acc %.4f", done, h->total,
            m[EMO_METRIC_LOSS], m[EMO_METRIC_TRAIN_ACCURACY]);
    if (isfinite(m[EMO_METRIC_VAL_ACCURACY]))
        fprintf(stderr, " val_loss %.4f val_acc %.4f",
                m[EMO_METRIC_VAL_LOSS], m[EMO_METRIC_VAL_ACCURACY]);
    fprintf(stderr, " lr %.3g %.0f img/s %s\n", m[EMO_METRIC_LR],
            m[EMO_METRIC_IMAGES_PER_SEC], t);
}

static int on_progress(void *user, int stage, int done, int total,
                       const double *m, int n)
{
    history *h = user;
    if (n < EMO_METRIC_COUNT)
        return 0;
    if (stage == EMO_STAGE_BATCH) {
        if (h->tty)
            batch_line(h, done, total, m);
    } else if (done >= 1 && done <= h->total) {
        epoch_line(h, done, m);
    }
    return 0;
}

/* ---- data and evaluation ------------------------------------------------ */

static emo_dataset *load_data(const options *o, char *protocol, size_t cap)
{
    emo_dataset *ds;
    cli_check(emo_dataset_create(&ds), "dataset");
    cli_check(emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES, o->base.classes),
              "--classes");
    cli_check(emo_dataset_set_int(ds, EMO_OPT_DATA_FOLDER_CLASSES,
                                  o->own_classes), "--own-classes");
    if (o->base.val_folder) {
        /* loaded first and marked: the sources that follow come in as
         * training items */
        cli_check(emo_dataset_add_folder(ds, o->base.val_folder),
                  o->base.val_folder);
        cli_check(emo_dataset_split_all(ds, EMO_SPLIT_VAL), "split");
    }
    cli_load_sources(ds, o->base.src, o->base.n_src);
    if (o->base.val_folder) {
        snprintf(protocol, cap, "all sources for training, %s for "
                 "validation", o->base.val_folder);
    } else {
        cli_apply_split(ds, o->base.split, o->base.seed, EMO_SPLIT_TRAIN,
                        protocol, cap);
    }
    const char *names[EMO_MAX_CLASSES];
    fprintf(stderr, "%d images (%d unreadable skipped), %d classes; %s\n",
            emo_dataset_count(ds, EMO_SPLIT_ALL, -1),
            emo_dataset_skipped(ds), present_classes(ds, names), protocol);
    cli_print_counts(stderr, ds);
    cli_warn_left_out(ds, "7 classes; --classes 8 keeps it",
                      "(--own-classes makes every folder a class of its "
                      "own)");
    return ds;
}

static emo_preprocessor *make_preprocessor(const options *o,
                                           const emo_network *net)
{
    emo_preprocessor *pp;
    int c, h, w;
    cli_check(emo_network_input_shape(net, &c, &h, &w), "network");
    cli_check(emo_preprocessor_create(&pp), "preprocessor");
    cli_check(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE,
                                       o->face_size ? o->face_size : h),
              "--face-size");
    cli_check(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, o->detect),
              "--detect");
    cli_check(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, o->base.blur),
              "--no-blur");
    cli_apply_framing(pp, &o->framing);
    cli_check(emo_preprocessor_set_int(pp, EMO_OPT_PHOTOMETRIC,
                                       o->photometric),
              "--photometric");
    return pp;
}

/* Test accuracy with the trained network and its preprocessing (one view:
 * emo-eval does the voting). */
static void test_accuracy(emo_network *net, emo_dataset *ds,
                          emo_preprocessor *pp)
{
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1), side;
    if (emo_dataset_count(ds, EMO_SPLIT_TEST, -1) <= 0)
        return;
    emo_preprocessor_get_int(pp, EMO_OPT_FACE_SIZE, &side);
    int classes = emo_network_num_classes(net), hits = 0, total = 0;
    float *face = malloc(sizeof(float) * (size_t)side * side);
    float probs[EMO_MAX_CLASSES];
    for (int i = 0; face && i < n; i++) {
        if (emo_dataset_item_split(ds, i) != EMO_SPLIT_TEST)
            continue;
        uint8_t *px;
        int w, h, out = -1;
        emo_box box;
        if (emo_dataset_item_image(ds, i, &px, &w, &h) != EMO_OK)
            continue;
        if (emo_preprocessor_choose_face(pp, px, w, h, w, &box) == EMO_OK &&
            emo_preprocessor_normalize(pp, px, w, h, w, &box, face,
                                       (size_t)side * side) == EMO_OK &&
            emo_network_forward(net, face, 1, probs) == EMO_OK) {
            out = 0;
            for (int j = 1; j < classes; j++)
                if (probs[j] > probs[out])
                    out = j;
        }
        emo_free(px);
        const char *name = out >= 0 ? emo_network_class_name(net, out) : "";
        hits += out >= 0 &&
                cli_same_class(name, emo_dataset_class_name(
                                         ds, emo_dataset_item_label(ds, i)));
        total++;
    }
    free(face);
    if (total)
        printf("test accuracy: %.4f (%d/%d, one view)\n",
               (double)hits / total, hits, total);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    options o;
    parse_args(&o, argc, argv);
    check_writable("--out", o.base.out);
    if (o.base.checkpoint)
        check_writable("--checkpoint", o.base.checkpoint);
    if (o.curve)
        check_writable("--curve", o.curve);
    char protocol[256];
    emo_dataset *ds = load_data(&o, protocol, sizeof protocol);
    check_size(&o, ds);
    emo_network *net = make_network(&o, ds);
    apply_layer_lr(net, &o);
    emo_preprocessor *pp = make_preprocessor(&o, net);
    if (o.base.checkpoint) {
        cli_check(emo_network_set_checkpoint(net, o.base.checkpoint),
                  "--checkpoint");
        cli_check(emo_network_set_int(net, EMO_OPT_TRAIN_RESUME,
                                      o.base.resume),
                  "--resume");
    }
    int epochs;
    emo_network_get_int(net, EMO_OPT_TRAIN_EPOCHS, &epochs);
    history h;
    history_init(&h, epochs);
    int rc = emo_network_train(net, ds, pp, on_progress, &h);
    cli_progress_end(stderr);
    cli_check(rc, "training");
    if (emo_dataset_skipped(ds) > 0)
        fprintf(stderr, "%d images left out (unreadable, undecodable or no "
                "face found)\n", emo_dataset_skipped(ds));
    cli_check(emo_network_save(net, o.base.out), o.base.out);
    fprintf(stderr, "saved %s\n", o.base.out);
    if (o.curve)
        cli_check(plot_curves(o.curve, epochs, h.loss, h.val_loss, h.acc,
                              h.val_acc), o.curve);
    test_accuracy(net, ds, pp);
    free(h.loss);
    emo_preprocessor_destroy(pp);
    emo_network_destroy(net);
    emo_dataset_destroy(ds);
    return 0;
}
