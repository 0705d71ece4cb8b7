/*
 * annotate.h - faces drawn onto frames for the example programs: each box
 * in its class's colour with "label score" above it, on an RGB copy of
 * the gray frame (draw.h does the pixels).
 */
#ifndef EMO_EXAMPLES_ANNOTATE_H
#define EMO_EXAMPLES_ANNOTATE_H

#include <stdint.h>

#include "emo.h"

/* Gray (any stride) to packed RGB (w * 3 bytes per row). */
void annotate_gray_to_rgb(const uint8_t *gray, int w, int h, int stride,
                          uint8_t *rgb);
/* Boxes, labels and scores of n predictions; class names from net. */
void annotate_predictions(uint8_t *rgb, int w, int h,
                          const emo_prediction *p, int n,
                          const emo_network *net);
/* Boxes only (detection without a model). */
void annotate_boxes(uint8_t *rgb, int w, int h, const emo_box *b, int n);

#endif
