/* tensor.h — tensor element types as ggml/llama.cpp number and lay them out in GGUF.
 *
 * Every type id that GGUF files carry is known here with its block size and bytes per
 * block, so that any model's tensors can be sized and validated. One table (type.c) holds,
 * per type, those sizes and the row conversions that exist for it:
 *   dequantize (to f32): F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K,
 *                        Q5_K, Q6_K
 *   quantize (from f32): F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (ggml's reference
 *                        round-to-nearest), Q4_K, Q5_K, Q6_K (ggml's reference searches
 *                        make_qkx2_quants / make_qx_quants, no importance matrix)
 * Block layouts (little-endian, packed; "nibbles" are 16 bytes whose low halves are values
 * 0..15 and high halves values 16..31 of the block):
 *   Q8_0  32 values, 34 bytes:  fp16 d; int8 qs[32]                    x = d * q
 *   Q4_0  32 values, 18 bytes:  fp16 d; nibbles qs[16]                 x = d * (q - 8)
 *   Q4_1  32 values, 20 bytes:  fp16 d; fp16 m; nibbles qs[16]         x = d * q + m
 *   Q5_0  32 values, 22 bytes:  fp16 d; uint32 qh (bit j: value j's 5th bit); nibbles qs[16]
 *                                                                      x = d * (q - 16)
 *   Q5_1  32 values, 24 bytes:  fp16 d; fp16 m; uint32 qh; nibbles qs[16]  x = d * q + m
 *   Q2_K 256 values, 84 bytes:  uint8 scales[16] (low 4 bits scale, high 4 bits min, one a
 *                               16 values); uint8 qs[64] (2 bits); fp16 d; fp16 dmin
 *                                                        x = d * sc * q - dmin * m
 *   Q3_K 256 values, 110 bytes: uint8 hmask[32] (3rd bit); uint8 qs[64] (low 2 bits);
 *                               uint8 scales[12] (16 6-bit scales, stored + 32); fp16 d
 *                                                        x = d * (sc - 32) * (q - 4)
 *   Q4_K 256 values, 144 bytes: fp16 d; fp16 dmin; uint8 scales[12] (8 6-bit scales and 8
 *                               6-bit mins, one a 32 values); uint8 qs[128] (4 bits)
 *                                                        x = d * sc * q - dmin * m
 *   Q5_K 256 values, 176 bytes: as Q4_K with uint8 qh[32] (5th bits) before qs
 *   Q6_K 256 values, 210 bytes: uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d
 *                                                        x = d * sc * (q - 32)
 * The bit orders within the K blocks are ggml's (convert.c and kquant.c spell them out).
 * Left out: Q2_K/Q3_K quantizers, importance-weighted quantization, IQ*, TQ*, MXFP4, Q8_1
 * and Q8_K (activation-only types); matrix kernels (src/model/matmul*).
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

/* Row conversions: n values, n a multiple of the type's block size (checked by the callers
 * below, not by these). */
typedef void (*tensor_to_float_fn)(const void *src, float *dst, int64_t n);
typedef void (*tensor_from_float_fn)(const float *src, void *dst, int64_t n);

/* One row of the type table: all that is known about a type. A new type is a row here
 * plus its conversions (and, to be multiplied, its kernels in src/model/matmul*). */
struct tensor_type_info {
    const char *name;    /* llama.cpp's lowercase name: "q8_0", "bf16" */
    uint32_t block_size; /* values per block */
    uint32_t type_size;  /* bytes per block */
    int can_dequantize;  /* to_float != NULL */
    int can_quantize;    /* from_float != NULL */
    tensor_to_float_fn to_float;
    tensor_from_float_fn from_float;
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
