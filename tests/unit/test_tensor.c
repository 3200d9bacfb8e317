/* Element types: fp16/bf16 special values and exhaustive round trips, hand-made blocks
 * with known bytes, quantization error bounds, row sizes, refusals. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

static uint32_t lcg_state = 12345;
static float frand(void) /* uniform in [-1, 1), deterministic */
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (float)(lcg_state >> 8) / (float)(1u << 23) - 1.0f;
}

Test(fp16, special_values)
{
    cr_assert_eq(fp16_from_f32(0.0f), 0x0000);
    cr_assert_eq(fp16_from_f32(-0.0f), 0x8000);
    cr_assert_eq(fp16_from_f32(1.0f), 0x3c00);
    cr_assert_eq(fp16_from_f32(-2.0f), 0xc000);
    cr_assert_eq(fp16_from_f32(65504.0f), 0x7bff);    /* largest finite */
    cr_assert_eq(fp16_from_f32(65519.99f), 0x7bff);   /* just below the halfway point */
    cr_assert_eq(fp16_from_f32(65520.0f), 0x7c00);    /* halfway rounds to even: inf */
    cr_assert_eq(fp16_from_f32(1e30f), 0x7c00);
    cr_assert_eq(fp16_from_f32(INFINITY), 0x7c00);
    cr_assert_eq(fp16_from_f32(-INFINITY), 0xfc00);
    uint16_t n = fp16_from_f32(NAN);
    cr_assert_eq(n & 0x7c00, 0x7c00);
    cr_assert_neq(n & 0x03ff, 0);
    cr_assert(isnan(fp16_to_f32(n)));
    cr_assert_eq(fp16_from_f32(ldexpf(1.0f, -14)), 0x0400);      /* smallest normal */
    cr_assert_eq(fp16_from_f32(ldexpf(1.0f, -24)), 0x0001);      /* smallest subnormal */
    cr_assert_eq(fp16_from_f32(ldexpf(1.0f, -25)), 0x0000);      /* tie: rounds to even (0) */
    cr_assert_eq(fp16_from_f32(ldexpf(1.5f, -25)), 0x0001);      /* above the tie */
    cr_assert_eq(fp16_from_f32(ldexpf(3.0f, -25)), 0x0002);      /* 1.5 units: tie to even 2 */
    cr_assert_eq(fp16_from_f32(-ldexpf(1023.0f, -24)), 0x83ff);  /* largest subnormal */
    cr_assert_eq(fp16_from_f32(ldexpf(1023.5f, -24)), 0x0400);   /* rounds up into normals */
    cr_assert_eq(fp16_from_f32(1.0f + ldexpf(1.0f, -11)), 0x3c00); /* tie at 1: to even */
    cr_assert_eq(fp16_from_f32(1.0f + ldexpf(3.0f, -11)), 0x3c02);
    cr_assert_float_eq(fp16_to_f32(0x0001), ldexpf(1.0f, -24), 0);
    cr_assert_float_eq(fp16_to_f32(0x3555), 0.333251953125f, 0);
    cr_assert(signbit(fp16_to_f32(0x8000)));
    cr_assert(isinf(fp16_to_f32(0xfc00)) && fp16_to_f32(0xfc00) < 0);
}

Test(fp16, every_half_round_trips)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = fp16_to_f32((uint16_t)h);
        if (isnan(f)) {
            cr_assert(isnan(fp16_to_f32(fp16_from_f32(f))), "0x%04x", h);
            continue;
        }
        cr_assert_eq(fp16_from_f32(f), h, "0x%04x -> %g -> 0x%04x", h, f, fp16_from_f32(f));
    }
}

Test(bf16, special_values_and_rounding)
{
    cr_assert_eq(bf16_from_f32(1.0f), 0x3f80);
    cr_assert_eq(bf16_from_f32(-0.0f), 0x8000);
    cr_assert_eq(bf16_from_f32(fp16_bits_f32(0x3f808000)), 0x3f80); /* tie: to even */
    cr_assert_eq(bf16_from_f32(fp16_bits_f32(0x3f818000)), 0x3f82); /* tie: to even (up) */
    cr_assert_eq(bf16_from_f32(fp16_bits_f32(0x3f808001)), 0x3f81);
    cr_assert_eq(bf16_from_f32(INFINITY), 0x7f80);
    cr_assert_eq(bf16_from_f32(-INFINITY), 0xff80);
    cr_assert_eq(bf16_from_f32(FLT_MAX), 0x7f80); /* rounds past the largest bf16 */
    cr_assert_eq(bf16_from_f32(fp16_bits_f32(0x00010000)), 0x0001); /* subnormal kept */
    uint16_t n = bf16_from_f32(fp16_bits_f32(0x7f800001));           /* signalling NaN */
    cr_assert(isnan(bf16_to_f32(n)));
    cr_assert_eq(n & 0x0040, 0x0040);
    for (uint32_t h = 0; h < 65536; h++) {
        float f = bf16_to_f32((uint16_t)h);
        if (isnan(f)) continue;
        cr_assert_eq(bf16_from_f32(f), h, "0x%04x", h);
    }
}

Test(tensor_type, table_and_row_sizes)
{
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_F32, 3), 12);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_F16, 3), 6);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_BF16, 5), 10);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q8_0, 64), 68);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q4_0, 64), 36);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q6_K, 512), 420);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q4_K, 256), 144);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q8_0, 33), 0);
    cr_assert_eq(tensor_row_size(4, 32), 0); /* retired Q4_2 */
    cr_assert_eq(tensor_row_size(40, 32), 0);
    cr_assert_null(tensor_type_get(31));
    cr_assert_str_eq(tensor_type_name(TENSOR_TYPE_BF16), "bf16");
    cr_assert_str_eq(tensor_type_name(1000), "unknown");
    uint32_t t = 99;
    cr_assert_eq(tensor_type_from_name(&t, "Q8_0"), 0);
    cr_assert_eq(t, TENSOR_TYPE_Q8_0);
    cr_assert_eq(tensor_type_from_name(&t, "q9_0"), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "'q9_0'"));
}

Test(q8_0, known_block)
{
    float x[32];
    x[0] = 127.0f; /* max |x| = 127: d = 1 */
    for (int j = 1; j < 32; j++) x[j] = (float)(j - 16);
    x[1] = 2.5f, x[2] = -2.5f, x[3] = 0.49f; /* roundf: halves away from zero */
    uint8_t b[34];
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q8_0, x, b, 32), 0);
    cr_assert_eq(b[0], 0x00);
    cr_assert_eq(b[1], 0x3c); /* fp16 1.0, little-endian */
    cr_assert_eq((int8_t)b[2], 127);
    cr_assert_eq((int8_t)b[3], 3);
    cr_assert_eq((int8_t)b[4], -3);
    cr_assert_eq((int8_t)b[5], 0);
    for (int j = 4; j < 32; j++) cr_assert_eq((int8_t)b[2 + j], j - 16);
    float y[32];
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q8_0, b, y, 32), 0);
    cr_assert_float_eq(y[0], 127.0f, 0);
    cr_assert_float_eq(y[1], 3.0f, 0);
    cr_assert_float_eq(y[31], 15.0f, 0);
}

Test(q8_0, zero_block)
{
    float x[32] = {0}, y[32];
    uint8_t b[34];
    memset(b, 0xaa, sizeof(b));
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q8_0, x, b, 32), 0);
    for (int j = 0; j < 34; j++) cr_assert_eq(b[j], 0);
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q8_0, b, y, 32), 0);
    for (int j = 0; j < 32; j++) cr_assert_float_eq(y[j], 0.0f, 0);
}

Test(q4_0, known_block)
{
    float x[32];
    x[0] = -8.0f; /* largest magnitude, negative: d = -8 / -8 = 1, q = trunc(x + 8.5) */
    for (int j = 1; j < 32; j++) x[j] = (float)((j % 16) - 8);
    x[16] = 7.0f;
    uint8_t b[18];
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q4_0, x, b, 32), 0);
    cr_assert_eq(b[0], 0x00);
    cr_assert_eq(b[1], 0x3c);
    cr_assert_eq(b[2], 0x0 | (15 << 4)); /* x[0] = -8 -> 0; x[16] = 7 -> 15 */
    for (int j = 1; j < 16; j++) cr_assert_eq(b[2 + j], j | (j << 4), "byte %d is 0x%02x", j, b[2 + j]);
    float y[32];
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q4_0, b, y, 32), 0);
    for (int j = 0; j < 32; j++) cr_assert_float_eq(y[j], x[j], 0, "value %d", j);
}

Test(q4_0, positive_extreme_clips_the_opposite_end)
{
    /* max = +8: d = -1, so -8 would need q = 16 and is clipped to 15: it comes back as -7. */
    float x[32] = {0}, y[32];
    x[0] = 8.0f, x[1] = -8.0f, x[2] = 3.0f;
    uint8_t b[18];
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q4_0, x, b, 32), 0);
    cr_assert_eq(b[0] | (b[1] << 8), 0xbc00); /* fp16 -1.0 */
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q4_0, b, y, 32), 0);
    cr_assert_float_eq(y[0], 8.0f, 0);
    cr_assert_float_eq(y[1], -7.0f, 0);
    cr_assert_float_eq(y[2], 3.0f, 0);
}

/* Per block of 32: error <= (rounding step) + (quants) * |d - fp16(d)|. */
static void check_block_bound(uint32_t type, int64_t n, float scale_of_x)
{
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
    uint8_t *b = malloc(tensor_row_size(type, n));
    for (int64_t i = 0; i < n; i++) x[i] = frand() * scale_of_x;
    cr_assert_eq(tensor_quantize_row(type, x, b, n), 0);
    cr_assert_eq(tensor_dequantize_row(type, b, y, n), 0);
    for (int64_t blk = 0; blk < n / 32; blk++) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++)
            if (fabsf(x[blk * 32 + j]) > amax) amax = fabsf(x[blk * 32 + j]), max = x[blk * 32 + j];
        float d = type == TENSOR_TYPE_Q8_0 ? amax / 127.0f : fabsf(max) / 8.0f;
        float d16 = fp16_to_f32(fp16_from_f32(d));
        float bound = type == TENSOR_TYPE_Q8_0 ? d / 2 + 127 * fabsf(d - d16) : d + 8 * fabsf(d - d16);
        bound += 1e-6f * amax;
        for (int j = 0; j < 32; j++) {
            float e = fabsf(x[blk * 32 + j] - y[blk * 32 + j]);
            cr_assert(e <= bound, "%s block %lld value %d: error %g > bound %g", tensor_type_name(type),
                      (long long)blk, j, e, bound);
        }
    }
    free(x), free(y), free(b);
}

Test(quantize, error_bounds)
{
    check_block_bound(TENSOR_TYPE_Q8_0, 4096, 1.0f);
    check_block_bound(TENSOR_TYPE_Q8_0, 1024, 3e-3f);
    check_block_bound(TENSOR_TYPE_Q4_0, 4096, 1.0f);
    check_block_bound(TENSOR_TYPE_Q4_0, 1024, 250.0f);
}

Test(quantize, half_types_relative_error)
{
    enum { N = 2048 };
    float x[N], y[N];
    uint16_t h[N];
    for (int i = 0; i < N; i++) x[i] = frand() * 100.0f;
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_F16, x, h, N), 0);
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_F16, h, y, N), 0);
    for (int i = 0; i < N; i++)
        if (fabsf(x[i]) >= ldexpf(1, -14)) cr_assert(fabsf(x[i] - y[i]) <= fabsf(x[i]) * ldexpf(1, -11));
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_BF16, x, h, N), 0);
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_BF16, h, y, N), 0);
    for (int i = 0; i < N; i++) cr_assert(fabsf(x[i] - y[i]) <= fabsf(x[i]) * ldexpf(1, -8));
}

/* A hand-made Q6_K block: element k of each half of 128 takes its low 4 bits from
 * ql[k % 64] (low nibble for k < 64, high nibble above), its high 2 bits from
 * qh[k % 32] at bit 2 * (k / 32), and its scale from scales[k / 16]. */
Test(q6_k, known_block)
{
    uint8_t b[210] = {0};
    for (int s = 0; s < 16; s++) b[192 + s] = (uint8_t)(int8_t)(s - 8); /* scales -8..7 */
    b[208] = 0x00, b[209] = 0x38;                                          /* d = 0.5 */
    b[0] = 0x21;       /* element 0: low 1; element 64: low 2 */
    b[128] = 0xe4;     /* qh[0] = 11 10 01 00: el 0 hi 0, el 32 hi 1, el 64 hi 2, el 96 hi 3 */
    b[64 + 5] = 0x0f;  /* second half, element 128 + 5: low 15 */
    b[128 + 32 + 5] = 0x03; /* its high bits 3: q = 63 */
    float y[256];
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q6_K, b, y, 256), 0);
    cr_assert_float_eq(y[0], 0.5f * -8 * (1 - 32), 0);        /* scale[0] */
    cr_assert_float_eq(y[32], 0.5f * -6 * (16 - 32), 0);      /* scale[2], q = 0 | 1 << 4 */
    cr_assert_float_eq(y[64], 0.5f * -4 * (2 + 32 - 32), 0);  /* scale[4], q = 2 | 2 << 4 */
    cr_assert_float_eq(y[96], 0.5f * -2 * (48 - 32), 0);      /* scale[6], q = 0 | 3 << 4 */
    cr_assert_float_eq(y[17], 0.5f * -7 * -32, 0);            /* scale[1], q = 0 */
    cr_assert_float_eq(y[133], 0.5f * 0 * 31, 0);             /* scale[8] = 0 */
    cr_assert_float_eq(y[255], 0.5f * 7 * -32, 0);            /* scale[15] */
    b[192 + 8] = 3;
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q6_K, b, y, 256), 0);
    cr_assert_float_eq(y[133], 0.5f * 3 * (63 - 32), 0);
}

Test(convert, refusals)
{
    float x[32] = {0}, y[256];
    uint8_t b[256];
    x[7] = NAN;
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q8_0, x, b, 32), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "index 7"), "%s", cm_error_message());
    x[7] = INFINITY;
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q4_0, x, b, 32), CM_EINVAL);
    cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q2_K, y, b, 256), CM_EINVAL);
    cr_assert_eq(tensor_dequantize_row(16, b, y, 256), CM_EINVAL); /* iq2_xxs */
    cr_assert(strstr(cm_error_message(), "'iq2_xxs'"));
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q8_0, b, y, 31), CM_EINVAL);
    cr_assert_eq(tensor_quantize_row(77, x, b, 32), CM_EINVAL);
}
