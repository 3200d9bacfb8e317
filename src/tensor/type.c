/* type.c — the table of GGUF tensor element types (ids, block sizes, bytes per block),
 * row sizes and name lookup. The numbers are the public GGUF/ggml type table; retired ids
 * (4, 5, 31-33, 36-38) are unknown on purpose, as in current llama.cpp.
 * Each row also points to the type's row conversions (convert.c, kquant.c), or NULL.
 * Left out: the conversions themselves. */
#include <stddef.h>
#include <strings.h>

#include "core/error.h"
#include "tensor/convert.h"
#include "tensor/tensor.h"

/* ROW(name, values a block, bytes a block, CONV(t) | DEQ(t) | NONE): both conversions, only
 * dequantization, or none. The flags are written out, not computed from the pointers, so the
 * table stays a constant initializer under every compiler option (-fsanitize=undefined). */
#define ROW(NAME, BS, TS, ...) ROW_(NAME, BS, TS, __VA_ARGS__)
#define ROW_(NAME, BS, TS, CAN_TO, CAN_FROM, TO, FROM) {NAME, BS, TS, CAN_TO, CAN_FROM, TO, FROM}
#define CONV(T) 1, 1, tensor_##T##_to_float, tensor_##T##_from_float
#define DEQ(T) 1, 0, tensor_##T##_to_float, NULL
#define NONE 0, 0, NULL, NULL

static const struct tensor_type_info type_table[TENSOR_TYPE_COUNT] = {
    [0] = ROW("f32", 1, 4, CONV(f32)),
    [1] = ROW("f16", 1, 2, CONV(f16)),
    [2] = ROW("q4_0", 32, 18, CONV(q4_0)),
    [3] = ROW("q4_1", 32, 20, CONV(q4_1)),
    [6] = ROW("q5_0", 32, 22, CONV(q5_0)),
    [7] = ROW("q5_1", 32, 24, CONV(q5_1)),
    [8] = ROW("q8_0", 32, 34, CONV(q8_0)),
    [9] = ROW("q8_1", 32, 36, NONE),
    [10] = ROW("q2_k", 256, 84, DEQ(q2_k)),
    [11] = ROW("q3_k", 256, 110, DEQ(q3_k)),
    [12] = ROW("q4_k", 256, 144, CONV(q4_k)),
    [13] = ROW("q5_k", 256, 176, CONV(q5_k)),
    [14] = ROW("q6_k", 256, 210, CONV(q6_k)),
    [15] = ROW("q8_k", 256, 292, NONE),
    [16] = ROW("iq2_xxs", 256, 66, NONE),
    [17] = ROW("iq2_xs", 256, 74, NONE),
    [18] = ROW("iq3_xxs", 256, 98, NONE),
    [19] = ROW("iq1_s", 256, 50, NONE),
    [20] = ROW("iq4_nl", 32, 18, NONE),
    [21] = ROW("iq3_s", 256, 110, NONE),
    [22] = ROW("iq2_s", 256, 82, NONE),
    [23] = ROW("iq4_xs", 256, 136, NONE),
    [24] = ROW("i8", 1, 1, NONE),
    [25] = ROW("i16", 1, 2, NONE),
    [26] = ROW("i32", 1, 4, NONE),
    [27] = ROW("i64", 1, 8, NONE),
    [28] = ROW("f64", 1, 8, NONE),
    [29] = ROW("iq1_m", 256, 56, NONE),
    [30] = ROW("bf16", 1, 2, CONV(bf16)),
    [34] = ROW("tq1_0", 256, 54, NONE),
    [35] = ROW("tq2_0", 256, 66, NONE),
    [39] = ROW("mxfp4", 32, 17, NONE),
};

const struct tensor_type_info *tensor_type_get(uint32_t type)
{
    if (type >= TENSOR_TYPE_COUNT || !type_table[type].name) return NULL;
    return &type_table[type];
}

const char *tensor_type_name(uint32_t type)
{
    const struct tensor_type_info *t = tensor_type_get(type);
    return t ? t->name : "unknown";
}

int tensor_type_from_name(uint32_t *out, const char *name)
{
    for (uint32_t i = 0; i < TENSOR_TYPE_COUNT; i++)
        if (type_table[i].name && !strcasecmp(type_table[i].name, name)) {
            *out = i;
            return 0;
        }
    return cm_error_set(CM_EINVAL, "unknown tensor type '%s'", name);
}

size_t tensor_row_size(uint32_t type, int64_t n)
{
    const struct tensor_type_info *t = tensor_type_get(type);
    if (!t || n <= 0 || n % t->block_size) return 0;
    return (size_t)(n / t->block_size) * t->type_size;
}
