/*
 * photometric.c - lighting normalisation of a float face in [0, 1]
 * (EMO_OPT_PHOTOMETRIC): histogram equalisation, CLAHE and per-face
 * standardisation.  Each mapping is continuous in the pixel value (linear
 * within a histogram bin), so that the bilinear crop's in-between values
 * keep their order and a face is not posterised to the bin count.
 */
#include "image/image.h"

#include <math.h>
#include <string.h>

#define EQ_BINS 256
#define CLAHE_BINS 64      /* 144-pixel tiles: 256 bins would be mostly 0 */
#define CLAHE_CLIP 2.0     /* times the mean bin count (OpenCV's clipLimit) */
#define CLAHE_TILE_PX 12   /* aimed tile side: an eye, the mouth */
#define CLAHE_MAX_GRID 8

/* Bin of v among `bins` equal bins over [0, 1], and where v lies in it. */
static int bin_of(float v, int bins, float *frac)
{
    float x = v * (float)bins;
    if (!(x > 0.0f)) { /* also NaN */
        *frac = 0.0f;
        return 0;
    }
    if (x >= (float)bins) {
        *frac = 1.0f;
        return bins - 1;
    }
    int b = (int)x;
    *frac = x - (float)b;
    return b;
}

/* The cumulative mapping of a histogram: below[b] = mass of the bins
 * under b over the total, and hist[b] (in place) bin b's share, so that
 * map(v) = below[b] + frac * hist[b] runs from 0 to 1. */
static void cumulate(float *hist, int bins, float *below)
{
    double total = 0.0;
    for (int b = 0; b < bins; b++)
        total += hist[b];
    double acc = 0.0;
    for (int b = 0; b < bins; b++) {
        double hb = hist[b];
        below[b] = total > 0 ? (float)(acc / total) : 0.0f;
        hist[b] = total > 0 ? (float)(hb / total) : 0.0f;
        acc += hb;
    }
}

static float map_value(const float *below, const float *step, int bins,
                       float v)
{
    float f;
    int b = bin_of(v, bins, &f);
    return below[b] + f * step[b];
}

/* Whole-face equalisation: each value becomes the fraction of the face
 * darker than it, so the output histogram is flat. */
static void histeq(float *face, size_t n)
{
    float hist[EQ_BINS] = {0}, below[EQ_BINS], f;
    for (size_t i = 0; i < n; i++)
        hist[bin_of(face[i], EQ_BINS, &f)] += 1.0f;
    cumulate(hist, EQ_BINS, below);
    for (size_t i = 0; i < n; i++)
        face[i] = map_value(below, hist, EQ_BINS, face[i]);
}

int emo__clahe_grid(int side)
{
    int g = (side + CLAHE_TILE_PX / 2) / CLAHE_TILE_PX;
    return g < 1 ? 1 : g > CLAHE_MAX_GRID ? CLAHE_MAX_GRID : g;
}

/* Clips every bin at `limit` and spreads the clipped mass evenly over all
 * bins (one pass: a bin may end a little over the limit, by at most the
 * mean bin count, which bounds each mapping's slope by clip + 1). */
static void clip_hist(float *hist, int bins, float limit)
{
    double excess = 0.0;
    for (int b = 0; b < bins; b++)
        if (hist[b] > limit) {
            excess += hist[b] - limit;
            hist[b] = limit;
        }
    float add = (float)(excess / bins);
    for (int b = 0; b < bins; b++)
        hist[b] += add;
}

/* Tile t of g along a side of n pixels covers [t*n/g, (t+1)*n/g). */
static int tile_of(int x, int n, int g)
{
    int t = (int)((long long)x * g / n);
    return t < g ? t : g - 1;
}

/* Per-tile mappings of CLAHE: below and step (the bin shares) of each
 * tile, row-major over the grid. */
typedef struct tile_maps {
    int gx, gy;
    float below[CLAHE_MAX_GRID * CLAHE_MAX_GRID][CLAHE_BINS];
    float step[CLAHE_MAX_GRID * CLAHE_MAX_GRID][CLAHE_BINS];
} tile_maps;

static void build_tile_maps(const float *face, int w, int h, tile_maps *m)
{
    int gx = m->gx, gy = m->gy, count[CLAHE_MAX_GRID * CLAHE_MAX_GRID] = {0};
    float f;
    memset(m->step, 0, sizeof m->step);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int t = tile_of(y, h, gy) * gx + tile_of(x, w, gx);
            m->step[t][bin_of(face[(size_t)y * w + x], CLAHE_BINS, &f)] += 1;
            count[t]++;
        }
    for (int t = 0; t < gx * gy; t++) {
        float limit = (float)(CLAHE_CLIP * count[t] / CLAHE_BINS);
        clip_hist(m->step[t], CLAHE_BINS, limit < 1.0f ? 1.0f : limit);
        cumulate(m->step[t], CLAHE_BINS, m->below[t]);
    }
}

static float tile_map(const tile_maps *m, int tx, int ty, float v)
{
    int t = ty * m->gx + tx;
    return map_value(m->below[t], m->step[t], CLAHE_BINS, v);
}

/* Where pixel x lies among the g tile centres of a side of n pixels
 * (centre t at (t + 0.5) * n / g): tiles *t0, *t1 and the weight of t1;
 * past the outer centres the nearest tile alone. */
static void centre_pos(int x, int n, int g, int *t0, int *t1, float *wt)
{
    double p = (x + 0.5) * g / n - 0.5;
    p = p < 0 ? 0 : p > g - 1 ? g - 1 : p;
    *t0 = (int)p;
    *t1 = *t0 + 1 < g ? *t0 + 1 : *t0;
    *wt = (float)(p - *t0);
}

/* Contrast-limited adaptive equalisation: a clipped mapping per tile,
 * blended bilinearly between tile centres, so tile borders leave no
 * seam. */
static void clahe(float *face, int w, int h)
{
    tile_maps m;
    m.gx = emo__clahe_grid(w);
    m.gy = emo__clahe_grid(h);
    build_tile_maps(face, w, h, &m);
    for (int y = 0; y < h; y++) {
        int y0, y1, x0, x1;
        float wy, wx;
        centre_pos(y, h, m.gy, &y0, &y1, &wy);
        for (int x = 0; x < w; x++) {
            centre_pos(x, w, m.gx, &x0, &x1, &wx);
            float v = face[(size_t)y * w + x];
            float a = tile_map(&m, x0, y0, v), b = tile_map(&m, x1, y0, v);
            float c = tile_map(&m, x0, y1, v), d = tile_map(&m, x1, y1, v);
            float top = a + wx * (b - a), bot = c + wx * (d - c);
            face[(size_t)y * w + x] = top + wy * (bot - top);
        }
    }
}

/* Zero mean, unit variance, then 0.5 + z / 4: the result has the mean and
 * spread of a well-exposed face in [0, 1].  The deviation is floored at
 * one gray level so a flat face stays flat (0.5) instead of amplifying
 * rounding noise. */
static void standardize(float *face, size_t n)
{
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += face[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        sq += (face[i] - mean) * (face[i] - mean);
    double sd = sqrt(sq / (double)n);
    if (sd < 1.0 / 255.0)
        sd = 1.0 / 255.0;
    float a = (float)(0.25 / sd), c = (float)(0.5 - 0.25 * mean / sd);
    for (size_t i = 0; i < n; i++)
        face[i] = face[i] * a + c;
}

void emo__photometric_f32(float *face, int w, int h, int mode)
{
    size_t n = (size_t)w * h;
    if (n == 0)
        return;
    switch (mode) {
    case EMO_PHOTO_HISTEQ:
        histeq(face, n);
        break;
    case EMO_PHOTO_CLAHE:
        clahe(face, w, h);
        break;
    case EMO_PHOTO_STANDARDIZE:
        standardize(face, n);
        break;
    default: /* EMO_PHOTO_NONE */
        break;
    }
}
