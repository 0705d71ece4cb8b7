/* check_nn_grad.c - every layer's backward against central finite
 * differences of L = sum(r * y), and a whole small net's weighted
 * cross-entropy gradient. */
#include "nn_testutil.h"

#include <stdlib.h>

#define BATCH 2
#define SAMPLES 48 /* coordinates checked per tensor */

typedef struct gc {
    emo_network *net;
    emo__layer *l;
    float *x, *y, *r, *dx;
    size_t nx, ny;
    emo__ctx ctx;
    emo_rng rng;
    float *col;
    void *aux;
    int train;
} gc;

static double loss_of(gc *g)
{
    emo__rng_seed(&g->rng, 77); /* same dropout mask every time */
    emo__layer_forward(g->l, g->x, g->y, BATCH, g->aux, &g->ctx);
    double s = 0.0;
    for (size_t i = 0; i < g->ny; i++)
        s += (double)g->r[i] * g->y[i];
    return s;
}

static void gc_setup(gc *g, emo_network *net, int train)
{
    memset(g, 0, sizeof *g);
    g->net = net;
    g->l = &net->nn.layers[0];
    g->nx = BATCH * emo__shape_size(g->l->in);
    g->ny = BATCH * emo__shape_size(g->l->out);
    g->x = malloc(sizeof(float) * g->nx);
    g->dx = malloc(sizeof(float) * g->nx);
    g->y = malloc(sizeof(float) * g->ny);
    g->r = malloc(sizeof(float) * g->ny);
    size_t sc = emo__layer_scratch(g->l, BATCH);
    g->col = malloc(sizeof(float) * (sc + 1));
    size_t ab = emo__layer_aux_bytes(g->l, BATCH);
    g->aux = ab ? malloc(ab) : NULL;
    g->ctx.train = train;
    g->ctx.threads = 2; /* exercise the parallel loops */
    g->ctx.col = g->col;
    g->ctx.col_cap = sc;
    g->ctx.rng = &g->rng;
    nt_fill(g->x, g->nx, 1, -1.0f, 1.0f);
    nt_fill(g->r, g->ny, 2, -1.0f, 1.0f);
    ck_assert_emo_ok(emo__net_alloc_train(&net->nn));
    /* non-trivial BN affine parameters */
    if (g->l->type == EMO__L_BN) {
        nt_fill(g->l->p[0].data, g->l->p[0].n, 3, 0.5f, 1.5f);
        nt_fill(g->l->p[1].data, g->l->p[1].n, 4, -0.5f, 0.5f);
    }
}

static void gc_free(gc *g)
{
    free(g->x);
    free(g->dx);
    free(g->y);
    free(g->r);
    free(g->col);
    free(g->aux);
    emo_network_destroy(g->net);
}

/* Compares analytic d L / d v[i] with central differences on sampled i. */
static void check_tensor(gc *g, float *v, size_t n, const float *analytic,
                         const char *what, float eps)
{
    emo_rng pick;
    emo__rng_seed(&pick, 5);
    int count = n < SAMPLES ? (int)n : SAMPLES;
    for (int s = 0; s < count; s++) {
        size_t i = n <= SAMPLES ? (size_t)s
                                : emo__rng_below(&pick, (uint32_t)n);
        float keep = v[i];
        v[i] = keep + eps;
        double lp = loss_of(g);
        v[i] = keep - eps;
        double lm = loss_of(g);
        v[i] = keep;
        double num = (lp - lm) / (2.0 * eps);
        ck_assert_msg(nt_close(analytic[i], num, 2e-2, 2e-3),
                      "%s %s[%zu]: analytic %g numeric %g",
                      emo__layer_type_name(g->l->type), what, i,
                      analytic[i], num);
    }
}

static void grad_check(emo_network *net, int train, float eps)
{
    gc g;
    gc_setup(&g, net, train);
    for (int j = 0; j < g.l->nparams; j++)
        if (g.l->p[j].grad)
            memset(g.l->p[j].grad, 0, sizeof(float) * g.l->p[j].n);
    loss_of(&g);
    emo__layer_backward(g.l, g.x, g.y, g.r, g.dx, BATCH, g.aux, &g.ctx);
    check_tensor(&g, g.x, g.nx, g.dx, "x", eps);
    for (int j = 0; j < g.l->nparams; j++)
        if (g.l->p[j].learned)
            check_tensor(&g, g.l->p[j].data, g.l->p[j].n, g.l->p[j].grad,
                         j ? "bias" : "weight", eps);
    gc_free(&g);
}

START_TEST(grad_conv_stride_pad_groups)
{
    grad_check(nt_layer_net(4, 7, 6, "type = conv\nfilters = 6\nsize = 3\n"
                            "stride = 2\npad = 1\ngroups = 2\n"
                            "bias_value = 0.1"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_conv_plain)
{
    grad_check(nt_layer_net(3, 6, 6, "type = conv\nfilters = 5\nsize = 3\n"
                            "pad = 1"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_conv_fast_path)
{
    /* 3x3 stride 1 with 9 input channels and 2 x 72 tiles: the Winograd
     * path (odd 15x17 map: half tiles at the edges) */
    emo_network *net = nt_layer_net(9, 15, 17, "type = conv\nfilters = 4\n"
                                    "size = 3\npad = 1\nbias_value = 0.1");
    ck_assert(emo__conv_fast(&net->nn.layers[0], BATCH));
    grad_check(net, 1, 1e-2f);
}
END_TEST

START_TEST(grad_conv_pointwise)
{
    grad_check(nt_layer_net(6, 4, 5, "type = conv\nfilters = 4\nsize = 1\n"
                            "groups = 2"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_conv_large_map)
{
    /* 66x66 outputs: one image per product (no batching of columns) */
    grad_check(nt_layer_net(1, 66, 66, "type = conv\nfilters = 2\n"
                            "size = 3\npad = 1"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_fc)
{
    grad_check(nt_layer_net(3, 3, 2, "type = fc\noutputs = 5"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_relu)
{
    grad_check(nt_layer_net(2, 5, 5, "type = relu"), 1, 1e-3f);
}
END_TEST

START_TEST(grad_maxpool_ceil_pad)
{
    grad_check(nt_layer_net(2, 7, 6, "type = maxpool\nsize = 3\nstride = 2\n"
                            "pad = 1"), 1, 1e-3f);
}
END_TEST

START_TEST(grad_avgpool_ceil)
{
    grad_check(nt_layer_net(2, 7, 8, "type = avgpool\nsize = 3\n"
                            "stride = 2\npad = 1"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_gap)
{
    grad_check(nt_layer_net(3, 4, 5, "type = gap"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_lrn)
{
    /* large alpha so the normalisation matters */
    grad_check(nt_layer_net(7, 3, 3, "type = lrn\nlocal_size = 5\n"
                            "alpha = 1.5\nbeta = 0.75\nk = 2"), 1, 1e-2f);
}
END_TEST

START_TEST(grad_dropout)
{
    grad_check(nt_layer_net(2, 4, 4, "type = dropout\nratio = 0.3"), 1,
               1e-2f);
}
END_TEST

START_TEST(grad_bn_train)
{
    grad_check(nt_layer_net(3, 4, 3, "type = bn"), 1, 1e-2f);
}
END_TEST

/* Whole net: weighted cross-entropy through every kind of layer; the
 * step with lr 0 leaves the gradients in place.  ReLU and max pooling
 * after batch norm put kinks near the sampled points, where a finite
 * difference straddles a switch; a few such coordinates are tolerated
 * (each layer alone is checked exactly above). */
static const char small_net[] =
    "[net]\nchannels = 2\nheight = 9\nwidth = 8\n"
    "[c1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n"
    "[b1]\ntype = bn\n[r1]\ntype = relu\n"
    "[p1]\ntype = maxpool\nsize = 3\nstride = 2\n"
    "[n1]\ntype = lrn\nlocal_size = 3\nalpha = 0.5\n"
    "[c2]\ntype = conv\nfilters = 6\nsize = 3\npad = 1\ngroups = 2\n"
    "[a2]\ntype = avgpool\nsize = 2\n"
    "[d2]\ntype = dropout\nratio = 0.25\n"
    "[f]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n";

static double net_loss(emo_network *net, emo__net_ws *ws, const float *x,
                       const int *labels, const float *cw)
{
    double loss;
    net->step = 0;
    ck_assert_emo_ok(emo__sgd_step(net, ws, x, labels, NULL, 4, 0.0, cw,
                                   &loss, NULL, NULL));
    return loss;
}

START_TEST(grad_whole_net_weighted_loss)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(small_net, &net));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS, 2));
    emo__net_ws *ws;
    ck_assert_emo_ok(emo__network_ws_create(net, &ws));
    float x[4 * 2 * 9 * 8];
    nt_fill(x, sizeof x / sizeof *x, 9, -1.0f, 1.0f);
    int labels[4] = {0, 2, 1, 2};
    float cw[3] = {0.5f, 2.0f, 1.25f};
    net_loss(net, ws, x, labels, cw);
    /* keep the analytic gradients */
    float *saved[32][4];
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++) {
            emo__param *p = &net->nn.layers[i].p[j];
            saved[i][j] = p->grad ? malloc(sizeof(float) * p->n) : NULL;
            if (p->grad)
                memcpy(saved[i][j], p->grad, sizeof(float) * p->n);
        }
    int checked = 0, off = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++) {
            emo__param *p = &net->nn.layers[i].p[j];
            if (!p->learned)
                continue;
            for (size_t k = 0; k < p->n && k < 12; k++) {
                float keep = p->data[k], eps = 1e-3f;
                p->data[k] = keep + eps;
                double lp = net_loss(net, ws, x, labels, cw);
                p->data[k] = keep - eps;
                double lm = net_loss(net, ws, x, labels, cw);
                p->data[k] = keep;
                double num = (lp - lm) / (2 * eps);
                checked++;
                if (!nt_close(saved[i][j][k], num, 3e-2, 3e-3)) {
                    off++;
                    if (getenv("EMO_TEST_VERBOSE"))
                        fprintf(stderr, "grad: layer %s param %d[%zu]: "
                                "analytic %g numeric %g\n",
                                net->nn.layers[i].name, j, k, saved[i][j][k],
                                num);
                }
            }
            free(saved[i][j]);
        }
    ck_assert_msg(off * 10 <= checked, "%d of %d gradients off", off,
                  checked);
    emo__net_ws_destroy(ws);
    emo_network_destroy(net);
}
END_TEST

/* Data-parallel training (train_pass.c) cuts the batch into one slice per
 * thread; gradients, batch-norm running statistics and the loss must be
 * those of one thread up to summation order, for uneven slices (batch 7
 * over 2 and 3 threads) and with a frozen layer (no weight gradient, but
 * its input gradient still flows). */
static size_t sliced_step(int threads, const float *x, const int *labels,
                          float *grads, double *loss, float *running)
{
    emo_network *net;
    ck_assert_emo_ok(emo_network_create_text(small_net, &net));
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS, threads));
    ck_assert_emo_ok(emo_network_set_layer_lr(net, "c2", 0.0, 0.0));
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 7, 0.0, NULL,
                                            loss));
    size_t g = 0, r = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++) {
            const emo__param *p = &net->nn.layers[i].p[j];
            for (size_t k = 0; k < p->n; k++)
                if (p->learned)
                    grads[g++] = p->grad[k];
                else
                    running[r++] = p->data[k];
        }
    ck_assert_uint_eq(r, 8); /* b1's running mean and variance */
    emo_network_destroy(net);
    return g;
}

START_TEST(sliced_training_matches_one_thread)
{
    float x[7 * 2 * 9 * 8], g1[512], gt[512], r1[8], rt[8];
    int labels[7] = {0, 1, 2, 2, 1, 0, 2};
    nt_fill(x, sizeof x / sizeof *x, 21, -1.0f, 1.0f);
    double l1, lt;
    size_t n = sliced_step(1, x, labels, g1, &l1, r1);
    ck_assert_uint_eq(n, 273);
    int frozen = 0;
    for (int threads = 2; threads <= 3; threads++) {
        sliced_step(threads, x, labels, gt, &lt, rt);
        ck_assert(nt_close(l1, lt, 1e-6, 1e-7));
        for (size_t i = 0; i < n; i++) {
            frozen += g1[i] == 0.0f;
            ck_assert_msg(nt_close(g1[i], gt[i], 1e-4, 1e-6),
                          "threads %d grad %zu: %g vs %g", threads, i, g1[i],
                          gt[i]);
        }
        for (int i = 0; i < 8; i++)
            ck_assert(nt_close(r1[i], rt[i], 1e-5, 1e-7));
    }
    ck_assert_int_ge(frozen, 2 * 114); /* c2's weights and biases */
}
END_TEST

Suite *nn_grad_suite(void)
{
    Suite *s = suite_create("nn_grad");
    TCase *tc = tcase_create("layers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, grad_conv_stride_pad_groups);
    tcase_add_test(tc, grad_conv_plain);
    tcase_add_test(tc, grad_conv_fast_path);
    tcase_add_test(tc, grad_conv_pointwise);
    tcase_add_test(tc, grad_conv_large_map);
    tcase_add_test(tc, grad_fc);
    tcase_add_test(tc, grad_relu);
    tcase_add_test(tc, grad_maxpool_ceil_pad);
    tcase_add_test(tc, grad_avgpool_ceil);
    tcase_add_test(tc, grad_gap);
    tcase_add_test(tc, grad_lrn);
    tcase_add_test(tc, grad_dropout);
    tcase_add_test(tc, grad_bn_train);
    tcase_add_test(tc, grad_whole_net_weighted_loss);
    tcase_add_test(tc, sliced_training_matches_one_thread);
    suite_add_tcase(s, tc);
    return s;
}
