/*
 * preprocessor.h - what the rest of libemo (the predictor's video mode,
 * training) may use of the emo_preprocessor beyond the public API.
 */
#ifndef EMO_PREPROCESS_H
#define EMO_PREPROCESS_H

#include "common/internal.h"

/* Makes sure a cascade is loaded (the default one if none was set), so a
 * caller can fail early with the loader's message. */
int emo__pp_ensure_cascade(emo_preprocessor *pp);

/* Video tracking: looks for the face again near `prev` (a box found in an
 * earlier frame of the same size) instead of scanning the whole frame.
 * Only a region of interest (prev grown by half its size on every side,
 * clipped to the frame) is scanned, and only at window sizes from 0.75x
 * to 1.33x prev's width, with the preprocessor's scale factor and
 * min-neighbours.  That is roughly 20-50x less work than a full scan.
 * *found is set to 1 and *out to the hit whose centre is nearest prev's
 * centre, or *found = 0 when the face was lost (the caller then rescans
 * the whole frame).  Errors as emo_preprocessor_detect. */
int emo__pp_detect_near(emo_preprocessor *pp, const uint8_t *gray,
                        int width, int height, int stride,
                        const emo_box *prev, emo_box *out, int *found);

/* emo_preprocessor_normalize in two steps, so that a view can be made
 * between them as training augments (train/face_cache.c): normalize is
 * crop then finish, bit for bit.
 * crop: the crop of box (NULL: the frame) rescaled to N x N floats in
 * [0,1], nothing else; it makes every check of normalize, with its errors,
 * before writing out.
 * finish, in place on an N x N face: the photometric mode, the blur, and
 * the mean image when one is set and subtract_mean is non-zero.  After a
 * successful crop with the same options it cannot fail. */
int emo__pp_crop(emo_preprocessor *pp, const uint8_t *gray, int width,
                 int height, int stride, const emo_box *box, float *out,
                 size_t out_len);
int emo__pp_finish(emo_preprocessor *pp, float *face, int subtract_mean);

#endif
