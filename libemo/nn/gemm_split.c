/*
 * gemm_split.c - OpenBLAS products split across libemo's thread pool.
 *
 * Inference runs OpenBLAS on one thread and splits each product itself
 * (forward.c sets ctx->split_products).  With OpenBLAS's own threads a
 * pass alternated between two pools: OpenBLAS's workers keep spinning
 * (sched_yield) for a while after each product, and on two cores they
 * took turns with libemo's workers running the transforms, pooling and
 * packed products in between.  Measured with build/nn_bench fwd on the
 * Xeon (docs/benchmarks.md): the default net at batch 32 took as long on
 * two threads as on one; split here, 0.78x.
 *
 * C = A op(B) is split by columns of C: each thread multiplies all of A
 * by its own block of op(B)'s columns, OpenBLAS's own way of splitting
 * such a product.  The floats may differ from one call's in the last
 * bits: a narrower block can take OpenBLAS's small-matrix kernel, which
 * sums in another order (tests compare within their bound, not bitwise).
 */
#include "nn/nn.h"

#include <cblas.h>

typedef struct split_job {
    CBLAS_TRANSPOSE tb;
    int M, K;
    const float *A, *B;
    int lda, ldb, ldc;
    float beta;
    float *C;
    int N;
} split_job;

#define COLS_PER_UNIT 16

static void column_units(void *arg, size_t u0, size_t u1)
{
    const split_job *j = arg;
    int n0 = (int)u0 * COLS_PER_UNIT;
    int n1 = (int)u1 * COLS_PER_UNIT < j->N ? (int)u1 * COLS_PER_UNIT : j->N;
    const float *B = j->tb == CblasNoTrans ? j->B + n0
                                           : j->B + (size_t)n0 * j->ldb;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, j->tb, j->M, n1 - n0, j->K,
                1.0f, j->A, j->lda, B, j->ldb, j->beta, j->C + n0, j->ldc);
}

void emo__sgemm_split(int threads, int trans_b, int M, int N, int K,
                      const float *A, int lda, const float *B, int ldb,
                      float beta, float *C, int ldc)
{
    split_job j = {trans_b ? CblasTrans : CblasNoTrans, M, K, A, B, lda, ldb,
                   ldc, beta, C, N};
    size_t units = ((size_t)N + COLS_PER_UNIT - 1) / COLS_PER_UNIT;
    /* about 256 K multiply-adds per thread pay for waking it */
    size_t per = 1 + ((size_t)1 << 18) / ((size_t)M * K * COLS_PER_UNIT + 1);
    emo__parallel_for(threads, units, per, column_units, &j);
}

/* y = A x + beta y, A M x K: rows split across threads. */
typedef struct gemv_job {
    int K, lda;
    const float *A, *x;
    float beta;
    float *y;
} gemv_job;

static void row_units(void *arg, size_t r0, size_t r1)
{
    const gemv_job *j = arg;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)(r1 - r0), j->K, 1.0f,
                j->A + r0 * (size_t)j->lda, j->lda, j->x, 1, j->beta,
                j->y + r0, 1);
}

void emo__sgemv_split(int threads, int M, int K, const float *A, int lda,
                      const float *x, float beta, float *y)
{
    gemv_job j = {K, lda, A, x, beta, y};
    size_t per = 1 + ((size_t)1 << 18) / ((size_t)K + 1);
    emo__parallel_for(threads, (size_t)M, per, row_units, &j);
}
