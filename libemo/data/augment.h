/* augment.h - random augmentation of training faces (augment.c). */
#ifndef EMO_DATA_AUGMENT_H
#define EMO_DATA_AUGMENT_H

#include "common/internal.h"

/* What to draw: the EMO_AUG_* mask and the amplitudes of
 * EMO_OPT_TRAIN_ROTATE_DEG, EMO_OPT_TRAIN_SHIFT (fraction of the side)
 * and EMO_OPT_TRAIN_SCALE. */
typedef struct emo__aug {
    unsigned mask;
    double rotate_deg, shift, scale;
} emo__aug;

/* The augmentation options of o (network options). */
emo__aug emo__aug_from_opts(const emo_opts *o);

/* The largest shift in pixels of a side x side face for the fraction
 * frac; exactly side / 12.0 for the default 1/12. */
double emo__aug_shift_px(int side, double frac);

/* One augmented copy of a side x side face (pixel units) under a->mask:
 * mirror with probability 1/2, rotation uniform in +-rotate_deg, shift
 * uniform in +-shift times the side in x and y, scale 1 +- scale,
 * brightness +-0.1 and contrast 0.8..1.2, and (EMO_AUG_ERASE) with
 * probability 1/2 a rectangle of 2-20 % of the face filled with uniform
 * noise; then the lighting bits: gamma log-uniform in 0.6..1.6, a
 * side-light ramp multiplying the face by 1 -+ up to 0.6 across it, with
 * probability 1/2 a 5x5 Gaussian of sigma 0.4..1.2, Gaussian noise of
 * deviation 0..0.04.  The first five draw a fixed number of random
 * numbers per call whatever the mask; erasing and each lighting bit draw
 * only when on, in that order, so a mask without them keeps the stream of
 * 1.0.  Seeded runs are reproducible.  tmp holds 2 * side * side floats;
 * src != dst. */
void emo__augment_face(const float *src, int side, float *dst, float *tmp,
                       const emo__aug *a, emo_rng *rng);

#endif
