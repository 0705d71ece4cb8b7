/*
 * half.c - IEEE-754 binary16 <-> binary32, for model files that store
 * weights in 16 bits (EMO_STORE_F16, docs/model-format.md).
 *
 * Written by hand on integers: C11 has no portable 16-bit float type
 * (_Float16 is a GCC/Clang extension on some targets only), and the
 * result must not depend on the FPU's rounding mode or on -ffast-math.
 * Rounding is to nearest, ties to even, as IEEE-754's default.
 */
#include "model/half.h"

#include <string.h>

#define F32_EXP_INF 0x7f800000u
#define F16_EXP_INF 0x7c00u
/* the smallest binary32 that rounds to infinity in binary16: 65520 */
#define F32_HALF_OVERFLOW 0x477ff000u
/* the smallest normal binary16, 2^-14, as binary32 */
#define F32_HALF_MIN_NORMAL 0x38800000u
/* below 2^-25 (half of the smallest subnormal) everything rounds to 0 */
#define F32_HALF_UNDERFLOW 0x33000000u

/* m >> shift, rounded to nearest, ties to even (1 <= shift <= 31). */
static uint32_t shift_round_even(uint32_t m, int shift)
{
    uint32_t q = m >> shift, rem = m & ((1u << shift) - 1),
             halfway = 1u << (shift - 1);
    return q + (rem > halfway || (rem == halfway && (q & 1)));
}

uint16_t emo__f16_from_f32(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t a = x & 0x7fffffffu;
    if (a > F32_EXP_INF) /* NaN: stays a (quiet) NaN */
        return (uint16_t)(sign | F16_EXP_INF | 0x200u | (a >> 13 & 0x3ffu));
    if (a >= F32_HALF_OVERFLOW)
        return (uint16_t)(sign | F16_EXP_INF);
    if (a < F32_HALF_UNDERFLOW)
        return sign;
    if (a < F32_HALF_MIN_NORMAL) {
        /* subnormal: value = m * 2^(e-150) = q * 2^-24, q = m >> (126-e);
         * q may round up to 0x400, the smallest normal's encoding */
        uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u;
        return (uint16_t)(sign | shift_round_even(m, (int)(126 - e)));
    }
    /* normal: rebias the exponent (127 -> 15) and round the 23-bit
     * mantissa to 10 bits; a carry out of the mantissa correctly bumps
     * the exponent */
    return (uint16_t)(sign | shift_round_even(a - (112u << 23), 13));
}

float emo__f32_from_f16(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu,
             m = h & 0x3ffu, x;
    if (e == 0x1f)
        x = sign | F32_EXP_INF | m << 13;
    else if (e)
        x = sign | (e + 112) << 23 | m << 13;
    else if (!m)
        x = sign;
    else { /* subnormal: normalise m * 2^-24 */
        e = 113;
        while (!(m & 0x400u)) {
            m <<= 1;
            e--;
        }
        x = sign | e << 23 | (m & 0x3ffu) << 13;
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}
