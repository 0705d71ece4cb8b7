/*
 * plan.h - the compiled form of a cascade (built by plan.c) shared by the
 * scalar window evaluator (eval.c) and the vectorised row scanner
 * (scan_vec.c).  Private to those files.
 */
#ifndef EMO_DETECT_PLAN_H
#define EMO_DETECT_PLAN_H

#include "detect/cascade.h"

typedef struct hfeat {
    int32_t o[3][4];
    float w[3];
} hfeat;

/* leaf[0] when the feature is below the threshold, else leaf[1]: picked by
 * index, not by a branch the CPU would mispredict half of the time. */
typedef struct hstump {
    hfeat f;
    float thr;
    double leaf[2]; /* the float leaves, widened once here, not per window */
} hstump;

typedef struct lfeat {
    int32_t o[16];
} lfeat;

typedef struct lstump {
    lfeat f;
    uint32_t subset[EMO__LBP_SUBSET];
    float leaf[2]; /* in the subset, not in it */
} lstump;

struct emo__plan {
    const emo__cascade *c;
    unsigned long serial;
    int stride;
    size_t tofs;
    hstump *hs; /* HAAR stumps, all stages in order */
    lstump *ls; /* LBP stumps */
    hfeat *hf;  /* per feature, for tree cascades */
    lfeat *lf;
    int32_t nofs[4];
    double area;
    int small_trees; /* HAAR trees of at most 4 nodes: vector path */
};

/* Scans one row of windows (positions x = 0, step, ... < sw) with a
 * cascade of stumps (HAAR or LBP) or small HAAR trees, 8 windows per
 * vector operation; same results as the scalar path, OpenCV's
 * skip-after-first-stage rule included.  qrow is the squared-sum row
 * (NULL for LBP).  Returns EMO_OK or an error from appending hits. */
int emo__scan_row_vec(const emo__plan *p, const uint32_t *row,
                      const uint32_t *qrow, int sw, int step, int y,
                      float scale, int ww, int wh, emo__rects *out);

#endif
