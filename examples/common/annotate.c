/* annotate.c - boxes and labels on frames (see annotate.h). */
#include "annotate.h"

#include "draw.h"

#include <stdio.h>
#include <string.h>

/* One colour per class in the canonical order, picked to tell apart at a
 * glance: neutral white, anger red, disgust olive, fear purple, happy
 * green, sad blue, surprise yellow, contempt orange. */
static const uint32_t class_colors[] = {
    0xffffff, 0xff3030, 0x9acd32, 0xb040ff,
    0x30e030, 0x3080ff, 0xffe020, 0xff9020,
};

void annotate_gray_to_rgb(const uint8_t *gray, int w, int h, int stride,
                          uint8_t *rgb)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *src = gray + (size_t)y * stride;
        uint8_t *dst = rgb + (size_t)y * w * 3;
        for (int x = 0; x < w; x++)
            dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
    }
}

/* Line thickness and font scale that stay readable from thumbnails to
 * full HD frames. */
static int thickness(int w, int h)
{
    int s = (w > h ? w : h) / 256;
    return s < 1 ? 1 : s > 4 ? 4 : s;
}

/* The caption on a dark band above the box (below it when the box
 * touches the top edge). */
static void caption(uint8_t *rgb, int w, int h, emo_box b, const char *text,
                    uint32_t color)
{
    int scale = thickness(w, h);
    int tw = draw_text_width(text, scale) + 2 * scale;
    int th = draw_text_height(text, scale) + 2 * scale;
    int y = b.y - th >= 0 ? b.y - th : b.y + b.h;
    draw_fill_rect(rgb, w, h, b.x, y, tw, th, 0x000000);
    draw_text(rgb, w, h, b.x + scale, y + scale, text, color, scale);
}

void annotate_predictions(uint8_t *rgb, int w, int h,
                          const emo_prediction *p, int n,
                          const emo_network *net)
{
    for (int i = 0; i < n; i++) {
        int l = p[i].label;
        uint32_t color = l >= 0 && l < 8 ? class_colors[l] : 0xffffff;
        const char *name = emo_network_class_name(net, l);
        char text[64];
        snprintf(text, sizeof text, "%s %.2f", name ? name : "?",
                 (double)p[i].scores[l]);
        draw_rect(rgb, w, h, p[i].box.x, p[i].box.y, p[i].box.w, p[i].box.h,
                  color, thickness(w, h));
        caption(rgb, w, h, p[i].box, text, color);
    }
}

void annotate_boxes(uint8_t *rgb, int w, int h, const emo_box *b, int n)
{
    for (int i = 0; i < n; i++)
        draw_rect(rgb, w, h, b[i].x, b[i].y, b[i].w, b[i].h, 0x30e030,
                  thickness(w, h));
}
