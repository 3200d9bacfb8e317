/* type.c — the table of GGUF tensor element types (ids, block sizes, bytes per block),
 * row sizes and name lookup. The numbers are the public GGUF/ggml type table; retired ids
 * (4, 5, 31-33, 36-38) are unknown on purpose, as in current llama.cpp.
 * Left out: conversions (convert.c). */
#include <strings.h>

#include "core/error.h"
#include "tensor/tensor.h"

static const struct tensor_type_info type_table[TENSOR_TYPE_COUNT] = {
    [0] = {"f32", 1, 4, 1, 1},
    [1] = {"f16", 1, 2, 1, 1},
    [2] = {"q4_0", 32, 18, 1, 1},
    [3] = {"q4_1", 32, 20, 0, 0},
    [6] = {"q5_0", 32, 22, 0, 0},
    [7] = {"q5_1", 32, 24, 0, 0},
    [8] = {"q8_0", 32, 34, 1, 1},
    [9] = {"q8_1", 32, 36, 0, 0},
    [10] = {"q2_k", 256, 84, 0, 0},
    [11] = {"q3_k", 256, 110, 0, 0},
    [12] = {"q4_k", 256, 144, 0, 0},
    [13] = {"q5_k", 256, 176, 0, 0},
    [14] = {"q6_k", 256, 210, 1, 0},
    [15] = {"q8_k", 256, 292, 0, 0},
    [16] = {"iq2_xxs", 256, 66, 0, 0},
    [17] = {"iq2_xs", 256, 74, 0, 0},
    [18] = {"iq3_xxs", 256, 98, 0, 0},
    [19] = {"iq1_s", 256, 50, 0, 0},
    [20] = {"iq4_nl", 32, 18, 0, 0},
    [21] = {"iq3_s", 256, 110, 0, 0},
    [22] = {"iq2_s", 256, 82, 0, 0},
    [23] = {"iq4_xs", 256, 136, 0, 0},
    [24] = {"i8", 1, 1, 0, 0},
    [25] = {"i16", 1, 2, 0, 0},
    [26] = {"i32", 1, 4, 0, 0},
    [27] = {"i64", 1, 8, 0, 0},
    [28] = {"f64", 1, 8, 0, 0},
    [29] = {"iq1_m", 256, 56, 0, 0},
    [30] = {"bf16", 1, 2, 1, 1},
    [34] = {"tq1_0", 256, 54, 0, 0},
    [35] = {"tq2_0", 256, 66, 0, 0},
    [39] = {"mxfp4", 32, 17, 0, 0},
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
