/* convert.h — the row conversions the type table (type.c) points to; convert.c has the
 * float and 32-value block types, kquant.c the 256-value K-quant types. Not for other
 * callers: use tensor_dequantize_row / tensor_quantize_row or the table's pointers. */
#ifndef CM_TENSOR_CONVERT_H
#define CM_TENSOR_CONVERT_H

#include <stdint.h>

#define TENSOR_CONV(T)                                                    \
    void tensor_##T##_to_float(const void *src, float *dst, int64_t n); \
    void tensor_##T##_from_float(const float *src, void *dst, int64_t n);

TENSOR_CONV(f32)
TENSOR_CONV(f16)
TENSOR_CONV(bf16)
TENSOR_CONV(q8_0)
TENSOR_CONV(q4_0)
TENSOR_CONV(q4_1)
TENSOR_CONV(q5_0)
TENSOR_CONV(q5_1)
TENSOR_CONV(q4_k)
TENSOR_CONV(q5_k)
TENSOR_CONV(q6_k)
void tensor_q2_k_to_float(const void *src, float *dst, int64_t n);
void tensor_q3_k_to_float(const void *src, float *dst, int64_t n);

/* Little-endian fields of the blocks. */
static inline uint16_t tensor_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t tensor_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void tensor_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void tensor_wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Q4_K/Q5_K: scale and min j (0..7, 6 bits each) from the 12 packed bytes (ggml's
 * get_scale_min_k4): j < 4 in the low 6 bits of bytes j and j+4; j >= 4 in the nibbles of
 * byte j+4 with their top 2 bits in the top bits of bytes j-4 and j. */
static inline void tensor_k4_scale_min(int j, const uint8_t *q, int *sc, int *m)
{
    if (j < 4) {
        *sc = q[j] & 63, *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* Q3_K: the 16 scales (stored + 32, 6 bits) from the 12 packed bytes: low nibbles of
 * bytes 0-7 are scales 0-7, their high nibbles 8-15; byte 8 + (j % 4) holds the top 2
 * bits of scale j at bit 2 * (j / 4). */
static inline void tensor_k3_scales(const uint8_t *p, int sc[16])
{
    for (int j = 0; j < 16; j++) {
        int low = j < 8 ? p[j] & 15 : p[j - 8] >> 4;
        int high = (p[8 + (j % 4)] >> (2 * (j / 4))) & 3;
        sc[j] = (low | (high << 4)) - 32;
    }
}

#endif
