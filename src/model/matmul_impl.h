/* matmul_impl.h — what matmul.c shares with the kernel files (matmul_scalar.c,
 * matmul_avx2.c, matmul_avx512.c): the quantized activation layouts and the kernel
 * tables, one per set, indexed by tensor type. Not for other callers. */
#ifndef CM_MODEL_MATMUL_IMPL_H
#define CM_MODEL_MATMUL_IMPL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tensor/tensor.h"

/* An activation block: 32 values as int8 with an f32 scale (more exact than Q8_0's fp16)
 * and the sum of the 32 values (for the types with a min, x = d q + m, whose m term is
 * m d_x sum). The quantized values lie in [-127, 127]. The layout of the scalar and AVX2
 * kernels; the K-quant kernels take these too, 8 to a 256-value super-block. */
struct mm_q8 {
    float d;
    int32_t sum;
    int8_t qs[32];
};

/* The AVX-512 Q8_0 kernels' activation layout: two blocks a 64-byte-aligned record, with what
 * their kernels would otherwise recompute for every row. A missing second block is zeros. */
struct mm_q8x2 {
    int8_t qs[64];  /* block 2p's 32 values, then block 2p+1's */
    float d[16];    /* 2p's scale in lanes 0-7, 2p+1's in lanes 8-15 */
    int32_t c8[16]; /* -128 x the sum of each block's values in its first lane (0 and 8), else 0 */
};

/* The K-quants' activation block (llama.cpp's Q8_K idea): 256 values as int8 with one f32
 * scale, and the sums of each 16 and each 32 values, so that a super-block's products stay
 * integer through its 6-bit (Q4_K, Q5_K) or 8-bit (Q6_K) sub-block scales and one float
 * multiply-add a super-block remains; the min and offset terms come from the sums. Values
 * in [-127, 127]; every set's Q4_K, Q5_K and Q6_K kernels read this (mm_prep_q8k). */
struct mm_q8k {
    _Alignas(64) int8_t qs[256];
    float d;
    int16_t bsums[16]; /* sums of values 16g..16g+15 */
    int16_t sums[8];   /* sums of values 32s..32s+31 */
};

/* v rounded to the nearest integer, ties to even (as lrintf in the default rounding mode),
 * for |v| < 2^22, without a libm call: adding 1.5 x 2^23 leaves the rounded value in the
 * low mantissa bits. */
static inline int32_t mm_round(float v)
{
    float t = v + 12582912.0f;
    int32_t i;
    memcpy(&i, &t, sizeof(i));
    return i - 0x4B400000;
}

/* Quantizes n values (32, or 256 for struct mm_q8k) to an activation block with one scale
 * (every kernel set's activations, so that all sets multiply the same integers). */
static inline void mm_quantize_block(const float *v, int n, float *d, int8_t *qs)
{
    float amax = 0;
    for (int i = 0; i < n; i++) amax = fabsf(v[i]) > amax ? fabsf(v[i]) : amax;
    float dd = amax / 127.0f, id = dd > 0 ? 1.0f / dd : 0.0f;
    *d = dd;
    for (int i = 0; i < n; i++) qs[i] = (int8_t)mm_round(v[i] * id);
}

/* Writes the activation x (n values, n a multiple of 32) in a kernel's layout into dst
 * (64-byte aligned, mm_act_bytes(n) bytes). */
typedef void (*mm_prep_fn)(const float *x, void *dst, int64_t n);

/* dot(row w, x) over n values: w in the entry's type, x as the entry's prep made it (the
 * f32 activation itself when prep is NULL). */
typedef float (*mm_dot_fn)(const void *w, const void *x, int64_t n);

/* A row of n values (a multiple of 32) of a weight type as bf16 (prompt products). */
typedef void (*mm_deq_bf16_fn)(const void *w, uint16_t *dst, int64_t n);

/* One type's kernel in one set. */
struct mm_kernel {
    mm_dot_fn dot;   /* NULL: the set has none; the next set below is asked */
    mm_prep_fn prep; /* the activation layout dot reads; NULL: f32 */
};

/* A kernel set: a kernel per tensor type. A type no set has a kernel for is dequantized a
 * row at a time and dotted in f32 (it needs a to_float in the type table). */
struct mm_kernels {
    const char *name;
    struct mm_kernel k[TENSOR_TYPE_COUNT];
};

/* The 32-value activation blocks of struct mm_q8 (every set's, so that all sets multiply
 * the same integers). */
void mm_prep_q8(const float *x, void *dst, int64_t n);

/* The 256-value blocks of struct mm_q8k (n a multiple of 256). */
void mm_prep_q8k(const float *x, void *dst, int64_t n);

/* Bytes of the larger activation layout for n values. */
static inline size_t mm_act_bytes(int64_t n) { return (size_t)((n + 63) / 64) * sizeof(struct mm_q8x2); }
_Static_assert(sizeof(struct mm_q8k) <= 4 * sizeof(struct mm_q8x2), "mm_act_bytes covers the 256-value blocks");

extern const struct mm_kernels mm_kernels_scalar; /* portable C, every type with a dequantizer but bf16 */
#if defined(__x86_64__) || defined(__i386__)
extern const struct mm_kernels mm_kernels_avx2;        /* AVX2+FMA+F16C */
extern const struct mm_kernels mm_kernels_avx512;      /* AVX512F+BW (integer dots with vpmaddubsw) */
extern const struct mm_kernels mm_kernels_avx512vnni;  /* AVX512F+BW+VNNI (integer dots with vpdpbusd) */
/* rows of these types dequantized straight to bf16, for CPUs with AVX512_BF16 (+BW, VL); NULL
 * entries: dequantize to f32, then round */
extern const mm_deq_bf16_fn mm_deq_bf16_avx512[TENSOR_TYPE_COUNT];
#endif

#endif
