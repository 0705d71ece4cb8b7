/*
 * gemm_packed.c - Y = W X for products with few columns, W packed once.
 *
 * At batch 1 a deep layer's product is wide and short: the default net's
 * conv4b multiplied 256 x 2304 weights by a 2304 x 36 column matrix (6x6
 * maps).  OpenBLAS packs both operands on every call, and for so few
 * columns its packing was a quarter of the batch-1 pass (perf, default
 * net, Xeon).  Here the weights are packed once per weight version, by
 * the inference cache (forward.c: a conv layer's weights for short
 * im2col calls, or Winograd's transform for calls of few tiles), into
 * panels of 16 rows, k-major, and a register-blocked kernel reads each
 * panel once per call while the columns stay in cache.
 *
 * Measured (one core, Xeon AVX-512, 256 x {1152, 2304} weights, 4.4 MB,
 * as conv4a + conv4b; docs/benchmarks.md): against OpenBLAS's SkylakeX
 * sgemm the AVX-512 kernel took 0.61x its time at 36 columns, 0.77x at
 * 72, 1.0x at 144 and 1.4x at 288 (the column matrix leaves the L1/L2);
 * the AVX2 kernel against OpenBLAS's Haswell sgemm 0.75x at 36 columns,
 * 0.92x at 72 and 1.0x at 144.  Hence EMO__PACKED_MAX_COLS for im2col's
 * layout; with each column a row (Winograd's V) a column block reads
 * whole cache lines and the cap is higher (conv_winograd.c).
 *
 * Training packs too: each step's Winograd filter transform is written
 * packed (U for the forward, U^T for the input gradient; the weights
 * change every step, the transform was made every step anyway), and
 * those products run here at any tile count: 0.73-0.87x OpenBLAS's time
 * at the training chunks' shapes for the forward, 0.80-1.06x for the
 * input gradient, with no copy of V or D and no zeroing of the output
 * (docs/benchmarks.md, session 13).
 *
 * Hand-written rather than OpenBLAS because OpenBLAS has no pre-packed
 * interface (MKL's cblas_sgemm_pack).  Each output is one chain of fused
 * multiply-adds over k in order, so a row's result does not depend on
 * the block it falls in or on the thread count.  x86-64 with AVX2 + FMA
 * or AVX-512 only (checked at run time); elsewhere the callers keep
 * OpenBLAS.
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_X86_KERNELS 1
#include <immintrin.h>
#else
#define HAVE_X86_KERNELS 0
#endif

#define PANEL EMO__PACK_PANEL /* rows per panel: one AVX-512 vector, two AVX2 */

size_t emo__packed_floats(int rows, int K)
{
    size_t panels = ((size_t)rows + PANEL - 1) / PANEL;
    return panels * PANEL * (size_t)K;
}

/* Panels start on cache lines: a vector load that straddles two lines
 * costs a second access on every k. */
float *emo__packed_alloc(size_t floats)
{
    size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

void emo__pack_rows(const float *W, int rows, int K, float *Wp)
{
    size_t panels = ((size_t)rows + PANEL - 1) / PANEL;
    for (size_t p = 0; p < panels; p++) {
        float *dst = Wp + p * PANEL * (size_t)K;
        for (int i = 0; i < PANEL; i++) {
            size_t r = p * PANEL + (size_t)i;
            for (int k = 0; k < K; k++)
                dst[(size_t)k * PANEL + i] =
                    r < (size_t)rows ? W[r * (size_t)K + k] : 0.0f;
        }
    }
}

/* ---- which kernel ------------------------------------------------------ */

enum { ISA_NONE, ISA_AVX2, ISA_AVX512 };

static int forced_isa = -1; /* tests: -1 = the CPU's */

void emo__packed_force_isa(int isa)
{
    forced_isa = isa;
}

/* EMO_PACKED_ISA=none|avx2 (benchmarks, debugging): the kernels to stop
 * at; -1 when unset or anything else. */
static int env_isa(void)
{
    const char *e = getenv("EMO_PACKED_ISA");
    if (!e)
        return -1;
    if (strcmp(e, "none") == 0)
        return ISA_NONE;
    if (strcmp(e, "avx2") == 0)
        return ISA_AVX2;
    return -1;
}

/* The CPU's kernels capped by EMO_PACKED_ISA, found on the first call:
 * every product asks (thousands per training step), and getenv and the
 * CPUID queries do not change.  Racing first calls store the same. */
static int machine_isa(void)
{
    static int found = -1;
    int isa = __atomic_load_n(&found, __ATOMIC_RELAXED);
    if (isa >= 0)
        return isa;
    isa = ISA_NONE;
#if HAVE_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        isa = ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        isa = ISA_AVX2;
#endif
    int cap = env_isa(); /* may step down, never up to what the CPU lacks */
    if (cap >= 0 && cap < isa)
        isa = cap;
    __atomic_store_n(&found, isa, __ATOMIC_RELAXED);
    return isa;
}

static int cpu_isa(void)
{
    int isa = machine_isa();
    return forced_isa >= 0 && forced_isa < isa ? forced_isa : isa;
}

int emo__packed_available(void)
{
    return cpu_isa() != ISA_NONE;
}

/* ---- kernels ------------------------------------------------------------
 * A block: NV panels (16 rows each) x NP columns of Y, accumulated in
 * registers over all of K, then stored through a small tile (rows past
 * `rows` are padding and not stored).  Two layouts of X and Y: columns
 * across a row (X K x cols, Y rows x cols: im2col's), or each column a
 * row (xt: X cols x K, Y cols x rows: Winograd's V and M), a constant in
 * each inlined copy. */

typedef struct packed_job {
    const float *Wp;
    const float *X;
    float *Y;
    int rows, K, cols;
    size_t ldx, ldy;
    int isa, xt;
} packed_job;

#if HAVE_X86_KERNELS
/* Where column c of k starts in X, and where block column c0 starts. */
EMO__INLINE const float *x_at(const float *X, size_t ldx, int xt, int k,
                              int c)
{
    return xt ? X + (size_t)c * ldx + k : X + (size_t)k * ldx + c;
}

static void store_tile(const packed_job *j, const float *tile, int row,
                       int nrows, int c0, int np)
{
    if (j->xt) { /* each column's rows are contiguous in Y */
        for (int c = 0; c < np; c++)
            memcpy(j->Y + (size_t)(c0 + c) * j->ldy + row,
                   tile + c * 2 * PANEL, sizeof(float) * (size_t)nrows);
        return;
    }
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < np; c++)
            j->Y[(size_t)(row + r) * j->ldy + c0 + c] =
                tile[c * 2 * PANEL + r];
}

/* AVX-512: two panels x 12 columns (24 accumulators) or one panel x 12.
 * The result goes to tile, or with Y (xt, all 32 rows real) straight to
 * each column's 32 contiguous floats of Y: a memcpy per column was 3 %
 * of a training step. */
__attribute__((target("avx512f"))) EMO__INLINE void
block512(const float *w0, const float *w1, int K, const float *X, size_t ldx,
         float *tile, float *Y, size_t ldy, const int nv, const int np,
         const int xt)
{
    __m512 a0[12], a1[12];
#pragma GCC unroll 12
    for (int c = 0; c < np; c++)
        a0[c] = a1[c] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 v0 = _mm512_loadu_ps(w0 + (size_t)k * PANEL);
        __m512 v1 = nv == 2 ? _mm512_loadu_ps(w1 + (size_t)k * PANEL) : v0;
#pragma GCC unroll 12
        for (int c = 0; c < np; c++) {
            __m512 b = _mm512_set1_ps(*x_at(X, ldx, xt, k, c));
            a0[c] = _mm512_fmadd_ps(v0, b, a0[c]);
            if (nv == 2)
                a1[c] = _mm512_fmadd_ps(v1, b, a1[c]);
        }
    }
    if (Y) {
#pragma GCC unroll 12
        for (int c = 0; c < np; c++) {
            _mm512_storeu_ps(Y + (size_t)c * ldy, a0[c]);
            _mm512_storeu_ps(Y + (size_t)c * ldy + PANEL, a1[c]);
        }
        return;
    }
#pragma GCC unroll 12
    for (int c = 0; c < np; c++) {
        _mm512_storeu_ps(tile + c * 2 * PANEL, a0[c]);
        if (nv == 2)
            _mm512_storeu_ps(tile + c * 2 * PANEL + PANEL, a1[c]);
    }
}

/* The switch makes np a constant in each inlined copy, so the column
 * loops unroll and the accumulators stay in registers. */
#define NP_CASES(call)                                                      \
    switch (np) {                                                           \
    case 1: call(1); break;                                                 \
    case 2: call(2); break;                                                 \
    case 3: call(3); break;                                                 \
    case 4: call(4); break;                                                 \
    case 5: call(5); break;                                                 \
    case 6: call(6); break;                                                 \
    case 7: call(7); break;                                                 \
    case 8: call(8); break;                                                 \
    case 9: call(9); break;                                                 \
    case 10: call(10); break;                                               \
    case 11: call(11); break;                                               \
    default: call(12); break;                                               \
    }

__attribute__((target("avx512f"))) static void
panels512(const packed_job *j, size_t p0, size_t p1)
{
    float tile[12 * 2 * PANEL] __attribute__((aligned(64)));
    size_t pk = (size_t)PANEL * j->K;
    for (size_t p = p0; p < p1; p += 2) {
        int nv = p + 1 < p1 ? 2 : 1;
        const float *w0 = j->Wp + p * pk, *w1 = w0 + pk;
        int row = (int)p * PANEL;
        int nrows = j->rows - row < nv * PANEL ? j->rows - row : nv * PANEL;
        for (int c0 = 0; c0 < j->cols; c0 += 12) {
            int np = j->cols - c0 < 12 ? j->cols - c0 : 12;
            const float *X = x_at(j->X, j->ldx, j->xt, 0, c0);
            float *Y = j->xt && nrows == 2 * PANEL
                           ? j->Y + (size_t)c0 * j->ldy + row
                           : NULL;
#define CALL(n, t)                                                          \
    (nv == 2 ? block512(w0, w1, j->K, X, j->ldx, tile, Y, j->ldy, 2, n, t)  \
             : block512(w0, w1, j->K, X, j->ldx, tile, NULL, 0, 1, n, t))
#define CALL_X(n) CALL(n, 0)
#define CALL_XT(n) CALL(n, 1)
            if (j->xt)
                NP_CASES(CALL_XT)
            else
                NP_CASES(CALL_X)
#undef CALL_XT
#undef CALL_X
#undef CALL
            if (!Y)
                store_tile(j, tile, row, nrows, c0, np);
        }
    }
}

/* AVX2 + FMA: one panel (two 8-float vectors) x 6 columns, 12
 * accumulators of the 16 registers; to tile, or with Y (xt, all 16 rows
 * real) straight to Y as block512. */
__attribute__((target("avx2,fma"))) EMO__INLINE void
block256(const float *w, int K, const float *X, size_t ldx, float *tile,
         float *Y, size_t ldy, const int np, const int xt)
{
    __m256 a0[6], a1[6];
#pragma GCC unroll 6
    for (int c = 0; c < np; c++)
        a0[c] = a1[c] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 v0 = _mm256_loadu_ps(w + (size_t)k * PANEL);
        __m256 v1 = _mm256_loadu_ps(w + (size_t)k * PANEL + 8);
#pragma GCC unroll 6
        for (int c = 0; c < np; c++) {
            __m256 b = _mm256_broadcast_ss(x_at(X, ldx, xt, k, c));
            a0[c] = _mm256_fmadd_ps(v0, b, a0[c]);
            a1[c] = _mm256_fmadd_ps(v1, b, a1[c]);
        }
    }
    float *dst = Y ? Y : tile;
    size_t ld = Y ? ldy : 2 * PANEL;
#pragma GCC unroll 6
    for (int c = 0; c < np; c++) {
        _mm256_storeu_ps(dst + (size_t)c * ld, a0[c]);
        _mm256_storeu_ps(dst + (size_t)c * ld + 8, a1[c]);
    }
}

__attribute__((target("avx2,fma"))) static void
panels256(const packed_job *j, size_t p0, size_t p1)
{
    float tile[6 * 2 * PANEL] __attribute__((aligned(32)));
    size_t pk = (size_t)PANEL * j->K;
    for (size_t p = p0; p < p1; p++) {
        const float *w = j->Wp + p * pk;
        int row = (int)p * PANEL;
        int nrows = j->rows - row < PANEL ? j->rows - row : PANEL;
        for (int c0 = 0; c0 < j->cols; c0 += 6) {
            int np = j->cols - c0 < 6 ? j->cols - c0 : 6;
            const float *X = x_at(j->X, j->ldx, j->xt, 0, c0);
            float *Y = j->xt && nrows == PANEL
                           ? j->Y + (size_t)c0 * j->ldy + row
                           : NULL;
#define CALL(n, t) block256(w, j->K, X, j->ldx, tile, Y, j->ldy, n, t)
#define CASES6(t)                                                           \
    switch (np) {                                                           \
    case 1: CALL(1, t); break;                                              \
    case 2: CALL(2, t); break;                                              \
    case 3: CALL(3, t); break;                                              \
    case 4: CALL(4, t); break;                                              \
    case 5: CALL(5, t); break;                                              \
    default: CALL(6, t); break;                                             \
    }
            if (j->xt)
                CASES6(1)
            else
                CASES6(0)
#undef CASES6
#undef CALL
            if (!Y)
                store_tile(j, tile, row, nrows, c0, np);
        }
    }
}
#endif

/* Units of parallel_for: pairs of panels (AVX-512's block height), so
 * that a split never leaves a thread a lone panel in the middle. */
static void panel_units(void *arg, size_t u0, size_t u1)
{
#if HAVE_X86_KERNELS
    const packed_job *j = arg;
    size_t panels = ((size_t)j->rows + PANEL - 1) / PANEL;
    size_t p0 = 2 * u0, p1 = 2 * u1 < panels ? 2 * u1 : panels;
    if (j->isa == ISA_AVX512)
        panels512(j, p0, p1);
    else
        panels256(j, p0, p1);
#else
    (void)arg, (void)u0, (void)u1;
#endif
}

static int run(packed_job *j, int threads)
{
    int rows = j->rows, K = j->K, cols = j->cols;
    j->isa = cpu_isa();
    if (j->isa == ISA_NONE || rows < 1 || K < 1 || cols < 1)
        return 0;
    size_t panels = ((size_t)rows + PANEL - 1) / PANEL;
    size_t units = (panels + 1) / 2;
    /* a unit is 2 x 16 x K x cols multiply-adds; about 64 K of them per
     * thread pay for waking it */
    size_t per = 1 + 65536 / (2 * PANEL * (size_t)K * (size_t)cols);
    emo__parallel_for(threads, units, per, panel_units, j);
    return 1;
}

int emo__packed_gemm(const float *Wp, int rows, int K, const float *X,
                     size_t ldx, int cols, float *Y, size_t ldy, int threads)
{
    packed_job j = {Wp, X, Y, rows, K, cols, ldx, ldy, ISA_NONE, 0};
    return run(&j, threads);
}

int emo__packed_gemm_xt(const float *Wp, int rows, int K, const float *X,
                        size_t ldx, int cols, float *Y, size_t ldy,
                        int threads)
{
    packed_job j = {Wp, X, Y, rows, K, cols, ldx, ldy, ISA_NONE, 1};
    return run(&j, threads);
}
