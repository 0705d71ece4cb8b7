/* check_gemm_packed.c - the products with pre-packed weights
 * (gemm_packed.c) and the products split across the pool (gemm_split.c):
 * each kernel (AVX-512 and AVX2, as far as the CPU has them) against a
 * double-precision product on shapes that hit every edge: rows not a
 * multiple of a panel or a panel pair, column counts around the blocks
 * of 12 and 6, K of 1, strided Y; then whole inference passes that take
 * them (6x6 maps, grouped and 1x1 convolutions, fc at batch 1 and 3) on 1
 * and 2 threads against EMO_CONV_REFERENCE's im2col with OpenBLAS.
 *
 * Tolerance: |got - ref| <= 2e-5 * (|ref| + rms(ref)).  A sum of K float
 * products in [-1, 1] rounds to about sqrt(K) * 6e-8 of the rms (1e-6 at
 * K = 300); a wrong panel, column or row gives errors of the order of
 * the values. */
#include "nn_testutil.h"

#include <stdlib.h>

#define SENTINEL 12345.0f

static double rms_of(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return n ? sqrt(s / (double)n) : 0.0;
}

/* Y = W X in doubles, Y rows x cols dense. */
static double *reference(const float *W, const float *X, int rows, int K,
                         int cols)
{
    double *Y = calloc((size_t)rows * cols, sizeof *Y);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += (double)W[(size_t)r * K + k] * X[(size_t)k * cols + c];
            Y[(size_t)r * cols + c] = s;
        }
    return Y;
}

/* One shape on the kernel of the moment: Y's rows ldy = cols + 3 apart,
 * the 3 floats after each row's columns left as they were. */
static void check_shape(int rows, int K, int cols, int threads)
{
    float *W = malloc(sizeof(float) * (size_t)rows * K);
    float *X = malloc(sizeof(float) * (size_t)K * cols);
    nt_fill(W, (size_t)rows * K, 7 + (uint64_t)rows, -1, 1);
    nt_fill(X, (size_t)K * cols, 9 + (uint64_t)cols, -1, 1);
    float *Wp = emo__packed_alloc(emo__packed_floats(rows, K));
    ck_assert_ptr_nonnull(Wp);
    emo__pack_rows(W, rows, K, Wp);
    size_t ldy = (size_t)cols + 3, ny = (size_t)rows * ldy;
    float *Y = malloc(sizeof(float) * ny);
    for (size_t i = 0; i < ny; i++)
        Y[i] = SENTINEL;
    ck_assert_int_eq(
        emo__packed_gemm(Wp, rows, K, X, (size_t)cols, cols, Y, ldy, threads),
        1);
    double *ref = reference(W, X, rows, K, cols);
    double r = rms_of(ref, (size_t)rows * cols);
    for (int i = 0; i < rows; i++)
        for (size_t c = 0; c < ldy; c++) {
            float got = Y[(size_t)i * ldy + c];
            if (c >= (size_t)cols) {
                ck_assert_msg(got == SENTINEL,
                              "%dx%dx%d: padding [%d][%zu] written", rows, K,
                              cols, i, c);
                continue;
            }
            double want = ref[(size_t)i * cols + c];
            ck_assert_msg(fabs(got - want) <= 2e-5 * (fabs(want) + r),
                          "%dx%dx%d t%d [%d][%zu]: %.8g, reference %.8g",
                          rows, K, cols, threads, i, c, got, want);
        }
    free(ref);
    free(Y);
    free(Wp);
    free(X);
    free(W);
}

/* Rows: one short panel, a panel and one, an odd count of panels (the
 * AVX-512 kernel's lone last panel), the default net's 256.  Columns:
 * 1, below and above the blocks of 6 (AVX2) and 12 (AVX-512), the
 * default net's 36 and the limit. */
START_TEST(packed_products_match_reference)
{
    static const int rows[] = {1, 17, 40, 256};
    static const int ks[] = {1, 9, 300};
    static const int cols[] = {1, 5, 7, 12, 13, 36, EMO__PACKED_MAX_COLS};
    if (!emo__packed_available())
        return; /* not x86-64 with AVX2: packed_kernel_declines covers it */
    for (int isa = 2; isa >= 1; isa--) {
        emo__packed_force_isa(isa);
        for (size_t a = 0; a < sizeof rows / sizeof *rows; a++)
            for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
                for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
                    for (int t = 1; t <= 2; t++)
                        check_shape(rows[a], ks[b], cols[c], t);
    }
    emo__packed_force_isa(-1);
}
END_TEST

/* No kernel: emo__packed_gemm says so and leaves Y alone, so that the
 * callers' OpenBLAS product runs instead. */
START_TEST(packed_kernel_declines)
{
    float W[3 * 4], X[4 * 2], Y[3 * 2];
    nt_fill(W, 12, 1, -1, 1);
    nt_fill(X, 8, 2, -1, 1);
    float *Wp = emo__packed_alloc(emo__packed_floats(3, 4));
    emo__pack_rows(W, 3, 4, Wp);
    for (int i = 0; i < 6; i++)
        Y[i] = SENTINEL;
    emo__packed_force_isa(0);
    ck_assert_int_eq(emo__packed_available(), 0);
    ck_assert_int_eq(emo__packed_gemm(Wp, 3, 4, X, 2, 2, Y, 2, 1), 0);
    emo__packed_force_isa(-1);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(Y[i], SENTINEL);
    free(Wp);
}
END_TEST

/* Packing: zero rows pad the last panel; values k-major per panel. */
START_TEST(pack_layout)
{
    float W[17 * 3];
    for (int i = 0; i < 17 * 3; i++)
        W[i] = (float)(i + 1);
    ck_assert_uint_eq(emo__packed_floats(17, 3), 2 * 16 * 3);
    float *Wp = emo__packed_alloc(emo__packed_floats(17, 3));
    emo__pack_rows(W, 17, 3, Wp);
    /* panel 0, k = 2, row 5: W[5][2] */
    ck_assert_float_eq(Wp[2 * 16 + 5], W[5 * 3 + 2]);
    /* panel 1, k = 1, row 16: W[16][1]; rows 17.. are zero */
    ck_assert_float_eq(Wp[48 + 16 + 0], W[16 * 3 + 1]);
    for (int i = 1; i < 16; i++)
        ck_assert_float_eq(Wp[48 + 16 + i], 0.0f);
    free(Wp);
}
END_TEST

/* 6x6 maps: c1 on Winograd's cached transform, packed up to 160 tiles
 * (batch 1 to 3, its products split on 2 threads) and plain beyond; the
 * batch norm folded into it.  The im2col products on packed weights up
 * to 96 columns: c2 grouped (36 positions), c3 of stride 2 (9), c4 1x1
 * (9).  Then an fc. */
#define PACKED_NET                                                         \
    "[net]\nchannels = 9\nheight = 6\nwidth = 6\n"                         \
    "[c1]\ntype = conv\nfilters = 20\nsize = 3\npad = 1\n"                 \
    "[bn]\ntype = bn\n[r1]\ntype = relu\n"                                 \
    "[c2]\ntype = conv\nfilters = 34\nsize = 3\npad = 1\ngroups = 2\n"    \
    "[r2]\ntype = relu\n"                                                  \
    "[c3]\ntype = conv\nfilters = 19\nsize = 3\npad = 1\nstride = 2\n"    \
    "[c4]\ntype = conv\nfilters = 17\nsize = 1\n"                          \
    "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n"

static emo_network *packed_net(void)
{
    emo_network *net = NULL;
    ck_assert_emo_ok(emo_network_create_text(PACKED_NET, &net));
    int got = emo_network_get_param(net, "bn", 0, NULL, 0);
    float g[20];
    ck_assert_int_eq(got, 20);
    nt_fill(g, 20, 41, 0.5f, 2.0f);
    ck_assert_emo_ok(emo_network_set_param(net, "bn", 0, g, 20));
    return net;
}

static void forward_reference(emo_network *net, const float *x, int batch,
                              float *p)
{
    nt_force_reference(1);
    ck_assert_emo_ok(emo_network_forward(net, x, batch, p));
    nt_force_reference(0);
}

START_TEST(inference_matches_reference)
{
    emo_network *net = packed_net();
    const emo__layer *c1 = &net->nn.layers[0];
    static const int im2col_layers[] = {3, 5, 6}; /* c2, c3, c4 */
    for (int i = 0; i < 3; i++) {
        const emo__layer *l = &net->nn.layers[im2col_layers[i]];
        ck_assert_int_eq(l->type, EMO__L_CONV);
        ck_assert_int_eq(emo__conv_packs(l, 1), emo__packed_available());
        ck_assert(!emo__conv_packs(l, 18));
    }
    ck_assert(!emo__conv_packs(c1, 1)); /* Winograd instead */
    ck_assert_int_eq(emo__conv_fast_cached(c1, 1), emo__packed_available());
    ck_assert(emo__conv_fast_cached(c1, 3));
    enum { MAXB = 18, CALLS = 5 };
    float x[MAXB * 9 * 36], p[CALLS][MAXB * 3], p2[CALLS][MAXB * 3];
    float pr[MAXB * 3];
    nt_fill(x, sizeof x / 4, 43, -1, 1);
    /* c1 on Winograd at 9-162 tiles, its transform cached packed where
     * the kernel runs, else (kernel forced off, the second round) plain;
     * at 2 threads batches of 2 and more run as slices of 1-9 images
     * (batch 3: slices of 1 and 2).  All passes first, the references
     * after: a reference pass drops the cache. */
    static const int batches[CALLS] = {1, 2, 3, 18, 3};
    for (int round = 0; round < 2; round++) {
        emo__packed_force_isa(round ? 0 : -1);
        int packs = emo__packed_available();
        ck_assert_int_eq(emo__conv_fast_cached(c1, 1), packs);
        for (int k = 0; k < CALLS; k++) {
            int batch = batches[k];
            ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS,
                                                 1));
            ck_assert_emo_ok(emo_network_forward(net, x, batch, p[k]));
            if (emo__conv_fast_cached(c1, batch)) {
                /* F(3x3) at batch 18: 72 tiles of 3x3 */
                ck_assert_int_eq(net->ws->wino_m[0],
                                 emo__wino_tile(c1, batch));
                ck_assert_int_eq(emo__wino_tile(c1, batch),
                                 batch == 18 ? 3 : 2);
                ck_assert_int_eq(net->ws->wino_packed[0] != NULL, packs);
                ck_assert_int_eq(net->ws->wino_u[0] != NULL, !packs);
            }
            ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS,
                                                 2));
            ck_assert_emo_ok(emo_network_forward(net, x, batch, p2[k]));
            if (k == 0 && round == 0) /* the im2col layers' weights
                                         packed by the call */
                for (int i = 0; i < 3; i++)
                    ck_assert_int_eq(
                        net->ws->packed_w[im2col_layers[i]] != NULL, packs);
        }
        for (int k = 0; k < CALLS; k++) {
            int batch = batches[k];
            forward_reference(net, x, batch, pr);
            for (int i = 0; i < batch * 3; i++) {
                ck_assert_msg(nt_close(p[k][i], pr[i], 2e-5, 1e-7),
                              "round %d b%d [%d]: %.8g, reference %.8g",
                              round, batch, i, p[k][i], pr[i]);
                ck_assert_msg(nt_close(p2[k][i], pr[i], 2e-5, 1e-7),
                              "round %d b%d t2 [%d]: %.8g, reference %.8g",
                              round, batch, i, p2[k][i], pr[i]);
            }
        }
    }
    emo__packed_force_isa(-1);
    emo_network_destroy(net);
}
END_TEST

/* Inference slices run unsynchronised, so that one may be layers ahead
 * of the other: what slice 1 writes at any layer never overlaps what
 * slice 0 writes at any layer into the same ping-pong buffer (offsets
 * by each layer's own size did: c4's 153 floats per image at image 1
 * fell inside c2's 1224 of image 0, and a sliced pass gave wrong
 * probabilities a few times in a thousand). */
START_TEST(inference_slices_keep_apart)
{
    emo_network *net = packed_net();
    const emo__net *nn = &net->nn;
    enum { BATCH = 5, SPLIT = 2 }; /* slices of images 0-1 and 2-4 */
    float x[BATCH * 9 * 36], p[BATCH * 3];
    nt_fill(x, sizeof x / 4, 44, -1, 1);
    ck_assert_emo_ok(emo_network_set_int(net, EMO_OPT_NET_THREADS, 2));
    ck_assert_emo_ok(emo_network_forward(net, x, BATCH, p));
    const emo__net_ws *ws = net->ws;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < nn->n_layers; i++)
            for (int j = 0; j < nn->n_layers; j++) {
                if (nn->layers[i].type == EMO__L_SOFTMAX ||
                    nn->layers[j].type == EMO__L_SOFTMAX)
                    continue;
                const float *a = emo__infer_out(nn, ws, i, k, 0, p);
                const float *b = emo__infer_out(nn, ws, j, k, SPLIT, p);
                size_t na = SPLIT * emo__shape_size(nn->layers[i].out);
                size_t nb =
                    (BATCH - SPLIT) * emo__shape_size(nn->layers[j].out);
                ck_assert_msg(a + na <= b || b + nb <= a,
                              "buffer %d: layer %d of slice 0 [0, %zu) "
                              "meets layer %d of slice 1 [%td, %td)",
                              k, i, na, j, b - a, b - a + (ptrdiff_t)nb);
            }
    emo_network_destroy(net);
}
END_TEST

/* The packed weights follow weight changes: after new c1 and c2 weights
 * the network forwards bit for bit like a fresh one given them. */
START_TEST(packed_follow_weight_changes)
{
    emo_network *net = packed_net();
    float x[9 * 36], p[3], pf[3];
    nt_fill(x, sizeof x / 4, 47, -1, 1);
    ck_assert_emo_ok(emo_network_forward(net, x, 1, p)); /* packs */
    const char *layers[] = {"c1", "c2"};
    for (int i = 0; i < 2; i++) {
        int n = emo_network_get_param(net, layers[i], 0, NULL, 0);
        float *w = malloc(sizeof(float) * (size_t)n);
        nt_fill(w, (size_t)n, 50 + (uint64_t)i, -0.5f, 0.5f);
        ck_assert_emo_ok(emo_network_set_param(net, layers[i], 0, w,
                                               (size_t)n));
        free(w);
    }
    emo_network *fresh = packed_net();
    ck_assert_emo_ok(emo_network_transfer(fresh, net, NULL));
    ck_assert_emo_ok(emo_network_forward(net, x, 1, p));
    ck_assert_emo_ok(emo_network_forward(fresh, x, 1, pf));
    ck_assert_msg(memcmp(p, pf, sizeof p) == 0, "%.8g vs %.8g", p[0], pf[0]);
    emo_network_destroy(fresh);
    emo_network_destroy(net);
}
END_TEST

/* The split products on their own, shapes large enough that 2 threads
 * do split them (about 256 K multiply-adds a thread): the single call's
 * result within the bound (the blocks may take OpenBLAS's small-matrix
 * path, another order of sums). */
START_TEST(split_products_match_single_call)
{
    enum { M = 64, N = 150, K = 300, ROWS = 2000 };
    float *A = malloc(sizeof(float) * ROWS * K);
    float *B = malloc(sizeof(float) * K * N), *Bt = malloc(sizeof(float) * N * K);
    float *C1 = malloc(sizeof(float) * ROWS), *C2 = malloc(sizeof(float) * ROWS);
    float *D1 = malloc(sizeof(float) * M * N), *D2 = malloc(sizeof(float) * M * N);
    nt_fill(A, (size_t)ROWS * K, 61, -1, 1);
    nt_fill(B, (size_t)K * N, 62, -1, 1);
    for (int k = 0; k < K; k++)
        for (int n = 0; n < N; n++)
            Bt[n * K + k] = B[k * N + n];
    for (int tb = 0; tb <= 1; tb++) {
        const float *b = tb ? Bt : B;
        int ldb = tb ? K : N;
        for (int i = 0; i < M * N; i++)
            D1[i] = D2[i] = 0.5f; /* beta = 1 keeps it */
        emo__sgemm_split(1, tb, M, N, K, A, K, b, ldb, 1.0f, D1, N);
        emo__sgemm_split(2, tb, M, N, K, A, K, b, ldb, 1.0f, D2, N);
        for (int i = 0; i < M * N; i++)
            ck_assert_msg(nt_close(D2[i], D1[i], 2e-5, 1e-5),
                          "tb %d [%d]: %.8g vs %.8g", tb, i, D2[i], D1[i]);
    }
    for (int i = 0; i < ROWS; i++)
        C1[i] = C2[i] = 1.0f;
    emo__sgemv_split(1, ROWS, K, A, K, B, 1.0f, C1);
    emo__sgemv_split(2, ROWS, K, A, K, B, 1.0f, C2);
    for (int i = 0; i < ROWS; i++)
        ck_assert_msg(nt_close(C2[i], C1[i], 2e-5, 1e-5), "gemv [%d]: %.8g "
                      "vs %.8g", i, C2[i], C1[i]);
    free(A);
    free(B);
    free(Bt);
    free(C1);
    free(C2);
    free(D1);
    free(D2);
}
END_TEST

Suite *gemm_packed_suite(void)
{
    Suite *s = suite_create("gemm_packed");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, packed_products_match_reference);
    tcase_add_test(tc, packed_kernel_declines);
    tcase_add_test(tc, pack_layout);
    tcase_add_test(tc, inference_matches_reference);
    tcase_add_test(tc, inference_slices_keep_apart);
    tcase_add_test(tc, packed_follow_weight_changes);
    tcase_add_test(tc, split_products_match_single_call);
    suite_add_tcase(s, tc);
    return s;
}
