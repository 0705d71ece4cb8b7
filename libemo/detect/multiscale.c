/*
 * multiscale.c - multi-scale detection with OpenCV 4's detectMultiScale
 * semantics: the list of scales (window rounded at each power of the scale
 * factor, filtered by min/max size), for each scale the image resized to
 * round(W/s) x round(H/s) and scanned with the cascade's own window (step
 * 2 below scale 2, else 1), hits scaled back, grouped, clipped.
 *
 * Buffers (resized level, integral images, hit lists) live in the
 * emo__detector and grow only when a larger frame arrives, so a stream of
 * same-size frames allocates nothing.  With threads > 1, pthreads take
 * scales from a shared counter; hits are merged in scale order so the
 * result does not depend on scheduling.
 */
#include "detect/cascade.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCALES 4096
#define MAX_THREADS 64
/* Integral planes are padded: the zeros after the last row's last column
 * (EMO__INTEGRAL_TAIL) may run past the plane. */
#define PAD 32
_Static_assert(PAD >= EMO__INTEGRAL_TAIL, "integral tail outruns the pad");

/* One thread's working set. */
typedef struct worker {
    uint8_t *img;
    uint32_t *sum, *sq, *work;
    int *tmp;
    size_t cap_img, cap_sum, cap_sq, cap_work, cap_tmp;
    emo__rects hits;
} worker;

struct emo__detector {
    /* Two compiled plans: a video loop alternates full-frame scans with
     * scans of a region around the last face, whose layouts differ. */
    emo__plan *plans[2];
    const emo__plan *plan; /* the one in use */
    worker w[MAX_THREADS];
    float scales[MAX_SCALES];
    int seg_start[MAX_SCALES], seg_count[MAX_SCALES], seg_worker[MAX_SCALES];
    void *group_buf; /* scratch of emo__group_rects, grow-only */
    size_t group_cap;
};

int emo__detector_create(emo__detector **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for the detector");
    return EMO_OK;
}

static void worker_free(worker *w)
{
    free(w->img);
    free(w->sum);
    free(w->sq);
    free(w->work);
    free(w->tmp);
    emo__rects_free(&w->hits);
}

void emo__detector_free(emo__detector *d)
{
    if (!d)
        return;
    emo__plan_free(d->plans[0]);
    emo__plan_free(d->plans[1]);
    free(d->group_buf);
    for (int i = 0; i < MAX_THREADS; i++)
        worker_free(&d->w[i]);
    free(d);
}

static int reserve(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return EMO_OK;
    if (n > SIZE_MAX / elem)
        return emo__fail(EMO_ERR_LIMIT, "frame too large for the detector");
    void *q = realloc(*p, n * elem);
    if (!q)
        return emo__fail(EMO_ERR_NOMEM, "out of memory for detection "
                         "buffers (%zu bytes)", n * elem);
    *p = q;
    *cap = n;
    return EMO_OK;
}

static int level_size(int n, float s)
{
    return (int)lrintf((float)n / s);
}

/* Whether the level of scale s is over the pixel cap (0: no cap). */
static int over_cap(int w, int h, float s, long long cap)
{
    return cap > 0 && (long long)level_size(w, s) * level_size(h, s) > cap;
}

/* Scales as OpenCV computes them (factor powers in double, stored as
 * float), kept when the rounded window fits between min and max size; if
 * none does, the one closest to the min size (OpenCV's minSize == maxSize
 * rule).  Scales whose level is over the pixel cap are never candidates,
 * not even for that rule.  Returns the count. */
static int list_scales(const emo__cascade *c, int w, int h,
                       const emo__detect_params *p, float *out)
{
    float all[MAX_SCALES];
    int nall = 0, n = 0;
    for (double f = 1; nall < MAX_SCALES; f *= p->scale_factor) {
        if (lrint(c->win_w * f) > w || lrint(c->win_h * f) > h)
            break;
        if (!over_cap(w, h, (float)f, p->max_pixels))
            all[nall++] = (float)f;
    }
    int maxw = p->max_w > 0 ? p->max_w : w, maxh = p->max_h > 0 ? p->max_h : h;
    for (int i = 0; i < nall; i++) {
        long ww = lrintf((float)c->win_w * all[i]);
        long wh = lrintf((float)c->win_h * all[i]);
        if (ww > maxw || wh > maxh)
            break;
        if (ww < p->min_w || wh < p->min_h)
            continue;
        out[n++] = all[i];
    }
    if (n == 0 && nall > 0) {
        int best = 0;
        double bd = INFINITY;
        for (int i = 0; i < nall; i++) {
            double dw = p->min_w - lrintf((float)c->win_w * all[i]);
            double dh = p->min_h - lrintf((float)c->win_h * all[i]);
            if (dw * dw + dh * dh < bd) {
                bd = dw * dw + dh * dh;
                best = i;
            }
        }
        out[n++] = all[best];
    }
    return n;
}

/* Shared state of one detection call. */
typedef struct job {
    emo__detector *d;
    const emo__cascade *c;
    const uint8_t *img;
    int w, h, stride, nscales, istride, scalar;
    size_t tofs;
    atomic_int next;
    atomic_int rc;
} job;

static int run_scale(job *j, worker *wk, int i)
{
    const emo__cascade *c = j->c;
    float s = j->d->scales[i];
    int lw = level_size(j->w, s), lh = level_size(j->h, s);
    const uint8_t *src = j->img;
    int sstride = j->stride;
    if (lw != j->w || lh != j->h) {
        emo__resize_exact_u8(j->img, j->w, j->h, j->stride, wk->img, lw, lh,
                             lw, wk->tmp);
        src = wk->img;
        sstride = lw;
    }
    int lbp = c->type == EMO__CASCADE_LBP;
    emo__integral(src, lw, lh, sstride, wk->sum, lbp ? NULL : wk->sq,
                  c->has_tilted ? wk->sum + j->tofs : NULL, j->istride,
                  wk->work);
    int sw = lw + 1 - c->win_w, sh = lh + 1 - c->win_h;
    int start = wk->hits.n;
    int rc = EMO_OK;
    if (sw > 0 && sh > 0)
        rc = emo__plan_scan(j->d->plan, wk->sum, lbp ? NULL : wk->sq, sw, sh,
                            s >= 2 ? 1 : 2, s, j->scalar, &wk->hits);
    j->d->seg_start[i] = start;
    j->d->seg_count[i] = wk->hits.n - start;
    j->d->seg_worker[i] = (int)(wk - j->d->w);
    return rc;
}

static void *work_loop(void *arg)
{
    job *j = ((void **)arg)[0];
    worker *wk = ((void **)arg)[1];
    for (;;) {
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nscales || atomic_load(&j->rc) != EMO_OK)
            break;
        int rc = run_scale(j, wk, i);
        if (rc) {
            int expected = EMO_OK;
            atomic_compare_exchange_strong(&j->rc, &expected, rc);
        }
    }
    return NULL;
}

static int prepare(emo__detector *d, const emo__cascade *c, job *j,
                   int nthreads)
{
    int w0 = level_size(j->w, d->scales[0]);
    int h0 = level_size(j->h, d->scales[0]);
    /* The plan (precomputed feature offsets) depends on the integral
     * row stride and, for tilted features, on the plane size; a video
     * loop scanning a region around the last face sees both change by a
     * few pixels each frame.  Rounding rows and row count up to 32 lets
     * it keep the plan. */
    j->istride = (w0 + 1 + 31) & ~31;
    size_t plane = (size_t)j->istride * (size_t)((h0 + 1 + 31) & ~31);
    j->tofs = c->has_tilted ? plane : 0;
    if (!emo__plan_matches(d->plans[0], c, j->istride, j->tofs)) {
        emo__plan *t = d->plans[0]; /* most recently used first */
        d->plans[0] = d->plans[1];
        d->plans[1] = t;
        if (!emo__plan_matches(d->plans[0], c, j->istride, j->tofs)) {
            emo__plan_free(d->plans[0]);
            d->plans[0] = NULL;
            int rc = emo__plan_build(c, j->istride, j->tofs, &d->plans[0]);
            if (rc)
                return rc;
        }
    }
    d->plan = d->plans[0];
    for (int t = 0; t < nthreads; t++) {
        worker *wk = &d->w[t];
        int rc;
        if ((rc = reserve((void **)&wk->img, &wk->cap_img,
                          (size_t)w0 * h0, 1)) ||
            (rc = reserve((void **)&wk->sum, &wk->cap_sum,
                          plane * (c->has_tilted ? 2 : 1) + PAD, 4)) ||
            (rc = reserve((void **)&wk->sq, &wk->cap_sq, plane + PAD, 4)) ||
            (rc = reserve((void **)&wk->work, &wk->cap_work,
                          2 * (size_t)w0 + 2, 4)) ||
            (rc = reserve((void **)&wk->tmp, &wk->cap_tmp,
                          4 * (size_t)w0 + 4, sizeof(int))))
            return rc;
        wk->hits.n = 0;
    }
    return EMO_OK;
}

static int run_threads(job *j, int nthreads)
{
    pthread_t tid[MAX_THREADS];
    void *args[MAX_THREADS][2];
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        args[t][0] = j;
        args[t][1] = &j->d->w[t];
        if (pthread_create(&tid[t], NULL, work_loop, args[t]) != 0)
            break; /* fewer threads: the others take up the work */
        started = t;
    }
    args[0][0] = j;
    args[0][1] = &j->d->w[0];
    work_loop(args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    return atomic_load(&j->rc);
}

/* Hits of every scale, in scale order, then grouped and clipped. */
static int collect(emo__detector *d, int nscales, int w, int h,
                   const emo__detect_params *p, emo__rects *out)
{
    out->n = 0;
    for (int i = 0; i < nscales; i++) {
        const worker *wk = &d->w[d->seg_worker[i]];
        for (int k = 0; k < d->seg_count[i]; k++) {
            int rc = emo__rects_push(out, wk->hits.v[d->seg_start[i] + k]);
            if (rc)
                return rc;
        }
    }
    int rc = emo__group_rects(out, p->min_neighbors, 0.2, &d->group_buf,
                              &d->group_cap);
    if (rc)
        return rc;
    int n = 0;
    for (int i = 0; i < out->n; i++) { /* intersect with the frame */
        emo__rect r = out->v[i];
        int x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
        int x1 = r.x + r.w < w ? r.x + r.w : w;
        int y1 = r.y + r.h < h ? r.y + r.h : h;
        if (x1 > x0 && y1 > y0)
            out->v[n++] = (emo__rect){x0, y0, x1 - x0, y1 - y0};
    }
    out->n = n;
    return EMO_OK;
}

int emo__detect(emo__detector *d, const emo__cascade *c, const uint8_t *img,
                int w, int h, int stride, const emo__detect_params *p,
                emo__rects *out)
{
    out->n = 0;
    if (!d || !c || !p || (!img && w > 0 && h > 0))
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL detection argument");
    if (w <= 0 || h <= 0 || stride < w)
        return emo__fail(EMO_ERR_INVALID_ARG, "bad frame %dx%d stride %d", w,
                         h, stride);
    if (!(p->scale_factor > 1.0))
        return emo__fail(EMO_ERR_RANGE, "scale factor must exceed 1");
    if (w < c->win_w || h < c->win_h)
        return EMO_OK; /* smaller than the window: nothing to find */
    int nscales = list_scales(c, w, h, p, d->scales);
    if (nscales == 0)
        return EMO_OK;
    int nthreads = p->threads < 1 ? 1 : p->threads;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    if (nthreads > nscales)
        nthreads = nscales;
    job j = {.d = d, .c = c, .img = img, .w = w, .h = h, .stride = stride,
             .nscales = nscales, .scalar = p->scalar};
    atomic_init(&j.next, 0);
    atomic_init(&j.rc, EMO_OK);
    int rc = prepare(d, c, &j, nthreads);
    if (rc)
        return rc;
    rc = run_threads(&j, nthreads);
    if (rc)
        return rc;
    return collect(d, nscales, w, h, p, out);
}
