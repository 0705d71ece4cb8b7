/*
 * cascade.h - Viola-Jones cascades read from OpenCV XML files, and the
 * multi-scale detector that runs them with OpenCV 4's detectMultiScale
 * semantics (image pyramid, variance normalisation, neighbour grouping).
 *
 * cascade_xml.c reads the files, cascade_check.c checks them, plan.c
 * compiles them, pyramid.c builds the scaled and integral images, eval.c
 * and scan_vec.c classify windows, multiscale.c scans the scales,
 * group.c groups raw hits into rects.c's lists.  Nothing here is
 * exported.
 */
#ifndef EMO_CASCADE_H
#define EMO_CASCADE_H

#include "common/internal.h"

enum { EMO__CASCADE_HAAR = 1, EMO__CASCADE_LBP = 2 };

/* Limits that keep a hostile file from asking for absurd amounts of memory
 * or time; every cascade OpenCV ships is far below them. */
#define EMO__CASCADE_MAX_WIN 1024
#define EMO__CASCADE_MAX_STAGES 4096
#define EMO__CASCADE_MAX_TREES (1 << 20)
#define EMO__CASCADE_MAX_NODES_PER_TREE 1024
#define EMO__CASCADE_MAX_FEATURES (1 << 20)
#define EMO__LBP_SUBSET 8 /* 256 categories / 32 bits */
/* The XML tree costs several times the file: OpenCV's largest cascade is
 * under 3 MB, so 64 MB keeps a hostile file's parse bounded. */
#define EMO__CASCADE_MAX_BYTES (64 << 20)

/* One rectangle of a HAAR feature: x, y, w, h in window pixels, weight. */
typedef struct emo__haar_rect {
    int x, y, w, h;
    float weight;
} emo__haar_rect;

typedef struct emo__feature {
    emo__haar_rect r[3]; /* HAAR: up to 3 rects (weight 0 = unused);
                            LBP: r[0] is the block (w, h of one cell) */
    int nrects;
    int tilted;
} emo__feature;

/* Tree node.  left/right > 0: index of a node of the same tree (always
 * after this one, so evaluation terminates); <= 0: leaf -value. */
typedef struct emo__node {
    int left, right, feature;
    float threshold;  /* HAAR: feature value < threshold goes left */
    int subset;       /* LBP: index into subsets (EMO__LBP_SUBSET ints) */
} emo__node;

typedef struct emo__tree {
    int first_node, nnodes; /* leaves: first_leaf .. first_leaf+nnodes */
    int first_leaf;
} emo__tree;

typedef struct emo__stage {
    int first_tree, ntrees;
    float threshold; /* as stored minus 1e-5, as OpenCV does */
} emo__stage;

/* A parsed and validated cascade (immutable once loaded). */
typedef struct emo__cascade {
    int type;            /* EMO__CASCADE_* */
    int win_w, win_h;    /* training window */
    int stumps;          /* every tree has one node */
    int has_tilted;
    int nstages, ntrees, nnodes, nleaves, nfeatures, nsubsets;
    emo__stage *stages;
    emo__tree *trees;
    emo__node *nodes;
    float *leaves;
    emo__feature *features;
    int32_t *subsets;
    unsigned long serial; /* unique per load: keys compiled plans */
} emo__cascade;

/* Loads a cascade file (current or old OpenCV format).  Errors name the
 * file and the element at fault. */
int emo__cascade_load(const char *path, emo__cascade **out);
/* Same from memory; `name` prefixes error messages. */
int emo__cascade_parse(const uint8_t *data, size_t size, const char *name,
                       emo__cascade **out);
void emo__cascade_free(emo__cascade *c);
/* Checks every index, count and rectangle; used by the parser. */
int emo__cascade_validate(const emo__cascade *c);

/* Default cascade path: $EMO_CASCADE, else the first installed copy of
 * haarcascade_frontalface_default.xml; NULL when none is found. */
const char *emo__cascade_default_path(void);

/* ------------------------------------------------------------------------ */
/* Detection                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct emo__rect {
    int x, y, w, h;
} emo__rect;

/* A growable list of rectangles. */
typedef struct emo__rects {
    emo__rect *v;
    int n, cap;
} emo__rects;
int emo__rects_push(emo__rects *r, emo__rect x);
void emo__rects_free(emo__rects *r);

typedef struct emo__detect_params {
    double scale_factor; /* > 1 */
    int min_neighbors;   /* groupRectangles threshold; 0 = raw hits */
    int min_w, min_h;    /* smallest window */
    int max_w, max_h;    /* largest window; 0 = the frame */
    int threads;         /* >= 1: threads over scales */
    int scalar;          /* 1: plain one-window code (tests compare the
                            vector path with it) */
    long long max_pixels; /* largest pyramid level scanned; 0 = any */
} emo__detect_params;

/* Per-frame buffers, kept across calls and grown when needed, so that a
 * video loop allocates nothing after its first frame. */
typedef struct emo__detector emo__detector;
int emo__detector_create(emo__detector **out);
void emo__detector_free(emo__detector *d);

/* Runs `c` over a gray frame with OpenCV's detectMultiScale semantics and
 * appends the grouped boxes (clipped to the frame) to `out`, which is
 * emptied first.  Frames smaller than the window find nothing.  Levels of
 * more than p->max_pixels are skipped: a larger frame is scanned from the
 * first scale at which it fits, as if it had been downscaled, and memory
 * is bounded by that level (boxes are still in frame coordinates). */
int emo__detect(emo__detector *d, const emo__cascade *c, const uint8_t *img,
                int w, int h, int stride, const emo__detect_params *p,
                emo__rects *out);

/* A cascade compiled for one integral-image row stride: every feature's
 * corner offsets precomputed and laid out flat next to its stump, so a
 * window costs loads and adds only.  Read-only once built (shared by the
 * threads of one detection). */
typedef struct emo__plan emo__plan;
int emo__plan_build(const emo__cascade *c, int stride, size_t tilted_ofs,
                    emo__plan **out);
void emo__plan_free(emo__plan *p);
/* Whether the plan was built for this cascade and layout. */
int emo__plan_matches(const emo__plan *p, const emo__cascade *c, int stride,
                      size_t tilted_ofs);

/* One pyramid level: scans windows at (x, y) for x < sw, y < sh with step
 * `step` (and OpenCV's extra step after a window rejected by the first
 * stage) over the integral images (sum: plane of sums then of tilted sums
 * at tilted_ofs; sq: squared sums, NULL for LBP) and appends each accepted
 * window scaled by `scale` to `out`.  scalar = 1 forces the one-window
 * code even where the vector path applies. */
int emo__plan_scan(const emo__plan *p, const uint32_t *sum,
                   const uint32_t *sq, int sw, int sh, int step, float scale,
                   int scalar, emo__rects *out);

/* OpenCV's groupRectangles(rects, threshold, eps) in place.  Scratch
 * memory comes from *buf (*cap bytes, grown with realloc and kept by the
 * caller, so steady use allocates nothing); buf NULL: a temporary one.
 * Errors: EMO_ERR_NOMEM. */
int emo__group_rects(emo__rects *r, int threshold, double eps, void **buf,
                     size_t *cap);

/* OpenCV's resize(INTER_LINEAR_EXACT) for one-channel u8: bit-exact
 * fixed-point bilinear.  tmp holds 4 * dw ints. */
void emo__resize_exact_u8(const uint8_t *src, int sw, int sh, int sstride,
                          uint8_t *dst, int dw, int dh, int dstride,
                          int *tmp);
/* The vector scan loads 8 windows at a time (16 entries apart by 2 below
 * scale 2), so it reads up to 15 entries past a row's last column.  Those
 * lanes are masked out of the result, but what they read must still be
 * written memory: emo__integral follows every row with this many zeros. */
#define EMO__INTEGRAL_TAIL 16

/* Integral images of an u8 image (w x h): sum, squared sum and optionally
 * the 45-degree tilted sum (OpenCV's integral() with tilted output).  All
 * are (w+1) x (h+1) with `stride` elements per row and wrap modulo 2^32
 * (as OpenCV's CV_32S does): differences over a window stay exact.  Each
 * row is followed by EMO__INTEGRAL_TAIL zeros (running into the next row's
 * place when the stride is tighter), so every plane needs room for
 * h * stride + w + 1 + EMO__INTEGRAL_TAIL entries.  sq and tilted may be
 * NULL.  work holds 2 * w ints when tilted is wanted. */
void emo__integral(const uint8_t *img, int w, int h, int istride,
                   uint32_t *sum, uint32_t *sq, uint32_t *tilted, int stride,
                   uint32_t *work);

#endif
