/* plot.c - training curves and confusion matrices as PNG. */
#include "plot.h"
#include "draw.h"
#include "emo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLACK 0x000000u
#define GRAY 0xBBBBBBu
#define WHITE 0xFFFFFFu
#define BLUE 0x1F77B4u
#define ORANGE 0xFF7F0Eu

typedef struct panel {
    int x, y, w, h;     /* plot area in pixels */
    double x0, x1, y0, y1; /* data range */
} panel;

static int px_x(const panel *p, double v)
{
    return p->x + (int)lround((v - p->x0) / (p->x1 - p->x0) * p->w);
}

static int px_y(const panel *p, double v)
{
    return p->y + p->h - (int)lround((v - p->y0) / (p->y1 - p->y0) * p->h);
}

static void axes(uint8_t *img, int W, int H, const panel *p, const char *title)
{
    char buf[32];
    draw_rect(img, W, H, p->x, p->y, p->w + 1, p->h + 1, BLACK, 1);
    for (int i = 0; i <= 4; i++) {
        double v = p->y0 + (p->y1 - p->y0) * i / 4;
        int y = px_y(p, v);
        draw_line(img, W, H, p->x + 1, y, p->x + p->w - 1, y, 0xEEEEEEu, 1);
        snprintf(buf, sizeof buf, "%.2f", v);
        draw_text(img, W, H, p->x - draw_text_width(buf, 1) - 4, y - 3, buf,
                  BLACK, 1);
    }
    int step = (int)ceil((p->x1 - p->x0) / 10.0);
    for (int e = (int)p->x0; e <= (int)p->x1; e += step > 0 ? step : 1) {
        snprintf(buf, sizeof buf, "%d", e);
        draw_text(img, W, H, px_x(p, e) - draw_text_width(buf, 1) / 2,
                  p->y + p->h + 5, buf, BLACK, 1);
    }
    draw_text(img, W, H, p->x + p->w / 2 - draw_text_width(title, 2) / 2,
              p->y - 22, title, BLACK, 2);
    draw_text(img, W, H, p->x + p->w / 2 - draw_text_width("epoch", 1) / 2,
              p->y + p->h + 17, "epoch", BLACK, 1);
}

static void series(uint8_t *img, int W, int H, const panel *p,
                   const double *v, int n, uint32_t color)
{
    int have = 0, lx = 0, ly = 0;
    for (int e = 0; e < n; e++) {
        if (!isfinite(v[e])) {
            have = 0;
            continue;
        }
        int x = px_x(p, e + 1), y = px_y(p, v[e]);
        if (have)
            draw_line(img, W, H, lx, ly, x, y, color, 2);
        draw_fill_rect(img, W, H, x - 2, y - 2, 5, 5, color);
        lx = x;
        ly = y;
        have = 1;
    }
}

static double series_max(const double *a, const double *b, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) {
        if (isfinite(a[i]) && a[i] > m)
            m = a[i];
        if (isfinite(b[i]) && b[i] > m)
            m = b[i];
    }
    return m > 0 ? m * 1.05 : 1.0;
}

/* 1 when any value of v is drawn (not all NaN). */
static int any_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            return 1;
    return 0;
}

/* "validation" only when there is validation data to read it for. */
static void legend(uint8_t *img, int W, int H, int x, int y, int with_val)
{
    draw_fill_rect(img, W, H, x, y + 2, 14, 4, BLUE);
    draw_text(img, W, H, x + 18, y, "train", BLACK, 1);
    if (!with_val)
        return;
    draw_fill_rect(img, W, H, x + 60, y + 2, 14, 4, ORANGE);
    draw_text(img, W, H, x + 78, y, "validation", BLACK, 1);
}

int plot_curves(const char *path, int epochs, const double *train_loss,
                const double *val_loss, const double *train_acc,
                const double *val_acc)
{
    const int W = 960, H = 400;
    uint8_t *img = malloc((size_t)W * H * 3);
    if (!img)
        return EMO_ERR_NOMEM;
    draw_clear(img, W, H, WHITE);
    double x1 = epochs > 1 ? epochs : 2;
    panel loss = {60, 50, 380, 290, 1, x1, 0,
                  series_max(train_loss, val_loss, epochs)};
    panel acc = {550, 50, 380, 290, 1, x1, 0, 1};
    axes(img, W, H, &loss, "loss");
    axes(img, W, H, &acc, "accuracy");
    series(img, W, H, &loss, train_loss, epochs, BLUE);
    series(img, W, H, &loss, val_loss, epochs, ORANGE);
    series(img, W, H, &acc, train_acc, epochs, BLUE);
    series(img, W, H, &acc, val_acc, epochs, ORANGE);
    int with_val = any_finite(val_loss, epochs) || any_finite(val_acc, epochs);
    legend(img, W, H, W / 2 - (with_val ? 80 : 24), H - 22, with_val);
    int rc = emo_image_save_png(path, img, W, H, W * 3, 3);
    free(img);
    return rc;
}

/* White to dark blue by share in [0, 1]. */
static uint32_t shade(double t)
{
    int r = (int)(255 - t * (255 - 8)), g = (int)(255 - t * (255 - 48)),
        b = (int)(255 - t * (255 - 107));
    return (uint32_t)(r << 16 | g << 8 | b);
}

int plot_confusion(const char *path, const int *conf, int n,
                   const char *const *names, const char *title)
{
    const int cell = 64, left = 110, top = 70;
    const int W = left + n * cell + 30, H = top + n * cell + 60;
    uint8_t *img = malloc((size_t)W * H * 3);
    if (!img)
        return EMO_ERR_NOMEM;
    draw_clear(img, W, H, WHITE);
    draw_text(img, W, H, 10, 10, title, BLACK, 2);
    draw_text(img, W, H, left, top - 30, "predicted ->", BLACK, 1);
    draw_text(img, W, H, 10, top - 16, "true", BLACK, 1);
    char buf[32];
    for (int t = 0; t < n; t++) {
        long row = 0;
        for (int p = 0; p < n; p++)
            row += conf[t * n + p];
        draw_text(img, W, H, 10, top + t * cell + cell / 2 - 4, names[t],
                  BLACK, 1);
        snprintf(buf, sizeof buf, "%.8s", names[t]);
        draw_text(img, W, H, left + t * cell + 4, top - 14, buf, BLACK, 1);
        for (int p = 0; p < n; p++) {
            double share = row ? (double)conf[t * n + p] / row : 0.0;
            int x = left + p * cell, y = top + t * cell;
            draw_fill_rect(img, W, H, x, y, cell, cell, shade(share));
            draw_rect(img, W, H, x, y, cell + 1, cell + 1, GRAY, 1);
            snprintf(buf, sizeof buf, "%d", conf[t * n + p]);
            draw_text(img, W, H, x + cell / 2 - draw_text_width(buf, 2) / 2,
                      y + cell / 2 - 8, buf, share > 0.5 ? WHITE : BLACK, 2);
        }
    }
    int rc = emo_image_save_png(path, img, W, H, W * 3, 3);
    free(img);
    return rc;
}
