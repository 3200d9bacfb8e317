/* gemm.h — the float training's matrix products: OpenBLAS's sgemm (the default) or products
 * of bf16-rounded inputs summed in float (train config `matmul: bf16`).
 *
 * bf16 mode rounds both inputs of every product to bfloat16 (round to nearest even; a
 * denormal input becomes a signed zero) and sums in float, through oneDNN's matmul
 * (Debian's libdnnl): on a CPU with AMX or AVX512_BF16 it runs their bf16 instructions,
 * which multiply several times faster than float FMA. Parameters, activations, gradients
 * and AdamW stay float; only the products' inputs are rounded (mixed precision as bf16
 * training does it on accelerators). The first call of a shape compiles its kernel
 * (oneDNN's JIT); the kernels are kept for the run, keyed by shape, transposition, alpha
 * and beta (C is always a dense block, added into place when it is not). Results are
 * deterministic run to run on one machine and thread count; unlike sgemm's, they may change
 * with the thread count and between CPUs.
 *
 * Called from one thread at a time (the products themselves are threaded).
 */
#ifndef CM_TRAIN_GEMM_H
#define CM_TRAIN_GEMM_H

#include <cblas.h>
#include <stddef.h>
#include <stdint.h>

enum tr_matmul { TR_MATMUL_F32, TR_MATMUL_BF16 };

/* "f32" or "bf16" -> *m; CM_EINVAL (with a hint) on anything else. */
int tr_matmul_parse(enum tr_matmul *m, const char *name);
const char *tr_matmul_name(enum tr_matmul m);
/* Selects the products of the float trainer. bf16 is refused (CM_ENOTSUP, the reason set)
 * where oneDNN has only its reference kernel for it (a CPU without AVX-512). */
int tr_matmul_set(enum tr_matmul m);
enum tr_matmul tr_matmul_get(void);
/* oneDNN's name of the bf16 kernel (e.g. "brg:avx512_core_amx_bf16"), or "" before bf16 is set. */
const char *tr_matmul_impl(void);
/* Frees the kernels and buffers of bf16 mode (it stays selected). */
void tr_matmul_release(void);

/* cblas_sgemm's contract (row-major only) in the selected mode. */
void tr_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* bf16 mode's attention (train/ops.inc) works on bf16 copies made once a call: */
/* dst (n) = src (n) as bf16 bits */
void tr_bf16_row(uint16_t *dst, const float *src, int n);
/* C (M, N), dense, = alpha op(A) op(B) for dense bf16 A ((M, K), or (K, M) when ta) and B
 * ((K, N), or (N, K) when tb). */
void tr_gemm_bf16(int ta, int tb, int M, int N, int K, float alpha, const uint16_t *A, const uint16_t *B, float *C);
/* A buffer of at least bytes, kept for the run (slot 0..8; tr_matmul_release frees them). */
void *tr_bf16_scratch(int slot, size_t bytes);

/* x rounded to bfloat16 (to nearest even; NaN stays NaN; a denormal becomes a signed zero),
 * widened back to float: what bf16 mode multiplies. */
float tr_bf16_round(float x);

#endif
