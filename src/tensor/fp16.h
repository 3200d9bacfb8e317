/* fp16.h — IEEE half (fp16) and bfloat16 conversions to and from f32, bit-exact.
 *
 * f32 -> fp16 and f32 -> bf16 round to nearest, ties to even. Infinities stay infinite,
 * NaNs stay NaN (made quiet, sign kept), fp16 subnormals are produced and read exactly,
 * values past fp16's range become infinity. bf16 keeps f32's subnormals (no flush to zero).
 * Left out: vectorized (F16C) paths; these are the portable reference conversions.
 */
#ifndef CM_TENSOR_FP16_H
#define CM_TENSOR_FP16_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fp16_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

static inline float fp16_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static inline float fp16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) return fp16_bits_f32(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        float v = (float)mant * 5.9604644775390625e-8f; /* mant * 2^-24, exact */
        return sign ? -v : v;
    }
    return fp16_bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

static inline uint16_t fp16_from_f32(float f)
{
    uint32_t x = fp16_f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00 | (uint16_t)((ax >> 13) & 0x3ff); /* NaN, quiet */
    if (ax >= 0x477ff000u) return sign | 0x7c00; /* >= 65520 (and inf) rounds to inf */
    if (ax >= 0x38800000u) {                      /* normal half: |f| >= 2^-14 */
        uint32_t r = ax + 0xfffu + ((ax >> 13) & 1); /* round to nearest even at bit 13 */
        return sign | (uint16_t)((r - (112u << 23)) >> 13);
    }
    if (ax < 0x33000000u) return sign; /* < 2^-25: rounds to zero */
    /* subnormal half: units of 2^-24 */
    uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u, s = 126 - e; /* s in 14..24 */
    uint32_t q = m >> s, rem = m & ((1u << s) - 1), half = 1u << (s - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return sign | (uint16_t)q;
}

static inline float bf16_to_f32(uint16_t h) { return fp16_bits_f32((uint32_t)h << 16); }

static inline uint16_t bf16_from_f32(float f)
{
    uint32_t x = fp16_f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40); /* NaN, quiet */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

#endif
