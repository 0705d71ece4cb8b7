/*
 * codec_jpeg.c - JPEG decoding and encoding with libjpeg(-turbo).
 *
 * libjpeg's default error handler prints and calls exit(); ours records
 * the message and longjmps back to the setjmp in read_pixels or
 * write_pixels.  Everything those functions use after setjmp lives in a
 * context their caller owns, so no local variable is clobbered by the jump.
 */
#include "image/codec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jerror.h>
#include <jpeglib.h>

/* A progressive JPEG may hold any number of scans, each re-decoding the
 * whole image: a small file could keep the decoder busy for minutes.
 * TurboJPEG refuses more than 500 too; real files have about ten. */
#define MAX_SCANS 500

typedef struct jpeg_err {
    struct jpeg_error_mgr pub; /* first: libjpeg hands us &pub */
    jmp_buf jmp;
    int code; /* EMO_ERR_* to return after the jump */
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

/* Valid JPEGs that this libjpeg cannot decode: 12-bit samples, lossless
 * or hierarchical processes, arithmetic coding when not built in. */
static int unsupported_variant(j_common_ptr cinfo)
{
    int code = cinfo->err->msg_code;
    if (code == JERR_BAD_PRECISION)
        return cinfo->is_decompressor &&
               ((j_decompress_ptr)cinfo)->data_precision == 12;
    return code == JERR_SOF_UNSUPPORTED || code == JERR_ARITH_NOTIMPL ||
           code == JERR_NOT_COMPILED || code == JERR_NOTIMPL;
}

static void jump(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY)
        e->code = EMO_ERR_NOMEM;
    else if (cinfo->err->msg_code == JERR_FILE_WRITE)
        e->code = EMO_ERR_IO;
    else if (unsupported_variant(cinfo))
        e->code = EMO_ERR_UNSUPPORTED;
    longjmp(e->jmp, 1);
}

/* Warnings that leave a complete, correct image.  Every other warning
 * means missing or corrupt data (premature end of file, bad Huffman code)
 * and libjpeg would hand back grey filler: we refuse the image instead. */
static int harmless_warning(int code)
{
    return code == JWRN_ADOBE_XFORM || code == JWRN_EXTRANEOUS_DATA ||
           code == JWRN_JFIF_MAJOR || code == JWRN_TOO_MUCH_DATA ||
           code == JWRN_BOGUS_ICC;
}

static void on_message(j_common_ptr cinfo, int level)
{
    if (level < 0 && !harmless_warning(cinfo->err->msg_code))
        jump(cinfo);
    /* level >= 0 are trace messages: ignored */
}

static void on_output(j_common_ptr cinfo)
{
    (void)cinfo; /* the library never prints */
}

static void init_err(jpeg_err *e, int code)
{
    jpeg_std_error(&e->pub);
    e->pub.error_exit = jump;
    e->pub.emit_message = on_message;
    e->pub.output_message = on_output;
    e->code = code;
}

typedef struct jpeg_dec {
    struct jpeg_decompress_struct cinfo;
    jpeg_err err;
    struct jpeg_progress_mgr progress;
    uint8_t *tmp;     /* one native row when converting */
    emo__img_dst raw; /* the image as stored, when EXIF turns it */
} jpeg_dec;

static void on_progress(j_common_ptr cinfo)
{
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    if (dinfo->input_scan_number > MAX_SCANS) {
        jpeg_err *e = (jpeg_err *)cinfo->err;
        snprintf(e->msg, sizeof e->msg, "more than %d progressive scans",
                 MAX_SCANS);
        e->code = EMO_ERR_LIMIT;
        longjmp(e->jmp, 1);
    }
}

/* Adobe's CMYK JPEGs store inverted inks (255 = no ink); others store
 * plain inks.  Converts one row to RGB (R = (1 - C)(1 - K), no colour
 * profile, as most viewers and OpenCV do) or on to gray. */
static void cmyk_row(const uint8_t *restrict s, int inverted,
                     uint8_t *restrict dst, int dst_ch, int w)
{
    for (int x = 0; x < w; x++, s += 4) {
        unsigned k = inverted ? s[3] : 255u - s[3], rgb[3];
        for (int c = 0; c < 3; c++) {
            unsigned v = inverted ? s[c] : 255u - s[c];
            rgb[c] = (v * k + 127u) / 255u;
        }
        if (dst_ch == 1) {
            dst[x] = emo__rgb_to_gray(rgb[0], rgb[1], rgb[2]);
        } else {
            for (int c = 0; c < 3; c++)
                dst[3 * x + c] = (uint8_t)rgb[c];
        }
    }
}

/* Picks libjpeg's output colour space; returns the samples per pixel it
 * will deliver, or 0 for a colour space we cannot convert. */
static int choose_output(j_decompress_ptr cinfo, int want)
{
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        return 1;
    case JCS_YCbCr:
        /* For gray, the luma plane is BT.601 gray already and skips the
         * chroma work (OpenCV's IMREAD_GRAYSCALE does the same). */
        cinfo->out_color_space = want == 1 ? JCS_GRAYSCALE : JCS_RGB;
        return want;
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        return 3;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;
        return 4;
    default:
        return 0;
    }
}

static int read_rows(jpeg_dec *j, emo__img_dst *d, int nat)
{
    j_decompress_ptr cinfo = &j->cinfo;
    if (nat != d->channels) {
        j->tmp = malloc((size_t)d->w * (size_t)nat);
        if (!j->tmp)
            return emo__fail(EMO_ERR_NOMEM, "JPEG: cannot allocate a row");
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        int y = (int)cinfo->output_scanline;
        JSAMPROW rows[16];
        int n = 1;
        if (j->tmp) {
            rows[0] = j->tmp;
        } else {
            /* Several rows per call save libjpeg a copy per row. */
            n = d->h - y < 16 ? d->h - y : 16;
            for (int i = 0; i < n; i++)
                rows[i] = emo__dst_row(d, y + i);
        }
        JDIMENSION got = jpeg_read_scanlines(cinfo, rows, (JDIMENSION)n);
        if (got == 0)
            return emo__fail(EMO_ERR_FORMAT, "JPEG: decoder stalled");
        if (nat == 4)
            cmyk_row(j->tmp, cinfo->saw_Adobe_marker, emo__dst_row(d, y),
                     d->channels, d->w);
        else if (j->tmp)
            emo__convert_row(j->tmp, nat, emo__dst_row(d, y), d->channels,
                             d->w);
    }
    return EMO_OK;
}

/* The EXIF orientation from the saved APP1 markers (1 when none). */
static int orientation(j_decompress_ptr cinfo)
{
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1) {
            int o = emo__exif_orientation(m->data, m->data_length);
            if (o != 1)
                return o;
        }
    return 1;
}

/* Sets up the caller's target with the upright size and returns where
 * the stored rows go: the target itself, or j->raw when EXIF asks for a
 * turn or flip afterwards. */
static int begin_output(jpeg_dec *j, emo__img_dst *d, int orient,
                        emo__img_dst **rows)
{
    long long w = j->cinfo.image_width, h = j->cinfo.image_height;
    int swap = emo__exif_swaps_sides(orient);
    int rc = emo__dst_begin(d, "JPEG", swap ? h : w, swap ? w : h);
    if (rc || orient == 1) {
        *rows = d;
        return rc;
    }
    j->raw.channels = d->channels;
    *rows = &j->raw;
    return emo__dst_begin(&j->raw, "JPEG", w, h);
}

static int read_pixels(jpeg_dec *j, const uint8_t *data, size_t size,
                       emo__img_dst *d)
{
    j_decompress_ptr cinfo = &j->cinfo;
    if (setjmp(j->err.jmp))
        return emo__fail(j->err.code, "JPEG: %s", j->err.msg);
    jpeg_create_decompress(cinfo);
    cinfo->err = &j->err.pub; /* jpeg_create_* keeps err, but be explicit */
    cinfo->progress = &j->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);
    int orient = orientation(cinfo);
    emo__img_dst *rows;
    int rc = begin_output(j, d, orient, &rows);
    if (rc)
        return rc;
    int nat = choose_output(cinfo, d->channels);
    if (!nat)
        return emo__fail(EMO_ERR_UNSUPPORTED, "JPEG: unsupported colour "
                         "space with %d components", cinfo->num_components);
    jpeg_start_decompress(cinfo);
    rc = read_rows(j, rows, nat);
    if (rc)
        return rc;
    /* Reading to EOI catches a file cut after its last scan line. */
    jpeg_finish_decompress(cinfo);
    if (rows != d)
        emo__exif_apply(rows, d, orient);
    return EMO_OK;
}

int emo__jpeg_decode(const uint8_t *data, size_t size, emo__img_dst *d)
{
    jpeg_dec *j = calloc(1, sizeof *j); /* ~1 KB: keep it off the stack */
    if (!j)
        return emo__fail(EMO_ERR_NOMEM, "JPEG: cannot create decoder");
    init_err(&j->err, EMO_ERR_FORMAT);
    j->cinfo.err = &j->err.pub;
    j->progress.progress_monitor = on_progress;
    int rc = read_pixels(j, data, size, d);
    jpeg_destroy_decompress(&j->cinfo);
    free(j->tmp);
    free(j->raw.px);
    free(j);
    return rc;
}

typedef struct jpeg_enc {
    struct jpeg_compress_struct cinfo;
    jpeg_err err;
} jpeg_enc;

static int write_pixels(jpeg_enc *j, FILE *fp, const uint8_t *px, int w,
                        int h, int stride, int channels, int quality)
{
    j_compress_ptr cinfo = &j->cinfo;
    if (setjmp(j->err.jmp))
        return emo__fail(j->err.code, "JPEG: %s", j->err.msg);
    jpeg_create_compress(cinfo);
    cinfo->err = &j->err.pub;
    jpeg_stdio_dest(cinfo, fp);
    cinfo->image_width = (JDIMENSION)w;
    cinfo->image_height = (JDIMENSION)h;
    cinfo->input_components = channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        /* libjpeg takes non-const rows but only reads them. */
        JSAMPROW row = (JSAMPROW)(px + (size_t)cinfo->next_scanline *
                                           (size_t)stride);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return EMO_OK;
}

int emo__jpeg_encode(FILE *fp, const uint8_t *px, int w, int h, int stride,
                     int channels, int quality)
{
    jpeg_enc *j = calloc(1, sizeof *j);
    if (!j)
        return emo__fail(EMO_ERR_NOMEM, "JPEG: cannot create encoder");
    init_err(&j->err, EMO_ERR_IO);
    j->cinfo.err = &j->err.pub;
    int rc = write_pixels(j, fp, px, w, h, stride, channels, quality);
    jpeg_destroy_compress(&j->cinfo);
    free(j);
    return rc;
}
