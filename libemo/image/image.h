/*
 * image.h - internal image decoding and the pixel operations shared by the
 * preprocessor, training augmentation and prediction views.
 * Implemented in io.c (decode/encode, with the codecs), ops.c
 * (operations) and photometric.c (lighting normalisation).
 */
#ifndef EMO_IMAGE_H
#define EMO_IMAGE_H

#include "common/internal.h"

/* An 8-bit image owned by whoever allocated px (malloc); channels 1 or 3,
 * rows tightly packed (stride = w * channels). */
typedef struct emo_img {
    int w, h, channels;
    uint8_t *px;
} emo_img;

/* Decode from memory/file with the EMO_OPT_MAX_* limits; on error the
 * message names the problem (the file variant prefixes the path).
 * channels 1: JPEGs give their luma plane (as OpenCV's IMREAD_GRAYSCALE),
 * other colour images BT.601 gray bit-exact with OpenCV 4's
 * cvtColor(RGB2GRAY); alpha is composited on black.  *out is zeroed on
 * error; emo__img_free accepts a zeroed or NULL image. */
int emo__img_decode(const uint8_t *data, size_t size, int channels,
                    emo_img *out);
int emo__img_load(const char *path, int channels, emo_img *out);
void emo__img_free(emo_img *img);

/* Gray (u8, any stride) -> float in [0, 1], w*h packed. */
void emo__gray_to_float(const uint8_t *src, int w, int h, int stride,
                        float *dst);

/* Bilinear resize of a float image (pixel centres aligned, as OpenCV's
 * INTER_LINEAR: sx = (dx + 0.5) * sw / dw - 0.5, edge replicated):
 * src sw x sh packed -> dst dw x dh packed.  src != dst. */
void emo__resize_f32(const float *src, int sw, int sh, float *dst, int dw,
                     int dh);
/* Bilinear crop-and-resize straight from u8 gray: the rectangle
 * (x, y, w, h) in src (may extend past the border: replicated edge) is
 * mapped to dst dw x dh floats in [0, 1], pixel centres aligned
 * (sx = x + (dx + 0.5) * w / dw - 0.5); an integer rectangle with
 * w == dw is an exact copy / 255.  Used to cut faces out of frames
 * without an intermediate copy. */
void emo__crop_resize_u8_f32(const uint8_t *src, int sw, int sh, int stride,
                             double x, double y, double w, double h,
                             float *dst, int dw, int dh);
/* Bilinear resize of u8 gray (for thumbnails), OpenCV's convention and
 * 11-bit fixed-point weights: within 1 of cv::resize(INTER_LINEAR). */
void emo__resize_u8(const uint8_t *src, int sw, int sh, int sstride,
                    uint8_t *dst, int dw, int dh, int dstride);

/* Horizontal flip of a float image, n = w*h; src and dst may be equal. */
void emo__flip_f32(const float *src, int w, int h, float *dst);
/* Rotation by `degrees` (counter-clockwise on screen, as OpenCV's
 * getRotationMatrix2D) about the pixel-grid centre ((w-1)/2, (h-1)/2),
 * scaled by `scale` (> 0; anything else means 1) and then shifted by
 * (dx, dy) pixels; bilinear, border replicated.  Multiples of 90 degrees
 * are exact.  Non-finite parameters copy src.  src != dst. */
void emo__affine_f32(const float *src, int w, int h, float *dst,
                     double degrees, double scale, double dx, double dy);
/* 5x5 Gaussian blur with `sigma` (OpenCV's getGaussianKernel weights,
 * normalised to sum 1; sigma <= 0 gives its fixed [1 4 6 4 1]/16), border
 * reflected as BORDER_REFLECT_101.  Any w, h >= 1.  src != dst; tmp holds
 * w*h floats.  The u8 variant writes dst packed (stride w), rounded; it
 * needs no scratch buffer. */
void emo__gauss5_f32(const float *src, int w, int h, float *dst,
                     double sigma, float *tmp);
void emo__gauss5_u8(const uint8_t *src, int w, int h, int stride,
                    uint8_t *dst, double sigma);

/* Photometric normalisation (photometric.c) of a w x h float face in
 * [0, 1], in place, under EMO_PHOTO_* (EMO_OPT_PHOTOMETRIC; include/emo.h
 * documents each mode).  NONE and unknown modes leave the face as it is.
 * CLAHE's tile grid is emo__clahe_grid(w) x emo__clahe_grid(h). */
void emo__photometric_f32(float *face, int w, int h, int mode);
int emo__clahe_grid(int side);

#endif
