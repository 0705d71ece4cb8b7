/*
 * frames.h - gray frames for the example programs (and a Y4M stream's
 * colour for annotated output): YUV4MPEG2 streams (as ffmpeg writes
 * them), bare gray8 frames of a given size, and V4L2 cameras (YUYV or
 * MJPEG, mmap streaming).  Errors are messages written
 * into a caller buffer; nothing here prints.
 */
#ifndef EMO_EXAMPLES_FRAMES_H
#define EMO_EXAMPLES_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct frame_source frame_source;

/* A stream: Y4M, recognised by its "YUV4MPEG2 " header, or, when raw_w and
 * raw_h are positive, bare raw_w x raw_h gray8 frames.  fp is read from
 * (not closed); name is for messages.  Returns 0 or -1 with err set. */
int frames_open_stream(frame_source **out, FILE *fp, const char *name,
                       int raw_w, int raw_h, char *err, size_t err_len);
/* A V4L2 capture device, asking for width x height (the driver may choose
 * another size).  Returns 0 or -1 with err set. */
int frames_open_camera(frame_source **out, const char *device, int width,
                       int height, char *err, size_t err_len);
/* Next frame: 1 with *gray valid until the next call, 0 at a clean end of
 * stream, -1 with err set (truncated stream, camera failure). */
int frames_next(frame_source *s, const uint8_t **gray, int *width,
                int *height, int *stride, char *err, size_t err_len);
/* The last frame in colour as packed RGB (w * 3 bytes per row), from a Y4M
 * stream's chroma planes (420, 422, 444, 411) or a YUYV camera's (JFIF
 * full-range BT.601, the inverse of frames_write_y4m's conversion).
 * Returns 1, or 0 when the source has no colour (mono Y4M, bare gray8, an
 * MJPEG camera, decoded to gray) and rgb is left alone. */
int frames_color(const frame_source *s, uint8_t *rgb);
/* Frame rate the source announces (Y4M F header, camera), 0 if unknown. */
double frames_rate(const frame_source *s);
void frames_close(frame_source *s);

/* A Y4M writer: colour frames as 4:2:0 ("C420jpeg", what ffmpeg and
 * ffplay expect), the header before the first frame.  Zero-initialise. */
typedef struct y4m_writer {
    int header_done;
    uint8_t *buf;   /* one Y row + the two chroma planes */
    size_t cap;
} y4m_writer;
/* Writes packed RGB (w * 3 bytes per row).  Returns 0, or -1 on a write
 * error or out of memory. */
int frames_write_y4m(FILE *fp, y4m_writer *wr, const uint8_t *rgb,
                     int width, int height, double fps);
void frames_writer_free(y4m_writer *wr);

#endif
