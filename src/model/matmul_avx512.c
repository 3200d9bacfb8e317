/* matmul_avx512.c — AVX-512 row dot kernels for matmul.c (the table in matmul_impl.h).
 *
 * Compiled for any x86-64 (function-level target attributes): matmul.c calls them only
 * when __builtin_cpu_supports says the CPU has AVX512F and AVX512BW (and AVX512-VNNI for
 * the VNNI set). F32 and F16 rows: 16 lanes, two accumulators, the f32 tail under a mask,
 * the f16 tail one value at a time. Q8_0 rows: two 32-value blocks per 512-bit register,
 * against the activation in a layout of their own (struct mm_q8x2: two blocks' values in one
 * aligned 64-byte load, their scales spread over lanes, and the sums that turn the unsigned x
 * signed byte products into signed ones), made once per product by prep_pairs and used by
 * every row. Q4_0, Q4_1, Q5_0 and Q5_1 rows: four blocks a register (struct mm_q8x4,
 * prep_quads). Integer sums are exact and the activation's integers are those of the other
 * sets, so the sets differ from the scalar kernels only in the order of the float additions.
 * The K-quants, Q2_K to Q6_K (Q4_K_M, Q5_K_M, Q3_K_M and Q2_K files), against 256-value
 * activation blocks (struct mm_q8k), a super-block's sum kept integer (below).
 * Left out: AVX512-FP16 and BF16 kernels, 256-bit AVX-VNNI (AVX2-class CPUs), repacked
 * (interleaved) weight layouts.
 */
#include "model/matmul_impl.h"

#include "tensor/convert.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#define MM_AVX512 __attribute__((target("avx512f,avx512bw,avx2,fma,f16c")))
#define MM_AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2,fma,f16c")))

MM_AVX512 static float dot_f32_avx512(const void *w, const void *x, int64_t n)
{
    const float *a = w, *b = x;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

MM_AVX512 static float dot_f16_avx512(const void *w, const void *x, int64_t n)
{
    const uint16_t *a = w;
    const float *b = x;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(a + i)));
        __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(a + i + 16)));
        s0 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(w1, _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(a + i))), _mm512_loadu_ps(b + i), s0);
    float s = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) s += _cvtsh_ss(a[i]) * b[i];
    return s;
}

/* ---- activations: quantized as every set does, laid out two blocks a record ---- */

static void prep_pairs(const float *x, void *dst, int64_t n)
{
    struct mm_q8x2 *px = dst;
    const int64_t nb = n / 32;
    for (int64_t p = 0; p < (nb + 1) / 2; p++) {
        struct mm_q8x2 *r = &px[p];
        for (int h = 0; h < 2; h++) {
            int64_t b = 2 * p + h;
            float d = 0;
            int32_t sum = 0;
            if (b < nb) {
                mm_quantize_block(x + b * 32, 32, &d, r->qs + 32 * h);
                for (int i = 0; i < 32; i++) sum += r->qs[32 * h + i];
            } else {
                for (int i = 0; i < 32; i++) r->qs[32 * h + i] = 0;
            }
            for (int l = 0; l < 8; l++) {
                r->d[8 * h + l] = d;
                r->c8[8 * h + l] = l ? 0 : -128 * sum;
            }
        }
    }
}

/* ---- Q8_0 rows ----
 * Per record: the integer sums of both blocks in 16 int32 lanes (8 a block), converted to
 * float, times the activation scales (lanes), times the weight scales (lanes), accumulated.
 * Two records an iteration into two accumulators. VNNI: Q8_0 bytes w become unsigned as
 * w ^ 0x80 = w + 128 and the record's c8 (-128 sum x) starts the sum, so vpdpbusd gives
 * sum w x exactly. BW: |w| x sign(w) x with vpmaddubsw (no saturation: pairs stay within
 * 2 x 128 x 127). */

static const uint8_t zeros[32]; /* the missing second block of an odd count: scale 0, values 0 */

static inline uint32_t rd16(const uint8_t *p) { return (uint32_t)(p[0] | (p[1] << 8)); }

MM_AVX512 static inline __m512i load_2x32(const void *p0, const void *p1)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p0)),
                              _mm256_loadu_si256((const __m256i *)p1), 1);
}

/* The fp16 scales at p0 and p1 as f32 in lanes 0-7 and 8-15 (a Q4_K super-block's d and dmin
 * too). */
MM_AVX512 static inline __m512 weight_scales(const uint8_t *p0, const uint8_t *p1)
{
    __m128 h = _mm_cvtph_ps(_mm_cvtsi32_si128((int)(rd16(p0) | (rd16(p1) << 16))));
    return _mm512_permutexvar_ps(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                                 _mm512_castps128_ps512(h));
}


MM_AVX512 static inline __m512i sums_q8_bw(__m512i w, const struct mm_q8x2 *r)
{
    __m512i x = _mm512_load_si512(r->qs);
    __m512i sx = _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(w), _mm512_setzero_si512(), x);
    return _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(w), sx), _mm512_set1_epi16(1));
}


MM_AVX512VNNI static inline __m512i sums_q8_vnni(__m512i w, const struct mm_q8x2 *r)
{
    return _mm512_dpbusd_epi32(_mm512_load_si512(r->c8), _mm512_xor_si512(w, _mm512_set1_epi8((char)0x80)),
                               _mm512_load_si512(r->qs));
}


/* A row of blocks of BS bytes (2 bytes of fp16 scale first); LOAD(b0, b1) gives the values
 * of blocks at b0 and b1 (b1 = zeros for a missing one), SUMS(v, record) their sums. */
#define DOT_PAIRS(NAME, ATTR, BS, LOAD, SUMS)                                                         \
    ATTR static float NAME(const void *w, const void *x, int64_t n)                                   \
    {                                                                                                 \
        const uint8_t *blk = w;                                                                       \
        const struct mm_q8x2 *r = x;                                                                  \
        const int64_t nb = n / 32;                                                                    \
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();                                   \
        int64_t b = 0;                                                                                \
        for (; b + 4 <= nb; b += 4, blk += 4 * (BS), r += 2) {                                        \
            __m512 f0 = _mm512_mul_ps(_mm512_cvtepi32_ps(SUMS(LOAD(blk + 2, blk + (BS) + 2), r)),      \
                                      _mm512_load_ps(r->d));                                          \
            __m512 f1 = _mm512_mul_ps(                                                                \
                _mm512_cvtepi32_ps(SUMS(LOAD(blk + 2 * (BS) + 2, blk + 3 * (BS) + 2), r + 1)),        \
                _mm512_load_ps(r[1].d));                                                              \
            a0 = _mm512_fmadd_ps(f0, weight_scales(blk, blk + (BS)), a0);                             \
            a1 = _mm512_fmadd_ps(f1, weight_scales(blk + 2 * (BS), blk + 3 * (BS)), a1);              \
        }                                                                                             \
        for (; b < nb; b += 2, blk += 2 * (BS), r++) { /* a record left, maybe half empty */          \
            int two = b + 1 < nb;                                                                     \
            const uint8_t *b1 = two ? blk + (BS) : zeros;                                             \
            __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(SUMS(LOAD(blk + 2, b1 + (two ? 2 : 0)), r)),   \
                                     _mm512_load_ps(r->d));                                           \
            a0 = _mm512_fmadd_ps(f, weight_scales(blk, b1), a0);                                      \
        }                                                                                             \
        return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));                                           \
    }

DOT_PAIRS(dot_q8_0_avx512, MM_AVX512, 34, load_2x32, sums_q8_bw)
DOT_PAIRS(dot_q8_0_vnni, MM_AVX512VNNI, 34, load_2x32, sums_q8_vnni)

/* ---- Q4_0, Q4_1, Q5_0 and Q5_1 rows: four 32-value blocks a step (struct mm_q8x4) ----
 * Four blocks' 16 bytes of nibbles fill one register (a block a 128-bit lane): its low
 * nibbles are values 0-15 of each block, its high nibbles values 16-31, against the
 * activation's lo and hi bytes laid out the same way by prep_quads; Q5's fifth bits (qh bit i
 * for value i) become a 64-bit byte mask per register. Each block's integer sum lands in its
 * 4 int32 lanes, offsets (-8 or -16 x the block's sum, c8 lanes) included; then times the
 * activation scales and the blocks' fp16 scales, both spread 4 lanes a block. A min (Q4_1,
 * Q5_1) adds m d_x sum x_q = m d_x (c8 / -8), summed apart and scaled by -1/8 at the end.
 * VNNI: vpdpbusd (nibbles unsigned); BW: vpmaddubsw on both halves, added (within
 * 2 x 2 x 31 x 127), then vpmaddwd with ones. */

struct mm_q8x4 {
    int8_t lo[64];  /* values 0-15 of blocks 4p..4p+3, 16 bytes each */
    int8_t hi[64];  /* values 16-31 */
    float d[16];    /* block 4p+k's scale in lanes 4k..4k+3 */
    int32_t c8[16]; /* -8 x block 4p+k's sum in lane 4k, else 0 */
};
_Static_assert(sizeof(struct mm_q8x4) <= 2 * sizeof(struct mm_q8x2), "mm_act_bytes covers the quads");

static void prep_quads(const float *x, void *dst, int64_t n)
{
    struct mm_q8x4 *px = dst;
    const int64_t nb = n / 32;
    for (int64_t p = 0; p < (nb + 3) / 4; p++) {
        struct mm_q8x4 *r = &px[p];
        for (int k = 0; k < 4; k++) {
            int64_t b = 4 * p + k;
            int8_t qs[32] = {0};
            float d = 0;
            int32_t sum = 0;
            if (b < nb) mm_quantize_block(x + b * 32, 32, &d, qs);
            for (int i = 0; i < 32; i++) sum += qs[i];
            memcpy(r->lo + 16 * k, qs, 16), memcpy(r->hi + 16 * k, qs + 16, 16);
            for (int l = 0; l < 4; l++) r->d[4 * k + l] = d, r->c8[4 * k + l] = l ? 0 : -8 * sum;
        }
    }
}

/* The fp16 values at offset `at` of four blocks, spread over 4 lanes each. */
MM_AVX512 static inline __m512 quad_f16(const uint8_t *const p[4], int at)
{
    uint64_t h = (uint64_t)rd16(p[0] + at) | (uint64_t)rd16(p[1] + at) << 16 | (uint64_t)rd16(p[2] + at) << 32 |
                 (uint64_t)rd16(p[3] + at) << 48;
    __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)h));
    return _mm512_permutexvar_ps(_mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0), _mm512_castps128_ps512(f));
}

MM_AVX512 static inline __m512i quad_bytes(const uint8_t *const p[4], int at)
{
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p[0] + at)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[1] + at)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[2] + at)), 2);
    return _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[3] + at)), 3);
}

/* The fifth bits (32 a block, at `at`) of four blocks as masks: values 0-15 (lo), 16-31 (hi). */
MM_AVX512 static inline void quad_qh(const uint8_t *const p[4], int at, uint64_t *lo, uint64_t *hi)
{
    __m128i q = _mm_cvtsi32_si128((int)tensor_rd32(p[0] + at));
    q = _mm_insert_epi32(q, (int)tensor_rd32(p[1] + at), 1);
    q = _mm_insert_epi32(q, (int)tensor_rd32(p[2] + at), 2);
    q = _mm_insert_epi32(q, (int)tensor_rd32(p[3] + at), 3);
    q = _mm_shuffle_epi8(q, _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15));
    *lo = (uint64_t)_mm_cvtsi128_si64(q), *hi = (uint64_t)_mm_extract_epi64(q, 1);
}

MM_AVX512 static inline __m512i quad_sums_bw(__m512i init, __m512i lo, __m512i hi, const struct mm_q8x4 *r)
{
    __m512i s = _mm512_add_epi16(_mm512_maddubs_epi16(lo, _mm512_load_si512(r->lo)),
                                 _mm512_maddubs_epi16(hi, _mm512_load_si512(r->hi)));
    return _mm512_add_epi32(init, _mm512_madd_epi16(s, _mm512_set1_epi16(1)));
}

MM_AVX512VNNI static inline __m512i quad_sums_vnni(__m512i init, __m512i lo, __m512i hi, const struct mm_q8x4 *r)
{
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(init, lo, _mm512_load_si512(r->lo)), hi, _mm512_load_si512(r->hi));
}

/* BS block bytes, QS its nibbles' offset, QH its fifth bits' (0: none), OFF the offset
 * subtracted from each quant (8, 16, or 0 for the types with a min at MIN, else MIN 0). */
#define DOT_QUADS(NAME, ATTR, SUMS, BS, QS, QH, OFF, MIN)                                             \
    ATTR static inline void NAME##_step(const uint8_t *const p[4], const struct mm_q8x4 *r, __m512 *a, __m512 *am) \
    {                                                                                                 \
        const __m512i m4 = _mm512_set1_epi8(15);                                                      \
        __m512i v = quad_bytes(p, (QS));                                                              \
        __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);     \
        if (QH) {                                                                                     \
            uint64_t ml, mh;                                                                          \
            quad_qh(p, (QH), &ml, &mh);                                                               \
            lo = _mm512_or_si512(lo, _mm512_maskz_mov_epi8(ml, _mm512_set1_epi8(16)));               \
            hi = _mm512_or_si512(hi, _mm512_maskz_mov_epi8(mh, _mm512_set1_epi8(16)));               \
        }                                                                                             \
        __m512i c8 = _mm512_load_si512(r->c8);                                                        \
        __m512i init = (OFF) == 8 ? c8 : (OFF) == 16 ? _mm512_add_epi32(c8, c8) : _mm512_setzero_si512(); \
        __m512 dx = _mm512_load_ps(r->d);                                                             \
        *a = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(SUMS(init, lo, hi, r)), dx), quad_f16(p, 0), *a); \
        if (MIN) *am = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(c8), dx), quad_f16(p, (MIN)), *am); \
    }                                                                                                 \
    ATTR static float NAME(const void *w, const void *x, int64_t n)                                   \
    {                                                                                                 \
        const uint8_t *blk = w;                                                                       \
        const struct mm_q8x4 *r = x;                                                                  \
        const int64_t nb = n / 32;                                                                    \
        __m512 a = _mm512_setzero_ps(), am = _mm512_setzero_ps();                                     \
        int64_t b = 0;                                                                                \
        for (; b + 4 <= nb; b += 4, blk += 4 * (BS), r++) {                                           \
            const uint8_t *const p[4] = {blk, blk + (BS), blk + 2 * (BS), blk + 3 * (BS)};            \
            NAME##_step(p, r, &a, &am);                                                               \
        }                                                                                             \
        if (b < nb) { /* 1-3 blocks left; the rest of the record is zeros */                         \
            const uint8_t *p[4];                                                                      \
            for (int k = 0; k < 4; k++) p[k] = b + k < nb ? blk + k * (BS) : zeros;                   \
            NAME##_step(p, r, &a, &am);                                                               \
        }                                                                                             \
        return _mm512_reduce_add_ps(a) - 0.125f * _mm512_reduce_add_ps(am);                          \
    }

DOT_QUADS(dot_q4_0_avx512, MM_AVX512, quad_sums_bw, 18, 2, 0, 8, 0)
DOT_QUADS(dot_q4_1_avx512, MM_AVX512, quad_sums_bw, 20, 4, 0, 0, 2)
DOT_QUADS(dot_q5_0_avx512, MM_AVX512, quad_sums_bw, 22, 6, 2, 16, 0)
DOT_QUADS(dot_q5_1_avx512, MM_AVX512, quad_sums_bw, 24, 8, 4, 0, 2)
DOT_QUADS(dot_q4_0_vnni, MM_AVX512VNNI, quad_sums_vnni, 18, 2, 0, 8, 0)
DOT_QUADS(dot_q4_1_vnni, MM_AVX512VNNI, quad_sums_vnni, 20, 4, 0, 0, 2)
DOT_QUADS(dot_q5_0_vnni, MM_AVX512VNNI, quad_sums_vnni, 22, 6, 2, 16, 0)
DOT_QUADS(dot_q5_1_vnni, MM_AVX512VNNI, quad_sums_vnni, 24, 8, 4, 0, 2)

/* ---- Q4_K, Q5_K and Q6_K rows against 256-value activation blocks (struct mm_q8k) ----
 * A super-block's integer sum in 16 int32 lanes, then one float multiply-add with d d_x.
 * Q4_K/Q5_K: per 128 values (p = 0, 1) one 64-byte load of quants whose low nibbles are
 * sub-blocks 4p and 4p+2 (values 128p + 0..31 and 64..95) and high nibbles 4p+1 and 4p+3
 * (32..63, 96..127); vpmaddubsw with the activation's matching halves, then vpmaddwd with
 * the sub-blocks' 6-bit scales spread over 16-bit lanes (vpermw), so the scales stay
 * integer. The mins' term sum_s m_s sum_s x_q is one 128-bit vpmaddwd with the activation's
 * 32-value sums. Q5_K's fifth bits: bit s of qh[l] for sub-block s, from [qh | qh >> 2].
 * Q6_K: per half h, ql's low nibbles with qh bits 0-3 are values 128h + 0..63 and the high
 * nibbles with bits 4-7 values 64..127, in order; unsigned q (0..63) by vpmaddubsw, the 16
 * int8 scales by vpmaddwd, and the -32 offset as -32 sum_g sc_g bsum_g once a super-block.
 * No vpmaddubsw saturates: pairs stay within 2 x 63 x 127. The same code for both sets (VNNI's
 * vpdpbusd would leave the scales to 32-bit multiplies). */

static const uint16_t k4_scale_idx[4][32] = { /* 16-bit lanes <- sub-block scale index */
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6},
    {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
};
static const uint16_t q6_scale_idx[4][32] = { /* 16-bit lanes (value pairs) <- 16-value group */
    {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7},
    {8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11},
    {12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13,
     14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15},
};

MM_AVX512 static inline float f16_at(const uint8_t *p) { return _cvtsh_ss((unsigned short)rd16(p)); }

/* A K-quant super-block's 12 bytes of 6-bit scales and mins (tensor_k4_scale_min's layout:
 * bytes 0-3 hold scales 0-3 in their low 6 bits and the top 2 bits of scales 4-7; bytes 4-7
 * the same for the mins; bytes 8-11 the low 4 bits of scales 4-7 (low nibbles) and of mins
 * 4-7 (high nibbles)) as 16 bytes: the 8 scales, then the 8 mins; in registers, without a
 * store and a reload (a stalled store forwarding) per super-block. */
static inline __m128i k4_unpack(const uint8_t *q)
{
    uint32_t b0, b1, b2;
    memcpy(&b0, q, 4), memcpy(&b1, q + 4, 4), memcpy(&b2, q + 8, 4);
    const uint32_t low6 = 0x3f3f3f3fu, low4 = 0x0f0f0f0fu, top2 = 0x03030303u;
    uint32_t sc_lo = b0 & low6, mn_lo = b1 & low6;
    uint32_t sc_hi = (b2 & low4) | (((b0 >> 6) & top2) << 4);
    uint32_t mn_hi = ((b2 >> 4) & low4) | (((b1 >> 6) & top2) << 4);
    return _mm_set_epi32((int)mn_hi, (int)mn_lo, (int)sc_hi, (int)sc_lo);
}

/* Q4_K (BS 144, quants at 16) and Q5_K (BS 176, quants at 48, fifth bits at 16) */
#define DOT_K45(NAME, BS, QS, QH)                                                                   \
    MM_AVX512 static float NAME(const void *w, const void *x, int64_t n)                            \
    {                                                                                               \
        const uint8_t *blk = w;                                                                     \
        const struct mm_q8k *q = x;                                                                 \
        const __m512i m4 = _mm512_set1_epi8(15), one = _mm512_set1_epi8(1);                        \
        __m512 acc = _mm512_setzero_ps();                                                           \
        __m128 accm = _mm_setzero_ps();                                                             \
        for (int64_t i = 0; i < n / 256; i++, blk += (BS), q++) {                                   \
            __m128i sm8 = k4_unpack(blk + 4);                                                       \
            __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sm8)); /* scales, mins */     \
            __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(sm8, 8));                               \
            __m128i msum = _mm_madd_epi16(mins, _mm_loadu_si128((const __m128i *)q->sums));         \
            __m512i qh = _mm512_setzero_si512();                                                    \
            if (QH) {                                                                               \
                __m256i h = _mm256_loadu_si256((const __m256i *)(blk + 16));                        \
                qh = _mm512_inserti64x4(_mm512_castsi256_si512(h), _mm256_srli_epi16(h, 2), 1);     \
            }                                                                                       \
            __m512i isum = _mm512_setzero_si512();                                                  \
            for (int p = 0; p < 2; p++) {                                                           \
                __m512i v = _mm512_loadu_si512(blk + (QS) + 64 * p);                                \
                __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4); \
                if (QH) {                                                                           \
                    lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(qh, one), 4));      \
                    hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh, 1), one), 4)); \
                    qh = _mm512_srli_epi16(qh, 4);                                                  \
                }                                                                                   \
                const int8_t *xq = q->qs + 128 * p;                                                 \
                __m512i plo = _mm512_maddubs_epi16(lo, load_2x32(xq, xq + 64));                     \
                __m512i phi = _mm512_maddubs_epi16(hi, load_2x32(xq + 32, xq + 96));                \
                __m512i slo = _mm512_permutexvar_epi16(_mm512_loadu_si512(k4_scale_idx[2 * p]), sc16); \
                __m512i shi = _mm512_permutexvar_epi16(_mm512_loadu_si512(k4_scale_idx[2 * p + 1]), sc16); \
                isum = _mm512_add_epi32(isum, _mm512_add_epi32(_mm512_madd_epi16(plo, slo), _mm512_madd_epi16(phi, shi))); \
            }                                                                                       \
            __m128 dd = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128((int)tensor_rd32(blk))), _mm_set1_ps(q->d)); \
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_broadcastss_ps(dd), acc);        \
            accm = _mm_fmadd_ps(_mm_cvtepi32_ps(msum), _mm_shuffle_ps(dd, dd, _MM_SHUFFLE(1, 1, 1, 1)), accm); \
        }                                                                                           \
        __m128 m2 = _mm_add_ps(accm, _mm_movehl_ps(accm, accm));                                    \
        return _mm512_reduce_add_ps(acc) - _mm_cvtss_f32(_mm_add_ss(m2, _mm_movehdup_ps(m2)));       \
    }

DOT_K45(dot_q4_k_avx512, 144, 16, 0)
DOT_K45(dot_q5_k_avx512, 176, 48, 1)

/* Half h of a super-block whose 16-value groups have their own scales (Q6_K, Q3_K, Q2_K):
 * unsigned quants a (values 128h + 0..63) and b (64..127) times the activation, pairs summed
 * by vpmaddubsw, then weighted by the groups' 16-bit scales sc16 (q6_scale_idx) in vpmaddwd. */
MM_AVX512 static inline __m512i k16_half(__m512i a, __m512i b, const int8_t *xq, __m512i sc16, int h)
{
    __m512i pa = _mm512_maddubs_epi16(a, _mm512_load_si512(xq));
    __m512i pb = _mm512_maddubs_epi16(b, _mm512_load_si512(xq + 64));
    __m512i sa = _mm512_permutexvar_epi16(_mm512_loadu_si512(q6_scale_idx[2 * h]), sc16);
    __m512i sb = _mm512_permutexvar_epi16(_mm512_loadu_si512(q6_scale_idx[2 * h + 1]), sc16);
    return _mm512_add_epi32(_mm512_madd_epi16(pa, sa), _mm512_madd_epi16(pb, sb));
}

MM_AVX512 static float dot_q6_k_avx512(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    const __m512i m4 = _mm512_set1_epi8(15), m2 = _mm512_set1_epi8(3);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 210, q++) {
        __m256i sc = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
        __m512i sc16 = _mm512_castsi256_si512(sc);
        /* the offset: -32 sum_g sc_g bsum_g */
        __m256i off = _mm256_madd_epi16(sc, _mm256_loadu_si256((const __m256i *)q->bsums));
        __m512i isum = _mm512_zextsi256_si512(_mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), off), 5));
        for (int h = 0; h < 2; h++) {
            __m512i ql = _mm512_loadu_si512(blk + 64 * h);
            __m256i qh0 = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
            __m512i qh = _mm512_inserti64x4(_mm512_castsi256_si512(qh0), _mm256_srli_epi16(qh0, 2), 1);
            __m512i a = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(_mm512_and_si512(qh, m2), 4));
            __m512i b = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
                                        _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh, 4), m2), 4));
            isum = _mm512_add_epi32(isum, k16_half(a, b, q->qs + 128 * h, sc16, h));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(f16_at(blk + 208) * q->d), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* ---- Q2_K and Q3_K rows against 256-value activation blocks ----
 * Per half h, the 32 quant bytes twice in a register, the second copy shifted by 2 (16-bit
 * shifts: the 2-bit fields never cross a byte), are values 128h + 0..63 after & 3; shifted by
 * 4 and 6, values 64..127: in the activation's order, so vpmaddubsw and then vpmaddwd with the
 * 16-value groups' scales (q6_scale_idx, as Q6_K) keep a super-block's sum integer. Q2_K's
 * mins: sum_g m_g bsum_g, one 256-bit vpmaddwd. Q3_K's third bit (hmask[l] bit 4h + j) makes
 * the quant unsigned 0..7 (q + 4); the offset is -4 sum_g sc_g bsum_g. */

/* Q3_K's 12 bytes of 6-bit scales (tensor_k3_scales' layout) as 16 signed bytes, minus 32 */
static inline __m128i k3_unpack(const uint8_t *p)
{
    uint32_t b0, b1, b2;
    memcpy(&b0, p, 4), memcpy(&b1, p + 4, 4), memcpy(&b2, p + 8, 4);
    const uint32_t m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
    uint32_t s0 = (b0 & m4) | ((b2 & m2) << 4), s1 = (b1 & m4) | (((b2 >> 2) & m2) << 4);
    uint32_t s2 = ((b0 >> 4) & m4) | (((b2 >> 4) & m2) << 4), s3 = ((b1 >> 4) & m4) | (((b2 >> 6) & m2) << 4);
    return _mm_sub_epi8(_mm_set_epi32((int)s3, (int)s2, (int)s1, (int)s0), _mm_set1_epi8(32));
}

/* The 32 bytes at p in both halves, the upper one shifted right by 2 bits, then by 4 more */
MM_AVX512 static inline void k2_split(const uint8_t *p, __m512i *a, __m512i *b)
{
    const __m512i m2 = _mm512_set1_epi8(3);
    __m256i q = _mm256_loadu_si256((const __m256i *)p);
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 2), 1);
    *a = _mm512_and_si512(v, m2);
    *b = _mm512_and_si512(_mm512_srli_epi16(v, 4), m2);
}

MM_AVX512 static float dot_q2_k_avx512(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    __m512 acc = _mm512_setzero_ps();
    __m256 accm = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 84, q++) {
        __m128i sm = _mm_loadu_si128((const __m128i *)blk);
        __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(sm, _mm_set1_epi8(15))));
        __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), _mm_set1_epi8(15)));
        __m256i msum = _mm256_madd_epi16(mins, _mm256_loadu_si256((const __m256i *)q->bsums));
        __m512i isum = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++) {
            __m512i a, b;
            k2_split(blk + 16 + 32 * h, &a, &b);
            isum = _mm512_add_epi32(isum, k16_half(a, b, q->qs + 128 * h, sc16, h));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(f16_at(blk + 80) * q->d), acc);
        accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(f16_at(blk + 82) * q->d), accm);
    }
    __m128 m4 = _mm_add_ps(_mm256_castps256_ps128(accm), _mm256_extractf128_ps(accm, 1));
    m4 = _mm_add_ps(m4, _mm_movehl_ps(m4, m4));
    return _mm512_reduce_add_ps(acc) - _mm_cvtss_f32(_mm_add_ss(m4, _mm_movehdup_ps(m4)));
}

MM_AVX512 static float dot_q3_k_avx512(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    const __m512i one = _mm512_set1_epi8(1);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 110, q++) {
        __m256i sc = _mm256_cvtepi8_epi16(k3_unpack(blk + 96));
        __m512i sc16 = _mm512_castsi256_si512(sc);
        __m256i off = _mm256_madd_epi16(sc, _mm256_loadu_si256((const __m256i *)q->bsums));
        __m512i isum = _mm512_zextsi256_si512(_mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), off), 2));
        __m256i hm0 = _mm256_loadu_si256((const __m256i *)blk);
        __m512i hm = _mm512_inserti64x4(_mm512_castsi256_si512(hm0), _mm256_srli_epi16(hm0, 1), 1);
        for (int h = 0; h < 2; h++) {
            __m512i a, b;
            k2_split(blk + 32 + 32 * h, &a, &b);
            /* hmask bits 4h + j: j = 0, 1 in the two halves of hm, j = 2, 3 two bits up */
            a = _mm512_or_si512(a, _mm512_slli_epi16(_mm512_and_si512(hm, one), 2));
            b = _mm512_or_si512(b, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hm, 2), one), 2));
            hm = _mm512_srli_epi16(hm, 4);
            isum = _mm512_add_epi32(isum, k16_half(a, b, q->qs + 128 * h, sc16, h));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(f16_at(blk + 108) * q->d), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* The types not listed fall back to the AVX2 set's kernels (matmul.c). */
const struct mm_kernels mm_kernels_avx512 = {
    "avx512",
    {
        [TENSOR_TYPE_F32] = {dot_f32_avx512, NULL},
        [TENSOR_TYPE_F16] = {dot_f16_avx512, NULL},
        [TENSOR_TYPE_Q8_0] = {dot_q8_0_avx512, prep_pairs},
        [TENSOR_TYPE_Q4_0] = {dot_q4_0_avx512, prep_quads},
        [TENSOR_TYPE_Q4_1] = {dot_q4_1_avx512, prep_quads},
        [TENSOR_TYPE_Q5_0] = {dot_q5_0_avx512, prep_quads},
        [TENSOR_TYPE_Q5_1] = {dot_q5_1_avx512, prep_quads},
        [TENSOR_TYPE_Q2_K] = {dot_q2_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q3_K] = {dot_q3_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q4_K] = {dot_q4_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q5_K] = {dot_q5_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q6_K] = {dot_q6_k_avx512, mm_prep_q8k},
    },
};
const struct mm_kernels mm_kernels_avx512vnni = {
    "avx512vnni",
    {
        [TENSOR_TYPE_F32] = {dot_f32_avx512, NULL},
        [TENSOR_TYPE_F16] = {dot_f16_avx512, NULL},
        [TENSOR_TYPE_Q8_0] = {dot_q8_0_vnni, prep_pairs},
        [TENSOR_TYPE_Q4_0] = {dot_q4_0_vnni, prep_quads},
        [TENSOR_TYPE_Q4_1] = {dot_q4_1_vnni, prep_quads},
        [TENSOR_TYPE_Q5_0] = {dot_q5_0_vnni, prep_quads},
        [TENSOR_TYPE_Q5_1] = {dot_q5_1_vnni, prep_quads},
        [TENSOR_TYPE_Q2_K] = {dot_q2_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q3_K] = {dot_q3_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q4_K] = {dot_q4_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q5_K] = {dot_q5_k_avx512, mm_prep_q8k},
        [TENSOR_TYPE_Q6_K] = {dot_q6_k_avx512, mm_prep_q8k},
    },
};

/* ---- rows dequantized straight to bf16 (the prompt's weight blocks, matmul.c) ----
 * The same values as tensor_dequantize_row then tr_bf16_row: each value computed as the
 * portable dequantizer does (one float multiply, then an add for the types with a min),
 * rounded to bf16 as AVX512_BF16 rounds (tests/unit/test_matmul.c compares them bit for
 * bit). n is a multiple of 32. */
#define MM_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,f16c")))

MM_BF16 static inline float half_at(const uint8_t *p) { return _cvtsh_ss((unsigned short)rd16(p)); }

/* 32 values (lo: 0-15, hi: 16-31) as bf16 at dst */
MM_BF16 static inline void store_bf16(uint16_t *dst, __m512 lo, __m512 hi)
{
    _mm512_storeu_si512((void *)dst, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

MM_BF16 static void deq_bf16_q4_0(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    const __m128i m4 = _mm_set1_epi8(0x0f);
    const __m512i eight = _mm512_set1_epi32(8);
    for (int64_t i = 0; i < n / 32; i++, b += 18, dst += 32) {
        __m512 d = _mm512_set1_ps(half_at(b));
        __m128i q = _mm_loadu_si128((const __m128i *)(b + 2));
        __m512i lo = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_and_si128(q, m4)), eight);
        __m512i hi = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(q, 4), m4)), eight);
        store_bf16(dst, _mm512_mul_ps(d, _mm512_cvtepi32_ps(lo)), _mm512_mul_ps(d, _mm512_cvtepi32_ps(hi)));
    }
}

MM_BF16 static void deq_bf16_q4_1(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    const __m128i m4 = _mm_set1_epi8(0x0f);
    for (int64_t i = 0; i < n / 32; i++, b += 20, dst += 32) {
        __m512 d = _mm512_set1_ps(half_at(b)), m = _mm512_set1_ps(half_at(b + 2));
        __m128i q = _mm_loadu_si128((const __m128i *)(b + 4));
        __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(q, m4)));
        __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(q, 4), m4)));
        store_bf16(dst, _mm512_add_ps(_mm512_mul_ps(lo, d), m), _mm512_add_ps(_mm512_mul_ps(hi, d), m));
    }
}

/* Q5's fifth bits: bit j of qh is value j's (lo: 0-15, hi: 16-31) */
MM_BF16 static inline void q5_values(const uint8_t *qs, uint32_t qh, __m512i *lo, __m512i *hi)
{
    const __m128i m4 = _mm_set1_epi8(0x0f);
    const __m512i sixteen = _mm512_set1_epi32(16);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    *lo = _mm512_cvtepu8_epi32(_mm_and_si128(q, m4));
    *hi = _mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(q, 4), m4));
    *lo = _mm512_mask_add_epi32(*lo, (__mmask16)(qh & 0xffff), *lo, sixteen);
    *hi = _mm512_mask_add_epi32(*hi, (__mmask16)(qh >> 16), *hi, sixteen);
}

MM_BF16 static void deq_bf16_q5_0(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    const __m512i sixteen = _mm512_set1_epi32(16);
    for (int64_t i = 0; i < n / 32; i++, b += 22, dst += 32) {
        __m512 d = _mm512_set1_ps(half_at(b));
        uint32_t qh;
        memcpy(&qh, b + 2, 4);
        __m512i lo, hi;
        q5_values(b + 6, qh, &lo, &hi);
        store_bf16(dst, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(lo, sixteen)), d),
                   _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(hi, sixteen)), d));
    }
}

MM_BF16 static void deq_bf16_q5_1(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    for (int64_t i = 0; i < n / 32; i++, b += 24, dst += 32) {
        __m512 d = _mm512_set1_ps(half_at(b)), m = _mm512_set1_ps(half_at(b + 2));
        uint32_t qh;
        memcpy(&qh, b + 4, 4);
        __m512i lo, hi;
        q5_values(b + 8, qh, &lo, &hi);
        store_bf16(dst, _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(lo), d), m),
                   _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(hi), d), m));
    }
}

MM_BF16 static void deq_bf16_q8_0(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    for (int64_t i = 0; i < n / 32; i++, b += 34, dst += 32) {
        __m512 d = _mm512_set1_ps(half_at(b));
        __m512i lo = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 2)));
        __m512i hi = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 18)));
        store_bf16(dst, _mm512_mul_ps(d, _mm512_cvtepi32_ps(lo)), _mm512_mul_ps(d, _mm512_cvtepi32_ps(hi)));
    }
}

MM_BF16 static void deq_bf16_f16(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    for (int64_t i = 0; i < n / 32; i++, b += 64, dst += 32)
        store_bf16(dst, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b)),
                   _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(b + 32))));
}

/* 32 values (16 bytes at q, as unsigned: u0 their values 0-15, u1 16-31) times a, minus m */
MM_BF16 static inline void store_32_dm(uint16_t *dst, __m512i u0, __m512i u1, float a, float m)
{
    __m512 va = _mm512_set1_ps(a), vm = _mm512_set1_ps(m);
    store_bf16(dst, _mm512_sub_ps(_mm512_mul_ps(va, _mm512_cvtepi32_ps(u0)), vm),
               _mm512_sub_ps(_mm512_mul_ps(va, _mm512_cvtepi32_ps(u1)), vm));
}

/* Q4_K and Q5_K: 8 sub-blocks of 32, value = d sc q - dmin m (tensor_q4_k_to_float) */
MM_BF16 static inline void deq_bf16_k45(const void *w, uint16_t *dst, int64_t n, int five)
{
    const uint8_t *b = w;
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const size_t bs = five ? 176 : 144;
    for (int64_t i = 0; i < n / 256; i++, b += bs) {
        float d = half_at(b), dmin = half_at(b + 2);
        const uint8_t *qh = b + 16, *q = b + (five ? 48 : 16);
        __m256i h = five ? _mm256_loadu_si256((const __m256i *)qh) : _mm256_setzero_si256();
        for (int j = 0; j < 4; j++, q += 32, dst += 64) {
            int sc, m;
            tensor_k4_scale_min(2 * j, b + 4, &sc, &m);
            float d1 = d * (float)sc, m1 = dmin * (float)m;
            tensor_k4_scale_min(2 * j + 1, b + 4, &sc, &m);
            float d2 = d * (float)sc, m2 = dmin * (float)m;
            __m256i v = _mm256_loadu_si256((const __m256i *)q);
            __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
            if (five) { /* bit 2j of qh[l] is value l's 16 in the first sub-block, bit 2j+1 in the second */
                __mmask32 b1 = _mm256_test_epi8_mask(h, _mm256_set1_epi8((char)(1 << (2 * j))));
                __mmask32 b2 = _mm256_test_epi8_mask(h, _mm256_set1_epi8((char)(2 << (2 * j))));
                lo = _mm256_mask_add_epi8(lo, b1, lo, _mm256_set1_epi8(16));
                hi = _mm256_mask_add_epi8(hi, b2, hi, _mm256_set1_epi8(16));
            }
            store_32_dm(dst, _mm512_cvtepu8_epi32(_mm256_castsi256_si128(lo)),
                        _mm512_cvtepu8_epi32(_mm256_extracti128_si256(lo, 1)), d1, m1);
            store_32_dm(dst + 32, _mm512_cvtepu8_epi32(_mm256_castsi256_si128(hi)),
                        _mm512_cvtepu8_epi32(_mm256_extracti128_si256(hi, 1)), d2, m2);
        }
    }
}

MM_BF16 static void deq_bf16_q4_k(const void *w, uint16_t *dst, int64_t n) { deq_bf16_k45(w, dst, n, 0); }
MM_BF16 static void deq_bf16_q5_k(const void *w, uint16_t *dst, int64_t n) { deq_bf16_k45(w, dst, n, 1); }

/* Q6_K: value = (d scale) (q - 32), 16 values a scale (tensor_q6_k_to_float) */
MM_BF16 static void deq_bf16_q6_k(const void *w, uint16_t *dst, int64_t n)
{
    const uint8_t *b = w;
    const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3), k32 = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < n / 256; i++, b += 210) {
        const uint8_t *ql = b, *qh = b + 128;
        const int8_t *sc = (const int8_t *)(b + 192);
        float d = half_at(b + 208);
        for (int half = 0; half < 2; half++, dst += 128, ql += 64, qh += 32, sc += 8) {
            __m256i a = _mm256_loadu_si256((const __m256i *)ql), c = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4)),
                _mm256_or_si256(_mm256_and_si256(c, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4)),
            };
            for (int k = 0; k < 4; k++) { /* values 32k .. 32k+31: scales sc[2k] (first 16), sc[2k+1] */
                __m256i v = _mm256_sub_epi8(q[k], k32);
                __m512 s0 = _mm512_set1_ps(d * (float)sc[2 * k]), s1 = _mm512_set1_ps(d * (float)sc[2 * k + 1]);
                store_bf16(dst + 32 * k, _mm512_mul_ps(s0, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(v)))),
                           _mm512_mul_ps(s1, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(v, 1)))));
            }
        }
    }
}

const mm_deq_bf16_fn mm_deq_bf16_avx512[TENSOR_TYPE_COUNT] = {
    [TENSOR_TYPE_F16] = deq_bf16_f16,   [TENSOR_TYPE_Q8_0] = deq_bf16_q8_0, [TENSOR_TYPE_Q4_0] = deq_bf16_q4_0,
    [TENSOR_TYPE_Q4_1] = deq_bf16_q4_1, [TENSOR_TYPE_Q5_0] = deq_bf16_q5_0, [TENSOR_TYPE_Q5_1] = deq_bf16_q5_1,
    [TENSOR_TYPE_Q4_K] = deq_bf16_q4_k, [TENSOR_TYPE_Q5_K] = deq_bf16_q5_k, [TENSOR_TYPE_Q6_K] = deq_bf16_q6_k,
};
#endif
