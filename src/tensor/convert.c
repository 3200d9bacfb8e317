/* convert.c — row conversions between f32 and the float and 32-value block types (see
 * tensor.h), and the checked entry points that dispatch through the type table.
 *
 * Quantizers follow ggml's reference (round-to-nearest) quantizers, so that a row
 * quantized here is bit-identical to one quantized by llama.cpp's reference path:
 *   Q8_0: d = max|x| / 127, q = round(x / d)
 *   Q4_0: m = the value of largest magnitude (sign kept), d = m / -8,
 *         q = min(15, trunc(x / d + 8.5))
 *   Q5_0: the same with d = m / -16, q = min(31, trunc(x / d + 16.5))
 *   Q4_1: d = (max - min) / 15, m = min, q = min(15, trunc((x - min) / d + 0.5))
 *   Q5_1: d = (max - min) / 31, m = min, q = trunc((x - min) / d + 0.5)
 * The scale is stored as fp16 but the quants are computed with the unrounded 1/d.
 * Left out: importance-weighted quantization, SIMD; the K-quants (kquant.c).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/convert.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

#define rd16 tensor_rd16
#define wr16 tensor_wr16

/* ---- float types ---- */

void tensor_f32_to_float(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }
void tensor_f32_from_float(const float *src, void *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }

void tensor_f16_to_float(const void *src, float *dst, int64_t n)
{
    const uint8_t *s = src;
    for (int64_t i = 0; i < n; i++) dst[i] = fp16_to_f32(rd16(s + 2 * i));
}

void tensor_f16_from_float(const float *src, void *dst, int64_t n)
{
    uint8_t *d = dst;
    for (int64_t i = 0; i < n; i++) wr16(d + 2 * i, fp16_from_f32(src[i]));
}

void tensor_bf16_to_float(const void *src, float *dst, int64_t n)
{
    const uint8_t *s = src;
    for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_f32(rd16(s + 2 * i));
}

void tensor_bf16_from_float(const float *src, void *dst, int64_t n)
{
    uint8_t *d = dst;
    for (int64_t i = 0; i < n; i++) wr16(d + 2 * i, bf16_from_f32(src[i]));
}

/* ---- 32-value blocks ---- */

void tensor_q8_0_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 32; i++, b += 34, y += 32) {
        float d = fp16_to_f32(rd16(b));
        for (int j = 0; j < 32; j++) y[j] = d * (float)(int8_t)b[2 + j];
    }
}

void tensor_q4_0_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 32; i++, b += 18, y += 32) {
        float d = fp16_to_f32(rd16(b));
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)((b[2 + j] & 0x0f) - 8);
            y[j + 16] = d * (float)((b[2 + j] >> 4) - 8);
        }
    }
}

void tensor_q4_1_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 32; i++, b += 20, y += 32) {
        float d = fp16_to_f32(rd16(b)), m = fp16_to_f32(rd16(b + 2));
        for (int j = 0; j < 16; j++) {
            y[j] = (float)(b[4 + j] & 0x0f) * d + m;
            y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
        }
    }
}

/* Q5_0 and Q5_1: value j's low 4 bits as in Q4_0, its 5th bit is bit j of qh. */
void tensor_q5_0_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 32; i++, b += 22, y += 32) {
        float d = fp16_to_f32(rd16(b));
        uint32_t qh = tensor_rd32(b + 2);
        for (int j = 0; j < 16; j++) {
            int q0 = (b[6 + j] & 0x0f) | (int)(((qh >> j) & 1) << 4);
            int q1 = (b[6 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[j] = (float)(q0 - 16) * d;
            y[j + 16] = (float)(q1 - 16) * d;
        }
    }
}

void tensor_q5_1_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 32; i++, b += 24, y += 32) {
        float d = fp16_to_f32(rd16(b)), m = fp16_to_f32(rd16(b + 2));
        uint32_t qh = tensor_rd32(b + 4);
        for (int j = 0; j < 16; j++) {
            int q0 = (b[8 + j] & 0x0f) | (int)(((qh >> j) & 1) << 4);
            int q1 = (b[8 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[j] = (float)q0 * d + m;
            y[j + 16] = (float)q1 * d + m;
        }
    }
}

void tensor_q8_0_from_float(const float *x, void *dst, int64_t n)
{
    uint8_t *b = dst;
    for (int64_t i = 0; i < n / 32; i++, x += 32, b += 34) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        wr16(b, fp16_from_f32(d));
        for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
    }
}

/* Q4_0 and Q5_0: d = (value of largest magnitude) / -half, q = min(2 half - 1, trunc(x / d + half + 0.5)). */
static void quant_sym(const float *x, uint8_t *b, int64_t n, int bits)
{
    const int half = 1 << (bits - 1), qmax = (1 << bits) - 1, bs = bits == 4 ? 18 : 22, off = bits == 4 ? 2 : 6;
    for (int64_t i = 0; i < n / 32; i++, x += 32, b += bs) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; j++)
            if (amax < fabsf(x[j])) amax = fabsf(x[j]), max = x[j];
        float d = max / (float)-half, id = d != 0.0f ? 1.0f / d : 0.0f;
        wr16(b, fp16_from_f32(d));
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = (int)(int8_t)(x[j] * id + ((float)half + 0.5f));
            int q1 = (int)(int8_t)(x[j + 16] * id + ((float)half + 0.5f));
            q0 = q0 > qmax ? qmax : q0, q1 = q1 > qmax ? qmax : q1;
            b[off + j] = (uint8_t)((q0 & 15) | ((q1 & 15) << 4));
            qh |= (uint32_t)((q0 >> 4) & 1) << j | (uint32_t)((q1 >> 4) & 1) << (j + 16);
        }
        if (bits == 5) tensor_wr32(b + 2, qh);
    }
}

void tensor_q4_0_from_float(const float *x, void *dst, int64_t n) { quant_sym(x, dst, n, 4); }
void tensor_q5_0_from_float(const float *x, void *dst, int64_t n) { quant_sym(x, dst, n, 5); }

/* Q4_1 and Q5_1: d = (max - min) / (2^bits - 1), m = min. Q4_1 clamps q to 15 (through
 * ggml's int8_t cast); Q5_1 keeps the low 8 bits of the truncation, as ggml does. */
static void quant_affine(const float *x, uint8_t *b, int64_t n, int bits)
{
    const int qmax = (1 << bits) - 1, bs = bits == 4 ? 20 : 24, off = bits == 4 ? 4 : 8;
    for (int64_t i = 0; i < n / 32; i++, x += 32, b += bs) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < 32; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        float d = (max - min) / (float)qmax, id = d != 0.0f ? 1.0f / d : 0.0f;
        wr16(b, fp16_from_f32(d));
        wr16(b + 2, fp16_from_f32(min));
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            float v0 = (x[j] - min) * id + 0.5f, v1 = (x[j + 16] - min) * id + 0.5f;
            int q0, q1;
            if (bits == 4) {
                q0 = (int)(int8_t)v0, q1 = (int)(int8_t)v1;
                q0 = q0 > 15 ? 15 : q0, q1 = q1 > 15 ? 15 : q1;
            } else {
                q0 = (uint8_t)v0, q1 = (uint8_t)v1;
            }
            b[off + j] = (uint8_t)((q0 & 15) | ((q1 & 15) << 4));
            qh |= (uint32_t)((q0 >> 4) & 1) << j | (uint32_t)((q1 >> 4) & 1) << (j + 16);
        }
        if (bits == 5) tensor_wr32(b + 4, qh);
    }
}

void tensor_q4_1_from_float(const float *x, void *dst, int64_t n) { quant_affine(x, dst, n, 4); }
void tensor_q5_1_from_float(const float *x, void *dst, int64_t n) { quant_affine(x, dst, n, 5); }

/* ---- checked entry points ---- */

static int check_row(const struct tensor_type_info **out, uint32_t type, int64_t n, int quant)
{
    const struct tensor_type_info *t = tensor_type_get(type);
    if (!t || !(quant ? t->can_quantize : t->can_dequantize))
        return cm_error_set(CM_EINVAL, "cannot %s tensor type '%s'", quant ? "quantize to" : "dequantize",
                            tensor_type_name(type));
    if (n < 0 || n % t->block_size)
        return cm_error_set(CM_EINVAL, "cannot convert a row of %lld values to '%s': not a multiple of %u",
                            (long long)n, t->name, (unsigned)t->block_size);
    *out = t;
    return 0;
}

int tensor_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n)
{
    const struct tensor_type_info *t;
    int rc = check_row(&t, type, n, 0);
    if (rc) return rc;
    t->to_float(src, dst, n);
    return 0;
}

int tensor_quantize_row(uint32_t type, const float *src, void *dst, int64_t n)
{
    const struct tensor_type_info *t;
    int rc = check_row(&t, type, n, 1);
    if (rc) return rc;
    if (t->block_size > 1) /* the block types' scales would turn NaN or inf into garbage */
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(src[i]))
                return cm_error_set(CM_EINVAL, "cannot quantize to '%s': value %g at index %lld is not finite",
                                    t->name, (double)src[i], (long long)i);
    t->from_float(src, dst, n);
    return 0;
}
