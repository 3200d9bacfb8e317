/* convert.c — row conversions between f32 and the element types (see tensor.h).
 *
 * Quantizers follow ggml's reference (round-to-nearest) quantizers, so that a row
 * quantized here is bit-identical to one quantized by llama.cpp's reference path:
 *   Q8_0: d = max|x| / 127, q = round(x / d)
 *   Q4_0: m = the value of largest magnitude (sign kept), d = m / -8,
 *         q = min(15, trunc(x / d + 8.5))
 * The scale is stored as fp16 but the quants are computed with the unrounded 1/d.
 * Left out: importance-weighted quantization, the K-quant quantizers, SIMD.
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }

static void dequant_q8_0(const uint8_t *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, b += 34, y += 32) {
        float d = fp16_to_f32(rd16(b));
        for (int j = 0; j < 32; j++) y[j] = d * (float)(int8_t)b[2 + j];
    }
}

static void dequant_q4_0(const uint8_t *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, b += 18, y += 32) {
        float d = fp16_to_f32(rd16(b));
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)((b[2 + j] & 0x0f) - 8);
            y[j + 16] = d * (float)((b[2 + j] >> 4) - 8);
        }
    }
}

/* Q6_K: 256 values in two halves of 128; each half takes 64 bytes of ql (low 4 bits),
 * 32 bytes of qh (high 2 bits, four values per byte) and 8 signed 8-bit scales, one per
 * 16 values. x = d * scale * (q - 32). */
static void dequant_q6_k(const uint8_t *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, b += 210) {
        const uint8_t *ql = b, *qh = b + 128;
        const int8_t *sc = (const int8_t *)(b + 192);
        float d = fp16_to_f32(rd16(b + 208));
        for (int half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * (float)sc[is] * (float)q1;
                y[l + 32] = d * (float)sc[is + 2] * (float)q2;
                y[l + 64] = d * (float)sc[is + 4] * (float)q3;
                y[l + 96] = d * (float)sc[is + 6] * (float)q4;
            }
        }
    }
}

static void quant_q8_0(const float *x, uint8_t *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += 32, b += 34) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        wr16(b, fp16_from_f32(d));
        for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
    }
}

static void quant_q4_0(const float *x, uint8_t *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += 32, b += 18) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; j++)
            if (amax < fabsf(x[j])) amax = fabsf(x[j]), max = x[j];
        float d = max / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        wr16(b, fp16_from_f32(d));
        for (int j = 0; j < 16; j++) {
            int q0 = (int)(int8_t)(x[j] * id + 8.5f), q1 = (int)(int8_t)(x[j + 16] * id + 8.5f);
            q0 = q0 > 15 ? 15 : q0, q1 = q1 > 15 ? 15 : q1;
            b[2 + j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

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
    const uint8_t *s = src;
    switch (type) {
    case TENSOR_TYPE_F32: memcpy(dst, src, (size_t)n * 4); break;
    case TENSOR_TYPE_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = fp16_to_f32(rd16(s + 2 * i));
        break;
    case TENSOR_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_f32(rd16(s + 2 * i));
        break;
    case TENSOR_TYPE_Q8_0: dequant_q8_0(s, dst, n / 32); break;
    case TENSOR_TYPE_Q4_0: dequant_q4_0(s, dst, n / 32); break;
    case TENSOR_TYPE_Q6_K: dequant_q6_k(s, dst, n / 256); break;
    default: CM_ASSERT(!"type table and dequantizers disagree");
    }
    return 0;
}

int tensor_quantize_row(uint32_t type, const float *src, void *dst, int64_t n)
{
    const struct tensor_type_info *t;
    int rc = check_row(&t, type, n, 1);
    if (rc) return rc;
    uint8_t *d = dst;
    if (type == TENSOR_TYPE_Q8_0 || type == TENSOR_TYPE_Q4_0)
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(src[i]))
                return cm_error_set(CM_EINVAL, "cannot quantize to '%s': value %g at index %lld is not finite",
                                    t->name, (double)src[i], (long long)i);
    switch (type) {
    case TENSOR_TYPE_F32: memcpy(dst, src, (size_t)n * 4); break;
    case TENSOR_TYPE_F16:
        for (int64_t i = 0; i < n; i++) wr16(d + 2 * i, fp16_from_f32(src[i]));
        break;
    case TENSOR_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) wr16(d + 2 * i, bf16_from_f32(src[i]));
        break;
    case TENSOR_TYPE_Q8_0: quant_q8_0(src, d, n / 32); break;
    case TENSOR_TYPE_Q4_0: quant_q4_0(src, d, n / 32); break;
    default: CM_ASSERT(!"type table and quantizers disagree");
    }
    return 0;
}
