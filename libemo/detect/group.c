/*
 * group.c - OpenCV's groupRectangles: raw hits that are similar
 * (corners within eps of the smaller size) form classes; a class with more
 * than `threshold` members becomes its average box, unless it lies inside
 * a stronger class's box.  Rounding follows OpenCV (float averages rounded
 * half to even) so that boxes come out identical.
 */
#include "detect/cascade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int similar(const emo__rect *a, const emo__rect *b, double eps)
{
    int mw = a->w < b->w ? a->w : b->w, mh = a->h < b->h ? a->h : b->h;
    double delta = eps * (mw + mh) * 0.5;
    return abs(a->x - b->x) <= delta && abs(a->y - b->y) <= delta &&
           abs(a->x + a->w - b->x - b->w) <= delta &&
           abs(a->y + a->h - b->y - b->h) <= delta;
}

static int find_root(int *parent, int i)
{
    int r = i;
    while (parent[r] >= 0)
        r = parent[r];
    while (parent[i] >= 0) { /* path compression */
        int n = parent[i];
        parent[i] = r;
        i = n;
    }
    return r;
}

typedef struct xkey {
    int x, i;
} xkey;

static int by_x(const void *a, const void *b)
{
    const xkey *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* Connected components of the similarity relation (cv::partition), with
 * labels numbered in order of first appearance.  Returns the class count.
 * Two similar boxes are at most eps * (w + h) / 2 apart in x, so a sweep
 * over boxes sorted by x compares only those pairs: the components, and
 * so the result, are those of OpenCV's all-pairs loop, but thousands of
 * raw hits (min-neighbours 0 on a busy frame) cost little. */
static int partition(const emo__rect *v, int n, double eps, int *label,
                     int *parent, xkey *order)
{
    double reach = 0;
    for (int i = 0; i < n; i++) {
        parent[i] = -1;
        order[i] = (xkey){v[i].x, i};
        double d = eps * (v[i].w + v[i].h) * 0.5;
        reach = d > reach ? d : reach;
    }
    qsort(order, (size_t)n, sizeof *order, by_x);
    for (int a = 0; a < n; a++) {
        int i = order[a].i;
        for (int b = a + 1; b < n && order[b].x - v[i].x <= reach; b++) {
            int j = order[b].i;
            if (!similar(&v[i], &v[j], eps))
                continue;
            int ri = find_root(parent, i), rj = find_root(parent, j);
            if (ri != rj)
                parent[ri > rj ? ri : rj] = ri > rj ? rj : ri;
        }
    }
    int nclasses = 0;
    for (int i = 0; i < n; i++) {
        int r = find_root(parent, i);
        if (r == i)
            label[i] = nclasses++;
    }
    for (int i = 0; i < n; i++)
        label[i] = label[find_root(parent, i)];
    return nclasses;
}

typedef struct acc {
    long long x, y, w, h;
    int n;
} acc;

/* Carves the four work arrays of n boxes out of one block (acc first: it
 * has the strictest alignment). */
static int group_scratch(int n, void **buf, size_t *cap, acc **a,
                         emo__rect **avg, xkey **order, int **label)
{
    size_t need = (size_t)n * (sizeof **a + sizeof **avg + sizeof **order +
                               2 * sizeof **label);
    if (*cap < need) {
        void *q = realloc(*buf, need);
        if (!q)
            return emo__fail(EMO_ERR_NOMEM, "out of memory grouping "
                             "detections");
        *buf = q;
        *cap = need;
    }
    char *p = *buf;
    *a = (acc *)p;
    *avg = (emo__rect *)(p += sizeof **a * (size_t)n);
    *order = (xkey *)(p += sizeof **avg * (size_t)n);
    *label = (int *)(p + sizeof **order * (size_t)n);
    memset(*a, 0, sizeof **a * (size_t)n);
    return EMO_OK;
}

int emo__group_rects(emo__rects *r, int threshold, double eps, void **buf,
                     size_t *cap)
{
    int n = r->n;
    if (threshold <= 0 || n == 0)
        return EMO_OK;
    void *own = NULL;
    size_t own_cap = 0;
    if (!buf) {
        buf = &own;
        cap = &own_cap;
    }
    acc *a = NULL;
    emo__rect *avg = NULL;
    xkey *order = NULL;
    int *label = NULL;
    int rc = group_scratch(n, buf, cap, &a, &avg, &order, &label);
    if (rc)
        return rc;
    int nc = partition(r->v, n, eps, label, label + n, order);
    for (int i = 0; i < n; i++) {
        acc *c = &a[label[i]];
        c->x += r->v[i].x;
        c->y += r->v[i].y;
        c->w += r->v[i].w;
        c->h += r->v[i].h;
        c->n++;
    }
    for (int i = 0; i < nc; i++) {
        float s = 1.f / (float)a[i].n;
        avg[i] = (emo__rect){(int)lrintf((float)a[i].x * s),
                             (int)lrintf((float)a[i].y * s),
                             (int)lrintf((float)a[i].w * s),
                             (int)lrintf((float)a[i].h * s)};
    }
    r->n = 0;
    for (int i = 0; i < nc; i++) {
        const emo__rect *r1 = &avg[i];
        int n1 = a[i].n, j;
        if (n1 <= threshold)
            continue;
        for (j = 0; j < nc; j++) { /* drop small boxes inside big ones */
            int n2 = a[j].n;
            if (j == i || n2 <= threshold)
                continue;
            const emo__rect *r2 = &avg[j];
            int dx = (int)lrint(r2->w * eps), dy = (int)lrint(r2->h * eps);
            if (r1->x >= r2->x - dx && r1->y >= r2->y - dy &&
                r1->x + r1->w <= r2->x + r2->w + dx &&
                r1->y + r1->h <= r2->y + r2->h + dy &&
                (n2 > (n1 > 3 ? n1 : 3) || n1 < 3))
                break;
        }
        if (j == nc)
            r->v[r->n++] = *r1; /* r->n <= i < nc <= n: in place is safe */
    }
    free(own);
    return EMO_OK;
}
