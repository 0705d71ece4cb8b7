/* augment.c - random augmentation of a training face (the paper's mirror
 * and +-10 degree rotation, plus shift, scale and brightness/contrast). */
#include "train.h"
#include "image.h"

#include <string.h>

void emo__augment_face(const float *src, int side, float *dst, float *tmp,
                       unsigned mask, double rotate_deg, emo_rng *rng)
{
    /* Every draw is made whatever the mask: the random stream, and with it
     * the rest of the run, does not depend on which augmentations are on. */
    double u_flip = emo__rng_uniform(rng);
    double u_rot = emo__rng_uniform(rng) * 2 - 1;
    double u_dx = emo__rng_uniform(rng) * 2 - 1;
    double u_dy = emo__rng_uniform(rng) * 2 - 1;
    double u_scale = emo__rng_uniform(rng) * 2 - 1;
    double u_bright = emo__rng_uniform(rng) * 2 - 1;
    double u_contrast = emo__rng_uniform(rng) * 2 - 1;
    size_t n = (size_t)side * side;

    const float *cur = src;
    if ((mask & EMO_AUG_MIRROR) && u_flip < 0.5) {
        emo__flip_f32(src, side, side, tmp);
        cur = tmp;
    }
    double deg = (mask & EMO_AUG_ROTATE) ? u_rot * rotate_deg : 0.0;
    double shift = side / 12.0;
    double dx = (mask & EMO_AUG_SHIFT) ? u_dx * shift : 0.0;
    double dy = (mask & EMO_AUG_SHIFT) ? u_dy * shift : 0.0;
    double scale = (mask & EMO_AUG_SCALE) ? 1.0 + 0.1 * u_scale : 1.0;
    if (deg != 0.0 || dx != 0.0 || dy != 0.0 || scale != 1.0)
        emo__affine_f32(cur, side, side, dst, deg, scale, dx, dy);
    else if (cur != dst)
        memcpy(dst, cur, n * sizeof *dst);
    if (mask & EMO_AUG_BRIGHTNESS) {
        float b = (float)(0.1 * u_bright);
        float c = (float)(1.0 + 0.2 * u_contrast);
        for (size_t i = 0; i < n; i++) {
            float v = (dst[i] - 0.5f) * c + 0.5f + b;
            dst[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
    }
}
