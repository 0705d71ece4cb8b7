/*
 * plan.c - the cascade compiled into flat arrays of precomputed
 * integral-image offsets (a "plan", built once per frame layout) that the
 * window evaluators (eval.c, scan_vec.c) read with loads and adds only.
 */
#include "detect/plan.h"

#include <stdlib.h>
#include <string.h>

static void rect_ofs(int32_t o[4], int x, int y, int w, int h, int stride)
{
    o[0] = x + stride * y;
    o[1] = x + w + stride * y;
    o[2] = x + stride * (y + h);
    o[3] = x + w + stride * (y + h);
}

static void tilted_ofs(int32_t o[4], int x, int y, int w, int h, int stride,
                       int32_t tofs)
{
    o[0] = tofs + x + stride * y;
    o[1] = tofs + x - h + stride * (y + h);
    o[2] = tofs + x + w + stride * (y + w);
    o[3] = tofs + x + w - h + stride * (y + w + h);
}

static void compile_haar(const emo__feature *f, hfeat *out, int stride,
                         int32_t tofs)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < f->nrects && k < 3; k++) {
        const emo__haar_rect *r = &f->r[k];
        out->w[k] = r->weight;
        if (f->tilted)
            tilted_ofs(out->o[k], r->x, r->y, r->w, r->h, stride, tofs);
        else
            rect_ofs(out->o[k], r->x, r->y, r->w, r->h, stride);
    }
}

/* Grid point (i, j) of the 3x3 block is at (x + i*w, y + j*h). */
static void compile_lbp(const emo__feature *f, lfeat *out, int stride)
{
    const emo__haar_rect *r = &f->r[0];
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++)
            out->o[j * 4 + i] = r->x + i * r->w + stride * (r->y + j * r->h);
}

static int build_stumps(emo__plan *p, const emo__cascade *c)
{
    int lbp = c->type == EMO__CASCADE_LBP;
    p->hs = lbp ? NULL : malloc(sizeof *p->hs * (size_t)c->ntrees);
    p->ls = lbp ? malloc(sizeof *p->ls * (size_t)c->ntrees) : NULL;
    if (!p->hs && !p->ls)
        return emo__fail(EMO_ERR_NOMEM, "out of memory compiling cascade");
    for (int t = 0; t < c->ntrees; t++) {
        const emo__tree *tr = &c->trees[t];
        const emo__node *n = &c->nodes[tr->first_node];
        const emo__feature *f = &c->features[n->feature];
        /* OpenCV's stump path takes the tree's two leaves in order. */
        float left = c->leaves[tr->first_leaf];
        float right = c->leaves[tr->first_leaf + 1];
        if (lbp) {
            lstump *s = &p->ls[t];
            compile_lbp(f, &s->f, p->stride);
            for (int k = 0; k < EMO__LBP_SUBSET; k++)
                s->subset[k] = (uint32_t)c->subsets[n->subset + k];
            s->leaf[0] = left;
            s->leaf[1] = right;
        } else {
            hstump *s = &p->hs[t];
            compile_haar(f, &s->f, p->stride, (int32_t)p->tofs);
            s->thr = n->threshold;
            s->leaf[0] = left;
            s->leaf[1] = right;
        }
    }
    return EMO_OK;
}

static int build_features(emo__plan *p, const emo__cascade *c)
{
    int lbp = c->type == EMO__CASCADE_LBP;
    p->hf = lbp ? NULL : malloc(sizeof *p->hf * (size_t)c->nfeatures);
    p->lf = lbp ? malloc(sizeof *p->lf * (size_t)c->nfeatures) : NULL;
    if (!p->hf && !p->lf)
        return emo__fail(EMO_ERR_NOMEM, "out of memory compiling cascade");
    for (int i = 0; i < c->nfeatures; i++) {
        if (lbp)
            compile_lbp(&c->features[i], &p->lf[i], p->stride);
        else
            compile_haar(&c->features[i], &p->hf[i], p->stride,
                         (int32_t)p->tofs);
    }
    return EMO_OK;
}

int emo__plan_build(const emo__cascade *c, int stride, size_t tilted_ofs,
                    emo__plan **out)
{
    *out = NULL;
    if (tilted_ofs > INT32_MAX / 2 || stride < c->win_w + 1)
        return emo__fail(EMO_ERR_LIMIT, "frame too large for the detector");
    emo__plan *p = calloc(1, sizeof *p);
    if (!p)
        return emo__fail(EMO_ERR_NOMEM, "out of memory compiling cascade");
    p->c = c;
    p->serial = c->serial;
    p->stride = stride;
    p->tofs = tilted_ofs;
    rect_ofs(p->nofs, 1, 1, c->win_w - 2, c->win_h - 2, stride);
    p->area = (double)(c->win_w - 2) * (c->win_h - 2);
    int rc = c->stumps ? build_stumps(p, c) : build_features(p, c);
    p->small_trees = !c->stumps && c->type == EMO__CASCADE_HAAR;
    for (int t = 0; t < c->ntrees; t++) /* vector descent visits all nodes */
        p->small_trees &= c->trees[t].nnodes <= 4;
    if (rc) {
        emo__plan_free(p);
        return rc;
    }
    *out = p;
    return EMO_OK;
}

void emo__plan_free(emo__plan *p)
{
    if (!p)
        return;
    free(p->hs);
    free(p->ls);
    free(p->hf);
    free(p->lf);
    free(p);
}

int emo__plan_matches(const emo__plan *p, const emo__cascade *c, int stride,
                      size_t tilted_ofs)
{
    return p && p->c == c && p->serial == c->serial && p->stride == stride &&
           p->tofs == tilted_ofs;
}
