/*
 * io.c - the public image API: recognise the format by its magic bytes,
 * hand the data to the codec, and write PNG/JPEG files atomically.  The
 * codecs live in codec_png.c, codec_jpeg.c, codec_tiff.c and codec_pgm.c; what they
 * share (output target, size checks, row conversion) in codec.c.
 */
#include "image/codec.h"

#include <stdlib.h>
#include <string.h>

/* Formats we recognise but do not decode, for a clearer message than
 * "not an image". */
static const char *other_format(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 'B' && p[1] == 'M')
        return "BMP";
    if (n >= 4 && memcmp(p, "GIF8", 4) == 0)
        return "GIF";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "WebP";
    if (n >= 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '7' && p[1] != '5')
        return "Netpbm other than binary PGM (P5)";
    return NULL;
}

static int decode_any(const uint8_t *p, size_t n, emo__img_dst *d)
{
    static const uint8_t png_sig[4] = {0x89, 'P', 'N', 'G'};
    if (n == 0)
        return emo__fail(EMO_ERR_FORMAT, "empty data: not an image");
    if (n >= 4 && memcmp(p, png_sig, 4) == 0)
        return emo__png_decode(p, n, d);
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return emo__jpeg_decode(p, n, d);
    if (n >= 2 && p[0] == 'P' && p[1] == '5')
        return emo__pgm_decode(p, n, d);
    if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0 ||
                   memcmp(p, "II+\0", 4) == 0 || memcmp(p, "MM\0+", 4) == 0))
        return emo__tiff_decode(p, n, d);
    const char *other = other_format(p, n);
    if (other)
        return emo__fail(EMO_ERR_UNSUPPORTED, "%s images are not supported "
                         "(PNG, JPEG, TIFF or PGM only)", other);
    return emo__fail(EMO_ERR_FORMAT, "not a PNG, JPEG, TIFF or PGM file");
}

/* Decodes into d, freeing what it allocated when decoding fails. */
static int decode_dst(const uint8_t *p, size_t n, emo__img_dst *d)
{
    int rc = decode_any(p, n, d);
    if (rc && d->owned) {
        free(d->px);
        d->px = NULL;
        d->owned = 0;
    }
    return rc;
}

int emo__img_decode(const uint8_t *data, size_t size, int channels,
                    emo_img *out)
{
    memset(out, 0, sizeof *out);
    if (!data && size)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL image data");
    if (channels != 1 && channels != 3)
        return emo__fail(EMO_ERR_INVALID_ARG, "channels must be 1 or 3, "
                         "not %d", channels);
    emo__img_dst d = {.channels = channels};
    int rc = decode_dst(data, size, &d);
    if (rc)
        return rc;
    out->w = d.w;
    out->h = d.h;
    out->channels = channels;
    out->px = d.px;
    return EMO_OK;
}

int emo__img_load(const char *path, int channels, emo_img *out)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t size;
    int rc = emo__read_file(path, &data, &size);
    if (rc)
        return rc;
    rc = emo__img_decode(data, size, channels, out);
    free(data);
    return rc ? emo__fail_prefix(rc, path) : EMO_OK;
}

void emo__img_free(emo_img *img)
{
    if (!img)
        return;
    free(img->px);
    memset(img, 0, sizeof *img);
}

static int check_out_args(uint8_t **pixels, int *width, int *height)
{
    if (pixels)
        *pixels = NULL;
    if (width)
        *width = 0;
    if (height)
        *height = 0;
    if (!pixels || !width || !height)
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL pixels, width or height "
                         "pointer");
    return EMO_OK;
}

EMO_API int emo_image_load(const char *path, int channels, uint8_t **pixels,
                           int *width, int *height)
{
    int rc = check_out_args(pixels, width, height);
    if (rc)
        return rc;
    emo_img img;
    rc = emo__img_load(path, channels, &img);
    if (rc)
        return rc;
    *pixels = img.px;
    *width = img.w;
    *height = img.h;
    return EMO_OK;
}

EMO_API int emo_image_decode(const void *data, size_t size, int channels,
                             uint8_t **pixels, int *width, int *height)
{
    int rc = check_out_args(pixels, width, height);
    if (rc)
        return rc;
    emo_img img;
    rc = emo__img_decode(data, size, channels, &img);
    if (rc)
        return rc;
    *pixels = img.px;
    *width = img.w;
    *height = img.h;
    return EMO_OK;
}

EMO_API int emo_image_decode_into(const void *data, size_t size, int channels,
                                  uint8_t *buffer, size_t capacity, int stride,
                                  int *width, int *height)
{
    if (width)
        *width = 0;
    if (height)
        *height = 0;
    if (!width || !height || !buffer || (!data && size))
        return emo__fail(EMO_ERR_INVALID_ARG, "NULL data, buffer, width or "
                         "height");
    if (channels != 1 && channels != 3)
        return emo__fail(EMO_ERR_INVALID_ARG, "channels must be 1 or 3, "
                         "not %d", channels);
    if (stride <= 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "stride must be positive, "
                         "not %d", stride);
    emo__img_dst d = {.channels = channels, .buf = buffer, .cap = capacity,
                      .stride = (size_t)stride};
    int rc = decode_dst(data, size, &d);
    *width = d.w;
    *height = d.h;
    return rc;
}

/* Argument checks shared by the two writers. */
static int check_save_args(const char *path, const uint8_t *pixels, int w,
                           int h, int stride, int channels, int max_side,
                           const char *what)
{
    if (!path || !*path || !pixels)
        return emo__fail(EMO_ERR_INVALID_ARG, "%s: NULL or empty path or "
                         "pixels", what);
    if (channels != 1 && channels != 3)
        return emo__fail(EMO_ERR_INVALID_ARG, "%s: channels must be 1 or 3, "
                         "not %d", path, channels);
    if (w <= 0 || h <= 0)
        return emo__fail(EMO_ERR_INVALID_ARG, "%s: bad image size %dx%d",
                         path, w, h);
    if (w > max_side || h > max_side)
        return emo__fail(EMO_ERR_LIMIT, "%s: %s images are at most %d pixels "
                         "a side, not %dx%d", path, what, max_side, w, h);
    if (stride < w * channels)
        return emo__fail(EMO_ERR_INVALID_ARG, "%s: stride %d is less than a "
                         "row (%d bytes)", path, stride, w * channels);
    return EMO_OK;
}

/* Runs an encoder on a temporary file next to path and renames it into
 * place only when everything was written. */
static int save_atomic(const char *path, const uint8_t *px, int w, int h,
                       int stride, int channels, int quality)
{
    emo_atomic_file f;
    int rc = emo__atomic_open(&f, path);
    if (rc)
        return rc;
    if (quality > 0)
        rc = emo__jpeg_encode(f.fp, px, w, h, stride, channels, quality);
    else
        rc = emo__png_encode(f.fp, px, w, h, stride, channels);
    if (rc) {
        emo__atomic_abort(&f);
        return emo__fail_prefix(rc, path);
    }
    return emo__atomic_commit(&f);
}

EMO_API int emo_image_save_png(const char *path, const uint8_t *pixels,
                               int width, int height, int stride,
                               int channels)
{
    int rc = check_save_args(path, pixels, width, height, stride, channels,
                             EMO__PNG_MAX_SIDE, "PNG");
    return rc ? rc : save_atomic(path, pixels, width, height, stride,
                                 channels, 0);
}

EMO_API int emo_image_save_jpeg(const char *path, const uint8_t *pixels,
                                int width, int height, int stride,
                                int channels, int quality)
{
    int rc = check_save_args(path, pixels, width, height, stride, channels,
                             EMO__JPEG_MAX_SIDE, "JPEG");
    if (rc)
        return rc;
    if (quality < 1 || quality > 100)
        return emo__fail(EMO_ERR_INVALID_ARG, "%s: JPEG quality must be "
                         "1..100, not %d", path, quality);
    return save_atomic(path, pixels, width, height, stride, channels,
                       quality);
}
