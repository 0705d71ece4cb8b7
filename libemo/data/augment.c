/* augment.c - random augmentation of a training face (the paper's mirror
 * and +-10 degree rotation, plus shift, scale, brightness/contrast,
 * random erasing, and lighting: gamma, side light, defocus, noise; the
 * amplitudes of rotation, shift and scale are options). */
#include "data/augment.h"
#include "image/image.h"

#include <math.h>
#include <string.h>

/* Random erasing (Zhong et al., 2017): with probability 1/2 a rectangle
 * of 2-20 % of the face, aspect ratio 1/3..3, is filled with uniform
 * noise, so that no single region (the mouth, say) can carry the whole
 * decision.  Drawn after the other augmentations and only when enabled:
 * runs without it keep the random stream of earlier releases. */
static void erase_patch(float *face, int side, emo_rng *rng)
{
    double u_apply = emo__rng_uniform(rng);
    double area = (0.02 + 0.18 * emo__rng_uniform(rng)) * side * side;
    double log_ratio = (emo__rng_uniform(rng) * 2 - 1) * log(3.0);
    double u_x = emo__rng_uniform(rng), u_y = emo__rng_uniform(rng);
    if (u_apply >= 0.5)
        return;
    int w = (int)lround(sqrt(area * exp(log_ratio)));
    int h = (int)lround(sqrt(area / exp(log_ratio)));
    w = w < 1 ? 1 : w > side ? side : w;
    h = h < 1 ? 1 : h > side ? side : h;
    int x0 = (int)(u_x * (side - w + 1)), y0 = (int)(u_y * (side - h + 1));
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            face[(size_t)y * side + x] = (float)emo__rng_uniform(rng);
}

static float clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Gamma log-uniform in 0.6..1.6: darker or lighter mid-tones with black
 * and white kept, as a camera's tone curve or exposure would. */
static void random_gamma(float *face, size_t n, emo_rng *rng)
{
    double g = exp(log(0.6) + emo__rng_uniform(rng) * log(1.6 / 0.6));
    for (size_t i = 0; i < n; i++)
        face[i] = (float)pow(face[i] > 0.0f ? face[i] : 0.0f, g);
}

/* Side light: the face multiplied by a linear ramp 1 + s * p, p the
 * position along a random direction (-1 .. 1 across the face, up to
 * sqrt(2) in the corners), strength s uniform in 0..0.6. */
static void random_shade(float *face, int side, emo_rng *rng)
{
    double angle = emo__rng_uniform(rng) * 2.0 * M_PI;
    double s = 0.6 * emo__rng_uniform(rng);
    double c = (side - 1) * 0.5, half = side * 0.5;
    double ux = cos(angle) * s / half, uy = sin(angle) * s / half;
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            float *v = &face[(size_t)y * side + x];
            *v = clamp01(*v * (float)(1.0 + (x - c) * ux + (y - c) * uy));
        }
}

/* Defocus: with probability 1/2, the 5x5 Gaussian of sigma 0.4..1.2
 * (tmp: 2 * side * side floats). */
static void random_blur(float *face, int side, float *tmp, emo_rng *rng)
{
    double u_apply = emo__rng_uniform(rng);
    double sigma = 0.4 + 0.8 * emo__rng_uniform(rng);
    if (u_apply >= 0.5)
        return;
    size_t n = (size_t)side * side;
    memcpy(tmp, face, n * sizeof *tmp);
    emo__gauss5_f32(tmp, side, side, face, sigma, tmp + n);
}

/* Sensor noise: Gaussian, standard deviation uniform in 0..0.04 (up to
 * 10 gray levels), one draw per pixel. */
static void random_noise(float *face, size_t n, emo_rng *rng)
{
    double sd = 0.04 * emo__rng_uniform(rng);
    for (size_t i = 0; i < n; i++)
        face[i] = clamp01(face[i] + (float)(sd * emo__rng_gauss(rng)));
}

/* Lighting, in the order light meets the camera: tone, illumination,
 * optics, sensor.  Each draws only when on, after every older draw. */
static void lighting(float *face, int side, float *tmp, unsigned mask,
                     emo_rng *rng)
{
    size_t n = (size_t)side * side;
    if (mask & EMO_AUG_GAMMA)
        random_gamma(face, n, rng);
    if (mask & EMO_AUG_SHADE)
        random_shade(face, side, rng);
    if (mask & EMO_AUG_BLUR)
        random_blur(face, side, tmp, rng);
    if (mask & EMO_AUG_NOISE)
        random_noise(face, n, rng);
}

emo__aug emo__aug_from_opts(const emo_opts *o)
{
    emo__aug a;
    a.mask = (unsigned)emo__opti(o, EMO_OPT_TRAIN_AUGMENT);
    a.rotate_deg = emo__opt(o, EMO_OPT_TRAIN_ROTATE_DEG);
    a.shift = emo__opt(o, EMO_OPT_TRAIN_SHIFT);
    a.scale = emo__opt(o, EMO_OPT_TRAIN_SCALE);
    return a;
}

/* The largest shift in pixels.  Divided by the reciprocal: with the
 * default 1/12 this is exactly side / 12.0, libemo 1.0's shift, so seeded
 * runs give the same faces bit for bit (side * (1.0 / 12) differs from
 * side / 12.0 in the last bit for a third of the sides). */
double emo__aug_shift_px(int side, double frac)
{
    return frac > 0.0 ? side / (1.0 / frac) : 0.0;
}

void emo__augment_face(const float *src, int side, float *dst, float *tmp,
                       const emo__aug *a, emo_rng *rng)
{
    unsigned mask = a->mask;
    /* Every draw of the first five augmentations is made whatever the
     * mask: the random stream, and with it the rest of the run, does not
     * depend on which of them are on. */
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
    double deg = (mask & EMO_AUG_ROTATE) ? u_rot * a->rotate_deg : 0.0;
    double shift = emo__aug_shift_px(side, a->shift);
    double dx = (mask & EMO_AUG_SHIFT) ? u_dx * shift : 0.0;
    double dy = (mask & EMO_AUG_SHIFT) ? u_dy * shift : 0.0;
    double scale = (mask & EMO_AUG_SCALE) ? 1.0 + a->scale * u_scale : 1.0;
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
    if (mask & EMO_AUG_ERASE)
        erase_patch(dst, side, rng);
    lighting(dst, side, tmp, mask, rng);
}
