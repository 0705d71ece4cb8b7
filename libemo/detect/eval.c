/*
 * eval.c - classifying windows with a compiled plan (plan.c), one window
 * at a time, and the scan of one pyramid level (handing rows of 8 windows
 * to scan_vec.c where it applies).
 *
 * The arithmetic mirrors OpenCV 4's cascadedetect exactly so that the same
 * windows pass: HAAR feature = sum of weight * rect sum in float, times the
 * float inverse of the window's standard deviation (over the window minus
 * a one-pixel border); stump sums accumulated in double and compared with
 * the float stage threshold; windows whose variance is too small are
 * rejected before the first stage.  No allocation happens per window.
 */
#include "detect/plan.h"

#include <math.h>

static inline int32_t box(const uint32_t *p, const int32_t *o)
{
    return (int32_t)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

static inline float haar_value(const hfeat *f, const uint32_t *p)
{
    float v = f->w[0] * (float)box(p, f->o[0]) +
              f->w[1] * (float)box(p, f->o[1]);
    if (f->w[2] != 0.0f)
        v += f->w[2] * (float)box(p, f->o[2]);
    return v;
}

static inline int lbp_code(const lfeat *f, const uint32_t *p)
{
    const int32_t *o = f->o;
#define LBP_BOX(a, b, c, d)                                                  \
    ((int32_t)(p[o[a]] - p[o[b]] - p[o[c]] + p[o[d]]))
    int32_t cv = LBP_BOX(5, 6, 9, 10);
    return (LBP_BOX(0, 1, 4, 5) >= cv ? 128 : 0) |
           (LBP_BOX(1, 2, 5, 6) >= cv ? 64 : 0) |
           (LBP_BOX(2, 3, 6, 7) >= cv ? 32 : 0) |
           (LBP_BOX(6, 7, 10, 11) >= cv ? 16 : 0) |
           (LBP_BOX(10, 11, 14, 15) >= cv ? 8 : 0) |
           (LBP_BOX(9, 10, 13, 14) >= cv ? 4 : 0) |
           (LBP_BOX(8, 9, 12, 13) >= cv ? 2 : 0) |
           (LBP_BOX(4, 5, 8, 9) >= cv ? 1 : 0);
#undef LBP_BOX
}

static inline int in_subset(const uint32_t *subset, int c)
{
    return (subset[c >> 5] >> (c & 31)) & 1u;
}

/* Return values as OpenCV's runAt: 1 accepted, -s rejected at stage s
 * (0 for the first stage), -1 also for a flat window. */
static int run_haar_stumps(const emo__plan *p, const uint32_t *w, float vnf)
{
    const emo__cascade *c = p->c;
    const hstump *s = p->hs;
    for (int si = 0; si < c->nstages; si++) {
        int n = c->stages[si].ntrees;
        double sum = 0;
        for (int i = 0; i < n; i++, s++) {
            float v = haar_value(&s->f, w) * vnf;
            sum += s->leaf[!(v < s->thr)];
        }
        if (sum < c->stages[si].threshold)
            return -si;
    }
    return 1;
}

static int run_lbp_stumps(const emo__plan *p, const uint32_t *w)
{
    const emo__cascade *c = p->c;
    const lstump *s = p->ls;
    for (int si = 0; si < c->nstages; si++) {
        int n = c->stages[si].ntrees;
        double sum = 0;
        for (int i = 0; i < n; i++, s++)
            sum += s->leaf[!in_subset(s->subset, lbp_code(&s->f, w))];
        if (sum < c->stages[si].threshold)
            return -si;
    }
    return 1;
}

static int run_trees(const emo__plan *p, const uint32_t *w, float vnf)
{
    const emo__cascade *c = p->c;
    int lbp = c->type == EMO__CASCADE_LBP;
    for (int si = 0; si < c->nstages; si++) {
        const emo__stage *st = &c->stages[si];
        double sum = 0;
        for (int t = st->first_tree; t < st->first_tree + st->ntrees; t++) {
            const emo__tree *tr = &c->trees[t];
            int idx = 0;
            do {
                const emo__node *n = &c->nodes[tr->first_node + idx];
                int left;
                if (lbp) {
                    left = in_subset((const uint32_t *)c->subsets + n->subset,
                                     lbp_code(&p->lf[n->feature], w));
                } else {
                    double v = haar_value(&p->hf[n->feature], w) * vnf;
                    left = v < n->threshold;
                }
                idx = left ? n->left : n->right;
            } while (idx > 0);
            sum += c->leaves[tr->first_leaf - idx];
        }
        if (sum < st->threshold)
            return -si;
    }
    return 1;
}

/* OpenCV's HaarEvaluator::setWindow: 0 when the window is too flat. */
static inline int haar_norm(const emo__plan *p, const uint32_t *w,
                            const uint32_t *q, float *vnf)
{
    const int32_t *o = p->nofs;
    int32_t s = box(w, o);
    uint32_t sq = q[o[0]] - q[o[1]] - q[o[2]] + q[o[3]];
    double nf = p->area * sq - (double)s * s;
    if (nf <= 0.)
        return 0;
    *vnf = (float)(1. / sqrt(nf));
    return p->area * *vnf < 1e-1;
}

int emo__plan_scan(const emo__plan *p, const uint32_t *sum,
                   const uint32_t *sq, int sw, int sh, int step, float scale,
                   int scalar, emo__rects *out)
{
    const emo__cascade *c = p->c;
    int lbp = c->type == EMO__CASCADE_LBP;
    int ww = (int)lrintf((float)c->win_w * scale);
    int wh = (int)lrintf((float)c->win_h * scale);
    if (!scalar && (c->stumps || p->small_trees)) {
        for (int y = 0; y < sh; y += step) {
            int rc = emo__scan_row_vec(
                p, sum + (size_t)y * p->stride,
                sq ? sq + (size_t)y * p->stride : NULL, sw, step, y, scale,
                ww, wh, out);
            if (rc)
                return rc;
        }
        return EMO_OK;
    }
    for (int y = 0; y < sh; y += step) {
        const uint32_t *row = sum + (size_t)y * p->stride;
        const uint32_t *qrow = sq ? sq + (size_t)y * p->stride : NULL;
        for (int x = 0; x < sw; x += step) {
            int r;
            float vnf = 1.f;
            if (!lbp && !haar_norm(p, row + x, qrow + x, &vnf))
                r = -1;
            else if (!c->stumps)
                r = run_trees(p, row + x, vnf);
            else if (lbp)
                r = run_lbp_stumps(p, row + x);
            else
                r = run_haar_stumps(p, row + x, vnf);
            if (r > 0) {
                emo__rect b = {(int)lrintf((float)x * scale),
                               (int)lrintf((float)y * scale), ww, wh};
                int rc = emo__rects_push(out, b);
                if (rc)
                    return rc;
            }
            if (r == 0) /* rejected by the first stage: skip a step */
                x += step;
        }
    }
    return EMO_OK;
}
