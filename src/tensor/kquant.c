/* kquant.c — the K-quant types (256-value super-blocks, see tensor.h for the layouts):
 * dequantization of Q2_K, Q3_K, Q4_K, Q5_K and Q6_K, and quantization to Q4_K, Q5_K and
 * Q6_K by ggml's reference algorithms, so that a row quantized here has the bytes
 * llama.cpp's reference quantizer (no importance matrix) writes:
 *   Q4_K, Q5_K: per 32 values, a scale and a min found by make_qkx2_quants (weights
 *     rms(x) + |x|; a search of 21 (Q4_K) or 16 (Q5_K) candidate scales around
 *     nmax / (max - min) by weighted least squares); the 8 scales and 8 mins are then
 *     quantized to 6 bits against their maxima, and the values requantized with them.
 *   Q6_K: per 16 values, a signed scale by make_qx_quants (weights x^2; 18 candidate
 *     scales around -32 / (value of largest magnitude)); the 16 scales to int8 against
 *     the one of largest magnitude (-128 / it), the values requantized.
 * Rounding is ggml's nearest_int (to nearest, ties to even), sums in float in ggml's order.
 * Left out: Q2_K and Q3_K quantizers, importance matrices (quantize_q*_K_impl's qw).
 */
#include <math.h>
#include <string.h>

#include "tensor/convert.h"
#include "tensor/fp16.h"

#define rd16 tensor_rd16

static inline int nearest_int(float v)
{
    float t = v + 12582912.0f;
    int i;
    memcpy(&i, &t, sizeof(i));
    return (i & 0x007fffff) - 0x00400000;
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- dequantization ---- */

void tensor_q2_k_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 256; i++, b += 84) {
        const uint8_t *sc = b, *q = b + 16;
        float d = fp16_to_f32(rd16(b + 80)), dmin = fp16_to_f32(rd16(b + 82));
        int is = 0;
        for (int half = 0; half < 2; half++, q += 32)
            for (int shift = 0; shift < 8; shift += 2)
                for (int k = 0; k < 2; k++, is++) {
                    float dl = d * (float)(sc[is] & 0xF), ml = dmin * (float)(sc[is] >> 4);
                    for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[l + 16 * k] >> shift) & 3) - ml;
                }
    }
}

void tensor_q3_k_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 256; i++, b += 110) {
        const uint8_t *hm = b, *q = b + 32;
        int sc[16];
        tensor_k3_scales(b + 96, sc);
        float d = fp16_to_f32(rd16(b + 108));
        int is = 0;
        uint8_t m = 1;
        for (int half = 0; half < 2; half++, q += 32)
            for (int shift = 0; shift < 8; shift += 2, m <<= 1)
                for (int k = 0; k < 2; k++, is++) {
                    float dl = d * (float)sc[is];
                    for (int l = 16 * k; l < 16 * k + 16; l++)
                        *y++ = dl * (float)(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                }
    }
}

/* Q4_K: 64 values at a time from 32 bytes: low nibbles are sub-block 2j, high 2j+1. */
void tensor_q4_k_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 256; i++, b += 144) {
        float d = fp16_to_f32(rd16(b)), dmin = fp16_to_f32(rd16(b + 2));
        const uint8_t *q = b + 16;
        for (int j = 0; j < 4; j++, q += 32) {
            int sc, m;
            tensor_k4_scale_min(2 * j, b + 4, &sc, &m);
            float d1 = d * (float)sc, m1 = dmin * (float)m;
            tensor_k4_scale_min(2 * j + 1, b + 4, &sc, &m);
            float d2 = d * (float)sc, m2 = dmin * (float)m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

/* Q5_K: as Q4_K; the 5th bit of value l of sub-block s is bit s of qh[l]. */
void tensor_q5_k_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 256; i++, b += 176) {
        float d = fp16_to_f32(rd16(b)), dmin = fp16_to_f32(rd16(b + 2));
        const uint8_t *qh = b + 16, *q = b + 48;
        for (int j = 0; j < 4; j++, q += 32) {
            int sc, m;
            tensor_k4_scale_min(2 * j, b + 4, &sc, &m);
            float d1 = d * (float)sc, m1 = dmin * (float)m;
            tensor_k4_scale_min(2 * j + 1, b + 4, &sc, &m);
            float d2 = d * (float)sc, m2 = dmin * (float)m;
            uint8_t u1 = (uint8_t)(1 << (2 * j)), u2 = (uint8_t)(2 << (2 * j));
            for (int l = 0; l < 32; l++) *y++ = d1 * (float)((q[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (float)((q[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        }
    }
}

/* Q6_K: 256 values in two halves of 128; each half takes 64 bytes of ql (low 4 bits),
 * 32 bytes of qh (high 2 bits, four values per byte) and 8 signed 8-bit scales, one per
 * 16 values. x = d * scale * (q - 32). */
void tensor_q6_k_to_float(const void *src, float *y, int64_t n)
{
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / 256; i++, b += 210) {
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

/* ---- quantization ---- */

/* ggml's make_qkx2_quants: x ~ scale * L - min with L in 0..nmax, min >= 0 returned in
 * *the_min; weighted least squares over nstep + 1 candidate inverse scales
 * (rmin + rdelta * is + nmax) / (max - min), keeping the smallest weighted squared error. */
static float make_qkx2(int n, int nmax, const float *x, const float *w, uint8_t *L, float *the_min, float rmin,
                       float rdelta, int nstep)
{
    uint8_t Laux[32];
    float min = x[0], max = x[0], sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        memset(L, 0, (size_t)n);
        *the_min = -min;
        return 0.0f;
    }
    float iscale = (float)nmax / (max - min), scale = 1 / iscale, best = 0;
    for (int i = 0; i < n; i++) {
        L[i] = (uint8_t)clampi(nearest_int(iscale * (x[i] - min)), 0, nmax);
        float diff = scale * L[i] + min - x[i];
        best += w[i] * (diff * diff);
    }
    for (int is = 0; is <= nstep; is++) {
        iscale = (rmin + rdelta * (float)is + (float)nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; i++) {
            int l = clampi(nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = (uint8_t)l;
            sum_l += w[i] * (float)l;
            sum_l2 += w[i] * (float)l * (float)l;
            sum_xl += w[i] * (float)l * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float err = 0;
            for (int i = 0; i < n; i++) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                err += w[i] * (diff * diff);
            }
            if (err < best) {
                memcpy(L, Laux, (size_t)n);
                best = err, scale = this_scale, min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

/* ggml's make_qx_quants with rmse_type 1 (weights x^2) and no importance: a signed scale
 * with L in 0..2 nmax - 1 (stored + nmax). */
static float make_qx(int n, int nmax, const float *x, int8_t *L)
{
    float max = 0, amax = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > amax) amax = fabsf(x[i]), max = x[i];
    if (amax < 1e-15f) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    float iscale = (float)-nmax / max, sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        int l = clampi(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)(l + nmax);
        float w = x[i] * x[i];
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f, best = scale * sumlx;
    for (int is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -((float)nmax + 0.1f * (float)is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = clampi(nearest_int(iscale * x[i]), -nmax, nmax - 1);
            float w = x[i] * x[i];
            sumlx += w * x[i] * (float)l;
            suml2 += w * (float)l * (float)l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; i++) L[i] = (int8_t)(nmax + clampi(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2, best = scale * sumlx;
        }
    }
    return scale;
}

/* Q4_K and Q5_K share all but the bit packing: L gets the values 0..nmax of one block,
 * b its scales and d/dmin. */
static void quant_k45(const float *x, uint8_t *b, uint8_t *L, int nmax)
{
    float mins[8], scales[8], w[32], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
        float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++) w[l] = av_x + fabsf(xs[l]);
        scales[j] = nmax == 15 ? make_qkx2(32, 15, xs, w, L + 32 * j, &mins[j], -1.0f, 0.1f, 20)
                               : make_qkx2(32, 31, xs, w, L + 32 * j, &mins[j], -0.5f, 0.1f, 15);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f, inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    uint8_t *s = b + 4;
    memset(s, 0, 12);
    for (int j = 0; j < 8; j++) {
        uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]), lm = (uint8_t)nearest_int(inv_min * mins[j]);
        ls = ls > 63 ? 63 : ls, lm = lm > 63 ? 63 : lm;
        if (j < 4) {
            s[j] = ls, s[j + 4] = lm;
        } else {
            s[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
            s[j - 4] |= (uint8_t)((ls >> 4) << 6);
            s[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    tensor_wr16(b, fp16_from_f32(max_scale / 63.0f));
    tensor_wr16(b + 2, fp16_from_f32(max_min / 63.0f));
    float d_all = fp16_to_f32(rd16(b)), dmin_all = fp16_to_f32(rd16(b + 2));
    for (int j = 0; j < 8; j++) {
        int sc, m;
        tensor_k4_scale_min(j, s, &sc, &m);
        float d = d_all * (float)sc;
        if (!d) continue;
        float dm = dmin_all * (float)m;
        for (int l = 0; l < 32; l++) L[32 * j + l] = (uint8_t)clampi(nearest_int((x[32 * j + l] + dm) / d), 0, nmax);
    }
}

void tensor_q4_k_from_float(const float *x, void *dst, int64_t n)
{
    uint8_t *b = dst, L[256];
    for (int64_t i = 0; i < n / 256; i++, x += 256, b += 144) {
        quant_k45(x, b, L, 15);
        uint8_t *q = b + 16;
        for (int j = 0; j < 256; j += 64, q += 32)
            for (int l = 0; l < 32; l++) q[l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
    }
}

void tensor_q5_k_from_float(const float *x, void *dst, int64_t n)
{
    uint8_t *b = dst, L[256];
    for (int64_t i = 0; i < n / 256; i++, x += 256, b += 176) {
        quant_k45(x, b, L, 31);
        uint8_t *qh = b + 16, *ql = b + 48;
        memset(qh, 0, 32);
        uint8_t m1 = 1, m2 = 2;
        for (int j = 0; j < 256; j += 64, ql += 32, m1 = (uint8_t)(m1 << 2), m2 = (uint8_t)(m2 << 2))
            for (int l = 0; l < 32; l++) {
                int l1 = L[j + l], l2 = L[j + l + 32];
                if (l1 > 15) l1 -= 16, qh[l] |= m1;
                if (l2 > 15) l2 -= 16, qh[l] |= m2;
                ql[l] = (uint8_t)(l1 | (l2 << 4));
            }
    }
}

void tensor_q6_k_from_float(const float *x, void *dst, int64_t n)
{
    uint8_t *b = dst;
    int8_t L[256];
    float scales[16];
    for (int64_t i = 0; i < n / 256; i++, x += 256, b += 210) {
        float max_scale = 0, max_abs_scale = 0;
        for (int ib = 0; ib < 16; ib++) {
            scales[ib] = make_qx(16, 32, x + 16 * ib, L + 16 * ib);
            if (fabsf(scales[ib]) > max_abs_scale) max_abs_scale = fabsf(scales[ib]), max_scale = scales[ib];
        }
        memset(b, 0, 210);
        if (max_abs_scale < 1e-15f) continue; /* all zero: d = 0 */
        float iscale = -128.0f / max_scale;
        tensor_wr16(b + 208, fp16_from_f32(1 / iscale));
        int8_t *sc = (int8_t *)(b + 192);
        for (int ib = 0; ib < 16; ib++) {
            int v = nearest_int(iscale * scales[ib]);
            sc[ib] = (int8_t)(v > 127 ? 127 : v);
        }
        float d_all = fp16_to_f32(rd16(b + 208));
        for (int j = 0; j < 16; j++) {
            float d = d_all * (float)sc[j];
            if (!d) continue;
            for (int l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(clampi(nearest_int(x[16 * j + l] / d), -32, 31) + 32);
        }
        uint8_t *ql = b, *qh = b + 128;
        for (int j = 0; j < 256; j += 128, ql += 64, qh += 32)
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
                ql[l] = (uint8_t)((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[l + 32] = (uint8_t)((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[l] = (uint8_t)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
    }
}
