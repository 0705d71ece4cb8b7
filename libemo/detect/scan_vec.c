/*
 * scan_vec.c - HAAR cascades of stumps (haarcascade_frontalface_default
 * and most others) or small trees (alt2) evaluated on 8 neighbouring
 * windows at once.
 *
 * Windows x .. x+7 of a row read their rectangle corners from 8
 * consecutive integral-image entries, so every corner is one vector load
 * and every stump is a handful of vector operations shared by 8 windows.
 * The arithmetic is the scalar path's, lane by lane (float feature times
 * float 1/sigma, double stage sums in the same order), so the same windows
 * pass.  Below scale 2 the grid step is 2: the 8 windows are every other
 * position, gathered by two loads and a shuffle.  OpenCV's rule "a window
 * rejected by the first stage makes the scan skip the next one" is
 * applied to the first stage's results in x order, as the scalar loop
 * does.  When only one or two windows of the 8 remain, they finish in
 * scalar code.  Small trees (alt2) take the same path: every node of a
 * tree is computed for the 8 windows and each lane keeps its branch.
 *
 * GCC/Clang vector extensions: AVX2 with -march=native, SSE2 otherwise.
 */
#include "detect/plan.h"

#include <math.h>
#include <string.h>

/* Without AVX, compilers warn that 32-byte vectors are passed differently;
 * all functions taking them here are static, so no ABI is at stake. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef int32_t v8i __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

/* Constant shuffles: __builtin_shufflevector (Clang, GCC 12+), else
 * GCC's __builtin_shuffle. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define SHUF8_EVEN(a, b)                                                     \
    __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define HALF4(v, h)                                                          \
    ((h) ? __builtin_shufflevector(v, v, 4, 5, 6, 7)                         \
         : __builtin_shufflevector(v, v, 0, 1, 2, 3))
#else
#define SHUF8_EVEN(a, b)                                                     \
    __builtin_shuffle(a, b, (v8u){0, 2, 4, 6, 8, 10, 12, 14})
static inline v4f half4(v8f v, int h)
{
    v4f r = {v[4 * h], v[4 * h + 1], v[4 * h + 2], v[4 * h + 3]};
    return r;
}
#define HALF4(v, h) half4(v, h)
#endif

/* table[idx[k] & 7] per lane (a variable permutation: vpermd on AVX2). */
static inline v8u permute8(const v8u *tab, const v8u *ix)
{
    v8u table = *tab, idx = *ix;
#if defined(__GNUC__) && !defined(__clang__)
    return __builtin_shuffle(table, idx);
#else
    v8u r;
    for (int k = 0; k < 8; k++)
        r[k] = table[idx[k] & 7];
    return r;
#endif
}

static inline v8u load8(const uint32_t *p)
{
    v8u v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Entries p[0], p[2], ..., p[14]: the 8 windows of a step-2 row. */
static inline v8u load8s2(const uint32_t *p)
{
    v8u a = load8(p), b = load8(p + 8);
    return SHUF8_EVEN(a, b);
}

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE v8f box8(const uint32_t *p, const int32_t *o, int s2)
{
    v8u s = s2 ? load8s2(p + o[0]) - load8s2(p + o[1]) - load8s2(p + o[2]) +
                     load8s2(p + o[3])
               : load8(p + o[0]) - load8(p + o[1]) - load8(p + o[2]) +
                     load8(p + o[3]);
    return __builtin_convertvector((v8i)s, v8f);
}

/* A float in every lane.  `w * vector` with a scalar float w does not
 * compile where float arithmetic is evaluated in double (FLT_EVAL_METHOD
 * 1, e.g. s390x): the scalar would be a double narrowed into the vector. */
static inline v8f splat8(float w)
{
    v8f v = {w, w, w, w, w, w, w, w};
    return v;
}

static ALWAYS_INLINE v8f haar8(const hfeat *f, const uint32_t *p, int s2)
{
    v8f v = splat8(f->w[0]) * box8(p, f->o[0], s2) +
            splat8(f->w[1]) * box8(p, f->o[1], s2);
    if (f->w[2] != 0.0f)
        v += splat8(f->w[2]) * box8(p, f->o[2], s2);
    return v;
}

static inline int32_t bits(float f)
{
    int32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* leaf holds float bits chosen by integer masks; a vector cast between
 * same-size vector types reinterprets them (no pointer punning, which
 * strict aliasing forbids). */
static ALWAYS_INLINE void add_leaves(v8i leaf, v4d *lo, v4d *hi)
{
    v8f lf = (v8f)leaf;
    *lo += __builtin_convertvector(HALF4(lf, 0), v4d);
    *hi += __builtin_convertvector(HALF4(lf, 1), v4d);
}

/* Stage si's sums of 8 windows (p + k * (s2 ? 2 : 1)) into sum[8], for a
 * stump cascade. */
static ALWAYS_INLINE void stumps8(const emo__plan *pl, int si,
                                  const uint32_t *p, const v8f *vnf,
                                  double sum[8], int s2)
{
    const emo__stage *st = &pl->c->stages[si];
    const hstump *s = pl->hs + st->first_tree;
    v4d lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    for (int i = 0; i < st->ntrees; i++, s++) {
        v8f v = haar8(&s->f, p, s2) * *vnf;
        v8i below = v < s->thr; /* -1 where the feature is below */
        v8i leaf = (below & bits((float)s->leaf[0])) |
                   (~below & bits((float)s->leaf[1]));
        add_leaves(leaf, &lo, &hi);
    }
    memcpy(sum, &lo, sizeof lo);
    memcpy(sum + 4, &hi, sizeof hi);
}

/* The same for tree cascades (alt2: two nodes per tree).  Every node's
 * feature is computed for all 8 windows; nodes are visited in index order
 * and children always come later, so one pass moves each window from the
 * root to its leaf, as the scalar descent would. */
static ALWAYS_INLINE void trees8(const emo__plan *pl, int si,
                                 const uint32_t *p, const v8f *vnf,
                                 double sum[8], int s2)
{
    const emo__cascade *c = pl->c;
    const emo__stage *st = &c->stages[si];
    v4d lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    for (int t = st->first_tree; t < st->first_tree + st->ntrees; t++) {
        const emo__tree *tr = &c->trees[t];
        v8i idx = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int j = 0; j < tr->nnodes; j++) {
            const emo__node *n = &c->nodes[tr->first_node + j];
            v8i here = idx == j;
            v8f v = haar8(&pl->hf[n->feature], p, s2) * *vnf;
            v8i below = v < n->threshold;
            v8i child = (below & n->left) | (~below & n->right);
            idx = (here & child) | (~here & idx);
        }
        v8i leaf = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int k = 0; k <= tr->nnodes; k++) {
            v8i at = idx == -k;
            leaf |= at & bits(c->leaves[tr->first_leaf + k]);
        }
        add_leaves(leaf, &lo, &hi);
    }
    memcpy(sum, &lo, sizeof lo);
    memcpy(sum + 4, &hi, sizeof hi);
}

/* LBP: the 8-bit code of a 3x3 block of cells (each cell compared with
 * the centre one), for 8 windows; grid point (i, j) is o[j * 4 + i]. */
static ALWAYS_INLINE v8i lbp8(const lfeat *f, const uint32_t *p, int s2)
{
    v8u g[16];
    for (int k = 0; k < 16; k++)
        g[k] = s2 ? load8s2(p + f->o[k]) : load8(p + f->o[k]);
#define CELL(i, j)                                                           \
    ((v8i)(g[(j) * 4 + (i)] - g[(j) * 4 + (i) + 1] - g[(j) * 4 + (i) + 4] +   \
           g[(j) * 4 + (i) + 5]))
    v8i cv = CELL(1, 1);
    v8i code = ((CELL(0, 0) >= cv) & 128) | ((CELL(1, 0) >= cv) & 64) |
               ((CELL(2, 0) >= cv) & 32) | ((CELL(2, 1) >= cv) & 16) |
               ((CELL(2, 2) >= cv) & 8) | ((CELL(1, 2) >= cv) & 4) |
               ((CELL(0, 2) >= cv) & 2) | ((CELL(0, 1) >= cv) & 1);
#undef CELL
    return code;
}

static ALWAYS_INLINE void lbp_stumps8(const emo__plan *pl, int si,
                                      const uint32_t *p, const v8f *vnf,
                                      double sum[8], int s2)
{
    (void)vnf; /* LBP codes need no normalisation */
    const emo__stage *st = &pl->c->stages[si];
    const lstump *s = pl->ls + st->first_tree;
    v4d lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    for (int i = 0; i < st->ntrees; i++, s++) {
        v8i code = lbp8(&s->f, p, s2);
        v8u subset;
        memcpy(&subset, s->subset, sizeof subset);
        /* bit (code & 31) of subset word (code >> 5), per lane */
        v8u hi5 = (v8u)(code >> 5);
        v8u word = permute8(&subset, &hi5);
        v8i in = (v8i)((word >> (v8u)(code & 31)) & 1u);
        v8i mask = -in;
        v8i leaf = (mask & bits(s->leaf[0])) | (~mask & bits(s->leaf[1]));
        add_leaves(leaf, &lo, &hi);
    }
    memcpy(sum, &lo, sizeof lo);
    memcpy(sum + 4, &hi, sizeof hi);
}

static void lbp8_s1(const emo__plan *pl, int si, const uint32_t *p,
                    const v8f *vnf, double *sum)
{
    lbp_stumps8(pl, si, p, vnf, sum, 0);
}

static void lbp8_s2(const emo__plan *pl, int si, const uint32_t *p,
                    const v8f *vnf, double *sum)
{
    lbp_stumps8(pl, si, p, vnf, sum, 1);
}

/* Stage evaluators take 1/sigma by pointer: a vector passed by value to
 * a function that is not inlined costs an ABI note without AVX. */
typedef void (*stage_fn)(const emo__plan *, int, const uint32_t *,
                         const v8f *, double *);

static void stumps8_s1(const emo__plan *pl, int si, const uint32_t *p,
                       const v8f *vnf, double *sum)
{
    stumps8(pl, si, p, vnf, sum, 0);
}

static void stumps8_s2(const emo__plan *pl, int si, const uint32_t *p,
                       const v8f *vnf, double *sum)
{
    stumps8(pl, si, p, vnf, sum, 1);
}

static void trees8_s1(const emo__plan *pl, int si, const uint32_t *p,
                      const v8f *vnf, double *sum)
{
    trees8(pl, si, p, vnf, sum, 0);
}

static void trees8_s2(const emo__plan *pl, int si, const uint32_t *p,
                      const v8f *vnf, double *sum)
{
    trees8(pl, si, p, vnf, sum, 1);
}

static inline int32_t box1(const uint32_t *p, const int32_t *o)
{
    return (int32_t)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

static inline float haar1(const hfeat *f, const uint32_t *w)
{
    float v = f->w[0] * (float)box1(w, f->o[0]) +
              f->w[1] * (float)box1(w, f->o[1]);
    if (f->w[2] != 0.0f)
        v += f->w[2] * (float)box1(w, f->o[2]);
    return v;
}

static int lbp1(const lfeat *f, const uint32_t *p)
{
    const int32_t *o = f->o;
#define CELL(i, j)                                                           \
    ((int32_t)(p[o[(j) * 4 + (i)]] - p[o[(j) * 4 + (i) + 1]] -               \
               p[o[(j) * 4 + (i) + 4]] + p[o[(j) * 4 + (i) + 5]]))
    int32_t cv = CELL(1, 1);
    return (CELL(0, 0) >= cv) << 7 | (CELL(1, 0) >= cv) << 6 |
           (CELL(2, 0) >= cv) << 5 | (CELL(2, 1) >= cv) << 4 |
           (CELL(2, 2) >= cv) << 3 | (CELL(1, 2) >= cv) << 2 |
           (CELL(0, 2) >= cv) << 1 | (CELL(0, 1) >= cv);
#undef CELL
}

/* The scalar path from stage `si` on, for one window: 1 if accepted. */
static int finish_scalar(const emo__plan *p, int si, const uint32_t *w,
                         float vnf)
{
    const emo__cascade *c = p->c;
    for (; si < c->nstages; si++) {
        const emo__stage *st = &c->stages[si];
        double sum = 0;
        if (c->type == EMO__CASCADE_LBP) {
            const lstump *s = p->ls + st->first_tree;
            for (int i = 0; i < st->ntrees; i++, s++) {
                int code = lbp1(&s->f, w);
                sum += s->leaf[!(s->subset[code >> 5] >> (code & 31) & 1)];
            }
        } else if (c->stumps) {
            const hstump *s = p->hs + st->first_tree;
            for (int i = 0; i < st->ntrees; i++, s++) {
                float v = haar1(&s->f, w) * vnf;
                sum += s->leaf[!(v < s->thr)];
            }
        } else {
            for (int t = st->first_tree; t < st->first_tree + st->ntrees;
                 t++) {
                const emo__tree *tr = &c->trees[t];
                int idx = 0;
                do {
                    const emo__node *n = &c->nodes[tr->first_node + idx];
                    double v = haar1(&p->hf[n->feature], w) * vnf;
                    idx = v < n->threshold ? n->left : n->right;
                } while (idx > 0);
                sum += c->leaves[tr->first_leaf - idx];
            }
        }
        if (sum < st->threshold)
            return 0;
    }
    return 1;
}

/* 1/sigma of window k (OpenCV's setWindow); 0 marks a flat window. */
static float norm1(const emo__plan *p, const uint32_t *w, const uint32_t *q)
{
    const int32_t *o = p->nofs;
    int32_t s = box1(w, o);
    uint32_t sq = q[o[0]] - q[o[1]] - q[o[2]] + q[o[3]];
    double nf = p->area * sq - (double)s * s;
    if (nf <= 0.)
        return 0.f;
    float vnf = (float)(1. / sqrt(nf));
    return p->area * vnf < 1e-1 ? vnf : 0.f;
}

/* Which lanes the scalar loop would evaluate, given the first stage's
 * results: after a first-stage rejection the next grid position is
 * skipped.  *skip carries that across chunks. */
static unsigned evaluated(unsigned grid, unsigned normal, unsigned pass0,
                          int *skip)
{
    unsigned eval = 0;
    for (int k = 0; k < 8; k++) {
        if (!(grid >> k & 1))
            continue;
        if (*skip) {
            *skip = 0;
            continue;
        }
        eval |= 1u << k;
        if ((normal >> k & 1) && !(pass0 >> k & 1))
            *skip = 1;
    }
    return eval;
}

int emo__scan_row_vec(const emo__plan *p, const uint32_t *row,
                      const uint32_t *qrow, int sw, int step, int y,
                      float scale, int ww, int wh, emo__rects *out)
{
    const emo__cascade *c = p->c;
    int lbp = c->type == EMO__CASCADE_LBP;
    stage_fn stage = lbp         ? (step == 2 ? lbp8_s2 : lbp8_s1)
                     : c->stumps ? (step == 2 ? stumps8_s2 : stumps8_s1)
                                 : (step == 2 ? trees8_s2 : trees8_s1);
    int skip = 0;
    for (int x0 = 0; x0 < sw; x0 += 8 * step) {
        unsigned grid = 0xffu; /* lane k is the window at x0 + k * step */
        if (sw - x0 < 8 * step)
            grid = (1u << ((sw - x0 + step - 1) / step)) - 1;
        float vn[8];
        unsigned normal = 0;
        for (int k = 0; k < 8; k++) {
            int x = x0 + k * step;
            if (lbp) /* no variance test: every window is evaluated */
                vn[k] = (grid >> k & 1) ? 1.f : 0.f;
            else
                vn[k] = (grid >> k & 1) ? norm1(p, row + x, qrow + x) : 0.f;
            normal |= (unsigned)(vn[k] != 0.f) << k;
        }
        if (!normal) { /* all flat: evaluated, none rejected by stage 0 */
            evaluated(grid, 0, 0, &skip);
            continue;
        }
        v8f vnf;
        memcpy(&vnf, vn, sizeof vnf);
        double sum[8];
        stage(p, 0, row + x0, &vnf, sum);
        unsigned pass = 0;
        for (int k = 0; k < 8; k++)
            pass |= (unsigned)!(sum[k] < c->stages[0].threshold) << k;
        unsigned alive = evaluated(grid, normal, pass, &skip) & normal & pass;
        int si = 1;
        for (; si < c->nstages && __builtin_popcount(alive) > 2; si++) {
            stage(p, si, row + x0, &vnf, sum);
            for (int k = 0; k < 8; k++)
                if (sum[k] < c->stages[si].threshold)
                    alive &= ~(1u << k);
        }
        for (int k = 0; k < 8; k++) {
            int x = x0 + k * step;
            if (!(alive >> k & 1))
                continue;
            if (si < c->nstages && !finish_scalar(p, si, row + x, vn[k]))
                continue;
            emo__rect b = {(int)lrintf((float)x * scale),
                           (int)lrintf((float)y * scale), ww, wh};
            int rc = emo__rects_push(out, b);
            if (rc)
                return rc;
        }
    }
    return EMO_OK;
}
