/* seeds_gguf.c — writes the fuzz seed corpus for fuzz_gguf into the directory given:
 * small valid GGUF files made with chatmpi's writer (every value type, nested arrays,
 * each tensor element type, a non-default alignment, no tensors at all).
 * Left out: real model files (too big for a fuzz corpus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"

static int write_seed(const char *dir, const char *name, struct gguf_writer *w)
{
    char *path = cm_path_join(dir, name);
    int rc = gguf_writer_write(w, path);
    if (rc) fprintf(stderr, "seeds_gguf: %s\n", cm_error_message());
    free(path);
    gguf_writer_release(w);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds_gguf DIR\n");
        return 2;
    }
    static uint8_t data[4096];
    for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(data); i += 2) data[i + 1] &= 0x3f; /* finite f16/bf16 */
    struct gguf_writer w;
    int rc = 0;

    gguf_writer_init(&w);
    gguf_writer_set_str(&w, "general.architecture", "llama");
    gguf_writer_set_u8(&w, "a.u8", 1), gguf_writer_set_i8(&w, "a.i8", -1);
    gguf_writer_set_u16(&w, "a.u16", 2), gguf_writer_set_i16(&w, "a.i16", -2);
    gguf_writer_set_u32(&w, "a.u32", 3), gguf_writer_set_i32(&w, "a.i32", -3);
    gguf_writer_set_u64(&w, "a.u64", 4), gguf_writer_set_i64(&w, "a.i64", -4);
    gguf_writer_set_f32(&w, "a.f32", 0.5f), gguf_writer_set_f64(&w, "a.f64", 0.25);
    gguf_writer_set_bool(&w, "a.bool", true);
    const char *toks[] = {"<unk>", "<s>", "</s>", "a"};
    gguf_writer_set_arr_str(&w, "tokenizer.ggml.tokens", toks, 4);
    float scores[] = {0, -1, -2, -3};
    gguf_writer_set_arr(&w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, 4);
    struct cm_buf b;
    cm_buf_init(&b);
    gguf_enc_arr_header(&b, GGUF_TYPE_ARRAY, 2);
    gguf_enc_arr_header(&b, GGUF_TYPE_UINT8, 1);
    gguf_enc_u8(&b, 9);
    gguf_enc_arr_header(&b, GGUF_TYPE_STRING, 1);
    gguf_enc_str(&b, "x", 1);
    gguf_writer_set_encoded(&w, "a.nested", GGUF_TYPE_ARRAY, b.data, b.len);
    cm_buf_release(&b);
    gguf_writer_add_tensor(&w, "f32", TENSOR_TYPE_F32, 2, (int64_t[]){8, 2}, data);
    gguf_writer_add_tensor(&w, "f16", TENSOR_TYPE_F16, 1, (int64_t[]){8}, data);
    gguf_writer_add_tensor(&w, "bf16", TENSOR_TYPE_BF16, 3, (int64_t[]){2, 2, 2}, data);
    gguf_writer_add_tensor(&w, "q8_0", TENSOR_TYPE_Q8_0, 2, (int64_t[]){32, 2}, data);
    gguf_writer_add_tensor(&w, "q4_0", TENSOR_TYPE_Q4_0, 4, (int64_t[]){32, 1, 1, 2}, data);
    gguf_writer_add_tensor(&w, "q6_k", TENSOR_TYPE_Q6_K, 1, (int64_t[]){256}, data);
    rc |= write_seed(argv[1], "all_types.gguf", &w);

    gguf_writer_init(&w);
    gguf_writer_set_str(&w, "general.architecture", "llama");
    gguf_writer_set_alignment(&w, 64);
    gguf_writer_add_tensor(&w, "a.weight", TENSOR_TYPE_F32, 1, (int64_t[]){3}, data);
    gguf_writer_add_tensor(&w, "b.weight", TENSOR_TYPE_Q4_K, 1, (int64_t[]){256}, data);
    rc |= write_seed(argv[1], "align64.gguf", &w);

    gguf_writer_init(&w);
    gguf_writer_set_str(&w, "general.architecture", "llama");
    gguf_writer_set_str(&w, "general.name", "no tensors");
    rc |= write_seed(argv[1], "no_tensors.gguf", &w);
    return rc ? 1 : 0;
}
