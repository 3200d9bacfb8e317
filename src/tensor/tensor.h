/* tensor.h — tensor element types as ggml/llama.cpp number and lay them out in GGUF.
 *
 * Every type id that GGUF files carry is known here with its block size and bytes per
 * block, so that any model's tensors can be sized and validated. Conversions exist for
 * the types chatmpi computes with:
 *   dequantize (to f32): F32, F16, BF16, Q8_0, Q4_0, Q6_K
 *   quantize (from f32): F32, F16, BF16, Q8_0, Q4_0 (ggml's reference round-to-nearest)
 * Block layouts (little-endian, packed):
 *   Q8_0  32 values, 34 bytes:  fp16 d; int8 qs[32]                 x = d * qs[i]
 *   Q4_0  32 values, 18 bytes:  fp16 d; uint8 qs[16] (low nibbles are values 0..15,
 *                               high nibbles values 16..31)         x = d * (q - 8)
 *   Q6_K 256 values, 210 bytes: uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d
 * Left out: the other quantized formats' (de)quantizers (K-quants except Q6_K
 * dequantization, IQ*, TQ*); matrix kernels (they live beside this in src/tensor/).
 */
#ifndef CM_TENSOR_TENSOR_H
#define CM_TENSOR_TENSOR_H

#include <stddef.h>
#include <stdint.h>

enum tensor_type {
    TENSOR_TYPE_F32 = 0,
    TENSOR_TYPE_F16 = 1,
    TENSOR_TYPE_Q4_0 = 2,
    TENSOR_TYPE_Q4_1 = 3,
    TENSOR_TYPE_Q5_0 = 6,
    TENSOR_TYPE_Q5_1 = 7,
    TENSOR_TYPE_Q8_0 = 8,
    TENSOR_TYPE_Q8_1 = 9,
    TENSOR_TYPE_Q2_K = 10,
    TENSOR_TYPE_Q3_K = 11,
    TENSOR_TYPE_Q4_K = 12,
    TENSOR_TYPE_Q5_K = 13,
    TENSOR_TYPE_Q6_K = 14,
    TENSOR_TYPE_Q8_K = 15,
    TENSOR_TYPE_I8 = 24,
    TENSOR_TYPE_I16 = 25,
    TENSOR_TYPE_I32 = 26,
    TENSOR_TYPE_I64 = 27,
    TENSOR_TYPE_F64 = 28,
    TENSOR_TYPE_BF16 = 30,
    TENSOR_TYPE_COUNT = 40, /* ids are < this; some ids below it are retired */
};

#define TENSOR_QK8_0 32
#define TENSOR_QK4_0 32
#define TENSOR_QK_K 256

struct tensor_type_info {
    const char *name;   /* llama.cpp's lowercase name: "q8_0", "bf16" */
    uint32_t block_size; /* values per block */
    uint32_t type_size;  /* bytes per block */
    int can_dequantize;
    int can_quantize;
};

/* The type's description, or NULL for an id that no GGUF file may carry. Borrowed. */
const struct tensor_type_info *tensor_type_get(uint32_t type);
/* The type's name, or "unknown" (never NULL). */
const char *tensor_type_name(uint32_t type);
/* Looks a name up, case-insensitively ("Q8_0", "f16"); 0 or CM_EINVAL with the message set. */
int tensor_type_from_name(uint32_t *out, const char *name);
/* Bytes of a row of n values, or 0 when the type is unknown or n is not a multiple of
 * its block size (n > 0). */
size_t tensor_row_size(uint32_t type, int64_t n);

/* Converts one row of n values (n a multiple of the block size). Returns 0, or CM_EINVAL
 * (message set) when the type has no such conversion or n does not fit the blocks.
 * tensor_quantize_row also refuses non-finite input (NaN, inf) for the block types. */
int tensor_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n);
int tensor_quantize_row(uint32_t type, const float *src, void *dst, int64_t n);

#endif
