/* matmul_avx2.c — AVX2 (+FMA+F16C) row dot kernels (the "avx2" set, matmul_impl.h).
 *
 * Compiled for any x86-64 with function-level target attributes; matmul.c calls them only
 * when __builtin_cpu_supports says the CPU has AVX2, FMA and F16C. F32 and F16 rows: 8
 * lanes, two accumulators. Block types against the activation blocks of struct mm_q8: the
 * weight quants unpacked to 32 bytes, multiplied with the activation's 32 bytes by
 * vpmaddubsw (unsigned x signed; a signed weight as |w| x sign(w) x), pairs summed by
 * vpmaddwd (with ones, or with the 16-value scales of the K-quants, which so stay integer),
 * then one float multiply-add a block with the product of the scales; the m terms of the
 * types with a min in scalar float from the blocks' sums. No vpmaddubsw can saturate:
 * pairs stay within 2 x 63 x 127. The AVX-512 sets use these for the types they have no
 * kernels of their own for.
 * The K-quants (Q2_K to Q6_K) take the 256-value activation blocks of struct mm_q8k instead.
 */
#include "model/matmul_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/convert.h"

#define MM_AVX2 __attribute__((target("avx2,fma,f16c")))

MM_AVX2 static inline float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

MM_AVX2 static inline float f16(const uint8_t *p) { return _cvtsh_ss(tensor_rd16(p)); }

MM_AVX2 static float dot_f32_avx2(const void *w, const void *x, int64_t n)
{
    const float *a = w, *b = x;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

MM_AVX2 static float dot_f16_avx2(const void *w, const void *x, int64_t n)
{
    const uint16_t *a = w;
    const float *b = x;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i + 8)));
        s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += _cvtsh_ss(a[i]) * b[i];
    return s;
}

/* Signed a x signed b over 32 bytes, as 8 int32 sums of 4, pairs of 16-bit products
 * weighted by s (16 lanes; ones for a plain sum). */
MM_AVX2 static inline __m256i sum_i8(__m256i a, __m256i b, __m256i s)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a)), s);
}

/* Unsigned a x signed b. */
MM_AVX2 static inline __m256i sum_u8(__m256i a, __m256i b, __m256i s)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), s);
}

MM_AVX2 static inline __m256i ones16(void) { return _mm256_set1_epi16(1); }

MM_AVX2 static inline __m256i load_x(const struct mm_q8 *q) { return _mm256_loadu_si256((const __m256i *)q->qs); }

/* 16 bytes of nibbles as 32 values 0..15: low halves, then high halves. */
MM_AVX2 static inline __m256i nibbles(const uint8_t *p)
{
    __m128i raw = _mm_loadu_si128((const __m128i *)p), m4 = _mm_set1_epi8(15);
    __m128i lo = _mm_and_si128(raw, m4), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), m4);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

/* 0xff in byte i where bit i of the 32-bit qh at p is set, else 0. */
MM_AVX2 static inline __m256i bits_to_bytes(const uint8_t *p)
{
    __m256i v = _mm256_set1_epi32((int)tensor_rd32(p));
    v = _mm256_shuffle_epi8(v, _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe)); /* all bits but bit i % 8 */
    return _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1));
}

MM_AVX2 static float dot_q8_0_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / 32; b++, blk += 34) {
        __m256i wq = _mm256_loadu_si256((const __m256i *)(blk + 2));
        __m256 p = _mm256_cvtepi32_ps(sum_i8(wq, load_x(&q[b]), ones16()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q[b].d), p, acc);
    }
    return hsum256(acc);
}

MM_AVX2 static float dot_q4_0_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / 32; b++, blk += 18) {
        __m256i wq = _mm256_sub_epi8(nibbles(blk + 2), _mm256_set1_epi8(8));
        __m256 p = _mm256_cvtepi32_ps(sum_i8(wq, load_x(&q[b]), ones16()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q[b].d), p, acc);
    }
    return hsum256(acc);
}

MM_AVX2 static float dot_q4_1_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    float sm = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 20) {
        __m256 p = _mm256_cvtepi32_ps(sum_u8(nibbles(blk + 4), load_x(&q[b]), ones16()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q[b].d), p, acc);
        sm += f16(blk + 2) * q[b].d * (float)q[b].sum;
    }
    return hsum256(acc) + sm;
}

MM_AVX2 static float dot_q5_0_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / 32; b++, blk += 22) {
        /* q - 16 as a signed byte: the nibble, with 0xf0 set where the 5th bit is clear */
        __m256i hi = _mm256_andnot_si256(bits_to_bytes(blk + 2), _mm256_set1_epi8((char)0xf0));
        __m256i wq = _mm256_or_si256(nibbles(blk + 6), hi);
        __m256 p = _mm256_cvtepi32_ps(sum_i8(wq, load_x(&q[b]), ones16()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q[b].d), p, acc);
    }
    return hsum256(acc);
}

MM_AVX2 static float dot_q5_1_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    float sm = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 24) {
        __m256i hi = _mm256_and_si256(bits_to_bytes(blk + 4), _mm256_set1_epi8(0x10));
        __m256i wq = _mm256_or_si256(nibbles(blk + 8), hi);
        __m256 p = _mm256_cvtepi32_ps(sum_u8(wq, load_x(&q[b]), ones16()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q[b].d), p, acc);
        sm += f16(blk + 2) * q[b].d * (float)q[b].sum;
    }
    return hsum256(acc) + sm;
}

/* Q4_K and Q5_K against 256-value activation blocks: per 64 values, 32 bytes whose low
 * nibbles are sub-block 2j and high nibbles 2j+1; Q5_K's 5th bits from qh (bit s of byte l
 * for sub-block s), consumed two bits a 64 values. Scales enter vpmaddwd as integers and the
 * super-block's sum stays integer; the mins go through the activation's 32-value sums. */
MM_AVX2 static inline float dot_k45_avx2(const uint8_t *blk, const struct mm_q8k *q, const uint8_t *qs, const uint8_t *qhp,
                                         __m256 *acc)
{
    const __m256i m4 = _mm256_set1_epi8(15), one = _mm256_set1_epi8(1);
    __m256i qh = qhp ? _mm256_loadu_si256((const __m256i *)qhp) : _mm256_setzero_si256();
    __m256i isum = _mm256_setzero_si256();
    int32_t msum = 0;
    for (int j = 0; j < 4; j++, qs += 32) {
        int sc0, m0, sc1, m1;
        tensor_k4_scale_min(2 * j, blk + 4, &sc0, &m0);
        tensor_k4_scale_min(2 * j + 1, blk + 4, &sc1, &m1);
        __m256i raw = _mm256_loadu_si256((const __m256i *)qs);
        __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
        if (qhp) {
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
            qh = _mm256_srli_epi16(qh, 2);
        }
        const __m256i *x = (const __m256i *)(q->qs + 64 * j);
        isum = _mm256_add_epi32(isum, sum_u8(lo, _mm256_loadu_si256(x), _mm256_set1_epi16((short)sc0)));
        isum = _mm256_add_epi32(isum, sum_u8(hi, _mm256_loadu_si256(x + 1), _mm256_set1_epi16((short)sc1)));
        msum += m0 * q->sums[2 * j] + m1 * q->sums[2 * j + 1];
    }
    *acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk) * q->d), _mm256_cvtepi32_ps(isum), *acc);
    return f16(blk + 2) * q->d * (float)msum;
}

MM_AVX2 static float dot_q4_k_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    __m256 acc = _mm256_setzero_ps();
    float sm = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 144)
        sm += dot_k45_avx2(blk, (const struct mm_q8k *)x + i, blk + 16, NULL, &acc);
    return hsum256(acc) - sm;
}

MM_AVX2 static float dot_q5_k_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    __m256 acc = _mm256_setzero_ps();
    float sm = 0;
    for (int64_t i = 0; i < n / 256; i++, blk += 176)
        sm += dot_k45_avx2(blk, (const struct mm_q8k *)x + i, blk + 48, blk + 16, &acc);
    return hsum256(acc) - sm;
}

/* Q6_K: per half of 128, the 32 values 128h + 32k.. take (ql[32 (k & 1)..] >> 4 (k >> 1)) & 15
 * and qh bits 2k..2k+1; q - 32 is signed; the two 16-value scales weight vpmaddwd's pairs
 * (lanes 0-7 are values 0-15, lanes 8-15 values 16-31); the super-block's sum stays integer. */
MM_AVX2 static float dot_q6_k_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    const __m256i m4 = _mm256_set1_epi8(15), m2 = _mm256_set1_epi8(3), c32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 210, q++) {
        const int8_t *sc = (const int8_t *)(blk + 192);
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i ql0 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h));
            __m256i ql1 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
            __m256i v[4] = {_mm256_and_si256(ql0, m4), _mm256_and_si256(ql1, m4),
                            _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                            _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4)};
            for (int k = 0; k < 4; k++) {
                __m256i hb = _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4);
                qh = _mm256_srli_epi16(qh, 2);
                __m256i wq = _mm256_sub_epi8(_mm256_or_si256(v[k], hb), c32);
                __m256i s16 = _mm256_set_m128i(_mm_set1_epi16(sc[8 * h + 2 * k + 1]), _mm_set1_epi16(sc[8 * h + 2 * k]));
                __m256i xq = _mm256_loadu_si256((const __m256i *)(q->qs + 128 * h + 32 * k));
                isum = _mm256_add_epi32(isum, sum_i8(wq, xq, s16));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk + 208) * q->d), _mm256_cvtepi32_ps(isum), acc);
    }
    return hsum256(acc);
}

/* Q2_K and Q3_K: value 128h + 32j + l is bits 2j..2j+1 of quant byte 32h + l, so a 32-byte
 * load shifted by 2j is 32 values in the activation's order; the two 16-value groups' scales
 * weight vpmaddwd's pairs as in Q6_K. Q2_K's mins: sum_g m_g bsum_g; Q3_K's third bit
 * (hmask[l] bit 4h + j) makes the quant unsigned (q + 4), the offset -4 sum_g sc_g bsum_g. */
MM_AVX2 static float dot_q2_k_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    const __m256i m2 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 84, q++) {
        __m128i sm = _mm_loadu_si128((const __m128i *)blk);
        __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), _mm_set1_epi8(15)));
        __m256i msum = _mm256_madd_epi16(mins, _mm256_loadu_si256((const __m256i *)q->bsums));
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i qs = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * h));
            for (int j = 0; j < 4; j++) {
                const uint8_t *sc = blk + 8 * h + 2 * j;
                __m256i s16 = _mm256_set_m128i(_mm_set1_epi16(sc[1] & 15), _mm_set1_epi16(sc[0] & 15));
                __m256i xq = _mm256_loadu_si256((const __m256i *)(q->qs + 128 * h + 32 * j));
                isum = _mm256_add_epi32(isum, sum_u8(_mm256_and_si256(qs, m2), xq, s16));
                qs = _mm256_srli_epi16(qs, 2);
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk + 80) * q->d), _mm256_cvtepi32_ps(isum), acc);
        accm = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk + 82) * q->d), _mm256_cvtepi32_ps(msum), accm);
    }
    return hsum256(acc) - hsum256(accm);
}

MM_AVX2 static float dot_q3_k_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8k *q = x;
    const __m256i m2 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++, blk += 110, q++) {
        int sc[16];
        tensor_k3_scales(blk + 96, sc);
        int32_t off = 0;
        for (int g = 0; g < 16; g++) off += sc[g] * q->bsums[g];
        __m256i isum = _mm256_setzero_si256();
        __m256i hm = _mm256_loadu_si256((const __m256i *)blk);
        for (int h = 0; h < 2; h++) {
            __m256i qs = _mm256_loadu_si256((const __m256i *)(blk + 32 + 32 * h));
            for (int j = 0; j < 4; j++) {
                __m256i u = _mm256_or_si256(_mm256_and_si256(qs, m2), _mm256_slli_epi16(_mm256_and_si256(hm, one), 2));
                __m256i s16 = _mm256_set_m128i(_mm_set1_epi16((short)sc[8 * h + 2 * j + 1]),
                                               _mm_set1_epi16((short)sc[8 * h + 2 * j]));
                __m256i xq = _mm256_loadu_si256((const __m256i *)(q->qs + 128 * h + 32 * j));
                isum = _mm256_add_epi32(isum, sum_u8(u, xq, s16));
                qs = _mm256_srli_epi16(qs, 2);
                hm = _mm256_srli_epi16(hm, 1);
            }
        }
        isum = _mm256_add_epi32(isum, _mm256_setr_epi32(-4 * off, 0, 0, 0, 0, 0, 0, 0));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(blk + 108) * q->d), _mm256_cvtepi32_ps(isum), acc);
    }
    return hsum256(acc);
}

#define Q8(fn) {fn, mm_prep_q8}
#define Q8K(fn) {fn, mm_prep_q8k}

const struct mm_kernels mm_kernels_avx2 = {
    "avx2",
    {
        [TENSOR_TYPE_F32] = {dot_f32_avx2, NULL},
        [TENSOR_TYPE_F16] = {dot_f16_avx2, NULL},
        [TENSOR_TYPE_Q8_0] = Q8(dot_q8_0_avx2),
        [TENSOR_TYPE_Q4_0] = Q8(dot_q4_0_avx2),
        [TENSOR_TYPE_Q4_1] = Q8(dot_q4_1_avx2),
        [TENSOR_TYPE_Q5_0] = Q8(dot_q5_0_avx2),
        [TENSOR_TYPE_Q5_1] = Q8(dot_q5_1_avx2),
        [TENSOR_TYPE_Q2_K] = Q8K(dot_q2_k_avx2),
        [TENSOR_TYPE_Q3_K] = Q8K(dot_q3_k_avx2),
        [TENSOR_TYPE_Q4_K] = Q8K(dot_q4_k_avx2),
        [TENSOR_TYPE_Q5_K] = Q8K(dot_q5_k_avx2),
        [TENSOR_TYPE_Q6_K] = Q8K(dot_q6_k_avx2),
    },
};
#endif
