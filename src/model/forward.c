/* forward.c — the llama / qwen2 forward pass over a KV cache (see model.h).
 *
 * Tokens go through in chunks of n_batch; inside a chunk every weight product is one
 * llama_matmul over all of the chunk's tokens (matrix-vector for a single token). A chunk's
 * attention is matrix products through OpenBLAS (attention_gemm); one token's (decode), and
 * a chunk's without OpenBLAS, is computed a key/value head at a time for the query heads that
 * share it, over keys kept in transposed blocks of 32 positions: vertical multiply-adds in
 * AVX-512 registers where the kernel set in use is an AVX-512 one, else portable loops
 * compiled for AVX-512, AVX2 and the baseline (target_clones). Norm sums and RoPE angles are
 * computed in double. LoRA updates of a weight (lora.h) follow its product: A x into a
 * (T x r) scratch, then y += s B (A x).
 * The KV cache is fp16 (as llama.cpp's default): half the memory traffic of a decode step's
 * attention, which passes the weights' once the context is a few thousand positions long.
 * Left out: flash-attention style tiling, splitting one head's positions over threads (a
 * decode step's attention runs a key/value head a thread).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fastexp.h"
#include "core/mem.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

void llama_set_threads(int n)
{
    if (n < 1) n = 1;
    omp_set_num_threads(n); /* OpenBLAS runs single-threaded inside these (matmul.c) */
}

/* Positions the key cache holds: n_ctx rounded up to whole blocks of KB (attention below). */
#define KB 32
uint32_t llama_key_positions(uint32_t n_ctx) { return (n_ctx + KB - 1) / KB * KB; }

uint64_t llama_state_kv_bytes(const struct llama_hparams *hp, uint32_t n_ctx)
{
    uint64_t kv_dim = (uint64_t)hp->dim / hp->n_head * hp->n_head_kv;
    return (uint64_t)hp->n_layer * ((uint64_t)n_ctx + llama_key_positions(n_ctx)) * kv_dim * sizeof(uint16_t);
}

static size_t act_floats(const struct llama_hparams *hp, uint32_t n_batch)
{
    size_t kv_dim = (size_t)hp->dim / hp->n_head * hp->n_head_kv;
    return (size_t)n_batch * (4 * (size_t)hp->dim + 2 * kv_dim + 2 * (size_t)hp->n_ff) + hp->n_rot / 2;
}

/* A thread's attention scratch (grown when used): the scores of a prompt chunk's n_batch
 * rows, or a group's query heads, of n_ctx positions; a head's keys and values in f32. */
static uint64_t att_rows_bytes(const struct llama_hparams *hp, uint32_t n_ctx, uint32_t n_batch)
{
    uint32_t group = hp->n_head / hp->n_head_kv;
    uint64_t hs = hp->dim / hp->n_head;
    return ((uint64_t)(n_batch > group ? n_batch : group) * n_ctx + (llama_key_positions(n_ctx) + (uint64_t)n_ctx) * hs) *
           sizeof(float);
}

uint32_t llama_batch_default(uint32_t n_ctx)
{
    return n_ctx < LLAMA_DEFAULT_BATCH ? n_ctx : LLAMA_DEFAULT_BATCH;
}

uint64_t llama_state_scratch_bytes(const struct llama_hparams *hp, uint32_t n_ctx, uint32_t n_batch, int n_threads)
{
    if (n_batch == 0) n_batch = llama_batch_default(n_ctx);
    int64_t max_in = hp->dim > hp->n_ff ? hp->dim : hp->n_ff;
    return act_floats(hp, n_batch) * sizeof(float) + mm_scratch_size(max_in, n_threads) +
           att_rows_bytes(hp, n_ctx, n_batch) * (uint64_t)n_threads;
}

int llama_state_new(struct llama_state **out, const struct llama_model *m, uint32_t n_ctx, uint32_t n_batch)
{
    *out = NULL;
    const struct llama_hparams *hp = &m->hp;
    if (n_ctx == 0) n_ctx = hp->n_ctx;
    if (n_batch == 0) n_batch = llama_batch_default(n_ctx);
    if (n_ctx > hp->n_ctx)
        return cm_error_set(CM_EINVAL, "context of %u tokens exceeds the model's context length %u", n_ctx, hp->n_ctx);
    if (n_batch > 4096) return cm_error_set(CM_EINVAL, "batch of %u tokens is too large (at most 4096)", n_batch);
    struct llama_state *s = cm_calloc(1, sizeof(*s));
    s->m = m;
    s->n_ctx = n_ctx;
    s->n_batch = n_batch;
    s->n_threads = omp_get_max_threads();
    size_t kv = (size_t)n_ctx * m->kv_dim * hp->n_layer;
    s->k_cache = cm_malloc((size_t)llama_key_positions(n_ctx) * m->kv_dim * hp->n_layer * sizeof(uint16_t));
    s->v_cache = cm_malloc(kv * sizeof(uint16_t));
    s->act = cm_malloc(act_floats(hp, n_batch) * sizeof(float));
    float *p = s->act;
    s->x = p, p += (size_t)n_batch * hp->dim;
    s->xb = p, p += (size_t)n_batch * hp->dim;
    s->xb2 = p, p += (size_t)n_batch * hp->dim;
    s->q = p, p += (size_t)n_batch * hp->dim;
    s->k = p, p += (size_t)n_batch * m->kv_dim;
    s->v = p, p += (size_t)n_batch * m->kv_dim;
    s->hb = p, p += (size_t)n_batch * hp->n_ff;
    s->hb2 = p, p += (size_t)n_batch * hp->n_ff;
    s->rope_freq = p;
    for (uint32_t i = 0; i < hp->n_rot / 2; i++) /* RoPE frequencies base^(-2i/n_rot) */
        p[i] = (float)pow(hp->rope_base, -2.0 * i / hp->n_rot);
    int64_t max_in = hp->dim > hp->n_ff ? hp->dim : hp->n_ff;
    s->mm_scratch_size = mm_scratch_size(max_in, s->n_threads);
    s->mm_scratch = cm_malloc(s->mm_scratch_size);
    *out = s;
    return 0;
}

void llama_state_free(struct llama_state *s)
{
    if (!s) return;
    free(s->k_cache), free(s->v_cache), free(s->act), free(s->mm_scratch), free(s->lora_tmp);
    free(s);
}

void llama_state_reset(struct llama_state *s) { s->n_past = 0; }

void llama_state_truncate(struct llama_state *s, uint32_t n)
{
    if (n < s->n_past) s->n_past = n;
}

static void rmsnorm(float *y, const float *x, const float *w, int64_t T, int64_t n, float eps)
{
    for (int64_t t = 0; t < T; t++) {
        const float *xr = x + t * n;
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)xr[i] * xr[i];
        float sc = (float)(1.0 / sqrt(ss / (double)n + eps));
        for (int64_t i = 0; i < n; i++) y[t * n + i] = xr[i] * sc * w[i];
    }
}

/* In every head, pair i < n_rot/2 turns by pos * freq[i]. llama.cpp's NORM mode (llama)
 * pairs the adjacent values (2i, 2i+1); its NEOX mode (qwen2) pairs (i, i + n_rot/2). Values
 * past n_rot are left as they are in both. */
static void rope(float *v, int64_t T, uint32_t n_heads, uint32_t hs, uint32_t n_rot, const float *freq, uint32_t p0,
                 int neox)
{
    const uint32_t stride = neox ? 1 : 2, other = neox ? n_rot / 2 : 1;
    for (int64_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < n_rot / 2; i++) {
            double a = (double)(p0 + t) * freq[i];
            float c = (float)cos(a), sn = (float)sin(a);
            for (uint32_t h = 0; h < n_heads; h++) {
                float *x = v + (size_t)t * n_heads * hs + (size_t)h * hs + stride * i;
                float x0 = x[0], x1 = x[other];
                x[0] = x0 * c - x1 * sn;
                x[other] = x0 * sn + x1 * c;
            }
        }
}

/* y[t] += b for each of the T rows of n values (no-op without a bias). */
static void add_bias(float *y, const float *b, int64_t T, size_t n)
{
    if (!b) return;
    for (int64_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) y[(size_t)t * n + i] += b[i];
}

/* ---- attention ----
 * The key cache is kept in blocks of KB positions, each block transposed:
 * (n_layer, n_kv, n_ctx / KB, head_size, KB). A block's i-th components of its KB positions
 * are contiguous, so the scores of a block are vertical multiply-adds (no horizontal sum a
 * position), a block is one contiguous read, and a prompt's S = Q K^T is a product a block.
 * Values are (n_layer, n_kv, n_ctx, head_size): a head's values one contiguous stream. */

static inline uint16_t *k_at(const struct llama_state *s, uint32_t l, uint32_t g)
{
    const struct llama_model *m = s->m;
    return s->k_cache + ((size_t)l * m->hp.n_head_kv + g) * m->head_size * llama_key_positions(s->n_ctx);
}

static inline uint16_t *v_at(const struct llama_state *s, uint32_t l, uint32_t g)
{
    const struct llama_model *m = s->m;
    return s->v_cache + ((size_t)l * m->hp.n_head_kv + g) * m->head_size * s->n_ctx;
}

/* fp16 cache values to f32: F16C where the CPU has it (every CPU of the avx2 and AVX-512
 * kernel sets), else the portable conversion. */
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx,f16c"))) static void kv_f32_f16c(const uint16_t *src, float *dst, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = fp16_to_f32(src[i]);
}
#endif

static void kv_f32(const uint16_t *src, float *dst, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("f16c")) {
        kv_f32_f16c(src, dst, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) dst[i] = fp16_to_f32(src[i]);
}

/* The scores of nh query heads (rows of q, hs apart) for positions 0..L-1 against the
 * blocked keys kb (above), times scale, into S (nh rows of L): a block's key rows read once
 * for all the heads, converted to f32 into kf (hs x KB floats, in L1) first. */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void att_scores(const float *q, uint32_t nh,
                                                                                    uint32_t hs, const uint16_t *kb,
                                                                                    int64_t L, float scale, float *S,
                                                                                    float *kf)
{
    for (int64_t j0 = 0; j0 < L; j0 += KB, kb += (size_t)hs * KB) {
        const int64_t n = L - j0 < KB ? L - j0 : KB;
        kv_f32(kb, kf, (size_t)hs * KB);
        float acc[KB];
        for (uint32_t h = 0; h < nh; h++) {
            memset(acc, 0, sizeof(acc));
            for (uint32_t i = 0; i < hs; i++) {
                const float qi = q[(size_t)h * hs + i], *k = kf + (size_t)i * KB;
#pragma omp simd
                for (int j = 0; j < KB; j++) acc[j] += qi * k[j];
            }
            for (int64_t j = 0; j < n; j++) S[(size_t)h * L + j0 + j] = acc[j] * scale;
        }
    }
}

/* out (nh rows of hs) = P (nh rows of L) V (L rows of hs, contiguous), KB rows of V at a
 * time converted to f32 into vf (hs x KB floats). */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void att_values(const float *P, uint32_t nh,
                                                                                    int64_t L, const uint16_t *v,
                                                                                    uint32_t hs, float *out, float *vf)
{
    memset(out, 0, (size_t)nh * hs * sizeof(float));
    for (int64_t j0 = 0; j0 < L; j0 += KB) {
        const int64_t n = L - j0 < KB ? L - j0 : KB;
        kv_f32(v + (size_t)j0 * hs, vf, (size_t)n * hs);
        for (uint32_t h = 0; h < nh; h++) {
            float *o = out + (size_t)h * hs;
            for (int64_t j = 0; j < n; j++) {
                const float a = P[(size_t)h * L + j0 + j], *vr = vf + (size_t)j * hs;
#pragma omp simd
                for (uint32_t i = 0; i < hs; i++) o[i] += a * vr[i];
            }
        }
    }
}

#if defined(__x86_64__)
#define ATT_AVX512 __attribute__((target("avx512f")))

/* att_scores for NH (1-4) heads with AVX-512: a block (KB = 32 positions, two registers) a
 * step, the NH x 2 accumulators in registers, the block read in order; the last block's
 * positions past L are computed from whatever the cache holds there and not stored. */
#define SCORES_NH(NH)                                                                                      \
    ATT_AVX512 static void scores_avx512_##NH(const float *q, uint32_t hs, const uint16_t *kb, int64_t L,   \
                                              float scale, float *S)                                       \
    {                                                                                                      \
        for (int64_t j0 = 0; j0 < L; j0 += KB) {                                                           \
            int64_t left = L - j0;                                                                         \
            __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);                           \
            __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);   \
            __m512 acc[NH][2];                                                                             \
            for (int h = 0; h < NH; h++) acc[h][0] = acc[h][1] = _mm512_setzero_ps();                      \
            for (uint32_t i = 0; i < hs; i++, kb += KB) {                                                  \
                __m512 k0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)kb));                      \
                __m512 k1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kb + 16)));               \
                _Pragma("GCC unroll 4") for (int h = 0; h < NH; h++) {                                     \
                    __m512 qb = _mm512_set1_ps(q[(size_t)h * hs + i]);                                     \
                    acc[h][0] = _mm512_fmadd_ps(qb, k0, acc[h][0]);                                        \
                    acc[h][1] = _mm512_fmadd_ps(qb, k1, acc[h][1]);                                        \
                }                                                                                          \
            }                                                                                              \
            const __m512 sc = _mm512_set1_ps(scale);                                                       \
            for (int h = 0; h < NH; h++) {                                                                 \
                _mm512_mask_storeu_ps(S + (size_t)h * L + j0, m0, _mm512_mul_ps(acc[h][0], sc));           \
                _mm512_mask_storeu_ps(S + (size_t)h * L + j0 + 16, m1, _mm512_mul_ps(acc[h][1], sc));      \
            }                                                                                              \
        }                                                                                                  \
    }

/* att_values for NH heads with AVX-512 (hs a multiple of 16): 64 components (4 registers) a
 * pass, each value row loaded once for the NH heads' accumulators. */
#define VALUES_NH(NH)                                                                                      \
    ATT_AVX512 static void values_avx512_##NH(const float *P, int64_t L, const uint16_t *v, uint32_t hs, float *out) \
    {                                                                                                      \
        for (uint32_t d0 = 0; d0 < hs; d0 += 64) {                                                         \
            const int nz = hs - d0 >= 64 ? 4 : (int)(hs - d0) / 16;                                        \
            __m512 acc[NH][4];                                                                             \
            for (int h = 0; h < NH; h++)                                                                   \
                for (int z = 0; z < 4; z++) acc[h][z] = _mm512_setzero_ps();                               \
            const uint16_t *vr = v + d0;                                                                   \
            for (int64_t j = 0; j < L; j++, vr += hs) {                                                    \
                __m512 vz[4];                                                                              \
                for (int z = 0; z < 4; z++)                                                                \
                    vz[z] = z < nz ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vr + 16 * z))) : _mm512_setzero_ps(); \
                _Pragma("GCC unroll 4") for (int h = 0; h < NH; h++) {                                     \
                    __m512 p = _mm512_set1_ps(P[(size_t)h * L + j]);                                       \
                    for (int z = 0; z < 4; z++) acc[h][z] = _mm512_fmadd_ps(p, vz[z], acc[h][z]);          \
                }                                                                                          \
            }                                                                                              \
            for (int h = 0; h < NH; h++)                                                                   \
                for (int z = 0; z < nz; z++) _mm512_storeu_ps(out + (size_t)h * hs + d0 + 16 * z, acc[h][z]); \
        }                                                                                                  \
    }

SCORES_NH(1) SCORES_NH(2) SCORES_NH(3) SCORES_NH(4)
VALUES_NH(1) VALUES_NH(2) VALUES_NH(3) VALUES_NH(4)

#define ATT_AVX2 __attribute__((target("avx2,fma,f16c")))

/* The same with AVX2 and F16C (8 lanes, 16 registers): scores a half block (16 positions,
 * two registers) a pass, so NH x 2 accumulators and two keys fit; the last block's positions
 * past L are computed and not stored. */
#define SCORES2_NH(NH)                                                                                     \
    ATT_AVX2 static void scores_avx2_##NH(const float *q, uint32_t hs, const uint16_t *kb, int64_t L,       \
                                          float scale, float *S)                                           \
    {                                                                                                      \
        float tail[16];                                                                                    \
        for (int64_t j0 = 0; j0 < L; j0 += KB, kb += (size_t)hs * KB) {                                    \
            for (int half = 0; half < 2 && j0 + 16 * half < L; half++) {                                   \
                const int64_t jh = j0 + 16 * half, left = L - jh;                                          \
                __m256 acc[NH][2];                                                                         \
                for (int h = 0; h < NH; h++) acc[h][0] = acc[h][1] = _mm256_setzero_ps();                  \
                const uint16_t *kr = kb + 16 * half;                                                       \
                for (uint32_t i = 0; i < hs; i++, kr += KB) {                                              \
                    __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)kr));                     \
                    __m256 k1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kr + 8)));               \
                    _Pragma("GCC unroll 4") for (int h = 0; h < NH; h++) {                                 \
                        __m256 qb = _mm256_set1_ps(q[(size_t)h * hs + i]);                                 \
                        acc[h][0] = _mm256_fmadd_ps(qb, k0, acc[h][0]);                                    \
                        acc[h][1] = _mm256_fmadd_ps(qb, k1, acc[h][1]);                                    \
                    }                                                                                      \
                }                                                                                          \
                const __m256 sc = _mm256_set1_ps(scale);                                                   \
                for (int h = 0; h < NH; h++) {                                                             \
                    float *dst = left >= 16 ? S + (size_t)h * L + jh : tail;                               \
                    _mm256_storeu_ps(dst, _mm256_mul_ps(acc[h][0], sc));                                   \
                    _mm256_storeu_ps(dst + 8, _mm256_mul_ps(acc[h][1], sc));                               \
                    if (left < 16) memcpy(S + (size_t)h * L + jh, tail, (size_t)left * sizeof(float));    \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }

/* values with AVX2 (hs a multiple of 16): 16 components (two registers) a pass. */
#define VALUES2_NH(NH)                                                                                     \
    ATT_AVX2 static void values_avx2_##NH(const float *P, int64_t L, const uint16_t *v, uint32_t hs, float *out) \
    {                                                                                                      \
        for (uint32_t d0 = 0; d0 < hs; d0 += 16) {                                                         \
            __m256 acc[NH][2];                                                                             \
            for (int h = 0; h < NH; h++) acc[h][0] = acc[h][1] = _mm256_setzero_ps();                      \
            const uint16_t *vr = v + d0;                                                                   \
            for (int64_t j = 0; j < L; j++, vr += hs) {                                                    \
                __m256 v0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)vr));                         \
                __m256 v1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vr + 8)));                   \
                _Pragma("GCC unroll 4") for (int h = 0; h < NH; h++) {                                     \
                    __m256 p = _mm256_set1_ps(P[(size_t)h * L + j]);                                       \
                    acc[h][0] = _mm256_fmadd_ps(p, v0, acc[h][0]);                                         \
                    acc[h][1] = _mm256_fmadd_ps(p, v1, acc[h][1]);                                         \
                }                                                                                          \
            }                                                                                              \
            for (int h = 0; h < NH; h++) {                                                                 \
                _mm256_storeu_ps(out + (size_t)h * hs + d0, acc[h][0]);                                    \
                _mm256_storeu_ps(out + (size_t)h * hs + d0 + 8, acc[h][1]);                                \
            }                                                                                              \
        }                                                                                                  \
    }

SCORES2_NH(1) SCORES2_NH(2) SCORES2_NH(3) SCORES2_NH(4)
VALUES2_NH(1) VALUES2_NH(2) VALUES2_NH(3) VALUES2_NH(4)
#endif

/* Whether the AVX-512 loops run: when the kernel set in use is an AVX-512 one
 * (CHATMPI_SIMD=avx2 takes the AVX2 loops below, scalar the portable ones, which tests
 * compare with both). */
static int att_avx512(uint32_t hs)
{
#if defined(__x86_64__)
    return hs % 16 == 0 && mm_simd_current() >= MM_SIMD_AVX512;
#else
    (void)hs;
    return 0;
#endif
}

/* With the avx2 kernel set (on a CPU with FMA and F16C, as every AVX2 CPU has), the AVX2 loops. */
static int att_avx2(uint32_t hs)
{
#if defined(__x86_64__)
    static int f16c = -1;
    if (f16c < 0) f16c = __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    return hs % 16 == 0 && f16c && mm_simd_current() == MM_SIMD_AVX2;
#else
    (void)hs;
    return 0;
#endif
}

#if defined(__x86_64__)
typedef void (*scores_fn)(const float *, uint32_t, const uint16_t *, int64_t, float, float *);
typedef void (*values_fn)(const float *, int64_t, const uint16_t *, uint32_t, float *);
static const scores_fn scores_avx512[4] = {scores_avx512_1, scores_avx512_2, scores_avx512_3, scores_avx512_4};
static const values_fn values_avx512[4] = {values_avx512_1, values_avx512_2, values_avx512_3, values_avx512_4};
static const scores_fn scores_avx2[4] = {scores_avx2_1, scores_avx2_2, scores_avx2_3, scores_avx2_4};
static const values_fn values_avx2[4] = {values_avx2_1, values_avx2_2, values_avx2_3, values_avx2_4};
#endif

/* The NH-head kernels take the group's heads 4 at a time (the last 1-3). */
static void scores(const float *q, uint32_t nh, uint32_t hs, const uint16_t *kb, int64_t L, float scale, float *S,
                   float *conv)
{
#if defined(__x86_64__)
    const scores_fn *k = att_avx512(hs) ? scores_avx512 : att_avx2(hs) ? scores_avx2 : NULL;
    if (k) {
        for (uint32_t h = 0; h < nh; h += 4)
            k[(nh - h >= 4 ? 4 : nh - h) - 1](q + (size_t)h * hs, hs, kb, L, scale, S + (size_t)h * L);
        return;
    }
#endif
    att_scores(q, nh, hs, kb, L, scale, S, conv);
}

static void values(const float *P, uint32_t nh, int64_t L, const uint16_t *v, uint32_t hs, float *out, float *conv)
{
#if defined(__x86_64__)
    const values_fn *k = att_avx512(hs) ? values_avx512 : att_avx2(hs) ? values_avx2 : NULL;
    if (k) {
        for (uint32_t h = 0; h < nh; h += 4)
            k[(nh - h >= 4 ? 4 : nh - h) - 1](P + (size_t)h * L, L, v, hs, out + (size_t)h * hs);
        return;
    }
#endif
    att_values(P, nh, L, v, hs, out, conv);
}

/* Each row of S (nh rows of L) turned into its softmax in place. */
static void softmax_rows(float *S, uint32_t nh, int64_t L)
{
    for (uint32_t h = 0; h < nh; h++) {
        float *row = S + (size_t)h * L, mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < L; j++) mx = row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < L; j++) sum += (row[j] = cm_expf_neg(row[j] - mx));
        float inv = 1.0f / sum;
#pragma omp simd
        for (int64_t j = 0; j < L; j++) row[j] *= inv;
    }
}

static _Thread_local struct {
    float *p;
    size_t n; /* bytes */
} att_rows, att_conv; /* scores; keys and values converted to f32 */

/* The attention of each token of the chunk on its own (decode, and prompts without
 * OpenBLAS): per (token, key/value head) the group's query heads (consecutive in q) take
 * the scores of positions 0..n_past+t together, so each cached key and value is read once
 * for the group. */
static void attention(struct llama_state *s, uint32_t l, int64_t T, float *out)
{
    const struct llama_model *m = s->m;
    const uint32_t hs = m->head_size, n_kv = m->hp.n_head_kv;
    const uint32_t group = m->hp.n_head / n_kv, dim = m->hp.dim;
    const float scale = 1.0f / sqrtf((float)hs);
    const int64_t n_work = T * n_kv;
#pragma omp parallel num_threads(s->n_threads)
    {
        float *S = cm_grow((void **)&att_rows.p, &att_rows.n, (size_t)group * (s->n_past + T) * sizeof(float));
        float *conv = cm_grow((void **)&att_conv.p, &att_conv.n, (size_t)hs * KB * sizeof(float));
#pragma omp for schedule(dynamic, 1)
        for (int64_t w = 0; w < n_work; w++) {
            int64_t t = w / n_kv, L = (int64_t)s->n_past + t + 1;
            uint32_t g = (uint32_t)(w % n_kv);
            size_t qo = (size_t)t * dim + (size_t)g * group * hs;
            scores(s->q + qo, group, hs, k_at(s, l, g), L, scale, S, conv);
            softmax_rows(S, group, L);
            values(S, group, L, v_at(s, l, g), hs, out + qo, conv);
        }
    }
}

/* A chunk's attention as matrix products, one head at a time on each thread: the scores
 * S = Q_h K_g^T (T x L, L = n_past + T, K_g the head's group's keys), each row's causal
 * softmax (positions after the token zeroed), then out_h = P V_g; sgemm runs single-threaded
 * in our threads. The row-by-row loop above does T x L dot products of head_size values,
 * which a long prompt makes the larger part of its time. Returns -1 (nothing done) without
 * OpenBLAS. */
static int attention_gemm(struct llama_state *s, uint32_t l, int64_t T, float *out)
{
    if (!mm_sgemm_available()) return -1;
    const struct llama_model *m = s->m;
    const uint32_t hs = m->head_size, n_head = m->hp.n_head;
    const uint32_t group = n_head / m->hp.n_head_kv, dim = m->hp.dim;
    const float scale = 1.0f / sqrtf((float)hs);
    const int64_t L = (int64_t)s->n_past + T;
#pragma omp parallel num_threads(s->n_threads)
    {
        float *S = cm_grow((void **)&att_rows.p, &att_rows.n, (size_t)T * (size_t)L * sizeof(float));
        const size_t nk = (size_t)llama_key_positions((uint32_t)L) * hs; /* the head's keys, then values, in f32 */
        float *kf = cm_grow((void **)&att_conv.p, &att_conv.n, (nk + (size_t)L * hs) * sizeof(float)), *vf = kf + nk;
        uint32_t conv_g = UINT32_MAX; /* the group converted last */
#pragma omp for schedule(dynamic, 1)
        for (uint32_t h = 0; h < n_head; h++) {
            if (h / group != conv_g) {
                conv_g = h / group;
                kv_f32(k_at(s, l, conv_g), kf, nk);
                kv_f32(v_at(s, l, conv_g), vf, (size_t)L * hs);
            }
            const float *kb = kf;
            for (int64_t j0 = 0; j0 < L; j0 += KB, kb += (size_t)hs * KB) /* a block of keys a product */
                mm_sgemm_rm(0, 0, T, L - j0 < KB ? L - j0 : KB, hs, scale, s->q + (size_t)h * hs, dim, kb, KB, 0.0f,
                            S + j0, L);
            for (int64_t t = 0; t < T; t++) {
                float *row = S + (size_t)t * L;
                int64_t valid = (int64_t)s->n_past + t + 1;
                float mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j < valid; j++) mx = row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : sum)
                for (int64_t j = 0; j < valid; j++) sum += (row[j] = cm_expf_neg(row[j] - mx));
                float inv = 1.0f / sum;
#pragma omp simd
                for (int64_t j = 0; j < valid; j++) row[j] *= inv;
                if (valid < L) memset(row + valid, 0, (size_t)(L - valid) * sizeof(float));
            }
            mm_sgemm_rm(0, 0, T, hs, L, 1.0f, S, L, vf, hs, 0.0f, out + (size_t)h * hs, dim);
        }
    }
    return 0;
}

static void add(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* y = W x for the chunk, plus the update of every adapter attached to W. */
static void mm(struct llama_state *s, const struct llama_weight *w, const float *x, int64_t T, float *y)
{
    llama_matmul(w, x, T, y, s->mm_scratch, s->n_threads);
    for (const struct llama_lora_delta *d = w->lora; d; d = d->next) {
        llama_matmul(&d->a, x, T, s->lora_tmp, s->mm_scratch, s->n_threads);
        llama_matmul_add(&d->b, s->lora_tmp, T, y, d->scale, s->mm_scratch, s->n_threads);
    }
}

/* One chunk of T <= n_batch tokens at positions n_past..; logits as llama_eval's. */
static void eval_chunk(struct llama_state *s, const int32_t *tok, int64_t T, float *logits, int all)
{
    const struct llama_model *m = s->m;
    const struct llama_hparams *hp = &m->hp;
    const size_t dim = hp->dim, kv_dim = m->kv_dim, n_ff = hp->n_ff;
    const float *freq = s->rope_freq;
    const int neox = llama_arch_rope_neox(hp->arch);
    for (int64_t t = 0; t < T; t++)
        tensor_dequantize_row(m->tok_embd.type, (const uint8_t *)m->tok_embd.data + (size_t)tok[t] * m->tok_embd.row_bytes,
                              s->x + t * dim, (int64_t)dim);
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];
        rmsnorm(s->xb, s->x, L->attn_norm, T, dim, hp->norm_eps);
        mm(s, &L->wq, s->xb, T, s->q);
        mm(s, &L->wk, s->xb, T, s->k);
        mm(s, &L->wv, s->xb, T, s->v);
        add_bias(s->q, L->bq, T, dim);
        add_bias(s->k, L->bk, T, kv_dim);
        add_bias(s->v, L->bv, T, kv_dim);
        rope(s->q, T, hp->n_head, m->head_size, hp->n_rot, freq, s->n_past, neox);
        rope(s->k, T, hp->n_head_kv, m->head_size, hp->n_rot, freq, s->n_past, neox);
        for (uint32_t g = 0; g < hp->n_head_kv; g++) { /* keys transposed, values a head at a time */
            const size_t hs = m->head_size;
            uint16_t *kb = k_at(s, l, g), *vt = v_at(s, l, g) + (size_t)s->n_past * hs;
            for (int64_t t = 0; t < T; t++) {
                size_t pos = s->n_past + (size_t)t;
                uint16_t *col = kb + pos / KB * hs * KB + pos % KB;
                const float *kr = s->k + t * kv_dim + g * hs, *vr = s->v + t * kv_dim + g * hs;
                for (size_t i = 0; i < hs; i++) col[i * KB] = fp16_from_f32(kr[i]);
                for (size_t i = 0; i < hs; i++) vt[t * hs + i] = fp16_from_f32(vr[i]);
            }
        }
        if (T == 1 || attention_gemm(s, l, T, s->xb)) attention(s, l, T, s->xb);
        mm(s, &L->wo, s->xb, T, s->xb2);
        add(s->x, s->xb2, T * dim);
        rmsnorm(s->xb, s->x, L->ffn_norm, T, dim, hp->norm_eps);
        mm(s, &L->w_gate, s->xb, T, s->hb);
        mm(s, &L->w_up, s->xb, T, s->hb2);
        for (size_t i = 0; i < T * n_ff; i++) {
            float g = s->hb[i];
            s->hb[i] = g / (1.0f + expf(-g)) * s->hb2[i];
        }
        mm(s, &L->w_down, s->hb, T, s->xb2);
        add(s->x, s->xb2, T * dim);
    }
    if (logits) {
        int64_t r0 = all ? 0 : T - 1;
        rmsnorm(s->xb, s->x + r0 * dim, m->output_norm, T - r0, dim, hp->norm_eps);
        mm(s, &m->output, s->xb, T - r0, logits);
    }
    s->n_past += (uint32_t)T;
}

int llama_eval(struct llama_state *s, const int32_t *tokens, size_t n, float *logits, int all_logits)
{
    const uint32_t n_vocab = s->m->hp.n_vocab;
    if (n == 0) return cm_error_set(CM_EINVAL, "no tokens to evaluate");
    if (n > s->n_ctx - s->n_past) {
        cm_error_set(CM_EINVAL, "context is full: %u + %zu tokens exceed %u", s->n_past, n, s->n_ctx);
        cm_error_hint("use a shorter prompt, fewer new tokens or a larger context");
        return CM_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= n_vocab)
            return cm_error_set(CM_EINVAL, "token id %d at index %zu is out of range (vocabulary of %u)",
                                (int)tokens[i], i, n_vocab);
    if (s->lora_r_cap < s->m->lora_max_r) { /* adapters attached since the state was made */
        free(s->lora_tmp);
        s->lora_r_cap = s->m->lora_max_r;
        s->lora_tmp = cm_malloc((size_t)s->n_batch * s->lora_r_cap * sizeof(float));
    }
    for (size_t c = 0; c < n; c += s->n_batch) {
        size_t T = n - c < s->n_batch ? n - c : s->n_batch;
        float *lg = NULL;
        if (logits && all_logits) lg = logits + c * n_vocab;
        else if (logits && c + T == n) lg = logits;
        eval_chunk(s, tokens + c, (int64_t)T, lg, all_logits);
    }
    return 0;
}
