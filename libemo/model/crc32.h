/* crc32.h - the model file's checksum (crc32.c). */
#ifndef EMO_MODEL_CRC32_H
#define EMO_MODEL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE, as zlib) of a buffer, continuing from crc (start with 0). */
uint32_t emo__crc32(uint32_t crc, const void *data, size_t n);

#endif
