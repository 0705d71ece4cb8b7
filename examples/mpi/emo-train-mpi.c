/*
 * emo-train-mpi - data-parallel training over MPI (Open MPI, MPICH).
 *
 *   mpirun -np N emo-train-mpi SOURCES [--val-folder DIR]
 *          [--split random:TR,VA,TE|none]
 *          [--net default|lenet|FILE.txt] [--classes 7|8] [--no-blur]
 *          [--epochs N] [--batch B] [--lr X] [--lr-policy fixed|cosine]
 *          [--momentum X] [--weight-decay X] [--mirror] [--seed N]
 *          [--train-seed N] [--net-seed N] [--threads T] [--shards S]
 *          [--max-steps K] [--checkpoint F [--resume] [--stop-after E]]
 *          [--wait-timing] --out MODEL
 *
 * The training split is cut into S shards (default: one per rank; S a
 * multiple of N): training-list position p belongs to shard p mod S, and
 * rank r decodes only the faces of its S/N shards.  Each epoch every shard
 * is shuffled from (train seed, epoch, shard); a step takes B/S images
 * from each shard, so the global batch of B images does not depend on N,
 * and `-np 1 --shards S` runs exactly the batches of `-np S`.  Every rank
 * steps on its part with emo_network_train_step; the library's reducer
 * hook sums the batch norms' statistics, the loss and the gradients over
 * the ranks with MPI_Allreduce, and every rank applies the same update.
 * Each rank numbers its images by their place in the global batch
 * (EMO_OPT_TRAIN_BATCH_OFFSET), so dropout masks too are the global
 * batch's.
 *
 * The mean image is the training split's (summed over the ranks).  After
 * every epoch the ranks compare a checksum of all weights (MPI_MIN and
 * MPI_MAX of it; any difference stops the run), evaluate the validation
 * split (each rank its share), and rank 0 alone writes the checkpoint
 * (emo_network_save_checkpoint: weights, momentum, step count, mean
 * image) and at the end the model, atomically (a temporary file renamed).
 * --resume: every rank loads the checkpoint, if there is one, and the run
 * continues at the epoch after it with the same shuffles, as if it had
 * not stopped; --stop-after E ends the run after epoch E's checkpoint
 * (a job slot shorter than the run).
 * Rank 0 prints one line per epoch: loss, accuracies, milliseconds per
 * step and the part spent in MPI_Allreduce (waiting for the slowest rank
 * included; --wait-timing puts a timed MPI_Barrier before each allreduce,
 * so that the time spent waiting for the slowest rank is printed apart
 * from the transfer).  Faces are crops (no face detection); augmentation is a
 * mirror with probability 1/2 (--mirror), drawn per (seed, epoch, item).
 */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/train_options.h"
#include "emo.h"
#include "mpi_exit.h"

typedef struct options {
    train_args base; /* sources, split, net, seeds, checkpoint, --out */
    int epochs, batch, policy, mirror, threads, shards;
    int max_steps, net_seed, wait_timing, stop_after;
    double lr, momentum, weight_decay;
} options;

/* This rank's faces: its shards' training faces (mean subtracted) and its
 * share of the validation faces. */
typedef struct faces {
    float *x;
    int *label, *item, *shard;
    int n, cap;
} faces;

typedef struct world {
    MPI_Comm comm;
    int rank, size;
    double comm_sec;   /* in MPI_Allreduce, this epoch */
    double wait_sec;   /* in the barrier before it (--wait-timing) */
    int wait_timing;
    double loss[3];    /* the last step's global loss sums */
} world;

static world W;

static const cli_option mpi_options[] = {
    CLI_SOURCE_OPTIONS,
    {"--val-folder", "DIR", "validation set, folder per class (--split none)"},
    {"--split", "SPEC", "random:TR,VA,TE or none (random:0.8,0.2,0)"},
    {"--net", "NET", "default, lenet, caffenet, alexnet or a text file"},
    {"--classes", "7|8", "canonical emotions: 8 keeps contempt (7)"},
    {"--no-blur", NULL, "no 5x5 Gaussian before the network"},
    {"--epochs", "N", "passes over the training set (10)"},
    {"--batch", "N", "global batch, split over the shards (64)"},
    {"--lr", "X", "base learning rate (0.01)"},
    {"--lr-policy", "P", "fixed or cosine"},
    {"--momentum", "X", "SGD momentum (0.9)"},
    {"--weight-decay", "X", "L2 weight decay (5e-4)"},
    {"--mirror", NULL, "mirror augmentation"},
    {"--seed", "N", "seed of the split and the shuffles (1)"},
    {"--train-seed", "N", "seed of the shuffles and mirrors (--seed)"},
    {"--net-seed", "N", "seed of the initial weights (1)"},
    {"--threads", "N", "threads per rank (1)"},
    {"--shards", "S", "shards of each batch (the rank count)"},
    {"--max-steps", "K", "stop after K steps"},
    {"--wait-timing", NULL, "time the wait before each allreduce apart"},
    {"--checkpoint", "FILE", "rank 0 writes a checkpoint after every epoch"},
    {"--resume", NULL, "continue from the --checkpoint, if it exists"},
    {"--stop-after", "E", "end after epoch E's checkpoint (resume later)"},
    {"--out", "MODEL", "the model file to write (required)"},
};

static const char mpi_synopsis[] = "SOURCE... --out MODEL [options]";
static const char mpi_about[] =
    "Data-parallel training under mpirun -np N: each rank trains on its"
    " shards of\nevery global batch and the gradients are summed over the"
    " ranks\n(docs/scaling.md).";

static void fail(const char *what)
{
    fprintf(stderr, "%s: rank %d: %s\n", cli_prog(), W.rank, what);
    MPI_Abort(W.comm, 1);
}

static void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "%s: rank %d: %s: %s\n", cli_prog(), W.rank, what,
                emo_last_error()[0] ? emo_last_error() : emo_strerror(rc));
        MPI_Abort(W.comm, 1);
    }
}

static void parse(int argc, char **argv, options *o)
{
    static const char *const policies[] = {"fixed", "cosine"};
    *o = (options){.epochs = 10, .batch = 64,
                   .lr = 0.01, .momentum = 0.9, .weight_decay = 5e-4,
                   .threads = 1, .net_seed = 1};
    train_args_init(&o->base);
    cli_parser p;
    cli_parser_init(&p, argc, argv, mpi_options,
                    (int)(sizeof mpi_options / sizeof *mpi_options),
                    mpi_synopsis, mpi_about);
    const char *a, *v;
    while ((a = cli_next(&p, &v))) {
        if (!*a)
            cli_usage_error("unexpected argument '%s'", v);
        if (train_args_option(&o->base, a, v))
            continue;
        if (!strcmp(a, "--epochs"))
            o->epochs = cli_int(a, v, 1, 100000);
        else if (!strcmp(a, "--batch"))
            o->batch = cli_int(a, v, 1, 65536);
        else if (!strcmp(a, "--lr"))
            o->lr = cli_double(a, v, 0, 10);
        else if (!strcmp(a, "--lr-policy"))
            o->policy = cli_choice(a, v, policies, 2);
        else if (!strcmp(a, "--momentum"))
            o->momentum = cli_double(a, v, 0, 0.999);
        else if (!strcmp(a, "--weight-decay"))
            o->weight_decay = cli_double(a, v, 0, 1);
        else if (!strcmp(a, "--mirror"))
            o->mirror = 1;
        else if (!strcmp(a, "--net-seed"))
            o->net_seed = cli_int(a, v, 0,
                                  2147483647);
        else if (!strcmp(a, "--threads"))
            o->threads = cli_int(a, v, 1, 256);
        else if (!strcmp(a, "--shards"))
            o->shards = cli_int(a, v, 1, 65536);
        else if (!strcmp(a, "--max-steps"))
            o->max_steps = cli_int(a, v, 1,
                                   1 << 30);
        else if (!strcmp(a, "--wait-timing"))
            o->wait_timing = 1;
        else if (!strcmp(a, "--stop-after"))
            o->stop_after = cli_int(a, v, 1, 100000);
    }
    if (!o->base.n_src)
        cli_usage_error("no data (give --folder DIR, --list F, ...)");
    if (!o->base.out)
        cli_usage_error("no output model (give --out MODEL)");
    if ((o->base.resume || o->stop_after) && !o->base.checkpoint)
        cli_usage_error("--resume and --stop-after need --checkpoint");
    train_args_split(&o->base, "random:0.8,0.2,0");
    if (o->base.train_seed < 0)
        o->base.train_seed = (long)o->base.seed;
    if (!o->shards)
        o->shards = W.size;
    if (o->shards % W.size || o->batch % o->shards) {
        if (W.rank == 0)
            fprintf(stderr, "%s: --shards %d must be a multiple of the %d "
                    "ranks and divide --batch %d\n", cli_prog(), o->shards,
                    W.size, o->batch);
        cli_exit(2); /* every rank alike: MPI_Finalize (mpi_exit.h) */
    }
}

/* ---- reproducible randomness: one stream per (seed, epoch, shard) ------ */

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static uint64_t key3(uint64_t a, uint64_t b, uint64_t c)
{
    return mix(mix(mix(a) ^ b) ^ c);
}

/* ---- the reducer: MPI_Allreduce in place ------------------------------- */

static int mpi_reduce(void *user, int what, int type, void *data,
                      size_t count)
{
    world *w = user;
    if (count > (size_t)INT32_MAX)
        return -1;
    double t0 = MPI_Wtime();
    if (w->wait_timing) {
        MPI_Barrier(w->comm);
        double t1 = MPI_Wtime();
        w->wait_sec += t1 - t0;
        t0 = t1;
    }
    int rc = MPI_Allreduce(MPI_IN_PLACE, data, (int)count,
                           type == EMO_REDUCE_F64 ? MPI_DOUBLE : MPI_FLOAT,
                           MPI_SUM, w->comm);
    w->comm_sec += MPI_Wtime() - t0;
    if (what == EMO_REDUCE_LOSS && rc == MPI_SUCCESS)
        memcpy(w->loss, data, sizeof w->loss);
    return rc == MPI_SUCCESS ? 0 : 1;
}

/* ---- faces ------------------------------------------------------------- */

static void faces_add(faces *f, const float *x, int side, int label,
                      int item, int shard)
{
    size_t sz = (size_t)side * side;
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 256;
        f->x = realloc(f->x, sizeof(float) * sz * (size_t)f->cap);
        f->label = realloc(f->label, sizeof(int) * (size_t)f->cap);
        f->item = realloc(f->item, sizeof(int) * (size_t)f->cap);
        f->shard = realloc(f->shard, sizeof(int) * (size_t)f->cap);
        if (!f->x || !f->label || !f->item || !f->shard)
            fail("out of memory");
    }
    memcpy(f->x + sz * (size_t)f->n, x, sizeof(float) * sz);
    f->label[f->n] = label;
    f->item[f->n] = item;
    f->shard[f->n] = shard;
    f->n++;
}

static void faces_free(faces *f)
{
    free(f->x);
    free(f->label);
    free(f->item);
    free(f->shard);
}

/* The faces of `split` whose position p in it has p mod `parts` among the
 * parts this rank owns ([first, first + count)); undecodable images are
 * left out (the same on every rank count). */
static void load_faces(const emo_dataset *ds, int split, emo_preprocessor *pp,
                       int side, int parts, int first, int count, faces *f)
{
    float *face = malloc(sizeof(float) * (size_t)side * side);
    if (!face)
        fail("out of memory");
    int n = emo_dataset_count(ds, EMO_SPLIT_ALL, -1), p = 0;
    for (int i = 0; i < n; i++) {
        if (emo_dataset_item_split(ds, i) != split)
            continue;
        int part = p++ % parts;
        if (part < first || part >= first + count)
            continue;
        uint8_t *px;
        int w, h;
        if (emo_dataset_item_image(ds, i, &px, &w, &h) < 0)
            continue;
        int rc = emo_preprocessor_normalize(pp, px, w, h, w, NULL, face,
                                            (size_t)side * side);
        emo_free(px);
        if (rc == EMO_OK)
            faces_add(f, face, side, emo_dataset_item_label(ds, i), i, part);
    }
    free(face);
}

/* The training split's mean image (summed over the ranks) into mean. */
static void sum_mean(const faces *tr, size_t sz, float *mean)
{
    double *sum = calloc(sz + 1, sizeof(double));
    if (!sum)
        fail("out of memory");
    for (int i = 0; i < tr->n; i++)
        for (size_t k = 0; k < sz; k++)
            sum[k] += tr->x[sz * (size_t)i + k];
    sum[sz] = tr->n;
    MPI_Allreduce(MPI_IN_PLACE, sum, (int)sz + 1, MPI_DOUBLE, MPI_SUM,
                  W.comm);
    if (sum[sz] < 1)
        fail("no training faces");
    for (size_t k = 0; k < sz; k++)
        mean[k] = (float)(sum[k] / sum[sz]);
    free(sum);
}

/* Sets the mean image on pp -- `given` (a resumed checkpoint's), else the
 * training split's -- and subtracts it from this rank's training faces. */
static void mean_image(faces *tr, emo_preprocessor *pp, int side,
                       const float *given)
{
    size_t sz = (size_t)side * side;
    float *mean = malloc(sizeof(float) * sz);
    if (!mean)
        fail("out of memory");
    if (given)
        memcpy(mean, given, sizeof(float) * sz);
    else
        sum_mean(tr, sz, mean);
    check(emo_preprocessor_set_mean(pp, mean, sz), "mean image");
    for (int i = 0; i < tr->n; i++)
        for (size_t k = 0; k < sz; k++)
            tr->x[sz * (size_t)i + k] -= mean[k];
    free(mean);
}

/* ---- weights ----------------------------------------------------------- */

/* The network's text (malloc'd). */
static char *network_text(const emo_network *net)
{
    int len = emo_network_get_text(net, NULL, 0);
    char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!text)
        fail("network text");
    emo_network_get_text(net, text, (size_t)len + 1);
    return text;
}

/* FNV-1a over every parameter tensor of every layer (batch-norm running
 * statistics included), layers named by the network text's sections. */
static uint64_t weights_checksum(const emo_network *net)
{
    char *text = network_text(net);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128];
        if (sscanf(line, " [%127[^]]]", name) != 1 || !strcmp(name, "net"))
            continue;
        for (int k = 0;; k++) {
            int n = emo_network_get_param(net, name, k, NULL, 0);
            if (n <= 0)
                break;
            float *p = malloc(sizeof(float) * (size_t)n);
            if (!p)
                fail("out of memory");
            emo_network_get_param(net, name, k, p, (size_t)n);
            const unsigned char *b = (const unsigned char *)p;
            for (size_t j = 0; j < sizeof(float) * (size_t)n; j++)
                h = (h ^ b[j]) * 0x100000001b3ULL;
            free(p);
        }
    }
    free(text);
    return h;
}

/* Stops the run unless every rank holds the same weights. */
static uint64_t check_in_sync(const emo_network *net, int epoch)
{
    uint64_t h = weights_checksum(net), lo = h, hi = h;
    MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, W.comm);
    MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, W.comm);
    if (lo != hi) {
        if (W.rank == 0)
            fprintf(stderr, "%s: epoch %d: the ranks' weights differ "
                    "(checksums %016llx .. %016llx)\n", cli_prog(), epoch,
                    (unsigned long long)lo, (unsigned long long)hi);
        MPI_Abort(W.comm, 1);
    }
    return h;
}

/* ---- resuming ---------------------------------------------------------- */

/* --resume: the checkpoint's network (weights, momentum, step count),
 * which must be the --net of this run, with its mean image in *mean
 * (malloc'd); NULL when there is no checkpoint yet (a fresh run).  Every
 * rank reads the file, and all must find it or none. */
static emo_network *load_checkpoint(const options *o,
                                    const emo_network *fresh, int side,
                                    float **mean)
{
    FILE *fp = fopen(o->base.checkpoint, "rb");
    int found = fp != NULL, lo = found, hi = found;
    if (fp)
        fclose(fp);
    MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT, MPI_MIN, W.comm);
    MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT, MPI_MAX, W.comm);
    if (lo != hi)
        fail("--resume: the checkpoint is readable on some ranks only");
    *mean = NULL;
    if (!found)
        return NULL;
    emo_network *ck;
    check(emo_network_load(o->base.checkpoint, &ck), o->base.checkpoint);
    char *a = network_text(ck), *b = network_text(fresh);
    int same = !strcmp(a, b);
    free(a);
    free(b);
    if (!same)
        fail("--resume: the checkpoint holds another network than --net");
    emo_preprocessor *pp;
    int blur = -1;
    size_t sz = (size_t)side * side;
    *mean = malloc(sizeof(float) * sz);
    if (!*mean)
        fail("out of memory");
    check(emo_preprocessor_create(&pp), "preprocessor");
    check(emo_network_apply_preprocessing(ck, pp), o->base.checkpoint);
    check(emo_preprocessor_get_int(pp, EMO_OPT_BLUR, &blur), "blur");
    check(emo_preprocessor_get_mean(pp, *mean, sz), "checkpoint's mean");
    emo_preprocessor_destroy(pp);
    if (blur != o->base.blur)
        fail("--resume: --no-blur differs from the checkpoint's run");
    return ck;
}

/* The epoch a resumed run starts at: the checkpoint's steps must end an
 * epoch of this run (same data, --batch, --shards, --max-steps). */
static int first_epoch(const emo_network *net, int steps)
{
    int64_t done = emo_network_train_steps(net);
    if (done < 0 || done % steps)
        fail("--resume: the checkpoint's step count is not the end of an "
             "epoch of this run (other data, --batch or --max-steps?)");
    return (int)(done / steps);
}

/* ---- an epoch ---------------------------------------------------------- */

/* Rank-local positions of the faces of each owned shard, shuffled from
 * (seed, epoch, shard): order[s] lists shard first + s. */
static void shuffle_shards(const faces *tr, int first, int count,
                           unsigned long seed, int epoch, int **order,
                           int *len)
{
    for (int s = 0; s < count; s++) {
        len[s] = 0;
        for (int i = 0; i < tr->n; i++)
            if (tr->shard[i] == first + s)
                order[s][len[s]++] = i;
        uint64_t r = key3(seed, (uint64_t)epoch, (uint64_t)(first + s));
        for (int i = len[s] - 1; i > 0; i--) {
            r = mix(r);
            int j = (int)(r % (uint64_t)(i + 1)), t = order[s][i];
            order[s][i] = order[s][j];
            order[s][j] = t;
        }
    }
}

static void copy_face(float *dst, const float *src, int side, int flip)
{
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
            dst[y * side + x] = src[y * side + (flip ? side - 1 - x : x)];
}

static double lr_at(const options *o, double t)
{
    if (o->policy == 1)
        return o->lr * 0.5 * (1.0 + cos(M_PI * t / o->epochs));
    return o->lr;
}

/* Validation accuracy over every rank's share (-1 without a split). */
static double val_accuracy(emo_network *net, const faces *va, int side,
                           int classes)
{
    double c[2] = {0, va->n};
    float probs[64 * 16];
    for (int i = 0; i < va->n; i += 64) {
        int b = va->n - i < 64 ? va->n - i : 64;
        check(emo_network_forward(net, va->x + (size_t)i * side * side, b,
                                  probs), "validation forward");
        for (int k = 0; k < b; k++) {
            int best = 0;
            for (int j = 1; j < classes; j++)
                if (probs[k * classes + j] > probs[k * classes + best])
                    best = j;
            c[0] += best == va->label[i + k];
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, c, 2, MPI_DOUBLE, MPI_SUM, W.comm);
    return c[1] > 0 ? c[0] / c[1] : -1.0;
}

int main(int argc, char **argv)
{
    mpi_begin(&argc, &argv, &W.rank, &W.size);
    W.comm = MPI_COMM_WORLD;
    options o;
    parse(argc, argv, &o);
    int own = o.shards / W.size, first = W.rank * own;
    int per = o.batch / o.shards, local_b = per * own;

    emo_dataset *ds;
    check(emo_dataset_create(&ds), "dataset");
    check(emo_dataset_set_int(ds, EMO_OPT_DATA_CLASSES, o.base.classes),
          "--classes");
    char protocol[256];
    if (o.base.val_folder) {
        /* loaded first and marked: the sources that follow are training
         * items */
        check(emo_dataset_add_folder(ds, o.base.val_folder),
              o.base.val_folder);
        check(emo_dataset_split_all(ds, EMO_SPLIT_VAL), "split");
    }
    cli_load_sources(ds, o.base.src, o.base.n_src);
    if (o.base.val_folder)
        snprintf(protocol, sizeof protocol, "validation %s",
                 o.base.val_folder);
    else
        cli_apply_split(ds, o.base.split, o.base.seed, EMO_SPLIT_TRAIN,
                        protocol, sizeof protocol);

    emo_network *net = cli_create_network(o.base.net,
                                          emo_dataset_num_classes(ds));
    int ch, side, sw;
    check(emo_network_input_shape(net, &ch, &side, &sw), "input shape");
    if (ch != 1 || side != sw)
        fail("the network must take N x N gray faces");
    float *ck_mean = NULL;
    int resumed = 0;
    if (o.base.resume) {
        emo_network *ck = load_checkpoint(&o, net, side, &ck_mean);
        if (ck) {
            emo_network_destroy(net);
            net = ck;
            resumed = 1;
        }
    }
    int classes = emo_network_num_classes(net);
    check(emo_network_set_int(net, EMO_OPT_NET_SEED, o.net_seed), "seed");
    check(emo_network_set_int(net, EMO_OPT_NET_THREADS, o.threads),
          "--threads");
    check(emo_network_set_float(net, EMO_OPT_TRAIN_MOMENTUM, o.momentum),
          "--momentum");
    check(emo_network_set_float(net, EMO_OPT_TRAIN_WEIGHT_DECAY,
                                o.weight_decay), "--weight-decay");
    /* this rank's images follow those of the ranks before it */
    check(emo_network_set_int(net, EMO_OPT_TRAIN_BATCH_OFFSET,
                              W.rank * local_b), "batch offset");
    W.wait_timing = o.wait_timing;
    check(emo_network_set_reducer(net, mpi_reduce, &W), "reducer");

    emo_preprocessor *pp;
    check(emo_preprocessor_create(&pp), "preprocessor");
    check(emo_preprocessor_set_int(pp, EMO_OPT_DETECT_ENABLE, 0), "pp");
    check(emo_preprocessor_set_int(pp, EMO_OPT_FACE_SIZE, side), "pp");
    check(emo_preprocessor_set_int(pp, EMO_OPT_BLUR, o.base.blur), "pp");

    double t_load = MPI_Wtime();
    faces tr = {0}, va = {0};
    load_faces(ds, EMO_SPLIT_TRAIN, pp, side, o.shards, first, own, &tr);
    mean_image(&tr, pp, side, ck_mean);
    free(ck_mean);
    load_faces(ds, EMO_SPLIT_VAL, pp, side, W.size, W.rank, 1, &va);
    check(emo_network_store_preprocessing(net, pp), "preprocessing");
    int counts[2] = {tr.n, va.n};
    MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_INT, MPI_SUM, W.comm);
    t_load = MPI_Wtime() - t_load;

    /* Steps per epoch: the smallest shard decides. */
    int **order = malloc(sizeof(int *) * (size_t)own);
    int *len = malloc(sizeof(int) * (size_t)own), steps = 1 << 30;
    float *x = malloc(sizeof(float) * (size_t)local_b * side * side);
    int *y = malloc(sizeof(int) * (size_t)local_b);
    if (!order || !len || !x || !y)
        fail("out of memory");
    for (int s = 0; s < own; s++) {
        int n = 0;
        for (int i = 0; i < tr.n; i++)
            n += tr.shard[i] == first + s;
        order[s] = malloc(sizeof(int) * ((size_t)n + 1));
        if (!order[s])
            fail("out of memory");
        steps = n / per < steps ? n / per : steps;
    }
    MPI_Allreduce(MPI_IN_PLACE, &steps, 1, MPI_INT, MPI_MIN, W.comm);
    if (o.max_steps && steps > o.max_steps)
        steps = o.max_steps;
    if (steps < 1)
        fail("a shard holds fewer faces than its part of a batch");
    int start = resumed ? first_epoch(net, steps) : 0;
    uint64_t sum0 = check_in_sync(net, start);
    if (W.rank == 0) {
        printf("emo-train-mpi: %d ranks x %d threads, %d shards, global "
               "batch %d (%d per rank), %d train / %d val faces (%s), "
               "%d steps per epoch, %lld parameters, loaded in %.1f s, "
               "weights %016llx\n", W.size, o.threads, o.shards, o.batch,
               local_b, counts[0], counts[1], protocol, steps,
               (long long)emo_network_num_params(net), t_load,
               (unsigned long long)sum0);
        if (resumed)
            printf("resumed from %s after epoch %d (step %lld)\n",
                   o.base.checkpoint, start,
                   (long long)emo_network_train_steps(net));
        fflush(stdout);
    }

    size_t sz = (size_t)side * side;
    int stopped = 0;
    for (int e = start; e < o.epochs && !stopped; e++) {
        shuffle_shards(&tr, first, own, (unsigned long)o.base.train_seed, e,
                       order, len);
        double loss = 0, hits = 0, t_step = 0;
        W.comm_sec = W.wait_sec = 0;
        for (int k = 0; k < steps; k++) {
            for (int s = 0, b = 0; s < own; s++)
                for (int j = 0; j < per; j++, b++) {
                    int i = order[s][k * per + j];
                    int flip = o.mirror &&
                        (key3((uint64_t)o.base.train_seed, (uint64_t)e,
                              (uint64_t)tr.item[i]) &
                         1);
                    copy_face(x + sz * (size_t)b, tr.x + sz * (size_t)i,
                              side, flip);
                    y[b] = tr.label[i];
                }
            double l, t0 = MPI_Wtime();
            check(emo_network_train_step(net, x, y, local_b,
                                         lr_at(&o, e + (double)k / steps),
                                         NULL, &l), "training step");
            t_step += MPI_Wtime() - t0;
            loss += l;
            hits += W.loss[2];
        }
        uint64_t sum = check_in_sync(net, e + 1);
        double vacc = val_accuracy(net, &va, side, classes);
        /* The slowest rank's times: what the run waits for. */
        double t[3] = {t_step, W.comm_sec, W.wait_sec};
        MPI_Allreduce(MPI_IN_PLACE, t, 3, MPI_DOUBLE, MPI_MAX, W.comm);
        if (W.rank == 0) {
            printf("epoch %d/%d  loss %.6f  train %.4f  val %.4f  "
                   "%.2f ms/step (allreduce %.2f, waiting %.2f)  "
                   "weights %016llx\n",
                   e + 1, o.epochs, loss / steps,
                   hits / ((double)steps * o.batch), vacc,
                   1e3 * t[0] / steps, 1e3 * t[1] / steps,
                   1e3 * t[2] / steps, (unsigned long long)sum);
            fflush(stdout);
            if (o.base.checkpoint)
                check(emo_network_save_checkpoint(net, o.base.checkpoint),
                      o.base.checkpoint);
        }
        stopped = e + 1 == o.stop_after && e + 1 < o.epochs;
    }
    if (W.rank == 0 && stopped)
        printf("stopped after epoch %d: continue with --resume\n",
               o.stop_after);
    else if (W.rank == 0)
        check(emo_network_save(net, o.base.out), o.base.out);
    MPI_Barrier(W.comm);

    for (int s = 0; s < own; s++)
        free(order[s]);
    free(order);
    free(len);
    free(x);
    free(y);
    faces_free(&tr);
    faces_free(&va);
    emo_preprocessor_destroy(pp);
    emo_network_destroy(net);
    emo_dataset_destroy(ds);
    MPI_Finalize();
    return 0;
}
