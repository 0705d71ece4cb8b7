/* check_reduce.c - data-parallel training through emo_network_set_reducer:
 * two "ranks" (threads, each with its own network) step on the two
 * halves of a batch with a reducer that sums across them, as an MPI
 * allreduce would; the result must equal one network stepping on the
 * whole batch, and the ranks' weights must stay bit-identical.  Also the
 * order of the reducer's calls, an identity reducer changing nothing, and
 * a failing reducer.  What else a trainer built on emo_network_train_step
 * needs: dropout masks per global image (EMO_OPT_TRAIN_BATCH_OFFSET), and
 * checkpoints that carry the momentum and the step count
 * (emo_network_save_checkpoint, emo_network_train_steps). */
#include "testutil.h"

#include <math.h>
#include <pthread.h>

/* The convolutional part of both nets. */
#define NET_FEATURES                                                         \
    "[net]\nchannels = 1\nsize = 8\n"                                        \
    "[c1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n"                    \
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"                                   \
    "[p1]\ntype = maxpool\nsize = 2\nstride = 2\n"                           \
    "[c2]\ntype = conv\nfilters = 6\nsize = 3\npad = 1\n"                    \
    "[b2]\ntype = bn\n[r2]\ntype = relu\n"

static const char net_text[] =
    NET_FEATURES "[fc]\ntype = fc\noutputs = 5\n[prob]\ntype = softmax\n";

/* Layers with parameters and how many tensors each has (bn: gamma, beta,
 * running mean, running variance). */
static const struct { const char *name; int n; } params[] = {
    {"c1", 2}, {"b1", 4}, {"c2", 2}, {"b2", 4}, {"fc", 2}};

#define BATCH 16
#define SPLIT 9 /* rank 0 takes 9 images, rank 1 the other 7 */
#define STEPS 4
#define LR 0.05
/* Relative tolerance of rank 0 against the one-process run: both sum the
 * same numbers in another order (per rank, then across), in float. */
#define TOL 2e-5

static const float class_w[5] = {1.0f, 2.0f, 0.5f, 1.5f, 1.0f};

static void make_batch(float *x, int *y)
{
    uint64_t s = 12345;
    for (int i = 0; i < BATCH * 64; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((s >> 40) & 0xffff) / 65536.0f - 0.3f;
    }
    for (int b = 0; b < BATCH; b++)
        y[b] = (b * 3 + 1) % 5;
}

/* The same with dropout before and after the classifier. */
static const char drop_text[] =
    NET_FEATURES
    "[d1]\ntype = dropout\nratio = 0.4\n"
    "[fc]\ntype = fc\noutputs = 5\n[d2]\ntype = dropout\nratio = 0.2\n"
    "[prob]\ntype = softmax\n";

static emo_network *net_of(const char *text)
{
    emo_network *net;
    ck_assert_int_eq(emo_network_create_text(text, &net), EMO_OK);
    return net;
}

static emo_network *new_net(void)
{
    return net_of(net_text);
}

/* ---- the fake world: two threads, a reducer summing across them -------- */

typedef struct world {
    pthread_barrier_t bar;
    void *buf[2];
    size_t n[2];
    int what[2], type[2];
    int mismatch;
} world;

typedef struct rank {
    world *w;
    int r;
    emo_network *net;
    const float *x;
    const int *y;
    int batch;
    double loss[STEPS];
    int rc;
} rank;

/* Sums rank 0's buffer and rank 1's, in that order on both ranks, so the
 * sums are bit-identical as an allreduce's are. */
static int sum_reduce(void *user, int what, int type, void *data,
                      size_t count)
{
    rank *k = user;
    world *w = k->w;
    w->buf[k->r] = data;
    w->n[k->r] = count;
    w->what[k->r] = what;
    w->type[k->r] = type;
    pthread_barrier_wait(&w->bar);
    int same = w->n[0] == w->n[1] && w->what[0] == w->what[1] &&
               w->type[0] == w->type[1];
    size_t es = type == EMO_REDUCE_F64 ? sizeof(double) : sizeof(float);
    void *tmp = same ? malloc(es * count + 1) : NULL;
    if (tmp) {
        for (size_t i = 0; i < count; i++)
            if (type == EMO_REDUCE_F64)
                ((double *)tmp)[i] = ((double *)w->buf[0])[i] +
                                     ((double *)w->buf[1])[i];
            else
                ((float *)tmp)[i] = ((float *)w->buf[0])[i] +
                                    ((float *)w->buf[1])[i];
    }
    pthread_barrier_wait(&w->bar);
    if (!tmp) {
        w->mismatch = 1;
        return -1;
    }
    memcpy(data, tmp, es * count);
    free(tmp);
    return 0;
}

static void *rank_main(void *arg)
{
    rank *k = arg;
    k->rc = emo_network_set_reducer(k->net, sum_reduce, k);
    for (int s = 0; s < STEPS && !k->rc; s++)
        k->rc = emo_network_train_step(k->net, k->x, k->y, k->batch, LR,
                                       class_w, &k->loss[s]);
    return NULL;
}

static float *get_param(const emo_network *net, const char *layer, int i,
                        int *n)
{
    *n = emo_network_get_param(net, layer, i, NULL, 0);
    ck_assert_int_gt(*n, 0);
    float *b = malloc(sizeof(float) * (size_t)*n);
    ck_assert_int_eq(emo_network_get_param(net, layer, i, b, (size_t)*n),
                     *n);
    return b;
}

/* Largest |a - b| / max(|b|, 0.01) over every parameter (the floor: a
 * convolution's bias before a batch norm gets no gradient but rounding
 * noise, so it stays near 0), and whether a and b are bit-identical. */
static double param_diff(const emo_network *a, const emo_network *b,
                         int *identical)
{
    double worst = 0.0;
    *identical = 1;
    for (size_t l = 0; l < sizeof params / sizeof params[0]; l++)
        for (int i = 0; i < params[l].n; i++) {
            int n, m;
            float *pa = get_param(a, params[l].name, i, &n);
            float *pb = get_param(b, params[l].name, i, &m);
            ck_assert_int_eq(n, m);
            for (int j = 0; j < n; j++) {
                double d = fabs((double)pa[j] - pb[j]) /
                           fmax(fabs(pb[j]), 0.01);
                worst = d > worst ? d : worst;
            }
            *identical &= memcmp(pa, pb, sizeof(float) * (size_t)n) == 0;
            free(pa);
            free(pb);
        }
    return worst;
}

/* Steps two "ranks" on the halves of the batch, rank 1's images
 * numbered from `offset1` in the global batch. */
static void run_two_ranks(rank *k, world *w, const char *text,
                          const float *x, const int *y, int offset1)
{
    memset(w, 0, sizeof *w);
    pthread_barrier_init(&w->bar, NULL, 2);
    rank init[2] = {{w, 0, net_of(text), x, y, SPLIT, {0}, 0},
                    {w, 1, net_of(text), x + SPLIT * 64, y + SPLIT,
                     BATCH - SPLIT, {0}, 0}};
    memcpy(k, init, sizeof init);
    ck_assert_int_eq(emo_network_set_int(k[1].net,
                                         EMO_OPT_TRAIN_BATCH_OFFSET,
                                         offset1), EMO_OK);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, rank_main, &k[1]), 0);
    rank_main(&k[0]);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&w->bar);
    ck_assert_int_eq(k[0].rc, EMO_OK);
    ck_assert_int_eq(k[1].rc, EMO_OK);
    ck_assert_int_eq(w->mismatch, 0);
}

/* One network steps on the whole batch, two ranks on its halves (rank
 * 1's images numbered from offset1 in the global batch).  The ranks must
 * stay bit-identical; returns rank 0's largest relative difference to
 * the one process, whose network is left in *ref; every step's loss is
 * checked against the one process's when `same` is set. */
static double ranks_vs_one(const char *text, int offset1, int same,
                           emo_network **ref)
{
    float x[BATCH * 64];
    int y[BATCH];
    make_batch(x, y);
    *ref = net_of(text);
    double ref_loss[STEPS];
    for (int s = 0; s < STEPS; s++)
        ck_assert_int_eq(emo_network_train_step(*ref, x, y, BATCH, LR,
                                                class_w, &ref_loss[s]),
                         EMO_OK);
    world w;
    rank k[2];
    run_two_ranks(k, &w, text, x, y, offset1);
    int identical;
    param_diff(k[1].net, k[0].net, &identical);
    ck_assert_msg(identical, "the ranks' weights differ");
    double d = param_diff(k[0].net, *ref, &identical);
    for (int s = 0; s < STEPS; s++) {
        ck_assert_msg(k[0].loss[s] == k[1].loss[s], "step %d: ranks' "
                      "losses differ", s);
        ck_assert_msg(!same || fabs(k[0].loss[s] - ref_loss[s]) <=
                                   TOL * fabs(ref_loss[s]),
                      "step %d: loss %.9g vs %.9g", s, k[0].loss[s],
                      ref_loss[s]);
    }
    emo_network_destroy(k[0].net);
    emo_network_destroy(k[1].net);
    return d;
}

START_TEST(two_ranks_equal_one_process)
{
    emo_network *ref;
    double d = ranks_vs_one(net_text, SPLIT, 1, &ref);
    ck_assert_msg(d <= TOL, "2 ranks vs 1 process: relative difference "
                  "%.3g > %.3g", d, TOL);
    /* The run must have moved the weights, or the check proves little. */
    int identical;
    emo_network *fresh = new_net();
    ck_assert(param_diff(fresh, ref, &identical) > 1e-3);
    emo_network_destroy(fresh);
    emo_network_destroy(ref);
}
END_TEST

/* With dropout, the ranks equal one process when each numbers its images
 * by their place in the global batch (EMO_OPT_TRAIN_BATCH_OFFSET); both
 * numbering theirs from 0 draw other masks, and the run differs. */
START_TEST(dropout_masks_follow_the_global_batch)
{
    emo_network *ref;
    double d = ranks_vs_one(drop_text, SPLIT, 1, &ref);
    ck_assert_msg(d <= TOL, "dropout, 2 ranks vs 1 process: relative "
                  "difference %.3g > %.3g", d, TOL);
    emo_network_destroy(ref);
    d = ranks_vs_one(drop_text, 0, 0, &ref);
    ck_assert_msg(d > 100 * TOL, "without the offset the masks should "
                  "differ (relative difference %.3g)", d);
    /* The offset is an option with bounds. */
    ck_assert_int_eq(emo_network_set_int(ref, EMO_OPT_TRAIN_BATCH_OFFSET,
                                         -1), EMO_ERR_RANGE);
    int v = -1;
    ck_assert_int_eq(emo_network_get_int(ref, EMO_OPT_TRAIN_BATCH_OFFSET,
                                         &v), EMO_OK);
    ck_assert_int_eq(v, 0);
    emo_network_destroy(ref);
}
END_TEST

/* A checkpoint of a train_step loop carries the momentum and the step
 * count (which keys the dropout masks): loaded, it steps on exactly as
 * the saving network does.  A model file carries neither. */
START_TEST(checkpoint_continues_a_train_step_loop)
{
    float x[BATCH * 64];
    int y[BATCH];
    make_batch(x, y);
    char ck[512], model[512];
    snprintf(ck, sizeof ck, "%s/loop.ckpt", test_tmpdir());
    snprintf(model, sizeof model, "%s/loop.emo", test_tmpdir());
    emo_network *a = net_of(drop_text);
    ck_assert_int_eq(emo_network_train_steps(a), 0);
    for (int s = 0; s < 2; s++)
        ck_assert_int_eq(emo_network_train_step(a, x, y, BATCH, LR, NULL,
                                                NULL), EMO_OK);
    ck_assert_int_eq(emo_network_train_steps(a), 2);
    ck_assert_int_eq(emo_network_save_checkpoint(a, ck), EMO_OK);
    ck_assert_int_eq(emo_network_save(a, model), EMO_OK);
    emo_network *b, *c;
    ck_assert_int_eq(emo_network_load(ck, &b), EMO_OK);
    ck_assert_int_eq(emo_network_load(model, &c), EMO_OK);
    ck_assert_int_eq(emo_network_train_steps(b), 2);
    ck_assert_int_eq(emo_network_train_steps(c), 0);
    for (int s = 0; s < 2; s++) {
        ck_assert_int_eq(emo_network_train_step(a, x, y, BATCH, LR, NULL,
                                                NULL), EMO_OK);
        ck_assert_int_eq(emo_network_train_step(b, x, y, BATCH, LR, NULL,
                                                NULL), EMO_OK);
        ck_assert_int_eq(emo_network_train_step(c, x, y, BATCH, LR, NULL,
                                                NULL), EMO_OK);
    }
    int identical;
    param_diff(a, b, &identical);
    ck_assert_msg(identical, "the resumed network differs");
    ck_assert_int_eq(emo_network_train_steps(b), 4);
    ck_assert(param_diff(a, c, &identical) > 1e-4); /* no momentum */

    ck_assert_int_eq(emo_network_save_checkpoint(NULL, ck),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_save_checkpoint(a, NULL),
                     EMO_ERR_INVALID_ARG);
    ck_assert_int_eq(emo_network_train_steps(NULL), EMO_ERR_INVALID_ARG);
    snprintf(ck, sizeof ck, "%s/no/such/dir/x.ckpt", test_tmpdir());
    ck_assert_int_eq(emo_network_save_checkpoint(a, ck), EMO_ERR_IO);
    emo_network_destroy(a);
    emo_network_destroy(b);
    emo_network_destroy(c);
}
END_TEST

/* ---- one process: the calls, an identity reducer, a failing one ------- */

typedef struct trace {
    int what[32];
    size_t n[32];
    int type[32];
    int calls;
    int fail_at; /* call index that fails, -1 none */
} trace;

static int trace_reduce(void *user, int what, int type, void *data,
                        size_t count)
{
    trace *t = user;
    (void)data;
    if (t->calls < 32) {
        t->what[t->calls] = what;
        t->n[t->calls] = count;
        t->type[t->calls] = type;
    }
    return t->calls++ == t->fail_at ? 7 : 0;
}

START_TEST(calls_in_documented_order)
{
    float x[BATCH * 64];
    int y[BATCH];
    make_batch(x, y);
    emo_network *a = new_net(), *b = new_net();
    trace t = {.fail_at = -1};
    ck_assert_int_eq(emo_network_set_reducer(b, trace_reduce, &t), EMO_OK);
    double la, lb;
    for (int s = 0; s < 2; s++) {
        t.calls = 0;
        ck_assert_int_eq(emo_network_train_step(a, x, y, BATCH, LR, NULL,
                                                &la), EMO_OK);
        ck_assert_int_eq(emo_network_train_step(b, x, y, BATCH, LR, NULL,
                                                &lb), EMO_OK);
        ck_assert(la == lb);
    }
    /* b1 (4 channels), b2 (6): mean, variance; the loss; b2's and b1's
     * gradient sums in reverse; then every gradient: 4*9+4 + 4+4 +
     * 6*4*9+6 + 6+6 + 5*6*4*4+5 floats. */
    static const int what[] = {EMO_REDUCE_BN_MEAN, EMO_REDUCE_BN_VAR,
                               EMO_REDUCE_BN_MEAN, EMO_REDUCE_BN_VAR,
                               EMO_REDUCE_LOSS, EMO_REDUCE_BN_GRAD,
                               EMO_REDUCE_BN_GRAD, EMO_REDUCE_GRADIENTS};
    static const size_t n[] = {5, 5, 7, 7, 3, 13, 9,
                               40 + 8 + 222 + 12 + 485};
    ck_assert_int_eq(t.calls, 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(t.what[i], what[i]);
        ck_assert_uint_eq(t.n[i], n[i]);
        ck_assert_int_eq(t.type[i], what[i] == EMO_REDUCE_GRADIENTS
                                        ? EMO_REDUCE_F32 : EMO_REDUCE_F64);
    }
    /* A reducer that leaves the sums as they are changes nothing. */
    int identical;
    param_diff(a, b, &identical);
    ck_assert_msg(identical, "an identity reducer changed the result");

    /* A failure stops the step before the weights move. */
    emo_network *c = new_net();
    ck_assert_int_eq(emo_network_train_step(c, x, y, BATCH, LR, NULL, NULL),
                     EMO_OK);
    ck_assert_int_eq(emo_network_train_step(c, x, y, BATCH, LR, NULL, NULL),
                     EMO_OK);
    for (int at = 0; at < 8; at++) {
        t.calls = 0;
        t.fail_at = at;
        float w0[40], w1[40];
        ck_assert_int_eq(emo_network_get_param(b, "c1", 0, w0, 40), 36);
        ck_assert_int_eq(emo_network_train_step(b, x, y, BATCH, LR, NULL,
                                                NULL), EMO_ERR_IO);
        ck_assert(strstr(emo_last_error(), "reducer") != NULL);
        ck_assert_int_eq(t.calls, at + 1);
        ck_assert_int_eq(emo_network_get_param(b, "c1", 0, w1, 40), 36);
        ck_assert(memcmp(w0, w1, sizeof(float) * 36) == 0);
    }
    /* Removed, the network steps alone again. */
    ck_assert_int_eq(emo_network_set_reducer(b, NULL, NULL), EMO_OK);
    t.calls = 0;
    ck_assert_int_eq(emo_network_train_step(b, x, y, BATCH, LR, NULL, NULL),
                     EMO_OK);
    ck_assert_int_eq(t.calls, 0);
    ck_assert_int_eq(emo_network_set_reducer(NULL, trace_reduce, &t),
                     EMO_ERR_INVALID_ARG);
    emo_network_destroy(a);
    emo_network_destroy(b);
    emo_network_destroy(c);
}
END_TEST

Suite *reduce_suite(void)
{
    Suite *s = suite_create("reduce");
    TCase *tc = tcase_create("reduce");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_ranks_equal_one_process);
    tcase_add_test(tc, calls_in_documented_order);
    tcase_add_test(tc, dropout_masks_follow_the_global_batch);
    tcase_add_test(tc, checkpoint_continues_a_train_step_loop);
    suite_add_tcase(s, tc);
    return s;
}
