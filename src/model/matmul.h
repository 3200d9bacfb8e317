/* matmul.h — y = W x for the model's weights in their stored types, on the CPU.
 *
 * One token (decode): a matrix-vector product parallel over output rows (OpenMP), each
 * row dotted in one piece by one thread, so results do not depend on the thread count.
 * F32 and F16 rows are dotted with the f32 activation; Q8_0 and Q4_0 rows block by block
 * with integer arithmetic against the activation quantized to 8 bits per 32 values (an f32
 * scale per block); other types (BF16, Q6_K) are dequantized a row at a time.
 * A batch (prefill): each thread takes tiles of MM_TILE output rows, dequantizes the tile
 * to f32 (F32 tiles are used in place) and multiplies it with the whole batch by
 * cblas_sgemm, OpenBLAS running single-threaded inside our OpenMP threads. OpenBLAS is
 * loaded with dlopen on first use, not linked (its thread pool, started on load, would
 * keep `chatmpi check` out of its sandbox); without it the tile is dotted row by row.
 * Kernels: AVX2+FMA+F16C when the CPU has them (checked once at run time with
 * __builtin_cpu_supports), portable C otherwise; mm_force_portable selects the portable
 * ones (tests compare the two).
 * Left out: AVX-512 and ARM kernels, K-quant dot products, weight repacking.
 */
#ifndef CM_MODEL_MATMUL_H
#define CM_MODEL_MATMUL_H

#include <stddef.h>
#include <stdint.h>

struct llama_weight;

#define MM_TILE 64 /* output rows per dequantized tile in the batched product */

/* Scratch bytes llama_matmul needs for rows of up to max_n_in values with n_threads threads. */
size_t mm_scratch_size(int64_t max_n_in, int n_threads);

/* y (T x n_out, row-major) = x (T x n_in, row-major) times W transposed. scratch holds
 * mm_scratch_size(>= w->n_in, n_threads) bytes; the OpenMP team is capped at n_threads. */
void llama_matmul(const struct llama_weight *w, const float *x, int64_t T, float *y, void *scratch,
                  int n_threads);
/* The same, accumulating: y += alpha * (x times W transposed) (LoRA updates). */
void llama_matmul_add(const struct llama_weight *w, const float *x, int64_t T, float *y, float alpha, void *scratch,
                      int n_threads);

/* dot(row, x) for one row of n values of the given type; the reference the kernels are
 * tested against (dequantizes, then sums in double). */
double mm_dot_reference(uint32_t type, const void *row, const float *x, int64_t n);

/* 1 selects the portable kernels, 0 the best the CPU supports; returns the previous setting. */
int mm_force_portable(int on);
/* "openblas" or "none": what multiplies the batched tiles (loads the library if need be). */
const char *mm_blas_name(void);
/* "avx2" or "portable": the kernels now in use. */
const char *mm_kernel_name(void);

#endif
