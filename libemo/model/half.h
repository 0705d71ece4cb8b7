/* half.h - 16-bit weight storage of model files (half.c). */
#ifndef EMO_MODEL_HALF_H
#define EMO_MODEL_HALF_H

#include <stdint.h>

/* IEEE-754 binary16 <-> binary32: round to nearest, ties to even;
 * overflow gives infinity, NaN stays NaN. */
uint16_t emo__f16_from_f32(float f);
float emo__f32_from_f16(uint16_t h);

#endif
