/*
 * cascade_check.c - checks a parsed cascade before anything evaluates it:
 * stage ranges, tree references and every integral-image point a feature
 * reads, so that evaluation needs no bounds checks.
 */
#include "detect/cascade.h"

/* A child reference of node i of a tree with nn nodes: a later node, or a
 * leaf among the tree's nn + 1 leaves.  Later-only keeps evaluation from
 * looping on a hostile file. */
static int child_ok(int ref, int i, int nn)
{
    if (ref > 0)
        return ref > i && ref < nn;
    return -ref <= nn;
}

static int validate_trees(const emo__cascade *c)
{
    for (int t = 0; t < c->ntrees; t++) {
        const emo__tree *tr = &c->trees[t];
        if (tr->nnodes < 1 || tr->first_node < 0 ||
            tr->first_node > c->nnodes - tr->nnodes || tr->first_leaf < 0 ||
            tr->first_leaf > c->nleaves - (tr->nnodes + 1))
            return emo__fail(EMO_ERR_FORMAT, "weak classifier %d: node or "
                             "leaf range out of bounds", t);
        for (int i = 0; i < tr->nnodes; i++) {
            const emo__node *n = &c->nodes[tr->first_node + i];
            if (n->feature < 0 || n->feature >= c->nfeatures)
                return emo__fail(EMO_ERR_FORMAT, "weak classifier %d: "
                                 "feature index %d out of range (%d "
                                 "features)", t, n->feature, c->nfeatures);
            if (!child_ok(n->left, i, tr->nnodes) ||
                !child_ok(n->right, i, tr->nnodes))
                return emo__fail(EMO_ERR_FORMAT, "weak classifier %d: node "
                                 "%d: child index out of range", t, i);
            if (c->type == EMO__CASCADE_LBP &&
                (n->subset < 0 ||
                 n->subset > c->nsubsets - EMO__LBP_SUBSET))
                return emo__fail(EMO_ERR_FORMAT, "weak classifier %d: "
                                 "missing category subset", t);
        }
    }
    return EMO_OK;
}

/* Every integral-image point a feature reads must lie inside the window
 * (0..win_w, 0..win_h), so no window of a frame reads outside it. */
static int validate_feature(const emo__cascade *c, int i)
{
    const emo__feature *f = &c->features[i];
    int W = c->win_w, H = c->win_h;
    if (c->type == EMO__CASCADE_LBP) {
        const emo__haar_rect *r = &f->r[0];
        if (r->x < 0 || r->y < 0 || r->w < 1 || r->h < 1 ||
            r->w > W / 3 || r->h > H / 3 || r->x > W - 3 * r->w ||
            r->y > H - 3 * r->h)
            return emo__fail(EMO_ERR_FORMAT, "feature %d: block %d %d %d %d "
                             "outside the %dx%d window", i, r->x, r->y,
                             r->w, r->h, W, H);
        return EMO_OK;
    }
    for (int k = 0; k < f->nrects; k++) {
        const emo__haar_rect *r = &f->r[k];
        int ok = r->x >= 0 && r->y >= 0 && r->w >= 0 && r->h >= 0 &&
                 r->x <= W && r->y <= H;
        if (ok && !f->tilted)
            ok = r->w <= W - r->x && r->h <= H - r->y;
        else if (ok) /* corners (x-h, y+h), (x+w, y+w), (x+w-h, y+w+h) */
            ok = r->h <= r->x && r->w <= W - r->x && r->w <= H - r->y &&
                 r->h <= H - r->y - r->w;
        if (!ok)
            return emo__fail(EMO_ERR_FORMAT, "feature %d: %srectangle %d %d "
                             "%d %d outside the %dx%d window", i,
                             f->tilted ? "tilted " : "", r->x, r->y, r->w,
                             r->h, W, H);
    }
    return EMO_OK;
}

int emo__cascade_validate(const emo__cascade *c)
{
    if (c->win_w < 1 || c->win_h < 1 || c->win_w > EMO__CASCADE_MAX_WIN ||
        c->win_h > EMO__CASCADE_MAX_WIN)
        return emo__fail(EMO_ERR_FORMAT, "window size %dx%d out of range",
                         c->win_w, c->win_h);
    if (c->type == EMO__CASCADE_HAAR && (c->win_w < 3 || c->win_h < 3))
        return emo__fail(EMO_ERR_FORMAT, "HAAR window %dx%d too small for "
                         "variance normalisation", c->win_w, c->win_h);
    if (c->nstages < 1)
        return emo__fail(EMO_ERR_FORMAT, "no stages");
    if (c->nfeatures < 1)
        return emo__fail(EMO_ERR_FORMAT, "no features");
    for (int s = 0; s < c->nstages; s++) {
        const emo__stage *st = &c->stages[s];
        if (st->ntrees < 1 || st->first_tree < 0 ||
            st->first_tree > c->ntrees - st->ntrees)
            return emo__fail(EMO_ERR_FORMAT, "stage %d: bad weak classifier "
                             "range", s);
    }
    int rc = validate_trees(c);
    for (int i = 0; !rc && i < c->nfeatures; i++)
        rc = validate_feature(c, i);
    return rc;
}
