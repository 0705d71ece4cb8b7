/*
 * bytes.h - the library's one little-endian byte codec: fixed-width
 * integers and IEEE-754 floats to and from bytes, whatever the host's byte
 * order.  Model files (model/model_file.c) and the training state of
 * checkpoints (train/checkpoint.c) are written and read through it.
 *
 * emo__leN(p) reads at p and emo__set_leN(p, v) writes at p; the next_ and
 * add_ forms read or write at *p and advance it, for fields laid out one
 * after the other.  Callers check the room first: nothing here can fail.
 */
#ifndef EMO_COMMON_BYTES_H
#define EMO_COMMON_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t emo__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t emo__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t emo__le64(const uint8_t *p)
{
    return (uint64_t)emo__le32(p) | (uint64_t)emo__le32(p + 4) << 32;
}

static inline float emo__le_f32(const uint8_t *p)
{
    uint32_t v = emo__le32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static inline double emo__le_f64(const uint8_t *p)
{
    uint64_t v = emo__le64(p);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static inline void emo__set_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void emo__set_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void emo__set_le64(uint8_t *p, uint64_t v)
{
    emo__set_le32(p, (uint32_t)v);
    emo__set_le32(p + 4, (uint32_t)(v >> 32));
}

static inline void emo__set_le_f32(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    emo__set_le32(p, v);
}

static inline void emo__set_le_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    emo__set_le64(p, v);
}

/* ---- sequential forms --------------------------------------------------- */

static inline uint32_t emo__next_le32(const uint8_t **p)
{
    uint32_t v = emo__le32(*p);
    *p += 4;
    return v;
}

static inline uint64_t emo__next_le64(const uint8_t **p)
{
    uint64_t v = emo__le64(*p);
    *p += 8;
    return v;
}

static inline float emo__next_le_f32(const uint8_t **p)
{
    float f = emo__le_f32(*p);
    *p += 4;
    return f;
}

static inline double emo__next_le_f64(const uint8_t **p)
{
    double d = emo__le_f64(*p);
    *p += 8;
    return d;
}

static inline void emo__add_le32(uint8_t **p, uint32_t v)
{
    emo__set_le32(*p, v);
    *p += 4;
}

static inline void emo__add_le64(uint8_t **p, uint64_t v)
{
    emo__set_le64(*p, v);
    *p += 8;
}

static inline void emo__add_le_f32(uint8_t **p, float f)
{
    emo__set_le_f32(*p, f);
    *p += 4;
}

static inline void emo__add_le_f64(uint8_t **p, double d)
{
    emo__set_le_f64(*p, d);
    *p += 8;
}

#endif
