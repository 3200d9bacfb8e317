/* matmul_avx512.c — AVX-512 row dot kernels for matmul.c (the table in matmul_impl.h).
 *
 * Compiled for any x86-64 (function-level target attributes): matmul.c calls them only
 * when __builtin_cpu_supports says the CPU has AVX512F and AVX512BW (and AVX512-VNNI for
 * the VNNI set). F32 and F16 rows: 16 lanes, two accumulators, the f32 tail under a mask,
 * the f16 tail one value at a time. Q8_0 and Q4_0 rows: two 32-value blocks per 512-bit
 * register, the signed x signed byte products made unsigned x signed (|w| times x with w's
 * sign) and summed to 32-bit lanes, by vpmaddubsw + vpmaddwd (BW) or one vpdpbusd (VNNI);
 * integer sums are exact, so the sets differ from the scalar kernels only in the order of
 * the float additions.
 * Left out: AVX512-FP16 and BF16 kernels, 256-bit AVX-VNNI (AVX2-class CPUs), repacked
 * (interleaved) weight layouts.
 */
#include "model/matmul_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stddef.h>

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

static const int8_t zero_block[32];

MM_AVX512 static inline __m512i load_2x32(const void *p0, const void *p1)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p0)),
                              _mm256_loadu_si256((const __m256i *)p1), 1);
}

/* w and x with w's sign moved onto x: |w| (unsigned) times sign(w) x (signed) = w x. */
MM_AVX512 static inline void sign_split(__m512i w, __m512i x, __m512i *uw, __m512i *sx)
{
    *uw = _mm512_abs_epi8(w);
    *sx = _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(w), _mm512_setzero_si512(), x);
}

/* 16 lanes of 4-byte-group sums of w x; lanes 0-7 are the first block's, 8-15 the second's. */
MM_AVX512 static inline __m512 sums_bw(__m512i w, __m512i x)
{
    __m512i uw, sx;
    sign_split(w, x, &uw, &sx);
    __m512i s16 = _mm512_maddubs_epi16(uw, sx); /* |pairs| <= 2 * 128 * 127: no saturation */
    return _mm512_cvtepi32_ps(_mm512_madd_epi16(s16, _mm512_set1_epi16(1)));
}

MM_AVX512VNNI static inline __m512 sums_vnni(__m512i w, __m512i x)
{
    __m512i uw, sx;
    sign_split(w, x, &uw, &sx);
    return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), uw, sx));
}

MM_AVX512 static inline float rd_f16(const uint8_t *p) { return _cvtsh_ss((uint16_t)(p[0] | (p[1] << 8))); }

/* The scales of two blocks: d0 in lanes 0-7, d1 in lanes 8-15. */
MM_AVX512 static inline __m512 scales(float d0, float d1)
{
    return _mm512_mask_blend_ps((__mmask16)0xFF00, _mm512_set1_ps(d0), _mm512_set1_ps(d1));
}

/* Q8_0 row: blocks of 34 bytes (fp16 d, 32 int8). */
#define DOT_Q8_0(NAME, ATTR, SUMS)                                                              \
    ATTR static float NAME(const void *w, const void *x, int64_t n)                             \
    {                                                                                           \
        const uint8_t *blk = w;                                                                 \
        const struct mm_q8 *q = x;                                                              \
        const int64_t nb = n / 32;                                                              \
        __m512 acc = _mm512_setzero_ps();                                                       \
        for (int64_t b = 0; b < nb; b += 2, blk += 68) {                                        \
            int two = b + 1 < nb;                                                               \
            __m512i wq = load_2x32(blk + 2, two ? (const void *)(blk + 36) : zero_block);       \
            __m512i xq = load_2x32(q[b].qs, two ? (const void *)q[b + 1].qs : zero_block);      \
            float d1 = two ? rd_f16(blk + 34) * q[b + 1].d : 0.0f;                              \
            acc = _mm512_fmadd_ps(scales(rd_f16(blk) * q[b].d, d1), SUMS(wq, xq), acc);         \
        }                                                                                       \
        return _mm512_reduce_add_ps(acc);                                                       \
    }

/* Q4_0 row: blocks of 18 bytes (fp16 d, 16 bytes: values 0..15 in the low nibbles, 16..31
 * in the high ones, each minus 8). */
MM_AVX512 static inline __m512i unpack_q4_2(const uint8_t *b0, const uint8_t *b1)
{
    __m256i raw = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)b0)),
                                          _mm_loadu_si128((const __m128i *)b1), 1);
    const __m256i m4 = _mm256_set1_epi8(15);
    __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
    /* 128-bit lanes [lo0, lo1, hi0, hi1] -> [lo0, hi0, lo1, hi1]: each block's 32 values in order */
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    v = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm512_sub_epi8(v, _mm512_set1_epi8(8));
}

static const uint8_t eights[16] = {0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88,
                                   0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88}; /* unpacks to zeros */

#define DOT_Q4_0(NAME, ATTR, SUMS)                                                              \
    ATTR static float NAME(const void *w, const void *x, int64_t n)                             \
    {                                                                                           \
        const uint8_t *blk = w;                                                                 \
        const struct mm_q8 *q = x;                                                              \
        const int64_t nb = n / 32;                                                              \
        __m512 acc = _mm512_setzero_ps();                                                       \
        for (int64_t b = 0; b < nb; b += 2, blk += 36) {                                        \
            int two = b + 1 < nb;                                                               \
            __m512i wq = unpack_q4_2(blk + 2, two ? blk + 20 : eights);                         \
            __m512i xq = load_2x32(q[b].qs, two ? (const void *)q[b + 1].qs : zero_block);      \
            float d1 = two ? rd_f16(blk + 18) * q[b + 1].d : 0.0f;                              \
            acc = _mm512_fmadd_ps(scales(rd_f16(blk) * q[b].d, d1), SUMS(wq, xq), acc);         \
        }                                                                                       \
        return _mm512_reduce_add_ps(acc);                                                       \
    }

DOT_Q8_0(dot_q8_0_avx512, MM_AVX512, sums_bw)
DOT_Q4_0(dot_q4_0_avx512, MM_AVX512, sums_bw)
DOT_Q8_0(dot_q8_0_vnni, MM_AVX512VNNI, sums_vnni)
DOT_Q4_0(dot_q4_0_vnni, MM_AVX512VNNI, sums_vnni)

const struct mm_kernels mm_kernels_avx512 = {"avx512", dot_f32_avx512, dot_f16_avx512, dot_q8_0_avx512,
                                             dot_q4_0_avx512};
const struct mm_kernels mm_kernels_avx512vnni = {"avx512vnni", dot_f32_avx512, dot_f16_avx512, dot_q8_0_vnni,
                                                 dot_q4_0_vnni};
#endif
