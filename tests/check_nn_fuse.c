/* check_nn_fuse.c - the fused training kernels (batch norm with the ReLU
 * and the 2x2 max pool after it, train_pass.c / batchnorm.c) against the
 * same layers run one by one (workspace flag `unfused`): bitwise equal on
 * one thread, for odd shapes (channels not a multiple of the vector
 * width, 6x6 and 1x1 maps, planes too large to fuse, pools that cannot
 * be fused), batches 1 and 3; and a finite-difference check of a fused
 * group's gradients. */
#include "nn_testutil.h"

#include <stdlib.h>

/* conv + bn + relu + plain 2x2 pool (fused), then + a 3x3 ceil-mode pool
 * (not fusable), a bn without relu and a bn + relu on a 1x1 map. */
static const char odd_net[] =
    "[net]\nchannels = 3\nheight = 12\nwidth = 12\n"
    "[c1]\ntype = conv\nfilters = 5\nsize = 3\npad = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[p1]\ntype = maxpool\nsize = 2\n"
    "[c2]\ntype = conv\nfilters = 17\nsize = 3\npad = 1\nbias = 0\n"
    "[b2]\ntype = bn\n[r2]\ntype = relu\n"
    "[p2]\ntype = maxpool\nsize = 3\nstride = 2\n"
    "[b3]\ntype = bn\n"
    "[c3]\ntype = conv\nfilters = 7\nsize = 3\n"
    "[b4]\ntype = bn\n[r4]\ntype = relu\n"
    "[f]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n";

/* 1x1 maps: a 2x2 input pooled to 1x1 after bn + relu. */
static const char tiny_net[] =
    "[net]\nchannels = 9\nheight = 2\nwidth = 2\n"
    "[c1]\ntype = conv\nfilters = 3\nsize = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[p1]\ntype = maxpool\nsize = 2\n"
    "[b2]\ntype = bn\n[r2]\ntype = relu\n"
    "[f]\ntype = fc\noutputs = 2\n[prob]\ntype = softmax\n";

/* 66x66 planes: more than EMO__BN_POOL_PLANE, the pool stays apart. */
static const char wide_net[] =
    "[net]\nchannels = 1\nheight = 66\nwidth = 66\n"
    "[c1]\ntype = conv\nfilters = 3\nsize = 3\npad = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[p1]\ntype = maxpool\nsize = 2\n"
    "[f]\ntype = fc\noutputs = 2\n[prob]\ntype = softmax\n";

/* Winograd layers after a first im2col conv (24x24 maps: 144 tiles an
 * image, the fast path from one image on): with several slices each
 * batch norm after a bias-less Winograd conv leaves its input gradient
 * to that conv (train_pass.c, emo__bn_dy), with a ReLU (b1) and without
 * (b2); b0 follows a conv with a bias and makes its own.  9 and 12
 * channels: not a multiple of the vector width. */
static const char wino_net[] =
    "[net]\nchannels = 3\nheight = 24\nwidth = 24\n"
    "[c0]\ntype = conv\nfilters = 8\nsize = 3\npad = 1\n"
    "[b0]\ntype = bn\n[r0]\ntype = relu\n"
    "[c1]\ntype = conv\nfilters = 9\nsize = 3\npad = 1\nbias = 0\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[c2]\ntype = conv\nfilters = 12\nsize = 3\npad = 1\nbias = 0\n"
    "[b2]\ntype = bn\n"
    "[p2]\ntype = maxpool\nsize = 2\n"
    "[f]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n";

typedef struct step_out {
    float *vals; /* every parameter's gradient, then every BN's data */
    size_t n;
    double loss;
    float probs[3 * 3];
} step_out;

/* One step at lr 0 (weights unchanged, gradients kept) with non-trivial
 * BN parameters; the fused or the unfused path. */
static step_out train_once(const char *text, int batch, int threads,
                           int unfused)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(text, &net));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS, threads));
    emo__net *g = &net->nn;
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].type == EMO__L_BN) {
            emo__layer *l = &g->layers[i];
            nt_fill(l->p[0].data, l->p[0].n, 10 + i, 0.5f, 1.5f);
            nt_fill(l->p[1].data, l->p[1].n, 20 + i, -0.3f, 0.3f);
        }
    emo__net_ws *ws;
    ck_assert_emo_ok(emo__network_ws_create(net, &ws));
    ws->unfused = unfused;
    size_t in = emo__shape_size(g->input);
    float *x = malloc(sizeof(float) * in * batch);
    nt_fill(x, in * batch, 7, -1.0f, 1.0f);
    int labels[3] = {1, 0, 1};
    step_out o = {0};
    ck_assert_emo_ok(emo__sgd_step(net, ws, x, labels, NULL, batch, 0.0,
                                   NULL, &o.loss, o.probs, NULL));
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (int i = 0; i < g->n_layers; i++)
            for (int j = 0; j < g->layers[i].nparams; j++) {
                const emo__param *p = &g->layers[i].p[j];
                const float *src = p->learned ? p->grad : p->data;
                if (pass)
                    memcpy(o.vals + k, src, sizeof(float) * p->n);
                k += p->n;
            }
        if (!pass) {
            o.n = k;
            o.vals = malloc(sizeof(float) * k);
        }
    }
    free(x);
    emo__net_ws_destroy(ws);
    emo_network_destroy(net);
    return o;
}

/* Fused against unfused at the same thread count: bitwise (one slice:
 * the whole-batch channel kernels; several: the slices' phases). */
static void compare(const char *text, int batch, int threads)
{
    step_out ref = train_once(text, batch, threads, 1);
    step_out got = train_once(text, batch, threads, 0);
    ck_assert_uint_eq(ref.n, got.n);
    for (size_t i = 0; i < ref.n; i++)
        ck_assert_msg(memcmp(&ref.vals[i], &got.vals[i], 4) == 0,
                      "batch %d threads %d value %zu: %.9g vs %.9g", batch,
                      threads, i, ref.vals[i], got.vals[i]);
    ck_assert(memcmp(ref.probs, got.probs, sizeof(float) * batch * 3) == 0);
    ck_assert(ref.loss == got.loss);
    free(ref.vals);
    free(got.vals);
}

START_TEST(fused_training_is_bitwise_unfused)
{
    for (int batch = 1; batch <= 3; batch += 2) {
        compare(odd_net, batch, 1);
        compare(tiny_net, batch, 1);
        compare(wide_net, batch, 1);
    }
}
END_TEST

/* Two and three slices of 3 images (one image each), and batch 1 on two
 * threads (one slice, channels split across the threads); with slices,
 * wino_net's deferred batch-norm input gradients against the unfused
 * layers' own. */
START_TEST(fused_training_on_threads_is_bitwise_unfused)
{
    for (int threads = 2; threads <= 3; threads++) {
        compare(odd_net, 3, threads);
        compare(tiny_net, 3, threads);
        compare(wino_net, 3, threads);
    }
    compare(odd_net, 1, 2);
    compare(wino_net, 1, 2);
}
END_TEST

/* The fused group (bn + relu + 2x2 pool) does skip something: the
 * ReLU's full-size output buffer is not written. */
START_TEST(fused_pool_skips_relu_output)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(odd_net, &net));
    emo__net_ws *ws;
    ck_assert_emo_ok(emo__network_ws_create(net, &ws));
    ck_assert_emo_ok(emo__net_ws_reserve(&net->nn, ws, 1, 1));
    size_t n = emo__shape_size(net->nn.layers[2].out); /* r1 */
    for (size_t i = 0; i < n; i++)
        ws->act[3][i] = -7.0f;
    size_t in = emo__shape_size(net->nn.input);
    float *x = malloc(sizeof(float) * in);
    nt_fill(x, in, 3, -1.0f, 1.0f);
    int label = 0;
    ck_assert_emo_ok(emo__sgd_step(net, ws, x, &label, NULL, 1, 0.0, NULL,
                                   NULL, NULL, NULL));
    ck_assert(ws->act[3][0] == -7.0f && ws->act[3][n - 1] == -7.0f);
    /* the unfused path writes it */
    ws->unfused = 1;
    ck_assert_emo_ok(emo__sgd_step(net, ws, x, &label, NULL, 1, 0.0, NULL,
                                   NULL, NULL, NULL));
    for (size_t i = 0; i < n; i++)
        ck_assert(ws->act[3][i] >= 0.0f);
    free(x);
    emo__net_ws_destroy(ws);
    emo_network_destroy(net);
}
END_TEST

static double loss_at(emo_network *net, emo__net_ws *ws, const float *x,
                      const int *labels, int batch)
{
    double loss;
    net->step = 0;
    ck_assert_emo_ok(emo__sgd_step(net, ws, x, labels, NULL, batch, 0.0,
                                   NULL, &loss, NULL, NULL));
    return loss;
}

/* The fused group's parameter gradients (conv before it, gamma, beta)
 * against central differences of the loss.  Kinks of the ReLU and the
 * pool can sit within eps of a sample: a few misses are tolerated, as in
 * check_nn_grad.c's whole-net check. */
START_TEST(fused_group_gradients_match_differences)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(odd_net, &net));
    emo__net_ws *ws;
    ck_assert_emo_ok(emo__network_ws_create(net, &ws));
    enum { B = 3 };
    size_t in = emo__shape_size(net->nn.input);
    float *x = malloc(sizeof(float) * in * B);
    nt_fill(x, in * B, 11, -1.0f, 1.0f);
    int labels[B] = {2, 0, 1};
    loss_at(net, ws, x, labels, B);
    /* the analytic gradients of c1 and b1 (their first 8 values) */
    float saved[2][EMO__MAX_PARAMS_PER_LAYER][8];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++) {
            const emo__param *p = &net->nn.layers[i].p[j];
            if (p->learned)
                memcpy(saved[i][j], p->grad,
                       sizeof(float) * (p->n < 8 ? p->n : 8));
        }
    int checked = 0, off = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++) {
            emo__param *p = &net->nn.layers[i].p[j];
            for (size_t k = 0; p->learned && k < p->n && k < 8; k++) {
                float keep = p->data[k], eps = 1e-3f;
                p->data[k] = keep + eps;
                double lp = loss_at(net, ws, x, labels, B);
                p->data[k] = keep - eps;
                double lm = loss_at(net, ws, x, labels, B);
                p->data[k] = keep;
                checked++;
                off += !nt_close(saved[i][j][k], (lp - lm) / (2 * eps),
                                 3e-2, 3e-3);
            }
        }
    ck_assert_int_ge(checked, 20);
    ck_assert_msg(off * 10 <= checked, "%d of %d gradients off", off,
                  checked);
    free(x);
    emo__net_ws_destroy(ws);
    emo_network_destroy(net);
}
END_TEST

Suite *nn_fuse_suite(void)
{
    Suite *s = suite_create("nn_fuse");
    TCase *tc = tcase_create("fused");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fused_training_is_bitwise_unfused);
    tcase_add_test(tc, fused_training_on_threads_is_bitwise_unfused);
    tcase_add_test(tc, fused_pool_skips_relu_output);
    tcase_add_test(tc, fused_group_gradients_match_differences);
    suite_add_tcase(s, tc);
    return s;
}
