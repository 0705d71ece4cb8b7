/*
 * pool.c - max and average pooling with Caffe's ceil-mode output size, and
 * global average pooling.  Average pooling divides by the window size
 * clipped to the padded input (Caffe; PyTorch's count_include_pad=True,
 * ceil_mode=True).
 */
#include "nn/nn.h"

#include <float.h>
#include <string.h>

int emo__pool_out(int in, int size, int stride, int pad)
{
    int out = (in + 2 * pad - size + stride - 1) / stride + 1;
    /* the last window must start inside the input or its left padding */
    if (pad > 0 && (out - 1) * stride >= in + pad)
        out--;
    return out;
}

typedef struct pool_job {
    const emo__layer *l;
    const float *x;
    float *y;
    int32_t *am;
    const int32_t *cam;
} pool_job;

/* 2x2 windows, stride 2, no padding, even input: every window whole.  The
 * general loop's data-dependent branches cost 7-8 % of a default-net
 * forward pass; here each window is four compares that GCC turns into
 * selects (vectorised when no argmax is kept).  Same result and same
 * argmax as the general loop: the first strict maximum in row-major
 * order, NaN never chosen. */
int emo__maxpool_is_plain_2x2(const emo__layer *l)
{
    return l->size == 2 && l->stride == 2 && l->pad == 0 &&
           l->in.h % 2 == 0 && l->in.w % 2 == 0;
}

void emo__maxpool_2x2_plane(const float *src, int W, int OH, int OW,
                            float *dst, int32_t *am)
{
    for (int oy = 0; oy < OH; oy++) {
        const float *r0 = src + (size_t)2 * oy * W, *r1 = r0 + W;
        float *d = dst + (size_t)oy * OW;
        if (!am) {
            for (int ox = 0; ox < OW; ox++) {
                float a = r0[2 * ox] > -FLT_MAX ? r0[2 * ox] : -FLT_MAX;
                a = r0[2 * ox + 1] > a ? r0[2 * ox + 1] : a;
                a = r1[2 * ox] > a ? r1[2 * ox] : a;
                d[ox] = r1[2 * ox + 1] > a ? r1[2 * ox + 1] : a;
            }
            continue;
        }
        int32_t *m = am + (size_t)oy * OW, base = 2 * oy * W;
        for (int ox = 0; ox < OW; ox++) {
            float best = -FLT_MAX;
            int32_t at = base + 2 * ox;
            if (r0[2 * ox] > best) {
                best = r0[2 * ox];
            }
            if (r0[2 * ox + 1] > best) {
                best = r0[2 * ox + 1];
                at = base + 2 * ox + 1;
            }
            if (r1[2 * ox] > best) {
                best = r1[2 * ox];
                at = base + W + 2 * ox;
            }
            if (r1[2 * ox + 1] > best) {
                best = r1[2 * ox + 1];
                at = base + W + 2 * ox + 1;
            }
            d[ox] = best;
            m[ox] = at;
        }
    }
}

static void maxpool_planes(void *arg, size_t p0, size_t p1)
{
    const pool_job *j = arg;
    const emo__layer *l = j->l;
    int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    if (emo__maxpool_is_plain_2x2(l)) {
        for (size_t p = p0; p < p1; p++)
            emo__maxpool_2x2_plane(j->x + p * H * W, W, OH, OW,
                                   j->y + p * OH * OW,
                                   j->am ? j->am + p * OH * OW : NULL);
        return;
    }
    for (size_t p = p0; p < p1; p++) {
        const float *src = j->x + p * H * W;
        float *dst = j->y + p * OH * OW;
        int32_t *am = j->am ? j->am + p * OH * OW : NULL;
        for (int oy = 0; oy < OH; oy++) {
            int y0 = oy * l->stride - l->pad, y1 = y0 + l->size;
            y0 = y0 < 0 ? 0 : y0;
            y1 = y1 > H ? H : y1;
            for (int ox = 0; ox < OW; ox++) {
                int x0 = ox * l->stride - l->pad, x1 = x0 + l->size;
                x0 = x0 < 0 ? 0 : x0;
                x1 = x1 > W ? W : x1;
                float best = -FLT_MAX;
                int at = y0 * W + x0;
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++)
                        if (src[iy * W + ix] > best) {
                            best = src[iy * W + ix];
                            at = iy * W + ix;
                        }
                dst[oy * OW + ox] = best;
                if (am)
                    am[oy * OW + ox] = at;
            }
        }
    }
}

void emo__maxpool_forward(const emo__layer *l, const float *x, float *y,
                          int batch, int32_t *argmax, int threads)
{
    pool_job j = {l, x, y, argmax, NULL};
    size_t planes = (size_t)batch * l->in.c;
    emo__parallel_for(threads, planes, 1 + 65536 / (l->in.h * l->in.w),
                      maxpool_planes, &j);
}

/* Any window: the plane zeroed, then each output's gradient added at its
 * argmax (windows may overlap). */
static void plane_back(const float *dy, const int32_t *am, size_t in_plane,
                       size_t out_plane, float *dx)
{
    memset(dx, 0, sizeof(float) * in_plane);
    for (size_t i = 0; i < out_plane; i++)
        dx[am[i]] += dy[i];
}

void emo__maxpool_2x2_plane_back(const float *dy, const int32_t *am,
                                 const float *relu_y, int W, int OH, int OW,
                                 float *dx)
{
    for (int oy = 0; oy < OH; oy++) {
        float *r0 = dx + (size_t)2 * oy * W, *r1 = r0 + W;
        const float *g = dy + (size_t)oy * OW;
        const float *y = relu_y ? relu_y + (size_t)oy * OW : NULL;
        const int32_t *m = am + (size_t)oy * OW;
        int32_t base = 2 * oy * W;
        for (int ox = 0; ox < OW; ox++) {
            /* 0 + g: the value the zeroed plane's += leaves */
            float v = !y || y[ox] > 0.0f ? 0.0f + g[ox] : 0.0f;
            int32_t at = m[ox] - (base + 2 * ox);
            r0[2 * ox] = at == 0 ? v : 0.0f;
            r0[2 * ox + 1] = at == 1 ? v : 0.0f;
            r1[2 * ox] = at == W ? v : 0.0f;
            r1[2 * ox + 1] = at == W + 1 ? v : 0.0f;
        }
    }
}

static void maxpool_back_planes(void *arg, size_t p0, size_t p1)
{
    const pool_job *j = arg;
    size_t in_plane = (size_t)j->l->in.h * j->l->in.w;
    size_t out_plane = (size_t)j->l->out.h * j->l->out.w;
    const emo__layer *l = j->l;
    for (size_t p = p0; p < p1; p++) {
        const float *g = j->x + p * out_plane;
        const int32_t *am = j->cam + p * out_plane;
        if (emo__maxpool_is_plain_2x2(l))
            emo__maxpool_2x2_plane_back(g, am, NULL, l->in.w, l->out.h,
                                        l->out.w, j->y + p * in_plane);
        else
            plane_back(g, am, in_plane, out_plane, j->y + p * in_plane);
    }
}

void emo__maxpool_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch, const int32_t *argmax, int threads)
{
    pool_job j = {l, dy, dx, NULL, argmax};
    size_t planes = (size_t)batch * l->in.c;
    emo__parallel_for(threads, planes, 1 + 65536 / (l->in.h * l->in.w),
                      maxpool_back_planes, &j);
}

/* Window of output (oy, ox): clipped bounds and Caffe's divisor. */
static float avg_window(const emo__layer *l, int oy, int ox, int *y0,
                        int *y1, int *x0, int *x1)
{
    int H = l->in.h, W = l->in.w;
    int hs = oy * l->stride - l->pad, ws = ox * l->stride - l->pad;
    int he = hs + l->size, we = ws + l->size;
    he = he > H + l->pad ? H + l->pad : he;
    we = we > W + l->pad ? W + l->pad : we;
    float div = (float)((he - hs) * (we - ws));
    *y0 = hs < 0 ? 0 : hs;
    *x0 = ws < 0 ? 0 : ws;
    *y1 = he > H ? H : he;
    *x1 = we > W ? W : we;
    return div;
}

void emo__avgpool_forward(const emo__layer *l, const float *x, float *y,
                          int batch)
{
    int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    size_t planes = (size_t)batch * l->in.c;
    for (size_t p = 0; p < planes; p++) {
        const float *src = x + p * H * W;
        float *dst = y + p * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int y0, y1, x0, x1;
                float div = avg_window(l, oy, ox, &y0, &y1, &x0, &x1);
                float s = 0.0f;
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++)
                        s += src[iy * W + ix];
                dst[oy * OW + ox] = s / div;
            }
    }
}

void emo__avgpool_backward(const emo__layer *l, const float *dy, float *dx,
                           int batch)
{
    int H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    size_t planes = (size_t)batch * l->in.c;
    memset(dx, 0, sizeof(float) * planes * H * W);
    for (size_t p = 0; p < planes; p++) {
        float *d = dx + p * H * W;
        const float *g = dy + p * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int y0, y1, x0, x1;
                float v = g[oy * OW + ox] /
                          avg_window(l, oy, ox, &y0, &y1, &x0, &x1);
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++)
                        d[iy * W + ix] += v;
            }
    }
}

void emo__gap_forward(const emo__layer *l, const float *x, float *y,
                      int batch)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    size_t planes = (size_t)batch * l->in.c;
    for (size_t p = 0; p < planes; p++) {
        const float *src = x + p * plane;
        float s = 0.0f;
        for (size_t i = 0; i < plane; i++)
            s += src[i];
        y[p] = s / (float)plane;
    }
}

void emo__gap_backward(const emo__layer *l, const float *dy, float *dx,
                       int batch)
{
    size_t plane = (size_t)l->in.h * l->in.w;
    size_t planes = (size_t)batch * l->in.c;
    for (size_t p = 0; p < planes; p++) {
        float v = dy[p] / (float)plane;
        float *d = dx + p * plane;
        for (size_t i = 0; i < plane; i++)
            d[i] = v;
    }
}
