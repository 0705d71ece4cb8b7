/* check_conv_fast.c - the fast 3x3 convolution path (Winograd F(2x2,3x3)
 * and F(4x4,3x3), conv_winograd.c, each on every shape) against the
 * im2col reference: forward (plain and with bias + ReLU), input gradient
 * and filter gradient, on shapes that hit the edges: 1x1, 2x2 and odd
 * maps, channel counts that are not multiples of any vector width,
 * batches of 1 and 3 and chunks of several images.
 *
 * Tolerance: |fast - ref| <= 2e-5 * (|ref| + rms(ref)).  Both paths sum
 * at most a few hundred float products of values in [-1, 1], with
 * rounding errors of the order sqrt(terms) * 6e-8 of the tensor's rms
 * (about 1e-6); Winograd's transforms scale the operands by up to 4 before
 * the sums, so its error is a few times that.  A wrong tile, offset or
 * transform coefficient gives errors of the order of the values. */
#include "nn_testutil.h"

#include <stdlib.h>

static double rms(const float *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return n ? sqrt(s / (double)n) : 0.0;
}

static void expect_within(const float *a, const float *ref, size_t n,
                          double tol, const char *what, const char *shape)
{
    double r = rms(ref, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)a[i] - ref[i]) <= tol * (fabs(ref[i]) + r),
                      "%s %s [%zu]: fast %.8g, reference %.8g", what, shape,
                      i, a[i], ref[i]);
}

static void expect_close(const float *a, const float *ref, size_t n,
                         const char *what, const char *shape)
{
    expect_within(a, ref, n, 2e-5, what, shape);
}

typedef struct fast_case {
    emo_network *net;
    emo__layer *l;
    int batch;
    size_t nx, ny, nw;
    float *x, *dy, *col;
    emo__ctx ctx;
} fast_case;

static void case_open(fast_case *t, int c, int h, int w, int f, int pad,
                      int batch, int threads)
{
    char body[160];
    snprintf(body, sizeof body, "type = conv\nfilters = %d\nsize = 3\n"
             "pad = %d\nbias_value = 0.25", f, pad);
    t->net = nt_layer_net(c, h, w, body);
    t->l = &t->net->nn.layers[0];
    ck_assert_emo_ok(emo__net_alloc_train(&t->net->nn));
    t->batch = batch;
    t->nx = batch * emo__shape_size(t->l->in);
    t->ny = batch * emo__shape_size(t->l->out);
    t->nw = t->l->p[0].n;
    t->x = malloc(4 * t->nx);
    t->dy = malloc(4 * t->ny);
    size_t cap = emo__layer_scratch(t->l, batch);
    t->col = malloc(4 * (cap + 1));
    nt_fill(t->x, t->nx, 11, -1, 1);
    nt_fill(t->dy, t->ny, 12, -1, 1);
    nt_fill(t->l->p[0].data, t->nw, 13, -1, 1);
    nt_fill(t->l->p[1].data, (size_t)f, 14, -1, 1);
    t->ctx = (emo__ctx){.threads = threads, .col = t->col, .col_cap = cap};
}

static void case_close(fast_case *t)
{
    free(t->x);
    free(t->dy);
    free(t->col);
    emo_network_destroy(t->net);
}

/* Forward, forward with bias + ReLU, backward (dx and dW accumulated onto
 * a non-zero gradient) on both paths, with F(m x m,3x3). */
static void tile_matches_reference(int m, int c, int h, int w, int f,
                                   int pad, int batch, int threads)
{
    char shape[96];
    snprintf(shape, sizeof shape, "F(%d) c%d %dx%d f%d pad %d batch %d t%d",
             m, c, h, w, f, pad, batch, threads);
    emo__wino_force_tile(m);
    fast_case t;
    case_open(&t, c, h, w, f, pad, batch, threads);
    emo__layer *l = t.l;
    ck_assert_msg(emo__wino_applies(l), "%s", shape);
    /* the tile forced is the one in use: (m + 2)^2 transformed filters */
    ck_assert_int_eq(emo__wino_tile(l, batch), m);
    ck_assert_uint_eq(emo__wino_filter_floats(l, m),
                      (size_t)(m + 2) * (m + 2) * ((size_t)c * f + 16));
    float *y = malloc(4 * t.ny), *yr = malloc(4 * t.ny);
    float *dx = malloc(4 * t.nx), *dxr = malloc(4 * t.nx);
    float *dw = malloc(4 * t.nw);
    const float *W = l->p[0].data, *b = l->p[1].data;

    for (int relu = 0; relu < 2; relu++) {
        emo__wino_forward(l, W, relu ? b : NULL, relu, t.x, y, batch,
                          &t.ctx);
        nt_force_reference(1);
        emo__conv_forward_ex(l, W, relu ? b : NULL, relu, t.x, yr, batch,
                             &t.ctx);
        nt_force_reference(0);
        expect_close(y, yr, t.ny, relu ? "forward+bias+relu" : "forward",
                     shape);
    }

    for (size_t i = 0; i < t.nw; i++)
        l->p[0].grad[i] = 0.5f;
    emo__wino_backward(l, t.x, t.dy, dx, batch, 1, &t.ctx);
    memcpy(dw, l->p[0].grad, 4 * t.nw);
    for (size_t i = 0; i < t.nw; i++)
        l->p[0].grad[i] = 0.5f;
    nt_force_reference(1);
    emo__conv_backward(l, t.x, t.dy, dxr, batch, &t.ctx);
    nt_force_reference(0);
    expect_close(dx, dxr, t.nx, "input gradient", shape);
    expect_close(dw, l->p[0].grad, t.nw, "filter gradient", shape);

    /* dx only (a frozen layer), then dW only (a first layer) */
    memset(dx, 0, 4 * t.nx);
    emo__wino_backward(l, t.x, t.dy, dx, batch, 0, &t.ctx);
    expect_close(dx, dxr, t.nx, "input gradient alone", shape);
    for (size_t i = 0; i < t.nw; i++)
        l->p[0].grad[i] = 0.5f;
    emo__wino_backward(l, t.x, t.dy, NULL, batch, 1, &t.ctx);
    expect_close(l->p[0].grad, dw, t.nw, "filter gradient alone", shape);

    free(y);
    free(yr);
    free(dx);
    free(dxr);
    free(dw);
    case_close(&t);
    emo__wino_force_tile(0);
}

/* Both tile sizes, whatever the rule would choose for the shape. */
static void fast_matches_reference(int c, int h, int w, int f, int pad,
                                   int batch, int threads)
{
    for (int m = 2; m <= 4; m++)
        tile_matches_reference(m, c, h, w, f, pad, batch, threads);
}

START_TEST(winograd_small_maps)
{
    fast_matches_reference(3, 1, 1, 5, 1, 1, 1);  /* 1x1: one tile */
    fast_matches_reference(17, 1, 1, 3, 1, 3, 1);
    fast_matches_reference(1, 2, 2, 1, 1, 3, 1);  /* 2x2 */
    fast_matches_reference(17, 2, 2, 17, 1, 1, 1);
    fast_matches_reference(3, 3, 5, 5, 1, 3, 1);  /* odd: half tiles */
    fast_matches_reference(17, 5, 3, 3, 1, 1, 1);
}
END_TEST

START_TEST(winograd_padding_and_sizes)
{
    fast_matches_reference(3, 7, 9, 4, 0, 3, 1);   /* no padding */
    fast_matches_reference(5, 6, 6, 17, 2, 1, 1);  /* pad 2: grows */
    fast_matches_reference(17, 13, 11, 5, 1, 3, 1);
    fast_matches_reference(8, 12, 12, 16, 1, 3, 1); /* a default-net block */
}
END_TEST

START_TEST(winograd_chunks_and_threads)
{
    /* 400 tiles per image: chunks of 2 images then 1 (filter gradient
     * summed over chunks) */
    fast_matches_reference(3, 40, 40, 5, 1, 3, 1);
    fast_matches_reference(17, 24, 24, 9, 1, 3, 2);
}
END_TEST

/* The dispatch: which layers take the fast path, and the override. */
START_TEST(fast_path_dispatch)
{
    static const struct {
        const char *body;
        int c, batch, applies, fast;
    } cases[] = {
        /* 36 tiles per 12x12 image: 144 at batch 4, 108 at batch 3 */
        {"type = conv\nfilters = 8\nsize = 3\npad = 1", 16, 4, 1, 1},
        {"type = conv\nfilters = 8\nsize = 3\npad = 1", 16, 3, 1, 0},
        {"type = conv\nfilters = 8\nsize = 3\npad = 1", 1, 4, 1, 0},
        {"type = conv\nfilters = 8\nsize = 3\nstride = 2", 16, 64, 0, 0},
        {"type = conv\nfilters = 8\nsize = 5\npad = 2", 16, 64, 0, 0},
        {"type = conv\nfilters = 8\nsize = 3\ngroups = 2", 16, 64, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emo_network *net = nt_layer_net(cases[i].c, 12, 12, cases[i].body);
        const emo__layer *l = &net->nn.layers[0];
        ck_assert_int_eq(emo__wino_applies(l), cases[i].applies);
        int b = cases[i].batch;
        ck_assert_int_eq(emo__conv_fast(l, b), cases[i].fast);
        nt_force_reference(1);
        ck_assert_int_eq(emo__conv_fast(l, b), 0);
        setenv("EMO_CONV_REFERENCE", "0", 1);
        ck_assert_int_eq(emo__conv_fast(l, b), cases[i].fast);
        nt_force_reference(0);
        emo_network_destroy(net);
    }
}
END_TEST

/* ---- the inference cache of transformed filters (forward.c) ----------- */

/* Winograd with a U made once by emo__wino_filter is the same arithmetic
 * as with U made on each call: equal bit for bit. */
START_TEST(winograd_cached_filter_bitwise)
{
    for (int m = 2; m <= 4; m++) {
        emo__wino_force_tile(m);
        fast_case t;
        case_open(&t, 17, 13, 11, 5, 1, 3, 1);
        emo__layer *l = t.l;
        float *U = malloc(4 * emo__wino_filter_floats(l, m));
        float *y = malloc(4 * t.ny), *yu = malloc(4 * t.ny);
        emo__wino_filter(l, m, l->p[0].data, U);
        for (int relu = 0; relu < 2; relu++) {
            const float *b = relu ? l->p[1].data : NULL;
            emo__wino_forward(l, l->p[0].data, b, relu, t.x, y, 3, &t.ctx);
            emo__wino_forward_u(l, U, m, b, relu, t.x, yu, 3, &t.ctx);
            ck_assert(memcmp(y, yu, 4 * t.ny) == 0);
        }
        free(U);
        free(y);
        free(yu);
        case_close(&t);
    }
    emo__wino_force_tile(0);
}
END_TEST

/* The cached rule: 24 tiles per call suffice, still 8 input channels. */
START_TEST(cached_dispatch)
{
    /* fast: 1 always, 2 where the transform is packed (from 9 tiles on,
     * with a kernel), 0 never */
    static const struct {
        int c, hw, batch, fast;
    } cases[] = {
        {16, 12, 1, 1}, /* 36 tiles */
        {16, 6, 1, 2},  /* 9 */
        {16, 6, 2, 2},  /* 18 */
        {16, 6, 3, 1},  /* 27 */
        {16, 4, 1, 0},  /* 4 */
        {1, 12, 4, 0},  /* one input channel */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emo_network *net = nt_layer_net(cases[i].c, cases[i].hw, cases[i].hw,
                                        "type = conv\nfilters = 8\n"
                                        "size = 3\npad = 1");
        const emo__layer *l = &net->nn.layers[0];
        int fast = cases[i].fast == 2 ? emo__packed_available()
                                      : cases[i].fast;
        ck_assert_int_eq(emo__conv_fast_cached(l, cases[i].batch), fast);
        nt_force_reference(1);
        ck_assert_int_eq(emo__conv_fast_cached(l, cases[i].batch), 0);
        nt_force_reference(0);
        emo_network_destroy(net);
    }
}
END_TEST

/* Odd 11x13 maps (42 tiles an image: the cached rule takes batch 1 and 3,
 * the uncached one neither), a batch norm folded into the first conv. */
#define CACHE_NET                                                          \
    "[net]\nchannels = 9\nheight = 11\nwidth = 13\n"                       \
    "[c1]\ntype = conv\nfilters = 8\nsize = 3\npad = 1\n"                  \
    "[bn]\ntype = bn\n[r1]\ntype = relu\n"                                 \
    "[c2]\ntype = conv\nfilters = 5\nsize = 3\npad = 1\n"                  \
    "[r2]\ntype = relu\n"                                                  \
    "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n"

static emo_network *cache_net(void)
{
    emo_network *net = NULL;
    ck_assert_emo_ok(emo_network_create_text(CACHE_NET, &net));
    return net;
}

/* Sets every float of layer/index to values from `seed`. */
static void refill(emo_network *net, const char *layer, int index,
                   uint64_t seed, float lo, float hi)
{
    int got = emo_network_get_param(net, layer, index, NULL, 0);
    ck_assert_int_gt(got, 0);
    size_t n = (size_t)got;
    float *v = malloc(4 * n);
    nt_fill(v, n, seed, lo, hi);
    ck_assert_emo_ok(emo_network_set_param(net, layer, index, v, n));
    free(v);
}

START_TEST(cached_forward_matches_reference)
{
    emo_network *net = cache_net();
    refill(net, "bn", 0, 21, 0.5f, 2.0f); /* gamma */
    refill(net, "bn", 2, 22, -0.5f, 0.5f); /* mean */
    float x[3 * 9 * 11 * 13], p[9], pr[9];
    nt_fill(x, sizeof x / 4, 23, -1, 1);
    for (int batch = 1; batch <= 3; batch += 2) {
        ck_assert(emo__conv_fast_cached(&net->nn.layers[0], batch));
        ck_assert(!emo__conv_fast(&net->nn.layers[0], batch));
        ck_assert_emo_ok(emo_network_forward(net, x, batch, p));
        nt_force_reference(1);
        ck_assert_emo_ok(emo_network_forward(net, x, batch, pr));
        nt_force_reference(0);
        expect_close(p, pr, (size_t)batch * 3, "cached forward", "net");
    }
    emo_network_destroy(net);
}
END_TEST

/* `net` forwards like a network freshly given its weights: bit for bit
 * (the same paths), which a stale transformed filter would not. */
static void forwards_like_fresh(emo_network *net, const float *x,
                                const char *what)
{
    emo_network *fresh = cache_net();
    int copied = 0;
    ck_assert_emo_ok(emo_network_transfer(fresh, net, &copied));
    ck_assert_int_eq(copied, 4);
    float p[9], pf[9];
    ck_assert_emo_ok(emo_network_forward(net, x, 3, p));
    ck_assert_emo_ok(emo_network_forward(fresh, x, 3, pf));
    ck_assert_msg(memcmp(p, pf, sizeof p) == 0, "%s: %.8g vs %.8g", what,
                  p[0], pf[0]);
    emo_network_destroy(fresh);
}

START_TEST(cache_follows_weight_changes)
{
    emo_network *net = cache_net();
    float x[3 * 9 * 11 * 13];
    nt_fill(x, sizeof x / 4, 31, -1, 1);
    float p[9];
    ck_assert_emo_ok(emo_network_forward(net, x, 3, p)); /* fills it */
    refill(net, "c1", 0, 32, -0.5f, 0.5f);
    forwards_like_fresh(net, x, "conv weights set");
    refill(net, "bn", 0, 33, 0.5f, 2.0f);
    forwards_like_fresh(net, x, "batch norm set");
    int labels[3] = {0, 1, 2};
    double loss;
    ck_assert_emo_ok(emo_network_train_step(net, x, labels, 3, 0.5, NULL,
                                            &loss));
    forwards_like_fresh(net, x, "train step");
    emo_network *other = cache_net();
    refill(other, "c2", 0, 34, -0.5f, 0.5f);
    ck_assert_emo_ok(emo_network_transfer(net, other, NULL));
    forwards_like_fresh(net, x, "weights transferred");
    emo_network_destroy(other);
    emo_network_destroy(net);
}
END_TEST

/* The tile size: F(4x4,3x3) from 12x12 maps, 64 input channels and 64
 * tiles of 4x4 per call; F(3x3,3x3) where F(4x4)'s tiles do not fit and
 * it makes fewer products than F(2x2), from 64 channels and 64 tiles of
 * 3x3; the override and the environment variable. */
START_TEST(tile_rule)
{
    static const struct {
        int c, h, w, batch, m, m_packed; /* m_packed: where a kernel runs */
    } cases[] = {
        {64, 48, 48, 1, 4, 4},   /* 144 tiles */
        {64, 24, 24, 1, 2, 4},   /* 36 (F(3x3) only where F(4x4) pads) */
        {64, 24, 24, 2, 4, 4},   /* 72 */
        {128, 12, 12, 1, 2, 4},  /* 9 */
        {128, 12, 12, 8, 4, 4},  /* 72 */
        {8, 16, 12, 64, 4, 4},   /* 8 input channels */
        {128, 11, 12, 64, 3, 3}, /* an 11-pixel side: 1024 tiles of 3x3 */
        {128, 11, 12, 3, 2, 2},  /* 48 tiles of 3x3 */
        {32, 24, 24, 64, 4, 4},  /* 32 input channels */
        {256, 6, 6, 64, 3, 3},   /* 6x6: F(4x4) pads to 8x8 */
        {256, 6, 6, 8, 2, 2},    /* 32 tiles of 3x3 */
        {16, 6, 6, 64, 3, 3},    /* 16 input channels */
        {64, 10, 10, 64, 2, 2},  /* 10x10: as many products as F(2x2) */
        {256, 4, 4, 64, 2, 2},   /* 4x4: F(3x3) pads to 6x6 (more products) */
    };
    for (size_t k = 0; k < 2 * sizeof cases / sizeof cases[0]; k++) {
        size_t i = k / 2;
        emo__packed_force_isa(k % 2 ? 0 : -1); /* 0: the kernel off */
        int want = emo__packed_available() ? cases[i].m_packed : cases[i].m;
        emo_network *net = nt_layer_net(cases[i].c, cases[i].h, cases[i].w,
                                        "type = conv\nfilters = 8\n"
                                        "size = 3\npad = 1");
        const emo__layer *l = &net->nn.layers[0];
        ck_assert_msg(emo__wino_tile(l, cases[i].batch) == want,
                      "case %zu: F(%d), want F(%d)", i,
                      emo__wino_tile(l, cases[i].batch), want);
        int other = want == 2 ? 3 : 2;
        emo__wino_force_tile(other);
        ck_assert_int_eq(emo__wino_tile(l, cases[i].batch), other);
        emo__wino_force_tile(0);
        setenv("EMO_WINO_TILE", other == 2 ? "2" : "3", 1);
        ck_assert_int_eq(emo__wino_tile(l, cases[i].batch), other);
        unsetenv("EMO_WINO_TILE");
        emo_network_destroy(net);
    }
    emo__packed_force_isa(-1);
}
END_TEST

/* One network forwarded at batch 1 (F(2x2) cached: 16 tiles of 3x3), 6
 * (F(3x3): the cache is transformed again) and 1 again: the cache holds
 * each call's tile size and form (packed where a kernel runs; without the
 * refresh a call would fall back to the per-call transform, right but
 * slow), each result is like the reference, and the second batch-1 pass
 * is bit for bit like the first. */
START_TEST(cache_follows_tile_size)
{
    emo_network *net = NULL;
    ck_assert_emo_ok(emo_network_create_text(
        "[net]\nchannels = 64\nheight = 11\nwidth = 12\n"
        "[c1]\ntype = conv\nfilters = 4\nsize = 3\npad = 1\n"
        "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n",
        &net));
    const emo__layer *l = &net->nn.layers[0];
    ck_assert_int_eq(emo__wino_tile(l, 1), 2);
    ck_assert_int_eq(emo__wino_tile(l, 6), 3);
    ck_assert(emo__conv_fast_cached(l, 1));
    size_t n = 6 * 64 * 11 * 12;
    float *x = malloc(4 * n), p[18], pr[18], first[3];
    nt_fill(x, n, 41, -1, 1);
    static const int batches[] = {1, 6, 1};
    for (int k = 0; k < 3; k++) {
        int b = batches[k];
        ck_assert_emo_ok(emo_network_forward(net, x, b, p));
        /* one form: U packed where a kernel runs, else U */
        int m = b == 1 ? 2 : 3, packed = emo__packed_available();
        ck_assert_int_eq(net->ws->wino_m[0], m);
        ck_assert_int_eq(net->ws->wino_packed[0] != NULL, packed);
        ck_assert_int_eq(net->ws->wino_u[0] != NULL, !packed);
        nt_force_reference(1);
        ck_assert_emo_ok(emo_network_forward(net, x, b, pr));
        nt_force_reference(0);
        expect_close(p, pr, (size_t)b * 3, "cached forward", "F(2)/F(3)");
        if (k == 0)
            memcpy(first, p, sizeof first);
    }
    ck_assert(memcmp(first, p, sizeof first) == 0);
    free(x);
    emo_network_destroy(net);
}
END_TEST

/* One training forward and backward of net at `threads` with its own
 * workspace, checking the forms' tile size (want_m) and whether they are
 * the packed ones (want_packs; -1: either); poison (NaN) fills layer 1's
 * filter forms between the two passes, and bump changes the weights'
 * version there (as a weight write does).  Leaves every gradient in g
 * (zeroed first), then the last layer's input (the forward's output:
 * the softmax's scores). */
static void train_pass_grads_ex(emo_network *net, const float *x, int batch,
                                int threads, int poison, int bump,
                                int want_m, int want_packs, float *g)
{
    emo__net *nn = &net->nn;
    emo__net_ws *ws = NULL;
    ck_assert_emo_ok(emo__net_alloc_train(nn));
    ck_assert_emo_ok(emo__net_ws_create(nn, threads, &ws));
    ck_assert_emo_ok(emo__net_ws_reserve(nn, ws, batch, 1));
    ck_assert_emo_ok(emo__net_ws_reserve_slices(nn, ws, batch, threads));
    for (int i = 0; i < nn->n_layers; i++)
        for (int j = 0; j < nn->layers[i].nparams; j++)
            if (nn->layers[i].p[j].learned)
                memset(nn->layers[i].p[j].grad, 0,
                       sizeof(float) * nn->layers[i].p[j].n);
    ck_assert_emo_ok(emo__train_forward(nn, ws, x, batch, threads, NULL));
    emo__shards *sh = ws->shards;
    /* the tile size the slices take; none on the reference path */
    ck_assert_int_eq(sh->wino_m[0], want_m);
    ck_assert_int_eq(sh->wino_m[1], want_m);
    if (want_packs >= 0) {
        ck_assert_int_eq(sh->wino_packs[0], want_packs);
        ck_assert_int_eq(sh->wino_packs[1], want_packs);
    }
    int last = nn->n_layers - 1;
    size_t n = (size_t)batch * emo__shape_size(nn->layers[last].in);
    float *out = malloc(sizeof(float) * n);
    memcpy(out, ws->act[last], sizeof(float) * n);
    if (poison)
        for (size_t k = 0; k < sh->wino_cap[1]; k++)
            sh->wino_u[1][k] = NAN;
    if (bump)
        nn->version++;
    nt_fill(ws->diff[last], n, 5, -1, 1);
    ck_assert_emo_ok(emo__train_backward(nn, ws, x, batch, threads, NULL));
    for (int i = 0; i < nn->n_layers; i++)
        for (int j = 0; j < nn->layers[i].nparams; j++)
            if (nn->layers[i].p[j].learned) {
                memcpy(g, nn->layers[i].p[j].grad,
                       sizeof(float) * nn->layers[i].p[j].n);
                g += nn->layers[i].p[j].n;
            }
    memcpy(g, out, sizeof(float) * n);
    free(out);
    emo__net_ws_destroy(ws);
}

static void train_pass_grads(emo_network *net, const float *x, int batch,
                             int threads, int poison, int bump, int want_m,
                             float *g)
{
    train_pass_grads_ex(net, x, batch, threads, poison, bump, want_m, -1, g);
}

/* Two 64-channel convs on side x side maps and an fc; *ng: its
 * parameter floats. */
static emo_network *two_conv_net(int side, size_t *ng)
{
    emo_network *net = NULL;
    char text[256];
    snprintf(text, sizeof text,
             "[net]\nchannels = 64\nheight = %d\nwidth = %d\n"
             "[c0]\ntype = conv\nfilters = 64\nsize = 3\npad = 1\n"
             "[c1]\ntype = conv\nfilters = 64\nsize = 3\npad = 1\n"
             "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n",
             side, side);
    ck_assert_emo_ok(emo_network_create_text(text, &net));
    *ng = 0;
    for (int i = 0; i < net->nn.n_layers; i++)
        for (int j = 0; j < net->nn.layers[i].nparams; j++)
            *ng += net->nn.layers[i].p[j].n;
    return net;
}

/* The training passes transform each layer's filters once per step
 * (train_pass.c), for every slice and for the backward pass: the
 * backward pass uses the forward's transform (poisoning it poisons the
 * gradients), and only while the weights are those it was made from (a
 * version change makes backward transform per call again: the same
 * floats as the untouched run, which the transform is per filter pair,
 * where the forms are plain U; packed forms (a kernel runs) multiply on
 * gemm_packed.c's kernel, the per-call U on OpenBLAS, whose order of
 * summation is its own). */
START_TEST(training_filter_forms)
{
    size_t ng;
    emo_network *net = two_conv_net(12, &ng);
    int batch = 8;
    size_t nx = (size_t)batch * 64 * 144;
    float *x = malloc(4 * nx), *g[4];
    nt_fill(x, nx, 17, -1, 1);
    for (int threads = 1; threads <= 2; threads++) {
        for (int k = 0; k < 4; k++) /* and the fc's output after them */
            g[k] = malloc(4 * (ng + (size_t)batch * 3));
        /* slices of 4 images: 36 tiles, F(4x4) on the kernel only */
        int m = threads == 1 || emo__packed_available() ? 4 : 2;
        train_pass_grads(net, x, batch, threads, 0, 0, m, g[0]);
        train_pass_grads(net, x, batch, threads, 1, 0, m, g[1]);
        train_pass_grads(net, x, batch, threads, 1, 1, m, g[2]);
        nt_force_reference(1);
        train_pass_grads(net, x, batch, threads, 0, 0, 0, g[3]);
        nt_force_reference(0);
        /* c0's filter gradient takes c1's input gradient */
        const emo__layer *c0 = &net->nn.layers[0];
        int poisoned = 0;
        for (size_t k = 0; k < c0->p[0].n; k++)
            poisoned += isnan(g[1][k]) != 0;
        ck_assert_msg(poisoned == (int)c0->p[0].n, "threads %d: %d of %zu "
                      "gradients poisoned", threads, poisoned, c0->p[0].n);
        if (emo__packed_available())
            expect_within(g[2], g[0], ng, 1e-5, "after a weight change",
                          "packed forms");
        else
            ck_assert(memcmp(g[0], g[2], 4 * ng) == 0);
        /* Against im2col: c0's filter gradient, through c1's dx.  Two
         * backward passes chained (F(4x4)'s transforms scale values by up
         * to 8, then 1152 products summed) differ from im2col by about
         * 1e-4 of the values (s390x: 1.0e-4 at worst); a wrong or stale
         * transform by the order of the values. */
        expect_within(g[0], g[3], c0->p[0].n, 1e-3, "c0 filter gradient",
                      "two convs");
        for (int k = 0; k < 4; k++)
            free(g[k]);
    }
    free(x);
    emo_network_destroy(net);
}
END_TEST

/* Training's packed filter forms (AVX-512 or AVX2 kernels) and plain U
 * (no kernel) against im2col, with channel counts that leave the packed
 * panels part empty (20 -> 24 -> 40 channels, F(2x2) on 10x10 maps;
 * 72 -> 40, F(4x4) on 12x12 maps and F(3x3) on 9x9): every weight
 * gradient and the forward's output, at 1 and 2 threads. */
START_TEST(training_packed_forms)
{
    static const struct {
        int cin, c0, c1, side, m;
    } nets[] = {{20, 24, 40, 10, 2}, {72, 72, 40, 12, 4},
                {72, 72, 40, 9, 3}};
    for (size_t k = 0; k < sizeof nets / sizeof nets[0]; k++) {
        char text[320];
        int side = nets[k].side;
        snprintf(text, sizeof text,
                 "[net]\nchannels = %d\nheight = %d\nwidth = %d\n"
                 "[c0]\ntype = conv\nfilters = %d\nsize = 3\npad = 1\n"
                 "[c1]\ntype = conv\nfilters = %d\nsize = 3\npad = 1\n"
                 "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n",
                 nets[k].cin, side, side, nets[k].c0, nets[k].c1);
        emo_network *net = NULL;
        ck_assert_emo_ok(emo_network_create_text(text, &net));
        int batch = 16;
        size_t nx = (size_t)batch * nets[k].cin * side * side, ng = 0;
        for (int i = 0; i < net->nn.n_layers; i++)
            for (int j = 0; j < net->nn.layers[i].nparams; j++)
                ng += net->nn.layers[i].p[j].n;
        ng += (size_t)batch * 3; /* the fc's output after them */
        float *x = malloc(4 * nx), *g = malloc(4 * ng), *ref = malloc(4 * ng);
        nt_fill(x, nx, 23, -1, 1);
        for (int threads = 1; threads <= 2; threads++) {
            nt_force_reference(1);
            train_pass_grads_ex(net, x, batch, threads, 0, 0, 0, 0, ref);
            nt_force_reference(0);
            for (int isa = 2; isa >= 0; isa--) {
                emo__packed_force_isa(isa);
                int packs = emo__packed_available();
                train_pass_grads_ex(net, x, batch, threads, 0, 0, nets[k].m,
                                    packs, g);
                emo__packed_force_isa(-1);
                char what[64], shape[32];
                snprintf(what, sizeof what, "isa %d threads %d", isa,
                         threads);
                snprintf(shape, sizeof shape, "F(%dx%d)", nets[k].m,
                         nets[k].m);
                expect_within(g, ref, ng, 1e-3, what, shape);
            }
        }
        free(x);
        free(g);
        free(ref);
        emo_network_destroy(net);
    }
}
END_TEST

/* Slices whose batches take different tile sizes: 15 images on two
 * threads are slices of 7 and 8, and 64 channels on 9x9 maps take
 * F(2x2) at 7 images (63 tiles of 3x3) and F(3x3) at 8.  The step's
 * filter forms are made for slice 0's; slice 1 transforms its own, and
 * must not multiply by slice 0's packed forms. */
START_TEST(training_slices_of_two_tile_sizes)
{
    size_t ng;
    emo_network *net = two_conv_net(9, &ng);
    int batch = 15;
    ck_assert_int_eq(emo__wino_tile(&net->nn.layers[0], 7), 2);
    ck_assert_int_eq(emo__wino_tile(&net->nn.layers[0], 8), 3);
    ck_assert(emo__conv_fast(&net->nn.layers[0], 7));
    size_t nx = (size_t)batch * 64 * 81;
    ng += (size_t)batch * 3; /* the fc's output after them */
    float *x = malloc(4 * nx), *g = malloc(4 * ng), *ref = malloc(4 * ng);
    nt_fill(x, nx, 29, -1, 1);
    nt_force_reference(1);
    train_pass_grads_ex(net, x, batch, 2, 0, 0, 0, 0, ref);
    nt_force_reference(0);
    train_pass_grads_ex(net, x, batch, 2, 0, 0, 2, -1, g);
    expect_within(g, ref, ng, 1e-3, "threads 2", "slices of 7 and 8");
    free(x);
    free(g);
    free(ref);
    emo_network_destroy(net);
}
END_TEST

Suite *conv_fast_suite(void)
{
    Suite *s = suite_create("conv_fast");
    TCase *tc = tcase_create("winograd");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, winograd_small_maps);
    tcase_add_test(tc, winograd_padding_and_sizes);
    tcase_add_test(tc, winograd_chunks_and_threads);
    tcase_add_test(tc, fast_path_dispatch);
    tcase_add_test(tc, tile_rule);
    suite_add_tcase(s, tc);
    tc = tcase_create("inference_cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, winograd_cached_filter_bitwise);
    tcase_add_test(tc, cached_dispatch);
    tcase_add_test(tc, cached_forward_matches_reference);
    tcase_add_test(tc, cache_follows_weight_changes);
    tcase_add_test(tc, cache_follows_tile_size);
    tcase_add_test(tc, training_filter_forms);
    tcase_add_test(tc, training_packed_forms);
    tcase_add_test(tc, training_slices_of_two_tile_sizes);
    suite_add_tcase(s, tc);
    return s;
}
