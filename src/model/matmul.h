/* matmul.h — y = W x for the model's weights in their stored types, on the CPU.
 *
 * One token (decode): a matrix-vector product parallel over output rows (OpenMP), each
 * row dotted in one piece by one thread, so results do not depend on the thread count.
 * F32 and F16 rows are dotted with the f32 activation; the block types (Q8_0, Q4_0, Q4_1,
 * Q5_0, Q5_1, Q2_K..Q6_K) block by block with integer arithmetic against the activation
 * quantized to 8 bits per 32 values (an f32 scale and the values' sum per block; the
 * K-quants take 8 such blocks a 256-value super-block); BF16 is dequantized a row at a time.
 * A batch (prefill) in bf16 mode (mm_batch_current below; where the CPU has AVX512_BF16) takes
 * the weight a block of rows at a time as bf16 (F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K
 * straight from their blocks, mm_dequantize_bf16; the others dequantized to f32 and rounded) into oneDNN's
 * bf16 matmul. In f32 mode: each thread takes tiles of MM_TILE output rows, dequantizes the tile
 * to f32 (F32 tiles are used in place) and multiplies it with the whole batch by
 * cblas_sgemm, OpenBLAS running single-threaded inside our OpenMP threads. OpenBLAS is
 * loaded with dlopen on first use, not linked (its thread pool, started on load, would
 * keep `chatmpi check` out of its sandbox); without it the tile is dotted row by row.
 * Kernels (the row dots of one-token products): sets chosen at run time with
 * __builtin_cpu_supports, each compiled with function-level target attributes so the
 * binary runs on any x86-64: AVX-512 with VNNI, AVX-512 (F+BW), AVX2 (+FMA+F16C), and
 * portable C ("scalar") everywhere. The best the CPU has is used unless $CHATMPI_SIMD
 * names another (scalar, avx2, avx512, avx512vnni; a set the CPU lacks gives the best one
 * below it) or mm_simd_select picks one (tests compare every set with the scalar one).
 * Which set has a SIMD kernel for which type: AVX2 for F32, F16, Q8_0, Q4_0, Q4_1, Q5_0,
 * Q5_1, Q4_K, Q5_K, Q6_K; AVX-512 (and VNNI) for F32, F16, Q8_0, Q4_0, Q4_1, the others
 * through the AVX2 kernels; Q2_K and Q3_K only portable C.
 * Left out: ARM kernels, AVX-512 for the batched tiles (sgemm's own), Q8_K-style 256-value
 * activation blocks, weight repacking.
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

/* A row of n values of type as bf16 (a prompt product's weight block): straight from the
 * blocks where this CPU has AVX512_BF16 and the type a kernel (all but bf16, q2_k, q3_k;
 * returns 1), else dequantized into tmp (n floats) and rounded (returns 0); the same
 * bits either way. */
int mm_dequantize_bf16(uint32_t type, const void *row, uint16_t *dst, int64_t n, float *tmp);

/* The kernel sets, slowest first. */
enum mm_simd { MM_SIMD_SCALAR = 0, MM_SIMD_AVX2, MM_SIMD_AVX512, MM_SIMD_AVX512_VNNI, MM_SIMD_COUNT };

/* 1 when this CPU can run the set. */
int mm_simd_supported(enum mm_simd s);
/* "scalar", "avx2", "avx512", "avx512vnni". */
const char *mm_simd_name(enum mm_simd s);
/* The set of that name ("portable" is "scalar"); CM_EINVAL with a hint for an unknown name. */
int mm_simd_from_name(enum mm_simd *out, const char *name);
/* The set in use (the first call reads $CHATMPI_SIMD). */
enum mm_simd mm_simd_current(void);
/* Uses set s from now on (MM_SIMD_COUNT: the best the CPU has); returns the previous set,
 * or CM_EENV (message set) when the CPU lacks s. Not while products run in other threads. */
int mm_simd_select(enum mm_simd s);
/* "openblas" or "none": what multiplies the batched tiles (loads the library if need be). */
const char *mm_blas_name(void);
/* The name of the set in use (mm_simd_name(mm_simd_current())). */
const char *mm_kernel_name(void);

/* How batches (prefill, T > 1) of quantized or f16/bf16 weights are multiplied: tiles
 * dequantized to f32 for sgemm, or blocks of rows rounded to bf16 (8 significant bits, as the
 * batch) for oneDNN's bf16 matmul with float sums, twice sgemm's speed on a CPU with
 * AVX512_BF16 (or AMX): Qwen2.5-Coder-1.5B Q4_K_M, a 512-token prompt at 1 thread, 19.2-20.6
 * tokens/s in f32, 37.6-40.4 in bf16. F32 weights and LoRA updates always take the f32 path.
 * AUTO, the default, takes bf16 only for weights of MM_BF16_MIN_VALUES (2^18) or more:
 * pretrained models' products, where bf16 pays (SmolLM2-135M's 576 x 576 and 576 x 1,536
 * too: its 128-token prompts at 1 thread 0.85-0.92x llama.cpp in f32, 1.33-1.43x in bf16);
 * chatmpi's own small models (dim 256: products of 256 x 704 at most; their 256 x 2,000
 * output multiplies one row a prompt) keep the exact float prompts they were measured with. */
enum mm_batch { MM_BATCH_F32 = 0, MM_BATCH_BF16, MM_BATCH_AUTO };
#define MM_BF16_MIN_VALUES ((uint64_t)1 << 18)
/* The mode in use: the first call reads $CHATMPI_PREFILL ("f32", "bf16": every non-F32
 * weight, else auto); without AVX512_BF16 always f32. */
enum mm_batch mm_batch_current(void);
/* Uses b from now on; returns the previous mode, or CM_EENV (message set) when the CPU lacks
 * bf16. Not while products run. */
int mm_batch_select(enum mm_batch b);
/* Row-major C = alpha op(A) op(B) + beta C with OpenBLAS's sgemm, single-threaded (call it
 * from inside the caller's OpenMP threads); -1 when OpenBLAS is not there (nothing done). */
int mm_sgemm_available(void);
int mm_sgemm_rm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
/* "bf16 (onednn; ...)", "f32 (openblas)" or "f32 (row dots)", for -v lines. */
const char *mm_batch_name(void);

#endif
