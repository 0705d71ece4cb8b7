/* rng.h - the library's seeded random stream (rng.c). */
#ifndef EMO_COMMON_RNG_H
#define EMO_COMMON_RNG_H

#include <stdint.h>

/* Fixed-seed pseudo-random numbers (splitmix64 seeded xoshiro256**), so
 * results do not depend on the C library's rand(). */
typedef struct emo_rng {
    uint64_t s[4];
} emo_rng;
void emo__rng_seed(emo_rng *r, uint64_t seed);
uint64_t emo__rng_next(emo_rng *r);
double emo__rng_uniform(emo_rng *r);            /* [0, 1) */
uint32_t emo__rng_below(emo_rng *r, uint32_t n); /* [0, n) */
double emo__rng_gauss(emo_rng *r);              /* N(0, 1) */

#endif
