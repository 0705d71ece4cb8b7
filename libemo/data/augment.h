/* augment.h - random augmentation of training faces (augment.c). */
#ifndef EMO_DATA_AUGMENT_H
#define EMO_DATA_AUGMENT_H

#include "common/internal.h"

/* One augmented copy of a side x side face (pixel units) under the
 * EMO_AUG_* mask: mirror with probability 1/2, rotation uniform in
 * +-rotate_deg, shift up to side/12 pixels, scale 0.9..1.1, brightness
 * +-0.1 and contrast 0.8..1.2, and (EMO_AUG_ERASE) with probability 1/2 a
 * rectangle of 2-20 % of the face filled with uniform noise.  The first
 * five draw a fixed number of random numbers per call whatever the mask;
 * erasing draws only when on.  Seeded runs are reproducible.  tmp holds
 * side * side floats; src != dst. */
void emo__augment_face(const float *src, int side, float *dst, float *tmp,
                       unsigned mask, double rotate_deg, emo_rng *rng);

#endif
