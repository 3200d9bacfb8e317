/* matmul_scalar.c — the portable row dot kernels (the "scalar" set) and the activation
 * blocks of struct mm_q8 (matmul_impl.h).
 *
 * F32 and F16 rows are dotted with the f32 activation; every block type with the
 * activation quantized to 8 bits per 32 values: integer sums a block (a 16-value half for
 * the types with 16-value scales), times the scales in float. A type whose values are
 * d q + m (Q4_1, Q5_1, and the K-quants' d sc q - dmin m) adds its m term with the
 * activation block's sum: sum (d q + m) x = d_x (d sum q x_q + m sum x_q). Q4_K, Q5_K and
 * Q6_K take the activation 256 values a block (struct mm_q8k, mm_prep_q8k): their sub-block
 * scales are integers, so a super-block's sum is one integer times d d_x.
 * These are the reference the SIMD sets are tested against; the SIMD kernels multiply the
 * same integers, so the sets differ only in the order of the float additions.
 * Left out: BF16 (dequantized a row at a time by matmul.c), the IQ and TQ types.
 */
#include "model/matmul_impl.h"

#include "tensor/convert.h"
#include "tensor/fp16.h"

static inline float rd_f16(const uint8_t *p) { return fp16_to_f32(tensor_rd16(p)); }

void mm_prep_q8(const float *x, void *dst, int64_t n)
{
    struct mm_q8 *q = dst;
    for (int64_t b = 0; b < n / 32; b++) {
        mm_quantize_block(x + b * 32, 32, &q[b].d, q[b].qs);
        int32_t s = 0;
        for (int i = 0; i < 32; i++) s += q[b].qs[i];
        q[b].sum = s;
    }
}

void mm_prep_q8k(const float *x, void *dst, int64_t n)
{
    struct mm_q8k *q = dst;
    for (int64_t b = 0; b < n / 256; b++, x += 256) {
        mm_quantize_block(x, 256, &q[b].d, q[b].qs);
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int i = 0; i < 16; i++) s += q[b].qs[16 * g + i];
            q[b].bsums[g] = (int16_t)s;
        }
        for (int g = 0; g < 8; g++) q[b].sums[g] = (int16_t)(q[b].bsums[2 * g] + q[b].bsums[2 * g + 1]);
    }
}

static float dot_f32(const void *w, const void *x, int64_t n)
{
    const float *a = w, *b = x;
    float s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += a[i + k] * b[i + k];
    for (; i < n; i++) s[0] += a[i] * b[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static float dot_f16(const void *w, const void *x, int64_t n)
{
    const uint16_t *a = w;
    const float *b = x;
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += fp16_to_f32(a[i]) * b[i];
    return s;
}

static float dot_q8_0(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 34) {
        const int8_t *qs = (const int8_t *)(blk + 2);
        int32_t acc = 0;
        for (int i = 0; i < 32; i++) acc += qs[i] * q[b].qs[i];
        s += rd_f16(blk) * q[b].d * (float)acc;
    }
    return s;
}

/* The 32-value types with nibbles: q(i) is value i's quant (before subtracting any offset). */
static inline int32_t sum_nibbles(const uint8_t *qs, const int8_t *x, int off)
{
    int32_t acc = 0;
    for (int i = 0; i < 16; i++) acc += ((qs[i] & 15) - off) * x[i] + ((qs[i] >> 4) - off) * x[i + 16];
    return acc;
}

static inline int32_t sum_5bit(const uint8_t *qs, uint32_t qh, const int8_t *x, int off)
{
    int32_t acc = 0;
    for (int i = 0; i < 16; i++) {
        int q0 = (qs[i] & 15) | (int)(((qh >> i) & 1) << 4), q1 = (qs[i] >> 4) | (int)(((qh >> (i + 16)) & 1) << 4);
        acc += (q0 - off) * x[i] + (q1 - off) * x[i + 16];
    }
    return acc;
}

static float dot_q4_0(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 18) s += rd_f16(blk) * q[b].d * (float)sum_nibbles(blk + 2, q[b].qs, 8);
    return s;
}

static float dot_q4_1(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 20)
        s += q[b].d * (rd_f16(blk) * (float)sum_nibbles(blk + 4, q[b].qs, 0) + rd_f16(blk + 2) * (float)q[b].sum);
    return s;
}

static float dot_q5_0(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 22)
        s += rd_f16(blk) * q[b].d * (float)sum_5bit(blk + 6, tensor_rd32(blk + 2), q[b].qs, 16);
    return s;
}

static float dot_q5_1(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 24)
        s += q[b].d * (rd_f16(blk) * (float)sum_5bit(blk + 8, tensor_rd32(blk + 4), q[b].qs, 0) +
                       rd_f16(blk + 2) * (float)q[b].sum);
    return s;
}

/* ---- K-quants: a super-block of 256 values against 8 activation blocks ---- */

/* Q2_K and Q3_K against 256-value activation blocks: value v = 128h + 32j + l (h = 0, 1;
 * j = 0..3; l = 0..31) is bits 2j..2j+1 of quant byte 32h + l, in 16-value group v / 16.
 * Q2_K: group g's scale is the low nibble of byte g, its min the high one:
 * sum (d sc q - dmin m) x = d_x (d sum_g sc_g sum_g q x_q - dmin sum_g m_g bsum_g).
 * Q3_K: the third bit is hmask[l] bit 4h + j (clear: subtract 4), signed 6-bit scales:
 * sum d sc q x = d_x d sum_g sc_g sum_g q x_q. Both sums integer. */
static inline int32_t k2_group(const uint8_t *qs, const int8_t *xq, int g)
{
    int h = g / 8, j = (g % 8) / 2, l0 = 16 * (g % 2);
    int32_t acc = 0;
    for (int l = l0; l < l0 + 16; l++) acc += ((qs[32 * h + l] >> (2 * j)) & 3) * xq[16 * g + l - l0];
    return acc;
}

static float dot_q2_k(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    float s = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 84, q++) {
        int32_t isum = 0, msum = 0;
        for (int g = 0; g < 16; g++) {
            isum += (blk[g] & 15) * k2_group(blk + 16, q->qs, g);
            msum += (blk[g] >> 4) * q->bsums[g];
        }
        s += q->d * (rd_f16(blk + 80) * (float)isum - rd_f16(blk + 82) * (float)msum);
    }
    return s;
}

static float dot_q3_k(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    float s = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 110, q++) {
        int sc[16];
        tensor_k3_scales(blk + 96, sc);
        int32_t isum = 0;
        for (int g = 0; g < 16; g++) {
            int h = g / 8, j = (g % 8) / 2, l0 = 16 * (g % 2);
            uint8_t m = (uint8_t)(1 << (4 * h + j));
            int32_t acc = k2_group(blk + 32, q->qs, g);
            for (int l = l0; l < l0 + 16; l++) acc -= (blk[l] & m) ? 0 : 4 * q->qs[16 * g + l - l0];
            isum += sc[g] * acc;
        }
        s += q->d * rd_f16(blk + 108) * (float)isum;
    }
    return s;
}

/* Q4_K and Q5_K against 256-value activation blocks: sub-block 2j is the low nibbles of
 * bytes 32j..32j+31, 2j+1 the high; Q5_K's 5th bit of value l of sub-block s is bit s of
 * qh[l]. sum (d sc q - dmin m) x = d_x (d sum_s sc_s sum q x_q - dmin sum_s m_s sum_s x_q),
 * both sums integer. */
static inline float dot_k45(const uint8_t *blk, const struct mm_q8k *q, const uint8_t *qs, const uint8_t *qh)
{
    int32_t isum = 0, msum = 0;
    for (int s = 0; s < 8; s++) {
        int sc, m, shift = (s & 1) * 4;
        tensor_k4_scale_min(s, blk + 4, &sc, &m);
        const uint8_t *b = qs + 32 * (s / 2);
        const int8_t *xq = q->qs + 32 * s;
        int32_t acc = 0;
        for (int l = 0; l < 32; l++) {
            int v = (b[l] >> shift) & 15;
            if (qh) v |= ((qh[l] >> s) & 1) << 4;
            acc += v * xq[l];
        }
        isum += sc * acc;
        msum += m * q->sums[s];
    }
    return q->d * (rd_f16(blk) * (float)isum - rd_f16(blk + 2) * (float)msum);
}

static float dot_q4_k(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    float s = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 144) s += dot_k45(blk, q + i, blk + 16, NULL);
    return s;
}

static float dot_q5_k(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    float s = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 176) s += dot_k45(blk, q + i, blk + 48, blk + 16);
    return s;
}

/* Q6_K against 256-value activation blocks: in half h, values 128h + 32k + l (k = 0..3,
 * l = 0..31) are (ql[32 (k & 1) + l] >> 4 (k >> 1)) & 15 with qh[l] bits 2k..2k+1 as bits 4-5;
 * value v's scale is scales[v / 16]. sum d sc (q - 32) x = d_x d sum_g sc_g sum (q - 32) x_q. */
static float dot_q6_k(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    float s = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 210, q++) {
        const int8_t *sc = (const int8_t *)(blk + 192);
        int32_t isum = 0;
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 4; k++) {
                const uint8_t *ql = blk + 64 * h + 32 * (k & 1), *qh = blk + 128 + 32 * h;
                const int8_t *xq = q->qs + 128 * h + 32 * k;
                int32_t acc[2] = {0, 0};
                for (int l = 0; l < 32; l++) {
                    int v = ((ql[l] >> (4 * (k >> 1))) & 15) | (((qh[l] >> (2 * k)) & 3) << 4);
                    acc[l >> 4] += (v - 32) * xq[l];
                }
                isum += sc[8 * h + 2 * k] * acc[0] + sc[8 * h + 2 * k + 1] * acc[1];
            }
        s += q->d * rd_f16(blk + 208) * (float)isum;
    }
    return s;
}

#define Q8(fn) {fn, mm_prep_q8}
#define Q8K(fn) {fn, mm_prep_q8k}

const struct mm_kernels mm_kernels_scalar = {
    "scalar",
    {
        [TENSOR_TYPE_F32] = {dot_f32, NULL},
        [TENSOR_TYPE_F16] = {dot_f16, NULL},
        [TENSOR_TYPE_Q8_0] = Q8(dot_q8_0),
        [TENSOR_TYPE_Q4_0] = Q8(dot_q4_0),
        [TENSOR_TYPE_Q4_1] = Q8(dot_q4_1),
        [TENSOR_TYPE_Q5_0] = Q8(dot_q5_0),
        [TENSOR_TYPE_Q5_1] = Q8(dot_q5_1),
        [TENSOR_TYPE_Q2_K] = Q8K(dot_q2_k),
        [TENSOR_TYPE_Q3_K] = Q8K(dot_q3_k),
        [TENSOR_TYPE_Q4_K] = Q8K(dot_q4_k),
        [TENSOR_TYPE_Q5_K] = Q8K(dot_q5_k),
        [TENSOR_TYPE_Q6_K] = Q8K(dot_q6_k),
    },
};
