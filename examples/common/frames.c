/*
 * frames.c - frame sources for the example programs (see frames.h):
 * YUV4MPEG2 and bare gray8 streams, and V4L2 cameras.
 */
#include "frames.h"

#include <emo.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SIDE 16384
#define CAMERA_BUFFERS 4
#define CAMERA_TIMEOUT_S 5

enum kind { KIND_Y4M, KIND_RAW, KIND_CAMERA };

struct frame_source {
    enum kind kind;
    const char *name;
    FILE *fp;
    int w, h;
    size_t extra;       /* Y4M: chroma bytes after the Y plane */
    int sub_x, sub_y;   /* chroma subsampling, 0 without chroma */
    double fps;
    long index;         /* frames delivered */
    uint8_t *px;        /* w * h gray */
    uint8_t *skip;      /* the last frame's chroma planes (Y4M, YUYV) */
    /* camera */
    int fd;
    uint32_t pixfmt;
    int bytesperline;
    void *map[CAMERA_BUFFERS];
    size_t map_len[CAMERA_BUFFERS];
    int n_maps;
    int streaming;
};

static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* The library's pixel limit (emo-live --max-pixels) also bounds the frame
 * buffers allocated here. */
static int check_size(int w, int h, const char *name, char *err, size_t n)
{
    int max_pixels = 0;
    emo_get_int(EMO_OPT_MAX_PIXELS, &max_pixels);
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE ||
        (long)w * h > max_pixels)
        return fail(err, n, "%s: frame size %dx%d out of range", name, w, h);
    return 0;
}

/* ---- streams ------------------------------------------------------------- */

/* Chroma subsampling of a Y4M colour space (*sx = *sy = 0 for mono);
 * -1 if unsupported.  Chroma siting (420jpeg, 420mpeg2, ...) is ignored. */
static int y4m_subsampling(const char *cs, int *sx, int *sy)
{
    *sx = *sy = 0;
    if (!*cs || !strcmp(cs, "420") || !strcmp(cs, "420jpeg") ||
        !strcmp(cs, "420paldv") || !strcmp(cs, "420mpeg2"))
        *sx = *sy = 2;
    else if (!strcmp(cs, "422"))
        *sx = 2, *sy = 1;
    else if (!strcmp(cs, "444") || !strcmp(cs, "444alpha"))
        *sx = *sy = 1;
    else if (!strcmp(cs, "411"))
        *sx = 4, *sy = 1;
    else if (strcmp(cs, "mono"))
        return -1;
    return 0;
}

/* Bytes after the Y plane: two chroma planes (and 444alpha's alpha). */
static long y4m_extra(const char *cs, int sx, int sy, long w, long h)
{
    if (!sx)
        return 0;
    long cw = (w + sx - 1) / sx, ch = (h + sy - 1) / sy;
    return 2 * cw * ch + (!strcmp(cs, "444alpha") ? w * h : 0);
}

/* Reads one '\n'-terminated line (without it); -1 if longer than cap-1 or
 * the stream ends first, 0 at end of stream before any byte. */
static int read_line(FILE *fp, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(fp)) != EOF && c != '\n') {
        if (n + 1 >= cap)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = 0;
    if (c == EOF)
        return n == 0 ? 0 : -1;
    return 1;
}

static int parse_y4m_header(frame_source *s, char *err, size_t en)
{
    char line[1024], cs[32] = "";
    if (read_line(s->fp, line, sizeof line) != 1)
        return fail(err, en, "%s: truncated or overlong Y4M header",
                    s->name);
    long w = 0, h = 0;
    for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
        if (tok[0] == 'W')
            w = strtol(tok + 1, NULL, 10);
        else if (tok[0] == 'H')
            h = strtol(tok + 1, NULL, 10);
        else if (tok[0] == 'C')
            snprintf(cs, sizeof cs, "%s", tok + 1);
        else if (tok[0] == 'F') {
            long num = 0, den = 0;
            if (sscanf(tok + 1, "%ld:%ld", &num, &den) == 2 && den > 0)
                s->fps = (double)num / den;
        }
    }
    if (w > MAX_SIDE || h > MAX_SIDE ||
        check_size((int)w, (int)h, s->name, err, en))
        return fail(err, en, "%s: Y4M frame size %ldx%ld out of range",
                    s->name, w, h);
    if (y4m_subsampling(cs, &s->sub_x, &s->sub_y))
        return fail(err, en, "%s: Y4M colour space C%s not supported "
                    "(use 420, 422, 444 or mono 8-bit)", s->name, cs);
    s->w = (int)w;
    s->h = (int)h;
    s->extra = (size_t)y4m_extra(cs, s->sub_x, s->sub_y, w, h);
    return 0;
}

/* A regular file of bare frames must hold a whole number of them: this
 * catches a wrong --raw size before any frame is processed. */
static int check_raw_file(frame_source *s, char *err, size_t en)
{
    struct stat st;
    long frame = (long)s->w * s->h;
    if (fstat(fileno(s->fp), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size % frame != 0)
        return fail(err, en, "%s: %lld bytes is not a whole number of "
                    "%dx%d gray frames (%ld bytes each): wrong --raw size?",
                    s->name, (long long)st.st_size, s->w, s->h, frame);
    return 0;
}

int frames_open_stream(frame_source **out, FILE *fp, const char *name,
                       int raw_w, int raw_h, char *err, size_t en)
{
    *out = NULL;
    frame_source *s = calloc(1, sizeof *s);
    if (!s)
        return fail(err, en, "out of memory");
    s->fp = fp;
    s->name = name;
    s->fd = -1;
    int rc;
    if (raw_w > 0 || raw_h > 0) {
        s->kind = KIND_RAW;
        s->w = raw_w;
        s->h = raw_h;
        rc = check_size(raw_w, raw_h, name, err, en);
        if (!rc)
            rc = check_raw_file(s, err, en);
    } else {
        char magic[10];
        s->kind = KIND_Y4M;
        size_t got = fread(magic, 1, sizeof magic, fp);
        if (got == 0)
            rc = fail(err, en, "%s: empty input", name);
        else if (got < sizeof magic || memcmp(magic, "YUV4MPEG2 ", 10))
            rc = fail(err, en, "%s: not a YUV4MPEG2 (Y4M) stream; use "
                      "--raw WxH for bare gray8 frames", name);
        else
            rc = parse_y4m_header(s, err, en);
    }
    if (!rc) {
        s->px = malloc((size_t)s->w * s->h);
        s->skip = s->extra ? malloc(s->extra) : NULL;
        if (!s->px || (s->extra && !s->skip))
            rc = fail(err, en, "out of memory");
    }
    if (rc) {
        frames_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* Reads exactly n bytes; returns the count read. */
static size_t read_full(FILE *fp, uint8_t *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t r = fread(dst + done, 1, n - done, fp);
        if (r == 0)
            break;
        done += r;
    }
    return done;
}

static int next_stream(frame_source *s, char *err, size_t en)
{
    size_t plane = (size_t)s->w * s->h;
    if (s->kind == KIND_Y4M) {
        char line[256];
        int r = read_line(s->fp, line, sizeof line);
        if (r == 0)
            return 0;
        if (r < 0 || strncmp(line, "FRAME", 5))
            return fail(err, en, "%s: frame %ld: no FRAME marker "
                        "(truncated or corrupt Y4M stream)", s->name,
                        s->index);
    }
    size_t got = read_full(s->fp, s->px, plane);
    if (got == 0 && s->kind == KIND_RAW)
        return 0;
    if (got == plane && s->extra)
        got += read_full(s->fp, s->skip, s->extra);
    if (got < plane + s->extra)
        return fail(err, en, "%s: frame %ld truncated: %zu of %zu bytes%s",
                    s->name, s->index, got, plane + s->extra,
                    s->kind == KIND_RAW ? " (wrong --raw size?)" : "");
    return 1;
}

/* ---- cameras ------------------------------------------------------------- */

static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

static int camera_format(frame_source *s, int w, int h, char *err,
                         size_t en)
{
    static const uint32_t wanted[] = {V4L2_PIX_FMT_YUYV,
                                      V4L2_PIX_FMT_MJPEG};
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
        struct v4l2_format f;
        memset(&f, 0, sizeof f);
        f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        f.fmt.pix.width = (uint32_t)w;
        f.fmt.pix.height = (uint32_t)h;
        f.fmt.pix.pixelformat = wanted[i];
        f.fmt.pix.field = V4L2_FIELD_ANY;
        if (xioctl(s->fd, VIDIOC_S_FMT, &f) == 0 &&
            f.fmt.pix.pixelformat == wanted[i]) {
            s->pixfmt = wanted[i];
            s->w = (int)f.fmt.pix.width;
            s->h = (int)f.fmt.pix.height;
            s->bytesperline = (int)f.fmt.pix.bytesperline;
            if (s->bytesperline < 2 * s->w)
                s->bytesperline = 2 * s->w;
            return check_size(s->w, s->h, s->name, err, en);
        }
    }
    return fail(err, en, "%s: camera offers neither YUYV nor MJPEG",
                s->name);
}

static int camera_buffers(frame_source *s, char *err, size_t en)
{
    struct v4l2_requestbuffers rb;
    memset(&rb, 0, sizeof rb);
    rb.count = CAMERA_BUFFERS;
    rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    rb.memory = V4L2_MEMORY_MMAP;
    if (xioctl(s->fd, VIDIOC_REQBUFS, &rb) < 0 || rb.count < 1)
        return fail(err, en, "%s: no mmap streaming buffers: %s", s->name,
                    strerror(errno));
    if (rb.count > CAMERA_BUFFERS)
        rb.count = CAMERA_BUFFERS;
    for (unsigned i = 0; i < rb.count; i++) {
        struct v4l2_buffer b;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        b.index = i;
        if (xioctl(s->fd, VIDIOC_QUERYBUF, &b) < 0)
            return fail(err, en, "%s: QUERYBUF: %s", s->name,
                        strerror(errno));
        s->map[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
                         MAP_SHARED, s->fd, b.m.offset);
        if (s->map[i] == MAP_FAILED) {
            s->map[i] = NULL;
            return fail(err, en, "%s: mmap: %s", s->name, strerror(errno));
        }
        s->map_len[i] = b.length;
        s->n_maps = (int)i + 1;
        if (xioctl(s->fd, VIDIOC_QBUF, &b) < 0)
            return fail(err, en, "%s: QBUF: %s", s->name, strerror(errno));
    }
    enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(s->fd, VIDIOC_STREAMON, &t) < 0)
        return fail(err, en, "%s: STREAMON: %s", s->name, strerror(errno));
    s->streaming = 1;
    return 0;
}

int frames_open_camera(frame_source **out, const char *device, int width,
                       int height, char *err, size_t en)
{
    *out = NULL;
    frame_source *s = calloc(1, sizeof *s);
    if (!s)
        return fail(err, en, "out of memory");
    s->kind = KIND_CAMERA;
    s->name = device;
    s->fd = open(device, O_RDWR | O_NONBLOCK);
    struct v4l2_capability cap;
    int rc = 0;
    if (s->fd < 0)
        rc = fail(err, en, "%s: cannot open camera: %s", device,
                  strerror(errno));
    else if (xioctl(s->fd, VIDIOC_QUERYCAP, &cap) < 0)
        rc = fail(err, en, "%s: not a V4L2 device: %s", device,
                  strerror(errno));
    else {
        uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS)
                            ? cap.device_caps : cap.capabilities;
        if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING))
            rc = fail(err, en, "%s: not a streaming capture device",
                      device);
    }
    if (!rc)
        rc = camera_format(s, width, height, err, en);
    if (!rc && s->pixfmt == V4L2_PIX_FMT_YUYV) { /* 4:2:2 chroma kept */
        s->sub_x = 2;
        s->sub_y = 1;
        s->extra = 2 * (size_t)((s->w + 1) / 2) * s->h;
    }
    if (!rc) {
        s->px = malloc((size_t)s->w * s->h);
        s->skip = s->extra ? malloc(s->extra) : NULL;
        if (!s->px || (s->extra && !s->skip))
            rc = fail(err, en, "out of memory");
    }
    if (!rc)
        rc = camera_buffers(s, err, en);
    if (rc) {
        frames_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* The Y plane of a YUYV or MJPEG buffer into s->px (and YUYV's chroma
 * into s->skip as two planes). */
static int camera_convert(frame_source *s, const uint8_t *data, size_t n,
                          char *err, size_t en)
{
    if (s->pixfmt == V4L2_PIX_FMT_YUYV) {
        if (n < (size_t)s->bytesperline * (s->h - 1) + 2 * (size_t)s->w)
            return fail(err, en, "%s: short YUYV frame", s->name);
        size_t cw = (size_t)(s->w + 1) / 2;
        uint8_t *cb = s->skip, *cr = s->skip + cw * s->h;
        for (int y = 0; y < s->h; y++) {
            const uint8_t *row = data + (size_t)y * s->bytesperline;
            uint8_t *dst = s->px + (size_t)y * s->w;
            for (int x = 0; x < s->w; x++)
                dst[x] = row[2 * x];
            for (int x = 0; x < s->w / 2; x++) {
                cb[y * cw + x] = row[4 * x + 1];
                cr[y * cw + x] = row[4 * x + 3];
            }
            if (s->w % 2) /* no pair for the last pixel: neutral */
                cb[y * cw + cw - 1] = cr[y * cw + cw - 1] = 128;
        }
        return 0;
    }
    int w, h;
    int rc = emo_image_decode_into(data, n, 1, s->px, (size_t)s->w * s->h,
                                   s->w, &w, &h);
    if (rc || w != s->w || h != s->h)
        return fail(err, en, "%s: bad MJPEG frame: %s", s->name,
                    rc ? emo_last_error() : "size changed");
    return 0;
}

static int next_camera(frame_source *s, char *err, size_t en)
{
    for (;;) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(s->fd, &fds);
        struct timeval tv = {CAMERA_TIMEOUT_S, 0};
        int r = select(s->fd + 1, &fds, NULL, NULL, &tv);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(err, en, "%s: no frame within %d s", s->name,
                        CAMERA_TIMEOUT_S);
        struct v4l2_buffer b;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        if (xioctl(s->fd, VIDIOC_DQBUF, &b) < 0) {
            if (errno == EAGAIN)
                continue;
            return fail(err, en, "%s: DQBUF: %s", s->name, strerror(errno));
        }
        int rc = b.index < (unsigned)s->n_maps
                     ? camera_convert(s, s->map[b.index], b.bytesused, err,
                                      en)
                     : fail(err, en, "%s: bad buffer index", s->name);
        xioctl(s->fd, VIDIOC_QBUF, &b);
        return rc < 0 ? -1 : 1;
    }
}

/* ---- common -------------------------------------------------------------- */

int frames_next(frame_source *s, const uint8_t **gray, int *width,
                int *height, int *stride, char *err, size_t en)
{
    int r = s->kind == KIND_CAMERA ? next_camera(s, err, en)
                                   : next_stream(s, err, en);
    if (r != 1)
        return r;
    s->index++;
    *gray = s->px;
    *width = s->w;
    *height = s->h;
    *stride = s->w;
    return 1;
}

/* JFIF (full range BT.601) colour conversion, as C420jpeg means. */
static uint8_t clamp8(double v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

int frames_color(const frame_source *s, uint8_t *rgb)
{
    if (!s || !s->sub_x)
        return 0;
    size_t cw = (size_t)(s->w + s->sub_x - 1) / s->sub_x;
    size_t ch = (size_t)(s->h + s->sub_y - 1) / s->sub_y;
    const uint8_t *cb = s->skip, *cr = s->skip + cw * ch;
    for (int y = 0; y < s->h; y++) {
        const uint8_t *py = s->px + (size_t)y * s->w;
        size_t crow = (size_t)(y / s->sub_y) * cw;
        uint8_t *out = rgb + (size_t)y * s->w * 3;
        for (int x = 0; x < s->w; x++) {
            size_t c = crow + (size_t)(x / s->sub_x);
            double l = py[x], u = cb[c] - 128.0, v = cr[c] - 128.0;
            out[3 * x] = clamp8(l + 1.402 * v);
            out[3 * x + 1] = clamp8(l - 0.344136 * u - 0.714136 * v);
            out[3 * x + 2] = clamp8(l + 1.772 * u);
        }
    }
    return 1;
}

double frames_rate(const frame_source *s)
{
    return s ? s->fps : 0.0;
}

void frames_close(frame_source *s)
{
    if (!s)
        return;
    if (s->streaming) {
        enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        xioctl(s->fd, VIDIOC_STREAMOFF, &t);
    }
    for (int i = 0; i < s->n_maps; i++)
        if (s->map[i])
            munmap(s->map[i], s->map_len[i]);
    if (s->fd >= 0)
        close(s->fd);
    free(s->px);
    free(s->skip);
    free(s);
}

/* Cb and Cr of the 2x2 block at (x, y), edges replicated. */
static void chroma(const uint8_t *rgb, int w, int h, int x, int y,
                   uint8_t *cb, uint8_t *cr)
{
    double r = 0, g = 0, b = 0;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int xx = x + dx < w ? x + dx : w - 1;
            int yy = y + dy < h ? y + dy : h - 1;
            const uint8_t *p = rgb + ((size_t)yy * w + xx) * 3;
            r += p[0];
            g += p[1];
            b += p[2];
        }
    r /= 4, g /= 4, b /= 4;
    *cb = clamp8(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
    *cr = clamp8(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
}

int frames_write_y4m(FILE *fp, y4m_writer *wr, const uint8_t *rgb,
                     int width, int height, double fps)
{
    size_t cw = (size_t)(width + 1) / 2, ch = (size_t)(height + 1) / 2;
    size_t need = (size_t)width + 2 * cw * ch;
    if (need > wr->cap) {
        free(wr->buf);
        wr->buf = malloc(need);
        wr->cap = wr->buf ? need : 0;
        if (!wr->buf)
            return -1;
    }
    if (!wr->header_done) {
        int num = fps > 0 ? (int)(fps * 1000 + 0.5) : 30000;
        if (fprintf(fp, "YUV4MPEG2 W%d H%d F%d:1000 Ip A1:1 C420jpeg\n",
                    width, height, num) < 0)
            return -1;
        wr->header_done = 1;
    }
    if (fputs("FRAME\n", fp) < 0)
        return -1;
    uint8_t *row = wr->buf, *cb = wr->buf + width, *cr = cb + cw * ch;
    for (int y = 0; y < height; y++) {
        const uint8_t *p = rgb + (size_t)y * width * 3;
        for (int x = 0; x < width; x++)
            row[x] = clamp8(0.299 * p[3 * x] + 0.587 * p[3 * x + 1] +
                            0.114 * p[3 * x + 2]);
        if (fwrite(row, 1, (size_t)width, fp) != (size_t)width)
            return -1;
    }
    for (size_t y = 0; y < ch; y++)
        for (size_t x = 0; x < cw; x++)
            chroma(rgb, width, height, (int)(2 * x), (int)(2 * y),
                   &cb[y * cw + x], &cr[y * cw + x]);
    return fwrite(cb, 1, 2 * cw * ch, fp) == 2 * cw * ch ? 0 : -1;
}

void frames_writer_free(y4m_writer *wr)
{
    free(wr->buf);
    wr->buf = NULL;
    wr->cap = 0;
}
