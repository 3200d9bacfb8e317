/* matmul_impl.h — what matmul.c shares with the kernel files (matmul_avx512.c): the
 * quantized activation block and the table of row dot kernels. Not for other callers. */
#ifndef CM_MODEL_MATMUL_IMPL_H
#define CM_MODEL_MATMUL_IMPL_H

#include <stdint.h>

/* An activation block: 32 values as int8 with an f32 scale (more exact than Q8_0's fp16).
 * The quantized values lie in [-127, 127]. */
struct mm_q8 {
    float d;
    int8_t qs[32];
};

/* dot(row w, x) over n values: f32 and f16 rows with f32 x; q8_0 and q4_0 rows with x as
 * n/32 struct mm_q8 blocks. */
typedef float (*mm_dot_fn)(const void *w, const void *x, int64_t n);

struct mm_kernels {
    const char *name;
    mm_dot_fn f32, f16, q8_0, q4_0;
};

#if defined(__x86_64__) || defined(__i386__)
extern const struct mm_kernels mm_kernels_avx512;      /* AVX512F+BW (integer dots with vpmaddubsw) */
extern const struct mm_kernels mm_kernels_avx512vnni;  /* AVX512F+BW+VNNI (integer dots with vpdpbusd) */
#endif

#endif
